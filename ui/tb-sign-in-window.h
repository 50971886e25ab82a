/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-sign-in-window.h: signing in to a central service, and the first sync of the account */

#pragma once

#include <adwaita.h>

#include "tb-sync-engine.h"

G_BEGIN_DECLS

#define TB_TYPE_SIGN_IN_WINDOW (tb_sign_in_window_get_type ())

G_DECLARE_FINAL_TYPE (TbSignInWindow, tb_sign_in_window, TB, SIGN_IN_WINDOW, AdwApplicationWindow)

TbSignInWindow *tb_sign_in_window_new                   (GtkApplication *application);
TbSignInWindow *tb_sign_in_window_new_for_engine        (GtkApplication *application,
                                                         TbSyncEngine   *engine);
TbSyncEngine   *tb_sign_in_window_get_engine            (TbSignInWindow *self);
const char     *tb_sign_in_window_get_server_url        (TbSignInWindow *self);
void            tb_sign_in_window_set_server_url        (TbSignInWindow *self,
                                                         const char     *server_url);
const char     *tb_sign_in_window_get_login             (TbSignInWindow *self);
void            tb_sign_in_window_set_login             (TbSignInWindow *self,
                                                         const char     *login);
const char     *tb_sign_in_window_get_store_path        (TbSignInWindow *self);
void            tb_sign_in_window_set_store_path        (TbSignInWindow *self,
                                                         const char     *path);
gboolean        tb_sign_in_window_get_use_keyring       (TbSignInWindow *self);
void            tb_sign_in_window_set_use_keyring       (TbSignInWindow *self,
                                                         gboolean        use_keyring);
gboolean        tb_sign_in_window_get_busy              (TbSignInWindow *self);
const char     *tb_sign_in_window_get_error             (TbSignInWindow *self);
gboolean        tb_sign_in_window_get_can_work_offline  (TbSignInWindow *self);
void            tb_sign_in_window_sign_in               (TbSignInWindow *self,
                                                         const char     *password);
char           *tb_sign_in_window_dup_store_path        (TbSignInWindow *self);

G_END_DECLS
