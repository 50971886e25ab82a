/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-application.h: the desk application: command line, actions, windows */

#pragma once

#include <adwaita.h>

#include "tb-window.h"

G_BEGIN_DECLS

#define TB_TYPE_APPLICATION (tb_application_get_type ())

G_DECLARE_FINAL_TYPE (TbApplication, tb_application, TB, APPLICATION, AdwApplication)

TbApplication *tb_application_new            (void);
const char    *tb_application_get_server_url (TbApplication *self);
TbWindow      *tb_application_open_store     (TbApplication *self,
                                              const char    *path);

G_END_DECLS
