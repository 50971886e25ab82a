/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-sidebar.h: the inbox's views, each with the number of cases it lists */

#pragma once

#include <gtk/gtk.h>

#include "tb-calendar.h"
#include "tb-inbox-view.h"
#include "tb-store.h"

G_BEGIN_DECLS

#define TB_TYPE_SIDEBAR (tb_sidebar_get_type ())

G_DECLARE_FINAL_TYPE (TbSidebar, tb_sidebar, TB, SIDEBAR, GtkWidget)

GtkWidget   *tb_sidebar_new               (void);
void         tb_sidebar_set_context       (TbSidebar   *self,
                                           TbStore     *store,
                                           const char  *user_id,
                                           TbRole       roles,
                                           const char  *team_id,
                                           TbCalendar  *calendar,
                                           TbDay        today);
TbInboxView  tb_sidebar_get_selected_view (TbSidebar   *self);
const char  *tb_sidebar_get_selected_id   (TbSidebar   *self);
void         tb_sidebar_set_selected_id   (TbSidebar   *self,
                                           const char  *view_id);
guint        tb_sidebar_get_count         (TbSidebar   *self,
                                           TbInboxView  view);
gboolean     tb_sidebar_get_view_visible  (TbSidebar   *self,
                                           TbInboxView  view);

G_END_DECLS
