/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-case-service.c: local actions: checked, and written with outbox, audit and timeline at once */

#include "config.h"

#include <locale.h>
#include <string.h>

#include "tb-case-list.h"
#include "tb-cli.h"
#include "tb-case-service.h"
#include "tb-demo.h"
#include "tb-service.h"
#include "tb-store-private.h"
#include "tb-workflow.h"

static char *tmpdir;
static guint counter;

#define TODAY "2026-11-27"

static TbStore *
new_store (void)
{
  g_autofree char *path = g_strdup_printf ("%s/store-%u.db", tmpdir, counter++);
  g_autoptr(GError) error = NULL;
  TbStore *store = tb_store_open (path, &error);

  g_assert_no_error (error);
  g_assert_true (tb_demo_seed_store (store, 600, 5, tb_day_from_iso (TODAY), &error));
  g_assert_no_error (error);
  return store;
}

static gint64
count (TbStore    *store,
       const char *table)
{
  g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM %s", table);
  sqlite3_stmt *stmt = _tb_store_prepare (store, sql, NULL);
  gint64 n;

  g_assert_nonnull (stmt);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  n = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return n;
}

static char *
text_of (TbStore    *store,
         const char *sql)
{
  sqlite3_stmt *stmt = _tb_store_prepare (store, sql, NULL);
  char *value = NULL;

  g_assert_nonnull (stmt);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    value = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  return value;
}

/* The first case assigned to @assignee in @state of @service (any service if NULL). */
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

static const char *market[] = { "team-market", NULL };

static TbCaseService *
caseworker (TbStore    *store,
            const char *user)
{
  TbCaseService *service = tb_case_service_new (store, user, TB_ROLE_CASEWORKER, market);

  tb_case_service_set_today (service, tb_day_from_iso (TODAY));
  return service;
}

typedef struct
{
  gint64 outbox, audit, events, overlay;
} Counts;

static Counts
counts (TbStore *store)
{
  return (Counts) { count (store, "outbox"), count (store, "audit"), count (store, "events"),
                    count (store, "case_overlay") };
}

static void
assert_nothing_written (TbStore *store,
                        Counts   before,
                        TbCase  *c)
{
  Counts now = counts (store);
  g_autoptr(TbCase) again = tb_store_get_case (store, tb_case_get_id (c), NULL);

  g_assert_cmpint (now.outbox, ==, before.outbox);
  g_assert_cmpint (now.audit, ==, before.audit);
  g_assert_cmpint (now.events, ==, before.events);
  g_assert_cmpint (now.overlay, ==, before.overlay);
  g_assert_true (tb_case_equal (again, c));
}

static void
test_decide (void)
{
  g_autoptr(TbStore) store = new_store ();
  g_autoptr(TbCaseService) wangfang = caseworker (store, "u-wangfang");
  g_autoptr(TbCase) c = find_case (store, "u-wangfang", "in_review", NULL);
  g_autoptr(TbCase) after = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *base = NULL;
  g_autofree char *args = NULL;
  g_autofree char *hash1 = NULL;
  Counts before = counts (store);

  g_assert_cmpint (before.outbox, ==, 0);
  g_assert_true (tb_case_service_decide (wangfang, tb_case_get_id (c), "approve", NULL, NULL,
                                         "材料齐全，准予办理", &error));
  g_assert_no_error (error);

  after = tb_store_get_case (store, tb_case_get_id (c), &error);
  g_assert_cmpstr (tb_case_get_state (after), ==, "approved");
  g_assert_true (tb_case_get_closed (after));
  g_assert_cmpint (tb_case_get_sync_state (after), ==, TB_SYNC_STATE_PENDING);
  g_assert_cmpint (tb_case_get_version (after), ==, tb_case_get_version (c));

  /* Everything of one action, once. */
  g_assert_cmpint (count (store, "outbox"), ==, 1);
  g_assert_cmpint (count (store, "audit"), ==, 1);
  g_assert_cmpint (count (store, "events"), ==, 1);
  g_assert_cmpint (count (store, "case_overlay"), ==, 1);

  /* The server's values are kept: the state it had, not the local one. */
  base = text_of (store, "SELECT json_extract (base, '$.state') FROM case_overlay");
  g_assert_cmpstr (base, ==, "in_review");
  args = text_of (store, "SELECT json_extract (args, '$.action') || ':' || name || ':' || id "
                         "FROM outbox");
  g_assert_cmpstr (args, ==, "approve:case.decide:1");
  {
    g_autofree char *bv = text_of (store, "SELECT base_versions FROM outbox");
    g_autofree char *want = g_strdup_printf ("{\"case:%s\":%" G_GINT64_FORMAT "}",
                                             tb_case_get_id (c), tb_case_get_version (c));
    g_assert_cmpstr (bv, ==, want);
  }

  /* A second action: the next mutation id, and an audit entry chained to the first. */
  hash1 = text_of (store, "SELECT hash FROM audit");
  g_assert_true (tb_case_service_comment (wangfang, tb_case_get_id (c), "已电话告知申请人",
                                          &error));
  g_assert_no_error (error);
  {
    g_autofree char *ids = text_of (store, "SELECT group_concat (id) FROM outbox");
    g_autofree char *prev = text_of (store, "SELECT prev_hash FROM audit WHERE id = 2");
    g_assert_cmpstr (ids, ==, "1,2");
    g_assert_cmpstr (prev, ==, hash1);
  }

  /* The overlay still holds the server's state, not the local approval. */
  g_free (base);
  base = text_of (store, "SELECT json_extract (base, '$.state') FROM case_overlay");
  g_assert_cmpstr (base, ==, "in_review");
}

static void
test_refusals_write_nothing (void)
{
  g_autoptr(TbStore) store = new_store ();
  g_autoptr(TbCaseService) wangfang = caseworker (store, "u-wangfang");
  g_autoptr(TbCaseService) auditor = NULL;
  g_autoptr(TbCase) received = find_case (store, "u-wangfang", "received", NULL);
  g_autoptr(TbCase) in_review = find_case (store, "u-wangfang", "in_review", NULL);
  g_autoptr(TbCase) others = find_case (store, "u-lina", "in_review", NULL);
  g_autoptr(GError) error = NULL;
  Counts before = counts (store);

  /* Not an action of this state. */
  g_assert_false (tb_case_service_decide (wangfang, tb_case_get_id (received), "approve", NULL,
                                          NULL, NULL, &error));
  g_assert_error (error, TB_WORKFLOW_ERROR, TB_WORKFLOW_ERROR_NOT_AVAILABLE);
  g_clear_error (&error);
  assert_nothing_written (store, before, received);

  /* A return for correction needs the reason. */
  g_assert_false (tb_case_service_decide (wangfang, tb_case_get_id (in_review), "return", NULL,
                                          "   ", NULL, &error));
  g_assert_error (error, TB_WORKFLOW_ERROR, TB_WORKFLOW_ERROR_REASON_REQUIRED);
  g_clear_error (&error);
  assert_nothing_written (store, before, in_review);

  /* Someone else's case. */
  g_assert_false (tb_case_service_decide (wangfang, tb_case_get_id (others), "approve", NULL,
                                          NULL, NULL, &error));
  g_assert_error (error, TB_CASE_SERVICE_ERROR, TB_CASE_SERVICE_ERROR_FORBIDDEN);
  g_clear_error (&error);
  g_assert_false (tb_case_service_comment (wangfang, tb_case_get_id (others), "x", &error));
  g_assert_error (error, TB_CASE_SERVICE_ERROR, TB_CASE_SERVICE_ERROR_FORBIDDEN);
  g_clear_error (&error);
  assert_nothing_written (store, before, others);

  /* A caseworker reassigns nothing; an auditor decides nothing. */
  g_assert_false (tb_case_service_reassign (wangfang, tb_case_get_id (in_review), "u-lina",
                                            &error));
  g_assert_error (error, TB_CASE_SERVICE_ERROR, TB_CASE_SERVICE_ERROR_FORBIDDEN);
  g_clear_error (&error);
  auditor = tb_case_service_new (store, "u-sunjianguo", TB_ROLE_AUDITOR, NULL);
  g_assert_false (tb_case_service_decide (auditor, tb_case_get_id (in_review), "approve", NULL,
                                          NULL, NULL, &error));
  g_assert_error (error, TB_CASE_SERVICE_ERROR, TB_CASE_SERVICE_ERROR_FORBIDDEN);
  g_clear_error (&error);

  /* No such case; an empty comment. */
  g_assert_false (tb_case_service_decide (wangfang, "no-such-case", "approve", NULL, NULL, NULL,
                                          &error));
  g_assert_error (error, TB_CASE_SERVICE_ERROR, TB_CASE_SERVICE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (tb_case_service_comment (wangfang, tb_case_get_id (in_review), " \n", &error));
  g_assert_error (error, TB_CASE_SERVICE_ERROR, TB_CASE_SERVICE_ERROR_INVALID);
  g_clear_error (&error);

  assert_nothing_written (store, before, in_review);
}

static void
test_all_or_nothing (void)
{
  g_autoptr(TbStore) store = new_store ();
  g_autoptr(TbCaseService) wangfang = caseworker (store, "u-wangfang");
  g_autoptr(TbCase) c = find_case (store, "u-wangfang", "in_review", NULL);
  g_autoptr(GError) error = NULL;
  Counts before = counts (store);

  /* The audit entry is the last write of an action: when it fails, the case, its overlay and
   * the outbox mutation written before it in the same transaction must all be undone. */
  g_assert_cmpint (sqlite3_exec (_tb_store_get_db (store),
                                 "CREATE TEMP TRIGGER fail_audit BEFORE INSERT ON audit "
                                 "BEGIN SELECT RAISE (ABORT, 'audit refused'); END;",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_false (tb_case_service_decide (wangfang, tb_case_get_id (c), "approve", NULL, NULL,
                                          NULL, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  assert_nothing_written (store, before, c);
  {
    g_autofree char *next = text_of (store, "SELECT ifnull (max (next_mutation_id), 1) "
                                            "FROM sync_state");
    g_assert_cmpstr (next, ==, "1");
  }

  g_assert_cmpint (sqlite3_exec (_tb_store_get_db (store), "DROP TRIGGER temp.fail_audit",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_true (tb_case_service_decide (wangfang, tb_case_get_id (c), "approve", NULL, NULL,
                                         NULL, &error));
  g_assert_no_error (error);
  {
    g_autofree char *id = text_of (store, "SELECT id FROM outbox");
    g_assert_cmpstr (id, ==, "1");
  }
}

static void
test_return_resubmit_clock (void)
{
  g_autoptr(TbStore) store = new_store ();
  g_autoptr(TbCaseService) wangfang = caseworker (store, "u-wangfang");
  g_autoptr(TbCase) c = find_case (store, "u-wangfang", "in_review", NULL);
  g_autoptr(TbCase) paused = NULL;
  g_autoptr(TbCase) resumed = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(TbCalendar) calendar = tb_store_load_calendar (store, NULL);
  TbDay deadline = tb_case_get_deadline (c);

  /* Returned Friday 2026-11-27, resubmitted Thursday 2026-12-03: the working days in between,
   * (11-27, 12-03], are 11-30, 12-01, 12-02, 12-03 = 4. */
  g_assert_true (tb_case_service_decide (wangfang, tb_case_get_id (c), "return", NULL,
                                         "缺少户口簿复印件", NULL, &error));
  g_assert_no_error (error);
  paused = tb_store_get_case (store, tb_case_get_id (c), NULL);
  g_assert_cmpstr (tb_case_get_state (paused), ==, "awaiting_applicant");
  g_assert_cmpuint (tb_case_get_paused_since (paused), ==, tb_day_from_iso (TODAY));

  tb_case_service_set_today (wangfang, tb_day_from_iso ("2026-12-03"));
  g_assert_true (tb_case_service_decide (wangfang, tb_case_get_id (c), "resubmit", NULL, NULL,
                                         NULL, &error));
  g_assert_no_error (error);
  resumed = tb_store_get_case (store, tb_case_get_id (c), NULL);
  g_assert_cmpstr (tb_case_get_state (resumed), ==, "in_review");
  g_assert_cmpuint (tb_case_get_paused_since (resumed), ==, TB_DAY_INVALID);
  g_assert_cmpuint (tb_case_get_deadline (resumed), ==,
                    tb_calendar_add_working_days (calendar, deadline, 4));

  /* The overlay still holds the server's deadline and state, from before both actions. */
  {
    g_autofree char *sql = g_strdup_printf ("SELECT json_extract (base, '$.state') || ' ' || "
                                            "json_extract (base, '$.deadline') FROM case_overlay "
                                            "WHERE case_id = '%s'", tb_case_get_id (c));
    g_autofree char *base = text_of (store, sql);
    g_autofree char *iso = tb_day_to_iso (deadline);
    g_autofree char *want = g_strdup_printf ("in_review %s", iso);
    g_assert_cmpstr (base, ==, want);
  }
}

static void
test_reassign_and_fields (void)
{
  g_autoptr(TbStore) store = new_store ();
  g_autoptr(TbCaseService) chenjing = tb_case_service_new (store, "u-chenjing",
                                                           TB_ROLE_SUPERVISOR, market);
  g_autoptr(TbCaseService) wangfang = caseworker (store, "u-wangfang");
  g_autoptr(TbCase) c = find_case (store, "u-wangfang", "in_review", "business-licence");
  g_autoptr(TbCase) moved = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(JsonObject) bad = json_object_new ();
  g_autoptr(JsonObject) good = json_object_new ();
  Counts before;

  g_assert_true (tb_case_service_reassign (chenjing, tb_case_get_id (c), "u-lina", &error));
  g_assert_no_error (error);
  moved = tb_store_get_case (store, tb_case_get_id (c), NULL);
  g_assert_cmpstr (tb_case_get_assignee_id (moved), ==, "u-lina");

  /* Now Wang Fang's no longer. */
  g_assert_false (tb_case_service_comment (wangfang, tb_case_get_id (c), "x", &error));
  g_assert_error (error, TB_CASE_SERVICE_ERROR, TB_CASE_SERVICE_ERROR_FORBIDDEN);
  g_clear_error (&error);

  /* An invalid form value: the problem, and nothing written. */
  before = counts (store);
  json_object_set_int_member (bad, "registered_capital", -5);
  g_assert_false (tb_case_service_update_fields (chenjing, tb_case_get_id (c), bad, &problems,
                                                 &error));
  g_assert_error (error, TB_CASE_SERVICE_ERROR, TB_CASE_SERVICE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_nonnull (problems);
  g_assert_cmpuint (problems->len, >=, 1);
  g_assert_cmpstr (((TbFormProblem *) g_ptr_array_index (problems, 0))->field_id, ==,
                   "registered_capital");
  g_assert_cmpint (counts (store).outbox, ==, before.outbox);

  /* A valid one, found by search at once. */
  json_object_set_string_member (good, "business_scope", "茶叶种植；茶叶加工；茶具销售");
  g_assert_true (tb_case_service_update_fields (chenjing, tb_case_get_id (c), good, NULL,
                                                &error));
  g_assert_no_error (error);
  {
    g_autoptr(GPtrArray) ids = tb_store_search_case_ids (store, "茶具", 10, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (ids->len, ==, 1);
    g_assert_cmpstr (g_ptr_array_index (ids, 0), ==, tb_case_get_id (c));
  }
}

static void
on_items_changed (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  guint      *n)
{
  g_assert_cmpuint (removed, <=, 1);
  g_assert_cmpuint (added, <=, 1);
  (*n)++;
}

static void
test_create_and_list (void)
{
  g_autoptr(TbStore) store = new_store ();
  g_autoptr(TbCaseService) wangfang = caseworker (store, "u-wangfang");
  g_autoptr(TbCaseList) mine = tb_case_list_new (store);
  g_autoptr(TbService) service = tb_store_get_service (store, "information-disclosure", NULL);
  g_autoptr(JsonObject) form = NULL;
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(TbCase) created = NULL;
  g_autofree char *id = NULL;
  guint n_before, changes = 0;

  tb_case_list_set_assignee (mine, "u-wangfang");
  n_before = g_list_model_get_n_items (G_LIST_MODEL (mine));
  g_signal_connect (mine, "items-changed", G_CALLBACK (on_items_changed), &changes);

  /* An empty form is refused with its problems. */
  form = json_object_new ();
  id = tb_case_service_create (wangfang, "information-disclosure", "赵敏", "person", NULL, form,
                               &problems, &error);
  g_assert_null (id);
  g_assert_error (error, TB_CASE_SERVICE_ERROR, TB_CASE_SERVICE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_cmpuint (problems->len, >, 0);
  g_assert_cmpuint (changes, ==, 0);

  /* The demo's own form for this service is valid: reuse one. */
  {
    g_autoptr(TbCase) sample = find_case (store, NULL, NULL, "information-disclosure");
    g_clear_pointer (&form, json_object_unref);
    form = tb_case_dup_form (sample);
  }
  id = tb_case_service_create (wangfang, "information-disclosure", "赵敏", "person", NULL, form,
                               NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (id);

  created = tb_store_get_case (store, id, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (tb_case_get_ref (created), "NEW-"));
  g_assert_cmpstr (tb_case_get_state (created), ==, "received");
  g_assert_cmpint (tb_case_get_version (created), ==, 0);
  g_assert_cmpint (tb_case_get_sync_state (created), ==, TB_SYNC_STATE_PENDING);
  /* 20 working days from Friday 2026-11-27: 11-30..12-04, 12-07..11, 12-14..18, 12-21..25. */
  g_assert_cmpuint (tb_case_get_deadline (created), ==, tb_day_from_iso ("2026-12-25"));

  /* The inbox gains exactly that row, and search finds it. */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (mine)), ==, n_before + 1);
  g_assert_cmpuint (changes, ==, 1);
  {
    g_autoptr(GPtrArray) ids = tb_store_search_case_ids (store, tb_case_get_ref (created), 10,
                                                         &error);
    g_assert_no_error (error);
    g_assert_cmpuint (ids->len, ==, 1);
  }
  {
    g_autofree char *name = text_of (store, "SELECT name FROM outbox");
    g_assert_cmpstr (name, ==, "case.create");
  }
}

static GString *cli_output;

/* What the command prints to stdout, kept out of the TAP stream. */
static void
capture_print (const char *text)
{
  g_string_append (cli_output, text);
}

static int
run_cli (const char *first,
         ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  va_list ap;
  const char *arg;

  g_ptr_array_add (args, (gpointer) "tongban-cli");
  va_start (ap, first);
  for (arg = first; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (args, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);

  g_string_truncate (cli_output, 0);
  return tb_cli_main (args->len - 1, (char **) args->pdata);
}

static void
test_cli_act (void)
{
  g_autoptr(TbStore) store = new_store ();
  g_autoptr(TbCase) c = find_case (store, "u-wangfang", "in_review", NULL);
  g_autoptr(TbCase) after = NULL;
  const char *path = tb_store_get_path (store);
  const char *ref = tb_case_get_ref (c);

  /* Queued offline through the command line, as administrators and the sync tests do. */
  cli_output = g_string_new (NULL);
  g_set_print_handler (capture_print);
  g_assert_cmpint (run_cli ("act", "--db", path, "--case", ref, "--action", "approve",
                            "--comment", "同意", "--user", "u-wangfang", NULL), ==, 0);
  g_assert_nonnull (strstr (cli_output->str, ref));
  g_assert_cmpint (run_cli ("act", "--db", path, "--case", ref, "--action", "comment",
                            "--comment", "已通知申请人", "--user", "u-wangfang", NULL), ==, 0);
  /* Refused: not allowed any more, someone else's, no user, unknown case. */
  g_assert_cmpint (run_cli ("act", "--db", path, "--case", ref, "--action", "approve",
                            "--user", "u-wangfang", NULL), ==, 1);
  g_assert_cmpint (run_cli ("act", "--db", path, "--case", ref, "--action", "comment",
                            "--comment", "x", "--user", "u-liuyang", NULL), ==, 1);
  g_assert_cmpint (run_cli ("act", "--db", path, "--case", ref, "--action", "approve", NULL),
                   ==, 2);
  g_assert_cmpint (run_cli ("act", "--db", path, "--case", "TB-0000-000000", "--action",
                            "approve", "--user", "u-wangfang", NULL), ==, 1);

  g_set_print_handler (NULL);
  g_string_free (cli_output, TRUE);

  after = tb_store_get_case (store, tb_case_get_id (c), NULL);
  g_assert_cmpstr (tb_case_get_state (after), ==, "approved");
  {
    g_autofree char *names = text_of (store, "SELECT group_concat (name, ',') FROM outbox");
    g_assert_cmpstr (names, ==, "case.decide,case.comment");
  }
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  int ret;

  /* The command line takes Chinese arguments as any UTF-8 terminal passes them. */
  setlocale (LC_ALL, "C.UTF-8");
  tmpdir = g_dir_make_tmp ("tongban-test-case-service-XXXXXX", &error);
  g_assert_no_error (error);

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/case-service/decide", test_decide);
  g_test_add_func ("/case-service/refusals-write-nothing", test_refusals_write_nothing);
  g_test_add_func ("/case-service/all-or-nothing", test_all_or_nothing);
  g_test_add_func ("/case-service/return-resubmit-clock", test_return_resubmit_clock);
  g_test_add_func ("/case-service/reassign-and-fields", test_reassign_and_fields);
  g_test_add_func ("/case-service/create-and-list", test_create_and_list);
  g_test_add_func ("/case-service/cli-act", test_cli_act);

  ret = g_test_run ();

  if (ret == 0)
    {
      const char *rm[] = { "rm", "-rf", tmpdir, NULL };
      g_spawn_sync (NULL, (char **) rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL,
                    NULL);
    }
  return ret;
}
