/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-fts.h: the full-text tokenizer for Chinese and Latin text, and query building */

#pragma once

#include <glib.h>
#include <sqlite3.h>

G_BEGIN_DECLS

/* The pointer type of the set bound to tb_rowid_in(): a GArray of gint64, sorted ascending. */
#define TB_FTS_ROWID_SET "tb-rowid-set"

int    tb_fts_register      (sqlite3    *db);
char  *tb_fts_build_query   (const char *text);
void   tb_fts_tokenize      (const char *text,
                             gboolean    for_query,
                             void      (*func) (const char *token,
                                                gsize       length,
                                                gpointer    user_data),
                             gpointer    user_data);

G_END_DECLS
