/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-decision-dialog.h: asks for what a decision needs, checks it, and records the decision */

#pragma once

#include <adwaita.h>

#include "tb-case-service.h"

G_BEGIN_DECLS

#define TB_TYPE_DECISION_DIALOG (tb_decision_dialog_get_type ())

G_DECLARE_FINAL_TYPE (TbDecisionDialog, tb_decision_dialog, TB, DECISION_DIALOG, AdwWindow)

TbDecisionDialog *tb_decision_dialog_new                  (TbCaseService    *case_service,
                                                           TbCase           *c,
                                                           const char       *action);
TbCaseService    *tb_decision_dialog_get_case_service     (TbDecisionDialog *self);
TbCase           *tb_decision_dialog_get_case             (TbDecisionDialog *self);
const char       *tb_decision_dialog_get_action           (TbDecisionDialog *self);
void              tb_decision_dialog_set_reason           (TbDecisionDialog *self,
                                                           const char       *text);
void              tb_decision_dialog_set_comment          (TbDecisionDialog *self,
                                                           const char       *text);
gboolean          tb_decision_dialog_set_material_missing (TbDecisionDialog *self,
                                                           const char       *material_id,
                                                           gboolean          missing);
gboolean          tb_decision_dialog_set_party            (TbDecisionDialog *self,
                                                           const char       *party);
char             *tb_decision_dialog_dup_reason           (TbDecisionDialog *self);
const char       *tb_decision_dialog_get_problem          (TbDecisionDialog *self);
gboolean          tb_decision_dialog_confirm              (TbDecisionDialog *self);

G_END_DECLS
