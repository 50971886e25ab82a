/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-test-server.h: a reference server on a free port and a real HTTP client, for tests */

#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "tb-attachment-cache.h"
#include "tb-case-service.h"
#include "tb-server.h"
#include "tb-sync-engine.h"

G_BEGIN_DECLS

/* The seed of the demo of tb_test_server_new_demo(): a test makes the same cases with it. */
#define TB_TEST_DEMO_SEED 7

/**
 * TbTestServer:
 * @server: the server, listening on 127.0.0.1 and a free port, in the test's main context
 * @session: a client session (no proxy, 30 s timeout)
 * @base: "http://127.0.0.1:PORT"
 * @dir: a temporary folder holding the database, removed by tb_test_server_free()
 * @db_path: the database file
 * @today: the server's today if tb_test_server_new_demo() set it, else %TB_DAY_INVALID
 */
typedef struct
{
  TbServer    *server;
  SoupSession *session;
  char        *base;
  char        *dir;
  char        *db_path;
  TbDay        today;
} TbTestServer;

/**
 * TbTestClient:
 * @path: its store's file
 * @store: (nullable): the store, %NULL while closed
 * @engine: (nullable): its sync engine, %NULL while closed
 * @service: (nullable): the case service of its user, once tb_test_client_start() has run
 * @cache: (nullable): an attachment cache of the test's own, as the window makes one; the
 *   test sets it, tb_test_client_close() finalizes it
 * @login: (nullable): who signed in last with tb_test_client_sign_in()
 *
 * A desk of a test: a store of its own and an engine that syncs it with a test server.
 */
typedef struct
{
  char              *path;
  TbStore           *store;
  TbSyncEngine      *engine;
  TbCaseService     *service;
  TbAttachmentCache *cache;
  char              *login;
} TbTestClient;

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
TbTestServer   *tb_test_server_new_demo     (guint                 n_cases,
                                             TbDay                 today);
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

TbTestClient   *tb_test_client_new          (const char           *dir,
                                             const char           *name,
                                             const char           *server_url,
                                             gboolean              use_keyring);
void            tb_test_client_open         (TbTestClient         *c,
                                             const char           *server_url,
                                             gboolean              use_keyring);
void            tb_test_client_close        (TbTestClient         *c);
void            tb_test_client_free         (TbTestClient         *c);
gboolean        tb_test_client_sign_in      (TbTestClient         *c,
                                             const char           *login,
                                             GError              **error);
void            tb_test_client_start        (TbTestClient         *c,
                                             const char           *login,
                                             TbDay                 today);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TbTestResponse, tb_test_response_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TbTestClient, tb_test_client_free)

G_END_DECLS
