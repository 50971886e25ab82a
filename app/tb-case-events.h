/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-case-events.h: a case's timeline (decisions, comments, assignments), read from the store */

#pragma once

#include <json-glib/json-glib.h>

#include "tb-store.h"

G_BEGIN_DECLS

/**
 * TbCaseEvent:
 * @id: the event's row in the store
 * @case_id: the case
 * @server_id: (nullable): the server's id, %NULL while the event is only local (not yet sent)
 * @kind: "created", "decision", "comment", "assignment" or "fields"
 * @actor_id: (nullable): who did it
 * @at: when (Unix microseconds): the server's time, or this device's for a local event
 * @data: what happened: for a decision `{action, from, to, reason, comment, party}`, for a
 *   comment `{text}`, for an assignment `{from, to}`, for fields `{fields}` (see tb-wire.h)
 *
 * One entry of a case's timeline.
 */
typedef struct
{
  gint64      id;
  char       *case_id;
  char       *server_id;
  char       *kind;
  char       *actor_id;
  gint64      at;
  JsonObject *data;
} TbCaseEvent;

#define TB_TYPE_CASE_EVENT (tb_case_event_get_type ())

GType        tb_case_event_get_type    (void) G_GNUC_CONST;
TbCaseEvent *tb_case_event_copy        (const TbCaseEvent *event);
void         tb_case_event_free        (TbCaseEvent       *event);
gboolean     tb_case_event_is_local    (const TbCaseEvent *event);
const char  *tb_case_event_get_string  (const TbCaseEvent *event,
                                        const char        *member);

GPtrArray   *tb_store_list_case_events (TbStore           *store,
                                        const char        *case_id,
                                        GError           **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TbCaseEvent, tb_case_event_free)

G_END_DECLS
