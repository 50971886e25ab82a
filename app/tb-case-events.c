/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-case-events.c: a case's timeline (decisions, comments, assignments), read from the store */

#include "config.h"

#include "tb-case-events.h"
#include "tb-store-private.h"

/*
 * The `events` table holds the server's timeline of each case (replaced with every pulled
 * version) and, on top, the entries of local actions not yet answered, without a server id.
 * Both are read here in the order they happened.
 */

G_DEFINE_BOXED_TYPE (TbCaseEvent, tb_case_event, tb_case_event_copy, tb_case_event_free)

/**
 * tb_case_event_copy:
 * @event: an event
 *
 * Returns: (transfer full): a copy of @event
 */
TbCaseEvent *
tb_case_event_copy (const TbCaseEvent *event)
{
  TbCaseEvent *copy;

  g_return_val_if_fail (event != NULL, NULL);

  copy = g_new0 (TbCaseEvent, 1);
  copy->id = event->id;
  copy->case_id = g_strdup (event->case_id);
  copy->server_id = g_strdup (event->server_id);
  copy->kind = g_strdup (event->kind);
  copy->actor_id = g_strdup (event->actor_id);
  copy->at = event->at;
  copy->data = event->data != NULL ? json_object_ref (event->data) : NULL;
  return copy;
}

/**
 * tb_case_event_free:
 * @event: (transfer full) (nullable): an event
 *
 * Frees @event.
 */
void
tb_case_event_free (TbCaseEvent *event)
{
  if (event == NULL)
    return;

  g_free (event->case_id);
  g_free (event->server_id);
  g_free (event->kind);
  g_free (event->actor_id);
  g_clear_pointer (&event->data, json_object_unref);
  g_free (event);
}

/**
 * tb_case_event_is_local:
 * @event: an event
 *
 * Returns: %TRUE if the event is of a local action the server has not answered yet
 */
gboolean
tb_case_event_is_local (const TbCaseEvent *event)
{
  g_return_val_if_fail (event != NULL, FALSE);

  return event->server_id == NULL;
}

/**
 * tb_case_event_get_string:
 * @event: an event
 * @member: a member of its data ("text", "action", "reason", …)
 *
 * Returns: (nullable): the member's text, or %NULL if it is missing, null or not a string
 */
const char *
tb_case_event_get_string (const TbCaseEvent *event,
                          const char        *member)
{
  JsonNode *node;

  g_return_val_if_fail (event != NULL, NULL);
  g_return_val_if_fail (member != NULL, NULL);

  if (event->data == NULL || !(node = json_object_get_member (event->data, member))
      || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static JsonObject *
parse_data (const char *text)
{
  g_autoptr(JsonNode) node = text != NULL ? json_from_string (text, NULL) : NULL;

  /* The column is checked to be JSON; anything but an object reads as no data. */
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return json_object_new ();
  return json_object_ref (json_node_get_object (node));
}

/**
 * tb_store_list_case_events:
 * @store: a store
 * @case_id: a case
 * @error: return location for an error
 *
 * Reads the timeline of a case, oldest first; entries of the same moment keep the order they
 * were written in.
 *
 * Returns: (transfer full) (element-type TbCaseEvent): the events (empty for an unknown case),
 *   or %NULL with @error set
 */
GPtrArray *
tb_store_list_case_events (TbStore     *store,
                           const char  *case_id,
                           GError     **error)
{
  g_autoptr(GPtrArray) events = NULL;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (TB_IS_STORE (store), NULL);
  g_return_val_if_fail (case_id != NULL, NULL);

  stmt = _tb_store_query (store, "events-list-case", error);
  if (stmt == NULL)
    return NULL;

  events = g_ptr_array_new_with_free_func ((GDestroyNotify) tb_case_event_free);
  _tb_store_bind_text (stmt, 1, case_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      TbCaseEvent *event = g_new0 (TbCaseEvent, 1);

      event->id = sqlite3_column_int64 (stmt, 0);
      event->case_id = g_strdup (case_id);
      event->server_id = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
      event->kind = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
      event->actor_id = g_strdup ((const char *) sqlite3_column_text (stmt, 3));
      event->at = sqlite3_column_int64 (stmt, 4);
      event->data = parse_data ((const char *) sqlite3_column_text (stmt, 5));
      g_ptr_array_add (events, event);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _tb_store_set_error (store, rc, error);
      return NULL;
    }

  return g_steal_pointer (&events);
}
