/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-wire.c: the protocol's JSON shapes: round trips, refusals, the shared clock rule */

#include "config.h"

#include <string.h>

#include "tb-wire.h"

/* Expected dates are worked out by hand from data/calendar/holiday-cn/2026.json: 国庆节 10-01
 * (Thu) .. 10-07 (Wed) off, 10-10 (Sat) a make-up working day, 09-25 .. 09-27 off. */

static TbDay
day (const char *iso)
{
  TbDay result = tb_day_from_iso (iso);

  g_assert_cmpuint (result, !=, TB_DAY_INVALID);
  return result;
}

#define assert_day(actual, iso) \
  G_STMT_START { \
    g_autofree char *_actual = tb_day_to_iso (actual); \
    g_assert_cmpstr (_actual, ==, iso); \
  } G_STMT_END

static JsonObject *
parse_object (const char *json)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  g_assert_true (json_parser_load_from_data (parser, json, -1, &error));
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static char *
to_string (JsonNode *node)
{
  return json_to_string (node, FALSE);
}

static const char case_json[] =
  "{\"id\":\"6f1c2a5e-8a7b-4c1d-9e2f-0a1b2c3d4e5f\",\"ref\":\"TB-2026-000123\","
  "\"service_id\":\"business-licence\",\"state\":\"in_review\",\"assignee_id\":\"u-wangfang\","
  "\"team_id\":\"team-market\",\"applicant_name\":\"王芳\",\"applicant_kind\":\"company\","
  "\"company_name\":\"杭州青禾科技有限公司\",\"received_on\":\"2026-11-02\","
  "\"deadline\":\"2026-11-20\",\"paused_since\":null,\"closed\":false,\"version\":3,"
  "\"practice\":false,\"signed_parties\":[\"planning\"],"
  "\"form\":{\"company_name\":\"杭州青禾科技有限公司\",\"registered_capital\":100,"
  "\"shareholders\":[{\"name\":\"王芳\",\"share_percent\":100}]},"
  "\"events\":[{\"id\":\"7\",\"kind\":\"decision\",\"actor_id\":\"u-wangfang\","
  "\"at\":\"2026-11-03T01:30:00Z\",\"device_time\":\"2026-11-03T09:29:58+08:00\","
  "\"data\":{\"action\":\"accept\",\"from\":\"received\",\"to\":\"in_review\"}}]}";

static void
test_case_round_trip (void)
{
  g_autoptr(JsonObject) object = parse_object (case_json);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) again = NULL;
  g_autofree char *written = NULL;
  TbWireCase wcase;

  g_assert_true (tb_wire_case_from_json (object, &wcase, &error));
  g_assert_no_error (error);

  g_assert_cmpstr (wcase.record.id, ==, "6f1c2a5e-8a7b-4c1d-9e2f-0a1b2c3d4e5f");
  g_assert_cmpstr (wcase.record.ref, ==, "TB-2026-000123");
  g_assert_cmpstr (wcase.record.assignee_id, ==, "u-wangfang");
  g_assert_cmpstr (wcase.record.applicant_name, ==, "王芳");
  g_assert_cmpstr (wcase.record.company_name, ==, "杭州青禾科技有限公司");
  assert_day (wcase.record.received_on, "2026-11-02");
  assert_day (wcase.record.deadline, "2026-11-20");
  g_assert_cmpuint (wcase.record.paused_since, ==, TB_DAY_INVALID);
  g_assert_false (wcase.record.closed);
  g_assert_cmpint (wcase.record.version, ==, 3);
  g_assert_false (wcase.practice);
  g_assert_cmpuint (g_strv_length (wcase.signed_parties), ==, 1);
  g_assert_cmpstr (wcase.signed_parties[0], ==, "planning");
  g_assert_nonnull (wcase.events);
  g_assert_cmpuint (json_array_get_length (wcase.events), ==, 1);
  g_assert_nonnull (strstr (wcase.record.form_json, "\"registered_capital\":100"));

  /* Written back, it is the same text: member order and values are kept. */
  again = tb_wire_case_to_json (&wcase, &error);
  g_assert_no_error (error);
  written = to_string (again);
  g_assert_cmpstr (written, ==, case_json);

  tb_wire_case_clear (&wcase);
  g_assert_null (wcase.signed_parties);
  g_assert_null (wcase.events);
}

static void
test_case_nulls (void)
{
  TbWireCase wcase = { { 0 } };
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  TbWireCase back;
  JsonObject *object;

  wcase.record.id = "a";
  wcase.record.ref = "TB-2026-000001";
  wcase.record.service_id = "information-disclosure";
  wcase.record.state = "awaiting_applicant";
  wcase.record.applicant_name = "李娜";
  wcase.record.applicant_kind = "person";
  wcase.record.received_on = day ("2026-09-29");
  wcase.record.paused_since = day ("2026-09-30");
  wcase.record.version = 1;
  wcase.practice = TRUE;

  node = tb_wire_case_to_json (&wcase, &error);
  g_assert_no_error (error);
  object = json_node_get_object (node);
  g_assert_true (JSON_NODE_HOLDS_NULL (json_object_get_member (object, "assignee_id")));
  g_assert_true (JSON_NODE_HOLDS_NULL (json_object_get_member (object, "deadline")));
  g_assert_true (JSON_NODE_HOLDS_NULL (json_object_get_member (object, "company_name")));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (object, "events")),
                    ==, 0);
  g_assert_cmpuint (json_object_get_size (json_object_get_object_member (object, "form")), ==, 0);

  g_assert_true (tb_wire_case_from_json (object, &back, &error));
  g_assert_no_error (error);
  g_assert_null (back.record.assignee_id);
  g_assert_null (back.record.team_id);
  g_assert_cmpuint (back.record.deadline, ==, TB_DAY_INVALID);
  assert_day (back.record.paused_since, "2026-09-30");
  g_assert_true (back.practice);
  g_assert_cmpstr (back.record.form_json, ==, "{}");
  tb_wire_case_clear (&back);

  /* A case without the required values cannot be written. */
  wcase.record.ref = NULL;
  g_clear_pointer (&node, json_node_unref);
  node = tb_wire_case_to_json (&wcase, &error);
  g_assert_error (error, TB_WIRE_ERROR, TB_WIRE_ERROR_INVALID);
  g_assert_null (node);
  g_clear_error (&error);

  wcase.record.ref = "TB-2026-000001";
  wcase.record.form_json = "[1, 2]";
  node = tb_wire_case_to_json (&wcase, &error);
  g_assert_error (error, TB_WIRE_ERROR, TB_WIRE_ERROR_INVALID);
  g_assert_null (node);
}

/* Replaces member @member of the sample case with @value (raw JSON, or NULL to drop it). */
static JsonObject *
mutated_case (const char *member,
              const char *value)
{
  g_autoptr(JsonObject) object = parse_object (case_json);

  if (value == NULL)
    json_object_remove_member (object, member);
  else
    {
      g_autoptr(JsonParser) parser = json_parser_new ();

      g_assert_true (json_parser_load_from_data (parser, value, -1, NULL));
      json_object_set_member (object, member, json_node_copy (json_parser_get_root (parser)));
    }

  return g_steal_pointer (&object);
}

static void
test_case_rejects (void)
{
  static const struct {
    const char *member;
    const char *value;
  } bad[] = {
    { "id", NULL },
    { "id", "7" },
    { "id", "\"\"" },
    { "id", "\"0123456789012345678901234567890123456789012345678901234567890123456789\"" },
    { "ref", "null" },
    { "state", "[]" },
    { "applicant_kind", "\"robot\"" },
    { "received_on", "\"2026-02-30\"" },
    { "received_on", "null" },
    { "deadline", "\"20.11.2026\"" },
    { "deadline", "20261120" },
    { "paused_since", "\"2026-11-02T00:00:00Z\"" },
    { "closed", "\"false\"" },
    { "closed", NULL },
    { "version", "\"3\"" },
    { "version", "-1" },
    { "version", "1.5" },
    { "version", "9007199254740993" },
    { "practice", "1" },
    { "signed_parties", "\"planning\"" },
    { "signed_parties", "[1]" },
    { "form", "\"{}\"" },
    { "form", NULL },
    { "events", "{}" },
    { "events", "[1]" },
    { "events", "[{\"id\":\"1\"}]" },
    { "events", "[{\"id\":\"1\",\"kind\":\"comment\",\"at\":\"x\",\"data\":[]}]" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(JsonObject) object = mutated_case (bad[i].member, bad[i].value);
      g_autoptr(GError) error = NULL;
      TbWireCase wcase;

      g_test_message ("%s = %s", bad[i].member, bad[i].value ? bad[i].value : "(absent)");
      g_assert_false (tb_wire_case_from_json (object, &wcase, &error));
      g_assert_error (error, TB_WIRE_ERROR, TB_WIRE_ERROR_INVALID);
      g_assert_nonnull (strstr (error->message, bad[i].member));
      tb_wire_case_clear (&wcase);
    }

  /* Members a newer server adds are ignored; the optional ones may be missing. */
  {
    g_autoptr(JsonObject) object = mutated_case ("priority", "\"high\"");
    g_autoptr(GError) error = NULL;
    TbWireCase wcase;

    json_object_remove_member (object, "events");
    json_object_remove_member (object, "practice");
    json_object_remove_member (object, "signed_parties");
    g_assert_true (tb_wire_case_from_json (object, &wcase, &error));
    g_assert_no_error (error);
    g_assert_null (wcase.events);
    g_assert_false (wcase.practice);
    g_assert_cmpuint (g_strv_length (wcase.signed_parties), ==, 0);
    tb_wire_case_clear (&wcase);
  }
}

static void
test_changes (void)
{
  static const char * const bad[] = {
    "{\"type\":\"case\",\"id\":\"x\",\"op\":\"put\"}",
    "{\"type\":\"case\",\"id\":\"x\",\"op\":\"update\"}",
    "{\"type\":\"case\",\"op\":\"remove\"}",
    "{\"type\":\"case\",\"id\":\"x\",\"op\":\"put\",\"data\":[]}",
    "{\"type\":\"case\",\"id\":\"x\",\"op\":\"put\",\"version\":\"2\",\"data\":{}}",
    "{\"type\":7,\"id\":\"x\",\"op\":\"delete\"}",
  };
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  TbWireChange change;

  node = tb_wire_change_new ("service", "business-licence", "put", 2,
                             json_node_init_object (json_node_alloc (), json_object_new ()));
  text = to_string (node);
  g_assert_cmpstr (text, ==, "{\"type\":\"service\",\"id\":\"business-licence\",\"op\":\"put\","
                             "\"version\":2,\"data\":{}}");

  g_assert_true (tb_wire_change_from_json (json_node_get_object (node), &change, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (change.type, ==, "service");
  g_assert_cmpstr (change.id, ==, "business-licence");
  g_assert_cmpstr (change.op, ==, "put");
  g_assert_cmpint (change.version, ==, 2);
  g_assert_nonnull (change.data);

  g_clear_pointer (&node, json_node_unref);
  g_clear_pointer (&text, g_free);
  node = tb_wire_change_new ("case", "x", "remove", 0, NULL);
  text = to_string (node);
  g_assert_cmpstr (text, ==, "{\"type\":\"case\",\"id\":\"x\",\"op\":\"remove\"}");
  g_assert_true (tb_wire_change_from_json (json_node_get_object (node), &change, &error));
  g_assert_null (change.data);
  g_assert_cmpint (change.version, ==, 0);

  /* A type this version does not know is for the caller to skip, not an error. */
  {
    g_autoptr(JsonObject) object =
      parse_object ("{\"type\":\"holiday-note\",\"id\":\"1\",\"op\":\"put\",\"data\":{}}");

    g_assert_true (tb_wire_change_from_json (object, &change, &error));
    g_assert_no_error (error);
    g_assert_cmpstr (change.type, ==, "holiday-note");
  }

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(JsonObject) object = parse_object (bad[i]);

      g_test_message ("%s", bad[i]);
      g_assert_false (tb_wire_change_from_json (object, &change, &error));
      g_assert_error (error, TB_WIRE_ERROR, TB_WIRE_ERROR_INVALID);
      g_clear_error (&error);
    }
}

static void
test_users_and_teams (void)
{
  const char * const teams[] = { "team-market", "team-social", NULL };
  TbWireUser user = { "u-chenjing", "chenjing", "陈静", TB_ROLE_SUPERVISOR | TB_ROLE_CASEWORKER,
                      (GStrv) teams };
  g_autoptr(JsonNode) node = tb_wire_user_to_json (&user);
  g_autoptr(JsonNode) team = tb_wire_team_to_json ("team-market", "市场准入组");
  g_autoptr(GError) error = NULL;
  g_autofree char *text = to_string (node);
  g_autofree char *team_text = to_string (team);
  const char *id, *name;
  TbWireUser back;

  g_assert_cmpstr (text, ==, "{\"id\":\"u-chenjing\",\"login\":\"chenjing\","
                             "\"display_name\":\"陈静\",\"roles\":[\"caseworker\",\"supervisor\"],"
                             "\"teams\":[\"team-market\",\"team-social\"]}");
  g_assert_true (tb_wire_user_from_json (json_node_get_object (node), &back, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (back.id, ==, "u-chenjing");
  g_assert_cmpstr (back.display_name, ==, "陈静");
  g_assert_cmpint (back.roles, ==, TB_ROLE_SUPERVISOR | TB_ROLE_CASEWORKER);
  g_assert_cmpstrv (back.team_ids, teams);
  tb_wire_user_clear (&back);

  g_assert_cmpstr (team_text, ==, "{\"id\":\"team-market\",\"name\":\"市场准入组\"}");
  g_assert_true (tb_wire_team_from_json (json_node_get_object (team), &id, &name, &error));
  g_assert_cmpstr (id, ==, "team-market");
  g_assert_cmpstr (name, ==, "市场准入组");

  /* Unknown roles are left out; wrong types refused. */
  {
    g_autoptr(JsonObject) object =
      parse_object ("{\"id\":\"u-x\",\"login\":\"x\",\"display_name\":\"X\","
                    "\"roles\":[\"auditor\",\"archivist\"],\"teams\":[]}");
    g_autoptr(JsonObject) bad =
      parse_object ("{\"id\":\"u-x\",\"login\":\"x\",\"display_name\":\"X\","
                    "\"roles\":\"auditor\",\"teams\":[]}");

    g_assert_true (tb_wire_user_from_json (object, &back, &error));
    g_assert_cmpint (back.roles, ==, TB_ROLE_AUDITOR);
    g_assert_cmpuint (g_strv_length (back.team_ids), ==, 0);
    tb_wire_user_clear (&back);

    g_assert_false (tb_wire_user_from_json (bad, &back, &error));
    g_assert_error (error, TB_WIRE_ERROR, TB_WIRE_ERROR_INVALID);
    tb_wire_user_clear (&back);
  }
}

typedef struct
{
  GString *text;
} DumpData;

static void
dump_day (TbDay       d,
          gboolean    is_off,
          const char *name,
          gpointer    user_data)
{
  DumpData *data = user_data;
  g_autofree char *iso = tb_day_to_iso (d);

  g_string_append_printf (data->text, "%s %d %s\n", iso, is_off, name ? name : "-");
}

static char *
dump_calendar (TbCalendar *calendar)
{
  DumpData data = { g_string_new (NULL) };
  g_autoptr(GArray) years = tb_calendar_list_years (calendar);

  tb_calendar_foreach_special_day (calendar, dump_day, &data);
  for (guint i = 0; i < years->len; i++)
    g_string_append_printf (data.text, "year %d\n", g_array_index (years, int, i));
  return g_string_free (data.text, FALSE);
}

static void
test_calendar (void)
{
  g_autoptr(TbCalendar) bundled = tb_calendar_new ();
  g_autoptr(TbCalendar) copy = tb_calendar_new ();
  g_autoptr(GArray) years = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *actual = NULL;

  g_assert_true (tb_calendar_load_bundled (bundled, &error));
  g_assert_no_error (error);

  years = tb_wire_calendar_list_years (bundled);
  g_assert_cmpuint (years->len, >, 10);
  for (guint i = 0; i < years->len; i++)
    {
      int year = g_array_index (years, int, i);
      g_autoptr(JsonNode) node = tb_wire_calendar_year_to_json (bundled, year);
      g_autofree char *text = to_string (node);
      g_autoptr(JsonObject) object = parse_object (text);
      int loaded = 0;

      if (i > 0)
        g_assert_cmpint (year, >, g_array_index (years, int, i - 1));
      if (year == 2026)
        g_assert_nonnull (strstr (text, "{\"date\":\"2026-10-10\",\"is_off\":false,"
                                        "\"name\":\"国庆节\"}"));
      /* The make-up days of 2007's New Year fall in 2006, which has no data of its own:
       * they travel with 2007. */
      g_assert_cmpint (year, !=, 2006);
      if (year == 2007)
        g_assert_nonnull (strstr (text, "{\"date\":\"2006-12-30\",\"is_off\":false,"));

      g_assert_true (tb_wire_calendar_year_load (copy, object, &loaded, &error));
      g_assert_no_error (error);
      g_assert_cmpint (loaded, ==, year);
    }

  expected = dump_calendar (bundled);
  actual = dump_calendar (copy);
  g_assert_cmpstr (actual, ==, expected);
  g_assert_cmpuint (tb_calendar_add_working_days (copy, day ("2026-09-29"), 15), ==,
                    day ("2026-10-26"));

  /* Refused whole: a day two years away, a bad date; nothing of the year is set. */
  {
    static const char * const bad[] = {
      "{\"year\":2030,\"days\":[{\"date\":\"2030-10-01\",\"is_off\":true,\"name\":\"国庆节\"},"
      "{\"date\":\"2032-01-01\",\"is_off\":true,\"name\":null}]}",
      "{\"year\":2030,\"days\":[{\"date\":\"2030-10-01\",\"is_off\":true,\"name\":\"国庆节\"},"
      "{\"date\":\"2030-13-01\",\"is_off\":true}]}",
      "{\"year\":2030,\"days\":[{\"date\":\"2030-10-01\",\"is_off\":\"yes\"}]}",
      "{\"year\":\"2030\",\"days\":[]}",
      "{\"year\":2030}",
    };

    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_autoptr(JsonObject) object = parse_object (bad[i]);

        g_assert_false (tb_wire_calendar_year_load (copy, object, NULL, &error));
        g_assert_error (error, TB_WIRE_ERROR, TB_WIRE_ERROR_INVALID);
        g_clear_error (&error);
        g_assert_false (tb_calendar_has_year (copy, 2030));
        /* 2030-10-01 is a Tuesday: still a working day. */
        g_assert_true (tb_calendar_is_working_day (copy, day ("2030-10-01")));
      }
  }
}

static void
test_time (void)
{
  g_autofree char *formatted = NULL;
  gint64 usec = 0;

  g_assert_true (tb_wire_parse_time ("2026-11-27T09:30:00+08:00", &usec));
  formatted = tb_wire_format_time (usec);
  g_assert_cmpstr (formatted, ==, "2026-11-27T01:30:00Z");
  assert_day (tb_wire_local_day (usec), "2026-11-27");

  /* 23:30 in UTC is already the next morning in China. */
  g_assert_true (tb_wire_parse_time ("2026-09-30T23:30:00Z", &usec));
  assert_day (tb_wire_local_day (usec), "2026-10-01");
  g_assert_true (tb_wire_parse_time ("2026-09-30T15:59:59.5Z", &usec));
  assert_day (tb_wire_local_day (usec), "2026-09-30");
  g_assert_cmpint (usec % G_USEC_PER_SEC, ==, 500000);

  g_assert_false (tb_wire_parse_time ("2026-11-27T09:30:00", NULL));
  g_assert_false (tb_wire_parse_time ("2026-11-27", NULL));
  g_assert_false (tb_wire_parse_time ("2026-W48-5T09:30:00Z", NULL));
  g_assert_false (tb_wire_parse_time ("yesterday", NULL));
  g_assert_false (tb_wire_parse_time (NULL, NULL));
}

static void
test_clock (void)
{
  g_autoptr(TbCalendar) calendar = tb_calendar_new ();
  TbWorkflowResult pause = { "awaiting_applicant", TRUE, TB_WORKFLOW_CLOCK_PAUSE };
  TbWorkflowResult resume = { "in_review", FALSE, TB_WORKFLOW_CLOCK_RESUME };
  TbWorkflowResult extend = { "in_review", TRUE, TB_WORKFLOW_CLOCK_KEEP, FALSE, FALSE, TRUE };
  TbWorkflowResult close = { "approved", FALSE, TB_WORKFLOW_CLOCK_STOP, FALSE, FALSE, FALSE,
                             TRUE };
  TbDay deadline, paused = TB_DAY_INVALID;

  g_assert_true (tb_calendar_load_bundled (calendar, NULL));

  /* Received Tue 09-29 with 3 working days: 09-30, 10-08, 10-09. */
  deadline = tb_calendar_add_working_days (calendar, day ("2026-09-29"), 3);
  assert_day (deadline, "2026-10-09");

  /* Returned on 09-30 (one day spent), back on Mon 10-12: two days left, 10-13 and 10-14. */
  tb_wire_apply_clock (calendar, &pause, 0, day ("2026-09-30"), &deadline, &paused);
  assert_day (paused, "2026-09-30");
  assert_day (deadline, "2026-10-09");
  tb_wire_apply_clock (calendar, &resume, 0, day ("2026-10-12"), &deadline, &paused);
  g_assert_cmpuint (paused, ==, TB_DAY_INVALID);
  assert_day (deadline, "2026-10-14");

  /* Extended by 3: 10-15, 10-16, 10-19. */
  tb_wire_apply_clock (calendar, &extend, 3, day ("2026-10-13"), &deadline, &paused);
  assert_day (deadline, "2026-10-19");

  /* Closing while paused stops the clock and leaves the deadline. */
  tb_wire_apply_clock (calendar, &pause, 0, day ("2026-10-14"), &deadline, &paused);
  tb_wire_apply_clock (calendar, &close, 0, day ("2026-10-20"), &deadline, &paused);
  g_assert_cmpuint (paused, ==, TB_DAY_INVALID);
  assert_day (deadline, "2026-10-19");

  /* Without a time limit nothing moves. */
  deadline = TB_DAY_INVALID;
  tb_wire_apply_clock (calendar, &pause, 0, day ("2026-09-30"), &deadline, &paused);
  tb_wire_apply_clock (calendar, &resume, 0, day ("2026-10-12"), &deadline, &paused);
  tb_wire_apply_clock (calendar, &extend, 3, day ("2026-10-12"), &deadline, &paused);
  g_assert_cmpuint (deadline, ==, TB_DAY_INVALID);
}

/* ------------------------------------------------------------------------------------------ */
/* Pull pages                                                                                  */

#define PAGE_CASE \
  "{\"id\":\"c-1\",\"ref\":\"TB-2026-000001\",\"service_id\":\"business-licence\"," \
  "\"state\":\"in_review\",\"assignee_id\":\"u-wangfang\",\"team_id\":null," \
  "\"applicant_name\":\"\\u738b\\u82b3 \\\"\\ud83d\\ude00\\\"\",\"applicant_kind\":\"company\"," \
  "\"company_name\":\"A\\/B\\tC\",\"received_on\":\"2026-11-02\",\"deadline\":\"2026-11-20\"," \
  "\"paused_since\":null,\"closed\":false,\"version\":3,\"practice\":true," \
  "\"signed_parties\":[\"legal\",\"tax\"],\"form\":{\"a\":[1,2.5e3,{\"b\":\"\\u0041\"}]," \
  "\"c\":true} ,\"events\":[{\"id\":\"7\",\"kind\":\"comment\",\"actor_id\":\"u-wangfang\"," \
  "\"at\":\"2026-11-03T01:00:00Z\",\"device_time\":null,\"data\":{\"text\":\"好\"}}]," \
  "\"newer\":{\"x\":[]}}"

#define PAGE_TAIL \
  "\"cursor\":\"abc\",\"has_more\":true,\"last_mutation_id\":7," \
  "\"server_time\":\"2026-11-27T01:30:00Z\"}"

static TbWirePage *
parse_page (const char  *text,
            GError     **error)
{
  return tb_wire_page_parse (g_bytes_new (text, strlen (text)), error);
}

static void
test_page_parse (void)
{
  const char *text =
    "{\"schema_version\":1, \"changes\" : [ "
    "{\"type\":\"service\",\"id\":\"s\",\"op\":\"put\",\"version\":1,\"data\":{\"id\":\"s\"}},"
    "{\"type\":\"case\",\"id\":\"c-1\",\"op\":\"put\",\"version\":3,\"data\":" PAGE_CASE "},"
    "{\"type\":\"case\",\"id\":\"c-2\",\"op\":\"remove\"},"
    "{\"type\":\"case\",\"id\":\"c-3\",\"op\":\"put\",\"data\":{\"id\":\"c-3\",\"ref\":\"R3\","
    "\"service_id\":\"s\",\"state\":\"x\",\"applicant_name\":\"N\",\"applicant_kind\":\"person\","
    "\"received_on\":\"2026-01-01\",\"closed\":true,\"version\":1,\"form\":{},\"events\":[]}},"
    "{\"type\":\"hologram\",\"id\":\"h\",\"op\":\"put\",\"data\":{\"anything\":[1]}},"
    "{\"type\":\"user\",\"id\":\"u\",\"op\":\"put\",\"data\":{\"id\":\"u\",\"login\":\"l\","
    "\"display_name\":\"D\",\"roles\":[\"caseworker\"],\"teams\":[]}}"
    " ],\n" PAGE_TAIL "\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(TbWirePage) page = parse_page (text, &error);
  g_autoptr(JsonNode) form = NULL;
  g_autoptr(JsonNode) expected_form = NULL;
  TbWirePageChange *c;

  g_assert_no_error (error);
  g_assert_nonnull (page);
  g_assert_cmpstr (page->cursor, ==, "abc");
  g_assert_true (page->has_more);
  g_assert_cmpint (page->last_mutation_id, ==, 7);
  g_assert_cmpuint (page->changes->len, ==, 6);

  c = &g_array_index (page->changes, TbWirePageChange, 0);
  g_assert_false (c->is_case_put);
  g_assert_cmpstr (c->change.type, ==, "service");
  g_assert_cmpstr (json_object_get_string_member (c->change.data, "id"), ==, "s");

  c = &g_array_index (page->changes, TbWirePageChange, 1);
  g_assert_true (c->is_case_put);
  g_assert_null (c->change.data);
  g_assert_cmpint (c->change.version, ==, 3);
  g_assert_cmpstr (c->wcase.record.id, ==, "c-1");
  g_assert_cmpstr (c->wcase.record.ref, ==, "TB-2026-000001");
  g_assert_null (c->wcase.record.team_id);
  g_assert_cmpstr (c->wcase.record.applicant_name, ==, "王芳 \"😀\"");
  g_assert_cmpstr (c->wcase.record.company_name, ==, "A/B\tC");
  g_assert_cmpuint (c->wcase.record.received_on, ==, tb_day_from_iso ("2026-11-02"));
  g_assert_cmpuint (c->wcase.record.paused_since, ==, TB_DAY_INVALID);
  g_assert_false (c->wcase.record.closed);
  g_assert_cmpint (c->wcase.record.version, ==, 3);
  g_assert_true (c->wcase.practice);
  g_assert_cmpuint (g_strv_length (c->wcase.signed_parties), ==, 2);
  g_assert_cmpstr (c->wcase.signed_parties[1], ==, "tax");
  /* The form as it came: the same JSON. */
  form = json_from_string (c->wcase.record.form_json, &error);
  g_assert_no_error (error);
  expected_form = json_from_string ("{\"a\":[1,2500.0,{\"b\":\"A\"}],\"c\":true}", NULL);
  g_assert_true (json_node_equal (form, expected_form));
  g_assert_cmpuint (json_array_get_length (c->wcase.events), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (c->wcase.events,
                                                                                 0), "kind"),
                   ==, "comment");

  c = &g_array_index (page->changes, TbWirePageChange, 2);
  g_assert_false (c->is_case_put);
  g_assert_cmpstr (c->change.op, ==, "remove");

  c = &g_array_index (page->changes, TbWirePageChange, 3);
  g_assert_true (c->is_case_put);
  g_assert_true (c->wcase.record.closed);
  g_assert_null (c->wcase.events);
  g_assert_null (c->wcase.signed_parties);
  g_assert_cmpstr (c->wcase.record.form_json, ==, "{}");

  c = &g_array_index (page->changes, TbWirePageChange, 4);
  g_assert_false (c->is_case_put);
  g_assert_cmpstr (c->change.type, ==, "hologram");
}

/* Whatever is wrong with a page, it is refused as a whole, as json-glib and
 * tb_wire_case_from_json() would refuse it. */
static void
test_page_rejects (void)
{
  static const char * const syntax[] = {
    "",
    "[]",
    "{\"changes\": [ not json",
    "{\"changes\":[]," PAGE_TAIL " x",
    "{\"changes\":[],}",
    "{\"changes\":[,]," PAGE_TAIL,
    "{\"changes\":[{\"type\":\"case\",}]," PAGE_TAIL,
    "{\"changes\":[]," "\"cursor\":\"a\\qb\",\"has_more\":true,\"last_mutation_id\":7,"
    "\"server_time\":\"2026-11-27T01:30:00Z\"}",
    "{\"changes\":[]," "\"cursor\":\"a\\ud800b\",\"has_more\":true,\"last_mutation_id\":7,"
    "\"server_time\":\"2026-11-27T01:30:00Z\"}",
    "{\"changes\":[]," "\"cursor\":\"a\\udc00b\",\"has_more\":true,\"last_mutation_id\":7,"
    "\"server_time\":\"2026-11-27T01:30:00Z\"}",
    "{\"changes\":[]," "\"cursor\":\"a\tb\",\"has_more\":true,\"last_mutation_id\":7,"
    "\"server_time\":\"2026-11-27T01:30:00Z\"}",
    "{\"changes\":[]," "\"cursor\":\"a\xff" "b\",\"has_more\":true,\"last_mutation_id\":7,"
    "\"server_time\":\"2026-11-27T01:30:00Z\"}",
    "{\"changes\":[]," "\"cursor\":\"ab\",\"has_more\":true,\"last_mutation_id\":07,"
    "\"server_time\":\"2026-11-27T01:30:00Z\"}",
    "{\"changes\":[]," "\"cursor\":\"ab\",\"has_more\":tru,\"last_mutation_id\":7,"
    "\"server_time\":\"2026-11-27T01:30:00Z\"}",
    "{\"changes\":[]," "\"cursor\":\"ab\",\"has_more\":true,\"last_mutation_id\":-,"
    "\"server_time\":\"2026-11-27T01:30:00Z\"}",
    "{\"changes\":[]," "\"cursor\":\"ab\",\"has_more\":true,\"last_mutation_id\":7."
    "\"server_time\":\"2026-11-27T01:30:00Z\"}",
  };
  static const char * const shape[] = {
    "{\"changes\":5," PAGE_TAIL,
    "{" PAGE_TAIL,
    "{\"changes\":[],\"changes\":[]," PAGE_TAIL,
    "{\"changes\":[5]," PAGE_TAIL,
    "{\"changes\":[]," "\"has_more\":true,\"last_mutation_id\":7,"
    "\"server_time\":\"2026-11-27T01:30:00Z\"}",
    "{\"changes\":[]," "\"cursor\":\"c\",\"has_more\":1,\"last_mutation_id\":7,"
    "\"server_time\":\"2026-11-27T01:30:00Z\"}",
    "{\"changes\":[]," "\"cursor\":\"c\",\"has_more\":true,\"last_mutation_id\":-1,"
    "\"server_time\":\"2026-11-27T01:30:00Z\"}",
    "{\"changes\":[]," "\"cursor\":\"c\",\"has_more\":true,\"last_mutation_id\":1.5,"
    "\"server_time\":\"2026-11-27T01:30:00Z\"}",
    "{\"changes\":[]," "\"cursor\":\"c\",\"has_more\":true,\"last_mutation_id\":1,"
    "\"server_time\":\"yesterday\"}",
    "{\"changes\":[]," "\"cursor\":\"c\\u0000d\",\"has_more\":true,\"last_mutation_id\":1,"
    "\"server_time\":\"2026-11-27T01:30:00Z\"}",
    "{\"changes\":[{\"type\":\"case\",\"id\":\"x\",\"op\":\"put\",\"version\":1,"
    "\"data\":{\"id\":\"x\",\"ref\":42}}]," PAGE_TAIL,
    "{\"changes\":[{\"type\":\"case\",\"id\":\"x\",\"op\":\"put\"}]," PAGE_TAIL,
    "{\"changes\":[{\"type\":\"case\",\"id\":\"x\",\"op\":\"move\"}]," PAGE_TAIL,
    "{\"changes\":[{\"type\":\"case\",\"id\":\"x\",\"op\":\"put\",\"data\":[]}]," PAGE_TAIL,
    "{\"changes\":[{\"type\":\"case\",\"id\":\"c-9\",\"op\":\"put\",\"data\":" PAGE_CASE "}],"
    PAGE_TAIL,
    "{\"changes\":[{\"type\":\"user\",\"id\":\"u\",\"op\":\"put\",\"data\":{\"id\":\"u\"}}],"
    PAGE_TAIL,
  };

  for (guint i = 0; i < G_N_ELEMENTS (syntax) + G_N_ELEMENTS (shape); i++)
    {
      const char *text = i < G_N_ELEMENTS (syntax) ? syntax[i]
                                                   : shape[i - G_N_ELEMENTS (syntax)];
      g_autoptr(GError) error = NULL;
      g_autoptr(TbWirePage) page = parse_page (text, &error);

      g_test_message ("page: %s", text);
      g_assert_error (error, TB_WIRE_ERROR, TB_WIRE_ERROR_INVALID);
      g_assert_null (page);
    }

  /* Deeper than any record goes. */
  {
    g_autoptr(GString) deep = g_string_new ("{\"changes\":[],\"x\":");
    g_autoptr(GError) error = NULL;
    g_autoptr(TbWirePage) page = NULL;

    for (guint i = 0; i < 200; i++)
      g_string_append_c (deep, '[');
    for (guint i = 0; i < 200; i++)
      g_string_append_c (deep, ']');
    g_string_append (deep, "," PAGE_TAIL);
    page = parse_page (deep->str, &error);
    g_assert_error (error, TB_WIRE_ERROR, TB_WIRE_ERROR_INVALID);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/wire/case/round-trip", test_case_round_trip);
  g_test_add_func ("/wire/case/nulls", test_case_nulls);
  g_test_add_func ("/wire/case/rejects", test_case_rejects);
  g_test_add_func ("/wire/changes", test_changes);
  g_test_add_func ("/wire/users-and-teams", test_users_and_teams);
  g_test_add_func ("/wire/calendar", test_calendar);
  g_test_add_func ("/wire/time", test_time);
  g_test_add_func ("/wire/clock", test_clock);
  g_test_add_func ("/wire/page/parse", test_page_parse);
  g_test_add_func ("/wire/page/rejects", test_page_rejects);

  return g_test_run ();
}
