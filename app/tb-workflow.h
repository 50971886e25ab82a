/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-workflow.h: the states a case goes through and who may move it on, parsed from JSON */

#pragma once

#include <json-glib/json-glib.h>

#include "tb-types.h"

G_BEGIN_DECLS

#define TB_WORKFLOW_ERROR (tb_workflow_error_quark ())

/**
 * TbWorkflowError:
 * @TB_WORKFLOW_ERROR_UNKNOWN_STATE: the workflow has no such state
 * @TB_WORKFLOW_ERROR_UNKNOWN_ACTION: the workflow has no such action
 * @TB_WORKFLOW_ERROR_NOT_AVAILABLE: the action cannot be taken in this state
 * @TB_WORKFLOW_ERROR_NOT_PERMITTED: none of the user's roles may take the action here
 * @TB_WORKFLOW_ERROR_PARTY_REQUIRED: the action is taken by a countersigning party, none given
 * @TB_WORKFLOW_ERROR_UNKNOWN_PARTY: the party does not countersign in this state
 * @TB_WORKFLOW_ERROR_ALREADY_SIGNED: the party has already countersigned
 * @TB_WORKFLOW_ERROR_UNEXPECTED_PARTY: a party was given for an action no party takes
 * @TB_WORKFLOW_ERROR_REASON_REQUIRED: the action needs a reason and none was given
 *
 * Why an action may not be taken. Malformed workflow definitions are reported as
 * %TB_SERVICE_ERROR_PARSE or %TB_SERVICE_ERROR_INVALID, like service definitions.
 */
typedef enum
{
  TB_WORKFLOW_ERROR_UNKNOWN_STATE,
  TB_WORKFLOW_ERROR_UNKNOWN_ACTION,
  TB_WORKFLOW_ERROR_NOT_AVAILABLE,
  TB_WORKFLOW_ERROR_NOT_PERMITTED,
  TB_WORKFLOW_ERROR_PARTY_REQUIRED,
  TB_WORKFLOW_ERROR_UNKNOWN_PARTY,
  TB_WORKFLOW_ERROR_ALREADY_SIGNED,
  TB_WORKFLOW_ERROR_UNEXPECTED_PARTY,
  TB_WORKFLOW_ERROR_REASON_REQUIRED,
} TbWorkflowError;

/**
 * TbWorkflowClock:
 * @TB_WORKFLOW_CLOCK_KEEP: the time-limit clock carries on as it was (running or paused)
 * @TB_WORKFLOW_CLOCK_PAUSE: the clock stops until resumed (e.g. returned to the applicant);
 *   the deadline moves by the working days spent paused
 * @TB_WORKFLOW_CLOCK_RESUME: the clock runs again (e.g. the applicant resubmitted)
 * @TB_WORKFLOW_CLOCK_STOP: the case is closed; the clock no longer matters
 *
 * What an action does to the statutory time-limit clock. It follows from the states: entering
 * a state that pauses the clock pauses it, leaving one resumes it.
 */
typedef enum
{
  TB_WORKFLOW_CLOCK_KEEP,
  TB_WORKFLOW_CLOCK_PAUSE,
  TB_WORKFLOW_CLOCK_RESUME,
  TB_WORKFLOW_CLOCK_STOP,
} TbWorkflowClock;

/**
 * TbWorkflowResult:
 * @next_state: the state the case is in after the action (owned by the workflow); for a
 *   countersignature that does not complete the set, the same state
 * @needs_reason: the user must give a reason (written to the case history)
 * @clock: what happens to the time-limit clock
 * @countersign: the action records @party's countersignature; the caller adds the party to
 *   the case's signed set unless @completes_countersign
 * @completes_countersign: this countersignature is the last one missing, so the case moves on
 *   (and the caller clears the signed set)
 * @extends_deadline: the action extends the time limit by tb_service_get_extension_days()
 * @closes: @next_state is terminal
 *
 * What taking an action would do, as told by tb_workflow_check().
 */
typedef struct
{
  const char      *next_state;
  gboolean         needs_reason;
  TbWorkflowClock  clock;
  gboolean         countersign;
  gboolean         completes_countersign;
  gboolean         extends_deadline;
  gboolean         closes;
} TbWorkflowResult;

/**
 * TbWorkflowStep:
 * @to: the state the transition leads to (owned by the workflow)
 * @roles: the roles that may take it
 * @needs_reason: a reason must be given
 * @extends_deadline: it extends the time limit
 * @countersign: it records one department's countersignature (a party must be named)
 * @by_party: a countersigning department takes it (a party must be named)
 *
 * One transition of a workflow, as told by tb_workflow_get_step().
 */
typedef struct
{
  const char *to;
  TbRole      roles;
  gboolean    needs_reason;
  gboolean    extends_deadline;
  gboolean    countersign;
  gboolean    by_party;
} TbWorkflowStep;

#define TB_TYPE_WORKFLOW (tb_workflow_get_type ())

G_DECLARE_FINAL_TYPE (TbWorkflow, tb_workflow, TB, WORKFLOW, GObject)

GQuark       tb_workflow_error_quark          (void);

TbWorkflow  *tb_workflow_new_from_json        (const char          *json,
                                               GError             **error);
TbWorkflow  *tb_workflow_new_from_object      (JsonObject          *object,
                                               GError             **error);
const char  *tb_workflow_get_definition       (TbWorkflow          *self);
const char  *tb_workflow_get_id               (TbWorkflow          *self);
const char  *tb_workflow_get_name             (TbWorkflow          *self);
const char  *tb_workflow_get_name_for         (TbWorkflow          *self,
                                               const char * const  *languages);
const char  *tb_workflow_get_initial_state    (TbWorkflow          *self);

const char * const *tb_workflow_get_states    (TbWorkflow          *self);
gboolean     tb_workflow_has_state            (TbWorkflow          *self,
                                               const char          *state);
gboolean     tb_workflow_is_terminal          (TbWorkflow          *self,
                                               const char          *state);
gboolean     tb_workflow_pauses_clock         (TbWorkflow          *self,
                                               const char          *state);
const char  *tb_workflow_get_state_name       (TbWorkflow          *self,
                                               const char          *state);
const char  *tb_workflow_get_state_name_for   (TbWorkflow          *self,
                                               const char          *state,
                                               const char * const  *languages);

const char * const *tb_workflow_get_actions   (TbWorkflow          *self);
const char  *tb_workflow_get_action_name      (TbWorkflow          *self,
                                               const char          *action);
const char  *tb_workflow_get_action_name_for  (TbWorkflow          *self,
                                               const char          *action,
                                               const char * const  *languages);
char       **tb_workflow_dup_available_actions (TbWorkflow         *self,
                                               const char          *state,
                                               TbRole               roles);

const char * const *tb_workflow_get_parties   (TbWorkflow          *self,
                                               const char          *state);
const char  *tb_workflow_get_party_name       (TbWorkflow          *self,
                                               const char          *party);
const char  *tb_workflow_get_party_name_for   (TbWorkflow          *self,
                                               const char          *party,
                                               const char * const  *languages);
char       **tb_workflow_dup_pending_parties  (TbWorkflow          *self,
                                               const char          *state,
                                               const char * const  *signed_parties);

gboolean     tb_workflow_get_step             (TbWorkflow          *self,
                                               const char          *state,
                                               const char          *action,
                                               TbWorkflowStep      *out);
char       **tb_workflow_dup_editable_fields  (TbWorkflow          *self,
                                               const char          *state,
                                               TbRole               roles);
gboolean     tb_workflow_can_edit_field       (TbWorkflow          *self,
                                               const char          *state,
                                               TbRole               roles,
                                               const char          *field_id);

gboolean     tb_workflow_check                (TbWorkflow          *self,
                                               const char          *state,
                                               const char * const  *signed_parties,
                                               TbRole               roles,
                                               const char          *action,
                                               const char          *party,
                                               TbWorkflowResult    *out,
                                               GError             **error);
gboolean     tb_workflow_check_with_reason    (TbWorkflow          *self,
                                               const char          *state,
                                               const char * const  *signed_parties,
                                               TbRole               roles,
                                               const char          *action,
                                               const char          *party,
                                               const char          *reason,
                                               TbWorkflowResult    *out,
                                               GError             **error);

G_END_DECLS
