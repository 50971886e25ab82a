/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-server-auth.c: sign-in, tokens, refresh rotation, expiry, throttling, the request log */

#include "config.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tb-server-auth.h"
#include "tb-test-common.h"
#include "tb-test-server.h"

#define DEMO_PASSWORD TB_SERVER_DEMO_PASSWORD

/* A route only these tests add: who the server thinks is asking. */
static JsonNode *
handle_whoami (TbServer         *server,
               TbServerRequest  *req,
               GError          **error)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "user_id");
  json_builder_add_string_value (builder, req->caller->user_id);
  json_builder_set_member_name (builder, "roles");
  json_builder_add_int_value (builder, req->caller->roles);
  json_builder_set_member_name (builder, "teams");
  json_builder_begin_array (builder);
  for (guint i = 0; req->caller->team_ids[i] != NULL; i++)
    json_builder_add_string_value (builder, req->caller->team_ids[i]);
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

static TbTestServer *
server_new (void)
{
  TbTestServer *ts = tb_test_server_new ();

  tb_server_add_route (ts->server, "GET", "/api/v1/test/whoami", 0, handle_whoami);
  return ts;
}

static guint
whoami_status (TbTestServer *ts,
               const char   *token)
{
  g_autoptr(TbTestResponse) response = tb_test_request (ts, "GET", "/api/v1/test/whoami",
                                                        token, NULL);

  g_assert_no_error (response->error);
  if (response->status == 401)
    {
      tb_test_assert_problem (response, 401, "unauthorized");
      g_assert_true (g_str_has_prefix (soup_message_headers_get_one (response->headers,
                                                                     "WWW-Authenticate"),
                                       "Bearer"));
    }
  return response->status;
}

static TbTestResponse *
sign_in_raw (TbTestServer *ts,
             const char   *login,
             const char   *password)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *body = NULL;

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

  return tb_test_request (ts, "POST", "/api/v1/session", NULL, body);
}

static TbTestResponse *
refresh_raw (TbTestServer *ts,
             const char   *refresh_token)
{
  g_autofree char *body = g_strdup_printf ("{\"schema_version\": 1, \"refresh_token\": \"%s\"}",
                                           refresh_token);

  return tb_test_request (ts, "POST", "/api/v1/session/refresh", NULL, body);
}

static gint64
seconds_until (const char *rfc3339)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_iso8601 (rfc3339, NULL);
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

  g_assert_nonnull (time);
  g_assert_true (g_str_has_suffix (rfc3339, "Z"));
  return g_date_time_difference (time, now) / G_TIME_SPAN_SECOND;
}

static void
assert_session_answer (TbTestResponse *response,
                       gint64          access_ttl,
                       gint64          refresh_ttl)
{
  const char *access = tb_test_response_get_string (response, "access_token");
  const char *refresh = tb_test_response_get_string (response, "refresh_token");
  gint64 access_left = seconds_until (tb_test_response_get_string (response,
                                                                   "access_expires_at"));
  gint64 refresh_left = seconds_until (tb_test_response_get_string (response,
                                                                    "refresh_expires_at"));

  tb_test_assert_json_answer (response, 200);
  g_assert_cmpstr (soup_message_headers_get_one (response->headers, "Cache-Control"), ==,
                   "no-store");
  g_assert_nonnull (access);
  g_assert_nonnull (refresh);
  g_assert_cmpuint (strlen (access), ==, 43);
  g_assert_cmpuint (strlen (refresh), ==, 43);
  g_assert_cmpstr (access, !=, refresh);
  g_assert_cmpint (access_left, >=, access_ttl - 5);
  g_assert_cmpint (access_left, <=, access_ttl);
  g_assert_cmpint (refresh_left, >=, refresh_ttl - 5);
  g_assert_cmpint (refresh_left, <=, refresh_ttl);
}

static void
test_sign_in (void)
{
  TbTestServer *ts = server_new ();
  g_autoptr(TbTestResponse) response = sign_in_raw (ts, "wangfang", DEMO_PASSWORD);
  g_autoptr(TbTestResponse) again = NULL;
  g_autoptr(TbTestResponse) who = NULL;
  JsonObject *user;
  JsonArray *array;

  assert_session_answer (response, 15 * 60, 30 * 24 * 3600);
  user = json_object_get_object_member (json_node_get_object (response->json), "user");
  g_assert_cmpstr (json_object_get_string_member (user, "id"), ==, "u-wangfang");
  g_assert_cmpstr (json_object_get_string_member (user, "login"), ==, "wangfang");
  g_assert_cmpstr (json_object_get_string_member (user, "display_name"), ==, "王芳");
  array = json_object_get_array_member (user, "roles");
  g_assert_cmpuint (json_array_get_length (array), ==, 1);
  g_assert_cmpstr (json_array_get_string_element (array, 0), ==, "caseworker");
  array = json_object_get_array_member (user, "teams");
  g_assert_cmpuint (json_array_get_length (array), ==, 1);
  g_assert_cmpstr (json_array_get_string_element (array, 0), ==, "team-market");

  /* The token works, and says who it is. */
  who = tb_test_request (ts, "GET", "/api/v1/test/whoami",
                         tb_test_response_get_string (response, "access_token"), NULL);
  tb_test_assert_json_answer (who, 200);
  g_assert_cmpstr (tb_test_response_get_string (who, "user_id"), ==, "u-wangfang");
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (who->json), "roles"), ==,
                   TB_ROLE_CASEWORKER);

  /* Logins are compared without case; each sign-in is a session of its own; a client id is
   * accepted. */
  {
    g_autoptr(TbTestResponse) upper = NULL;

    upper = tb_test_request (ts, "POST", "/api/v1/session", NULL,
                             "{\"schema_version\": 1, \"login\": \"WangFang\", \"password\": \""
                             DEMO_PASSWORD "\", \"client_id\": "
                             "\"8d0f1c52-6a43-4c1e-9d57-4c8a3c1f0b2e\"}");
    assert_session_answer (upper, 15 * 60, 30 * 24 * 3600);
    g_assert_cmpstr (tb_test_response_get_string (upper, "access_token"), !=,
                     tb_test_response_get_string (response, "access_token"));
  }
  g_assert_cmpint (tb_test_query_int (ts, "SELECT count(*) FROM sessions"), ==, 2);
  g_assert_cmpint (tb_test_query_int (ts, "SELECT count(*) FROM sessions "
                                          "WHERE client_id = "
                                          "'8d0f1c52-6a43-4c1e-9d57-4c8a3c1f0b2e'"), ==, 1);

  /* Another role, several teams' worth of fields. */
  again = sign_in_raw (ts, "sunjianguo", DEMO_PASSWORD);
  assert_session_answer (again, 15 * 60, 30 * 24 * 3600);
  user = json_object_get_object_member (json_node_get_object (again->json), "user");
  array = json_object_get_array_member (user, "roles");
  g_assert_cmpstr (json_array_get_string_element (array, 0), ==, "auditor");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (user, "teams")), ==, 0);

  tb_test_server_free (ts);
}

static void
test_wrong_password_unknown_user (void)
{
  TbTestServer *ts = server_new ();
  g_autoptr(TbTestResponse) wrong = sign_in_raw (ts, "wangfang", "not-the-password");
  g_autoptr(TbTestResponse) unknown = sign_in_raw (ts, "nobody", DEMO_PASSWORD);
  g_autoptr(TbTestResponse) empty = sign_in_raw (ts, "wangfang", "");
  g_autofree char *wrong_text = NULL;
  g_autofree char *unknown_text = NULL;

  tb_test_assert_problem (wrong, 401, "invalid-credentials");
  tb_test_assert_problem (unknown, 401, "invalid-credentials");
  tb_test_assert_problem (empty, 401, "invalid-credentials");

  /* Byte for byte the same: nothing tells whether the login exists. */
  wrong_text = g_strndup (g_bytes_get_data (wrong->body, NULL), g_bytes_get_size (wrong->body));
  unknown_text = g_strndup (g_bytes_get_data (unknown->body, NULL),
                            g_bytes_get_size (unknown->body));
  g_assert_cmpstr (wrong_text, ==, unknown_text);
  g_assert_null (soup_message_headers_get_one (wrong->headers, "Retry-After"));

  g_assert_cmpint (tb_test_query_int (ts, "SELECT count(*) FROM sessions"), ==, 0);
  tb_test_server_free (ts);
}

static gint64
retry_after (TbTestResponse *response)
{
  const char *value = soup_message_headers_get_one (response->headers, "Retry-After");

  g_assert_nonnull (value);
  return g_ascii_strtoll (value, NULL, 10);
}

static void
test_throttle (void)
{
  TbTestServer *ts = server_new ();
  gint64 first_wait;
  gint64 failures = 0;

  for (guint i = 0; i < TB_SERVER_THROTTLE_LOGIN_FAILURES; i++)
    {
      g_autoptr(TbTestResponse) response = sign_in_raw (ts, "wangfang", "guess");
      tb_test_assert_problem (response, 401, "invalid-credentials");
      failures++;
    }

  /* Blocked now, even with the right password. */
  {
    g_autoptr(TbTestResponse) response = sign_in_raw (ts, "wangfang", DEMO_PASSWORD);
    tb_test_assert_problem (response, 429, "rate-limited");
    first_wait = retry_after (response);
    g_assert_cmpint (first_wait, >=, TB_SERVER_THROTTLE_BASE);
    g_assert_cmpint (first_wait, <=, TB_SERVER_THROTTLE_MAX);
    failures++;
  }
  /* Every attempt while blocked makes the wait longer. */
  {
    g_autoptr(TbTestResponse) response = sign_in_raw (ts, "WANGFANG", "guess");
    tb_test_assert_problem (response, 429, "rate-limited");
    g_assert_cmpint (retry_after (response), >, first_wait);
    failures++;
  }
  g_assert_cmpint (tb_test_query_int (ts, "SELECT count(*) FROM sessions"), ==, 0);

  /* Another login from the same address is not blocked by this one. */
  g_free (tb_test_sign_in (ts, "lina", DEMO_PASSWORD, NULL));

  /* Unknown logins are throttled the same way (no hint that they do not exist). */
  for (guint i = 0; i < TB_SERVER_THROTTLE_LOGIN_FAILURES; i++)
    {
      g_autoptr(TbTestResponse) response = sign_in_raw (ts, "ghost", "guess");
      tb_test_assert_problem (response, 401, "invalid-credentials");
      failures++;
    }
  {
    g_autoptr(TbTestResponse) response = sign_in_raw (ts, "ghost", "guess");
    tb_test_assert_problem (response, 429, "rate-limited");
    failures++;
  }

  /* Enough failures from one address, over many logins, block the address. */
  for (guint i = 0; failures < TB_SERVER_THROTTLE_ADDRESS_FAILURES; i++)
    {
      g_autofree char *login = g_strdup_printf ("guess-%u", i);
      g_autoptr(TbTestResponse) response = sign_in_raw (ts, login, "guess");
      tb_test_assert_problem (response, 401, "invalid-credentials");
      failures++;
    }
  {
    g_autoptr(TbTestResponse) response = sign_in_raw (ts, "zhangwei", DEMO_PASSWORD);
    tb_test_assert_problem (response, 429, "rate-limited");
    g_assert_cmpint (retry_after (response), >, 0);
  }

  tb_test_server_free (ts);
}

static void
test_refresh_rotation (void)
{
  TbTestServer *ts = server_new ();
  g_autofree char *refresh = NULL;
  g_autofree char *access = tb_test_sign_in (ts, "chenjing", DEMO_PASSWORD, &refresh);
  g_autoptr(TbTestResponse) first = NULL;
  g_autoptr(TbTestResponse) second = NULL;
  g_autoptr(TbTestResponse) reuse = NULL;
  const char *access2;
  const char *refresh2;
  const char *access3;

  g_assert_cmpuint (whoami_status (ts, access), ==, 200);

  first = refresh_raw (ts, refresh);
  assert_session_answer (first, 15 * 60, 30 * 24 * 3600);
  access2 = tb_test_response_get_string (first, "access_token");
  refresh2 = tb_test_response_get_string (first, "refresh_token");
  g_assert_cmpstr (access2, !=, access);
  g_assert_cmpstr (refresh2, !=, refresh);
  g_assert_cmpstr (json_object_get_string_member (
                     json_object_get_object_member (json_node_get_object (first->json), "user"),
                     "id"), ==, "u-chenjing");

  /* The new access token works, the old one does not. */
  g_assert_cmpuint (whoami_status (ts, access2), ==, 200);
  g_assert_cmpuint (whoami_status (ts, access), ==, 401);

  /* The new refresh token rotates again. */
  second = refresh_raw (ts, refresh2);
  assert_session_answer (second, 15 * 60, 30 * 24 * 3600);
  access3 = tb_test_response_get_string (second, "access_token");
  g_assert_cmpuint (whoami_status (ts, access3), ==, 200);
  g_assert_cmpuint (whoami_status (ts, access2), ==, 401);

  /* The consumed one is refused, and its reuse (a stolen copy?) ends the session. */
  reuse = refresh_raw (ts, refresh2);
  tb_test_assert_problem (reuse, 401, "unauthorized");
  g_assert_cmpuint (whoami_status (ts, access3), ==, 401);
  {
    g_autoptr(TbTestResponse) last = refresh_raw (ts, tb_test_response_get_string (second,
                                                                                 "refresh_token"));
    tb_test_assert_problem (last, 401, "unauthorized");
  }

  /* Garbage refresh tokens. */
  {
    g_autoptr(TbTestResponse) bad = refresh_raw (ts, "not-a-token");
    g_autoptr(TbTestResponse) bad2 = refresh_raw (ts, access3);
    tb_test_assert_problem (bad, 401, "unauthorized");
    tb_test_assert_problem (bad2, 401, "unauthorized");
  }
  /* A refresh needs no access token but does need its body. */
  {
    g_autoptr(TbTestResponse) bad = tb_test_request (ts, "POST", "/api/v1/session/refresh",
                                                     NULL, "{\"schema_version\": 1}");
    tb_test_assert_problem (bad, 400, "malformed-request");
  }

  tb_test_server_free (ts);
}

static void
test_expiry (void)
{
  TbTestServer *ts = server_new ();
  g_autofree char *refresh = NULL;
  g_autofree char *access = NULL;
  g_autoptr(TbTestResponse) renewed = NULL;
  g_autoptr(TbTestResponse) late = NULL;

  tb_server_set_token_ttl (ts->server, 1, 3);
  g_assert_cmpint (tb_server_get_access_ttl (ts->server), ==, 1);
  access = tb_test_sign_in (ts, "wuting", DEMO_PASSWORD, &refresh);
  g_assert_cmpuint (whoami_status (ts, access), ==, 200);

  tb_test_wait (1300);
  g_assert_cmpuint (whoami_status (ts, access), ==, 401);

  /* The refresh token outlives the access token. */
  renewed = refresh_raw (ts, refresh);
  assert_session_answer (renewed, 1, 3);
  g_assert_cmpuint (whoami_status (ts, tb_test_response_get_string (renewed, "access_token")),
                    ==, 200);

  tb_test_wait (3300);
  late = refresh_raw (ts, tb_test_response_get_string (renewed, "refresh_token"));
  tb_test_assert_problem (late, 401, "unauthorized");

  tb_test_server_free (ts);
}

static void
test_sign_out (void)
{
  TbTestServer *ts = server_new ();
  g_autofree char *refresh = NULL;
  g_autofree char *access = tb_test_sign_in (ts, "liuyang", DEMO_PASSWORD, &refresh);
  g_autofree char *other = tb_test_sign_in (ts, "liuyang", DEMO_PASSWORD, NULL);
  g_autoptr(TbTestResponse) out = NULL;
  g_autoptr(TbTestResponse) twice = NULL;
  g_autoptr(TbTestResponse) refreshed = NULL;

  out = tb_test_request (ts, "DELETE", "/api/v1/session", access, NULL);
  g_assert_no_error (out->error);
  g_assert_cmpuint (out->status, ==, 204);
  g_assert_cmpuint (g_bytes_get_size (out->body), ==, 0);

  g_assert_cmpuint (whoami_status (ts, access), ==, 401);
  refreshed = refresh_raw (ts, refresh);
  tb_test_assert_problem (refreshed, 401, "unauthorized");
  twice = tb_test_request (ts, "DELETE", "/api/v1/session", access, NULL);
  tb_test_assert_problem (twice, 401, "unauthorized");

  /* Only that session ended. */
  g_assert_cmpuint (whoami_status (ts, other), ==, 200);

  tb_test_server_free (ts);
}

static void
test_hostile_logins (void)
{
  static const char *logins[] = {
    "' OR '1'='1",
    "wangfang'--",
    "wangfang\"; DROP TABLE users; --",
    "*",
    "%",
    "wangfang%",
    "王芳",
    "../../etc/passwd",
  };
  TbTestServer *ts = server_new ();
  gint64 users = tb_test_query_int (ts, "SELECT count(*) FROM users");
  gint64 total = tb_test_query_int (ts, "SELECT total(length(password_hash)) FROM users");

  for (guint i = 0; i < G_N_ELEMENTS (logins); i++)
    {
      g_autoptr(TbTestResponse) response = sign_in_raw (ts, logins[i], logins[i]);
      g_autoptr(TbTestResponse) sql_password = sign_in_raw (ts, "wangfang", "' OR '1'='1");

      if (response->status == 429)
        tb_test_assert_problem (response, 429, "rate-limited");
      else
        tb_test_assert_problem (response, 401, "invalid-credentials");
      g_assert_cmpuint (sql_password->status, !=, 200);
    }

  g_assert_cmpint (tb_test_query_int (ts, "SELECT count(*) FROM users"), ==, users);
  g_assert_cmpint (tb_test_query_int (ts, "SELECT total(length(password_hash)) FROM users"), ==,
                   total);
  g_assert_cmpint (tb_test_query_int (ts, "SELECT count(*) FROM sessions"), ==, 0);
  tb_test_server_free (ts);
}

static void
test_secrets_not_stored (void)
{
  TbTestServer *ts = server_new ();
  g_autofree char *refresh = NULL;
  g_autofree char *access = tb_test_sign_in (ts, "zhoumin", DEMO_PASSWORD, &refresh);
  g_autofree char *wal = g_strconcat (ts->db_path, "-wal", NULL);

  g_assert_cmpint (tb_test_query_int (ts, "SELECT count(*) FROM users WHERE password_hash "
                                          "NOT LIKE '$argon2id$%'"), ==, 0);
  g_assert_cmpint (tb_test_query_int (ts, "SELECT count(*) FROM sessions WHERE "
                                          "length(access_hash) = 32 AND "
                                          "length(refresh_hash) = 32"), ==, 1);
  g_assert_cmpint (tb_test_query_int (ts, "PRAGMA wal_checkpoint(FULL)"), ==, 0);

  g_assert_true (g_file_test (ts->db_path, G_FILE_TEST_EXISTS));
  g_assert_true (tb_test_file_contains (ts->db_path, "zhoumin")
                 || tb_test_file_contains (wal, "zhoumin"));
  g_assert_false (tb_test_file_contains (ts->db_path, DEMO_PASSWORD));
  g_assert_false (tb_test_file_contains (ts->db_path, access));
  g_assert_false (tb_test_file_contains (ts->db_path, refresh));
  g_assert_false (tb_test_file_contains (wal, DEMO_PASSWORD));
  g_assert_false (tb_test_file_contains (wal, access));
  g_assert_false (tb_test_file_contains (wal, refresh));

  tb_test_server_free (ts);
}

static void
test_log_has_no_secrets (void)
{
  g_autofree char *dir = g_dir_make_tmp ("tongban-log-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "stderr.log", NULL);
  g_autofree char *log = NULL;
  g_autofree char *refresh = NULL;
  g_autofree char *access = NULL;
  TbTestServer *ts = server_new ();
  int saved;
  int fd;

  /* The log goes to stderr: catch it in a file for the length of these requests. */
  fflush (stderr);
  saved = dup (STDERR_FILENO);
  fd = g_open (path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  g_assert_cmpint (fd, >=, 0);
  dup2 (fd, STDERR_FILENO);
  close (fd);

  access = tb_test_sign_in (ts, "yangfan", DEMO_PASSWORD, &refresh);
  g_assert_cmpuint (whoami_status (ts, access), ==, 200);
  {
    g_autoptr(TbTestResponse) wrong = sign_in_raw (ts, "yangfan", "Secret-Guess-42");
    g_autoptr(TbTestResponse) renewed = refresh_raw (ts, refresh);
    g_autoptr(TbTestResponse) bad = tb_test_request (ts, "GET", "/api/v1/test/whoami",
                                                     "bad-token-value-0123456789", NULL);
    g_assert_cmpuint (wrong->status, ==, 401);
    g_assert_cmpuint (renewed->status, ==, 200);
    g_assert_cmpuint (bad->status, ==, 401);
  }

  fflush (stderr);
  dup2 (saved, STDERR_FILENO);
  close (saved);

  g_assert_true (g_file_get_contents (path, &log, NULL, NULL));
  g_test_message ("%s", log);

  /* One line per request, with method, path, status, duration and user. */
  g_assert_nonnull (strstr (log, "method=POST path=/api/v1/session status=200 "));
  g_assert_nonnull (strstr (log, "user=u-yangfan"));
  g_assert_nonnull (strstr (log, "method=GET path=/api/v1/test/whoami status=200 "));
  g_assert_nonnull (strstr (log, "method=POST path=/api/v1/session status=401 "));
  g_assert_nonnull (strstr (log, "method=POST path=/api/v1/session/refresh status=200 "));
  g_assert_nonnull (strstr (log, "method=GET path=/api/v1/test/whoami status=401 "));
  g_assert_nonnull (strstr (log, "duration_ms="));
  {
    g_auto(GStrv) lines = g_strsplit (log, "\n", -1);
    guint n = 0;

    for (guint i = 0; lines[i] != NULL; i++)
      if (strstr (lines[i], "method=") != NULL)
        n++;
    g_assert_cmpuint (n, ==, 5);
  }

  /* Never a password or a token. */
  g_assert_null (strstr (log, DEMO_PASSWORD));
  g_assert_null (strstr (log, "Secret-Guess-42"));
  g_assert_null (strstr (log, access));
  g_assert_null (strstr (log, refresh));
  g_assert_null (strstr (log, "bad-token-value"));

  tb_test_server_free (ts);
  g_unlink (path);
  g_rmdir (dir);
}

/* The executable: --demo prints the accounts, "Listening on" tells the port, SIGTERM stops it
 * cleanly. */
static void
test_executable (void)
{
  const char *builddir = g_getenv ("TB_TEST_BUILDDIR");
  g_autofree char *exe = NULL;
  g_autofree char *dir = g_dir_make_tmp ("tongban-exe-XXXXXX", NULL);
  g_autofree char *db = g_build_filename (dir, "demo.db", NULL);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) printed = g_string_new (NULL);
  g_autofree char *base = NULL;
  char *line;

  if (builddir == NULL)
    {
      g_test_skip ("TB_TEST_BUILDDIR is not set");
      return;
    }
  exe = g_build_filename (builddir, "server", "tongban-server", NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                        | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_subprocess_launcher_setenv (launcher, TB_SERVER_PWHASH_ENV, "min", TRUE);
  g_subprocess_launcher_setenv (launcher, "LANGUAGE", "C", TRUE);
  g_subprocess_launcher_setenv (launcher, "LC_ALL", "C.UTF-8", TRUE);
  process = g_subprocess_launcher_spawn (launcher, &error, exe, "--demo", "--demo-cases", "5",
                                         "--db", db, "--listen", "127.0.0.1:0",
                                         "--today", "2026-11-27", NULL);
  g_assert_no_error (error);

  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  while ((line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error)) != NULL)
    {
      g_string_append_printf (printed, "%s\n", line);
      if (g_str_has_prefix (line, "Listening on "))
        {
          base = g_strdup (line + strlen ("Listening on "));
          g_free (line);
          break;
        }
      g_free (line);
    }
  g_assert_no_error (error);
  g_assert_nonnull (base);
  g_assert_true (g_str_has_prefix (base, "http://127.0.0.1:"));
  g_assert_nonnull (strstr (printed->str, DEMO_PASSWORD));
  g_assert_nonnull (strstr (printed->str, "wangfang"));
  g_assert_nonnull (strstr (printed->str, "sunjianguo"));
  g_assert_nonnull (strstr (printed->str, "auditor"));

  /* Sign in to it over HTTP. */
  {
    TbTestServer client = { 0 };
    g_autoptr(TbTestResponse) response = NULL;

    client.base = base;
    client.session = soup_session_new_with_options ("timeout", 30, NULL);
    soup_session_set_proxy_resolver (client.session, NULL);
    response = sign_in_raw (&client, "sunjianguo", DEMO_PASSWORD);
    assert_session_answer (response, 15 * 60, 30 * 24 * 3600);
    soup_session_abort (client.session);
    g_object_unref (client.session);
  }

  g_subprocess_send_signal (process, SIGTERM);
  g_assert_true (g_subprocess_wait (process, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 0);

  /* A bad option is a usage error. */
  {
    g_autoptr(GSubprocess) bad = g_subprocess_launcher_spawn (launcher, &error, exe, "--faults",
                                                              "drop=2", "--db", db, NULL);
    g_assert_no_error (error);
    g_assert_true (g_subprocess_wait (bad, NULL, &error));
    g_assert_cmpint (g_subprocess_get_exit_status (bad), ==, 2);
  }

  {
    g_autofree char *wal = g_strconcat (db, "-wal", NULL);
    g_autofree char *shm = g_strconcat (db, "-shm", NULL);
    g_unlink (wal);
    g_unlink (shm);
    g_unlink (db);
    g_rmdir (dir);
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/server/auth/sign-in", test_sign_in);
  g_test_add_func ("/server/auth/wrong-password-unknown-user", test_wrong_password_unknown_user);
  g_test_add_func ("/server/auth/throttle", test_throttle);
  g_test_add_func ("/server/auth/refresh-rotation", test_refresh_rotation);
  g_test_add_func ("/server/auth/expiry", test_expiry);
  g_test_add_func ("/server/auth/sign-out", test_sign_out);
  g_test_add_func ("/server/auth/hostile-logins", test_hostile_logins);
  g_test_add_func ("/server/auth/secrets-not-stored", test_secrets_not_stored);
  g_test_add_func ("/server/auth/log-has-no-secrets", test_log_has_no_secrets);
  g_test_add_func ("/server/auth/executable", test_executable);

  return g_test_run ();
}
