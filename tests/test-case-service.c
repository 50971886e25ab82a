/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-case-service.c: local actions: checked, and written with outbox, audit and timeline at once */

#include "config.h"

#include <locale.h>
#include <string.h>

#include "tb-case-events.h"
#include "tb-case-list.h"
#include "tb-cli.h"
#include "tb-case-service.h"
#include "tb-demo.h"
#include "tb-service.h"
#include "tb-store-private.h"
#include "tb-store-sync.h"
#include "tb-test-common.h"
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

  return tb_test_store_int (store, sql);
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
assert_counts (TbStore *store,
               Counts   expected)
{
  Counts now = counts (store);

  g_assert_cmpint (now.outbox, ==, expected.outbox);
  g_assert_cmpint (now.audit, ==, expected.audit);
  g_assert_cmpint (now.events, ==, expected.events);
  g_assert_cmpint (now.overlay, ==, expected.overlay);
}

static void
assert_nothing_written (TbStore *store,
                        Counts   before,
                        TbCase  *c)
{
  g_autoptr(TbCase) again = tb_store_get_case (store, tb_case_get_id (c), NULL);

  assert_counts (store, before);
  g_assert_true (tb_case_equal (again, c));
}

/* @change cannot be undone any more; the refusal names @mentions, if given. */
static void
assert_undo_too_late (TbCaseService *service,
                      guint          change,
                      const char    *mentions)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (tb_case_service_undo (service, change, &error));
  g_assert_error (error, TB_CASE_SERVICE_ERROR, TB_CASE_SERVICE_ERROR_TOO_LATE);
  if (mentions != NULL)
    g_assert_nonnull (strstr (error->message, mentions));
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
  base = tb_test_store_text (store, "SELECT json_extract (base, '$.state') FROM case_overlay");
  g_assert_cmpstr (base, ==, "in_review");
  args = tb_test_store_text (store, "SELECT json_extract (args, '$.action') || ':' || name || ':' || id "
                         "FROM outbox");
  g_assert_cmpstr (args, ==, "approve:case.decide:1");
  {
    g_autofree char *bv = tb_test_store_text (store, "SELECT base_versions FROM outbox");
    g_autofree char *want = g_strdup_printf ("{\"case:%s\":%" G_GINT64_FORMAT "}",
                                             tb_case_get_id (c), tb_case_get_version (c));
    g_assert_cmpstr (bv, ==, want);
  }

  /* A second action: the next mutation id, and an audit entry chained to the first. */
  hash1 = tb_test_store_text (store, "SELECT hash FROM audit");
  g_assert_true (tb_case_service_comment (wangfang, tb_case_get_id (c), "已电话告知申请人",
                                          &error));
  g_assert_no_error (error);
  {
    g_autofree char *ids = tb_test_store_text (store, "SELECT group_concat (id) FROM outbox");
    g_autofree char *prev = tb_test_store_text (store, "SELECT prev_hash FROM audit WHERE id = 2");
    g_assert_cmpstr (ids, ==, "1,2");
    g_assert_cmpstr (prev, ==, hash1);
  }

  /* The overlay still holds the server's state, not the local approval. */
  g_free (base);
  base = tb_test_store_text (store, "SELECT json_extract (base, '$.state') FROM case_overlay");
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
    g_autofree char *next = tb_test_store_text (store, "SELECT ifnull (max (next_mutation_id), 1) "
                                            "FROM sync_state");
    g_assert_cmpstr (next, ==, "1");
  }

  g_assert_cmpint (sqlite3_exec (_tb_store_get_db (store), "DROP TRIGGER temp.fail_audit",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_true (tb_case_service_decide (wangfang, tb_case_get_id (c), "approve", NULL, NULL,
                                         NULL, &error));
  g_assert_no_error (error);
  {
    g_autofree char *id = tb_test_store_text (store, "SELECT id FROM outbox");
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
    g_autofree char *base = tb_test_store_text (store, sql);
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
    g_autofree char *name = tb_test_store_text (store, "SELECT name FROM outbox");
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
    g_autofree char *names = tb_test_store_text (store, "SELECT group_concat (name, ',') FROM outbox");
    g_assert_cmpstr (names, ==, "case.decide,case.comment");
  }
}


/* The overlay row of a case, all of it, as text; "" when there is none. */
static char *
overlay_of (TbStore    *store,
            const char *case_id)
{
  g_autofree char *sql = g_strdup_printf ("SELECT base || '|' || local || '|' || base_version "
                                          "|| '|' || updated_at || '|' || "
                                          "ifnull (applied_version, '-') FROM case_overlay "
                                          "WHERE case_id = '%s'", case_id);
  char *text = tb_test_store_text (store, sql);

  return text != NULL ? text : g_strdup ("");
}

static void
test_undo_decision (void)
{
  g_autoptr(TbStore) store = new_store ();
  g_autoptr(TbCaseService) wangfang = caseworker (store, "u-wangfang");
  g_autoptr(TbCase) c = find_case (store, "u-wangfang", "in_review", NULL);
  g_autoptr(TbCase) again = NULL;
  g_autoptr(GError) error = NULL;
  Counts before = counts (store);
  guint change;

  g_assert_cmpuint (tb_case_service_get_last_change (wangfang), ==, 0);
  g_assert_true (tb_case_service_decide (wangfang, tb_case_get_id (c), "approve", NULL, NULL,
                                         "同意", &error));
  g_assert_no_error (error);
  change = tb_case_service_get_last_change (wangfang);
  g_assert_cmpuint (change, !=, 0);
  g_assert_true (tb_case_service_can_undo (wangfang, change));

  g_assert_true (tb_case_service_undo (wangfang, change, &error));
  g_assert_no_error (error);

  /* Exactly as before, sync state included; the audit trail keeps both. */
  again = tb_store_get_case (store, tb_case_get_id (c), &error);
  g_assert_true (tb_case_equal (again, c));
  assert_counts (store, (Counts) { before.outbox, before.audit + 2, before.events,
                                   before.overlay });
  {
    g_autofree char *last = tb_test_store_text (store, "SELECT action || ' ' || actor_id || ' ' || "
                                            "json_extract (detail, '$.args.action') "
                                            "FROM audit ORDER BY id DESC LIMIT 1");
    g_assert_cmpstr (last, ==, "undo u-wangfang approve");
  }

  /* Once only; and the mutation id is free again. */
  g_assert_false (tb_case_service_can_undo (wangfang, change));
  assert_undo_too_late (wangfang, change, NULL);
  g_assert_true (tb_case_service_decide (wangfang, tb_case_get_id (c), "approve", NULL, NULL,
                                         NULL, &error));
  g_assert_no_error (error);
  {
    g_autofree char *id = tb_test_store_text (store, "SELECT group_concat (id) FROM outbox");
    g_assert_cmpstr (id, ==, "1");
  }
}

/* Undoing the second of two actions on a case puts back the overlay the first one left. */
static void
test_undo_keeps_earlier (void)
{
  g_autoptr(TbStore) store = new_store ();
  g_autoptr(TbCaseService) wangfang = caseworker (store, "u-wangfang");
  g_autoptr(TbCase) c = find_case (store, "u-wangfang", "in_review", NULL);
  g_autoptr(TbCase) returned = NULL;
  g_autoptr(TbCase) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *overlay = NULL;
  g_autofree char *later = NULL;
  guint first, second;
  Counts mid;

  g_assert_true (tb_case_service_decide (wangfang, tb_case_get_id (c), "return", NULL,
                                         "缺少户口簿复印件", NULL, &error));
  g_assert_no_error (error);
  first = tb_case_service_get_last_change (wangfang);
  returned = tb_store_get_case (store, tb_case_get_id (c), NULL);
  overlay = overlay_of (store, tb_case_get_id (c));
  mid = counts (store);

  /* Another second passes, so that a rewritten overlay would show in updated_at. */
  g_usleep (2000);
  tb_case_service_set_today (wangfang, tb_day_from_iso ("2026-12-03"));
  g_assert_true (tb_case_service_decide (wangfang, tb_case_get_id (c), "resubmit", NULL, NULL,
                                         NULL, &error));
  g_assert_no_error (error);
  second = tb_case_service_get_last_change (wangfang);
  later = overlay_of (store, tb_case_get_id (c));
  g_assert_cmpstr (later, !=, overlay);

  /* The first cannot go while the second stands on it. */
  assert_undo_too_late (wangfang, first, "later change");
  g_assert_cmpint (counts (store).outbox, ==, mid.outbox + 1);

  g_assert_true (tb_case_service_undo (wangfang, second, &error));
  g_assert_no_error (error);
  again = tb_store_get_case (store, tb_case_get_id (c), NULL);
  g_assert_true (tb_case_equal (again, returned));
  g_clear_pointer (&later, g_free);
  later = overlay_of (store, tb_case_get_id (c));
  g_assert_cmpstr (later, ==, overlay);
  g_assert_cmpint (counts (store).outbox, ==, mid.outbox);
  g_assert_cmpint (counts (store).events, ==, mid.events);

  /* Then the first. */
  g_assert_true (tb_case_service_undo (wangfang, first, &error));
  g_assert_no_error (error);
  g_clear_object (&again);
  again = tb_store_get_case (store, tb_case_get_id (c), NULL);
  g_assert_true (tb_case_equal (again, c));
  g_assert_cmpint (count (store, "case_overlay"), ==, 0);
}

/* Later mutations close the gap the undone one leaves, and can still be undone. */
static void
test_undo_renumbers (void)
{
  g_autoptr(TbStore) store = new_store ();
  g_autoptr(TbCaseService) wangfang = caseworker (store, "u-wangfang");
  g_autoptr(TbCase) a = find_case (store, "u-wangfang", "in_review", NULL);
  g_autoptr(TbCase) b = find_case (store, "u-wangfang", "received", NULL);
  g_autoptr(GError) error = NULL;
  guint first, second;

  g_assert_true (tb_case_service_decide (wangfang, tb_case_get_id (a), "approve", NULL, NULL,
                                         NULL, &error));
  first = tb_case_service_get_last_change (wangfang);
  g_assert_true (tb_case_service_comment (wangfang, tb_case_get_id (b), "已电话联系申请人",
                                          &error));
  second = tb_case_service_get_last_change (wangfang);
  g_assert_true (tb_case_service_comment (wangfang, tb_case_get_id (a), "备注", &error));
  g_assert_no_error (error);

  /* The first approval cannot go (a comment on it follows), the comment on b can. */
  assert_undo_too_late (wangfang, first, NULL);
  g_assert_true (tb_case_service_undo (wangfang, second, &error));
  g_assert_no_error (error);
  {
    g_autofree char *ids = tb_test_store_text (store, "SELECT group_concat (id || ':' || name, ',') "
                                           "FROM (SELECT * FROM outbox ORDER BY id)");
    g_autofree char *next = tb_test_store_text (store, "SELECT next_mutation_id FROM sync_state");
    g_assert_cmpstr (ids, ==, "1:case.decide,2:case.comment");
    g_assert_cmpstr (next, ==, "3");
  }
  {
    g_autoptr(TbCase) again = tb_store_get_case (store, tb_case_get_id (b), NULL);
    g_assert_true (tb_case_equal (again, b));
    g_assert_cmpint (tb_case_get_sync_state (again), ==, TB_SYNC_STATE_SYNCED);
  }

  /* The next action takes the freed id. */
  g_assert_true (tb_case_service_comment (wangfang, tb_case_get_id (b), "再次联系", &error));
  g_assert_no_error (error);
  {
    g_autofree char *max = tb_test_store_text (store, "SELECT max (id) FROM outbox");
    g_assert_cmpstr (max, ==, "3");
  }
}

static void
test_undo_refused_once_sent (void)
{
  g_autoptr(TbStore) store = new_store ();
  g_autoptr(TbCaseService) wangfang = caseworker (store, "u-wangfang");
  g_autoptr(TbCase) c = find_case (store, "u-wangfang", "in_review", NULL);
  g_autoptr(TbCase) decided = NULL;
  g_autoptr(TbCase) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *overlay = NULL;
  g_autofree char *now = NULL;
  TbCaseRecord record;
  guint change;
  Counts before;

  g_assert_true (tb_case_service_decide (wangfang, tb_case_get_id (c), "approve", NULL, NULL,
                                         NULL, &error));
  change = tb_case_service_get_last_change (wangfang);
  decided = tb_store_get_case (store, tb_case_get_id (c), NULL);
  overlay = overlay_of (store, tb_case_get_id (c));
  before = counts (store);

  /* Being sent: too late, nothing written. */
  g_assert_true (_tb_store_outbox_set_sending (store, 1, 1, TRUE, &error));
  g_assert_false (tb_case_service_can_undo (wangfang, change));
  assert_undo_too_late (wangfang, change, tb_case_get_ref (c));

  /* The exchange failed: waiting again, but the server may have it. Still too late. */
  g_assert_true (_tb_store_outbox_set_sending (store, 1, 1, FALSE, &error));
  g_assert_false (tb_case_service_can_undo (wangfang, change));
  assert_undo_too_late (wangfang, change, NULL);
  g_assert_cmpint (counts (store).outbox, ==, before.outbox);
  g_assert_cmpint (counts (store).audit, ==, before.audit);
  now = overlay_of (store, tb_case_get_id (c));
  g_assert_cmpstr (now, ==, overlay);

  /* Another action, changed under it by a newer server copy: too late as well. */
  g_assert_true (tb_case_service_comment (wangfang, tb_case_get_id (c), "备注", &error));
  change = tb_case_service_get_last_change (wangfang);
  tb_case_to_record (decided, &record);
  record.version++;
  record.applicant_name = "王小芳";
  g_assert_true (tb_store_put_cases (store, &record, 1, &error));
  g_assert_no_error (error);
  assert_undo_too_late (wangfang, change, NULL);
  again = tb_store_get_case (store, tb_case_get_id (c), NULL);
  g_assert_cmpstr (tb_case_get_applicant_name (again), ==, "王小芳");
  g_assert_cmpint (counts (store).outbox, ==, before.outbox + 1);
}

static void
test_undo_registration (void)
{
  g_autoptr(TbStore) store = new_store ();
  g_autoptr(TbCaseService) wangfang = caseworker (store, "u-wangfang");
  g_autoptr(TbCase) sample = find_case (store, NULL, NULL, "information-disclosure");
  g_autoptr(JsonObject) form = tb_case_dup_form (sample);
  g_autoptr(GError) error = NULL;
  g_autoptr(TbCase) created = NULL;
  g_autoptr(TbCase) gone = NULL;
  g_autoptr(GPtrArray) found = NULL;
  g_autofree char *id = NULL;
  g_autofree char *ref = NULL;
  Counts before = counts (store);
  gint64 n_cases = tb_store_count_cases (store, NULL);

  id = tb_case_service_create (wangfang, "information-disclosure", "赵敏", "person", NULL, form,
                               NULL, &error);
  g_assert_no_error (error);
  created = tb_store_get_case (store, id, NULL);
  ref = g_strdup (tb_case_get_ref (created));

  g_assert_true (tb_case_service_undo (wangfang, tb_case_service_get_last_change (wangfang),
                                       &error));
  g_assert_no_error (error);
  gone = tb_store_get_case (store, id, &error);
  g_assert_null (gone);
  g_assert_error (error, TB_STORE_ERROR, TB_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_cmpint (tb_store_count_cases (store, NULL), ==, n_cases);
  g_assert_cmpint (counts (store).outbox, ==, before.outbox);
  g_assert_cmpint (counts (store).events, ==, before.events);
  g_assert_cmpint (counts (store).overlay, ==, before.overlay);
  found = tb_store_search_case_ids (store, ref, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (found->len, ==, 0);
}

static void
test_events (void)
{
  g_autoptr(TbStore) store = new_store ();
  g_autoptr(TbCaseService) wangfang = caseworker (store, "u-wangfang");
  g_autoptr(TbCase) c = find_case (store, "u-wangfang", "in_review", NULL);
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(TbCaseEvent) copy = NULL;
  g_autofree char *sql = NULL;
  TbCaseEvent *event;

  events = tb_store_list_case_events (store, tb_case_get_id (c), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (events->len, ==, 0);
  g_clear_pointer (&events, g_ptr_array_unref);

  g_assert_true (tb_case_service_decide (wangfang, tb_case_get_id (c), "return", NULL,
                                         "缺少户口簿复印件", "请补正", &error));
  g_assert_true (tb_case_service_comment (wangfang, tb_case_get_id (c), "已电话告知申请人",
                                          &error));
  g_assert_no_error (error);

  /* A server entry recorded "later" than both by the server's clock still comes first: the
   * local ones are what the server has not seen yet. */
  sql = g_strdup_printf ("INSERT INTO events (case_id, server_id, kind, actor_id, at, data) "
                         "VALUES ('%s', 'ev-1', 'assignment', 'u-chenjing', %" G_GINT64_FORMAT
                         ", '{\"from\":null,\"to\":\"u-wangfang\"}')",
                         tb_case_get_id (c), g_get_real_time () + (gint64) G_USEC_PER_SEC * 3600);
  g_assert_cmpint (sqlite3_exec (_tb_store_get_db (store), sql, NULL, NULL, NULL), ==,
                   SQLITE_OK);

  events = tb_store_list_case_events (store, tb_case_get_id (c), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (events->len, ==, 3);

  event = g_ptr_array_index (events, 0);
  g_assert_cmpstr (event->kind, ==, "assignment");
  g_assert_cmpstr (event->server_id, ==, "ev-1");
  g_assert_false (tb_case_event_is_local (event));
  g_assert_cmpstr (tb_case_event_get_string (event, "to"), ==, "u-wangfang");
  g_assert_null (tb_case_event_get_string (event, "from"));

  event = g_ptr_array_index (events, 1);
  g_assert_cmpstr (event->kind, ==, "decision");
  g_assert_true (tb_case_event_is_local (event));
  g_assert_cmpstr (event->actor_id, ==, "u-wangfang");
  g_assert_cmpstr (event->case_id, ==, tb_case_get_id (c));
  g_assert_cmpstr (tb_case_event_get_string (event, "action"), ==, "return");
  g_assert_cmpstr (tb_case_event_get_string (event, "reason"), ==, "缺少户口簿复印件");
  g_assert_cmpstr (tb_case_event_get_string (event, "comment"), ==, "请补正");
  g_assert_cmpint (event->at, >, 0);

  event = g_ptr_array_index (events, 2);
  g_assert_cmpstr (event->kind, ==, "comment");
  g_assert_cmpstr (tb_case_event_get_string (event, "text"), ==, "已电话告知申请人");
  g_assert_null (tb_case_event_get_string (event, "missing"));

  copy = tb_case_event_copy (event);
  g_assert_cmpint (copy->id, ==, event->id);
  g_assert_cmpstr (copy->kind, ==, "comment");
  g_assert_cmpstr (tb_case_event_get_string (copy, "text"), ==, "已电话告知申请人");
  g_assert_true (G_TYPE_IS_BOXED (TB_TYPE_CASE_EVENT));

  /* Undoing the comment takes its entry out of the timeline. */
  g_assert_true (tb_case_service_undo (wangfang, tb_case_service_get_last_change (wangfang),
                                       &error));
  g_clear_pointer (&events, g_ptr_array_unref);
  events = tb_store_list_case_events (store, tb_case_get_id (c), &error);
  g_assert_cmpuint (events->len, ==, 2);
}

static void
test_editable_fields (void)
{
  g_autoptr(TbStore) store = new_store ();
  g_autoptr(TbCaseService) wangfang = caseworker (store, "u-wangfang");
  g_autoptr(TbCaseService) chenjing = tb_case_service_new (store, "u-chenjing",
                                                           TB_ROLE_SUPERVISOR, market);
  g_autoptr(TbCase) in_review = find_case (store, "u-wangfang", "in_review", "business-licence");
  g_autoptr(TbCase) received = find_case (store, "u-wangfang", "received", "business-licence");
  g_autoptr(TbCase) closed = find_case (store, "u-wangfang", "approved", NULL);
  g_autoptr(TbCase) others = find_case (store, "u-lina", "received", NULL);
  g_autoptr(JsonObject) capital = json_object_new ();
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) fields = NULL;
  Counts before;

  g_assert_cmpstr (tb_case_service_get_user_id (wangfang), ==, "u-wangfang");
  g_assert_cmpint (tb_case_service_get_roles (chenjing), ==, TB_ROLE_SUPERVISOR);
  g_assert_cmpuint (tb_case_service_get_today (wangfang), ==, tb_day_from_iso (TODAY));
  g_assert_cmpint (tb_case_service_get_case_roles (wangfang, in_review), ==,
                   TB_ROLE_CASEWORKER);
  g_assert_cmpint (tb_case_service_get_case_roles (wangfang, others), ==, TB_ROLE_NONE);
  g_assert_cmpint (tb_case_service_get_case_roles (chenjing, others), ==, TB_ROLE_SUPERVISOR);

  fields = tb_case_service_dup_editable_fields (wangfang, in_review, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (fields), ==, 1);
  g_assert_cmpstr (fields[0], ==, "business_scope");
  g_clear_pointer (&fields, g_strfreev);

  /* "*": every field of the form, in form order. */
  fields = tb_case_service_dup_editable_fields (wangfang, received, &error);
  g_assert_cmpstr (fields[0], ==, "company_name");
  g_assert_true (g_strv_contains ((const char * const *) fields, "shareholders"));
  g_assert_true (g_strv_contains ((const char * const *) fields, "declaration"));
  g_clear_pointer (&fields, g_strfreev);
  fields = tb_case_service_dup_editable_fields (chenjing, in_review, &error);
  g_assert_true (g_strv_contains ((const char * const *) fields, "registered_capital"));
  g_clear_pointer (&fields, g_strfreev);
  fields = tb_case_service_dup_editable_fields (wangfang, closed, &error);
  g_assert_cmpuint (g_strv_length (fields), ==, 0);
  g_clear_pointer (&fields, g_strfreev);
  fields = tb_case_service_dup_editable_fields (wangfang, others, &error);
  g_assert_cmpuint (g_strv_length (fields), ==, 0);

  /* A field this role may not edit at this step is refused before anything is checked. */
  before = counts (store);
  json_object_set_int_member (capital, "registered_capital", 800);
  g_assert_false (tb_case_service_update_fields (wangfang, tb_case_get_id (in_review), capital,
                                                 NULL, &error));
  g_assert_error (error, TB_CASE_SERVICE_ERROR, TB_CASE_SERVICE_ERROR_FORBIDDEN);
  g_clear_error (&error);
  assert_nothing_written (store, before, in_review);
}

static void
test_reveal (void)
{
  g_autoptr(TbStore) store = new_store ();
  g_autoptr(TbCaseService) wangfang = caseworker (store, "u-wangfang");
  g_autoptr(TbCase) c = find_case (store, "u-wangfang", "in_review", "business-licence");
  g_autoptr(GError) error = NULL;
  g_autofree char *entry = NULL;

  g_assert_true (tb_case_service_record_reveal (wangfang, tb_case_get_id (c), "shareholders", 1,
                                                "id_number", &error));
  g_assert_no_error (error);
  entry = tb_test_store_text (store, "SELECT action || ' ' || actor_id || ' ' || detail FROM audit");
  g_assert_cmpstr (entry, ==,
                   "reveal u-wangfang "
                   "{\"field\":\"shareholders\",\"row\":1,\"column\":\"id_number\"}");
  /* Nothing to send, nothing on the timeline. */
  g_assert_cmpint (count (store, "outbox"), ==, 0);
  g_assert_cmpint (count (store, "events"), ==, 0);

  g_assert_false (tb_case_service_record_reveal (wangfang, "no-such-case", "x", -1, NULL,
                                                 &error));
  g_assert_error (error, TB_CASE_SERVICE_ERROR, TB_CASE_SERVICE_ERROR_NOT_FOUND);
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
  g_test_add_func ("/case-service/undo-decision", test_undo_decision);
  g_test_add_func ("/case-service/undo-keeps-earlier", test_undo_keeps_earlier);
  g_test_add_func ("/case-service/undo-renumbers", test_undo_renumbers);
  g_test_add_func ("/case-service/undo-refused-once-sent", test_undo_refused_once_sent);
  g_test_add_func ("/case-service/undo-registration", test_undo_registration);
  g_test_add_func ("/case-service/events", test_events);
  g_test_add_func ("/case-service/editable-fields", test_editable_fields);
  g_test_add_func ("/case-service/reveal", test_reveal);

  ret = g_test_run ();

  if (ret == 0)
    {
      const char *rm[] = { "rm", "-rf", tmpdir, NULL };
      g_spawn_sync (NULL, (char **) rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL,
                    NULL);
    }
  return ret;
}
