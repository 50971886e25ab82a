/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-window.h: the main window of the desk: the case inbox */

#pragma once

#include <adwaita.h>

#include "tb-store.h"
#include "tb-sync-engine.h"

G_BEGIN_DECLS

#define TB_TYPE_WINDOW (tb_window_get_type ())

G_DECLARE_FINAL_TYPE (TbWindow, tb_window, TB, WINDOW, AdwApplicationWindow)

TbWindow   *tb_window_new              (GtkApplication *application,
                                        TbStore        *store,
                                        GSettings      *settings);
TbStore    *tb_window_get_store        (TbWindow       *self);
void        tb_window_set_store        (TbWindow       *self,
                                        TbStore        *store);
TbSyncEngine *tb_window_get_engine     (TbWindow       *self);
void        tb_window_set_engine       (TbWindow       *self,
                                        TbSyncEngine   *engine);
GSettings  *tb_window_get_settings     (TbWindow       *self);
guint       tb_window_get_n_cases      (TbWindow       *self);
GListModel *tb_window_get_cases        (TbWindow       *self);
GtkSelectionModel *
            tb_window_get_selection    (TbWindow       *self);
void        tb_window_show_store_error (TbWindow       *self,
                                        const GError   *error);

G_END_DECLS
