/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-store-private.h: for the parts of libtongban that run their own SQL on the store */

#pragma once

#include <sqlite3.h>

#include "tb-store.h"

G_BEGIN_DECLS

sqlite3      *_tb_store_get_db     (TbStore     *self);
sqlite3_stmt *_tb_store_query      (TbStore     *self,
                                    const char  *name,
                                    GError     **error);
sqlite3_stmt *_tb_store_prepare    (TbStore     *self,
                                    const char  *sql,
                                    GError     **error);
gboolean      _tb_store_set_error  (TbStore     *self,
                                    int          rc,
                                    GError     **error);
void          _tb_store_format_day (TbDay        day,
                                    char         buf[11]);

G_END_DECLS
