/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-case-view.c: the case view over a demo store: deciding, undoing, commenting, conflicts */

#include "config.h"

#include <string.h>
#include <sys/stat.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "tb-attachment-cache.h"
#include "tb-case-events.h"
#include "tb-case-service.h"
#include "tb-case-list.h"
#include "tb-case-view.h"
#include "tb-decision-dialog.h"
#include "tb-demo.h"
#include "tb-form-view.h"
#include "tb-service.h"
#include "tb-store-private.h"
#include "tb-store-sync.h"
#include "tb-test-common.h"
#include "tb-test-ui.h"
#include "tb-wire.h"

#define TODAY "2026-11-27"

static const char * const market[] = { "team-market", NULL };

typedef struct
{
  char          *dir;
  TbStore       *store;
  TbCaseService *wangfang;
  const char    *language;
  GtkWidget     *window;
  AdwToastOverlay *overlay;
  TbCaseView    *view;
  GPtrArray     *toasts;
} Fixture;

/* ------------------------------------------------------------------------------------------ */
/* Helpers                                                                                    */

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  fixture->language = data;
  tb_test_ui_set_language (data);
  fixture->dir = g_dir_make_tmp ("tongban-test-case-view-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (fixture->dir, "store.db", NULL);
  fixture->store = tb_store_open (path, &error);
  g_assert_no_error (error);
  g_assert_true (tb_demo_seed_store (fixture->store, 600, 5, tb_day_from_iso (TODAY), &error));
  g_assert_no_error (error);
  fixture->wangfang = tb_case_service_new (fixture->store, "u-wangfang", TB_ROLE_CASEWORKER,
                                           market);
  tb_case_service_set_today (fixture->wangfang, tb_day_from_iso (TODAY));
  fixture->toasts = g_ptr_array_new_with_free_func (g_object_unref);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  if (fixture->window != NULL)
    {
      g_object_ref (fixture->view);
      gtk_window_destroy (GTK_WINDOW (fixture->window));
      tb_test_ui_spin (10);
      g_assert_finalize_object (fixture->view);
    }
  g_ptr_array_unref (fixture->toasts);
  g_clear_object (&fixture->wangfang);
  {
    g_autofree char *attachments = tb_attachment_cache_build_dir (tb_store_get_path (
                                                                    fixture->store));

    g_assert_true (tb_attachment_cache_delete_dir (attachments, NULL));
  }
  g_assert_finalize_object (fixture->store);
  tb_test_remove_dir (fixture->dir);
  g_free (fixture->dir);
  tb_test_ui_set_language (NULL);
}

/* The first case assigned to @assignee in @state of @service. */
static TbCase *
find_case (TbStore    *store,
           const char *assignee,
           const char *state,
           const char *service)
{
  g_autoptr(TbCaseList) list = tb_case_list_new (store);

  tb_case_list_set_assignee (list, assignee);
  tb_case_list_set_state (list, state);
  tb_case_list_set_service (list, service);
  if (g_list_model_get_n_items (G_LIST_MODEL (list)) == 0)
    g_error ("the demo has no %s case of %s in %s", service ? service : "", assignee, state);
  return g_list_model_get_item (G_LIST_MODEL (list), 0);
}

static void
on_add_toast (TbCaseView *view,
              AdwToast   *toast,
              Fixture    *fixture)
{
  g_ptr_array_add (fixture->toasts, g_object_ref (toast));
  adw_toast_overlay_add_toast (fixture->overlay, g_object_ref (toast));
}

/* The view in a window with a toast overlay, as TbWindow holds it, showing @case_id. */
static TbCaseView *
show_view (Fixture    *fixture,
           const char *case_id)
{
  fixture->window = gtk_window_new ();
  fixture->overlay = ADW_TOAST_OVERLAY (adw_toast_overlay_new ());
  fixture->view = TB_CASE_VIEW (tb_case_view_new ());
  g_signal_connect (fixture->view, "add-toast", G_CALLBACK (on_add_toast), fixture);
  adw_toast_overlay_set_child (fixture->overlay, GTK_WIDGET (fixture->view));
  gtk_window_set_child (GTK_WINDOW (fixture->window), GTK_WIDGET (fixture->overlay));
  gtk_window_set_default_size (GTK_WINDOW (fixture->window), 1040, 780);
  tb_case_view_set_case_service (fixture->view, fixture->wangfang);
  tb_case_view_set_case_id (fixture->view, case_id);
  gtk_window_present (GTK_WINDOW (fixture->window));
  tb_test_ui_spin (50);
  return fixture->view;
}

/* Whether a label showing exactly @text is on screen (a hidden page does not count). */
static gboolean
shows_label (GtkWidget  *root,
             const char *text)
{
  g_autoptr(GPtrArray) labels = tb_test_ui_find_all (root, GTK_TYPE_LABEL);

  for (guint i = 0; i < labels->len; i++)
    {
      GtkWidget *label = g_ptr_array_index (labels, i);

      if (gtk_widget_is_drawable (label)
          && g_strcmp0 (gtk_label_get_label (GTK_LABEL (label)), text) == 0)
        return TRUE;
    }
  return FALSE;
}

/* Whether a shown label contains @text. */
static gboolean
shows_text (GtkWidget  *root,
            const char *text)
{
  g_autoptr(GPtrArray) labels = tb_test_ui_find_all (root, GTK_TYPE_LABEL);

  for (guint i = 0; i < labels->len; i++)
    {
      GtkWidget *label = g_ptr_array_index (labels, i);

      if (gtk_widget_get_mapped (label)
          && strstr (gtk_label_get_label (GTK_LABEL (label)), text) != NULL)
        return TRUE;
    }
  return FALSE;
}

/* The shown button labelled @label. */
static GtkWidget *
find_button (GtkWidget  *root,
             const char *label)
{
  g_autoptr(GPtrArray) buttons = tb_test_ui_find_all (root, GTK_TYPE_BUTTON);

  for (guint i = 0; i < buttons->len; i++)
    if (gtk_widget_is_drawable (g_ptr_array_index (buttons, i))
        && g_strcmp0 (gtk_button_get_label (g_ptr_array_index (buttons, i)), label) == 0)
      return g_ptr_array_index (buttons, i);
  return NULL;
}

/* The rows of the timeline, newest first. */
static GPtrArray *
timeline_rows (TbCaseView *view)
{
  g_autoptr(GPtrArray) lists = tb_test_ui_find_all (GTK_WIDGET (view), GTK_TYPE_LIST_BOX);
  GPtrArray *rows = g_ptr_array_new ();

  for (guint i = 0; i < lists->len; i++)
    {
      GtkWidget *list = g_ptr_array_index (lists, i);
      g_autofree char *mismatch = NULL;

      if (!gtk_test_accessible_has_property (GTK_ACCESSIBLE (list),
                                             GTK_ACCESSIBLE_PROPERTY_LABEL))
        continue;
      mismatch = gtk_test_accessible_check_property (GTK_ACCESSIBLE (list),
                                                     GTK_ACCESSIBLE_PROPERTY_LABEL,
                                                     _("Timeline"));
      if (mismatch != NULL)
        continue;
      for (GtkWidget *row = gtk_widget_get_first_child (list); row != NULL;
           row = gtk_widget_get_next_sibling (row))
        if (ADW_IS_ACTION_ROW (row))
          g_ptr_array_add (rows, row);
    }
  return rows;
}

static TbDecisionDialog *
find_dialog (void)
{
  return TB_DECISION_DIALOG (tb_test_ui_find_toplevel (TB_TYPE_DECISION_DIALOG));
}

static TbDecisionDialog *
open_dialog (TbCaseView *view,
             const char *action)
{
  TbDecisionDialog *dialog;

  g_assert_null (find_dialog ());
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "case.decide", "s", action));
  dialog = find_dialog ();
  g_assert_nonnull (dialog);
  g_assert_cmpstr (tb_decision_dialog_get_action (dialog), ==, action);
  g_assert_true (gtk_window_get_modal (GTK_WINDOW (dialog)));
  tb_test_ui_spin (50);
  return dialog;
}

static gboolean
action_enabled (TbCaseView *view,
                const char *name)
{
  GActionGroup *group = tb_case_view_get_action_group (view);

  g_assert_nonnull (group);
  return g_action_group_get_action_enabled (group, name);
}

static AdwToast *
last_toast (Fixture *fixture)
{
  g_assert_cmpuint (fixture->toasts->len, >, 0);
  return g_ptr_array_index (fixture->toasts, fixture->toasts->len - 1);
}

/* Toasts and dialogs slide in: wait for them longer than the shared helper does. */
static void
save_png (GtkWidget  *widget,
          const char *name)
{
  tb_test_ui_spin (250);
  tb_test_ui_save_screenshot (widget, name);
}

static char *
screenshot_name (Fixture    *fixture,
                 const char *what)
{
  return g_strdup_printf ("case-view-%s-%s.png", what, fixture->language);
}

/* The controls shown, but not the button inside a menu button: that one is named by it. */
static gboolean
is_control (GtkWidget     *widget,
            gconstpointer  data)
{
  return (GTK_IS_BUTTON (widget) || GTK_IS_MENU_BUTTON (widget) || GTK_IS_CHECK_BUTTON (widget)
          || GTK_IS_TEXT (widget) || GTK_IS_TEXT_VIEW (widget))
         && gtk_widget_is_drawable (widget)
         && !GTK_IS_MENU_BUTTON (gtk_widget_get_parent (widget));
}

/* Every control shown can be named by a screen reader. */
static void
assert_controls_labelled (GtkWidget *root)
{
  tb_test_ui_assert_controls_labelled (root, is_control, NULL);
}

/* ------------------------------------------------------------------------------------------ */
/* Tests                                                                                      */

static void
test_new_destroy (Fixture       *fixture,
                  gconstpointer  data)
{
  GtkWidget *view = tb_case_view_new ();
  TbDecisionDialog *dialog;
  g_autoptr(TbCase) c = find_case (fixture->store, "u-wangfang", "in_review", NULL);

  g_object_ref_sink (view);
  g_assert_true (TB_IS_CASE_VIEW (view));
  g_assert_null (tb_case_view_get_case_service (TB_CASE_VIEW (view)));
  g_assert_null (tb_case_view_get_case_id (TB_CASE_VIEW (view)));
  g_assert_null (tb_case_view_get_case (TB_CASE_VIEW (view)));
  g_assert_false (tb_case_view_get_modified (TB_CASE_VIEW (view)));
  g_assert_false (action_enabled (TB_CASE_VIEW (view), "decide"));
  g_assert_false (action_enabled (TB_CASE_VIEW (view), "undo"));
  g_assert_finalize_object (view);

  /* With a case, and let go of while showing it. */
  view = g_object_ref_sink (tb_case_view_new ());
  tb_case_view_set_case_service (TB_CASE_VIEW (view), fixture->wangfang);
  tb_case_view_set_case_id (TB_CASE_VIEW (view), tb_case_get_id (c));
  g_assert_nonnull (tb_case_view_get_case (TB_CASE_VIEW (view)));
  g_assert_finalize_object (view);

  dialog = g_object_ref_sink (tb_decision_dialog_new (fixture->wangfang, c, "approve"));
  g_assert_true (tb_decision_dialog_get_case (dialog) == c);
  g_assert_true (tb_decision_dialog_get_case_service (dialog) == fixture->wangfang);
  gtk_window_destroy (GTK_WINDOW (dialog));
  g_assert_finalize_object (dialog);
}

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              guint      *n)
{
  (*n)++;
}

static void
test_properties (Fixture       *fixture,
                 gconstpointer  data)
{
  GtkWidget *view = g_object_ref_sink (tb_case_view_new ());
  g_autoptr(TbCase) c = find_case (fixture->store, "u-wangfang", "in_review", NULL);
  g_autoptr(TbCaseService) service = NULL;
  g_autofree char *case_id = NULL;
  guint n_service = 0, n_id = 0, n_case = 0;

  g_signal_connect (view, "notify::case-service", G_CALLBACK (count_notify), &n_service);
  g_signal_connect (view, "notify::case-id", G_CALLBACK (count_notify), &n_id);
  g_signal_connect (view, "notify::case", G_CALLBACK (count_notify), &n_case);

  g_object_set (view, "case-service", fixture->wangfang, NULL);
  g_assert_cmpuint (n_service, ==, 1);
  g_object_set (view, "case-service", fixture->wangfang, NULL);
  g_assert_cmpuint (n_service, ==, 1);

  g_object_set (view, "case-id", tb_case_get_id (c), NULL);
  g_assert_cmpuint (n_id, ==, 1);
  g_assert_cmpuint (n_case, >=, 1);
  g_object_set (view, "case-id", tb_case_get_id (c), NULL);
  g_assert_cmpuint (n_id, ==, 1);

  g_object_get (view, "case-service", &service, "case-id", &case_id, NULL);
  g_assert_true (service == fixture->wangfang);
  g_assert_cmpstr (case_id, ==, tb_case_get_id (c));
  g_assert_true (tb_case_equal (tb_case_view_get_case (TB_CASE_VIEW (view)), c));

  g_object_set (view, "case-id", NULL, NULL);
  g_assert_cmpuint (n_id, ==, 2);
  g_assert_null (tb_case_view_get_case (TB_CASE_VIEW (view)));

  /* Not on this desk: no case, and nothing to decide. */
  g_object_set (view, "case-id", "no-such-case", NULL);
  g_assert_null (tb_case_view_get_case (TB_CASE_VIEW (view)));
  g_assert_false (action_enabled (TB_CASE_VIEW (view), "decide"));

  g_object_set (view, "case-service", NULL, NULL);
  g_assert_cmpuint (n_service, ==, 2);
  g_assert_finalize_object (view);
}

/* A business licence case in review: its header, form, history and decisions. */
static void
test_open (Fixture       *fixture,
           gconstpointer  data)
{
  g_autoptr(TbCase) c = find_case (fixture->store, "u-wangfang", "in_review", "business-licence");
  TbCaseView *view = show_view (fixture, tb_case_get_id (c));
  GtkWidget *root = GTK_WIDGET (view);
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GPtrArray) form_views = tb_test_ui_find_all (root, TB_TYPE_FORM_VIEW);
  g_autoptr(TbService) service = tb_store_get_service (fixture->store, "business-licence", NULL);
  g_autoptr(TbWorkflow) workflow = tb_store_get_workflow (fixture->store, "registration", NULL);
  const char * const *editable;
  g_autofree char *name = NULL;

  g_assert_true (tb_case_equal (tb_case_view_get_case (view), c));
  g_assert_true (shows_label (root, tb_case_get_ref (c)));
  g_assert_true (shows_label (root, tb_service_get_name (service)));
  g_assert_true (shows_label (root, tb_workflow_get_state_name (workflow, "in_review")));
  g_assert_true (shows_label (root, _("Synced")));
  g_assert_true (shows_label (root, "王芳"));
  {
    g_autofree char *deadline = tb_day_to_iso (tb_case_get_deadline (c));

    g_assert_true (shows_text (root, deadline));
  }

  /* The workflow's decisions for a caseworker in review, the main one marked. */
  g_assert_nonnull (find_button (root, tb_workflow_get_action_name (workflow, "approve")));
  g_assert_nonnull (find_button (root, tb_workflow_get_action_name (workflow, "return")));
  g_assert_nonnull (find_button (root, tb_workflow_get_action_name (workflow, "reject")));
  g_assert_null (find_button (root, tb_workflow_get_action_name (workflow, "extend")));
  g_assert_true (gtk_widget_has_css_class (
    find_button (root, tb_workflow_get_action_name (workflow, "approve")), "suggested-action"));
  g_assert_true (action_enabled (view, "decide"));
  g_assert_true (action_enabled (view, "decide-primary"));
  g_assert_true (action_enabled (view, "comment"));
  g_assert_false (action_enabled (view, "save"));
  g_assert_false (action_enabled (view, "undo"));
  g_assert_false (action_enabled (view, "keep-mine"));

  /* In review a caseworker may correct the business scope only. */
  g_assert_cmpuint (form_views->len, ==, 1);
  editable = tb_form_view_get_editable_fields (g_ptr_array_index (form_views, 0));
  g_assert_nonnull (editable);
  g_assert_cmpstr (editable[0], ==, "business_scope");
  g_assert_null (editable[1]);

  /* The demo's history is empty; the timeline says so. */
  rows = timeline_rows (view);
  g_assert_cmpuint (rows->len, ==, 0);

  assert_controls_labelled (root);
  name = screenshot_name (fixture, "open");
  save_png (fixture->window, name);

  /* Seeing a masked personal value is recorded. */
  {
    g_autoptr(GPtrArray) buttons = tb_test_ui_find_all (g_ptr_array_index (form_views, 0),
                                                        GTK_TYPE_BUTTON);
    GtkWidget *reveal = NULL;

    for (guint i = 0; i < buttons->len && reveal == NULL; i++)
      if (g_strcmp0 (gtk_button_get_icon_name (g_ptr_array_index (buttons, i)),
                     "view-reveal-symbolic") == 0)
        reveal = g_ptr_array_index (buttons, i);
    g_assert_nonnull (reveal);
    g_signal_emit_by_name (reveal, "clicked");
    g_assert_cmpint (tb_test_store_int (fixture->store, "SELECT count (*) FROM audit WHERE action = "
                                            "'reveal' AND actor_id = 'u-wangfang'"), ==, 1);
  }

  /* The history page. */
  g_assert_true (gtk_widget_activate_action (root, "case.write-comment", NULL));
  g_assert_true (gtk_widget_has_focus (gtk_root_get_focus (GTK_ROOT (fixture->window))));
  g_assert_true (GTK_IS_TEXT_VIEW (gtk_root_get_focus (GTK_ROOT (fixture->window))));
  assert_controls_labelled (root);
}

static void
test_approve_undo (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(TbCase) c = find_case (fixture->store, "u-wangfang", "in_review", "business-licence");
  TbCaseView *view = show_view (fixture, tb_case_get_id (c));
  TbDecisionDialog *dialog;
  TbCase *now;
  AdwToast *toast;
  g_autofree char *mutation = NULL;
  g_autofree char *name = NULL;
  g_autoptr(GPtrArray) rows = NULL;

  dialog = open_dialog (view, "approve");
  assert_controls_labelled (GTK_WIDGET (dialog));
  name = screenshot_name (fixture, "approve-dialog");
  save_png (GTK_WIDGET (dialog), name);
  tb_decision_dialog_set_comment (dialog, "材料齐全，准予登记");
  g_assert_true (tb_decision_dialog_confirm (dialog));
  tb_test_ui_spin (20);
  g_assert_null (find_dialog ());

  /* Pending, queued, and said so with an Undo. */
  now = tb_case_view_get_case (view);
  g_assert_cmpstr (tb_case_get_state (now), ==, "approved");
  g_assert_cmpint (tb_case_get_sync_state (now), ==, TB_SYNC_STATE_PENDING);
  g_assert_true (shows_label (GTK_WIDGET (view), _("Waiting to be sent")));
  mutation = tb_test_store_text (fixture->store, "SELECT name || ' ' || json_extract (args, '$.action') || "
                                      "' ' || json_extract (args, '$.comment') FROM outbox");
  g_assert_cmpstr (mutation, ==, "case.decide approve 材料齐全，准予登记");
  toast = last_toast (fixture);
  {
    g_autofree char *approved = g_strdup_printf (_("Approved %s"), tb_case_get_ref (c));
    g_autofree char *title = g_strdup_printf (_("%s — will be sent when online"), approved);

    g_assert_cmpstr (adw_toast_get_title (toast), ==, title);
  }
  g_assert_cmpstr (adw_toast_get_button_label (toast), ==, _("_Undo"));
  g_assert_true (action_enabled (view, "undo"));
  g_assert_false (action_enabled (view, "decide-primary"));

  /* The decision is in the history, marked as not sent yet. */
  rows = timeline_rows (view);
  g_assert_cmpuint (rows->len, ==, 1);
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (g_ptr_array_index (rows, 0)),
                            "材料齐全，准予登记"));
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (g_ptr_array_index (rows, 0)),
                            _("Waiting to be sent")));
  g_free (name);
  name = screenshot_name (fixture, "approved");
  save_png (fixture->window, name);

  /* Undo from the toast's button: as before, nothing left to send. */
  g_signal_emit_by_name (toast, "button-clicked");
  tb_test_ui_spin (20);
  now = tb_case_view_get_case (view);
  g_assert_true (tb_case_equal (now, c));
  g_assert_true (shows_label (GTK_WIDGET (view), _("Synced")));
  g_assert_cmpint (tb_test_store_int (fixture->store, "SELECT count (*) FROM outbox"), ==, 0);
  g_assert_cmpstr (adw_toast_get_title (last_toast (fixture)), ==, _("Undone"));
  g_clear_pointer (&rows, g_ptr_array_unref);
  rows = timeline_rows (view);
  g_assert_cmpuint (rows->len, ==, 0);
  g_assert_false (action_enabled (view, "undo"));

  /* Again through the keyboard's actions; once sent, undo is refused. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "case.decide-primary", NULL));
  dialog = find_dialog ();
  g_assert_nonnull (dialog);
  g_assert_cmpstr (tb_decision_dialog_get_action (dialog), ==, "approve");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "decision.confirm", NULL));
  tb_test_ui_spin (20);
  g_assert_null (find_dialog ());
  g_assert_cmpint (tb_test_store_int (fixture->store, "SELECT count (*) FROM outbox"), ==, 1);
  g_assert_true (_tb_store_outbox_set_sending (fixture->store, 1, 1, TRUE, NULL));
  tb_test_ui_spin (20);
  g_assert_true (shows_label (GTK_WIDGET (view), _("Sending…")));
  g_assert_false (action_enabled (view, "undo"));
  g_assert_cmpint (tb_test_store_int (fixture->store, "SELECT count (*) FROM outbox"), ==, 1);
}

static void
test_return_for_correction (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(TbCase) c = find_case (fixture->store, "u-wangfang", "in_review", "business-licence");
  g_autoptr(TbService) service = tb_store_get_service (fixture->store, "business-licence", NULL);
  TbCaseView *view = show_view (fixture, tb_case_get_id (c));
  const TbMaterial *first = tb_service_get_material (service, 0);
  const TbMaterial *second = tb_service_get_material (service, 1);
  TbDecisionDialog *dialog;
  g_autofree char *reason = NULL;
  g_autofree char *stored = NULL;
  g_autofree char *name = NULL;
  TbCase *now;

  dialog = open_dialog (view, "return");

  /* Nothing said about what is missing: refused, the dialog stays. */
  g_assert_false (tb_decision_dialog_confirm (dialog));
  g_assert_cmpstr (tb_decision_dialog_get_problem (dialog), ==,
                   _("Tick the missing materials or describe what is missing."));
  g_assert_true (find_dialog () == dialog);
  g_assert_cmpint (tb_test_store_int (fixture->store, "SELECT count (*) FROM outbox"), ==, 0);

  g_assert_true (tb_decision_dialog_set_material_missing (dialog, tb_material_get_id (first),
                                                          TRUE));
  g_assert_true (tb_decision_dialog_set_material_missing (dialog, tb_material_get_id (second),
                                                          TRUE));
  g_assert_false (tb_decision_dialog_set_material_missing (dialog, "no-such-material", TRUE));
  tb_decision_dialog_set_reason (dialog, "住所使用证明复印件不清晰");
  reason = tb_decision_dialog_dup_reason (dialog);
  g_assert_nonnull (strstr (reason, tb_material_get_label (first)));
  g_assert_nonnull (strstr (reason, tb_material_get_label (second)));
  g_assert_true (g_str_has_suffix (reason, "住所使用证明复印件不清晰"));
  assert_controls_labelled (GTK_WIDGET (dialog));
  name = screenshot_name (fixture, "return-dialog");
  save_png (GTK_WIDGET (dialog), name);

  g_assert_true (tb_decision_dialog_confirm (dialog));
  tb_test_ui_spin (20);

  /* The clock stops while the applicant corrects. */
  now = tb_case_view_get_case (view);
  g_assert_cmpstr (tb_case_get_state (now), ==, "awaiting_applicant");
  g_assert_cmpuint (tb_case_get_paused_since (now), ==, tb_day_from_iso (TODAY));
  g_assert_true (shows_text (GTK_WIDGET (view), _("Paused while awaiting the applicant")));
  stored = tb_test_store_text (fixture->store, "SELECT json_extract (args, '$.reason') FROM outbox");
  g_assert_cmpstr (stored, ==, reason);
  g_assert_nonnull (strstr (adw_toast_get_title (last_toast (fixture)), tb_case_get_ref (c)));

  /* Now the whole form may be corrected; the main decision records the resubmission. */
  {
    g_autoptr(GPtrArray) form_views = tb_test_ui_find_all (GTK_WIDGET (view), TB_TYPE_FORM_VIEW);
    const char * const *editable =
      tb_form_view_get_editable_fields (g_ptr_array_index (form_views, 0));

    g_assert_true (g_strv_contains (editable, "registered_capital"));
  }
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "case.decide-primary", NULL));
  dialog = find_dialog ();
  g_assert_cmpstr (tb_decision_dialog_get_action (dialog), ==, "resubmit");
  gtk_window_close (GTK_WINDOW (dialog));
  tb_test_ui_spin (20);
  g_assert_null (find_dialog ());

  /* An action this step does not have is refused with a message. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "case.decide", "s", "approve"));
  g_assert_null (find_dialog ());
  {
    g_autoptr(TbWorkflow) workflow = tb_store_get_workflow (fixture->store, "registration",
                                                            NULL);
    g_autofree char *message =
      g_strdup_printf (_("“%s” is not possible for this case now."),
                       tb_workflow_get_action_name (workflow, "approve"));

    g_assert_cmpstr (adw_toast_get_title (last_toast (fixture)), ==, message);
  }
}

static void
test_reject_needs_reason (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(TbCase) c = find_case (fixture->store, "u-wangfang", "in_review", "business-licence");
  TbCaseView *view = show_view (fixture, tb_case_get_id (c));
  TbDecisionDialog *dialog = open_dialog (view, "reject");

  g_assert_false (tb_decision_dialog_confirm (dialog));
  g_assert_cmpstr (tb_decision_dialog_get_problem (dialog), ==, _("Give a reason."));
  tb_decision_dialog_set_reason (dialog, "  \n ");
  g_assert_false (tb_decision_dialog_confirm (dialog));
  tb_decision_dialog_set_reason (dialog, "经营范围含需前置审批项目，未提交批准文件");
  g_assert_true (tb_decision_dialog_confirm (dialog));
  tb_test_ui_spin (20);
  g_assert_cmpstr (tb_case_get_state (tb_case_view_get_case (view)), ==, "rejected");
  g_assert_true (tb_case_get_closed (tb_case_view_get_case (view)));
  g_assert_false (action_enabled (view, "decide"));
  g_assert_true (shows_label (GTK_WIDGET (view), _("Concluded; no decision is open")));
}

static void
test_comment (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(TbCase) c = find_case (fixture->store, "u-wangfang", "received", NULL);
  TbCaseView *view = show_view (fixture, tb_case_get_id (c));
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GPtrArray) text_views = NULL;
  g_autofree char *name = NULL;
  GtkTextView *box = NULL;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "case.comment", "s",
                                             "已电话告知申请人补正"));
  tb_test_ui_spin (20);
  rows = timeline_rows (view);
  g_assert_cmpuint (rows->len, ==, 1);
  g_assert_cmpstr (adw_preferences_row_get_title (g_ptr_array_index (rows, 0)), ==,
                   "已电话告知申请人补正");
  g_assert_true (g_str_has_prefix (adw_action_row_get_subtitle (g_ptr_array_index (rows, 0)),
                                   "王芳 · "));
  g_assert_nonnull (strstr (adw_toast_get_title (last_toast (fixture)), tb_case_get_ref (c)));
  g_assert_cmpint (tb_case_get_sync_state (tb_case_view_get_case (view)), ==,
                   TB_SYNC_STATE_PENDING);

  /* What is typed in the box, newest on top; the box empties. */
  text_views = tb_test_ui_find_all (GTK_WIDGET (view), GTK_TYPE_TEXT_VIEW);
  for (guint i = 0; i < text_views->len && box == NULL; i++)
    {
      g_autofree char *mismatch =
        gtk_test_accessible_check_property (g_ptr_array_index (text_views, i),
                                            GTK_ACCESSIBLE_PROPERTY_LABEL, _("Comment"));
      if (mismatch == NULL)
        box = g_ptr_array_index (text_views, i);
    }
  g_assert_nonnull (box);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (box), "申请人下周一来窗口", -1);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "case.comment", "s", ""));
  tb_test_ui_spin (20);
  g_clear_pointer (&rows, g_ptr_array_unref);
  rows = timeline_rows (view);
  g_assert_cmpuint (rows->len, ==, 2);
  g_assert_cmpstr (adw_preferences_row_get_title (g_ptr_array_index (rows, 0)), ==,
                   "申请人下周一来窗口");
  g_assert_cmpint (gtk_text_buffer_get_char_count (gtk_text_view_get_buffer (box)), ==, 0);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "case.write-comment", NULL));
  g_assert_true (gtk_widget_has_focus (GTK_WIDGET (box)));
  assert_controls_labelled (GTK_WIDGET (view));
  name = screenshot_name (fixture, "history");
  save_png (fixture->window, name);

  /* An empty box adds nothing. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "case.comment", "s", ""));
  g_assert_cmpint (tb_test_store_int (fixture->store, "SELECT count (*) FROM outbox"), ==, 2);

  /* Undo takes the last one back. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "case.undo", NULL));
  tb_test_ui_spin (20);
  g_clear_pointer (&rows, g_ptr_array_unref);
  rows = timeline_rows (view);
  g_assert_cmpuint (rows->len, ==, 1);
  g_assert_cmpint (tb_test_store_int (fixture->store, "SELECT count (*) FROM outbox"), ==, 1);
}

static GtkWidget *
find_entry_row (GtkWidget  *root,
                const char *title)
{
  g_autoptr(GPtrArray) rows = tb_test_ui_find_all (root, ADW_TYPE_ENTRY_ROW);

  for (guint i = 0; i < rows->len; i++)
    if (g_strcmp0 (adw_preferences_row_get_title (g_ptr_array_index (rows, i)), title) == 0)
      return g_ptr_array_index (rows, i);
  return NULL;
}

static void
test_edit_save (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(TbCase) c = find_case (fixture->store, "u-wangfang", "received", "business-licence");
  g_autoptr(TbService) service = tb_store_get_service (fixture->store, "business-licence", NULL);
  TbCaseView *view = show_view (fixture, tb_case_get_id (c));
  const TbFormField *field = tb_service_lookup_field (service, "company_name");
  GtkWidget *entry = find_entry_row (GTK_WIDGET (view), tb_form_field_get_label (field));
  guint n_modified = 0;
  g_autofree char *saved = NULL;
  g_autofree char *name = NULL;

  g_assert_nonnull (entry);
  g_signal_connect (view, "notify::modified", G_CALLBACK (count_notify), &n_modified);

  /* A blank required field: refused with the problem beside the field, nothing queued. */
  gtk_editable_set_text (GTK_EDITABLE (entry), "");
  g_assert_true (tb_case_view_get_modified (view));
  g_assert_cmpuint (n_modified, ==, 1);
  g_assert_true (action_enabled (view, "save"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "case.save", NULL));
  g_assert_cmpint (tb_test_store_int (fixture->store, "SELECT count (*) FROM outbox"), ==, 0);
  g_assert_nonnull (strstr (adw_toast_get_title (last_toast (fixture)), "problem"));
  g_assert_true (tb_case_view_get_modified (view));

  /* Deciding with unsaved changes is refused. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "case.decide-primary", NULL));
  g_assert_null (find_dialog ());

  gtk_editable_set_text (GTK_EDITABLE (entry), "杭州云杉信息科技有限公司");
  name = screenshot_name (fixture, "edited");
  save_png (fixture->window, name);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "case.save", NULL));
  tb_test_ui_spin (20);
  g_assert_false (tb_case_view_get_modified (view));
  saved = tb_test_store_text (fixture->store, "SELECT name || ' ' || json_extract (args, "
                                   "'$.fields.company_name') FROM outbox");
  g_assert_cmpstr (saved, ==, "case.update_fields 杭州云杉信息科技有限公司");
  g_assert_nonnull (strstr (adw_toast_get_title (last_toast (fixture)), tb_case_get_ref (c)));

  /* Undone: the form shows the case's own value again. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "case.undo", NULL));
  tb_test_ui_spin (20);
  entry = find_entry_row (GTK_WIDGET (view), tb_form_field_get_label (field));
  {
    g_autoptr(JsonObject) form = tb_case_dup_form (c);

    g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==,
                     json_object_get_string_member (form, "company_name"));
  }
  g_assert_cmpint (tb_test_store_int (fixture->store, "SELECT count (*) FROM outbox"), ==, 0);

  /* Discarding drops the edits. */
  gtk_editable_set_text (GTK_EDITABLE (entry), "别的名字");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "case.discard", NULL));
  g_assert_false (tb_case_view_get_modified (view));
}

/* Makes the server answer the queued approval of @c with a conflict: someone else extended
 * the time limit and changed the business scope meanwhile. */
static void
answer_with_conflict (Fixture *fixture,
                      TbCase  *c,
                      gboolean rejected)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) record = NULL;
  g_autoptr(JsonObject) form = tb_case_dup_form (c);
  g_autoptr(JsonNode) reply = NULL;
  g_autofree char *form_json = NULL;
  g_autofree char *record_json = NULL;
  g_autofree char *reply_json = NULL;
  TbWireCase wcase = { 0 };
  TbPushCounts counts = { 0 };

  json_object_set_string_member (form, "business_scope", "软件开发；信息技术咨询服务");
  form_json = json_to_string (json_node_init_object (json_node_alloc (), form), FALSE);
  tb_case_to_record (c, &wcase.record);
  wcase.record.version++;
  wcase.record.deadline = tb_day_from_iso ("2027-01-15");
  wcase.record.form_json = form_json;
  record = tb_wire_case_to_json (&wcase, &error);
  g_assert_no_error (error);
  record_json = json_to_string (record, FALSE);

  if (rejected)
    reply_json = g_strdup ("{\"schema_version\":1,\"last_mutation_id\":1,\"results\":[{\"id\":1,"
                           "\"status\":\"rejected\",\"problem\":{\"title\":\"Not allowed\","
                           "\"detail\":\"案件已由科长签批，不能再办理\"}}]}");
  else
    reply_json = g_strdup_printf ("{\"schema_version\":1,\"last_mutation_id\":1,\"results\":["
                                  "{\"id\":1,\"status\":\"conflict\",\"version\":%" G_GINT64_FORMAT
                                  ",\"problem\":{\"title\":\"Conflict\",\"detail\":\"陈静已延长"
                                  "办理期限并修改了经营范围\"},\"record\":%s}]}",
                                  wcase.record.version, record_json);
  reply = json_from_string (reply_json, &error);
  g_assert_no_error (error);

  g_assert_true (_tb_store_outbox_set_sending (fixture->store, 1, 1, TRUE, &error));
  g_assert_true (_tb_store_apply_push (fixture->store, json_node_get_object (reply), &counts,
                                       &error));
  g_assert_no_error (error);
  g_assert_cmpuint (rejected ? counts.rejected : counts.conflicts, ==, 1);
}

static void
approve (TbCaseView *view)
{
  TbDecisionDialog *dialog = open_dialog (view, "approve");

  g_assert_true (tb_decision_dialog_confirm (dialog));
  tb_test_ui_spin (20);
}

static void
test_conflict (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(TbCase) c = find_case (fixture->store, "u-wangfang", "in_review", "business-licence");
  TbCaseView *view = show_view (fixture, tb_case_get_id (c));
  GtkWidget *root = GTK_WIDGET (view);
  g_autoptr(TbWorkflow) workflow = tb_store_get_workflow (fixture->store, "registration", NULL);
  g_autoptr(GPtrArray) conflicts = NULL;
  g_autofree char *name = NULL;
  g_autofree char *deadline = tb_day_to_iso (tb_case_get_deadline (c));

  approve (view);
  answer_with_conflict (fixture, c, FALSE);
  tb_test_ui_spin (300);

  /* The server's record stands; the banner says why and shows the three versions. */
  g_assert_cmpstr (tb_case_get_state (tb_case_view_get_case (view)), ==, "in_review");
  g_assert_cmpint (tb_case_get_sync_state (tb_case_view_get_case (view)), ==,
                   TB_SYNC_STATE_CONFLICT);
  g_assert_true (shows_label (root, _("The case changed on the server before your change "
                                      "arrived")));
  g_assert_true (shows_text (root, "陈静已延长办理期限并修改了经营范围"));
  g_assert_true (shows_label (root, _("Before")));
  g_assert_true (shows_label (root, _("Yours")));
  g_assert_true (shows_label (root, _("Theirs")));
  g_assert_true (shows_label (root, tb_workflow_get_state_name (workflow, "approved")));
  g_assert_true (shows_label (root, deadline));
  g_assert_true (shows_label (root, "2027-01-15"));
  g_assert_true (shows_label (root, _("Conflict with the server")));
  g_assert_true (action_enabled (view, "keep-mine"));
  g_assert_true (action_enabled (view, "take-theirs"));
  g_assert_nonnull (find_button (root, _("_Keep My Change")));
  g_assert_nonnull (find_button (root, _("_Take Theirs")));
  assert_controls_labelled (root);
  name = screenshot_name (fixture, "conflict");
  save_png (fixture->window, name);

  /* Keep mine: the approval is queued again on the server's version. */
  g_assert_true (gtk_widget_activate_action (root, "case.keep-mine", NULL));
  tb_test_ui_spin (300);
  conflicts = tb_store_list_conflicts (fixture->store, tb_case_get_id (c), NULL);
  g_assert_cmpuint (conflicts->len, ==, 0);
  g_assert_false (action_enabled (view, "keep-mine"));
  g_assert_cmpstr (tb_case_get_state (tb_case_view_get_case (view)), ==, "approved");
  g_assert_cmpint (tb_test_store_int (fixture->store, "SELECT count (*) FROM outbox WHERE name = "
                                          "'case.decide'"), ==, 1);
  {
    g_autoptr(GPtrArray) boxes = tb_test_ui_find_all (root, GTK_TYPE_BOX);
    GtkWidget *banner = NULL;

    for (guint i = 0; i < boxes->len; i++)
      if (gtk_widget_has_css_class (g_ptr_array_index (boxes, i), "tb-conflict"))
        banner = g_ptr_array_index (boxes, i);
    g_assert_nonnull (banner);
    g_assert_false (gtk_revealer_get_reveal_child (
      GTK_REVEALER (gtk_widget_get_ancestor (banner, GTK_TYPE_REVEALER))));
  }
}

static void
test_conflict_take_theirs (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(TbCase) c = find_case (fixture->store, "u-wangfang", "in_review", "business-licence");
  TbCaseView *view = show_view (fixture, tb_case_get_id (c));
  GtkWidget *root = GTK_WIDGET (view);
  g_autoptr(GPtrArray) conflicts = NULL;
  g_autofree char *name = NULL;

  approve (view);
  answer_with_conflict (fixture, c, TRUE);
  tb_test_ui_spin (300);

  g_assert_true (shows_label (root, _("The server refused your change")));
  g_assert_true (shows_text (root, "案件已由科长签批，不能再办理"));
  g_assert_true (shows_label (root, _("Refused by the server")));
  g_assert_nonnull (find_button (root, _("_Send Again")));
  g_assert_nonnull (find_button (root, _("_Discard My Change")));
  name = screenshot_name (fixture, "rejected");
  save_png (fixture->window, name);

  g_assert_true (gtk_widget_activate_action (root, "case.take-theirs", NULL));
  tb_test_ui_spin (300);
  conflicts = tb_store_list_conflicts (fixture->store, NULL, NULL);
  g_assert_cmpuint (conflicts->len, ==, 0);
  g_assert_cmpint (tb_test_store_int (fixture->store, "SELECT count (*) FROM outbox"), ==, 0);
  g_assert_cmpstr (tb_case_get_state (tb_case_view_get_case (view)), ==, "in_review");
  g_assert_true (shows_label (root, _("Synced")));
  g_assert_cmpstr (adw_toast_get_title (last_toast (fixture)), ==,
                   _("The server’s version stands"));
}

/* A file this computer could not send holds its change back: the banner says so in the
 * desk's own words, not as the server's, and the change can go again or go. */
static void
test_held_back (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(TbCase) c = find_case (fixture->store, "u-wangfang", "received", "business-licence");
  g_autoptr(TbCaseService) wangfang = tb_case_service_new (fixture->store, "u-wangfang",
                                                           TB_ROLE_CASEWORKER, market);
  g_autoptr(JsonObject) fields = json_object_new ();
  g_autoptr(JsonObject) file = json_object_new ();
  g_autoptr(JsonObject) problem = json_object_new ();
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  JsonArray *files = json_array_new ();
  JsonArray *hashes = json_array_new ();
  const char *sha256 = "5d41402abc4b2a76b9719d911017c592"
                       "5d41402abc4b2a76b9719d911017c592";
  g_autofree char *reason = g_strdup_printf (_("The server refused the file “%s”: it is larger "
                                                "than the server takes. Remove it, or attach a "
                                                "smaller copy."), "营业执照副本.pdf");
  TbCaseView *view;
  GtkWidget *root;
  guint rejected = 0;

  json_object_set_string_member (file, "name", "营业执照副本.pdf");
  json_object_set_int_member (file, "size", 2000000);
  json_object_set_string_member (file, "sha256", sha256);
  json_array_add_object_element (files, g_steal_pointer (&file));
  json_object_set_array_member (fields, "attachments", files);
  g_assert_true (tb_case_service_update_fields (wangfang, tb_case_get_id (c), fields, &problems,
                                                &error));
  g_assert_no_error (error);

  /* As the engine holds it back when the server refuses the file. */
  json_object_set_string_member (problem, "title", "The file was not accepted");
  json_object_set_int_member (problem, "status", 413);
  json_object_set_string_member (problem, "detail", reason);
  json_object_set_string_member (problem, "code", TB_ATTACHMENT_PROBLEM_REFUSED);
  json_array_add_string_element (hashes, sha256);
  json_object_set_array_member (problem, "attachments", hashes);
  g_assert_true (_tb_store_outbox_reject_unsent (fixture->store, sha256, problem, &rejected,
                                                 &error));
  g_assert_no_error (error);
  g_assert_cmpuint (rejected, ==, 1);

  view = show_view (fixture, tb_case_get_id (c));
  root = GTK_WIDGET (view);
  tb_test_ui_spin (300);
  g_assert_cmpint (tb_case_get_sync_state (tb_case_view_get_case (view)), ==,
                   TB_SYNC_STATE_ERROR);
  g_assert_true (shows_label (root, _("A file of your change could not be sent")));
  g_assert_true (shows_label (root, reason));
  g_assert_nonnull (find_button (root, _("_Send Again")));
  g_assert_nonnull (find_button (root, _("_Discard My Change")));
  name = screenshot_name (fixture, "held-back");
  save_png (fixture->window, name);

  /* Sent again: queued as it was, the file with it. */
  g_assert_true (gtk_widget_activate_action (root, "case.keep-mine", NULL));
  tb_test_ui_spin (300);
  g_assert_cmpint (tb_test_store_int (fixture->store, "SELECT count (*) FROM outbox WHERE name ="
                                          " 'case.update_fields' AND instr (args, '营业执照副本')"),
                   ==, 1);
  g_assert_false (action_enabled (view, "keep-mine"));
}

/* Countersigning asks which department signs, among those that have not. */
static void
test_countersign (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(TbCaseService) chenjing = tb_case_service_new (fixture->store, "u-chenjing",
                                                           TB_ROLE_SUPERVISOR, market);
  g_autoptr(TbCaseList) list = tb_case_list_new (fixture->store);
  g_autoptr(TbCase) c = NULL;
  TbCaseView *view;
  TbDecisionDialog *dialog;
  g_auto(GStrv) signed_parties = NULL;

  tb_case_list_set_state (list, "countersign");
  tb_case_list_set_team (list, "team-market");
  if (g_list_model_get_n_items (G_LIST_MODEL (list)) == 0)
    {
      g_test_skip ("the demo has no case in countersigning for the market team");
      return;
    }
  c = g_list_model_get_item (G_LIST_MODEL (list), 0);
  tb_case_service_set_today (chenjing, tb_day_from_iso (TODAY));
  g_set_object (&fixture->wangfang, chenjing);
  view = show_view (fixture, tb_case_get_id (c));

  dialog = open_dialog (view, "countersign");
  g_assert_false (tb_decision_dialog_set_party (dialog, "no-such-party"));
  signed_parties = tb_case_dup_signed_parties (c);
  if (!g_strv_contains ((const char * const *) signed_parties, "fire-safety"))
    g_assert_true (tb_decision_dialog_set_party (dialog, "fire-safety"));
  g_assert_true (tb_decision_dialog_confirm (dialog));
  tb_test_ui_spin (20);
  {
    g_autofree char *party = tb_test_store_text (fixture->store, "SELECT json_extract (args, '$.party') "
                                                      "FROM outbox");
    g_assert_nonnull (party);
  }
}

/* The documented shortcuts exist and lead to the actions. */
static void
test_shortcuts (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(TbCase) c = find_case (fixture->store, "u-wangfang", "in_review", "business-licence");
  TbCaseView *view = show_view (fixture, tb_case_get_id (c));
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (GTK_WIDGET (view));
  static const struct {
    const char *trigger;
    const char *action;
    const char *target;
  } expected[] = {
    { "<Control>Return", "case.decide-primary", NULL },
    { "<Shift><Control>r", "case.decide", "return" },
    { "<Shift><Control>x", "case.decide", "reject" },
    { "<Shift><Control>f", "case.decide", "forward" },
    { "<Shift><Control>g", "case.decide", "countersign" },
    { "<Shift><Control>e", "case.decide", "extend" },
    { "<Control>m", "case.write-comment", NULL },
    { "<Control>s", "case.save", NULL },
    { "<Control>z", "case.undo", NULL },
  };
  guint found = 0;

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

      if (!GTK_IS_SHORTCUT_CONTROLLER (controller))
        continue;
      g_assert_cmpint (gtk_shortcut_controller_get_scope (GTK_SHORTCUT_CONTROLLER (controller)),
                       ==, GTK_SHORTCUT_SCOPE_MANAGED);
      for (guint j = 0; j < g_list_model_get_n_items (G_LIST_MODEL (controller)); j++)
        {
          g_autoptr(GtkShortcut) shortcut = g_list_model_get_item (G_LIST_MODEL (controller), j);
          g_autofree char *trigger = gtk_shortcut_trigger_to_string (
            gtk_shortcut_get_trigger (shortcut));
          GtkShortcutAction *action = gtk_shortcut_get_action (shortcut);
          GVariant *arguments = gtk_shortcut_get_arguments (shortcut);

          for (guint k = 0; k < G_N_ELEMENTS (expected); k++)
            if (g_str_equal (trigger, expected[k].trigger))
              {
                g_assert_true (GTK_IS_NAMED_ACTION (action));
                g_assert_cmpstr (gtk_named_action_get_action_name (GTK_NAMED_ACTION (action)),
                                 ==, expected[k].action);
                if (expected[k].target != NULL)
                  g_assert_cmpstr (g_variant_get_string (arguments, NULL), ==,
                                   expected[k].target);
                found++;
              }
        }
    }
  g_assert_cmpuint (found, ==, G_N_ELEMENTS (expected));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "case.decide-primary", NULL));
  g_assert_nonnull (find_dialog ());
  gtk_window_close (GTK_WINDOW (find_dialog ()));
  tb_test_ui_spin (20);
}

/* ------------------------------------------------------------------------------------------ */
/* Attached files                                                                              */

/* Where the test's viewer, the default application for PDFs, puts what it was asked to open. */
static char *viewer_dir;

/* A desktop of its own: a viewer that copies the file it opens to viewer_dir/opened. */
static void
set_up_viewer (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *applications = NULL;
  g_autofree char *config = NULL;
  g_autofree char *script = NULL;
  g_autofree char *desktop = NULL;
  g_autofree char *entry = NULL;
  g_autofree char *mimeapps = NULL;
  g_autofree char *data_home = NULL;

  viewer_dir = g_dir_make_tmp ("tongban-test-viewer-XXXXXX", &error);
  g_assert_no_error (error);
  data_home = g_build_filename (viewer_dir, "data", NULL);
  applications = g_build_filename (data_home, "applications", NULL);
  config = g_build_filename (viewer_dir, "config", NULL);
  g_assert_cmpint (g_mkdir_with_parents (applications, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (config, 0700), ==, 0);

  script = g_build_filename (viewer_dir, "viewer.sh", NULL);
  g_assert_true (g_file_set_contents (script,
                                      "#!/bin/sh\n"
                                      "dir=$(dirname \"$0\")\n"
                                      "cp \"$1\" \"$dir/opening\" && mv \"$dir/opening\" "
                                      "\"$dir/opened\"\n", -1, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (script, 0700), ==, 0);

  desktop = g_build_filename (applications, "tongban-test-viewer.desktop", NULL);
  entry = g_strdup_printf ("[Desktop Entry]\nType=Application\nName=Viewer\nExec=%s %%f\n"
                           "MimeType=application/pdf;\nNoDisplay=true\n", script);
  g_assert_true (g_file_set_contents (desktop, entry, -1, &error));
  mimeapps = g_build_filename (config, "mimeapps.list", NULL);
  g_assert_true (g_file_set_contents (mimeapps, "[Default Applications]\n"
                                                "application/pdf=tongban-test-viewer.desktop\n",
                                      -1, &error));

  g_setenv ("XDG_DATA_HOME", data_home, TRUE);
  g_setenv ("XDG_CONFIG_HOME", config, TRUE);
}

static void
tear_down_viewer (void)
{
  g_autofree char *dir = g_strdup (viewer_dir);
  const char *files[] = { "data/applications/tongban-test-viewer.desktop", "data/applications",
                          "data", "config/mimeapps.list", "config", "viewer.sh", "opened" };

  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *path = g_build_filename (dir, files[i], NULL);

      if (g_remove (path) != 0)
        g_rmdir (path);
    }
  g_rmdir (dir);
  g_clear_pointer (&viewer_dir, g_free);
}

static gboolean
is_row_titled (GtkWidget  *widget,
               const char *title)
{
  return ADW_IS_PREFERENCES_ROW (widget)
         && g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), title) == 0;
}

static GtkWidget *
find_row (GtkWidget  *root,
          const char *title)
{
  g_autoptr(GPtrArray) rows = tb_test_ui_find_all (root, ADW_TYPE_PREFERENCES_ROW);

  for (guint i = 0; i < rows->len; i++)
    if (is_row_titled (g_ptr_array_index (rows, i), title))
      return g_ptr_array_index (rows, i);
  g_error ("no row titled “%s”", title);
}

static gboolean
file_exists (gpointer path)
{
  return g_file_test (path, G_FILE_TEST_IS_REGULAR);
}

static gboolean
has_toast_with (gpointer data)
{
  Fixture *fixture = data;
  const char *text = g_object_get_data (G_OBJECT (fixture->window), "tb-wanted-toast");

  for (guint i = 0; i < fixture->toasts->len; i++)
    if (strstr (adw_toast_get_title (g_ptr_array_index (fixture->toasts, i)), text) != NULL)
      return TRUE;
  return FALSE;
}

static void
wait_for_toast (Fixture    *fixture,
                const char *text)
{
  g_object_set_data_full (G_OBJECT (fixture->window), "tb-wanted-toast", g_strdup (text),
                          g_free);
  g_assert_true (tb_test_ui_wait_until (has_toast_with, fixture, 10000));
}

static char *
read_text (const char *path)
{
  char *text = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  return text;
}

/* A case registered at the counter with files: one on this computer, one the form names
 * without a checksum, one only the central service has. */
static void
test_attachments (Fixture       *fixture,
                  gconstpointer  data)
{
  gboolean zh = g_str_equal (fixture->language, "zh_CN");
  g_autoptr(TbAttachmentCache) cache = tb_attachment_cache_new (fixture->store, NULL);
  g_autofree char *source = g_build_filename (fixture->dir, "公司章程.pdf", NULL);
  g_autofree char *destination = g_build_filename (fixture->dir, "saved.pdf", NULL);
  g_autofree char *opened = g_build_filename (viewer_dir, "opened", NULL);
  g_autofree char *saved_text = NULL;
  g_autofree char *opened_text = NULL;
  g_autofree char *case_id = NULL;
  g_autofree char *name = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(JsonObject) value = NULL;
  g_autoptr(JsonObject) form = NULL;
  g_autoptr(JsonArray) files = json_array_new ();
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *unnamed = json_object_new ();
  JsonObject *remote = json_object_new ();
  char other[65];
  TbCaseView *view;

  g_unlink (opened);
  g_assert_true (g_file_set_contents (source, "%PDF-1.4 公司章程", -1, NULL));
  file = g_file_new_for_path (source);
  value = tb_attachment_cache_add_file (cache, file, NULL, &error);
  g_assert_no_error (error);
  memset (other, 'a', 64);
  other[64] = '\0';
  json_object_set_string_member (unnamed, "name", "扫描件.pdf");
  json_object_set_string_member (remote, "name", "住所证明.pdf");
  json_object_set_string_member (remote, "sha256", other);
  json_array_add_object_element (files, json_object_ref (value));
  json_array_add_object_element (files, unnamed);
  json_array_add_object_element (files, remote);
  {
    g_autoptr(TbDemo) demo = tb_demo_new (7, tb_day_from_iso (TODAY), &error);
    TbCaseRecord record;

    g_assert_no_error (error);
    while (tb_demo_next_case (demo, &record))
      if (g_strcmp0 (record.service_id, "business-licence") == 0)
        {
          g_autoptr(JsonNode) node = json_from_string (record.form_json, NULL);

          form = json_object_ref (json_node_get_object (node));
          break;
        }
  }
  json_object_set_array_member (form, "attachments", json_array_ref (files));
  case_id = tb_case_service_create (fixture->wangfang, "business-licence", "王芳", "company",
                                    "杭州云杉信息科技有限公司", form, &problems, &error);
  g_assert_no_error (error);

  /* Without a cache the view only tells; with one, it fetches. */
  view = show_view (fixture, case_id);
  g_assert_false (action_enabled (view, "open-attachment"));
  tb_case_view_set_attachment_cache (view, cache);
  g_assert_true (tb_case_view_get_attachment_cache (view) == cache);
  g_assert_true (action_enabled (view, "open-attachment"));
  g_assert_true (action_enabled (view, "save-attachment"));
  g_assert_true (action_enabled (view, "save-attachment-to"));

  /* Saved where asked. */
  g_action_group_activate_action (tb_case_view_get_action_group (view), "save-attachment-to",
                                  g_variant_new ("(sus)", "attachments", 0, destination));
  g_assert_true (tb_test_ui_wait_until (file_exists, destination, 10000));
  saved_text = read_text (destination);
  g_assert_cmpstr (saved_text, ==, "%PDF-1.4 公司章程");
  wait_for_toast (fixture, zh ? "已保存" : "Saved");

  /* Opened by the desktop's application for it, from a read-only copy; the Open button of
   * its row does the same. */
  g_action_group_activate_action (tb_case_view_get_action_group (view), "open-attachment",
                                  g_variant_new ("(su)", "attachments", 0));
  g_assert_true (tb_test_ui_wait_until (file_exists, opened, 10000));
  opened_text = read_text (opened);
  g_assert_cmpstr (opened_text, ==, "%PDF-1.4 公司章程");
  {
    g_autofree char *copy = g_build_filename (tb_attachment_cache_get_dir (cache), "open",
                                              json_object_get_string_member (value, "sha256"),
                                              "公司章程.pdf", NULL);
    GStatBuf st;

    g_assert_cmpint (g_stat (copy, &st), ==, 0);
    g_assert_cmpint (st.st_mode & 0777, ==, 0400);
  }
  g_assert_cmpint (g_unlink (opened), ==, 0);
  {
    GtkWidget *row = find_row (GTK_WIDGET (view), "公司章程.pdf");
    g_autoptr(GPtrArray) buttons = tb_test_ui_find_all (row, GTK_TYPE_BUTTON);
    GtkWidget *open = NULL;

    for (guint i = 0; i < buttons->len; i++)
      if (g_strcmp0 (gtk_widget_get_tooltip_text (g_ptr_array_index (buttons, i)),
                     zh ? "打开" : "Open") == 0)
        open = g_ptr_array_index (buttons, i);
    g_assert_nonnull (open);
    g_signal_emit_by_name (open, "clicked");
  }
  g_assert_true (tb_test_ui_wait_until (file_exists, opened, 10000));

  /* A file the form names without its checksum, and one that is not here and no session
   * can fetch: said plainly. */
  g_action_group_activate_action (tb_case_view_get_action_group (view), "save-attachment-to",
                                  g_variant_new ("(sus)", "attachments", 1, destination));
  wait_for_toast (fixture, "扫描件.pdf");
  g_assert_nonnull (strstr (adw_toast_get_title (last_toast (fixture)),
                            zh ? "校验" : "checksum"));
  g_action_group_activate_action (tb_case_view_get_action_group (view), "open-attachment",
                                  g_variant_new ("(su)", "attachments", 2));
  wait_for_toast (fixture, zh ? "无法打开“住所证明.pdf”" : "Could not open “住所证明.pdf”");
  g_assert_nonnull (strstr (adw_toast_get_title (last_toast (fixture)),
                            zh ? "未连接" : "not connected"));
  /* Said at once, before what waited to be said. */
  g_assert_cmpint (adw_toast_get_priority (last_toast (fixture)), ==, ADW_TOAST_PRIORITY_HIGH);

  assert_controls_labelled (GTK_WIDGET (view));
  /* The files in sight, with the last toast. */
  {
    GtkWidget *row = find_row (GTK_WIDGET (view), "住所证明.pdf");

    gtk_widget_grab_focus (row);
    tb_test_ui_spin (100);
  }
  name = screenshot_name (fixture, "attachments");
  save_png (fixture->window, name);

  g_unlink (source);
  g_unlink (destination);
}

int
main (int   argc,
      char *argv[])
{
  /* Before anything reads the user's folders. */
  set_up_viewer ();
  tb_test_ui_init (&argc, &argv);

  g_test_add ("/case-view/new-destroy", Fixture, "en",
              fixture_set_up, test_new_destroy, fixture_tear_down);
  g_test_add ("/case-view/properties", Fixture, "en",
              fixture_set_up, test_properties, fixture_tear_down);
  g_test_add ("/case-view/en/open", Fixture, "en",
              fixture_set_up, test_open, fixture_tear_down);
  g_test_add ("/case-view/en/approve-undo", Fixture, "en",
              fixture_set_up, test_approve_undo, fixture_tear_down);
  g_test_add ("/case-view/en/return-for-correction", Fixture, "en",
              fixture_set_up, test_return_for_correction, fixture_tear_down);
  g_test_add ("/case-view/en/reject-needs-reason", Fixture, "en",
              fixture_set_up, test_reject_needs_reason, fixture_tear_down);
  g_test_add ("/case-view/en/comment", Fixture, "en",
              fixture_set_up, test_comment, fixture_tear_down);
  g_test_add ("/case-view/en/edit-save", Fixture, "en",
              fixture_set_up, test_edit_save, fixture_tear_down);
  g_test_add ("/case-view/en/conflict", Fixture, "en",
              fixture_set_up, test_conflict, fixture_tear_down);
  g_test_add ("/case-view/en/rejected-take-theirs", Fixture, "en",
              fixture_set_up, test_conflict_take_theirs, fixture_tear_down);
  g_test_add ("/case-view/en/held-back", Fixture, "en",
              fixture_set_up, test_held_back, fixture_tear_down);
  g_test_add ("/case-view/zh_CN/held-back", Fixture, "zh_CN",
              fixture_set_up, test_held_back, fixture_tear_down);
  g_test_add ("/case-view/en/countersign", Fixture, "en",
              fixture_set_up, test_countersign, fixture_tear_down);
  g_test_add ("/case-view/en/shortcuts", Fixture, "en",
              fixture_set_up, test_shortcuts, fixture_tear_down);
  g_test_add ("/case-view/en/attachments", Fixture, "en",
              fixture_set_up, test_attachments, fixture_tear_down);
  g_test_add ("/case-view/zh_CN/attachments", Fixture, "zh_CN",
              fixture_set_up, test_attachments, fixture_tear_down);
  g_test_add ("/case-view/zh_CN/open", Fixture, "zh_CN",
              fixture_set_up, test_open, fixture_tear_down);
  g_test_add ("/case-view/zh_CN/approve-undo", Fixture, "zh_CN",
              fixture_set_up, test_approve_undo, fixture_tear_down);
  g_test_add ("/case-view/zh_CN/return-for-correction", Fixture, "zh_CN",
              fixture_set_up, test_return_for_correction, fixture_tear_down);
  g_test_add ("/case-view/zh_CN/conflict", Fixture, "zh_CN",
              fixture_set_up, test_conflict, fixture_tear_down);
  g_test_add ("/case-view/zh_CN/comment", Fixture, "zh_CN",
              fixture_set_up, test_comment, fixture_tear_down);

  {
    int status = g_test_run ();

    tear_down_viewer ();
    return status;
  }
}
