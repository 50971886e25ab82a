/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-bench-common.c: what the benchmarks share: the server child process, a blocking client */

/*
 * The server runs as the real tongban-server executable, in a child process, so that its peak
 * memory (VmHWM) is the server's alone. The database is prepared here beforehand — demo users
 * and demo cases — so that the seeding does not count in the server's peak either. Everything
 * talks to 127.0.0.1 only. Any failure stops the server, removes the temporary folder and
 * exits with status 1.
 */

#include "config.h"

#include <glib-unix.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "tb-bench-common.h"
#include "tb-calendar.h"
#include "tb-server.h"
#include "tb-server-auth.h"
#include "tb-server-sync.h"

#ifndef TB_SERVER_PATH
#define TB_SERVER_PATH "tongban-server"
#endif

#define STARTUP_TIMEOUT 60   /* seconds for the server to say where it listens */

static struct
{
  char        *name;
  GSubprocess *server;
  char        *pid;
  char        *dir;
  char        *db_path;
  char        *log_path;
  char        *base;
  gboolean     stopping;
  gboolean     exited;
} bench;

static gboolean
on_timeout_flag (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Waits at most @seconds for the server to exit (on_server_gone() notes it); whether it did. */
static gboolean
wait_for_server (guint seconds)
{
  gboolean timed_out = FALSE;
  guint timeout_id = g_timeout_add_seconds (seconds, on_timeout_flag, &timed_out);

  while (!bench.exited && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (timeout_id);
  return bench.exited;
}

/**
 * tb_bench_cleanup:
 * @failed: whether the bench failed (the server is killed, the end of its log shown)
 *
 * Stops the server and removes the temporary folder with everything in it. Once only.
 */
void
tb_bench_cleanup (gboolean failed)
{
  /* Once only: a failure or an interrupt while cleaning up just exits (the server dies with
   * the bench anyway, see child_setup()). */
  if (bench.stopping)
    return;
  bench.stopping = TRUE;
  if (bench.server != NULL)
    {
      /* After SIGTERM the server closes its connections and exits; SIGKILL if it does not. */
      if (failed)
        g_subprocess_force_exit (bench.server);
      else
        g_subprocess_send_signal (bench.server, SIGTERM);
      if (!wait_for_server (failed ? 5 : 30))
        {
          g_printerr ("The server did not stop: killing it\n");
          g_subprocess_force_exit (bench.server);
          wait_for_server (5);
        }
      g_clear_object (&bench.server);
    }

  if (failed && bench.log_path != NULL)
    {
      g_autofree char *log = NULL;
      gsize length = 0;

      if (g_file_get_contents (bench.log_path, &log, &length, NULL) && length > 0)
        {
          const char *tail = length > 2000 ? log + length - 2000 : log;
          g_printerr ("--- end of the server log ---\n%s\n", tail);
        }
    }

  if (bench.dir != NULL)
    {
      g_autoptr(GDir) dir = g_dir_open (bench.dir, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *path = g_build_filename (bench.dir, name, NULL);
          g_unlink (path);
        }
      g_rmdir (bench.dir);
      g_clear_pointer (&bench.dir, g_free);
    }
}

/**
 * tb_bench_fail:
 * @format: printf() format of what went wrong
 * @...: its arguments
 *
 * Says what went wrong, cleans up (see tb_bench_cleanup()) and exits with status 1.
 */
void
tb_bench_fail (const char *format,
               ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  g_printerr ("%s: FAILED: %s\n", bench.name != NULL ? bench.name : "bench", message);
  tb_bench_cleanup (TRUE);
  exit (1);
}

/* The server must live until the bench stops it. */
static void
on_server_gone (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  (void) user_data;
  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  bench.exited = TRUE;
  if (!bench.stopping)
    tb_bench_fail ("the server exited unexpectedly");
}

static gboolean
on_interrupt (gpointer data)
{
  (void) data;
  tb_bench_fail ("interrupted");
  return G_SOURCE_REMOVE;
}

/**
 * tb_bench_init:
 * @name: the bench's name, for messages and its temporary folder
 *
 * Makes the temporary folder, cleans up on SIGINT and SIGTERM, and makes the demo users'
 * passwords cheap to check.
 */
void
tb_bench_init (const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *template = g_strdup_printf ("%s-XXXXXX", name);

  bench.name = g_strdup (name);
  /* The demo users' passwords are hashed here, with the cheapest Argon2id parameters: the
   * benches measure sync, not the sign-in's deliberate cost (nor its 64 MiB in the peak). */
  g_setenv (TB_SERVER_PWHASH_ENV, "min", TRUE);

  bench.dir = g_dir_make_tmp (template, &error);
  if (bench.dir == NULL)
    tb_bench_fail ("cannot make a temporary folder: %s", error->message);
  bench.db_path = g_build_filename (bench.dir, "server.db", NULL);
  bench.log_path = g_build_filename (bench.dir, "server.log", NULL);
  g_unix_signal_add (SIGINT, on_interrupt, NULL);
  g_unix_signal_add (SIGTERM, on_interrupt, NULL);
}

/**
 * tb_bench_get_dir:
 *
 * Returns: the temporary folder, removed with everything in it (no subfolders) at the end
 */
const char *
tb_bench_get_dir (void)
{
  return bench.dir;
}

/**
 * tb_bench_find_server:
 * @server_path: (nullable): the --server option, %NULL for the one built with the bench
 *
 * Returns: (transfer full) (nullable): the server executable's path, %NULL if there is none
 */
char *
tb_bench_find_server (const char *server_path)
{
  return g_find_program_in_path (server_path != NULL ? server_path : TB_SERVER_PATH);
}

/**
 * tb_bench_now:
 *
 * Returns: monotonic seconds
 */
double
tb_bench_now (void)
{
  return g_get_monotonic_time () / 1e6;
}

static int
compare_doubles (const void *a,
                 const void *b)
{
  double x = *(const double *) a;
  double y = *(const double *) b;

  return (x > y) - (x < y);
}

/**
 * tb_bench_percentile:
 * @samples: (element-type double): the measurements, which this sorts
 * @p: which, from 0 to 1 (0.5 for the median)
 *
 * Returns: the nearest-rank percentile @p of @samples, 0 if there are none
 */
double
tb_bench_percentile (GArray *samples,
                     double  p)
{
  guint index;

  if (samples->len == 0)
    return 0;
  g_array_sort (samples, compare_doubles);
  index = (guint) (p * (samples->len - 1) + 0.5);
  return g_array_index (samples, double, MIN (index, samples->len - 1));
}

/**
 * tb_bench_own_cpu_s:
 *
 * Returns: user + system CPU seconds this process used so far
 */
double
tb_bench_own_cpu_s (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6
         + usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
}

/**
 * tb_bench_status_kb:
 * @pid: a process id, or "self"
 * @field: a field of /proc/PID/status in kB ("VmHWM", "VmRSS")
 *
 * Returns: its value, or -1
 */
gint64
tb_bench_status_kb (const char *pid,
                    const char *field)
{
  g_autofree char *path = g_strdup_printf ("/proc/%s/status", pid);
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  gsize field_length = strlen (field);

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return -1;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (strncmp (lines[i], field, field_length) == 0 && lines[i][field_length] == ':')
      return g_ascii_strtoll (lines[i] + field_length + 1, NULL, 10);
  return -1;
}

/* ---- The server process ---------------------------------------------------------------- */

static void
child_setup (gpointer data)
{
  (void) data;
  /* Should the bench die without cleaning up, the server goes with it. */
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

/**
 * tb_bench_server_status_kb:
 * @field: a field of the server's /proc/PID/status in kB
 *
 * Returns: its value, or -1
 */
gint64
tb_bench_server_status_kb (const char *field)
{
  return tb_bench_status_kb (bench.pid, field);
}

/**
 * tb_bench_server_peak_rss_mb:
 *
 * Returns: the server's peak resident memory so far (VmHWM), in MiB
 */
double
tb_bench_server_peak_rss_mb (void)
{
  gint64 kb = tb_bench_status_kb (bench.pid, "VmHWM");

  if (kb < 0)
    tb_bench_fail ("cannot read the server's VmHWM from /proc/%s/status", bench.pid);
  return kb / 1024.0;
}

/**
 * tb_bench_server_cpu_s:
 *
 * Returns: user + system CPU seconds the server used so far
 */
double
tb_bench_server_cpu_s (void)
{
  g_autofree char *path = g_strdup_printf ("/proc/%s/stat", bench.pid);
  g_autofree char *text = NULL;
  g_auto(GStrv) fields = NULL;
  const char *after_name;
  long ticks = sysconf (_SC_CLK_TCK);

  if (!g_file_get_contents (path, &text, NULL, NULL)
      || (after_name = strrchr (text, ')')) == NULL || ticks <= 0)
    tb_bench_fail ("cannot read /proc/%s/stat", bench.pid);
  /* After "pid (comm)": state is field 3, utime 14 and stime 15 of proc(5). */
  fields = g_strsplit (after_name + 2, " ", -1);
  if (g_strv_length (fields) < 13)
    tb_bench_fail ("cannot parse /proc/%s/stat", bench.pid);
  return (g_ascii_strtod (fields[11], NULL) + g_ascii_strtod (fields[12], NULL)) / ticks;
}

/**
 * tb_bench_prepare_database:
 * @n_cases: demo cases
 * @extra_sql: (nullable): SQL run on the database afterwards
 *
 * Makes the database the server starts on: the demo teams and users, reference data, cases.
 */
void
tb_bench_prepare_database (guint       n_cases,
                           const char *extra_sql)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TbServer) server = NULL;
  double start = tb_bench_now ();

  server = tb_server_new (bench.db_path, &error);
  if (server == NULL)
    tb_bench_fail ("cannot create the server database: %s", error->message);
  if (!tb_server_auth_seed_demo (tb_server_get_db (server), TB_SERVER_DEMO_PASSWORD, &error))
    tb_bench_fail ("cannot add the demo users: %s", error->message);
  if (!tb_server_sync_seed_demo (tb_server_get_db (server), n_cases, 1, tb_day_today (),
                                 &error))
    tb_bench_fail ("cannot add the demo cases: %s", error->message);
  if (extra_sql != NULL)
    {
      char *message = NULL;

      if (sqlite3_exec (tb_server_get_db (server), extra_sql, NULL, NULL, &message) != SQLITE_OK)
        tb_bench_fail ("cannot prepare the server database: %s", message);
    }

  g_printerr ("Seeded %u demo cases in %.1f s\n", n_cases, tb_bench_now () - start);
}

typedef struct
{
  gboolean  done;
  char     *line;
  GError   *error;
} LineRead;

static void
on_line_read (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  LineRead *read = user_data;

  read->line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result,
                                                          NULL, &read->error);
  read->done = TRUE;
}

/**
 * tb_bench_start_server:
 * @server_path: the tongban-server executable
 *
 * Starts it on the prepared database, listening on a free port of 127.0.0.1, and waits until
 * it says where.
 */
void
tb_bench_start_server (const char *server_path)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  gboolean timed_out = FALSE;
  guint timeout_id;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  /* The server logs a line per request: into a file, as a server's log would go. */
  g_subprocess_launcher_set_stderr_file_path (launcher, bench.log_path);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  /* Tokens outlive any run. */
  bench.server = g_subprocess_launcher_spawn (launcher, &error, server_path,
                                              "--db", bench.db_path,
                                              "--listen", "127.0.0.1:0",
                                              "--token-ttl", "86400",
                                              NULL);
  if (bench.server == NULL)
    tb_bench_fail ("cannot start %s: %s", server_path, error->message);
  bench.pid = g_strdup (g_subprocess_get_identifier (bench.server));
  g_subprocess_wait_async (bench.server, NULL, on_server_gone, NULL);

  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (bench.server));
  timeout_id = g_timeout_add_seconds (STARTUP_TIMEOUT, on_timeout_flag, &timed_out);

  /* Its first stdout line says where it listens (it only prints more with --demo). */
  for (guint i = 0; i < 100 && bench.base == NULL; i++)
    {
      LineRead read = { 0 };

      g_data_input_stream_read_line_async (out, G_PRIORITY_DEFAULT, NULL, on_line_read, &read);
      while (!read.done && !timed_out)
        g_main_context_iteration (NULL, TRUE);
      if (timed_out)
        tb_bench_fail ("the server did not say where it listens within %d s", STARTUP_TIMEOUT);
      if (read.error != NULL)
        tb_bench_fail ("cannot read the server's output: %s", read.error->message);
      if (read.line == NULL)
        tb_bench_fail ("the server exited before listening");
      if (g_str_has_prefix (read.line, "Listening on http://127.0.0.1:"))
        bench.base = g_strdup (read.line + strlen ("Listening on "));
      g_free (read.line);
    }
  g_source_remove (timeout_id);
  if (bench.base == NULL)
    tb_bench_fail ("the server did not say where it listens");

  g_printerr ("Server %s (pid %s) listening on %s\n", server_path, bench.pid, bench.base);
}

/**
 * tb_bench_get_base:
 *
 * Returns: the server's URL, "http://127.0.0.1:PORT"
 */
const char *
tb_bench_get_base (void)
{
  return bench.base;
}

/* ---- A blocking client ----------------------------------------------------------------- */

/**
 * tb_bench_new_session:
 *
 * Returns: (transfer full): a session without proxy, with the bench's request timeout
 */
SoupSession *
tb_bench_new_session (void)
{
  SoupSession *session = soup_session_new_with_options ("timeout", TB_BENCH_REQUEST_TIMEOUT,
                                                        NULL);

  soup_session_set_proxy_resolver (session, NULL);
  return session;
}

/**
 * tb_bench_new_message:
 * @path: the API path, "/api/v1/…"
 * @token: (nullable): the access token
 * @body: the JSON body
 *
 * Returns: (transfer full): a POST of @body to the server
 */
SoupMessage *
tb_bench_new_message (const char *path,
                      const char *token,
                      JsonNode   *body)
{
  g_autofree char *uri = g_strconcat (bench.base, path, NULL);
  g_autofree char *text = json_to_string (body, FALSE);
  g_autoptr(GBytes) bytes = NULL;
  SoupMessage *msg = soup_message_new ("POST", uri);
  gsize length = strlen (text);

  if (msg == NULL)
    tb_bench_fail ("bad URI %s", uri);
  if (token != NULL)
    {
      g_autofree char *value = g_strconcat ("Bearer ", token, NULL);
      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization",
                                    value);
    }
  bytes = g_bytes_new_take (g_steal_pointer (&text), length);
  soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
  return msg;
}

typedef struct
{
  gboolean  done;
  GBytes   *bytes;
  GError   *error;
} Sent;

static void
on_sent (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Sent *sent = user_data;

  sent->bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &sent->error);
  sent->done = TRUE;
}

/**
 * tb_bench_parse_object:
 * @bytes: a JSON text
 *
 * Returns: (transfer full) (nullable): the JSON object, %NULL if it is not one
 */
JsonObject *
tb_bench_parse_object (GBytes *bytes)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  gsize length = 0;
  const char *data = g_bytes_get_data (bytes, &length);

  if (data == NULL || !json_parser_load_from_data (parser, data, length, NULL)
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return NULL;
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

/**
 * tb_bench_post_bytes:
 * @session: the session
 * @path: the API path
 * @token: (nullable): the access token
 * @body: the JSON body
 * @wait_s: (nullable): seconds waited for the answer are added here
 *
 * POSTs @body and waits; fails the bench unless the answer is 200.
 *
 * Returns: (transfer full): the answer's body
 */
GBytes *
tb_bench_post_bytes (SoupSession *session,
                     const char  *path,
                     const char  *token,
                     JsonNode    *body,
                     double      *wait_s)
{
  g_autoptr(SoupMessage) msg = tb_bench_new_message (path, token, body);
  Sent sent = { 0 };
  double start = tb_bench_now ();
  guint status;

  soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, on_sent, &sent);
  while (!sent.done)
    g_main_context_iteration (NULL, TRUE);
  if (wait_s != NULL)
    *wait_s += tb_bench_now () - start;

  if (sent.error != NULL)
    tb_bench_fail ("POST %s: %s", path, sent.error->message);
  status = soup_message_get_status (msg);
  if (status != 200)
    {
      gsize length = 0;
      const char *data = g_bytes_get_data (sent.bytes, &length);
      tb_bench_fail ("POST %s: status %u: %.*s", path, status, (int) MIN (length, 500), data);
    }
  return sent.bytes;
}

/**
 * tb_bench_post:
 * @session: the session
 * @path: the API path
 * @token: (nullable): the access token
 * @body: the JSON body
 * @wait_s: (nullable): seconds waited for the answer are added here
 * @received: (nullable): bytes received are added here
 *
 * POSTs @body and waits; fails the bench unless the answer is 200 and a JSON object.
 *
 * Returns: (transfer full): the answer
 */
JsonObject *
tb_bench_post (SoupSession *session,
               const char  *path,
               const char  *token,
               JsonNode    *body,
               double      *wait_s,
               gsize       *received)
{
  g_autoptr(GBytes) bytes = tb_bench_post_bytes (session, path, token, body, wait_s);
  JsonObject *answer;

  if (received != NULL)
    *received += g_bytes_get_size (bytes);
  if ((answer = tb_bench_parse_object (bytes)) == NULL)
    tb_bench_fail ("POST %s: the answer is not a JSON object", path);
  return answer;
}

/**
 * tb_bench_sign_in:
 * @session: the session
 * @login: a demo user's login
 *
 * Signs @login in with the demo password; fails the bench if the answer has no token.
 *
 * Returns: (transfer full): the server's answer, with "access_token" and "user"
 */
JsonObject *
tb_bench_sign_in (SoupSession *session,
                  const char  *login)
{
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(JsonNode) body = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(JsonObject) answer = NULL;

  json_object_set_int_member (object, "schema_version", 1);
  json_object_set_string_member (object, "login", login);
  json_object_set_string_member (object, "password", TB_SERVER_DEMO_PASSWORD);
  json_node_set_object (body, object);

  answer = tb_bench_post (session, "/api/v1/session", NULL, body, NULL, NULL);
  if (json_object_get_string_member_with_default (answer, "access_token", NULL) == NULL
      || !json_object_has_member (answer, "user")
      || !JSON_NODE_HOLDS_OBJECT (json_object_get_member (answer, "user")))
    tb_bench_fail ("signing in %s: no access_token or user", login);
  return g_steal_pointer (&answer);
}

/**
 * tb_bench_pull_body:
 * @client_id: the desk's id
 * @cursor: (nullable): where the pull continues, %NULL for an initial sync
 *
 * Returns: (transfer full): the body of a pull request
 */
JsonNode *
tb_bench_pull_body (const char *client_id,
                    const char *cursor)
{
  g_autoptr(JsonObject) object = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_object_set_int_member (object, "schema_version", 1);
  json_object_set_string_member (object, "client_id", client_id);
  if (cursor != NULL)
    json_object_set_string_member (object, "cursor", cursor);
  else
    json_object_set_null_member (object, "cursor");
  json_node_set_object (node, object);
  return node;
}

/* ---- The report ------------------------------------------------------------------------ */

/**
 * tb_bench_json_add_number:
 * @json: a JSON object being written, "{" and members
 * @name: the member's name
 * @value: its value
 * @decimals: digits after the point
 *
 * Appends a number member, in the C locale.
 */
void
tb_bench_json_add_number (GString    *json,
                          const char *name,
                          double      value,
                          int         decimals)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];
  char format[8];

  g_snprintf (format, sizeof format, "%%.%df", decimals);
  g_string_append_printf (json, "%s\"%s\": %s", json->len > 1 ? ", " : "", name,
                          g_ascii_formatd (buffer, sizeof buffer, format, value));
}

/**
 * tb_bench_json_add_string:
 * @json: a JSON object being written
 * @name: the member's name
 * @value: its value, plain ASCII without quotes or backslashes
 *
 * Appends a string member.
 */
void
tb_bench_json_add_string (GString    *json,
                          const char *name,
                          const char *value)
{
  g_string_append_printf (json, "%s\"%s\": \"%s\"", json->len > 1 ? ", " : "", name, value);
}
