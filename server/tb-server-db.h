/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-server-db.h: the reference server's SQLite database */

#pragma once

#include <gio/gio.h>
#include <sqlite3.h>

#include "tb-types.h"

G_BEGIN_DECLS

/* "TBSV": PRAGMA application_id of the reference server's database. */
#define TB_SERVER_DB_APPLICATION_ID 0x54425356

/**
 * TbServerCaller:
 * @user_id: the signed-in user
 * @roles: their roles
 * @team_ids: (array zero-terminated=1): their teams
 * @session_id: the session the request came with
 *
 * Who is asking: every endpoint decides from this what the caller may see and do.
 */
typedef struct
{
  char   *user_id;
  TbRole  roles;
  char  **team_ids;
  char   *session_id;
} TbServerCaller;

void     tb_server_caller_free       (TbServerCaller *caller);
gboolean tb_server_caller_in_team    (const TbServerCaller *caller,
                                      const char           *team_id);

sqlite3 *tb_server_db_open           (const char  *path,
                                      GError     **error);
int      tb_server_db_latest_version (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TbServerCaller, tb_server_caller_free)

G_END_DECLS
