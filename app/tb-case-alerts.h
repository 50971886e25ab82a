/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-case-alerts.h: which cases newly need the user after a sync: assigned, or due soon */

#pragma once

#include "tb-sync-engine.h"

G_BEGIN_DECLS

/* Like the inbox, a case is due soon from this many working days before its deadline. */
#define TB_CASE_ALERTS_DUE_SOON_WORKING_DAYS 3

#define TB_TYPE_CASE_ALERTS (tb_case_alerts_get_type ())

G_DECLARE_FINAL_TYPE (TbCaseAlerts, tb_case_alerts, TB, CASE_ALERTS, GObject)

TbCaseAlerts *tb_case_alerts_new            (TbSyncEngine  *engine);
TbSyncEngine *tb_case_alerts_get_engine     (TbCaseAlerts  *self);
TbDay         tb_case_alerts_get_today      (TbCaseAlerts  *self);
void          tb_case_alerts_set_today      (TbCaseAlerts  *self,
                                             TbDay          today);
GStrv         tb_case_alerts_check_due_soon (TbCaseAlerts  *self,
                                             GError       **error);

G_END_DECLS
