/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-attachment-cache-private.h: what the sync engine asks of the attachment cache */

#pragma once

#include "tb-attachment-cache.h"

G_BEGIN_DECLS

GPtrArray *_tb_attachment_cache_find_pending   (TbAttachmentCache   *self,
                                                GPtrArray           *items);
void       _tb_attachment_cache_upload_async   (TbAttachmentCache   *self,
                                                GPtrArray           *hashes,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
gboolean   _tb_attachment_cache_upload_finish  (TbAttachmentCache   *self,
                                                GAsyncResult        *result,
                                                guint               *n_uploaded,
                                                guint               *n_rejected,
                                                GError             **error);
void       _tb_attachment_cache_clean_pending  (TbAttachmentCache   *self);

G_END_DECLS
