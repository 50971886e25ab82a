/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-bench-server.c: the reference server under load: initial pull, push, concurrent desks */

/*
 * The server runs as the real tongban-server executable, in a child process, on a database
 * with the demo users and --cases demo cases (see tb-bench-common.c).
 *
 * Progress goes to stderr; the last line on stdout is one JSON object with the figures.
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tb-bench-common.h"
#include "tb-demo.h"

#define PUSH_TOTAL       10000   /* mutations of the push throughput figure */
#define PUSH_BATCH       100     /* per request: the protocol's maximum */
#define CYCLE_COMMENTS   5       /* mutations pushed per cycle of a concurrent client */
#define CYCLE_MAX_PAGES  50      /* pull pages per cycle at most, to keep cycles bounded */
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
  g_autoptr(JsonObject) answer = tb_bench_sign_in (session, login);

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

  return g_strdup (json_object_get_string_member (answer, "access_token"));
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
      g_autoptr(JsonNode) body = tb_bench_pull_body (client_id, current);
      g_autoptr(JsonObject) answer = tb_bench_post (session, "/api/v1/sync/pull", token, body,
                                           &stats->wait_s, &stats->bytes);
      JsonArray *changes;
      const char *next;

      if (!json_object_has_member (answer, "changes")
          || (next = json_object_get_string_member_with_default (answer, "cursor", NULL))
             == NULL)
        tb_bench_fail ("a pull answer without changes or cursor");
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

  tb_bench_fail ("the pull did not end within %u pages", max_pages);
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
    tb_bench_fail ("a case put without an id");
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
  if ((answer = tb_bench_parse_object (bytes)) == NULL)
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
  latency_ms = (tb_bench_now () - client->sent_at) * 1000.0;
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

  if (tb_bench_now () >= load.deadline)
    {
      load.n_active--;
      return;
    }

  if (client->step == STEP_PUSH)
    {
      body = push_body (client->client_id, client->next_id, CYCLE_COMMENTS,
                        client->user->case_ids, client->pick);
      client->msg = tb_bench_new_message ("/api/v1/sync/push", client->token, body);
    }
  else
    {
      body = tb_bench_pull_body (client->client_id, client->cursor);
      client->msg = tb_bench_new_message ("/api/v1/sync/pull", client->token, body);
    }

  client->sent_at = tb_bench_now ();
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

/* ---- The report ------------------------------------------------------------------------ */

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
  g_autofree char *found = NULL;
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
  found = tb_bench_find_server (server_path);
  if (found == NULL)
    {
      g_printerr ("No server executable at %s (build it, or pass --server)\n",
                  server_path != NULL ? server_path : TB_SERVER_PATH);
      return 1;
    }

  tb_bench_init ("tb-bench-server");
  tb_bench_prepare_database ((guint) n_cases, NULL);
  tb_bench_start_server (found);
  session = tb_bench_new_session ();

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
    tb_bench_fail ("no demo caseworkers or supervisors");

  /* Phase 1: every case, pulled from scratch by the supervisors (together they see all). */
  start_rss_mb = tb_bench_server_peak_rss_mb ();
  seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  by_team = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                   (GDestroyNotify) g_ptr_array_unref);
  collect = (Collect) { seen, by_user, by_team, 0 };
  {
    double start = tb_bench_now ();

    for (guint s = 0; s < G_N_ELEMENTS (supervisors); s++)
      {
        g_autofree char *client_id = g_uuid_string_random ();
        g_autofree char *token = NULL;
        User *user = NULL;
        guint before = initial.case_puts;
        double began = tb_bench_now ();

        for (guint i = 0; i < users->len; i++)
          if (strcmp (((User *) g_ptr_array_index (users, i))->login, supervisors[s]) == 0)
            user = g_ptr_array_index (users, i);
        if (user == NULL || !user->supervisor)
          tb_bench_fail ("%s is not a demo supervisor", supervisors[s]);

        token = sign_in (session, supervisors[s], NULL);
        user->cursor = pull_all (session, token, client_id, NULL, (guint) n_cases + 100000,
                                 on_initial_case, &collect, &initial);
        g_printerr ("Initial pull of %s: %u cases in %.2f s\n", supervisors[s],
                    initial.case_puts - before, tb_bench_now () - began);
      }
    pull_s = tb_bench_now () - start;
  }
  pull_rss_mb = tb_bench_server_peak_rss_mb ();

  if (collect.duplicates > 0)
    tb_bench_fail ("the initial pulls sent %u cases twice", collect.duplicates);
  if (initial.case_puts != (guint) n_cases)
    tb_bench_fail ("the initial pulls sent %u cases, not %d", initial.case_puts, n_cases);
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
        tb_bench_fail ("%s has no cases to comment on", user->login);
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

    start = tb_bench_now ();
    for (gint64 first = 1; first <= PUSH_TOTAL; first += PUSH_BATCH)
      {
        g_autoptr(JsonNode) body = push_body (client_id, first, PUSH_BATCH, user->case_ids,
                                              (guint) (first - 1));
        g_autoptr(JsonObject) answer = tb_bench_post (session, "/api/v1/sync/push", token, body, NULL,
                                             NULL);
        guint applied = count_applied (answer, first, PUSH_BATCH);

        if (applied != PUSH_BATCH
            || json_array_get_length (json_object_get_array_member (answer, "results"))
               != PUSH_BATCH)
          tb_bench_fail ("push of mutations %" G_GINT64_FORMAT "...: %u of %d applied", first, applied,
                PUSH_BATCH);
        if (json_object_get_int_member_with_default (answer, "last_mutation_id", 0)
            != first + PUSH_BATCH - 1)
          tb_bench_fail ("push of mutations %" G_GINT64_FORMAT "...: last_mutation_id is not %"
                G_GINT64_FORMAT, first, first + PUSH_BATCH - 1);
      }
    push_s = tb_bench_now () - start;
    g_printerr ("Push: %d comments in batches of %d, all applied, in %.2f s; server peak RSS "
                "%.1f MB\n", PUSH_TOTAL, PUSH_BATCH, push_s, tb_bench_server_peak_rss_mb ());
  }

  /* Every acting user gets an up-to-date cursor, as a desk that synced before has: the
   * supervisors catch up on the pushed comments, the caseworkers sync from scratch once.
   * Load clients of one user start from it (a cursor is the user's, not the desk's). */
  {
    double start = tb_bench_now ();

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
    g_printerr ("Desks synced in %.1f s; server peak RSS %.1f MB\n", tb_bench_now () - start,
                tb_bench_server_peak_rss_mb ());
  }

  /* Phase 3: concurrent desks, each signed in on its own, push + pull cycles. */
  g_printerr ("%d clients for %d s...\n", n_clients, seconds);
  for (guint i = 0; i < (guint) n_clients; i++)
    {
      Client *client = g_new0 (Client, 1);

      client->index = i;
      client->user = g_ptr_array_index (users, i % users->len);
      client->session = tb_bench_new_session ();
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
  cpu_server = tb_bench_server_cpu_s ();
  cpu_own = tb_bench_own_cpu_s ();
  {
    double start = tb_bench_now ();

    load.deadline = start + seconds;
    load.n_active = clients->len;
    for (guint i = 0; i < clients->len; i++)
      client_send (g_ptr_array_index (clients, i));
    /* Bounded: no request starts after the deadline, and each times out. */
    while (load.n_active > 0)
      g_main_context_iteration (NULL, TRUE);
    load_s = tb_bench_now () - start;
  }
  cpu_server = tb_bench_server_cpu_s () - cpu_server;
  cpu_own = tb_bench_own_cpu_s () - cpu_own;

  g_printerr ("Load: %" G_GUINT64_FORMAT " requests in %.2f s, %" G_GUINT64_FORMAT
              " errors, %" G_GUINT64_FORMAT " cycles, %" G_GUINT64_FORMAT " comments applied, %"
              G_GUINT64_FORMAT " not; server CPU %.0f %%, bench CPU %.0f %%\n",
              load.requests, load_s, load.errors, load.cycles, load.applied, load.not_applied,
              100 * cpu_server / load_s, 100 * cpu_own / load_s);

  tb_bench_json_add_number (json, "cases", n_cases, 0);
  add_strings (json, "initial_pull_users", supervisors, G_N_ELEMENTS (supervisors));
  tb_bench_json_add_number (json, "initial_pull_s", pull_s, 3);
  tb_bench_json_add_number (json, "initial_pull_server_wait_s", initial.wait_s, 3);
  tb_bench_json_add_number (json, "initial_pull_cases", initial.case_puts, 0);
  tb_bench_json_add_number (json, "initial_pull_pages", initial.pages, 0);
  tb_bench_json_add_number (json, "initial_pull_rss_mb", pull_rss_mb, 1);
  tb_bench_json_add_number (json, "server_start_rss_mb", start_rss_mb, 1);
  tb_bench_json_add_number (json, "push_mutations", PUSH_TOTAL, 0);
  tb_bench_json_add_number (json, "push_batch", PUSH_BATCH, 0);
  tb_bench_json_add_number (json, "push_s", push_s, 3);
  tb_bench_json_add_number (json, "push_mutations_per_s", PUSH_TOTAL / push_s, 1);
  tb_bench_json_add_number (json, "clients", n_clients, 0);
  tb_bench_json_add_number (json, "seconds", seconds, 0);
  tb_bench_json_add_number (json, "load_s", load_s, 2);
  tb_bench_json_add_number (json, "requests", load.requests, 0);
  tb_bench_json_add_number (json, "requests_per_s", load.requests / load_s, 1);
  tb_bench_json_add_number (json, "errors", load.errors, 0);
  tb_bench_json_add_number (json, "cycles", load.cycles, 0);
  tb_bench_json_add_number (json, "changes_pulled", load.changes, 0);
  tb_bench_json_add_number (json, "comments_applied", load.applied, 0);
  tb_bench_json_add_number (json, "comments_not_applied", load.not_applied, 0);
  tb_bench_json_add_number (json, "request_p50_ms",
                            tb_bench_percentile (load.latencies_ms, 0.50), 1);
  tb_bench_json_add_number (json, "request_p95_ms",
                            tb_bench_percentile (load.latencies_ms, 0.95), 1);
  tb_bench_json_add_number (json, "request_p99_ms",
                            tb_bench_percentile (load.latencies_ms, 0.99), 1);
  tb_bench_json_add_number (json, "load_server_cpu_percent", 100 * cpu_server / load_s, 0);
  tb_bench_json_add_number (json, "load_bench_cpu_percent", 100 * cpu_own / load_s, 0);
  tb_bench_json_add_number (json, "server_peak_rss_mb", tb_bench_server_peak_rss_mb (), 1);
  tb_bench_json_add_number (json, "server_end_rss_mb", tb_bench_server_status_kb ("VmRSS") / 1024.0, 1);
  g_string_append_c (json, '}');
  g_array_unref (load.latencies_ms);

  g_ptr_array_set_size (clients, 0);
  tb_bench_cleanup (FALSE);
  g_print ("%s\n", json->str);

  return load.errors > 0 || load.not_applied > 0 ? 1 : 0;
}
