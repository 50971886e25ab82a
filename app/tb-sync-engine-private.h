/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-sync-engine-private.h: knobs of the sync engine for tests */

#pragma once

#include "tb-sync-engine.h"

G_BEGIN_DECLS

void _tb_sync_engine_set_push_batch (TbSyncEngine *self,
                                     guint         batch);

G_END_DECLS
