/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-case-view.h: one case: header, application form, history, decisions, conflicts */

#pragma once

#include <adwaita.h>

#include "tb-attachment-cache.h"
#include "tb-case-service.h"

G_BEGIN_DECLS

#define TB_TYPE_CASE_VIEW (tb_case_view_get_type ())

G_DECLARE_FINAL_TYPE (TbCaseView, tb_case_view, TB, CASE_VIEW, GtkWidget)

GtkWidget     *tb_case_view_new              (void);
TbCaseService *tb_case_view_get_case_service (TbCaseView    *self);
void           tb_case_view_set_case_service (TbCaseView    *self,
                                              TbCaseService *case_service);
const char    *tb_case_view_get_case_id      (TbCaseView    *self);
void           tb_case_view_set_case_id      (TbCaseView    *self,
                                              const char    *case_id);
TbCase        *tb_case_view_get_case         (TbCaseView    *self);
gboolean       tb_case_view_get_modified     (TbCaseView    *self);
GActionGroup  *tb_case_view_get_action_group (TbCaseView    *self);
void           tb_case_view_reload           (TbCaseView    *self);
TbAttachmentCache *tb_case_view_get_attachment_cache (TbCaseView        *self);
void           tb_case_view_set_attachment_cache (TbCaseView        *self,
                                                  TbAttachmentCache *cache);

G_END_DECLS
