/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-sync.c: the sync engine against a real tongban-server on loopback */

#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <stdlib.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include "tb-case-service.h"
#include "tb-service.h"
#include "tb-store-sync.h"
#include "tb-sync-engine.h"
#include "tb-sync-engine-private.h"
#include "tb-test-common.h"
#include "tb-test-server.h"

#define TODAY      "2026-11-27"
#define PASSWORD   "tongban-demo"

typedef TbTestClient Client;

typedef struct
{
  TbTestServer *ts;
  char         *dir;
} Fixture;

static TbDay
day (const char *iso)
{
  return tb_day_from_iso (iso);
}

static void
fixture_setup_n (Fixture *f,
                 guint    n_cases)
{
  g_autoptr(GError) error = NULL;

  f->ts = tb_test_server_new_demo (n_cases, day (TODAY));
  f->dir = g_dir_make_tmp ("test-sync-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  fixture_setup_n (f, 400);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  tb_test_server_free (f->ts);
  tb_test_remove_dir (f->dir);
  g_free (f->dir);
}

/* ------------------------------------------------------------------------------------------ */
/* Clients                                                                                     */

static Client *
client_new (Fixture    *f,
            const char *name)
{
  return tb_test_client_new (f->dir, name, f->ts->base, FALSE);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Client, tb_test_client_free)

static gboolean
client_sync (Client         *c,
             TbSyncSummary  *summary,
             GError        **error)
{
  return tb_test_engine_sync (c->engine, summary, error);
}

/* Signs in and syncs once; the case service acts as that user afterwards. */
static void
client_start (Client     *c,
              const char *login)
{
  tb_test_client_start (c, login, day (TODAY));
}

static gint64
store_int (Client     *c,
           const char *sql)
{
  return tb_test_file_int (c->path, sql);
}

/* A digest of the cases of the client, or of the server's cases assigned to @user_id, in the
 * fields both keep: equal digests mean the client converged to the server. */
#define DIGEST_SQL \
  "SELECT ifnull (group_concat (line, char (10)), '') FROM (SELECT id || '|' || version || '|' " \
  "|| state || '|' || ifnull (assignee_id, '') || '|' || ifnull (deadline, '') || '|' || " \
  "ifnull (paused_since, '') || '|' || closed || '|' || (SELECT group_concat (t.value, ',') " \
  "FROM json_tree (form) t WHERE t.type = 'text') AS line FROM cases %s " \
  "ORDER BY id)"

static char *
client_digest (Client *c)
{
  g_autofree char *sql = g_strdup_printf (DIGEST_SQL, "");
  return tb_test_file_text (c->path, sql);
}

static char *
server_digest (Fixture    *f,
               const char *user_id)
{
  g_autofree char *where = g_strdup_printf ("WHERE assignee_id = '%s'", user_id);
  g_autofree char *sql = g_strdup_printf (DIGEST_SQL, where);
  return tb_test_file_text (f->ts->db_path, sql);
}

/* Equal, or the first line that differs. */
static void
assert_same_lines (const char *mine,
                   const char *theirs)
{
  g_auto(GStrv) a = g_strsplit (mine, "\n", -1);
  g_auto(GStrv) b = g_strsplit (theirs, "\n", -1);

  for (guint i = 0; a[i] != NULL || b[i] != NULL; i++)
    {
      g_assert_cmpstr (a[i], ==, b[i]);
      if (a[i] == NULL || b[i] == NULL)
        break;
    }
}

static gint64
server_int (Fixture    *f,
            const char *sql)
{
  return tb_test_query_int (f->ts, sql);
}

/* Cases of @c's user in @state, by reference order; not building permits, whose review
 * approves in several steps. */
static GPtrArray *
cases_in_state (Client     *c,
                const char *state,
                guint       limit)
{
  g_autofree char *sql = g_strdup_printf ("SELECT id FROM cases WHERE state = '%s' AND "
                                          "service_id != 'building-permit' AND "
                                          "assignee_id = (SELECT value FROM meta WHERE key = "
                                          "'user-id') ORDER BY ref LIMIT %u", state, limit);
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_open_v2 (c->path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_ptr_array_add (ids, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return ids;
}

static void
assert_integrity (const char *path)
{
  g_autofree char *result = tb_test_file_text (path, "PRAGMA integrity_check");
  g_assert_cmpstr (result, ==, "ok");
}

/* The indexes and triggers of a store's cases, by name, as the file holds them. */
static char *
cases_schema (const char *path)
{
  return tb_test_file_text (path, "SELECT group_concat (type || ' ' || name, ', ') FROM"
                                  " (SELECT type, name FROM sqlite_schema WHERE tbl_name = 'cases'"
                                  " ORDER BY 1, 2)");
}

/* The store is whole: no initial load under way, every index and trigger of @schema there, and
 * each case found by a search for its reference. */
static void
assert_store_whole (Client     *c,
                    const char *schema)
{
  g_autofree char *now = cases_schema (c->path);
  g_autoptr(GPtrArray) refs = g_ptr_array_new_with_free_func (g_free);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpstr (now, ==, schema);
  g_assert_cmpint (store_int (c, "SELECT count (*) FROM meta WHERE key = 'initial-load'"), ==, 0);
  assert_integrity (c->path);

  g_assert_cmpint (sqlite3_open_v2 (c->path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT ref FROM cases", -1, &stmt, NULL), ==,
                   SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_ptr_array_add (refs, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  sqlite3_finalize (stmt);
  sqlite3_close (db);

  for (guint i = 0; i < refs->len; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) ids = tb_store_search_case_ids (c->store, g_ptr_array_index (refs, i),
                                                           10, &error);

      g_assert_no_error (error);
      g_assert_cmpuint (ids->len, ==, 1);
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Tests                                                                                       */

static void
test_initial_sync (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(Client) c = client_new (f, "wangfang");
  g_autoptr(GError) error = NULL;
  g_autoptr(TbService) service = NULL;
  g_autofree char *mine = NULL;
  g_autofree char *theirs = NULL;
  g_auto(TbSyncInfo) info = { 0 };
  TbSyncSummary summary = { 0 };
  GStatBuf st;

  /* Not signed in: a clear error, nothing sent. */
  g_assert_false (client_sync (c, NULL, &error));
  g_assert_error (error, TB_SYNC_ERROR, TB_SYNC_ERROR_SIGNED_OUT);
  g_assert_cmpint (tb_sync_engine_get_status (c->engine), ==, TB_SYNC_STATUS_SIGNED_OUT);
  g_clear_error (&error);

  /* A wrong password is told apart from an unreachable server. */
  {
    g_autoptr(GAsyncResult) result = NULL;

    tb_sync_engine_sign_in_async (c->engine, "wangfang", "not-the-password", NULL, tb_test_wait_cb,
                                  &result);
    g_assert_false (tb_sync_engine_sign_in_finish (c->engine, tb_test_wait_result (&result),
                                                   &error));
    g_assert_error (error, TB_SYNC_ERROR, TB_SYNC_ERROR_CREDENTIALS);
    g_clear_error (&error);
  }

  g_assert_true (tb_test_client_sign_in (c, "wangfang", &error));
  g_assert_no_error (error);
  g_assert_cmpstr (tb_sync_engine_get_user_id (c->engine), ==, "u-wangfang");
  g_assert_true (client_sync (c, &summary, &error));
  g_assert_no_error (error);
  g_assert_cmpint (tb_sync_engine_get_status (c->engine), ==, TB_SYNC_STATUS_IDLE);

  /* Everything assigned to her, nothing else; reference data too. */
  g_assert_cmpint (summary.cases, ==, server_int (f, "SELECT count (*) FROM cases"
                                                     " WHERE assignee_id = 'u-wangfang'"));
  g_assert_cmpuint (summary.cases, >, 20);
  g_assert_cmpint (store_int (c, "SELECT count (*) FROM cases"), ==, summary.cases);
  mine = client_digest (c);
  theirs = server_digest (f, "u-wangfang");
  assert_same_lines (mine, theirs);
  service = tb_store_get_service (c->store, "business-licence", &error);
  g_assert_no_error (error);
  g_assert_nonnull (service);
  g_assert_cmpint (store_int (c, "SELECT count (*) FROM calendar_days WHERE day = '2026-10-01'"
                                 " AND is_off = 1"), ==, 1);
  g_assert_cmpint (store_int (c, "SELECT count (*) FROM events WHERE server_id IS NOT NULL"),
                   ==, server_int (f, "SELECT count (*) FROM case_events e JOIN cases k"
                                      " ON k.id = e.case_id WHERE k.assignee_id = 'u-wangfang'"));

  g_assert_true (tb_store_get_sync_info (c->store, &info, &error));
  g_assert_no_error (error);
  g_assert_nonnull (info.cursor);
  g_assert_cmpint (info.last_sync_at, >, 0);
  g_assert_cmpint (info.n_unsent, ==, 0);

  /* No token or password in the store, and the files are the user's alone. */
  g_assert_cmpint (store_int (c, "SELECT count (*) FROM meta WHERE value LIKE '%" PASSWORD "%'"),
                   ==, 0);
  g_assert_cmpint (g_stat (c->path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  /* A second sync brings nothing new. */
  g_assert_true (client_sync (c, &summary, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (summary.cases, ==, 0);
}

/* 1. Queued offline, sent when the server is back: each applied exactly once. */
static void
test_offline_queue (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(Client) c = client_new (f, "wangfang");
  g_autoptr(Client) offline = NULL;
  g_autoptr(GPtrArray) ids = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *mine = NULL;
  g_autofree char *theirs = NULL;
  TbSyncSummary summary = { 0 };
  guint n_decided = 0;
  gint64 before;

  client_start (c, "wangfang");
  ids = cases_in_state (c, "in_review", 10);
  g_assert_cmpuint (ids->len, >=, 3);

  /* A case decided and commented on, others commented on: 100 actions. */
  for (guint i = 0; i < ids->len && n_decided < 3; i++, n_decided++)
    {
      g_assert_true (tb_case_service_decide (c->service, g_ptr_array_index (ids, i), "approve",
                                             NULL, NULL, "材料齐全，准予登记。", &error));
      g_assert_no_error (error);
    }
  for (guint i = n_decided; i < 100; i++)
    {
      g_autofree char *text = g_strdup_printf ("第 %u 条备注", i);

      g_assert_true (tb_case_service_comment (c->service, g_ptr_array_index (ids, i % ids->len),
                                              text, &error));
      g_assert_no_error (error);
    }
  g_assert_cmpint (store_int (c, "SELECT count (*) FROM outbox"), ==, 100);
  g_assert_cmpint (store_int (c, "SELECT count (*) FROM cases WHERE sync_state = 1"), ==,
                   ids->len);

  /* The server is down: a plain offline state, nothing lost. */
  g_object_unref (c->engine);
  c->engine = tb_sync_engine_new (c->store, "http://127.0.0.1:1");
  tb_sync_engine_set_use_keyring (c->engine, FALSE);
  g_assert_true (tb_test_client_sign_in (c, "wangfang", &error) == FALSE);
  g_assert_error (error, TB_SYNC_ERROR, TB_SYNC_ERROR_OFFLINE);
  g_clear_error (&error);
  g_assert_cmpint (store_int (c, "SELECT count (*) FROM outbox"), ==, 100);

  /* Back online. */
  g_object_unref (c->engine);
  c->engine = tb_sync_engine_new (c->store, f->ts->base);
  tb_sync_engine_set_use_keyring (c->engine, FALSE);
  before = server_int (f, "SELECT count (*) FROM case_events");
  g_assert_true (tb_test_client_sign_in (c, "wangfang", &error));
  g_assert_true (client_sync (c, &summary, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (summary.sent, ==, 100);
  g_assert_cmpuint (summary.applied, ==, 100);
  g_assert_cmpint (summary.unsent, ==, 0);
  g_assert_cmpint (server_int (f, "SELECT count (*) FROM case_events"), ==, before + 100);
  g_assert_cmpint (server_int (f, "SELECT count (*) FROM mutations"), ==, 100);
  g_assert_cmpint (server_int (f, "SELECT count (*) FROM cases WHERE state = 'approved'"
                                  " AND assignee_id = 'u-wangfang'"), >=, n_decided);

  /* The client shows the server's result: synced, no overlay, no local-only events. */
  g_assert_cmpint (store_int (c, "SELECT count (*) FROM outbox"), ==, 0);
  g_assert_cmpint (store_int (c, "SELECT count (*) FROM case_overlay"), ==, 0);
  g_assert_cmpint (store_int (c, "SELECT count (*) FROM cases WHERE sync_state != 0"), ==, 0);
  g_assert_cmpint (store_int (c, "SELECT count (*) FROM events WHERE server_id IS NULL"), ==, 0);
  g_assert_cmpint (store_int (c, "SELECT count (*) FROM events WHERE kind = 'comment'"), >=, 97);
  mine = client_digest (c);
  theirs = server_digest (f, "u-wangfang");
  assert_same_lines (mine, theirs);

  /* Sent again by a confused client: nothing applied twice. */
  g_assert_true (client_sync (c, &summary, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (summary.sent, ==, 0);
  g_assert_cmpint (server_int (f, "SELECT count (*) FROM case_events"), ==, before + 100);
}

/* A pending case shows pending, then synced; listeners hear of both. */
static void
on_cases_changed (TbStore   *store,
                  GPtrArray *changes,
                  gpointer   user_data)
{
  GArray *states = user_data;

  for (guint i = 0; changes != NULL && i < changes->len; i++)
    {
      TbCaseChange *change = g_ptr_array_index (changes, i);
      int state = change->new_case != NULL ? (int) tb_case_get_sync_state (change->new_case)
                                           : -1;
      g_array_append_val (states, state);
    }
}

static void
test_states_and_signals (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(Client) c = client_new (f, "wangfang");
  g_autoptr(GPtrArray) ids = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) states = g_array_new (FALSE, FALSE, sizeof (int));
  g_autoptr(TbCase) after = NULL;
  gulong handler;

  client_start (c, "wangfang");
  ids = cases_in_state (c, "in_review", 1);
  handler = g_signal_connect (c->store, "cases-changed", G_CALLBACK (on_cases_changed), states);

  g_assert_true (tb_case_service_decide (c->service, g_ptr_array_index (ids, 0), "approve",
                                         NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (states->len, ==, 1);
  g_assert_cmpint (g_array_index (states, int, 0), ==, TB_SYNC_STATE_PENDING);

  g_assert_true (client_sync (c, NULL, &error));
  g_assert_no_error (error);
  /* sending, then synced (applied), then the server's copy arrives */
  g_assert_cmpuint (states->len, >=, 3);
  g_assert_cmpint (g_array_index (states, int, 1), ==, TB_SYNC_STATE_SENDING);
  g_assert_cmpint (g_array_index (states, int, states->len - 1), ==, TB_SYNC_STATE_SYNCED);

  after = tb_store_get_case (c->store, g_ptr_array_index (ids, 0), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (tb_case_get_state (after), ==, "approved");
  g_assert_cmpint (tb_case_get_version (after), >, 1);
  g_signal_handler_disconnect (c->store, handler);
}

/* 4. Two devices decide the same case: one applied, one conflict with both versions kept. */
static void
test_two_clients_conflict (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(Client) a = client_new (f, "wangfang-desk");
  g_autoptr(Client) b = client_new (f, "wangfang-laptop");
  g_autoptr(GPtrArray) ids = NULL;
  g_autoptr(GPtrArray) conflicts = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(TbCase) shown = NULL;
  g_autofree char *mine = NULL;
  g_autofree char *theirs = NULL;
  TbSyncSummary summary = { 0 };
  TbConflict *conflict;
  const char *id;

  client_start (a, "wangfang");
  client_start (b, "wangfang");
  ids = cases_in_state (a, "in_review", 1);
  id = g_ptr_array_index (ids, 0);

  g_assert_true (tb_case_service_decide (a->service, id, "approve", NULL, NULL, "同意", &error));
  g_assert_true (tb_case_service_decide (b->service, id, "return", NULL, "缺营业场所证明",
                                         "请补正", &error));
  g_assert_no_error (error);

  g_assert_true (client_sync (a, &summary, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (summary.applied, ==, 1);
  g_assert_true (client_sync (b, &summary, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (summary.conflicts, ==, 1);
  g_assert_cmpuint (summary.applied, ==, 0);

  /* B shows the server's decision, marked as a conflict, with its own kept. */
  shown = tb_store_get_case (b->store, id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (tb_case_get_state (shown), ==, "approved");
  g_assert_cmpint (tb_case_get_sync_state (shown), ==, TB_SYNC_STATE_CONFLICT);

  conflicts = tb_store_list_conflicts (b->store, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (conflicts->len, ==, 1);
  conflict = g_ptr_array_index (conflicts, 0);
  g_assert_false (conflict->rejected);
  g_assert_cmpstr (conflict->case_id, ==, id);
  g_assert_cmpstr (conflict->mutation_name, ==, "case.decide");
  g_assert_nonnull (strstr (conflict->mutation_args_json, "缺营业场所证明"));
  g_assert_nonnull (strstr (conflict->base_json, "in_review"));
  g_assert_nonnull (strstr (conflict->mine_json, "awaiting_applicant"));
  g_assert_nonnull (strstr (conflict->theirs_json, "approved"));
  g_assert_nonnull (conflict->reason);

  /* Only one decision reached the server. */
  {
    g_autofree char *sql = g_strdup_printf ("SELECT count (*) FROM mutations WHERE case_id = '%s'"
                                            " AND status = 'applied'", id);
    g_assert_cmpint (server_int (f, sql), ==, 1);
  }

  /* The user lets the server's version stand: the case is synced again, both agree. */
  g_assert_true (tb_store_resolve_conflict (b->store, conflict->id, &error));
  g_assert_no_error (error);
  g_clear_object (&shown);
  shown = tb_store_get_case (b->store, id, &error);
  g_assert_cmpint (tb_case_get_sync_state (shown), ==, TB_SYNC_STATE_SYNCED);
  g_assert_true (client_sync (a, NULL, &error));
  g_assert_true (client_sync (b, NULL, &error));
  g_assert_no_error (error);
  mine = client_digest (a);
  theirs = client_digest (b);
  assert_same_lines (mine, theirs);
}

/* 5 and 7. Reassigned away while offline with unsent edits: a conflict, the edits kept; the
 * case leaves her inbox and arrives in the new assignee's. */
static void
test_reassigned_away (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(Client) wangfang = client_new (f, "wangfang");
  g_autoptr(Client) chenjing = client_new (f, "chenjing");
  g_autoptr(Client) lina = client_new (f, "lina");
  g_autoptr(GPtrArray) ids = NULL;
  g_autoptr(GPtrArray) conflicts = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) fields = json_object_new ();
  g_autofree char *sql = NULL;
  g_autofree char *lina_has = NULL;
  g_autoptr(TbCase) gone = NULL;
  TbSyncSummary summary = { 0 };
  TbConflict *conflict;
  const char *id;

  client_start (wangfang, "wangfang");
  client_start (chenjing, "chenjing");
  client_start (lina, "lina");
  ids = cases_in_state (wangfang, "in_review", 1);
  id = g_ptr_array_index (ids, 0);
  sql = g_strdup_printf ("SELECT count (*) FROM cases WHERE id = '%s'", id);
  g_assert_cmpint (store_int (lina, sql), ==, 0);

  /* She comments and returns it, offline. */
  g_assert_true (tb_case_service_comment (wangfang->service, id, "已电话联系申请人", &error));
  g_assert_true (tb_case_service_decide (wangfang->service, id, "return", NULL, "缺少章程",
                                         NULL, &error));
  g_assert_no_error (error);

  /* Meanwhile her supervisor gives it to Li Na. */
  g_assert_true (tb_case_service_reassign (chenjing->service, id, "u-lina", &error));
  g_assert_no_error (error);
  g_assert_true (client_sync (chenjing, &summary, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (summary.applied, ==, 1);

  /* 7: it reaches Li Na although its version is old news to the feed. */
  g_assert_true (client_sync (lina, &summary, &error));
  g_assert_no_error (error);
  g_assert_cmpint (store_int (lina, sql), ==, 1);
  lina_has = tb_test_file_text (lina->path, "SELECT assignee_id FROM cases WHERE sync_state = 0"
                                            " ORDER BY version DESC LIMIT 1");
  g_assert_cmpstr (lina_has, ==, "u-lina");

  /* 5: both her changes are conflicts, kept with the server's record: the case is no longer
   * hers to comment on or decide. */
  g_assert_true (client_sync (wangfang, &summary, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (summary.conflicts, ==, 2);
  conflicts = tb_store_list_conflicts (wangfang->store, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (conflicts->len, ==, 2);
  conflict = g_ptr_array_index (conflicts, 0);
  g_assert_cmpstr (conflict->case_id, ==, id);
  g_assert_cmpstr (conflict->mutation_name, ==, "case.comment");
  g_assert_nonnull (strstr (conflict->mutation_args_json, "已电话联系申请人"));
  conflict = g_ptr_array_index (conflicts, 1);
  g_assert_cmpstr (conflict->case_id, ==, id);
  g_assert_cmpstr (conflict->mutation_name, ==, "case.decide");
  g_assert_nonnull (strstr (conflict->mutation_args_json, "缺少章程"));
  g_assert_nonnull (strstr (conflict->mine_json, "awaiting_applicant"));
  g_assert_nonnull (strstr (conflict->theirs_json, "u-lina"));
  g_assert_null (conflict->case_ref);

  /* …and the case left her inbox. */
  gone = tb_store_get_case (wangfang->store, id, &error);
  g_assert_null (gone);
  g_assert_error (error, TB_STORE_ERROR, TB_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_cmpint (store_int (wangfang, "SELECT count (*) FROM pending_removals"), ==, 0);
  g_assert_cmpint (store_int (wangfang, "SELECT count (*) FROM outbox"), ==, 0);
  {
    g_autofree char *comments = g_strdup_printf ("SELECT count (*) FROM case_events WHERE "
                                                 "case_id = '%s' AND kind = 'comment'", id);
    g_assert_cmpint (server_int (f, comments), ==, 0);
  }
}

/* A rejected change keeps the server's reason; letting it go restores the server's values. */
static void
test_rejected (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(Client) c = client_new (f, "wangfang");
  g_autoptr(GPtrArray) ids = NULL;
  g_autoptr(GPtrArray) conflicts = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(TbCase) shown = NULL;
  g_autofree char *sql = NULL;
  TbSyncSummary summary = { 0 };
  TbConflict *conflict;
  const char *id;

  client_start (c, "wangfang");
  ids = cases_in_state (c, "in_review", 1);
  id = g_ptr_array_index (ids, 0);

  g_assert_true (tb_case_service_decide (c->service, id, "approve", NULL, NULL, NULL, &error));
  g_assert_no_error (error);

  /* Someone moved the case behind the feed's back (no new version): out of her scope, and not
   * by a reassignment she could have seen, so the server refuses for good. */
  sql = g_strdup_printf ("UPDATE cases SET assignee_id = 'u-zhangwei' WHERE id = '%s'", id);
  {
    char *message = NULL;

    sqlite3_exec (tb_server_get_db (f->ts->server), sql, NULL, NULL, &message);
    g_assert_null (message);
  }

  g_assert_true (client_sync (c, &summary, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (summary.rejected, ==, 1);
  conflicts = tb_store_list_conflicts (c->store, id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (conflicts->len, ==, 1);
  conflict = g_ptr_array_index (conflicts, 0);
  g_assert_true (conflict->rejected);
  g_assert_cmpstr (conflict->theirs_json, ==, "null");
  g_assert_nonnull (strstr (conflict->problem_json, "forbidden"));
  g_assert_nonnull (conflict->reason);

  /* The case shows the server's values again, marked as an error, until she lets it go. */
  shown = tb_store_get_case (c->store, id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (tb_case_get_state (shown), ==, "in_review");
  g_assert_cmpint (tb_case_get_sync_state (shown), ==, TB_SYNC_STATE_ERROR);
  g_assert_cmpint (store_int (c, "SELECT count (*) FROM case_overlay"), ==, 0);
  g_assert_cmpint (store_int (c, "SELECT count (*) FROM outbox"), ==, 0);

  g_assert_true (tb_store_resolve_conflict (c->store, conflict->id, &error));
  g_assert_no_error (error);
  g_assert_false (tb_store_resolve_conflict (c->store, conflict->id, &error));
  g_assert_error (error, TB_STORE_ERROR, TB_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_clear_object (&shown);
  shown = tb_store_get_case (c->store, id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (tb_case_get_sync_state (shown), ==, TB_SYNC_STATE_SYNCED);
}


static gint64
form_int (TbCase     *c,
          const char *field)
{
  g_autoptr(JsonObject) form = tb_case_dup_form (c);

  g_assert_nonnull (form);
  return json_object_get_int_member (form, field);
}

/*
 * The server holds the desk to the workflow's editable fields: a change made while the case
 * was open to it reaches the server after the case moved on, and is refused for good with the
 * server's reason, shown on the case; the queue goes on.
 */
static void
test_rejected_fields (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(Client) wangfang = client_new (f, "wangfang");
  g_autoptr(Client) chenjing = client_new (f, "chenjing");
  g_autoptr(GPtrArray) conflicts = NULL;
  g_autoptr(JsonObject) fields = json_object_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(TbCase) shown = NULL;
  g_autofree char *id = NULL;
  g_autofree char *sql = NULL;
  TbSyncSummary summary = { 0 };
  TbConflict *conflict;
  gint64 capital;

  client_start (wangfang, "wangfang");
  client_start (chenjing, "chenjing");
  /* A business licence ("registration"): received, its caseworker may change any field; in
   * review, only the business scope. */
  id = tb_test_file_text (wangfang->path, "SELECT id FROM cases WHERE state = 'received' AND"
                                          " service_id = 'business-licence' AND assignee_id ="
                                          " (SELECT value FROM meta WHERE key = 'user-id')"
                                          " ORDER BY ref LIMIT 1");
  g_assert_nonnull (id);
  shown = tb_store_get_case (wangfang->store, id, &error);
  g_assert_no_error (error);
  capital = form_int (shown, "registered_capital");
  g_clear_object (&shown);

  /* Offline, she corrects the registered capital, which the desk lets her do now… */
  json_object_set_int_member (fields, "registered_capital", capital + 50);
  g_assert_true (tb_case_service_update_fields (wangfang->service, id, fields, NULL, &error));
  g_assert_no_error (error);

  /* …while her supervisor accepts the case: it is in review when her change arrives. */
  g_assert_true (tb_case_service_decide (chenjing->service, id, "accept", NULL, NULL, NULL,
                                         &error));
  g_assert_no_error (error);
  g_assert_true (client_sync (chenjing, &summary, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (summary.applied, ==, 1);

  g_assert_true (client_sync (wangfang, &summary, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (summary.rejected, ==, 1);
  g_assert_cmpuint (summary.conflicts, ==, 0);

  conflicts = tb_store_list_conflicts (wangfang->store, id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (conflicts->len, ==, 1);
  conflict = g_ptr_array_index (conflicts, 0);
  g_assert_true (conflict->rejected);
  g_assert_cmpstr (conflict->mutation_name, ==, "case.update_fields");
  g_assert_cmpstr (conflict->theirs_json, ==, "null");
  g_assert_nonnull (strstr (conflict->problem_json, "\"code\":\"field-not-editable\""));
  g_assert_nonnull (strstr (conflict->problem_json, "\"fields\":[\"registered_capital\"]"));
  /* The reason is worded on the desk from the problem's code, with the field's label. */
  g_assert_cmpstr (conflict->reason, ==,
                   "“Registered capital” cannot be changed at this step by your role.");

  /* The case shows the server's state and values again, marked as refused. */
  shown = tb_store_get_case (wangfang->store, id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (tb_case_get_state (shown), ==, "in_review");
  g_assert_cmpint (form_int (shown, "registered_capital"), ==, capital);
  g_assert_cmpint (tb_case_get_sync_state (shown), ==, TB_SYNC_STATE_ERROR);
  g_clear_object (&shown);

  /* The server changed nothing, and the refusal used up the mutation: never sent again. */
  sql = g_strdup_printf ("SELECT json_extract (form, '$.registered_capital') FROM cases"
                         " WHERE id = '%s'", id);
  g_assert_cmpint (server_int (f, sql), ==, capital);
  g_free (sql);
  sql = g_strdup_printf ("SELECT count (*) FROM mutations WHERE case_id = '%s' AND name ="
                         " 'case.update_fields' AND status = 'rejected'", id);
  g_assert_cmpint (server_int (f, sql), ==, 1);
  g_assert_cmpint (store_int (wangfang, "SELECT count (*) FROM outbox"), ==, 0);
  g_assert_true (client_sync (wangfang, &summary, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (summary.rejected, ==, 0);
  g_free (sql);
  sql = g_strdup_printf ("SELECT count (*) FROM mutations WHERE case_id = '%s'", id);
  g_assert_cmpint (server_int (f, sql), ==, 2);

  /* What her role may change in review still goes through. */
  g_clear_pointer (&fields, json_object_unref);
  fields = json_object_new ();
  json_object_set_string_member (fields, "business_scope", "食品销售；餐饮服务；日用百货销售");
  g_assert_true (tb_case_service_update_fields (wangfang->service, id, fields, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (client_sync (wangfang, &summary, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (summary.applied, ==, 1);
  g_free (sql);
  sql = g_strdup_printf ("SELECT count (*) FROM cases WHERE id = '%s' AND json_extract (form,"
                         " '$.business_scope') = '食品销售；餐饮服务；日用百货销售'", id);
  g_assert_cmpint (server_int (f, sql), ==, 1);
}

/* Queues @n comments spread over the user's open cases. */
static void
queue_comments (Client     *c,
                guint       n,
                const char *tag)
{
  g_autoptr(GPtrArray) ids = cases_in_state (c, "in_review", 20);
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (ids->len, >, 0);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *text = g_strdup_printf ("%s %u", tag, i);

      g_assert_true (tb_case_service_comment (c->service, g_ptr_array_index (ids, i % ids->len),
                                              text, &error));
      g_assert_no_error (error);
    }
}

/* Syncs until a sync completes, as the engine's own retries would. */
static guint
sync_until_done (Client        *c,
                 guint          max_attempts,
                 TbSyncSummary *last)
{
  for (guint attempt = 1; attempt <= max_attempts; attempt++)
    {
      g_autoptr(GError) error = NULL;

      if (!tb_sync_engine_get_signed_in (c->engine))
        {
          if (!tb_test_client_sign_in (c, c->login, &error))
            continue;
        }
      if (client_sync (c, last, &error))
        return attempt;
      /* Every failure is one the engine retries: never a store or programming error. */
      g_assert_true (error->domain == TB_SYNC_ERROR);
      g_assert_cmpint (error->code, !=, TB_SYNC_ERROR_STUCK);
    }
  g_assert_not_reached ();
}

static gint64
server_comments (Fixture    *f,
                 const char *tag)
{
  g_autofree char *sql = g_strdup_printf ("SELECT count (*) FROM case_events WHERE kind = "
                                          "'comment' AND data LIKE '%%%s %%'", tag);
  return server_int (f, sql);
}

/* 2. Lost answers, answers after the fact, duplicates, cut bodies and 5xx over 1,000
 * mutations: each applied exactly once. */
static void
test_faults_exactly_once (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(Client) c = client_new (f, "wangfang");
  g_autoptr(GError) error = NULL;
  g_autofree char *mine = NULL;
  g_autofree char *theirs = NULL;
  TbServerFaults faults = { 0 };
  guint attempts;

  client_start (c, "wangfang");
  queue_comments (c, 1000, "故障");
  /* Many requests, so that the faults hit pushes of every kind. */
  _tb_sync_engine_set_push_batch (c->engine, 100);

  g_assert_true (tb_server_faults_parse ("drop=0.15,after=0.5,error=0.1,truncate=0.1,"
                                         "duplicate=0.15,seed=11", &faults, &error));
  g_assert_no_error (error);
  tb_server_set_faults (f->ts->server, &faults);
  attempts = sync_until_done (c, 300, NULL);
  g_test_message ("converged after %u syncs", attempts);
  g_assert_cmpuint (attempts, >, 1);  /* the faults did hit */

  memset (&faults, 0, sizeof faults);
  tb_server_set_faults (f->ts->server, &faults);
  sync_until_done (c, 1, NULL);

  g_assert_cmpint (server_comments (f, "故障"), ==, 1000);
  g_assert_cmpint (server_int (f, "SELECT count (*) FROM mutations"), ==, 1000);
  g_assert_cmpint (server_int (f, "SELECT count (*) FROM mutations WHERE status != 'applied'"),
                   ==, 0);
  g_assert_cmpint (store_int (c, "SELECT count (*) FROM outbox"), ==, 0);
  g_assert_cmpint (store_int (c, "SELECT count (*) FROM conflicts"), ==, 0);
  g_assert_cmpint (store_int (c, "SELECT count (*) FROM events WHERE kind = 'comment'"), ==,
                   1000);
  mine = client_digest (c);
  theirs = server_digest (f, "u-wangfang");
  assert_same_lines (mine, theirs);
}

static void
child_exited_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  *(gboolean *) user_data = TRUE;
}

/* 3. kill -9 of tongban-cli sync at random points of push and pull, 50 times. */
static void
test_kill_mid_sync (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(Client) c = client_new (f, "wangfang");
  g_autoptr(GError) error = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (3);
  g_autofree char *password_file = g_build_filename (f->dir, "password", NULL);
  g_autofree char *mine = NULL;
  g_autofree char *theirs = NULL;
  TbServerFaults faults = { 0 };
  guint killed = 0, queued = 0;

  client_start (c, "wangfang");
  g_assert_true (g_file_set_contents (password_file, PASSWORD "\n", -1, &error));

  /* Slow answers, so that the kills land inside exchanges and between them. */
  faults.delay_ms = 25;

  for (guint round = 0; round < 50; round++)
    {
      g_autoptr(GSubprocess) child = NULL;
      gboolean exited;
      gint64 deadline;

      /* Every other round, small pages: the kills land between the pages of a pull too. */
      faults.page_bytes = round % 2 == 1 ? 40000 : 0;
      tb_server_set_faults (f->ts->server, &faults);

      /* Something to push, and a full pull to do. */
      queue_comments (c, 10, "断电");
      queued += 10;
      {
        sqlite3 *db = NULL;

        g_assert_cmpint (sqlite3_open (c->path, &db), ==, SQLITE_OK);
        if (round % 2 == 0)
          g_assert_cmpint (sqlite3_exec (db, "UPDATE sync_state SET cursor = NULL", NULL, NULL,
                                         NULL), ==, SQLITE_OK);
        sqlite3_close (db);
      }

      child = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE
                                | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error,
                                TB_CLI_PATH, "sync", "--server", f->ts->base,
                                "--user", "wangfang", "--password-file", password_file,
                                "--db", c->path, NULL);
      g_assert_no_error (error);

      exited = FALSE;
      g_subprocess_wait_async (child, NULL, child_exited_cb, &exited);
      deadline = g_get_monotonic_time () + g_rand_int_range (rand, 2, 150) * 1000;
      while (g_get_monotonic_time () < deadline && !exited)
        {
          g_main_context_iteration (NULL, FALSE);
          g_usleep (200);
        }
      if (!exited)
        {
          g_subprocess_send_signal (child, SIGKILL);
          killed++;
        }
      while (!exited)
        g_main_context_iteration (NULL, TRUE);

      assert_integrity (c->path);
    }
  g_test_message ("%u of 50 syncs killed", killed);
  g_assert_cmpuint (killed, >=, 15);

  /* A last clean sync: nothing lost, nothing twice, the same as the server. */
  memset (&faults, 0, sizeof faults);
  tb_server_set_faults (f->ts->server, &faults);
  sync_until_done (c, 2, NULL);
  g_assert_cmpint (server_comments (f, "断电"), ==, queued);
  g_assert_cmpint (store_int (c, "SELECT count (*) FROM outbox"), ==, 0);
  mine = client_digest (c);
  theirs = server_digest (f, "u-wangfang");
  assert_same_lines (mine, theirs);
}

/* 3b. kill -9 of tongban-cli sync in the initial sync of an empty store, one bulk load over many
 * pages (tb-store.c): the file left is whole, or says that the load is under way and is whole
 * once opened; either way the next sync converges. */
static void
test_kill_initial_sync (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(Client) whole = client_new (f, "whole");
  g_autoptr(GError) error = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (5);
  g_autofree char *password_file = g_build_filename (f->dir, "password", NULL);
  g_autofree char *theirs = server_digest (f, "u-wangfang");
  g_autofree char *schema = NULL;
  TbServerFaults faults = { 0 };
  TbSyncSummary summary = { 0 };
  guint under_way = 0, empty = 0;
  gint64 full_us = 0;

  /* Small pages, slow answers: the kills land between the pages and inside them. */
  faults.page_bytes = 8000;
  faults.delay_ms = 10;
  tb_server_set_faults (f->ts->server, &faults);
  g_assert_true (g_file_set_contents (password_file, PASSWORD "\n", -1, &error));

  client_start (whole, "wangfang");
  schema = cases_schema (whole->path);
  g_assert_nonnull (strstr (schema, "index cases_by_assignee"));

  for (guint round = 0; round < 16; round++)
    {
      g_autofree char *name = g_strdup_printf ("killed-%u", round);
      g_autoptr(Client) c = NULL;
      g_autoptr(GSubprocess) child = NULL;
      g_autofree char *path = g_strdup_printf ("%s/%s.db", f->dir, name);
      g_autofree char *made = NULL;
      g_autofree char *left = NULL;
      g_autofree char *pending = NULL;
      g_autofree char *mine = NULL;
      gboolean exited = FALSE;
      gint64 start, deadline;

      child = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE
                                | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error,
                                TB_CLI_PATH, "sync", "--server", f->ts->base,
                                "--user", "wangfang", "--password-file", password_file,
                                "--db", path, NULL);
      g_assert_no_error (error);
      g_subprocess_wait_async (child, NULL, child_exited_cb, &exited);

      /* The first round runs to its end, to time a whole sync; the others are killed at any
       * point of one. */
      start = g_get_monotonic_time ();
      deadline = round == 0 ? G_MAXINT64
                            : start + g_rand_int_range (rand, 0, (gint32) full_us + 1);
      while (g_get_monotonic_time () < deadline && !exited)
        {
          g_main_context_iteration (NULL, FALSE);
          g_usleep (200);
        }
      if (round == 0)
        full_us = g_get_monotonic_time () - start;
      else if (!exited)
        g_subprocess_send_signal (child, SIGKILL);
      while (!exited)
        g_main_context_iteration (NULL, TRUE);

      /* As the kill left the file: whole, or a load under way without some indexes (or not
       * made yet, if the kill came first: it may be at any of its migrations). */
      if (g_file_test (path, G_FILE_TEST_EXISTS))
        {
          assert_integrity (path);
          made = tb_test_file_text (path, "PRAGMA user_version");
        }
      if (made == NULL || atoi (made) != tb_store_get_latest_version ())
        empty++;
      else
        {
          left = cases_schema (path);
          pending = tb_test_file_text (path, "SELECT value FROM meta WHERE key = 'initial-load'");
          if (pending != NULL)
            {
              under_way++;
              g_assert_null (strstr (left, "index cases_by_assignee"));
            }
          else
            g_assert_cmpstr (left, ==, schema);
        }

      /* Opened, the store is whole before anything reads it; it converges. */
      c = client_new (f, name);
      assert_store_whole (c, schema);
      g_assert_true (tb_test_client_sign_in (c, "wangfang", &error));
      g_assert_no_error (error);
      g_assert_true (client_sync (c, &summary, &error));
      g_assert_no_error (error);
      assert_store_whole (c, schema);
      mine = client_digest (c);
      assert_same_lines (mine, theirs);
    }

  g_test_message ("whole sync %" G_GINT64_FORMAT " ms; of 15 kills, %u in the load, %u before "
                  "the store was made", full_us / 1000, under_way, empty);
  g_assert_cmpuint (under_way, >=, 4);
}

/* 6. Expired tokens: refreshed once and resent; a dead refresh token asks for a sign-in and
 * keeps the queue. */
static void
test_expired_token (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(Client) c = client_new (f, "wangfang");
  g_autoptr(GError) error = NULL;
  TbSyncSummary summary = { 0 };

  tb_server_set_token_ttl (f->ts->server, 1, 3600);
  client_start (c, "wangfang");
  queue_comments (c, 1, "续期");
  tb_test_wait (2100);
  g_assert_true (client_sync (c, &summary, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (summary.applied, ==, 1);
  g_assert_true (tb_sync_engine_get_signed_in (c->engine));

  tb_server_set_token_ttl (f->ts->server, 1, 1);
  g_assert_true (tb_test_client_sign_in (c, "wangfang", &error));
  queue_comments (c, 2, "过期");
  tb_test_wait (2100);
  g_assert_false (client_sync (c, NULL, &error));
  g_assert_error (error, TB_SYNC_ERROR, TB_SYNC_ERROR_SIGNED_OUT);
  g_clear_error (&error);
  g_assert_cmpint (tb_sync_engine_get_status (c->engine), ==, TB_SYNC_STATUS_SIGNED_OUT);
  g_assert_false (tb_sync_engine_get_signed_in (c->engine));
  g_assert_cmpint (store_int (c, "SELECT count (*) FROM outbox"), ==, 2);

  /* Signing in again sends them. */
  tb_server_set_token_ttl (f->ts->server, 900, 3600);
  g_assert_true (tb_test_client_sign_in (c, "wangfang", &error));
  g_assert_true (client_sync (c, &summary, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (summary.applied, ==, 2);
  g_assert_cmpint (server_comments (f, "过期"), ==, 2);
}

/* 6. An expired cursor: the client starts the feed over and keeps its unsent work. */
static void
test_expired_cursor (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(Client) c = client_new (f, "wangfang");
  g_autoptr(GError) error = NULL;
  g_autofree char *mine = NULL;
  g_autofree char *theirs = NULL;
  TbSyncSummary summary = { 0 };
  sqlite3 *db = NULL;

  client_start (c, "wangfang");
  queue_comments (c, 3, "重置");
  g_assert_cmpint (sqlite3_open (c->path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "UPDATE sync_state SET cursor = 'djEuZm9yZ2Vk'", NULL, NULL,
                                 NULL), ==, SQLITE_OK);
  sqlite3_close (db);

  g_assert_true (client_sync (c, &summary, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (summary.resets, ==, 1);
  g_assert_cmpuint (summary.applied, ==, 3);
  g_assert_cmpint (server_comments (f, "重置"), ==, 3);
  mine = client_digest (c);
  theirs = server_digest (f, "u-wangfang");
  assert_same_lines (mine, theirs);
}

/* 6. The server restarts between two syncs and in the middle of one. */
static void
test_server_restart (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(Client) c = client_new (f, "wangfang");
  g_autoptr(GError) error = NULL;
  g_autofree char *address = NULL;
  TbSyncSummary summary = { 0 };

  client_start (c, "wangfang");
  queue_comments (c, 5, "重启");
  address = g_strdup_printf ("127.0.0.1:%u", tb_server_get_port (f->ts->server));

  /* Down: offline, plainly. */
  tb_server_disconnect (f->ts->server);
  g_assert_finalize_object (g_steal_pointer (&f->ts->server));
  g_assert_false (client_sync (c, NULL, &error));
  g_assert_error (error, TB_SYNC_ERROR, TB_SYNC_ERROR_OFFLINE);
  g_clear_error (&error);
  g_assert_cmpint (tb_sync_engine_get_status (c->engine), ==, TB_SYNC_STATUS_OFFLINE);
  g_assert_cmpint (store_int (c, "SELECT count (*) FROM outbox"), ==, 5);
  g_assert_cmpint (store_int (c, "SELECT count (*) FROM outbox WHERE state = 2"), ==, 0);

  /* Up again on the same database: the session survived, the queue goes. */
  f->ts->server = tb_server_new (f->ts->db_path, &error);
  g_assert_no_error (error);
  g_assert_true (tb_server_listen (f->ts->server, address, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (client_sync (c, &summary, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (summary.applied, ==, 5);
  g_assert_cmpint (tb_sync_engine_get_status (c->engine), ==, TB_SYNC_STATUS_IDLE);
  g_assert_cmpint (server_comments (f, "重启"), ==, 5);
}

/* 6. A 503 storm with Retry-After: a clear state, backoff no shorter than asked, converges. */
static void
test_unavailable_storm (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(Client) c = client_new (f, "wangfang");
  g_autoptr(GError) error = NULL;
  TbServerFaults faults = { 0 };

  client_start (c, "wangfang");
  queue_comments (c, 4, "风暴");
  faults.error = 1.0;
  tb_server_set_faults (f->ts->server, &faults);

  for (guint i = 0; i < 5; i++)
    {
      g_assert_false (client_sync (c, NULL, &error));
      g_assert_error (error, TB_SYNC_ERROR, TB_SYNC_ERROR_UNAVAILABLE);
      g_clear_error (&error);
      g_assert_cmpint (tb_sync_engine_get_status (c->engine), ==, TB_SYNC_STATUS_ERROR);
      g_assert_cmpuint (tb_sync_engine_next_delay (c->engine), >=, 1);
      g_assert_cmpuint (tb_sync_engine_next_delay (c->engine), <=, 300);
    }
  g_assert_cmpint (store_int (c, "SELECT count (*) FROM outbox"), ==, 4);

  faults.error = 0;
  tb_server_set_faults (f->ts->server, &faults);
  g_assert_true (client_sync (c, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (tb_sync_engine_next_delay (c->engine), ==,
                    tb_sync_engine_get_interval (c->engine));
  g_assert_cmpint (server_comments (f, "风暴"), ==, 4);
}

/* 6. Malformed, truncated and oversized answers from a server that misbehaves: a clear error,
 * nothing applied, nothing lost. */
typedef struct
{
  const char *mode;
} Fake;

static void
fake_handler (SoupServer        *server,
              SoupServerMessage *msg,
              const char        *path,
              GHashTable        *query,
              gpointer           user_data)
{
  Fake *fake = user_data;
  const char *body = NULL;
  g_autofree char *big = NULL;

  if (g_str_equal (path, "/api/v1/session"))
    body = "{\"schema_version\":1,\"access_token\":\"a\",\"access_expires_at\":"
           "\"2030-01-01T00:00:00Z\",\"refresh_token\":\"r\",\"refresh_expires_at\":"
           "\"2030-01-01T00:00:00Z\",\"user\":{\"id\":\"u-wangfang\",\"login\":\"wangfang\","
           "\"display_name\":\"王芳\",\"roles\":[\"caseworker\"],\"teams\":[\"team-market\"]}}";
  else if (g_str_equal (fake->mode, "garbage"))
    body = "{\"changes\": [ not json";
  else if (g_str_equal (fake->mode, "shape"))
    body = "{\"schema_version\":1,\"changes\":5,\"cursor\":\"c\",\"has_more\":false,"
           "\"last_mutation_id\":0,\"server_time\":\"2026-11-27T01:00:00Z\"}";
  else if (g_str_equal (fake->mode, "bad-case"))
    body = "{\"schema_version\":1,\"changes\":[{\"type\":\"case\",\"id\":\"x\",\"op\":\"put\","
           "\"version\":1,\"data\":{\"id\":\"x\",\"ref\":42}}],\"cursor\":\"c\",\"has_more\":"
           "false,\"last_mutation_id\":0,\"server_time\":\"2026-11-27T01:00:00Z\"}";
  else if (g_str_equal (fake->mode, "push-shape"))
    body = g_str_equal (path, "/api/v1/sync/push")
           ? "{\"schema_version\":1,\"last_mutation_id\":1,\"results\":[{\"id\":1,"
             "\"status\":\"conflict\"}]}"
           : "{}";
  else if (g_str_equal (fake->mode, "oversized"))
    {
      gsize size = 40 * 1024 * 1024;

      big = g_malloc (size + 1);
      memset (big, ' ', size);
      big[0] = '{';
      memcpy (big + size - 2, "}", 1);
      big[size] = '\0';
      soup_server_message_set_status (msg, 200, NULL);
      soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE,
                                        g_steal_pointer (&big), size);
      return;
    }
  else if (g_str_equal (fake->mode, "html"))
    {
      soup_server_message_set_status (msg, 502, NULL);
      soup_server_message_set_response (msg, "text/html", SOUP_MEMORY_STATIC,
                                        "<h1>Bad gateway</h1>", 20);
      return;
    }

  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, body,
                                    strlen (body));
}

static void
test_malformed_answers (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(Client) c = client_new (f, "wangfang");
  g_autoptr(SoupServer) fake_server = soup_server_new (NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSList) uris = NULL;
  g_autofree char *fake_url = NULL;
  g_autofree char *before = NULL;
  g_autofree char *cursor = NULL;
  Fake fake = { "garbage" };
  static const struct { const char *mode; int code; } cases[] = {
    { "garbage", TB_SYNC_ERROR_PROTOCOL },
    { "shape", TB_SYNC_ERROR_PROTOCOL },
    { "bad-case", TB_SYNC_ERROR_PROTOCOL },
    { "push-shape", TB_SYNC_ERROR_PROTOCOL },
    { "oversized", TB_SYNC_ERROR_PROTOCOL },
    { "html", TB_SYNC_ERROR_UNAVAILABLE },
  };

  client_start (c, "wangfang");
  queue_comments (c, 1, "畸形");
  before = client_digest (c);
  cursor = tb_test_file_text (c->path, "SELECT cursor FROM sync_state");

  soup_server_add_handler (fake_server, NULL, fake_handler, &fake, NULL);
  g_assert_true (soup_server_listen_local (fake_server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY,
                                           &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (fake_server);
  fake_url = g_uri_to_string (uris->data);
  g_slist_free_full (g_steal_pointer (&uris), (GDestroyNotify) g_uri_unref);

  g_object_unref (c->engine);
  c->engine = tb_sync_engine_new (c->store, fake_url);
  tb_sync_engine_set_use_keyring (c->engine, FALSE);
  g_assert_true (tb_test_client_sign_in (c, "wangfang", &error));
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *after = NULL;
      g_autofree char *cursor_after = NULL;

      fake.mode = cases[i].mode;
      g_test_message ("answer: %s", fake.mode);
      g_assert_false (client_sync (c, NULL, &error));
      g_assert_error (error, TB_SYNC_ERROR, cases[i].code);
      g_assert_cmpstr (error->message, !=, "");
      g_clear_error (&error);

      after = client_digest (c);
      g_assert_cmpstr (after, ==, before);
      cursor_after = tb_test_file_text (c->path, "SELECT cursor FROM sync_state");
      g_assert_cmpstr (cursor_after, ==, cursor);
      g_assert_cmpint (store_int (c, "SELECT count (*) FROM outbox WHERE state = 0"), ==, 1);
      g_assert_cmpint (store_int (c, "SELECT count (*) FROM conflicts"), ==, 0);
    }

  /* The real server again: converges. */
  g_object_unref (c->engine);
  c->engine = tb_sync_engine_new (c->store, f->ts->base);
  tb_sync_engine_set_use_keyring (c->engine, FALSE);
  sync_until_done (c, 1, NULL);
  g_assert_cmpint (server_comments (f, "畸形"), ==, 1);
}

/* Resolving with "keep mine" makes the change again on the current version; a change that is
 * no longer possible keeps the conflict open. */
static void
test_keep_mine (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(Client) a = client_new (f, "chenjing-desk");
  g_autoptr(Client) b = client_new (f, "chenjing-laptop");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) fields_a = json_object_new ();
  g_autoptr(JsonObject) fields_b = json_object_new ();
  g_autoptr(GPtrArray) conflicts = NULL;
  g_autofree char *id = NULL;
  g_autofree char *sql = NULL;
  g_autofree char *scope = NULL;
  TbSyncSummary summary = { 0 };
  TbConflict *conflict;

  client_start (a, "chenjing");
  client_start (b, "chenjing");
  json_object_set_string_member (fields_a, "business_scope", "茶叶种植；茶叶加工；茶叶销售");
  json_object_set_string_member (fields_b, "business_scope", "茶叶种植；茶具销售；茶艺服务");

  /* A case whose other values are valid (demo forms may carry an invalid one on purpose). */
  for (guint i = 0; i < 20 && id == NULL; i++)
    {
      g_autofree char *query = g_strdup_printf ("SELECT id FROM cases WHERE state = 'in_review'"
                                                " AND service_id = 'business-licence'"
                                                " ORDER BY ref LIMIT 1 OFFSET %u", i);
      g_autofree char *candidate = tb_test_file_text (a->path, query);

      g_assert_nonnull (candidate);
      if (tb_case_service_update_fields (a->service, candidate, fields_a, NULL, NULL))
        id = g_steal_pointer (&candidate);
    }
  g_assert_nonnull (id);
  g_assert_true (tb_case_service_update_fields (b->service, id, fields_b, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (client_sync (a, NULL, &error));
  g_assert_true (client_sync (b, &summary, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (summary.conflicts, ==, 1);

  conflicts = tb_store_list_conflicts (b->store, id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (conflicts->len, ==, 1);
  conflict = g_ptr_array_index (conflicts, 0);
  g_assert_nonnull (strstr (conflict->mine_json, "茶具销售"));
  g_assert_nonnull (strstr (conflict->theirs_json, "茶叶加工"));

  /* Keep mine: queued again on the server's current version, and it wins. */
  g_assert_true (tb_case_service_resolve_conflict (b->service, conflict->id, TRUE, &error));
  g_assert_no_error (error);
  g_assert_cmpint (store_int (b, "SELECT count (*) FROM outbox"), ==, 1);
  g_assert_true (client_sync (b, &summary, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (summary.applied, ==, 1);
  sql = g_strdup_printf ("SELECT json_extract (form, '$.business_scope') FROM cases WHERE id ="
                         " '%s'", id);
  scope = tb_test_file_text (f->ts->db_path, sql);
  g_assert_cmpstr (scope, ==, "茶叶种植；茶具销售；茶艺服务");
  g_clear_pointer (&conflicts, g_ptr_array_unref);
  conflicts = tb_store_list_conflicts (b->store, NULL, &error);
  g_assert_cmpuint (conflicts->len, ==, 0);

  /* A decision overtaken by another: keeping it is refused, the conflict stays. */
  g_assert_true (tb_case_service_decide (a->service, id, "approve", NULL, NULL, NULL, &error));
  g_assert_true (tb_case_service_decide (b->service, id, "reject", NULL, "经营范围不符", NULL,
                                         &error));
  g_assert_no_error (error);
  g_assert_true (client_sync (a, NULL, &error));
  g_assert_true (client_sync (b, NULL, &error));
  g_assert_no_error (error);
  g_clear_pointer (&conflicts, g_ptr_array_unref);
  conflicts = tb_store_list_conflicts (b->store, NULL, &error);
  g_assert_cmpuint (conflicts->len, ==, 1);
  conflict = g_ptr_array_index (conflicts, 0);
  g_assert_false (tb_case_service_resolve_conflict (b->service, conflict->id, TRUE, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_cmpint (store_int (b, "SELECT count (*) FROM outbox"), ==, 0);
  g_assert_cmpint (store_int (b, "SELECT count (*) FROM conflicts WHERE resolved_at IS NULL"),
                   ==, 1);
  g_assert_true (tb_case_service_resolve_conflict (b->service, conflict->id, FALSE, &error));
  g_assert_no_error (error);
  g_assert_cmpint (store_int (b, "SELECT count (*) FROM conflicts WHERE resolved_at IS NULL"),
                   ==, 0);
}

static void
count_cb (gpointer user_data)
{
  (*(guint *) user_data)++;
}

/* Started, the engine syncs at once, after a local change, and never needs to be asked. */
static void
test_automatic (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(Client) c = client_new (f, "wangfang");
  g_autoptr(GError) error = NULL;
  guint synced = 0;
  gint64 deadline;

  g_assert_true (tb_test_client_sign_in (c, "wangfang", &error));
  g_assert_no_error (error);
  g_signal_connect_swapped (c->engine, "synced", G_CALLBACK (count_cb), &synced);
  tb_sync_engine_start (c->engine);
  deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  while (synced == 0 && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (synced, ==, 1);
  g_assert_cmpint (store_int (c, "SELECT count (*) FROM cases"), >, 0);

  /* A local change goes out shortly, without a sync being asked for: the engine hears of the
   * case waiting to be sent (the periodic pull is a minute away). */
  {
    g_auto(GStrv) teams = NULL;
    TbRole roles = TB_ROLE_NONE;

    g_assert_true (tb_store_get_user_access (c->store, "u-wangfang", &roles, &teams, &error));
    c->service = tb_case_service_new (c->store, "u-wangfang", roles,
                                      (const char * const *) teams);
  }
  g_assert_cmpuint (tb_sync_engine_get_interval (c->engine), >=, 60);
  queue_comments (c, 1, "自动");
  deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  while (synced < 2 && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (synced, ==, 2);
  g_assert_cmpint (server_comments (f, "自动"), ==, 1);
  tb_sync_engine_stop (c->engine);
}

/* Without a keyring the session ends with the engine: the user signs in again. */
static void
test_no_keyring (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(Client) c = client_new (f, "wangfang");
  g_autoptr(TbSyncEngine) again = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (tb_test_client_sign_in (c, "wangfang", &error));
  g_assert_no_error (error);

  again = tb_sync_engine_new (c->store, f->ts->base);
  g_assert_cmpstr (tb_sync_engine_get_user_id (again), ==, "u-wangfang");
  tb_sync_engine_set_use_keyring (again, FALSE);
  tb_sync_engine_restore_session_async (again, NULL, tb_test_wait_cb, &result);
  g_assert_false (tb_sync_engine_restore_session_finish (again, tb_test_wait_result (&result),
                                                         &error));
  g_assert_error (error, TB_SYNC_ERROR, TB_SYNC_ERROR_SIGNED_OUT);
  g_assert_false (tb_sync_engine_get_signed_in (again));
}

/* Pushes hold up to 1,000 mutations but stay within the server's 1 MiB: long comments go in
 * smaller batches, all of them. */
static void
test_large_pushes (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(Client) c = client_new (f, "wangfang");
  g_autoptr(GString) tag = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  TbSyncSummary summary = { 0 };

  client_start (c, "wangfang");
  /* About 9,000 bytes each: 300 of them are 2.7 MB. */
  for (guint i = 0; i < 2990; i++)
    g_string_append (tag, "长");
  queue_comments (c, 300, tag->str);

  g_assert_true (client_sync (c, &summary, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (summary.applied, ==, 300);
  g_assert_cmpint (store_int (c, "SELECT count (*) FROM outbox"), ==, 0);
  g_assert_cmpint (server_int (f, "SELECT count (*) FROM mutations WHERE status = 'applied'"),
                   ==, 300);
}

/* Cancels the sync at the pull page @user_data counts down to. */
static void
cancel_at_page (TbSyncEngine *engine,
                const char   *phase,
                guint         done,
                guint         batch,
                gpointer      user_data)
{
  GCancellable *cancellable = user_data;
  guint *left = g_object_get_data (G_OBJECT (cancellable), "left");

  if (g_str_equal (phase, "pull") && --(*left) == 0)
    g_cancellable_cancel (cancellable);
}

/* An initial sync over many pages (the server cuts them small): every page is read while the
 * one before is applied, and the store ends equal to the server. A sync cancelled between
 * pages keeps what it applied, cursor and all, and the next one goes on from there. */
static void
test_many_pages (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(Client) c = client_new (f, "wangfang");
  g_autoptr(Client) d = client_new (f, "wangfang-2");
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *theirs = server_digest (f, "u-wangfang");
  g_autofree char *mine = NULL;
  g_autofree char *cursor = NULL;
  TbServerFaults faults = { 0 };
  TbSyncSummary summary = { 0 };
  guint left = 15;
  gint64 applied;

  faults.page_bytes = 8000;
  tb_server_set_faults (f->ts->server, &faults);

  g_assert_true (tb_test_client_sign_in (c, "wangfang", &error));
  g_assert_no_error (error);
  g_assert_true (client_sync (c, &summary, &error));
  g_assert_no_error (error);
  g_test_message ("%u cases in %u pages", summary.cases, summary.pages);
  g_assert_cmpuint (summary.pages, >=, 5);
  mine = client_digest (c);
  assert_same_lines (mine, theirs);
  assert_integrity (c->path);

  /* Cancelled after the fifteenth page (the first ones are reference data). */
  g_assert_true (tb_test_client_sign_in (d, "wangfang", &error));
  g_assert_no_error (error);
  g_object_set_data (G_OBJECT (cancellable), "left", &left);
  g_signal_connect (d->engine, "progress", G_CALLBACK (cancel_at_page), cancellable);
  tb_sync_engine_sync_async (d->engine, cancellable, tb_test_wait_cb, &result);
  g_assert_false (tb_sync_engine_sync_finish (d->engine, tb_test_wait_result (&result), NULL,
                                              &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_signal_handlers_disconnect_by_func (d->engine, cancel_at_page, cancellable);
  /* It was an initial load (tb-store.c), ended with the sync: the store is whole. */
  {
    g_autofree char *schema = cases_schema (c->path);
    assert_store_whole (d, schema);
  }
  applied = store_int (d, "SELECT count (*) FROM cases");
  g_assert_cmpint (applied, >, 0);
  g_assert_cmpint (applied, <, summary.cases);
  cursor = tb_test_file_text (d->path, "SELECT cursor FROM sync_state");
  g_assert_nonnull (cursor);
  g_assert_cmpstr (cursor, !=, "");

  /* The next sync brings the rest only. */
  g_assert_true (client_sync (d, &summary, &error));
  g_assert_no_error (error);
  g_assert_cmpint (summary.cases + applied, ==, store_int (d, "SELECT count (*) FROM cases"));
  g_free (mine);
  mine = client_digest (d);
  assert_same_lines (mine, theirs);
}

static void
count_progress (TbSyncEngine *engine,
                const char   *phase,
                guint         done,
                guint         batch,
                gpointer      user_data)
{
  guint *pulls = user_data;

  if (g_str_equal (phase, "pull"))
    {
      (*pulls)++;
      g_assert_cmpuint (done, >=, batch);
    }
}

static void
test_sync_log (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(Client) c = client_new (f, "wangfang");
  g_autoptr(GPtrArray) log = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  gboolean synced = FALSE;
  guint pulls = 0;
  int status = -1;

  g_signal_connect (c->engine, "progress", G_CALLBACK (count_progress), &pulls);
  client_start (c, "wangfang");
  g_assert_cmpuint (pulls, >=, 1);
  log = tb_store_list_sync_log (c->store, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (log->len, >=, 2);
  for (guint i = 0; i < log->len; i++)
    {
      TbSyncLogEntry *e = g_ptr_array_index (log, i);

      g_assert_cmpint (e->at, >, 0);
      g_assert_null (strstr (e->message, PASSWORD));
      synced |= g_str_has_prefix (e->message, "Synced");
    }
  g_assert_true (synced);

  /* Exportable for support, oldest first. */
  {
    const char *argv[] = { TB_CLI_PATH, "sync-log", "--db", c->path, NULL };

    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out,
                                 &err, &status, &error));
    g_assert_no_error (error);
    g_assert_cmpint (status, ==, 0);
    g_assert_nonnull (strstr (out, "Signed in."));
    g_assert_true (strstr (out, "Signed in.") < strstr (out, "Synced"));
  }
}

/* A window that draws all the time (a spinner rendered in software) keeps a source of GTK's
 * drawing priority ready at every turn of the main loop: the sync must still get its pages
 * applied and end, or its spinner would spin for ever. */

static void
test_busy_main_loop (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(Client) c = client_new (f, "wangfang");
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  TbSyncSummary summary = { 0 };
  gint64 deadline;
  guint frames = 0;
  guint busy;

  g_assert_true (tb_test_client_sign_in (c, "wangfang", &error));
  g_assert_no_error (error);

  busy = tb_test_add_busy_drawing (&frames);
  tb_sync_engine_sync_async (c->engine, NULL, tb_test_wait_cb, &result);
  deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (result == NULL && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (busy);

  g_assert_nonnull (result);
  g_assert_true (tb_sync_engine_sync_finish (c->engine, result, &summary, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (summary.cases, >, 0);
  g_assert_cmpuint (frames, >, 0);
  g_assert_cmpint (tb_sync_engine_get_status (c->engine), ==, TB_SYNC_STATUS_IDLE);
  g_assert_cmpint (store_int (c, "SELECT count (*) FROM cases"), ==, summary.cases);
}

int
main (int    argc,
      char **argv)
{
  g_setenv ("LANGUAGE", "C", TRUE);
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("/sync/initial", test_initial_sync);
  ADD ("/sync/offline-queue", test_offline_queue);
  ADD ("/sync/states-and-signals", test_states_and_signals);
  ADD ("/sync/two-clients-conflict", test_two_clients_conflict);
  ADD ("/sync/reassigned-away", test_reassigned_away);
  ADD ("/sync/rejected", test_rejected);
  ADD ("/sync/rejected-fields", test_rejected_fields);
  ADD ("/sync/keep-mine", test_keep_mine);
  ADD ("/sync/log", test_sync_log);
  ADD ("/sync/automatic", test_automatic);
  ADD ("/sync/no-keyring", test_no_keyring);
  ADD ("/sync/faults-exactly-once", test_faults_exactly_once);
  ADD ("/sync/kill-mid-sync", test_kill_mid_sync);
  ADD ("/sync/kill-initial-sync", test_kill_initial_sync);
  ADD ("/sync/many-pages", test_many_pages);
  ADD ("/sync/large-pushes", test_large_pushes);
  ADD ("/sync/expired-token", test_expired_token);
  ADD ("/sync/expired-cursor", test_expired_cursor);
  ADD ("/sync/server-restart", test_server_restart);
  ADD ("/sync/unavailable-storm", test_unavailable_storm);
  ADD ("/sync/malformed-answers", test_malformed_answers);
  ADD ("/sync/busy-main-loop", test_busy_main_loop);

  return g_test_run ();
}
