/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-desk.c: the whole desk against the reference server: search, open, decide, sync, resolve,
 * work offline and catch up — driven through actions, as a keyboard user would */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <adwaita.h>

#include "tb-case-list.h"
#include "tb-case-service.h"
#include "tb-case-view.h"
#include "tb-decision-dialog.h"
#include "tb-inbox-view.h"
#include "tb-sidebar.h"
#include "tb-store-sync.h"
#include "tb-sync-engine.h"
#include "tb-sync-indicator.h"
#include "tb-test-common.h"
#include "tb-test-server.h"
#include "tb-test-ui.h"
#include "tb-window.h"

#define TODAY     "2026-11-27"
#define N_CASES   400
#define USER      "u-wangfang"

typedef struct
{
  TbTestServer *ts;
  char         *dir;
  char         *language;
  TbStore      *store;
  TbSyncEngine *engine;
  TbWindow     *window;
} Fixture;

static gboolean
engine_sign_in (TbSyncEngine *engine,
                const char   *login)
{
  g_autoptr(GError) error = NULL;

  tb_sync_engine_set_use_keyring (engine, FALSE);
  if (!tb_test_engine_sign_in (engine, login, &error))
    {
      g_test_message ("sign-in: %s", error->message);
      return FALSE;
    }
  return TRUE;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  f->language = g_strdup (data);
  tb_test_ui_set_language (f->language);

  f->ts = tb_test_server_new_demo (N_CASES, tb_day_from_iso (TODAY));

  f->dir = g_dir_make_tmp ("test-desk-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (f->dir, "wangfang.db", NULL);
  f->store = tb_store_open (path, &error);
  g_assert_no_error (error);
  f->engine = tb_sync_engine_new (f->store, f->ts->base);
  g_assert_true (engine_sign_in (f->engine, "wangfang"));
  g_assert_true (tb_test_engine_sync (f->engine, NULL, &error));
  g_assert_no_error (error);

  f->window = tb_window_new (NULL, f->store, NULL);
  tb_window_set_engine (f->window, f->engine);
  gtk_window_set_default_size (GTK_WINDOW (f->window), 1280, 760);
  gtk_window_present (GTK_WINDOW (f->window));
  tb_test_ui_spin (100);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_object_ref (f->window);
  gtk_window_destroy (GTK_WINDOW (f->window));
  g_assert_finalize_object (f->window);
  tb_sync_engine_stop (f->engine);
  g_assert_finalize_object (f->engine);
  g_assert_finalize_object (f->store);
  if (f->ts != NULL)
    tb_test_server_free (f->ts);
  tb_test_remove_dir (f->dir);
  g_free (f->dir);
  g_free (f->language);
}

/* ------------------------------------------------------------------------------------------ */

static TbSidebar *
get_sidebar (Fixture *f)
{
  return TB_SIDEBAR (tb_test_ui_find_widget (GTK_WIDGET (f->window), TB_TYPE_SIDEBAR));
}

static TbCaseView *
get_case_view (Fixture *f)
{
  return TB_CASE_VIEW (tb_test_ui_find_widget (GTK_WIDGET (f->window), TB_TYPE_CASE_VIEW));
}

static TbSyncIndicator *
get_indicator (Fixture *f)
{
  return TB_SYNC_INDICATOR (tb_test_ui_find_widget (GTK_WIDGET (f->window),
                                                    TB_TYPE_SYNC_INDICATOR));
}

static TbCase *
reload_case (Fixture    *f,
             const char *id)
{
  g_autoptr(GError) error = NULL;
  TbCase *c = tb_store_get_case (f->store, id, &error);

  g_assert_no_error (error);
  g_assert_nonnull (c);
  return c;
}

/* A case of the demo user's in @state of @service: the first the user's inbox lists. */
static TbCase *
find_my_case (Fixture    *f,
              const char *service_id,
              const char *state,
              guint       skip)
{
  g_autoptr(TbCaseList) list = tb_case_list_new (f->store);

  tb_inbox_view_configure (TB_INBOX_VIEW_MINE, list, USER, NULL);
  tb_case_list_set_service (list, service_id);
  tb_case_list_set_state (list, state);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), >, skip);
  return g_list_model_get_item (G_LIST_MODEL (list), skip);
}

typedef struct
{
  Fixture    *f;
  const char *text;
} Search;

static gboolean
search_ran (gpointer data)
{
  Search *s = data;
  TbCaseList *list = TB_CASE_LIST (tb_window_get_cases (s->f->window));
  gboolean searching;

  g_object_get (s->f->window, "searching", &searching, NULL);
  return !searching && g_strcmp0 (tb_case_list_get_search_text (list), s->text) == 0;
}

static void
count_notify (guint *n)
{
  (*n)++;
}

/* Types @text into the search entry, waits for the search, and returns the position of @id in
 * the results (which must hold it). */
static guint
search_for (Fixture    *f,
            const char *text,
            const char *id)
{
  GtkEditable *entry = GTK_EDITABLE (tb_test_ui_find_widget (GTK_WIDGET (f->window),
                                                             GTK_TYPE_SEARCH_ENTRY));
  GListModel *rows = tb_window_get_cases (f->window);
  Search s = { f, text };
  guint n_notified = 0;
  gulong handler = g_signal_connect_swapped (f->window, "notify::searching",
                                             G_CALLBACK (count_notify), &n_notified);

  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.search", NULL);
  gtk_editable_set_text (entry, text);
  g_assert_true (tb_test_ui_wait_until (search_ran, &s, 5000));
  /* The window said it was searching, then that it was done (as many times as the entry said
   * the text changed), and counts what the list has. */
  g_signal_handler_disconnect (f->window, handler);
  g_assert_cmpuint (n_notified, >=, 2);
  g_assert_cmpuint (n_notified % 2, ==, 0);
  g_assert_cmpuint (tb_window_get_n_cases (f->window), ==, g_list_model_get_n_items (rows));
  for (guint i = 0; i < g_list_model_get_n_items (rows); i++)
    {
      g_autoptr(TbCase) c = g_list_model_get_item (rows, i);

      if (g_str_equal (tb_case_get_id (c), id))
        return i;
    }
  g_error ("searching “%s” did not find case %s", text, id);
}

/* Finds @kase by its reference from the search entry and opens it from the list. */
static void
open_case (Fixture *f,
           TbCase  *kase)
{
  guint position = search_for (f, tb_case_get_ref (kase), tb_case_get_id (kase));

  gtk_selection_model_select_item (tb_window_get_selection (f->window), position, TRUE);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.open-selected", NULL));
  g_assert_cmpstr (tb_case_view_get_case_id (get_case_view (f)), ==, tb_case_get_id (kase));
}

/* Opens the decision dialog for @action from the case view, fills it in and confirms it. */
static void
decide (Fixture    *f,
        const char *action,
        const char *reason,
        const char *missing_material)
{
  TbDecisionDialog *dialog;

  g_assert_null (tb_test_ui_find_toplevel (TB_TYPE_DECISION_DIALOG));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "case.decide", "s", action));
  dialog = TB_DECISION_DIALOG (tb_test_ui_find_toplevel (TB_TYPE_DECISION_DIALOG));
  g_assert_nonnull (dialog);
  g_assert_cmpstr (tb_decision_dialog_get_action (dialog), ==, action);
  if (reason != NULL)
    tb_decision_dialog_set_reason (dialog, reason);
  if (missing_material != NULL)
    g_assert_true (tb_decision_dialog_set_material_missing (dialog, missing_material, TRUE));
  tb_test_ui_spin (50);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "decision.confirm", NULL));
  if (tb_test_ui_find_toplevel (TB_TYPE_DECISION_DIALOG) != NULL)
    g_error ("the dialog stayed open: %s", tb_decision_dialog_get_problem (dialog));
}

typedef struct
{
  Fixture     *f;
  const char  *id;
  TbSyncState  sync_state;
} SyncStateQuery;

static gboolean
case_sync_state_is (gpointer data)
{
  SyncStateQuery *q = data;
  TbCase *shown = tb_case_view_get_case (get_case_view (q->f));

  return shown != NULL && g_str_equal (tb_case_get_id (shown), q->id)
         && tb_case_get_sync_state (shown) == q->sync_state;
}

static void
assert_shown_sync_state (Fixture     *f,
                         const char  *id,
                         TbSyncState  sync_state)
{
  SyncStateQuery q = { f, id, sync_state };

  g_assert_true (tb_test_ui_wait_until (case_sync_state_is, &q, 5000));
}

typedef struct
{
  TbSidebar   *sidebar;
  TbInboxView  view;
  guint        count;
} CountQuery;

static gboolean
count_is (gpointer data)
{
  CountQuery *q = data;

  return tb_sidebar_get_count (q->sidebar, q->view) == q->count;
}

static void
assert_count (Fixture     *f,
              TbInboxView  view,
              guint        count)
{
  CountQuery q = { get_sidebar (f), view, count };

  if (!tb_test_ui_wait_until (count_is, &q, 5000))
    g_error ("view %s counts %u, not %u", tb_inbox_view_to_id (view),
             tb_sidebar_get_count (q.sidebar, view), count);
}

typedef struct
{
  TbSyncIndicator *indicator;
  gint64           n_unsent;
} UnsentQuery;

static gboolean
unsent_is (gpointer data)
{
  UnsentQuery *q = data;

  return tb_sync_indicator_get_n_unsent (q->indicator) == q->n_unsent;
}

/* The indicator reads the store once a burst of changes is over: wait for it. */
static void
assert_unsent (Fixture *f,
               gint64   n_unsent)
{
  UnsentQuery q = { get_indicator (f), n_unsent };

  if (!tb_test_ui_wait_until (unsent_is, &q, 5000))
    g_error ("the indicator says %" G_GINT64_FORMAT " unsent, not %" G_GINT64_FORMAT,
             tb_sync_indicator_get_n_unsent (q.indicator), n_unsent);
}

static void
screenshot (Fixture    *f,
            const char *what)
{
  g_autofree char *name = g_strdup_printf ("desk-%s-%s.png", what, f->language);

  tb_test_ui_save_screenshot (GTK_WIDGET (f->window), name);
}

/* ------------------------------------------------------------------------------------------ */

/* Search, open, approve: pending until the server has it, then synced and approved there. */
static void
test_approve (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(TbCase) kase = find_my_case (f, "business-licence", "in_review", 0);
  g_autoptr(TbCase) after = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *sql = NULL;
  const char *id = tb_case_get_id (kase);

  screenshot (f, "inbox");
  /* By the applicant's name first: the list finds the person, the reference opens the case. */
  search_for (f, tb_case_get_applicant_name (kase), id);
  open_case (f, kase);
  screenshot (f, "case");

  decide (f, "approve", NULL, NULL);
  assert_shown_sync_state (f, id, TB_SYNC_STATE_PENDING);
  assert_count (f, TB_INBOX_VIEW_SENT, 1);
  assert_unsent (f, 1);
  after = reload_case (f, id);
  g_assert_cmpstr (tb_case_get_state (after), ==, "approved");
  screenshot (f, "pending");

  g_assert_true (tb_test_engine_sync (f->engine, NULL, &error));
  g_assert_no_error (error);
  assert_shown_sync_state (f, id, TB_SYNC_STATE_SYNCED);
  assert_count (f, TB_INBOX_VIEW_SENT, 0);
  sql = g_strdup_printf ("SELECT count (*) FROM cases WHERE id = '%s' AND state = 'approved'",
                         id);
  g_assert_cmpint (tb_test_query_int (f->ts, sql), ==, 1);

  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.back", NULL);
  tb_test_ui_spin (50);
}

/* Return for correction with what is missing: the case waits for the applicant, listed under
 * Returned for Correction once the server agrees. */
static void
test_return (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(TbCase) kase = find_my_case (f, "business-licence", "in_review", 1);
  g_autoptr(TbCase) after = NULL;
  g_autoptr(GError) error = NULL;
  guint returned = tb_sidebar_get_count (get_sidebar (f), TB_INBOX_VIEW_RETURNED);
  const char *id = tb_case_get_id (kase);

  open_case (f, kase);
  decide (f, "return", "股东身份证明复印件不清晰", "shareholder_ids");
  assert_shown_sync_state (f, id, TB_SYNC_STATE_PENDING);
  assert_count (f, TB_INBOX_VIEW_RETURNED, returned + 1);

  g_assert_true (tb_test_engine_sync (f->engine, NULL, &error));
  g_assert_no_error (error);
  assert_shown_sync_state (f, id, TB_SYNC_STATE_SYNCED);
  after = reload_case (f, id);
  g_assert_cmpstr (tb_case_get_state (after), ==, "awaiting_applicant");
  g_assert_true (tb_case_get_paused_since (after) != TB_DAY_INVALID);

  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.select-view", "s", "returned");
  search_for (f, tb_case_get_ref (kase), id);
}

/* Another device of the same caseworker returns a case while this desk approves it: the desk's
 * approval comes back as a conflict, under Drafts & Conflicts, resolved by taking theirs. */
static void
test_conflict (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(TbCase) kase = find_my_case (f, "business-licence", "in_review", 2);
  g_autoptr(TbCase) after = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *other_path = g_build_filename (f->dir, "laptop.db", NULL);
  g_autoptr(TbStore) other = tb_store_open (other_path, &error);
  g_autoptr(TbSyncEngine) other_engine = NULL;
  g_autoptr(TbCaseService) other_service = NULL;
  g_auto(GStrv) teams = NULL;
  TbRole roles;
  const char *id = tb_case_get_id (kase);

  /* The laptop returns the case and syncs first. */
  g_assert_no_error (error);
  other_engine = tb_sync_engine_new (other, f->ts->base);
  g_assert_true (engine_sign_in (other_engine, "wangfang"));
  g_assert_true (tb_test_engine_sync (other_engine, NULL, &error));
  g_assert_true (tb_store_get_user_access (other, USER, &roles, &teams, &error));
  other_service = tb_case_service_new (other, USER, roles, (const char * const *) teams);
  g_assert_true (tb_case_service_decide (other_service, id, "return", NULL,
                                         "缺少股东身份证明", NULL, &error));
  g_assert_no_error (error);
  g_assert_true (tb_test_engine_sync (other_engine, NULL, &error));
  g_assert_no_error (error);

  /* The desk, not yet aware of it, approves. */
  open_case (f, kase);
  decide (f, "approve", NULL, NULL);
  g_assert_true (tb_test_engine_sync (f->engine, NULL, &error));
  g_assert_no_error (error);
  assert_shown_sync_state (f, id, TB_SYNC_STATE_CONFLICT);
  assert_count (f, TB_INBOX_VIEW_DRAFTS, 1);
  screenshot (f, "conflict");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "case.take-theirs", NULL));
  assert_count (f, TB_INBOX_VIEW_DRAFTS, 0);
  g_assert_true (tb_test_engine_sync (f->engine, NULL, &error));
  g_assert_no_error (error);
  after = reload_case (f, id);
  g_assert_cmpstr (tb_case_get_state (after), ==, "awaiting_applicant");
  g_assert_cmpint (tb_case_get_sync_state (after), ==, TB_SYNC_STATE_SYNCED);

  tb_sync_engine_stop (other_engine);
}

typedef struct
{
  TbSyncIndicator *indicator;
  const char      *state;
} IndicatorQuery;

static gboolean
indicator_is (gpointer data)
{
  IndicatorQuery *q = data;

  return g_strcmp0 (tb_sync_indicator_get_state (q->indicator), q->state) == 0;
}

/* The server goes away: the desk says offline (not an error), keeps working and queuing, and
 * catches up when the server is back. */
static void
test_offline (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(TbCase) kase = find_my_case (f, "business-licence", "in_review", 3);
  g_autoptr(GError) error = NULL;
  g_autofree char *address = g_strdup_printf ("127.0.0.1:%u",
                                              tb_server_get_port (f->ts->server));
  g_autofree char *sql = NULL;
  IndicatorQuery q = { get_indicator (f), "offline" };
  const char *id = tb_case_get_id (kase);

  tb_server_disconnect (f->ts->server);
  g_assert_finalize_object (g_steal_pointer (&f->ts->server));
  g_assert_false (tb_test_engine_sync (f->engine, NULL, &error));
  g_assert_error (error, TB_SYNC_ERROR, TB_SYNC_ERROR_OFFLINE);
  g_clear_error (&error);
  g_assert_true (tb_test_ui_wait_until (indicator_is, &q, 5000));

  open_case (f, kase);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "case.comment", "s",
                                             "已电话告知申请人补交材料"));
  decide (f, "approve", NULL, NULL);
  assert_shown_sync_state (f, id, TB_SYNC_STATE_PENDING);
  assert_unsent (f, 2);
  screenshot (f, "offline");

  f->ts->server = tb_server_new (f->ts->db_path, &error);
  g_assert_no_error (error);
  g_assert_true (tb_server_listen (f->ts->server, address, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (tb_test_engine_sync (f->engine, NULL, &error));
  g_assert_no_error (error);
  assert_shown_sync_state (f, id, TB_SYNC_STATE_SYNCED);
  q.state = "online";
  g_assert_true (tb_test_ui_wait_until (indicator_is, &q, 5000));
  assert_unsent (f, 0);
  sql = g_strdup_printf ("SELECT count (*) FROM cases WHERE id = '%s' AND state = 'approved'",
                         id);
  g_assert_cmpint (tb_test_query_int (f->ts, sql), ==, 1);
}

int
main (int    argc,
      char **argv)
{
  tb_test_ui_init (&argc, &argv);
  /* Animations stay on, as for a user: toasts the desk dismisses right after showing them once
   * crashed libadwaita 1.2 here (see ui/tb-toasts.c). */

  g_test_add ("/desk/en/approve", Fixture, "en", fixture_set_up, test_approve,
              fixture_tear_down);
  g_test_add ("/desk/zh_CN/approve", Fixture, "zh_CN", fixture_set_up, test_approve,
              fixture_tear_down);
  g_test_add ("/desk/en/return", Fixture, "en", fixture_set_up, test_return, fixture_tear_down);
  g_test_add ("/desk/zh_CN/conflict", Fixture, "zh_CN", fixture_set_up, test_conflict,
              fixture_tear_down);
  g_test_add ("/desk/en/conflict", Fixture, "en", fixture_set_up, test_conflict,
              fixture_tear_down);
  g_test_add ("/desk/en/offline", Fixture, "en", fixture_set_up, test_offline,
              fixture_tear_down);
  g_test_add ("/desk/zh_CN/offline", Fixture, "zh_CN", fixture_set_up, test_offline,
              fixture_tear_down);

  return g_test_run ();
}
