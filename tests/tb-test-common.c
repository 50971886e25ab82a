/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-test-common.c: what any test may use: temporary folders, files, probes of the local store */

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "tb-store-private.h"
#include "tb-test-common.h"

/**
 * tb_test_remove_dir:
 * @path: a temporary folder of the test
 *
 * Removes what @path holds, folders and all (links are removed, not followed), then @path.
 * A missing folder is no error.
 */
void
tb_test_remove_dir (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        tb_test_remove_dir (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

/**
 * tb_test_file_gone:
 * @path: (type filename): a path
 *
 * For waiting until a file is removed (tb_test_ui_wait_until()).
 *
 * Returns: whether nothing is at @path
 */
gboolean
tb_test_file_gone (gpointer path)
{
  return !g_file_test (path, G_FILE_TEST_EXISTS);
}

/**
 * tb_test_file_contains:
 * @path: a file
 * @needle: a string
 *
 * Returns: whether the bytes of @needle are somewhere in the file; %FALSE if it cannot be read
 */
gboolean
tb_test_file_contains (const char *path,
                       const char *needle)
{
  g_autofree char *contents = NULL;
  gsize length = 0;

  if (!g_file_get_contents (path, &contents, &length, NULL))
    return FALSE;
  return memmem (contents, length, needle, strlen (needle)) != NULL;
}

/**
 * tb_test_store_int:
 * @store: a store
 * @sql: a query returning at least one row
 *
 * Returns: the first column of the first row
 */
gint64
tb_test_store_int (TbStore    *store,
                   const char *sql)
{
  sqlite3_stmt *stmt = _tb_store_prepare (store, sql, NULL);
  gint64 n;

  g_assert_nonnull (stmt);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  n = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return n;
}

/**
 * tb_test_store_text:
 * @store: a store
 * @sql: a query
 *
 * Returns: (transfer full) (nullable): the first column of the first row as text, %NULL if
 *   there is no row or it is NULL
 */
char *
tb_test_store_text (TbStore    *store,
                    const char *sql)
{
  sqlite3_stmt *stmt = _tb_store_prepare (store, sql, NULL);
  char *value = NULL;

  g_assert_nonnull (stmt);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    value = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  return value;
}

/*
 * A connection of the test's own that only reads: what is on disk, whoever else has the file open.
 * Not SQLITE_OPEN_READONLY: a file whose writer was killed may need its write-ahead log
 * recovered before anything can read it (SQLITE_READONLY_RECOVERY otherwise), which rebuilds the
 * log's index and changes nothing that the file holds.
 */
static sqlite3_stmt *
file_query (const char  *path,
            const char  *sql,
            sqlite3    **db)
{
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (*db, "PRAGMA query_only = ON", NULL, NULL, NULL), ==,
                   SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (*db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  return stmt;
}

/**
 * tb_test_file_int:
 * @path: an SQLite file (a store, the server's database)
 * @sql: a query returning at least one row
 *
 * Returns: the first column of the first row, read on a connection of its own
 */
gint64
tb_test_file_int (const char *path,
                  const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = file_query (path, sql, &db);
  gint64 value;

  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return value;
}

/**
 * tb_test_file_text:
 * @path: an SQLite file (a store, the server's database)
 * @sql: a query
 *
 * Returns: (transfer full) (nullable): the first column of the first row as text, read on a
 *   connection of its own; %NULL if there is no row or it is NULL
 */
char *
tb_test_file_text (const char *path,
                   const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = file_query (path, sql, &db);
  char *value = NULL;

  if (sqlite3_step (stmt) == SQLITE_ROW)
    value = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return value;
}

static void
on_items_changed (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  GArray     *log)
{
  TbTestEmission e = { position, removed, added };

  g_array_append_val (log, e);
}

/**
 * tb_test_log_items_changed:
 * @model: a list model
 *
 * Records every GListModel::items-changed of @model from now on.
 *
 * Returns: (transfer full): an array of #TbTestEmission that grows with each emission; it holds
 *   no reference on @model, so free it only once @model is gone or no longer emits
 */
GArray *
tb_test_log_items_changed (GListModel *model)
{
  GArray *log = g_array_new (FALSE, TRUE, sizeof (TbTestEmission));

  g_signal_connect (model, "items-changed", G_CALLBACK (on_items_changed), log);
  return log;
}

static gboolean
busy_drawing (gpointer user_data)
{
  guint *frames = user_data;

  (*frames)++;
  return G_SOURCE_CONTINUE;
}

/**
 * tb_test_add_busy_drawing:
 * @frames: counts the turns of the main loop it was dispatched in
 *
 * As a window that draws all the time (a spinner rendered in software) does: keeps a source of
 * GTK's drawing priority ready at every turn of the main loop, which starves every source of a
 * lower priority, idles among them.
 *
 * Returns: the source's id, to remove it
 */
guint
tb_test_add_busy_drawing (guint *frames)
{
  /* GDK_PRIORITY_REDRAW, without linking GTK. */
  return g_idle_add_full (G_PRIORITY_HIGH_IDLE + 20, busy_drawing, frames, NULL);
}
