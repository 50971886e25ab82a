/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-sqlite.h: opening, checking and migrating Tongban's SQLite databases */

#pragma once

#include <gio/gio.h>
#include <sqlite3.h>

G_BEGIN_DECLS

/**
 * TbSqliteSchema:
 * @application_id: the `PRAGMA application_id` that marks a database as this kind
 * @resource_dir: GResource folder of the numbered migrations `NNNN-name.sql` (ending in '/')
 * @get_resource: the generated getter of the GResource holding them; calling it keeps the
 *   resource's object file, and so its registration, in whatever links a static library
 * @description: what the database is, for error messages ("local case database")
 *
 * One kind of database: the desk's local store, the reference server's database.
 */
typedef struct
{
  guint32      application_id;
  const char  *resource_dir;
  GResource *(*get_resource) (void);
  const char  *description;
} TbSqliteSchema;

sqlite3    *tb_sqlite_open                (const char           *path,
                                           const TbSqliteSchema *schema,
                                           int                  *schema_version,
                                           GError              **error);
int         tb_sqlite_get_latest_version  (const TbSqliteSchema *schema);
gboolean    tb_sqlite_set_error           (sqlite3              *db,
                                           int                   rc,
                                           GError              **error);
gboolean    tb_sqlite_exec                (sqlite3              *db,
                                           const char           *sql,
                                           GError              **error);
GHashTable *tb_sqlite_load_queries        (const char           *resource_path);

G_END_DECLS
