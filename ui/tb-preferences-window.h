/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-preferences-window.h: the account and how often the desk syncs */

#pragma once

#include <adwaita.h>

#include "tb-sync-engine.h"

G_BEGIN_DECLS

#define TB_TYPE_PREFERENCES_WINDOW (tb_preferences_window_get_type ())

G_DECLARE_FINAL_TYPE (TbPreferencesWindow, tb_preferences_window, TB, PREFERENCES_WINDOW,
                      AdwPreferencesWindow)

TbPreferencesWindow *tb_preferences_window_new          (GSettings           *settings,
                                                         TbSyncEngine        *engine);
GSettings           *tb_preferences_window_get_settings (TbPreferencesWindow *self);
TbSyncEngine        *tb_preferences_window_get_engine   (TbPreferencesWindow *self);
void                 tb_preferences_window_set_engine   (TbPreferencesWindow *self,
                                                         TbSyncEngine        *engine);
guint                tb_preferences_window_get_interval (TbPreferencesWindow *self);
void                 tb_preferences_window_set_interval (TbPreferencesWindow *self,
                                                         guint                seconds);

G_END_DECLS
