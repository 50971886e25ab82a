/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-test-server.h: a reference server on a free port and a real HTTP client, for tests */

#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "tb-server.h"
#include "tb-sync-engine.h"

G_BEGIN_DECLS

/**
 * TbTestServer:
 * @server: the server, listening on 127.0.0.1 and a free port, in the test's main context
 * @session: a client session (no proxy, 30 s timeout)
 * @base: "http://127.0.0.1:PORT"
 * @dir: a temporary folder holding the database, removed by tb_test_server_free()
 * @db_path: the database file
 */
typedef struct
{
  TbServer    *server;
  SoupSession *session;
  char        *base;
  char        *dir;
  char        *db_path;
} TbTestServer;

/**
 * TbTestResponse:
 * @status: the HTTP status, 0 if the exchange failed
 * @error: (nullable): why it failed (connection closed, truncated answer…)
 * @headers: (nullable): the response headers
 * @body: (nullable): the body
 * @json: (nullable): the body parsed, if it is JSON
 */
typedef struct
{
  guint               status;
  GError             *error;
  SoupMessageHeaders *headers;
  GBytes             *body;
  JsonNode           *json;
} TbTestResponse;

/* A request: everything but method and path optional. GETs get Tongban-Schema-Version: 1
 * unless @no_version_header. */
typedef struct
{
  const char         *token;
  const char         *body;
  gssize              length;          /* -1: strlen (body) */
  const char         *content_type;    /* default application/json */
  const char * const *headers;         /* name, value, name, value, …, NULL */
  gboolean            no_version_header;
  gboolean            chunked;         /* send the body without Content-Length */
  gboolean            new_connection;
  GInputStream       *stream;          /* instead of @body: @length bytes (or all if @chunked) */
  gboolean            expect_continue; /* send the body only after "100 Continue" */
} TbTestRequestOptions;

TbTestServer   *tb_test_server_new          (void);
void            tb_test_server_free         (TbTestServer         *ts);

TbTestResponse *tb_test_request_full        (TbTestServer         *ts,
                                             const char           *method,
                                             const char           *path,
                                             const TbTestRequestOptions *options);
TbTestResponse *tb_test_request             (TbTestServer         *ts,
                                             const char           *method,
                                             const char           *path,
                                             const char           *token,
                                             const char           *body);
void            tb_test_response_free       (TbTestResponse       *response);
const char     *tb_test_response_get_string (TbTestResponse       *response,
                                             const char           *member);
void            tb_test_assert_json_answer  (TbTestResponse       *response,
                                             guint                 status);
void            tb_test_assert_problem      (TbTestResponse       *response,
                                             guint                 status,
                                             const char           *name);

char           *tb_test_sign_in             (TbTestServer         *ts,
                                             const char           *login,
                                             const char           *password,
                                             char                **refresh_token);
void            tb_test_wait                (guint                 milliseconds);
void            tb_test_wait_cb             (GObject              *source,
                                             GAsyncResult         *result,
                                             gpointer              user_data);
GAsyncResult   *tb_test_wait_result         (GAsyncResult        **slot);
gboolean        tb_test_engine_sign_in      (TbSyncEngine         *engine,
                                             const char           *login,
                                             GError              **error);
gboolean        tb_test_engine_sync         (TbSyncEngine         *engine,
                                             TbSyncSummary        *summary,
                                             GError              **error);
gint64          tb_test_query_int           (TbTestServer         *ts,
                                             const char           *sql);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TbTestResponse, tb_test_response_free)

G_END_DECLS
