/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-store-undo.c: taking back a local action the server has not seen yet */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "tb-case-service.h"
#include "tb-json-private.h"
#include "tb-store-private.h"

/*
 * A local action is written as the case's new values (the server's kept in the overlay), an
 * outbox mutation, an audit entry and a timeline entry. Undoing it, while the mutation has
 * never left this device, puts the case and its overlay back exactly as they were, drops the
 * mutation and the timeline entry, and closes the gap in the mutation ids (the server stops at
 * a gap). The audit trail is never rewritten: the undo is one more entry in it.
 *
 * Only the newest action on a case can be undone (later ones were made on top of it), and only
 * if nothing else (a pull, say) changed the case since.
 */

/**
 * _tb_local_undo_free:
 * @undo: (transfer full) (nullable): what _tb_store_record_local_action() kept
 *
 * Frees @undo.
 */
void
_tb_local_undo_free (TbLocalUndo *undo)
{
  if (undo == NULL)
    return;

  g_free (undo->case_id);
  g_free (undo->mutation_name);
  g_free (undo->mutation_args);
  g_clear_object (&undo->before);
  g_clear_object (&undo->after);
  g_free (undo->overlay_base);
  g_free (undo->overlay_local);
  g_free (undo);
}

static gboolean
run_int (TbStore     *self,
         const char  *query,
         gint64       value,
         GError     **error)
{
  sqlite3_stmt *stmt = _tb_store_query (self, query, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, value);
  return _tb_store_step_done (self, stmt, error);
}

/* The values a user sees, leaving out the sync state: the undone action's own unsent state,
 * or an earlier action being sent, is no change of the case. */
static gboolean
same_values (TbCase *a,
             TbCase *b)
{
  TbCaseRecord ra, rb;

  tb_case_to_record (a, &ra);
  tb_case_to_record (b, &rb);
  return g_strcmp0 (ra.id, rb.id) == 0
      && g_strcmp0 (ra.ref, rb.ref) == 0
      && g_strcmp0 (ra.service_id, rb.service_id) == 0
      && g_strcmp0 (ra.state, rb.state) == 0
      && g_strcmp0 (ra.assignee_id, rb.assignee_id) == 0
      && g_strcmp0 (ra.team_id, rb.team_id) == 0
      && g_strcmp0 (ra.applicant_name, rb.applicant_name) == 0
      && g_strcmp0 (ra.applicant_kind, rb.applicant_kind) == 0
      && g_strcmp0 (ra.company_name, rb.company_name) == 0
      && ra.received_on == rb.received_on
      && ra.deadline == rb.deadline
      && ra.paused_since == rb.paused_since
      && ra.closed == rb.closed
      && ra.version == rb.version
      && g_strcmp0 (ra.form_json, rb.form_json) == 0
      && g_strcmp0 (ra.signed_parties_json, rb.signed_parties_json) == 0
      && ra.practice == rb.practice;
}

static gboolean
too_late (GError     **error,
          TbLocalUndo *undo)
{
  g_set_error (error, TB_CASE_SERVICE_ERROR, TB_CASE_SERVICE_ERROR_TOO_LATE,
               _("The change to %s has already been sent to the server and can no longer be "
                 "undone."),
               tb_case_get_ref (undo->after));
  return FALSE;
}

/* Checks that the action's mutation is still waiting, unsent, and is the case's newest. */
static gboolean
check_outbox (TbStore      *self,
              TbLocalUndo  *undo,
              GError      **error)
{
  sqlite3_stmt *stmt = _tb_store_query (self, "undo-get-outbox", error);
  g_autofree char *name = NULL;
  g_autofree char *args = NULL;
  g_autofree char *case_id = NULL;
  gint64 state = 0, attempts = 0, newest = 0;
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, undo->mutation_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      name = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      args = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
      case_id = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
      state = sqlite3_column_int64 (stmt, 3);
      attempts = sqlite3_column_int64 (stmt, 4);
      newest = sqlite3_column_int64 (stmt, 5);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return _tb_store_set_error (self, rc, error);

  /* Gone (answered), or the id now belongs to another mutation: it was sent. */
  if (rc == SQLITE_DONE || g_strcmp0 (name, undo->mutation_name) != 0
      || g_strcmp0 (args, undo->mutation_args) != 0
      || g_strcmp0 (case_id, undo->case_id) != 0)
    return too_late (error, undo);

  /* Once it has been in an exchange the server may have it, even if no answer came back. */
  if (state != 0 || attempts > 0)
    return too_late (error, undo);

  if (newest != undo->mutation_id)
    {
      g_set_error (error, TB_CASE_SERVICE_ERROR, TB_CASE_SERVICE_ERROR_TOO_LATE,
                   _("A later change to %s must be undone first."), tb_case_get_ref (undo->after));
      return FALSE;
    }

  return TRUE;
}

static gboolean
restore_overlay (TbStore      *self,
                 TbLocalUndo  *undo,
                 GError      **error)
{
  sqlite3_stmt *stmt;

  if (!undo->had_overlay)
    return _tb_store_run_text (self, "undo-delete-overlay", undo->case_id, error);

  stmt = _tb_store_query (self, "undo-put-overlay", error);
  if (stmt == NULL)
    return FALSE;
  _tb_store_bind_text (stmt, 1, undo->case_id);
  _tb_store_bind_text (stmt, 2, undo->overlay_base);
  _tb_store_bind_text (stmt, 3, undo->overlay_local);
  sqlite3_bind_int64 (stmt, 4, undo->overlay_base_version);
  sqlite3_bind_int64 (stmt, 5, undo->overlay_updated_at);
  if (undo->overlay_applied_version > 0)
    sqlite3_bind_int64 (stmt, 6, undo->overlay_applied_version);
  else
    sqlite3_bind_null (stmt, 6);
  return _tb_store_step_done (self, stmt, error);
}

static gboolean
restore_case (TbStore      *self,
              TbLocalUndo  *undo,
              TbCase       *current,
              GError      **error)
{
  TbCaseRecord record;

  if (undo->before == NULL)
    {
      /* The action registered the case: it goes, with all it has (all of it local). */
      if (!_tb_store_run_text (self, "undo-delete-overlay", undo->case_id, error)
          || !_tb_store_run_text (self, "events-delete-case", undo->case_id, error)
          || !_tb_store_run_text (self, "delete-case", undo->case_id, error))
        return FALSE;
      _tb_store_note_case_changed (self, undo->case_id, current);
      return TRUE;
    }

  tb_case_to_record (undo->before, &record);
  if (!tb_store_put_cases (self, &record, 1, error) || !restore_overlay (self, undo, error))
    return FALSE;

  /* The sync state follows from what is left in the outbox and among the conflicts. */
  if (!_tb_store_run_text (self, "refresh-case-sync-state", undo->case_id, error))
    return FALSE;

  _tb_store_note_case_changed (self, undo->case_id, current);
  return TRUE;
}

typedef struct
{
  TbLocalUndo *undo;
  const char  *actor_id;
} UndoData;

static gboolean
undo_in_transaction (TbStore       *self,
                     gconstpointer  data,
                     guint          unused,
                     GError       **error)
{
  const UndoData *d = data;
  TbLocalUndo *undo = d->undo;
  g_autoptr(TbCase) current = NULL;
  g_autoptr(JsonObject) detail = json_object_new ();
  g_autoptr(JsonNode) args = NULL;
  g_autofree char *detail_text = NULL;
  GError *local_error = NULL;

  if (!check_outbox (self, undo, error))
    return FALSE;

  current = tb_store_get_case (self, undo->case_id, &local_error);
  if (current == NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  if (!same_values (current, undo->after))
    {
      g_set_error (error, TB_CASE_SERVICE_ERROR, TB_CASE_SERVICE_ERROR_TOO_LATE,
                   _("Case %s has changed since; the change can no longer be undone."),
                   tb_case_get_ref (current));
      return FALSE;
    }

  if (!run_int (self, "undo-delete-outbox", undo->mutation_id, error)
      || !run_int (self, "undo-outbox-shift", undo->mutation_id, error)
      || !run_int (self, "undo-outbox-unflip", 0, error)
      || !run_int (self, "undo-release-mutation-id", 0, error)
      || !run_int (self, "undo-delete-event", undo->event_id, error)
      || !restore_case (self, undo, current, error))
    return FALSE;

  json_object_set_string_member (detail, "mutation", undo->mutation_name);
  args = json_from_string (undo->mutation_args, NULL);
  json_object_set_member (detail, "args", args != NULL ? g_steal_pointer (&args)
                                                       : json_node_new (JSON_NODE_NULL));
  detail_text = _tb_json_object_to_string (detail);
  return _tb_store_write_audit (self, d->actor_id, "undo", undo->case_id, detail_text,
                                g_get_real_time (), error);
}

/* Whether the action's mutation still waits, unsent, as the case's newest: a quick check for
 * offering undo, without looking at the case. */
gboolean
_tb_store_can_undo_local_action (TbStore     *self,
                                 TbLocalUndo *undo)
{
  g_return_val_if_fail (TB_IS_STORE (self), FALSE);
  g_return_val_if_fail (undo != NULL && undo->after != NULL, FALSE);

  return check_outbox (self, undo, NULL);
}

/*
 * Undoes the action @undo was kept for, in one transaction; on success, the ids of the
 * mutations queued after it are one lower (callers keeping other TbLocalUndos adjust theirs).
 * Fails with %TB_CASE_SERVICE_ERROR_TOO_LATE once the mutation is being sent or was sent, when
 * a later action on the case exists, or when the case changed otherwise; nothing is written
 * then.
 */
gboolean
_tb_store_undo_local_action (TbStore      *self,
                             TbLocalUndo  *undo,
                             const char   *actor_id,
                             GError      **error)
{
  UndoData data = { undo, actor_id };

  g_return_val_if_fail (TB_IS_STORE (self), FALSE);
  g_return_val_if_fail (undo != NULL && undo->after != NULL, FALSE);

  return _tb_store_run_in_transaction (self, undo_in_transaction, &data, 0, error);
}
