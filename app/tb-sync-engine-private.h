/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-sync-engine-private.h: knobs of the sync engine for tests, its session for attachments */

#pragma once

#include "tb-sync-engine.h"

G_BEGIN_DECLS

void    _tb_sync_engine_set_push_batch (TbSyncEngine        *self,
                                        guint                batch);

void    _tb_sync_engine_send_async     (TbSyncEngine        *self,
                                        const char          *method,
                                        const char          *path,
                                        GFile               *body,
                                        const char          *content_type,
                                        const char          *idempotency_key,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data);
GBytes *_tb_sync_engine_send_finish    (TbSyncEngine        *self,
                                        GAsyncResult        *result,
                                        guint               *status,
                                        JsonObject         **problem,
                                        GError             **error);

G_END_DECLS
