/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-server-http.c: the server's HTTP framework: routes, refusals, bodies, faults, TLS */

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "tb-problem.h"
#include "tb-request.h"
#include "tb-server-auth.h"
#include "tb-server-cli.h"
#include "tb-test-server.h"

#define DEMO_PASSWORD TB_SERVER_DEMO_PASSWORD

/* How often the test handlers ran. */
static guint item_calls;
static guint commit_calls;
static guint raw_calls;

static JsonNode *
handle_item (TbServer         *server,
             TbServerRequest  *req,
             GError          **error)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  item_calls++;
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, tb_server_request_get_param (req, "id"));
  json_builder_set_member_name (builder, "pattern");
  json_builder_add_string_value (builder, req->pattern);
  json_builder_set_member_name (builder, "q");
  json_builder_add_string_value (builder, tb_server_request_get_query (req, "q"));
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

static JsonNode *
handle_item_search (TbServer         *server,
                    TbServerRequest  *req,
                    GError          **error)
{
  JsonObject *object = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_object_set_string_member (object, "search", "yes");
  json_node_take_object (node, object);
  return node;
}

/* Stores body.key in server_meta: a change that is committed or not. */
static JsonNode *
handle_commit (TbServer         *server,
               TbServerRequest  *req,
               GError          **error)
{
  static const char * const allowed[] = { "schema_version", "key", NULL };
  sqlite3 *db = tb_server_get_db (server);
  sqlite3_stmt *stmt = NULL;
  const char *key = NULL;
  JsonObject *object;
  JsonNode *node;

  if (!tb_request_check_members (req->body, "", allowed, error)
      || !tb_request_get_string (req->body, "", "key", TRUE, 64, &key, error))
    return NULL;

  commit_calls++;
  g_assert_cmpint (sqlite3_prepare_v2 (db, "INSERT INTO server_meta (key, value) "
                                           "VALUES (?1, '1') ON CONFLICT (key) DO UPDATE "
                                           "SET value = value + 1", -1, &stmt, NULL),
                   ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_TRANSIENT);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
  sqlite3_finalize (stmt);

  object = json_object_new ();
  json_object_set_string_member (object, "committed", key);
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, object);
  tb_server_request_set_status (req, 201);
  tb_server_request_set_header (req, "ETag", "\"v1\"");
  return node;
}

static JsonNode *
handle_raw (TbServer         *server,
            TbServerRequest  *req,
            GError          **error)
{
  g_autofree char *sum = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, req->body_bytes);
  g_autoptr(GBytes) echo = g_bytes_new (sum, strlen (sum));

  raw_calls++;
  g_assert_null (req->body);
  tb_server_request_set_raw_response (req, "text/plain", echo);
  return NULL;
}

static JsonNode *
handle_busy (TbServer         *server,
             TbServerRequest  *req,
             GError          **error)
{
  tb_server_request_set_header (req, "Retry-After", "7");
  tb_server_request_set_problem_member (req, "reset", json_node_init_boolean (json_node_alloc (),
                                                                              TRUE));
  g_set_error_literal (error, TB_PROBLEM_ERROR, TB_PROBLEM_UNAVAILABLE, "Busy.");
  return NULL;
}

static JsonNode *
handle_failing (TbServer         *server,
                TbServerRequest  *req,
                GError          **error)
{
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "disk on fire at /secret/path");
  return NULL;
}

/* A request body of @length bytes, or endless (-1), that counts what the client read of it. */
#define TEST_TYPE_COUNTING_STREAM (test_counting_stream_get_type ())
G_DECLARE_FINAL_TYPE (TestCountingStream, test_counting_stream, TEST, COUNTING_STREAM,
                      GInputStream)

struct _TestCountingStream
{
  GInputStream parent_instance;
  goffset      length;
  goffset      read;
};

G_DEFINE_FINAL_TYPE (TestCountingStream, test_counting_stream, G_TYPE_INPUT_STREAM)

static gssize
test_counting_stream_read (GInputStream  *stream,
                           void          *buffer,
                           gsize          count,
                           GCancellable  *cancellable,
                           GError       **error)
{
  TestCountingStream *self = TEST_COUNTING_STREAM (stream);
  gsize n = count;

  if (self->length >= 0)
    n = MIN (count, (gsize) (self->length - self->read));
  memset (buffer, 'x', n);
  self->read += n;
  return n;
}

static void
test_counting_stream_class_init (TestCountingStreamClass *klass)
{
  G_INPUT_STREAM_CLASS (klass)->read_fn = test_counting_stream_read;
}

static void
test_counting_stream_init (TestCountingStream *self)
{
}

static TestCountingStream *
counting_stream_new (goffset length)
{
  TestCountingStream *self = g_object_new (TEST_TYPE_COUNTING_STREAM, NULL);

  self->length = length;
  return self;
}

static TbTestServer *
server_new (void)
{
  TbTestServer *ts = tb_test_server_new ();

  item_calls = 0;
  commit_calls = 0;
  raw_calls = 0;
  tb_server_add_route (ts->server, "GET", "/api/v1/test/items/{id}", 0, handle_item);
  tb_server_add_route (ts->server, "GET", "/api/v1/test/items/search", 0, handle_item_search);
  tb_server_add_route (ts->server, "POST", "/api/v1/test/commit", 0, handle_commit);
  tb_server_add_route (ts->server, "POST", "/api/v1/test/raw", TB_SERVER_ROUTE_RAW_BODY,
                       handle_raw);
  tb_server_add_route (ts->server, "POST", "/api/v1/test/upload",
                       TB_SERVER_ROUTE_RAW_BODY | TB_SERVER_ROUTE_UPLOAD, handle_raw);
  tb_server_add_route (ts->server, "GET", "/api/v1/test/busy", 0, handle_busy);
  tb_server_add_route (ts->server, "GET", "/api/v1/test/failing", 0, handle_failing);
  return ts;
}

static gint64
committed (TbTestServer *ts,
           const char   *key)
{
  g_autofree char *sql = g_strdup_printf ("SELECT coalesce((SELECT CAST(value AS INTEGER) "
                                          "FROM server_meta WHERE key = '%s'), 0)", key);
  return tb_test_query_int (ts, sql);
}

static void
test_routes (void)
{
  TbTestServer *ts = server_new ();
  g_autofree char *token = tb_test_sign_in (ts, "wangfang", DEMO_PASSWORD, NULL);

  {
    g_autoptr(TbTestResponse) r = tb_test_request (ts, "GET", "/api/v1/test/items/abc-1?q=x%20y",
                                                   token, NULL);
    tb_test_assert_json_answer (r, 200);
    g_assert_cmpstr (tb_test_response_get_string (r, "id"), ==, "abc-1");
    g_assert_cmpstr (tb_test_response_get_string (r, "pattern"), ==, "/api/v1/test/items/{id}");
    g_assert_cmpstr (tb_test_response_get_string (r, "q"), ==, "x y");
    g_assert_cmpstr (soup_message_headers_get_one (r->headers, "Cache-Control"), ==,
                     "no-store");
  }
  /* A literal segment wins over a parameter. */
  {
    g_autoptr(TbTestResponse) r = tb_test_request (ts, "GET", "/api/v1/test/items/search",
                                                   token, NULL);
    tb_test_assert_json_answer (r, 200);
    g_assert_cmpstr (tb_test_response_get_string (r, "search"), ==, "yes");
  }
  /* Unknown paths, whoever asks. */
  {
    g_autoptr(TbTestResponse) r = tb_test_request (ts, "GET", "/api/v1/nothing", NULL, NULL);
    g_autoptr(TbTestResponse) r2 = tb_test_request (ts, "GET", "/api/v1/test/items/a/b", token,
                                                    NULL);
    g_autoptr(TbTestResponse) r3 = tb_test_request (ts, "GET", "/api/v1/test/items/", token,
                                                    NULL);
    g_autoptr(TbTestResponse) r4 = tb_test_request (ts, "GET", "/", NULL, NULL);
    tb_test_assert_problem (r, 404, "not-found");
    tb_test_assert_problem (r2, 404, "not-found");
    tb_test_assert_problem (r3, 404, "not-found");
    tb_test_assert_problem (r4, 404, "not-found");
    g_assert_cmpstr (json_object_get_string_member (json_node_get_object (r->json), "instance"),
                     ==, "/api/v1/nothing");
  }
  /* A known path, another method. */
  {
    g_autoptr(TbTestResponse) r = tb_test_request (ts, "PUT", "/api/v1/session", NULL, "{}");
    g_autoptr(TbTestResponse) r2 = tb_test_request (ts, "DELETE", "/api/v1/test/commit", token,
                                                    NULL);
    tb_test_assert_problem (r, 405, NULL);
    g_assert_cmpstr (soup_message_headers_get_one (r->headers, "Allow"), ==, "POST, DELETE");
    tb_test_assert_problem (r2, 405, NULL);
    g_assert_cmpstr (soup_message_headers_get_one (r2->headers, "Allow"), ==, "POST");
  }
  /* A handler's status and headers; problems with extension members and headers. */
  {
    g_autoptr(TbTestResponse) r = tb_test_request (ts, "POST", "/api/v1/test/commit", token,
                                                   "{\"schema_version\": 1, \"key\": \"k\"}");
    g_autoptr(TbTestResponse) busy = tb_test_request (ts, "GET", "/api/v1/test/busy", token,
                                                      NULL);
    g_autoptr(TbTestResponse) failing = tb_test_request (ts, "GET", "/api/v1/test/failing",
                                                         token, NULL);
    tb_test_assert_json_answer (r, 201);
    g_assert_cmpstr (soup_message_headers_get_one (r->headers, "ETag"), ==, "\"v1\"");
    tb_test_assert_problem (busy, 503, "unavailable");
    g_assert_cmpstr (soup_message_headers_get_one (busy->headers, "Retry-After"), ==, "7");
    g_assert_true (json_object_get_boolean_member (json_node_get_object (busy->json), "reset"));
    /* Internal errors say nothing of their cause. */
    tb_test_assert_problem (failing, 500, "internal");
    g_assert_null (strstr (g_bytes_get_data (failing->body, NULL), "/secret/path"));
  }

  tb_server_set_faults (ts->server, NULL);
  tb_test_server_free (ts);
}

static void
test_unauthorized (void)
{
  TbTestServer *ts = server_new ();
  g_autofree char *token = tb_test_sign_in (ts, "wangfang", DEMO_PASSWORD, NULL);
  g_autofree char *tampered = g_strdup (token);
  guint n_protected = 0;

  tampered[0] = tampered[0] == 'A' ? 'B' : 'A';

  /* Every route of the server but the public ones. */
  for (guint i = 0; i < tb_server_get_n_routes (ts->server); i++)
    {
      const char *method;
      const char *pattern;
      guint access;
      g_autoptr(GString) path = NULL;
      const char *bad_headers[][3] = {
        { NULL },
        { "Authorization", "Bearer", NULL },
        { "Authorization", "Bearer not-a-token", NULL },
        { "Authorization", "Basic d2FuZ2Zhbmc6dG9uZ2Jhbi1kZW1v", NULL },
        { "Authorization", "", NULL },
      };

      tb_server_get_route (ts->server, i, &method, &pattern, &access);
      if ((access & TB_SERVER_ROUTE_PUBLIC) != 0)
        continue;
      n_protected++;

      path = g_string_new (pattern);
      g_string_replace (path, "{", "", 0);
      g_string_replace (path, "}", "", 0);

      for (guint j = 0; j < G_N_ELEMENTS (bad_headers) + 1; j++)
        {
          TbTestRequestOptions options = { .body = "{\"schema_version\": 1}", .length = -1 };
          g_autoptr(TbTestResponse) r = NULL;
          const char *challenge;

          if (j < G_N_ELEMENTS (bad_headers))
            options.headers = bad_headers[j][0] != NULL ? bad_headers[j] : NULL;
          else
            options.token = tampered;

          r = tb_test_request_full (ts, method, path->str, &options);
          tb_test_assert_problem (r, 401, "unauthorized");
          challenge = soup_message_headers_get_one (r->headers, "WWW-Authenticate");
          g_assert_nonnull (challenge);
          g_assert_true (g_str_has_prefix (challenge, "Bearer"));
        }
    }

  g_assert_cmpuint (n_protected, >=, 7);
  g_assert_cmpuint (item_calls + commit_calls, ==, 0);
  tb_test_server_free (ts);
}

static void
test_schema_version (void)
{
  TbTestServer *ts = server_new ();
  g_autofree char *token = tb_test_sign_in (ts, "wangfang", DEMO_PASSWORD, NULL);
  const char *two[] = { "Tongban-Schema-Version", "2", NULL };
  const char *junk[] = { "Tongban-Schema-Version", "1.0", NULL };
  JsonArray *supported;

  /* GETs must say which version they speak. */
  {
    TbTestRequestOptions options = { .token = token, .no_version_header = TRUE };
    g_autoptr(TbTestResponse) r = tb_test_request_full (ts, "GET", "/api/v1/test/items/a",
                                                        &options);
    tb_test_assert_problem (r, 400, "version-not-supported");
    supported = json_object_get_array_member (json_node_get_object (r->json), "supported");
    g_assert_cmpuint (json_array_get_length (supported), ==, 1);
    g_assert_cmpint (json_array_get_int_element (supported, 0), ==, 1);
  }
  {
    TbTestRequestOptions options = { .token = token, .headers = two };
    TbTestRequestOptions options2 = { .token = token, .headers = junk };
    g_autoptr(TbTestResponse) r = tb_test_request_full (ts, "GET", "/api/v1/test/items/a",
                                                        &options);
    g_autoptr(TbTestResponse) r2 = tb_test_request_full (ts, "GET", "/api/v1/test/items/a",
                                                         &options2);
    tb_test_assert_problem (r, 400, "version-not-supported");
    tb_test_assert_problem (r2, 400, "version-not-supported");
  }
  g_assert_cmpuint (item_calls, ==, 0);

  /* Bodies carry theirs: missing, or another one. */
  {
    g_autoptr(TbTestResponse) missing = tb_test_request (ts, "POST", "/api/v1/test/commit",
                                                         token, "{\"key\": \"a\"}");
    g_autoptr(TbTestResponse) other = tb_test_request (ts, "POST", "/api/v1/test/commit",
                                                       token,
                                                       "{\"schema_version\": 2, \"key\": \"a\"}");
    g_autoptr(TbTestResponse) text = tb_test_request (ts, "POST", "/api/v1/test/commit", token,
                                                      "{\"schema_version\": \"1\", "
                                                      "\"key\": \"a\"}");
    TbTestRequestOptions options = { .token = token, .headers = two,
                                     .body = "{\"schema_version\": 1, \"key\": \"a\"}",
                                     .length = -1 };
    g_autoptr(TbTestResponse) header = tb_test_request_full (ts, "POST", "/api/v1/test/commit",
                                                             &options);

    tb_test_assert_problem (missing, 400, "version-not-supported");
    tb_test_assert_problem (other, 400, "version-not-supported");
    tb_test_assert_problem (text, 400, "version-not-supported");
    tb_test_assert_problem (header, 400, "version-not-supported");
    supported = json_object_get_array_member (json_node_get_object (other->json), "supported");
    g_assert_cmpint (json_array_get_int_element (supported, 0), ==, 1);
  }
  g_assert_cmpuint (commit_calls, ==, 0);
  g_assert_cmpint (committed (ts, "a"), ==, 0);

  tb_test_server_free (ts);
}

static void
test_malformed_bodies (void)
{
  static const struct
  {
    const char *body;
    gssize      length;
    const char *problem;
  } cases[] = {
    { "", 0, "malformed-request" },
    { "{\"schema_version\": 1, \"key\": ", -1, "malformed-request" },
    { "not json at all", -1, "malformed-request" },
    { "{\"schema_version\": 1, \"key\": \"\xff\xfe\"}", -1, "malformed-request" },
    { "{\"schema_version\": 1, \"key\": \"a\0b\"}", 32, "malformed-request" },
    { "[{\"schema_version\": 1, \"key\": \"a\"}]", -1, "malformed-request" },
    { "\"schema_version\"", -1, "malformed-request" },
    { "null", -1, "malformed-request" },
    { "{\"schema_version\": 1, \"key\": \"a\", \"admin\": true}", -1, "malformed-request" },
    { "{\"schema_version\": 1, \"key\": 5}", -1, "malformed-request" },
    { "{\"schema_version\": 1, \"key\": [\"a\"]}", -1, "malformed-request" },
    { "{\"schema_version\": 1, \"key\": 123456789012345678901234567890}", -1,
      "malformed-request" },
    { "{\"schema_version\": 1, \"key\": 1e400}", -1, "malformed-request" },
    { "{\"schema_version\": 123456789012345678901234567890, \"key\": \"a\"}", -1,
      "version-not-supported" },
    { "{\"schema_version\": 1}", -1, "malformed-request" },
    { "{\"schema_version\": 1, \"key\": null}", -1, "malformed-request" },
  };
  TbTestServer *ts = server_new ();
  g_autofree char *token = tb_test_sign_in (ts, "wangfang", DEMO_PASSWORD, NULL);
  g_autofree char *long_key = NULL;
  gint64 before = tb_test_query_int (ts, "SELECT count(*) FROM server_meta");

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      TbTestRequestOptions options = { .token = token, .body = cases[i].body,
                                       .length = cases[i].length };
      g_autoptr(TbTestResponse) r = tb_test_request_full (ts, "POST", "/api/v1/test/commit",
                                                          &options);
      g_test_message ("body %u", i);
      tb_test_assert_problem (r, 400, cases[i].problem);
    }

  /* The same refusals on the sign-in endpoint, which needs no token. */
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      TbTestRequestOptions options = { .body = cases[i].body, .length = cases[i].length };
      g_autoptr(TbTestResponse) r = tb_test_request_full (ts, "POST", "/api/v1/session",
                                                          &options);
      tb_test_assert_problem (r, 400, cases[i].problem);
    }

  /* Strings longer than a field allows. */
  long_key = g_strnfill (65, 'k');
  {
    g_autofree char *body = g_strdup_printf ("{\"schema_version\": 1, \"key\": \"%s\"}", long_key);
    g_autofree char *login = g_strdup_printf ("{\"schema_version\": 1, \"login\": \"%s\", "
                                              "\"password\": \"x\"}", long_key);
    g_autoptr(TbTestResponse) r = tb_test_request (ts, "POST", "/api/v1/test/commit", token,
                                                   body);
    g_autoptr(TbTestResponse) r2 = tb_test_request (ts, "POST", "/api/v1/session", NULL, login);
    tb_test_assert_problem (r, 400, "malformed-request");
    tb_test_assert_problem (r2, 400, "malformed-request");
  }

  g_assert_cmpuint (commit_calls, ==, 0);
  g_assert_cmpint (tb_test_query_int (ts, "SELECT count(*) FROM server_meta"), ==, before);
  g_assert_cmpint (tb_test_query_int (ts, "SELECT count(*) FROM sessions"), ==, 1);
  tb_test_server_free (ts);
}

static void
test_body_limit (void)
{
  TbTestServer *ts = server_new ();
  g_autofree char *token = tb_test_sign_in (ts, "wangfang", DEMO_PASSWORD, NULL);
  gsize big = 2 * 1024 * 1024;
  g_autofree char *body = g_malloc (big);
  g_autofree char *exact = NULL;

  /* A valid JSON object, only too big. */
  memset (body, ' ', big);
  memcpy (body, "{\"schema_version\": 1, \"key\": \"a\"", 32);
  body[big - 1] = '}';

  for (guint chunked = 0; chunked < 2; chunked++)
    for (guint authorized = 0; authorized < 2; authorized++)
      {
        TbTestRequestOptions options = { .token = authorized ? token : NULL, .body = body,
                                         .length = big, .chunked = chunked };
        g_autoptr(TbTestResponse) r = tb_test_request_full (ts, "POST", "/api/v1/test/commit",
                                                            &options);
        g_autoptr(TbTestResponse) r2 = tb_test_request_full (ts, "POST", "/api/v1/session",
                                                             &options);
        g_autoptr(TbTestResponse) r3 = tb_test_request_full (ts, "POST", "/api/v1/test/raw",
                                                             &options);
        tb_test_assert_problem (r, 413, "payload-too-large");
        tb_test_assert_problem (r2, 413, "payload-too-large");
        tb_test_assert_problem (r3, 413, "payload-too-large");
      }

  /* Exactly the limit is read. */
  exact = g_malloc (TB_REQUEST_MAX_BODY);
  memset (exact, ' ', TB_REQUEST_MAX_BODY);
  memcpy (exact, "{\"schema_version\": 1, \"key\": \"exact\"", 36);
  exact[TB_REQUEST_MAX_BODY - 1] = '}';
  for (guint chunked = 0; chunked < 2; chunked++)
    {
      TbTestRequestOptions options = { .token = token, .body = exact,
                                       .length = TB_REQUEST_MAX_BODY, .chunked = chunked };
      g_autoptr(TbTestResponse) r = tb_test_request_full (ts, "POST", "/api/v1/test/commit",
                                                          &options);
      tb_test_assert_json_answer (r, 201);
    }

  g_assert_cmpuint (commit_calls, ==, 2);
  g_assert_cmpint (committed (ts, "a"), ==, 0);
  g_assert_cmpint (committed (ts, "exact"), ==, 2);
  tb_test_server_free (ts);
}

static void
test_raw_body (void)
{
  TbTestServer *ts = server_new ();
  g_autofree char *token = tb_test_sign_in (ts, "wangfang", DEMO_PASSWORD, NULL);
  static const guchar bytes[] = { 0xff, 0xd8, 0xff, 0x00, 0x01, '{', 0x80 };
  g_autofree char *sum = g_compute_checksum_for_data (G_CHECKSUM_SHA256, bytes, sizeof bytes);
  TbTestRequestOptions options = { .token = token, .body = (const char *) bytes,
                                   .length = sizeof bytes, .content_type = "image/jpeg" };
  g_autoptr(TbTestResponse) r = tb_test_request_full (ts, "POST", "/api/v1/test/raw", &options);

  /* Not JSON, not UTF-8: a raw route takes it as it is and answers bytes. */
  g_assert_no_error (r->error);
  g_assert_cmpuint (r->status, ==, 200);
  g_assert_cmpstr (soup_message_headers_get_content_type (r->headers, NULL), ==, "text/plain");
  g_assert_cmpmem (g_bytes_get_data (r->body, NULL), g_bytes_get_size (r->body),
                   sum, strlen (sum));
  tb_test_server_free (ts);
}

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              guint      *count)
{
  (*count)++;
}

/* A 413 that says the limit. */
static void
assert_too_large (TbTestResponse *r,
                  gsize           limit)
{
  JsonObject *problem;
  g_autofree char *bytes = g_strdup_printf ("%" G_GSIZE_FORMAT " bytes", limit);

  tb_test_assert_problem (r, 413, "payload-too-large");
  problem = json_node_get_object (r->json);
  g_assert_cmpint (json_object_get_int_member (problem, "max_size"), ==, limit);
  g_assert_nonnull (strstr (json_object_get_string_member (problem, "detail"), bytes));
  g_assert_cmpstr (soup_message_headers_get_one (r->headers, "Connection"), ==, "close");
}

/*
 * Upload routes take files up to the attachment limit, JSON routes still 1 MiB. A body over the
 * limit is answered 413 as soon as the server knows it: before the client sends anything if it
 * waits for "100 Continue", and a body that does not stop is cut off.
 */
static void
test_upload_limit (void)
{
  TbTestServer *ts = server_new ();
  g_autofree char *token = tb_test_sign_in (ts, "wangfang", DEMO_PASSWORD, NULL);
  gsize limit = 2 * 1024 * 1024;
  g_autofree char *body = g_malloc (limit + 1);
  g_autofree char *sum = NULL;
  guint notified = 0;

  /* A scanned application of many pages by default; set lower here, to keep the test quick. */
  g_assert_cmpuint (tb_server_get_max_attachment_size (ts->server), ==, 25 * 1024 * 1024);
  g_signal_connect (ts->server, "notify::max-attachment-size", G_CALLBACK (count_notify),
                    &notified);
  tb_server_set_max_attachment_size (ts->server, limit);
  tb_server_set_max_attachment_size (ts->server, limit);
  g_assert_cmpuint (notified, ==, 1);
  {
    guint64 value = 0;

    g_object_get (ts->server, "max-attachment-size", &value, NULL);
    g_assert_cmpuint (value, ==, limit);
  }

  for (gsize i = 0; i < limit + 1; i++)
    body[i] = (char) (i * 31 % 251);
  sum = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) body, limit);

  /* Exactly the limit is taken, however it is sent; more than 1 MiB on a JSON route is not. */
  for (guint how = 0; how < 3; how++)
    {
      TbTestRequestOptions options = { .token = token, .body = body, .length = limit,
                                       .content_type = "application/pdf", .chunked = how == 1,
                                       .expect_continue = how == 2 };
      g_autoptr(TbTestResponse) r = tb_test_request_full (ts, "POST", "/api/v1/test/upload",
                                                          &options);
      g_autoptr(TbTestResponse) json = tb_test_request_full (ts, "POST", "/api/v1/test/commit",
                                                             &options);

      g_assert_no_error (r->error);
      g_assert_cmpuint (r->status, ==, 200);
      g_assert_cmpmem (g_bytes_get_data (r->body, NULL), g_bytes_get_size (r->body),
                       sum, strlen (sum));
      assert_too_large (json, TB_REQUEST_MAX_BODY);
    }

  /* One byte more, waiting for "100 Continue": refused from the headers, nothing of the body
   * sent, whoever asks. */
  for (guint authorized = 0; authorized < 2; authorized++)
    {
      g_autoptr(TestCountingStream) stream = counting_stream_new (limit + 1);
      TbTestRequestOptions options = { .token = authorized ? token : NULL,
                                       .stream = G_INPUT_STREAM (stream), .length = limit + 1,
                                       .content_type = "application/pdf",
                                       .expect_continue = TRUE };
      g_autoptr(TbTestResponse) r = tb_test_request_full (ts, "POST", "/api/v1/test/upload",
                                                          &options);

      assert_too_large (r, limit);
      g_assert_cmpint (stream->read, ==, 0);
      g_assert_nonnull (strstr (json_object_get_string_member (json_node_get_object (r->json),
                                                               "detail"), "2 MiB"));
    }

  /* Sent at once, with or without Content-Length: answered all the same. */
  for (guint chunked = 0; chunked < 2; chunked++)
    {
      TbTestRequestOptions options = { .token = token, .body = body, .length = limit + 1,
                                       .content_type = "application/pdf", .chunked = chunked };
      g_autoptr(TbTestResponse) r = tb_test_request_full (ts, "POST", "/api/v1/test/upload",
                                                          &options);

      assert_too_large (r, limit);
    }

  /* A body that does not end: cut off after the limit and a little more, not read for ever. */
  {
    g_autoptr(TestCountingStream) stream = counting_stream_new (-1);
    TbTestRequestOptions options = { .token = token, .stream = G_INPUT_STREAM (stream),
                                     .content_type = "application/pdf", .chunked = TRUE };
    g_autoptr(TbTestResponse) r = tb_test_request_full (ts, "POST", "/api/v1/test/upload",
                                                        &options);

    g_test_message ("endless body: %" G_GOFFSET_FORMAT " bytes sent, status %u, %s",
                    stream->read, r->status, r->error != NULL ? r->error->message : "no error");
    g_assert_true (r->error != NULL || r->status == 413);
    g_assert_cmpint (stream->read, >, limit);
    g_assert_cmpint (stream->read, <, limit + 64 * 1024 * 1024);
  }

  /* The server still answers. */
  {
    TbTestRequestOptions options = { .token = token, .body = body, .length = 10,
                                     .content_type = "application/pdf" };
    g_autoptr(TbTestResponse) r = tb_test_request_full (ts, "POST", "/api/v1/test/upload",
                                                        &options);

    g_assert_cmpuint (r->status, ==, 200);
  }
  tb_test_server_free (ts);
}

/* What came back on a raw connection: the status line, the headers and the body. */
typedef struct
{
  GString  *text;
  gboolean  done;
  guint8    buffer[4096];
} RawAnswer;

static gboolean
raw_answer_complete (RawAnswer *answer)
{
  const char *end = strstr (answer->text->str, "\r\n\r\n");
  g_autofree char *head = NULL;
  g_autoptr(GRegex) regex = NULL;
  g_autoptr(GMatchInfo) match = NULL;
  g_autofree char *length = NULL;

  if (end == NULL)
    return FALSE;
  head = g_strndup (answer->text->str, end - answer->text->str);
  regex = g_regex_new ("^Content-Length: *([0-9]+)", G_REGEX_CASELESS | G_REGEX_MULTILINE, 0,
                       NULL);
  g_assert_true (g_regex_match (regex, head, 0, &match));
  length = g_match_info_fetch (match, 1);
  return answer->text->len >= (gsize) (end + 4 - answer->text->str)
                                + g_ascii_strtoull (length, NULL, 10);
}

static void
raw_read_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  RawAnswer *answer = user_data;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, NULL);

  if (n > 0)
    g_string_append_len (answer->text, (const char *) answer->buffer, n);
  if (n <= 0 || raw_answer_complete (answer))
    {
      answer->done = TRUE;
      return;
    }
  g_input_stream_read_async (G_INPUT_STREAM (source), answer->buffer, sizeof answer->buffer,
                             G_PRIORITY_DEFAULT, NULL, raw_read_cb, answer);
}

static gboolean
set_flag (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Sends @head, the request's headers, and not one byte of the body they announce; returns what
 * the server answers within @seconds (the answer so far, if it does not end in time). */
static char *
send_headers_only (TbTestServer *ts,
                   const char   *head,
                   guint         seconds)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  RawAnswer answer = { .text = g_string_new (NULL) };
  gboolean timed_out = FALSE;
  guint timeout;

  connection = g_socket_client_connect_to_host (client, "127.0.0.1",
                                                tb_server_get_port (ts->server), NULL, &error);
  g_assert_no_error (error);
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)), head,
                             strlen (head), NULL, NULL, &error);
  g_assert_no_error (error);

  g_input_stream_read_async (g_io_stream_get_input_stream (G_IO_STREAM (connection)),
                             answer.buffer, sizeof answer.buffer, G_PRIORITY_DEFAULT, NULL,
                             raw_read_cb, &answer);
  timeout = g_timeout_add_seconds (seconds, set_flag, &timed_out);
  while (!answer.done && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (timeout);

  /* Closed under a read still running: let it end before its buffer goes. */
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
  while (!answer.done)
    g_main_context_iteration (NULL, TRUE);
  return g_string_free (answer.text, FALSE);
}

/*
 * An upload is refused from its headers to a caller who may not make it: the token and the role
 * are checked before any of the file is read, or a buffer for it reserved. Waiting for
 * "100 Continue", the client sends nothing; sending at once, it gets its answer without
 * sending a byte, and the connection is closed.
 */
static void
test_upload_unauthorized (void)
{
  TbTestServer *ts = server_new ();
  g_autofree char *token = tb_test_sign_in (ts, "wangfang", DEMO_PASSWORD, NULL);
  g_autofree char *auditor = tb_test_sign_in (ts, "sunjianguo", DEMO_PASSWORD, NULL);
  g_autofree char *tampered = g_strdup (token);
  gsize limit = tb_server_get_max_attachment_size (ts->server);
  const struct
  {
    const char *path;
    const char *token;
    guint       status;
    const char *problem;
  } refused[] = {
    { "/api/v1/test/upload", NULL, 401, "unauthorized" },
    { "/api/v1/test/upload", tampered, 401, "unauthorized" },
    { "/api/v1/attachments", NULL, 401, "unauthorized" },
    { "/api/v1/attachments", auditor, 403, "forbidden" },
  };

  tampered[0] = tampered[0] == 'A' ? 'B' : 'A';
  g_assert_cmpuint (limit, ==, 25 * 1024 * 1024);

  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    for (guint expect = 0; expect < 2; expect++)
      {
        g_autoptr(TestCountingStream) stream = counting_stream_new (limit);
        const char *headers[] = { "Idempotency-Key", "7d444840-9dc0-11d1-b245-5ffdce74fad2",
                                  NULL };
        TbTestRequestOptions options = { .token = refused[i].token, .headers = headers,
                                         .stream = G_INPUT_STREAM (stream), .length = limit,
                                         .content_type = "application/pdf",
                                         .expect_continue = expect };
        g_autoptr(TbTestResponse) r = tb_test_request_full (ts, "POST", refused[i].path,
                                                            &options);

        g_test_message ("%s %s, %s: %u, %" G_GOFFSET_FORMAT " bytes sent", refused[i].path,
                        refused[i].token == NULL ? "no token" : "a token",
                        expect ? "Expect: 100-continue" : "at once", r->status, stream->read);
        tb_test_assert_problem (r, refused[i].status, refused[i].problem);
        g_assert_cmpstr (soup_message_headers_get_one (r->headers, "Connection"), ==, "close");
        if (refused[i].status == 401)
          g_assert_nonnull (soup_message_headers_get_one (r->headers, "WWW-Authenticate"));
        /* libsoup sends all of a body before it reads an answer, unless told to wait. */
        if (expect)
          g_assert_cmpint (stream->read, ==, 0);
        else
          g_assert_cmpint (stream->read, <=, limit);
      }
  g_assert_cmpuint (raw_calls, ==, 0);

  /* The answer comes with none of the body sent: the server reads none of it first. */
  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autoptr(GString) head = g_string_new (NULL);
      g_autofree char *answer = NULL;
      g_autofree char *status = g_strdup_printf ("HTTP/1.1 %u ", refused[i].status);

      g_string_append_printf (head, "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                              "Content-Type: application/pdf\r\n"
                              "Content-Length: %" G_GSIZE_FORMAT "\r\n"
                              "Idempotency-Key: 7d444840-9dc0-11d1-b245-5ffdce74fad2\r\n",
                              refused[i].path, limit);
      if (refused[i].token != NULL)
        g_string_append_printf (head, "Authorization: Bearer %s\r\n", refused[i].token);
      g_string_append (head, "\r\n");

      /* Generous, for a loaded machine: a server waiting for the body never answers. */
      answer = send_headers_only (ts, head->str, 60);
      g_test_message ("headers only: %s", answer);
      g_assert_true (g_str_has_prefix (answer, status));
      g_assert_nonnull (strstr (answer, "\r\nConnection: close\r\n"));
      g_assert_nonnull (strstr (answer, "application/problem+json"));
      g_assert_nonnull (strstr (answer, refused[i].problem));
    }

  /* One who may: still taken. */
  {
    g_autoptr(TestCountingStream) stream = counting_stream_new (limit);
    TbTestRequestOptions options = { .token = token, .stream = G_INPUT_STREAM (stream),
                                     .length = limit, .content_type = "application/pdf",
                                     .expect_continue = TRUE };
    g_autoptr(TbTestResponse) r = tb_test_request_full (ts, "POST", "/api/v1/test/upload",
                                                        &options);

    g_assert_no_error (r->error);
    g_assert_cmpuint (r->status, ==, 200);
    g_assert_cmpint (stream->read, ==, limit);
    g_assert_cmpuint (raw_calls, ==, 1);
  }
  tb_test_server_free (ts);
}

/* tongban-server --max-attachment-mib: a usage error outside 1 MiB to the most SQLite keeps. */
static void
test_upload_limit_option (void)
{
  static const char *refused[] = { "0", "-1", "513", "many" };

  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autofree char *db = g_build_filename (g_get_tmp_dir (), "never-created.db", NULL);
      char *argv[] = { "tongban-server", "--db", db, "--max-attachment-mib",
                       (char *) refused[i], NULL };

      g_assert_cmpint (tb_server_main (G_N_ELEMENTS (argv) - 1, argv), ==, 2);
      g_assert_false (g_file_test (db, G_FILE_TEST_EXISTS));
    }
}

static void
test_path_params (void)
{
  static const char *hostile[] = {
    "/api/v1/test/items/%2e%2e",
    "/api/v1/test/items/.",
    "/api/v1/test/items/..%2F..%2Fetc%2Fpasswd",
    "/api/v1/test/items/..%5C..%5Cwindows",
    "/api/v1/test/items/a%00b",
    "/api/v1/test/items/a%20b",
    "/api/v1/test/items/a'%20OR%20'1'='1",
    "/api/v1/test/items/%E4%B8%AD",
    "/api/v1/test/items/a%0Ab",
    "/api/v1/test/items/%2Fetc%2Fpasswd",
    "/api/v1/test/items/0123456789012345678901234567890123456789012345678901234567890123X",
  };
  TbTestServer *ts = server_new ();
  g_autofree char *token = tb_test_sign_in (ts, "wangfang", DEMO_PASSWORD, NULL);
  gint64 meta = tb_test_query_int (ts, "SELECT count(*) FROM server_meta");
  gint64 users = tb_test_query_int (ts, "SELECT count(*) FROM users");

  for (guint i = 0; i < G_N_ELEMENTS (hostile); i++)
    {
      g_autoptr(TbTestResponse) r = tb_test_request (ts, "GET", hostile[i], token, NULL);

      g_test_message ("%s → %u", hostile[i], r->status);
      g_assert_no_error (r->error);
      g_assert_cmpuint (r->status, >=, 400);
      g_assert_cmpuint (r->status, <, 500);
    }
  g_assert_cmpuint (item_calls, ==, 0);

  /* 64 bytes is still an id. */
  {
    g_autoptr(TbTestResponse) r = tb_test_request (ts, "GET",
                                                   "/api/v1/test/items/0123456789"
                                                   "0123456789012345678901234567890123456789"
                                                   "01234567890123", token, NULL);
    tb_test_assert_json_answer (r, 200);
    g_assert_cmpuint (item_calls, ==, 1);
  }

  g_assert_cmpint (tb_test_query_int (ts, "SELECT count(*) FROM server_meta"), ==, meta);
  g_assert_cmpint (tb_test_query_int (ts, "SELECT count(*) FROM users"), ==, users);
  tb_test_server_free (ts);
}

/* ---- Faults ----------------------------------------------------------------------------- */

static void
set_faults (TbTestServer *ts,
            const char   *spec)
{
  TbServerFaults faults;
  g_autoptr(GError) error = NULL;

  g_assert_true (tb_server_faults_parse (spec, &faults, &error));
  g_assert_no_error (error);
  tb_server_set_faults (ts->server, &faults);
}

static TbTestResponse *
commit (TbTestServer *ts,
        const char   *token,
        const char   *key)
{
  g_autofree char *body = g_strdup_printf ("{\"schema_version\": 1, \"key\": \"%s\"}", key);
  /* A fresh connection each time: a client library may resend a request whose kept-alive
   * connection closed, which would hide the fault. */
  TbTestRequestOptions options = { .token = token, .body = body, .length = -1,
                                   .new_connection = TRUE };

  return tb_test_request_full (ts, "POST", "/api/v1/test/commit", &options);
}

static void
test_faults_parse (void)
{
  static const char *bad[] = {
    "drop", "drop=", "drop=1.5", "drop=-0.1", "drop=abc", "delay=fast", "delay=10m",
    "delay=9999999s", "seed=-1", "seed=x", "auth=2", "explode=1", "error=0.1;drop=0.1",
  };
  TbServerFaults faults;
  g_autoptr(GError) error = NULL;

  g_assert_true (tb_server_faults_parse ("drop=0.1,error=0.2,delay=200ms,truncate=0.05,"
                                         "duplicate=0.25,after=0.75,seed=7", &faults, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (faults.drop, ==, 0.1);
  g_assert_cmpfloat (faults.error, ==, 0.2);
  g_assert_cmpuint (faults.delay_ms, ==, 200);
  g_assert_cmpfloat (faults.truncate, ==, 0.05);
  g_assert_cmpfloat (faults.duplicate, ==, 0.25);
  g_assert_cmpfloat (faults.after, ==, 0.75);
  g_assert_cmpuint (faults.seed, ==, 7);
  g_assert_false (faults.auth);

  g_assert_true (tb_server_faults_parse ("delay=2s, auth=1", &faults, &error));
  g_assert_cmpuint (faults.delay_ms, ==, 2000);
  g_assert_true (faults.auth);
  g_assert_cmpfloat (faults.after, ==, 0.5);
  g_assert_cmpfloat (faults.drop, ==, 0.0);

  g_assert_true (tb_server_faults_parse ("", &faults, &error));
  g_assert_cmpfloat (faults.error, ==, 0.0);

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) bad_error = NULL;
      g_test_message ("%s", bad[i]);
      g_assert_false (tb_server_faults_parse (bad[i], &faults, &bad_error));
      g_assert_error (bad_error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
    }
}

static void
test_fault_error (void)
{
  TbTestServer *ts = server_new ();
  g_autofree char *token = tb_test_sign_in (ts, "wangfang", DEMO_PASSWORD, NULL);
  guint n_503 = 0;
  guint n_500 = 0;

  set_faults (ts, "error=1,seed=3");
  for (guint i = 0; i < 16; i++)
    {
      g_autoptr(TbTestResponse) r = commit (ts, token, "err");

      if (r->status == 503)
        {
          tb_test_assert_problem (r, 503, "unavailable");
          g_assert_cmpstr (soup_message_headers_get_one (r->headers, "Retry-After"), ==, "1");
          n_503++;
        }
      else
        {
          tb_test_assert_problem (r, 500, "internal");
          n_500++;
        }
    }
  g_assert_cmpuint (n_503, >, 0);
  g_assert_cmpuint (n_500, >, 0);

  /* Nothing ran, nothing was committed. */
  g_assert_cmpuint (commit_calls, ==, 0);
  g_assert_cmpint (committed (ts, "err"), ==, 0);

  /* Sign-in is spared unless auth=1. */
  g_free (tb_test_sign_in (ts, "lina", DEMO_PASSWORD, NULL));
  set_faults (ts, "error=1,auth=1");
  {
    g_autoptr(TbTestResponse) r = tb_test_request (ts, "POST", "/api/v1/session", NULL,
                                                   "{\"schema_version\": 1, \"login\": "
                                                   "\"lina\", \"password\": \"" DEMO_PASSWORD
                                                   "\"}");
    g_assert_true (r->status == 500 || r->status == 503);
  }

  /* Off again. */
  tb_server_set_faults (ts->server, NULL);
  {
    g_autoptr(TbTestResponse) r = commit (ts, token, "err");
    tb_test_assert_json_answer (r, 201);
  }
  g_assert_cmpint (committed (ts, "err"), ==, 1);
  tb_test_server_free (ts);
}

static void
test_fault_drop (void)
{
  TbTestServer *ts = server_new ();
  g_autofree char *token = tb_test_sign_in (ts, "wangfang", DEMO_PASSWORD, NULL);

  /* After the commit: the client sees a broken connection, but the change is in. */
  set_faults (ts, "drop=1,after=1");
  {
    g_autoptr(TbTestResponse) r = commit (ts, token, "lost-answer");
    g_assert_nonnull (r->error);
    g_assert_cmpuint (r->status, ==, 0);
  }
  g_assert_cmpuint (commit_calls, ==, 1);
  g_assert_cmpint (committed (ts, "lost-answer"), ==, 1);

  /* Before: the request is lost, nothing changes. */
  set_faults (ts, "drop=1,after=0");
  {
    g_autoptr(TbTestResponse) r = commit (ts, token, "lost-request");
    g_assert_nonnull (r->error);
  }
  g_assert_cmpuint (commit_calls, ==, 1);
  g_assert_cmpint (committed (ts, "lost-request"), ==, 0);

  /* The server goes on serving. */
  tb_server_set_faults (ts->server, NULL);
  {
    g_autoptr(TbTestResponse) r = commit (ts, token, "lost-request");
    tb_test_assert_json_answer (r, 201);
  }
  g_assert_cmpint (committed (ts, "lost-request"), ==, 1);
  tb_test_server_free (ts);
}

static void
test_fault_truncate_duplicate_delay (void)
{
  TbTestServer *ts = server_new ();
  g_autofree char *token = tb_test_sign_in (ts, "wangfang", DEMO_PASSWORD, NULL);
  gint64 start;

  set_faults (ts, "truncate=1");
  {
    g_autoptr(TbTestResponse) r = commit (ts, token, "cut");

    /* The body ends before its Content-Length: an error, or at least not the answer. */
    if (r->error == NULL)
      g_assert_null (r->json);
    else
      g_assert_cmpuint (r->status, ==, 0);
  }
  g_assert_cmpint (committed (ts, "cut"), ==, 1);

  set_faults (ts, "duplicate=1");
  {
    g_autoptr(TbTestResponse) r = commit (ts, token, "twice");
    tb_test_assert_json_answer (r, 201);
  }
  g_assert_cmpint (committed (ts, "twice"), ==, 2);

  set_faults (ts, "delay=300ms");
  start = g_get_monotonic_time ();
  {
    g_autoptr(TbTestResponse) r = commit (ts, token, "slow");
    g_autoptr(TbTestResponse) r2 = tb_test_request (ts, "GET", "/api/v1/test/items/x", token,
                                                    NULL);
    tb_test_assert_json_answer (r, 201);
    tb_test_assert_json_answer (r2, 200);
  }
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 2 * 300 * 1000);
  g_assert_cmpint (committed (ts, "slow"), ==, 1);

  /* Delays combine with the other faults. */
  set_faults (ts, "delay=50ms,drop=1,after=1");
  {
    g_autoptr(TbTestResponse) r = commit (ts, token, "slow-lost");
    g_assert_nonnull (r->error);
  }
  g_assert_cmpint (committed (ts, "slow-lost"), ==, 1);
  set_faults (ts, "delay=50ms,error=1");
  {
    g_autoptr(TbTestResponse) r = commit (ts, token, "slow-error");
    g_assert_no_error (r->error);
    g_assert_true (r->status == 500 || r->status == 503);
  }
  g_assert_cmpint (committed (ts, "slow-error"), ==, 0);

  /* A delayed request whose client gave up does not trouble the server. */
  set_faults (ts, "delay=400ms");
  {
    g_autofree char *uri = g_strconcat (ts->base, "/api/v1/test/items/gone", NULL);
    g_autoptr(SoupMessage) msg = soup_message_new ("GET", uri);
    g_autoptr(GCancellable) cancellable = g_cancellable_new ();

    soup_message_headers_replace (soup_message_get_request_headers (msg),
                                  "Tongban-Schema-Version", "1");
    soup_session_send_and_read_async (ts->session, msg, G_PRIORITY_DEFAULT, cancellable, NULL,
                                      NULL);
    tb_test_wait (100);
    g_cancellable_cancel (cancellable);
    soup_session_abort (ts->session);
    tb_test_wait (500);
  }
  tb_server_set_faults (ts->server, NULL);
  {
    g_autoptr(TbTestResponse) r = tb_test_request (ts, "GET", "/api/v1/test/items/x", token,
                                                   NULL);
    tb_test_assert_json_answer (r, 200);
  }

  tb_test_server_free (ts);
}

/* What a run of requests went through: "o" answered, "x" lost. */
static char *
fault_sequence (const char *spec)
{
  TbTestServer *ts = server_new ();
  g_autofree char *token = tb_test_sign_in (ts, "wangfang", DEMO_PASSWORD, NULL);
  GString *sequence = g_string_new (NULL);

  set_faults (ts, spec);
  for (guint i = 0; i < 24; i++)
    {
      g_autoptr(TbTestResponse) r = commit (ts, token, "seq");

      if (r->error != NULL)
        g_string_append_c (sequence, 'x');
      else if (r->status >= 500)
        g_string_append_c (sequence, 'e');
      else
        {
          tb_test_assert_json_answer (r, 201);
          g_string_append_c (sequence, 'o');
        }
    }
  tb_test_server_free (ts);
  return g_string_free (sequence, FALSE);
}

static void
test_fault_deterministic (void)
{
  g_autofree char *first = fault_sequence ("drop=0.3,error=0.3,after=0.5,seed=7");
  g_autofree char *again = fault_sequence ("drop=0.3,error=0.3,after=0.5,seed=7");
  g_autofree char *other = fault_sequence ("drop=0.3,error=0.3,after=0.5,seed=8");

  g_test_message ("seed 7: %s, seed 8: %s", first, other);
  g_assert_cmpstr (first, ==, again);
  g_assert_cmpstr (first, !=, other);
  g_assert_nonnull (strchr (first, 'o'));
  g_assert_nonnull (strchr (first, 'x'));
  g_assert_nonnull (strchr (first, 'e'));
}

/* ---- TLS -------------------------------------------------------------------------------- */

static gboolean
accept_any_certificate (SoupMessage          *msg,
                        GTlsCertificate      *certificate,
                        GTlsCertificateFlags  errors,
                        gpointer              user_data)
{
  return TRUE;
}

static void
on_tls_sent (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  GBytes **bytes = user_data;
  g_autoptr(GError) error = NULL;

  *bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  g_assert_no_error (error);
}

static void
test_tls (void)
{
  g_autofree char *openssl = g_find_program_in_path ("openssl");
  g_autofree char *dir = NULL;
  g_autofree char *cert_path = NULL;
  g_autofree char *key_path = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *db = NULL;
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(TbServer) server = NULL;
  g_autoptr(SoupSession) session = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *base = NULL;
  int status = 0;

  if (!g_tls_backend_supports_tls (g_tls_backend_get_default ()))
    {
      g_test_skip ("No TLS backend (glib-networking)");
      return;
    }
  if (openssl == NULL)
    {
      g_test_skip ("openssl is not installed: no certificate to test with");
      return;
    }

  dir = g_dir_make_tmp ("tongban-tls-XXXXXX", &error);
  g_assert_no_error (error);
  cert_path = g_build_filename (dir, "cert.pem", NULL);
  key_path = g_build_filename (dir, "key.pem", NULL);
  {
    const char *argv[] = {
      openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
      "-subj", "/CN=127.0.0.1", "-keyout", key_path, "-out", cert_path, NULL
    };
    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL
                                 | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL, NULL, &status,
                                 &error));
    g_assert_no_error (error);
    g_assert_true (g_spawn_check_wait_status (status, NULL));
  }

  certificate = g_tls_certificate_new_from_files (cert_path, key_path, &error);
  g_assert_no_error (error);

  g_setenv (TB_SERVER_PWHASH_ENV, "min", TRUE);
  db = g_build_filename (dir, "server.db", NULL);
  server = tb_server_new (db, &error);
  g_assert_no_error (error);
  g_assert_true (tb_server_listen (server, "127.0.0.1:0", certificate, &error));
  g_assert_no_error (error);
  base = tb_server_get_base_uri (server);
  g_assert_true (g_str_has_prefix (base, "https://127.0.0.1:"));

  session = soup_session_new ();
  soup_session_set_proxy_resolver (session, NULL);
  uri = g_strconcat (base, "/api/v1/nothing", NULL);
  msg = soup_message_new ("GET", uri);
  g_signal_connect (msg, "accept-certificate", G_CALLBACK (accept_any_certificate), NULL);
  soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, on_tls_sent, &bytes);
  while (bytes == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 404);
  g_assert_nonnull (soup_message_get_tls_peer_certificate (msg));

  soup_session_abort (session);
  tb_server_disconnect (server);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_clear_object (&server);

  {
    const char *names[] = { "cert.pem", "key.pem", "server.db", "server.db-wal", "server.db-shm" };
    for (guint i = 0; i < G_N_ELEMENTS (names); i++)
      {
        g_autofree char *path = g_build_filename (dir, names[i], NULL);
        g_remove (path);
      }
    g_rmdir (dir);
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/server/http/routes", test_routes);
  g_test_add_func ("/server/http/unauthorized", test_unauthorized);
  g_test_add_func ("/server/http/schema-version", test_schema_version);
  g_test_add_func ("/server/http/malformed-bodies", test_malformed_bodies);
  g_test_add_func ("/server/http/body-limit", test_body_limit);
  g_test_add_func ("/server/http/raw-body", test_raw_body);
  g_test_add_func ("/server/http/upload-limit", test_upload_limit);
  g_test_add_func ("/server/http/upload-limit-option", test_upload_limit_option);
  g_test_add_func ("/server/http/upload-unauthorized", test_upload_unauthorized);
  g_test_add_func ("/server/http/path-params", test_path_params);
  g_test_add_func ("/server/faults/parse", test_faults_parse);
  g_test_add_func ("/server/faults/error", test_fault_error);
  g_test_add_func ("/server/faults/drop", test_fault_drop);
  g_test_add_func ("/server/faults/truncate-duplicate-delay",
                   test_fault_truncate_duplicate_delay);
  g_test_add_func ("/server/faults/deterministic", test_fault_deterministic);
  g_test_add_func ("/server/http/tls", test_tls);

  return g_test_run ();
}
