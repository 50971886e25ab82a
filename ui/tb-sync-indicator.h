/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-sync-indicator.h: the header-bar button that says how the sync stands, and its popover */

#pragma once

#include <adwaita.h>

#include "tb-store.h"
#include "tb-sync-engine.h"

G_BEGIN_DECLS

#define TB_TYPE_SYNC_INDICATOR (tb_sync_indicator_get_type ())

G_DECLARE_FINAL_TYPE (TbSyncIndicator, tb_sync_indicator, TB, SYNC_INDICATOR, AdwBin)

GtkWidget    *tb_sync_indicator_new          (void);
TbSyncEngine *tb_sync_indicator_get_engine   (TbSyncIndicator *self);
void          tb_sync_indicator_set_engine   (TbSyncIndicator *self,
                                              TbSyncEngine    *engine);
TbStore      *tb_sync_indicator_get_store    (TbSyncIndicator *self);
void          tb_sync_indicator_set_store    (TbSyncIndicator *self,
                                              TbStore         *store);
const char   *tb_sync_indicator_get_state    (TbSyncIndicator *self);
gint64        tb_sync_indicator_get_n_unsent (TbSyncIndicator *self);

G_END_DECLS
