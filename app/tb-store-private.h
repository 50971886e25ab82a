/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-store-private.h: for the parts of libtongban that run their own SQL on the store */

#pragma once

#include <sqlite3.h>

#include <json-glib/json-glib.h>

#include "tb-store.h"
#include "tb-wire.h"

G_BEGIN_DECLS

sqlite3      *_tb_store_get_db     (TbStore     *self);
sqlite3_stmt *_tb_store_query      (TbStore     *self,
                                    const char  *name,
                                    GError     **error);
sqlite3_stmt *_tb_store_prepare    (TbStore     *self,
                                    const char  *sql,
                                    GError     **error);
void          _tb_store_bind_text  (sqlite3_stmt *stmt,
                                    int          column,
                                    const char  *text);
gboolean      _tb_store_step_done  (TbStore     *self,
                                    sqlite3_stmt *stmt,
                                    GError     **error);
gboolean      _tb_store_run_text   (TbStore     *self,
                                    const char  *query,
                                    const char  *text,
                                    GError     **error);
gboolean      _tb_store_query_int  (TbStore     *self,
                                    const char  *query,
                                    const char  *text,
                                    gint64      *out,
                                    GError     **error);
gboolean      _tb_store_set_error  (TbStore     *self,
                                    int          rc,
                                    GError     **error);
void          _tb_store_format_day (TbDay        day,
                                    char         buf[11]);
void          _tb_store_read_matches_async  (TbStore             *self,
                                             const char          *fts_query,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
GArray       *_tb_store_read_matches_finish (TbStore             *self,
                                             GAsyncResult        *result,
                                             GError             **error);
gboolean      _tb_store_start_initial_load  (TbStore     *self,
                                             GError     **error);
gboolean      _tb_store_finish_initial_load (TbStore     *self,
                                             GError     **error);

/**
 * TbLocalUndo:
 * @mutation_id: the action's outbox mutation (later undos of earlier actions lower it)
 * @case_id: the case acted on
 * @mutation_name: the mutation, to recognise its outbox row
 * @mutation_args: its arguments as written, likewise
 * @event_id: the action's timeline entry
 * @before: (nullable): the case before the action; %NULL for a case the action registered
 * @after: the case right after it, to tell whether anything changed it since
 * @had_overlay: the case had an overlay before the action, as in the following members
 * @overlay_base: its server values
 * @overlay_local: its local values
 * @overlay_base_version: the server version they were taken on
 * @overlay_updated_at: when it was last written
 * @overlay_applied_version: the version the server answered its changes with, 0 if none yet
 *
 * What undoing one local action needs, filled in by _tb_store_record_local_action() when
 * asked to (see #TbLocalAction's @undo) and used by _tb_store_undo_local_action().
 */
typedef struct
{
  gint64    mutation_id;
  char     *case_id;
  char     *mutation_name;
  char     *mutation_args;
  gint64    event_id;
  TbCase   *before;
  TbCase   *after;
  gboolean  had_overlay;
  char     *overlay_base;
  char     *overlay_local;
  gint64    overlay_base_version;
  gint64    overlay_updated_at;
  gint64    overlay_applied_version;
} TbLocalUndo;

void          _tb_local_undo_free           (TbLocalUndo         *undo);

/**
 * TbLocalAction:
 * @case_id: the case acted on
 * @after: (nullable): the case's values after the action; %NULL for one that changes none
 * @changed: (array zero-terminated=1) (nullable): the columns of `cases` it changes
 * @is_new: the case is created by the action (registered at the counter)
 * @mutation_name: the outbox mutation ("case.decide", …)
 * @mutation_args: (transfer none): its arguments, a JSON object
 * @base_version: the server version the action was taken on
 * @actor_id: who acted
 * @audit_action: what the audit trail calls it
 * @event_kind: the timeline entry's kind
 * @event_data: (transfer none): the timeline entry's data, a JSON object
 * @undo: (out caller-allocates) (optional): where to keep what undoing the action needs
 *
 * One user action, written with its outbox mutation, audit entry and timeline entry in one
 * transaction (see _tb_store_record_local_action()).
 */
typedef struct
{
  const char          *case_id;
  const TbCaseRecord  *after;
  const char * const  *changed;
  gboolean             is_new;
  const char          *mutation_name;
  JsonNode            *mutation_args;
  gint64               base_version;
  const char          *actor_id;
  const char          *audit_action;
  const char          *event_kind;
  JsonNode            *event_data;
  TbLocalUndo         *undo;
} TbLocalAction;

gint64        _tb_store_record_local_action (TbStore             *self,
                                             const TbLocalAction *action,
                                             GError             **error);
gboolean      _tb_store_undo_local_action   (TbStore             *self,
                                             TbLocalUndo         *undo,
                                             const char          *actor_id,
                                             GError             **error);
gboolean      _tb_store_can_undo_local_action (TbStore           *self,
                                             TbLocalUndo         *undo);
gboolean      _tb_store_write_audit         (TbStore             *self,
                                             const char          *actor_id,
                                             const char          *audit_action,
                                             const char          *case_id,
                                             const char          *detail,
                                             gint64               now,
                                             GError             **error);

typedef gboolean (*TbStoreTxFunc) (TbStore *self, gconstpointer data, guint n, GError **error);

gboolean      _tb_store_run_in_transaction  (TbStore             *self,
                                             TbStoreTxFunc        func,
                                             gconstpointer        data,
                                             guint                n,
                                             GError             **error);
void          _tb_store_note_case_changed   (TbStore             *self,
                                             const char          *case_id,
                                             TbCase              *old_case);
TbCase       *_tb_store_get_case_if_tracked (TbStore             *self,
                                             const char          *case_id);

/**
 * TbOutboxItem:
 * @id: the mutation id
 * @name: the mutation ("case.decide", …)
 * @args_json: its arguments, a JSON object
 * @base_versions_json: the versions it was made on, `{"case:<id>": n}`
 * @case_id: (nullable): the case it acts on
 * @device_time: when it was made on this device (Unix microseconds)
 *
 * One queued mutation, as the sync engine sends it.
 */
typedef struct
{
  gint64  id;
  char   *name;
  char   *args_json;
  char   *base_versions_json;
  char   *case_id;
  gint64  device_time;
} TbOutboxItem;

/* What one push answer or pull page did, for the sync engine's summary and progress. */
typedef struct
{
  guint    applied;
  guint    rejected;
  guint    conflicts;
  gint64   last_mutation_id;
} TbPushCounts;

typedef struct
{
  guint    changes;
  guint    cases;
  guint    removed;
  gboolean has_more;
  gint64   last_mutation_id;
  gint64   server_time;
} TbPullCounts;

void          _tb_outbox_item_free          (TbOutboxItem        *item);
char         *_tb_store_ensure_client_id    (TbStore             *self,
                                             GError             **error);
GPtrArray    *_tb_store_outbox_next         (TbStore             *self,
                                             guint                limit,
                                             GError             **error);
gboolean      _tb_store_outbox_set_sending  (TbStore             *self,
                                             gint64               first_id,
                                             gint64               last_id,
                                             gboolean             sending,
                                             GError             **error);
gboolean      _tb_store_apply_push          (TbStore             *self,
                                             JsonObject          *reply,
                                             TbPushCounts        *counts,
                                             GError             **error);
gboolean      _tb_store_apply_pull          (TbStore             *self,
                                             TbWirePage          *page,
                                             gint64               local_time,
                                             TbPullCounts        *counts,
                                             GError             **error);
gboolean      _tb_store_outbox_reject_unsent (TbStore            *self,
                                             const char          *sha256,
                                             JsonObject          *problem,
                                             guint               *n_rejected,
                                             GError             **error);
gboolean      _tb_store_reset_sync          (TbStore             *self,
                                             GError             **error);
gboolean      _tb_store_set_last_sync       (TbStore             *self,
                                             gint64               at,
                                             GError             **error);

G_END_DECLS
