/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-server-auth.h: users, teams, sessions, sign-in throttling and the session endpoints */

#pragma once

#include <gio/gio.h>
#include <sqlite3.h>

#include "tb-server.h"
#include "tb-server-db.h"
#include "tb-types.h"

G_BEGIN_DECLS

/* The one password of every demo account (`tongban-server --demo`). */
#define TB_SERVER_DEMO_PASSWORD "tongban-demo"

/* Set to "min" for the cheapest Argon2id parameters (tests only): hashing with the interactive
 * ones takes 64 MiB and a noticeable fraction of a second. */
#define TB_SERVER_PWHASH_ENV "TB_SERVER_PWHASH"

/* Sign-in throttling: after this many failures of one login (or from one address) within
 * %TB_SERVER_THROTTLE_WINDOW seconds, sign-ins are answered 429 for a time that doubles with
 * each further attempt, from %TB_SERVER_THROTTLE_BASE up to %TB_SERVER_THROTTLE_MAX seconds. */
#define TB_SERVER_THROTTLE_LOGIN_FAILURES   5
#define TB_SERVER_THROTTLE_ADDRESS_FAILURES 20
#define TB_SERVER_THROTTLE_WINDOW           (15 * 60)
#define TB_SERVER_THROTTLE_BASE             15
#define TB_SERVER_THROTTLE_MAX              (15 * 60)

typedef struct _TbServerAuth TbServerAuth;

TbServerAuth   *tb_server_auth_new             (GError              **error);
void            tb_server_auth_free            (TbServerAuth         *auth);
void            tb_server_auth_register_routes (TbServer             *server);
TbServerCaller *tb_server_auth_authenticate    (TbServer             *server,
                                                const char           *token,
                                                GError              **error);

char           *tb_server_auth_hash_password   (const char           *password,
                                                GError              **error);
gboolean        tb_server_auth_add_team        (sqlite3              *db,
                                                const char           *id,
                                                const char           *name,
                                                GError              **error);
gboolean        tb_server_auth_add_user        (sqlite3              *db,
                                                const char           *id,
                                                const char           *login,
                                                const char           *display_name,
                                                TbRole                roles,
                                                const char * const   *team_ids,
                                                const char           *password,
                                                GError              **error);
gboolean        tb_server_auth_seed_demo       (sqlite3              *db,
                                                const char           *password,
                                                GError              **error);

/* Implemented in tb-server.c: the auth state of a server. */
TbServerAuth   *tb_server_get_auth             (TbServer             *self);
void            tb_server_request_set_log_user (TbServerRequest      *req,
                                                const char           *user_id);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TbServerAuth, tb_server_auth_free)

G_END_DECLS
