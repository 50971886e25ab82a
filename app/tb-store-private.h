/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-store-private.h: for the parts of libtongban that run their own SQL on the store */

#pragma once

#include <sqlite3.h>

#include "tb-store.h"

G_BEGIN_DECLS

sqlite3      *_tb_store_get_db     (TbStore     *self);
sqlite3_stmt *_tb_store_query      (TbStore     *self,
                                    const char  *name,
                                    GError     **error);
sqlite3_stmt *_tb_store_prepare    (TbStore     *self,
                                    const char  *sql,
                                    GError     **error);
gboolean      _tb_store_set_error  (TbStore     *self,
                                    int          rc,
                                    GError     **error);
void          _tb_store_format_day (TbDay        day,
                                    char         buf[11]);

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
} TbLocalAction;

gint64        _tb_store_record_local_action (TbStore             *self,
                                             const TbLocalAction *action,
                                             GError             **error);

G_END_DECLS
