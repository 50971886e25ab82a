/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-test-server.c: a reference server on a free port and a real HTTP client, for tests */

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "tb-problem.h"
#include "tb-server-auth.h"
#include "tb-server-sync.h"
#include "tb-test-common.h"
#include "tb-test-server.h"

/**
 * tb_test_server_new:
 *
 * Starts a server on a fresh database with the demo teams and users (password
 * %TB_SERVER_DEMO_PASSWORD, cheapest hashing), listening on 127.0.0.1 and a free port.
 *
 * Returns: (transfer full): the server and a client
 */
TbTestServer *
tb_test_server_new (void)
{
  TbTestServer *ts = g_new0 (TbTestServer, 1);
  g_autoptr(GError) error = NULL;

  /* Tests sign in hundreds of times: the interactive Argon2id limits would take minutes. */
  g_setenv (TB_SERVER_PWHASH_ENV, "min", TRUE);

  ts->dir = g_dir_make_tmp ("tongban-server-XXXXXX", &error);
  g_assert_no_error (error);
  ts->db_path = g_build_filename (ts->dir, "server.db", NULL);

  ts->server = tb_server_new (ts->db_path, &error);
  g_assert_no_error (error);
  g_assert_true (tb_server_auth_seed_demo (tb_server_get_db (ts->server),
                                           TB_SERVER_DEMO_PASSWORD, &error));
  g_assert_no_error (error);
  g_assert_true (tb_server_listen (ts->server, "127.0.0.1:0", NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (tb_server_get_port (ts->server), >, 0);
  ts->base = tb_server_get_base_uri (ts->server);

  ts->session = soup_session_new_with_options ("timeout", 30, NULL);
  soup_session_set_proxy_resolver (ts->session, NULL);
  ts->today = TB_DAY_INVALID;

  return ts;
}

/**
 * tb_test_server_new_demo:
 * @n_cases: how many demo cases
 * @today: the day the demo is made for, and the server's today until tb_test_server_free()
 *
 * Starts a server as tb_test_server_new() does, with @n_cases cases of the demo
 * (%TB_TEST_DEMO_SEED) besides its teams and users.
 *
 * Returns: (transfer full): the server and a client
 */
TbTestServer *
tb_test_server_new_demo (guint n_cases,
                         TbDay today)
{
  TbTestServer *ts = tb_test_server_new ();
  g_autoptr(GError) error = NULL;

  g_assert_true (tb_server_sync_seed_demo (tb_server_get_db (ts->server), n_cases,
                                           TB_TEST_DEMO_SEED, today, &error));
  g_assert_no_error (error);
  tb_server_sync_set_today (today);
  ts->today = today;
  return ts;
}

/**
 * tb_test_server_free:
 * @ts: (transfer full): a test server
 *
 * Stops it and removes its database.
 */
void
tb_test_server_free (TbTestServer *ts)
{
  if (ts == NULL)
    return;

  if (ts->today != TB_DAY_INVALID)
    tb_server_sync_set_today (TB_DAY_INVALID);
  soup_session_abort (ts->session);
  g_clear_object (&ts->session);
  tb_server_disconnect (ts->server);
  /* Let closed connections finish before the server goes. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_finalize_object (ts->server);
  tb_test_remove_dir (ts->dir);
  g_free (ts->base);
  g_free (ts->dir);
  g_free (ts->db_path);
  g_free (ts);
}

typedef struct
{
  gboolean  done;
  GBytes   *bytes;
  GError   *error;
} SendData;

static void
on_sent (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  SendData *data = user_data;

  data->bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &data->error);
  data->done = TRUE;
}

/**
 * tb_test_request_full:
 * @ts: a test server
 * @method: the method
 * @path: the path, with query if any
 * @options: (nullable): the rest of the request
 *
 * Sends a request and runs the main context until the answer is in.
 *
 * Returns: (transfer full): the answer
 */
TbTestResponse *
tb_test_request_full (TbTestServer               *ts,
                      const char                 *method,
                      const char                 *path,
                      const TbTestRequestOptions *options)
{
  static const TbTestRequestOptions none = { 0 };
  TbTestResponse *response = g_new0 (TbTestResponse, 1);
  g_autofree char *uri = g_strconcat (ts->base, path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, uri);
  SoupMessageHeaders *headers;
  SendData data = { 0 };

  if (options == NULL)
    options = &none;

  g_assert_nonnull (msg);
  headers = soup_message_get_request_headers (msg);

  if (options->token != NULL)
    {
      g_autofree char *value = g_strconcat ("Bearer ", options->token, NULL);
      soup_message_headers_replace (headers, "Authorization", value);
    }
  if (strcmp (method, "GET") == 0 && !options->no_version_header)
    soup_message_headers_replace (headers, "Tongban-Schema-Version", "1");
  for (guint i = 0; options->headers != NULL && options->headers[i] != NULL; i += 2)
    soup_message_headers_replace (headers, options->headers[i], options->headers[i + 1]);

  if (options->stream != NULL)
    soup_message_set_request_body (msg, options->content_type != NULL ? options->content_type
                                                                      : "application/json",
                                   options->stream, options->chunked ? -1 : options->length);
  else if (options->body != NULL)
    {
      gsize length = options->length >= 0 ? (gsize) options->length : strlen (options->body);
      g_autoptr(GBytes) bytes = g_bytes_new (options->body, length);
      const char *type = options->content_type != NULL ? options->content_type
                                                       : "application/json";

      if (options->chunked)
        {
          g_autoptr(GInputStream) stream = g_memory_input_stream_new_from_bytes (bytes);
          soup_message_set_request_body (msg, type, stream, -1);
        }
      else
        soup_message_set_request_body_from_bytes (msg, type, bytes);
    }

  if (options->expect_continue)
    soup_message_headers_set_expectations (headers, SOUP_EXPECTATION_CONTINUE);
  if (options->new_connection)
    soup_message_add_flags (msg, SOUP_MESSAGE_NEW_CONNECTION);

  soup_session_send_and_read_async (ts->session, msg, G_PRIORITY_DEFAULT, NULL, on_sent, &data);
  while (!data.done)
    g_main_context_iteration (NULL, TRUE);

  response->error = data.error;
  response->body = data.bytes;
  if (data.error == NULL)
    {
      const char *type;

      response->status = soup_message_get_status (msg);
      response->headers = soup_message_headers_ref (soup_message_get_response_headers (msg));
      type = soup_message_headers_get_content_type (response->headers, NULL);
      if (type != NULL && (strcmp (type, "application/json") == 0
                           || strcmp (type, "application/problem+json") == 0))
        {
          gsize length = 0;
          const char *text = g_bytes_get_data (response->body, &length);
          g_autoptr(JsonParser) parser = json_parser_new ();

          /* Left NULL if it does not parse: a cut answer, for the fault tests. */
          if (json_parser_load_from_data (parser, text, length, NULL))
            response->json = json_node_ref (json_parser_get_root (parser));
        }
    }

  return response;
}

/**
 * tb_test_request:
 * @ts: a test server
 * @method: the method
 * @path: the path
 * @token: (nullable): a bearer token
 * @body: (nullable): a JSON body
 *
 * Returns: (transfer full): the answer
 */
TbTestResponse *
tb_test_request (TbTestServer *ts,
                 const char   *method,
                 const char   *path,
                 const char   *token,
                 const char   *body)
{
  TbTestRequestOptions options = { .token = token, .body = body, .length = -1 };

  return tb_test_request_full (ts, method, path, &options);
}

/**
 * tb_test_response_free:
 * @response: (transfer full): an answer
 */
void
tb_test_response_free (TbTestResponse *response)
{
  if (response == NULL)
    return;
  g_clear_error (&response->error);
  g_clear_pointer (&response->headers, soup_message_headers_unref);
  g_clear_pointer (&response->body, g_bytes_unref);
  g_clear_pointer (&response->json, json_node_unref);
  g_free (response);
}

/**
 * tb_test_response_get_string:
 * @response: a JSON answer
 * @member: a member of its object
 *
 * Returns: (nullable): the member's string value
 */
const char *
tb_test_response_get_string (TbTestResponse *response,
                             const char     *member)
{
  JsonObject *object;

  g_assert_nonnull (response->json);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (response->json));
  object = json_node_get_object (response->json);
  if (!json_object_has_member (object, member))
    return NULL;
  return json_object_get_string_member (object, member);
}

static void
assert_schema_version (TbTestResponse *response)
{
  JsonObject *object;

  g_assert_nonnull (response->json);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (response->json));
  object = json_node_get_object (response->json);
  g_assert_true (json_object_has_member (object, "schema_version"));
  g_assert_cmpint (json_object_get_int_member (object, "schema_version"), ==, 1);
}

/**
 * tb_test_assert_json_answer:
 * @response: an answer
 * @status: the status it must have
 *
 * Asserts a JSON object answer with `schema_version` 1.
 */
void
tb_test_assert_json_answer (TbTestResponse *response,
                            guint           status)
{
  g_assert_no_error (response->error);
  g_assert_cmpuint (response->status, ==, status);
  g_assert_cmpstr (soup_message_headers_get_content_type (response->headers, NULL), ==,
                   "application/json");
  assert_schema_version (response);
}

/**
 * tb_test_assert_problem:
 * @response: an answer
 * @status: the status it must have
 * @name: (nullable): the problem's short name ("unauthorized"), or %NULL for "about:blank"
 *
 * Asserts a problem+json answer of that type, with `schema_version` 1.
 */
void
tb_test_assert_problem (TbTestResponse *response,
                        guint           status,
                        const char     *name)
{
  JsonObject *object;
  g_autofree char *type = name != NULL ? g_strconcat (TB_PROBLEM_BASE_URI, name, NULL)
                                       : g_strdup ("about:blank");

  g_assert_no_error (response->error);
  g_assert_cmpuint (response->status, ==, status);
  g_assert_cmpstr (soup_message_headers_get_content_type (response->headers, NULL), ==,
                   "application/problem+json");
  assert_schema_version (response);
  object = json_node_get_object (response->json);
  g_assert_cmpstr (json_object_get_string_member (object, "type"), ==, type);
  g_assert_cmpint (json_object_get_int_member (object, "status"), ==, status);
  g_assert_nonnull (json_object_get_string_member (object, "title"));
  g_assert_nonnull (json_object_get_string_member (object, "detail"));
}

/**
 * tb_test_sign_in:
 * @ts: a test server
 * @login: a login
 * @password: its password
 * @refresh_token: (out) (optional): the refresh token
 *
 * Signs in, asserting success.
 *
 * Returns: (transfer full): the access token
 */
char *
tb_test_sign_in (TbTestServer  *ts,
                 const char    *login,
                 const char    *password,
                 char         **refresh_token)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *body = NULL;
  g_autoptr(TbTestResponse) response = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "schema_version");
  json_builder_add_int_value (builder, 1);
  json_builder_set_member_name (builder, "login");
  json_builder_add_string_value (builder, login);
  json_builder_set_member_name (builder, "password");
  json_builder_add_string_value (builder, password);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  body = json_to_string (root, FALSE);

  response = tb_test_request (ts, "POST", "/api/v1/session", NULL, body);
  tb_test_assert_json_answer (response, 200);
  if (refresh_token != NULL)
    *refresh_token = g_strdup (tb_test_response_get_string (response, "refresh_token"));
  return g_strdup (tb_test_response_get_string (response, "access_token"));
}

static gboolean
on_wait_done (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/**
 * tb_test_wait:
 * @milliseconds: how long
 *
 * Runs the main context for a while (the server keeps answering).
 */
void
tb_test_wait (guint milliseconds)
{
  gboolean done = FALSE;

  g_timeout_add (milliseconds, on_wait_done, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

/**
 * tb_test_wait_cb:
 * @source: (nullable): the source object
 * @result: the result
 * @user_data: a `GAsyncResult **` that is %NULL until then
 *
 * A #GAsyncReadyCallback that keeps a reference to @result in @user_data, so that a test can
 * call an asynchronous function and wait for it with tb_test_wait_result().
 */
void
tb_test_wait_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

/**
 * tb_test_wait_result:
 * @slot: where tb_test_wait_cb() puts the result
 *
 * Runs the main context until the asynchronous call has finished.
 *
 * Returns: (transfer none): the result; the caller owns the reference in @slot
 */
GAsyncResult *
tb_test_wait_result (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *slot;
}

/**
 * tb_test_engine_sign_in:
 * @engine: a sync engine on a test server
 * @login: a demo user
 * @error: return location for a #GError
 *
 * Signs @engine in as @login with the demo password and waits for the answer.
 *
 * Returns: %FALSE with @error set if the sign-in failed
 */
gboolean
tb_test_engine_sign_in (TbSyncEngine  *engine,
                        const char    *login,
                        GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  tb_sync_engine_sign_in_async (engine, login, TB_SERVER_DEMO_PASSWORD, NULL, tb_test_wait_cb,
                                &result);
  return tb_sync_engine_sign_in_finish (engine, tb_test_wait_result (&result), error);
}

/**
 * tb_test_engine_sync:
 * @engine: a signed-in sync engine
 * @summary: (out) (optional): what the sync did
 * @error: return location for a #GError
 *
 * Runs one sync, as Sync Now does, and waits for it to end.
 *
 * Returns: %FALSE with @error set if the sync did not complete
 */
gboolean
tb_test_engine_sync (TbSyncEngine   *engine,
                     TbSyncSummary  *summary,
                     GError        **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  tb_sync_engine_sync_async (engine, NULL, tb_test_wait_cb, &result);
  return tb_sync_engine_sync_finish (engine, tb_test_wait_result (&result), summary, error);
}

/**
 * tb_test_query_int:
 * @ts: a test server
 * @sql: a query returning one integer
 *
 * Returns: its result, read from the server's own connection
 */
gint64
tb_test_query_int (TbTestServer *ts,
                   const char   *sql)
{
  sqlite3 *db = tb_server_get_db (ts->server);
  sqlite3_stmt *stmt = NULL;
  gint64 value;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return value;
}

/**
 * tb_test_client_open:
 * @c: a closed client
 * @server_url: the server it syncs with
 * @use_keyring: whether its engine keeps sessions in the Secret Service (the engine's
 *   default, which this asserts) or not
 *
 * Opens the client's store and makes its engine, as a start of the app does.
 */
void
tb_test_client_open (TbTestClient *c,
                     const char   *server_url,
                     gboolean      use_keyring)
{
  g_autoptr(GError) error = NULL;

  g_assert_null (c->store);
  c->store = tb_store_open (c->path, &error);
  g_assert_no_error (error);
  c->engine = tb_sync_engine_new (c->store, server_url);
  if (use_keyring)
    g_assert_true (tb_sync_engine_get_use_keyring (c->engine));
  else
    tb_sync_engine_set_use_keyring (c->engine, FALSE);
}

/**
 * tb_test_client_new:
 * @dir: the test's folder
 * @name: the store's name: @dir/@name.db
 * @server_url: the server it syncs with
 * @use_keyring: as for tb_test_client_open()
 *
 * Returns: (transfer full): a client, open and signed out
 */
TbTestClient *
tb_test_client_new (const char *dir,
                    const char *name,
                    const char *server_url,
                    gboolean    use_keyring)
{
  TbTestClient *c = g_new0 (TbTestClient, 1);
  g_autofree char *file = g_strdup_printf ("%s.db", name);

  c->path = g_build_filename (dir, file, NULL);
  tb_test_client_open (c, server_url, use_keyring);
  return c;
}

/* A thread of the cache may hold its task, and so the cache, a moment after the answer. */
static void
wait_for_last_reference (gpointer object)
{
  for (guint i = 0; i < 1000 && g_atomic_int_get (&G_OBJECT (object)->ref_count) > 1; i++)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

/**
 * tb_test_client_close:
 * @c: an open client
 *
 * As quitting does: everything of the session goes, asserting that nothing keeps it, but the
 * files.
 */
void
tb_test_client_close (TbTestClient *c)
{
  g_clear_object (&c->service);
  if (c->cache != NULL)
    {
      wait_for_last_reference (c->cache);
      g_assert_finalize_object (g_steal_pointer (&c->cache));
    }
  g_assert_finalize_object (g_steal_pointer (&c->engine));
  g_assert_finalize_object (g_steal_pointer (&c->store));
}

/**
 * tb_test_client_free:
 * @c: (transfer full): a client
 *
 * Closes it if it is open.
 */
void
tb_test_client_free (TbTestClient *c)
{
  if (c == NULL)
    return;
  if (c->store != NULL)
    tb_test_client_close (c);
  g_free (c->path);
  g_free (c->login);
  g_free (c);
}

/**
 * tb_test_client_sign_in:
 * @c: an open client
 * @login: a demo user
 * @error: return location for a #GError
 *
 * Signs in as @login with the demo password, as tb_test_engine_sign_in() does.
 *
 * Returns: %FALSE with @error set if the sign-in failed
 */
gboolean
tb_test_client_sign_in (TbTestClient  *c,
                        const char    *login,
                        GError       **error)
{
  if (!tb_test_engine_sign_in (c->engine, login, error))
    return FALSE;
  g_free (c->login);
  c->login = g_strdup (login);
  return TRUE;
}

/**
 * tb_test_client_start:
 * @c: an open client
 * @login: a demo user
 * @today: the day its case service works on
 *
 * Signs in and syncs once, asserting success; #TbTestClient.service acts as that user
 * afterwards.
 */
void
tb_test_client_start (TbTestClient *c,
                      const char   *login,
                      TbDay         today)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) teams = NULL;
  TbRole roles = TB_ROLE_NONE;
  const char *user_id;

  g_assert_true (tb_test_client_sign_in (c, login, &error));
  g_assert_no_error (error);
  g_assert_true (tb_test_engine_sync (c->engine, NULL, &error));
  g_assert_no_error (error);

  user_id = tb_sync_engine_get_user_id (c->engine);
  g_assert_true (tb_store_get_user_access (c->store, user_id, &roles, &teams, &error));
  g_assert_no_error (error);
  g_clear_object (&c->service);
  c->service = tb_case_service_new (c->store, user_id, roles, (const char * const *) teams);
  tb_case_service_set_today (c->service, today);
}
