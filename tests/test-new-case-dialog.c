/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-new-case-dialog.c: registering a case at the counter, in English and Chinese */

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "tb-attachment-cache.h"
#include "tb-case-service.h"
#include "tb-demo.h"
#include "tb-form-view.h"
#include "tb-new-case-dialog.h"
#include "tb-store-private.h"
#include "tb-store-sync.h"
#include "tb-test-common.h"
#include "tb-test-ui.h"

/* ------------------------------------------------------------------------------------------ */
/* Helpers                                                                                    */

#define TODAY "2026-11-27"

typedef struct
{
  char          *dir;
  TbStore       *store;
  TbCaseService *case_service;
} Fixture;

static const char * const market_teams[] = { "team-market", NULL };

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  tb_test_ui_set_language (data);
  fixture->dir = g_dir_make_tmp ("tongban-test-new-case-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (fixture->dir, "store.db", NULL);
  fixture->store = tb_store_open (path, &error);
  g_assert_no_error (error);
  /* The catalogue, calendar, teams and users of the demo, and no case. */
  g_assert_true (tb_demo_seed_store (fixture->store, 0, 1, tb_day_from_iso (TODAY), &error));
  g_assert_no_error (error);
  fixture->case_service = tb_case_service_new (fixture->store, "u-wangfang",
                                               TB_ROLE_CASEWORKER, market_teams);
  tb_case_service_set_today (fixture->case_service, tb_day_from_iso (TODAY));
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_assert_finalize_object (fixture->case_service);
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

static gboolean
is_row_titled (GtkWidget     *widget,
               gconstpointer  title)
{
  return ADW_IS_PREFERENCES_ROW (widget)
         && g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), title) == 0;
}

static GtkWidget *
find_row (GtkWidget  *root,
          const char *title)
{
  g_autoptr(GPtrArray) found = g_ptr_array_new ();

  tb_test_ui_collect (root, is_row_titled, title, found);
  if (found->len == 0)
    g_error ("no row titled “%s”", title);
  return g_ptr_array_index (found, 0);
}

/* The reason shown under @row, or NULL if none shows. */
static const char *
row_problem (GtkWidget *row)
{
  GtkWidget *next = gtk_widget_get_next_sibling (row);

  g_assert_nonnull (next);
  g_assert_true (gtk_widget_has_css_class (next, "tb-form-problem"));
  if (!gtk_widget_get_visible (next))
    return NULL;
  return gtk_label_get_text (GTK_LABEL (tb_test_ui_find_widget (next, GTK_TYPE_LABEL)));
}

static gboolean
is_shown_problem (GtkWidget     *widget,
                  gconstpointer  data)
{
  return gtk_widget_has_css_class (widget, "tb-form-problem") && gtk_widget_is_visible (widget);
}

static guint
count_shown_problems (GtkWidget *root)
{
  g_autoptr(GPtrArray) found = g_ptr_array_new ();

  tb_test_ui_collect (root, is_shown_problem, NULL, found);
  return found->len;
}

static gboolean
is_button_labelled (GtkWidget     *widget,
                    gconstpointer  label)
{
  return GTK_IS_BUTTON (widget)
         && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), label) == 0;
}

static GtkWidget *
find_button (GtkWidget  *root,
             const char *label)
{
  g_autoptr(GPtrArray) found = g_ptr_array_new ();

  tb_test_ui_collect (root, is_button_labelled, label, found);
  g_assert_cmpuint (found->len, ==, 1);
  return g_ptr_array_index (found, 0);
}

/* The controls shown; the lists of the form are the form view's (see test-form-view). */
static gboolean
is_control (GtkWidget     *widget,
            gconstpointer  data)
{
  return (GTK_IS_BUTTON (widget) || GTK_IS_CHECK_BUTTON (widget) || GTK_IS_TEXT (widget)
          || GTK_IS_TEXT_VIEW (widget) || GTK_IS_SEARCH_ENTRY (widget)
          || (GTK_IS_LIST_BOX (widget)
              && gtk_widget_get_ancestor (widget, TB_TYPE_FORM_VIEW) == NULL))
         && gtk_widget_is_visible (widget);
}

/* Every control shown can be named by a screen reader. */
static void
assert_controls_labelled (GtkWidget *root)
{
  tb_test_ui_assert_controls_labelled (root, is_control, NULL);
}

static TbNewCaseDialog *
show_dialog (Fixture *fixture)
{
  TbNewCaseDialog *dialog = tb_new_case_dialog_new (NULL, fixture->case_service);

  gtk_window_present (GTK_WINDOW (dialog));
  tb_test_ui_spin (50);
  return dialog;
}

static GtkSearchEntry *
get_search (TbNewCaseDialog *dialog)
{
  return GTK_SEARCH_ENTRY (tb_test_ui_find_widget (GTK_WIDGET (dialog), GTK_TYPE_SEARCH_ENTRY));
}

static GtkStack *
get_step_stack (TbNewCaseDialog *dialog)
{
  /* The first stack: the steps; the services' own stack is inside it. */
  return GTK_STACK (tb_test_ui_find_widget (GTK_WIDGET (dialog), GTK_TYPE_STACK));
}

static const char *
get_step (TbNewCaseDialog *dialog)
{
  return gtk_stack_get_visible_child_name (get_step_stack (dialog));
}

static GtkListBox *
get_service_list (TbNewCaseDialog *dialog)
{
  g_autoptr(GPtrArray) lists = tb_test_ui_find_all (GTK_WIDGET (dialog), GTK_TYPE_LIST_BOX);

  for (guint i = 0; i < lists->len; i++)
    if (gtk_widget_get_ancestor (g_ptr_array_index (lists, i), GTK_TYPE_STACK) != NULL
        && gtk_widget_has_css_class (g_ptr_array_index (lists, i), "boxed-list")
        && g_object_get_data (G_OBJECT (gtk_widget_get_first_child (g_ptr_array_index (lists, i))),
                              "tb-service") != NULL)
      return g_ptr_array_index (lists, i);
  g_assert_not_reached ();
}

/* The rows of the service list the search leaves shown. */
static guint
count_shown_services (TbNewCaseDialog *dialog)
{
  guint n = 0;

  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (get_service_list (dialog)));
       row != NULL;
       row = gtk_widget_get_next_sibling (row))
    if (gtk_widget_get_child_visible (row))
      n++;
  return n;
}

static TbFormView *
get_form_view (TbNewCaseDialog *dialog)
{
  return TB_FORM_VIEW (tb_test_ui_find_widget (GTK_WIDGET (dialog), TB_TYPE_FORM_VIEW));
}

/* The form values of a demo case of @service_id: a complete, valid application. */
static JsonObject *
demo_form (const char *service_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TbDemo) demo = tb_demo_new (7, tb_day_from_iso (TODAY), &error);
  TbCaseRecord record;

  g_assert_no_error (error);
  for (guint i = 0; i < 1000 && tb_demo_next_case (demo, &record); i++)
    if (g_strcmp0 (record.service_id, service_id) == 0)
      {
        g_autoptr(JsonNode) node = json_from_string (record.form_json, &error);

        g_assert_no_error (error);
        return json_object_ref (json_node_get_object (node));
      }
  g_error ("the demo has no case of %s", service_id);
}

static void
type_into (GtkWidget  *row,
           const char *text)
{
  g_assert_true (gtk_widget_get_visible (row));
  gtk_editable_set_text (GTK_EDITABLE (row), text);
}

/* The window on top of @dialog: its question, or NULL. */
static AdwMessageDialog *
find_question (TbNewCaseDialog *dialog)
{
  g_autoptr(GList) toplevels = gtk_window_list_toplevels ();

  for (GList *l = toplevels; l != NULL; l = l->next)
    if (ADW_IS_MESSAGE_DIALOG (l->data) && gtk_widget_get_visible (l->data)
        && gtk_window_get_transient_for (l->data) == GTK_WINDOW (dialog))
      return l->data;
  return NULL;
}

static void
answer (AdwMessageDialog *question,
        const char       *response)
{
  g_assert_nonnull (question);
  /* As a click on the button does: answer, and close. (A question goes with its window.) */
  g_object_ref (question);
  adw_message_dialog_response (question, response);
  gtk_window_destroy (GTK_WINDOW (question));
  g_object_unref (question);
  tb_test_ui_spin (20);
}

static void
on_case_created (TbNewCaseDialog *dialog,
                 const char      *case_id,
                 char           **out)
{
  g_assert_null (*out);
  *out = g_strdup (case_id);
}

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              guint      *count)
{
  (*count)++;
}

/* The whole @window, or all of @content however long, on the window background. */
static void
save_screenshot (GtkWidget  *window,
                 GtkWidget  *content,
                 const char *name)
{
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GtkSnapshot) snapshot = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  GdkRGBA background = { 0.98, 0.98, 0.98, 1.0 };
  int width;
  int height;

  if (content == window)
    {
      tb_test_ui_spin (250);
      tb_test_ui_save_screenshot (window, name);
      return;
    }

  tb_test_ui_spin (400);
  width = gtk_widget_get_width (content);
  height = gtk_widget_get_height (content);
  g_assert_cmpint (width, >, 0);
  g_assert_cmpint (height, >, 0);

  snapshot = gtk_snapshot_new ();
  gtk_snapshot_append_color (snapshot, &background, &GRAPHENE_RECT_INIT (0, 0, width, height));
  paintable = gtk_widget_paintable_new (content);
  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  tb_test_ui_save_node (window, node, width, height, name);
}

/* ------------------------------------------------------------------------------------------ */
/* Tests                                                                                      */

static void
test_new_destroy (Fixture       *fixture,
                  gconstpointer  data)
{
  TbNewCaseDialog *dialog = tb_new_case_dialog_new (NULL, fixture->case_service);
  g_autoptr(TbCaseService) case_service = NULL;
  gboolean modified = TRUE;

  g_assert_true (TB_IS_NEW_CASE_DIALOG (dialog));
  g_assert_true (tb_new_case_dialog_get_case_service (dialog) == fixture->case_service);
  g_object_get (dialog, "case-service", &case_service, "modified", &modified, NULL);
  g_assert_true (case_service == fixture->case_service);
  g_assert_false (modified);
  g_assert_null (tb_new_case_dialog_get_service (dialog));
  g_assert_true (gtk_window_get_modal (GTK_WINDOW (dialog)));
  g_assert_false (tb_new_case_dialog_select_service (dialog, "no-such-service"));

  g_object_ref (dialog);
  gtk_window_destroy (GTK_WINDOW (dialog));
  g_assert_finalize_object (dialog);
}

static void
test_pick_service (Fixture       *fixture,
                   gconstpointer  data)
{
  TbNewCaseDialog *dialog = show_dialog (fixture);
  GtkWidget *root = GTK_WIDGET (dialog);
  GtkSearchEntry *search = get_search (dialog);
  g_autoptr(GPtrArray) services = tb_store_list_services (fixture->store, NULL);
  TbFormView *form;
  guint service_notifies = 0;

  g_signal_connect (dialog, "notify::service", G_CALLBACK (count_notify), &service_notifies);

  /* Every service of the store, searchable; the search has the focus. */
  g_assert_cmpstr (get_step (dialog), ==, "services");
  g_assert_true (gtk_widget_has_focus (GTK_WIDGET (gtk_editable_get_delegate (
                                        GTK_EDITABLE (search)))));
  g_assert_cmpuint (services->len, ==, 4);
  g_assert_cmpuint (count_shown_services (dialog), ==, services->len);
  g_assert_false (gtk_widget_get_visible (find_button (root, "_Register")));

  gtk_editable_set_text (GTK_EDITABLE (search), "INSURANCE");
  tb_test_ui_spin (20);
  g_assert_cmpuint (count_shown_services (dialog), ==, 1);
  gtk_editable_set_text (GTK_EDITABLE (search), "no such service");
  tb_test_ui_spin (20);
  g_assert_cmpuint (count_shown_services (dialog), ==, 0);
  /* The rows stay; the search hides them. */
  find_row (root, "Business licence registration (company establishment)");
  gtk_editable_set_text (GTK_EDITABLE (search), "");
  tb_test_ui_spin (20);
  g_assert_cmpuint (count_shown_services (dialog), ==, services->len);

  /* Enter takes the first service the search leaves. */
  gtk_editable_set_text (GTK_EDITABLE (search), "licence");
  tb_test_ui_spin (20);
  g_signal_emit_by_name (search, "activate");
  g_assert_cmpstr (get_step (dialog), ==, "form");
  g_assert_cmpstr (tb_service_get_id (tb_new_case_dialog_get_service (dialog)), ==,
                   "business-licence");
  g_assert_cmpuint (service_notifies, ==, 1);
  form = get_form_view (dialog);
  g_assert_nonnull (form);
  g_assert_true (tb_form_view_get_service (form) == tb_new_case_dialog_get_service (dialog));
  g_assert_false (tb_form_view_get_modified (form));
  /* Every field of the form is editable. */
  g_assert_true (g_strv_contains (tb_form_view_get_editable_fields (form), "company_name"));
  g_assert_true (g_strv_contains (tb_form_view_get_editable_fields (form), "shareholders"));

  /* A company service: the company and its contact, and no kind to choose. */
  g_assert_false (gtk_widget_get_visible (find_row (root, "Applicant _kind")));
  g_assert_true (gtk_widget_get_visible (find_row (root, "Company _name")));
  g_assert_true (gtk_widget_get_visible (find_row (root, "Con_tact person")));

  /* Back to the list and the same service again: nothing lost. */
  type_into (find_row (root, "Company _name"), "杭州云杉信息科技有限公司");
  g_assert_true (tb_new_case_dialog_get_modified (dialog));
  g_assert_true (gtk_widget_activate_action (root, "new-case.back", NULL));
  g_assert_cmpstr (get_step (dialog), ==, "services");
  g_assert_false (gtk_widget_get_visible (find_button (root, "_Register")));
  g_assert_true (tb_new_case_dialog_select_service (dialog, "business-licence"));
  g_assert_cmpstr (get_step (dialog), ==, "form");
  g_assert_true (get_form_view (dialog) == form);
  g_assert_cmpuint (service_notifies, ==, 1);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (find_row (root, "Company _name"))), ==,
                   "杭州云杉信息科技有限公司");

  /* A person's service: a row activated in the list. */
  g_assert_true (gtk_widget_activate_action (root, "new-case.back", NULL));
  gtk_editable_set_text (GTK_EDITABLE (search), "insurance");
  tb_test_ui_spin (20);
  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (get_service_list (dialog)));
       row != NULL; row = gtk_widget_get_next_sibling (row))
    if (gtk_widget_get_child_visible (row))
      {
        g_signal_emit_by_name (row, "activate");
        break;
      }
  g_assert_cmpstr (tb_service_get_id (tb_new_case_dialog_get_service (dialog)), ==,
                   "social-insurance-transfer");
  g_assert_cmpuint (service_notifies, ==, 2);
  g_assert_false (gtk_widget_get_visible (find_row (root, "Company _name")));
  g_assert_true (gtk_widget_get_visible (find_row (root, "_Name")));

  assert_controls_labelled (root);
  g_object_ref (dialog);
  gtk_window_destroy (GTK_WINDOW (dialog));
  g_assert_finalize_object (dialog);
}

static void
test_invalid (Fixture       *fixture,
              gconstpointer  data)
{
  TbNewCaseDialog *dialog = show_dialog (fixture);
  GtkWidget *root = GTK_WIDGET (dialog);
  g_autofree char *created = NULL;
  g_autoptr(JsonObject) values = NULL;
  GtkWidget *name;
  TbFormView *form;
  GtkWidget *phone;
  TbSyncInfo info = { 0, };
  g_autoptr(GError) error = NULL;

  g_signal_connect (dialog, "case-created", G_CALLBACK (on_case_created), &created);
  g_assert_true (tb_new_case_dialog_select_service (dialog, "social-insurance-transfer"));
  form = get_form_view (dialog);
  name = find_row (root, "_Name");
  g_assert_true (gtk_widget_has_focus (GTK_WIDGET (gtk_editable_get_delegate (
                                        GTK_EDITABLE (name)))));

  /* Nothing filled in: every problem shows, and no case is made. */
  type_into (name, "   ");
  g_assert_null (row_problem (name));
  g_assert_true (gtk_widget_activate_action (root, "new-case.save", NULL));
  g_assert_cmpstr (row_problem (name), ==, "Enter the applicant’s name");
  g_assert_true (gtk_widget_has_css_class (name, "error"));
  g_assert_cmpuint (count_shown_problems (GTK_WIDGET (form)), >, 3);
  g_assert_true (gtk_widget_has_focus (GTK_WIDGET (gtk_editable_get_delegate (
                                        GTK_EDITABLE (name)))));
  g_assert_true (gtk_revealer_get_reveal_child (
                   GTK_REVEALER (tb_test_ui_find_widget (root, GTK_TYPE_REVEALER))));
  g_assert_null (created);
  g_assert_cmpint (tb_store_count_cases (fixture->store, NULL), ==, 0);

  /* The applicant's problem follows the typing now. */
  type_into (name, "李娜");
  g_assert_null (row_problem (name));
  g_assert_false (gtk_widget_has_css_class (name, "error"));

  /* A wrong phone number: the case service refuses, the field says why, nothing is lost. Enter
   * in the name registers, as the default button. */
  phone = find_row (GTK_WIDGET (form), "Mobile phone");
  type_into (phone, "12345");
  g_assert_nonnull (row_problem (phone));
  g_signal_emit_by_name (gtk_editable_get_delegate (GTK_EDITABLE (name)), "activate");
  tb_test_ui_spin (20);
  g_assert_null (created);
  g_assert_cmpint (tb_store_count_cases (fixture->store, NULL), ==, 0);
  g_assert_true (tb_store_get_sync_info (fixture->store, &info, &error));
  g_assert_no_error (error);
  g_assert_cmpint (info.n_unsent, ==, 0);
  tb_sync_info_clear (&info);
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (tb_test_ui_find_widget (
                              GTK_WIDGET (tb_test_ui_find_widget (root, GTK_TYPE_REVEALER)),
                              GTK_TYPE_LABEL))), "marked"));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (name)), ==, "李娜");
  values = tb_form_view_dup_values (form);
  g_assert_cmpstr (json_object_get_string_member (values, "phone"), ==, "12345");
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (dialog)));
  g_assert_true (tb_new_case_dialog_get_modified (dialog));

  /* Closing now asks first; so Escape does. */
  g_assert_true (gtk_widget_activate_action (root, "window.close", NULL));
  answer (find_question (dialog), "keep");
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (dialog)));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (name)), ==, "李娜");

  g_object_ref (dialog);
  gtk_window_destroy (GTK_WINDOW (dialog));
  g_assert_finalize_object (dialog);
}

/* A valid application, as a person or as a company: a case in the store and in the outbox. */
static void
register_case (Fixture    *fixture,
               const char *service_id,
               gboolean    company)
{
  TbNewCaseDialog *dialog = show_dialog (fixture);
  GtkWidget *root = GTK_WIDGET (dialog);
  g_autoptr(JsonObject) values = demo_form (service_id);
  g_autoptr(TbCase) kase = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *created = NULL;
  TbSyncInfo info = { 0, };
  gint64 n_before = tb_store_count_cases (fixture->store, NULL);

  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &dialog);
  g_signal_connect (dialog, "case-created", G_CALLBACK (on_case_created), &created);
  g_assert_true (tb_new_case_dialog_select_service (dialog, service_id));
  tb_form_view_set_values (get_form_view (dialog), values);
  g_assert_cmpuint (count_shown_problems (GTK_WIDGET (get_form_view (dialog))), ==, 0);
  if (company)
    {
      type_into (find_row (root, "Company _name"), "杭州云杉信息科技有限公司");
      type_into (find_row (root, "Con_tact person"), " 王芳 ");
    }
  else
    type_into (find_row (root, "_Name"), "李娜");

  g_assert_true (gtk_widget_activate_action (root, "new-case.save", NULL));
  tb_test_ui_spin (20);

  /* Told, and closed. */
  g_assert_nonnull (created);
  g_assert_null (dialog);
  g_assert_cmpint (tb_store_count_cases (fixture->store, NULL), ==, n_before + 1);
  kase = tb_store_get_case (fixture->store, created, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (tb_case_get_service_id (kase), ==, service_id);
  g_assert_cmpstr (tb_case_get_applicant_kind (kase), ==, company ? "company" : "person");
  g_assert_cmpstr (tb_case_get_applicant_name (kase), ==, company ? "王芳" : "李娜");
  g_assert_cmpstr (tb_case_get_company_name (kase), ==,
                   company ? "杭州云杉信息科技有限公司" : NULL);
  g_assert_cmpstr (tb_case_get_assignee_id (kase), ==, "u-wangfang");
  g_assert_true (g_str_has_prefix (tb_case_get_ref (kase), "NEW-"));

  /* Queued for the server: it works offline. */
  g_assert_true (tb_store_get_sync_info (fixture->store, &info, &error));
  g_assert_no_error (error);
  g_assert_cmpint (info.n_unsent, ==, n_before + 1);
  tb_sync_info_clear (&info);
  g_assert_cmpint (tb_test_store_int (fixture->store,
                               "SELECT count(*) FROM outbox WHERE name = 'case.create'"),
                   ==, n_before + 1);
}

static void
test_valid (Fixture       *fixture,
            gconstpointer  data)
{
  register_case (fixture, "social-insurance-transfer", FALSE);
  register_case (fixture, "business-licence", TRUE);
}

static void
test_cancel (Fixture       *fixture,
             gconstpointer  data)
{
  TbNewCaseDialog *dialog = show_dialog (fixture);
  GtkWidget *root = GTK_WIDGET (dialog);
  GtkWidget *row;
  guint modified_notifies = 0;

  /* Nothing typed: it closes at once. */
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &dialog);
  g_assert_true (gtk_widget_activate_action (root, "window.close", NULL));
  tb_test_ui_spin (20);
  g_assert_null (dialog);

  /* Only a service chosen: still nothing to lose. */
  dialog = show_dialog (fixture);
  root = GTK_WIDGET (dialog);
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &dialog);
  g_signal_connect (dialog, "notify::modified", G_CALLBACK (count_notify), &modified_notifies);
  g_assert_true (tb_new_case_dialog_select_service (dialog, "information-disclosure"));
  g_assert_false (tb_new_case_dialog_get_modified (dialog));
  gtk_window_close (GTK_WINDOW (dialog));
  tb_test_ui_spin (20);
  g_assert_null (dialog);
  g_assert_cmpuint (modified_notifies, ==, 0);

  /* Something typed in the form: asked, kept, then discarded. */
  dialog = show_dialog (fixture);
  root = GTK_WIDGET (dialog);
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &dialog);
  g_signal_connect (dialog, "notify::modified", G_CALLBACK (count_notify), &modified_notifies);
  g_assert_true (tb_new_case_dialog_select_service (dialog, "social-insurance-transfer"));
  row = find_row (GTK_WIDGET (get_form_view (dialog)), "Mobile phone");
  type_into (row, "138");
  g_assert_true (tb_new_case_dialog_get_modified (dialog));
  {
    int position = 3;

    gtk_editable_insert_text (GTK_EDITABLE (row), "12345678", -1, &position);
  }
  g_assert_cmpuint (modified_notifies, ==, 1);
  gtk_window_close (GTK_WINDOW (dialog));
  tb_test_ui_spin (20);
  g_assert_nonnull (dialog);
  answer (find_question (dialog), "keep");
  g_assert_nonnull (dialog);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (row)), ==, "13812345678");

  /* Another service would lose the form: asked too. */
  g_assert_true (gtk_widget_activate_action (root, "new-case.back", NULL));
  g_assert_true (tb_new_case_dialog_select_service (dialog, "information-disclosure"));
  answer (find_question (dialog), "keep");
  g_assert_cmpstr (get_step (dialog), ==, "services");
  g_assert_cmpstr (tb_service_get_id (tb_new_case_dialog_get_service (dialog)), ==,
                   "social-insurance-transfer");

  gtk_window_close (GTK_WINDOW (dialog));
  answer (find_question (dialog), "discard");
  g_assert_null (dialog);
  g_assert_cmpint (tb_store_count_cases (fixture->store, NULL), ==, 0);
}

/* ------------------------------------------------------------------------------------------ */
/* Files                                                                                       */

static char *
write_file (Fixture    *fixture,
            const char *name,
            gsize       size)
{
  g_autofree char *data = g_malloc (size + 1);
  char *path = g_build_filename (fixture->dir, name, NULL);

  for (gsize i = 0; i < size; i++)
    data[i] = (char) ('A' + i % 26);
  g_assert_true (g_file_set_contents (path, data, (gssize) size, NULL));
  return path;
}

typedef struct
{
  TbFormView *form;
  guint       n;
} FileCount;

static guint
count_files (TbFormView *form)
{
  g_autoptr(JsonObject) values = tb_form_view_dup_values (form);
  JsonNode *node = json_object_get_member (values, "attachments");

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node)
         ? json_array_get_length (json_node_get_array (node)) : 0;
}

static gboolean
has_files (gpointer data)
{
  FileCount *count = data;

  return count_files (count->form) == count->n;
}

static gboolean
error_shown (gpointer data)
{
  return gtk_revealer_get_reveal_child (data);
}

static void
add_file_from (TbNewCaseDialog *dialog,
               const char      *path,
               guint            n_after)
{
  FileCount count = { get_form_view (dialog), n_after };

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "new-case.add-file-from",
                                             "(ss)", "attachments", path));
  g_assert_true (tb_test_ui_wait_until (has_files, &count, 5000));
  tb_test_ui_spin (20);
}

/* The button of the row of a file, by its tooltip. */
static GtkWidget *
row_button (GtkWidget  *row,
            const char *tooltip)
{
  g_autoptr(GPtrArray) buttons = tb_test_ui_find_all (row, GTK_TYPE_BUTTON);

  for (guint i = 0; i < buttons->len; i++)
    if (g_strcmp0 (gtk_widget_get_tooltip_text (g_ptr_array_index (buttons, i)), tooltip) == 0)
      return g_ptr_array_index (buttons, i);
  g_error ("no button “%s”", tooltip);
}

/* Files attached at the counter: copied to the cache as waiting, named in the form, counted as
 * materials, removable; a case that needs files can be registered. */
static void
test_files (Fixture       *fixture,
            gconstpointer  data)
{
  g_autoptr(TbAttachmentCache) cache = tb_attachment_cache_new (fixture->store, NULL);
  TbNewCaseDialog *dialog = show_dialog (fixture);
  GtkWidget *root = GTK_WIDGET (dialog);
  g_autoptr(JsonObject) values = demo_form ("business-licence");
  g_autoptr(JsonObject) edited = NULL;
  g_autoptr(TbCase) kase = NULL;
  g_autoptr(JsonObject) form = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *articles = write_file (fixture, "公司章程.pdf", 4000);
  g_autofree char *scan = write_file (fixture, "scan.png", 100);
  g_autofree char *large = write_file (fixture, "large.pdf", TB_ATTACHMENT_MAX_SIZE + 1);
  g_autofree char *created = NULL;
  GtkWidget *register_button = find_button (root, "_Register");
  GtkWidget *materials_row;
  GtkRevealer *error_revealer = GTK_REVEALER (tb_test_ui_find_widget (root, GTK_TYPE_REVEALER));
  JsonArray *files;
  JsonObject *file;
  TbFormView *view;
  FileCount none;

  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &dialog);
  g_signal_connect (dialog, "case-created", G_CALLBACK (on_case_created), &created);
  tb_new_case_dialog_set_attachment_cache (dialog, cache);
  g_assert_true (tb_new_case_dialog_get_attachment_cache (dialog) == cache);
  g_assert_true (tb_new_case_dialog_select_service (dialog, "business-licence"));
  view = get_form_view (dialog);
  g_assert_true (tb_form_view_get_can_add_files (view));
  json_object_remove_member (values, "attachments");
  tb_form_view_set_values (view, values);
  none.form = view;
  none.n = 0;
  g_assert_true (has_files (&none));

  /* An empty list, with a button to add to it; no material provided. */
  g_assert_true (gtk_widget_get_visible (find_button (root, "Add File…")));
  materials_row = find_row (root, "Articles of association");
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (materials_row)), ==,
                   "Not provided");

  /* Added: named in the form with its checksum, kept waiting, and Register waits meanwhile. */
  g_assert_true (gtk_widget_activate_action (root, "new-case.add-file-from", "(ss)",
                                             "attachments", articles));
  g_assert_false (gtk_widget_get_sensitive (register_button));
  {
    FileCount one = { view, 1 };

    g_assert_true (tb_test_ui_wait_until (has_files, &one, 5000));
  }
  g_assert_true (gtk_widget_get_sensitive (register_button));
  add_file_from (dialog, scan, 2);
  g_assert_true (tb_new_case_dialog_get_modified (dialog));
  edited = tb_form_view_dup_values (view);
  files = json_object_get_array_member (edited, "attachments");
  file = json_array_get_object_element (files, 0);
  g_assert_cmpstr (json_object_get_string_member (file, "name"), ==, "公司章程.pdf");
  g_assert_cmpint (json_object_get_int_member (file, "size"), ==, 4000);
  g_assert_cmpstr (json_object_get_string_member (file, "content_type"), ==, "application/pdf");
  g_assert_true (tb_attachment_cache_is_pending (cache,
                                                 json_object_get_string_member (file, "sha256")));
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (files, 1),
                                                  "content_type"), ==, "image/png");

  /* The file stands for its material now. */
  materials_row = find_row (root, "Articles of association");
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (materials_row)), ==,
                   "公司章程.pdf");
  assert_controls_labelled (root);

  /* Removed again. */
  g_signal_emit_by_name (row_button (find_row (root, "scan.png"), "Remove File"), "clicked");
  tb_test_ui_spin (20);
  g_assert_cmpuint (count_files (view), ==, 1);

  /* Too large: said, and the form as it was. */
  g_assert_true (gtk_widget_activate_action (root, "new-case.add-file-from", "(ss)",
                                             "attachments", large));
  g_assert_true (tb_test_ui_wait_until (error_shown, error_revealer, 5000));
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (tb_test_ui_find_widget (
                              GTK_WIDGET (error_revealer), GTK_TYPE_LABEL))), "large.pdf"));
  {
    /* The limit in the units a file manager shows. */
    g_autofree char *limit = g_format_size (TB_ATTACHMENT_MAX_SIZE);

    g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (tb_test_ui_find_widget (
                                GTK_WIDGET (error_revealer), GTK_TYPE_LABEL))), limit));
  }
  g_assert_cmpuint (count_files (view), ==, 1);

  /* Registered, offline: the case names the file, the file waits for the engine. */
  type_into (find_row (root, "Company _name"), "杭州云杉信息科技有限公司");
  type_into (find_row (root, "Con_tact person"), "王芳");
  g_assert_true (gtk_widget_activate_action (root, "new-case.save", NULL));
  tb_test_ui_spin (20);
  g_assert_nonnull (created);
  g_assert_null (dialog);
  kase = tb_store_get_case (fixture->store, created, &error);
  g_assert_no_error (error);
  form = tb_case_dup_form (kase);
  files = json_object_get_array_member (form, "attachments");
  g_assert_cmpuint (json_array_get_length (files), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (files, 0),
                                                  "sha256"), ==,
                   json_object_get_string_member (file, "sha256"));
  g_assert_cmpint (tb_test_store_int (fixture->store, "SELECT count(*) FROM outbox WHERE name ="
                                               " 'case.create' AND args LIKE '%sha256%'"), ==, 1);
}

static void
test_screenshots (Fixture       *fixture,
                  gconstpointer  data)
{
  const char *language = data;
  gboolean zh = g_str_equal (language, "zh_CN");
  TbNewCaseDialog *dialog;
  GtkWidget *root;
  g_autofree char *services = g_strdup_printf ("new-case-services-%s.png", language);
  g_autofree char *form = g_strdup_printf ("new-case-form-%s.png", language);
  g_autofree char *problems = g_strdup_printf ("new-case-problems-%s.png", language);
  g_autofree char *files = g_strdup_printf ("new-case-files-%s.png", language);
  g_autoptr(TbAttachmentCache) cache = tb_attachment_cache_new (fixture->store, NULL);
  g_autofree char *articles = write_file (fixture,
                                          zh ? "公司章程.pdf" : "Articles of association.pdf",
                                          120000);
  g_autofree char *lease = write_file (fixture, zh ? "房屋租赁合同.jpg" : "Lease.jpg", 480000);

  dialog = show_dialog (fixture);
  root = GTK_WIDGET (dialog);
  gtk_window_set_default_size (GTK_WINDOW (dialog), 640, 720);

  /* The services, in the language of the desk. */
  find_row (root, zh ? "企业设立登记（营业执照核发）"
                    : "Business licence registration (company establishment)");
  assert_controls_labelled (root);
  save_screenshot (root, root, services);

  /* A company's application, partly filled in. */
  g_assert_true (tb_new_case_dialog_select_service (dialog, "business-licence"));
  type_into (find_row (root, zh ? "企业名称(_N)" : "Company _name"), "杭州云杉信息科技有限公司");
  save_screenshot (root, root, form);

  /* Registered too early: what is missing, marked. */
  g_assert_true (gtk_widget_activate_action (root, "new-case.save", NULL));
  g_assert_cmpuint (count_shown_problems (root), >, 0);
  assert_controls_labelled (root);
  save_screenshot (root, gtk_widget_get_parent (GTK_WIDGET (get_form_view (dialog))), problems);

  /* Files attached: named, sized, counted as materials. */
  tb_new_case_dialog_set_attachment_cache (dialog, cache);
  add_file_from (dialog, articles, 1);
  add_file_from (dialog, lease, 2);
  assert_controls_labelled (root);
  save_screenshot (root, gtk_widget_get_parent (GTK_WIDGET (get_form_view (dialog))), files);

  g_object_ref (dialog);
  gtk_window_destroy (GTK_WINDOW (dialog));
  g_assert_finalize_object (dialog);
}

int
main (int   argc,
      char *argv[])
{
  tb_test_ui_init (&argc, &argv);

  g_test_add ("/new-case-dialog/new-destroy", Fixture, "en",
              fixture_set_up, test_new_destroy, fixture_tear_down);
  g_test_add ("/new-case-dialog/pick-service", Fixture, "en",
              fixture_set_up, test_pick_service, fixture_tear_down);
  g_test_add ("/new-case-dialog/invalid", Fixture, "en",
              fixture_set_up, test_invalid, fixture_tear_down);
  g_test_add ("/new-case-dialog/valid", Fixture, "en",
              fixture_set_up, test_valid, fixture_tear_down);
  g_test_add ("/new-case-dialog/cancel", Fixture, "en",
              fixture_set_up, test_cancel, fixture_tear_down);
  g_test_add ("/new-case-dialog/files", Fixture, "en",
              fixture_set_up, test_files, fixture_tear_down);
  g_test_add ("/new-case-dialog/en/screenshots", Fixture, "en",
              fixture_set_up, test_screenshots, fixture_tear_down);
  g_test_add ("/new-case-dialog/zh_CN/screenshots", Fixture, "zh_CN",
              fixture_set_up, test_screenshots, fixture_tear_down);

  return g_test_run ();
}
