/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-application.h: the desk application: command line, session, actions, windows */

#pragma once

#include <adwaita.h>

#include "tb-sign-in-window.h"
#include "tb-window.h"

G_BEGIN_DECLS

#define TB_TYPE_APPLICATION (tb_application_get_type ())

G_DECLARE_FINAL_TYPE (TbApplication, tb_application, TB, APPLICATION, AdwApplication)

TbApplication  *tb_application_new             (void);
const char     *tb_application_get_server_url  (TbApplication  *self);
gboolean        tb_application_get_use_keyring (TbApplication  *self);
void            tb_application_set_use_keyring (TbApplication  *self,
                                                gboolean        use_keyring);
GSettings      *tb_application_get_settings    (TbApplication  *self);
TbSyncEngine   *tb_application_get_engine      (TbApplication  *self);
TbStore        *tb_application_get_store       (TbApplication  *self);
TbWindow       *tb_application_get_window      (TbApplication  *self);
TbWindow       *tb_application_open_store      (TbApplication  *self,
                                                const char     *path);
TbWindow       *tb_application_open_session    (TbApplication  *self,
                                                TbSyncEngine   *engine);
TbSignInWindow *tb_application_show_sign_in    (TbApplication  *self);
void            tb_application_sign_out        (TbApplication  *self);

G_END_DECLS
