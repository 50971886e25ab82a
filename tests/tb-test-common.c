/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-test-common.c: what any test may use: temporary folders, probes of the local store */

#include "config.h"

#include <glib/gstdio.h>

#include "tb-store-private.h"
#include "tb-test-common.h"

/**
 * tb_test_remove_dir:
 * @path: a temporary folder holding files only (a store and its journal, say)
 *
 * Removes the files in @path, then @path. A missing folder is no error.
 */
void
tb_test_remove_dir (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      g_unlink (child);
    }
  g_rmdir (path);
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
