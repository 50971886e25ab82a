/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-sync-engine.c: signs in, pushes the outbox and pulls the feed of the central service */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>
#include <libsecret/secret.h>
#include <libsoup/soup.h>

#include "tb-attachment-cache-private.h"
#include "tb-json-private.h"
#include "tb-store-private.h"
#include "tb-store-sync.h"
#include "tb-sync-engine.h"
#include "tb-sync-engine-private.h"
#include "tb-wire.h"

/*
 * One sync is: push the outbox in batches of at most 100 until it is empty or the server
 * stops taking, then pull pages until `has_more` is false (docs/protocol.md). Each answer is
 * applied to the store in one transaction (tb-store-sync.c), so a crash or a cut connection at
 * any point leaves a state the next sync simply continues from: mutation ids make resending
 * safe, and the cursor is only stored with the page it follows.
 *
 * Between syncs, once started, the engine pulls every `interval` seconds, retries failures
 * with exponential backoff and full jitter (1 s … 5 min, or later if the server says so with
 * Retry-After), and retries at once when the network comes back.
 *
 * The access token lives only in memory; the refresh token in memory and, if allowed, in the
 * Secret Service. Neither is ever written to the store or a log.
 */

/* Mutations per push request (the protocol's most), as long as the body stays within the
 * server's 1 MiB: each request is a round trip and a commit on both ends. */
#define PUSH_BATCH            1000
#define PUSH_MAX_BODY         (1000 * 1000)
#define MAX_REPLY_BYTES       (32 * 1024 * 1024)
/* A fetched attachment is one answer. */
G_STATIC_ASSERT (TB_ATTACHMENT_MAX_SIZE <= MAX_REPLY_BYTES);
#define BACKOFF_MAX_SECONDS   300
#define DEFAULT_INTERVAL      60
#define LARGE_SKEW_USEC       (5 * 60 * G_USEC_PER_SEC)
#define HTTP_TOO_MANY_REQUESTS 429  /* libsoup 3.2 has no name for it */

struct _TbSyncEngine
{
  GObject          parent_instance;

  TbStore         *store;
  char            *server_url;
  SoupSession     *session;
  GNetworkMonitor *monitor;
  gulong           network_handler;

  char            *access_token;
  char            *refresh_token;
  char            *user_id;
  char            *login;
  gboolean         use_keyring;

  TbSyncStatus     status;
  GError          *last_error;
  guint            interval;
  guint            push_batch;

  TbAttachmentCache *attachments; /* uploads the files a push refers to, first */

  GTask           *running;       /* the sync under way */
  GPtrArray       *waiting;       /* GTask: syncs asked for while one ran */
  gboolean         started;
  guint            timer;
  guint            failures;
  guint            retry_after;   /* seconds the server asked us to wait, 0 if it did not */
};

G_DEFINE_FINAL_TYPE (TbSyncEngine, tb_sync_engine, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_STORE,
  PROP_SERVER_URL,
  PROP_STATUS,
  PROP_USER_ID,
  PROP_SIGNED_IN,
  PROP_INTERVAL,
  PROP_USE_KEYRING,
  N_PROPS
};

enum {
  PROGRESS,
  SYNCED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_QUARK (tb-sync-error-quark, tb_sync_error)

static const SecretSchema *
session_schema (void)
{
  static const SecretSchema schema = {
    "io.github.tongban.Tongban.Session", SECRET_SCHEMA_NONE,
    {
      { "server", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "login", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    },
    0, NULL, NULL, NULL, NULL, NULL, NULL, NULL
  };
  return &schema;
}

static void
clear_secret (char **secret)
{
  if (*secret != NULL)
    {
      memset (*secret, 0, strlen (*secret));
      g_clear_pointer (secret, g_free);
    }
}

static void
set_status (TbSyncEngine *self,
            TbSyncStatus  status)
{
  if (self->status == status)
    return;
  self->status = status;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS]);
}

static void
log_line (TbSyncEngine *self,
          const char   *level,
          const char   *message)
{
  g_autoptr(GError) error = NULL;

  if (!tb_store_add_sync_log (self->store, level, message, &error))
    g_debug ("Sync log not written: %s", error->message);
}

/* ---------------------------------------------------------------------------------------------- */
/* HTTP exchanges */

static gboolean
is_loopback_host (const char *host)
{
  return host != NULL
         && (g_str_equal (host, "localhost") || g_str_equal (host, "::1")
             || g_str_equal (host, "[::1]") || g_str_has_prefix (host, "127."));
}

static gboolean
accept_loopback_certificate (SoupMessage          *msg,
                             GTlsCertificate      *certificate,
                             GTlsCertificateFlags  errors,
                             gpointer              user_data)
{
  /* Verification stays on for every other host: only the local reference server may use a
   * self-signed certificate. */
  return is_loopback_host (g_uri_get_host (soup_message_get_uri (msg)));
}

typedef struct
{
  const char *method;      /* NULL: POST with a body, GET without */
  char       *path;
  char       *body;        /* NULL for a GET */
  gboolean    with_token;
  gboolean    raw;         /* a 2xx answer is kept as bytes, for the caller to read */
  gboolean    pull;        /* a raw exchange sent and read in a thread, its 200 answer a page */
  gboolean    refreshed;   /* a 401 was answered by one refresh already */
  GFile      *file;        /* instead of @body: an attachment, read as it is sent */
  char       *content_type;     /* of @file */
  char       *idempotency_key;  /* (nullable) */
  GByteArray *reply;
  SoupMessage *msg;
  GInputStream *stream;
  TbWirePage *page;        /* a pull's 200 answer, read … */
  GError     *page_error;  /* … or not */
} Exchange;

static void
exchange_free (Exchange *x)
{
  g_free (x->path);
  if (x->body != NULL)
    {
      /* Sign-in bodies carry a password. */
      memset (x->body, 0, strlen (x->body));
      g_free (x->body);
    }
  g_clear_pointer (&x->reply, g_byte_array_unref);
  g_clear_object (&x->file);
  g_free (x->content_type);
  g_free (x->idempotency_key);
  g_clear_object (&x->msg);
  g_clear_object (&x->stream);
  g_clear_pointer (&x->page, tb_wire_page_free);
  g_clear_error (&x->page_error);
  g_free (x);
}

/**
 * Response:
 * The answer of an exchange: its status and, for JSON bodies, the parsed object.
 */
typedef struct
{
  guint       status;
  JsonObject *object;       /* NULL when the body is not a JSON object */
  GBytes     *body;         /* instead, a 2xx answer to a raw exchange */
  TbWirePage *page;         /* or to a pull, read … */
  GError     *page_error;   /* … or not */
  guint       retry_after;  /* seconds, 0 if absent */
} Response;

static void
response_free (Response *r)
{
  g_clear_pointer (&r->object, json_object_unref);
  g_clear_pointer (&r->body, g_bytes_unref);
  g_clear_pointer (&r->page, tb_wire_page_free);
  g_clear_error (&r->page_error);
  g_free (r);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Response, response_free)

static void exchange_send (TbSyncEngine *self, GTask *task);

static gboolean
network_error (GError       *cause,
               GError      **error)
{
  if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_propagate_error (error, cause);
      return FALSE;
    }
  if (cause->domain == G_TLS_ERROR)
    g_set_error (error, TB_SYNC_ERROR, TB_SYNC_ERROR_TLS,
                 _("The server’s certificate is not trusted (%s). Check the server address "
                   "with your administrator."), cause->message);
  else
    g_set_error (error, TB_SYNC_ERROR, TB_SYNC_ERROR_OFFLINE,
                 _("The server cannot be reached (%s). Your work is kept on this computer "
                   "and sent when the connection is back."), cause->message);
  g_error_free (cause);
  return FALSE;
}

static guint
parse_retry_after (SoupMessage *msg)
{
  const char *value = soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                                    "Retry-After");
  guint64 seconds;

  if (value != NULL && g_ascii_string_to_unsigned (value, 10, 0, 24 * 60 * 60, &seconds, NULL))
    return (guint) seconds;
  return 0;
}

static void
exchange_complete (TbSyncEngine *self,
                   GTask        *task)
{
  Exchange *x = g_task_get_task_data (task);
  g_autoptr(Response) response = g_new0 (Response, 1);
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) error = NULL;

  response->status = soup_message_get_status (x->msg);
  response->retry_after = parse_retry_after (x->msg);

  if (x->raw && SOUP_STATUS_IS_SUCCESSFUL (response->status))
    {
      if (x->pull)
        {
          response->page = g_steal_pointer (&x->page);
          response->page_error = g_steal_pointer (&x->page_error);
        }
      else
        response->body = g_byte_array_free_to_bytes (g_steal_pointer (&x->reply));
      g_task_return_pointer (task, g_steal_pointer (&response), (GDestroyNotify) response_free);
      return;
    }

  if (x->reply->len > 0
      && json_parser_load_from_data (parser, (const char *) x->reply->data, x->reply->len,
                                     &error))
    {
      JsonNode *root = json_parser_get_root (parser);

      if (root != NULL && JSON_NODE_HOLDS_OBJECT (root))
        response->object = json_object_ref (json_node_get_object (root));
    }

  g_task_return_pointer (task, g_steal_pointer (&response), (GDestroyNotify) response_free);
}

static void read_more (TbSyncEngine *self, GTask *task);

static void
read_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TbSyncEngine *self = g_task_get_source_object (task);
  Exchange *x = g_task_get_task_data (task);
  g_autoptr(GBytes) bytes = NULL;
  GError *cause = NULL;
  GError *error = NULL;

  bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &cause);
  if (bytes == NULL)
    {
      network_error (cause, &error);
      g_task_return_error (task, error);
      return;
    }
  if (g_bytes_get_size (bytes) == 0)
    {
      exchange_complete (self, task);
      return;
    }
  if (x->reply->len + g_bytes_get_size (bytes) > MAX_REPLY_BYTES)
    {
      g_task_return_new_error (task, TB_SYNC_ERROR, TB_SYNC_ERROR_PROTOCOL,
                               _("The server’s answer is too large (more than %d MB)."),
                               MAX_REPLY_BYTES / (1024 * 1024));
      return;
    }
  g_byte_array_append (x->reply, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  read_more (self, g_steal_pointer (&task));
}

static void
read_more (TbSyncEngine *self,
           GTask        *task)
{
  Exchange *x = g_task_get_task_data (task);

  g_input_stream_read_bytes_async (x->stream, 64 * 1024, G_PRIORITY_DEFAULT,
                                   g_task_get_cancellable (task), read_cb, task);
}

static void refresh_for_exchange_cb (GObject *source, GAsyncResult *result, gpointer user_data);
static void refresh_async (TbSyncEngine *self, GCancellable *cancellable,
                           GAsyncReadyCallback callback, gpointer user_data);
static gboolean refresh_finish (TbSyncEngine *self, GAsyncResult *result, GError **error);

/* An expired access token: renews it once, and then sends the identical request again
 * (mutation ids make that safe), taking over @task. */
static gboolean
refresh_if_expired (TbSyncEngine  *self,
                    GTask        **task)
{
  Exchange *x = g_task_get_task_data (*task);
  GCancellable *cancellable = g_task_get_cancellable (*task);

  if (soup_message_get_status (x->msg) != SOUP_STATUS_UNAUTHORIZED || !x->with_token
      || x->refreshed || self->refresh_token == NULL)
    return FALSE;

  x->refreshed = TRUE;
  refresh_async (self, cancellable, refresh_for_exchange_cb, g_steal_pointer (task));
  return TRUE;
}

static void
send_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TbSyncEngine *self = g_task_get_source_object (task);
  Exchange *x = g_task_get_task_data (task);
  GError *cause = NULL;
  GError *error = NULL;
  goffset length;

  x->stream = soup_session_send_finish (SOUP_SESSION (source), result, &cause);
  if (x->stream == NULL)
    {
      network_error (cause, &error);
      g_task_return_error (task, error);
      return;
    }

  if (refresh_if_expired (self, &task))
    return;

  /* Large pages are read into one buffer of their size rather than grown to twice it. */
  length = soup_message_headers_get_content_length (soup_message_get_response_headers (x->msg));
  x->reply = g_byte_array_sized_new (length > 0 && length <= MAX_REPLY_BYTES ? length : 0);
  read_more (self, g_steal_pointer (&task));
}

static void
refresh_for_exchange_cb (GObject      *source,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TbSyncEngine *self = TB_SYNC_ENGINE (source);
  GError *error = NULL;

  if (!refresh_finish (self, result, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  exchange_send (self, g_steal_pointer (&task));
}

/* A pull, in a thread: sends the request, reads the answer and a 200 answer's page. */
static void
pull_send_thread (GTask        *thread,
                 gpointer      source,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  TbSyncEngine *self = source;
  Exchange *x = task_data;
  g_autoptr(GInputStream) stream = NULL;
  GError *cause = NULL;
  GError *error = NULL;
  goffset length;
  guint status;

  stream = soup_session_send (self->session, x->msg, cancellable, &cause);
  if (stream == NULL)
    {
      network_error (cause, &error);
      g_task_return_error (thread, error);
      return;
    }

  /* A 401 is sent again after a refresh: its body is of no use. */
  status = soup_message_get_status (x->msg);
  length = soup_message_headers_get_content_length (soup_message_get_response_headers (x->msg));
  x->reply = g_byte_array_sized_new (status != SOUP_STATUS_UNAUTHORIZED && length > 0
                                     && length <= MAX_REPLY_BYTES ? length : 0);
  while (status != SOUP_STATUS_UNAUTHORIZED)
    {
      g_autoptr(GBytes) bytes = g_input_stream_read_bytes (stream, 64 * 1024, cancellable,
                                                           &cause);

      if (bytes == NULL)
        {
          network_error (cause, &error);
          g_task_return_error (thread, error);
          return;
        }
      if (g_bytes_get_size (bytes) == 0)
        break;
      if (x->reply->len + g_bytes_get_size (bytes) > MAX_REPLY_BYTES)
        {
          g_task_return_new_error (thread, TB_SYNC_ERROR, TB_SYNC_ERROR_PROTOCOL,
                                   _("The server’s answer is too large (more than %d MB)."),
                                   MAX_REPLY_BYTES / (1024 * 1024));
          return;
        }
      g_byte_array_append (x->reply, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
    }
  g_input_stream_close (stream, NULL, NULL);

  /* The whole page is checked before anything of it is used; the page takes the text over. */
  if (status == SOUP_STATUS_OK)
    x->page = tb_wire_page_parse (g_byte_array_free_to_bytes (g_steal_pointer (&x->reply)),
                                  &x->page_error);
  g_task_return_boolean (thread, TRUE);
}

static void
pull_sent_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TbSyncEngine *self = TB_SYNC_ENGINE (source);
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (refresh_if_expired (self, &task))
    return;
  exchange_complete (self, task);
}

static void
exchange_send (TbSyncEngine *self,
               GTask        *task)
{
  Exchange *x = g_task_get_task_data (task);
  g_autofree char *uri = g_strconcat (self->server_url, x->path, NULL);
  SoupMessageHeaders *headers;

  g_clear_object (&x->msg);
  g_clear_object (&x->stream);
  g_clear_pointer (&x->reply, g_byte_array_unref);
  x->msg = soup_message_new (x->method != NULL ? x->method : x->body != NULL ? "POST" : "GET",
                            uri);
  if (x->msg == NULL)
    {
      g_task_return_new_error (task, TB_SYNC_ERROR, TB_SYNC_ERROR_OFFLINE,
                               _("“%s” is not a valid server address."), self->server_url);
      g_object_unref (task);
      return;
    }

  g_signal_connect (x->msg, "accept-certificate", G_CALLBACK (accept_loopback_certificate), NULL);
  headers = soup_message_get_request_headers (x->msg);
  soup_message_headers_replace (headers, "Tongban-Schema-Version", "1");
  soup_message_headers_replace (headers, "Accept", "application/json");
  if (x->with_token && self->access_token != NULL)
    {
      g_autofree char *bearer = g_strconcat ("Bearer ", self->access_token, NULL);

      soup_message_headers_replace (headers, "Authorization", bearer);
      memset (bearer, 0, strlen (bearer));
    }
  if (x->body != NULL)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (x->body, strlen (x->body));

      soup_message_set_request_body_from_bytes (x->msg, "application/json", bytes);
    }
  else if (x->file != NULL)
    {
      g_autoptr(GFileInputStream) stream = NULL;
      g_autoptr(GFileInfo) info = NULL;
      g_autoptr(GError) error = NULL;

      /* Opened for each try, as libsoup closes what it has sent: a file of many megabytes is
       * never all in memory. */
      stream = g_file_read (x->file, NULL, &error);
      if (stream != NULL)
        info = g_file_input_stream_query_info (stream, G_FILE_ATTRIBUTE_STANDARD_SIZE, NULL,
                                               &error);
      if (info == NULL)
        {
          g_task_return_new_error (task, error->domain, error->code,
                                   _("Could not read the file to send: %s"), error->message);
          g_object_unref (task);
          return;
        }
      soup_message_set_request_body (x->msg, x->content_type, G_INPUT_STREAM (stream),
                                     g_file_info_get_size (info));
      /* A file larger than the server takes is refused from the headers, before it is sent. */
      soup_message_headers_set_expectations (headers, SOUP_EXPECTATION_CONTINUE);
    }
  if (x->idempotency_key != NULL)
    soup_message_headers_replace (headers, "Idempotency-Key", x->idempotency_key);

  if (x->pull)
    {
      /* Off the main loop, which applying the previous page holds for a while: the request,
       * the answer and the page's reading all go on meanwhile (libsoup ≥ 3.2 sends from any
       * thread). The thread's task holds @task, and with it @x. */
      GTask *thread = g_task_new (self, g_task_get_cancellable (task), pull_sent_cb, task);

      g_task_set_task_data (thread, x, NULL);
      g_task_run_in_thread (thread, pull_send_thread);
      g_object_unref (thread);
      return;
    }

  soup_session_send_async (self->session, x->msg, G_PRIORITY_DEFAULT,
                           g_task_get_cancellable (task), send_cb, task);
}

static void exchange_start (TbSyncEngine *self, const char *method, const char *path, char *body,
                            gboolean with_token, gboolean raw, GCancellable *cancellable,
                            GAsyncReadyCallback callback, gpointer user_data);

/* The exchange of exchange_start(), not sent yet. */
static GTask *
exchange_new (TbSyncEngine        *self,
              const char          *method,
              const char          *path,
              char                *body,
              gboolean             with_token,
              gboolean             raw,
              GCancellable        *cancellable,
              GAsyncReadyCallback  callback,
              gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  Exchange *x = g_new0 (Exchange, 1);

  g_task_set_source_tag (task, exchange_start);
  x->method = method;
  x->path = g_strdup (path);
  x->body = body;
  x->with_token = with_token;
  x->raw = raw;
  g_task_set_task_data (task, x, (GDestroyNotify) exchange_free);
  return task;
}

/* Sends one request with @method (a static string), or POST with a body and GET without;
 * @body is a JSON object's text, or %NULL. With @raw, a 200 answer's body is kept as bytes for
 * the caller rather than parsed. */
static void
exchange_start (TbSyncEngine        *self,
                const char          *method,
                const char          *path,
                char                *body,
                gboolean             with_token,
                gboolean             raw,
                GCancellable        *cancellable,
                GAsyncReadyCallback  callback,
                gpointer             user_data)
{
  exchange_send (self, exchange_new (self, method, path, body, with_token, raw, cancellable,
                                     callback, user_data));
}

static void
exchange_async (TbSyncEngine        *self,
                const char          *path,
                char                *body,
                gboolean             with_token,
                GCancellable        *cancellable,
                GAsyncReadyCallback  callback,
                gpointer             user_data)
{
  exchange_start (self, NULL, path, body, with_token, FALSE, cancellable, callback, user_data);
}

static Response *
exchange_finish (TbSyncEngine  *self,
                 GAsyncResult  *result,
                 GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* The answer of an exchange made for @task, or %NULL once @task has returned the reason
 * there is none (offline, cancelled…). */
static Response *
exchange_finish_for_task (TbSyncEngine *self,
                          GAsyncResult *result,
                          GTask        *task)
{
  GError *error = NULL;
  Response *response = exchange_finish (self, result, &error);

  if (response == NULL)
    g_task_return_error (task, error);
  return response;
}

static const char *
problem_type (Response *response)
{
  const char *type;

  if (response->object == NULL)
    return "";
  type = json_object_get_string_member_with_default (response->object, "type", "");
  if (type == NULL)
    return "";
  if (strrchr (type, '/') != NULL)
    return strrchr (type, '/') + 1;
  return type;
}

/* The error for an answer that is not the expected success. */
static void
set_http_error (TbSyncEngine  *self,
                Response      *response,
                GError       **error)
{
  const char *detail = NULL;

  if (response->object != NULL)
    {
      detail = json_object_get_string_member_with_default (response->object, "detail", NULL);
      if (detail == NULL)
        detail = json_object_get_string_member_with_default (response->object, "title", NULL);
    }

  switch (response->status)
    {
    case SOUP_STATUS_UNAUTHORIZED:
      g_set_error_literal (error, TB_SYNC_ERROR, TB_SYNC_ERROR_SIGNED_OUT,
                           _("Your session has ended. Sign in again to send and receive "
                             "changes; your work is kept."));
      return;
    case SOUP_STATUS_SERVICE_UNAVAILABLE:
    case HTTP_TOO_MANY_REQUESTS:
      self->retry_after = response->retry_after;
      if (response->retry_after > 0)
        g_set_error (error, TB_SYNC_ERROR, TB_SYNC_ERROR_UNAVAILABLE,
                     g_dngettext (GETTEXT_PACKAGE,
                                  "The server is busy. Tongban tries again in %u second.",
                                  "The server is busy. Tongban tries again in %u seconds.",
                                  response->retry_after),
                     response->retry_after);
      else
        g_set_error_literal (error, TB_SYNC_ERROR, TB_SYNC_ERROR_UNAVAILABLE,
                             _("The server is busy. Tongban tries again shortly."));
      return;
    default:
      break;
    }

  if (g_str_equal (problem_type (response), "version-not-supported"))
    g_set_error_literal (error, TB_SYNC_ERROR, TB_SYNC_ERROR_PROTOCOL,
                         _("The server does not support this version of Tongban. Ask your "
                           "administrator for an update."));
  else if (response->status >= 500)
    g_set_error (error, TB_SYNC_ERROR, TB_SYNC_ERROR_UNAVAILABLE,
                 _("The server failed (HTTP %u). Tongban tries again shortly."),
                 response->status);
  else if (detail != NULL)
    g_set_error (error, TB_SYNC_ERROR, TB_SYNC_ERROR_SERVER,
                 _("The server refused the request: %s"), detail);
  else
    g_set_error (error, TB_SYNC_ERROR, TB_SYNC_ERROR_SERVER,
                 _("The server refused the request (HTTP %u)."), response->status);
}

static gboolean
malformed (GError     **error,
           const char  *what)
{
  g_set_error (error, TB_SYNC_ERROR, TB_SYNC_ERROR_PROTOCOL,
               _("The server’s answer is not valid: %s."), what);
  return FALSE;
}

static GError *
signed_out_error (void)
{
  return g_error_new_literal (TB_SYNC_ERROR, TB_SYNC_ERROR_SIGNED_OUT,
                              _("Sign in to send and receive changes; your work is kept."));
}

/* The store checks the server's answers with the wire codec: to the user, a wrong answer is a
 * protocol error like any other. */
static GError *
as_sync_error (GError *error)
{
  GError *wrapped;

  if (error->domain != TB_WIRE_ERROR)
    return error;
  wrapped = g_error_new_literal (TB_SYNC_ERROR, TB_SYNC_ERROR_PROTOCOL, error->message);
  g_error_free (error);
  return wrapped;
}

/* What a refusal of an attachment request said, besides its error: kept as the task's data. */
typedef struct
{
  guint       status;
  JsonObject *problem;      /* NULL if the answer was not a JSON object */
} Refusal;

static void
refusal_free (Refusal *refusal)
{
  g_clear_pointer (&refusal->problem, json_object_unref);
  g_free (refusal);
}

/* One request of the attachment cache: the answer's bytes, or an error, the status and the
 * problem. */
static void
send_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TbSyncEngine *self = TB_SYNC_ENGINE (source);
  g_autoptr(Response) response = exchange_finish_for_task (self, result, task);
  GError *error = NULL;
  Refusal *refusal;

  if (response == NULL)
    return;
  refusal = g_new0 (Refusal, 1);
  refusal->status = response->status;
  if (response->object != NULL)
    refusal->problem = json_object_ref (response->object);
  g_task_set_task_data (task, refusal, (GDestroyNotify) refusal_free);
  if (!SOUP_STATUS_IS_SUCCESSFUL (response->status))
    {
      set_http_error (self, response, &error);
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, response->body != NULL ? g_bytes_ref (response->body)
                                                      : g_bytes_new (NULL, 0),
                         (GDestroyNotify) g_bytes_unref);
}

/*
 * Sends one request of the session (for attachments): @method on @path, with the file @body
 * (nullable) as the request body of @content_type, and an Idempotency-Key if given. An expired
 * access token is renewed once, as for the sync's own requests.
 */
void
_tb_sync_engine_send_async (TbSyncEngine        *self,
                            const char          *method,
                            const char          *path,
                            GFile               *body,
                            const char          *content_type,
                            const char          *idempotency_key,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  GTask *task;
  GTask *exchange;
  Exchange *x;

  g_return_if_fail (TB_IS_SYNC_ENGINE (self));
  g_return_if_fail (method != NULL && path != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, _tb_sync_engine_send_async);
  if (self->access_token == NULL && self->refresh_token == NULL)
    {
      g_task_return_error (task, signed_out_error ());
      g_object_unref (task);
      return;
    }

  exchange = g_task_new (self, cancellable, send_done_cb, task);
  g_task_set_source_tag (exchange, exchange_start);
  x = g_new0 (Exchange, 1);
  x->method = g_intern_string (method);
  x->path = g_strdup (path);
  x->with_token = TRUE;
  x->raw = TRUE;
  x->file = body != NULL ? g_object_ref (body) : NULL;
  x->content_type = g_strdup (content_type != NULL ? content_type : "application/octet-stream");
  x->idempotency_key = g_strdup (idempotency_key);
  g_task_set_task_data (exchange, x, (GDestroyNotify) exchange_free);
  exchange_send (self, exchange);
}

/*
 * Returns: (transfer full) (nullable): the body of a 2xx answer; %NULL with @error set
 *   otherwise (a #TB_SYNC_ERROR as for a sync), @status the HTTP status of a refusal (0
 *   when there was no answer) and @problem (transfer full, nullable) its problem object, if
 *   it had one (a 413's `max_size` says what the server takes)
 */
GBytes *
_tb_sync_engine_send_finish (TbSyncEngine  *self,
                             GAsyncResult  *result,
                             guint         *status,
                             JsonObject   **problem,
                             GError       **error)
{
  Refusal *refusal;
  GBytes *bytes;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  refusal = g_task_get_task_data (G_TASK (result));
  if (status != NULL)
    *status = refusal != NULL ? refusal->status : 0;
  bytes = g_task_propagate_pointer (G_TASK (result), error);
  if (problem != NULL)
    *problem = bytes == NULL && refusal != NULL && refusal->problem != NULL
               ? json_object_ref (refusal->problem) : NULL;
  return bytes;
}

/* ---------------------------------------------------------------------------------------------- */
/* Sessions */

/* How long signing in or renewing the session waits for the keyring to take the new refresh
 * token. The keyring answers at once unless it asks the user something (unlock, create a
 * keyring): that answer may never come, and syncing must not stop for it. */
#define KEYRING_WAIT_SECONDS 5

typedef struct
{
  GWeakRef      self;      /* a prompt left open must not keep the engine alive */
  GTask        *task;      /* NULL once completed */
  GSource      *timeout;
  gboolean      sign_in;
} Keeping;

static void
keeping_complete (Keeping *keeping)
{
  if (keeping->task == NULL)
    return;
  g_task_return_boolean (keeping->task, TRUE);
  g_clear_object (&keeping->task);
  if (keeping->timeout != NULL)
    {
      g_source_destroy (keeping->timeout);
      g_clear_pointer (&keeping->timeout, g_source_unref);
    }
}

static gboolean
keep_session_timeout_cb (gpointer user_data)
{
  Keeping *keeping = user_data;

  /* The store goes on; the keyring gets the token once the user has answered it. */
  g_debug ("The keyring has not taken the session yet; going on without waiting");
  g_clear_pointer (&keeping->timeout, g_source_unref);
  keeping_complete (keeping);
  return G_SOURCE_REMOVE;
}

static void
keep_session_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Keeping *keeping = user_data;
  g_autoptr(TbSyncEngine) self = g_weak_ref_get (&keeping->self);
  g_autoptr(GError) error = NULL;

  if (!secret_password_store_finish (result, &error))
    {
      /* Not a reason to fail: without a keyring the user simply signs in again next time. */
      if (keeping->sign_in && self != NULL)
        {
          g_autofree char *message =
            g_strdup_printf (_("The session could not be kept in the keyring, so Tongban will "
                               "ask for the password at the next start: %s"), error->message);

          log_line (self, "warning", message);
        }
      else
        g_debug ("Renewed session not kept in the keyring: %s", error->message);
    }
  keeping_complete (keeping);
  g_weak_ref_clear (&keeping->self);
  g_free (keeping);
}

/* Keeps the refresh token of the new session in the Secret Service, then completes @task
 * (taken) with %TRUE. It waits for the keyring (a few seconds at most) rather than firing and
 * forgetting: the server takes each refresh token only once and ends the session when a spent
 * one comes back, so a keyring still holding the previous token (the app quit meanwhile)
 * would end the session at the next start, and a restore right after a sign-in would find
 * nothing. */
static void
keep_session (TbSyncEngine *self,
              GTask        *task)
{
  g_autofree char *label = NULL;
  Keeping *keeping;

  if (!self->use_keyring || self->refresh_token == NULL || self->login == NULL)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }

  keeping = g_new0 (Keeping, 1);
  g_weak_ref_init (&keeping->self, self);
  keeping->task = task;
  keeping->sign_in = g_task_get_source_tag (task) == tb_sync_engine_sign_in_async;
  keeping->timeout = g_timeout_source_new_seconds (KEYRING_WAIT_SECONDS);
  g_source_set_callback (keeping->timeout, keep_session_timeout_cb, keeping, NULL);
  g_source_attach (keeping->timeout, g_main_context_get_thread_default ());

  label = g_strdup_printf (_("Tongban session of %s on %s"), self->login, self->server_url);
  secret_password_store (session_schema (), SECRET_COLLECTION_DEFAULT, label,
                         self->refresh_token, NULL, keep_session_cb, keeping,
                         "server", self->server_url, "login", self->login, NULL);
}

/* Takes the tokens and the profile of a session answer. */
static gboolean
take_session (TbSyncEngine  *self,
              Response      *response,
              GError       **error)
{
  JsonObject *object = response->object;
  JsonNode *node;
  const char *access, *refresh;
  TbWireUser user = { 0 };
  gboolean ok;

  access = json_object_get_string_member_with_default (object, "access_token", NULL);
  refresh = json_object_get_string_member_with_default (object, "refresh_token", NULL);
  node = json_object_get_member (object, "user");
  if (access == NULL || refresh == NULL)
    return malformed (error, "access_token");
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return malformed (error, "user");
  if (!tb_wire_user_from_json (json_node_get_object (node), &user, NULL))
    {
      tb_wire_user_clear (&user);
      return malformed (error, "user");
    }

  clear_secret (&self->access_token);
  clear_secret (&self->refresh_token);
  self->access_token = g_strdup (access);
  self->refresh_token = g_strdup (refresh);

  if (g_strcmp0 (self->user_id, user.id) != 0)
    {
      g_free (self->user_id);
      self->user_id = g_strdup (user.id);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_USER_ID]);
    }
  g_free (self->login);
  self->login = g_strdup (user.login);

  ok = tb_store_put_user (self->store, user.id, user.login, user.display_name, user.roles,
                          (const char * const *) user.team_ids, error)
       && tb_store_set_meta (self->store, "user-id", user.id, error)
       && tb_store_set_meta (self->store, "user-login", user.login, error)
       && tb_store_set_meta (self->store, "server-url", self->server_url, error);
  tb_wire_user_clear (&user);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SIGNED_IN]);
  if (self->status == TB_SYNC_STATUS_SIGNED_OUT)
    set_status (self, TB_SYNC_STATUS_IDLE);
  return ok;
}

static char *
session_body (TbSyncEngine *self,
              const char   *member1,
              const char   *value1,
              const char   *member2,
              const char   *value2)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *client_id = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "schema_version");
  json_builder_add_int_value (builder, 1);
  json_builder_set_member_name (builder, member1);
  json_builder_add_string_value (builder, value1);
  if (member2 != NULL)
    {
      json_builder_set_member_name (builder, member2);
      json_builder_add_string_value (builder, value2);
      client_id = _tb_store_ensure_client_id (self->store, NULL);
      if (client_id != NULL)
        {
          json_builder_set_member_name (builder, "client_id");
          json_builder_add_string_value (builder, client_id);
        }
    }
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  return json_to_string (root, FALSE);
}

static void
sign_in_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TbSyncEngine *self = TB_SYNC_ENGINE (source);
  g_autoptr(Response) response = exchange_finish_for_task (self, result, task);
  GError *error = NULL;

  if (response == NULL)
    return;
  if (response->status == SOUP_STATUS_UNAUTHORIZED)
    {
      g_task_return_new_error (task, TB_SYNC_ERROR, TB_SYNC_ERROR_CREDENTIALS, "%s",
                               _("The user name or the password is wrong."));
      return;
    }
  if (response->status == HTTP_TOO_MANY_REQUESTS)
    {
      g_task_return_new_error (task, TB_SYNC_ERROR, TB_SYNC_ERROR_UNAVAILABLE,
                               g_dngettext (GETTEXT_PACKAGE,
                                            "Too many failed sign-ins. Try again in %u second.",
                                            "Too many failed sign-ins. Try again in %u seconds.",
                                            MAX (response->retry_after, 1)),
                               MAX (response->retry_after, 1));
      return;
    }
  if (response->status != SOUP_STATUS_OK || response->object == NULL)
    {
      if (response->status == SOUP_STATUS_OK)
        malformed (&error, "session");
      else
        set_http_error (self, response, &error);
      g_task_return_error (task, error);
      return;
    }
  if (!take_session (self, response, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  log_line (self, "info", _("Signed in."));
  keep_session (self, g_steal_pointer (&task));
}

/**
 * tb_sync_engine_sign_in_async:
 * @self: an engine
 * @login: the user name
 * @password: the password (never kept)
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: for @callback
 *
 * Signs in to the server. The profile goes to the store; the tokens stay in memory, and the
 * refresh token also goes to the Secret Service if #TbSyncEngine:use-keyring is set.
 */
void
tb_sync_engine_sign_in_async (TbSyncEngine        *self,
                              const char          *login,
                              const char          *password,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (TB_IS_SYNC_ENGINE (self));
  g_return_if_fail (login != NULL && password != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tb_sync_engine_sign_in_async);
  exchange_async (self, "/api/v1/session",
                  session_body (self, "login", login, "password", password),
                  FALSE, cancellable, sign_in_cb, task);
}

/**
 * tb_sync_engine_sign_in_finish:
 * @self: an engine
 * @result: the result
 * @error: return location for a #TB_SYNC_ERROR: %TB_SYNC_ERROR_CREDENTIALS for a wrong name or
 *   password, %TB_SYNC_ERROR_OFFLINE when the server cannot be reached, …
 *
 * Returns: %TRUE when signed in
 */
gboolean
tb_sync_engine_sign_in_finish (TbSyncEngine  *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
forget_spent_session_cb (GObject      *source,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!secret_password_clear_finish (result, &error) && error != NULL)
    g_debug ("Ended session not removed from the keyring: %s", error->message);
  g_task_return_error (task, g_error_copy (g_task_get_task_data (task)));
}

static void
refresh_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TbSyncEngine *self = TB_SYNC_ENGINE (source);
  g_autoptr(Response) response = exchange_finish_for_task (self, result, task);
  GError *error = NULL;

  if (response == NULL)
    return;
  if (response->status != SOUP_STATUS_OK || response->object == NULL)
    {
      set_http_error (self, response, &error);
      if (response->status == SOUP_STATUS_UNAUTHORIZED)
        {
          /* The refresh token is spent or revoked: only a new sign-in helps, and the keyring
           * must not offer the dead token at the next start. */
          clear_secret (&self->access_token);
          clear_secret (&self->refresh_token);
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SIGNED_IN]);
          if (self->use_keyring && self->login != NULL)
            {
              g_task_set_task_data (task, error, (GDestroyNotify) g_error_free);
              secret_password_clear (session_schema (), NULL, forget_spent_session_cb,
                                     g_steal_pointer (&task),
                                     "server", self->server_url, "login", self->login, NULL);
              return;
            }
        }
      g_task_return_error (task, error);
      return;
    }
  if (!take_session (self, response, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  keep_session (self, g_steal_pointer (&task));
}

static void
refresh_async (TbSyncEngine        *self,
               GCancellable        *cancellable,
               GAsyncReadyCallback  callback,
               gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, refresh_async);
  if (self->refresh_token == NULL)
    {
      g_task_return_error (task, signed_out_error ());
      g_object_unref (task);
      return;
    }
  exchange_async (self, "/api/v1/session/refresh",
                  session_body (self, "refresh_token", self->refresh_token, NULL, NULL),
                  FALSE, cancellable, refresh_cb, task);
}

static gboolean
refresh_finish (TbSyncEngine  *self,
                GAsyncResult  *result,
                GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* A session that cannot be resumed is the "sign in again" state at once, rather than after
 * the first sync: the desk offers to sign in without a round trip. Offline is not that: the
 * token is kept and the next sync tries again. */
static void
restore_failed (TbSyncEngine *self,
                GTask        *task,
                GError       *error)
{
  if (!tb_sync_engine_get_signed_in (self))
    set_status (self, TB_SYNC_STATUS_SIGNED_OUT);
  g_task_return_error (task, error);
}

static void
restore_refreshed_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!refresh_finish (TB_SYNC_ENGINE (source), result, &error))
    restore_failed (TB_SYNC_ENGINE (source), task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
restore_lookup_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TbSyncEngine *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  char *token = secret_password_lookup_finish (result, &error);
  GCancellable *cancellable;
  gboolean was_signed_in;

  if (token == NULL)
    {
      /* No keyring, a locked one with no way to unlock it, or no session kept in it. */
      if (error != NULL)
        {
          g_autofree char *message =
            g_strdup_printf (_("The keyring could not be read, so the session was not resumed: "
                               "%s"), error->message);

          log_line (self, "warning", message);
        }
      restore_failed (self, task, signed_out_error ());
      return;
    }
  was_signed_in = tb_sync_engine_get_signed_in (self);
  clear_secret (&self->refresh_token);
  self->refresh_token = g_strdup (token);
  secret_password_free (token);
  /* Holding the kept token is holding a session already, though not yet renewed. */
  if (!was_signed_in)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SIGNED_IN]);
  cancellable = g_task_get_cancellable (task);
  refresh_async (self, cancellable, restore_refreshed_cb, g_steal_pointer (&task));
}

/**
 * tb_sync_engine_restore_session_async:
 * @self: an engine
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: for @callback
 *
 * Resumes the session of the store's user with the refresh token kept in the Secret Service.
 * Without a keyring, or when the session has expired, it fails with
 * %TB_SYNC_ERROR_SIGNED_OUT: the user signs in again.
 */
void
tb_sync_engine_restore_session_async (TbSyncEngine        *self,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (TB_IS_SYNC_ENGINE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tb_sync_engine_restore_session_async);
  if (self->login == NULL)
    self->login = tb_store_dup_meta (self->store, "user-login");
  if (!self->use_keyring || self->login == NULL)
    {
      restore_failed (self, task, signed_out_error ());
      g_object_unref (task);
      return;
    }
  secret_password_lookup (session_schema (), cancellable, restore_lookup_cb, task,
                          "server", self->server_url, "login", self->login, NULL);
}

/**
 * tb_sync_engine_restore_session_finish:
 * @self: an engine
 * @result: the result
 * @error: return location for an error
 *
 * Returns: %TRUE when the session was resumed
 */
gboolean
tb_sync_engine_restore_session_finish (TbSyncEngine  *self,
                                       GAsyncResult  *result,
                                       GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* How long sign-out waits for the server to revoke the session before forgetting it anyway. */
#define SIGN_OUT_TIMEOUT_SECONDS 5

static void
forget_session (TbSyncEngine *self)
{
  gboolean was_signed_in = tb_sync_engine_get_signed_in (self);

  clear_secret (&self->access_token);
  clear_secret (&self->refresh_token);
  if (was_signed_in)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SIGNED_IN]);
  set_status (self, TB_SYNC_STATUS_SIGNED_OUT);
}

static void
sign_out_keyring_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  /* Nothing stored, or no keyring at all: either way nothing is left in it. */
  if (!secret_password_clear_finish (result, &error) && error != NULL)
    g_debug ("Session not removed from the keyring: %s", error->message);
  g_task_return_boolean (task, TRUE);
}

static void
sign_out_finish_locally (TbSyncEngine *self,
                         GTask        *task)
{
  forget_session (self);
  log_line (self, "info", _("Signed out."));

  if (self->use_keyring && self->login != NULL)
    secret_password_clear (session_schema (), NULL, sign_out_keyring_cb, task,
                           "server", self->server_url, "login", self->login, NULL);
  else
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
    }
}

static void
sign_out_revoked_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  GTask *task = user_data;
  TbSyncEngine *self = TB_SYNC_ENGINE (source);
  g_autoptr(Response) response = NULL;
  g_autoptr(GError) error = NULL;

  /* The server forgets an unrevoked session when it expires; the desk forgets it now. */
  response = exchange_finish (self, result, &error);
  if (response == NULL)
    g_debug ("Session not revoked on the server: %s", error->message);
  else if (response->status != SOUP_STATUS_NO_CONTENT)
    g_debug ("Session not revoked on the server: HTTP %u", response->status);
  sign_out_finish_locally (self, task);
}

static void
destroy_source (gpointer source)
{
  g_source_destroy (source);
  g_source_unref (source);
}

static void
cancel_other (GCancellable *cancellable,
              gpointer      other)
{
  g_cancellable_cancel (other);
}

static gboolean
cancel_timeout_cb (gpointer cancellable)
{
  g_cancellable_cancel (cancellable);
  return G_SOURCE_REMOVE;
}

/**
 * tb_sync_engine_sign_out_async:
 * @self: an engine
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: for @callback
 *
 * Ends the session: stops syncing, asks the server to revoke the session (waiting a few seconds
 * at most), forgets the tokens and removes the session from the Secret Service. The store and
 * its outbox are left alone: deciding about unsent changes is the caller's business.
 */
void
tb_sync_engine_sign_out_async (TbSyncEngine        *self,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GCancellable) timeout = NULL;
  g_autoptr(GSource) source = NULL;
  GTask *task;

  g_return_if_fail (TB_IS_SYNC_ENGINE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tb_sync_engine_sign_out_async);
  tb_sync_engine_stop (self);

  if (!tb_sync_engine_get_signed_in (self))
    {
      sign_out_finish_locally (self, task);
      return;
    }

  /* A server that does not answer must not keep the user from signing out. */
  timeout = g_cancellable_new ();
  if (cancellable != NULL)
    g_cancellable_connect (cancellable, G_CALLBACK (cancel_other), g_object_ref (timeout),
                           g_object_unref);
  source = g_timeout_source_new_seconds (SIGN_OUT_TIMEOUT_SECONDS);
  g_source_set_callback (source, cancel_timeout_cb, g_object_ref (timeout), g_object_unref);
  g_source_attach (source, g_main_context_get_thread_default ());
  g_task_set_task_data (task, g_steal_pointer (&source), destroy_source);

  exchange_start (self, "DELETE", "/api/v1/session", NULL, TRUE, FALSE, timeout,
                  sign_out_revoked_cb, task);
}

/**
 * tb_sync_engine_sign_out_finish:
 * @self: an engine
 * @result: the result
 * @error: return location for an error
 *
 * Returns: %TRUE once the session is forgotten (also when the server could not be told)
 */
gboolean
tb_sync_engine_sign_out_finish (TbSyncEngine  *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---------------------------------------------------------------------------------------------- */
/* One sync */

/* A pull page read and checked, waiting to be applied. */
typedef struct
{
  TbWirePage *page;
  gint64      sent_at;
} Pulled;

static void
pulled_free (Pulled *pulled)
{
  tb_wire_page_free (pulled->page);
  g_free (pulled);
}

typedef struct
{
  TbSyncSummary summary;
  char         *client_id;
  char         *cursor;       /* of the last page read */
  gint64        first_id;     /* the batch being pushed */
  gint64        last_id;
  gint64        sent_at;
  guint         batch_size;
  char         *body;         /* of the batch, while its files are uploaded */
  guint         rounds;       /* pushes of what was queued during the pull */

  /* The pull: the next page is asked for as soon as one is read, so that the server makes it
   * while this one is applied. */
  GQueue        pulled;       /* Pulled */
  guint         fetched;      /* pages read */
  gboolean      fetching;     /* a pull request is out */
  gboolean      more;         /* the last page read says more wait */
  guint         apply_source;
  gboolean      finished;     /* the task has its result */
} Cycle;

static void
cycle_free (Cycle *c)
{
  g_queue_clear_full (&c->pulled, (GDestroyNotify) pulled_free);
  g_free (c->client_id);
  g_free (c->cursor);
  g_free (c->body);
  g_free (c);
}

static void push_next (TbSyncEngine *self, GTask *task);
static void pull_next (TbSyncEngine *self, GTask *task);

static void
cycle_fail (TbSyncEngine *self,
            GTask        *task,
            GError       *error)
{
  Cycle *c = g_task_get_task_data (task);
  g_autoptr(GError) load_error = NULL;

  c->finished = TRUE;
  g_queue_clear_full (&c->pulled, (GDestroyNotify) pulled_free);
  g_clear_handle_id (&c->apply_source, g_source_remove);
  /* A first sync that stops half-way leaves the store with all its indexes until the next
   * (tb-store.c, initial loads): the desk may stay offline with it for long. */
  if (!_tb_store_finish_initial_load (self->store, &load_error))
    log_line (self, "error", load_error->message);
  g_task_return_error (task, error);
  g_object_unref (task);
}

static void
push_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  GTask *task = user_data;
  TbSyncEngine *self = TB_SYNC_ENGINE (source);
  Cycle *c = g_task_get_task_data (task);
  g_autoptr(Response) response = NULL;
  TbPushCounts counts = { 0 };
  GError *error = NULL;
  guint answered;

  response = exchange_finish (self, result, &error);

  if (response == NULL || response->status != SOUP_STATUS_OK)
    {
      /* Unanswered: back to pending, to be sent again. */
      if (response != NULL)
        set_http_error (self, response, &error);
      _tb_store_outbox_set_sending (self->store, c->first_id, c->last_id, FALSE, NULL);
      cycle_fail (self, task, error);
      return;
    }
  if (response->object == NULL)
    {
      _tb_store_outbox_set_sending (self->store, c->first_id, c->last_id, FALSE, NULL);
      malformed (&error, _("not a JSON object"));
      cycle_fail (self, task, error);
      return;
    }

  if (!_tb_store_apply_push (self->store, response->object, &counts, &error))
    {
      _tb_store_outbox_set_sending (self->store, c->first_id, c->last_id, FALSE, NULL);
      cycle_fail (self, task, as_sync_error (error));
      return;
    }

  answered = counts.applied + counts.rejected + counts.conflicts;
  c->summary.sent += answered;
  c->summary.applied += counts.applied;
  c->summary.rejected += counts.rejected;
  c->summary.conflicts += counts.conflicts;
  if (counts.rejected + counts.conflicts > 0)
    {
      g_autofree char *line =
        g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                      "%u change was not accepted by the server; it is kept "
                                      "under Drafts & conflicts.",
                                      "%u changes were not accepted by the server; they are "
                                      "kept under Drafts & conflicts.",
                                      counts.rejected + counts.conflicts),
                         counts.rejected + counts.conflicts);
      log_line (self, "warning", line);
    }

  /* What the server did not answer (a gap) goes back to pending. */
  _tb_store_outbox_set_sending (self->store, c->first_id, c->last_id, FALSE, NULL);

  if (counts.last_mutation_id < c->first_id - 1)
    {
      cycle_fail (self, task,
                  g_error_new_literal (TB_SYNC_ERROR, TB_SYNC_ERROR_STUCK,
                                       _("The server no longer knows changes this computer "
                                         "sent before; the unsent changes are kept. Contact "
                                         "your administrator.")));
      return;
    }
  if (answered == 0)
    {
      /* Nothing taken and no gap: do not spin; what is left goes at the next sync. */
      pull_next (self, task);
      return;
    }
  push_next (self, task);
}

static char *
push_body (Cycle     *c,
           GPtrArray *items)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "schema_version");
  json_builder_add_int_value (builder, 1);
  json_builder_set_member_name (builder, "client_id");
  json_builder_add_string_value (builder, c->client_id);
  json_builder_set_member_name (builder, "mutations");
  json_builder_begin_array (builder);
  for (guint i = 0; i < items->len; i++)
    {
      TbOutboxItem *item = g_ptr_array_index (items, i);
      g_autofree char *device_time = tb_wire_format_time (item->device_time);
      JsonNode *args = json_from_string (item->args_json, NULL);
      JsonNode *bases = json_from_string (item->base_versions_json, NULL);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "id");
      json_builder_add_int_value (builder, item->id);
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, item->name);
      json_builder_set_member_name (builder, "args");
      json_builder_add_value (builder, args != NULL ? args : json_node_new (JSON_NODE_NULL));
      json_builder_set_member_name (builder, "base_versions");
      json_builder_add_value (builder, bases != NULL ? bases : json_node_new (JSON_NODE_NULL));
      json_builder_set_member_name (builder, "device_time");
      json_builder_add_string_value (builder, device_time);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  return json_to_string (root, FALSE);
}

/* Sends the batch push_next() chose. */
static void
push_send (TbSyncEngine *self,
           GTask        *task)
{
  Cycle *c = g_task_get_task_data (task);
  GError *error = NULL;

  if (!_tb_store_outbox_set_sending (self->store, c->first_id, c->last_id, TRUE, &error))
    {
      g_clear_pointer (&c->body, g_free);
      cycle_fail (self, task, error);
      return;
    }
  g_signal_emit (self, signals[PROGRESS], 0, "push", c->summary.sent, c->batch_size);
  exchange_async (self, "/api/v1/sync/push", g_steal_pointer (&c->body), TRUE,
                  g_task_get_cancellable (task), push_cb, task);
}

static void
uploaded_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  GTask *task = user_data;
  TbSyncEngine *self = g_task_get_source_object (task);
  Cycle *c = g_task_get_task_data (task);
  GError *error = NULL;
  guint rejected = 0;

  /* Not sent: nothing of the batch is marked as sending yet. */
  if (!_tb_attachment_cache_upload_finish (TB_ATTACHMENT_CACHE (source), result, NULL,
                                           &rejected, &error))
    {
      g_clear_pointer (&c->body, g_free);
      cycle_fail (self, task, error);
      return;
    }

  /* Changes naming a file the server refused were kept aside, and the later ones renumbered:
   * the batch is made again from the outbox as it now is. */
  if (rejected > 0)
    {
      c->summary.rejected += rejected;
      g_clear_pointer (&c->body, g_free);
      push_next (self, task);
      return;
    }
  push_send (self, task);
}

static void
push_next (TbSyncEngine *self,
           GTask        *task)
{
  Cycle *c = g_task_get_task_data (task);
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GPtrArray) uploads = NULL;
  GError *error = NULL;
  char *body;

  items = _tb_store_outbox_next (self->store, self->push_batch, &error);
  if (items == NULL)
    {
      cycle_fail (self, task, error);
      return;
    }
  if (items->len == 0)
    {
      /* Everything is sent: files added here that nothing names any more can go. */
      _tb_attachment_cache_clean_pending (self->attachments);
      pull_next (self, task);
      return;
    }

  /* Large mutations (forms) make fewer fit. */
  body = push_body (c, items);
  while (strlen (body) > PUSH_MAX_BODY && items->len > 1)
    {
      g_ptr_array_set_size (items, items->len / 2);
      g_free (body);
      body = push_body (c, items);
    }

  c->first_id = ((TbOutboxItem *) g_ptr_array_index (items, 0))->id;
  c->last_id = ((TbOutboxItem *) g_ptr_array_index (items, items->len - 1))->id;
  c->batch_size = items->len;
  c->body = body;

  /* The files the batch refers to go first, so that the server never sees a case naming a
   * file it does not have. They are content-addressed and sent idempotently: a crash between
   * an upload and the push only sends a file again. */
  uploads = _tb_attachment_cache_find_pending (self->attachments, items);
  if (uploads->len > 0)
    {
      _tb_attachment_cache_upload_async (self->attachments, uploads,
                                         g_task_get_cancellable (task), uploaded_cb, task);
      return;
    }
  push_send (self, task);
}

static void
cycle_done (TbSyncEngine *self,
            GTask        *task)
{
  Cycle *c = g_task_get_task_data (task);
  g_auto(TbSyncInfo) info = { 0 };
  g_autofree char *line = NULL;
  GError *error = NULL;

  if (!_tb_store_set_last_sync (self->store, g_get_real_time (), &error)
      || !tb_store_get_sync_info (self->store, &info, &error))
    {
      cycle_fail (self, task, error);
      return;
    }
  c->summary.unsent = info.n_unsent;

  if (ABS (info.clock_skew_usec) > LARGE_SKEW_USEC)
    {
      g_autofree char *skew = g_strdup_printf (_("This computer’s clock is %d minutes off the "
                                                 "server’s. Deadlines are counted with the "
                                                 "server’s time."),
                                               (int) (info.clock_skew_usec / 60 / G_USEC_PER_SEC));
      log_line (self, "warning", skew);
    }

  line = g_strdup_printf (_("Synced: %u changes sent, %u received."), c->summary.sent,
                          c->summary.changes);
  log_line (self, "info", line);

  g_task_return_pointer (task, g_memdup2 (&c->summary, sizeof c->summary), g_free);
  g_object_unref (task);
}

/* Pages read ahead of the one being applied. */
#define PULL_AHEAD      1

static char *
pull_body (Cycle *c)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "schema_version");
  json_builder_add_int_value (builder, 1);
  json_builder_set_member_name (builder, "client_id");
  json_builder_add_string_value (builder, c->client_id);
  json_builder_set_member_name (builder, "cursor");
  if (c->cursor != NULL)
    json_builder_add_string_value (builder, c->cursor);
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "limit");
  json_builder_add_int_value (builder, TB_SYNC_PULL_LIMIT);
  json_builder_set_member_name (builder, "max_bytes");
  json_builder_add_int_value (builder, TB_SYNC_PULL_MAX_BYTES);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  return json_to_string (root, FALSE);
}

static void pull_cb (GObject *source, GAsyncResult *result, gpointer user_data);

/* Asks for the page after c->cursor; the request holds a reference on @task. */
static void
fetch_next (TbSyncEngine *self,
            GTask        *task)
{
  Cycle *c = g_task_get_task_data (task);
  GTask *exchange;

  c->fetching = TRUE;
  c->sent_at = g_get_real_time ();
  exchange = exchange_new (self, NULL, "/api/v1/sync/pull", pull_body (c), TRUE, TRUE,
                           g_task_get_cancellable (task), pull_cb, g_object_ref (task));
  ((Exchange *) g_task_get_task_data (exchange))->pull = TRUE;
  exchange_send (self, exchange);
}

static gboolean apply_cb (gpointer user_data);

static void
schedule_apply (GTask *task)
{
  Cycle *c = g_task_get_task_data (task);

  /* Not an idle: a window that draws all the time (a spinner under software rendering) would
   * starve it, and the sync, whose spinner that is, would never end. A timeout of 1 ms at the
   * default priority is never starved, and while it waits the main loop handles input and
   * draws a frame, so the window stays responsive between pages. It holds a reference on
   * @task. */
  if (c->apply_source == 0)
    c->apply_source = g_timeout_add_full (G_PRIORITY_DEFAULT, 1, apply_cb, g_object_ref (task),
                                          g_object_unref);
}

/* A page read and checked (in the exchange's thread, see raw_send_thread()): it waits its turn
 * to be applied, and the next one is asked for. */
static void
take_page (TbSyncEngine *self,
           GTask        *task,
           TbWirePage   *page)
{
  Cycle *c = g_task_get_task_data (task);
  Pulled *pulled;
  GError *error = NULL;

  c->fetched++;
  if (page->has_more && page->changes->len == 0 && c->fetched > 10000)
    {
      tb_wire_page_free (page);
      malformed (&error, "has_more");
      cycle_fail (self, g_object_ref (task), error);
      return;
    }

  g_free (c->cursor);
  c->cursor = g_strdup (page->cursor);
  c->more = page->has_more;
  pulled = g_new0 (Pulled, 1);
  pulled->page = page;
  pulled->sent_at = c->sent_at;
  g_queue_push_tail (&c->pulled, pulled);

  if (c->more && c->pulled.length < PULL_AHEAD)
    fetch_next (self, task);
  schedule_apply (task);
}

static void
pull_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TbSyncEngine *self = TB_SYNC_ENGINE (source);
  Cycle *c = g_task_get_task_data (task);
  g_autoptr(Response) response = NULL;
  GError *error = NULL;

  c->fetching = FALSE;
  response = exchange_finish (self, result, &error);
  /* The sync already ended (a page failed to apply): this answer is not needed. */
  if (c->finished)
    {
      g_clear_error (&error);
      return;
    }
  if (response != NULL
      && g_cancellable_set_error_if_cancelled (g_task_get_cancellable (task), &error))
    g_clear_pointer (&response, response_free);
  if (response == NULL)
    {
      cycle_fail (self, g_object_ref (task), error);
      return;
    }

  if (response->status == SOUP_STATUS_GONE && g_str_equal (problem_type (response),
                                                           "cursor-expired"))
    {
      /* Once per sync: a server that resets every time would otherwise loop. */
      if (c->summary.resets > 0)
        {
          malformed (&error, "cursor-expired");
          cycle_fail (self, g_object_ref (task), error);
          return;
        }
      c->summary.resets++;
      log_line (self, "warning", _("The server asked for a full resynchronisation; the "
                                   "cases are fetched again. Unsent work is kept."));
      /* Pages read after the cursor the server no longer knows are of no use either. */
      g_queue_clear_full (&c->pulled, (GDestroyNotify) pulled_free);
      if (!_tb_store_reset_sync (self->store, &error))
        {
          cycle_fail (self, g_object_ref (task), error);
          return;
        }
      g_clear_pointer (&c->cursor, g_free);
      fetch_next (self, task);
      return;
    }

  if (response->status != SOUP_STATUS_OK)
    {
      set_http_error (self, response, &error);
      cycle_fail (self, g_object_ref (task), error);
      return;
    }

  if (response->page == NULL)
    {
      error = as_sync_error (g_steal_pointer (&response->page_error));
      cycle_fail (self, g_object_ref (task), error);
      return;
    }
  take_page (self, task, g_steal_pointer (&response->page));
}

/* The pull is over: what was queued meanwhile goes now rather than at the next sync. Hands
 * over the cycle's reference on @task. */
static void
pull_done (TbSyncEngine *self,
           GTask        *task)
{
  Cycle *c = g_task_get_task_data (task);
  g_autoptr(GPtrArray) left = _tb_store_outbox_next (self->store, 1, NULL);

  if (left != NULL && left->len > 0 && c->rounds++ < 3
      && ((TbOutboxItem *) g_ptr_array_index (left, 0))->id > c->last_id)
    {
      push_next (self, task);
      return;
    }
  cycle_done (self, task);
}

/* Applies the oldest page read, each in one transaction (tb-store-sync.c). */
static gboolean
apply_cb (gpointer user_data)
{
  GTask *task = user_data;
  TbSyncEngine *self = g_task_get_source_object (task);
  Cycle *c = g_task_get_task_data (task);
  TbPullCounts counts = { 0 };
  Pulled *pulled;
  GError *error = NULL;
  gboolean applied;

  pulled = g_queue_pop_head (&c->pulled);
  if (c->finished || pulled == NULL)
    {
      c->apply_source = 0;
      return G_SOURCE_REMOVE;
    }
  /* Cancelled while pages waited: they are not applied (the next sync fetches them again). */
  if (g_cancellable_set_error_if_cancelled (g_task_get_cancellable (task), &error))
    {
      pulled_free (pulled);
      c->apply_source = 0;
      cycle_fail (self, g_object_ref (task), error);
      return G_SOURCE_REMOVE;
    }

  /* The next page is asked for, read and checked in the exchange's thread meanwhile. */
  if (c->more && !c->fetching && c->pulled.length < PULL_AHEAD)
    fetch_next (self, task);

  applied = _tb_store_apply_pull (self->store, pulled->page, pulled->sent_at, &counts, &error);
  pulled_free (pulled);
  if (!applied)
    {
      /* The cycle's reference: the idle keeps its own until it is removed. */
      c->apply_source = 0;
      cycle_fail (self, g_object_ref (task), as_sync_error (error));
      return G_SOURCE_REMOVE;
    }

  c->summary.pages++;
  c->summary.changes += counts.changes;
  c->summary.cases += counts.cases;
  c->summary.removed += counts.removed;
  g_signal_emit (self, signals[PROGRESS], 0, "pull", c->summary.changes, counts.changes);

  if (c->more && !c->fetching && c->pulled.length < PULL_AHEAD)
    fetch_next (self, task);
  if (!g_queue_is_empty (&c->pulled))
    return G_SOURCE_CONTINUE;

  c->apply_source = 0;
  if (!c->more && !c->fetching)
    pull_done (self, g_object_ref (task));
  return G_SOURCE_REMOVE;
}

/* Starts the pull with the cycle's reference on @task. */
static void
pull_next (TbSyncEngine *self,
           GTask        *task)
{
  Cycle *c = g_task_get_task_data (task);

  c->more = TRUE;
  fetch_next (self, task);
  /* The requests and the idle hold their own references. */
  g_object_unref (task);
}

static void run_cycle (TbSyncEngine *self);
static void schedule (TbSyncEngine *self);

static TbSyncStatus
status_for_error (const GError *error)
{
  if (error == NULL)
    return TB_SYNC_STATUS_IDLE;
  if (g_error_matches (error, TB_SYNC_ERROR, TB_SYNC_ERROR_OFFLINE))
    return TB_SYNC_STATUS_OFFLINE;
  if (g_error_matches (error, TB_SYNC_ERROR, TB_SYNC_ERROR_SIGNED_OUT))
    return TB_SYNC_STATUS_SIGNED_OUT;
  return TB_SYNC_STATUS_ERROR;
}

static void
cycle_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  TbSyncEngine *self = TB_SYNC_ENGINE (source);
  g_autoptr(GTask) outer = g_steal_pointer (&self->running);
  g_autoptr(GPtrArray) waiting = NULL;
  g_autofree TbSyncSummary *summary = NULL;
  GError *error = NULL;

  summary = g_task_propagate_pointer (G_TASK (result), &error);

  g_clear_error (&self->last_error);
  self->retry_after = error != NULL ? self->retry_after : 0;
  if (error != NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          self->failures++;
          log_line (self, error->domain == TB_SYNC_ERROR
                          && error->code == TB_SYNC_ERROR_OFFLINE ? "info" : "error",
                    error->message);
        }
      self->last_error = g_error_copy (error);
      set_status (self, status_for_error (error));
    }
  else
    {
      self->failures = 0;
      set_status (self, TB_SYNC_STATUS_IDLE);
      g_signal_emit (self, signals[SYNCED], 0);
    }

  if (error != NULL)
    g_task_return_error (outer, error);
  else
    g_task_return_pointer (outer, g_steal_pointer (&summary), g_free);

  /* Syncs asked for meanwhile run now, together. */
  if (self->waiting->len > 0)
    {
      run_cycle (self);
      return;
    }
  schedule (self);
}

static void
run_cycle (TbSyncEngine *self)
{
  g_autoptr(GTask) inner = NULL;
  Cycle *c;
  GError *error = NULL;
  GTask *outer;

  g_assert (self->running == NULL);
  g_assert (self->waiting->len > 0);

  /* The first waiting task runs; the others are completed with it. */
  outer = g_ptr_array_steal_index (self->waiting, 0);
  self->running = outer;
  g_clear_handle_id (&self->timer, g_source_remove);

  inner = g_task_new (self, g_task_get_cancellable (outer), cycle_cb, NULL);
  c = g_new0 (Cycle, 1);
  g_task_set_task_data (inner, c, (GDestroyNotify) cycle_free);

  set_status (self, TB_SYNC_STATUS_SYNCING);

  c->client_id = _tb_store_ensure_client_id (self->store, &error);
  if (c->client_id == NULL)
    {
      cycle_fail (self, g_steal_pointer (&inner), error);
      return;
    }
  {
    g_auto(TbSyncInfo) info = { 0 };

    if (!tb_store_get_sync_info (self->store, &info, &error))
      {
        cycle_fail (self, g_steal_pointer (&inner), error);
        return;
      }
    c->cursor = g_steal_pointer (&info.cursor);
  }
  /* Without an access token but with a refresh token, the first request's 401 renews it. */
  if (self->access_token == NULL && self->refresh_token == NULL)
    {
      cycle_fail (self, g_steal_pointer (&inner), signed_out_error ());
      return;
    }
  push_next (self, g_steal_pointer (&inner));
}

/**
 * tb_sync_engine_sync_async:
 * @self: an engine
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: for @callback
 *
 * Runs one sync: pushes the outbox, then pulls until the server has nothing more. When a sync
 * is already running, this one starts right after it (so that it sees what was queued
 * meanwhile).
 */
void
tb_sync_engine_sync_async (TbSyncEngine        *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (TB_IS_SYNC_ENGINE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tb_sync_engine_sync_async);
  g_ptr_array_add (self->waiting, task);
  if (self->running == NULL)
    run_cycle (self);
}

/**
 * tb_sync_engine_sync_finish:
 * @self: an engine
 * @result: the result
 * @summary: (out caller-allocates) (optional): what the sync did
 * @error: return location for a #TB_SYNC_ERROR or #TB_STORE_ERROR
 *
 * Returns: %TRUE if the sync completed: everything sendable was sent and the feed read to
 *   its end
 */
gboolean
tb_sync_engine_sync_finish (TbSyncEngine   *self,
                            GAsyncResult   *result,
                            TbSyncSummary  *summary,
                            GError        **error)
{
  g_autofree TbSyncSummary *s = NULL;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  s = g_task_propagate_pointer (G_TASK (result), error);
  if (s == NULL)
    return FALSE;
  if (summary != NULL)
    *summary = *s;
  return TRUE;
}

/* ---------------------------------------------------------------------------------------------- */
/* Scheduling */

/**
 * tb_sync_engine_next_delay:
 * @self: an engine
 *
 * How long the engine waits before its next automatic sync, in seconds: the interval after a
 * success; after failures exponential backoff with full jitter, a random wait between 1 s and
 * min (5 min, 2^failures s), but never shorter than the server's Retry-After.
 *
 * Returns: seconds
 */
guint
tb_sync_engine_next_delay (TbSyncEngine *self)
{
  guint cap;
  guint delay;

  g_return_val_if_fail (TB_IS_SYNC_ENGINE (self), DEFAULT_INTERVAL);

  if (self->failures == 0)
    return self->interval;

  cap = self->failures >= 9 ? BACKOFF_MAX_SECONDS : MIN (BACKOFF_MAX_SECONDS,
                                                          1u << self->failures);
  delay = (guint) g_random_int_range (1, (gint32) cap + 1);
  return MAX (delay, self->retry_after);
}

static gboolean
timer_cb (gpointer user_data)
{
  TbSyncEngine *self = user_data;

  self->timer = 0;
  if (self->running == NULL)
    tb_sync_engine_sync_async (self, NULL, NULL, NULL);
  return G_SOURCE_REMOVE;
}

static void
schedule (TbSyncEngine *self)
{
  g_clear_handle_id (&self->timer, g_source_remove);
  if (!self->started || self->status == TB_SYNC_STATUS_SIGNED_OUT)
    return;
  self->timer = g_timeout_add_seconds (tb_sync_engine_next_delay (self), timer_cb, self);
}

static void
network_changed_cb (GNetworkMonitor *monitor,
                    gboolean         available,
                    gpointer         user_data)
{
  TbSyncEngine *self = user_data;

  /* The network is back: do not wait for the backoff to run out. */
  if (available && self->started && self->running == NULL
      && (self->status == TB_SYNC_STATUS_OFFLINE || self->status == TB_SYNC_STATUS_ERROR))
    {
      self->failures = 0;
      tb_sync_engine_sync_async (self, NULL, NULL, NULL);
    }
}

/**
 * tb_sync_engine_start:
 * @self: an engine
 *
 * Syncs now and then on its own: every #TbSyncEngine:interval seconds, with backoff after
 * failures, and at once when the network comes back.
 */
void
tb_sync_engine_start (TbSyncEngine *self)
{
  g_return_if_fail (TB_IS_SYNC_ENGINE (self));

  if (self->started)
    return;
  self->started = TRUE;
  self->monitor = g_object_ref (g_network_monitor_get_default ());
  self->network_handler = g_signal_connect (self->monitor, "network-changed",
                                            G_CALLBACK (network_changed_cb), self);
  if (self->running == NULL)
    tb_sync_engine_sync_async (self, NULL, NULL, NULL);
}

/**
 * tb_sync_engine_stop:
 * @self: an engine
 *
 * Stops syncing on its own; a sync under way completes.
 */
void
tb_sync_engine_stop (TbSyncEngine *self)
{
  g_return_if_fail (TB_IS_SYNC_ENGINE (self));

  self->started = FALSE;
  g_clear_handle_id (&self->timer, g_source_remove);
  if (self->monitor != NULL)
    g_clear_signal_handler (&self->network_handler, self->monitor);
  g_clear_object (&self->monitor);
}

/**
 * tb_sync_engine_sync_soon:
 * @self: an engine
 *
 * Something was queued: sync shortly, unless a backoff or the sign-in keeps it waiting.
 */
void
tb_sync_engine_sync_soon (TbSyncEngine *self)
{
  g_return_if_fail (TB_IS_SYNC_ENGINE (self));

  if (!self->started || self->running != NULL || self->failures > 0
      || self->status == TB_SYNC_STATUS_SIGNED_OUT)
    return;
  g_clear_handle_id (&self->timer, g_source_remove);
  self->timer = g_timeout_add (500, timer_cb, self);
}

/* ---------------------------------------------------------------------------------------------- */
/* GObject */

static void
tb_sync_engine_dispose (GObject *object)
{
  TbSyncEngine *self = TB_SYNC_ENGINE (object);

  tb_sync_engine_stop (self);
  if (self->session != NULL)
    soup_session_abort (self->session);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (tb_sync_engine_parent_class)->dispose (object);
}

static void
tb_sync_engine_finalize (GObject *object)
{
  TbSyncEngine *self = TB_SYNC_ENGINE (object);

  clear_secret (&self->access_token);
  clear_secret (&self->refresh_token);
  g_clear_object (&self->attachments);
  g_clear_object (&self->store);
  g_free (self->server_url);
  g_free (self->user_id);
  g_free (self->login);
  g_clear_error (&self->last_error);
  g_ptr_array_unref (self->waiting);

  G_OBJECT_CLASS (tb_sync_engine_parent_class)->finalize (object);
}

static void
tb_sync_engine_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  TbSyncEngine *self = TB_SYNC_ENGINE (object);

  switch (prop_id)
    {
    case PROP_STORE:
      g_value_set_object (value, self->store);
      break;
    case PROP_SERVER_URL:
      g_value_set_string (value, self->server_url);
      break;
    case PROP_STATUS:
      g_value_set_int (value, self->status);
      break;
    case PROP_USER_ID:
      g_value_set_string (value, self->user_id);
      break;
    case PROP_SIGNED_IN:
      g_value_set_boolean (value, tb_sync_engine_get_signed_in (self));
      break;
    case PROP_INTERVAL:
      g_value_set_uint (value, self->interval);
      break;
    case PROP_USE_KEYRING:
      g_value_set_boolean (value, self->use_keyring);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tb_sync_engine_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  TbSyncEngine *self = TB_SYNC_ENGINE (object);

  switch (prop_id)
    {
    case PROP_STORE:
      self->store = g_value_dup_object (value);
      break;
    case PROP_SERVER_URL:
      {
        const char *url = g_value_get_string (value);
        gsize len = url != NULL ? strlen (url) : 0;

        /* "http://host:port" and "http://host:port/" name the same server. */
        while (len > 0 && url[len - 1] == '/')
          len--;
        self->server_url = g_strndup (url != NULL ? url : "", len);
      }
      break;
    case PROP_INTERVAL:
      tb_sync_engine_set_interval (self, g_value_get_uint (value));
      break;
    case PROP_USE_KEYRING:
      tb_sync_engine_set_use_keyring (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* A local action (an approval, a comment) leaves its case waiting to be sent: send it within the
 * half second sync_soon() waits, rather than at the next periodic pull. A burst of actions is
 * one sync; changes made by a sync itself are ignored while it runs. */
static void
on_store_cases_changed (TbSyncEngine *self,
                        GPtrArray    *changes)
{
  if (changes == NULL)
    {
      tb_sync_engine_sync_soon (self);
      return;
    }

  for (guint i = 0; i < changes->len; i++)
    {
      TbCaseChange *change = g_ptr_array_index (changes, i);

      if (change->new_case != NULL
          && tb_case_get_sync_state (change->new_case) == TB_SYNC_STATE_PENDING)
        {
          tb_sync_engine_sync_soon (self);
          return;
        }
    }
}

static void
tb_sync_engine_constructed (GObject *object)
{
  TbSyncEngine *self = TB_SYNC_ENGINE (object);
  g_autofree char *agent = g_strdup_printf ("Tongban/%s ", PACKAGE_VERSION);

  G_OBJECT_CLASS (tb_sync_engine_parent_class)->constructed (object);

  g_assert (self->store != NULL);
  self->session = soup_session_new_with_options ("user-agent", agent, "timeout", 60,
                                                 "idle-timeout", 60, NULL);
  self->user_id = tb_store_dup_meta (self->store, "user-id");
  self->login = tb_store_dup_meta (self->store, "user-login");
  self->attachments = tb_attachment_cache_new (self->store, self);
  g_signal_connect_object (self->store, "cases-changed", G_CALLBACK (on_store_cases_changed),
                           self, G_CONNECT_SWAPPED);
}

static void
tb_sync_engine_class_init (TbSyncEngineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = tb_sync_engine_constructed;
  object_class->dispose = tb_sync_engine_dispose;
  object_class->finalize = tb_sync_engine_finalize;
  object_class->get_property = tb_sync_engine_get_property;
  object_class->set_property = tb_sync_engine_set_property;

  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL, TB_TYPE_STORE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SERVER_URL] =
    g_param_spec_string ("server-url", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /* A TbSyncStatus. */
  properties[PROP_STATUS] =
    g_param_spec_int ("status", NULL, NULL, TB_SYNC_STATUS_IDLE, TB_SYNC_STATUS_ERROR,
                      TB_SYNC_STATUS_IDLE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_USER_ID] =
    g_param_spec_string ("user-id", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_SIGNED_IN] =
    g_param_spec_boolean ("signed-in", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_INTERVAL] =
    g_param_spec_uint ("interval", NULL, NULL, 5, 24 * 60 * 60, DEFAULT_INTERVAL,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_USE_KEYRING] =
    g_param_spec_boolean ("use-keyring", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * TbSyncEngine::progress:
   * @phase: "push" or "pull"
   * @done: mutations answered or changes received so far in this sync
   * @batch: the size of the batch now sent or received
   *
   * Emitted as a sync goes on, for a progress indicator.
   */
  signals[PROGRESS] =
    g_signal_new ("progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_UINT, G_TYPE_UINT);

  /**
   * TbSyncEngine::synced:
   *
   * Emitted after each sync that completed.
   */
  signals[SYNCED] =
    g_signal_new ("synced", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
}

static void
tb_sync_engine_init (TbSyncEngine *self)
{
  self->interval = DEFAULT_INTERVAL;
  self->push_batch = PUSH_BATCH;
  self->use_keyring = TRUE;
  self->waiting = g_ptr_array_new_with_free_func (g_object_unref);
}

/**
 * tb_sync_engine_new:
 * @store: the local store
 * @server_url: the server, e.g. "https://tongban.example.gov.cn"
 *
 * Returns: (transfer full): a new engine, not signed in and not started
 */
TbSyncEngine *
tb_sync_engine_new (TbStore    *store,
                    const char *server_url)
{
  g_return_val_if_fail (TB_IS_STORE (store), NULL);
  g_return_val_if_fail (server_url != NULL, NULL);

  return g_object_new (TB_TYPE_SYNC_ENGINE, "store", store, "server-url", server_url, NULL);
}

/**
 * tb_sync_engine_get_store:
 * @self: an engine
 *
 * Returns: (transfer none): its store
 */
TbStore *
tb_sync_engine_get_store (TbSyncEngine *self)
{
  g_return_val_if_fail (TB_IS_SYNC_ENGINE (self), NULL);
  return self->store;
}

/**
 * tb_sync_engine_get_server_url:
 * @self: an engine
 *
 * Returns: the server's address, without a trailing slash
 */
const char *
tb_sync_engine_get_server_url (TbSyncEngine *self)
{
  g_return_val_if_fail (TB_IS_SYNC_ENGINE (self), NULL);
  return self->server_url;
}

/**
 * tb_sync_engine_get_status:
 * @self: an engine
 *
 * Returns: what the engine is doing, or how its last sync ended
 */
TbSyncStatus
tb_sync_engine_get_status (TbSyncEngine *self)
{
  g_return_val_if_fail (TB_IS_SYNC_ENGINE (self), TB_SYNC_STATUS_IDLE);
  return self->status;
}

/**
 * tb_sync_engine_get_last_error:
 * @self: an engine
 *
 * Returns: (nullable): why the last sync failed, %NULL if it did not
 */
const GError *
tb_sync_engine_get_last_error (TbSyncEngine *self)
{
  g_return_val_if_fail (TB_IS_SYNC_ENGINE (self), NULL);
  return self->last_error;
}

/**
 * tb_sync_engine_get_user_id:
 * @self: an engine
 *
 * Returns: (nullable): the signed-in user (or the store's last one)
 */
const char *
tb_sync_engine_get_user_id (TbSyncEngine *self)
{
  g_return_val_if_fail (TB_IS_SYNC_ENGINE (self), NULL);
  return self->user_id;
}

/**
 * tb_sync_engine_get_signed_in:
 * @self: an engine
 *
 * Returns: whether the engine holds a session
 */
gboolean
tb_sync_engine_get_signed_in (TbSyncEngine *self)
{
  g_return_val_if_fail (TB_IS_SYNC_ENGINE (self), FALSE);
  return self->access_token != NULL || self->refresh_token != NULL;
}

/**
 * tb_sync_engine_get_interval:
 * @self: an engine
 *
 * Returns: seconds between automatic pulls
 */
guint
tb_sync_engine_get_interval (TbSyncEngine *self)
{
  g_return_val_if_fail (TB_IS_SYNC_ENGINE (self), DEFAULT_INTERVAL);
  return self->interval;
}

/**
 * tb_sync_engine_set_interval:
 * @self: an engine
 * @seconds: seconds between automatic pulls (5 s to a day)
 *
 * Sets how often the engine pulls on its own.
 */
void
tb_sync_engine_set_interval (TbSyncEngine *self,
                             guint         seconds)
{
  g_return_if_fail (TB_IS_SYNC_ENGINE (self));

  seconds = CLAMP (seconds, 5, 24 * 60 * 60);
  if (self->interval == seconds)
    return;
  self->interval = seconds;
  if (self->timer != 0 && self->failures == 0)
    schedule (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INTERVAL]);
}

/**
 * tb_sync_engine_get_use_keyring:
 * @self: an engine
 *
 * Returns: whether the refresh token is kept in the Secret Service
 */
gboolean
tb_sync_engine_get_use_keyring (TbSyncEngine *self)
{
  g_return_val_if_fail (TB_IS_SYNC_ENGINE (self), FALSE);
  return self->use_keyring;
}

/**
 * tb_sync_engine_set_use_keyring:
 * @self: an engine
 * @use_keyring: whether to keep the refresh token in the Secret Service
 *
 * Without a keyring the session ends with the process (command-line tools, tests).
 */
void
tb_sync_engine_set_use_keyring (TbSyncEngine *self,
                                gboolean      use_keyring)
{
  g_return_if_fail (TB_IS_SYNC_ENGINE (self));

  use_keyring = !!use_keyring;
  if (self->use_keyring == use_keyring)
    return;
  self->use_keyring = use_keyring;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_USE_KEYRING]);
}

/*
 * Mutations per push request, at most the protocol's 1,000 (the default): for tests that
 * want many requests out of few mutations.
 */
void
_tb_sync_engine_set_push_batch (TbSyncEngine *self,
                                guint         batch)
{
  g_return_if_fail (TB_IS_SYNC_ENGINE (self));
  g_return_if_fail (batch >= 1 && batch <= PUSH_BATCH);

  self->push_batch = batch;
}
