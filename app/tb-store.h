/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-store.h: the local SQLite case store, one per (server, user) */

#pragma once

#include <gio/gio.h>

#include "tb-calendar.h"
#include "tb-case.h"
#include "tb-types.h"

G_BEGIN_DECLS

#define TB_STORE_ERROR (tb_store_error_quark ())

/**
 * TbStoreError:
 * @TB_STORE_ERROR_NEWER_VERSION: the file was written by a newer Tongban; it is left untouched
 * @TB_STORE_ERROR_FOREIGN: the file is not a Tongban database; it is left untouched
 * @TB_STORE_ERROR_CORRUPT: the file is damaged
 * @TB_STORE_ERROR_IO: the file could not be read or written
 * @TB_STORE_ERROR_FULL: the disk is full; nothing was written
 * @TB_STORE_ERROR_NOT_FOUND: no such record
 * @TB_STORE_ERROR_INVALID: the data handed in is not valid
 * @TB_STORE_ERROR_FAILED: any other SQLite failure
 */
typedef enum
{
  TB_STORE_ERROR_NEWER_VERSION,
  TB_STORE_ERROR_FOREIGN,
  TB_STORE_ERROR_CORRUPT,
  TB_STORE_ERROR_IO,
  TB_STORE_ERROR_FULL,
  TB_STORE_ERROR_NOT_FOUND,
  TB_STORE_ERROR_INVALID,
  TB_STORE_ERROR_FAILED,
} TbStoreError;

/* "TBAN" read as a big-endian 32-bit integer: PRAGMA application_id of every Tongban store. */
#define TB_STORE_APPLICATION_ID 0x5442414e

/**
 * TbCaseChange:
 * @old_case: (nullable): the case before the change, %NULL for a new case
 * @new_case: (nullable): the case after the change, %NULL for a deleted case
 *
 * One changed case, as carried by #TbStore::cases-changed.
 */
typedef struct
{
  TbCase *old_case;
  TbCase *new_case;
} TbCaseChange;

#define TB_TYPE_STORE (tb_store_get_type ())

G_DECLARE_FINAL_TYPE (TbStore, tb_store, TB, STORE, GObject)

GQuark      tb_store_error_quark          (void);
int         tb_store_get_latest_version   (void);
char       *tb_store_build_path           (const char  *server_url,
                                           const char  *user_login);
TbStore    *tb_store_open                 (const char  *path,
                                           GError     **error);
const char *tb_store_get_path             (TbStore     *self);
int         tb_store_get_schema_version   (TbStore     *self);

gboolean    tb_store_begin                (TbStore     *self,
                                           GError     **error);
gboolean    tb_store_commit               (TbStore     *self,
                                           GError     **error);
void        tb_store_rollback             (TbStore     *self);

gboolean    tb_store_put_cases            (TbStore            *self,
                                           const TbCaseRecord *records,
                                           guint               n_records,
                                           GError            **error);
TbCase     *tb_store_get_case             (TbStore     *self,
                                           const char  *id,
                                           GError     **error);
TbCase     *tb_store_find_case_by_ref     (TbStore     *self,
                                           const char  *ref,
                                           GError     **error);
gint64      tb_store_count_cases          (TbStore     *self,
                                           GError     **error);
GPtrArray  *tb_store_search_case_ids      (TbStore     *self,
                                           const char  *text,
                                           guint        limit,
                                           GError     **error);

gboolean    tb_store_put_service          (TbStore     *self,
                                           const char  *id,
                                           const char  *definition_json,
                                           GError     **error);
TbService  *tb_store_get_service          (TbStore     *self,
                                           const char  *id,
                                           GError     **error);
GPtrArray  *tb_store_list_services        (TbStore     *self,
                                           GError     **error);
gboolean    tb_store_put_workflow         (TbStore     *self,
                                           const char  *id,
                                           const char  *definition_json,
                                           GError     **error);
TbWorkflow *tb_store_get_workflow         (TbStore     *self,
                                           const char  *id,
                                           GError     **error);

gboolean    tb_store_put_calendar         (TbStore     *self,
                                           TbCalendar  *calendar,
                                           GError     **error);
TbCalendar *tb_store_load_calendar        (TbStore     *self,
                                           GError     **error);

gboolean    tb_store_put_team             (TbStore     *self,
                                           const char  *id,
                                           const char  *name,
                                           GError     **error);
gboolean    tb_store_put_user             (TbStore            *self,
                                           const char         *id,
                                           const char         *login,
                                           const char         *display_name,
                                           TbRole              roles,
                                           const char * const *team_ids,
                                           GError            **error);
char       *tb_store_dup_user_name        (TbStore     *self,
                                           const char  *id);
char       *tb_store_dup_team_name        (TbStore     *self,
                                           const char  *id);
gboolean    tb_store_get_user_access      (TbStore     *self,
                                           const char  *id,
                                           TbRole      *roles,
                                           GStrv       *team_ids,
                                           GError     **error);

char       *tb_store_dup_meta             (TbStore     *self,
                                           const char  *key);
gboolean    tb_store_set_meta             (TbStore     *self,
                                           const char  *key,
                                           const char  *value,
                                           GError     **error);

G_END_DECLS
