/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-workflow.c: the transition matrix of every bundled workflow, countersigning, errors */

#include "config.h"

#include <string.h>

#include "tb-service.h"
#include "tb-test-json.h"
#include "tb-workflow.h"

#define CW TB_ROLE_CASEWORKER
#define SV TB_ROLE_SUPERVISOR

#define KEEP TB_WORKFLOW_CLOCK_KEEP
#define PAUSE TB_WORKFLOW_CLOCK_PAUSE
#define RESUME TB_WORKFLOW_CLOCK_RESUME
#define STOP TB_WORKFLOW_CLOCK_STOP

static const char * const zh[] = { "zh_CN", "zh", "C", NULL };
static const char * const en[] = { "en", "C", NULL };

/* One allowed (state, action): who may take it and what follows. Every (state, action) pair
 * not listed must be refused as not available, and a listed one refused as not permitted for
 * any role outside @roles. Written by hand from the intended procedure, not from the JSON. */
typedef struct
{
  const char      *state;
  const char      *action;
  TbRole           roles;
  const char      *party;
  const char      *next;
  gboolean         reason;
  TbWorkflowClock  clock;
  gboolean         extends;
} Step;

typedef struct
{
  const char         *id;
  const char * const *states;
  const char * const *actions;
  const Step         *steps;
  guint               n_steps;
} Expected;

static const char * const simple_states[] = {
  "received", "in_review", "awaiting_applicant", "approved", "rejected", "withdrawn", NULL,
};

static const char * const standard_actions[] = {
  "accept", "return", "resubmit", "approve", "reject", "withdraw", NULL,
};

static const Step standard_steps[] = {
  { "received", "accept", CW | SV, NULL, "in_review", FALSE, KEEP, FALSE },
  { "received", "return", CW | SV, NULL, "awaiting_applicant", TRUE, PAUSE, FALSE },
  { "received", "reject", CW | SV, NULL, "rejected", TRUE, STOP, FALSE },
  { "received", "withdraw", CW | SV, NULL, "withdrawn", FALSE, STOP, FALSE },
  { "in_review", "return", CW | SV, NULL, "awaiting_applicant", TRUE, PAUSE, FALSE },
  { "in_review", "approve", CW | SV, NULL, "approved", FALSE, STOP, FALSE },
  { "in_review", "reject", CW | SV, NULL, "rejected", TRUE, STOP, FALSE },
  { "in_review", "withdraw", CW | SV, NULL, "withdrawn", FALSE, STOP, FALSE },
  { "awaiting_applicant", "resubmit", CW | SV, NULL, "in_review", FALSE, RESUME, FALSE },
  { "awaiting_applicant", "withdraw", CW | SV, NULL, "withdrawn", FALSE, STOP, FALSE },
};

static const char * const extendable_actions[] = {
  "accept", "return", "resubmit", "extend", "approve", "reject", "withdraw", NULL,
};

static const Step registration_steps[] = {
  { "received", "accept", CW | SV, NULL, "in_review", FALSE, KEEP, FALSE },
  { "received", "return", CW | SV, NULL, "awaiting_applicant", TRUE, PAUSE, FALSE },
  { "received", "reject", CW | SV, NULL, "rejected", TRUE, STOP, FALSE },
  { "received", "withdraw", CW | SV, NULL, "withdrawn", FALSE, STOP, FALSE },
  { "in_review", "return", CW | SV, NULL, "awaiting_applicant", TRUE, PAUSE, FALSE },
  { "in_review", "extend", SV, NULL, "in_review", TRUE, KEEP, TRUE },
  { "in_review", "approve", CW | SV, NULL, "approved", FALSE, STOP, FALSE },
  { "in_review", "reject", CW | SV, NULL, "rejected", TRUE, STOP, FALSE },
  { "in_review", "withdraw", CW | SV, NULL, "withdrawn", FALSE, STOP, FALSE },
  { "awaiting_applicant", "resubmit", CW | SV, NULL, "in_review", FALSE, RESUME, FALSE },
  { "awaiting_applicant", "withdraw", CW | SV, NULL, "withdrawn", FALSE, STOP, FALSE },
};

/* A disclosure request cannot be refused before it is registered, and only a supervisor
 * signs a refusal. */
static const Step disclosure_steps[] = {
  { "received", "accept", CW | SV, NULL, "in_review", FALSE, KEEP, FALSE },
  { "received", "return", CW | SV, NULL, "awaiting_applicant", TRUE, PAUSE, FALSE },
  { "received", "withdraw", CW | SV, NULL, "withdrawn", FALSE, STOP, FALSE },
  { "in_review", "return", CW | SV, NULL, "awaiting_applicant", TRUE, PAUSE, FALSE },
  { "in_review", "extend", SV, NULL, "in_review", TRUE, KEEP, TRUE },
  { "in_review", "approve", CW | SV, NULL, "approved", FALSE, STOP, FALSE },
  { "in_review", "reject", SV, NULL, "rejected", TRUE, STOP, FALSE },
  { "in_review", "withdraw", CW | SV, NULL, "withdrawn", FALSE, STOP, FALSE },
  { "awaiting_applicant", "resubmit", CW | SV, NULL, "in_review", FALSE, RESUME, FALSE },
  { "awaiting_applicant", "withdraw", CW | SV, NULL, "withdrawn", FALSE, STOP, FALSE },
};

static const char * const permit_states[] = {
  "received", "in_review", "second_review", "countersign", "final_review", "awaiting_applicant",
  "approved", "rejected", "withdrawn", NULL,
};

static const char * const permit_actions[] = {
  "accept", "return", "resubmit", "forward", "send_back", "countersign", "approve", "reject",
  "withdraw", NULL,
};

/* Caseworker first review → supervisor second review → planning and fire safety countersign
 * → supervisor final decision. */
static const Step permit_steps[] = {
  { "received", "accept", CW | SV, NULL, "in_review", FALSE, KEEP, FALSE },
  { "received", "return", CW | SV, NULL, "awaiting_applicant", TRUE, PAUSE, FALSE },
  { "received", "reject", CW | SV, NULL, "rejected", TRUE, STOP, FALSE },
  { "received", "withdraw", CW | SV, NULL, "withdrawn", FALSE, STOP, FALSE },
  { "in_review", "return", CW | SV, NULL, "awaiting_applicant", TRUE, PAUSE, FALSE },
  { "in_review", "forward", CW | SV, NULL, "second_review", FALSE, KEEP, FALSE },
  { "in_review", "reject", CW | SV, NULL, "rejected", TRUE, STOP, FALSE },
  { "in_review", "withdraw", CW | SV, NULL, "withdrawn", FALSE, STOP, FALSE },
  { "second_review", "return", SV, NULL, "awaiting_applicant", TRUE, PAUSE, FALSE },
  { "second_review", "forward", SV, NULL, "countersign", FALSE, KEEP, FALSE },
  { "second_review", "send_back", SV, NULL, "in_review", TRUE, KEEP, FALSE },
  { "second_review", "reject", SV, NULL, "rejected", TRUE, STOP, FALSE },
  { "second_review", "withdraw", CW | SV, NULL, "withdrawn", FALSE, STOP, FALSE },
  /* One of two parties signing: the case stays where it is. */
  { "countersign", "countersign", CW | SV, "planning", "countersign", FALSE, KEEP, FALSE },
  { "countersign", "reject", CW | SV, "fire-safety", "rejected", TRUE, STOP, FALSE },
  { "countersign", "withdraw", CW | SV, NULL, "withdrawn", FALSE, STOP, FALSE },
  { "final_review", "approve", SV, NULL, "approved", FALSE, STOP, FALSE },
  { "final_review", "reject", SV, NULL, "rejected", TRUE, STOP, FALSE },
  { "final_review", "withdraw", CW | SV, NULL, "withdrawn", FALSE, STOP, FALSE },
  { "awaiting_applicant", "resubmit", CW | SV, NULL, "in_review", FALSE, RESUME, FALSE },
  { "awaiting_applicant", "withdraw", CW | SV, NULL, "withdrawn", FALSE, STOP, FALSE },
};

static const Expected expected_workflows[] = {
  { "standard", simple_states, standard_actions, standard_steps,
    G_N_ELEMENTS (standard_steps) },
  { "registration", simple_states, extendable_actions, registration_steps,
    G_N_ELEMENTS (registration_steps) },
  { "disclosure", simple_states, extendable_actions, disclosure_steps,
    G_N_ELEMENTS (disclosure_steps) },
  { "building-permit", permit_states, permit_actions, permit_steps,
    G_N_ELEMENTS (permit_steps) },
};

static const TbRole all_roles[] = {
  TB_ROLE_NONE, TB_ROLE_CASEWORKER, TB_ROLE_SUPERVISOR, TB_ROLE_TRAINER, TB_ROLE_AUDITOR,
};

static GPtrArray *
load_workflows (void)
{
  g_autoptr(GPtrArray) services = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *workflows = NULL;

  services = tb_service_load_bundled_catalogue (&workflows, &error);
  g_assert_no_error (error);
  g_assert_nonnull (workflows);
  return workflows;
}

static TbWorkflow *
find_workflow (GPtrArray  *workflows,
               const char *id)
{
  for (guint i = 0; i < workflows->len; i++)
    if (g_strcmp0 (tb_workflow_get_id (g_ptr_array_index (workflows, i)), id) == 0)
      return g_ptr_array_index (workflows, i);

  g_error ("workflow %s not bundled", id);
  return NULL;
}

static const Step *
find_step (const Expected *expected,
           const char     *state,
           const char     *action)
{
  for (guint i = 0; i < expected->n_steps; i++)
    if (strcmp (expected->steps[i].state, state) == 0
        && strcmp (expected->steps[i].action, action) == 0)
      return &expected->steps[i];

  return NULL;
}

static void
assert_strv_equal (const char * const *a,
                   const char * const *b)
{
  guint n = g_strv_length ((char **) a);

  if (n != g_strv_length ((char **) b))
    {
      g_autofree char *ja = g_strjoinv (",", (char **) a);
      g_autofree char *jb = g_strjoinv (",", (char **) b);
      g_error ("[%s] != [%s]", ja, jb);
    }

  for (guint i = 0; i < n; i++)
    g_assert_cmpstr (a[i], ==, b[i]);
}

static void
test_matrix (void)
{
  g_autoptr(GPtrArray) workflows = load_workflows ();
  guint n_checked = 0, n_allowed = 0;

  g_assert_cmpuint (workflows->len, ==, G_N_ELEMENTS (expected_workflows));

  for (guint w = 0; w < G_N_ELEMENTS (expected_workflows); w++)
    {
      const Expected *expected = &expected_workflows[w];
      TbWorkflow *workflow = find_workflow (workflows, expected->id);

      assert_strv_equal (tb_workflow_get_states (workflow), expected->states);
      assert_strv_equal (tb_workflow_get_actions (workflow), expected->actions);
      g_assert_cmpstr (tb_workflow_get_initial_state (workflow), ==, "received");

      for (guint s = 0; expected->states[s] != NULL; s++)
        {
          const char *state = expected->states[s];

          for (guint r = 0; r < G_N_ELEMENTS (all_roles); r++)
            {
              TbRole role = all_roles[r];
              g_autoptr(GStrvBuilder) allowed = g_strv_builder_new ();
              g_auto(GStrv) available = NULL;
              g_auto(GStrv) expected_available = NULL;

              for (guint a = 0; expected->actions[a] != NULL; a++)
                {
                  const char *action = expected->actions[a];
                  const Step *step = find_step (expected, state, action);
                  g_autoptr(GError) error = NULL;
                  TbWorkflowResult result;
                  gboolean ok;

                  ok = tb_workflow_check (workflow, state, NULL, role, action,
                                          step != NULL ? step->party : NULL, &result, &error);
                  n_checked++;

                  if (step == NULL)
                    {
                      if (ok)
                        g_error ("%s: %s → %s allowed, expected not available", expected->id,
                                 state, action);
                      g_assert_error (error, TB_WORKFLOW_ERROR,
                                      TB_WORKFLOW_ERROR_NOT_AVAILABLE);
                      g_assert_null (result.next_state);
                    }
                  else if ((step->roles & role) == 0)
                    {
                      if (ok)
                        g_error ("%s: %s → %s allowed to role %d", expected->id, state,
                                 action, role);
                      g_assert_error (error, TB_WORKFLOW_ERROR,
                                      TB_WORKFLOW_ERROR_NOT_PERMITTED);
                    }
                  else
                    {
                      if (!ok)
                        g_error ("%s: %s → %s refused to role %d: %s", expected->id, state,
                                 action, role, error->message);
                      n_allowed++;
                      g_strv_builder_add (allowed, action);
                      g_assert_cmpstr (result.next_state, ==, step->next);
                      g_assert_cmpint (result.needs_reason, ==, step->reason);
                      g_assert_cmpint (result.clock, ==, step->clock);
                      g_assert_cmpint (result.extends_deadline, ==, step->extends);
                      g_assert_cmpint (result.closes, ==,
                                       tb_workflow_is_terminal (workflow, step->next));
                      g_assert_cmpint (result.countersign, ==,
                                       strcmp (action, "countersign") == 0);
                      g_assert_false (result.completes_countersign);
                    }
                }

              /* The buttons offered are exactly the allowed actions, in definition order. */
              expected_available = g_strv_builder_end (allowed);
              available = tb_workflow_dup_available_actions (workflow, state, role);
              assert_strv_equal ((const char * const *) available,
                                 (const char * const *) expected_available);
            }
        }
    }

  g_test_message ("%u checks, %u allowed", n_checked, n_allowed);
  /* Steps times the roles allowed each: 10×2 + (10×2 + 1) + (8×2 + 2) + (15×2 + 6). */
  g_assert_cmpuint (n_allowed, ==, 95);
}

static void
test_states (void)
{
  g_autoptr(GPtrArray) workflows = load_workflows ();
  TbWorkflow *permit = find_workflow (workflows, "building-permit");
  TbWorkflow *disclosure = find_workflow (workflows, "disclosure");
  g_auto(GStrv) none = NULL;
  g_auto(GStrv) both = NULL;

  for (guint i = 0; permit_states[i] != NULL; i++)
    {
      const char *state = permit_states[i];
      gboolean terminal = i >= 6;

      g_assert_true (tb_workflow_has_state (permit, state));
      g_assert_cmpint (tb_workflow_is_terminal (permit, state), ==, terminal);
      g_assert_cmpint (tb_workflow_pauses_clock (permit, state), ==,
                       strcmp (state, "awaiting_applicant") == 0);
      g_assert_nonnull (tb_workflow_get_state_name_for (permit, state, zh));
      g_assert_cmpint (tb_workflow_get_parties (permit, state) != NULL, ==,
                       strcmp (state, "countersign") == 0);
    }

  g_assert_false (tb_workflow_has_state (permit, "limbo"));
  g_assert_false (tb_workflow_is_terminal (permit, "limbo"));
  g_assert_false (tb_workflow_pauses_clock (permit, NULL));
  g_assert_null (tb_workflow_get_state_name (permit, "limbo"));
  g_assert_null (tb_workflow_get_action_name (permit, "fly"));
  g_assert_null (tb_workflow_get_party_name (permit, "tax"));
  none = tb_workflow_dup_available_actions (permit, "limbo", SV);
  g_assert_cmpuint (g_strv_length (none), ==, 0);

  g_assert_cmpstr (tb_workflow_get_state_name_for (permit, "awaiting_applicant", zh), ==,
                   "待补正");
  g_assert_cmpstr (tb_workflow_get_state_name_for (permit, "awaiting_applicant", en), ==,
                   "Awaiting applicant");
  g_assert_cmpstr (tb_workflow_get_state_name_for (disclosure, "approved", zh), ==,
                   "已答复（公开）");
  g_assert_cmpstr (tb_workflow_get_action_name_for (permit, "countersign", zh), ==, "会签同意");
  g_assert_cmpstr (tb_workflow_get_action_name_for (permit, "return", en), ==,
                   "Return for correction");
  g_assert_cmpstr (tb_workflow_get_party_name_for (permit, "fire-safety", zh), ==,
                   "消防设计审查");
  g_assert_cmpstr (tb_workflow_get_name_for (permit, en), ==, "Building permit review");

  both = tb_workflow_dup_pending_parties (permit, "countersign", NULL);
  assert_strv_equal ((const char * const *) both,
                     (const char * const []) { "planning", "fire-safety", NULL });
}

static void
test_countersign (void)
{
  g_autoptr(GPtrArray) workflows = load_workflows ();
  TbWorkflow *permit = find_workflow (workflows, "building-permit");
  const char * const planning[] = { "planning", NULL };
  const char * const fire[] = { "fire-safety", NULL };
  const char * const both[] = { "planning", "fire-safety", NULL };
  const char * const stale[] = { "tax", "planning", NULL };
  TbWorkflowResult result;
  g_auto(GStrv) pending = NULL;

  /* Planning first, then fire safety: the second signature completes and moves on. */
  g_assert_true (tb_workflow_check (permit, "countersign", NULL, CW, "countersign", "planning",
                                    &result, NULL));
  g_assert_cmpstr (result.next_state, ==, "countersign");
  g_assert_true (result.countersign);
  g_assert_false (result.completes_countersign);
  g_assert_true (tb_workflow_check (permit, "countersign", planning, CW, "countersign",
                                    "fire-safety", &result, NULL));
  g_assert_cmpstr (result.next_state, ==, "final_review");
  g_assert_true (result.countersign);
  g_assert_true (result.completes_countersign);
  g_assert_cmpint (result.clock, ==, KEEP);
  g_assert_false (result.closes);

  /* The other order. */
  g_assert_true (tb_workflow_check (permit, "countersign", NULL, SV, "countersign",
                                    "fire-safety", &result, NULL));
  g_assert_cmpstr (result.next_state, ==, "countersign");
  g_assert_false (result.completes_countersign);
  g_assert_true (tb_workflow_check (permit, "countersign", fire, SV, "countersign", "planning",
                                    &result, NULL));
  g_assert_cmpstr (result.next_state, ==, "final_review");
  g_assert_true (result.completes_countersign);

  /* Parties that do not belong to the state are ignored in the signed set. */
  g_assert_true (tb_workflow_check (permit, "countersign", stale, CW, "countersign",
                                    "fire-safety", &result, NULL));
  g_assert_true (result.completes_countersign);

  pending = tb_workflow_dup_pending_parties (permit, "countersign", planning);
  assert_strv_equal ((const char * const *) pending, fire);
  g_clear_pointer (&pending, g_strfreev);
  pending = tb_workflow_dup_pending_parties (permit, "countersign", both);
  g_assert_cmpuint (g_strv_length (pending), ==, 0);
  g_clear_pointer (&pending, g_strfreev);
  pending = tb_workflow_dup_pending_parties (permit, "in_review", NULL);
  g_assert_cmpuint (g_strv_length (pending), ==, 0);

  /* Signing twice, for nobody, or for a department that is not asked. */
  {
    g_autoptr(GError) error = NULL;
    g_assert_false (tb_workflow_check (permit, "countersign", planning, CW, "countersign",
                                       "planning", &result, &error));
    g_assert_error (error, TB_WORKFLOW_ERROR, TB_WORKFLOW_ERROR_ALREADY_SIGNED);
    g_assert_nonnull (strstr (error->message, "Planning and natural resources"));
  }
  {
    g_autoptr(GError) error = NULL;
    g_assert_false (tb_workflow_check (permit, "countersign", NULL, CW, "countersign", NULL,
                                       &result, &error));
    g_assert_error (error, TB_WORKFLOW_ERROR, TB_WORKFLOW_ERROR_PARTY_REQUIRED);
  }
  {
    g_autoptr(GError) error = NULL;
    g_assert_false (tb_workflow_check (permit, "countersign", NULL, CW, "countersign", "",
                                       &result, &error));
    g_assert_error (error, TB_WORKFLOW_ERROR, TB_WORKFLOW_ERROR_PARTY_REQUIRED);
  }
  {
    g_autoptr(GError) error = NULL;
    g_assert_false (tb_workflow_check (permit, "countersign", NULL, CW, "countersign", "tax",
                                       &result, &error));
    g_assert_error (error, TB_WORKFLOW_ERROR, TB_WORKFLOW_ERROR_UNKNOWN_PARTY);
  }
  {
    g_autoptr(GError) error = NULL;
    /* Role is checked before the party. */
    g_assert_false (tb_workflow_check (permit, "countersign", NULL, TB_ROLE_AUDITOR,
                                       "countersign", "planning", &result, &error));
    g_assert_error (error, TB_WORKFLOW_ERROR, TB_WORKFLOW_ERROR_NOT_PERMITTED);
  }

  /* Any party may reject, whether or not the other signed; a party that signed may not. */
  g_assert_true (tb_workflow_check (permit, "countersign", NULL, CW, "reject", "planning",
                                    &result, NULL));
  g_assert_cmpstr (result.next_state, ==, "rejected");
  g_assert_true (result.needs_reason);
  g_assert_true (result.closes);
  g_assert_cmpint (result.clock, ==, STOP);
  g_assert_false (result.countersign);
  g_assert_true (tb_workflow_check (permit, "countersign", planning, CW, "reject",
                                    "fire-safety", &result, NULL));
  g_assert_cmpstr (result.next_state, ==, "rejected");
  {
    g_autoptr(GError) error = NULL;
    g_assert_false (tb_workflow_check (permit, "countersign", planning, CW, "reject",
                                       "planning", &result, &error));
    g_assert_error (error, TB_WORKFLOW_ERROR, TB_WORKFLOW_ERROR_ALREADY_SIGNED);
  }
  {
    g_autoptr(GError) error = NULL;
    g_assert_false (tb_workflow_check (permit, "countersign", NULL, CW, "reject", NULL,
                                       &result, &error));
    g_assert_error (error, TB_WORKFLOW_ERROR, TB_WORKFLOW_ERROR_PARTY_REQUIRED);
  }

  /* Withdrawal is the applicant's, not a party's. */
  {
    g_autoptr(GError) error = NULL;
    g_assert_false (tb_workflow_check (permit, "countersign", NULL, CW, "withdraw",
                                       "planning", &result, &error));
    g_assert_error (error, TB_WORKFLOW_ERROR, TB_WORKFLOW_ERROR_UNEXPECTED_PARTY);
  }
  {
    g_autoptr(GError) error = NULL;
    g_assert_false (tb_workflow_check (permit, "in_review", NULL, CW, "forward", "planning",
                                       &result, &error));
    g_assert_error (error, TB_WORKFLOW_ERROR, TB_WORKFLOW_ERROR_UNEXPECTED_PARTY);
  }
}

/* A building permit from receipt to issue, each step by the role the procedure gives it. */
static void
test_multi_level_path (void)
{
  g_autoptr(GPtrArray) workflows = load_workflows ();
  TbWorkflow *permit = find_workflow (workflows, "building-permit");
  static const struct {
    TbRole role;
    const char *action;
    const char *party;
    const char *next;
  } path[] = {
    { CW, "accept", NULL, "in_review" },
    { CW, "return", NULL, "awaiting_applicant" },
    { CW, "resubmit", NULL, "in_review" },
    { CW, "forward", NULL, "second_review" },
    { SV, "send_back", NULL, "in_review" },
    { CW, "forward", NULL, "second_review" },
    { SV, "forward", NULL, "countersign" },
    { CW, "countersign", "fire-safety", "countersign" },
    { CW, "countersign", "planning", "final_review" },
    { SV, "approve", NULL, "approved" },
  };
  g_autoptr(GPtrArray) signed_parties = g_ptr_array_new ();
  const char *state = tb_workflow_get_initial_state (permit);

  for (guint i = 0; i < G_N_ELEMENTS (path); i++)
    {
      g_autoptr(GError) error = NULL;
      TbWorkflowResult result;

      g_ptr_array_add (signed_parties, NULL);
      tb_workflow_check_with_reason (permit, state,
                                     (const char * const *) signed_parties->pdata,
                                     path[i].role, path[i].action, path[i].party, "理由",
                                     &result, &error);
      g_ptr_array_remove_index (signed_parties, signed_parties->len - 1);
      g_assert_no_error (error);
      g_assert_cmpstr (result.next_state, ==, path[i].next);

      if (result.countersign && !result.completes_countersign)
        g_ptr_array_add (signed_parties, (gpointer) path[i].party);
      else
        g_ptr_array_set_size (signed_parties, 0);

      state = result.next_state;
    }

  g_assert_true (tb_workflow_is_terminal (permit, state));
}

static void
test_reason_required (void)
{
  g_autoptr(GPtrArray) workflows = load_workflows ();
  TbWorkflow *standard = find_workflow (workflows, "standard");
  TbWorkflow *registration = find_workflow (workflows, "registration");
  const char *blank[] = { NULL, "", "   ", "\t\n", "\u3000\u3000" };
  TbWorkflowResult result;

  for (guint i = 0; i < G_N_ELEMENTS (blank); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_false (tb_workflow_check_with_reason (standard, "in_review", NULL, CW, "return",
                                                     NULL, blank[i], &result, &error));
      g_assert_error (error, TB_WORKFLOW_ERROR, TB_WORKFLOW_ERROR_REASON_REQUIRED);
      g_assert_nonnull (strstr (error->message, "Return for correction"));
      /* What the action would do is still told, for the dialog asking for the reason. */
      g_assert_true (result.needs_reason);
      g_assert_cmpstr (result.next_state, ==, "awaiting_applicant");
    }

  {
    g_autoptr(GError) error = NULL;
    g_assert_false (tb_workflow_check_with_reason (registration, "in_review", NULL, SV,
                                                   "extend", NULL, NULL, &result, &error));
    g_assert_error (error, TB_WORKFLOW_ERROR, TB_WORKFLOW_ERROR_REASON_REQUIRED);
  }

  g_assert_true (tb_workflow_check_with_reason (standard, "in_review", NULL, CW, "return", NULL,
                                                "营业执照复印件不清晰，请重新提交", &result,
                                                NULL));
  g_assert_cmpint (result.clock, ==, PAUSE);
  g_assert_true (tb_workflow_check_with_reason (registration, "in_review", NULL, SV, "extend",
                                                NULL, "情形复杂，经负责人批准延长", &result,
                                                NULL));
  g_assert_true (result.extends_deadline);

  /* No reason needed: none given is fine, one given is fine too. */
  g_assert_true (tb_workflow_check_with_reason (standard, "in_review", NULL, CW, "approve", NULL,
                                                NULL, &result, NULL));
  g_assert_true (tb_workflow_check_with_reason (standard, "in_review", NULL, CW, "approve", NULL,
                                                "ok", &result, NULL));

  /* A refusal comes before the reason question. */
  {
    g_autoptr(GError) error = NULL;
    g_assert_false (tb_workflow_check_with_reason (standard, "in_review", NULL, TB_ROLE_TRAINER,
                                                   "reject", NULL, NULL, &result, &error));
    g_assert_error (error, TB_WORKFLOW_ERROR, TB_WORKFLOW_ERROR_NOT_PERMITTED);
  }
}

static void
test_unknown (void)
{
  g_autoptr(GPtrArray) workflows = load_workflows ();
  TbWorkflow *standard = find_workflow (workflows, "standard");
  TbWorkflowResult result;
  static const struct {
    const char *state;
    const char *action;
    int code;
    const char *message;
  } cases[] = {
    { "limbo", "approve", TB_WORKFLOW_ERROR_UNKNOWN_STATE, "unknown state “limbo”" },
    { NULL, "approve", TB_WORKFLOW_ERROR_UNKNOWN_STATE, "unknown state" },
    { "second_review", "approve", TB_WORKFLOW_ERROR_UNKNOWN_STATE, "unknown state" },
    { "in_review", "fly", TB_WORKFLOW_ERROR_UNKNOWN_ACTION, "no action “fly”" },
    { "in_review", NULL, TB_WORKFLOW_ERROR_UNKNOWN_ACTION, "no action" },
    { "in_review", "extend", TB_WORKFLOW_ERROR_UNKNOWN_ACTION, "no action “extend”" },
    { "in_review", "accept", TB_WORKFLOW_ERROR_NOT_AVAILABLE, "“Accept” is not possible" },
    { "approved", "withdraw", TB_WORKFLOW_ERROR_NOT_AVAILABLE, "the case is closed" },
    { "withdrawn", "resubmit", TB_WORKFLOW_ERROR_NOT_AVAILABLE, "the case is closed" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_false (tb_workflow_check (standard, cases[i].state, NULL, CW | SV,
                                         cases[i].action, NULL, &result, &error));
      g_assert_error (error, TB_WORKFLOW_ERROR, cases[i].code);
      if (strstr (error->message, cases[i].message) == NULL)
        g_error ("case %u: expected “%s” in “%s”", i, cases[i].message, error->message);
      g_assert_null (result.next_state);
    }

  /* A user holding both roles gets what either may do. */
  g_assert_true (tb_workflow_check (find_workflow (workflows, "disclosure"), "in_review", NULL,
                                    CW | TB_ROLE_SUPERVISOR, "reject", NULL, &result, NULL));
  g_assert_true (tb_workflow_check (standard, "in_review", NULL, CW, "approve", NULL, NULL,
                                    NULL));
}

/* ------------------------------------------------------------------------------------------ */
/* Malformed definitions                                                                       */

#define WF_HEAD "\"id\": \"wf\", \"name\": { \"en\": \"W\" }, \"initial\": \"a\","
#define WF_ACTIONS "\"actions\": [ { \"id\": \"go\", \"name\": { \"en\": \"Go\" } } ],"
#define WF_STATES \
  "\"states\": [ { \"id\": \"a\", \"name\": { \"en\": \"A\" } }," \
  "              { \"id\": \"z\", \"name\": { \"en\": \"Z\" }, \"terminal\": true } ],"
#define WF_GO "{ \"action\": \"go\", \"from\": \"a\", \"to\": \"z\", \"roles\": [\"caseworker\"] }"

static void
test_malformed (void)
{
  static const struct {
    const char *json;
    int code;
    const char *message;
  } cases[] = {
    { "{ \"id\": \"wf\"", TB_SERVICE_ERROR_PARSE, "Invalid workflow definition" },
    { "[]", TB_SERVICE_ERROR_INVALID, "expected a JSON object" },
    { "{}", TB_SERVICE_ERROR_INVALID, "workflow: “id” is missing" },
    { "{ \"id\": \"w f\" }", TB_SERVICE_ERROR_INVALID, "not a valid identifier" },
    { "{ \"id\": \"wf\" }", TB_SERVICE_ERROR_INVALID, "wf / name: expected an object" },
    { "{ " WF_HEAD " \"states\": [] }", TB_SERVICE_ERROR_INVALID,
      "“actions” must be a non-empty array" },
    { "{ " WF_HEAD WF_ACTIONS " \"states\": [] }", TB_SERVICE_ERROR_INVALID,
      "“states” must be a non-empty array" },
    { "{ " WF_HEAD WF_ACTIONS WF_STATES " \"transitions\": [ " WF_GO " ], \"initial\": \"q\" }",
      TB_SERVICE_ERROR_INVALID, "the initial state “q” is not in “states”" },
    { "{ " WF_HEAD WF_ACTIONS WF_STATES " \"transitions\": [ " WF_GO " ], \"initial\": \"z\" }",
      TB_SERVICE_ERROR_INVALID, "the initial state “z” cannot be terminal" },
    { "{ " WF_HEAD WF_ACTIONS WF_STATES " \"transitions\": [] }",
      TB_SERVICE_ERROR_INVALID, "“transitions” must be a non-empty array" },
    { "{ " WF_HEAD WF_ACTIONS
      "\"states\": [ { \"id\": \"a\", \"name\": { \"en\": \"A\" } },"
      "              { \"id\": \"a\", \"name\": { \"en\": \"A\" } } ] }",
      TB_SERVICE_ERROR_INVALID, "the state “a” is listed twice" },
    { "{ " WF_HEAD
      "\"actions\": [ { \"id\": \"go\", \"name\": { \"en\": \"Go\" } },"
      "               { \"id\": \"go\", \"name\": { \"en\": \"Go\" } } ] }",
      TB_SERVICE_ERROR_INVALID, "“go” is listed twice in “actions”" },
    { "{ " WF_HEAD "\"actions\": [ { \"id\": \"go\" } ] }",
      TB_SERVICE_ERROR_INVALID, "wf / go / name: expected an object" },
    { "{ " WF_HEAD WF_ACTIONS
      "\"states\": [ { \"id\": \"a\", \"name\": { \"en\": \"A\" } },"
      "  { \"id\": \"z\", \"name\": { \"en\": \"Z\" }, \"terminal\": true,"
      "    \"pauses_clock\": true } ] }",
      TB_SERVICE_ERROR_INVALID, "a terminal state cannot pause the clock" },
    { "{ " WF_HEAD WF_ACTIONS WF_STATES " \"transitions\": [ { \"action\": \"fly\","
      "  \"from\": \"a\", \"to\": \"z\", \"roles\": [\"caseworker\"] } ] }",
      TB_SERVICE_ERROR_INVALID, "the action “fly” is not in “actions”" },
    { "{ " WF_HEAD WF_ACTIONS WF_STATES " \"transitions\": [ { \"action\": \"go\","
      "  \"from\": \"a\", \"to\": \"q\", \"roles\": [\"caseworker\"] } ] }",
      TB_SERVICE_ERROR_INVALID, "the state “q” is not in “states”" },
    { "{ " WF_HEAD WF_ACTIONS WF_STATES " \"transitions\": [ { \"action\": \"go\","
      "  \"from\": [\"a\", \"q\"], \"to\": \"z\", \"roles\": [\"caseworker\"] } ] }",
      TB_SERVICE_ERROR_INVALID, "the state “q” is not in “states”" },
    { "{ " WF_HEAD WF_ACTIONS WF_STATES " \"transitions\": [ { \"action\": \"go\","
      "  \"from\": [], \"to\": \"z\", \"roles\": [\"caseworker\"] } ] }",
      TB_SERVICE_ERROR_INVALID, "“from” must name a state" },
    { "{ " WF_HEAD WF_ACTIONS WF_STATES " \"transitions\": [ { \"action\": \"go\","
      "  \"from\": \"a\", \"to\": \"z\", \"roles\": [\"janitor\"] } ] }",
      TB_SERVICE_ERROR_INVALID, "roles are “caseworker”" },
    { "{ " WF_HEAD WF_ACTIONS WF_STATES " \"transitions\": [ { \"action\": \"go\","
      "  \"from\": \"a\", \"to\": \"z\" } ] }",
      TB_SERVICE_ERROR_INVALID, "“roles” must be a non-empty array" },
    { "{ " WF_HEAD WF_ACTIONS
      "\"states\": [ { \"id\": \"a\", \"name\": { \"en\": \"A\" },"
      "  \"editable\": [ { \"roles\": [\"janitor\"], \"fields\": [\"*\"] } ] } ] }",
      TB_SERVICE_ERROR_INVALID, "wf / a / editable: roles are “caseworker”" },
    { "{ " WF_HEAD WF_ACTIONS
      "\"states\": [ { \"id\": \"a\", \"name\": { \"en\": \"A\" },"
      "  \"editable\": [ { \"roles\": [\"caseworker\"], \"fields\": [\"a b\"] } ] } ] }",
      TB_SERVICE_ERROR_INVALID, "“fields” must list field ids or “*”" },
    { "{ " WF_HEAD WF_ACTIONS
      "\"states\": [ { \"id\": \"a\", \"name\": { \"en\": \"A\" },"
      "  \"editable\": [ { \"roles\": [\"caseworker\"] } ] } ] }",
      TB_SERVICE_ERROR_INVALID, "“fields” must be a non-empty array" },
    { "{ " WF_HEAD WF_ACTIONS
      "\"states\": [ { \"id\": \"a\", \"name\": { \"en\": \"A\" },"
      "  \"editable\": [] } ] }",
      TB_SERVICE_ERROR_INVALID, "“editable” must be a non-empty array" },
    { "{ " WF_HEAD WF_ACTIONS
      "\"states\": [ { \"id\": \"z\", \"name\": { \"en\": \"Z\" }, \"terminal\": true,"
      "  \"editable\": [ { \"roles\": [\"caseworker\"], \"fields\": [\"*\"] } ] } ] }",
      TB_SERVICE_ERROR_INVALID, "nothing can be edited in a terminal state" },
    { "{ " WF_HEAD WF_ACTIONS
      "\"states\": [ { \"id\": \"a\", \"name\": { \"en\": \"A\" },"
      "  \"editable\": [ 3 ] } ] }",
      TB_SERVICE_ERROR_INVALID, "element 1 of “editable” must be an object" },
    { "{ " WF_HEAD WF_ACTIONS WF_STATES " \"transitions\": [ { \"action\": \"go\","
      "  \"from\": \"a\", \"to\": \"z\", \"roles\": [\"caseworker\"], \"needs_reason\": 1 } ] }",
      TB_SERVICE_ERROR_INVALID, "“needs_reason” must be true or false" },
    { "{ " WF_HEAD WF_ACTIONS WF_STATES " \"transitions\": [ " WF_GO ", " WF_GO " ] }",
      TB_SERVICE_ERROR_INVALID, "the action “go” is defined twice from “a”" },
    { "{ " WF_HEAD WF_ACTIONS WF_STATES " \"transitions\": [ { \"action\": \"go\","
      "  \"from\": \"z\", \"to\": \"a\", \"roles\": [\"caseworker\"] } ] }",
      TB_SERVICE_ERROR_INVALID, "nothing can happen after the terminal state “z”" },
    { "{ " WF_HEAD WF_ACTIONS WF_STATES " \"transitions\": [ { \"action\": \"go\","
      "  \"from\": \"a\", \"to\": \"a\", \"roles\": [\"caseworker\"] } ] }",
      TB_SERVICE_ERROR_INVALID, "the state “a” is not terminal but has no way out" },
    { "{ " WF_HEAD WF_ACTIONS WF_STATES " \"transitions\": [ { \"action\": \"go\","
      "  \"from\": \"a\", \"to\": \"z\", \"roles\": [\"caseworker\"], \"countersign\": true } ] }",
      TB_SERVICE_ERROR_INVALID, "“a” has no countersigning parties" },
    { "{ " WF_HEAD WF_ACTIONS
      "\"states\": [ { \"id\": \"a\", \"name\": { \"en\": \"A\" }, \"countersign\": [\"p\"] } ] }",
      TB_SERVICE_ERROR_INVALID, "countersigning party “p” is not in “parties”" },
    { "{ " WF_HEAD WF_ACTIONS
      "\"parties\": [ { \"id\": \"p\", \"name\": { \"en\": \"P\" } } ],"
      "\"states\": [ { \"id\": \"a\", \"name\": { \"en\": \"A\" },"
      "               \"countersign\": [\"p\", \"p\"] } ] }",
      TB_SERVICE_ERROR_INVALID, "countersigning party “p” is listed twice" },
    { "{ " WF_HEAD WF_ACTIONS
      "\"parties\": [ { \"id\": \"p\", \"name\": { \"en\": \"P\" } } ],"
      "\"states\": [ { \"id\": \"a\", \"name\": { \"en\": \"A\" }, \"countersign\": [\"p\"] },"
      "              { \"id\": \"z\", \"name\": { \"en\": \"Z\" }, \"terminal\": true } ],"
      "\"transitions\": [ " WF_GO " ] }",
      TB_SERVICE_ERROR_INVALID, "the state “a” needs a countersign transition" },
    { "{ " WF_HEAD WF_ACTIONS
      "\"parties\": [ { \"id\": \"p\", \"name\": { \"en\": \"P\" } } ],"
      "\"states\": [ { \"id\": \"a\", \"name\": { \"en\": \"A\" }, \"countersign\": [\"p\"] },"
      "              { \"id\": \"z\", \"name\": { \"en\": \"Z\" }, \"terminal\": true } ],"
      "\"transitions\": [ { \"action\": \"go\", \"from\": \"a\", \"to\": \"a\","
      "  \"roles\": [\"caseworker\"], \"countersign\": true } ] }",
      TB_SERVICE_ERROR_INVALID, "completing a countersign must leave “a”" },
    { "{ " WF_HEAD WF_ACTIONS
      "\"parties\": [ { \"id\": \"p\", \"name\": { \"en\": \"P\" } } ],"
      "\"states\": [ { \"id\": \"a\", \"name\": { \"en\": \"A\" }, \"countersign\": [\"p\"] },"
      "              { \"id\": \"z\", \"name\": { \"en\": \"Z\" }, \"terminal\": true } ],"
      "\"transitions\": [ { \"action\": \"go\", \"from\": \"a\", \"to\": \"z\","
      "  \"roles\": [\"caseworker\"], \"countersign\": true, \"by_party\": true } ] }",
      TB_SERVICE_ERROR_INVALID, "exclude each other" },
    { "{ " WF_HEAD WF_ACTIONS
      "\"states\": [ { \"id\": \"a\", \"name\": { \"en\": \"A\" } },"
      "  { \"id\": \"z\", \"name\": { \"en\": \"Z\" }, \"terminal\": true,"
      "    \"countersign\": [] } ] }",
      TB_SERVICE_ERROR_INVALID, "a terminal state cannot have countersigning" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(TbWorkflow) workflow = tb_workflow_new_from_json (cases[i].json, &error);

      if (workflow != NULL)
        g_error ("case %u parsed, expected “%s”", i, cases[i].message);
      g_assert_error (error, TB_SERVICE_ERROR, cases[i].code);
      g_assert_true (g_str_has_prefix (error->message, "Invalid workflow definition"));
      if (strstr (error->message, cases[i].message) == NULL)
        g_error ("case %u: expected “%s” in “%s”", i, cases[i].message, error->message);
    }

  /* The smallest valid workflow, as a control. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(TbWorkflow) workflow = NULL;

    workflow = tb_workflow_new_from_json ("{ " WF_HEAD WF_ACTIONS WF_STATES
                                          " \"transitions\": [ " WF_GO " ] }", &error);
    g_assert_no_error (error);
    g_assert_cmpstr (tb_workflow_get_id (workflow), ==, "wf");
  }
}

/* Whatever parses can be queried. */
static gboolean
parse_mutated (JsonNode *root)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TbWorkflow) workflow = NULL;
  const char * const *states;

  workflow = tb_workflow_new_from_object (json_node_get_object (root), &error);
  if (workflow == NULL)
    {
      g_assert_error (error, TB_SERVICE_ERROR, TB_SERVICE_ERROR_INVALID);
      return FALSE;
    }

  states = tb_workflow_get_states (workflow);
  for (guint s = 0; states[s] != NULL; s++)
    {
      g_auto(GStrv) actions = tb_workflow_dup_available_actions (workflow, states[s], SV);

      for (guint a = 0; actions[a] != NULL; a++)
        tb_workflow_check (workflow, states[s], NULL, SV, actions[a], NULL, NULL, NULL);
    }
  return TRUE;
}

static void
test_mutated (void)
{
  g_autoptr(GPtrArray) workflows = load_workflows ();
  TbTestMutationCounts counts = { 0 };

  /* Damage every part of the real definitions in turn: a workflow or an error, never a
   * crash. */
  for (guint i = 0; i < workflows->len; i++)
    tb_test_json_each_mutation (tb_workflow_get_definition (g_ptr_array_index (workflows, i)),
                                parse_mutated, &counts);

  g_test_message ("%u mutations refused, %u accepted", counts.refused, counts.accepted);
  g_assert_cmpuint (counts.refused, >, 500);
  g_assert_cmpuint (counts.accepted, >, 10);
}


/* Which fields each role may edit where, and what each transition asks for. */
static void
test_editable_and_steps (void)
{
  g_autoptr(GPtrArray) workflows = load_workflows ();
  TbWorkflow *registration = find_workflow (workflows, "registration");
  TbWorkflow *permit = find_workflow (workflows, "building-permit");
  g_auto(GStrv) fields = NULL;
  TbWorkflowStep step;
  static const char * const all[] = { "*", NULL };
  static const char * const scope[] = { "business_scope", NULL };
  static const char * const none[] = { NULL };

  /* At the counter and while the applicant corrects, the whole form; in review, a caseworker
   * only the business scope, a supervisor everything; concluded, nothing. */
  fields = tb_workflow_dup_editable_fields (registration, "received", CW);
  assert_strv_equal ((const char * const *) fields, all);
  g_clear_pointer (&fields, g_strfreev);
  fields = tb_workflow_dup_editable_fields (registration, "in_review", CW);
  assert_strv_equal ((const char * const *) fields, scope);
  g_clear_pointer (&fields, g_strfreev);
  fields = tb_workflow_dup_editable_fields (registration, "in_review", CW | SV);
  assert_strv_equal ((const char * const *) fields,
                     (const char * const []) { "*", "business_scope", NULL });
  g_clear_pointer (&fields, g_strfreev);
  fields = tb_workflow_dup_editable_fields (registration, "approved", CW | SV);
  assert_strv_equal ((const char * const *) fields, none);
  g_clear_pointer (&fields, g_strfreev);
  fields = tb_workflow_dup_editable_fields (registration, "no-such-state", SV);
  assert_strv_equal ((const char * const *) fields, none);
  g_clear_pointer (&fields, g_strfreev);
  fields = tb_workflow_dup_editable_fields (registration, "received", TB_ROLE_AUDITOR);
  assert_strv_equal ((const char * const *) fields, none);

  g_assert_true (tb_workflow_can_edit_field (registration, "in_review", CW, "business_scope"));
  g_assert_false (tb_workflow_can_edit_field (registration, "in_review", CW,
                                              "registered_capital"));
  g_assert_true (tb_workflow_can_edit_field (registration, "in_review", SV,
                                             "registered_capital"));
  g_assert_true (tb_workflow_can_edit_field (registration, "awaiting_applicant", CW, "x"));
  g_assert_false (tb_workflow_can_edit_field (registration, "rejected", SV, "x"));
  g_assert_false (tb_workflow_can_edit_field (permit, "second_review", SV, "x"));

  /* Steps: what the dialog must ask for. */
  g_assert_true (tb_workflow_get_step (registration, "in_review", "return", &step));
  g_assert_cmpstr (step.to, ==, "awaiting_applicant");
  g_assert_true (step.needs_reason);
  g_assert_false (step.countersign || step.by_party || step.extends_deadline);
  g_assert_cmpint (step.roles, ==, CW | SV);
  g_assert_true (tb_workflow_get_step (registration, "in_review", "extend", &step));
  g_assert_true (step.extends_deadline);
  g_assert_cmpint (step.roles, ==, SV);
  g_assert_true (tb_workflow_get_step (permit, "countersign", "countersign", &step));
  g_assert_true (step.countersign);
  g_assert_false (step.by_party);
  g_assert_true (tb_workflow_get_step (permit, "countersign", "reject", &step));
  g_assert_true (step.by_party);
  g_assert_true (step.needs_reason);
  g_assert_false (tb_workflow_get_step (registration, "in_review", "accept", &step));
  g_assert_null (step.to);
  g_assert_false (tb_workflow_get_step (registration, "approved", "approve", NULL));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/workflow/matrix", test_matrix);
  g_test_add_func ("/workflow/states", test_states);
  g_test_add_func ("/workflow/countersign", test_countersign);
  g_test_add_func ("/workflow/multi-level-path", test_multi_level_path);
  g_test_add_func ("/workflow/reason-required", test_reason_required);
  g_test_add_func ("/workflow/unknown", test_unknown);
  g_test_add_func ("/workflow/malformed", test_malformed);
  g_test_add_func ("/workflow/mutated", test_mutated);
  g_test_add_func ("/workflow/editable-and-steps", test_editable_and_steps);

  return g_test_run ();
}
