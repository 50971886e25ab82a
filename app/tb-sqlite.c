/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-sqlite.c: opening, checking and migrating Tongban's SQLite databases */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tb-fts.h"
#include "tb-sqlite.h"
#include "tb-store.h"

static gboolean
set_error_code (int          rc,
                const char  *detail,
                GError     **error)
{
  int primary = rc & 0xff;

  switch (primary)
    {
    case SQLITE_FULL:
      g_set_error (error, TB_STORE_ERROR, TB_STORE_ERROR_FULL,
                   _("The disk is full, so the change could not be saved. Nothing was lost: free "
                     "some space and try again."));
      break;
    case SQLITE_CORRUPT:
      g_set_error (error, TB_STORE_ERROR, TB_STORE_ERROR_CORRUPT,
                   _("The local case database is damaged (%s). It has been left as it is."),
                   detail);
      break;
    case SQLITE_NOTADB:
      g_set_error (error, TB_STORE_ERROR, TB_STORE_ERROR_FOREIGN,
                   _("This file is not a Tongban case database. It has been left as it is."));
      break;
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      g_set_error (error, TB_STORE_ERROR, TB_STORE_ERROR_IO,
                   _("The local case database could not be read or written: %s"), detail);
      break;
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
    case SQLITE_TOOBIG:
      g_set_error (error, TB_STORE_ERROR, TB_STORE_ERROR_INVALID,
                   _("The data is not valid and was not saved: %s"), detail);
      break;
    default:
      g_set_error (error, TB_STORE_ERROR, TB_STORE_ERROR_FAILED,
                   _("The local case database reported an error: %s"), detail);
      break;
    }

  return FALSE;
}

/**
 * tb_sqlite_set_error:
 * @db: (nullable): the connection that failed
 * @rc: the SQLite result code
 * @error: return location for an error
 *
 * Turns an SQLite failure into a #TbStoreError with a translated message: a full disk, a damaged
 * file, a constraint, an I/O failure.
 *
 * Returns: %FALSE, for `return tb_sqlite_set_error (…)`
 */
gboolean
tb_sqlite_set_error (sqlite3  *db,
                     int       rc,
                     GError  **error)
{
  return set_error_code (rc, db != NULL ? sqlite3_errmsg (db) : sqlite3_errstr (rc), error);
}

/**
 * tb_sqlite_exec:
 * @db: a connection
 * @sql: one or more statements, with no parameters
 * @error: return location for an error
 *
 * Returns: %TRUE on success
 */
gboolean
tb_sqlite_exec (sqlite3     *db,
                const char  *sql,
                GError     **error)
{
  int rc = sqlite3_exec (db, sql, NULL, NULL, NULL);

  if (rc != SQLITE_OK)
    return tb_sqlite_set_error (db, rc, error);
  return TRUE;
}

/**
 * tb_sqlite_load_queries:
 * @resource_path: a GResource path of a file of named statements
 *
 * Reads a file in which each statement starts at a line "-- name: NAME" (other comment lines are
 * left out).
 *
 * Returns: (transfer full) (element-type utf8 utf8): name → SQL
 */
GHashTable *
tb_sqlite_load_queries (const char *resource_path)
{
  {
    {
      GHashTable *table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      g_autoptr(GBytes) bytes = NULL;
      g_auto(GStrv) lines = NULL;
      g_autoptr(GString) sql = NULL;
      g_autofree char *name = NULL;

      bytes = g_resources_lookup_data (resource_path, 0, NULL);
      g_assert (bytes != NULL);
      lines = g_strsplit (g_bytes_get_data (bytes, NULL), "\n", -1);
      sql = g_string_new (NULL);

      for (guint i = 0; ; i++)
        {
          const char *line = lines[i];

          if (line == NULL || g_str_has_prefix (line, "-- name:"))
            {
              if (name != NULL)
                g_hash_table_insert (table, g_steal_pointer (&name),
                                     g_strdup (g_strstrip (sql->str)));
              if (line == NULL)
                break;
              name = g_strstrip (g_strdup (line + strlen ("-- name:")));
              g_string_truncate (sql, 0);
            }
          else if (name != NULL && !g_str_has_prefix (line, "--"))
            {
              g_string_append (sql, line);
              g_string_append_c (sql, '\n');
            }
        }

      return table;
    }
  }
}

typedef struct
{
  int   version;
  char *resource;
} Migration;

static void
migration_clear (gpointer data)
{
  g_free (((Migration *) data)->resource);
}

static int
compare_migrations (gconstpointer a,
                    gconstpointer b)
{
  return ((const Migration *) a)->version - ((const Migration *) b)->version;
}

/* The numbered scripts NNNN-name.sql in the GResource, in order. */
static GArray *
list_migrations (const TbSqliteSchema *schema)
{
  g_auto(GStrv) children = NULL;
  GArray *migrations = g_array_new (FALSE, TRUE, sizeof (Migration));

  g_array_set_clear_func (migrations, migration_clear);
  if (schema->get_resource != NULL)
    (void) schema->get_resource ();
  children = g_resources_enumerate_children (schema->resource_dir, 0, NULL);

  for (guint i = 0; children != NULL && children[i] != NULL; i++)
    {
      const char *name = children[i];
      Migration m;

      if (!g_ascii_isdigit (name[0]) || !g_str_has_suffix (name, ".sql"))
        continue;

      m.version = (int) g_ascii_strtoll (name, NULL, 10);
      m.resource = g_strconcat (schema->resource_dir, name, NULL);
      g_array_append_val (migrations, m);
    }

  g_array_sort (migrations, compare_migrations);

  /* Numbering must be 1, 2, 3…: a gap would skip a schema change on every client. */
  for (guint i = 0; i < migrations->len; i++)
    g_assert (g_array_index (migrations, Migration, i).version == (int) i + 1);

  return migrations;
}

/**
 * tb_sqlite_get_latest_version:
 * @schema: a kind of database
 *
 * Returns: the schema version this build creates and understands
 */
int
tb_sqlite_get_latest_version (const TbSqliteSchema *schema)
{
  g_autoptr(GArray) migrations = list_migrations (schema);

  return (int) migrations->len;
}

static gboolean
pragma_int (sqlite3     *db,
            const char  *pragma,
            int         *out,
            GError     **error)
{
  g_autofree char *sql = g_strdup_printf ("PRAGMA %s", pragma);
  sqlite3_stmt *stmt = NULL;
  int rc;

  rc = sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      *out = sqlite3_column_int (stmt, 0);
      rc = SQLITE_OK;
    }
  sqlite3_finalize (stmt);

  if (rc != SQLITE_OK)
    return tb_sqlite_set_error (db, rc, error);
  return TRUE;
}

static gboolean
apply_migrations (sqlite3              *db,
                  const TbSqliteSchema *schema,
                  int                  *version,
                  GError              **error)
{
  g_autoptr(GArray) migrations = list_migrations (schema);

  for (guint i = *version; i < migrations->len; i++)
    {
      const Migration *m = &g_array_index (migrations, Migration, i);
      g_autoptr(GBytes) bytes = NULL;
      g_autofree char *script = NULL;
      g_autofree char *set_version = NULL;
      GError *local_error = NULL;

      bytes = g_resources_lookup_data (m->resource, 0, NULL);
      g_assert (bytes != NULL);
      script = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
      set_version = g_strdup_printf ("PRAGMA user_version = %d; PRAGMA application_id = %d;",
                                     m->version, (int) schema->application_id);

      /* Each migration, with the version it leads to, in one exclusive transaction: a crash
       * leaves the database at the previous version, never half-way. */
      if (!tb_sqlite_exec (db, "BEGIN EXCLUSIVE", error))
        return FALSE;

      if (!tb_sqlite_exec (db, script, &local_error)
          || !tb_sqlite_exec (db, set_version, &local_error)
          || !tb_sqlite_exec (db, "COMMIT", &local_error))
        {
          sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
          g_propagate_prefixed_error (error, local_error,
                                      _("Could not upgrade the local case database to version "
                                        "%d: "), m->version);
          return FALSE;
        }

      *version = m->version;
    }

  return TRUE;
}

static gboolean
ensure_parent_dir (const char  *path,
                   GError     **error)
{
  g_autofree char *dir = g_path_get_dirname (path);

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, TB_STORE_ERROR, TB_STORE_ERROR_IO,
                   _("Could not create the folder %s: %s"), dir, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

/*
 * Looks at the file before SQLite does, so that a file which is not a database at all is refused
 * before anything could write to it. Creates a missing file with mode 0600: SQLite gives its
 * journal and WAL files the mode of the database file.
 */
static gboolean
prepare_file (const char  *path,
              gboolean    *is_new,
              GError     **error)
{
  static const char header[16] = "SQLite format 3";
  char buf[16];
  int fd;
  gssize n;

  fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0 && errno == ENOENT)
    {
      if (!ensure_parent_dir (path, error))
        return FALSE;
      fd = g_open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
      if (fd < 0)
        {
          int saved = errno;
          g_set_error (error, TB_STORE_ERROR, TB_STORE_ERROR_IO,
                       _("Could not create the local case database %s: %s"),
                       path, g_strerror (saved));
          return FALSE;
        }
      close (fd);
      *is_new = TRUE;
      return TRUE;
    }

  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, TB_STORE_ERROR, TB_STORE_ERROR_IO,
                   _("Could not open the local case database %s: %s"), path, g_strerror (saved));
      return FALSE;
    }

  n = read (fd, buf, sizeof buf);
  close (fd);

  if (n == 0)
    {
      *is_new = TRUE;  /* created by an earlier attempt that stopped before writing anything */
      return TRUE;
    }

  if (n != sizeof buf || memcmp (buf, header, sizeof header) != 0)
    {
      g_set_error (error, TB_STORE_ERROR, TB_STORE_ERROR_FOREIGN,
                   _("%s is not a Tongban case database. It has been left as it is."), path);
      return FALSE;
    }

  *is_new = FALSE;
  return TRUE;
}

static gboolean
check_identity (sqlite3              *db,
                const char           *path,
                const TbSqliteSchema *schema,
                int                  *version,
                GError              **error)
{
  int app_id = 0;
  int n_tables = 0;

  if (!pragma_int (db, "application_id", &app_id, error)
      || !pragma_int (db, "user_version", version, error))
    return FALSE;

  if ((guint32) app_id == schema->application_id)
    {
      if (*version > tb_sqlite_get_latest_version (schema))
        {
          g_set_error (error, TB_STORE_ERROR, TB_STORE_ERROR_NEWER_VERSION,
                       _("The local case database was written by a newer version of Tongban "
                         "(schema %d; this version knows up to %d). Please update Tongban. The "
                         "database has been left as it is."),
                       *version, tb_sqlite_get_latest_version (schema));
          return FALSE;
        }
      return TRUE;
    }

  /* An empty SQLite database may become ours; anything else belongs to someone else. */
  {
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2 (db, "SELECT count(*) FROM sqlite_schema", -1, &stmt, NULL);

    if (rc == SQLITE_OK && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
      {
        n_tables = sqlite3_column_int (stmt, 0);
        rc = SQLITE_OK;
      }
    sqlite3_finalize (stmt);
    if (rc != SQLITE_OK)
      return tb_sqlite_set_error (db, rc, error);
  }

  if (app_id != 0 || *version != 0 || n_tables != 0)
    {
      g_set_error (error, TB_STORE_ERROR, TB_STORE_ERROR_FOREIGN,
                   _("%s is not a Tongban case database. It has been left as it is."), path);
      return FALSE;
    }

  return TRUE;
}

/**
 * tb_sqlite_open:
 * @path: the database file; created (mode 0600) if missing
 * @schema: the kind of database expected there
 * @schema_version: (out): the schema version after migrating
 * @error: return location for an error
 *
 * Opens or creates a database of @schema's kind and brings its schema up to date. A file that is
 * not an SQLite database, is another application's, or was written by a newer version is refused
 * before anything is written to it. The connection is for one thread at a time, in WAL mode,
 * with `synchronous = FULL` (a committed change survives a power cut), and has the `tb_cjk`
 * tokenizer and `tb_form_text()` registered.
 *
 * Returns: (transfer full): the connection, or %NULL with @error set
 */
sqlite3 *
tb_sqlite_open (const char           *path,
                const TbSqliteSchema *schema,
                int                  *schema_version,
                GError              **error)
{
  sqlite3 *db = NULL;
  gboolean is_new = FALSE;
  int version = 0;
  int rc;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (schema != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!prepare_file (path, &is_new, error))
    return NULL;

  /* One thread uses a connection at a time (each thread that needs the database opens its own),
   * so SQLite's per-call locking would only cost time. */
  rc = sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK)
    goto failed;
  sqlite3_extended_result_codes (db, 1);
  sqlite3_busy_timeout (db, 5000);

  if (!check_identity (db, path, schema, &version, error))
    goto failed_set;

  /* Ours from here on: make sure nobody else on the machine can read it. */
  if (g_chmod (path, 0600) != 0)
    {
      int saved = errno;
      g_set_error (error, TB_STORE_ERROR, TB_STORE_ERROR_IO,
                   _("Could not protect the local case database %s: %s"),
                   path, g_strerror (saved));
      goto failed_set;
    }

  rc = tb_fts_register (db);
  if (rc != SQLITE_OK)
    goto failed;

  if (!tb_sqlite_exec (db,
                       "PRAGMA journal_mode = WAL;"
                       "PRAGMA synchronous = FULL;"
                       "PRAGMA foreign_keys = ON;"
                       "PRAGMA temp_store = MEMORY;"
                       "PRAGMA cache_size = -65536;"
                       /* A sync page writes thousands of pages: checkpoint every 32 MB of WAL
                        * rather than every 4 MB (each checkpoint is an fsync). */
                       "PRAGMA wal_autocheckpoint = 8192;",
                       error))
    goto failed_set;

  if (!apply_migrations (db, schema, &version, error))
    goto failed_set;

  if (schema_version != NULL)
    *schema_version = version;
  return db;

failed:
  tb_sqlite_set_error (db, rc, error);
failed_set:
  sqlite3_close_v2 (db);
  return NULL;
}
