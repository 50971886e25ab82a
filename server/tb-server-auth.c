/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-server-auth.c: users, teams, sessions, sign-in throttling and the session endpoints */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <sodium.h>
#include <string.h>

#include "tb-demo.h"
#include "tb-json-private.h"
#include "tb-problem.h"
#include "tb-request.h"
#include "tb-server-auth.h"
#include "tb-sqlite.h"
#include "tb-wire.h"

/*
 * Passwords are kept as Argon2id strings (libsodium's crypto_pwhash_str), tokens only as their
 * SHA-256. A sign-in for an unknown login verifies the password against a dummy hash made with
 * the same parameters, so that it takes as long as a wrong password and gets the same answer.
 * Failed sign-ins are counted per login and per remote address, in memory: past a threshold,
 * sign-ins are refused with 429 for a time that doubles with every further attempt.
 */

#define TOKEN_BYTES 32
#define TOKEN_LENGTH 43  /* base64url of 32 bytes, without padding */
#define MAX_PASSWORD 1024
#define MAX_THROTTLE_ENTRIES 10000

typedef struct
{
  guint  failures;
  gint64 last_failure;   /* µs, real time */
  gint64 blocked_until;  /* µs, real time */
} Throttle;

struct _TbServerAuth
{
  char       *dummy_hash;
  GHashTable *throttle;  /* "login:…" / "addr:…" → Throttle */
};

typedef struct
{
  char *id;
  char *login;
  char *display_name;
  char *roles;
  char *teams;
  char *password_hash;
} User;

static void
user_clear (User *user)
{
  g_free (user->id);
  g_free (user->login);
  g_free (user->display_name);
  g_free (user->roles);
  g_free (user->teams);
  if (user->password_hash != NULL)
    sodium_memzero (user->password_hash, strlen (user->password_hash));
  g_free (user->password_hash);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (User, user_clear)

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)

/* ---- Passwords and tokens --------------------------------------------------------------- */

static gboolean
ensure_sodium (GError **error)
{
  if (sodium_init () < 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                           _("The cryptography library could not be initialised."));
      return FALSE;
    }
  return TRUE;
}

static void
pwhash_limits (unsigned long long *ops,
               size_t             *mem)
{
  if (g_strcmp0 (g_getenv (TB_SERVER_PWHASH_ENV), "min") == 0)
    {
      *ops = crypto_pwhash_argon2id_OPSLIMIT_MIN;
      *mem = crypto_pwhash_argon2id_MEMLIMIT_MIN;
    }
  else
    {
      *ops = crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE;
      *mem = crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE;
    }
}

/**
 * tb_server_auth_hash_password:
 * @password: a password
 * @error: return location for an error
 *
 * Hashes with Argon2id, with libsodium's interactive limits (or the minimum ones if the
 * environment variable %TB_SERVER_PWHASH_ENV is "min", for tests).
 *
 * Returns: (transfer full): the hash string, salt and parameters included
 */
char *
tb_server_auth_hash_password (const char  *password,
                              GError     **error)
{
  char hash[crypto_pwhash_STRBYTES];
  unsigned long long ops;
  size_t mem;

  g_return_val_if_fail (password != NULL, NULL);

  if (!ensure_sodium (error))
    return NULL;
  pwhash_limits (&ops, &mem);
  if (crypto_pwhash_str_alg (hash, password, strlen (password), ops, mem,
                             crypto_pwhash_ALG_ARGON2ID13) != 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                           _("Not enough memory to hash the password."));
      return NULL;
    }
  return g_strdup (hash);
}

static char *
new_token (void)
{
  guchar bytes[TOKEN_BYTES];
  char text[sodium_base64_ENCODED_LEN (TOKEN_BYTES, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];

  randombytes_buf (bytes, sizeof bytes);
  sodium_bin2base64 (text, sizeof text, bytes, sizeof bytes,
                     sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  sodium_memzero (bytes, sizeof bytes);
  return g_strdup (text);
}

static gboolean
token_is_well_formed (const char *token)
{
  if (strlen (token) != TOKEN_LENGTH)
    return FALSE;
  for (const char *p = token; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_')
      return FALSE;
  return TRUE;
}

static void
token_hash (const char *token,
            guchar      out[crypto_hash_sha256_BYTES])
{
  crypto_hash_sha256 (out, (const guchar *) token, strlen (token));
}

static char *
format_time (gint64 usec)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc (usec / G_USEC_PER_SEC);

  return g_date_time_format (time, "%Y-%m-%dT%H:%M:%SZ");
}

/* ---- State ------------------------------------------------------------------------------ */

/**
 * tb_server_auth_new:
 * @error: return location for an error
 *
 * Returns: (transfer full): the sign-in state of a server, or %NULL with @error set
 */
TbServerAuth *
tb_server_auth_new (GError **error)
{
  g_autoptr(TbServerAuth) auth = g_new0 (TbServerAuth, 1);
  guchar random[32];
  g_autofree char *dummy = NULL;

  auth->throttle = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  if (!ensure_sodium (error))
    return NULL;
  randombytes_buf (random, sizeof random);
  dummy = g_base64_encode (random, sizeof random);
  auth->dummy_hash = tb_server_auth_hash_password (dummy, error);
  if (auth->dummy_hash == NULL)
    return NULL;

  return g_steal_pointer (&auth);
}

/**
 * tb_server_auth_free:
 * @auth: (transfer full): sign-in state
 */
void
tb_server_auth_free (TbServerAuth *auth)
{
  if (auth == NULL)
    return;
  g_free (auth->dummy_hash);
  g_clear_pointer (&auth->throttle, g_hash_table_unref);
  g_free (auth);
}

/* ---- Throttling ------------------------------------------------------------------------- */

static guint
threshold_of (const char *key)
{
  return g_str_has_prefix (key, "addr:") ? TB_SERVER_THROTTLE_ADDRESS_FAILURES
                                         : TB_SERVER_THROTTLE_LOGIN_FAILURES;
}

static void
throttle_prune (TbServerAuth *auth,
                gint64        now)
{
  GHashTableIter iter;
  Throttle *entry;

  if (g_hash_table_size (auth->throttle) < MAX_THROTTLE_ENTRIES)
    return;

  g_hash_table_iter_init (&iter, auth->throttle);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry))
    if (entry->blocked_until <= now
        && now - entry->last_failure > TB_SERVER_THROTTLE_WINDOW * G_USEC_PER_SEC)
      g_hash_table_iter_remove (&iter);
}

static Throttle *
throttle_lookup (TbServerAuth *auth,
                 const char   *key,
                 gint64        now)
{
  Throttle *entry = g_hash_table_lookup (auth->throttle, key);

  /* Failures older than the window are forgotten, once any block has passed. */
  if (entry != NULL && entry->blocked_until <= now
      && now - entry->last_failure > TB_SERVER_THROTTLE_WINDOW * G_USEC_PER_SEC)
    entry->failures = 0;
  return entry;
}

/* Seconds until @key may sign in again, 0 if it may now. */
static gint64
throttle_wait (TbServerAuth *auth,
               const char   *key,
               gint64        now)
{
  Throttle *entry = throttle_lookup (auth, key, now);

  if (entry == NULL || entry->blocked_until <= now)
    return 0;
  return (entry->blocked_until - now + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC;
}

static void
throttle_fail (TbServerAuth *auth,
               const char   *key,
               gint64        now)
{
  Throttle *entry = throttle_lookup (auth, key, now);
  guint threshold = threshold_of (key);

  if (entry == NULL)
    {
      throttle_prune (auth, now);
      entry = g_new0 (Throttle, 1);
      g_hash_table_insert (auth->throttle, g_strdup (key), entry);
    }

  entry->failures++;
  entry->last_failure = now;
  if (entry->failures >= threshold)
    {
      guint doublings = MIN (entry->failures - threshold, 16);
      gint64 seconds = MIN ((gint64) TB_SERVER_THROTTLE_BASE << doublings,
                            TB_SERVER_THROTTLE_MAX);

      entry->blocked_until = now + seconds * G_USEC_PER_SEC;
    }
}

static void
throttle_reset (TbServerAuth *auth,
                const char   *key)
{
  g_hash_table_remove (auth->throttle, key);
}

/* ---- Database --------------------------------------------------------------------------- */

static sqlite3_stmt *
prepare (sqlite3     *db,
         const char  *sql,
         GError     **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL);

  if (rc != SQLITE_OK)
    {
      tb_sqlite_set_error (db, rc, error);
      return NULL;
    }
  return stmt;
}

/* Steps a statement that returns no rows. */
static gboolean
step_done (sqlite3       *db,
           sqlite3_stmt  *stmt,
           GError       **error)
{
  int rc = sqlite3_step (stmt);

  if (rc != SQLITE_DONE)
    return tb_sqlite_set_error (db, rc, error);
  return TRUE;
}

static char *
column_text (sqlite3_stmt *stmt,
             int           column)
{
  return g_strdup ((const char *) sqlite3_column_text (stmt, column));
}

/* Returns FALSE with @error unset if there is no such user. */
static gboolean
load_user (sqlite3     *db,
           const char  *column,
           const char  *value,
           User        *out,
           GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *sql = NULL;
  int rc;

  g_assert (strcmp (column, "id") == 0 || strcmp (column, "login") == 0);
  sql = g_strdup_printf ("SELECT id, login, display_name, roles, teams, password_hash "
                         "FROM users WHERE %s = ?1", column);
  stmt = prepare (db, sql, error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, value, -1, SQLITE_TRANSIENT);

  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    return FALSE;
  if (rc != SQLITE_ROW)
    return tb_sqlite_set_error (db, rc, error);

  out->id = column_text (stmt, 0);
  out->login = column_text (stmt, 1);
  out->display_name = column_text (stmt, 2);
  out->roles = column_text (stmt, 3);
  out->teams = column_text (stmt, 4);
  out->password_hash = column_text (stmt, 5);
  return TRUE;
}

static JsonArray *
json_string_array (const char *json)
{
  g_autoptr(JsonNode) node = json != NULL ? json_from_string (json, NULL) : NULL;
  JsonArray *result = json_array_new ();

  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *element = json_array_get_element (array, i);

          if (json_node_get_value_type (element) == G_TYPE_STRING)
            json_array_add_string_element (result, json_node_get_string (element));
        }
    }
  return result;
}

static TbRole
roles_from_json (const char *json)
{
  g_autoptr(JsonArray) array = json_string_array (json);
  TbRole roles = TB_ROLE_NONE;

  for (guint i = 0; i < json_array_get_length (array); i++)
    roles |= tb_role_from_string (json_array_get_string_element (array, i));
  return roles;
}

/**
 * tb_server_auth_add_team:
 * @db: the server database
 * @id: the team's id ("team-market")
 * @name: its display name
 * @error: return location for an error
 *
 * Adds a team, or renames it if it exists.
 *
 * Returns: %TRUE on success
 */
gboolean
tb_server_auth_add_team (sqlite3     *db,
                         const char  *id,
                         const char  *name,
                         GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (db != NULL, FALSE);
  g_return_val_if_fail (id != NULL && name != NULL, FALSE);

  stmt = prepare (db, "INSERT INTO teams (id, name) VALUES (?1, ?2) "
                      "ON CONFLICT (id) DO UPDATE SET name = excluded.name", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, name, -1, SQLITE_TRANSIENT);
  return step_done (db, stmt, error);
}

/**
 * tb_server_auth_add_user:
 * @db: the server database
 * @id: the user's id ("u-wangfang")
 * @login: what they sign in with (unique, compared without case)
 * @display_name: their name
 * @roles: their roles
 * @team_ids: (array zero-terminated=1) (nullable): their teams
 * @password: their password (hashed here; never stored)
 * @error: return location for an error
 *
 * Returns: %TRUE on success; fails if the id or login is taken
 */
gboolean
tb_server_auth_add_user (sqlite3            *db,
                         const char         *id,
                         const char         *login,
                         const char         *display_name,
                         TbRole              roles,
                         const char * const *team_ids,
                         const char         *password,
                         GError            **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(JsonNode) roles_node = NULL;
  g_autofree char *roles_json = NULL;
  g_autofree char *hash = NULL;
  g_autofree char *teams_json = NULL;

  g_return_val_if_fail (db != NULL, FALSE);
  g_return_val_if_fail (id != NULL && login != NULL && display_name != NULL, FALSE);
  g_return_val_if_fail (password != NULL, FALSE);

  hash = tb_server_auth_hash_password (password, error);
  if (hash == NULL)
    return FALSE;
  roles_node = tb_wire_roles_to_json (roles);
  roles_json = json_to_string (roles_node, FALSE);
  teams_json = _tb_json_from_strv (team_ids);

  stmt = prepare (db, "INSERT INTO users (id, login, display_name, roles, teams, password_hash) "
                      "VALUES (?1, ?2, ?3, ?4, ?5, ?6)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, login, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, display_name, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 4, roles_json, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 5, teams_json, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 6, hash, -1, SQLITE_TRANSIENT);
  return step_done (db, stmt, error);
}

static gboolean
user_exists (sqlite3     *db,
             const char  *id,
             gboolean    *exists,
             GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = prepare (db, "SELECT 1 FROM users WHERE id = ?1", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return tb_sqlite_set_error (db, rc, error);
  *exists = rc == SQLITE_ROW;
  return TRUE;
}

/**
 * tb_server_auth_seed_demo:
 * @db: the server database
 * @password: the password every demo user gets (%TB_SERVER_DEMO_PASSWORD)
 * @error: return location for an error
 *
 * Adds the demo teams and users of tb_demo_get_teams() and tb_demo_get_users(); users that
 * exist already are left as they are.
 *
 * Returns: %TRUE on success
 */
gboolean
tb_server_auth_seed_demo (sqlite3     *db,
                          const char  *password,
                          GError     **error)
{
  const TbDemoTeam *teams;
  const TbDemoUser *users;
  guint n_teams = 0;
  guint n_users = 0;

  g_return_val_if_fail (db != NULL, FALSE);
  g_return_val_if_fail (password != NULL, FALSE);

  teams = tb_demo_get_teams (&n_teams);
  users = tb_demo_get_users (&n_users);

  if (!tb_sqlite_exec (db, "BEGIN IMMEDIATE", error))
    return FALSE;

  for (guint i = 0; i < n_teams; i++)
    if (!tb_server_auth_add_team (db, teams[i].id, teams[i].name, error))
      goto fail;

  for (guint i = 0; i < n_users; i++)
    {
      gboolean exists = FALSE;

      if (!user_exists (db, users[i].id, &exists, error))
        goto fail;
      if (!exists
          && !tb_server_auth_add_user (db, users[i].id, users[i].login, users[i].display_name,
                                       users[i].roles, users[i].team_ids, password, error))
        goto fail;
    }

  return tb_sqlite_exec (db, "COMMIT", error);

fail:
  sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
  return FALSE;
}

/* ---- Sessions --------------------------------------------------------------------------- */

/**
 * tb_server_auth_authenticate:
 * @server: a server
 * @token: a bearer token
 * @error: return location for a #TB_PROBLEM_ERROR (unauthorized)
 *
 * Returns: (transfer full): who holds @token, or %NULL if it is unknown, expired or revoked
 */
TbServerCaller *
tb_server_auth_authenticate (TbServer    *server,
                             const char  *token,
                             GError     **error)
{
  sqlite3 *db = tb_server_get_db (server);
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GError) local_error = NULL;
  guchar hash[crypto_hash_sha256_BYTES];
  TbServerCaller *caller;
  int rc;

  g_return_val_if_fail (TB_IS_SERVER (server), NULL);
  g_return_val_if_fail (token != NULL, NULL);

  if (!token_is_well_formed (token))
    goto unauthorized;

  token_hash (token, hash);
  stmt = prepare (db, "SELECT s.id, s.user_id, u.roles, u.teams FROM sessions AS s "
                      "JOIN users AS u ON u.id = s.user_id "
                      "WHERE s.access_hash = ?1 AND s.revoked = 0 AND s.access_expires > ?2",
                  &local_error);
  if (stmt == NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  sqlite3_bind_blob (stmt, 1, hash, sizeof hash, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, g_get_real_time ());

  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    goto unauthorized;
  if (rc != SQLITE_ROW)
    {
      tb_sqlite_set_error (db, rc, error);
      return NULL;
    }

  caller = g_new0 (TbServerCaller, 1);
  caller->session_id = column_text (stmt, 0);
  caller->user_id = column_text (stmt, 1);
  caller->roles = roles_from_json ((const char *) sqlite3_column_text (stmt, 2));
  caller->team_ids = _tb_json_to_strv ((const char *) sqlite3_column_text (stmt, 3));
  return caller;

unauthorized:
  g_set_error_literal (error, TB_PROBLEM_ERROR, TB_PROBLEM_UNAUTHORIZED,
                       "The access token is not valid, has expired or was revoked; sign in "
                       "again.");
  return NULL;
}

static JsonNode *
session_answer (const User *user,
                const char *access_token,
                gint64      access_expires,
                const char *refresh_token,
                gint64      refresh_expires)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autofree char *access_at = format_time (access_expires);
  g_autofree char *refresh_at = format_time (refresh_expires);
  g_autoptr(JsonNode) roles = json_node_new (JSON_NODE_ARRAY);
  g_autoptr(JsonNode) teams = json_node_new (JSON_NODE_ARRAY);

  json_node_take_array (roles, json_string_array (user->roles));
  json_node_take_array (teams, json_string_array (user->teams));

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "schema_version");
  json_builder_add_int_value (builder, 1);
  json_builder_set_member_name (builder, "access_token");
  json_builder_add_string_value (builder, access_token);
  json_builder_set_member_name (builder, "access_expires_at");
  json_builder_add_string_value (builder, access_at);
  json_builder_set_member_name (builder, "refresh_token");
  json_builder_add_string_value (builder, refresh_token);
  json_builder_set_member_name (builder, "refresh_expires_at");
  json_builder_add_string_value (builder, refresh_at);
  json_builder_set_member_name (builder, "user");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, user->id);
  json_builder_set_member_name (builder, "login");
  json_builder_add_string_value (builder, user->login);
  json_builder_set_member_name (builder, "display_name");
  json_builder_add_string_value (builder, user->display_name);
  json_builder_set_member_name (builder, "roles");
  json_builder_add_value (builder, g_steal_pointer (&roles));
  json_builder_set_member_name (builder, "teams");
  json_builder_add_value (builder, g_steal_pointer (&teams));
  json_builder_end_object (builder);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

static gboolean
create_session (sqlite3     *db,
                const User  *user,
                const char  *client_id,
                const char  *access_token,
                gint64       access_expires,
                const char  *refresh_token,
                gint64       refresh_expires,
                gint64       now,
                GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(sqlite3_stmt) cleanup = NULL;
  g_autofree char *id = g_uuid_string_random ();
  guchar access_hash[crypto_hash_sha256_BYTES];
  guchar refresh_hash[crypto_hash_sha256_BYTES];

  token_hash (access_token, access_hash);
  token_hash (refresh_token, refresh_hash);

  /* Sessions past their refresh expiry can do nothing any more. */
  cleanup = prepare (db, "DELETE FROM sessions WHERE refresh_expires <= ?1", error);
  if (cleanup == NULL)
    return FALSE;
  sqlite3_bind_int64 (cleanup, 1, now);
  if (!step_done (db, cleanup, error))
    return FALSE;

  stmt = prepare (db, "INSERT INTO sessions (id, user_id, client_id, access_hash, "
                      "access_expires, refresh_hash, refresh_expires, created) "
                      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, user->id, -1, SQLITE_TRANSIENT);
  if (client_id != NULL)
    sqlite3_bind_text (stmt, 3, client_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_blob (stmt, 4, access_hash, sizeof access_hash, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 5, access_expires);
  sqlite3_bind_blob (stmt, 6, refresh_hash, sizeof refresh_hash, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 7, refresh_expires);
  sqlite3_bind_int64 (stmt, 8, now);
  return step_done (db, stmt, error);
}

static char *
throttle_key (const char *prefix,
              const char *value)
{
  g_autofree char *folded = g_utf8_casefold (value != NULL ? value : "?", -1);

  return g_strconcat (prefix, folded, NULL);
}

static JsonNode *
handle_sign_in (TbServer         *server,
                TbServerRequest  *req,
                GError          **error)
{
  static const char * const allowed[] = {
    "schema_version", "login", "password", "client_id", NULL
  };
  TbServerAuth *auth = tb_server_get_auth (server);
  sqlite3 *db = tb_server_get_db (server);
  const char *login = NULL;
  const char *password = NULL;
  const char *client_id = NULL;
  g_autofree char *login_key = NULL;
  g_autofree char *addr_key = NULL;
  g_autofree char *access_token = NULL;
  g_autofree char *refresh_token = NULL;
  g_auto(User) user = { 0 };
  g_autoptr(GError) local_error = NULL;
  gboolean found;
  gboolean verified;
  gint64 now = g_get_real_time ();
  gint64 wait;
  gint64 access_expires;
  gint64 refresh_expires;

  if (!tb_request_check_members (req->body, "", allowed, error)
      || !tb_request_get_string (req->body, "", "login", TRUE, TB_REQUEST_MAX_ID, &login, error)
      || !tb_request_get_string (req->body, "", "password", TRUE, MAX_PASSWORD, &password,
                                 error)
      || !tb_request_get_string (req->body, "", "client_id", FALSE, TB_REQUEST_MAX_ID,
                                 &client_id, error))
    return NULL;

  login_key = throttle_key ("login:", login);
  addr_key = throttle_key ("addr:", req->remote_address);

  wait = MAX (throttle_wait (auth, login_key, now), throttle_wait (auth, addr_key, now));
  if (wait > 0)
    {
      g_autofree char *retry = NULL;

      /* Each attempt while blocked counts: hammering only makes the wait longer. */
      throttle_fail (auth, login_key, now);
      throttle_fail (auth, addr_key, now);
      wait = MAX (throttle_wait (auth, login_key, now), throttle_wait (auth, addr_key, now));
      retry = g_strdup_printf ("%" G_GINT64_FORMAT, wait);
      tb_server_request_set_header (req, "Retry-After", retry);
      g_set_error (error, TB_PROBLEM_ERROR, TB_PROBLEM_RATE_LIMITED,
                   "Too many failed sign-ins; try again in %" G_GINT64_FORMAT " seconds.", wait);
      return NULL;
    }

  found = load_user (db, "login", login, &user, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  /* The same work, and the same answer, whether the login exists or not. */
  verified = crypto_pwhash_str_verify (found ? user.password_hash : auth->dummy_hash,
                                       password, strlen (password)) == 0;
  if (!found || !verified)
    {
      throttle_fail (auth, login_key, now);
      throttle_fail (auth, addr_key, now);
      g_set_error_literal (error, TB_PROBLEM_ERROR, TB_PROBLEM_INVALID_CREDENTIALS,
                           "Wrong user name or password.");
      return NULL;
    }

  throttle_reset (auth, login_key);

  access_token = new_token ();
  refresh_token = new_token ();
  access_expires = now + tb_server_get_access_ttl (server) * G_USEC_PER_SEC;
  refresh_expires = now + tb_server_get_refresh_ttl (server) * G_USEC_PER_SEC;
  if (!create_session (db, &user, client_id, access_token, access_expires, refresh_token,
                       refresh_expires, now, error))
    return NULL;

  tb_server_request_set_log_user (req, user.id);
  return session_answer (&user, access_token, access_expires, refresh_token, refresh_expires);
}

static JsonNode *
handle_refresh (TbServer         *server,
                TbServerRequest  *req,
                GError          **error)
{
  static const char * const allowed[] = { "schema_version", "refresh_token", NULL };
  sqlite3 *db = tb_server_get_db (server);
  const char *old_token = NULL;
  g_autofree char *access_token = NULL;
  g_autofree char *refresh_token = NULL;
  g_autofree char *user_id = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_auto(User) user = { 0 };
  g_autoptr(GError) local_error = NULL;
  guchar old_hash[crypto_hash_sha256_BYTES];
  guchar access_hash[crypto_hash_sha256_BYTES];
  guchar refresh_hash[crypto_hash_sha256_BYTES];
  gint64 now = g_get_real_time ();
  gint64 access_expires;
  gint64 refresh_expires;
  int rc;

  if (!tb_request_check_members (req->body, "", allowed, error)
      || !tb_request_get_string (req->body, "", "refresh_token", TRUE, TB_REQUEST_MAX_ID,
                                 &old_token, error))
    return NULL;

  if (!token_is_well_formed (old_token))
    goto unauthorized;

  access_token = new_token ();
  refresh_token = new_token ();
  access_expires = now + tb_server_get_access_ttl (server) * G_USEC_PER_SEC;
  refresh_expires = now + tb_server_get_refresh_ttl (server) * G_USEC_PER_SEC;
  token_hash (old_token, old_hash);
  token_hash (access_token, access_hash);
  token_hash (refresh_token, refresh_hash);

  /* One statement: the old refresh token is consumed exactly once, even under races. */
  stmt = prepare (db, "UPDATE sessions SET access_hash = ?1, access_expires = ?2, "
                      "refresh_hash = ?3, refresh_expires = ?4, previous_refresh_hash = ?5 "
                      "WHERE refresh_hash = ?5 AND revoked = 0 AND refresh_expires > ?6 "
                      "RETURNING user_id", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_blob (stmt, 1, access_hash, sizeof access_hash, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, access_expires);
  sqlite3_bind_blob (stmt, 3, refresh_hash, sizeof refresh_hash, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 4, refresh_expires);
  sqlite3_bind_blob (stmt, 5, old_hash, sizeof old_hash, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 6, now);

  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    user_id = column_text (stmt, 0);
  if (rc == SQLITE_ROW)
    rc = sqlite3_step (stmt);
  if (rc != SQLITE_DONE)
    {
      tb_sqlite_set_error (db, rc, error);
      return NULL;
    }
  g_clear_pointer (&stmt, sqlite3_finalize);

  if (user_id == NULL)
    {
      /* A refresh token that was already exchanged: someone else has it. End that session. */
      stmt = prepare (db, "UPDATE sessions SET revoked = 1 "
                          "WHERE previous_refresh_hash = ?1 AND revoked = 0", error);
      if (stmt == NULL)
        return NULL;
      sqlite3_bind_blob (stmt, 1, old_hash, sizeof old_hash, SQLITE_TRANSIENT);
      if (!step_done (db, stmt, error))
        return NULL;
      if (sqlite3_changes (db) > 0)
        g_printerr ("tongban-server: a consumed refresh token was presented again; its "
                    "session is revoked\n");
      goto unauthorized;
    }

  if (!load_user (db, "id", user_id, &user, &local_error))
    {
      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      goto unauthorized;
    }

  tb_server_request_set_log_user (req, user.id);
  return session_answer (&user, access_token, access_expires, refresh_token, refresh_expires);

unauthorized:
  g_set_error_literal (error, TB_PROBLEM_ERROR, TB_PROBLEM_UNAUTHORIZED,
                       "The refresh token is not valid, has expired or was already used; sign "
                       "in again.");
  return NULL;
}

static JsonNode *
handle_sign_out (TbServer         *server,
                 TbServerRequest  *req,
                 GError          **error)
{
  sqlite3 *db = tb_server_get_db (server);
  g_autoptr(sqlite3_stmt) stmt = NULL;

  stmt = prepare (db, "UPDATE sessions SET revoked = 1 WHERE id = ?1", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, req->caller->session_id, -1, SQLITE_TRANSIENT);
  if (!step_done (db, stmt, error))
    return NULL;

  tb_server_request_set_status (req, SOUP_STATUS_NO_CONTENT);
  return NULL;
}

/**
 * tb_server_auth_register_routes:
 * @server: a server
 *
 * Adds `POST /api/v1/session`, `POST /api/v1/session/refresh` and `DELETE /api/v1/session`.
 */
void
tb_server_auth_register_routes (TbServer *server)
{
  g_return_if_fail (TB_IS_SERVER (server));

  tb_server_add_route (server, "POST", "/api/v1/session",
                       TB_SERVER_ROUTE_PUBLIC | TB_SERVER_ROUTE_SESSION, handle_sign_in);
  tb_server_add_route (server, "POST", "/api/v1/session/refresh",
                       TB_SERVER_ROUTE_PUBLIC | TB_SERVER_ROUTE_SESSION, handle_refresh);
  tb_server_add_route (server, "DELETE", "/api/v1/session",
                       TB_SERVER_ROUTE_SESSION, handle_sign_out);
}
