/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-sync-engine.h: signs in, pushes the outbox and pulls the feed of the central service */

#pragma once

#include <gio/gio.h>

#include "tb-store.h"

G_BEGIN_DECLS

#define TB_SYNC_ERROR (tb_sync_error_quark ())

/* The pull pages the engine asks for (`limit`, `max_bytes` of docs/protocol.md): as large as
 * the server allows, since each is one transaction on the desk. */
#define TB_SYNC_PULL_LIMIT      10000
#define TB_SYNC_PULL_MAX_BYTES  (16 * 1000 * 1000)

/**
 * TbSyncError:
 * @TB_SYNC_ERROR_OFFLINE: the server cannot be reached (no network, server down, answer cut)
 * @TB_SYNC_ERROR_CREDENTIALS: wrong user name or password
 * @TB_SYNC_ERROR_SIGNED_OUT: the session expired and could not be renewed: sign in again
 * @TB_SYNC_ERROR_UNAVAILABLE: the server is busy (503, 429); it said when to try again
 * @TB_SYNC_ERROR_PROTOCOL: the server's answer cannot be read, or speaks another version
 * @TB_SYNC_ERROR_TLS: the server's certificate is not trusted
 * @TB_SYNC_ERROR_SERVER: the server refused the request
 * @TB_SYNC_ERROR_STUCK: the server has lost mutations of this device it had acknowledged
 */
typedef enum
{
  TB_SYNC_ERROR_OFFLINE,
  TB_SYNC_ERROR_CREDENTIALS,
  TB_SYNC_ERROR_SIGNED_OUT,
  TB_SYNC_ERROR_UNAVAILABLE,
  TB_SYNC_ERROR_PROTOCOL,
  TB_SYNC_ERROR_TLS,
  TB_SYNC_ERROR_SERVER,
  TB_SYNC_ERROR_STUCK,
} TbSyncError;

/**
 * TbSyncStatus:
 * @TB_SYNC_STATUS_IDLE: up to date as of the last sync, or not started
 * @TB_SYNC_STATUS_SYNCING: a sync is running
 * @TB_SYNC_STATUS_OFFLINE: the server cannot be reached; work goes on locally
 * @TB_SYNC_STATUS_SIGNED_OUT: no valid session; local work is kept until the user signs in
 * @TB_SYNC_STATUS_ERROR: the last sync failed for another reason; it is retried
 */
typedef enum
{
  TB_SYNC_STATUS_IDLE,
  TB_SYNC_STATUS_SYNCING,
  TB_SYNC_STATUS_OFFLINE,
  TB_SYNC_STATUS_SIGNED_OUT,
  TB_SYNC_STATUS_ERROR,
} TbSyncStatus;

/**
 * TbSyncSummary:
 * @sent: mutations sent and answered
 * @applied: of those, applied by the server
 * @rejected: refused for good (kept for the user with the reason)
 * @conflicts: overtaken by a newer server version (kept for the user to resolve)
 * @pages: pull pages applied
 * @changes: changes received
 * @cases: case records received
 * @removed: cases that left this user's scope or were deleted
 * @unsent: mutations still waiting in the outbox afterwards
 * @resets: times the server made the client start the feed over
 *
 * What one sync did.
 */
typedef struct
{
  guint  sent;
  guint  applied;
  guint  rejected;
  guint  conflicts;
  guint  pages;
  guint  changes;
  guint  cases;
  guint  removed;
  gint64 unsent;
  guint  resets;
} TbSyncSummary;

#define TB_TYPE_SYNC_ENGINE (tb_sync_engine_get_type ())

G_DECLARE_FINAL_TYPE (TbSyncEngine, tb_sync_engine, TB, SYNC_ENGINE, GObject)

GQuark        tb_sync_error_quark                 (void);
TbSyncEngine *tb_sync_engine_new                  (TbStore              *store,
                                                   const char           *server_url);
TbStore      *tb_sync_engine_get_store            (TbSyncEngine         *self);
const char   *tb_sync_engine_get_server_url       (TbSyncEngine         *self);
TbSyncStatus  tb_sync_engine_get_status           (TbSyncEngine         *self);
const GError *tb_sync_engine_get_last_error       (TbSyncEngine         *self);
const char   *tb_sync_engine_get_user_id          (TbSyncEngine         *self);
gboolean      tb_sync_engine_get_signed_in        (TbSyncEngine         *self);
guint         tb_sync_engine_get_interval         (TbSyncEngine         *self);
void          tb_sync_engine_set_interval         (TbSyncEngine         *self,
                                                   guint                 seconds);
gboolean      tb_sync_engine_get_use_keyring      (TbSyncEngine         *self);
void          tb_sync_engine_set_use_keyring      (TbSyncEngine         *self,
                                                   gboolean              use_keyring);

void          tb_sync_engine_sign_in_async        (TbSyncEngine         *self,
                                                   const char           *login,
                                                   const char           *password,
                                                   GCancellable         *cancellable,
                                                   GAsyncReadyCallback   callback,
                                                   gpointer              user_data);
gboolean      tb_sync_engine_sign_in_finish       (TbSyncEngine         *self,
                                                   GAsyncResult         *result,
                                                   GError              **error);
void          tb_sync_engine_restore_session_async  (TbSyncEngine       *self,
                                                     GCancellable       *cancellable,
                                                     GAsyncReadyCallback callback,
                                                     gpointer            user_data);
gboolean      tb_sync_engine_restore_session_finish (TbSyncEngine       *self,
                                                     GAsyncResult       *result,
                                                     GError            **error);
void          tb_sync_engine_sign_out_async       (TbSyncEngine         *self,
                                                   GCancellable         *cancellable,
                                                   GAsyncReadyCallback   callback,
                                                   gpointer              user_data);
gboolean      tb_sync_engine_sign_out_finish      (TbSyncEngine         *self,
                                                   GAsyncResult         *result,
                                                   GError              **error);
void          tb_sync_engine_sync_async           (TbSyncEngine         *self,
                                                   GCancellable         *cancellable,
                                                   GAsyncReadyCallback   callback,
                                                   gpointer              user_data);
gboolean      tb_sync_engine_sync_finish          (TbSyncEngine         *self,
                                                   GAsyncResult         *result,
                                                   TbSyncSummary        *summary,
                                                   GError              **error);

void          tb_sync_engine_start                (TbSyncEngine         *self);
void          tb_sync_engine_stop                 (TbSyncEngine         *self);
void          tb_sync_engine_sync_soon            (TbSyncEngine         *self);
guint         tb_sync_engine_next_delay           (TbSyncEngine         *self);

G_END_DECLS
