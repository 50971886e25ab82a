/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-case-rows.h: a list of cases as rows that keep their place when the cases in them change */

#pragma once

#include <gio/gio.h>

#include "tb-case.h"

G_BEGIN_DECLS

#define TB_TYPE_CASE_ROW (tb_case_row_get_type ())

G_DECLARE_FINAL_TYPE (TbCaseRow, tb_case_row, TB, CASE_ROW, GObject)

TbCase     *tb_case_row_get_case   (TbCaseRow  *self);

#define TB_TYPE_CASE_ROWS (tb_case_rows_get_type ())

G_DECLARE_FINAL_TYPE (TbCaseRows, tb_case_rows, TB, CASE_ROWS, GObject)

TbCaseRows *tb_case_rows_new       (GListModel *cases);
GListModel *tb_case_rows_get_cases (TbCaseRows *self);
gboolean    tb_case_rows_get_keep_when_empty (TbCaseRows *self);
void        tb_case_rows_set_keep_when_empty (TbCaseRows *self,
                                              gboolean    keep_when_empty);

G_END_DECLS
