/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-decision.h: what a decision does to a case, computed the same way on desk and server */

#pragma once

#include "tb-calendar.h"
#include "tb-service.h"
#include "tb-workflow.h"

G_BEGIN_DECLS

/**
 * TbCaseTiming:
 * @state: the workflow state
 * @signed_parties: (array zero-terminated=1) (nullable): who countersigned in @state
 * @deadline: the deadline (working days already added for past pauses)
 * @paused_since: the day the clock stopped, or %TB_DAY_INVALID while it runs
 * @closed: whether the case is concluded
 *
 * The parts of a case a decision reads and changes.
 */
typedef struct
{
  char   *state;
  GStrv   signed_parties;
  TbDay   deadline;
  TbDay   paused_since;
  gboolean closed;
} TbCaseTiming;

void     tb_case_timing_clear  (TbCaseTiming       *timing);

gboolean tb_decision_apply     (TbWorkflow         *workflow,
                                TbService          *service,
                                TbCalendar         *calendar,
                                const TbCaseTiming *before,
                                TbRole              roles,
                                const char         *action,
                                const char         *party,
                                const char         *reason,
                                TbDay               today,
                                TbCaseTiming       *after,
                                GError            **error);

G_END_DECLS
