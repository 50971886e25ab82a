/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-demo.c: the deterministic demo data generator and seeding a store */

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "tb-demo.h"
#include "tb-service.h"
#include "tb-store.h"
#include "tb-test-common.h"
#include "tb-workflow.h"

#define N_SAMPLE 5000

static TbDay
test_today (void)
{
  /* A Friday, with the National Day and Mid-Autumn holidays and two make-up working days
   * (Sunday 2026-09-20, Saturday 2026-10-10) inside the 90-day window. */
  return tb_day_from_iso ("2026-11-27");
}

static TbDemo *
new_demo (guint64 seed)
{
  g_autoptr(GError) error = NULL;
  TbDemo *demo = tb_demo_new (seed, test_today (), &error);

  g_assert_no_error (error);
  g_assert_nonnull (demo);
  return demo;
}

static TbService *
find_service (TbDemo     *demo,
              const char *id)
{
  GPtrArray *services = tb_demo_get_services (demo);

  for (guint i = 0; i < services->len; i++)
    if (g_strcmp0 (tb_service_get_id (g_ptr_array_index (services, i)), id) == 0)
      return g_ptr_array_index (services, i);

  return NULL;
}

static TbWorkflow *
find_workflow (TbDemo     *demo,
               const char *id)
{
  GPtrArray *workflows = tb_demo_get_workflows (demo);

  for (guint i = 0; i < workflows->len; i++)
    if (g_strcmp0 (tb_workflow_get_id (g_ptr_array_index (workflows, i)), id) == 0)
      return g_ptr_array_index (workflows, i);

  return NULL;
}

static const TbDemoUser *
find_user (const char *id)
{
  guint n_users;
  const TbDemoUser *users = tb_demo_get_users (&n_users);

  for (guint i = 0; i < n_users; i++)
    if (g_strcmp0 (users[i].id, id) == 0)
      return &users[i];

  return NULL;
}

/* A deep copy of a record, for comparing records across calls. */
typedef struct
{
  TbCaseRecord  r;
  char         *strings[9];
} Copy;

static void
copy_record (const TbCaseRecord *in,
             Copy               *out)
{
  out->r = *in;
  out->r.id = out->strings[0] = g_strdup (in->id);
  out->r.ref = out->strings[1] = g_strdup (in->ref);
  out->r.service_id = out->strings[2] = g_strdup (in->service_id);
  out->r.state = out->strings[3] = g_strdup (in->state);
  out->r.assignee_id = out->strings[4] = g_strdup (in->assignee_id);
  out->r.team_id = out->strings[5] = g_strdup (in->team_id);
  out->r.applicant_name = out->strings[6] = g_strdup (in->applicant_name);
  out->r.company_name = out->strings[7] = g_strdup (in->company_name);
  out->r.form_json = out->strings[8] = g_strdup (in->form_json);
}

static void
clear_copy (Copy *copy)
{
  for (guint i = 0; i < G_N_ELEMENTS (copy->strings); i++)
    g_free (copy->strings[i]);
}

static gboolean
records_equal (const TbCaseRecord *a,
               const TbCaseRecord *b)
{
  return g_strcmp0 (a->id, b->id) == 0
         && g_strcmp0 (a->ref, b->ref) == 0
         && g_strcmp0 (a->service_id, b->service_id) == 0
         && g_strcmp0 (a->state, b->state) == 0
         && g_strcmp0 (a->assignee_id, b->assignee_id) == 0
         && g_strcmp0 (a->team_id, b->team_id) == 0
         && g_strcmp0 (a->applicant_name, b->applicant_name) == 0
         && g_strcmp0 (a->applicant_kind, b->applicant_kind) == 0
         && g_strcmp0 (a->company_name, b->company_name) == 0
         && a->received_on == b->received_on
         && a->deadline == b->deadline
         && a->paused_since == b->paused_since
         && a->closed == b->closed
         && a->version == b->version
         && g_strcmp0 (a->form_json, b->form_json) == 0;
}

/* ------------------------------------------------------------------------------------------ */

static void
test_people (void)
{
  guint n_teams, n_users;
  const TbDemoTeam *teams = tb_demo_get_teams (&n_teams);
  const TbDemoUser *users = tb_demo_get_users (&n_users);
  g_autoptr(GHashTable) logins = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) ids = g_hash_table_new (g_str_hash, g_str_equal);
  guint caseworkers[2] = { 0, 0 }, supervisors[2] = { 0, 0 }, trainers = 0, auditors = 0;

  g_assert_cmpuint (n_teams, ==, 2);
  g_assert_cmpstr (teams[0].id, !=, teams[1].id);

  for (guint i = 0; i < n_users; i++)
    {
      const TbDemoUser *u = &users[i];

      g_assert_true (g_hash_table_add (logins, (gpointer) u->login));
      g_assert_true (g_hash_table_add (ids, (gpointer) u->id));
      for (const char *p = u->login; *p != '\0'; p++)
        g_assert_true (g_ascii_islower (*p));
      g_assert_true (g_utf8_validate (u->display_name, -1, NULL));
      g_assert_cmpuint (g_utf8_strlen (u->display_name, -1), >=, 2);

      if (u->roles & TB_ROLE_TRAINER)
        trainers++;
      if (u->roles & TB_ROLE_AUDITOR)
        auditors++;

      for (guint t = 0; t < n_teams; t++)
        if (g_strv_contains (u->team_ids, teams[t].id))
          {
            if (u->roles & TB_ROLE_CASEWORKER)
              caseworkers[t]++;
            if (u->roles & TB_ROLE_SUPERVISOR)
              supervisors[t]++;
          }
    }

  g_assert_cmpuint (caseworkers[0], >=, 2);
  g_assert_cmpuint (caseworkers[1], >=, 2);
  g_assert_cmpuint (supervisors[0], ==, 1);
  g_assert_cmpuint (supervisors[1], ==, 1);
  g_assert_cmpuint (trainers, ==, 1);
  g_assert_cmpuint (auditors, ==, 1);
  g_assert_cmpstr (find_user ("u-wangfang")->display_name, ==, "王芳");
  g_assert_cmpstr (find_user ("u-wangfang")->login, ==, "wangfang");
}

static void
test_determinism (void)
{
  g_autoptr(TbDemo) a = new_demo (7);
  g_autoptr(TbDemo) b = new_demo (7);
  g_autoptr(TbDemo) c = new_demo (8);
  guint n_same_as_c = 0;

  for (guint i = 0; i < 1000; i++)
    {
      TbCaseRecord ra, rb, rc;
      Copy copy;

      g_assert_true (tb_demo_next_case (a, &ra));
      copy_record (&ra, &copy);
      g_assert_true (tb_demo_next_case (b, &rb));
      g_assert_true (tb_demo_next_case (c, &rc));

      /* The strings of a record outlive other generators' calls, and copies compare. */
      g_assert_true (records_equal (&copy.r, &rb));
      g_assert_true (records_equal (&ra, &rb));
      if (records_equal (&copy.r, &rc))
        n_same_as_c++;
      g_assert_cmpstr (copy.r.id, !=, rc.id);
      clear_copy (&copy);
    }
  g_assert_cmpuint (n_same_as_c, ==, 0);

  /* Another day shifts the data too. */
  {
    g_autoptr(GError) error = NULL;
    TbCaseRecord r1, r2;
    g_autoptr(TbDemo) e = tb_demo_new (7, test_today () + 7, &error);
    g_autoptr(TbDemo) f = new_demo (7);

    g_assert_no_error (error);
    g_assert_true (tb_demo_next_case (e, &r1));
    g_assert_true (tb_demo_next_case (f, &r2));
    g_assert_cmpuint (r1.received_on, !=, r2.received_on);
  }

}

typedef struct
{
  guint n;
  guint open;
  guint closed;
  guint paused;
  guint overdue;
  guint due_soon;
  guint on_makeup_day;
  guint weekend;
  guint per_weekday[8];
} Tally;

static void
test_distribution (void)
{
  g_autoptr(TbDemo) demo = new_demo (20261127);
  TbCalendar *calendar = tb_demo_get_calendar (demo);
  TbDay today = test_today ();
  TbDay soon = tb_calendar_add_working_days (calendar, today, 3);
  TbDay holiday = tb_day_from_iso ("2026-10-01");
  TbDay moon = tb_day_from_iso ("2026-09-25");
  TbDay makeup1 = tb_day_from_iso ("2026-09-20");
  TbDay makeup2 = tb_day_from_iso ("2026-10-10");
  g_autoptr(GHashTable) refs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GRegex) ref_re = g_regex_new ("^TB-2026-[0-9]{6}$", 0, 0, NULL);
  g_autoptr(GRegex) uuid_re = g_regex_new ("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}"
                                           "-[0-9a-f]{12}$", 0, 0, NULL);
  g_autoptr(GHashTable) services = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) states = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) teams = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) surnames = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  Tally t = { 0 };
  guint weekdays_in_window[8] = { 0 };

  for (TbDay day = today - 90; day <= today; day++)
    {
      GDate date;

      if (!tb_calendar_is_working_day (calendar, day))
        continue;
      g_date_clear (&date, 1);
      g_date_set_julian (&date, day);
      weekdays_in_window[g_date_get_weekday (&date)]++;
    }

  for (guint i = 0; i < N_SAMPLE; i++)
    {
      TbCaseRecord r;
      TbService *service;
      TbWorkflow *workflow;
      g_autoptr(JsonNode) form = NULL;
      g_autoptr(GPtrArray) problems = NULL;
      g_autoptr(GError) error = NULL;
      const TbDemoUser *assignee;
      TbDay base;
      GDate date;

      g_assert_true (tb_demo_next_case (demo, &r));
      t.n++;

      g_assert_true (g_regex_match (ref_re, r.ref, 0, NULL));
      g_assert_true (g_regex_match (uuid_re, r.id, 0, NULL));
      g_assert_true (g_hash_table_add (refs, g_strdup (r.ref)));
      g_assert_true (g_hash_table_add (ids, g_strdup (r.id)));
      g_assert_cmpint (r.version, ==, 1);

      service = find_service (demo, r.service_id);
      g_assert_nonnull (service);
      workflow = find_workflow (demo, tb_service_get_workflow_id (service));
      g_hash_table_add (services, (gpointer) r.service_id);
      g_hash_table_add (states, (gpointer) r.state);
      g_hash_table_add (teams, (gpointer) r.team_id);

      /* The applicant fits the service. */
      g_assert_true (tb_service_accepts_applicant_kind (service, r.applicant_kind));
      g_assert_cmpint (strcmp (r.applicant_kind, "company") == 0, ==, r.company_name != NULL);
      if (r.company_name != NULL)
        g_assert_true (g_str_has_suffix (r.company_name, "有限公司"));
      g_assert_cmpuint (g_utf8_strlen (r.applicant_name, -1), >=, 2);
      g_assert_cmpuint (g_utf8_strlen (r.applicant_name, -1), <=, 4);
      g_hash_table_add (surnames, g_utf8_substring (r.applicant_name, 0, 1));

      /* Received on a working day in the window: never on a holiday. */
      g_assert_cmpuint (r.received_on, <=, today);
      g_assert_cmpuint (r.received_on, >=, today - 90);
      g_assert_true (tb_calendar_is_working_day (calendar, r.received_on));
      g_assert_cmpuint (r.received_on, !=, holiday);
      g_assert_cmpuint (r.received_on, !=, moon);
      if (r.received_on == makeup1 || r.received_on == makeup2)
        t.on_makeup_day++;
      g_date_clear (&date, 1);
      g_date_set_julian (&date, r.received_on);
      if (g_date_get_weekday (&date) >= G_DATE_SATURDAY)
        t.weekend++;
      /* Closed cases span the whole window; open ones crowd the last days by design. */
      if (r.closed)
        t.per_weekday[g_date_get_weekday (&date)]++;

      /* State, closure and clock follow the workflow. */
      g_assert_true (tb_workflow_has_state (workflow, r.state));
      g_assert_cmpint (r.closed, ==, tb_workflow_is_terminal (workflow, r.state));
      g_assert_cmpint (r.paused_since != TB_DAY_INVALID, ==,
                       tb_workflow_pauses_clock (workflow, r.state));

      base = tb_calendar_add_working_days (calendar, r.received_on,
                                           tb_service_get_time_limit (service));
      if (r.closed || r.paused_since != TB_DAY_INVALID)
        g_assert_cmpuint (r.deadline, ==, base);
      else
        g_assert_cmpuint (r.deadline, >=, base);

      if (r.closed)
        t.closed++;
      else
        t.open++;

      if (r.paused_since != TB_DAY_INVALID)
        {
          t.paused++;
          g_assert_cmpuint (r.paused_since, >=, r.received_on);
          g_assert_cmpuint (r.paused_since, <=, today);
          g_assert_cmpuint (r.paused_since, <, r.deadline);
          g_assert_true (tb_calendar_is_working_day (calendar, r.paused_since));
        }
      else if (!r.closed && r.deadline < today)
        t.overdue++;
      else if (!r.closed && r.deadline <= soon)
        t.due_soon++;

      /* Handled by the team's people; only new cases wait unassigned. */
      if (r.assignee_id == NULL)
        g_assert_cmpstr (r.state, ==, tb_workflow_get_initial_state (workflow));
      else
        {
          assignee = find_user (r.assignee_id);
          g_assert_nonnull (assignee);
          g_assert_true (g_strv_contains (assignee->team_ids, r.team_id));
          g_assert_true (assignee->roles & (TB_ROLE_CASEWORKER | TB_ROLE_SUPERVISOR));
        }

      /* The form is a valid application of its service. */
      form = json_from_string (r.form_json, &error);
      g_assert_no_error (error);
      g_assert_true (JSON_NODE_HOLDS_OBJECT (form));
      if (!tb_service_validate_form (service, json_node_get_object (form), &problems))
        {
          TbFormProblem *p = g_ptr_array_index (problems, 0);
          g_error ("%s (%s): %s[%d].%s: %s\n%s", r.ref, r.service_id, p->field_id, p->row,
                   p->column_id, p->message, r.form_json);
        }

      /* The applicant in the form is the applicant of the case. */
      if (strcmp (r.service_id, "social-insurance-transfer") == 0)
        g_assert_cmpstr (json_object_get_string_member (json_node_get_object (form), "name"),
                         ==, r.applicant_name);
      if (strcmp (r.service_id, "business-licence") == 0)
        {
          JsonObject *values = json_node_get_object (form);

          g_assert_cmpstr (json_object_get_string_member (values, "company_name"), ==,
                           r.company_name);
          g_assert_cmpstr (json_object_get_string_member (values, "legal_rep_name"), ==,
                           r.applicant_name);
        }
    }

  g_test_message ("%u open (%u paused, %u overdue, %u due in 3 working days), %u closed; "
                  "%u on make-up days; %u surnames",
                  t.open, t.paused, t.overdue, t.due_soon, t.closed, t.on_makeup_day,
                  g_hash_table_size (surnames));

  /* Every service and both teams; every state of every workflow. */
  g_assert_cmpuint (g_hash_table_size (services), ==, tb_demo_get_services (demo)->len);
  g_assert_cmpuint (g_hash_table_size (teams), ==, 2);
  {
    const char * const expected_states[] = {
      "received", "in_review", "second_review", "countersign", "final_review",
      "awaiting_applicant", "approved", "rejected", "withdrawn",
    };

    for (guint i = 0; i < G_N_ELEMENTS (expected_states); i++)
      if (!g_hash_table_contains (states, expected_states[i]))
        g_error ("no case in state %s", expected_states[i]);
  }

  /* Mostly open; some overdue but not many; some due soon; some paused. */
  g_assert_cmpuint (t.open, >, t.n / 2);
  g_assert_cmpuint (t.closed, >, t.n / 5);
  g_assert_cmpuint (t.overdue, >, t.open / 50);
  g_assert_cmpuint (t.overdue, <, t.open / 5);
  g_assert_cmpuint (t.due_soon, >, t.open / 10);
  g_assert_cmpuint (t.paused, >, t.open / 20);
  g_assert_cmpuint (g_hash_table_size (surnames), >, 40);

  /* Make-up working days get receipts, weekends otherwise none; Mondays beat Fridays. */
  g_assert_cmpuint (t.on_makeup_day, >, 0);
  g_assert_cmpuint (t.weekend, ==, t.on_makeup_day);
  g_assert_cmpfloat ((double) t.per_weekday[G_DATE_MONDAY] / weekdays_in_window[G_DATE_MONDAY],
                     >,
                     (double) t.per_weekday[G_DATE_FRIDAY] / weekdays_in_window[G_DATE_FRIDAY]);
}

/* ------------------------------------------------------------------------------------------ */
/* Seeding a store                                                                              */

typedef struct
{
  char    *dir;
  TbStore *stores[3];
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("tongban-test-demo-XXXXXX", &error);
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (f->stores); i++)
    {
      g_autofree char *name = g_strdup_printf ("store-%u.db", i);
      g_autofree char *path = g_build_filename (f->dir, name, NULL);

      f->stores[i] = tb_store_open (path, &error);
      g_assert_no_error (error);
    }
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  for (guint i = 0; i < G_N_ELEMENTS (f->stores); i++)
    g_clear_object (&f->stores[i]);

  tb_test_remove_dir (f->dir);
  g_free (f->dir);
}

#define N_SEEDED 2000

static void
assert_same_case (TbCase *a,
                  TbCase *b)
{
  g_assert_cmpstr (tb_case_get_id (a), ==, tb_case_get_id (b));
  g_assert_cmpstr (tb_case_get_state (a), ==, tb_case_get_state (b));
  g_assert_cmpstr (tb_case_get_assignee_id (a), ==, tb_case_get_assignee_id (b));
  g_assert_cmpstr (tb_case_get_applicant_name (a), ==, tb_case_get_applicant_name (b));
  g_assert_cmpuint (tb_case_get_received_on (a), ==, tb_case_get_received_on (b));
  g_assert_cmpuint (tb_case_get_deadline (a), ==, tb_case_get_deadline (b));
  g_assert_cmpuint (tb_case_get_paused_since (a), ==, tb_case_get_paused_since (b));
  g_assert_cmpstr (tb_case_get_form_json (a), ==, tb_case_get_form_json (b));
  g_assert_true (tb_case_equal (a, b));
}

static void
test_seed_store (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) services = NULL;
  g_autoptr(TbWorkflow) workflow = NULL;
  g_autoptr(TbCalendar) calendar = NULL;
  g_autoptr(TbDemo) demo = new_demo (42);
  g_autofree char *name = NULL;
  g_autofree char *meta = NULL;
  guint n_different = 0;
  TbDay today = test_today ();

  g_assert_true (tb_demo_seed_store (f->stores[0], N_SEEDED, 42, today, &error));
  g_assert_no_error (error);
  g_assert_true (tb_demo_seed_store (f->stores[1], N_SEEDED, 42, today, &error));
  g_assert_no_error (error);
  g_assert_true (tb_demo_seed_store (f->stores[2], N_SEEDED, 43, today, &error));
  g_assert_no_error (error);

  g_assert_cmpint (tb_store_count_cases (f->stores[0], &error), ==, N_SEEDED);
  g_assert_no_error (error);
  g_assert_cmpint (tb_store_count_cases (f->stores[2], &error), ==, N_SEEDED);

  /* The reference data. */
  services = tb_store_list_services (f->stores[0], &error);
  g_assert_no_error (error);
  g_assert_cmpuint (services->len, ==, 4);
  workflow = tb_store_get_workflow (f->stores[0], "building-permit", &error);
  g_assert_no_error (error);
  g_assert_nonnull (tb_workflow_get_parties (workflow, "countersign"));
  calendar = tb_store_load_calendar (f->stores[0], &error);
  g_assert_no_error (error);
  g_assert_false (tb_calendar_is_working_day (calendar, tb_day_from_iso ("2026-10-01")));
  g_assert_true (tb_calendar_is_working_day (calendar, tb_day_from_iso ("2026-10-10")));
  name = tb_store_dup_user_name (f->stores[0], "u-wangfang");
  g_assert_cmpstr (name, ==, "王芳");
  g_clear_pointer (&name, g_free);
  name = tb_store_dup_team_name (f->stores[0], "team-social");
  g_assert_cmpstr (name, ==, "社会事务组");
  meta = tb_store_dup_meta (f->stores[0], "demo-seed");
  g_assert_cmpstr (meta, ==, "42");

  /* The store holds exactly what the generator makes, and the same seed makes the same
   * store; another seed another. */
  for (guint i = 0; i < N_SEEDED; i++)
    {
      g_autofree char *ref = g_strdup_printf ("TB-2026-%06u", i + 1);
      g_autoptr(TbCase) a = NULL;
      g_autoptr(TbCase) b = NULL;
      g_autoptr(TbCase) c = NULL;
      g_autoptr(TbCase) generated = NULL;
      TbCaseRecord r;

      g_assert_true (tb_demo_next_case (demo, &r));
      g_assert_cmpstr (r.ref, ==, ref);
      generated = tb_case_new_from_record (&r);

      a = tb_store_find_case_by_ref (f->stores[0], ref, &error);
      g_assert_no_error (error);
      b = tb_store_find_case_by_ref (f->stores[1], ref, &error);
      g_assert_no_error (error);
      c = tb_store_find_case_by_ref (f->stores[2], ref, &error);
      g_assert_no_error (error);

      assert_same_case (a, generated);
      assert_same_case (a, b);
      if (!tb_case_equal (a, c))
        n_different++;
    }
  g_assert_cmpuint (n_different, ==, N_SEEDED);

  /* Seeding again rewrites the same cases rather than adding any. */
  g_assert_true (tb_demo_seed_store (f->stores[0], N_SEEDED, 42, today, &error));
  g_assert_no_error (error);
  g_assert_cmpint (tb_store_count_cases (f->stores[0], NULL), ==, N_SEEDED);

  /* Names are searchable: the full-text index was fed. */
  {
    g_autoptr(TbCase) first = tb_store_find_case_by_ref (f->stores[0], "TB-2026-000001", NULL);
    g_autoptr(GPtrArray) hits = NULL;

    hits = tb_store_search_case_ids (f->stores[0], tb_case_get_ref (first), 10, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (hits->len, >=, 1);
  }
}

static void
test_seed_empty (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) services = NULL;

  g_assert_true (tb_demo_seed_store (f->stores[0], 0, 1, test_today (), &error));
  g_assert_no_error (error);
  g_assert_cmpint (tb_store_count_cases (f->stores[0], NULL), ==, 0);
  services = tb_store_list_services (f->stores[0], &error);
  g_assert_no_error (error);
  g_assert_cmpuint (services->len, ==, 4);
}

/* The attachments of a form: the values with a "sha256", wherever they are. */
static void
collect_files (JsonNode  *node,
               GPtrArray *values)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *object = json_node_get_object (node);
      JsonObjectIter iter;
      const char *name;
      JsonNode *member;

      if (json_object_has_member (object, "sha256"))
        {
          g_ptr_array_add (values, object);
          return;
        }
      json_object_iter_init (&iter, object);
      while (json_object_iter_next (&iter, &name, &member))
        collect_files (member, values);
    }
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        collect_files (json_array_get_element (array, i), values);
    }
}

/* Every attachment of a demo form is a real, small file of the pool, named by its checksum,
 * the same bytes for every generator; and the pool stays small. */
static void
test_files (void)
{
  g_autoptr(TbDemo) demo = new_demo (11);
  g_autoptr(TbDemo) again = new_demo (12);
  g_autoptr(GHashTable) by_sha = g_hash_table_new (g_str_hash, g_str_equal);
  GPtrArray *files;
  guint n_values = 0, n_pdf = 0, n_png = 0;

  for (guint i = 0; i < 2000; i++)
    {
      g_autoptr(GPtrArray) values = g_ptr_array_new ();
      g_autoptr(JsonNode) form = NULL;
      g_autoptr(GError) error = NULL;
      GPtrArray *case_files;
      TbCaseRecord r;

      g_assert_true (tb_demo_next_case (demo, &r));
      form = json_from_string (r.form_json, &error);
      g_assert_no_error (error);
      collect_files (form, values);
      case_files = tb_demo_get_case_files (demo);
      g_assert_cmpuint (values->len, ==, case_files->len);

      for (guint j = 0; j < values->len; j++)
        {
          JsonObject *value = g_ptr_array_index (values, j);
          const TbDemoFile *file = g_ptr_array_index (case_files, j);
          g_autofree char *digest = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256,
                                                                  file->bytes);

          g_assert_cmpstr (json_object_get_string_member (value, "sha256"), ==, file->sha256);
          g_assert_cmpstr (digest, ==, file->sha256);
          g_assert_cmpstr (json_object_get_string_member (value, "name"), ==, file->name);
          g_assert_cmpstr (json_object_get_string_member (value, "content_type"), ==,
                           file->content_type);
          g_assert_cmpint (json_object_get_int_member (value, "size"), ==,
                           (gint64) g_bytes_get_size (file->bytes));
          g_hash_table_add (by_sha, (gpointer) file->sha256);
          n_values++;
        }
    }

  /* A few dozen files serve thousands of cases; every one of them is in the pool. */
  files = tb_demo_get_files (demo);
  g_assert_cmpuint (g_hash_table_size (by_sha), ==, files->len);
  g_assert_cmpuint (files->len, >=, 30);
  g_assert_cmpuint (files->len, <=, 80);
  g_assert_cmpuint (n_values, >, 10 * files->len);

  for (guint i = 0; i < files->len; i++)
    {
      const TbDemoFile *file = g_ptr_array_index (files, i);
      g_autofree char *guessed = NULL;
      g_autofree char *mime = NULL;
      gsize size;
      const char *data = g_bytes_get_data (file->bytes, &size);

      g_assert_cmpuint (size, >, 500);
      g_assert_cmpuint (size, <, 32 * 1024);
      g_assert_null (strchr (file->name, '/'));
      if (g_str_equal (file->content_type, "application/pdf"))
        {
          g_assert_true (g_str_has_suffix (file->name, ".pdf"));
          g_assert_cmpint (memcmp (data, "%PDF-1.4\n", 9), ==, 0);
          g_assert_nonnull (g_strstr_len (data + size - 7, 7, "%%EOF"));
          n_pdf++;
        }
      else
        {
          g_assert_cmpstr (file->content_type, ==, "image/png");
          g_assert_true (g_str_has_suffix (file->name, ".png"));
          g_assert_cmpint (memcmp (data, "\x89PNG\r\n\x1a\n", 8), ==, 0);
          n_png++;
        }

      /* What GIO sees in the bytes is what the forms say. */
      guessed = g_content_type_guess (NULL, (const guchar *) data, size, NULL);
      mime = g_content_type_get_mime_type (guessed);
      g_assert_cmpstr (mime, ==, file->content_type);
    }
  g_assert_cmpuint (n_pdf, >, 0);
  g_assert_cmpuint (n_png, >, 0);

  /* Another seed picks other documents for its cases, but a document is the same. */
  for (guint i = 0; i < 500; i++)
    {
      TbCaseRecord r;

      g_assert_true (tb_demo_next_case (again, &r));
    }
  for (guint i = 0; i < tb_demo_get_files (again)->len; i++)
    {
      const TbDemoFile *file = g_ptr_array_index (tb_demo_get_files (again), i);
      const TbDemoFile *same = NULL;

      for (guint j = 0; j < files->len && same == NULL; j++)
        if (g_str_equal (((TbDemoFile *) g_ptr_array_index (files, j))->sha256, file->sha256))
          same = g_ptr_array_index (files, j);
      g_assert_nonnull (same);
      g_assert_cmpstr (same->name, ==, file->name);
      g_assert_true (g_bytes_equal (same->bytes, file->bytes));
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/demo/people", test_people);
  g_test_add_func ("/demo/determinism", test_determinism);
  g_test_add_func ("/demo/distribution", test_distribution);
  g_test_add_func ("/demo/files", test_files);
  g_test_add ("/demo/seed-store", Fixture, NULL, fixture_set_up, test_seed_store,
              fixture_tear_down);
  g_test_add ("/demo/seed-empty", Fixture, NULL, fixture_set_up, test_seed_empty,
              fixture_tear_down);

  return g_test_run ();
}
