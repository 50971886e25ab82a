/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-server-sync.c: the reference server's sync engine and case endpoints */

#include "config.h"

#include <string.h>

#include "tb-decision.h"
#include "tb-demo.h"
#include "tb-json-private.h"
#include "tb-problem.h"
#include "tb-request.h"
#include "tb-server-sync.h"
#include "tb-service.h"
#include "tb-wire.h"
#include "tb-workflow.h"

/*
 * The server side of docs/protocol.md, as functions over the database and the caller, so that
 * they can be tested without HTTP; tb_server_sync_register_routes() puts them behind routes.
 *
 * Push: mutations are intents ("decide this case"), re-run against the current state with the
 * same workflow rules and calendar arithmetic (tb_wire_apply_clock()) as the desk, with the
 * caller's permission re-checked at that moment. Each is applied in its own transaction
 * together with the client's last_mutation_id, so an id is never applied twice and never lost.
 *
 * Pull: one feed, `changes`, in which every record appears once at the sequence number of its
 * latest change, plus a "remove" row for the user a case was taken away from. A pull reads it
 * through the caller's *current* scope: a case reassigned to them is re-sequenced by the
 * reassignment, so it reaches them however old its version; a case taken from them reaches
 * them as a remove. An initial pull (null cursor) sends the reference data, then the cases in
 * scope by keyset on `cases.num`, then continues with the feed from where it stood when the
 * initial pull began. Every page reads an index range from where the last stopped, so a
 * complete initial pull is linear in the number of cases.
 *
 * Cursors carry their phase and position, the database's random epoch and the caller's scope,
 * signed with a random key of the database: a forged cursor, one of another database, one of
 * a user whose roles or teams changed since, or one older than what the feed still keeps
 * (tb_server_sync_prune()) is answered 410 cursor-expired, and the desk starts over.
 *
 * Problem details here are for developers and logs; they are English, not translated.
 */

typedef sqlite3_stmt SyncStmt;
static void release (sqlite3_stmt *stmt);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyncStmt, release)

#define ROLES_ACTING (TB_ROLE_CASEWORKER | TB_ROLE_SUPERVISOR | TB_ROLE_TRAINER)

/* Demo cases written per transaction when seeding. */
#define SEED_BATCH 5000

static gint today_override = TB_DAY_INVALID;  /* a TbDay */

/* ------------------------------------------------------------------------------------------ */
/* SQLite helpers                                                                              */

static gboolean
db_error (sqlite3  *db,
          int       rc,
          GError  **error)
{
  int primary = rc & 0xff;

  g_warning ("Server database: %s", db != NULL ? sqlite3_errmsg (db) : sqlite3_errstr (rc));

  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED || primary == SQLITE_FULL
      || primary == SQLITE_IOERR)
    g_set_error_literal (error, TB_PROBLEM_ERROR, TB_PROBLEM_UNAVAILABLE,
                         "The server's database is busy; try again shortly.");
  else
    g_set_error_literal (error, TB_PROBLEM_ERROR, TB_PROBLEM_INTERNAL,
                         "The server's database failed.");
  return FALSE;
}

/*
 * Prepared statements are kept per connection and handed out again: preparing them was half
 * of the server's time in a push. A statement in use is out of the cache (the same SQL used
 * twice at once gets two statements); tb_server_sync_forget() finalizes what a connection has
 * before it is closed.
 */
G_LOCK_DEFINE_STATIC (statements);
static GHashTable *statements;  /* sqlite3 * → GHashTable: its SQL → sqlite3_stmt */

static SyncStmt *
prepare (sqlite3     *db,
         const char  *sql,
         GError     **error)
{
  sqlite3_stmt *stmt = NULL;
  GHashTable *cache;
  int rc;

  G_LOCK (statements);
  cache = statements != NULL ? g_hash_table_lookup (statements, db) : NULL;
  if (cache != NULL)
    g_hash_table_steal_extended (cache, sql, NULL, (gpointer *) &stmt);
  G_UNLOCK (statements);
  if (stmt != NULL)
    {
      sqlite3_clear_bindings (stmt);
      return stmt;
    }

  rc = sqlite3_prepare_v3 (db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL);
  if (rc != SQLITE_OK)
    {
      db_error (db, rc, error);
      return NULL;
    }
  return stmt;
}

static void
finalize_statement (gpointer stmt)
{
  sqlite3_finalize (stmt);
}

/* Gives a statement of prepare() back, for the next one who needs it. */
static void
release (sqlite3_stmt *stmt)
{
  sqlite3 *db;
  GHashTable *cache;

  if (stmt == NULL)
    return;
  sqlite3_reset (stmt);
  db = sqlite3_db_handle (stmt);

  G_LOCK (statements);
  if (statements == NULL)
    statements = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) g_hash_table_unref);
  cache = g_hash_table_lookup (statements, db);
  if (cache == NULL)
    {
      /* Keyed by the statement's own copy of its SQL. */
      cache = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, finalize_statement);
      g_hash_table_insert (statements, db, cache);
    }
  if (!g_hash_table_contains (cache, sqlite3_sql (stmt)))
    {
      g_hash_table_insert (cache, (gpointer) sqlite3_sql (stmt), stmt);
      stmt = NULL;
    }
  G_UNLOCK (statements);

  if (stmt != NULL)
    sqlite3_finalize (stmt);
}

/**
 * tb_server_sync_forget:
 * @db: a server database
 *
 * Finalizes the statements kept for @db; call it before closing @db.
 */
void
tb_server_sync_forget (sqlite3 *db)
{
  g_return_if_fail (db != NULL);

  G_LOCK (statements);
  if (statements != NULL)
    g_hash_table_remove (statements, db);
  G_UNLOCK (statements);
}

static gboolean
exec (sqlite3     *db,
      const char  *sql,
      GError     **error)
{
  g_autoptr(SyncStmt) stmt = NULL;
  int rc;

  /* Several statements: as they are. One (BEGIN, SAVEPOINT, COMMIT…): kept prepared. */
  if (strchr (sql, ';') != NULL)
    {
      rc = sqlite3_exec (db, sql, NULL, NULL, NULL);
      return rc == SQLITE_OK ? TRUE : db_error (db, rc, error);
    }
  if (!(stmt = prepare (db, sql, error)))
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    ;
  return rc == SQLITE_DONE ? TRUE : db_error (db, rc, error);
}

/* Runs a statement that returns no rows, and resets it. */
static gboolean
step_done (sqlite3       *db,
           sqlite3_stmt  *stmt,
           GError       **error)
{
  int rc = sqlite3_step (stmt);

  sqlite3_reset (stmt);
  return rc == SQLITE_DONE ? TRUE : db_error (db, rc, error);
}

/* Runs a statement that gives at most one row: *found tells whether it did, and its columns
 * can be read until the statement is reset or released. %FALSE if the database failed. */
static gboolean
step_row (sqlite3       *db,
          sqlite3_stmt  *stmt,
          gboolean      *found,
          GError       **error)
{
  int rc = sqlite3_step (stmt);

  *found = rc == SQLITE_ROW;
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? TRUE : db_error (db, rc, error);
}

/* Runs a statement that always gives one row (an aggregate, RETURNING). */
static gboolean
step_one (sqlite3       *db,
          sqlite3_stmt  *stmt,
          GError       **error)
{
  int rc = sqlite3_step (stmt);

  return rc == SQLITE_ROW ? TRUE : db_error (db, rc, error);
}

static void
bind_text (sqlite3_stmt *stmt,
           int           index,
           const char   *value)
{
  if (value != NULL)
    sqlite3_bind_text (stmt, index, value, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (stmt, index);
}

static void
bind_day (sqlite3_stmt *stmt,
          int           index,
          TbDay         day)
{
  g_autofree char *iso = day != TB_DAY_INVALID ? tb_day_to_iso (day) : NULL;

  bind_text (stmt, index, iso);
}

static int
param (sqlite3_stmt *stmt,
       const char   *name)
{
  return sqlite3_bind_parameter_index (stmt, name);
}

static char *
column_dup (sqlite3_stmt *stmt,
            int           column)
{
  return g_strdup ((const char *) sqlite3_column_text (stmt, column));
}

static TbDay
column_day (sqlite3_stmt *stmt,
            int           column)
{
  return tb_day_from_iso ((const char *) sqlite3_column_text (stmt, column));
}

static gboolean
get_meta (sqlite3     *db,
          const char  *key,
          char       **value,
          GError     **error)
{
  g_autoptr(SyncStmt) stmt = prepare (db, "SELECT value FROM sync_meta WHERE key = ?", error);
  gboolean found;

  *value = NULL;
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, key);
  if (!step_row (db, stmt, &found, error))
    return FALSE;
  if (found)
    *value = column_dup (stmt, 0);

  if (*value == NULL)
    {
      g_set_error (error, TB_PROBLEM_ERROR, TB_PROBLEM_INTERNAL,
                   "The server's database has no %s.", key);
      return FALSE;
    }
  return TRUE;
}

/* ------------------------------------------------------------------------------------------ */
/* JSON helpers                                                                                */

static JsonNode *
problem_node (TbProblem   problem,
              const char *detail)
{
  g_autoptr(GError) error = g_error_new_literal (TB_PROBLEM_ERROR, problem, detail);

  return tb_problem_to_json (error, NULL);
}

/* Parses stored JSON into nodes the caller may change. */
static JsonNode *
parse_json (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();

  if (text == NULL || !json_parser_load_from_data (parser, text, -1, NULL))
    return NULL;
  return json_parser_steal_root (parser);
}

static char *
node_to_string (JsonNode *node)
{
  return json_to_string (node, FALSE);
}

/* RFC 6901: "~" and "/" in a token are escaped. */
static void
append_pointer_token (GString    *pointer,
                      const char *token)
{
  g_string_append_c (pointer, '/');
  for (const char *p = token; *p != '\0'; p++)
    {
      if (*p == '~')
        g_string_append (pointer, "~0");
      else if (*p == '/')
        g_string_append (pointer, "~1");
      else
        g_string_append_c (pointer, *p);
    }
}

static void
add_validation_error (JsonArray  *errors,
                      const char *pointer,
                      const char *detail)
{
  JsonObject *entry = json_object_new ();

  json_object_set_string_member (entry, "pointer", pointer);
  json_object_set_string_member (entry, "detail", detail);
  json_array_add_object_element (errors, entry);
}

static gboolean
is_blank (const char *text)
{
  /* Full-width spaces (U+3000) count as blank too. */
  for (const char *p = text; p != NULL && *p != '\0'; p = g_utf8_next_char (p))
    if (!g_unichar_isspace (g_utf8_get_char (p)))
      return FALSE;
  return TRUE;
}

/* ------------------------------------------------------------------------------------------ */
/* Clock                                                                                       */

/**
 * tb_server_sync_set_today:
 * @today: the day the server takes as today, or %TB_DAY_INVALID for the real date
 *
 * Fixes the server's date, for tests and demonstrations over demo data made for a given day:
 * deadlines of new cases and the clock of decisions count from it. Times (received_at, the
 * feed) stay real.
 */
void
tb_server_sync_set_today (TbDay today)
{
  g_atomic_int_set (&today_override, (gint) today);
}

static TbDay
server_today (gint64 now)
{
  TbDay today = (TbDay) g_atomic_int_get (&today_override);

  return today != TB_DAY_INVALID ? today : tb_wire_local_day (now);
}

/* ------------------------------------------------------------------------------------------ */
/* Request context: the caller, the time, the reference data it needed so far                 */

typedef struct
{
  sqlite3              *db;
  const TbServerCaller *caller;
  gint64                now;          /* when the current step began */
  gint64                received_at;  /* when the request came in */
  TbDay                 today;
  TbCalendar           *calendar;
  GHashTable           *services;    /* id → TbService, or absent */
  GHashTable           *workflows;   /* id → TbWorkflow */
  char                 *teams_json;  /* the caller's teams as a JSON array */
  SyncStmt             *events;
} Ctx;

static void
ctx_init (Ctx                  *ctx,
          sqlite3              *db,
          const TbServerCaller *caller)
{
  memset (ctx, 0, sizeof *ctx);
  ctx->db = db;
  ctx->caller = caller;
  ctx->now = g_get_real_time ();
  ctx->received_at = ctx->now;
  ctx->today = server_today (ctx->now);
  ctx->services = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  ctx->workflows = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  ctx->teams_json = _tb_json_from_strv (caller != NULL ? (const char * const *) caller->team_ids
                                                 : NULL);
}

static void
ctx_clear (Ctx *ctx)
{
  g_clear_pointer (&ctx->calendar, tb_calendar_unref);
  g_clear_pointer (&ctx->services, g_hash_table_unref);
  g_clear_pointer (&ctx->workflows, g_hash_table_unref);
  g_clear_pointer (&ctx->teams_json, g_free);
  g_clear_pointer (&ctx->events, release);
}

static TbCalendar *
load_calendar (sqlite3  *db,
               GError  **error)
{
  g_autoptr(TbCalendar) calendar = tb_calendar_new ();
  g_autoptr(SyncStmt) days = NULL;
  g_autoptr(SyncStmt) years = NULL;
  int rc;

  if (!(days = prepare (db, "SELECT day, is_off, name FROM calendar_days", error))
      || !(years = prepare (db, "SELECT year FROM calendar_years", error)))
    return NULL;

  while ((rc = sqlite3_step (days)) == SQLITE_ROW)
    tb_calendar_set_day (calendar, column_day (days, 0), sqlite3_column_int (days, 1) != 0,
                         (const char *) sqlite3_column_text (days, 2));
  if (rc != SQLITE_DONE)
    {
      db_error (db, rc, error);
      return NULL;
    }

  while ((rc = sqlite3_step (years)) == SQLITE_ROW)
    tb_calendar_set_has_year (calendar, sqlite3_column_int (years, 0), TRUE);
  if (rc != SQLITE_DONE)
    {
      db_error (db, rc, error);
      return NULL;
    }

  return g_steal_pointer (&calendar);
}

static TbCalendar *
ctx_get_calendar (Ctx     *ctx,
                  GError **error)
{
  if (ctx->calendar == NULL)
    ctx->calendar = load_calendar (ctx->db, error);
  return ctx->calendar;
}

/* Reads a definition; absent is %NULL without an error. */
static char *
load_definition (sqlite3     *db,
                 const char  *sql,
                 const char  *id,
                 GError     **error)
{
  g_autoptr(SyncStmt) stmt = prepare (db, sql, error);
  gboolean found;

  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, id);
  if (!step_row (db, stmt, &found, error) || !found)
    return NULL;
  return column_dup (stmt, 0);
}

static gpointer
parse_service (const char  *json,
               GError     **error)
{
  return tb_service_new_from_json (json, error);
}

static gpointer
parse_workflow (const char  *json,
                GError     **error)
{
  return tb_workflow_new_from_json (json, error);
}

/* A stored service or workflow (@kind) by @id, parsed once per request and kept in @cache; or
 * %NULL: with @error set if the database failed or the definition does not parse, without if
 * there is no such record. */
static gpointer
ctx_get_definition (Ctx          *ctx,
                    GHashTable   *cache,
                    const char   *sql,
                    gpointer    (*parse) (const char *, GError **),
                    const char   *kind,
                    const char   *id,
                    GError      **error)
{
  g_autofree char *definition = NULL;
  g_autoptr(GError) local_error = NULL;
  gpointer parsed;

  if ((parsed = g_hash_table_lookup (cache, id)) != NULL)
    return parsed;

  definition = load_definition (ctx->db, sql, id, &local_error);
  if (definition == NULL)
    {
      if (local_error != NULL)
        g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  if (!(parsed = parse (definition, &local_error)))
    {
      g_set_error (error, TB_PROBLEM_ERROR, TB_PROBLEM_INTERNAL,
                   "The stored %s “%s” is not valid: %s", kind, id, local_error->message);
      return NULL;
    }

  g_hash_table_insert (cache, g_strdup (id), parsed);
  return parsed;
}

static TbService *
ctx_get_service (Ctx         *ctx,
                 const char  *id,
                 GError     **error)
{
  return ctx_get_definition (ctx, ctx->services, "SELECT definition FROM services WHERE id = ?",
                             parse_service, "service", id, error);
}

static TbWorkflow *
ctx_get_workflow (Ctx         *ctx,
                  const char  *id,
                  GError     **error)
{
  return ctx_get_definition (ctx, ctx->workflows,
                             "SELECT definition FROM workflows WHERE id = ?",
                             parse_workflow, "workflow", id, error);
}

/* ------------------------------------------------------------------------------------------ */
/* Scope: which cases the caller sees and acts on                                              */

/* The same rule as SCOPE_SQL below, for one case in hand. */
static gboolean
caller_sees_case (const TbServerCaller *caller,
                  const char           *assignee_id,
                  const char           *team_id,
                  gboolean              practice)
{
  if ((caller->roles & TB_ROLE_CASEWORKER) && g_strcmp0 (assignee_id, caller->user_id) == 0)
    return TRUE;
  if ((caller->roles & TB_ROLE_SUPERVISOR) && tb_server_caller_in_team (caller, team_id))
    return TRUE;
  if ((caller->roles & TB_ROLE_TRAINER) && practice)
    return TRUE;
  return FALSE;
}

/* Caseworkers: the cases assigned to them; supervisors: their teams' cases; trainers: the
 * practice cases. Over the case row `k`; bound with bind_scope(). The unary "+" keeps SQLite
 * from answering the OR from three indexes and sorting the union by num for every page: a
 * scan in num order that stops when the page is full makes a whole initial pull linear. */
#define SCOPE_SQL \
  "((:cw AND +k.assignee_id = :user)" \
  " OR (:sup AND +k.team_id IN (SELECT value FROM json_each (:teams)))" \
  " OR (:tr AND +k.practice = 1))"

static void
bind_scope (Ctx          *ctx,
            sqlite3_stmt *stmt)
{
  const TbServerCaller *caller = ctx->caller;

  sqlite3_bind_int (stmt, param (stmt, ":cw"), (caller->roles & TB_ROLE_CASEWORKER) != 0);
  sqlite3_bind_int (stmt, param (stmt, ":sup"), (caller->roles & TB_ROLE_SUPERVISOR) != 0);
  sqlite3_bind_int (stmt, param (stmt, ":tr"), (caller->roles & TB_ROLE_TRAINER) != 0);
  bind_text (stmt, param (stmt, ":user"), caller->user_id);
  bind_text (stmt, param (stmt, ":teams"), ctx->teams_json);
}

static gboolean
caller_has_case_scope (const TbServerCaller *caller)
{
  return (caller->roles & ROLES_ACTING) != 0;
}

/* The roles the caller acts in on one case, counted as the desk counts them
 * (tb_case_service_get_case_roles()), so that the workflow is asked the same question on both
 * ends: a caseworker on the cases assigned to them, a supervisor on their teams' cases, a
 * trainer in every role of the procedure on practice cases. */
static TbRole
caller_case_roles (const TbServerCaller *caller,
                   const char           *assignee_id,
                   const char           *team_id,
                   gboolean              practice)
{
  TbRole roles = TB_ROLE_NONE;

  if (practice && (caller->roles & TB_ROLE_TRAINER))
    roles |= TB_ROLE_CASEWORKER | TB_ROLE_SUPERVISOR;
  if ((caller->roles & TB_ROLE_CASEWORKER) && g_strcmp0 (assignee_id, caller->user_id) == 0)
    roles |= TB_ROLE_CASEWORKER;
  if ((caller->roles & TB_ROLE_SUPERVISOR) && tb_server_caller_in_team (caller, team_id))
    roles |= TB_ROLE_SUPERVISOR;
  return roles;
}

/* ------------------------------------------------------------------------------------------ */
/* Cases                                                                                       */

typedef struct
{
  gint64    num;
  char     *id;
  char     *ref;
  char     *service_id;
  char     *state;
  char     *assignee_id;
  char     *team_id;
  char     *applicant_name;
  char     *applicant_kind;
  char     *company_name;
  TbDay     received_on;
  TbDay     deadline;
  TbDay     paused_since;
  gboolean  closed;
  gint64    version;
  gboolean  practice;
  GStrv     signed_parties;
  char     *form;
  gint64    state_version;
  gint64    assigned_version;
  gint64    fields_version;
} CaseRow;

#define CASE_COLUMNS \
  "k.num, k.id, k.ref, k.service_id, k.state, k.assignee_id, k.team_id, k.applicant_name," \
  " k.applicant_kind, k.company_name, k.received_on, k.deadline, k.paused_since, k.closed," \
  " k.version, k.practice, k.signed_parties, k.form, k.state_version, k.assigned_version," \
  " k.fields_version"
#define N_CASE_COLUMNS 21

static void
case_row_clear (CaseRow *row)
{
  g_free (row->id);
  g_free (row->ref);
  g_free (row->service_id);
  g_free (row->state);
  g_free (row->assignee_id);
  g_free (row->team_id);
  g_free (row->applicant_name);
  g_free (row->applicant_kind);
  g_free (row->company_name);
  g_strfreev (row->signed_parties);
  g_free (row->form);
  memset (row, 0, sizeof *row);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CaseRow, case_row_clear)

/* Reads CASE_COLUMNS starting at column @first. */
static void
case_row_read (sqlite3_stmt *stmt,
               int           first,
               CaseRow      *row)
{
  int c = first;

  case_row_clear (row);
  row->num = sqlite3_column_int64 (stmt, c++);
  row->id = column_dup (stmt, c++);
  row->ref = column_dup (stmt, c++);
  row->service_id = column_dup (stmt, c++);
  row->state = column_dup (stmt, c++);
  row->assignee_id = column_dup (stmt, c++);
  row->team_id = column_dup (stmt, c++);
  row->applicant_name = column_dup (stmt, c++);
  row->applicant_kind = column_dup (stmt, c++);
  row->company_name = column_dup (stmt, c++);
  row->received_on = column_day (stmt, c++);
  row->deadline = column_day (stmt, c++);
  row->paused_since = column_day (stmt, c++);
  row->closed = sqlite3_column_int (stmt, c++) != 0;
  row->version = sqlite3_column_int64 (stmt, c++);
  row->practice = sqlite3_column_int (stmt, c++) != 0;
  row->signed_parties = _tb_json_to_strv ((const char *) sqlite3_column_text (stmt, c++));
  row->form = column_dup (stmt, c++);
  row->state_version = sqlite3_column_int64 (stmt, c++);
  row->assigned_version = sqlite3_column_int64 (stmt, c++);
  row->fields_version = sqlite3_column_int64 (stmt, c++);
}

/* Loads the case @id; %FALSE only if the database failed (*found tells whether it exists). */
static gboolean
load_case (Ctx         *ctx,
           const char  *id,
           CaseRow     *row,
           gboolean    *found,
           GError     **error)
{
  g_autoptr(SyncStmt) stmt = prepare (ctx->db, "SELECT " CASE_COLUMNS " FROM cases k"
                                               " WHERE k.id = ?", error);

  *found = FALSE;
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, id);
  if (!step_row (ctx->db, stmt, found, error))
    return FALSE;
  if (*found)
    case_row_read (stmt, 0, row);
  return TRUE;
}

static JsonArray *
load_events (Ctx         *ctx,
             const char  *case_id,
             GError     **error)
{
  g_autoptr(JsonArray) events = json_array_new ();
  int rc;

  if (ctx->events == NULL
      && !(ctx->events = prepare (ctx->db, "SELECT id, kind, actor_id, received_at,"
                                           " device_time, data FROM case_events"
                                           " WHERE case_id = ? ORDER BY id", error)))
    return NULL;

  bind_text (ctx->events, 1, case_id);
  while ((rc = sqlite3_step (ctx->events)) == SQLITE_ROW)
    {
      JsonObject *event = json_object_new ();
      g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT,
                                             (gint64) sqlite3_column_int64 (ctx->events, 0));
      g_autofree char *at = tb_wire_format_time (sqlite3_column_int64 (ctx->events, 3));
      const char *actor = (const char *) sqlite3_column_text (ctx->events, 2);
      const char *device = (const char *) sqlite3_column_text (ctx->events, 4);
      JsonNode *data = parse_json ((const char *) sqlite3_column_text (ctx->events, 5));

      json_object_set_string_member (event, "id", id);
      json_object_set_string_member (event, "kind",
                                     (const char *) sqlite3_column_text (ctx->events, 1));
      if (actor != NULL)
        json_object_set_string_member (event, "actor_id", actor);
      else
        json_object_set_null_member (event, "actor_id");
      json_object_set_string_member (event, "at", at);
      if (device != NULL)
        json_object_set_string_member (event, "device_time", device);
      else
        json_object_set_null_member (event, "device_time");
      if (data != NULL)
        json_object_set_member (event, "data", data);
      else
        json_object_set_object_member (event, "data", json_object_new ());
      json_array_add_object_element (events, event);
    }
  sqlite3_reset (ctx->events);

  if (rc != SQLITE_DONE)
    {
      db_error (ctx->db, rc, error);
      return NULL;
    }
  return g_steal_pointer (&events);
}

static JsonNode *
case_to_json (Ctx            *ctx,
              const CaseRow  *row,
              GError        **error)
{
  g_autoptr(GError) wire_error = NULL;
  TbWireCase wcase = { { 0 } };
  JsonNode *node;

  wcase.record.id = row->id;
  wcase.record.ref = row->ref;
  wcase.record.service_id = row->service_id;
  wcase.record.state = row->state;
  wcase.record.assignee_id = row->assignee_id;
  wcase.record.team_id = row->team_id;
  wcase.record.applicant_name = row->applicant_name;
  wcase.record.applicant_kind = row->applicant_kind;
  wcase.record.company_name = row->company_name;
  wcase.record.received_on = row->received_on;
  wcase.record.deadline = row->deadline;
  wcase.record.paused_since = row->paused_since;
  wcase.record.closed = row->closed;
  wcase.record.version = row->version;
  wcase.record.form_json = row->form;
  wcase.practice = row->practice;
  wcase.signed_parties = row->signed_parties;

  if (!(wcase.events = load_events (ctx, row->id, error)))
    return NULL;

  node = tb_wire_case_to_json (&wcase, &wire_error);
  json_array_unref (wcase.events);
  if (node == NULL)
    g_set_error (error, TB_PROBLEM_ERROR, TB_PROBLEM_INTERNAL,
                 "The stored case %s is not valid: %s", row->id, wire_error->message);
  return node;
}

/*
 * The put of the case row `k` as a change of the pull feed, as JSON text: the shape of
 * tb_wire_change_new() around tb_wire_case_to_json(), events in id order, made by SQLite's JSON
 * functions. An initial sync sends every case in scope: building a json-glib tree per case and
 * serialising it was most of the server's time. The stored JSON (form, parties, event data) is
 * passed through json() so that it goes out minified and valid whatever was stored.
 */
#define CASE_CHANGE_SQL \
  "json_object ('type', 'case', 'id', k.id, 'op', 'put', 'version', k.version, 'data'," \
  " json_object ('id', k.id, 'ref', k.ref, 'service_id', k.service_id, 'state', k.state," \
  "  'assignee_id', k.assignee_id, 'team_id', k.team_id, 'applicant_name', k.applicant_name," \
  "  'applicant_kind', k.applicant_kind, 'company_name', k.company_name," \
  "  'received_on', k.received_on, 'deadline', k.deadline, 'paused_since', k.paused_since," \
  "  'closed', json (iif (k.closed, 'true', 'false')), 'version', k.version," \
  "  'practice', json (iif (k.practice, 'true', 'false'))," \
  "  'signed_parties', json (k.signed_parties), 'form', json (k.form)," \
  "  'events', (SELECT json_group_array (json_object ('id', CAST (e.id AS TEXT)," \
  "     'kind', e.kind, 'actor_id', e.actor_id," \
  "     'at', strftime ('%Y-%m-%dT%H:%M:%SZ'," \
  "                     (e.received_at - (e.received_at % 1000000 + 1000000) % 1000000)" \
  "                     / 1000000, 'unixepoch')," \
  "     'device_time', e.device_time, 'data', json (e.data)))" \
  "   FROM (SELECT * FROM case_events e WHERE e.case_id = k.id ORDER BY e.id) e)))"

static gboolean
store_case (Ctx            *ctx,
            const CaseRow  *row,
            GError        **error)
{
  g_autoptr(SyncStmt) stmt = prepare (ctx->db,
    "UPDATE cases SET state = ?, assignee_id = ?, team_id = ?, deadline = ?,"
    " paused_since = ?, closed = ?, version = ?, signed_parties = ?, form = ?,"
    " state_version = ?, assigned_version = ?, fields_version = ? WHERE num = ?", error);
  g_autofree char *parties = NULL;

  if (stmt == NULL)
    return FALSE;

  parties = _tb_json_from_strv ((const char * const *) row->signed_parties);
  bind_text (stmt, 1, row->state);
  bind_text (stmt, 2, row->assignee_id);
  bind_text (stmt, 3, row->team_id);
  bind_day (stmt, 4, row->deadline);
  bind_day (stmt, 5, row->paused_since);
  sqlite3_bind_int (stmt, 6, row->closed);
  sqlite3_bind_int64 (stmt, 7, row->version);
  bind_text (stmt, 8, parties);
  bind_text (stmt, 9, row->form);
  sqlite3_bind_int64 (stmt, 10, row->state_version);
  sqlite3_bind_int64 (stmt, 11, row->assigned_version);
  sqlite3_bind_int64 (stmt, 12, row->fields_version);
  sqlite3_bind_int64 (stmt, 13, row->num);
  return step_done (ctx->db, stmt, error);
}

static gboolean
note_change (Ctx         *ctx,
             const char  *type,
             const char  *id,
             const char  *op,
             const char  *user_id,
             GError     **error)
{
  g_autoptr(SyncStmt) stmt = prepare (ctx->db, "INSERT INTO changes (type, id, op, user_id, at)"
                                               " VALUES (?, ?, ?, ?, ?)", error);

  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, type);
  bind_text (stmt, 2, id);
  bind_text (stmt, 3, op);
  bind_text (stmt, 4, user_id);
  sqlite3_bind_int64 (stmt, 5, ctx->now);
  return step_done (ctx->db, stmt, error);
}

static gboolean
add_event (Ctx         *ctx,
           const char  *case_id,
           const char  *kind,
           gint64       version,
           JsonObject  *data,
           const char  *device_time,
           GError     **error)
{
  g_autoptr(SyncStmt) stmt = prepare (ctx->db,
    "INSERT INTO case_events (case_id, kind, version, actor_id, device_time, received_at, data)"
    " VALUES (?, ?, ?, ?, ?, ?, ?)", error);
  g_autofree char *text = NULL;

  if (stmt == NULL)
    return FALSE;
  text = _tb_json_object_to_string (data);
  bind_text (stmt, 1, case_id);
  bind_text (stmt, 2, kind);
  sqlite3_bind_int64 (stmt, 3, version);
  bind_text (stmt, 4, ctx->caller->user_id);
  bind_text (stmt, 5, device_time);
  sqlite3_bind_int64 (stmt, 6, ctx->received_at);
  bind_text (stmt, 7, text);
  return step_done (ctx->db, stmt, error);
}

static void
add_hash (const char *sha256,
          gpointer    hashes)
{
  if (strlen (sha256) == 64)
    g_hash_table_add (hashes, g_ascii_strdown (sha256, -1));
}

/* The "sha256" members in a form (attachment fields list files as {name, size, sha256}), in
 * lower case, so that the attachments a case refers to are visible to whoever sees the case. */
static GHashTable *
form_hashes (JsonObject *form)
{
  GHashTable *hashes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), form);

  _tb_json_foreach_string_member (node, "sha256", add_hash, hashes);
  return hashes;
}

static gboolean
index_attachments (Ctx         *ctx,
                   const char  *case_id,
                   JsonObject  *form,
                   GError     **error)
{
  g_autoptr(GHashTable) hashes = form_hashes (form);
  g_autoptr(SyncStmt) clear = NULL;
  g_autoptr(SyncStmt) insert = NULL;
  GHashTableIter iter;
  gpointer hash;

  if (!(clear = prepare (ctx->db, "DELETE FROM case_attachments WHERE case_id = ?", error))
      || !(insert = prepare (ctx->db, "INSERT OR IGNORE INTO case_attachments (sha256, case_id)"
                                      " VALUES (?, ?)", error)))
    return FALSE;

  bind_text (clear, 1, case_id);
  if (!step_done (ctx->db, clear, error))
    return FALSE;

  g_hash_table_iter_init (&iter, hashes);
  while (g_hash_table_iter_next (&iter, &hash, NULL))
    {
      bind_text (insert, 1, hash);
      bind_text (insert, 2, case_id);
      if (!step_done (ctx->db, insert, error))
        return FALSE;
    }

  return TRUE;
}

/* ------------------------------------------------------------------------------------------ */
/* Push                                                                                        */

/* What one mutation came to. */
typedef struct
{
  const char *status;        /* "applied", "rejected" or "conflict" */
  gint64      version;       /* the case's version after an applied mutation */
  JsonNode   *problem;
  JsonNode   *record;        /* the server's current case, for a conflict */
  char       *case_id;
  char       *team_id;
} Outcome;

static void
outcome_clear (Outcome *out)
{
  g_clear_pointer (&out->problem, json_node_unref);
  g_clear_pointer (&out->record, json_node_unref);
  g_clear_pointer (&out->case_id, g_free);
  g_clear_pointer (&out->team_id, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Outcome, outcome_clear)

static gboolean
reject (Outcome    *out,
        TbProblem   problem,
        const char *format,
        ...) G_GNUC_PRINTF (3, 4);

/* Records a rejection; returns %TRUE (the mutation was processed). */
static gboolean
reject (Outcome    *out,
        TbProblem   problem,
        const char *format,
        ...)
{
  g_autofree char *detail = NULL;
  va_list args;

  va_start (args, format);
  detail = g_strdup_vprintf (format, args);
  va_end (args);

  out->status = "rejected";
  g_clear_pointer (&out->problem, json_node_unref);
  out->problem = problem_node (problem, detail);
  return TRUE;
}

static gboolean
reject_error (Outcome *out,
              GError  *error)
{
  TbProblem problem = error->domain == TB_PROBLEM_ERROR ? (TbProblem) error->code
                                                        : TB_PROBLEM_MALFORMED_REQUEST;

  return reject (out, problem, "%s", error->message);
}

/* A validation problem listing @errors ({pointer, detail}). */
static gboolean
reject_validation (Outcome   *out,
                   JsonArray *errors)
{
  reject (out, TB_PROBLEM_VALIDATION, "%u value(s) are not valid.",
          json_array_get_length (errors));
  json_object_set_array_member (json_node_get_object (out->problem), "errors",
                                json_array_ref (errors));
  return TRUE;
}

static gboolean
reject_invalid (Outcome    *out,
                const char *pointer,
                const char *detail)
{
  g_autoptr(JsonArray) errors = json_array_new ();

  add_validation_error (errors, pointer, detail);
  return reject_validation (out, errors);
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/*
 * The files a mutation names (in @values: its form, or the fields it changes) that the case
 * does not have yet (in its form before, @had, or attached to it) must be the caller's own
 * uploads: a form shows its files to whoever sees the case, so naming another user's file
 * would be enough to read it. Otherwise the mutation is `rejected` with a `forbidden` problem
 * whose `code` is "attachment-not-uploaded" and whose `attachments` lists the checksums,
 * sorted. Sets @refused; %FALSE only if the database failed.
 */
static gboolean
check_attachments (Ctx         *ctx,
                   const char  *case_id,
                   JsonObject  *values,
                   GHashTable  *had,
                   Outcome     *out,
                   gboolean    *refused,
                   GError     **error)
{
  g_autoptr(GHashTable) hashes = form_hashes (values);
  g_autoptr(SyncStmt) allowed = NULL;
  g_autoptr(GPtrArray) sorted = NULL;
  GHashTableIter iter;
  gpointer hash;
  JsonArray *foreign = NULL;
  JsonObject *problem;

  *refused = FALSE;
  if (g_hash_table_size (hashes) == 0)
    return TRUE;

  if (!(allowed = prepare (ctx->db, "SELECT EXISTS (SELECT 1 FROM case_attachments"
                                    "               WHERE sha256 = ?1 AND case_id = ?2)"
                                    " OR EXISTS (SELECT 1 FROM attachment_uploads"
                                    "            WHERE sha256 = ?1 AND user_id = ?3)", error)))
    return FALSE;

  sorted = g_ptr_array_new ();
  g_hash_table_iter_init (&iter, hashes);
  while (g_hash_table_iter_next (&iter, &hash, NULL))
    if (had == NULL || !g_hash_table_contains (had, hash))
      g_ptr_array_add (sorted, hash);
  g_ptr_array_sort (sorted, compare_strings);
  for (guint i = 0; i < sorted->len; i++)
    {
      const char *sha256 = g_ptr_array_index (sorted, i);
      gboolean found;

      bind_text (allowed, 1, sha256);
      bind_text (allowed, 2, case_id);
      bind_text (allowed, 3, ctx->caller->user_id);
      if (!step_row (ctx->db, allowed, &found, error))
        return FALSE;
      if (found && sqlite3_column_int (allowed, 0))
        {
          sqlite3_reset (allowed);
          continue;
        }
      sqlite3_reset (allowed);
      if (foreign == NULL)
        foreign = json_array_new ();
      json_array_add_string_element (foreign, sha256);
    }

  if (foreign == NULL)
    return TRUE;

  *refused = TRUE;
  reject (out, TB_PROBLEM_FORBIDDEN, "The form names %u file(s) you have not uploaded; upload"
          " them before the change that attaches them.", json_array_get_length (foreign));
  problem = json_node_get_object (out->problem);
  json_object_set_string_member (problem, "code", TB_WIRE_PROBLEM_ATTACHMENT_NOT_UPLOADED);
  json_object_set_array_member (problem, "attachments", foreign);
  return TRUE;
}

/* A conflict: the case changed in a way the mutation depended on. */
static gboolean
conflict (Ctx            *ctx,
          Outcome        *out,
          const CaseRow  *row,
          const char     *detail,
          GError        **error)
{
  out->status = "conflict";
  g_clear_pointer (&out->problem, json_node_unref);
  out->problem = problem_node (TB_PROBLEM_CONFLICT, detail);
  out->record = case_to_json (ctx, row, error);
  return out->record != NULL;
}

/* One mutation of a push, as read from the request. */
typedef struct
{
  guint        index;
  gint64       id;
  const char  *name;
  JsonObject  *args;
  JsonObject  *base_versions;
  const char  *device_time;
  char        *pointer;       /* "/mutations/<index>/args" */
} Mutation;

static gboolean
read_base_version (const Mutation  *m,
                   const char      *case_id,
                   gint64           current,
                   gint64          *base,
                   Outcome         *out)
{
  g_autofree char *key = g_strconcat ("case:", case_id, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *pointer = NULL;

  *base = current;
  if (m->base_versions == NULL || !json_object_has_member (m->base_versions, key))
    return TRUE;

  pointer = g_strdup_printf ("/mutations/%u/base_versions", m->index);
  if (!tb_request_get_int (m->base_versions, pointer, key, TRUE, 0, TB_REQUEST_MAX_SAFE_INT,
                           base, &error))
    return !reject_error (out, error);

  if (*base > current)
    {
      g_autoptr(GString) where = g_string_new (pointer);

      append_pointer_token (where, key);
      reject_invalid (out, where->str, "The base version is newer than the case's version.");
      return FALSE;
    }

  return TRUE;
}

/* Whether the case was reassigned away from the caller after version @base. */
static gboolean
taken_from_caller_since (Ctx         *ctx,
                         const char  *case_id,
                         gint64       base,
                         gboolean    *taken,
                         GError     **error)
{
  g_autoptr(SyncStmt) stmt = prepare (ctx->db,
    "SELECT 1 FROM case_events WHERE case_id = ? AND kind = 'assignment' AND version > ?"
    " AND json_extract (data, '$.from') = ? LIMIT 1", error);

  *taken = FALSE;
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, case_id);
  sqlite3_bind_int64 (stmt, 2, base);
  bind_text (stmt, 3, ctx->caller->user_id);
  return step_row (ctx->db, stmt, taken, error);
}

/*
 * The common start of every mutation on an existing case: load it, read its base version,
 * and check that the caller may act on it now. A case taken from the caller since the base
 * version is a conflict (their change was made while it was theirs); any other case out of
 * scope is forbidden.
 *
 * Returns %FALSE on a database failure. *go is %TRUE if the mutation may proceed; otherwise
 * @out holds the rejection or conflict.
 */
static gboolean
open_case (Ctx            *ctx,
           const Mutation *m,
           const char     *case_id,
           CaseRow        *row,
           gint64         *base,
           Outcome        *out,
           gboolean       *go,
           GError        **error)
{
  gboolean found, taken;

  *go = FALSE;
  if (!load_case (ctx, case_id, row, &found, error))
    return FALSE;

  if (!found)
    return reject (out, TB_PROBLEM_NOT_FOUND, "There is no case %s.", case_id);

  out->case_id = g_strdup (row->id);
  out->team_id = g_strdup (row->team_id);

  if (!read_base_version (m, case_id, row->version, base, out))
    return TRUE;

  if (!caller_sees_case (ctx->caller, row->assignee_id, row->team_id, row->practice))
    {
      if (*base < row->version)
        {
          if (!taken_from_caller_since (ctx, row->id, *base, &taken, error))
            return FALSE;
          if (taken)
            return conflict (ctx, out, row, "The case was reassigned since your version.",
                             error);
        }
      return reject (out, TB_PROBLEM_FORBIDDEN, "You may not act on case %s.", row->ref);
    }

  *go = TRUE;
  return TRUE;
}

static gboolean
read_args (const Mutation      *m,
           const char * const  *allowed,
           Outcome             *out)
{
  g_autoptr(GError) error = NULL;

  if (!tb_request_check_members (m->args, m->pointer, allowed, &error))
    return !reject_error (out, error);
  return TRUE;
}

static gboolean
get_string_arg (const Mutation  *m,
                const char      *member,
                gboolean         required,
                gsize            max_length,
                const char     **value,
                Outcome         *out)
{
  g_autoptr(GError) error = NULL;

  if (!tb_request_get_string (m->args, m->pointer, member, required, max_length, value, &error))
    return !reject_error (out, error);
  return TRUE;
}

static char *
arg_pointer (const Mutation *m,
             const char     *member)
{
  GString *pointer = g_string_new (m->pointer);

  append_pointer_token (pointer, member);
  return g_string_free (pointer, FALSE);
}

static JsonObject *
new_object (void)
{
  return json_object_new ();
}

static void
set_nullable (JsonObject *object,
              const char *member,
              const char *value)
{
  if (value != NULL)
    json_object_set_string_member (object, member, value);
  else
    json_object_set_null_member (object, member);
}

/* Applies the row and logs it: the event, the feed entry. */
static gboolean
commit_case (Ctx            *ctx,
             const Mutation *m,
             const CaseRow  *row,
             const char     *kind,
             JsonObject     *event_data,
             Outcome        *out,
             GError        **error)
{
  if (!store_case (ctx, row, error)
      || !add_event (ctx, row->id, kind, row->version, event_data, m->device_time, error)
      || !note_change (ctx, "case", row->id, "put", NULL, error))
    return FALSE;

  out->status = "applied";
  out->version = row->version;
  return TRUE;
}

static gboolean
apply_decide (Ctx            *ctx,
              const Mutation *m,
              Outcome        *out,
              GError        **error)
{
  static const char * const allowed[] = { "case_id", "action", "reason", "comment", "party",
                                          NULL };
  g_auto(CaseRow) row = { 0 };
  g_autoptr(GError) workflow_error = NULL;
  g_autoptr(JsonObject) data = NULL;
  g_autofree char *from = NULL;
  const char *case_id, *action, *reason, *comment, *party;
  TbCaseTiming before;
  TbCaseTiming after = { NULL };
  TbWorkflow *workflow;
  TbService *service;
  TbCalendar *calendar;
  gint64 base;
  gboolean go;
  TbRole roles;

  if (!read_args (m, allowed, out)
      || !get_string_arg (m, "case_id", TRUE, TB_REQUEST_MAX_ID, &case_id, out)
      || !get_string_arg (m, "action", TRUE, TB_REQUEST_MAX_ID, &action, out)
      || !get_string_arg (m, "reason", FALSE, TB_REQUEST_MAX_STRING, &reason, out)
      || !get_string_arg (m, "comment", FALSE, TB_REQUEST_MAX_STRING, &comment, out)
      || !get_string_arg (m, "party", FALSE, TB_REQUEST_MAX_ID, &party, out))
    return TRUE;

  if (!open_case (ctx, m, case_id, &row, &base, out, &go, error))
    return FALSE;
  if (!go)
    return TRUE;

  /* Decisions follow one another: one taken since the base version, or a change of hands,
   * makes this one moot. */
  if (base < row.version && (row.state_version > base || row.assigned_version > base))
    return conflict (ctx, out, &row,
                     row.assigned_version > base
                       ? "The case was reassigned since your version."
                       : "The case was decided since your version.", error);

  if (!(service = ctx_get_service (ctx, row.service_id, error)))
    return *error == NULL ? reject (out, TB_PROBLEM_WORKFLOW, "The case's service %s is not"
                                    " known.", row.service_id) : FALSE;
  if (!(workflow = ctx_get_workflow (ctx, tb_service_get_workflow_id (service), error)))
    return *error == NULL ? reject (out, TB_PROBLEM_WORKFLOW, "The service's workflow %s is"
                                    " not known.", tb_service_get_workflow_id (service))
                          : FALSE;
  if (!(calendar = ctx_get_calendar (ctx, error)))
    return FALSE;

  roles = caller_case_roles (ctx->caller, row.assignee_id, row.team_id, row.practice);

  from = g_strdup (row.state);
  before = (TbCaseTiming) { row.state, row.signed_parties, row.deadline, row.paused_since,
                            row.closed };

  /* The same computation as the desk's, so an offline decision shows what the server records. */
  if (!tb_decision_apply (workflow, service, calendar, &before, roles, action, party, reason,
                          ctx->today, &after, &workflow_error))
    {
      if (g_error_matches (workflow_error, TB_WORKFLOW_ERROR, TB_WORKFLOW_ERROR_REASON_REQUIRED))
        {
          g_autofree char *pointer = arg_pointer (m, "reason");
          return reject_invalid (out, pointer, workflow_error->message);
        }
      if (g_error_matches (workflow_error, TB_WORKFLOW_ERROR, TB_WORKFLOW_ERROR_PARTY_REQUIRED))
        {
          g_autofree char *pointer = arg_pointer (m, "party");
          return reject_invalid (out, pointer, workflow_error->message);
        }
      return reject (out, TB_PROBLEM_WORKFLOW, "%s", workflow_error->message);
    }

  g_free (row.state);
  row.state = g_steal_pointer (&after.state);
  g_strfreev (row.signed_parties);
  row.signed_parties = g_steal_pointer (&after.signed_parties);
  row.deadline = after.deadline;
  row.paused_since = after.paused_since;
  row.closed = after.closed;
  row.version++;
  row.state_version = row.version;

  data = new_object ();
  json_object_set_string_member (data, "action", action);
  json_object_set_string_member (data, "from", from);
  json_object_set_string_member (data, "to", row.state);
  set_nullable (data, "reason", reason);
  set_nullable (data, "comment", comment);
  set_nullable (data, "party", party);

  return commit_case (ctx, m, &row, "decision", data, out, error);
}

/* Reads the user @id: whether they exist, their roles and teams. */
static gboolean
load_user (Ctx         *ctx,
           const char  *id,
           gboolean    *found,
           TbRole      *roles,
           GStrv       *teams,
           GError     **error)
{
  g_autoptr(SyncStmt) stmt = prepare (ctx->db, "SELECT roles, teams FROM users WHERE id = ?",
                                      error);
  g_auto(GStrv) names = NULL;

  *found = FALSE;
  *roles = TB_ROLE_NONE;
  *teams = NULL;
  if (stmt == NULL)
    return FALSE;

  bind_text (stmt, 1, id);
  if (!step_row (ctx->db, stmt, found, error))
    return FALSE;
  if (!*found)
    return TRUE;

  names = _tb_json_to_strv ((const char *) sqlite3_column_text (stmt, 0));
  for (guint i = 0; names[i] != NULL; i++)
    *roles |= tb_role_from_string (names[i]);
  *teams = _tb_json_to_strv ((const char *) sqlite3_column_text (stmt, 1));
  return TRUE;
}

static gboolean
apply_reassign (Ctx            *ctx,
                const Mutation *m,
                Outcome        *out,
                GError        **error)
{
  static const char * const allowed[] = { "case_id", "assignee_id", NULL };
  g_auto(CaseRow) row = { 0 };
  g_autoptr(JsonObject) data = NULL;
  g_autofree char *old = NULL;
  const char *case_id, *assignee;
  gint64 base;
  gboolean go;

  if (!read_args (m, allowed, out)
      || !get_string_arg (m, "case_id", TRUE, TB_REQUEST_MAX_ID, &case_id, out)
      || !get_string_arg (m, "assignee_id", FALSE, TB_REQUEST_MAX_ID, &assignee, out))
    return TRUE;

  if (!json_object_has_member (m->args, "assignee_id"))
    {
      g_autofree char *pointer = arg_pointer (m, "assignee_id");
      return reject_invalid (out, pointer, "Name the new assignee (null: the team's queue).");
    }

  if (!open_case (ctx, m, case_id, &row, &base, out, &go, error))
    return FALSE;
  if (!go)
    return TRUE;

  if (!(ctx->caller->roles & TB_ROLE_SUPERVISOR)
      || !tb_server_caller_in_team (ctx->caller, row.team_id))
    return reject (out, TB_PROBLEM_FORBIDDEN,
                   "Only a supervisor of the case's team may reassign it.");

  if (base < row.version && row.assigned_version > base)
    return conflict (ctx, out, &row, "The case was reassigned since your version.", error);

  if (row.closed)
    return reject (out, TB_PROBLEM_WORKFLOW, "Case %s is closed.", row.ref);

  if (assignee != NULL)
    {
      g_auto(GStrv) teams = NULL;
      gboolean found;
      TbRole roles;

      if (!load_user (ctx, assignee, &found, &roles, &teams, error))
        return FALSE;

      if (!found || !(roles & (TB_ROLE_CASEWORKER | TB_ROLE_SUPERVISOR))
          || row.team_id == NULL
          || !g_strv_contains ((const char * const *) teams, row.team_id))
        {
          g_autofree char *pointer = arg_pointer (m, "assignee_id");
          return reject_invalid (out, pointer,
                                 "The assignee must be a caseworker or supervisor of the case's"
                                 " team.");
        }
    }

  if (g_strcmp0 (assignee, row.assignee_id) == 0)
    {
      /* Already so: nothing changes, and the desk's view is right. */
      out->status = "applied";
      out->version = row.version;
      return TRUE;
    }

  old = g_steal_pointer (&row.assignee_id);
  row.assignee_id = g_strdup (assignee);
  row.version++;
  row.assigned_version = row.version;

  data = new_object ();
  set_nullable (data, "from", old);
  set_nullable (data, "to", assignee);

  /* The old assignee's feed gets a remove, everyone who sees it now a put: re-sequencing the
   * case brings it to the new assignee however old its version. */
  if (old != NULL && !note_change (ctx, "case", row.id, "remove", old, error))
    return FALSE;

  return commit_case (ctx, m, &row, "assignment", data, out, error);
}

static gboolean
apply_comment (Ctx            *ctx,
               const Mutation *m,
               Outcome        *out,
               GError        **error)
{
  static const char * const allowed[] = { "case_id", "text", NULL };
  g_auto(CaseRow) row = { 0 };
  g_autoptr(JsonObject) data = NULL;
  const char *case_id, *text;
  gint64 base;
  gboolean go;

  if (!read_args (m, allowed, out)
      || !get_string_arg (m, "case_id", TRUE, TB_REQUEST_MAX_ID, &case_id, out)
      || !get_string_arg (m, "text", TRUE, TB_REQUEST_MAX_STRING, &text, out))
    return TRUE;

  if (is_blank (text))
    {
      g_autofree char *pointer = arg_pointer (m, "text");
      return reject_invalid (out, pointer, "The comment is empty.");
    }

  if (!open_case (ctx, m, case_id, &row, &base, out, &go, error))
    return FALSE;
  if (!go)
    return TRUE;

  /* Comments never conflict: they add to the timeline whatever happened since. */
  row.version++;
  data = new_object ();
  json_object_set_string_member (data, "text", text);
  return commit_case (ctx, m, &row, "comment", data, out, error);
}

/* Turns the form problems of @fields into validation errors under @prefix. */
static void
add_form_problems (JsonArray  *errors,
                   GPtrArray  *problems,
                   const char *prefix,
                   JsonObject *only)
{
  for (guint i = 0; problems != NULL && i < problems->len; i++)
    {
      TbFormProblem *problem = g_ptr_array_index (problems, i);
      g_autoptr(GString) pointer = NULL;

      if (only != NULL && !json_object_has_member (only, problem->field_id))
        continue;

      pointer = g_string_new (prefix);
      append_pointer_token (pointer, problem->field_id);
      if (problem->row >= 0)
        g_string_append_printf (pointer, "/%d", problem->row);
      if (problem->column_id != NULL)
        append_pointer_token (pointer, problem->column_id);
      add_validation_error (errors, pointer->str, problem->message);
    }
}

/*
 * Refuses a change of fields that the caller's roles may not edit in the case's state: a
 * `forbidden` problem whose `code` and `fields` say which, so that the desk can tell its user
 * in their own language; the detail is for logs.
 */
static gboolean
reject_not_editable (Outcome        *out,
                     const CaseRow  *row,
                     TbWorkflow     *workflow,
                     GPtrArray      *fields)
{
  static const char * const english[] = { "en", NULL };
  g_autoptr(GString) list = g_string_new (NULL);
  const char *state_name = tb_workflow_get_state_name_for (workflow, row->state, english);
  JsonArray *ids = json_array_new ();
  JsonObject *problem;

  for (guint i = 0; i < fields->len; i++)
    {
      const char *id = g_ptr_array_index (fields, i);

      g_string_append_printf (list, "%s“%s”", i > 0 ? ", " : "", id);
      json_array_add_string_element (ids, id);
    }

  reject (out, TB_PROBLEM_FORBIDDEN,
          "Your roles on case %s may not change %s while it is “%s”.", row->ref, list->str,
          state_name != NULL ? state_name : row->state);
  problem = json_node_get_object (out->problem);
  json_object_set_string_member (problem, "code", TB_WIRE_PROBLEM_FIELD_NOT_EDITABLE);
  json_object_set_array_member (problem, "fields", ids);
  json_object_set_string_member (problem, "state", row->state);
  return TRUE;
}

/*
 * Changes form fields, with the desk's rules (tb_case_service_update_fields()): only the fields
 * the workflow lets the caller's roles on the case edit in its state, only fields of the form,
 * and the changed values must pass the form's validation. A field out of bounds makes the whole
 * mutation `forbidden` (checked before the values, as a 403 comes before a 400 or 422).
 */
static gboolean
apply_update_fields (Ctx            *ctx,
                     const Mutation *m,
                     Outcome        *out,
                     GError        **error)
{
  static const char * const allowed[] = { "case_id", "fields", NULL };
  g_auto(CaseRow) row = { 0 };
  g_autoptr(GError) request_error = NULL;
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GPtrArray) not_editable = g_ptr_array_new ();
  g_autoptr(JsonArray) errors = json_array_new ();
  g_autoptr(JsonNode) form_node = NULL;
  g_autoptr(JsonObject) data = NULL;
  g_autofree char *fields_pointer = NULL;
  JsonObject *fields, *form;
  JsonObjectIter iter;
  const char *case_id, *name;
  JsonNode *value;
  TbService *service;
  TbWorkflow *workflow;
  g_autoptr(GHashTable) had = NULL;
  TbRole roles;
  gint64 base;
  gboolean go, refused;

  if (!read_args (m, allowed, out)
      || !get_string_arg (m, "case_id", TRUE, TB_REQUEST_MAX_ID, &case_id, out))
    return TRUE;
  if (!tb_request_get_object (m->args, m->pointer, "fields", TRUE, &fields, &request_error))
    return reject_error (out, request_error);

  fields_pointer = arg_pointer (m, "fields");
  if (json_object_get_size (fields) == 0
      || json_object_get_size (fields) > TB_SERVER_SYNC_MAX_FIELDS)
    return reject_invalid (out, fields_pointer, "Give between 1 and 200 fields.");

  if (!open_case (ctx, m, case_id, &row, &base, out, &go, error))
    return FALSE;
  if (!go)
    return TRUE;

  if (base < row.version && row.fields_version > base)
    return conflict (ctx, out, &row, "The form was changed since your version.", error);

  if (row.closed)
    return reject (out, TB_PROBLEM_WORKFLOW, "Case %s is closed.", row.ref);

  if (!(service = ctx_get_service (ctx, row.service_id, error)))
    return *error == NULL ? reject (out, TB_PROBLEM_WORKFLOW, "The case's service %s is not"
                                    " known.", row.service_id) : FALSE;
  if (!(workflow = ctx_get_workflow (ctx, tb_service_get_workflow_id (service), error)))
    return *error == NULL ? reject (out, TB_PROBLEM_WORKFLOW, "The service's workflow %s is"
                                    " not known.", tb_service_get_workflow_id (service))
                          : FALSE;

  form_node = parse_json (row.form);
  if (form_node == NULL || !JSON_NODE_HOLDS_OBJECT (form_node))
    {
      g_set_error (error, TB_PROBLEM_ERROR, TB_PROBLEM_INTERNAL,
                   "The stored form of case %s is not an object.", row.id);
      return FALSE;
    }
  form = json_node_get_object (form_node);
  had = form_hashes (form);

  /* The state and roles of now, not of the base version: a case that moved on since the
   * change was made offline takes only what may be changed in its new state. */
  roles = caller_case_roles (ctx->caller, row.assignee_id, row.team_id, row.practice);

  json_object_iter_init (&iter, fields);
  while (json_object_iter_next (&iter, &name, &value))
    {
      if (tb_service_lookup_field (service, name) == NULL)
        {
          g_autoptr(GString) pointer = g_string_new (fields_pointer);

          append_pointer_token (pointer, name);
          add_validation_error (errors, pointer->str, "The form has no such field.");
          continue;
        }

      if (!tb_workflow_can_edit_field (workflow, row.state, roles, name))
        {
          g_ptr_array_add (not_editable, (gpointer) name);
          continue;
        }

      if (JSON_NODE_HOLDS_NULL (value))
        json_object_remove_member (form, name);
      else
        json_object_set_member (form, name, json_node_copy (value));
    }

  if (not_editable->len > 0)
    return reject_not_editable (out, &row, workflow, not_editable);

  /* Only the fields changed are judged: the rest were accepted before, perhaps under an older
   * definition of the form. */
  tb_service_validate_form (service, form, &problems);
  add_form_problems (errors, problems, fields_pointer, fields);
  if (json_array_get_length (errors) > 0)
    return reject_validation (out, errors);

  if (!check_attachments (ctx, row.id, fields, had, out, &refused, error))
    return FALSE;
  if (refused)
    return TRUE;

  g_free (row.form);
  row.form = _tb_json_object_to_string (form);
  row.version++;
  row.fields_version = row.version;

  data = new_object ();
  {
    JsonArray *names = json_array_new ();
    GList *members = json_object_get_members (fields);

    for (GList *l = members; l != NULL; l = l->next)
      json_array_add_string_element (names, l->data);
    g_list_free (members);
    json_object_set_array_member (data, "fields", names);
  }

  return index_attachments (ctx, row.id, form, error)
         && commit_case (ctx, m, &row, "fields", data, out, error);
}

/* The next reference number for a case received in @year. */
static char *
next_ref (Ctx     *ctx,
          int      year,
          GError **error)
{
  g_autoptr(SyncStmt) stmt = prepare (ctx->db,
    "INSERT INTO ref_counters (year, last)"
    " VALUES (?1, 1 + coalesce ((SELECT max (CAST (substr (ref, 9) AS INTEGER)) FROM cases"
    "                            WHERE ref >= ?2 AND ref < ?3), 0))"
    " ON CONFLICT (year) DO UPDATE SET last = last + 1 RETURNING last", error);
  g_autofree char *low = g_strdup_printf ("TB-%04d-", year);
  g_autofree char *high = g_strdup_printf ("TB-%04d.", year);
  gint64 last;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int (stmt, 1, year);
  bind_text (stmt, 2, low);
  bind_text (stmt, 3, high);
  if (!step_one (ctx->db, stmt, error))
    return NULL;
  last = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);

  return g_strdup_printf ("TB-%04d-%06" G_GINT64_FORMAT, year, last);
}

static gboolean
is_canonical_uuid (const char *id)
{
  if (!g_uuid_string_is_valid (id))
    return FALSE;
  for (const char *p = id; *p != '\0'; p++)
    if (g_ascii_isupper (*p))
      return FALSE;
  return TRUE;
}

static gboolean
apply_create (Ctx            *ctx,
              const Mutation *m,
              Outcome        *out,
              GError        **error)
{
  static const char * const allowed[] = { "case_id", "service_id", "applicant_name",
                                          "applicant_kind", "company_name", "form", NULL };
  const TbServerCaller *caller = ctx->caller;
  g_autoptr(GError) request_error = NULL;
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(JsonArray) errors = json_array_new ();
  g_autoptr(JsonObject) data = NULL;
  g_autoptr(SyncStmt) exists = NULL;
  g_autoptr(SyncStmt) insert = NULL;
  g_autofree char *form_text = NULL;
  g_autofree char *form_pointer = NULL;
  g_autofree char *ref = NULL;
  const char *case_id, *service_id, *name, *kind, *company, *team, *field;
  JsonObjectIter iter;
  JsonObject *form;
  TbService *service;
  TbWorkflow *workflow;
  TbCalendar *calendar;
  TbDay deadline = TB_DAY_INVALID;
  gboolean practice, found, refused;

  if (!read_args (m, allowed, out)
      || !get_string_arg (m, "case_id", TRUE, TB_REQUEST_MAX_ID, &case_id, out)
      || !get_string_arg (m, "service_id", TRUE, TB_REQUEST_MAX_ID, &service_id, out)
      || !get_string_arg (m, "applicant_name", TRUE, 200, &name, out)
      || !get_string_arg (m, "applicant_kind", TRUE, TB_REQUEST_MAX_ID, &kind, out)
      || !get_string_arg (m, "company_name", FALSE, 200, &company, out))
    return TRUE;
  if (!tb_request_get_object (m->args, m->pointer, "form", TRUE, &form, &request_error))
    return reject_error (out, request_error);

  if (!is_canonical_uuid (case_id))
    {
      g_autofree char *pointer = arg_pointer (m, "case_id");
      add_validation_error (errors, pointer, "Use a UUID in lower case.");
    }
  if (is_blank (name))
    {
      g_autofree char *pointer = arg_pointer (m, "applicant_name");
      add_validation_error (errors, pointer, "The applicant's name is empty.");
    }

  if (!(service = ctx_get_service (ctx, service_id, error)) && *error != NULL)
    return FALSE;
  if (service == NULL)
    {
      g_autofree char *pointer = arg_pointer (m, "service_id");
      add_validation_error (errors, pointer, "There is no such service.");
      return reject_validation (out, errors);
    }

  if (strcmp (kind, "person") != 0 && strcmp (kind, "company") != 0)
    {
      g_autofree char *pointer = arg_pointer (m, "applicant_kind");
      add_validation_error (errors, pointer, "The applicant is a “person” or a “company”.");
    }
  else if (!tb_service_accepts_applicant_kind (service, kind))
    {
      g_autofree char *pointer = arg_pointer (m, "applicant_kind");
      add_validation_error (errors, pointer, "The service does not accept this applicant.");
    }
  else if ((strcmp (kind, "company") == 0) != (company != NULL && !is_blank (company)))
    {
      g_autofree char *pointer = arg_pointer (m, "company_name");
      add_validation_error (errors, pointer, strcmp (kind, "company") == 0
                                             ? "A company applicant needs its name."
                                             : "A person applicant has no company name.");
    }

  /* The form holds the service's fields only, as a change of fields does: nothing else is
   * stored for a crafted client. */
  form_pointer = arg_pointer (m, "form");
  json_object_iter_init (&iter, form);
  while (json_object_iter_next (&iter, &field, NULL))
    if (tb_service_lookup_field (service, field) == NULL)
      {
        g_autoptr(GString) pointer = g_string_new (form_pointer);

        append_pointer_token (pointer, field);
        add_validation_error (errors, pointer->str, "The form has no such field.");
      }
  tb_service_validate_form (service, form, &problems);
  add_form_problems (errors, problems, form_pointer, NULL);
  if (json_array_get_length (errors) > 0)
    return reject_validation (out, errors);

  if (!(workflow = ctx_get_workflow (ctx, tb_service_get_workflow_id (service), error)))
    return *error == NULL ? reject (out, TB_PROBLEM_WORKFLOW, "The service's workflow %s is"
                                    " not known.", tb_service_get_workflow_id (service))
                          : FALSE;
  if (!(calendar = ctx_get_calendar (ctx, error)))
    return FALSE;

  if (!(exists = prepare (ctx->db, "SELECT 1 FROM cases WHERE id = ?", error)))
    return FALSE;
  bind_text (exists, 1, case_id);
  if (!step_row (ctx->db, exists, &found, error))
    return FALSE;
  if (found)
    return reject (out, TB_PROBLEM_CONFLICT, "A case with the id %s exists already.", case_id);
  if (!check_attachments (ctx, case_id, form, NULL, out, &refused, error))
    return FALSE;
  if (refused)
    return TRUE;

  /* A caseworker or supervisor receives for their (first) team; a trainer without either
   * role creates practice cases. Whoever receives it handles it. */
  practice = !(caller->roles & (TB_ROLE_CASEWORKER | TB_ROLE_SUPERVISOR));
  team = !practice && caller->team_ids != NULL ? caller->team_ids[0] : NULL;

  if (tb_service_get_time_limit (service) > 0)
    deadline = tb_calendar_add_working_days (calendar, ctx->today,
                                             tb_service_get_time_limit (service));
  if (!(ref = next_ref (ctx, tb_day_get_year (ctx->today), error)))
    return FALSE;

  form_text = _tb_json_object_to_string (form);
  if (!(insert = prepare (ctx->db,
      "INSERT INTO cases (id, ref, service_id, state, assignee_id, team_id, applicant_name,"
      " applicant_kind, company_name, received_on, deadline, practice, form, created_by,"
      " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", error)))
    return FALSE;
  bind_text (insert, 1, case_id);
  bind_text (insert, 2, ref);
  bind_text (insert, 3, service_id);
  bind_text (insert, 4, tb_workflow_get_initial_state (workflow));
  bind_text (insert, 5, caller->user_id);
  bind_text (insert, 6, team);
  bind_text (insert, 7, name);
  bind_text (insert, 8, kind);
  bind_text (insert, 9, strcmp (kind, "company") == 0 ? company : NULL);
  bind_day (insert, 10, ctx->today);
  bind_day (insert, 11, deadline);
  sqlite3_bind_int (insert, 12, practice);
  bind_text (insert, 13, form_text);
  bind_text (insert, 14, caller->user_id);
  sqlite3_bind_int64 (insert, 15, ctx->now);
  if (!step_done (ctx->db, insert, error))
    return FALSE;

  data = new_object ();
  json_object_set_string_member (data, "ref", ref);
  json_object_set_string_member (data, "state", tb_workflow_get_initial_state (workflow));

  if (!add_event (ctx, case_id, "created", 1, data, m->device_time, error)
      || !index_attachments (ctx, case_id, form, error)
      || !note_change (ctx, "case", case_id, "put", NULL, error))
    return FALSE;

  out->status = "applied";
  out->version = 1;
  out->case_id = g_strdup (case_id);
  out->team_id = g_strdup (team);
  return TRUE;
}

/*
 * Applies one mutation. Returns %FALSE only on a failure of the server (the batch stops and
 * the request fails, consuming nothing); a mutation that cannot be applied is an outcome.
 */
static gboolean
apply_mutation (Ctx            *ctx,
                const Mutation *m,
                Outcome        *out,
                GError        **error)
{
  static const struct {
    const char *name;
    gboolean  (*apply) (Ctx *, const Mutation *, Outcome *, GError **);
  } handlers[] = {
    { "case.decide", apply_decide },
    { "case.reassign", apply_reassign },
    { "case.comment", apply_comment },
    { "case.update_fields", apply_update_fields },
    { "case.create", apply_create },
  };

  if (m->name == NULL || m->args == NULL)
    return TRUE;  /* the envelope was rejected */

  for (guint i = 0; i < G_N_ELEMENTS (handlers); i++)
    if (strcmp (handlers[i].name, m->name) == 0)
      return handlers[i].apply (ctx, m, out, error);

  return reject (out, TB_PROBLEM_MALFORMED_REQUEST, "/mutations/%u/name: unknown mutation “%s”",
                 m->index, m->name);
}

/*
 * Reads the envelope of mutation @index. A body that is not even that (not an object, no
 * usable id) fails the request; anything else wrong is a rejection of this mutation, which
 * consumes its id so that the client's queue can never wedge on it.
 */
static gboolean
read_mutation (JsonArray  *mutations,
               guint       index,
               Mutation   *m,
               Outcome    *out,
               GError    **error)
{
  static const char * const allowed[] = { "id", "name", "args", "base_versions",
                                          "device_time", NULL };
  JsonNode *node = json_array_get_element (mutations, index);
  g_autofree char *pointer = g_strdup_printf ("/mutations/%u", index);
  g_autoptr(GError) local_error = NULL;
  JsonObject *object;

  memset (m, 0, sizeof *m);
  m->index = index;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, TB_PROBLEM_ERROR, TB_PROBLEM_MALFORMED_REQUEST,
                   "%s: must be an object", pointer);
      return FALSE;
    }
  object = json_node_get_object (node);

  if (!tb_request_get_int (object, pointer, "id", TRUE, 1, TB_REQUEST_MAX_SAFE_INT, &m->id,
                           error))
    return FALSE;

  m->pointer = g_strdup_printf ("%s/args", pointer);

  if (!tb_request_check_members (object, pointer, allowed, &local_error)
      || !tb_request_get_string (object, pointer, "name", TRUE, TB_REQUEST_MAX_ID, &m->name,
                                 &local_error)
      || !tb_request_get_object (object, pointer, "args", TRUE, &m->args, &local_error)
      || !tb_request_get_object (object, pointer, "base_versions", FALSE, &m->base_versions,
                                 &local_error)
      || !tb_request_get_string (object, pointer, "device_time", FALSE, 64, &m->device_time,
                                 &local_error))
    {
      m->name = NULL;
      m->args = NULL;
      reject_error (out, local_error);
      return TRUE;
    }

  if (m->device_time != NULL && !tb_wire_parse_time (m->device_time, NULL))
    {
      g_autofree char *where = g_strdup_printf ("%s/device_time", pointer);

      m->name = NULL;
      m->args = NULL;
      reject_invalid (out, where, "Not an RFC 3339 time with a UTC offset.");
    }

  return TRUE;
}

static gboolean
read_last_mutation_id (Ctx         *ctx,
                       const char  *client_id,
                       gint64      *last,
                       GError     **error)
{
  g_autoptr(SyncStmt) stmt = prepare (ctx->db, "SELECT user_id, last_mutation_id FROM clients"
                                               " WHERE client_id = ?", error);
  gboolean found;

  *last = 0;
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, client_id);
  if (!step_row (ctx->db, stmt, &found, error))
    return FALSE;
  if (!found)
    return TRUE;

  /* A client's sequence belongs to the user who started it. */
  if (g_strcmp0 ((const char *) sqlite3_column_text (stmt, 0), ctx->caller->user_id) != 0)
    {
      g_set_error (error, TB_PROBLEM_ERROR, TB_PROBLEM_FORBIDDEN,
                   "The client %s belongs to another user.", client_id);
      return FALSE;
    }
  *last = sqlite3_column_int64 (stmt, 1);
  return TRUE;
}

static JsonNode *
outcome_to_json (gint64   id,
                 Outcome *out)
{
  g_autoptr(JsonObject) result = json_object_new ();

  json_object_set_int_member (result, "id", id);
  json_object_set_string_member (result, "status", out->status);
  if (out->version > 0)
    json_object_set_int_member (result, "version", out->version);
  if (out->problem != NULL)
    json_object_set_member (result, "problem", json_node_ref (out->problem));
  if (out->record != NULL)
    json_object_set_member (result, "record", json_node_ref (out->record));
  return json_node_init_object (json_node_alloc (), result);
}

/* Writes what a processed mutation came to, its audit entry, and advances the client. */
/* The answer a processed mutation got, or %NULL in @result if it is not known. */
static gboolean
read_mutation_result (Ctx         *ctx,
                      const char  *client_id,
                      gint64       id,
                      JsonNode   **result,
                      GError     **error)
{
  g_autoptr(SyncStmt) stmt = prepare (ctx->db, "SELECT result FROM mutations"
                                      " WHERE client_id = ? AND id = ?", error);
  gboolean found;

  *result = NULL;
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, client_id);
  sqlite3_bind_int64 (stmt, 2, id);
  if (!step_row (ctx->db, stmt, &found, error))
    return FALSE;
  if (found)
    *result = json_from_string ((const char *) sqlite3_column_text (stmt, 0), NULL);
  return TRUE;
}

static gboolean
record_mutation (Ctx            *ctx,
                 const char     *client_id,
                 const Mutation *m,
                 Outcome        *out,
                 JsonNode       *result,
                 GError        **error)
{
  g_autoptr(SyncStmt) log = NULL;
  g_autoptr(SyncStmt) audit = NULL;
  g_autoptr(SyncStmt) client = NULL;
  g_autoptr(JsonObject) detail = json_object_new ();
  g_autofree char *result_text = node_to_string (result);
  g_autofree char *detail_text = NULL;

  if (!(log = prepare (ctx->db,
        "INSERT INTO mutations (client_id, id, name, user_id, case_id, status, result,"
        " device_time, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", error))
      || !(audit = prepare (ctx->db,
        "INSERT INTO audit (at, actor_id, action, case_id, team_id, detail, received_at,"
        " device_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", error))
      || !(client = prepare (ctx->db,
        "INSERT INTO clients (client_id, user_id, last_mutation_id, created_at, last_seen_at)"
        " VALUES (?1, ?2, ?3, ?4, ?4) ON CONFLICT (client_id) DO UPDATE"
        " SET last_mutation_id = ?3, last_seen_at = ?4", error)))
    return FALSE;

  bind_text (log, 1, client_id);
  sqlite3_bind_int64 (log, 2, m->id);
  bind_text (log, 3, m->name != NULL ? m->name : "");
  bind_text (log, 4, ctx->caller->user_id);
  bind_text (log, 5, out->case_id);
  bind_text (log, 6, out->status);
  bind_text (log, 7, result_text);
  bind_text (log, 8, m->device_time);
  sqlite3_bind_int64 (log, 9, ctx->received_at);

  json_object_set_string_member (detail, "status", out->status);
  json_object_set_string_member (detail, "client_id", client_id);
  json_object_set_int_member (detail, "mutation_id", m->id);
  if (out->version > 0)
    json_object_set_int_member (detail, "version", out->version);
  if (m->args != NULL)
    json_object_set_object_member (detail, "args", json_object_ref (m->args));
  if (out->problem != NULL)
    json_object_set_member (detail, "problem", json_node_ref (out->problem));
  detail_text = _tb_json_object_to_string (detail);

  sqlite3_bind_int64 (audit, 1, ctx->now);
  bind_text (audit, 2, ctx->caller->user_id);
  bind_text (audit, 3, m->name != NULL ? m->name : "mutation");
  bind_text (audit, 4, out->case_id);
  bind_text (audit, 5, out->team_id);
  bind_text (audit, 6, detail_text);
  sqlite3_bind_int64 (audit, 7, ctx->received_at);
  bind_text (audit, 8, m->device_time);

  bind_text (client, 1, client_id);
  bind_text (client, 2, ctx->caller->user_id);
  sqlite3_bind_int64 (client, 3, m->id);
  sqlite3_bind_int64 (client, 4, ctx->now);

  return step_done (ctx->db, log, error)
         && step_done (ctx->db, audit, error)
         && step_done (ctx->db, client, error);
}

static void
rollback (sqlite3 *db)
{
  sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
}

/**
 * tb_server_sync_push:
 * @db: the server database
 * @caller: who pushes
 * @body: the request body `{schema_version, client_id, mutations}`
 * @error: return location for a #TB_PROBLEM_ERROR
 *
 * Applies a client's mutations in order (docs/protocol.md, "Sync"). Ids up to the client's
 * last_mutation_id are duplicates and not applied again; a gap stops the batch; each other
 * mutation is applied, rejected or found in conflict, in its own transaction together with the
 * advance of last_mutation_id. A body that cannot be read fails as a whole and changes nothing.
 *
 * Returns: (transfer full) (nullable): `{schema_version, last_mutation_id, results}`, or
 *   %NULL with @error set
 */
JsonNode *
tb_server_sync_push (sqlite3               *db,
                     const TbServerCaller  *caller,
                     JsonObject            *body,
                     GError               **error)
{
  static const char * const allowed[] = { "schema_version", "client_id", "mutations", NULL };
  g_autoptr(JsonArray) results = json_array_new ();
  g_autoptr(JsonObject) response = NULL;
  g_autoptr(GError) local_error = NULL;
  JsonArray *mutations;
  const char *client_id;
  gint64 last = 0;
  Ctx ctx;

  g_return_val_if_fail (db != NULL, NULL);
  g_return_val_if_fail (caller != NULL, NULL);
  g_return_val_if_fail (body != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!tb_request_check_members (body, "", allowed, error)
      || !tb_request_get_string (body, "", "client_id", TRUE, TB_REQUEST_MAX_ID, &client_id,
                                 error)
      || !tb_request_get_array (body, "", "mutations", TRUE, TB_SERVER_SYNC_MAX_MUTATIONS,
                                &mutations, error))
    return NULL;

  if (*client_id == '\0')
    {
      g_set_error_literal (error, TB_PROBLEM_ERROR, TB_PROBLEM_MALFORMED_REQUEST,
                           "/client_id: empty");
      return NULL;
    }

  /* Every mutation's id must be readable before anything is applied. */
  for (guint i = 0; i < json_array_get_length (mutations); i++)
    {
      g_auto(Outcome) scratch = { 0 };
      Mutation m;
      gboolean ok = read_mutation (mutations, i, &m, &scratch, error);

      g_free (m.pointer);
      if (!ok)
        return NULL;
    }

  if (!caller_has_case_scope (caller))
    {
      g_set_error_literal (error, TB_PROBLEM_ERROR, TB_PROBLEM_FORBIDDEN,
                           "This role does not change cases.");
      return NULL;
    }

  ctx_init (&ctx, db, caller);

  /* One write transaction for the request: each mutation in a savepoint of its own, committed
   * together with the advance of last_mutation_id it answers (one fsync per request instead of
   * one per mutation). If anything fails, nothing of the request is kept and the client sends
   * it again. */
  if (!exec (db, "BEGIN IMMEDIATE", &local_error))
    goto failed;
  if (!read_last_mutation_id (&ctx, client_id, &last, &local_error))
    {
      rollback (db);
      goto failed;
    }

  for (guint i = 0; i < json_array_get_length (mutations); i++)
    {
      g_auto(Outcome) out = { 0 };
      g_autoptr(JsonNode) result = NULL;
      Mutation m;

      read_mutation (mutations, i, &m, &out, NULL);

      if (m.id <= last)
        {
          g_autoptr(JsonNode) original = NULL;
          JsonNode *answer;

          /* What it answered the first time, in case that answer was lost on the way: the
           * client learns a rejection or conflict only from it. */
          if (!read_mutation_result (&ctx, client_id, m.id, &original, &local_error))
            {
              g_free (m.pointer);
              rollback (db);
              goto failed;
            }
          out.status = "duplicate";
          answer = outcome_to_json (m.id, &out);
          if (original != NULL)
            json_object_set_member (json_node_get_object (answer), "original",
                                    g_steal_pointer (&original));
          json_array_add_element (results, answer);
          g_free (m.pointer);
          continue;
        }

      if (m.id > last + 1)
        {
          /* A gap: the client resends from last + 1. */
          g_free (m.pointer);
          break;
        }

      if (!exec (db, "SAVEPOINT mutation", &local_error))
        {
          g_free (m.pointer);
          rollback (db);
          goto failed;
        }

      ctx.now = g_get_real_time ();
      if (out.status == NULL && !apply_mutation (&ctx, &m, &out, &local_error))
        {
          g_free (m.pointer);
          rollback (db);
          goto failed;
        }
      g_assert (out.status != NULL);

      /* Whatever a mutation that was not applied wrote goes. */
      if (strcmp (out.status, "applied") != 0
          && !exec (db, "ROLLBACK TO mutation", &local_error))
        {
          g_free (m.pointer);
          rollback (db);
          goto failed;
        }

      result = outcome_to_json (m.id, &out);
      if (!exec (db, "RELEASE mutation", &local_error)
          || !record_mutation (&ctx, client_id, &m, &out, result, &local_error))
        {
          g_free (m.pointer);
          rollback (db);
          goto failed;
        }

      last = m.id;
      json_array_add_element (results, g_steal_pointer (&result));
      g_free (m.pointer);
    }

  if (!exec (db, "COMMIT", &local_error))
    {
      rollback (db);
      goto failed;
    }

  ctx_clear (&ctx);

  response = json_object_new ();
  json_object_set_int_member (response, "schema_version", 1);
  json_object_set_int_member (response, "last_mutation_id", last);
  json_object_set_array_member (response, "results", g_steal_pointer (&results));
  return json_node_init_object (json_node_alloc (), response);

failed:
  ctx_clear (&ctx);
  g_propagate_error (error, g_steal_pointer (&local_error));
  return NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* Cursors                                                                                     */

/*
 * A cursor is base64url of "v1.<epoch>.<phase>.<position>.<snapshot>.<key>.<scope>.<mac>":
 * phase 'r' (reference data, key = the last item sent, in hex, or "-"), 'c' (cases, position =
 * the last num sent) or 'f' (the feed, position = the last seq read); snapshot = the feed's
 * seq when the initial pull began; scope = a digest of the user and their roles and teams;
 * mac = HMAC-SHA256 of the rest under the database's cursor key.
 */

#define MAX_REF_KEY 80

typedef struct
{
  char   phase;
  gint64 position;
  gint64 snapshot;
  char   key[MAX_REF_KEY];  /* reference data: "<rank>:<id>" of the last item sent */
} Cursor;

#define MAX_CURSOR 512

static char *
scope_digest (const TbServerCaller *caller)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autoptr(GPtrArray) teams = g_ptr_array_new ();
  char roles[16];

  for (guint i = 0; caller->team_ids != NULL && caller->team_ids[i] != NULL; i++)
    g_ptr_array_add (teams, caller->team_ids[i]);
  g_ptr_array_sort (teams, compare_strings);

  g_snprintf (roles, sizeof roles, "%u", (guint) caller->roles);
  g_checksum_update (checksum, (const guchar *) caller->user_id, -1);
  g_checksum_update (checksum, (const guchar *) "\n", 1);
  g_checksum_update (checksum, (const guchar *) roles, -1);
  for (guint i = 0; i < teams->len; i++)
    {
      g_checksum_update (checksum, (const guchar *) "\n", 1);
      g_checksum_update (checksum, g_ptr_array_index (teams, i), -1);
    }

  return g_strndup (g_checksum_get_string (checksum), 16);
}

static char *
cursor_mac (const char *key,
            const char *payload)
{
  g_autofree char *mac = g_compute_hmac_for_string (G_CHECKSUM_SHA256, (const guchar *) key,
                                                    strlen (key), payload, -1);

  return g_strndup (mac, 32);
}

static char *
cursor_encode (Ctx          *ctx,
               const Cursor *cursor,
               GError      **error)
{
  g_autofree char *epoch = NULL;
  g_autofree char *key = NULL;
  g_autofree char *scope = scope_digest (ctx->caller);
  g_autofree char *payload = NULL;
  g_autofree char *mac = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GString) ref_key = g_string_new (NULL);
  char *encoded;

  if (!get_meta (ctx->db, "epoch", &epoch, error)
      || !get_meta (ctx->db, "cursor_key", &key, error))
    return NULL;

  for (const char *p = cursor->key; *p != '\0'; p++)
    g_string_append_printf (ref_key, "%02x", (guint) (guchar) *p);
  if (ref_key->len == 0)
    g_string_append_c (ref_key, '-');

  payload = g_strdup_printf ("v1.%s.%c.%" G_GINT64_FORMAT ".%" G_GINT64_FORMAT ".%s.%s", epoch,
                             cursor->phase, cursor->position, cursor->snapshot, ref_key->str,
                             scope);
  mac = cursor_mac (key, payload);
  text = g_strconcat (payload, ".", mac, NULL);

  /* base64url without padding */
  encoded = g_base64_encode ((const guchar *) text, strlen (text));
  for (char *p = encoded; *p != '\0'; p++)
    {
      if (*p == '+')
        *p = '-';
      else if (*p == '/')
        *p = '_';
      else if (*p == '=')
        {
          *p = '\0';
          break;
        }
    }
  return encoded;
}

static gboolean
expired (GError    **error,
         const char *detail)
{
  g_set_error_literal (error, TB_PROBLEM_ERROR, TB_PROBLEM_CURSOR_EXPIRED, detail);
  return FALSE;
}

static gboolean
parse_position (const char *text,
                gint64     *out)
{
  guint64 value;

  if (!g_ascii_string_to_unsigned (text, 10, 0, G_MAXINT64, &value, NULL))
    return FALSE;
  *out = (gint64) value;
  return TRUE;
}

/* Checks and reads a cursor; anything that is not one of ours, now, expires. */
static gboolean
cursor_decode (Ctx         *ctx,
               const char  *text,
               Cursor      *cursor,
               GError     **error)
{
  g_autofree char *b64 = NULL;
  g_autofree guchar *raw = NULL;
  g_autofree char *payload = NULL;
  g_autofree char *epoch = NULL;
  g_autofree char *key = NULL;
  g_autofree char *scope = NULL;
  g_autofree char *mac = NULL;
  g_autofree char *pruned = NULL;
  g_auto(GStrv) parts = NULL;
  gsize length, n;
  gint64 pruned_through;

  n = strlen (text);
  if (n == 0 || n > MAX_CURSOR)
    return expired (error, "The cursor is not one of this server's.");
  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_')
      return expired (error, "The cursor is not one of this server's.");

  b64 = g_strnfill (n + (4 - n % 4) % 4, '=');
  memcpy (b64, text, n);
  for (char *p = b64; *p != '\0'; p++)
    if (*p == '-')
      *p = '+';
    else if (*p == '_')
      *p = '/';

  raw = g_base64_decode (b64, &length);
  payload = g_strndup ((const char *) raw, length);
  if (strlen (payload) != length || !g_utf8_validate (payload, -1, NULL))
    return expired (error, "The cursor is not one of this server's.");

  parts = g_strsplit (payload, ".", -1);
  if (g_strv_length (parts) != 8 || strcmp (parts[0], "v1") != 0 || strlen (parts[2]) != 1)
    return expired (error, "The cursor is not one of this server's.");

  if (!get_meta (ctx->db, "epoch", &epoch, error)
      || !get_meta (ctx->db, "cursor_key", &key, error)
      || !get_meta (ctx->db, "pruned_through", &pruned, error))
    return FALSE;

  {
    g_autofree char *signed_part = g_strndup (payload, strrchr (payload, '.') - payload);
    g_autofree char *expected = cursor_mac (key, signed_part);
    guint diff = strlen (expected) ^ strlen (parts[7]);

    /* Compared in constant time. */
    for (guint i = 0; expected[i] != '\0' && parts[7][i] != '\0'; i++)
      diff |= (guint) (expected[i] ^ parts[7][i]);
    if (diff != 0)
      return expired (error, "The cursor is not one of this server's.");
  }

  if (strcmp (parts[1], epoch) != 0)
    return expired (error, "The cursor is from before the server's data was reset.");

  scope = scope_digest (ctx->caller);
  if (strcmp (parts[6], scope) != 0)
    return expired (error, "Your access changed since this cursor: sync again from the start.");

  cursor->phase = parts[2][0];
  if ((cursor->phase != 'r' && cursor->phase != 'c' && cursor->phase != 'f')
      || !parse_position (parts[3], &cursor->position)
      || !parse_position (parts[4], &cursor->snapshot))
    return expired (error, "The cursor is not one of this server's.");

  memset (cursor->key, 0, sizeof cursor->key);
  if (strcmp (parts[5], "-") != 0)
    {
      gsize hex = strlen (parts[5]);

      if (hex % 2 != 0 || hex / 2 >= MAX_REF_KEY)
        return expired (error, "The cursor is not one of this server's.");
      for (gsize i = 0; i < hex; i += 2)
        {
          int high = g_ascii_xdigit_value (parts[5][i]);
          int low = g_ascii_xdigit_value (parts[5][i + 1]);

          if (high < 0 || low < 0 || (high == 0 && low == 0))
            return expired (error, "The cursor is not one of this server's.");
          cursor->key[i / 2] = (char) (high * 16 + low);
        }
    }

  /* The feed since the cursor must be whole. */
  pruned_through = g_ascii_strtoll (pruned, NULL, 10);
  if ((cursor->phase == 'f' ? cursor->position : cursor->snapshot) < pruned_through)
    return expired (error, "The cursor is older than the changes the server keeps.");

  return TRUE;
}

/* ------------------------------------------------------------------------------------------ */
/* Pull                                                                                        */

/* A page of changes, kept as the JSON text it is sent as: the bulk of an initial sync, the
 * cases, comes as text straight from SQLite (CASE_CHANGE_SQL) without a tree per case. */
typedef struct
{
  GString *changes;    /* the changes' JSON, comma-separated */
  guint    count;
  guint    limit;
  gsize    max_bytes;
} Page;

/* Whether a change of @size bytes still fits (the first always does). */
static gboolean
page_has_room (Page  *page,
               gsize  size)
{
  if (page->count == 0)
    return TRUE;
  return page->count < page->limit && page->changes->len + size + 1 <= page->max_bytes;
}

static void
page_add_text (Page       *page,
               const char *text,
               gsize       length)
{
  if (page->count++ > 0)
    g_string_append_c (page->changes, ',');
  g_string_append_len (page->changes, text, length);
}

/* Adds the change @text if it fits; @added tells whether it did. */
static void
page_offer_text (Page       *page,
                 const char *text,
                 gsize       length,
                 gboolean   *added)
{
  *added = page_has_room (page, length);
  if (*added)
    page_add_text (page, text, length);
}

/* The same for a change built as a tree (reference data, removals: few). */
static void
page_offer_node (Page     *page,
                 JsonNode *change,
                 gboolean *added)
{
  gsize length = 0;
  g_autofree char *text = NULL;
  g_autoptr(JsonGenerator) generator = json_generator_new ();

  json_generator_set_root (generator, change);
  text = json_generator_to_data (generator, &length);
  page_offer_text (page, text, length, added);
}

/* Whether the caller sees the user with @teams: auditors and trainers see everyone, others
 * themselves and the members of their teams. */
static gboolean
caller_sees_user (const TbServerCaller *caller,
                  const char           *user_id,
                  const char * const   *teams)
{
  if (caller->roles & (TB_ROLE_AUDITOR | TB_ROLE_TRAINER))
    return TRUE;
  if (g_strcmp0 (user_id, caller->user_id) == 0)
    return TRUE;
  for (guint i = 0; teams != NULL && teams[i] != NULL; i++)
    if (tb_server_caller_in_team (caller, teams[i]))
      return TRUE;
  return FALSE;
}

/* One item of the reference data an initial pull sends first, ordered by (rank, id): rank is
 * the type's place in "services, workflows, calendar years, teams, users". */
typedef struct
{
  char     *type;
  char     *id;
  char     *key;      /* "<rank>:<id>" */
  gint64    version;
  JsonNode *data;
} RefItem;

static void
ref_item_free (RefItem *item)
{
  g_free (item->type);
  g_free (item->id);
  g_free (item->key);
  g_clear_pointer (&item->data, json_node_unref);
  g_free (item);
}

static void
add_ref_item (GPtrArray  *items,
              guint       rank,
              const char *type,
              const char *id,
              gint64      version,
              JsonNode   *data)
{
  RefItem *item = g_new0 (RefItem, 1);

  item->type = g_strdup (type);
  item->id = g_strdup (id);
  item->key = g_strdup_printf ("%u:%s", rank, id);
  item->version = version;
  item->data = data;
  g_ptr_array_add (items, item);
}

/* A user as reference data, from a row (id, login, display_name, roles, teams). */
static JsonNode *
user_from_row (sqlite3_stmt *stmt,
               GStrv        *teams_out)
{
  g_auto(GStrv) roles = _tb_json_to_strv ((const char *) sqlite3_column_text (stmt, 3));
  g_auto(GStrv) teams = _tb_json_to_strv ((const char *) sqlite3_column_text (stmt, 4));
  TbWireUser user = { 0 };
  JsonNode *node;

  user.id = (const char *) sqlite3_column_text (stmt, 0);
  user.login = (const char *) sqlite3_column_text (stmt, 1);
  user.display_name = (const char *) sqlite3_column_text (stmt, 2);
  for (guint i = 0; roles[i] != NULL; i++)
    user.roles |= tb_role_from_string (roles[i]);
  user.team_ids = teams;

  node = tb_wire_user_to_json (&user);
  if (teams_out != NULL)
    *teams_out = g_steal_pointer (&teams);
  return node;
}

/* Everything an initial pull sends before the cases, in a fixed order. */
static GPtrArray *
list_reference_data (Ctx     *ctx,
                     GError **error)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func ((GDestroyNotify) ref_item_free);
  g_autoptr(SyncStmt) services = NULL;
  g_autoptr(SyncStmt) workflows = NULL;
  g_autoptr(SyncStmt) teams = NULL;
  g_autoptr(SyncStmt) users = NULL;
  g_autoptr(GArray) years = NULL;
  TbCalendar *calendar;
  int rc;

  if (!(services = prepare (ctx->db, "SELECT id, version, definition FROM services ORDER BY id",
                            error))
      || !(workflows = prepare (ctx->db, "SELECT id, version, definition FROM workflows"
                                         " ORDER BY id", error))
      || !(teams = prepare (ctx->db, "SELECT id, name FROM teams ORDER BY id", error))
      || !(users = prepare (ctx->db, "SELECT id, login, display_name, roles, teams FROM users"
                                     " ORDER BY id", error))
      || !(calendar = ctx_get_calendar (ctx, error)))
    return NULL;

  while ((rc = sqlite3_step (services)) == SQLITE_ROW)
    add_ref_item (items, 0, "service", (const char *) sqlite3_column_text (services, 0),
                  sqlite3_column_int64 (services, 1),
                  parse_json ((const char *) sqlite3_column_text (services, 2)));
  if (rc != SQLITE_DONE)
    goto failed;

  while ((rc = sqlite3_step (workflows)) == SQLITE_ROW)
    add_ref_item (items, 1, "workflow", (const char *) sqlite3_column_text (workflows, 0),
                  sqlite3_column_int64 (workflows, 1),
                  parse_json ((const char *) sqlite3_column_text (workflows, 2)));
  if (rc != SQLITE_DONE)
    goto failed;

  years = tb_wire_calendar_list_years (calendar);
  for (guint i = 0; i < years->len; i++)
    {
      int year = g_array_index (years, int, i);
      g_autofree char *id = g_strdup_printf ("%d", year);

      add_ref_item (items, 2, "calendar", id, 0, tb_wire_calendar_year_to_json (calendar, year));
    }

  while ((rc = sqlite3_step (teams)) == SQLITE_ROW)
    add_ref_item (items, 3, "team", (const char *) sqlite3_column_text (teams, 0), 0,
                  tb_wire_team_to_json ((const char *) sqlite3_column_text (teams, 0),
                                        (const char *) sqlite3_column_text (teams, 1)));
  if (rc != SQLITE_DONE)
    goto failed;

  while ((rc = sqlite3_step (users)) == SQLITE_ROW)
    {
      g_auto(GStrv) user_teams = NULL;
      JsonNode *node = user_from_row (users, &user_teams);

      if (caller_sees_user (ctx->caller, (const char *) sqlite3_column_text (users, 0),
                            (const char * const *) user_teams))
        add_ref_item (items, 4, "user", (const char *) sqlite3_column_text (users, 0), 0, node);
      else
        json_node_unref (node);
    }
  if (rc != SQLITE_DONE)
    goto failed;

  return g_steal_pointer (&items);

failed:
  db_error (ctx->db, rc, error);
  return NULL;
}

static gboolean
fill_reference (Ctx      *ctx,
                Page     *page,
                Cursor   *cursor,
                gboolean *exhausted,
                GError  **error)
{
  g_autoptr(GPtrArray) items = list_reference_data (ctx, error);

  if (items == NULL)
    return FALSE;

  /* Resumed after the last item sent, by key (the items are listed in key order: the rank is
   * one digit, ids are ordered byte by byte as SQLite orders them, calendar ids have four
   * digits): items added or dropped meanwhile do not shift the others; they reach the feed. */
  for (guint i = 0; i < items->len; i++)
    {
      RefItem *item = g_ptr_array_index (items, i);
      g_autoptr(JsonNode) change = NULL;
      gboolean added;

      if (cursor->key[0] != '\0' && strcmp (item->key, cursor->key) <= 0)
        continue;

      change = tb_wire_change_new (item->type, item->id, "put", item->version,
                                   g_steal_pointer (&item->data));
      page_offer_node (page, change, &added);
      if (!added)
        {
          *exhausted = FALSE;
          return TRUE;
        }
      g_strlcpy (cursor->key, item->key, sizeof cursor->key);
    }

  *exhausted = TRUE;
  return TRUE;
}

/* Offers the change of column @column of @stmt, a CASE_CHANGE_SQL. */
static void
add_case_put (Page         *page,
              sqlite3_stmt *stmt,
              int           column,
              gboolean     *added)
{
  page_offer_text (page, (const char *) sqlite3_column_text (stmt, column),
                   sqlite3_column_bytes (stmt, column), added);
}

/* The cases in scope, by num from the cursor on: each page continues an index range. */
static gboolean
fill_cases (Ctx      *ctx,
            Page     *page,
            Cursor   *cursor,
            gboolean *exhausted,
            GError  **error)
{
  /* A case changed since the snapshot is left to the feed, which follows: so each case comes
   * once, in its latest state, even while cases change during an initial sync. */
  g_autoptr(SyncStmt) stmt = prepare (ctx->db, "SELECT k.num, " CASE_CHANGE_SQL
                                               " FROM cases k"
                                               " WHERE k.num > :after AND " SCOPE_SQL
                                               " AND NOT EXISTS (SELECT 1 FROM changes c"
                                               "   WHERE c.type = 'case' AND c.id = k.id"
                                               "   AND c.op = 'put' AND c.seq > :snapshot)"
                                               " ORDER BY k.num", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, param (stmt, ":after"), cursor->position);
  sqlite3_bind_int64 (stmt, param (stmt, ":snapshot"), cursor->snapshot);
  bind_scope (ctx, stmt);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gboolean added;

      add_case_put (page, stmt, 1, &added);
      if (!added)
        {
          *exhausted = FALSE;
          return TRUE;
        }
      cursor->position = sqlite3_column_int64 (stmt, 0);
    }
  if (rc != SQLITE_DONE)
    return db_error (ctx->db, rc, error);

  *exhausted = TRUE;
  return TRUE;
}

/* One reference-data change of the feed: the record as it is now, or its deletion. */
static gboolean
reference_change (Ctx         *ctx,
                  const char  *type,
                  const char  *id,
                  JsonNode   **change,
                  GError     **error)
{
  g_autoptr(SyncStmt) stmt = NULL;
  JsonNode *data = NULL;
  gint64 version = 0;
  gboolean found;

  *change = NULL;
  if (strcmp (type, "calendar") == 0)
    {
      TbCalendar *calendar = ctx_get_calendar (ctx, error);
      gint64 year;

      if (calendar == NULL)
        return FALSE;
      if (!parse_position (id, &year) || year < 1 || year > 9999)
        return TRUE;
      *change = tb_wire_change_new (type, id, "put", 0,
                                    tb_wire_calendar_year_to_json (calendar, (int) year));
      return TRUE;
    }

  if (strcmp (type, "service") == 0)
    stmt = prepare (ctx->db, "SELECT version, definition FROM services WHERE id = ?", error);
  else if (strcmp (type, "workflow") == 0)
    stmt = prepare (ctx->db, "SELECT version, definition FROM workflows WHERE id = ?", error);
  else if (strcmp (type, "team") == 0)
    stmt = prepare (ctx->db, "SELECT id, name FROM teams WHERE id = ?", error);
  else if (strcmp (type, "user") == 0)
    stmt = prepare (ctx->db, "SELECT id, login, display_name, roles, teams FROM users"
                             " WHERE id = ?", error);
  else
    return TRUE;

  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, id);
  if (!step_row (ctx->db, stmt, &found, error))
    return FALSE;
  if (!found)
    {
      *change = tb_wire_change_new (type, id, "delete", 0, NULL);
      return TRUE;
    }

  if (strcmp (type, "team") == 0)
    data = tb_wire_team_to_json ((const char *) sqlite3_column_text (stmt, 0),
                                 (const char *) sqlite3_column_text (stmt, 1));
  else if (strcmp (type, "user") == 0)
    {
      g_auto(GStrv) teams = NULL;

      data = user_from_row (stmt, &teams);
      if (!caller_sees_user (ctx->caller, id, (const char * const *) teams))
        {
          json_node_unref (data);
          return TRUE;
        }
    }
  else
    {
      version = sqlite3_column_int64 (stmt, 0);
      data = parse_json ((const char *) sqlite3_column_text (stmt, 1));
    }

  if (data != NULL)
    *change = tb_wire_change_new (type, id, "put", version, data);
  return TRUE;
}

static gboolean
feed_head (Ctx     *ctx,
           gint64  *seq,
           GError **error)
{
  g_autoptr(SyncStmt) stmt = prepare (ctx->db, "SELECT coalesce ((SELECT seq FROM sqlite_sequence"
                                               " WHERE name = 'changes'), 0)", error);

  if (stmt == NULL || !step_one (ctx->db, stmt, error))
    return FALSE;
  *seq = sqlite3_column_int64 (stmt, 0);
  return TRUE;
}

/*
 * The feed after the cursor, through the caller's current scope: puts of cases they see,
 * removes of cases taken from them that they no longer see, deletions, reference data.
 */
static gboolean
fill_feed (Ctx      *ctx,
           Page     *page,
           Cursor   *cursor,
           gboolean *exhausted,
           GError  **error)
{
  g_autoptr(SyncStmt) stmt = prepare (ctx->db,
    "SELECT c.seq, c.type, c.id, c.op,"
    " CASE WHEN c.type = 'case' AND c.op = 'put' THEN " CASE_CHANGE_SQL " END"
    " FROM changes c LEFT JOIN cases k ON c.type = 'case' AND k.id = c.id"
    " WHERE c.seq > :after AND ("
    "   c.type <> 'case'"
    "   OR (c.op = 'put' AND k.num IS NOT NULL AND :scoped AND " SCOPE_SQL ")"
    "   OR (c.op = 'delete' AND :scoped)"
    "   OR (c.op = 'remove' AND c.user_id = :user"
    "       AND NOT (k.num IS NOT NULL AND " SCOPE_SQL ")))"
    " ORDER BY c.seq", error);
  gint64 head;
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, param (stmt, ":after"), cursor->position);
  sqlite3_bind_int (stmt, param (stmt, ":scoped"), caller_has_case_scope (ctx->caller));
  bind_scope (ctx, stmt);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 seq = sqlite3_column_int64 (stmt, 0);
      const char *type = (const char *) sqlite3_column_text (stmt, 1);
      const char *id = (const char *) sqlite3_column_text (stmt, 2);
      const char *op = (const char *) sqlite3_column_text (stmt, 3);

      gboolean added = TRUE;

      if (strcmp (type, "case") == 0 && strcmp (op, "put") == 0)
        add_case_put (page, stmt, 4, &added);
      else if (strcmp (type, "case") == 0)
        {
          g_autoptr(JsonNode) change = tb_wire_change_new (type, id, op, 0, NULL);

          page_offer_node (page, change, &added);
        }
      else
        {
          g_autoptr(JsonNode) change = NULL;

          if (!reference_change (ctx, type, id, &change, error))
            return FALSE;
          if (change != NULL)
            page_offer_node (page, change, &added);
        }
      if (!added)
        {
          *exhausted = FALSE;
          return TRUE;
        }

      cursor->position = seq;
    }
  if (rc != SQLITE_DONE)
    return db_error (ctx->db, rc, error);

  /* Everything up to the head was read, also what was not for this caller. */
  *exhausted = TRUE;
  if (!feed_head (ctx, &head, error))
    return FALSE;
  cursor->position = MAX (cursor->position, head);
  return TRUE;
}


static GBytes *
pull_bytes (sqlite3               *db,
            const TbServerCaller  *caller,
            JsonObject            *body,
            gsize                  cap,
            GError               **error);

/**
 * tb_server_sync_pull_bytes:
 * @db: the server database
 * @caller: who pulls
 * @body: the request body `{schema_version, client_id, cursor, limit?, max_bytes?}`
 * @error: return location for a #TB_PROBLEM_ERROR
 *
 * Answers one page of changes (docs/protocol.md, "Sync"). A null cursor starts an initial
 * sync: the reference data, then every case in the caller's scope, then the changes made in
 * the meantime. A cursor the server cannot continue from fails with
 * %TB_PROBLEM_CURSOR_EXPIRED (the route adds `"reset": true`). A page holds at most `limit`
 * changes (%TB_SERVER_SYNC_PAGE_CHANGES unless asked, up to
 * %TB_SERVER_SYNC_MAX_PAGE_CHANGES) and stops before `max_bytes` of changes
 * (%TB_SERVER_SYNC_PAGE_BYTES unless asked, up to %TB_SERVER_SYNC_MAX_PAGE_BYTES); one change
 * always goes.
 *
 * Returns: (transfer full) (nullable): the JSON text of `{schema_version, changes, cursor,
 *   has_more, last_mutation_id, server_time}`, or %NULL with @error set
 */
GBytes *
tb_server_sync_pull_bytes (sqlite3               *db,
                           const TbServerCaller  *caller,
                           JsonObject            *body,
                           GError               **error)
{
  return pull_bytes (db, caller, body, 0, error);
}

/* @cap: if not 0, the most bytes of changes whatever was asked (faults, for tests). */
static GBytes *
pull_bytes (sqlite3               *db,
            const TbServerCaller  *caller,
            JsonObject            *body,
            gsize                  cap,
            GError               **error)
{
  static const char * const allowed[] = { "schema_version", "client_id", "cursor", "limit",
                                          "max_bytes", NULL };
  g_autoptr(GString) changes = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *encoded = NULL;
  g_autofree char *server_time = NULL;
  const char *client_id, *cursor_text = NULL;
  gint64 limit = TB_SERVER_SYNC_PAGE_CHANGES;
  gint64 max_bytes = TB_SERVER_SYNC_PAGE_BYTES;
  gint64 last = 0;
  gboolean exhausted = FALSE;
  Cursor cursor = { 'r', 0, 0, "" };
  GString *text;
  Page page;
  Ctx ctx;

  g_return_val_if_fail (db != NULL, NULL);
  g_return_val_if_fail (caller != NULL, NULL);
  g_return_val_if_fail (body != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!tb_request_check_members (body, "", allowed, error)
      || !tb_request_get_string (body, "", "client_id", TRUE, TB_REQUEST_MAX_ID, &client_id,
                                 error)
      || !tb_request_get_int (body, "", "limit", FALSE, 1, TB_SERVER_SYNC_MAX_PAGE_CHANGES,
                              &limit, error)
      || !tb_request_get_int (body, "", "max_bytes", FALSE, TB_SERVER_SYNC_MIN_PAGE_BYTES,
                              TB_SERVER_SYNC_MAX_PAGE_BYTES, &max_bytes, error))
    return NULL;

  if (!json_object_has_member (body, "cursor"))
    {
      g_set_error_literal (error, TB_PROBLEM_ERROR, TB_PROBLEM_MALFORMED_REQUEST,
                           "/cursor: required (null for an initial sync)");
      return NULL;
    }
  if (!tb_request_get_string (body, "", "cursor", FALSE, TB_REQUEST_MAX_STRING, &cursor_text,
                              error))
    return NULL;

  ctx_init (&ctx, db, caller);
  /* The whole answer is built in this one string: the changes, then the members after. */
  changes = g_string_sized_new (MIN ((gsize) max_bytes, TB_SERVER_SYNC_PAGE_BYTES) + 4096);
  g_string_append (changes, "{\"schema_version\":1,\"changes\":[");
  page.changes = changes;
  page.count = 0;
  page.limit = (guint) limit;
  /* The page's budget counts its changes only. */
  page.max_bytes = (cap > 0 ? MIN ((gsize) max_bytes, cap) : (gsize) max_bytes) + changes->len;

  if (!read_last_mutation_id (&ctx, client_id, &last, &local_error))
    goto failed;

  /* One read transaction: the page is consistent, and an initial pull's snapshot is exactly
   * where the feed takes over. */
  if (!exec (db, "BEGIN", &local_error))
    goto failed;
  if (cursor_text == NULL
      ? !feed_head (&ctx, &cursor.snapshot, &local_error)
      : !cursor_decode (&ctx, cursor_text, &cursor, &local_error))
    goto failed_in_transaction;

  while (TRUE)
    {
      if (cursor.phase == 'r')
        {
          if (!fill_reference (&ctx, &page, &cursor, &exhausted, &local_error))
            goto failed_in_transaction;
          if (!exhausted)
            break;
          cursor.phase = caller_has_case_scope (caller) ? 'c' : 'f';
          cursor.position = cursor.phase == 'c' ? 0 : cursor.snapshot;
          cursor.key[0] = '\0';
        }
      else if (cursor.phase == 'c')
        {
          if (!fill_cases (&ctx, &page, &cursor, &exhausted, &local_error))
            goto failed_in_transaction;
          if (!exhausted)
            break;
          cursor.phase = 'f';
          cursor.position = cursor.snapshot;
        }
      else
        {
          if (!fill_feed (&ctx, &page, &cursor, &exhausted, &local_error))
            goto failed_in_transaction;
          break;
        }
    }

  if (cursor.phase == 'f')
    cursor.snapshot = 0;

  if (!(encoded = cursor_encode (&ctx, &cursor, &local_error)))
    goto failed_in_transaction;
  rollback (db);
  ctx_clear (&ctx);

  /* The cursor is base64url and the time RFC 3339: neither needs escaping. */
  server_time = tb_wire_format_time (g_get_real_time ());
  text = g_steal_pointer (&changes);
  g_string_append_printf (text, "],\"cursor\":\"%s\",\"has_more\":%s,"
                          "\"last_mutation_id\":%" G_GINT64_FORMAT ",\"server_time\":\"%s\"}",
                          encoded, exhausted ? "false" : "true", last, server_time);
  return g_string_free_to_bytes (text);

failed_in_transaction:
  rollback (db);
failed:
  ctx_clear (&ctx);
  g_propagate_error (error, g_steal_pointer (&local_error));
  return NULL;
}

/**
 * tb_server_sync_pull:
 * @db: the server database
 * @caller: who pulls
 * @body: the request body
 * @error: return location for a #TB_PROBLEM_ERROR
 *
 * tb_server_sync_pull_bytes() as a tree, for tests and tools.
 *
 * Returns: (transfer full) (nullable): the page, or %NULL with @error set
 */
JsonNode *
tb_server_sync_pull (sqlite3               *db,
                     const TbServerCaller  *caller,
                     JsonObject            *body,
                     GError               **error)
{
  g_autoptr(GBytes) bytes = tb_server_sync_pull_bytes (db, caller, body, error);
  g_autoptr(JsonParser) parser = NULL;
  gsize length = 0;
  const char *data;

  if (bytes == NULL)
    return NULL;
  parser = json_parser_new_immutable ();
  data = g_bytes_get_data (bytes, &length);
  if (!json_parser_load_from_data (parser, data, (gssize) length, NULL))
    {
      g_set_error_literal (error, TB_PROBLEM_ERROR, TB_PROBLEM_INTERNAL,
                           "The pull page is not valid JSON.");
      return NULL;
    }
  return json_parser_steal_root (parser);
}

/* ------------------------------------------------------------------------------------------ */
/* Cases, attachments, audit                                                                   */

/**
 * tb_server_sync_get_case:
 * @db: the server database
 * @caller: who asks
 * @case_id: the case
 * @version: (out) (optional): its version, for the ETag
 * @error: return location for a #TB_PROBLEM_ERROR
 *
 * Returns: (transfer full) (nullable): the case with `schema_version`, or %NULL with @error
 *   set; a case out of the caller's scope is not found, as one that does not exist
 */
JsonNode *
tb_server_sync_get_case (sqlite3               *db,
                         const TbServerCaller  *caller,
                         const char            *case_id,
                         gint64                *version,
                         GError               **error)
{
  g_auto(CaseRow) row = { 0 };
  gboolean found;
  JsonNode *node = NULL;
  Ctx ctx;

  g_return_val_if_fail (db != NULL, NULL);
  g_return_val_if_fail (caller != NULL, NULL);
  g_return_val_if_fail (case_id != NULL, NULL);

  ctx_init (&ctx, db, caller);
  if (!load_case (&ctx, case_id, &row, &found, error))
    goto out;

  if (!found || !caller_sees_case (caller, row.assignee_id, row.team_id, row.practice))
    {
      g_set_error (error, TB_PROBLEM_ERROR, TB_PROBLEM_NOT_FOUND, "There is no case %s.",
                   case_id);
      goto out;
    }

  if ((node = case_to_json (&ctx, &row, error)) != NULL)
    {
      json_object_set_int_member (json_node_get_object (node), "schema_version", 1);
      if (version != NULL)
        *version = row.version;
    }

out:
  ctx_clear (&ctx);
  return node;
}

static gboolean
is_token (const char *text,
          gsize       max_length)
{
  gsize n = text != NULL ? strlen (text) : 0;

  if (n == 0 || n > max_length)
    return FALSE;
  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isgraph (*p) && *p != ' ')
      return FALSE;
  return TRUE;
}

static gboolean
is_sha256 (const char *text)
{
  if (text == NULL || strlen (text) != 64)
    return FALSE;
  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isdigit (*p) && !(*p >= 'a' && *p <= 'f'))
      return FALSE;
  return TRUE;
}

static JsonNode *
attachment_answer (const char *sha256,
                   gsize       size,
                   const char *content_type)
{
  g_autoptr(JsonObject) object = json_object_new ();

  json_object_set_int_member (object, "schema_version", 1);
  json_object_set_string_member (object, "sha256", sha256);
  json_object_set_int_member (object, "size", (gint64) size);
  json_object_set_string_member (object, "content_type", content_type);
  return json_node_init_object (json_node_alloc (), object);
}

/**
 * tb_server_sync_put_attachment:
 * @db: the server database
 * @caller: who uploads
 * @idempotency_key: the request's `Idempotency-Key`
 * @content_type: (nullable): the request's `Content-Type`
 * @bytes: the content
 * @error: return location for a #TB_PROBLEM_ERROR
 *
 * Stores an attachment under the SHA-256 of its bytes. The same key with the same bytes
 * answers the same again (a retry); with other bytes it is a conflict.
 *
 * Returns: (transfer full) (nullable): `{schema_version, sha256, size, content_type}`, or
 *   %NULL with @error set
 */
JsonNode *
tb_server_sync_put_attachment (sqlite3               *db,
                               const TbServerCaller  *caller,
                               const char            *idempotency_key,
                               const char            *content_type,
                               GBytes                *bytes,
                               GError               **error)
{
  g_autoptr(SyncStmt) find = NULL;
  g_autoptr(SyncStmt) store = NULL;
  g_autoptr(SyncStmt) upload = NULL;
  g_autofree char *sha256 = NULL;
  gint64 now = g_get_real_time ();
  gsize size;
  gboolean found;

  g_return_val_if_fail (db != NULL, NULL);
  g_return_val_if_fail (caller != NULL, NULL);
  g_return_val_if_fail (bytes != NULL, NULL);

  if (!is_token (idempotency_key, TB_REQUEST_MAX_ID))
    {
      g_set_error_literal (error, TB_PROBLEM_ERROR, TB_PROBLEM_MALFORMED_REQUEST,
                           "An Idempotency-Key header of 1 to 64 characters is required.");
      return NULL;
    }
  if (content_type == NULL || *content_type == '\0')
    content_type = "application/octet-stream";
  if (!is_token (content_type, 255))
    {
      g_set_error_literal (error, TB_PROBLEM_ERROR, TB_PROBLEM_MALFORMED_REQUEST,
                           "The Content-Type is not valid.");
      return NULL;
    }
  size = g_bytes_get_size (bytes);
  if (size == 0)
    {
      g_set_error_literal (error, TB_PROBLEM_ERROR, TB_PROBLEM_MALFORMED_REQUEST,
                           "The attachment is empty.");
      return NULL;
    }

  sha256 = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, bytes);

  if (!(find = prepare (db, "SELECT sha256, content_type FROM attachment_uploads"
                            " WHERE user_id = ? AND idempotency_key = ?", error))
      || !(store = prepare (db, "INSERT OR IGNORE INTO attachments (sha256, content_type, size,"
                                " bytes, created_at) VALUES (?, ?, ?, ?, ?)", error))
      || !(upload = prepare (db, "INSERT INTO attachment_uploads (user_id, idempotency_key,"
                                 " sha256, content_type, uploaded_at) VALUES (?, ?, ?, ?, ?)",
                             error)))
    return NULL;

  if (!exec (db, "BEGIN IMMEDIATE", error))
    return NULL;

  bind_text (find, 1, caller->user_id);
  bind_text (find, 2, idempotency_key);
  if (!step_row (db, find, &found, error))
    goto failed;
  if (found)
    {
      g_autofree char *stored = column_dup (find, 0);
      g_autofree char *stored_type = column_dup (find, 1);

      rollback (db);
      if (strcmp (stored, sha256) != 0)
        {
          g_set_error_literal (error, TB_PROBLEM_ERROR, TB_PROBLEM_CONFLICT,
                               "This Idempotency-Key was used for other content.");
          return NULL;
        }
      return attachment_answer (sha256, size, stored_type);
    }

  bind_text (store, 1, sha256);
  bind_text (store, 2, content_type);
  sqlite3_bind_int64 (store, 3, (gint64) size);
  sqlite3_bind_blob64 (store, 4, g_bytes_get_data (bytes, NULL), size, SQLITE_STATIC);
  sqlite3_bind_int64 (store, 5, now);
  if (!step_done (db, store, error))
    goto failed;

  bind_text (upload, 1, caller->user_id);
  bind_text (upload, 2, idempotency_key);
  bind_text (upload, 3, sha256);
  bind_text (upload, 4, content_type);
  sqlite3_bind_int64 (upload, 5, now);
  if (!step_done (db, upload, error))
    goto failed;

  if (!exec (db, "COMMIT", error))
    {
      rollback (db);
      return NULL;
    }
  return attachment_answer (sha256, size, content_type);

failed:
  rollback (db);
  return NULL;
}

/**
 * tb_server_sync_get_attachment:
 * @db: the server database
 * @caller: who asks
 * @sha256: the attachment's hash, lower-case hex
 * @content_type: (out) (transfer full): its content type
 * @error: return location for a #TB_PROBLEM_ERROR
 *
 * An attachment is visible to whoever uploaded it and to whoever sees a case whose form
 * refers to it; to anyone else it is not found.
 *
 * Returns: (transfer full) (nullable): the bytes, or %NULL with @error set
 */
GBytes *
tb_server_sync_get_attachment (sqlite3               *db,
                               const TbServerCaller  *caller,
                               const char            *sha256,
                               char                 **content_type,
                               GError               **error)
{
  g_autoptr(SyncStmt) stmt = NULL;
  GBytes *bytes = NULL;
  gboolean found;
  Ctx ctx;

  g_return_val_if_fail (db != NULL, NULL);
  g_return_val_if_fail (caller != NULL, NULL);
  g_return_val_if_fail (content_type != NULL, NULL);

  *content_type = NULL;
  if (!is_sha256 (sha256))
    {
      g_set_error_literal (error, TB_PROBLEM_ERROR, TB_PROBLEM_NOT_FOUND,
                           "There is no such attachment.");
      return NULL;
    }

  ctx_init (&ctx, db, caller);
  stmt = prepare (db, "SELECT a.content_type, a.bytes FROM attachments a WHERE a.sha256 = :sha"
                      " AND (EXISTS (SELECT 1 FROM attachment_uploads u"
                      "              WHERE u.sha256 = a.sha256 AND u.user_id = :user)"
                      "      OR EXISTS (SELECT 1 FROM case_attachments ca"
                      "                 JOIN cases k ON k.id = ca.case_id"
                      "                 WHERE ca.sha256 = a.sha256 AND " SCOPE_SQL "))", error);
  if (stmt == NULL)
    goto out;

  bind_text (stmt, param (stmt, ":sha"), sha256);
  bind_scope (&ctx, stmt);
  if (!step_row (db, stmt, &found, error))
    goto out;
  if (found)
    {
      *content_type = column_dup (stmt, 0);
      bytes = g_bytes_new (sqlite3_column_blob (stmt, 1), sqlite3_column_bytes (stmt, 1));
    }
  else
    g_set_error_literal (error, TB_PROBLEM_ERROR, TB_PROBLEM_NOT_FOUND,
                         "There is no such attachment.");

out:
  ctx_clear (&ctx);
  return bytes;
}

/**
 * tb_server_sync_list_audit:
 * @db: the server database
 * @caller: who asks: an auditor (everything) or a supervisor (their teams' cases)
 * @after: list entries after this id
 * @limit: at most this many, 1 to %TB_SERVER_SYNC_AUDIT_PAGE
 * @error: return location for a #TB_PROBLEM_ERROR
 *
 * Returns: (transfer full) (nullable): `{schema_version, entries, next}`, `next` the `after`
 *   of the next page or null at the end; %NULL with @error set
 */
JsonNode *
tb_server_sync_list_audit (sqlite3               *db,
                           const TbServerCaller  *caller,
                           gint64                 after,
                           guint                  limit,
                           GError               **error)
{
  g_autoptr(SyncStmt) stmt = NULL;
  g_autoptr(JsonArray) entries = json_array_new ();
  g_autofree char *teams = NULL;
  g_autoptr(JsonObject) response = NULL;
  gint64 last = 0;
  guint count = 0;
  int rc;

  g_return_val_if_fail (db != NULL, NULL);
  g_return_val_if_fail (caller != NULL, NULL);

  if (!(caller->roles & (TB_ROLE_AUDITOR | TB_ROLE_SUPERVISOR)))
    {
      g_set_error_literal (error, TB_PROBLEM_ERROR, TB_PROBLEM_FORBIDDEN,
                           "The audit trail is for auditors and supervisors.");
      return NULL;
    }
  if (after < 0 || limit < 1 || limit > TB_SERVER_SYNC_AUDIT_PAGE)
    {
      g_set_error (error, TB_PROBLEM_ERROR, TB_PROBLEM_MALFORMED_REQUEST,
                   "after must be 0 or more, limit 1 to %d.", TB_SERVER_SYNC_AUDIT_PAGE);
      return NULL;
    }

  stmt = prepare (db, "SELECT id, at, actor_id, action, case_id, detail, received_at,"
                      " device_time FROM audit WHERE id > ?1"
                      " AND (?2 OR team_id IN (SELECT value FROM json_each (?3)))"
                      " ORDER BY id LIMIT ?4", error);
  if (stmt == NULL)
    return NULL;

  teams = _tb_json_from_strv ((const char * const *) caller->team_ids);
  sqlite3_bind_int64 (stmt, 1, after);
  sqlite3_bind_int (stmt, 2, (caller->roles & TB_ROLE_AUDITOR) != 0);
  bind_text (stmt, 3, teams);
  sqlite3_bind_int64 (stmt, 4, (gint64) limit + 1);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW && count < limit)
    {
      JsonObject *entry = json_object_new ();
      g_autofree char *at = tb_wire_format_time (sqlite3_column_int64 (stmt, 1));
      g_autofree char *received = tb_wire_format_time (sqlite3_column_int64 (stmt, 6));
      JsonNode *detail = parse_json ((const char *) sqlite3_column_text (stmt, 5));

      last = sqlite3_column_int64 (stmt, 0);
      json_object_set_int_member (entry, "id", last);
      json_object_set_string_member (entry, "at", at);
      set_nullable (entry, "actor_id", (const char *) sqlite3_column_text (stmt, 2));
      json_object_set_string_member (entry, "action",
                                     (const char *) sqlite3_column_text (stmt, 3));
      set_nullable (entry, "case_id", (const char *) sqlite3_column_text (stmt, 4));
      if (detail != NULL)
        json_object_set_member (entry, "detail", detail);
      else
        json_object_set_object_member (entry, "detail", json_object_new ());
      json_object_set_string_member (entry, "received_at", received);
      set_nullable (entry, "device_time", (const char *) sqlite3_column_text (stmt, 7));
      json_array_add_object_element (entries, entry);
      count++;
    }
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    {
      db_error (db, rc, error);
      return NULL;
    }

  response = json_object_new ();
  json_object_set_int_member (response, "schema_version", 1);
  json_object_set_array_member (response, "entries", g_steal_pointer (&entries));
  if (rc == SQLITE_ROW)
    json_object_set_int_member (response, "next", last);
  else
    json_object_set_null_member (response, "next");
  return json_node_init_object (json_node_alloc (), response);
}

/**
 * tb_server_sync_prune:
 * @db: the server database
 * @keep_seconds: how long the feed keeps removals and deletions
 * @error: return location for a #TB_PROBLEM_ERROR
 *
 * Drops the feed's removals and deletions older than @keep_seconds. A cursor from before
 * them can then no longer be brought up to date: it is answered cursor-expired, and the desk
 * syncs from the start. Run it from time to time (the server does, hourly).
 *
 * Returns: %TRUE on success
 */
gboolean
tb_server_sync_prune (sqlite3  *db,
                      gint64    keep_seconds,
                      GError  **error)
{
  g_autoptr(SyncStmt) horizon = NULL;
  g_autoptr(SyncStmt) drop = NULL;
  g_autoptr(SyncStmt) mark = NULL;
  g_autofree char *pruned = NULL;
  gint64 through;

  g_return_val_if_fail (db != NULL, FALSE);
  g_return_val_if_fail (keep_seconds >= 0, FALSE);

  if (!(horizon = prepare (db, "SELECT coalesce (max (seq), 0) FROM changes WHERE at < ?",
                           error))
      || !(drop = prepare (db, "DELETE FROM changes WHERE seq <= ? AND op <> 'put'", error))
      || !(mark = prepare (db, "UPDATE sync_meta SET value = ? WHERE key = 'pruned_through'",
                           error)))
    return FALSE;

  if (!exec (db, "BEGIN IMMEDIATE", error))
    return FALSE;

  if (!get_meta (db, "pruned_through", &pruned, error))
    goto failed;

  sqlite3_bind_int64 (horizon, 1, g_get_real_time () - keep_seconds * G_USEC_PER_SEC);
  if (!step_one (db, horizon, error))
    goto failed;
  through = sqlite3_column_int64 (horizon, 0);

  if (through > g_ascii_strtoll (pruned, NULL, 10))
    {
      g_autofree char *text = g_strdup_printf ("%" G_GINT64_FORMAT, through);

      sqlite3_bind_int64 (drop, 1, through);
      bind_text (mark, 1, text);
      if (!step_done (db, drop, error) || !step_done (db, mark, error))
        goto failed;
    }

  if (exec (db, "COMMIT", error))
    return TRUE;

failed:
  rollback (db);
  return FALSE;
}

/* ------------------------------------------------------------------------------------------ */
/* Seeding                                                                                     */

static gboolean
put_definition (sqlite3     *db,
                const char  *sql,
                const char  *id,
                const char  *extra,
                const char  *definition,
                GError     **error)
{
  g_autoptr(SyncStmt) stmt = prepare (db, sql, error);

  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, id);
  bind_text (stmt, 2, definition);
  if (extra != NULL)
    bind_text (stmt, 3, extra);
  return step_done (db, stmt, error);
}

typedef struct
{
  sqlite3_stmt *stmt;
  int           rc;
} DayData;

static void
put_day (TbDay       day,
         gboolean    is_off,
         const char *name,
         gpointer    user_data)
{
  DayData *data = user_data;

  if (data->rc != SQLITE_DONE)
    return;
  bind_day (data->stmt, 1, day);
  sqlite3_bind_int (data->stmt, 2, is_off);
  bind_text (data->stmt, 3, name);
  data->rc = sqlite3_step (data->stmt);
  sqlite3_reset (data->stmt);
}

static char *
year_json (TbCalendar *calendar,
           int         year)
{
  g_autoptr(JsonNode) node = tb_wire_calendar_year_to_json (calendar, year);

  return node_to_string (node);
}

static void
add_years (GArray *all,
           GArray *years)
{
  for (guint i = 0; i < years->len; i++)
    {
      int year = g_array_index (years, int, i);
      gboolean seen = FALSE;

      for (guint j = 0; j < all->len && !seen; j++)
        seen = g_array_index (all, int, j) == year;
      if (!seen)
        g_array_append_val (all, year);
    }
}

/* Replaces the calendar; the years whose arrangement changed go into the feed. */
static gboolean
put_calendar (Ctx         *ctx,
              TbCalendar  *calendar,
              GError     **error)
{
  g_autoptr(TbCalendar) old = load_calendar (ctx->db, error);
  g_autoptr(GArray) years = g_array_new (FALSE, FALSE, sizeof (int));
  g_autoptr(GArray) old_years = NULL;
  g_autoptr(GArray) new_years = NULL;
  g_autoptr(GArray) official = NULL;
  g_autoptr(SyncStmt) day = NULL;
  g_autoptr(SyncStmt) year = NULL;
  DayData data = { NULL, SQLITE_DONE };

  if (old == NULL
      || !exec (ctx->db, "DELETE FROM calendar_days; DELETE FROM calendar_years", error)
      || !(day = prepare (ctx->db, "INSERT INTO calendar_days (day, is_off, name)"
                                   " VALUES (?, ?, ?)", error))
      || !(year = prepare (ctx->db, "INSERT INTO calendar_years (year) VALUES (?)", error)))
    return FALSE;

  data.stmt = day;
  tb_calendar_foreach_special_day (calendar, put_day, &data);
  if (data.rc != SQLITE_DONE)
    return db_error (ctx->db, data.rc, error);

  official = tb_calendar_list_years (calendar);
  for (guint i = 0; i < official->len; i++)
    {
      sqlite3_bind_int (year, 1, g_array_index (official, int, i));
      if (!step_done (ctx->db, year, error))
        return FALSE;
    }

  old_years = tb_wire_calendar_list_years (old);
  new_years = tb_wire_calendar_list_years (calendar);
  add_years (years, old_years);
  add_years (years, new_years);
  for (guint i = 0; i < years->len; i++)
    {
      int y = g_array_index (years, int, i);
      g_autofree char *before = year_json (old, y);
      g_autofree char *after = year_json (calendar, y);
      g_autofree char *id = g_strdup_printf ("%d", y);

      if (strcmp (before, after) != 0 && !note_change (ctx, "calendar", id, "put", NULL, error))
        return FALSE;
    }

  g_clear_pointer (&ctx->calendar, tb_calendar_unref);
  return TRUE;
}

static gboolean
put_reference (Ctx         *ctx,
               GPtrArray   *services,
               GPtrArray   *workflows,
               TbCalendar  *calendar,
               GError     **error)
{
  for (guint i = 0; i < workflows->len; i++)
    {
      TbWorkflow *workflow = g_ptr_array_index (workflows, i);

      if (!put_definition (ctx->db,
                           "INSERT INTO workflows (id, definition) VALUES (?1, ?2)"
                           " ON CONFLICT (id) DO UPDATE SET definition = ?2, version = version + 1"
                           " WHERE definition IS NOT ?2",
                           tb_workflow_get_id (workflow), NULL,
                           tb_workflow_get_definition (workflow), error))
        return FALSE;
    }

  for (guint i = 0; i < services->len; i++)
    {
      TbService *service = g_ptr_array_index (services, i);

      if (!put_definition (ctx->db,
                           "INSERT INTO services (id, definition, workflow_id) VALUES (?1, ?2, ?3)"
                           " ON CONFLICT (id) DO UPDATE SET definition = ?2, workflow_id = ?3,"
                           " version = version + 1 WHERE definition IS NOT ?2",
                           tb_service_get_id (service), tb_service_get_workflow_id (service),
                           tb_service_get_definition (service), error))
        return FALSE;
    }

  g_hash_table_remove_all (ctx->services);
  g_hash_table_remove_all (ctx->workflows);
  return put_calendar (ctx, calendar, error);
}

/**
 * tb_server_sync_seed_reference:
 * @db: the server database
 * @error: return location for a #TB_PROBLEM_ERROR
 *
 * Puts the bundled catalogue (services, workflows) and official calendar in the database,
 * replacing what differs; desks learn of the changes from the feed.
 *
 * Returns: %TRUE on success
 */
gboolean
tb_server_sync_seed_reference (sqlite3  *db,
                               GError  **error)
{
  g_autoptr(GPtrArray) services = NULL;
  g_autoptr(GPtrArray) workflows = NULL;
  g_autoptr(TbCalendar) calendar = tb_calendar_new ();
  g_autoptr(GError) local_error = NULL;
  gboolean ok;
  Ctx ctx;

  g_return_val_if_fail (db != NULL, FALSE);

  if (!(services = tb_service_load_bundled_catalogue (&workflows, &local_error))
      || !tb_calendar_load_bundled (calendar, &local_error))
    {
      g_set_error (error, TB_PROBLEM_ERROR, TB_PROBLEM_INTERNAL,
                   "The bundled reference data cannot be read: %s", local_error->message);
      return FALSE;
    }

  if (!exec (db, "BEGIN IMMEDIATE", error))
    return FALSE;
  ctx_init (&ctx, db, NULL);
  ok = put_reference (&ctx, services, workflows, calendar, error) && exec (db, "COMMIT", error);
  ctx_clear (&ctx);
  if (!ok)
    rollback (db);
  return ok;
}

/* A demo case's file, to index once the cases are in. */
typedef struct
{
  const char *sha256;     /* the demo's */
  char        case_id[TB_REQUEST_MAX_ID + 1];
} SeedAttachment;

static int
compare_seed_attachments (gconstpointer a,
                          gconstpointer b)
{
  const SeedAttachment *x = a, *y = b;
  int order = strcmp (x->sha256, y->sha256);

  return order != 0 ? order : strcmp (x->case_id, y->case_id);
}

/**
 * tb_server_sync_seed_demo:
 * @db: the server database
 * @n_cases: how many demo cases
 * @seed: the demo seed (tb_demo_new())
 * @today: the day the demo data is made for
 * @error: return location for a #TB_PROBLEM_ERROR
 *
 * Fills the database with the bundled reference data and @n_cases cases of the demo
 * generator, the same cases a desk seeded with the same seed and day holds (version 1), with
 * the documents their forms attach (visible to whoever sees a case that attaches them), in
 * transactions of a few thousand. Cases already there (by id or reference) are left alone, so
 * seeding again is harmless. Users and teams are tb_server_auth_seed_demo()'s.
 *
 * Returns: %TRUE on success; on failure, batches already written stay written
 */
gboolean
tb_server_sync_seed_demo (sqlite3  *db,
                          guint     n_cases,
                          guint64   seed,
                          TbDay     today,
                          GError  **error)
{
  g_autoptr(TbDemo) demo = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(SyncStmt) insert = NULL;
  g_autoptr(SyncStmt) change = NULL;
  g_autoptr(SyncStmt) attach = NULL;
  g_autoptr(SyncStmt) file = NULL;
  g_autoptr(GArray) attached = g_array_new (FALSE, FALSE, sizeof (SeedAttachment));
  GPtrArray *files;
  guint done = 0, files_done = 0;
  Ctx ctx;

  g_return_val_if_fail (db != NULL, FALSE);

  if (!(demo = tb_demo_new (seed, today, &local_error)))
    {
      g_set_error (error, TB_PROBLEM_ERROR, TB_PROBLEM_INTERNAL,
                   "The demo data cannot be made: %s", local_error->message);
      return FALSE;
    }

  ctx_init (&ctx, db, NULL);

  if (!exec (db, "BEGIN IMMEDIATE", error))
    goto failed;
  if (!put_reference (&ctx, tb_demo_get_services (demo), tb_demo_get_workflows (demo),
                      tb_demo_get_calendar (demo), error)
      || !exec (db, "COMMIT", error))
    goto failed_in_transaction;

  if (!(insert = prepare (db,
        "INSERT OR IGNORE INTO cases (id, ref, service_id, state, assignee_id, team_id,"
        " applicant_name, applicant_kind, company_name, received_on, deadline, paused_since,"
        " closed, version, form, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
        " ?, ?)", error))
      || !(change = prepare (db, "INSERT INTO changes (type, id, op, at) VALUES ('case', ?, 'put',"
                                 " ?)", error))
      || !(attach = prepare (db, "INSERT OR IGNORE INTO case_attachments (sha256, case_id)"
                                 " VALUES (?, ?)", error))
      || !(file = prepare (db, "INSERT OR IGNORE INTO attachments (sha256, content_type, size,"
                               " bytes, created_at) VALUES (?, ?, ?, ?, ?)", error)))
    goto failed;
  files = tb_demo_get_files (demo);

  while (done < n_cases)
    {
      guint n = MIN (n_cases - done, SEED_BATCH);

      if (!exec (db, "BEGIN IMMEDIATE", error))
        goto failed;

      for (guint i = 0; i < n; i++)
        {
          TbCaseRecord r;

          tb_demo_next_case (demo, &r);
          bind_text (insert, 1, r.id);
          bind_text (insert, 2, r.ref);
          bind_text (insert, 3, r.service_id);
          bind_text (insert, 4, r.state);
          bind_text (insert, 5, r.assignee_id);
          bind_text (insert, 6, r.team_id);
          bind_text (insert, 7, r.applicant_name);
          bind_text (insert, 8, r.applicant_kind);
          bind_text (insert, 9, r.company_name);
          bind_day (insert, 10, r.received_on);
          bind_day (insert, 11, r.deadline);
          bind_day (insert, 12, r.paused_since);
          sqlite3_bind_int (insert, 13, r.closed);
          sqlite3_bind_int64 (insert, 14, MAX (r.version, 1));
          bind_text (insert, 15, r.form_json);
          sqlite3_bind_int64 (insert, 16, ctx.now);
          if (!step_done (db, insert, error))
            goto failed_in_transaction;

          if (sqlite3_changes (db) == 1)
            {
              GPtrArray *case_files = tb_demo_get_case_files (demo);

              bind_text (change, 1, r.id);
              sqlite3_bind_int64 (change, 2, ctx.now);
              if (!step_done (db, change, error))
                goto failed_in_transaction;

              /* Who sees the case sees its files, as for a case a desk sent: indexed at the
               * end, in key order. */
              for (guint j = 0; j < case_files->len; j++)
                {
                  SeedAttachment a = { ((const TbDemoFile *) g_ptr_array_index (case_files,
                                                                                j))->sha256 };

                  g_strlcpy (a.case_id, r.id, sizeof a.case_id);
                  g_array_append_val (attached, a);
                }
            }
        }

      /* The documents first used by this batch: a small pool every case draws from. */
      for (; files_done < files->len; files_done++)
        {
          const TbDemoFile *f = g_ptr_array_index (files, files_done);
          gsize size = g_bytes_get_size (f->bytes);

          bind_text (file, 1, f->sha256);
          bind_text (file, 2, f->content_type);
          sqlite3_bind_int64 (file, 3, (gint64) size);
          sqlite3_bind_blob64 (file, 4, g_bytes_get_data (f->bytes, NULL), size,
                               SQLITE_TRANSIENT);
          sqlite3_bind_int64 (file, 5, ctx.now);
          if (!step_done (db, file, error))
            goto failed_in_transaction;
        }

      if (!exec (db, "COMMIT", error))
        goto failed_in_transaction;
      done += n;
    }

  /* Inserted in random order, the index of 100,000 cases' files took as long as the cases:
   * in its own order it is appended. */
  g_array_sort (attached, compare_seed_attachments);
  if (!exec (db, "BEGIN IMMEDIATE", error))
    goto failed;
  for (guint i = 0; i < attached->len; i++)
    {
      const SeedAttachment *a = &g_array_index (attached, SeedAttachment, i);

      bind_text (attach, 1, a->sha256);
      bind_text (attach, 2, a->case_id);
      if (!step_done (db, attach, error))
        goto failed_in_transaction;
    }
  if (!exec (db, "COMMIT", error))
    goto failed_in_transaction;

  /* New cases continue the numbering of each year. */
  if (!exec (db, "INSERT INTO ref_counters (year, last)"
                 " SELECT CAST (substr (ref, 4, 4) AS INTEGER),"
                 "        max (CAST (substr (ref, 9) AS INTEGER))"
                 " FROM cases WHERE ref GLOB 'TB-[0-9][0-9][0-9][0-9]-[0-9]*' GROUP BY 1"
                 " ON CONFLICT (year) DO UPDATE SET last = max (last, excluded.last)", error))
    goto failed;

  ctx_clear (&ctx);
  return TRUE;

failed_in_transaction:
  rollback (db);
failed:
  ctx_clear (&ctx);
  return FALSE;
}

/* ------------------------------------------------------------------------------------------ */
/* Routes                                                                                      */

/* A busy database is transient: the client retries after a second, consuming nothing. */
static JsonNode *
answer (TbServerRequest  *req,
        JsonNode         *node,
        GError          **error,
        GError           *local_error)
{
  if (g_error_matches (local_error, TB_PROBLEM_ERROR, TB_PROBLEM_UNAVAILABLE))
    tb_server_request_set_header (req, "Retry-After", "1");
  if (local_error != NULL)
    g_propagate_error (error, local_error);
  return node;
}

static JsonNode *
handle_push (TbServer         *server,
             TbServerRequest  *req,
             GError          **error)
{
  GError *local_error = NULL;
  JsonNode *node = tb_server_sync_push (tb_server_get_db (server), req->caller, req->body,
                                        &local_error);

  return answer (req, node, error, local_error);
}

static JsonNode *
handle_pull (TbServer         *server,
             TbServerRequest  *req,
             GError          **error)
{
  GError *local_error = NULL;
  const TbServerFaults *faults = tb_server_get_faults (server);
  g_autoptr(GBytes) page = pull_bytes (tb_server_get_db (server), req->caller, req->body,
                                       faults != NULL ? faults->page_bytes : 0, &local_error);

  /* The client clears what it has and pulls from the start. */
  if (g_error_matches (local_error, TB_PROBLEM_ERROR, TB_PROBLEM_CURSOR_EXPIRED))
    tb_server_request_set_problem_member (req, "reset",
                                          json_node_init_boolean (json_node_alloc (), TRUE));
  if (page != NULL)
    {
      /* Already text (pages are large): sent as it is, with what every JSON answer has. */
      tb_server_request_set_header (req, "Cache-Control", "no-store");
      tb_server_request_set_raw_response (req, "application/json", page);
    }
  return answer (req, NULL, error, local_error);
}

static JsonNode *
handle_get_case (TbServer         *server,
                 TbServerRequest  *req,
                 GError          **error)
{
  const char *if_none_match = tb_server_request_get_header (req, "If-None-Match");
  g_autofree char *etag = NULL;
  gint64 version = 0;
  JsonNode *answer;

  answer = tb_server_sync_get_case (tb_server_get_db (server), req->caller,
                                    tb_server_request_get_param (req, "id"), &version, error);
  if (answer == NULL)
    return NULL;

  etag = g_strdup_printf ("\"v%" G_GINT64_FORMAT "\"", version);
  tb_server_request_set_header (req, "ETag", etag);
  if (if_none_match != NULL)
    {
      g_autofree char *tags = g_strstrip (g_strdup (if_none_match));

      if (strstr (tags, etag) == NULL && strcmp (tags, "*") != 0)
        return answer;


      json_node_unref (answer);
      tb_server_request_set_status (req, 304);
      return NULL;
    }
  return answer;
}

static JsonNode *
handle_get_attachment (TbServer         *server,
                       TbServerRequest  *req,
                       GError          **error)
{
  g_autofree char *content_type = NULL;
  g_autoptr(GBytes) bytes = NULL;

  bytes = tb_server_sync_get_attachment (tb_server_get_db (server), req->caller,
                                         tb_server_request_get_param (req, "sha256"),
                                         &content_type, error);
  if (bytes != NULL)
    {
      tb_server_request_set_header (req, "Cache-Control", "private, max-age=31536000, immutable");
      tb_server_request_set_raw_response (req, content_type, bytes);
    }
  return NULL;
}

static JsonNode *
handle_put_attachment (TbServer         *server,
                       TbServerRequest  *req,
                       GError          **error)
{
  JsonNode *answer;

  answer = tb_server_sync_put_attachment (tb_server_get_db (server), req->caller,
                                          tb_server_request_get_header (req, "Idempotency-Key"),
                                          tb_server_request_get_header (req, "Content-Type"),
                                          req->body_bytes, error);
  if (answer != NULL)
    tb_server_request_set_status (req, 201);
  return answer;
}

static gboolean
query_number (TbServerRequest  *req,
              const char       *name,
              guint64           min,
              guint64           max,
              guint64           fallback,
              guint64          *out,
              GError          **error)
{
  const char *text = tb_server_request_get_query (req, name);

  *out = fallback;
  if (text == NULL)
    return TRUE;
  if (!g_ascii_string_to_unsigned (text, 10, min, max, out, NULL))
    {
      g_set_error (error, TB_PROBLEM_ERROR, TB_PROBLEM_MALFORMED_REQUEST,
                   "?%s: a number from %" G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT, name, min,
                   max);
      return FALSE;
    }
  return TRUE;
}

static JsonNode *
handle_audit (TbServer         *server,
              TbServerRequest  *req,
              GError          **error)
{
  guint64 after, limit;

  if (!query_number (req, "after", 0, TB_REQUEST_MAX_SAFE_INT, 0, &after, error)
      || !query_number (req, "limit", 1, TB_SERVER_SYNC_AUDIT_PAGE, 100, &limit, error))
    return NULL;

  return tb_server_sync_list_audit (tb_server_get_db (server), req->caller, (gint64) after,
                                    (guint) limit, error);
}

static gint64 retention = TB_SERVER_SYNC_DEFAULT_RETENTION;

/**
 * tb_server_sync_set_retention:
 * @seconds: how long the feed keeps removals and deletions
 *
 * Sets the retention of the hourly pruning (tb_server_sync_prune()) of every server whose
 * routes were registered; the default is %TB_SERVER_SYNC_DEFAULT_RETENTION.
 */
void
tb_server_sync_set_retention (gint64 seconds)
{
  g_return_if_fail (seconds >= 0);

  retention = seconds;
}

static gboolean
prune_cb (gpointer data)
{
  g_autoptr(GError) error = NULL;

  if (!tb_server_sync_prune (tb_server_get_db (data), retention, &error))
    g_printerr ("tongban-server: pruning the change feed failed: %s\n", error->message);
  return G_SOURCE_CONTINUE;
}

static void
server_finalized (gpointer  data,
                  GObject  *where_the_object_was)
{
  g_source_remove (GPOINTER_TO_UINT (data));
}

/**
 * tb_server_sync_register_routes:
 * @server: the server
 *
 * Adds the routes of sync, cases, attachments and audit, each with the roles that may call
 * it (docs/protocol.md, "Scope and roles"), and prunes the change feed hourly while @server
 * lives (see tb_server_sync_set_retention()).
 */
void
tb_server_sync_register_routes (TbServer *server)
{
  guint source;

  g_return_if_fail (TB_IS_SERVER (server));

  source = g_timeout_add_seconds (3600, prune_cb, server);
  g_object_weak_ref (G_OBJECT (server), server_finalized, GUINT_TO_POINTER (source));

  tb_server_add_route (server, "POST", "/api/v1/sync/push", ROLES_ACTING, handle_push);
  tb_server_add_route (server, "POST", "/api/v1/sync/pull", 0, handle_pull);
  tb_server_add_route (server, "GET", "/api/v1/cases/{id}", 0, handle_get_case);
  tb_server_add_route (server, "GET", "/api/v1/attachments/{sha256}", 0, handle_get_attachment);
  tb_server_add_route (server, "POST", "/api/v1/attachments",
                       ROLES_ACTING | TB_SERVER_ROUTE_RAW_BODY | TB_SERVER_ROUTE_UPLOAD,
                       handle_put_attachment);
  tb_server_add_route (server, "GET", "/api/v1/audit", TB_ROLE_AUDITOR | TB_ROLE_SUPERVISOR,
                       handle_audit);
}
