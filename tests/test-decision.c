/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-decision.c: the effect of decisions on state, countersignatures and deadlines */

#include "config.h"

#include "tb-decision.h"

static GPtrArray *services;
static GPtrArray *workflows;
static TbCalendar *calendar;

static TbService *
service (const char *id)
{
  for (guint i = 0; i < services->len; i++)
    if (g_str_equal (tb_service_get_id (g_ptr_array_index (services, i)), id))
      return g_ptr_array_index (services, i);
  g_assert_not_reached ();
}

static TbWorkflow *
workflow_of (TbService *s)
{
  for (guint i = 0; i < workflows->len; i++)
    if (g_str_equal (tb_workflow_get_id (g_ptr_array_index (workflows, i)),
                     tb_service_get_workflow_id (s)))
      return g_ptr_array_index (workflows, i);
  g_assert_not_reached ();
}

/* Decides on @before and moves the result into @before, so a test reads as a case's history. */
static void
decide (const char   *service_id,
        TbCaseTiming *timing,
        TbRole        roles,
        const char   *action,
        const char   *party,
        const char   *reason,
        const char   *today)
{
  TbService *s = service (service_id);
  TbCaseTiming after;
  g_autoptr(GError) error = NULL;

  if (!tb_decision_apply (workflow_of (s), s, calendar, timing, roles, action, party, reason,
                          tb_day_from_iso (today), &after, &error))
    g_error ("%s on %s: %s", action, timing->state, error->message);
  tb_case_timing_clear (timing);
  *timing = after;
}

static void
assert_deadline (const TbCaseTiming *timing,
                 const char         *iso)
{
  g_autofree char *got = tb_day_to_iso (timing->deadline);
  g_assert_cmpstr (got, ==, iso);
}

static void
test_return_and_resubmit (void)
{
  /* A social-insurance transfer, received Friday 2026-09-18: 15 working days are 09-20 (a
   * Sunday worked), 09-21..24, 09-28..30 (Mid-Autumn 09-25..27 off), 10-08, 10-09, 10-10 (a
   * Saturday worked), 10-12..15 (National Day 10-01..07 off) → 2026-10-15. */
  TbCaseTiming t = { g_strdup ("received"), NULL, 0, TB_DAY_INVALID, FALSE };
  g_assert_cmpuint (tb_calendar_add_working_days (calendar, tb_day_from_iso ("2026-09-18"), 15),
                    ==, tb_day_from_iso ("2026-10-15"));
  t.deadline = tb_day_from_iso ("2026-10-15");

  decide ("social-insurance-transfer", &t, TB_ROLE_CASEWORKER, "accept", NULL, NULL,
          "2026-09-21");
  g_assert_cmpstr (t.state, ==, "in_review");
  g_assert_cmpuint (t.paused_since, ==, TB_DAY_INVALID);

  /* Returned for correction on Tuesday 09-22: the clock stops that day. */
  decide ("social-insurance-transfer", &t, TB_ROLE_CASEWORKER, "return", NULL,
          "身份证复印件不清晰", "2026-09-22");
  g_assert_cmpstr (t.state, ==, "awaiting_applicant");
  g_assert_cmpuint (t.paused_since, ==, tb_day_from_iso ("2026-09-22"));
  assert_deadline (&t, "2026-10-15");
  g_assert_false (t.closed);

  /* Resubmitted Monday 10-12: working days in (09-22, 10-12] are 09-23, 09-24, 09-28, 09-29,
   * 09-30, 10-08, 10-09, 10-10 (Saturday, worked), 10-12 = 9; 2026-10-15 + 9 working days =
   * 10-16, 10-19..10-23, 10-26..10-28 → 2026-10-28. */
  decide ("social-insurance-transfer", &t, TB_ROLE_CASEWORKER, "resubmit", NULL, NULL,
          "2026-10-12");
  g_assert_cmpstr (t.state, ==, "in_review");
  g_assert_cmpuint (t.paused_since, ==, TB_DAY_INVALID);
  assert_deadline (&t, "2026-10-28");

  decide ("social-insurance-transfer", &t, TB_ROLE_CASEWORKER, "approve", NULL, NULL,
          "2026-10-13");
  g_assert_cmpstr (t.state, ==, "approved");
  g_assert_true (t.closed);
  tb_case_timing_clear (&t);
}

static void
test_extension (void)
{
  /* Information disclosure received 2026-09-18: 20 working days → 2026-10-22; extended by 20:
   * 10-23, 10-26..30, 11-02..06, 11-09..13, 11-16..19 → 2026-11-19. */
  TbCaseTiming t = { g_strdup ("in_review"), NULL, tb_day_from_iso ("2026-10-22"),
                     TB_DAY_INVALID, FALSE };
  g_autoptr(GError) error = NULL;
  TbCaseTiming after;
  TbService *s = service ("information-disclosure");

  /* Only a supervisor extends. */
  g_assert_false (tb_decision_apply (workflow_of (s), s, calendar, &t, TB_ROLE_CASEWORKER,
                                     "extend", NULL, "需要征求第三方意见",
                                     tb_day_from_iso ("2026-10-20"), &after, &error));
  g_assert_error (error, TB_WORKFLOW_ERROR, TB_WORKFLOW_ERROR_NOT_PERMITTED);
  g_clear_error (&error);

  decide ("information-disclosure", &t, TB_ROLE_SUPERVISOR, "extend", NULL,
          "需要征求第三方意见", "2026-10-20");
  g_assert_cmpstr (t.state, ==, "in_review");
  assert_deadline (&t, "2026-11-19");
  tb_case_timing_clear (&t);
}

static void
test_countersign (void)
{
  TbCaseTiming t = { g_strdup ("countersign"), NULL, tb_day_from_iso ("2026-12-08"),
                     TB_DAY_INVALID, FALSE };

  decide ("building-permit", &t, TB_ROLE_CASEWORKER, "countersign", "fire-safety", NULL,
          "2026-11-30");
  g_assert_cmpstr (t.state, ==, "countersign");
  g_assert_cmpuint (g_strv_length (t.signed_parties), ==, 1);
  g_assert_cmpstr (t.signed_parties[0], ==, "fire-safety");

  /* The second party completes the set: the case moves on, the signatures are done with. */
  decide ("building-permit", &t, TB_ROLE_CASEWORKER, "countersign", "planning", NULL,
          "2026-12-01");
  g_assert_cmpstr (t.state, ==, "final_review");
  g_assert_cmpuint (g_strv_length (t.signed_parties), ==, 0);
  assert_deadline (&t, "2026-12-08");
  tb_case_timing_clear (&t);
}

static void
test_refusals_change_nothing (void)
{
  TbCaseTiming t = { g_strdup ("in_review"), NULL, tb_day_from_iso ("2026-12-08"),
                     TB_DAY_INVALID, FALSE };
  TbCaseTiming after = { NULL };
  g_autoptr(GError) error = NULL;
  TbService *s = service ("social-insurance-transfer");

  /* A return needs a reason; an auditor decides nothing; approve is no action of "received". */
  g_assert_false (tb_decision_apply (workflow_of (s), s, calendar, &t, TB_ROLE_CASEWORKER,
                                     "return", NULL, "  ", tb_day_from_iso ("2026-12-01"),
                                     &after, &error));
  g_assert_error (error, TB_WORKFLOW_ERROR, TB_WORKFLOW_ERROR_REASON_REQUIRED);
  g_clear_error (&error);
  g_assert_null (after.state);

  g_assert_false (tb_decision_apply (workflow_of (s), s, calendar, &t, TB_ROLE_AUDITOR,
                                     "approve", NULL, NULL, tb_day_from_iso ("2026-12-01"),
                                     &after, &error));
  g_assert_error (error, TB_WORKFLOW_ERROR, TB_WORKFLOW_ERROR_NOT_PERMITTED);
  g_clear_error (&error);

  g_free (t.state);
  t.state = g_strdup ("received");
  g_assert_false (tb_decision_apply (workflow_of (s), s, calendar, &t, TB_ROLE_CASEWORKER,
                                     "approve", NULL, NULL, tb_day_from_iso ("2026-12-01"),
                                     &after, &error));
  g_assert_error (error, TB_WORKFLOW_ERROR, TB_WORKFLOW_ERROR_NOT_AVAILABLE);
  g_clear_error (&error);

  g_assert_cmpstr (t.state, ==, "received");
  tb_case_timing_clear (&t);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  int ret;

  g_test_init (&argc, &argv, NULL);

  services = tb_service_load_bundled_catalogue (&workflows, &error);
  g_assert_no_error (error);
  calendar = tb_calendar_new ();
  g_assert_true (tb_calendar_load_bundled (calendar, &error));

  g_test_add_func ("/decision/return-and-resubmit", test_return_and_resubmit);
  g_test_add_func ("/decision/extension", test_extension);
  g_test_add_func ("/decision/countersign", test_countersign);
  g_test_add_func ("/decision/refusals-change-nothing", test_refusals_change_nothing);

  ret = g_test_run ();

  g_ptr_array_unref (services);
  g_ptr_array_unref (workflows);
  tb_calendar_unref (calendar);
  return ret;
}
