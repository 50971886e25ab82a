/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-bench-sync.c: the desk's initial sync and push against the reference server, and the floor */

/*
 * The server runs as the real tongban-server executable, in a child process (see
 * tb-bench-common.c); the client — a TbStore and a TbSyncEngine, as the desk has them — runs in
 * this process, so this process's peak memory during the sync is the client's.
 *
 * One demo supervisor is made the supervisor of every demo team beforehand, so that they see
 * all --cases cases. In the same run:
 *
 *  1. the pull pages of that user's initial sync, as large as the engine asks for them, are
 *     fetched raw and written to files;
 *  2. one `sqlite3` shell process imports those pages into a fresh database with json_each(),
 *     a transaction per page as the client commits them, with the store's journal_mode and
 *     synchronous: no client can store the data faster than SQLite parses it, the floor the
 *     sync is measured against;
 *  3. the client signs in and syncs from scratch, timed;
 *  4. --mutations comments are queued in the client's store, then one sync pushes them (and
 *     pulls what they changed), timed.
 *
 * Progress goes to stderr; the last line on stdout is one JSON object with the figures.
 */

#include "config.h"

#include <malloc.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tb-bench-common.h"
#include "tb-case-service.h"
#include "tb-store.h"
#include "tb-store-sync.h"
#include "tb-sync-engine.h"
#include "tb-wire.h"

#define SUPERVISOR     "chenjing"
#define MAX_CASES      5000000
#define MAX_MUTATIONS  1000000

/* Every demo team is SUPERVISOR's, so that they see every demo case. */
#define ALL_TEAMS_SQL \
  "UPDATE users SET teams = (SELECT json_group_array (id) FROM teams)" \
  " WHERE login = '" SUPERVISOR "'"

typedef struct
{
  guint  pages;
  guint  changes;
  guint  cases;
  gsize  bytes;
  double wait_s;
  double fetch_s;
} Pages;

/* ---- 1. The raw pull pages ------------------------------------------------------------- */

static char *
page_name (guint index)
{
  return g_strdup_printf ("page-%06u.json", index);
}

/* The user's initial sync as the server sends it, page by page into files of the bench's
 * folder; the same requests the engine makes (a pull from no cursor, then each page's). */
static void
fetch_pages (guint  max_pages,
             Pages *pages)
{
  g_autoptr(SoupSession) session = tb_bench_new_session ();
  g_autoptr(JsonObject) signed_in = tb_bench_sign_in (session, SUPERVISOR);
  const char *token = json_object_get_string_member (signed_in, "access_token");
  g_autofree char *client_id = g_uuid_string_random ();
  g_autofree char *cursor = NULL;
  double start = tb_bench_now ();

  for (guint page = 0; page < max_pages; page++)
    {
      g_autoptr(JsonNode) body = tb_bench_pull_body (client_id, cursor);
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(TbWirePage) answer = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *name = page_name (page + 1);
      g_autofree char *path = g_build_filename (tb_bench_get_dir (), name, NULL);
      gsize length = 0;
      const char *data;

      /* The pages the engine asks for, so that the floor commits as often as the client. */
      json_object_set_int_member (json_node_get_object (body), "limit", TB_SYNC_PULL_LIMIT);
      json_object_set_int_member (json_node_get_object (body), "max_bytes",
                                  TB_SYNC_PULL_MAX_BYTES);
      bytes = tb_bench_post_bytes (session, "/api/v1/sync/pull", token, body, &pages->wait_s);
      data = g_bytes_get_data (bytes, &length);
      if (!g_file_set_contents (path, data, length, &error))
        tb_bench_fail ("cannot write %s: %s", path, error->message);

      /* Read with the client's own reader, which leaves less behind in this process than a
       * tree of a 16 MB page would (the client's peak memory is measured from here on). */
      answer = tb_wire_page_parse (g_steal_pointer (&bytes), &error);
      if (answer == NULL)
        tb_bench_fail ("a pull answer the client cannot read: %s", error->message);

      pages->pages++;
      pages->bytes += length;
      pages->changes += answer->changes->len;
      for (guint i = 0; i < answer->changes->len; i++)
        if (g_array_index (answer->changes, TbWirePageChange, i).is_case_put)
          pages->cases++;

      g_free (cursor);
      cursor = g_strdup (answer->cursor);
      if (!answer->has_more)
        {
          pages->fetch_s = tb_bench_now () - start;
          return;
        }
    }

  tb_bench_fail ("the pull did not end within %u pages", max_pages);
}

/* ---- 2. The floor: the sqlite3 shell imports the pages --------------------------------- */

typedef struct
{
  gboolean  done;
  GError   *error;
} Waited;

static void
on_waited (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Waited *waited = user_data;

  g_subprocess_wait_check_finish (G_SUBPROCESS (source), result, &waited->error);
  waited->done = TRUE;
}

/* Runs @argv in the bench's folder, @stdin_path its input; returns its wall time, and its
 * output in @out if not NULL. */
static double
run_tool (const char * const  *argv,
          const char          *stdin_path,
          char               **out)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) stdout_bytes = NULL;
  Waited waited = { 0 };
  double start;

  /* Our stdout is the report's: the shell's ("wal") goes elsewhere. */
  launcher = g_subprocess_launcher_new (out != NULL ? G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                                    : G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_subprocess_launcher_set_cwd (launcher, tb_bench_get_dir ());
  if (stdin_path != NULL)
    g_subprocess_launcher_set_stdin_file_path (launcher, stdin_path);

  start = tb_bench_now ();
  process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  if (process == NULL)
    tb_bench_fail ("cannot start %s: %s", argv[0], error->message);
  if (out != NULL)
    {
      if (!g_subprocess_communicate (process, NULL, NULL, &stdout_bytes, NULL, &error))
        tb_bench_fail ("%s: %s", argv[0], error->message);
      *out = g_strndup (g_bytes_get_data (stdout_bytes, NULL), g_bytes_get_size (stdout_bytes));
    }
  g_subprocess_wait_check_async (process, NULL, on_waited, &waited);
  while (!waited.done)
    g_main_context_iteration (NULL, TRUE);
  if (waited.error != NULL)
    tb_bench_fail ("%s: %s", argv[0], waited.error->message);
  return tb_bench_now () - start;
}

/* One sqlite3 process imports every page, one transaction each as the client commits them,
 * with the client store's durability (tb-sqlite.c); returns its wall time. */
static double
import_pages (const char  *sqlite3_path,
              const Pages *pages)
{
  g_autoptr(GString) script = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *script_path = g_build_filename (tb_bench_get_dir (), "import.sql", NULL);
  g_autofree char *count = NULL;
  const char * const import_argv[] = { sqlite3_path, "-bail", "floor.db", NULL };
  const char * const count_argv[] = {
    sqlite3_path, "-bail", "floor.db", "SELECT count (*) FROM c WHERE type = 'case'", NULL
  };
  double import_s;

  g_string_append (script,
                   "PRAGMA journal_mode = WAL;\n"
                   "PRAGMA synchronous = FULL;\n"
                   "CREATE TABLE c (type TEXT NOT NULL, id TEXT NOT NULL, data TEXT NOT NULL,"
                   " PRIMARY KEY (type, id));\n");
  for (guint i = 1; i <= pages->pages; i++)
    {
      g_autofree char *name = page_name (i);

      g_string_append_printf (script,
                              "BEGIN;\n"
                              "INSERT OR REPLACE INTO c (type, id, data)"
                              " SELECT json_extract (value, '$.type'),"
                              " json_extract (value, '$.id'), value"
                              " FROM json_each (readfile ('%s'), '$.changes');\n"
                              "COMMIT;\n", name);
    }
  if (!g_file_set_contents (script_path, script->str, script->len, &error))
    tb_bench_fail ("cannot write %s: %s", script_path, error->message);

  import_s = run_tool (import_argv, script_path, NULL);

  /* The floor must have stored what the client stores. */
  run_tool (count_argv, NULL, &count);
  if (g_ascii_strtoull (count, NULL, 10) != pages->cases)
    tb_bench_fail ("sqlite3 imported %s cases, not %u", g_strstrip (count), pages->cases);
  return import_s;
}

/* ---- 3. and 4. The client -------------------------------------------------------------- */

static void
on_result (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  (void) source;
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static GAsyncResult *
wait_result (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *slot;
}

static void
sign_in (TbSyncEngine *engine)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  tb_sync_engine_sign_in_async (engine, SUPERVISOR, "tongban-demo", NULL, on_result, &result);
  if (!tb_sync_engine_sign_in_finish (engine, wait_result (&result), &error))
    tb_bench_fail ("the client cannot sign in: %s", error->message);
}

static void
run_sync (TbSyncEngine  *engine,
          TbSyncSummary *summary)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  tb_sync_engine_sync_async (engine, NULL, on_result, &result);
  if (!tb_sync_engine_sync_finish (engine, wait_result (&result), summary, &error))
    tb_bench_fail ("the client's sync failed: %s", error->message);
}

/* Makes the peak resident size (VmHWM) start again from the current one, so that what the
 * seeding and the raw fetch left behind do not count as the client's peak. */
static gboolean
reset_peak_rss (void)
{
  FILE *file;
  gboolean done;

  malloc_trim (0);
  if ((file = fopen ("/proc/self/clear_refs", "w")) == NULL)
    return FALSE;
  done = fputs ("5", file) >= 0;
  return fclose (file) == 0 && done;
}

static double
own_mb (const char *field)
{
  gint64 kb = tb_bench_status_kb ("self", field);

  if (kb < 0)
    tb_bench_fail ("cannot read %s from /proc/self/status", field);
  return kb / 1024.0;
}

/* Up to @n ids of cases in the client's store, each once. */
static GPtrArray *
some_case_ids (const char *store_path,
               guint       n)
{
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_open_v2 (store_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK
      || sqlite3_prepare_v2 (db, "SELECT id FROM cases ORDER BY id LIMIT ?", -1, &stmt, NULL)
         != SQLITE_OK)
    tb_bench_fail ("cannot read the client's store: %s", sqlite3_errmsg (db));
  sqlite3_bind_int64 (stmt, 1, n);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_ptr_array_add (ids, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return ids;
}

/* @n comments, each on another case (cyclically), through the case service as the user
 * makes them: every one its own transaction with its outbox row. */
static void
queue_comments (TbSyncEngine *engine,
                TbStore      *store,
                guint         n)
{
  g_autoptr(TbCaseService) service = NULL;
  g_autoptr(GPtrArray) ids = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) teams = NULL;
  const char *user_id = tb_sync_engine_get_user_id (engine);
  TbRole roles = TB_ROLE_NONE;

  if (!tb_store_get_user_access (store, user_id, &roles, &teams, &error))
    tb_bench_fail ("the client's store does not know %s: %s", user_id, error->message);
  service = tb_case_service_new (store, user_id, roles, (const char * const *) teams);
  ids = some_case_ids (tb_store_get_path (store), n);
  if (ids->len == 0)
    tb_bench_fail ("no cases to comment on");

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *text = g_strdup_printf ("基准测试备注 #%u", i + 1);

      if (!tb_case_service_comment (service, g_ptr_array_index (ids, i % ids->len), text,
                                    &error))
        tb_bench_fail ("comment %u: %s", i + 1, error->message);
    }
}

/* ---- main ------------------------------------------------------------------------------ */

int
main (int    argc,
      char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) json = g_string_new ("{");
  g_autoptr(TbStore) store = NULL;
  g_autoptr(TbSyncEngine) engine = NULL;
  g_autofree char *server_path = NULL;
  g_autofree char *sqlite3_option = NULL;
  g_autofree char *found_server = NULL;
  g_autofree char *found_sqlite3 = NULL;
  g_autofree char *store_path = NULL;
  int n_cases = 100000;
  int n_mutations = 10000;
  Pages pages = { 0 };
  TbSyncSummary initial = { 0 }, push = { 0 };
  gint64 stored;
  gboolean rss_reset;
  double start, import_s, sync_s, sync_cpu_s, sync_server_cpu_s, rss_mb, base_rss_mb;
  double queue_s, push_s, push_cpu_s, push_server_cpu_s;
  const GOptionEntry entries[] = {
    { "cases", 0, 0, G_OPTION_ARG_INT, &n_cases, "Demo cases on the server (100000)", "N" },
    { "mutations", 0, 0, G_OPTION_ARG_INT, &n_mutations, "Comments queued and pushed (10000)",
      "N" },
    { "server", 0, 0, G_OPTION_ARG_FILENAME, &server_path,
      "The tongban-server executable (default: the one built with the bench)", "PATH" },
    { "sqlite3", 0, 0, G_OPTION_ARG_FILENAME, &sqlite3_option,
      "The sqlite3 shell (default: sqlite3 in PATH)", "PATH" },
    { NULL }
  };

  context = g_option_context_new (NULL);
  g_option_context_set_summary (context,
                                "Benchmarks the desk's sync on loopback: an initial sync of all "
                                "cases against the sqlite3 shell's import of the same pages, "
                                "and a push of queued changes. Prints one JSON object as the "
                                "last line.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (n_cases < 1 || n_cases > MAX_CASES || n_mutations < 1 || n_mutations > MAX_MUTATIONS)
    {
      g_printerr ("--cases must be 1–%d, --mutations 1–%d\n", MAX_CASES, MAX_MUTATIONS);
      return 2;
    }
  if ((found_server = tb_bench_find_server (server_path)) == NULL)
    {
      g_printerr ("No server executable at %s (build it, or pass --server)\n",
                  server_path != NULL ? server_path : "the build folder");
      return 1;
    }
  if ((found_sqlite3 = g_find_program_in_path (sqlite3_option != NULL ? sqlite3_option
                                                                      : "sqlite3")) == NULL)
    {
      g_printerr ("No sqlite3 shell (install Debian's sqlite3, or pass --sqlite3)\n");
      return 1;
    }

  tb_bench_init ("tb-bench-sync");
  tb_bench_prepare_database ((guint) n_cases, ALL_TEAMS_SQL);
  tb_bench_start_server (found_server);

  /* 1. */
  fetch_pages ((guint) n_cases + 1000, &pages);
  if (pages.cases != (guint) n_cases)
    tb_bench_fail ("%s's pull has %u cases, not %d", SUPERVISOR, pages.cases, n_cases);
  g_printerr ("Fetched the pull of %s: %u pages, %u changes (%u cases), %.1f MB in %.2f s "
              "(%.2f s waiting for the server)\n", SUPERVISOR, pages.pages, pages.changes,
              pages.cases, pages.bytes / 1e6, pages.fetch_s, pages.wait_s);

  /* 2. */
  import_s = import_pages (found_sqlite3, &pages);
  g_printerr ("sqlite3 imported the %u pages in %.2f s\n", pages.pages, import_s);

  /* 3. */
  store_path = g_build_filename (tb_bench_get_dir (), "client.db", NULL);
  store = tb_store_open (store_path, &error);
  if (store == NULL)
    tb_bench_fail ("cannot open the client's store: %s", error->message);
  engine = tb_sync_engine_new (store, tb_bench_get_base ());
  tb_sync_engine_set_use_keyring (engine, FALSE);
  sign_in (engine);

  rss_reset = reset_peak_rss ();
  base_rss_mb = own_mb ("VmRSS");
  sync_cpu_s = tb_bench_own_cpu_s ();
  sync_server_cpu_s = tb_bench_server_cpu_s ();
  start = tb_bench_now ();
  run_sync (engine, &initial);
  sync_s = tb_bench_now () - start;
  sync_cpu_s = tb_bench_own_cpu_s () - sync_cpu_s;
  sync_server_cpu_s = tb_bench_server_cpu_s () - sync_server_cpu_s;
  rss_mb = own_mb ("VmHWM");

  if ((stored = tb_store_count_cases (store, &error)) != n_cases)
    tb_bench_fail ("the client's store has %" G_GINT64_FORMAT " cases, not %d%s%s", stored,
                   n_cases, error != NULL ? ": " : "", error != NULL ? error->message : "");
  g_printerr ("Initial sync: %u pages, %u cases in %.2f s (client CPU %.2f s, server CPU "
              "%.2f s); peak RSS %.1f MB (%.1f MB before)\n", initial.pages, initial.cases,
              sync_s, sync_cpu_s, sync_server_cpu_s, rss_mb, base_rss_mb);

  /* 4. */
  start = tb_bench_now ();
  queue_comments (engine, store, (guint) n_mutations);
  queue_s = tb_bench_now () - start;
  g_printerr ("Queued %d comments in %.2f s\n", n_mutations, queue_s);

  push_cpu_s = tb_bench_own_cpu_s ();
  push_server_cpu_s = tb_bench_server_cpu_s ();
  start = tb_bench_now ();
  run_sync (engine, &push);
  push_s = tb_bench_now () - start;
  push_cpu_s = tb_bench_own_cpu_s () - push_cpu_s;
  push_server_cpu_s = tb_bench_server_cpu_s () - push_server_cpu_s;
  if (push.applied != (guint) n_mutations || push.unsent != 0)
    tb_bench_fail ("the push applied %u of %d comments (%u rejected, %u conflicts, %"
                   G_GINT64_FORMAT " unsent)", push.applied, n_mutations, push.rejected,
                   push.conflicts, push.unsent);
  g_printerr ("Push: %u comments applied, then %u pages, %u cases pulled, in %.2f s (client "
              "CPU %.2f s, server CPU %.2f s)\n", push.applied, push.pages, push.cases, push_s,
              push_cpu_s, push_server_cpu_s);

  tb_bench_json_add_string (json, "user", SUPERVISOR);
  tb_bench_json_add_number (json, "cases", initial.cases, 0);
  tb_bench_json_add_number (json, "pages", initial.pages, 0);
  tb_bench_json_add_number (json, "changes", initial.changes, 0);
  tb_bench_json_add_number (json, "pull_mb", pages.bytes / 1e6, 1);
  tb_bench_json_add_number (json, "sync_s", sync_s, 3);
  tb_bench_json_add_number (json, "cases_per_s", initial.cases / sync_s, 0);
  tb_bench_json_add_number (json, "sync_client_cpu_s", sync_cpu_s, 3);
  tb_bench_json_add_number (json, "sync_server_cpu_s", sync_server_cpu_s, 3);
  tb_bench_json_add_number (json, "server_pull_s", pages.wait_s, 3);
  tb_bench_json_add_number (json, "sqlite3_import_s", import_s, 3);
  tb_bench_json_add_number (json, "ratio", sync_s / import_s, 2);
  tb_bench_json_add_number (json, "rss_mb", rss_mb, 1);
  tb_bench_json_add_number (json, "rss_before_sync_mb", base_rss_mb, 1);
  tb_bench_json_add_number (json, "rss_peak_reset", rss_reset, 0);
  tb_bench_json_add_number (json, "queue_mutations", n_mutations, 0);
  tb_bench_json_add_number (json, "queue_s", queue_s, 3);
  tb_bench_json_add_number (json, n_mutations == 10000 ? "push_10k_s" : "push_s", push_s, 3);
  tb_bench_json_add_number (json, "push_client_cpu_s", push_cpu_s, 3);
  tb_bench_json_add_number (json, "push_server_cpu_s", push_server_cpu_s, 3);
  tb_bench_json_add_number (json, "push_pull_cases", push.cases, 0);
  tb_bench_json_add_number (json, "rss_end_peak_mb", own_mb ("VmHWM"), 1);
  tb_bench_json_add_number (json, "server_peak_rss_mb", tb_bench_server_peak_rss_mb (), 1);
  g_string_append_c (json, '}');

  g_clear_object (&engine);
  g_clear_object (&store);
  tb_bench_cleanup (FALSE);
  g_print ("%s\n", json->str);

  return 0;
}
