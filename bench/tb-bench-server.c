/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-bench-server.c: the reference server under load: initial pull, push, concurrent desks */

/*
 * The server runs as the real tongban-server executable, in a child process, so that its peak
 * memory (VmHWM) is the server's alone. The database is prepared here beforehand — demo users
 * and --cases demo cases — so that the seeding does not count in the server's peak either.
 * Everything talks to 127.0.0.1 only.
 *
 * Progress goes to stderr; the last line on stdout is one JSON object with the figures.
 */

#include "config.h"

#include <glib-unix.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "tb-calendar.h"
#include "tb-demo.h"
#include "tb-server.h"
#include "tb-server-auth.h"
#include "tb-server-sync.h"

#ifndef TB_SERVER_PATH
#define TB_SERVER_PATH "tongban-server"
#endif

#define PUSH_TOTAL       10000   /* mutations of the push throughput figure */
#define PUSH_BATCH       100     /* per request: the protocol's maximum */
#define CYCLE_COMMENTS   5       /* mutations pushed per cycle of a concurrent client */
#define CYCLE_MAX_PAGES  50      /* pull pages per cycle at most, to keep cycles bounded */
#define REQUEST_TIMEOUT  120     /* seconds: a stuck server fails the bench, never hangs it */
#define STARTUP_TIMEOUT  60      /* seconds for the server to say where it listens */
#define MAX_CLIENTS      1000
#define MAX_SECONDS      3600
#define MAX_CASES        5000000

/* Whoever sees all of a team's cases: the two demo supervisors together see every demo case,
 * no single demo user does. */
static const char * const supervisors[] = { "chenjing", "yangfan" };

typedef struct
{
  char       *login;
  char       *user_id;
  gboolean    supervisor;
  char      **team_ids;
  GPtrArray  *case_ids;      /* in the user's scope, from the supervisors' initial pulls */
  char       *cursor;        /* an up-to-date cursor of this user, for the load clients */
} User;

static struct
{
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

static void
cleanup (gboolean failed)
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

static void fail (const char *format, ...) G_GNUC_PRINTF (1, 2) G_GNUC_NORETURN;

static void
fail (const char *format,
      ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  g_printerr ("tb-bench-server: FAILED: %s\n", message);
  cleanup (TRUE);
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
    fail ("the server exited unexpectedly");
}

static gboolean
on_interrupt (gpointer data)
{
  (void) data;
  fail ("interrupted");
  return G_SOURCE_REMOVE;
}

static double
now_s (void)
{
  return g_get_monotonic_time () / 1e6;
}

/* ---- The server process ---------------------------------------------------------------- */

static void
child_setup (gpointer data)
{
  (void) data;
  /* Should the bench die without cleaning up, the server goes with it. */
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

/* A field of /proc/PID/status in kB ("VmHWM", "VmRSS"), or -1. */
static gint64
proc_status_kb (const char *field)
{
  g_autofree char *path = g_strdup_printf ("/proc/%s/status", bench.pid);
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

static double
server_peak_rss_mb (void)
{
  gint64 kb = proc_status_kb ("VmHWM");

  if (kb < 0)
    fail ("cannot read the server's VmHWM from /proc/%s/status", bench.pid);
  return kb / 1024.0;
}

/* User + system CPU seconds the server used so far. */
static double
server_cpu_s (void)
{
  g_autofree char *path = g_strdup_printf ("/proc/%s/stat", bench.pid);
  g_autofree char *text = NULL;
  g_auto(GStrv) fields = NULL;
  const char *after_name;
  long ticks = sysconf (_SC_CLK_TCK);

  if (!g_file_get_contents (path, &text, NULL, NULL)
      || (after_name = strrchr (text, ')')) == NULL || ticks <= 0)
    fail ("cannot read /proc/%s/stat", bench.pid);
  /* After "pid (comm)": state is field 3, utime 14 and stime 15 of proc(5). */
  fields = g_strsplit (after_name + 2, " ", -1);
  if (g_strv_length (fields) < 13)
    fail ("cannot parse /proc/%s/stat", bench.pid);
  return (g_ascii_strtod (fields[11], NULL) + g_ascii_strtod (fields[12], NULL)) / ticks;
}

static double
own_cpu_s (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6
         + usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
}

/* The database the server starts on: the demo teams and users, reference data, cases. */
static void
prepare_database (guint n_cases)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TbServer) server = NULL;
  double start = now_s ();

  server = tb_server_new (bench.db_path, &error);
  if (server == NULL)
    fail ("cannot create the server database: %s", error->message);
  if (!tb_server_auth_seed_demo (tb_server_get_db (server), TB_SERVER_DEMO_PASSWORD, &error))
    fail ("cannot add the demo users: %s", error->message);
  if (!tb_server_sync_seed_demo (tb_server_get_db (server), n_cases, 1, tb_day_today (),
                                 &error))
    fail ("cannot add the demo cases: %s", error->message);

  g_printerr ("Seeded %u demo cases in %.1f s\n", n_cases, now_s () - start);
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

static void
start_server (const char *server_path)
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
  /* Tokens outlive any run (--seconds is bounded by MAX_SECONDS). */
  bench.server = g_subprocess_launcher_spawn (launcher, &error, server_path,
                                              "--db", bench.db_path,
                                              "--listen", "127.0.0.1:0",
                                              "--token-ttl", "86400",
                                              NULL);
  if (bench.server == NULL)
    fail ("cannot start %s: %s", server_path, error->message);
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
        fail ("the server did not say where it listens within %d s", STARTUP_TIMEOUT);
      if (read.error != NULL)
        fail ("cannot read the server's output: %s", read.error->message);
      if (read.line == NULL)
        fail ("the server exited before listening");
      if (g_str_has_prefix (read.line, "Listening on http://127.0.0.1:"))
        bench.base = g_strdup (read.line + strlen ("Listening on "));
      g_free (read.line);
    }
  g_source_remove (timeout_id);
  if (bench.base == NULL)
    fail ("the server did not say where it listens");

  g_printerr ("Server %s (pid %s) listening on %s\n", server_path, bench.pid, bench.base);
}

/* ---- A blocking client, for the sequential phases ------------------------------------- */

static SoupSession *
new_session (void)
{
  SoupSession *session = soup_session_new_with_options ("timeout", REQUEST_TIMEOUT, NULL);

  soup_session_set_proxy_resolver (session, NULL);
  return session;
}

static SoupMessage *
new_message (const char *path,
             const char *token,
             JsonNode   *body)
{
  g_autofree char *uri = g_strconcat (bench.base, path, NULL);
  g_autofree char *text = json_to_string (body, FALSE);
  g_autoptr(GBytes) bytes = NULL;
  SoupMessage *msg = soup_message_new ("POST", uri);
  gsize length = strlen (text);

  if (msg == NULL)
    fail ("bad URI %s", uri);
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

/* Parses a JSON object answer; NULL if it is not one. */
static JsonObject *
parse_object (GBytes *bytes)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  gsize length = 0;
  const char *data = g_bytes_get_data (bytes, &length);

  if (data == NULL || !json_parser_load_from_data (parser, data, length, NULL)
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return NULL;
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

/* POSTs @body and waits; fails the bench unless the answer is 200 and a JSON object. */
static JsonObject *
post (SoupSession *session,
      const char  *path,
      const char  *token,
      JsonNode    *body,
      double      *wait_s,
      gsize       *received)
{
  g_autoptr(SoupMessage) msg = new_message (path, token, body);
  g_autoptr(GBytes) bytes = NULL;
  Sent sent = { 0 };
  JsonObject *answer;
  double start = now_s ();
  guint status;

  soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, on_sent, &sent);
  while (!sent.done)
    g_main_context_iteration (NULL, TRUE);
  if (wait_s != NULL)
    *wait_s += now_s () - start;

  if (sent.error != NULL)
    fail ("POST %s: %s", path, sent.error->message);
  bytes = sent.bytes;
  if (received != NULL)
    *received += g_bytes_get_size (bytes);
  status = soup_message_get_status (msg);
  if (status != 200)
    {
      gsize length = 0;
      const char *data = g_bytes_get_data (bytes, &length);
      fail ("POST %s: status %u: %.*s", path, status, (int) MIN (length, 500), data);
    }
  if ((answer = parse_object (bytes)) == NULL)
    fail ("POST %s: the answer is not a JSON object", path);
  return answer;
}

static JsonNode *
pull_body (const char *client_id,
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

/* A push of @n comments with ids @first_id…, on @cases from index @pick on (cyclically). */
static JsonNode *
push_body (const char *client_id,
           gint64      first_id,
           guint       n,
           GPtrArray  *cases,
           guint       pick)
{
  g_autoptr(JsonObject) object = json_object_new ();
  JsonArray *mutations = json_array_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_object_set_int_member (object, "schema_version", 1);
  json_object_set_string_member (object, "client_id", client_id);
  for (guint i = 0; i < n; i++)
    {
      JsonObject *mutation = json_object_new ();
      JsonObject *args = json_object_new ();
      g_autofree char *text = g_strdup_printf ("基准测试备注 %s #%" G_GINT64_FORMAT,
                                               client_id, first_id + i);

      json_object_set_string_member (args, "case_id",
                                     g_ptr_array_index (cases, (pick + i) % cases->len));
      json_object_set_string_member (args, "text", text);
      json_object_set_int_member (mutation, "id", first_id + i);
      json_object_set_string_member (mutation, "name", "case.comment");
      json_object_set_object_member (mutation, "args", args);
      json_array_add_object_element (mutations, mutation);
    }
  json_object_set_array_member (object, "mutations", mutations);
  json_node_set_object (node, object);
  return node;
}

/* How many of the first @n results are "applied" and answer ids @first_id, @first_id + 1, … */
static guint
count_applied (JsonObject *answer,
               gint64      first_id,
               guint       n)
{
  JsonArray *results;
  guint applied = 0;

  if (!json_object_has_member (answer, "results")
      || !JSON_NODE_HOLDS_ARRAY (json_object_get_member (answer, "results")))
    return 0;
  results = json_object_get_array_member (answer, "results");
  for (guint i = 0; i < MIN (n, json_array_get_length (results)); i++)
    {
      JsonNode *node = json_array_get_element (results, i);
      JsonObject *result;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      result = json_node_get_object (node);
      if (json_object_get_int_member_with_default (result, "id", 0) == first_id + i
          && g_strcmp0 (json_object_get_string_member_with_default (result, "status", ""),
                        "applied") == 0)
        applied++;
    }
  return applied;
}

static char *
sign_in (SoupSession *session,
         const char  *login,
         User        *user)
{
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(JsonNode) body = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(JsonObject) answer = NULL;
  const char *token;

  json_object_set_int_member (object, "schema_version", 1);
  json_object_set_string_member (object, "login", login);
  json_object_set_string_member (object, "password", TB_SERVER_DEMO_PASSWORD);
  json_node_set_object (body, object);

  answer = post (session, "/api/v1/session", NULL, body, NULL, NULL);
  token = json_object_get_string_member_with_default (answer, "access_token", NULL);
  if (token == NULL)
    fail ("signing in %s: no access_token", login);

  if (user != NULL && user->user_id == NULL)
    {
      JsonObject *who = json_object_get_object_member (answer, "user");
      JsonArray *roles = json_object_get_array_member (who, "roles");
      JsonArray *teams = json_object_get_array_member (who, "teams");

      user->user_id = g_strdup (json_object_get_string_member (who, "id"));
      for (guint i = 0; i < json_array_get_length (roles); i++)
        if (g_strcmp0 (json_array_get_string_element (roles, i), "supervisor") == 0)
          user->supervisor = TRUE;
      user->team_ids = g_new0 (char *, json_array_get_length (teams) + 1);
      for (guint i = 0; i < json_array_get_length (teams); i++)
        user->team_ids[i] = g_strdup (json_array_get_string_element (teams, i));
    }

  return g_strdup (token);
}

typedef struct
{
  guint  pages;
  guint  case_puts;
  guint  changes;
  gsize  bytes;
  double wait_s;
} PullStats;

/* Pulls until has_more is false, from @cursor (NULL: an initial sync); returns the new cursor.
 * Calls @on_case for every case put. */
static char *
pull_all (SoupSession *session,
          const char  *token,
          const char  *client_id,
          const char  *cursor,
          guint        max_pages,
          void       (*on_case) (JsonObject *data, gpointer user_data),
          gpointer     user_data,
          PullStats   *stats)
{
  g_autofree char *current = g_strdup (cursor);

  for (guint page = 0; page < max_pages; page++)
    {
      g_autoptr(JsonNode) body = pull_body (client_id, current);
      g_autoptr(JsonObject) answer = post (session, "/api/v1/sync/pull", token, body,
                                           &stats->wait_s, &stats->bytes);
      JsonArray *changes;
      const char *next;

      if (!json_object_has_member (answer, "changes")
          || (next = json_object_get_string_member_with_default (answer, "cursor", NULL))
             == NULL)
        fail ("a pull answer without changes or cursor");
      changes = json_object_get_array_member (answer, "changes");
      stats->pages++;
      stats->changes += json_array_get_length (changes);
      for (guint i = 0; i < json_array_get_length (changes); i++)
        {
          JsonObject *change = json_array_get_object_element (changes, i);

          if (g_strcmp0 (json_object_get_string_member (change, "type"), "case") == 0
              && g_strcmp0 (json_object_get_string_member (change, "op"), "put") == 0)
            {
              stats->case_puts++;
              if (on_case != NULL)
                on_case (json_object_get_object_member (change, "data"), user_data);
            }
        }

      g_free (current);
      current = g_strdup (next);
      if (!json_object_get_boolean_member_with_default (answer, "has_more", FALSE))
        return g_steal_pointer (&current);
    }

  fail ("the pull did not end within %u pages", max_pages);
}

/* ---- Phase 1: the initial pull --------------------------------------------------------- */

typedef struct
{
  GHashTable *seen;        /* case ids */
  GHashTable *by_user;     /* user id → User* (borrowed) */
  GHashTable *by_team;     /* team id → GPtrArray of case ids (owned) */
  guint       duplicates;
} Collect;

static void
on_initial_case (JsonObject *data,
                 gpointer    user_data)
{
  Collect *collect = user_data;
  const char *id = json_object_get_string_member_with_default (data, "id", NULL);
  const char *assignee = json_object_get_string_member_with_default (data, "assignee_id", NULL);
  const char *team = json_object_get_string_member_with_default (data, "team_id", NULL);
  User *user;
  GPtrArray *cases;

  if (id == NULL)
    fail ("a case put without an id");
  if (!g_hash_table_add (collect->seen, g_strdup (id)))
    {
      collect->duplicates++;
      return;
    }

  /* Caseworkers comment on their own cases, supervisors on their teams'. */
  if (assignee != NULL && (user = g_hash_table_lookup (collect->by_user, assignee)) != NULL
      && !user->supervisor)
    g_ptr_array_add (user->case_ids, g_strdup (id));
  if (team != NULL)
    {
      cases = g_hash_table_lookup (collect->by_team, team);
      if (cases == NULL)
        {
          cases = g_ptr_array_new_with_free_func (g_free);
          g_hash_table_insert (collect->by_team, g_strdup (team), cases);
        }
      g_ptr_array_add (cases, g_strdup (id));
    }
}

/* ---- Phase 3: concurrent desks --------------------------------------------------------- */

typedef enum
{
  STEP_PUSH,
  STEP_PULL,
} Step;

typedef struct
{
  guint        index;
  User        *user;
  SoupSession *session;
  SoupMessage *msg;          /* in flight */
  char        *token;
  char        *client_id;
  char        *cursor;
  gint64       next_id;
  guint        pick;
  Step         step;
  guint        pages;        /* of the pull in progress */
  double       sent_at;
} Client;

static struct
{
  double  deadline;
  guint   n_active;
  guint64 requests;
  guint64 errors;
  guint64 not_applied;
  guint64 applied;
  guint64 cycles;
  guint64 changes;
  GArray *latencies_ms;
} load;

static void client_send (Client *client);

static void
client_error (Client     *client,
              const char *what)
{
  /* Counted, the first few said; the cycle starts again with a push (of the same ids: a push
   * the server did apply is answered "duplicate", counted as not applied). */
  load.errors++;
  if (load.errors <= 10)
    g_printerr ("client %u (%s): %s\n", client->index, client->user->login, what);
  client->step = STEP_PUSH;
}

static void
client_handle (Client      *client,
               GBytes      *bytes,
               const GError *error)
{
  g_autoptr(JsonObject) answer = NULL;
  guint status;

  if (bytes == NULL)
    {
      g_autofree char *what = g_strdup_printf ("transport error: %s", error->message);
      client_error (client, what);
      return;
    }
  status = soup_message_get_status (client->msg);
  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      gsize length = 0;
      const char *data = g_bytes_get_data (bytes, &length);
      g_autofree char *what = g_strdup_printf ("status %u: %.*s", status,
                                               (int) MIN (length, 300), data);
      client_error (client, what);
      return;
    }
  if ((answer = parse_object (bytes)) == NULL)
    {
      client_error (client, "the answer is not a JSON object");
      return;
    }

  if (client->step == STEP_PUSH)
    {
      guint applied = count_applied (answer, client->next_id, CYCLE_COMMENTS);

      load.applied += applied;
      load.not_applied += CYCLE_COMMENTS - applied;
      if (applied != CYCLE_COMMENTS && load.not_applied <= 10 * CYCLE_COMMENTS)
        g_printerr ("client %u (%s): %u of %u comments not applied\n", client->index,
                    client->user->login, CYCLE_COMMENTS - applied, CYCLE_COMMENTS);
      client->next_id += CYCLE_COMMENTS;
      client->pick += CYCLE_COMMENTS;
      client->step = STEP_PULL;
      client->pages = 0;
    }
  else
    {
      const char *cursor = json_object_get_string_member_with_default (answer, "cursor", NULL);

      if (cursor == NULL || !json_object_has_member (answer, "changes"))
        {
          client_error (client, "a pull answer without changes or cursor");
          return;
        }
      load.changes += json_array_get_length (json_object_get_array_member (answer, "changes"));
      g_free (client->cursor);
      client->cursor = g_strdup (cursor);
      client->pages++;
      if (!json_object_get_boolean_member_with_default (answer, "has_more", FALSE)
          || client->pages >= CYCLE_MAX_PAGES)
        {
          load.cycles++;
          client->step = STEP_PUSH;
        }
    }
}

static void
on_client_answer (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Client *client = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  double latency_ms;

  bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  latency_ms = (now_s () - client->sent_at) * 1000.0;
  load.requests++;
  g_array_append_val (load.latencies_ms, latency_ms);

  client_handle (client, bytes, error);
  g_clear_object (&client->msg);
  client_send (client);
}

/* The client's next request, unless the time is up. */
static void
client_send (Client *client)
{
  g_autoptr(JsonNode) body = NULL;

  if (now_s () >= load.deadline)
    {
      load.n_active--;
      return;
    }

  if (client->step == STEP_PUSH)
    {
      body = push_body (client->client_id, client->next_id, CYCLE_COMMENTS,
                        client->user->case_ids, client->pick);
      client->msg = new_message ("/api/v1/sync/push", client->token, body);
    }
  else
    {
      body = pull_body (client->client_id, client->cursor);
      client->msg = new_message ("/api/v1/sync/pull", client->token, body);
    }

  client->sent_at = now_s ();
  soup_session_send_and_read_async (client->session, client->msg, G_PRIORITY_DEFAULT, NULL,
                                    on_client_answer, client);
}

static void
client_free (Client *client)
{
  if (client->session != NULL)
    soup_session_abort (client->session);
  g_clear_object (&client->msg);
  g_clear_object (&client->session);
  g_free (client->token);
  g_free (client->client_id);
  g_free (client->cursor);
  g_free (client);
}

static int
compare_doubles (const void *a,
                 const void *b)
{
  double x = *(const double *) a;
  double y = *(const double *) b;
  return (x > y) - (x < y);
}

/* @samples sorted */
static double
percentile (GArray *samples,
            double  p)
{
  guint index;

  if (samples->len == 0)
    return 0;
  index = (guint) (p * (samples->len - 1) + 0.5);
  return g_array_index (samples, double, MIN (index, samples->len - 1));
}

/* ---- The report ------------------------------------------------------------------------ */

static void
add_number (GString    *json,
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

static void
add_strings (GString            *json,
             const char         *name,
             const char * const *values,
             guint               n)
{
  g_string_append_printf (json, "%s\"%s\": [", json->len > 1 ? ", " : "", name);
  for (guint i = 0; i < n; i++)
    g_string_append_printf (json, "%s\"%s\"", i > 0 ? ", " : "", values[i]);
  g_string_append_c (json, ']');
}

static void
user_free (User *user)
{
  g_free (user->login);
  g_free (user->user_id);
  g_strfreev (user->team_ids);
  g_clear_pointer (&user->case_ids, g_ptr_array_unref);
  g_free (user->cursor);
  g_free (user);
}

/* ---- main ------------------------------------------------------------------------------ */

int
main (int    argc,
      char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) users = g_ptr_array_new_with_free_func ((GDestroyNotify) user_free);
  g_autoptr(GPtrArray) clients = g_ptr_array_new_with_free_func ((GDestroyNotify) client_free);
  g_autoptr(GHashTable) by_user = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) by_team = NULL;
  g_autoptr(GHashTable) seen = NULL;
  g_autoptr(GString) json = g_string_new ("{");
  g_autoptr(SoupSession) session = NULL;
  g_autofree char *server_path = NULL;
  const TbDemoUser *demo_users;
  guint n_demo_users = 0;
  int n_cases = 100000;
  int n_clients = 50;
  int seconds = 20;
  PullStats initial = { 0 };
  Collect collect;
  double pull_s, start_rss_mb, pull_rss_mb, push_s, load_s;
  double cpu_server, cpu_own;
  const GOptionEntry entries[] = {
    { "cases", 0, 0, G_OPTION_ARG_INT, &n_cases, "Demo cases on the server (100000)", "N" },
    { "clients", 0, 0, G_OPTION_ARG_INT, &n_clients, "Concurrent clients (50)", "N" },
    { "seconds", 0, 0, G_OPTION_ARG_INT, &seconds, "Seconds of concurrent load (20)", "S" },
    { "server", 0, 0, G_OPTION_ARG_FILENAME, &server_path,
      "The tongban-server executable (default: the one built with the bench)", "PATH" },
    { NULL }
  };

  context = g_option_context_new (NULL);
  g_option_context_set_summary (context,
                                "Benchmarks the reference server on loopback: a full initial "
                                "pull, push throughput, and concurrent desks. Prints one JSON "
                                "object as the last line.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (n_cases < 1 || n_cases > MAX_CASES || n_clients < 1 || n_clients > MAX_CLIENTS
      || seconds < 1 || seconds > MAX_SECONDS)
    {
      g_printerr ("--cases must be 1–%d, --clients 1–%d, --seconds 1–%d\n", MAX_CASES,
                  MAX_CLIENTS, MAX_SECONDS);
      return 2;
    }
  if (server_path == NULL)
    server_path = g_strdup (TB_SERVER_PATH);
  {
    g_autofree char *found = g_find_program_in_path (server_path);

    if (found == NULL)
      {
        g_printerr ("No server executable at %s (build it, or pass --server)\n", server_path);
        return 1;
      }
  }

  /* The demo users' passwords are hashed here, with the cheapest Argon2id parameters: the
   * bench measures sync, not the sign-in's deliberate cost (nor its 64 MiB in the peak). */
  g_setenv (TB_SERVER_PWHASH_ENV, "min", TRUE);

  bench.dir = g_dir_make_tmp ("tb-bench-server-XXXXXX", &error);
  if (bench.dir == NULL)
    fail ("cannot make a temporary folder: %s", error->message);
  bench.db_path = g_build_filename (bench.dir, "server.db", NULL);
  bench.log_path = g_build_filename (bench.dir, "server.log", NULL);
  g_unix_signal_add (SIGINT, on_interrupt, NULL);
  g_unix_signal_add (SIGTERM, on_interrupt, NULL);

  prepare_database ((guint) n_cases);
  start_server (server_path);
  session = new_session ();

  /* The acting demo users: caseworkers and supervisors. */
  demo_users = tb_demo_get_users (&n_demo_users);
  for (guint i = 0; i < n_demo_users; i++)
    if ((demo_users[i].roles & (TB_ROLE_CASEWORKER | TB_ROLE_SUPERVISOR)) != 0)
      {
        User *user = g_new0 (User, 1);
        g_autofree char *token = NULL;

        user->login = g_strdup (demo_users[i].login);
        user->case_ids = g_ptr_array_new_with_free_func (g_free);
        token = sign_in (session, user->login, user);
        g_ptr_array_add (users, user);
        g_hash_table_insert (by_user, user->user_id, user);
      }
  if (users->len == 0)
    fail ("no demo caseworkers or supervisors");

  /* Phase 1: every case, pulled from scratch by the supervisors (together they see all). */
  start_rss_mb = server_peak_rss_mb ();
  seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  by_team = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                   (GDestroyNotify) g_ptr_array_unref);
  collect = (Collect) { seen, by_user, by_team, 0 };
  {
    double start = now_s ();

    for (guint s = 0; s < G_N_ELEMENTS (supervisors); s++)
      {
        g_autofree char *client_id = g_uuid_string_random ();
        g_autofree char *token = NULL;
        User *user = NULL;
        guint before = initial.case_puts;
        double began = now_s ();

        for (guint i = 0; i < users->len; i++)
          if (strcmp (((User *) g_ptr_array_index (users, i))->login, supervisors[s]) == 0)
            user = g_ptr_array_index (users, i);
        if (user == NULL || !user->supervisor)
          fail ("%s is not a demo supervisor", supervisors[s]);

        token = sign_in (session, supervisors[s], NULL);
        user->cursor = pull_all (session, token, client_id, NULL, (guint) n_cases + 100000,
                                 on_initial_case, &collect, &initial);
        g_printerr ("Initial pull of %s: %u cases in %.2f s\n", supervisors[s],
                    initial.case_puts - before, now_s () - began);
      }
    pull_s = now_s () - start;
  }
  pull_rss_mb = server_peak_rss_mb ();

  if (collect.duplicates > 0)
    fail ("the initial pulls sent %u cases twice", collect.duplicates);
  if (initial.case_puts != (guint) n_cases)
    fail ("the initial pulls sent %u cases, not %d", initial.case_puts, n_cases);
  g_printerr ("Initial pull: %u cases, %u pages, %.1f MB in %.2f s (%.2f s waiting for the "
              "server); server peak RSS %.1f MB (%.1f MB before)\n", initial.case_puts,
              initial.pages, initial.bytes / 1e6, pull_s, initial.wait_s, pull_rss_mb,
              start_rss_mb);

  /* Supervisors comment on their teams' cases. */
  for (guint i = 0; i < users->len; i++)
    {
      User *user = g_ptr_array_index (users, i);

      for (guint t = 0; user->supervisor && user->team_ids[t] != NULL; t++)
        {
          GPtrArray *cases = g_hash_table_lookup (by_team, user->team_ids[t]);

          for (guint c = 0; cases != NULL && c < cases->len; c++)
            g_ptr_array_add (user->case_ids, g_strdup (g_ptr_array_index (cases, c)));
        }
      if (user->case_ids->len == 0)
        fail ("%s has no cases to comment on", user->login);
    }

  /* Phase 2: push throughput, one desk of the first supervisor, 100 comments a request. */
  {
    g_autofree char *client_id = g_uuid_string_random ();
    g_autofree char *token = sign_in (session, supervisors[0], NULL);
    User *user = NULL;
    double start;

    for (guint i = 0; i < users->len; i++)
      if (strcmp (((User *) g_ptr_array_index (users, i))->login, supervisors[0]) == 0)
        user = g_ptr_array_index (users, i);
    g_assert (user != NULL);

    start = now_s ();
    for (gint64 first = 1; first <= PUSH_TOTAL; first += PUSH_BATCH)
      {
        g_autoptr(JsonNode) body = push_body (client_id, first, PUSH_BATCH, user->case_ids,
                                              (guint) (first - 1));
        g_autoptr(JsonObject) answer = post (session, "/api/v1/sync/push", token, body, NULL,
                                             NULL);
        guint applied = count_applied (answer, first, PUSH_BATCH);

        if (applied != PUSH_BATCH
            || json_array_get_length (json_object_get_array_member (answer, "results"))
               != PUSH_BATCH)
          fail ("push of mutations %" G_GINT64_FORMAT "...: %u of %d applied", first, applied,
                PUSH_BATCH);
        if (json_object_get_int_member_with_default (answer, "last_mutation_id", 0)
            != first + PUSH_BATCH - 1)
          fail ("push of mutations %" G_GINT64_FORMAT "...: last_mutation_id is not %"
                G_GINT64_FORMAT, first, first + PUSH_BATCH - 1);
      }
    push_s = now_s () - start;
    g_printerr ("Push: %d comments in batches of %d, all applied, in %.2f s; server peak RSS "
                "%.1f MB\n", PUSH_TOTAL, PUSH_BATCH, push_s, server_peak_rss_mb ());
  }

  /* Every acting user gets an up-to-date cursor, as a desk that synced before has: the
   * supervisors catch up on the pushed comments, the caseworkers sync from scratch once.
   * Load clients of one user start from it (a cursor is the user's, not the desk's). */
  {
    double start = now_s ();

    for (guint i = 0; i < users->len; i++)
      {
        User *user = g_ptr_array_index (users, i);
        g_autofree char *client_id = g_uuid_string_random ();
        g_autofree char *token = sign_in (session, user->login, NULL);
        g_autofree char *cursor = NULL;
        PullStats stats = { 0 };

        cursor = pull_all (session, token, client_id, user->cursor,
                           (guint) n_cases + 100000, NULL, NULL, &stats);
        g_free (user->cursor);
        user->cursor = g_steal_pointer (&cursor);
        g_printerr ("Synced %s: %u cases\n", user->login, stats.case_puts);
      }
    g_printerr ("Desks synced in %.1f s; server peak RSS %.1f MB\n", now_s () - start,
                server_peak_rss_mb ());
  }

  /* Phase 3: concurrent desks, each signed in on its own, push + pull cycles. */
  g_printerr ("%d clients for %d s...\n", n_clients, seconds);
  for (guint i = 0; i < (guint) n_clients; i++)
    {
      Client *client = g_new0 (Client, 1);

      client->index = i;
      client->user = g_ptr_array_index (users, i % users->len);
      client->session = new_session ();
      client->token = sign_in (client->session, client->user->login, NULL);
      client->client_id = g_uuid_string_random ();
      client->cursor = g_strdup (client->user->cursor);
      client->next_id = 1;
      /* Clients of one user comment on different cases of theirs. */
      client->pick = (i / users->len) * 997;
      client->step = STEP_PUSH;
      g_ptr_array_add (clients, client);
    }

  load.latencies_ms = g_array_new (FALSE, FALSE, sizeof (double));
  cpu_server = server_cpu_s ();
  cpu_own = own_cpu_s ();
  {
    double start = now_s ();

    load.deadline = start + seconds;
    load.n_active = clients->len;
    for (guint i = 0; i < clients->len; i++)
      client_send (g_ptr_array_index (clients, i));
    /* Bounded: no request starts after the deadline, and each times out. */
    while (load.n_active > 0)
      g_main_context_iteration (NULL, TRUE);
    load_s = now_s () - start;
  }
  cpu_server = server_cpu_s () - cpu_server;
  cpu_own = own_cpu_s () - cpu_own;
  g_array_sort (load.latencies_ms, compare_doubles);

  g_printerr ("Load: %" G_GUINT64_FORMAT " requests in %.2f s, %" G_GUINT64_FORMAT
              " errors, %" G_GUINT64_FORMAT " cycles, %" G_GUINT64_FORMAT " comments applied, %"
              G_GUINT64_FORMAT " not; server CPU %.0f %%, bench CPU %.0f %%\n",
              load.requests, load_s, load.errors, load.cycles, load.applied, load.not_applied,
              100 * cpu_server / load_s, 100 * cpu_own / load_s);

  add_number (json, "cases", n_cases, 0);
  add_strings (json, "initial_pull_users", supervisors, G_N_ELEMENTS (supervisors));
  add_number (json, "initial_pull_s", pull_s, 3);
  add_number (json, "initial_pull_server_wait_s", initial.wait_s, 3);
  add_number (json, "initial_pull_cases", initial.case_puts, 0);
  add_number (json, "initial_pull_pages", initial.pages, 0);
  add_number (json, "initial_pull_rss_mb", pull_rss_mb, 1);
  add_number (json, "server_start_rss_mb", start_rss_mb, 1);
  add_number (json, "push_mutations", PUSH_TOTAL, 0);
  add_number (json, "push_batch", PUSH_BATCH, 0);
  add_number (json, "push_s", push_s, 3);
  add_number (json, "push_mutations_per_s", PUSH_TOTAL / push_s, 1);
  add_number (json, "clients", n_clients, 0);
  add_number (json, "seconds", seconds, 0);
  add_number (json, "load_s", load_s, 2);
  add_number (json, "requests", load.requests, 0);
  add_number (json, "requests_per_s", load.requests / load_s, 1);
  add_number (json, "errors", load.errors, 0);
  add_number (json, "cycles", load.cycles, 0);
  add_number (json, "changes_pulled", load.changes, 0);
  add_number (json, "comments_applied", load.applied, 0);
  add_number (json, "comments_not_applied", load.not_applied, 0);
  add_number (json, "request_p50_ms", percentile (load.latencies_ms, 0.50), 1);
  add_number (json, "request_p95_ms", percentile (load.latencies_ms, 0.95), 1);
  add_number (json, "request_p99_ms", percentile (load.latencies_ms, 0.99), 1);
  add_number (json, "load_server_cpu_percent", 100 * cpu_server / load_s, 0);
  add_number (json, "load_bench_cpu_percent", 100 * cpu_own / load_s, 0);
  add_number (json, "server_peak_rss_mb", server_peak_rss_mb (), 1);
  add_number (json, "server_end_rss_mb", proc_status_kb ("VmRSS") / 1024.0, 1);
  g_string_append_c (json, '}');
  g_array_unref (load.latencies_ms);

  g_ptr_array_set_size (clients, 0);
  cleanup (FALSE);
  g_print ("%s\n", json->str);

  return load.errors > 0 || load.not_applied > 0 ? 1 : 0;
}
