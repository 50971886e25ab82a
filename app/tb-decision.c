/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-decision.c: what a decision does to a case, computed the same way on desk and server */

#include "config.h"

#include <string.h>

#include "tb-decision.h"
#include "tb-wire.h"

/*
 * The desk applies a decision at once, offline, and the server applies it again when it arrives;
 * both call this, so the state, the countersignatures and the deadline come out the same.
 *
 * The clock moves by tb_wire_apply_clock(): a pause stops it on the day of the decision, the
 * resumption adds the working days in (paused_since, today], an extension adds the service's
 * extension days.
 */

/**
 * tb_case_timing_clear:
 * @timing: a timing
 *
 * Frees what @timing holds (not @timing itself).
 */
void
tb_case_timing_clear (TbCaseTiming *timing)
{
  g_return_if_fail (timing != NULL);

  g_clear_pointer (&timing->state, g_free);
  g_clear_pointer (&timing->signed_parties, g_strfreev);
}

/**
 * tb_decision_apply:
 * @workflow: the service's workflow
 * @service: the service (for the extension of its time limit)
 * @calendar: the official calendar
 * @before: the case as it is
 * @roles: the roles of who decides
 * @action: the workflow action ("approve", "return", "countersign", "extend", …)
 * @party: (nullable): the countersigning party, for a countersignature
 * @reason: (nullable): the reason given, for actions that need one
 * @today: the day of the decision
 * @after: (out caller-allocates): the case after it; clear with tb_case_timing_clear()
 * @error: return location for a #TbWorkflowError
 *
 * Checks @action against @workflow for these roles in this state and computes its effect.
 *
 * Returns: %TRUE if the decision is allowed, with @after filled in
 */
gboolean
tb_decision_apply (TbWorkflow         *workflow,
                   TbService          *service,
                   TbCalendar         *calendar,
                   const TbCaseTiming *before,
                   TbRole              roles,
                   const char         *action,
                   const char         *party,
                   const char         *reason,
                   TbDay               today,
                   TbCaseTiming       *after,
                   GError            **error)
{
  TbWorkflowResult result;
  g_autoptr(GStrvBuilder) parties = NULL;

  g_return_val_if_fail (TB_IS_WORKFLOW (workflow), FALSE);
  g_return_val_if_fail (TB_IS_SERVICE (service), FALSE);
  g_return_val_if_fail (calendar != NULL, FALSE);
  g_return_val_if_fail (before != NULL && before->state != NULL, FALSE);
  g_return_val_if_fail (action != NULL, FALSE);
  g_return_val_if_fail (today != TB_DAY_INVALID, FALSE);
  g_return_val_if_fail (after != NULL, FALSE);

  memset (after, 0, sizeof *after);

  if (!tb_workflow_check_with_reason (workflow, before->state,
                                      (const char * const *) before->signed_parties,
                                      roles, action, party, reason, &result, error))
    return FALSE;

  after->state = g_strdup (result.next_state);
  after->deadline = before->deadline;
  after->paused_since = before->paused_since;
  after->closed = result.closes;

  /* Countersignatures gather until the last one moves the case on; leaving the state ends them,
   * anything else in the state (an extension) keeps them. */
  parties = g_strv_builder_new ();
  if (result.countersign && !result.completes_countersign)
    {
      if (before->signed_parties != NULL)
        g_strv_builder_addv (parties, (const char **) before->signed_parties);
      if (party != NULL)
        g_strv_builder_add (parties, party);
    }
  else if (g_strcmp0 (result.next_state, before->state) == 0 && !result.completes_countersign
           && before->signed_parties != NULL)
    g_strv_builder_addv (parties, (const char **) before->signed_parties);
  after->signed_parties = g_strv_builder_end (parties);

  tb_wire_apply_clock (calendar, &result, tb_service_get_extension_days (service), today,
                       &after->deadline, &after->paused_since);

  return TRUE;
}
