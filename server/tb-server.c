/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-server.c: the reference server: HTTP, routes, sign-in and role checks, fault injection */

#include "config.h"

#include <gio/gnetworking.h>
#include <glib/gi18n-lib.h>
#include <stdio.h>
#include <string.h>

#include "tb-problem.h"
#include "tb-request.h"
#include "tb-server.h"
#include "tb-server-auth.h"
#include "tb-server-sync.h"

/*
 * Every request goes through the same steps, in this order, so that a refusal never depends
 * on what a caller may not know: the body limit (413: 1 MiB, or the attachment limit on upload
 * routes; decided from Content-Length before any of the body is read, or as soon as a chunked
 * body passes it), the route (404, or 405 with Allow), the bearer token (401), the role (403),
 * the schema version (400), the body (400), then faults, if any were asked for, then the
 * handler. On upload routes the token and the role are checked from the headers too, before
 * any of the body is read: a stranger cannot make the server take in 25 MiB.
 * Each request is logged to stderr in one line, without tokens or passwords (they are never
 * in the path and the log takes nothing else from the request).
 */

typedef struct
{
  char            *method;
  char            *pattern;
  char           **segments;
  guint            n_literals;
  guint            access;
  TbServerHandler  handler;
} Route;

struct _TbServer
{
  GObject          parent_instance;

  SoupServer      *soup;
  sqlite3         *db;
  TbServerAuth    *auth;
  GPtrArray       *routes;

  gint64           access_ttl;
  gint64           refresh_ttl;
  gsize            max_attachment;

  gboolean         faults_enabled;
  TbServerFaults   faults;
  GRand           *fault_rand;
  GHashTable      *delayed;         /* SoupServerMessage → GSource */

  guint            port;
  char            *base_uri;
};

enum {
  PROP_0,
  PROP_PORT,
  PROP_ACCESS_TTL,
  PROP_REFRESH_TTL,
  PROP_MAX_ATTACHMENT_SIZE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (TbServer, tb_server, G_TYPE_OBJECT)

/* What a request is doing; attached to its SoupServerMessage, which owns it. The handler sees
 * the TbServerRequest at its start. */
typedef struct
{
  TbServerRequest  req;

  TbServer        *server;
  const Route     *route;
  gint64           started;
  gsize            body_limit;
  GByteArray      *received;        /* the body so far: libsoup keeps none of it */
  gboolean         refused;         /* answered from the headers or too large: no more body */
  gboolean         finished;
  gboolean         logged;
  char            *method;
  char            *path;
  char            *remote;
  char            *log_user;
  const char      *fault;

  SoupMessageHeaders *response_headers;
  GHashTable      *params;
  GHashTable      *query;
  JsonObject      *body;
  GBytes          *body_bytes;
  TbServerCaller  *caller;

  guint            status;
  JsonObject      *problem_members;
  char            *raw_content_type;
  GBytes          *raw_body;

  gboolean         delayed;
  gboolean         fault_drop;
  gboolean         fault_after;
  gboolean         fault_error;
  guint            fault_error_status;
  gboolean         fault_truncate;
  gboolean         fault_duplicate;
} Exchange;

#define EXCHANGE_KEY "tb-server-exchange"

/* Connections waiting to be accepted (listen(2)). */
#define LISTEN_BACKLOG 1024

static void
exchange_free (gpointer data)
{
  Exchange *ex = data;

  g_free (ex->method);
  g_free (ex->path);
  g_free (ex->remote);
  g_free (ex->log_user);
  g_clear_pointer (&ex->params, g_hash_table_unref);
  g_clear_pointer (&ex->query, g_hash_table_unref);
  g_clear_pointer (&ex->body, json_object_unref);
  g_clear_pointer (&ex->body_bytes, g_bytes_unref);
  g_clear_pointer (&ex->received, g_byte_array_unref);
  g_clear_pointer (&ex->caller, tb_server_caller_free);
  g_clear_pointer (&ex->problem_members, json_object_unref);
  g_free (ex->raw_content_type);
  g_clear_pointer (&ex->raw_body, g_bytes_unref);
  g_free (ex);
}

static Exchange *
exchange_get (SoupServerMessage *msg)
{
  return g_object_get_data (G_OBJECT (msg), EXCHANGE_KEY);
}

/* What the log needs of a request, as soon as the message knows it. */
static void
exchange_note (Exchange          *ex,
               SoupServerMessage *msg)
{
  GUri *uri = soup_server_message_get_uri (msg);
  GSocketAddress *remote;

  if (ex->method == NULL && soup_server_message_get_method (msg) != NULL)
    ex->method = g_strdup (soup_server_message_get_method (msg));
  if (ex->path == NULL && uri != NULL)
    ex->path = g_strdup (g_uri_get_path (uri));
  if (ex->remote == NULL)
    {
      remote = soup_server_message_get_remote_address (msg);
      if (G_IS_INET_SOCKET_ADDRESS (remote))
        ex->remote = g_inet_address_to_string (
          g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (remote)));
    }
}

static void
route_free (gpointer data)
{
  Route *route = data;

  g_free (route->method);
  g_free (route->pattern);
  g_strfreev (route->segments);
  g_free (route);
}

/* ---- Answers ---------------------------------------------------------------------------- */

static void
set_json_response (SoupServerMessage *msg,
                   guint              status,
                   const char        *content_type,
                   JsonNode          *node)
{
  gsize length = 0;
  char *text = json_to_string (node, FALSE);

  length = strlen (text);
  /* JSON answers are about one caller's view at one moment: never kept by a cache. Set here too,
   * for answers given before routing (the early 413). */
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Cache-Control", "no-store");
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, content_type, SOUP_MEMORY_TAKE, text, length);
}

/* The problem's `instance`: the request path as a URI reference (RFC 9457 §3.1.5), so escaped
 * again — the path held for routing is decoded ("a b"). */
static char *
problem_instance (Exchange *ex)
{
  if (ex == NULL || ex->path == NULL)
    return NULL;
  return g_uri_escape_string (ex->path, "/:@-._~!$&'()*+,;=", FALSE);
}

static JsonNode *
problem_node (Exchange     *ex,
              const GError *error)
{
  g_autofree char *instance = problem_instance (ex);
  JsonNode *node = tb_problem_to_json (error, instance);
  JsonObject *object = json_node_get_object (node);

  if (g_error_matches (error, TB_PROBLEM_ERROR, TB_PROBLEM_VERSION_NOT_SUPPORTED)
      && !json_object_has_member (object, "supported"))
    {
      JsonArray *supported = json_array_new ();

      json_array_add_int_element (supported, 1);
      json_object_set_array_member (object, "supported", supported);
    }

  if (ex != NULL && ex->problem_members != NULL)
    {
      JsonObjectIter iter;
      const char *name;
      JsonNode *value;

      json_object_iter_init (&iter, ex->problem_members);
      while (json_object_iter_next (&iter, &name, &value))
        json_object_set_member (object, name, json_node_copy (value));
    }

  return node;
}

static guint
problem_status (const GError *error)
{
  if (error->domain == TB_PROBLEM_ERROR)
    return tb_problem_status (error->code);
  return SOUP_STATUS_INTERNAL_SERVER_ERROR;
}

static void
answer_problem (SoupServerMessage *msg,
                Exchange          *ex,
                const GError      *error)
{
  g_autoptr(JsonNode) node = problem_node (ex, error);

  if ((error->domain != TB_PROBLEM_ERROR || error->code == TB_PROBLEM_INTERNAL)
      && (ex == NULL || ex->fault == NULL))
    g_printerr ("tongban-server: internal error on %s: %s\n",
                ex != NULL && ex->path != NULL ? ex->path : "?", error->message);

  set_json_response (msg, problem_status (error), "application/problem+json", node);
}

static void
answer_problem_literal (SoupServerMessage *msg,
                        Exchange          *ex,
                        TbProblem          problem,
                        const char        *detail)
{
  g_autoptr(GError) error = g_error_new_literal (TB_PROBLEM_ERROR, problem, detail);

  answer_problem (msg, ex, error);
}

/* A problem without a type of its own (RFC 9457 §4.2.1): "about:blank", titled by the status. */
static void
answer_blank_problem (SoupServerMessage *msg,
                      Exchange          *ex,
                      guint              status,
                      const char        *detail)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) node = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, "about:blank");
  json_builder_set_member_name (builder, "title");
  json_builder_add_string_value (builder, soup_status_get_phrase (status));
  json_builder_set_member_name (builder, "status");
  json_builder_add_int_value (builder, status);
  json_builder_set_member_name (builder, "detail");
  json_builder_add_string_value (builder, detail);
  if (ex != NULL && ex->path != NULL)
    {
      g_autofree char *instance = problem_instance (ex);

      json_builder_set_member_name (builder, "instance");
      json_builder_add_string_value (builder, instance);
    }
  json_builder_set_member_name (builder, "schema_version");
  json_builder_add_int_value (builder, 1);
  json_builder_end_object (builder);
  node = json_builder_get_root (builder);

  set_json_response (msg, status, "application/problem+json", node);
}

/* ---- The request log -------------------------------------------------------------------- */

static void
log_exchange (Exchange   *ex,
              const char *status)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *time = g_date_time_format_iso8601 (now);
  g_autofree char *path = NULL;
  double ms = (g_get_monotonic_time () - ex->started) / 1000.0;

  if (ex->logged)
    return;
  ex->logged = TRUE;

  /* Re-escaped: a path may hold anything, and the log must stay one line per request. */
  path = g_uri_escape_string (ex->path != NULL ? ex->path : "-", "/:@-._~!$&'()*+,;={}",
                              FALSE);
  g_printerr ("%s method=%s path=%s status=%s duration_ms=%.1f user=%s remote=%s%s%s\n",
              time, ex->method != NULL ? ex->method : "-", path, status, ms,
              ex->log_user != NULL ? ex->log_user : "-",
              ex->remote != NULL ? ex->remote : "-",
              ex->fault != NULL ? " fault=" : "", ex->fault != NULL ? ex->fault : "");
}

static void
on_request_started (SoupServer        *soup,
                    SoupServerMessage *msg,
                    gpointer           user_data)
{
  Exchange *ex = g_new0 (Exchange, 1);

  ex->server = user_data;
  ex->started = g_get_monotonic_time ();
  g_object_set_data_full (G_OBJECT (msg), EXCHANGE_KEY, ex, exchange_free);
}

static void
on_request_done (SoupServer        *soup,
                 SoupServerMessage *msg,
                 gpointer           user_data)
{
  Exchange *ex = exchange_get (msg);
  char status[16];

  if (ex == NULL)
    return;
  ex->finished = TRUE;
  exchange_note (ex, msg);
  if (ex->method == NULL)
    return;  /* a connection closed before any request */
  g_snprintf (status, sizeof status, "%u", soup_server_message_get_status (msg));
  log_exchange (ex, status);
}

/* ---- Routes ----------------------------------------------------------------------------- */

/* What a path parameter may be: an id, never something a file system or a shell could read
 * otherwise ("..", "/", "\", NUL, spaces). */
static gboolean
param_is_valid (const char *value)
{
  gsize length = strlen (value);

  if (length == 0 || length > TB_REQUEST_MAX_ID)
    return FALSE;
  if (strcmp (value, ".") == 0 || strcmp (value, "..") == 0)
    return FALSE;
  for (const char *p = value; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr ("-._~:", *p) == NULL)
      return FALSE;
  return TRUE;
}

static gboolean
route_matches (const Route  *route,
               char        **segments,
               GHashTable   *params)
{
  if (g_strv_length (route->segments) != g_strv_length (segments))
    return FALSE;

  for (guint i = 0; route->segments[i] != NULL; i++)
    {
      const char *want = route->segments[i];

      if (want[0] == '{')
        {
          if (!param_is_valid (segments[i]))
            return FALSE;
          if (params != NULL)
            g_hash_table_insert (params, g_strndup (want + 1, strlen (want) - 2),
                                 g_strdup (segments[i]));
        }
      else if (strcmp (want, segments[i]) != 0)
        return FALSE;
    }

  return TRUE;
}

/* The route for @method and @path, preferring literal segments over parameters; NULL with
 * @allow filled with the methods the path has, if any. */
static const Route *
find_route (TbServer   *self,
            const char *method,
            const char *path,
            GString    *allow)
{
  g_auto(GStrv) segments = g_strsplit (path, "/", -1);
  const Route *best = NULL;

  for (guint i = 0; i < self->routes->len; i++)
    {
      const Route *route = g_ptr_array_index (self->routes, i);

      if (!route_matches (route, segments, NULL))
        continue;
      if (strcmp (route->method, method) == 0)
        {
          if (best == NULL || route->n_literals > best->n_literals)
            best = route;
        }
      else if (!strstr (allow->str, route->method))
        g_string_append_printf (allow, "%s%s", allow->len > 0 ? ", " : "", route->method);
    }

  return best;
}

/* ---- Faults ----------------------------------------------------------------------------- */

static void
draw_faults (TbServer *self,
             Exchange *ex)
{
  /* Always the same number of draws per request, so one request's faults never shift the
   * next one's. */
  double drop = g_rand_double (self->fault_rand);
  double after = g_rand_double (self->fault_rand);
  double error = g_rand_double (self->fault_rand);
  double error_kind = g_rand_double (self->fault_rand);
  double truncate = g_rand_double (self->fault_rand);
  double duplicate = g_rand_double (self->fault_rand);

  ex->fault_error = error < self->faults.error;
  ex->fault_error_status = error_kind < 0.5 ? SOUP_STATUS_SERVICE_UNAVAILABLE
                                            : SOUP_STATUS_INTERNAL_SERVER_ERROR;
  ex->fault_drop = drop < self->faults.drop;
  ex->fault_after = after < self->faults.after;
  ex->fault_truncate = truncate < self->faults.truncate;
  ex->fault_duplicate = duplicate < self->faults.duplicate;
}

static void
close_stolen (GIOStream *stream)
{
  g_autoptr(GError) error = NULL;

  if (!g_io_stream_close (stream, NULL, &error))
    g_debug ("Closing a dropped connection: %s", error->message);
}

static void
drop_connection (SoupServerMessage *msg,
                 Exchange          *ex,
                 const char        *fault)
{
  g_autoptr(GIOStream) stream = NULL;

  ex->fault = fault;
  log_exchange (ex, "dropped");
  stream = soup_server_message_steal_connection (msg);
  if (stream != NULL)
    close_stolen (stream);
}

/* Writes the answer set on @msg to @stream, the connection taken from libsoup: the status line,
 * the headers, and the first @sent bytes of the body, declaring @declared; then no more on this
 * connection. */
static void
write_answer (SoupServerMessage *msg,
              GIOStream         *stream,
              GBytes            *body,
              gsize              declared,
              gsize              sent)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  GOutputStream *out = g_io_stream_get_output_stream (stream);
  g_autoptr(GString) head = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  guint status = soup_server_message_get_status (msg);
  SoupMessageHeadersIter iter;
  const char *name;
  const char *value;

  g_string_append_printf (head, "HTTP/1.1 %u %s\r\n", status, soup_status_get_phrase (status));
  soup_message_headers_iter_init (&iter, headers);
  while (soup_message_headers_iter_next (&iter, &name, &value))
    if (g_ascii_strcasecmp (name, "Content-Length") != 0
        && g_ascii_strcasecmp (name, "Connection") != 0)
      g_string_append_printf (head, "%s: %s\r\n", name, value);
  g_string_append_printf (head, "Content-Length: %" G_GSIZE_FORMAT "\r\n", declared);
  g_string_append (head, "Connection: close\r\n\r\n");

  if (!g_output_stream_write_all (out, head->str, head->len, NULL, NULL, &error)
      || !g_output_stream_write_all (out, g_bytes_get_data (body, NULL), sent, NULL, NULL,
                                     &error)
      || !g_output_stream_flush (out, NULL, &error))
    g_debug ("Writing an answer on a taken connection: %s", error->message);
}

/* Sends the status line, the headers and half of the answer's body, declaring all of it. */
static void
truncate_answer (SoupServerMessage *msg,
                 Exchange          *ex)
{
  SoupMessageBody *body = soup_server_message_get_response_body (msg);
  g_autoptr(GBytes) full = soup_message_body_flatten (body);
  g_autoptr(GIOStream) stream = NULL;

  ex->fault = "truncate";
  log_exchange (ex, "truncated");

  stream = soup_server_message_steal_connection (msg);
  if (stream == NULL)
    return;
  write_answer (msg, stream, full, g_bytes_get_size (full) + 1, g_bytes_get_size (full) / 2);
  close_stolen (stream);
}

/* ---- Who is asking --------------------------------------------------------------------- */

static const char *
bearer_token (SoupMessageHeaders *headers)
{
  const char *value = soup_message_headers_get_one (headers, "Authorization");

  if (value == NULL || g_ascii_strncasecmp (value, "Bearer ", 7) != 0)
    return NULL;
  value += 7;
  while (*value == ' ')
    value++;
  return *value != '\0' ? value : NULL;
}

/* Who is asking, and whether the route lets them: FALSE with the 401 or 403 answer set on
 * @msg. Keeps the caller on @ex. */
static gboolean
check_caller (TbServer          *self,
              SoupServerMessage *msg,
              Exchange          *ex,
              const Route       *route)
{
  SoupMessageHeaders *response_headers = soup_server_message_get_response_headers (msg);
  const char *token;
  g_autoptr(GError) error = NULL;

  if ((route->access & TB_SERVER_ROUTE_PUBLIC) != 0)
    return TRUE;

  if (ex->caller == NULL)
    {
      token = bearer_token (soup_server_message_get_request_headers (msg));
      if (token == NULL)
        {
          soup_message_headers_replace (response_headers, "WWW-Authenticate",
                                        "Bearer realm=\"tongban\"");
          answer_problem_literal (msg, ex, TB_PROBLEM_UNAUTHORIZED,
                                  "Sign in first: this endpoint needs a bearer token.");
          return FALSE;
        }

      ex->caller = tb_server_auth_authenticate (self, token, &error);
      if (ex->caller == NULL)
        {
          soup_message_headers_replace (response_headers, "WWW-Authenticate",
                                        "Bearer realm=\"tongban\", error=\"invalid_token\"");
          answer_problem (msg, ex, error);
          return FALSE;
        }
      g_free (ex->log_user);
      ex->log_user = g_strdup (ex->caller->user_id);
    }

  if ((route->access & TB_SERVER_ROLE_MASK) != 0
      && (ex->caller->roles & route->access & TB_SERVER_ROLE_MASK) == 0)
    {
      answer_problem_literal (msg, ex, TB_PROBLEM_FORBIDDEN,
                              "Your role may not call this endpoint.");
      return FALSE;
    }

  return TRUE;
}

/* ---- The body limit --------------------------------------------------------------------- */

/* What the server still reads of a body it refused, for a client that reads the answer only
 * once it has sent everything (libsoup without "Expect: 100-continue" does): most bodies over a
 * limit are not far over it. Then the connection is closed, whatever is still coming. */
#define LINGER_BYTES   (32 * 1024 * 1024)
#define LINGER_SECONDS 5

typedef struct
{
  GIOStream    *stream;
  GCancellable *cancellable;
  GSource      *timeout;
  gsize         left;
  guint8        buffer[64 * 1024];
} Linger;

static void linger_read (Linger *linger);

static void
linger_end (Linger *linger)
{
  g_source_destroy (linger->timeout);
  g_source_unref (linger->timeout);
  close_stolen (linger->stream);
  g_object_unref (linger->stream);
  g_object_unref (linger->cancellable);
  g_free (linger);
}

static void
linger_read_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Linger *linger = user_data;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, NULL);

  /* The end of the body, the client gone, the time or the budget used up. */
  if (n <= 0 || (gsize) n >= linger->left)
    {
      linger_end (linger);
      return;
    }
  linger->left -= n;
  linger_read (linger);
}

static void
linger_read (Linger *linger)
{
  g_input_stream_read_async (g_io_stream_get_input_stream (linger->stream), linger->buffer,
                             sizeof linger->buffer, G_PRIORITY_DEFAULT, linger->cancellable,
                             linger_read_cb, linger);
}

static gboolean
linger_timeout_cb (gpointer user_data)
{
  Linger *linger = user_data;

  g_cancellable_cancel (linger->cancellable);
  return G_SOURCE_REMOVE;
}

/* Reads and drops what comes on @stream for a while, then closes it; takes @stream. */
static void
linger_start (GIOStream *stream)
{
  Linger *linger = g_new0 (Linger, 1);

  linger->stream = stream;
  linger->cancellable = g_cancellable_new ();
  linger->left = LINGER_BYTES;
  linger->timeout = g_timeout_source_new_seconds (LINGER_SECONDS);
  g_source_set_callback (linger->timeout, linger_timeout_cb, linger, NULL);
  g_source_attach (linger->timeout, g_main_context_get_thread_default ());
  linger_read (linger);
}

/* Sends the answer set on @msg and closes the connection, without reading the body into the
 * request. A client that waits for "100 Continue" before sending its body has sent none of it:
 * libsoup answers it and reads nothing. Any other is sending already: the connection is taken
 * from libsoup, so that nothing more is read into the request, the answer written on it, and
 * what still comes read and dropped for a while. */
static void
refuse_early (SoupServerMessage *msg,
              Exchange          *ex,
              gboolean           sending)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GBytes) answer = NULL;
  char status[16];

  ex->refused = TRUE;
  g_clear_pointer (&ex->received, g_byte_array_unref);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Connection", "close");

  if (!sending && (soup_message_headers_get_expectations (headers) & SOUP_EXPECTATION_CONTINUE))
    return;

  g_snprintf (status, sizeof status, "%u", soup_server_message_get_status (msg));
  log_exchange (ex, status);
  answer = soup_message_body_flatten (soup_server_message_get_response_body (msg));
  stream = soup_server_message_steal_connection (msg);
  if (stream == NULL)
    return;
  write_answer (msg, stream, answer, g_bytes_get_size (answer), g_bytes_get_size (answer));
  linger_start (g_steal_pointer (&stream));
}

/* Answers 413 at once, saying the limit. */
static void
refuse_too_large (SoupServerMessage *msg,
                  Exchange          *ex,
                  gboolean           sending)
{
  g_autofree char *detail = NULL;
  g_autoptr(GError) error = NULL;

  if (ex->body_limit % (1024 * 1024) == 0)
    detail = g_strdup_printf ("The request body is larger than %" G_GSIZE_FORMAT " MiB "
                              "(%" G_GSIZE_FORMAT " bytes), the most this endpoint takes.",
                              ex->body_limit / (1024 * 1024), ex->body_limit);
  else
    detail = g_strdup_printf ("The request body is larger than %" G_GSIZE_FORMAT " bytes, "
                              "the most this endpoint takes.", ex->body_limit);
  error = g_error_new_literal (TB_PROBLEM_ERROR, TB_PROBLEM_PAYLOAD_TOO_LARGE, detail);
  if (ex->problem_members == NULL)
    ex->problem_members = json_object_new ();
  json_object_set_int_member (ex->problem_members, "max_size", (gint64) ex->body_limit);
  answer_problem (msg, ex, error);
  refuse_early (msg, ex, sending);
}

static void
on_got_chunk (SoupServerMessage *msg,
              GBytes            *chunk,
              gpointer           user_data)
{
  Exchange *ex = exchange_get (msg);
  gsize size = g_bytes_get_size (chunk);

  if (ex == NULL || ex->refused || ex->received == NULL)
    return;
  if (size > ex->body_limit - ex->received->len)
    {
      refuse_too_large (msg, ex, TRUE);
      return;
    }
  g_byte_array_append (ex->received, g_bytes_get_data (chunk, NULL), size);
}

static void
on_early (SoupServer        *soup,
          SoupServerMessage *msg,
          const char        *path,
          GHashTable        *query,
          gpointer           user_data)
{
  TbServer *self = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  Exchange *ex = exchange_get (msg);
  g_autoptr(GString) allow = g_string_new (NULL);
  const Route *route;
  goffset length = 0;

  if (ex == NULL)
    return;

  exchange_note (ex, msg);
  route = find_route (self, ex->method != NULL ? ex->method : "", path, allow);
  ex->body_limit = route != NULL && (route->access & TB_SERVER_ROUTE_UPLOAD) != 0
                   ? self->max_attachment : TB_REQUEST_MAX_BODY;

  /* The body is kept here, in one buffer of its size, rather than by libsoup in pieces that
   * would be copied into one again. */
  soup_message_body_set_accumulate (soup_server_message_get_request_body (msg), FALSE);
  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH)
    {
      length = soup_message_headers_get_content_length (headers);
      if (length < 0 || (guint64) length > ex->body_limit)
        {
          refuse_too_large (msg, ex, FALSE);
          return;
        }
    }

  /* A file is only read, and its buffer only reserved, for someone who may upload it. */
  if (route != NULL && (route->access & TB_SERVER_ROUTE_UPLOAD) != 0
      && !check_caller (self, msg, ex, route))
    {
      refuse_early (msg, ex, FALSE);
      return;
    }

  ex->received = g_byte_array_sized_new ((guint) length);
  g_signal_connect (msg, "got-chunk", G_CALLBACK (on_got_chunk), NULL);
}

/* ---- Running a handler ------------------------------------------------------------------ */

static void
reset_answer (Exchange *ex)
{
  ex->status = 0;
  g_clear_pointer (&ex->problem_members, json_object_unref);
  g_clear_pointer (&ex->raw_content_type, g_free);
  g_clear_pointer (&ex->raw_body, g_bytes_unref);
}

static void
run_handler (TbServer          *self,
             SoupServerMessage *msg,
             Exchange          *ex)
{
  g_autoptr(JsonNode) result = NULL;
  g_autoptr(GError) error = NULL;

  if (ex->fault_duplicate)
    {
      g_autoptr(JsonNode) first = NULL;
      g_autoptr(GError) first_error = NULL;

      first = ex->route->handler (self, &ex->req, &first_error);
      reset_answer (ex);
    }

  result = ex->route->handler (self, &ex->req, &error);

  if (error != NULL)
    {
      g_warn_if_fail (result == NULL);
      answer_problem (msg, ex, error);
      return;
    }

  if (result != NULL)
    {
      if (JSON_NODE_HOLDS_OBJECT (result)
          && !json_object_has_member (json_node_get_object (result), "schema_version"))
        json_object_set_int_member (json_node_get_object (result), "schema_version", 1);
      set_json_response (msg, ex->status != 0 ? ex->status : SOUP_STATUS_OK,
                         "application/json", result);
    }
  else if (ex->raw_body != NULL)
    {
      /* Sent from the handler's bytes, not a copy: a file may be large. */
      soup_server_message_set_status (msg, ex->status != 0 ? ex->status : SOUP_STATUS_OK, NULL);
      soup_message_headers_set_content_type (soup_server_message_get_response_headers (msg),
                                             ex->raw_content_type, NULL);
      soup_message_body_truncate (soup_server_message_get_response_body (msg));
      soup_message_body_append_bytes (soup_server_message_get_response_body (msg), ex->raw_body);
    }
  else
    soup_server_message_set_status (msg, ex->status != 0 ? ex->status : SOUP_STATUS_NO_CONTENT,
                                    NULL);
}

static void
unpause_if_delayed (SoupServerMessage *msg,
                    Exchange          *ex)
{
  if (ex->delayed)
    soup_server_message_unpause (msg);
}

static gboolean on_delay_done (gpointer data);

/* The last steps: faults and the handler. Runs again after a delay. */
static void
exchange_run (TbServer          *self,
              SoupServerMessage *msg,
              Exchange          *ex)
{
  if (self->faults_enabled && self->faults.delay_ms > 0 && !ex->delayed)
    {
      GSource *source = g_timeout_source_new (self->faults.delay_ms);

      ex->delayed = TRUE;
      soup_server_message_pause (msg);
      g_source_set_callback (source, on_delay_done, g_object_ref (msg), g_object_unref);
      g_source_attach (source, g_main_context_get_thread_default ());
      g_hash_table_insert (self->delayed, msg, source);
      return;
    }

  if (ex->fault_error)
    {
      ex->fault = "error";
      if (ex->fault_error_status == SOUP_STATUS_SERVICE_UNAVAILABLE)
        {
          soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                        "Retry-After", "1");
          answer_problem_literal (msg, ex, TB_PROBLEM_UNAVAILABLE,
                                  "The server is overloaded; try again shortly.");
        }
      else
        answer_problem_literal (msg, ex, TB_PROBLEM_INTERNAL, "Injected fault.");
      unpause_if_delayed (msg, ex);
      return;
    }

  if (ex->fault_drop && !ex->fault_after)
    {
      drop_connection (msg, ex, "drop-before");
      return;
    }

  run_handler (self, msg, ex);
  if (ex->fault_duplicate)
    ex->fault = "duplicate";

  if (ex->fault_drop)
    {
      drop_connection (msg, ex, "drop-after");
      return;
    }
  if (ex->fault_truncate)
    {
      truncate_answer (msg, ex);
      return;
    }

  unpause_if_delayed (msg, ex);
}

static gboolean
on_delay_done (gpointer data)
{
  SoupServerMessage *msg = data;
  Exchange *ex = exchange_get (msg);

  g_hash_table_remove (ex->server->delayed, msg);
  if (!ex->finished)
    exchange_run (ex->server, msg, ex);
  return G_SOURCE_REMOVE;
}

static void
on_message_finished (SoupServerMessage *msg,
                     gpointer           user_data)
{
  Exchange *ex = exchange_get (msg);

  if (ex != NULL)
    ex->finished = TRUE;
}

/* ---- The request ------------------------------------------------------------------------ */

static gboolean
method_has_body (const char *method)
{
  return strcmp (method, "POST") == 0 || strcmp (method, "PUT") == 0
         || strcmp (method, "PATCH") == 0;
}

static gboolean
check_version_header (Exchange  *ex,
                      GError   **error)
{
  const char *value = soup_message_headers_get_one (ex->req.headers, "Tongban-Schema-Version");

  if (value == NULL)
    {
      if (strcmp (ex->method, "GET") != 0)
        return TRUE;
      g_set_error_literal (error, TB_PROBLEM_ERROR, TB_PROBLEM_VERSION_NOT_SUPPORTED,
                           "The Tongban-Schema-Version header is missing; this server speaks "
                           "version 1.");
      return FALSE;
    }

  if (strcmp (value, "1") != 0)
    {
      g_set_error_literal (error, TB_PROBLEM_ERROR, TB_PROBLEM_VERSION_NOT_SUPPORTED,
                           "Tongban-Schema-Version: this server speaks version 1 only.");
      return FALSE;
    }

  return TRUE;
}

static void
on_request (SoupServer        *soup,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  TbServer *self = user_data;
  Exchange *ex = exchange_get (msg);
  SoupMessageHeaders *response_headers = soup_server_message_get_response_headers (msg);
  g_autoptr(GString) allow = g_string_new (NULL);
  g_autoptr(GError) error = NULL;

  g_return_if_fail (ex != NULL);

  exchange_note (ex, msg);
  g_return_if_fail (ex->method != NULL && ex->path != NULL);
  g_signal_connect (msg, "finished", G_CALLBACK (on_message_finished), NULL);
  g_signal_connect (msg, "disconnected", G_CALLBACK (on_message_finished), NULL);

  soup_message_headers_replace (response_headers, "Cache-Control", "no-store");

  ex->route = find_route (self, ex->method, path, allow);
  if (ex->route == NULL)
    {
      if (allow->len > 0)
        {
          soup_message_headers_replace (response_headers, "Allow", allow->str);
          answer_blank_problem (msg, ex, SOUP_STATUS_METHOD_NOT_ALLOWED,
                                "This endpoint does not answer this method.");
        }
      else
        answer_problem_literal (msg, ex, TB_PROBLEM_NOT_FOUND, "There is no such endpoint.");
      return;
    }

  ex->params = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  {
    g_auto(GStrv) segments = g_strsplit (path, "/", -1);
    route_matches (ex->route, segments, ex->params);
  }
  ex->query = query != NULL ? g_hash_table_ref (query)
                            : g_hash_table_new (g_str_hash, g_str_equal);

  ex->req.method = ex->method;
  ex->req.path = ex->path;
  ex->req.pattern = ex->route->pattern;
  ex->req.params = ex->params;
  ex->req.query = ex->query;
  ex->req.headers = soup_server_message_get_request_headers (msg);
  ex->req.remote_address = ex->remote;
  ex->response_headers = response_headers;

  /* Who is asking; on an upload route, known already from the headers. */
  if (!check_caller (self, msg, ex, ex->route))
    return;
  ex->req.caller = ex->caller;

  if (!check_version_header (ex, &error))
    {
      answer_problem (msg, ex, error);
      return;
    }

  /* What it sends. */
  ex->body_bytes = ex->received != NULL
                   ? g_byte_array_free_to_bytes (g_steal_pointer (&ex->received))
                   : g_bytes_new (NULL, 0);
  ex->req.body_bytes = ex->body_bytes;
  if (method_has_body (ex->method) && (ex->route->access & TB_SERVER_ROUTE_RAW_BODY) == 0)
    {
      gsize length = 0;
      const char *data = g_bytes_get_data (ex->body_bytes, &length);

      ex->body = tb_request_parse_object (data, length, &error);
      if (ex->body == NULL)
        {
          answer_problem (msg, ex, error);
          return;
        }
      ex->req.body = ex->body;
    }

  if (self->faults_enabled
      && ((ex->route->access & TB_SERVER_ROUTE_SESSION) == 0 || self->faults.auth))
    draw_faults (self, ex);

  exchange_run (self, msg, ex);
}

/* ---- The object ------------------------------------------------------------------------- */

static void
tb_server_dispose (GObject *object)
{
  TbServer *self = TB_SERVER (object);

  if (self->delayed != NULL)
    {
      GHashTableIter iter;
      gpointer source;

      g_hash_table_iter_init (&iter, self->delayed);
      while (g_hash_table_iter_next (&iter, NULL, &source))
        g_source_destroy (source);
      g_hash_table_remove_all (self->delayed);
    }

  if (self->soup != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->soup, self);
      soup_server_remove_handler (self->soup, NULL);
      soup_server_disconnect (self->soup);
      g_clear_object (&self->soup);
    }

  G_OBJECT_CLASS (tb_server_parent_class)->dispose (object);
}

static void
tb_server_finalize (GObject *object)
{
  TbServer *self = TB_SERVER (object);

  g_clear_pointer (&self->auth, tb_server_auth_free);
  if (self->db != NULL)
    tb_server_sync_forget (self->db);
  g_clear_pointer (&self->db, sqlite3_close_v2);
  g_clear_pointer (&self->routes, g_ptr_array_unref);
  g_clear_pointer (&self->fault_rand, g_rand_free);
  g_clear_pointer (&self->delayed, g_hash_table_unref);
  g_free (self->base_uri);

  G_OBJECT_CLASS (tb_server_parent_class)->finalize (object);
}

static void
tb_server_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  TbServer *self = TB_SERVER (object);

  switch (prop_id)
    {
    case PROP_PORT:
      g_value_set_uint (value, self->port);
      break;
    case PROP_ACCESS_TTL:
      g_value_set_int64 (value, self->access_ttl);
      break;
    case PROP_REFRESH_TTL:
      g_value_set_int64 (value, self->refresh_ttl);
      break;
    case PROP_MAX_ATTACHMENT_SIZE:
      g_value_set_uint64 (value, self->max_attachment);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tb_server_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  TbServer *self = TB_SERVER (object);

  switch (prop_id)
    {
    case PROP_ACCESS_TTL:
      tb_server_set_token_ttl (self, g_value_get_int64 (value), self->refresh_ttl);
      break;
    case PROP_REFRESH_TTL:
      tb_server_set_token_ttl (self, self->access_ttl, g_value_get_int64 (value));
      break;
    case PROP_MAX_ATTACHMENT_SIZE:
      tb_server_set_max_attachment_size (self, g_value_get_uint64 (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tb_server_class_init (TbServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tb_server_dispose;
  object_class->finalize = tb_server_finalize;
  object_class->get_property = tb_server_get_property;
  object_class->set_property = tb_server_set_property;

  /**
   * TbServer:port:
   *
   * The port it listens on (the one the system chose, if asked for port 0); 0 before
   * tb_server_listen().
   */
  properties[PROP_PORT] =
    g_param_spec_uint ("port", NULL, NULL, 0, G_MAXUINT16, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * TbServer:access-ttl:
   *
   * Seconds an access token is valid.
   */
  properties[PROP_ACCESS_TTL] =
    g_param_spec_int64 ("access-ttl", NULL, NULL, 1, G_MAXINT32, TB_SERVER_DEFAULT_ACCESS_TTL,
                        G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * TbServer:refresh-ttl:
   *
   * Seconds a refresh token is valid.
   */
  properties[PROP_REFRESH_TTL] =
    g_param_spec_int64 ("refresh-ttl", NULL, NULL, 1, G_MAXINT32, TB_SERVER_DEFAULT_REFRESH_TTL,
                        G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * TbServer:max-attachment-size:
   *
   * The largest attachment it takes, in bytes: a larger upload is answered 413.
   */
  properties[PROP_MAX_ATTACHMENT_SIZE] =
    g_param_spec_uint64 ("max-attachment-size", NULL, NULL, 1, TB_SERVER_MAX_ATTACHMENT_LIMIT,
                         TB_SERVER_DEFAULT_MAX_ATTACHMENT,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tb_server_init (TbServer *self)
{
  self->routes = g_ptr_array_new_with_free_func (route_free);
  self->access_ttl = TB_SERVER_DEFAULT_ACCESS_TTL;
  self->refresh_ttl = TB_SERVER_DEFAULT_REFRESH_TTL;
  self->max_attachment = TB_SERVER_DEFAULT_MAX_ATTACHMENT;
  self->delayed = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) g_source_unref);

  self->soup = soup_server_new ("server-header", "tongban-server/" PACKAGE_VERSION " ", NULL);
  g_signal_connect (self->soup, "request-started", G_CALLBACK (on_request_started), self);
  g_signal_connect (self->soup, "request-finished", G_CALLBACK (on_request_done), self);
  g_signal_connect (self->soup, "request-aborted", G_CALLBACK (on_request_done), self);
  soup_server_add_early_handler (self->soup, NULL, on_early, self, NULL);
  soup_server_add_handler (self->soup, NULL, on_request, self, NULL);
}

/**
 * tb_server_new:
 * @db_path: the server's database; created if missing
 * @error: return location for an error
 *
 * Opens the database and registers every endpoint; tb_server_listen() then serves them on the
 * thread-default main context.
 *
 * Returns: (transfer full): the server, or %NULL with @error set
 */
TbServer *
tb_server_new (const char  *db_path,
               GError     **error)
{
  g_autoptr(TbServer) self = NULL;

  g_return_val_if_fail (db_path != NULL, NULL);

  self = g_object_new (TB_TYPE_SERVER, NULL);
  self->db = tb_server_db_open (db_path, error);
  if (self->db == NULL)
    return NULL;
  self->auth = tb_server_auth_new (error);
  if (self->auth == NULL)
    return NULL;

  tb_server_auth_register_routes (self);
  tb_server_sync_register_routes (self);

  return g_steal_pointer (&self);
}

/**
 * tb_server_get_db:
 * @self: a server
 *
 * Returns: (transfer none): its database connection, for the handlers
 */
sqlite3 *
tb_server_get_db (TbServer *self)
{
  g_return_val_if_fail (TB_IS_SERVER (self), NULL);
  return self->db;
}

/**
 * tb_server_get_auth:
 * @self: a server
 *
 * Returns: (transfer none): its sign-in state
 */
TbServerAuth *
tb_server_get_auth (TbServer *self)
{
  g_return_val_if_fail (TB_IS_SERVER (self), NULL);
  return self->auth;
}

static GInetAddress *
parse_host (const char  *host,
            GError     **error)
{
  GInetAddress *address;

  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  address = g_inet_address_new_from_string (host);
  if (address == NULL)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                 _("“%s” is not an IP address to listen on, such as 127.0.0.1 or [::1]."),
                 host);
  return address;
}

/**
 * tb_server_listen:
 * @self: a server
 * @address: "HOST:PORT", HOST an IP address ("[::1]:8470" for IPv6) or "localhost"; PORT 0
 *   lets the system choose (see tb_server_get_port())
 * @certificate: (nullable): a TLS certificate with its private key: serve HTTPS
 * @error: return location for an error
 *
 * Returns: %TRUE if it listens
 */
gboolean
tb_server_listen (TbServer         *self,
                  const char       *address,
                  GTlsCertificate  *certificate,
                  GError          **error)
{
  g_autoptr(GSocketConnectable) connectable = NULL;
  g_autoptr(GInetAddress) inet = NULL;
  g_autoptr(GSocketAddress) socket_address = NULL;
  g_autoptr(GSocket) listen_socket = NULL;
  g_autofree char *host = NULL;
  SoupServerListenOptions options = 0;
  GSList *uris;

  g_return_val_if_fail (TB_IS_SERVER (self), FALSE);
  g_return_val_if_fail (address != NULL, FALSE);

  connectable = g_network_address_parse (address, 8470, error);
  if (connectable == NULL)
    return FALSE;
  inet = parse_host (g_network_address_get_hostname (G_NETWORK_ADDRESS (connectable)), error);
  if (inet == NULL)
    return FALSE;
  socket_address = g_inet_socket_address_new (
    inet, g_network_address_get_port (G_NETWORK_ADDRESS (connectable)));

  if (certificate != NULL)
    {
      soup_server_set_tls_certificate (self->soup, certificate);
      options |= SOUP_SERVER_LISTEN_HTTPS;
    }

  /* The socket is ours, not soup_server_listen()'s, for its backlog: GSocket's default of 10
   * overflows as soon as a few dozen desks connect while the one thread is in a handler, and
   * the kernel then drops or resets their connections. The kernel caps it at somaxconn. */
  listen_socket = g_socket_new (g_socket_address_get_family (socket_address),
                                G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, error);
  if (listen_socket == NULL)
    return FALSE;
  if (g_socket_address_get_family (socket_address) == G_SOCKET_FAMILY_IPV6)
    g_socket_set_option (listen_socket, IPPROTO_IPV6, IPV6_V6ONLY, TRUE, NULL);
  g_socket_set_listen_backlog (listen_socket, LISTEN_BACKLOG);
  if (!g_socket_bind (listen_socket, socket_address, TRUE, error)
      || !g_socket_listen (listen_socket, error)
      || !soup_server_listen_socket (self->soup, listen_socket, options, error))
    return FALSE;

  uris = soup_server_get_uris (self->soup);
  for (GSList *l = uris; l != NULL; l = l->next)
    {
      GUri *uri = l->data;

      if (self->port == 0)
        self->port = g_uri_get_port (uri);
    }
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  host = g_inet_address_to_string (inet);
  g_free (self->base_uri);
  if (g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV6)
    self->base_uri = g_strdup_printf ("%s://[%s]:%u", certificate != NULL ? "https" : "http",
                                      host, self->port);
  else
    self->base_uri = g_strdup_printf ("%s://%s:%u", certificate != NULL ? "https" : "http",
                                      host, self->port);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PORT]);
  return TRUE;
}

/**
 * tb_server_get_port:
 * @self: a server
 *
 * Returns: the port it listens on, or 0
 */
guint
tb_server_get_port (TbServer *self)
{
  g_return_val_if_fail (TB_IS_SERVER (self), 0);
  return self->port;
}

/**
 * tb_server_get_base_uri:
 * @self: a server
 *
 * Returns: (transfer full) (nullable): "http://127.0.0.1:PORT" once listening
 */
char *
tb_server_get_base_uri (TbServer *self)
{
  g_return_val_if_fail (TB_IS_SERVER (self), NULL);
  return g_strdup (self->base_uri);
}

/**
 * tb_server_disconnect:
 * @self: a server
 *
 * Stops listening and closes every connection.
 */
void
tb_server_disconnect (TbServer *self)
{
  g_return_if_fail (TB_IS_SERVER (self));
  soup_server_disconnect (self->soup);
}

/**
 * tb_server_add_route:
 * @self: a server
 * @method: "GET", "POST", …
 * @pattern: an absolute path whose segments may be parameters: "/api/v1/cases/{id}"
 * @access: the #TbRole bits of the roles that may call it (0: any signed-in user), ORed with
 *   #TbServerRouteFlags
 * @handler: what answers it
 *
 * Registers an endpoint. The role check is done before @handler runs; @handler still checks
 * what the caller may see (scope).
 */
void
tb_server_add_route (TbServer        *self,
                     const char      *method,
                     const char      *pattern,
                     guint            access,
                     TbServerHandler  handler)
{
  Route *route;

  g_return_if_fail (TB_IS_SERVER (self));
  g_return_if_fail (method != NULL);
  g_return_if_fail (pattern != NULL && pattern[0] == '/');
  g_return_if_fail (handler != NULL);

  for (guint i = 0; i < self->routes->len; i++)
    {
      const Route *other = g_ptr_array_index (self->routes, i);

      g_return_if_fail (strcmp (other->method, method) != 0
                        || strcmp (other->pattern, pattern) != 0);
    }

  route = g_new0 (Route, 1);
  route->method = g_strdup (method);
  route->pattern = g_strdup (pattern);
  route->segments = g_strsplit (pattern, "/", -1);
  route->access = access;
  route->handler = handler;
  for (guint i = 0; route->segments[i] != NULL; i++)
    {
      const char *segment = route->segments[i];

      if (segment[0] == '{')
        g_return_if_fail (g_str_has_suffix (segment, "}") && strlen (segment) > 2);
      else
        route->n_literals++;
    }

  g_ptr_array_add (self->routes, route);
}

/**
 * tb_server_get_n_routes:
 * @self: a server
 *
 * Returns: how many endpoints it has
 */
guint
tb_server_get_n_routes (TbServer *self)
{
  g_return_val_if_fail (TB_IS_SERVER (self), 0);
  return self->routes->len;
}

/**
 * tb_server_get_route:
 * @self: a server
 * @index: which, below tb_server_get_n_routes()
 * @method: (out) (optional) (transfer none): its method
 * @pattern: (out) (optional) (transfer none): its path pattern
 * @access: (out) (optional): its access mask, as given to tb_server_add_route()
 *
 * Lists the endpoints, in the order they were added.
 */
void
tb_server_get_route (TbServer    *self,
                     guint        index,
                     const char **method,
                     const char **pattern,
                     guint       *access)
{
  const Route *route;

  g_return_if_fail (TB_IS_SERVER (self));
  g_return_if_fail (index < self->routes->len);

  route = g_ptr_array_index (self->routes, index);
  if (method != NULL)
    *method = route->method;
  if (pattern != NULL)
    *pattern = route->pattern;
  if (access != NULL)
    *access = route->access;
}

/**
 * tb_server_set_token_ttl:
 * @self: a server
 * @access_seconds: how long new access tokens are valid
 * @refresh_seconds: how long new refresh tokens are valid
 *
 * Tokens already given out keep their expiry.
 */
void
tb_server_set_token_ttl (TbServer *self,
                         gint64    access_seconds,
                         gint64    refresh_seconds)
{
  g_return_if_fail (TB_IS_SERVER (self));
  g_return_if_fail (access_seconds > 0 && access_seconds <= G_MAXINT32);
  g_return_if_fail (refresh_seconds > 0 && refresh_seconds <= G_MAXINT32);

  if (self->access_ttl != access_seconds)
    {
      self->access_ttl = access_seconds;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ACCESS_TTL]);
    }
  if (self->refresh_ttl != refresh_seconds)
    {
      self->refresh_ttl = refresh_seconds;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REFRESH_TTL]);
    }
}

/**
 * tb_server_get_access_ttl:
 * @self: a server
 *
 * Returns: seconds a new access token is valid
 */
gint64
tb_server_get_access_ttl (TbServer *self)
{
  g_return_val_if_fail (TB_IS_SERVER (self), 0);
  return self->access_ttl;
}

/**
 * tb_server_get_refresh_ttl:
 * @self: a server
 *
 * Returns: seconds a new refresh token is valid
 */
gint64
tb_server_get_refresh_ttl (TbServer *self)
{
  g_return_val_if_fail (TB_IS_SERVER (self), 0);
  return self->refresh_ttl;
}

/**
 * tb_server_set_max_attachment_size:
 * @self: a server
 * @bytes: the largest attachment it takes, 1 to %TB_SERVER_MAX_ATTACHMENT_LIMIT
 *
 * Uploads already under way keep the limit they started with.
 */
void
tb_server_set_max_attachment_size (TbServer *self,
                                   gsize     bytes)
{
  g_return_if_fail (TB_IS_SERVER (self));
  g_return_if_fail (bytes > 0 && bytes <= TB_SERVER_MAX_ATTACHMENT_LIMIT);

  if (self->max_attachment == bytes)
    return;
  self->max_attachment = bytes;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_ATTACHMENT_SIZE]);
}

/**
 * tb_server_get_max_attachment_size:
 * @self: a server
 *
 * Returns: the largest attachment it takes, in bytes
 */
gsize
tb_server_get_max_attachment_size (TbServer *self)
{
  g_return_val_if_fail (TB_IS_SERVER (self), 0);
  return self->max_attachment;
}

/* ---- Fault specs ------------------------------------------------------------------------ */

static gboolean
parse_probability (const char  *key,
                   const char  *value,
                   double      *out,
                   GError     **error)
{
  char *end = NULL;
  double p = g_ascii_strtod (value, &end);

  if (end == value || *end != '\0' || !(p >= 0.0 && p <= 1.0))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("Fault “%s”: “%s” is not a probability between 0 and 1."), key, value);
      return FALSE;
    }
  *out = p;
  return TRUE;
}

static gboolean
parse_duration_ms (const char  *value,
                   guint       *out,
                   GError     **error)
{
  char *end = NULL;
  guint64 number = g_ascii_strtoull (value, &end, 10);
  guint64 factor = 1;

  if (end != value && strcmp (end, "s") == 0)
    factor = 1000;
  else if (end == value || (*end != '\0' && strcmp (end, "ms") != 0))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("Fault “delay”: “%s” is not a duration such as 200ms or 2s."), value);
      return FALSE;
    }
  if (number > 600000 / factor)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("Fault “delay”: “%s” is longer than ten minutes."), value);
      return FALSE;
    }
  *out = (guint) (number * factor);
  return TRUE;
}

/**
 * tb_server_faults_parse:
 * @spec: "drop=0.1,error=0.1,delay=200ms,truncate=0.05,duplicate=0.05,after=0.5,seed=7,auth=1";
 *   any subset, in any order
 * @out: (out caller-allocates): the faults
 * @error: return location for an error
 *
 * Probabilities are per request. `after` is the share of drops that happen after the handler
 * ran (0.5 unless given); `delay` applies to every request; `seed` (0 unless given) makes the
 * faults repeatable; `auth=1` lets them hit the session endpoints too.
 *
 * Returns: %TRUE if @spec is valid
 */
gboolean
tb_server_faults_parse (const char      *spec,
                        TbServerFaults  *out,
                        GError         **error)
{
  g_auto(GStrv) items = NULL;
  TbServerFaults faults = { 0 };

  g_return_val_if_fail (spec != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  faults.after = 0.5;
  items = g_strsplit (spec, ",", -1);
  for (guint i = 0; items[i] != NULL; i++)
    {
      char *item = g_strstrip (items[i]);
      char *value = strchr (item, '=');
      gboolean ok;

      if (*item == '\0')
        continue;
      if (value == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       _("Fault “%s” has no value; write it as name=value."), item);
          return FALSE;
        }
      *value++ = '\0';

      if (strcmp (item, "drop") == 0)
        ok = parse_probability (item, value, &faults.drop, error);
      else if (strcmp (item, "after") == 0)
        ok = parse_probability (item, value, &faults.after, error);
      else if (strcmp (item, "error") == 0)
        ok = parse_probability (item, value, &faults.error, error);
      else if (strcmp (item, "truncate") == 0)
        ok = parse_probability (item, value, &faults.truncate, error);
      else if (strcmp (item, "duplicate") == 0)
        ok = parse_probability (item, value, &faults.duplicate, error);
      else if (strcmp (item, "delay") == 0)
        ok = parse_duration_ms (value, &faults.delay_ms, error);
      else if (strcmp (item, "seed") == 0)
        {
          ok = g_ascii_string_to_unsigned (value, 10, 0, G_MAXUINT64, &faults.seed, NULL);
          if (!ok)
            g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                         _("Fault “seed”: “%s” is not a whole number."), value);
        }
      else if (strcmp (item, "auth") == 0)
        {
          ok = strcmp (value, "0") == 0 || strcmp (value, "1") == 0;
          faults.auth = strcmp (value, "1") == 0;
          if (!ok)
            g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                         _("Fault “auth”: write 0 or 1, not “%s”."), value);
        }
      else
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       _("Unknown fault “%s”: use drop, after, error, truncate, duplicate, "
                         "delay, seed or auth."), item);
          ok = FALSE;
        }

      if (!ok)
        return FALSE;
    }

  *out = faults;
  return TRUE;
}

/**
 * tb_server_get_faults:
 * @self: a server
 *
 * Returns: (nullable): the faults set with tb_server_set_faults(), %NULL if none
 */
const TbServerFaults *
tb_server_get_faults (TbServer *self)
{
  g_return_val_if_fail (TB_IS_SERVER (self), NULL);

  return self->faults_enabled ? &self->faults : NULL;
}

/**
 * tb_server_set_faults:
 * @self: a server
 * @faults: (nullable): the faults to inject from now on, or %NULL for none
 *
 * Restarts the fault generator from the seed.
 */
void
tb_server_set_faults (TbServer             *self,
                      const TbServerFaults *faults)
{
  g_return_if_fail (TB_IS_SERVER (self));

  g_clear_pointer (&self->fault_rand, g_rand_free);
  self->faults_enabled = faults != NULL;
  if (faults == NULL)
    {
      memset (&self->faults, 0, sizeof self->faults);
      return;
    }

  self->faults = *faults;
  {
    guint32 seed[2] = { (guint32) (faults->seed & 0xffffffff), (guint32) (faults->seed >> 32) };
    self->fault_rand = g_rand_new_with_seed_array (seed, G_N_ELEMENTS (seed));
  }
}

/* ---- Requests --------------------------------------------------------------------------- */

/**
 * tb_server_request_get_param:
 * @req: a request
 * @name: a parameter of the route's pattern
 *
 * Returns: (nullable): its value
 */
const char *
tb_server_request_get_param (TbServerRequest *req,
                             const char      *name)
{
  g_return_val_if_fail (req != NULL, NULL);
  return g_hash_table_lookup (req->params, name);
}

/**
 * tb_server_request_get_query:
 * @req: a request
 * @name: a query parameter
 *
 * Returns: (nullable): its value
 */
const char *
tb_server_request_get_query (TbServerRequest *req,
                             const char      *name)
{
  g_return_val_if_fail (req != NULL, NULL);
  return g_hash_table_lookup (req->query, name);
}

/**
 * tb_server_request_get_header:
 * @req: a request
 * @name: a header name
 *
 * Returns: (nullable): its value
 */
const char *
tb_server_request_get_header (TbServerRequest *req,
                              const char      *name)
{
  g_return_val_if_fail (req != NULL, NULL);
  return soup_message_headers_get_one (req->headers, name);
}

static Exchange *
exchange_from_request (TbServerRequest *req)
{
  return (Exchange *) req;
}

/**
 * tb_server_request_set_status:
 * @req: a request
 * @status: the HTTP status to answer with (201, 304, …)
 */
void
tb_server_request_set_status (TbServerRequest *req,
                              guint            status)
{
  g_return_if_fail (req != NULL);
  g_return_if_fail (status >= 100 && status < 600);
  exchange_from_request (req)->status = status;
}

/**
 * tb_server_request_set_header:
 * @req: a request
 * @name: a response header ("ETag", "Retry-After", …)
 * @value: its value
 *
 * Sets a header of the answer, problems included.
 */
void
tb_server_request_set_header (TbServerRequest *req,
                              const char      *name,
                              const char      *value)
{
  Exchange *ex;

  g_return_if_fail (req != NULL);
  g_return_if_fail (name != NULL && value != NULL);

  ex = exchange_from_request (req);
  soup_message_headers_replace (ex->response_headers, name, value);
}

/**
 * tb_server_request_set_raw_response:
 * @req: a request
 * @content_type: its type
 * @bytes: the body
 *
 * Answers with bytes rather than JSON (an attachment); the handler then returns %NULL.
 */
void
tb_server_request_set_raw_response (TbServerRequest *req,
                                    const char      *content_type,
                                    GBytes          *bytes)
{
  Exchange *ex;

  g_return_if_fail (req != NULL);
  g_return_if_fail (content_type != NULL);
  g_return_if_fail (bytes != NULL);

  ex = exchange_from_request (req);
  g_free (ex->raw_content_type);
  ex->raw_content_type = g_strdup (content_type);
  g_clear_pointer (&ex->raw_body, g_bytes_unref);
  ex->raw_body = g_bytes_ref (bytes);
}

/**
 * tb_server_request_set_problem_member:
 * @req: a request
 * @name: an extension member of the problem ("errors", "reset", …)
 * @value: (transfer full): its value
 *
 * Adds a member to the problem the handler is about to return.
 */
void
tb_server_request_set_problem_member (TbServerRequest *req,
                                      const char      *name,
                                      JsonNode        *value)
{
  Exchange *ex;

  g_return_if_fail (req != NULL);
  g_return_if_fail (name != NULL);
  g_return_if_fail (value != NULL);

  ex = exchange_from_request (req);
  if (ex->problem_members == NULL)
    ex->problem_members = json_object_new ();
  json_object_set_member (ex->problem_members, name, value);
}

/**
 * tb_server_request_set_log_user:
 * @req: a request
 * @user_id: who it turned out to be (a sign-in)
 *
 * Names the user in the request log, for requests without a bearer token.
 */
void
tb_server_request_set_log_user (TbServerRequest *req,
                                const char      *user_id)
{
  Exchange *ex;

  g_return_if_fail (req != NULL);

  ex = exchange_from_request (req);
  g_free (ex->log_user);
  ex->log_user = g_strdup (user_id);
}
