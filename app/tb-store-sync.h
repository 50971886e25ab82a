/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-store-sync.h: what the store keeps of the sync: its place in the feed, conflicts, the log */

#pragma once

#include "tb-store.h"

G_BEGIN_DECLS

/**
 * TbSyncInfo:
 * @client_id: this store's id towards the server
 * @cursor: (nullable): where the next pull starts; %NULL before the first complete page
 * @last_mutation_id: the highest mutation id the server has acknowledged
 * @clock_skew_usec: the server's clock minus this machine's, at the last pull
 * @last_sync_at: when the last sync completed (Unix microseconds), 0 if never
 * @n_unsent: mutations waiting in the outbox
 * @n_conflicts: conflicts and rejections not yet resolved
 *
 * The state of the sync, as kept in the store.
 */
typedef struct
{
  char   *client_id;
  char   *cursor;
  gint64  last_mutation_id;
  gint64  clock_skew_usec;
  gint64  last_sync_at;
  gint64  n_unsent;
  gint64  n_conflicts;
} TbSyncInfo;

/**
 * TbConflict:
 * @id: the conflict's id in the store
 * @case_id: the case
 * @case_ref: (nullable): its reference, %NULL if the case is no longer in the store
 * @rejected: %TRUE when the server refused the change for good (see @problem_json), %FALSE for
 *   a conflict with a newer server version (see @theirs_json)
 * @mutation_name: the change that failed ("case.decide", …)
 * @mutation_args_json: its arguments, a JSON object
 * @base_json: the server's values of the changed fields when the change was made
 * @mine_json: the local values of those fields
 * @theirs_json: the server's record as it is now, a JSON object, or "null" for a rejection
 * @problem_json: (nullable): the server's problem object
 * @reason: (nullable): the server's explanation, for people
 * @created_at: when it happened (Unix microseconds)
 *
 * A local change the server did not take, kept until the user resolves it.
 */
typedef struct
{
  gint64  id;
  char   *case_id;
  char   *case_ref;
  gboolean rejected;
  char   *mutation_name;
  char   *mutation_args_json;
  char   *base_json;
  char   *mine_json;
  char   *theirs_json;
  char   *problem_json;
  char   *reason;
  gint64  created_at;
} TbConflict;

/**
 * TbSyncLogEntry:
 * @at: when (Unix microseconds)
 * @level: "info", "warning" or "error"
 * @message: what happened, translated
 */
typedef struct
{
  gint64  at;
  char   *level;
  char   *message;
} TbSyncLogEntry;

void       tb_sync_info_clear        (TbSyncInfo     *info);
void       tb_conflict_free          (TbConflict     *conflict);
void       tb_sync_log_entry_free    (TbSyncLogEntry *entry);

gboolean   tb_store_get_sync_info    (TbStore        *self,
                                      TbSyncInfo     *info,
                                      GError        **error);
GPtrArray *tb_store_list_conflicts   (TbStore        *self,
                                      const char     *case_id,
                                      GError        **error);
gboolean   tb_store_resolve_conflict (TbStore        *self,
                                      gint64          conflict_id,
                                      GError        **error);
gboolean   tb_store_add_sync_log     (TbStore        *self,
                                      const char     *level,
                                      const char     *message,
                                      GError        **error);
GPtrArray *tb_store_list_sync_log    (TbStore        *self,
                                      guint           limit,
                                      GError        **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TbConflict, tb_conflict_free)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (TbSyncInfo, tb_sync_info_clear)

G_END_DECLS
