/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-server.h: the reference server: HTTP, routes, sign-in and role checks, fault injection */

#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <sqlite3.h>

#include "tb-server-db.h"
#include "tb-types.h"

G_BEGIN_DECLS

/**
 * TbServerRouteFlags:
 * @TB_SERVER_ROUTE_PUBLIC: no bearer token needed (`POST /session`, `POST /session/refresh`);
 *   the request's caller is %NULL
 * @TB_SERVER_ROUTE_RAW_BODY: the body is bytes (an attachment), not a JSON object: it is not
 *   parsed, the handler reads #TbServerRequest.body_bytes
 * @TB_SERVER_ROUTE_SESSION: a session endpoint: fault injection leaves it alone unless the
 *   fault spec says `auth=1`
 * @TB_SERVER_ROUTE_UPLOAD: the body is a file (with %TB_SERVER_ROUTE_RAW_BODY): it may be as
 *   large as tb_server_get_max_attachment_size() rather than %TB_REQUEST_MAX_BODY
 *
 * Flags ORed into the access mask of tb_server_add_route(), above the #TbRole bits.
 */
typedef enum
{
  TB_SERVER_ROUTE_PUBLIC   = 1 << 16,
  TB_SERVER_ROUTE_RAW_BODY = 1 << 17,
  TB_SERVER_ROUTE_SESSION  = 1 << 18,
  TB_SERVER_ROUTE_UPLOAD   = 1 << 19,
} TbServerRouteFlags;

/* The #TbRole bits of an access mask; none set means "any signed-in user". */
#define TB_SERVER_ROLE_MASK 0xffffu

/**
 * TbServerRequest:
 * @method: "GET", "POST", …
 * @path: the request path, percent-decoded
 * @pattern: the pattern of the route it matched ("/api/v1/cases/{id}")
 * @params: (element-type utf8 utf8): the pattern's `{name}` segments → their values; every
 *   value is 1–64 bytes of printable ASCII other than '/', '\' and never "." or ".."
 * @query: (element-type utf8 utf8): the query parameters (empty if none)
 * @body: (nullable): the JSON body, for POST/PUT/PATCH routes without
 *   %TB_SERVER_ROUTE_RAW_BODY: already checked to be a UTF-8 JSON object with
 *   `"schema_version": 1`; the handler still checks its members (tb_request_check_members())
 * @body_bytes: the raw body (empty if none), at most %TB_REQUEST_MAX_BODY bytes, or
 *   tb_server_get_max_attachment_size() on %TB_SERVER_ROUTE_UPLOAD routes
 * @headers: the request headers
 * @caller: (nullable): who is asking; %NULL only on %TB_SERVER_ROUTE_PUBLIC routes
 * @remote_address: (nullable): the client's IP address, as text
 *
 * One request, as a handler sees it. Everything is owned by the server and valid during the
 * handler call. The handler shapes the answer with tb_server_request_set_status() and friends.
 */
typedef struct
{
  const char         *method;
  const char         *path;
  const char         *pattern;
  GHashTable         *params;
  GHashTable         *query;
  JsonObject         *body;
  GBytes             *body_bytes;
  SoupMessageHeaders *headers;
  TbServerCaller     *caller;
  const char         *remote_address;
} TbServerRequest;

#define TB_TYPE_SERVER (tb_server_get_type ())

G_DECLARE_FINAL_TYPE (TbServer, tb_server, TB, SERVER, GObject)

/**
 * TbServerHandler:
 * @server: the server
 * @req: the request
 * @error: return location for a #TB_PROBLEM_ERROR
 *
 * Answers one request. Return a JSON object (answered with status 200 unless set otherwise,
 * `schema_version` added if missing), or %NULL without error for an empty answer (204 unless
 * set otherwise, or the bytes of tb_server_request_set_raw_response()), or %NULL with @error
 * set: answered as problem+json with the problem's status (headers set on @req, such as
 * Retry-After, are kept; members set with tb_server_request_set_problem_member() are added).
 *
 * Returns: (transfer full) (nullable): the answer
 */
typedef JsonNode *(*TbServerHandler) (TbServer         *server,
                                      TbServerRequest  *req,
                                      GError          **error);

/**
 * TbServerFaults:
 * @drop: probability of closing the connection without an answer
 * @after: probability that a drop happens after the handler ran (and committed)
 * @error: probability of answering 500 or 503 (with Retry-After: 1) without running the handler
 * @truncate: probability of sending a cut body (Content-Length larger than what is sent)
 * @duplicate: probability of running the handler twice (the second answer is sent)
 * @delay_ms: delay before handling every request, in milliseconds
 * @seed: seed of the fault generator: the same seed and requests give the same faults
 * @auth: whether faults apply to the session endpoints too
 * @page_bytes: if not 0, pull pages stop near this many bytes of changes whatever the client
 *   asks for (a server may always answer less): to test clients over many pages
 *
 * Faults to inject, for testing clients against a lossy network; see tb_server_faults_parse().
 */
typedef struct
{
  double   drop;
  double   after;
  double   error;
  double   truncate;
  double   duplicate;
  guint    delay_ms;
  guint64  seed;
  gboolean auth;
  guint    page_bytes;
} TbServerFaults;

#define TB_SERVER_DEFAULT_ACCESS_TTL  (15 * 60)
#define TB_SERVER_DEFAULT_REFRESH_TTL (30 * 24 * 60 * 60)

/* The largest attachment it takes unless told otherwise: a scanned application of many pages
 * (docs/protocol.md, "Limits"). */
#define TB_SERVER_DEFAULT_MAX_ATTACHMENT (25 * 1024 * 1024)
/* The most it may be told: SQLite keeps a file in one blob, of at most 10^9 bytes. */
#define TB_SERVER_MAX_ATTACHMENT_LIMIT   (512 * 1024 * 1024)

TbServer        *tb_server_new                  (const char             *db_path,
                                                 GError                **error);
sqlite3         *tb_server_get_db               (TbServer               *self);
gboolean         tb_server_listen               (TbServer               *self,
                                                 const char             *address,
                                                 GTlsCertificate        *certificate,
                                                 GError                **error);
guint            tb_server_get_port             (TbServer               *self);
char            *tb_server_get_base_uri         (TbServer               *self);
void             tb_server_disconnect           (TbServer               *self);

void             tb_server_add_route            (TbServer               *self,
                                                 const char             *method,
                                                 const char             *pattern,
                                                 guint                   access,
                                                 TbServerHandler         handler);
guint            tb_server_get_n_routes         (TbServer               *self);
void             tb_server_get_route            (TbServer               *self,
                                                 guint                   index,
                                                 const char            **method,
                                                 const char            **pattern,
                                                 guint                  *access);

void             tb_server_set_token_ttl        (TbServer               *self,
                                                 gint64                  access_seconds,
                                                 gint64                  refresh_seconds);
gint64           tb_server_get_access_ttl       (TbServer               *self);
gint64           tb_server_get_refresh_ttl      (TbServer               *self);
void             tb_server_set_max_attachment_size (TbServer            *self,
                                                 gsize                   bytes);
gsize            tb_server_get_max_attachment_size (TbServer            *self);

gboolean         tb_server_faults_parse         (const char             *spec,
                                                 TbServerFaults         *out,
                                                 GError                **error);
const TbServerFaults *tb_server_get_faults      (TbServer               *self);
void             tb_server_set_faults           (TbServer               *self,
                                                 const TbServerFaults   *faults);

const char      *tb_server_request_get_param    (TbServerRequest        *req,
                                                 const char             *name);
const char      *tb_server_request_get_query    (TbServerRequest        *req,
                                                 const char             *name);
const char      *tb_server_request_get_header   (TbServerRequest        *req,
                                                 const char             *name);
void             tb_server_request_set_status   (TbServerRequest        *req,
                                                 guint                   status);
void             tb_server_request_set_header   (TbServerRequest        *req,
                                                 const char             *name,
                                                 const char             *value);
void             tb_server_request_set_raw_response (TbServerRequest    *req,
                                                 const char             *content_type,
                                                 GBytes                 *bytes);
void             tb_server_request_set_problem_member (TbServerRequest  *req,
                                                 const char             *name,
                                                 JsonNode               *value);

G_END_DECLS
