/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-case-list.h: a GListModel of cases that pages rows out of the store on demand */

#pragma once

#include <gio/gio.h>

#include "tb-store.h"

G_BEGIN_DECLS

#define TB_TYPE_CASE_SORT (tb_case_sort_get_type ())
GType tb_case_sort_get_type (void) G_GNUC_CONST;

#define TB_TYPE_CASE_LIST (tb_case_list_get_type ())

G_DECLARE_FINAL_TYPE (TbCaseList, tb_case_list, TB, CASE_LIST, GObject)

TbCaseList *tb_case_list_new               (TbStore     *store);
TbStore    *tb_case_list_get_store         (TbCaseList  *self);

/* Each setter re-runs the query (unless the value is unchanged) and emits items-changed: once, or
 * twice when rows were asked for (the head first, see reload() in tb-case-list.c). */
void        tb_case_list_set_state         (TbCaseList  *self,
                                            const char  *state);
void        tb_case_list_set_assignee      (TbCaseList  *self,
                                            const char  *assignee_id);
void        tb_case_list_set_team          (TbCaseList  *self,
                                            const char  *team_id);
void        tb_case_list_set_service       (TbCaseList  *self,
                                            const char  *service_id);
void        tb_case_list_set_due_within    (TbCaseList  *self,
                                            int          working_days);
void        tb_case_list_set_overdue       (TbCaseList  *self,
                                            gboolean     overdue);
void        tb_case_list_begin_update      (TbCaseList  *self);
void        tb_case_list_end_update        (TbCaseList  *self);
void        tb_case_list_set_open_only     (TbCaseList  *self,
                                            gboolean     open_only);
void        tb_case_list_set_sync_states   (TbCaseList  *self,
                                            guint        sync_states);
void        tb_case_list_set_search_text   (TbCaseList  *self,
                                            const char  *text);
void        tb_case_list_set_search_text_async  (TbCaseList          *self,
                                                 const char          *text,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
gboolean    tb_case_list_set_search_text_finish (TbCaseList          *self,
                                                 GAsyncResult        *result,
                                                 GError             **error);
const char *tb_case_list_get_search_text   (TbCaseList  *self);
void        tb_case_list_set_sort          (TbCaseList  *self,
                                            TbCaseSort   sort,
                                            gboolean     descending);
void        tb_case_list_set_today         (TbCaseList  *self,
                                            TbDay        today);
void        tb_case_list_set_calendar      (TbCaseList  *self,
                                            TbCalendar  *calendar);
const GError *tb_case_list_get_error       (TbCaseList  *self);

G_END_DECLS
