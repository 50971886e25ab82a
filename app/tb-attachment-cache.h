/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-attachment-cache.h: attached files on this computer: fetched, verified, waiting to upload */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "tb-store.h"
#include "tb-sync-engine.h"

G_BEGIN_DECLS

#define TB_ATTACHMENT_ERROR (tb_attachment_error_quark ())

/* The largest file the central service takes by default: a scanned application of many pages
 * (docs/protocol.md, "Limits"). A server set to take less answers 413, and the changes that name
 * the file are held back. */
#define TB_ATTACHMENT_MAX_SIZE (25 * 1024 * 1024)

/**
 * TB_ATTACHMENT_PROBLEM_REFUSED:
 *
 * The `code` of the problem of a change this computer held back because a file it attaches
 * could not be sent: the server refused the file for good, or it is gone from the cache. The
 * problem's `attachments` lists the file's SHA-256, its `detail` says why, for people. The
 * change is kept as refused (see tb_store_list_conflicts()); sending it again tries the file
 * again.
 */
#define TB_ATTACHMENT_PROBLEM_REFUSED "attachment-refused"

/**
 * TbAttachmentError:
 * @TB_ATTACHMENT_ERROR_OFFLINE: not on this computer, and the server cannot be reached
 * @TB_ATTACHMENT_ERROR_SIGNED_OUT: not on this computer, and there is no session to fetch it
 * @TB_ATTACHMENT_ERROR_NOT_FOUND: the server has no such file, or does not show it to this user
 * @TB_ATTACHMENT_ERROR_FORBIDDEN: the server refuses this user the file
 * @TB_ATTACHMENT_ERROR_MISMATCH: the bytes received are not the file the form names
 * @TB_ATTACHMENT_ERROR_NO_CHECKSUM: the form names a file without its SHA-256: nothing to fetch
 * @TB_ATTACHMENT_ERROR_TOO_LARGE: larger than %TB_ATTACHMENT_MAX_SIZE
 * @TB_ATTACHMENT_ERROR_EMPTY: a file of no bytes, which the server does not take
 * @TB_ATTACHMENT_ERROR_IO: the cache folder cannot be read or written
 * @TB_ATTACHMENT_ERROR_FAILED: the server failed or refused for another reason
 */
typedef enum
{
  TB_ATTACHMENT_ERROR_OFFLINE,
  TB_ATTACHMENT_ERROR_SIGNED_OUT,
  TB_ATTACHMENT_ERROR_NOT_FOUND,
  TB_ATTACHMENT_ERROR_FORBIDDEN,
  TB_ATTACHMENT_ERROR_MISMATCH,
  TB_ATTACHMENT_ERROR_NO_CHECKSUM,
  TB_ATTACHMENT_ERROR_TOO_LARGE,
  TB_ATTACHMENT_ERROR_EMPTY,
  TB_ATTACHMENT_ERROR_IO,
  TB_ATTACHMENT_ERROR_FAILED,
} TbAttachmentError;

#define TB_TYPE_ATTACHMENT_CACHE (tb_attachment_cache_get_type ())

G_DECLARE_FINAL_TYPE (TbAttachmentCache, tb_attachment_cache, TB, ATTACHMENT_CACHE, GObject)

GQuark             tb_attachment_error_quark          (void);
char              *tb_attachment_cache_build_dir      (const char         *store_path);
gboolean           tb_attachment_cache_delete_dir     (const char         *dir,
                                                       GError            **error);
gboolean           tb_attachment_is_sha256            (const char         *text);

TbAttachmentCache *tb_attachment_cache_new            (TbStore            *store,
                                                       TbSyncEngine       *engine);
const char        *tb_attachment_cache_get_dir        (TbAttachmentCache  *self);
TbStore           *tb_attachment_cache_get_store      (TbAttachmentCache  *self);
TbSyncEngine      *tb_attachment_cache_get_engine     (TbAttachmentCache  *self);

GFile             *tb_attachment_cache_lookup         (TbAttachmentCache  *self,
                                                       const char         *sha256);
gboolean           tb_attachment_cache_is_pending     (TbAttachmentCache  *self,
                                                       const char         *sha256);

JsonObject        *tb_attachment_cache_add_file       (TbAttachmentCache  *self,
                                                       GFile              *file,
                                                       GCancellable       *cancellable,
                                                       GError            **error);
void               tb_attachment_cache_add_file_async (TbAttachmentCache  *self,
                                                       GFile              *file,
                                                       GCancellable       *cancellable,
                                                       GAsyncReadyCallback callback,
                                                       gpointer            user_data);
JsonObject        *tb_attachment_cache_add_file_finish (TbAttachmentCache *self,
                                                        GAsyncResult      *result,
                                                        GError           **error);

void               tb_attachment_cache_fetch_async    (TbAttachmentCache  *self,
                                                       const char         *sha256,
                                                       GCancellable       *cancellable,
                                                       GAsyncReadyCallback callback,
                                                       gpointer            user_data);
GFile             *tb_attachment_cache_fetch_finish   (TbAttachmentCache  *self,
                                                       GAsyncResult       *result,
                                                       GError            **error);

GFile             *tb_attachment_cache_make_read_only_copy (TbAttachmentCache *self,
                                                            const char        *sha256,
                                                            const char        *name,
                                                            GError           **error);

G_END_DECLS
