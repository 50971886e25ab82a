/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-store-sync.c: applying the server's answers to the local store, one transaction each */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "tb-json-private.h"
#include "tb-service.h"
#include "tb-store-private.h"
#include "tb-sqlite.h"
#include "tb-store-sync.h"
#include "tb-wire.h"

/*
 * How the store follows the server (docs/architecture.md, SYNC.md):
 *
 * - `cases` holds the server's copy with local, unacknowledged changes on top; the server's
 *   values of every locally changed field are in `case_overlay.base`. A pulled put rewrites the
 *   server copy, refreshes `base` from it and lays `local` on top again.
 * - A mutation leaves the outbox only with its answer. "applied" keeps the overlay until a pull
 *   brings the version the server answered (no flicker back to old values); "rejected" and
 *   "conflict" revert the case to the server's values and keep the user's change in
 *   `conflicts` (base / mine / theirs), never dropping it.
 * - Each push answer and each pull page, with its cursor, is one transaction: a crash between
 *   two leaves a state the next sync continues from.
 */

static char *
column_dup (sqlite3_stmt *stmt,
            int           column)
{
  return g_strdup ((const char *) sqlite3_column_text (stmt, column));
}

static gboolean
invalid (GError     **error,
         const char  *what)
{
  g_set_error (error, TB_WIRE_ERROR, TB_WIRE_ERROR_INVALID,
               /* Translators: %s names the part of the server's answer that is wrong */
               _("The server’s answer is not valid: %s."), what);
  return FALSE;
}

/* ---------------------------------------------------------------------------------------------- */
/* Public records */

/**
 * tb_sync_info_clear:
 * @info: sync state read by tb_store_get_sync_info()
 *
 * Frees the strings of @info.
 */
void
tb_sync_info_clear (TbSyncInfo *info)
{
  g_clear_pointer (&info->client_id, g_free);
  g_clear_pointer (&info->cursor, g_free);
}

/**
 * tb_conflict_free:
 * @conflict: (transfer full): a conflict
 *
 * Frees @conflict.
 */
void
tb_conflict_free (TbConflict *conflict)
{
  if (conflict == NULL)
    return;
  g_free (conflict->case_id);
  g_free (conflict->case_ref);
  g_free (conflict->mutation_name);
  g_free (conflict->mutation_args_json);
  g_free (conflict->base_json);
  g_free (conflict->mine_json);
  g_free (conflict->theirs_json);
  g_free (conflict->problem_json);
  g_free (conflict->reason);
  g_free (conflict);
}

/**
 * tb_sync_log_entry_free:
 * @entry: (transfer full): a log entry
 *
 * Frees @entry.
 */
void
tb_sync_log_entry_free (TbSyncLogEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->level);
  g_free (entry->message);
  g_free (entry);
}

void
_tb_outbox_item_free (TbOutboxItem *item)
{
  if (item == NULL)
    return;
  g_free (item->name);
  g_free (item->args_json);
  g_free (item->base_versions_json);
  g_free (item->case_id);
  g_free (item);
}

/* ---------------------------------------------------------------------------------------------- */
/* Sync state */

char *
_tb_store_ensure_client_id (TbStore  *self,
                            GError  **error)
{
  g_autofree char *fresh = g_uuid_string_random ();
  sqlite3_stmt *stmt;
  char *client_id = NULL;
  int rc;

  if (!_tb_store_run_text (self, "init-sync-state", fresh, error)
      || !(stmt = _tb_store_query (self, "get-sync-state", error)))
    return NULL;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    client_id = column_dup (stmt, 0);
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW)
    _tb_store_set_error (self, rc == SQLITE_DONE ? SQLITE_CORRUPT : rc, error);
  return client_id;
}

/**
 * tb_store_get_sync_info:
 * @self: a store
 * @info: (out caller-allocates): the state, to clear with tb_sync_info_clear()
 * @error: return location for an error
 *
 * Reads where the store stands with the server. A store that never synced nor queued anything
 * has no client id yet (%NULL).
 *
 * Returns: %TRUE on success
 */
gboolean
tb_store_get_sync_info (TbStore     *self,
                        TbSyncInfo  *info,
                        GError     **error)
{
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (TB_IS_STORE (self), FALSE);
  g_return_val_if_fail (info != NULL, FALSE);

  memset (info, 0, sizeof *info);
  stmt = _tb_store_query (self, "sync-get-state", error);
  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      info->client_id = column_dup (stmt, 0);
      info->cursor = column_dup (stmt, 1);
      info->last_mutation_id = sqlite3_column_int64 (stmt, 2);
      info->clock_skew_usec = sqlite3_column_int64 (stmt, 3);
      info->last_sync_at = sqlite3_column_int64 (stmt, 4);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return _tb_store_set_error (self, rc, error);

  return _tb_store_query_int (self, "outbox-count", NULL, &info->n_unsent, error)
         && _tb_store_query_int (self, "conflict-count", NULL, &info->n_conflicts, error);
}

gboolean
_tb_store_set_last_sync (TbStore  *self,
                         gint64    at,
                         GError  **error)
{
  sqlite3_stmt *stmt = _tb_store_query (self, "sync-set-last-sync", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, at);
  return _tb_store_step_done (self, stmt, error);
}

/* ---------------------------------------------------------------------------------------------- */
/* Per-case bookkeeping */

/* Recomputes the case's sync state from its outbox rows and open conflicts. */
static gboolean
refresh_sync_state (TbStore     *self,
                    const char  *case_id,
                    GError     **error)
{
  sqlite3_stmt *stmt = _tb_store_query (self, "refresh-case-sync-state", error);
  g_autoptr(TbCase) old_case = NULL;

  if (stmt == NULL)
    return FALSE;
  /* Lists that show only some sync states (the inbox's Sent view) need the case as it was to
   * tell where it leaves; without it the change would read as a new case. */
  old_case = _tb_store_get_case_if_tracked (self, case_id);
  _tb_store_bind_text (stmt, 1, case_id);
  if (!_tb_store_step_done (self, stmt, error))
    return FALSE;
  if (sqlite3_changes (_tb_store_get_db (self)) > 0)
    _tb_store_note_case_changed (self, case_id, old_case);
  return TRUE;
}

static gboolean
overlay_apply (TbStore     *self,
               const char  *case_id,
               const char  *values,
               GError     **error)
{
  sqlite3_stmt *stmt = _tb_store_query (self, "overlay-apply", error);

  if (stmt == NULL)
    return FALSE;
  _tb_store_bind_text (stmt, 1, case_id);
  _tb_store_bind_text (stmt, 2, values);
  return _tb_store_step_done (self, stmt, error);
}

typedef struct
{
  char   *base;
  char   *local;
  gint64  applied_version;  /* 0: not yet applied */
} Overlay;

static void
overlay_clear (Overlay *o)
{
  g_clear_pointer (&o->base, g_free);
  g_clear_pointer (&o->local, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Overlay, overlay_clear)

/* Returns TRUE with @found FALSE when the case has no overlay. */
static gboolean
overlay_get (TbStore     *self,
             const char  *case_id,
             Overlay     *out,
             gboolean    *found,
             GError     **error)
{
  sqlite3_stmt *stmt = _tb_store_query (self, "overlay-get-full", error);
  int rc;

  *found = FALSE;
  if (stmt == NULL)
    return FALSE;
  _tb_store_bind_text (stmt, 1, case_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      *found = TRUE;
      out->base = column_dup (stmt, 0);
      out->local = column_dup (stmt, 1);
      out->applied_version = sqlite3_column_int64 (stmt, 2);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return _tb_store_set_error (self, rc, error);
  return TRUE;
}

/* The case left this user's scope or was deleted on the server. */
static gboolean
delete_case (TbStore     *self,
             const char  *case_id,
             GError     **error)
{
  g_autoptr(TbCase) old_case = _tb_store_get_case_if_tracked (self, case_id);

  if (!_tb_store_run_text (self, "delete-case", case_id, error)
      || !_tb_store_run_text (self, "events-delete-case", case_id, error)
      || !_tb_store_run_text (self, "removal-delete", case_id, error))
    return FALSE;
  if (old_case != NULL)
    _tb_store_note_case_changed (self, case_id, old_case);
  return TRUE;
}

/* @fresh: the case is new to the store, so it has no events to replace. */
static gboolean
put_server_events (TbStore     *self,
                   const char  *case_id,
                   JsonArray   *events,
                   gboolean     fresh,
                   GError     **error)
{
  sqlite3_stmt *stmt;

  if (!fresh && !_tb_store_run_text (self, "events-delete-server", case_id, error))
    return FALSE;
  if (events == NULL)
    return TRUE;

  stmt = _tb_store_query (self, "events-put-server", error);
  if (stmt == NULL)
    return FALSE;

  for (guint i = 0; i < json_array_get_length (events); i++)
    {
      /* tb_wire_case_from_json() checked each event's shape. */
      JsonObject *event = json_array_get_object_element (events, i);
      JsonNode *data = json_object_get_member (event, "data");
      g_autofree char *data_text = data != NULL && JSON_NODE_HOLDS_OBJECT (data)
                                   ? json_to_string (data, FALSE) : g_strdup ("{}");
      gint64 at = 0;

      tb_wire_parse_time (json_object_get_string_member (event, "at"), &at);
      _tb_store_bind_text (stmt, 1, case_id);
      _tb_store_bind_text (stmt, 2, json_object_get_string_member (event, "id"));
      _tb_store_bind_text (stmt, 3, json_object_get_string_member (event, "kind"));
      _tb_store_bind_text (stmt, 4,
                           json_object_get_string_member_with_default (event, "actor_id", NULL));
      sqlite3_bind_int64 (stmt, 5, at);
      _tb_store_bind_text (stmt, 6, data_text);
      if (!_tb_store_step_done (self, stmt, error))
        return FALSE;
    }
  return TRUE;
}

/* Fills in what the record of a decoded wire case leaves to its other members. */
static void
wire_case_prepare (TbWireCase *wcase,
                   char      **signed_parties_json)
{
  *signed_parties_json = _tb_json_from_strv ((const char * const *) wcase->signed_parties);
  wcase->record.signed_parties_json = *signed_parties_json;
  wcase->record.practice = wcase->practice;
}

/*
 * The server's copy of one case arrived (a pull's put, or the record of a conflict). An older
 * version than the stored one changes nothing. Local changes stay on top of it.
 */
static gboolean
apply_server_case (TbStore     *self,
                   TbWireCase  *wcase,
                   GHashTable  *overlaid,
                   GError     **error)
{
  const char *id = wcase->record.id;
  g_auto(Overlay) overlay = { 0 };
  g_autofree char *signed_parties = NULL;
  gboolean has_overlay = FALSE;
  gint64 current = -1;
  gint64 unsent = 0;

  if (!_tb_store_query_int (self, "case-version", id, &current, error))
    return FALSE;
  if (current > wcase->record.version)
    return TRUE;

  if (!_tb_store_run_text (self, "removal-delete", id, error))
    return FALSE;

  if (overlaid == NULL || g_hash_table_contains (overlaid, id))
    {
      if (!overlay_get (self, id, &overlay, &has_overlay, error)
          || !_tb_store_query_int (self, "outbox-count-case", id, &unsent, error))
        return FALSE;

      /* The server has what the overlay holds: it is no longer needed. */
      if (has_overlay && unsent == 0 && overlay.applied_version > 0
          && wcase->record.version >= overlay.applied_version)
        {
          if (!_tb_store_run_text (self, "overlay-delete", id, error)
              || !_tb_store_run_text (self, "events-delete-local", id, error))
            return FALSE;
          has_overlay = FALSE;
        }
    }

  wire_case_prepare (wcase, &signed_parties);
  if (!tb_store_put_cases (self, &wcase->record, 1, error)
      || !put_server_events (self, id, wcase->events, current < 0, error))
    return FALSE;

  if (has_overlay)
    {
      if (!_tb_store_run_text (self, "overlay-refresh-base", id, error)
          || !overlay_apply (self, id, overlay.local, error))
        return FALSE;
      _tb_store_note_case_changed (self, id, NULL);
    }

  return refresh_sync_state (self, id, error);
}

/* ---------------------------------------------------------------------------------------------- */
/* Push */

/* Mutations to send, oldest first. Rows left "sending" by a crash are simply sent again: the
 * server skips ids it has seen. */
GPtrArray *
_tb_store_outbox_next (TbStore  *self,
                       guint     limit,
                       GError  **error)
{
  g_autoptr(GPtrArray) items = NULL;
  sqlite3_stmt *stmt;
  int rc;

  items = g_ptr_array_new_with_free_func ((GDestroyNotify) _tb_outbox_item_free);
  stmt = _tb_store_query (self, "outbox-next", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int (stmt, 1, limit);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      TbOutboxItem *item = g_new0 (TbOutboxItem, 1);

      item->id = sqlite3_column_int64 (stmt, 0);
      item->name = column_dup (stmt, 1);
      item->args_json = column_dup (stmt, 2);
      item->base_versions_json = column_dup (stmt, 3);
      item->case_id = column_dup (stmt, 4);
      item->device_time = sqlite3_column_int64 (stmt, 5);
      g_ptr_array_add (items, item);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _tb_store_set_error (self, rc, error);
      return NULL;
    }
  return g_steal_pointer (&items);
}

static gboolean
outbox_set_sending_in_transaction (TbStore  *self,
                                   gint64    first_id,
                                   gint64    last_id,
                                   gboolean  sending,
                                   GError  **error)
{
  g_autoptr(GPtrArray) case_ids = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt;
  int rc;

  stmt = _tb_store_query (self, "outbox-set-state", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, first_id);
  sqlite3_bind_int64 (stmt, 2, last_id);
  /* outbox.state: 0 waiting (as queued), TB_SYNC_STATE_SENDING while in an exchange. */
  sqlite3_bind_int (stmt, 3, sending ? TB_SYNC_STATE_SENDING : 0);
  if (!_tb_store_step_done (self, stmt, error))
    return FALSE;

  stmt = _tb_store_query (self, "outbox-case-ids", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, first_id);
  sqlite3_bind_int64 (stmt, 2, last_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (case_ids, column_dup (stmt, 0));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return _tb_store_set_error (self, rc, error);

  for (guint i = 0; i < case_ids->len; i++)
    if (!refresh_sync_state (self, g_ptr_array_index (case_ids, i), error))
      return FALSE;
  return TRUE;
}

/* Marks the mutations first_id…last_id as being sent (or back to pending after a failed
 * exchange), and their cases with them. */
gboolean
_tb_store_outbox_set_sending (TbStore  *self,
                              gint64    first_id,
                              gint64    last_id,
                              gboolean  sending,
                              GError  **error)
{
  sqlite3 *db = _tb_store_get_db (self);
  gboolean ok;

  /* Whether rows are being sent need not survive a power cut (rows left "sending" are sent
   * again, and the server skips what it has seen): this commit does not wait for the disk,
   * the next full one (the answer's) makes it durable with itself. Twice per push batch, it
   * was a third of the fsyncs of a push. */
  if (!tb_sqlite_exec (db, "PRAGMA synchronous = NORMAL", error))
    return FALSE;
  ok = tb_store_begin (self, error);
  if (ok && !outbox_set_sending_in_transaction (self, first_id, last_id, sending, error))
    {
      tb_store_rollback (self);
      ok = FALSE;
    }
  else if (ok)
    ok = tb_store_commit (self, error);
  /* Back to the store's durability (tb-sqlite.c) whatever happened. */
  return tb_sqlite_exec (db, "PRAGMA synchronous = FULL", ok ? error : NULL) && ok;
}

typedef struct
{
  gint64      id;
  const char *status;
  gint64      version;
  JsonObject *problem;
  JsonObject *record;
  TbWireCase  wcase;
  gboolean    known;      /* FALSE: a duplicate whose first answer the server no longer has */
} Result;

static void
result_clear (Result *r)
{
  tb_wire_case_clear (&r->wcase);
}

static gboolean
decode_result (JsonObject  *object,
               Result      *out,
               GError     **error)
{
  JsonNode *node;

  node = json_object_get_member (object, "id");
  if (node == NULL || json_node_get_value_type (node) != G_TYPE_INT64)
    return invalid (error, "results[].id");
  out->id = json_node_get_int (node);

  node = json_object_get_member (object, "status");
  if (node == NULL || json_node_get_value_type (node) != G_TYPE_STRING)
    return invalid (error, "results[].status");
  out->status = json_node_get_string (node);
  out->known = TRUE;

  if (g_str_equal (out->status, "duplicate"))
    {
      JsonNode *original = json_object_get_member (object, "original");
      gint64 id = out->id;

      if (original == NULL || JSON_NODE_HOLDS_NULL (original))
        {
          out->known = FALSE;
          return TRUE;
        }
      if (!JSON_NODE_HOLDS_OBJECT (original)
          || !decode_result (json_node_get_object (original), out, error))
        return invalid (error, "results[].original");
      if (out->id != id || g_str_equal (out->status, "duplicate"))
        return invalid (error, "results[].original");
      return TRUE;
    }

  node = json_object_get_member (object, "version");
  if (node != NULL && !JSON_NODE_HOLDS_NULL (node))
    {
      if (json_node_get_value_type (node) != G_TYPE_INT64)
        return invalid (error, "results[].version");
      out->version = json_node_get_int (node);
    }

  if (g_str_equal (out->status, "applied"))
    return TRUE;

  node = json_object_get_member (object, "problem");
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return invalid (error, "results[].problem");
  out->problem = json_node_get_object (node);

  if (g_str_equal (out->status, "rejected"))
    return TRUE;
  if (!g_str_equal (out->status, "conflict"))
    return invalid (error, "results[].status");

  node = json_object_get_member (object, "record");
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return invalid (error, "results[].record");
  out->record = json_node_get_object (node);
  if (!tb_wire_case_from_json (out->record, &out->wcase, error))
    return FALSE;
  return TRUE;
}

/* The name of the file @sha256 among the attachment values in @node, or %NULL. */
static const char *
find_file_name (JsonNode   *node,
                const char *sha256)
{
  if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *object = json_node_get_object (node);
      JsonObjectIter iter;
      const char *member_name;
      JsonNode *member;

      if (g_strcmp0 (json_object_get_string_member_with_default (object, "sha256", NULL),
                     sha256) == 0)
        return json_object_get_string_member_with_default (object, "name", NULL);
      json_object_iter_init (&iter, object);
      while (json_object_iter_next (&iter, &member_name, &member))
        {
          const char *found = find_file_name (member, sha256);

          if (found != NULL)
            return found;
        }
    }
  else if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          const char *found = find_file_name (json_array_get_element (array, i), sha256);

          if (found != NULL)
            return found;
        }
    }
  return NULL;
}

/* The files of an "attachment-not-uploaded" refusal, by their names in the change. */
static char *
describe_not_uploaded (JsonObject *problem,
                       const char *args)
{
  g_autoptr(JsonNode) args_node = args != NULL ? json_from_string (args, NULL) : NULL;
  g_autoptr(GString) names = g_string_new (NULL);
  JsonNode *node = json_object_get_member (problem, "attachments");
  JsonArray *hashes;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node)
      || json_array_get_length (hashes = json_node_get_array (node)) == 0)
    return NULL;

  for (guint i = 0; i < json_array_get_length (hashes); i++)
    {
      JsonNode *element = json_array_get_element (hashes, i);
      const char *sha256, *name;

      if (!JSON_NODE_HOLDS_VALUE (element) || json_node_get_value_type (element) != G_TYPE_STRING)
        return NULL;
      sha256 = json_node_get_string (element);
      name = find_file_name (args_node, sha256);
      if (i > 0)
        g_string_append (names, _(", "));
      g_string_append_printf (names, "“%s”", name != NULL ? name : sha256);
    }

  /* Translators: %s lists file names, each in quotes: “公司章程.pdf”, “身份证.png” */
  return g_strdup_printf (_("The server has no copy of %s sent by you. Attach the file again, "
                            "then send the change again."), names->str);
}

/* The reason of a refusal the desk can word itself, in the user's language, from the
 * problem's `code`; %NULL for the others, whose detail is kept as the server gave it. */
static char *
describe_problem (TbStore    *self,
                  const char *case_id,
                  const char *args,
                  JsonObject *problem)
{
  g_autoptr(TbCase) c = NULL;
  g_autoptr(TbService) service = NULL;
  g_autoptr(GString) labels = g_string_new (NULL);
  JsonNode *node;
  JsonArray *fields;

  if (g_strcmp0 (json_object_get_string_member_with_default (problem, "code", NULL),
                 TB_WIRE_PROBLEM_ATTACHMENT_NOT_UPLOADED) == 0)
    return describe_not_uploaded (problem, args);

  if (g_strcmp0 (json_object_get_string_member_with_default (problem, "code", NULL),
                 TB_WIRE_PROBLEM_FIELD_NOT_EDITABLE) != 0
      || (node = json_object_get_member (problem, "fields")) == NULL
      || !JSON_NODE_HOLDS_ARRAY (node)
      || json_array_get_length (fields = json_node_get_array (node)) == 0)
    return NULL;

  /* The fields by their labels, if the case and its service are at hand. */
  if (case_id != NULL && (c = tb_store_get_case (self, case_id, NULL)) != NULL)
    service = tb_store_get_service (self, tb_case_get_service_id (c), NULL);

  for (guint i = 0; i < json_array_get_length (fields); i++)
    {
      JsonNode *element = json_array_get_element (fields, i);
      const TbFormField *field;
      const char *id;

      if (!JSON_NODE_HOLDS_VALUE (element) || json_node_get_value_type (element) != G_TYPE_STRING)
        return NULL;
      id = json_node_get_string (element);
      field = service != NULL ? tb_service_lookup_field (service, id) : NULL;
      if (i > 0)
        g_string_append (labels, _(", "));
      g_string_append_printf (labels, "“%s”", field != NULL ? tb_form_field_get_label (field) : id);
    }

  /* Translators: %s lists form fields, each in quotes: “Registered capital”, “Mobile phone” */
  return g_strdup_printf (_("%s cannot be changed at this step by your role."), labels->str);
}

/* The change was refused or overtaken: the case shows the server's values again and the
 * user's change waits in `conflicts`. */
static gboolean
keep_as_conflict (TbStore     *self,
                  Result      *r,
                  const char  *name,
                  const char  *args,
                  const char  *case_id,
                  GError     **error)
{
  g_auto(Overlay) overlay = { 0 };
  g_autoptr(JsonObject) mutation = json_object_new ();
  g_autoptr(JsonNode) args_node = json_from_string (args, NULL);
  g_autofree char *mutation_text = NULL;
  g_autofree char *problem_text = NULL;
  g_autofree char *theirs_text = NULL;
  g_autofree char *described = NULL;
  g_autoptr(TbCase) old_case = NULL;
  gboolean has_overlay = FALSE;
  gboolean rejected = g_str_equal (r->status, "rejected");
  const char *reason = NULL;
  sqlite3_stmt *stmt;

  json_object_set_string_member (mutation, "name", name);
  json_object_set_member (mutation, "args", args_node != NULL ? g_steal_pointer (&args_node)
                                                              : json_node_new (JSON_NODE_NULL));
  mutation_text = _tb_json_object_to_string (mutation);
  problem_text = _tb_json_object_to_string (r->problem);
  theirs_text = r->record != NULL ? _tb_json_object_to_string (r->record) : g_strdup ("null");
  described = rejected ? describe_problem (self, case_id, args, r->problem) : NULL;
  reason = described;
  if (reason == NULL)
    reason = json_object_get_string_member_with_default (r->problem, "detail", NULL);
  if (reason == NULL)
    reason = json_object_get_string_member_with_default (r->problem, "title", NULL);

  /* The overlay holds the values of all the case's unsent changes: the last of them to fail
   * takes it (and reverts the case); an earlier one keeps only its arguments. */
  if (case_id != NULL)
    {
      gint64 unsent = 0;

      if (!_tb_store_query_int (self, "outbox-count-case", case_id, &unsent, error))
        return FALSE;
      if (unsent == 0 && !overlay_get (self, case_id, &overlay, &has_overlay, error))
        return FALSE;
    }

  stmt = _tb_store_query (self, "conflict-put", error);
  if (stmt == NULL)
    return FALSE;
  _tb_store_bind_text (stmt, 1, case_id != NULL ? case_id : "");
  sqlite3_bind_int64 (stmt, 2, r->id);
  _tb_store_bind_text (stmt, 3, has_overlay ? overlay.base : "{}");
  _tb_store_bind_text (stmt, 4, has_overlay ? overlay.local : "{}");
  _tb_store_bind_text (stmt, 5, theirs_text);
  _tb_store_bind_text (stmt, 6, reason);
  sqlite3_bind_int64 (stmt, 7, g_get_real_time ());
  _tb_store_bind_text (stmt, 8, rejected ? "rejected" : "conflict");
  _tb_store_bind_text (stmt, 9, mutation_text);
  _tb_store_bind_text (stmt, 10, problem_text);
  if (!_tb_store_step_done (self, stmt, error))
    return FALSE;

  if (case_id == NULL)
    return TRUE;

  if (has_overlay)
    {
      old_case = _tb_store_get_case_if_tracked (self, case_id);
      if (!overlay_apply (self, case_id, overlay.base, error)
          || !_tb_store_run_text (self, "overlay-delete", case_id, error))
        return FALSE;
      _tb_store_note_case_changed (self, case_id, old_case);
    }

  if (r->record != NULL)
    return apply_server_case (self, &r->wcase, NULL, error);
  return TRUE;
}

/*
 * Takes mutation @id out of the outbox, with its name, arguments and case (%NULL for none);
 * @found says whether it was there.
 */
static gboolean
outbox_take (TbStore     *self,
             gint64       id,
             gboolean    *found,
             char       **name,
             char       **args,
             char       **case_id,
             GError     **error)
{
  sqlite3_stmt *stmt = _tb_store_query (self, "outbox-get", error);
  int rc;

  *found = FALSE;
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      *name = column_dup (stmt, 0);
      *args = column_dup (stmt, 1);
      *case_id = column_dup (stmt, 2);
    }
  sqlite3_reset (stmt);
  if (rc == SQLITE_DONE)
    return TRUE;
  if (rc != SQLITE_ROW)
    return _tb_store_set_error (self, rc, error);
  *found = TRUE;

  stmt = _tb_store_query (self, "outbox-delete", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  return _tb_store_step_done (self, stmt, error);
}

/* A mutation of @case_id (if any) has left the outbox: with none of the case's left, its local
 * events go; its sync state is what remains. */
static gboolean
case_mutation_gone (TbStore     *self,
                    const char  *case_id,
                    GError     **error)
{
  gint64 unsent = 0;

  if (case_id == NULL)
    return TRUE;
  if (!_tb_store_query_int (self, "outbox-count-case", case_id, &unsent, error))
    return FALSE;
  if (unsent == 0 && !_tb_store_run_text (self, "events-delete-local", case_id, error))
    return FALSE;
  return refresh_sync_state (self, case_id, error);
}

static gboolean
apply_result (TbStore       *self,
              Result        *r,
              TbPushCounts  *counts,
              GError       **error)
{
  g_autofree char *name = NULL;
  g_autofree char *args = NULL;
  g_autofree char *case_id = NULL;
  sqlite3_stmt *stmt;
  gboolean found;

  if (!outbox_take (self, r->id, &found, &name, &args, &case_id, error))
    return FALSE;
  if (!found)
    return TRUE;  /* answered before */

  if (r->known && !g_str_equal (r->status, "applied"))
    {
      if (g_str_equal (r->status, "rejected"))
        counts->rejected++;
      else
        counts->conflicts++;
      if (!keep_as_conflict (self, r, name, args, case_id, error))
        return FALSE;
    }
  else
    {
      counts->applied++;
      if (case_id != NULL)
        {
          gint64 version = r->version;

          /* An applied change whose version is unknown (a duplicate the server no longer
           * remembers) is superseded by any newer server copy. */
          if (!r->known || version <= 0)
            {
              if (!_tb_store_query_int (self, "case-version", case_id, &version, error))
                return FALSE;
              version++;
            }
          stmt = _tb_store_query (self, "overlay-set-applied", error);
          if (stmt == NULL)
            return FALSE;
          _tb_store_bind_text (stmt, 1, case_id);
          sqlite3_bind_int64 (stmt, 2, version);
          if (!_tb_store_step_done (self, stmt, error))
            return FALSE;
        }
    }

  return case_mutation_gone (self, case_id, error);
}

/* Cases that left this user's scope while they had unsent changes go once those are answered. */
static gboolean
remove_due_cases (TbStore  *self,
                  GError  **error)
{
  g_autoptr(GPtrArray) due = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt = _tb_store_query (self, "removal-due", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (due, column_dup (stmt, 0));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return _tb_store_set_error (self, rc, error);

  for (guint i = 0; i < due->len; i++)
    if (!delete_case (self, g_ptr_array_index (due, i), error))
      return FALSE;
  return TRUE;
}

static gboolean
apply_results (TbStore       *self,
               GArray        *results,
               gint64         last_mutation_id,
               TbPushCounts  *counts,
               GError       **error)
{
  sqlite3_stmt *stmt;

  for (guint i = 0; i < results->len; i++)
    if (!apply_result (self, &g_array_index (results, Result, i), counts, error))
      return FALSE;

  stmt = _tb_store_query (self, "sync-set-acknowledged", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, last_mutation_id);
  if (!_tb_store_step_done (self, stmt, error))
    return FALSE;

  return remove_due_cases (self, error);
}

/*
 * Applies the answer to a push, in one transaction: each answered mutation leaves the outbox
 * with its consequence (applied: the overlay waits for the new version; rejected or conflict:
 * the change is kept in `conflicts` and the case reverts). The answer is checked as a whole
 * before anything is written.
 */
gboolean
_tb_store_apply_push (TbStore       *self,
                      JsonObject    *reply,
                      TbPushCounts  *counts,
                      GError       **error)
{
  g_autoptr(GArray) results = g_array_new (FALSE, TRUE, sizeof (Result));
  JsonNode *node;
  JsonArray *array;

  g_return_val_if_fail (TB_IS_STORE (self), FALSE);
  g_return_val_if_fail (reply != NULL && counts != NULL, FALSE);

  g_array_set_clear_func (results, (GDestroyNotify) result_clear);

  node = json_object_get_member (reply, "last_mutation_id");
  if (node == NULL || json_node_get_value_type (node) != G_TYPE_INT64
      || json_node_get_int (node) < 0)
    return invalid (error, "last_mutation_id");
  counts->last_mutation_id = json_node_get_int (node);

  node = json_object_get_member (reply, "results");
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return invalid (error, "results");
  array = json_node_get_array (node);

  g_array_set_size (results, json_array_get_length (array));
  for (guint i = 0; i < results->len; i++)
    {
      JsonNode *element = json_array_get_element (array, i);

      if (!JSON_NODE_HOLDS_OBJECT (element))
        return invalid (error, "results[]");
      if (!decode_result (json_node_get_object (element),
                          &g_array_index (results, Result, i), error))
        return FALSE;
      if (g_array_index (results, Result, i).id > counts->last_mutation_id)
        return invalid (error, "results[].id");
    }

  if (!tb_store_begin (self, error))
    return FALSE;
  if (!apply_results (self, results, counts->last_mutation_id, counts, error))
    {
      tb_store_rollback (self);
      memset (counts, 0, sizeof *counts);
      return FALSE;
    }
  return tb_store_commit (self, error);
}

typedef struct
{
  const char *sha256;
  JsonObject *problem;
  guint       rejected;
} RejectUnsent;

static gboolean
reject_unsent_in_transaction (TbStore       *self,
                              gconstpointer  data,
                              guint          unused,
                              GError       **error)
{
  RejectUnsent *d = (RejectUnsent *) data;
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  sqlite3_stmt *stmt = _tb_store_query (self, "outbox-referring", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  _tb_store_bind_text (stmt, 1, d->sha256);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);

      /* Once in an exchange the server may have it (an answer lost): it goes as it is, and
       * the server judges it. */
      if (sqlite3_column_int64 (stmt, 4) == 0 && sqlite3_column_int64 (stmt, 5) == 0)
        g_array_append_val (ids, id);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return _tb_store_set_error (self, rc, error);

  /* Newest first, so that closing each gap leaves the older ids where they are. */
  for (guint i = 0; i < ids->len; i++)
    {
      Result r = { .id = g_array_index (ids, gint64, i), .status = "rejected",
                   .problem = d->problem, .known = TRUE };
      g_autofree char *name = NULL;
      g_autofree char *args = NULL;
      g_autofree char *case_id = NULL;
      gboolean found;

      /* Out of the outbox, and the later mutations down by one: the server stops at a gap in
       * the ids, as for an undone action (tb-store-undo.c). */
      if (!outbox_take (self, r.id, &found, &name, &args, &case_id, error))
        return FALSE;
      if (!found)
        return _tb_store_set_error (self, SQLITE_ERROR, error);
      stmt = _tb_store_query (self, "undo-outbox-shift", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, r.id);
      if (!_tb_store_step_done (self, stmt, error)
          || !(stmt = _tb_store_query (self, "undo-outbox-unflip", error))
          || !_tb_store_step_done (self, stmt, error)
          || !(stmt = _tb_store_query (self, "undo-release-mutation-id", error))
          || !_tb_store_step_done (self, stmt, error))
        return FALSE;

      /* Then as if the server had refused it: kept in `conflicts`, the case reverted. */
      if (!keep_as_conflict (self, &r, name, args, case_id, error))
        return FALSE;
      d->rejected++;
      if (!case_mutation_gone (self, case_id, error))
        return FALSE;
    }

  return TRUE;
}

/*
 * The mutations waiting in the outbox that name the file @sha256 and can never be sent as
 * they are (the server refused the file for good): each leaves the outbox as if the server had
 * rejected it with @problem, kept with its arguments under the case's conflicts, and the
 * later ones move down so that the server sees no gap. Mutations that have been in an exchange
 * stay: the server may have them. One transaction.
 */
gboolean
_tb_store_outbox_reject_unsent (TbStore     *self,
                                const char  *sha256,
                                JsonObject  *problem,
                                guint       *n_rejected,
                                GError     **error)
{
  RejectUnsent d = { sha256, problem, 0 };
  gboolean ok;

  g_return_val_if_fail (TB_IS_STORE (self), FALSE);
  g_return_val_if_fail (sha256 != NULL && problem != NULL, FALSE);

  ok = _tb_store_run_in_transaction (self, reject_unsent_in_transaction, &d, 0, error);
  if (n_rejected != NULL)
    *n_rejected = ok ? d.rejected : 0;
  return ok;
}

/* ---------------------------------------------------------------------------------------------- */
/* Pull */

typedef TbWirePageChange Change;

static GHashTable *
overlaid_case_ids (TbStore  *self,
                   GError  **error)
{
  g_autoptr(GHashTable) ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  sqlite3_stmt *stmt = _tb_store_query (self, "overlay-case-ids", error);
  int rc;

  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_hash_table_add (ids, column_dup (stmt, 0));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _tb_store_set_error (self, rc, error);
      return NULL;
    }
  return g_steal_pointer (&ids);
}

static gboolean
apply_reference (TbStore      *self,
                 Change       *c,
                 TbCalendar  **calendar,
                 GError      **error)
{
  const char *type = c->change.type;
  JsonObject *data = c->change.data;

  /* Reference data is only ever replaced; a record the server drops stays harmlessly. */
  if (!g_str_equal (c->change.op, "put"))
    return TRUE;

  if (g_str_equal (type, "service") || g_str_equal (type, "workflow"))
    {
      g_autofree char *text = _tb_json_object_to_string (data);

      if (g_str_equal (type, "service"))
        return tb_store_put_service (self, c->change.id, text, error);
      return tb_store_put_workflow (self, c->change.id, text, error);
    }
  if (g_str_equal (type, "calendar"))
    {
      if (*calendar == NULL && (*calendar = tb_store_load_calendar (self, error)) == NULL)
        return FALSE;
      return tb_wire_calendar_year_load (*calendar, data, NULL, error);
    }
  if (g_str_equal (type, "team"))
    {
      const char *id, *name;

      tb_wire_team_from_json (data, &id, &name, NULL);
      return tb_store_put_team (self, id, name, error);
    }
  if (g_str_equal (type, "user"))
    {
      TbWireUser user = { 0 };
      gboolean ok;

      tb_wire_user_from_json (data, &user, NULL);
      ok = tb_store_put_user (self, user.id, user.login, user.display_name, user.roles,
                              (const char * const *) user.team_ids, error);
      tb_wire_user_clear (&user);
      return ok;
    }
  /* A type this version does not know: newer servers may send more. */
  return TRUE;
}

static void
append_json_string (GString    *out,
                    const char *text)
{
  g_string_append_c (out, '"');
  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_c (out, '\\');
      if ((guchar) *p < 0x20)
        g_string_append_printf (out, "\\u%04x", (guint) (guchar) *p);
      else
        g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

/* The stored versions of the cases of @changes that the store has: one query for a page
 * rather than a lookup per case (an initial sync finds none). */
static GHashTable *
stored_versions (TbStore    *self,
                 GPtrArray  *changes,
                 GError    **error)
{
  g_autoptr(GHashTable) versions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                          g_free);
  g_autoptr(GString) ids = g_string_new ("[");
  sqlite3_stmt *stmt;
  int rc;

  for (guint i = 0; i < changes->len; i++)
    {
      if (i > 0)
        g_string_append_c (ids, ',');
      append_json_string (ids, ((Change *) g_ptr_array_index (changes, i))->change.id);
    }
  g_string_append_c (ids, ']');

  stmt = _tb_store_prepare (self, "SELECT c.id, c.version FROM json_each (?1) j"
                                  " JOIN cases c ON c.id = j.value", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, ids->str, ids->len, SQLITE_STATIC);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 version = sqlite3_column_int64 (stmt, 1);

      g_hash_table_insert (versions, column_dup (stmt, 0), g_memdup2 (&version, sizeof version));
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _tb_store_set_error (self, rc, error);
      return NULL;
    }
  return g_steal_pointer (&versions);
}

static gboolean
apply_changes (TbStore       *self,
               GArray        *changes,
               const char    *cursor,
               TbPullCounts  *counts,
               gint64         skew,
               GError       **error)
{
  g_autoptr(GHashTable) overlaid = NULL;
  g_autoptr(GArray) batch = g_array_new (FALSE, FALSE, sizeof (TbCaseRecord));
  g_autoptr(GPtrArray) batch_changes = g_ptr_array_new ();
  g_autoptr(GPtrArray) owned = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(TbCalendar) calendar = NULL;
  sqlite3_stmt *stmt;

  overlaid = overlaid_case_ids (self, error);
  if (overlaid == NULL)
    return FALSE;

  for (guint i = 0; i < changes->len; i++)
    {
      Change *c = &g_array_index (changes, Change, i);

      if (c->is_case_put)
        {
          counts->cases++;
          if (g_hash_table_contains (overlaid, c->change.id))
            {
              if (!apply_server_case (self, &c->wcase, overlaid, error))
                return FALSE;
            }
          else
            {
              char *signed_parties;

              wire_case_prepare (&c->wcase, &signed_parties);
              g_ptr_array_add (owned, signed_parties);
              g_array_append_val (batch, c->wcase.record);
              g_ptr_array_add (batch_changes, c);
            }
        }
      else if (g_str_equal (c->change.type, "case"))
        {
          gint64 unsent = 0;

          counts->removed++;
          if (!_tb_store_query_int (self, "outbox-count-case", c->change.id, &unsent, error))
            return FALSE;
          /* Unsent changes first get their answer (a conflict keeps them). */
          if (unsent > 0)
            {
              if (!_tb_store_run_text (self, "removal-put", c->change.id, error))
                return FALSE;
            }
          else if (!delete_case (self, c->change.id, error))
            return FALSE;
        }
      else if (!apply_reference (self, c, &calendar, error))
        return FALSE;
    }

  /* The cases without local changes, in one batch: the bulk of an initial sync. */
  if (batch->len > 0)
    {
      g_autoptr(GHashTable) stored = stored_versions (self, batch_changes, error);

      if (stored == NULL)
        return FALSE;
      for (guint i = 0; i < batch_changes->len; i++)
        {
          Change *c = g_ptr_array_index (batch_changes, i);
          gint64 *version = g_hash_table_lookup (stored, c->change.id);
          gint64 current = version != NULL ? *version : -1;

          /* A case new to the store (the bulk of an initial sync) has nothing to replace. */
          if (current < 0)
            {
              if (!put_server_events (self, c->change.id, c->wcase.events, TRUE, error))
                return FALSE;
            }
          else if (current <= c->wcase.record.version
                   && (!_tb_store_run_text (self, "removal-delete", c->change.id, error)
                       || !put_server_events (self, c->change.id, c->wcase.events, FALSE,
                                              error)))
            return FALSE;
        }
      if (!tb_store_put_cases (self, (TbCaseRecord *) (gpointer) batch->data, batch->len, error))
        return FALSE;
    }

  if (calendar != NULL && !tb_store_put_calendar (self, calendar, error))
    return FALSE;

  /* The cursor last, in the same transaction as the page it follows. */
  stmt = _tb_store_query (self, "sync-set-page", error);
  if (stmt == NULL)
    return FALSE;
  _tb_store_bind_text (stmt, 1, cursor);
  sqlite3_bind_int64 (stmt, 2, counts->last_mutation_id);
  sqlite3_bind_int64 (stmt, 3, skew);
  return _tb_store_step_done (self, stmt, error);
}

/*
 * Applies one pull page and its cursor in one transaction. The page was checked as a whole
 * when it was read (tb_wire_page_parse()): a page the client cannot read changes nothing.
 * @local_time is when the answer came, for the clock skew.
 */
gboolean
_tb_store_apply_pull (TbStore       *self,
                      TbWirePage    *page,
                      gint64         local_time,
                      TbPullCounts  *counts,
                      GError       **error)
{
  g_autofree char *client_id = NULL;

  g_return_val_if_fail (TB_IS_STORE (self), FALSE);
  g_return_val_if_fail (page != NULL && counts != NULL, FALSE);

  memset (counts, 0, sizeof *counts);
  counts->changes = page->changes->len;
  counts->has_more = page->has_more;
  counts->last_mutation_id = page->last_mutation_id;
  counts->server_time = page->server_time;

  if (!tb_store_begin (self, error))
    return FALSE;
  /* A first sync of several pages into an empty store is one bulk load (see tb-store.c), that
   * ends with its last page. */
  if (!(client_id = _tb_store_ensure_client_id (self, error))
      || (page->has_more && !_tb_store_start_initial_load (self, error))
      || !apply_changes (self, page->changes, page->cursor, counts,
                         counts->server_time - local_time, error)
      || (!page->has_more && !_tb_store_finish_initial_load (self, error)))
    {
      tb_store_rollback (self);
      return FALSE;
    }
  return tb_store_commit (self, error);
}

/*
 * The server no longer knows our cursor: forget what came through the feed and start over,
 * keeping every case with local changes (they are not the server's to drop).
 */
gboolean
_tb_store_reset_sync (TbStore  *self,
                      GError  **error)
{
  if (!tb_store_begin (self, error))
    return FALSE;
  if (!_tb_store_run_text (self, "sync-clear-cursor", NULL, error)
      || !_tb_store_run_text (self, "sync-reset-cases", NULL, error)
      || !_tb_store_run_text (self, "sync-reset-events", NULL, error))
    {
      tb_store_rollback (self);
      return FALSE;
    }
  return tb_store_commit (self, error);
}

/* ---------------------------------------------------------------------------------------------- */
/* Conflicts and the log */

/**
 * tb_store_list_conflicts:
 * @self: a store
 * @case_id: (nullable): only those of this case
 * @error: return location for an error
 *
 * Returns: (transfer container) (element-type TbConflict): the unresolved conflicts and
 *   rejections, oldest first, or %NULL with @error set
 */
GPtrArray *
tb_store_list_conflicts (TbStore     *self,
                         const char  *case_id,
                         GError     **error)
{
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) tb_conflict_free);
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (TB_IS_STORE (self), NULL);

  stmt = _tb_store_query (self, "conflict-list", error);
  if (stmt == NULL)
    return NULL;
  _tb_store_bind_text (stmt, 1, case_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      TbConflict *c = g_new0 (TbConflict, 1);
      g_autoptr(JsonNode) mutation = NULL;
      const char *text;

      c->id = sqlite3_column_int64 (stmt, 0);
      c->case_id = column_dup (stmt, 1);
      c->case_ref = column_dup (stmt, 2);
      c->rejected = g_strcmp0 ((const char *) sqlite3_column_text (stmt, 3), "rejected") == 0;
      text = (const char *) sqlite3_column_text (stmt, 4);
      mutation = text != NULL ? json_from_string (text, NULL) : NULL;
      if (mutation != NULL && JSON_NODE_HOLDS_OBJECT (mutation))
        {
          JsonObject *object = json_node_get_object (mutation);
          JsonNode *args = json_object_get_member (object, "args");

          c->mutation_name = g_strdup (json_object_get_string_member_with_default (object, "name",
                                                                                   NULL));
          c->mutation_args_json = args != NULL ? json_to_string (args, FALSE) : NULL;
        }
      c->base_json = column_dup (stmt, 5);
      c->mine_json = column_dup (stmt, 6);
      c->theirs_json = column_dup (stmt, 7);
      c->problem_json = column_dup (stmt, 8);
      c->reason = column_dup (stmt, 9);
      c->created_at = sqlite3_column_int64 (stmt, 10);
      g_ptr_array_add (list, c);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _tb_store_set_error (self, rc, error);
      return NULL;
    }
  return g_steal_pointer (&list);
}

static gboolean
resolve_in_transaction (TbStore        *self,
                        gconstpointer   data,
                        guint           unused,
                        GError        **error)
{
  gint64 conflict_id = *(const gint64 *) data;
  g_autofree char *case_id = NULL;
  sqlite3_stmt *stmt = _tb_store_query (self, "conflict-resolve", error);
  gint64 version = 0;
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, conflict_id);
  sqlite3_bind_int64 (stmt, 2, g_get_real_time ());
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    case_id = column_dup (stmt, 0);
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return _tb_store_set_error (self, rc, error);
  if (case_id == NULL)
    {
      g_set_error_literal (error, TB_STORE_ERROR, TB_STORE_ERROR_NOT_FOUND,
                           _("This conflict has already been resolved."));
      return FALSE;
    }

  /* A case registered here that the server refused never existed there: it goes when the
   * user lets it go, unless something else of it is still on its way. */
  if (!_tb_store_query_int (self, "case-version", case_id, &version, error))
    return FALSE;
  if (version == 0)
    {
      gint64 unsent = 0, open = 0;
      g_autoptr(GPtrArray) others = NULL;

      if (!_tb_store_query_int (self, "outbox-count-case", case_id, &unsent, error))
        return FALSE;
      others = tb_store_list_conflicts (self, case_id, error);
      if (others == NULL)
        return FALSE;
      open = others->len;
      if (unsent == 0 && open == 0)
        return delete_case (self, case_id, error);
    }
  return refresh_sync_state (self, case_id, error);
}

/**
 * tb_store_resolve_conflict:
 * @self: a store
 * @conflict_id: a #TbConflict's id
 * @error: return location for an error
 *
 * Marks a conflict or rejection as dealt with: the server's version stands. To keep the local
 * change instead, make it again first (tb_case_service_resolve_conflict() does both).
 *
 * Returns: %TRUE on success
 */
gboolean
tb_store_resolve_conflict (TbStore  *self,
                           gint64    conflict_id,
                           GError  **error)
{
  g_return_val_if_fail (TB_IS_STORE (self), FALSE);

  return _tb_store_run_in_transaction (self, resolve_in_transaction, &conflict_id, 0, error);
}

#define SYNC_LOG_KEEP 1000

/**
 * tb_store_add_sync_log:
 * @self: a store
 * @level: "info", "warning" or "error"
 * @message: what happened, for people
 * @error: return location for an error
 *
 * Adds an entry to the persistent sync log, which keeps the last 1,000.
 *
 * Returns: %TRUE on success
 */
gboolean
tb_store_add_sync_log (TbStore     *self,
                       const char  *level,
                       const char  *message,
                       GError     **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (TB_IS_STORE (self), FALSE);
  g_return_val_if_fail (level != NULL && message != NULL, FALSE);

  stmt = _tb_store_query (self, "log-put", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, g_get_real_time ());
  _tb_store_bind_text (stmt, 2, level);
  _tb_store_bind_text (stmt, 3, message);
  if (!_tb_store_step_done (self, stmt, error))
    return FALSE;

  stmt = _tb_store_query (self, "log-trim", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int (stmt, 1, SYNC_LOG_KEEP);
  return _tb_store_step_done (self, stmt, error);
}

/**
 * tb_store_list_sync_log:
 * @self: a store
 * @limit: at most this many
 * @error: return location for an error
 *
 * Returns: (transfer container) (element-type TbSyncLogEntry): the newest entries first, or
 *   %NULL with @error set
 */
GPtrArray *
tb_store_list_sync_log (TbStore  *self,
                        guint     limit,
                        GError  **error)
{
  g_autoptr(GPtrArray) list = NULL;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (TB_IS_STORE (self), NULL);

  list = g_ptr_array_new_with_free_func ((GDestroyNotify) tb_sync_log_entry_free);
  stmt = _tb_store_query (self, "log-list", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int (stmt, 1, limit);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      TbSyncLogEntry *e = g_new0 (TbSyncLogEntry, 1);

      e->at = sqlite3_column_int64 (stmt, 0);
      e->level = column_dup (stmt, 1);
      e->message = column_dup (stmt, 2);
      g_ptr_array_add (list, e);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _tb_store_set_error (self, rc, error);
      return NULL;
    }
  return g_steal_pointer (&list);
}
