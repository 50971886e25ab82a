/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-test-common.h: what any test may use: temporary folders, files, probes of the local store */

#pragma once

#include "tb-store.h"

G_BEGIN_DECLS

/**
 * TbTestEmission:
 * One GListModel::items-changed, as tb_test_log_items_changed() records it.
 */
typedef struct
{
  guint position;
  guint removed;
  guint added;
} TbTestEmission;

void     tb_test_remove_dir    (const char *path);
gboolean tb_test_file_gone     (gpointer    path);
gboolean tb_test_file_contains (const char *path,
                                const char *needle);
gint64   tb_test_store_int     (TbStore    *store,
                                const char *sql);
char    *tb_test_store_text    (TbStore    *store,
                                const char *sql);
gint64   tb_test_file_int      (const char *path,
                                const char *sql);
char    *tb_test_file_text     (const char *path,
                                const char *sql);
GArray  *tb_test_log_items_changed (GListModel *model);
guint    tb_test_add_busy_drawing  (guint      *frames);

G_END_DECLS
