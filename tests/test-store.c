/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-store.c: opening, migrating, refusing and writing the local store */

#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/stat.h>

#include "tb-case-list.h"
#include "tb-fts.h"
#include "tb-store.h"
#include "tb-store-sync.h"
#include "tb-store-private.h"
#include "tb-test-common.h"

static char *tmpdir;

static char *
tmp_path (const char *name)
{
  return g_build_filename (tmpdir, name, NULL);
}

static char *
file_checksum (const char *path)
{
  g_autofree char *contents = NULL;
  gsize length = 0;

  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, length);
}

static int
raw_pragma (const char *path,
            const char *pragma)
{
  g_autofree char *sql = g_strdup_printf ("PRAGMA %s", pragma);

  return (int) tb_test_file_int (path, sql);
}

static void
raw_exec (const char *path,
          const char *sql)
{
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  /* Statements that re-read the schema meet the full-text table and need its tokenizer. */
  g_assert_cmpint (tb_fts_register (db), ==, SQLITE_OK);
  if (sqlite3_exec (db, sql, NULL, NULL, NULL) != SQLITE_OK)
    g_error ("%s: %s", sql, sqlite3_errmsg (db));
  sqlite3_close (db);
}

static TbCaseRecord
make_record (const char *id,
             const char *ref,
             const char *name)
{
  TbCaseRecord r = {
    .id = id,
    .ref = ref,
    .service_id = "svc-test",
    .state = "received",
    .assignee_id = "u1",
    .team_id = "t1",
    .applicant_name = name,
    .applicant_kind = "person",
    .received_on = tb_day_from_iso ("2026-11-02"),
    .deadline = tb_day_from_iso ("2026-11-20"),
    .version = 1,
    .form_json = "{\"purpose\":\"test\"}",
  };
  return r;
}

static void
test_store_create (void)
{
  g_autofree char *path = tmp_path ("create/nested/store.db");
  g_autoptr(TbStore) store = NULL;
  g_autoptr(GError) error = NULL;
  const char *tables[] = {
    "meta", "teams", "users", "workflows", "services", "calendar_days", "cases", "cases_fts",
    "case_overlay", "outbox", "sync_state", "events", "audit", "tutorial_progress", "conflicts",
  };
  GStatBuf st;

  store = tb_store_open (path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (store);
  g_assert_cmpint (tb_store_get_schema_version (store), ==, tb_store_get_latest_version ());
  g_assert_cmpint (tb_store_get_latest_version (), >=, 1);
  g_assert_cmpstr (tb_store_get_path (store), ==, path);

  /* Mode 0600 for the database and, once something is written, its WAL and shared memory. */
  g_assert_true (tb_store_set_meta (store, "probe", "1", &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  {
    g_autofree char *wal = g_strconcat (path, "-wal", NULL);
    g_autofree char *shm = g_strconcat (path, "-shm", NULL);
    g_assert_cmpint (g_stat (wal, &st), ==, 0);
    g_assert_cmpint (st.st_mode & 0777, ==, 0600);
    g_assert_cmpint (g_stat (shm, &st), ==, 0);
    g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  }
  g_clear_object (&store);

  g_assert_cmpint (raw_pragma (path, "application_id"), ==, TB_STORE_APPLICATION_ID);
  g_assert_cmpint (raw_pragma (path, "user_version"), ==, tb_store_get_latest_version ());

  /* Every table of the model is there. */
  {
    sqlite3 *db = NULL;
    g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
    for (guint i = 0; i < G_N_ELEMENTS (tables); i++)
      {
        sqlite3_stmt *stmt = NULL;
        g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT 1 FROM sqlite_schema WHERE name = ?",
                                             -1, &stmt, NULL), ==, SQLITE_OK);
        sqlite3_bind_text (stmt, 1, tables[i], -1, SQLITE_STATIC);
        if (sqlite3_step (stmt) != SQLITE_ROW)
          g_error ("table %s is missing", tables[i]);
        sqlite3_finalize (stmt);
      }
    g_assert_cmpstr (sqlite3_db_filename (db, "main"), !=, NULL);
    sqlite3_close (db);
  }

  /* Reopening keeps what was written and migrates nothing. */
  store = tb_store_open (path, &error);
  g_assert_no_error (error);
  {
    g_autofree char *value = tb_store_dup_meta (store, "probe");
    g_assert_cmpstr (value, ==, "1");
  }
}

static void
test_store_upgrade (void)
{
  g_autofree char *path = tmp_path ("upgrade.db");
  g_autoptr(TbStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(TbCase) c = NULL;
  TbCaseRecord r = make_record ("up-1", "TB-UP-1", "钱进");

  /* A store as version 1 left it: the same data, without what 0002, 0003 and 0004 added (0005 rebuilds the index). */
  store = tb_store_open (path, &error);
  g_assert_no_error (error);
  r.signed_parties_json = "[\"planning\"]";
  g_assert_true (tb_store_put_cases (store, &r, 1, &error));
  g_clear_object (&store);
  raw_exec (path, "ALTER TABLE cases DROP COLUMN signed_parties;"
                  "ALTER TABLE cases DROP COLUMN practice;"
                  "ALTER TABLE case_overlay DROP COLUMN applied_version;"
                  "ALTER TABLE conflicts DROP COLUMN kind;"
                  "ALTER TABLE conflicts DROP COLUMN mutation;"
                  "ALTER TABLE conflicts DROP COLUMN problem;"
                  "DROP TABLE pending_removals;"
                  "DROP TABLE sync_log;"
                  "DROP INDEX cases_unsynced;"
                  "PRAGMA user_version = 1;");
  g_assert_cmpint (raw_pragma (path, "user_version"), ==, 1);

  store = tb_store_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (tb_store_get_schema_version (store), ==, tb_store_get_latest_version ());
  g_assert_cmpint (tb_store_get_latest_version (), >=, 2);

  c = tb_store_get_case (store, "up-1", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (tb_case_get_applicant_name (c), ==, "钱进");
  g_assert_cmpstr (tb_case_get_signed_parties_json (c), ==, "[]");
  g_assert_false (tb_case_get_practice (c));

  /* 0003: what the sync engine keeps. */
  g_assert_true (tb_store_add_sync_log (store, "info", "upgraded", &error));
  g_assert_no_error (error);
  {
    g_autoptr(GPtrArray) conflicts = tb_store_list_conflicts (store, NULL, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (conflicts->len, ==, 0);
  }
}

/* 0005-search-text.sql: the full-text index of an older store is rebuilt with the new text. */
static void
test_store_upgrade_search_text (void)
{
  g_autofree char *path = tmp_path ("upgrade-search.db");
  g_autofree char *downgrade = NULL;
  g_autoptr(TbStore) store = NULL;
  g_autoptr(GError) error = NULL;
  TbCaseRecord records[2] = {
    make_record ("us-1", "TB-US-1", "钱进"),
    make_record ("us-2", "TB-US-2", "孙丽"),
  };

  records[0].form_json = "{\"scope\":\"蔬菜种植\",\"attachments\":[{\"name\":\"公司章程.pdf\","
                         "\"size\":1024}],\"id_number\":\"34010419800101123X\"}";
  records[1].form_json = "{\"scope\":\"软件开发\"}";
  store = tb_store_open (path, &error);
  g_assert_no_error (error);
  g_assert_true (tb_store_put_cases (store, records, G_N_ELEMENTS (records), &error));
  g_clear_object (&store);

  /* The index as 0001-initial.sql made it, filled as TbStore filled it then. */
  downgrade = g_strdup_printf (
    "DROP TRIGGER cases_fts_delete;"
    "DROP TRIGGER cases_fts_update;"
    "DROP TABLE cases_fts;"
    "CREATE VIRTUAL TABLE cases_fts USING fts5 (ref, applicant, company, form, content = '',"
    "  tokenize = 'tb_cjk');"
    "CREATE TRIGGER cases_fts_delete AFTER DELETE ON cases BEGIN"
    "  INSERT INTO cases_fts (cases_fts, rowid, ref, applicant, company, form)"
    "  VALUES ('delete', old.rowid, old.ref, old.applicant_name, old.company_name,"
    "          tb_form_text (old.form));"
    "END;"
    "CREATE TRIGGER cases_fts_update AFTER UPDATE OF ref, applicant_name, company_name, form"
    "  ON cases BEGIN"
    "  INSERT INTO cases_fts (cases_fts, rowid, ref, applicant, company, form)"
    "  VALUES ('delete', old.rowid, old.ref, old.applicant_name, old.company_name,"
    "          tb_form_text (old.form));"
    "  INSERT INTO cases_fts (rowid, ref, applicant, company, form)"
    "  VALUES (new.rowid, new.ref, new.applicant_name, new.company_name, tb_form_text (new.form));"
    "END;"
    "INSERT INTO cases_fts (rowid, ref, applicant, company, form)"
    "  SELECT rowid, ref, applicant_name, company_name, tb_form_text (form) FROM cases;"
    "PRAGMA user_version = %d;", tb_store_get_latest_version () - 1);
  raw_exec (path, downgrade);

  store = tb_store_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (tb_store_get_schema_version (store), ==, tb_store_get_latest_version ());

  {
    const char *queries[][2] = {
      { "蔬菜", "us-1" },
      { "钱进", "us-1" },
      { "TB-US-2", "us-2" },
      { "公司章程", NULL },
      { "34010419800101123X", NULL },
    };

    for (guint i = 0; i < G_N_ELEMENTS (queries); i++)
      {
        g_autoptr(GPtrArray) ids = tb_store_search_case_ids (store, queries[i][0], 10, &error);

        g_assert_no_error (error);
        g_assert_cmpuint (ids->len, ==, queries[i][1] != NULL ? 1 : 0);
        if (queries[i][1] != NULL)
          g_assert_cmpstr (g_ptr_array_index (ids, 0), ==, queries[i][1]);
      }
  }

  /* The new triggers keep the rebuilt index right. */
  records[1].form_json = "{\"scope\":\"茶叶销售\"}";
  records[1].version = 2;
  g_assert_true (tb_store_put_cases (store, &records[1], 1, &error));
  {
    g_autoptr(GPtrArray) old_words = tb_store_search_case_ids (store, "软件", 10, &error);
    g_autoptr(GPtrArray) new_words = tb_store_search_case_ids (store, "茶叶", 10, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (old_words->len, ==, 0);
    g_assert_cmpuint (new_words->len, ==, 1);
  }
  g_assert_cmpint (sqlite3_exec (_tb_store_get_db (store),
                                 "INSERT INTO cases_fts (cases_fts) VALUES ('integrity-check')",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
}

static void
test_store_permissions_tightened (void)
{
  g_autofree char *path = tmp_path ("loose.db");
  g_autoptr(TbStore) store = NULL;
  g_autoptr(GError) error = NULL;
  GStatBuf st;

  store = tb_store_open (path, &error);
  g_assert_no_error (error);
  g_clear_object (&store);

  g_assert_cmpint (g_chmod (path, 0644), ==, 0);
  store = tb_store_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
}

static void
test_store_empty_file (void)
{
  g_autofree char *path = tmp_path ("empty.db");
  g_autoptr(TbStore) store = NULL;
  g_autoptr(GError) error = NULL;

  /* A zero-byte file is what a first start that stopped early leaves: it becomes a store. */
  g_assert_true (g_file_set_contents (path, "", 0, NULL));
  store = tb_store_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (tb_store_get_schema_version (store), ==, tb_store_get_latest_version ());
}

static void
test_store_newer_refused (void)
{
  g_autofree char *path = tmp_path ("newer.db");
  g_autofree char *sql = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autoptr(TbStore) store = NULL;
  g_autoptr(GError) error = NULL;

  store = tb_store_open (path, &error);
  g_assert_no_error (error);
  g_clear_object (&store);

  /* A later Tongban moved the schema on, and left its database checkpointed. */
  sql = g_strdup_printf ("PRAGMA user_version = %d; PRAGMA journal_mode = DELETE;",
                         tb_store_get_latest_version () + 1);
  raw_exec (path, sql);
  before = file_checksum (path);

  store = tb_store_open (path, &error);
  g_assert_null (store);
  g_assert_error (error, TB_STORE_ERROR, TB_STORE_ERROR_NEWER_VERSION);
  g_assert_nonnull (strstr (error->message, "newer"));

  after = file_checksum (path);
  g_assert_cmpstr (before, ==, after);
  g_assert_cmpint (raw_pragma (path, "user_version"), ==, tb_store_get_latest_version () + 1);
}

static void
test_store_foreign_refused (void)
{
  g_autofree char *text_path = tmp_path ("notes.txt");
  g_autofree char *other_path = tmp_path ("other-app.db");
  g_autofree char *appid_path = tmp_path ("other-appid.db");
  const char *paths[3];

  g_assert_true (g_file_set_contents (text_path, "Dear diary, today I handled 12 cases.\n",
                                      -1, NULL));
  raw_exec (other_path, "PRAGMA journal_mode = DELETE; CREATE TABLE notes (body TEXT);"
                        "INSERT INTO notes VALUES ('mine');");
  raw_exec (appid_path, "PRAGMA journal_mode = DELETE; PRAGMA application_id = 1234;");

  paths[0] = text_path;
  paths[1] = other_path;
  paths[2] = appid_path;

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autofree char *before = file_checksum (paths[i]);
      g_autofree char *after = NULL;
      g_autoptr(TbStore) store = NULL;
      g_autoptr(GError) error = NULL;

      store = tb_store_open (paths[i], &error);
      g_assert_null (store);
      g_assert_error (error, TB_STORE_ERROR, TB_STORE_ERROR_FOREIGN);

      after = file_checksum (paths[i]);
      g_assert_cmpstr (before, ==, after);
    }
}

static void
test_store_corrupt_refused (void)
{
  g_autofree char *path = tmp_path ("corrupt.db");
  g_autofree char *contents = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autoptr(TbStore) store = NULL;
  g_autoptr(GError) error = NULL;
  gsize length;

  store = tb_store_open (path, &error);
  g_assert_no_error (error);
  g_clear_object (&store);
  raw_exec (path, "PRAGMA journal_mode = DELETE;");

  /* Keep the 100-byte header (so it still says it is ours) and scramble the schema page. */
  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  g_assert_cmpuint (length, >, 4096);
  for (gsize i = 100; i < 4096; i++)
    contents[i] = (char) (i * 7 + 13);
  g_assert_true (g_file_set_contents (path, contents, length, NULL));
  before = file_checksum (path);

  store = tb_store_open (path, &error);
  g_assert_null (store);
  g_assert_error (error, TB_STORE_ERROR, TB_STORE_ERROR_CORRUPT);

  after = file_checksum (path);
  g_assert_cmpstr (before, ==, after);
}

static void
test_store_build_path (void)
{
  g_autofree char *a = tb_store_build_path ("https://gov.example.cn/api", "wangfang");
  g_autofree char *b = tb_store_build_path ("https://gov.example.cn/api", "lina");
  g_autofree char *c = tb_store_build_path ("http://127.0.0.1:8470", "wangfang");
  g_autofree char *d = tb_store_build_path ("https://gov.example.cn/api", "wangfang");
  g_autofree char *e = tb_store_build_path ("https://gov.example.cn/api", "../../etc/passwd");
  g_autofree char *dir = g_build_filename (g_get_user_data_dir (), "tongban", "stores", NULL);
  g_autofree char *e_dir = g_path_get_dirname (e);

  g_assert_cmpstr (a, !=, b);
  g_assert_cmpstr (a, !=, c);
  g_assert_cmpstr (a, ==, d);
  g_assert_true (g_str_has_prefix (a, dir));
  g_assert_true (g_str_has_suffix (a, ".db"));
  g_assert_nonnull (strstr (a, "gov.example.cn"));
  g_assert_nonnull (strstr (a, "wangfang"));
  /* A hostile login stays a plain file name in the stores folder. */
  g_assert_cmpstr (e_dir, ==, dir);
}

static void
on_cases_changed (TbStore   *store,
                  GPtrArray *changes,
                  GPtrArray *log)
{
  g_ptr_array_add (log, changes != NULL ? g_ptr_array_ref (changes) : NULL);
}

static void
test_store_cases (void)
{
  g_autofree char *path = tmp_path ("cases.db");
  g_autoptr(TbStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(TbCase) c = NULL;
  g_autoptr(GPtrArray) log = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  TbCaseRecord records[2];

  store = tb_store_open (path, &error);
  g_assert_no_error (error);
  g_signal_connect (store, "cases-changed", G_CALLBACK (on_cases_changed), log);

  records[0] = make_record ("c-1", "TB-2026-000001", "王芳");
  records[1] = make_record ("c-2", "TB-2026-000002", "李娜");
  records[1].applicant_kind = "company";
  records[1].company_name = "杭州青禾科技有限公司";
  records[1].signed_parties_json = "[\"planning\",\"fire-safety\"]";
  records[1].practice = TRUE;
  g_assert_true (tb_store_put_cases (store, records, 2, &error));
  g_assert_no_error (error);
  g_assert_cmpint (tb_store_count_cases (store, NULL), ==, 2);

  /* One emission, after the commit, with both new cases. */
  g_assert_cmpuint (log->len, ==, 1);
  {
    GPtrArray *changes = g_ptr_array_index (log, 0);
    TbCaseChange *change;

    g_assert_nonnull (changes);
    g_assert_cmpuint (changes->len, ==, 2);
    change = g_ptr_array_index (changes, 0);
    g_assert_null (change->old_case);
    g_assert_cmpstr (tb_case_get_id (change->new_case), ==, "c-1");
  }

  c = tb_store_get_case (store, "c-2", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (tb_case_get_ref (c), ==, "TB-2026-000002");
  g_assert_cmpstr (tb_case_get_display_name (c), ==, "杭州青禾科技有限公司");
  g_assert_cmpstr (tb_case_get_applicant_name (c), ==, "李娜");
  g_assert_cmpuint (tb_case_get_deadline (c), ==, tb_day_from_iso ("2026-11-20"));
  g_assert_cmpuint (tb_case_get_paused_since (c), ==, TB_DAY_INVALID);
  g_assert_cmpint (tb_case_get_version (c), ==, 1);
  g_assert_cmpint (tb_case_get_rowid (c), >, 0);
  g_assert_true (tb_case_get_practice (c));
  {
    g_auto(GStrv) parties = tb_case_dup_signed_parties (c);
    g_assert_cmpuint (g_strv_length (parties), ==, 2);
    g_assert_cmpstr (parties[1], ==, "fire-safety");
  }
  {
    g_autoptr(JsonObject) form = tb_case_dup_form (c);
    g_assert_cmpstr (json_object_get_string_member (form, "purpose"), ==, "test");
  }
  g_clear_object (&c);

  c = tb_store_find_case_by_ref (store, "TB-2026-000001", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (tb_case_get_id (c), ==, "c-1");
  g_clear_object (&c);

  /* A newer version replaces; an older one never does. */
  records[0].state = "accepted";
  records[0].version = 3;
  g_assert_true (tb_store_put_cases (store, records, 1, &error));
  records[0].state = "received";
  records[0].version = 2;
  g_assert_true (tb_store_put_cases (store, records, 1, &error));
  c = tb_store_get_case (store, "c-1", &error);
  g_assert_cmpstr (tb_case_get_state (c), ==, "accepted");
  g_assert_cmpint (tb_case_get_version (c), ==, 3);
  g_clear_object (&c);

  /* The first update was reported with old and new; the ignored one not at all. */
  g_assert_cmpuint (log->len, ==, 2);
  {
    GPtrArray *changes = g_ptr_array_index (log, 1);
    TbCaseChange *change = g_ptr_array_index (changes, 0);

    g_assert_cmpuint (changes->len, ==, 1);
    g_assert_cmpstr (tb_case_get_state (change->old_case), ==, "received");
    g_assert_cmpstr (tb_case_get_state (change->new_case), ==, "accepted");
  }

  /* Unknown ids and references. */
  c = tb_store_get_case (store, "nope", &error);
  g_assert_null (c);
  g_assert_error (error, TB_STORE_ERROR, TB_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
}

static void
test_store_invalid_records (void)
{
  g_autofree char *path = tmp_path ("invalid.db");
  g_autoptr(TbStore) store = NULL;
  g_autoptr(GError) error = NULL;
  TbCaseRecord records[2];

  store = tb_store_open (path, &error);
  g_assert_no_error (error);

  /* A batch with one bad record saves nothing of the batch. */
  records[0] = make_record ("ok-1", "TB-OK-1", "张伟");
  records[1] = make_record ("bad-1", NULL, "张伟");
  g_assert_false (tb_store_put_cases (store, records, 2, &error));
  g_assert_error (error, TB_STORE_ERROR, TB_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_cmpint (tb_store_count_cases (store, NULL), ==, 0);

  records[1] = make_record ("bad-2", "TB-BAD-2", "张伟");
  records[1].applicant_kind = "robot";
  g_assert_false (tb_store_put_cases (store, records, 2, &error));
  g_assert_error (error, TB_STORE_ERROR, TB_STORE_ERROR_INVALID);
  g_clear_error (&error);

  records[1] = make_record ("bad-3", "TB-BAD-3", "张伟");
  records[1].form_json = "{not json";
  g_assert_false (tb_store_put_cases (store, records, 2, &error));
  g_assert_error (error, TB_STORE_ERROR, TB_STORE_ERROR_INVALID);
  g_clear_error (&error);

  /* Two cases with one reference. */
  records[1] = make_record ("bad-4", "TB-OK-1", "张伟");
  g_assert_false (tb_store_put_cases (store, records, 2, &error));
  g_assert_error (error, TB_STORE_ERROR, TB_STORE_ERROR_INVALID);
  g_clear_error (&error);

  g_assert_cmpint (tb_store_count_cases (store, NULL), ==, 0);
}

static void
test_store_transaction (void)
{
  g_autofree char *path = tmp_path ("transaction.db");
  g_autoptr(TbStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) log = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  TbCaseRecord r = make_record ("t-1", "TB-T-1", "赵敏");

  store = tb_store_open (path, &error);
  g_assert_no_error (error);
  g_signal_connect (store, "cases-changed", G_CALLBACK (on_cases_changed), log);

  g_assert_true (tb_store_begin (store, &error));
  g_assert_true (tb_store_put_cases (store, &r, 1, &error));
  g_assert_cmpuint (log->len, ==, 0);  /* nothing is announced before the commit */
  tb_store_rollback (store);
  g_assert_cmpuint (log->len, ==, 0);
  g_assert_cmpint (tb_store_count_cases (store, NULL), ==, 0);

  g_assert_true (tb_store_begin (store, &error));
  g_assert_true (tb_store_put_cases (store, &r, 1, &error));
  g_assert_true (tb_store_commit (store, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (log->len, ==, 1);
  g_assert_cmpint (tb_store_count_cases (store, NULL), ==, 1);
}

static void
test_store_bulk_change_signal (void)
{
  g_autofree char *path = tmp_path ("bulk.db");
  g_autoptr(TbStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) log = g_ptr_array_new ();
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) records = g_array_new (FALSE, TRUE, sizeof (TbCaseRecord));

  store = tb_store_open (path, &error);
  g_assert_no_error (error);
  g_signal_connect (store, "cases-changed", G_CALLBACK (on_cases_changed), log);

  for (guint i = 0; i < 1000; i++)
    {
      char *id = g_strdup_printf ("bulk-%u", i);
      char *ref = g_strdup_printf ("TB-B-%06u", i);
      TbCaseRecord r = make_record (id, ref, "周杰");
      g_ptr_array_add (names, id);
      g_ptr_array_add (names, ref);
      g_array_append_val (records, r);
    }

  g_assert_true (tb_store_put_cases (store, (TbCaseRecord *) records->data, records->len, &error));
  g_assert_no_error (error);
  /* Too many to list one by one: listeners are told to re-read. */
  g_assert_cmpuint (log->len, ==, 1);
  g_assert_null (g_ptr_array_index (log, 0));
  g_assert_cmpint (tb_store_count_cases (store, NULL), ==, 1000);
}

/* Bulk loads (tb-store.c): a large batch into an empty table defers the indexes and the full-text
 * index to the end of the transaction. */

/* The schema of the cases table: its indexes and triggers, as SQL. */
static char *
cases_schema (TbStore *store)
{
  g_autoptr(GString) out = g_string_new (NULL);
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (_tb_store_get_db (store),
                                       "SELECT type, name, ifnull (sql, '') FROM sqlite_schema "
                                       "WHERE tbl_name = 'cases' ORDER BY type, name",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_string_append_printf (out, "%s %s %s\n", sqlite3_column_text (stmt, 0),
                            sqlite3_column_text (stmt, 1), sqlite3_column_text (stmt, 2));
  sqlite3_finalize (stmt);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* The schema of the cases table is @schema, as cases_schema() read it before. */
static void
assert_cases_schema (TbStore    *store,
                     const char *schema)
{
  g_autofree char *now = cases_schema (store);

  g_assert_cmpstr (now, ==, schema);
}

/* @n records from @first, named @name, their strings kept in @strings. */
static GArray *
make_records (guint       first,
              guint       n,
              const char *name,
              GPtrArray  *strings)
{
  GArray *records = g_array_new (FALSE, TRUE, sizeof (TbCaseRecord));

  for (guint i = first; i < first + n; i++)
    {
      char *id = g_strdup_printf ("bulk-%u", i);
      char *ref = g_strdup_printf ("TB-BULK-%06u", i);
      char *form = g_strdup_printf ("{\"purpose\":\"批量%u\",\"attachments\":[{\"name\":\"a.pdf\","
                                    "\"size\":%u}]}", i, i);
      TbCaseRecord r = make_record (id, ref, name);

      r.form_json = form;
      r.assignee_id = i % 2 == 0 ? "u1" : "u2";
      g_ptr_array_add (strings, id);
      g_ptr_array_add (strings, ref);
      g_ptr_array_add (strings, form);
      g_array_append_val (records, r);
    }
  return records;
}

static guint
count_matches (TbStore    *store,
               const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) ids = tb_store_search_case_ids (store, text, 100000, &error);

  g_assert_no_error (error);
  return ids->len;
}

static void
assert_fts_sound (TbStore *store)
{
  g_assert_cmpint (sqlite3_exec (_tb_store_get_db (store),
                                 "INSERT INTO cases_fts (cases_fts) VALUES ('integrity-check')",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
}

static void
test_store_bulk_load (void)
{
  g_autofree char *path = tmp_path ("bulk-load.db");
  g_autoptr(TbStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) strings = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) first = NULL;
  g_autoptr(GArray) second = NULL;
  g_autofree char *schema = NULL;

  store = tb_store_open (path, &error);
  g_assert_no_error (error);
  schema = cases_schema (store);

  /* Two batches in one transaction; the second updates a case of the first. */
  first = make_records (0, 1500, "张三", strings);
  second = make_records (1499, 1200, "李四", strings);
  g_array_index (second, TbCaseRecord, 0).version = 2;
  g_assert_true (tb_store_begin (store, &error));
  g_assert_true (tb_store_put_cases (store, (TbCaseRecord *) first->data, first->len, &error));
  /* (White box: the load is a bulk load, without the plain indexes until it ends.) */
  g_assert_cmpint (tb_test_store_int (store, "SELECT count (*) FROM sqlite_schema "
                                             "WHERE name = 'cases_by_assignee'"), ==, 0);
  g_assert_true (tb_store_put_cases (store, (TbCaseRecord *) second->data, second->len, &error));
  g_assert_true (tb_store_commit (store, &error));
  g_assert_no_error (error);

  /* The same indexes and triggers as before, and every row searchable, as it is now. */
  assert_cases_schema (store, schema);
  g_assert_cmpint (tb_store_count_cases (store, NULL), ==, 2699);
  g_assert_cmpuint (count_matches (store, "张三"), ==, 1499);
  g_assert_cmpuint (count_matches (store, "李四"), ==, 1200);
  g_assert_cmpuint (count_matches (store, "批量1499"), ==, 1);
  g_assert_cmpuint (count_matches (store, "TB-BULK-002698"), ==, 1);
  g_assert_cmpint (tb_test_store_int (store, "SELECT count (*) FROM cases"
                                             " INDEXED BY cases_by_assignee"
                                             " WHERE assignee_id = 'u2'"), ==, 1349);
  assert_fts_sound (store);

  /* After the load, changes are kept in the index one by one again. */
  {
    TbCaseRecord r = g_array_index (first, TbCaseRecord, 7);

    r.applicant_name = "王五";
    r.version = 2;
    g_assert_true (tb_store_put_cases (store, &r, 1, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (count_matches (store, "王五"), ==, 1);
    g_assert_cmpuint (count_matches (store, "张三"), ==, 1498);
    assert_fts_sound (store);
  }
}

static void
test_store_bulk_load_rollback (void)
{
  g_autofree char *path = tmp_path ("bulk-rollback.db");
  g_autoptr(TbStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) strings = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) records = NULL;
  g_autofree char *schema = NULL;
  TbCaseRecord one = make_record ("after-1", "TB-AFTER-1", "赵六");

  store = tb_store_open (path, &error);
  g_assert_no_error (error);
  schema = cases_schema (store);

  records = make_records (0, 1000, "张三", strings);
  g_assert_true (tb_store_begin (store, &error));
  g_assert_true (tb_store_put_cases (store, (TbCaseRecord *) records->data, records->len, &error));
  tb_store_rollback (store);

  assert_cases_schema (store, schema);
  g_assert_cmpint (tb_store_count_cases (store, NULL), ==, 0);

  g_assert_true (tb_store_put_cases (store, &one, 1, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count_matches (store, "赵六"), ==, 1);
  g_assert_cmpuint (count_matches (store, "张三"), ==, 0);
  assert_fts_sound (store);
}

/* A search inside the load's transaction ends the load early; later writes are kept as usual. */
static void
test_store_bulk_load_search_inside (void)
{
  g_autofree char *path = tmp_path ("bulk-search.db");
  g_autoptr(TbStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) strings = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) records = NULL;
  g_autofree char *schema = NULL;
  TbCaseRecord one = make_record ("after-1", "TB-AFTER-1", "赵六");

  store = tb_store_open (path, &error);
  g_assert_no_error (error);
  schema = cases_schema (store);

  records = make_records (0, 1000, "张三", strings);
  g_assert_true (tb_store_begin (store, &error));
  g_assert_true (tb_store_put_cases (store, (TbCaseRecord *) records->data, records->len, &error));
  g_assert_cmpuint (count_matches (store, "张三"), ==, 1000);
  assert_cases_schema (store, schema);
  g_assert_true (tb_store_put_cases (store, &one, 1, &error));
  g_assert_cmpuint (count_matches (store, "赵六"), ==, 1);
  g_assert_true (tb_store_commit (store, &error));
  g_assert_no_error (error);

  g_assert_cmpint (tb_store_count_cases (store, NULL), ==, 1001);
  g_assert_cmpuint (count_matches (store, "张三"), ==, 1000);
  assert_fts_sound (store);
}

/* What a child of run_killed_child() does with 3000 records before it is killed. */
typedef void (*KilledWork) (TbStore *store,
                            GArray  *records);

/*
 * Runs the test again in a child process, which does @work on a new empty store (@name) and
 * is killed. The store's path is returned, for the parent to see what the kill left; the
 * schema of its cases table, before, in @schema.
 */
static char *
run_killed_child (const char  *name,
                  KilledWork   work,
                  char       **schema)
{
  g_autoptr(TbStore) store = NULL;
  g_autoptr(GError) error = NULL;
  char *path;

  if (g_test_subprocess ())
    {
      g_autoptr(GPtrArray) strings = g_ptr_array_new_with_free_func (g_free);
      g_autoptr(GArray) records = make_records (0, 3000, "张三", strings);

      store = tb_store_open (g_getenv ("TB_TEST_KILLED_STORE"), &error);
      g_assert_no_error (error);
      work (store, records);
      raise (SIGKILL);
      g_assert_not_reached ();
    }

  path = tmp_path (name);
  store = tb_store_open (path, &error);
  g_assert_no_error (error);
  *schema = cases_schema (store);
  g_clear_object (&store);

  g_setenv ("TB_TEST_KILLED_STORE", path, TRUE);
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  return path;
}

static void
bulk_load_work (TbStore *store,
                GArray  *records)
{
  g_autoptr(GError) error = NULL;

  /* A small page cache, so that the load spills into the WAL before it ends. */
  g_assert_cmpint (sqlite3_exec (_tb_store_get_db (store), "PRAGMA cache_size = 16",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_true (tb_store_begin (store, &error));
  g_assert_true (tb_store_put_cases (store, (TbCaseRecord *) records->data, 2000, &error));
  g_assert_true (tb_store_put_cases (store, (TbCaseRecord *) records->data + 2000, 1000,
                                     &error));
}

/* A process killed in the middle of a bulk load leaves the store as it was. */
static void
test_store_bulk_load_killed (void)
{
  g_autoptr(TbStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *own_path = NULL;
  g_autofree char *schema = NULL;

  own_path = run_killed_child ("bulk-killed.db", bulk_load_work, &schema);
  {
    g_autofree char *wal = g_strconcat (own_path, "-wal", NULL);
    GStatBuf st;

    /* The killed load had written into the WAL, uncommitted. */
    g_assert_cmpint (g_stat (wal, &st), ==, 0);
    g_assert_cmpint (st.st_size, >, 100 * 4096);
  }

  store = tb_store_open (own_path, &error);
  g_assert_no_error (error);
  assert_cases_schema (store, schema);
  g_assert_cmpint (tb_store_count_cases (store, NULL), ==, 0);
  assert_fts_sound (store);
}

/* ---- Initial loads: a bulk load over several transactions (tb-store.c) ---------------- */

/* A setting of the full-text index, as kept in the store (@fallback, FTS5's default, if none
 * is). */
static gint64
fts_setting (TbStore    *store,
             const char *key,
             gint64      fallback)
{
  sqlite3_stmt *stmt = NULL;
  gint64 value = fallback;

  g_assert_cmpint (sqlite3_prepare_v2 (_tb_store_get_db (store),
                                       "SELECT v FROM cases_fts_config WHERE k = ?", -1, &stmt,
                                       NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return value;
}

/* The full-text index works as usual (FTS5's defaults), not as in a bulk load. */
static void
assert_fts_settings_default (TbStore *store)
{
  g_assert_cmpint (fts_setting (store, "hashsize", 1048576), ==, 1048576);
  g_assert_cmpint (fts_setting (store, "automerge", 4), ==, 4);
}

/* @n cases from @first in one transaction, as one pull page: the first of them starts an
 * initial load if the store is empty, and @last ends it. */
static void
put_page (TbStore   *store,
          GArray    *records,
          guint      first,
          guint      n,
          gboolean   last)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (tb_store_begin (store, &error));
  g_assert_true (_tb_store_start_initial_load (store, &error));
  g_assert_true (tb_store_put_cases (store, (TbCaseRecord *) records->data + first, n, &error));
  if (last)
    g_assert_true (_tb_store_finish_initial_load (store, &error));
  g_assert_true (tb_store_commit (store, &error));
  g_assert_no_error (error);
}

/* Cases that differ in everything the lists filter and sort by. */
static GArray *
make_varied_records (guint      n,
                     GPtrArray *strings)
{
  static const char * const states[] = { "received", "in_review", "approved", "returned" };
  GArray *records = make_records (0, n, "张三", strings);

  for (guint i = 0; i < n; i++)
    {
      TbCaseRecord *r = &g_array_index (records, TbCaseRecord, i);

      r->state = states[(i * 7) % G_N_ELEMENTS (states)];
      r->received_on = tb_day_from_iso ("2026-09-01") + (i * 13) % 60;
      r->deadline = r->received_on + 20 + (i * 5) % 17;
      r->paused_since = i % 11 == 0 ? r->received_on + 3 : TB_DAY_INVALID;
      r->closed = g_str_equal (r->state, "approved");
      r->applicant_name = i % 3 == 0 ? "李四" : "张三";
    }
  return records;
}

/* What lists of every kind show of @store: each one's ids in order. */
static char *
read_lists (TbStore *store)
{
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint kind = 0; kind < 7; kind++)
    for (TbCaseSort sort = TB_CASE_SORT_DEADLINE; sort <= TB_CASE_SORT_REFERENCE; sort++)
      for (guint descending = 0; descending < 2; descending++)
        {
          g_autoptr(TbCaseList) list = tb_case_list_new (store);
          guint n;

          tb_case_list_begin_update (list);
          tb_case_list_set_today (list, tb_day_from_iso ("2026-10-15"));
          tb_case_list_set_sort (list, sort, descending);
          if (kind == 1)
            tb_case_list_set_state (list, "in_review");
          else if (kind == 2)
            tb_case_list_set_assignee (list, "u2");
          else if (kind == 3)
            tb_case_list_set_open_only (list, TRUE);
          else if (kind == 4)
            tb_case_list_set_overdue (list, TRUE);
          else if (kind == 5)
            tb_case_list_set_search_text (list, "李四");
          else if (kind == 6)
            tb_case_list_set_due_within (list, 5);
          tb_case_list_end_update (list);

          n = g_list_model_get_n_items (G_LIST_MODEL (list));
          g_string_append_printf (out, "%u %u %u: %u:", kind, sort, descending, n);
          for (guint i = 0; i < n; i++)
            {
              g_autoptr(TbCase) c = g_list_model_get_item (G_LIST_MODEL (list), i);
              g_string_append_printf (out, " %s", tb_case_get_id (c));
            }
          g_string_append_c (out, '\n');
          g_assert_null (tb_case_list_get_error (list));
        }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static void
test_store_initial_load (void)
{
  g_autofree char *path = tmp_path ("initial-load.db");
  g_autoptr(TbStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) strings = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) records = NULL;
  g_autofree char *schema = NULL;
  g_autofree char *lists_during = NULL;
  g_autofree char *lists_after = NULL;
  g_autofree char *key = NULL;

  store = tb_store_open (path, &error);
  g_assert_no_error (error);
  schema = cases_schema (store);
  records = make_varied_records (1800, strings);

  /* The first page into the empty store starts the load: without the plain indexes, and the
   * store says so; the full-text index is kept as usual, with a bulk load's settings. */
  put_page (store, records, 0, 700, FALSE);
  g_assert_cmpint (tb_test_store_int (store, "SELECT count (*) FROM sqlite_schema "
                                              "WHERE name = 'cases_by_assignee'"), ==, 0);
  g_assert_cmpint (tb_test_store_int (store, "SELECT count (*) FROM sqlite_schema "
                                              "WHERE type = 'index' AND name = 'cases_unsynced'"),
                   ==, 1);
  g_assert_cmpint (tb_test_store_int (store, "SELECT count (*) FROM sqlite_schema "
                                              "WHERE type = 'trigger' AND tbl_name = 'cases'"),
                   ==, 2);
  key = tb_store_dup_meta (store, "initial-load");
  g_assert_nonnull (key);
  g_assert_nonnull (strstr (key, "cases_by_assignee"));
  g_assert_cmpint (fts_setting (store, "hashsize", 0), ==, 8388608);
  g_assert_cmpint (fts_setting (store, "automerge", 0), ==, 16);
  g_assert_cmpuint (count_matches (store, "李四"), ==, 234);

  /* Pages after it go on with the load; a case changed meanwhile is searchable as it is. */
  put_page (store, records, 700, 700, FALSE);
  {
    TbCaseRecord r = g_array_index (records, TbCaseRecord, 1);

    r.applicant_name = "王五";
    r.version = 2;
    g_assert_true (tb_store_put_cases (store, &r, 1, &error));
    g_assert_no_error (error);
  }
  put_page (store, records, 1400, 400, FALSE);
  g_assert_cmpint (tb_test_store_int (store, "SELECT count (*) FROM sqlite_schema "
                                              "WHERE name = 'cases_by_assignee'"), ==, 0);
  g_assert_cmpuint (count_matches (store, "王五"), ==, 1);
  g_assert_cmpuint (count_matches (store, "张三"), ==, 1199);
  g_assert_cmpuint (count_matches (store, "TB-BULK-001799"), ==, 1);
  assert_fts_sound (store);

  /* Lists read the store the same with and without the indexes. */
  lists_during = read_lists (store);
  g_assert_true (_tb_store_finish_initial_load (store, &error));
  g_assert_no_error (error);
  lists_after = read_lists (store);
  g_assert_cmpstr (lists_during, ==, lists_after);
  g_assert_nonnull (strstr (lists_after, "5 0 0: 600:"));

  /* The end: the same indexes, triggers and settings as before. */
  assert_cases_schema (store, schema);
  assert_fts_settings_default (store);
  g_assert_null (tb_store_dup_meta (store, "initial-load"));
  g_assert_cmpint (tb_test_store_int (store, "SELECT count (*) FROM cases "
                                              "INDEXED BY cases_by_assignee "
                                              "WHERE assignee_id = 'u2'"), ==, 900);
  g_assert_cmpuint (count_matches (store, "李四"), ==, 600);
  assert_fts_sound (store);

  /* The store is no longer empty: a page starts nothing. */
  {
    g_autoptr(GArray) more = make_records (5000, 10, "赵六", strings);

    put_page (store, more, 0, 10, FALSE);
    g_assert_null (tb_store_dup_meta (store, "initial-load"));
    assert_cases_schema (store, schema);
  }
}

/* An initial load is ended by the last page, in its transaction. */
static void
test_store_initial_load_last_page (void)
{
  g_autofree char *path = tmp_path ("initial-load-last.db");
  g_autoptr(TbStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) strings = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) records = make_records (0, 300, "张三", strings);
  g_autofree char *schema = NULL;

  store = tb_store_open (path, &error);
  g_assert_no_error (error);
  schema = cases_schema (store);

  put_page (store, records, 0, 100, FALSE);
  put_page (store, records, 100, 100, FALSE);
  g_assert_nonnull (tb_store_dup_meta (store, "initial-load"));
  put_page (store, records, 200, 100, TRUE);

  assert_cases_schema (store, schema);
  g_assert_null (tb_store_dup_meta (store, "initial-load"));
  g_assert_cmpuint (count_matches (store, "张三"), ==, 300);
  /* Nothing left to end. */
  g_assert_true (_tb_store_finish_initial_load (store, &error));
  g_assert_no_error (error);
}

/* The transaction that would start a load is rolled back: nothing of it stays. */
static void
test_store_initial_load_rollback (void)
{
  g_autofree char *path = tmp_path ("initial-load-rollback.db");
  g_autoptr(TbStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) strings = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) records = make_records (0, 200, "张三", strings);
  g_autofree char *schema = NULL;

  store = tb_store_open (path, &error);
  g_assert_no_error (error);
  schema = cases_schema (store);

  g_assert_true (tb_store_begin (store, &error));
  g_assert_true (_tb_store_start_initial_load (store, &error));
  g_assert_true (tb_store_put_cases (store, (TbCaseRecord *) records->data, 100, &error));
  tb_store_rollback (store);

  assert_cases_schema (store, schema);
  assert_fts_settings_default (store);
  g_assert_null (tb_store_dup_meta (store, "initial-load"));
  g_assert_cmpint (tb_store_count_cases (store, NULL), ==, 0);

  /* And a load can start again. */
  put_page (store, records, 0, 100, FALSE);
  g_assert_nonnull (tb_store_dup_meta (store, "initial-load"));
  put_page (store, records, 100, 100, TRUE);
  assert_cases_schema (store, schema);
  g_assert_cmpuint (count_matches (store, "张三"), ==, 200);
}

static void
initial_load_work (TbStore *store,
                   GArray  *records)
{
  g_autoptr(GError) error = NULL;

  put_page (store, records, 0, 1000, FALSE);
  put_page (store, records, 1000, 1000, FALSE);
  /* The third page is under way. */
  g_assert_true (tb_store_begin (store, &error));
  g_assert_true (tb_store_put_cases (store, (TbCaseRecord *) records->data + 2000, 1000,
                                     &error));
}

/* A process killed in the middle of an initial load: the store says so, and opening it ends the
 * load before anything reads it. */
static void
test_store_initial_load_killed (void)
{
  g_autoptr(TbStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *own_path = NULL;
  g_autofree char *schema = NULL;

  own_path = run_killed_child ("initial-load-killed.db", initial_load_work, &schema);

  /* As the kill left it: two pages, under way. */
  raw_exec (own_path, "CREATE TABLE probe AS SELECT"
                      " (SELECT count (*) FROM cases) AS cases,"
                      " (SELECT count (*) FROM meta WHERE key = 'initial-load') AS pending,"
                      " (SELECT count (*) FROM sqlite_schema WHERE type = 'index'"
                      "  AND name LIKE 'cases_by_%') AS indexes");
  store = tb_store_open (own_path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (tb_test_store_int (store, "SELECT cases FROM probe"), ==, 2000);
  g_assert_cmpint (tb_test_store_int (store, "SELECT pending FROM probe"), ==, 1);
  g_assert_cmpint (tb_test_store_int (store, "SELECT indexes FROM probe"), ==, 0);

  /* Opened, it is whole. */
  assert_cases_schema (store, schema);
  assert_fts_settings_default (store);
  g_assert_null (tb_store_dup_meta (store, "initial-load"));
  g_assert_cmpint (tb_store_count_cases (store, NULL), ==, 2000);
  g_assert_cmpuint (count_matches (store, "张三"), ==, 2000);
  g_assert_cmpint (tb_test_store_int (store, "SELECT count (*) FROM cases"
                                              " INDEXED BY cases_by_assignee"
                                              " WHERE assignee_id = 'u2'"), ==, 1000);
  assert_fts_sound (store);
}

static void
test_store_disk_full (void)
{
  g_autofree char *path = tmp_path ("full.db");
  g_autoptr(TbStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) strings = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) records = g_array_new (FALSE, TRUE, sizeof (TbCaseRecord));
  g_autofree char *big = NULL;
  TbCaseRecord first = make_record ("keep-1", "TB-KEEP-1", "孙丽");
  sqlite3 *db;
  g_autofree char *sql = NULL;

  store = tb_store_open (path, &error);
  g_assert_no_error (error);
  g_assert_true (tb_store_put_cases (store, &first, 1, &error));

  /* A database that may not grow behaves as a full disk does. */
  {
    sqlite3_stmt *stmt = NULL;
    g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA page_count", -1, &stmt, NULL), ==,
                     SQLITE_OK);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    sql = g_strdup_printf ("PRAGMA max_page_count = %d", sqlite3_column_int (stmt, 0) + 2);
    sqlite3_finalize (stmt);
    sqlite3_close (db);
  }
  g_clear_object (&store);
  store = tb_store_open (path, &error);
  g_assert_no_error (error);
  /* max_page_count is per connection: set it on the store's own. */
  g_assert_cmpint (sqlite3_exec (_tb_store_get_db (store), sql, NULL, NULL, NULL), ==,
                   SQLITE_OK);

  big = g_strnfill (2000, 'x');
  for (guint i = 0; i < 200; i++)
    {
      char *id = g_strdup_printf ("full-%u", i);
      char *ref = g_strdup_printf ("TB-FULL-%u", i);
      char *form = g_strdup_printf ("{\"notes\":\"%s\"}", big);
      TbCaseRecord r = make_record (id, ref, "孙丽");
      r.form_json = form;
      g_ptr_array_add (strings, id);
      g_ptr_array_add (strings, ref);
      g_ptr_array_add (strings, form);
      g_array_append_val (records, r);
    }

  g_assert_false (tb_store_put_cases (store, (TbCaseRecord *) records->data, records->len,
                                      &error));
  g_assert_error (error, TB_STORE_ERROR, TB_STORE_ERROR_FULL);
  g_clear_error (&error);

  /* Nothing of the failed batch, everything from before. */
  g_assert_cmpint (tb_store_count_cases (store, NULL), ==, 1);
  {
    g_autoptr(TbCase) kept = tb_store_get_case (store, "keep-1", &error);
    g_assert_no_error (error);
    g_assert_cmpstr (tb_case_get_applicant_name (kept), ==, "孙丽");
  }
}

/* The store writes days as GDate names them, from year 1 to 9999. */
static void
test_store_format_day (void)
{
  GDate date;

  g_date_clear (&date, 1);
  for (TbDay day = 1; day < 3652060; day += (day > 730000 && day < 750000) ? 1 : 97)
    {
      char buf[11];
      char expected[11];

      g_date_set_julian (&date, day);
      g_snprintf (expected, sizeof expected, "%04u-%02u-%02u", g_date_get_year (&date),
                  g_date_get_month (&date), g_date_get_day (&date));
      _tb_store_format_day (day, buf);
      if (strcmp (buf, expected) != 0)
        g_error ("day %u: %s, expected %s", day, buf, expected);
    }
}

static void
test_store_calendar (void)
{
  g_autofree char *path = tmp_path ("calendar.db");
  g_autoptr(TbStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(TbCalendar) official = tb_calendar_new ();
  g_autoptr(TbCalendar) loaded = NULL;
  g_autoptr(TbCalendar) empty = NULL;

  store = tb_store_open (path, &error);
  g_assert_no_error (error);

  /* A store that was never sent a calendar knows weekends only. */
  empty = tb_store_load_calendar (store, &error);
  g_assert_no_error (error);
  g_assert_false (tb_calendar_has_year (empty, 2026));
  g_assert_true (tb_calendar_is_working_day (empty, tb_day_from_iso ("2026-10-01")));

  g_assert_true (tb_calendar_load_bundled (official, &error));
  g_assert_no_error (error);
  g_assert_true (tb_store_put_calendar (store, official, &error));
  g_assert_no_error (error);

  loaded = tb_store_load_calendar (store, &error);
  g_assert_no_error (error);
  g_assert_true (tb_calendar_has_year (loaded, 2026));
  g_assert_false (tb_calendar_is_working_day (loaded, tb_day_from_iso ("2026-10-01")));
  g_assert_true (tb_calendar_is_working_day (loaded, tb_day_from_iso ("2026-10-10")));
  g_assert_true (tb_calendar_is_working_day (loaded, tb_day_from_iso ("2026-02-14")));
  /* Received on 2026-09-18, twenty working days: the same answer from the stored copy. */
  g_assert_cmpuint (tb_calendar_add_working_days (loaded, tb_day_from_iso ("2026-09-18"), 20), ==,
                    tb_day_from_iso ("2026-10-22"));
}

static void
test_store_users_teams (void)
{
  g_autofree char *path = tmp_path ("users.db");
  g_autoptr(TbStore) store = NULL;
  g_autoptr(GError) error = NULL;
  const char *teams[] = { "team-a", NULL };
  g_autofree char *user = NULL;
  g_autofree char *team = NULL;
  g_autofree char *missing = NULL;

  store = tb_store_open (path, &error);
  g_assert_no_error (error);
  g_assert_true (tb_store_put_team (store, "team-a", "综合受理一组", &error));
  g_assert_true (tb_store_put_user (store, "u-1", "wangfang", "王芳",
                                    TB_ROLE_CASEWORKER | TB_ROLE_TRAINER, teams, &error));
  g_assert_no_error (error);

  user = tb_store_dup_user_name (store, "u-1");
  team = tb_store_dup_team_name (store, "team-a");
  missing = tb_store_dup_user_name (store, "u-404");
  g_assert_cmpstr (user, ==, "王芳");
  g_assert_cmpstr (team, ==, "综合受理一组");
  g_assert_null (missing);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *data_home = NULL;
  int ret;

  tmpdir = g_dir_make_tmp ("tongban-test-store-XXXXXX", &error);
  g_assert_no_error (error);
  data_home = g_build_filename (tmpdir, "xdg-data", NULL);
  g_setenv ("XDG_DATA_HOME", data_home, TRUE);

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/store/create", test_store_create);
  g_test_add_func ("/store/upgrade", test_store_upgrade);
  g_test_add_func ("/store/upgrade-search-text", test_store_upgrade_search_text);
  g_test_add_func ("/store/permissions-tightened", test_store_permissions_tightened);
  g_test_add_func ("/store/empty-file", test_store_empty_file);
  g_test_add_func ("/store/newer-refused", test_store_newer_refused);
  g_test_add_func ("/store/foreign-refused", test_store_foreign_refused);
  g_test_add_func ("/store/corrupt-refused", test_store_corrupt_refused);
  g_test_add_func ("/store/build-path", test_store_build_path);
  g_test_add_func ("/store/cases", test_store_cases);
  g_test_add_func ("/store/invalid-records", test_store_invalid_records);
  g_test_add_func ("/store/transaction", test_store_transaction);
  g_test_add_func ("/store/bulk-change-signal", test_store_bulk_change_signal);
  g_test_add_func ("/store/bulk-load", test_store_bulk_load);
  g_test_add_func ("/store/bulk-load-rollback", test_store_bulk_load_rollback);
  g_test_add_func ("/store/bulk-load-search-inside", test_store_bulk_load_search_inside);
  g_test_add_func ("/store/bulk-load-killed", test_store_bulk_load_killed);
  g_test_add_func ("/store/initial-load", test_store_initial_load);
  g_test_add_func ("/store/initial-load-last-page", test_store_initial_load_last_page);
  g_test_add_func ("/store/initial-load-rollback", test_store_initial_load_rollback);
  g_test_add_func ("/store/initial-load-killed", test_store_initial_load_killed);
  g_test_add_func ("/store/disk-full", test_store_disk_full);
  g_test_add_func ("/store/format-day", test_store_format_day);
  g_test_add_func ("/store/calendar", test_store_calendar);
  g_test_add_func ("/store/users-teams", test_store_users_teams);

  ret = g_test_run ();

  if (ret == 0)
    {
      const char *rm[] = { "rm", "-rf", tmpdir, NULL };
      g_spawn_sync (NULL, (char **) rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL,
                    NULL);
    }

  return ret;
}
