/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-new-case-dialog.h: registering a new case at the counter: service, applicant, form */

#pragma once

#include <adwaita.h>

#include "tb-attachment-cache.h"
#include "tb-case-service.h"
#include "tb-service.h"

G_BEGIN_DECLS

#define TB_TYPE_NEW_CASE_DIALOG (tb_new_case_dialog_get_type ())

G_DECLARE_FINAL_TYPE (TbNewCaseDialog, tb_new_case_dialog, TB, NEW_CASE_DIALOG, AdwWindow)

TbNewCaseDialog *tb_new_case_dialog_new              (GtkWindow       *parent,
                                                      TbCaseService   *case_service);
TbCaseService   *tb_new_case_dialog_get_case_service (TbNewCaseDialog *self);
TbService       *tb_new_case_dialog_get_service      (TbNewCaseDialog *self);
gboolean         tb_new_case_dialog_select_service   (TbNewCaseDialog *self,
                                                      const char      *service_id);
gboolean         tb_new_case_dialog_get_modified     (TbNewCaseDialog *self);
TbAttachmentCache *tb_new_case_dialog_get_attachment_cache (TbNewCaseDialog   *self);
void             tb_new_case_dialog_set_attachment_cache (TbNewCaseDialog   *self,
                                                          TbAttachmentCache *cache);

G_END_DECLS
