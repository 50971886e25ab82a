/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-sync-log-window.h: the sync log of a store, newest first, with export to a text file */

#pragma once

#include <adwaita.h>

#include "tb-store.h"
#include "tb-sync-engine.h"

G_BEGIN_DECLS

#define TB_TYPE_SYNC_LOG_WINDOW (tb_sync_log_window_get_type ())

G_DECLARE_FINAL_TYPE (TbSyncLogWindow, tb_sync_log_window, TB, SYNC_LOG_WINDOW, AdwWindow)

TbSyncLogWindow *tb_sync_log_window_new           (TbStore          *store,
                                                   TbSyncEngine     *engine);
TbStore         *tb_sync_log_window_get_store     (TbSyncLogWindow  *self);
void             tb_sync_log_window_set_store     (TbSyncLogWindow  *self,
                                                   TbStore          *store);
TbSyncEngine    *tb_sync_log_window_get_engine    (TbSyncLogWindow  *self);
void             tb_sync_log_window_set_engine    (TbSyncLogWindow  *self,
                                                   TbSyncEngine     *engine);
void             tb_sync_log_window_reload        (TbSyncLogWindow  *self);
guint            tb_sync_log_window_get_n_entries (TbSyncLogWindow  *self);
gboolean         tb_sync_log_window_export        (TbSyncLogWindow  *self,
                                                   GFile            *file,
                                                   GError          **error);

G_END_DECLS
