/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-server-sync.h: the reference server's sync engine and case endpoints */

#pragma once

#include <json-glib/json-glib.h>
#include <sqlite3.h>

#include "tb-calendar.h"
#include "tb-server-db.h"
#include "tb-server.h"

G_BEGIN_DECLS

/* Bounds of docs/protocol.md. */
#define TB_SERVER_SYNC_MAX_MUTATIONS  1000
/* A pull page: by default, and the most and least a client may ask for (`limit`, `max_bytes`). */
#define TB_SERVER_SYNC_PAGE_CHANGES      500
#define TB_SERVER_SYNC_PAGE_BYTES        (1000 * 1000)
#define TB_SERVER_SYNC_MAX_PAGE_CHANGES  10000
#define TB_SERVER_SYNC_MIN_PAGE_BYTES    (64 * 1024)
#define TB_SERVER_SYNC_MAX_PAGE_BYTES    (16 * 1000 * 1000)
#define TB_SERVER_SYNC_AUDIT_PAGE     500
#define TB_SERVER_SYNC_MAX_FIELDS     200

/* How long the change feed keeps what a pull needs to bring a desk up to date (removals and
 * deletions): a cursor older than that resets. */
#define TB_SERVER_SYNC_DEFAULT_RETENTION (30 * 24 * 60 * 60)

JsonNode *tb_server_sync_push           (sqlite3               *db,
                                         const TbServerCaller  *caller,
                                         JsonObject            *body,
                                         GError               **error);
void      tb_server_sync_forget         (sqlite3               *db);
GBytes   *tb_server_sync_pull_bytes     (sqlite3               *db,
                                         const TbServerCaller  *caller,
                                         JsonObject            *body,
                                         GError               **error);
JsonNode *tb_server_sync_pull           (sqlite3               *db,
                                         const TbServerCaller  *caller,
                                         JsonObject            *body,
                                         GError               **error);
JsonNode *tb_server_sync_get_case       (sqlite3               *db,
                                         const TbServerCaller  *caller,
                                         const char            *case_id,
                                         gint64                *version,
                                         GError               **error);
JsonNode *tb_server_sync_put_attachment (sqlite3               *db,
                                         const TbServerCaller  *caller,
                                         const char            *idempotency_key,
                                         const char            *content_type,
                                         GBytes                *bytes,
                                         GError               **error);
GBytes   *tb_server_sync_get_attachment (sqlite3               *db,
                                         const TbServerCaller  *caller,
                                         const char            *sha256,
                                         char                 **content_type,
                                         GError               **error);
JsonNode *tb_server_sync_list_audit     (sqlite3               *db,
                                         const TbServerCaller  *caller,
                                         gint64                 after,
                                         guint                  limit,
                                         GError               **error);

gboolean  tb_server_sync_prune          (sqlite3               *db,
                                         gint64                 keep_seconds,
                                         GError               **error);
gboolean  tb_server_sync_seed_reference (sqlite3               *db,
                                         GError               **error);
gboolean  tb_server_sync_seed_demo      (sqlite3               *db,
                                         guint                  n_cases,
                                         guint64                seed,
                                         TbDay                  today,
                                         GError               **error);
void      tb_server_sync_set_today      (TbDay                  today);
void      tb_server_sync_set_retention  (gint64                 seconds);

void      tb_server_sync_register_routes (TbServer             *server);

G_END_DECLS
