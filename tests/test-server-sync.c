/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-server-sync.c: the reference server's push, pull, cases, attachments and audit */

#include "config.h"

#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <string.h>

#include "tb-demo.h"
#include "tb-problem.h"
#include "tb-request.h"
#include "tb-server-auth.h"
#include "tb-server-db.h"
#include "tb-server-sync.h"
#include "tb-server.h"
#include "tb-test-common.h"
#include "tb-wire.h"

/*
 * Expected dates are worked out by hand from data/calendar/holiday-cn/2026.json: 中秋节 09-25
 * (Fri) .. 09-27 off, 国庆节 10-01 (Thu) .. 10-07 (Wed) off, 10-10 (Sat) a make-up working
 * day. business-licence has 3 working days (+3 extension), social-insurance-transfer 15.
 */

#define DEMO_SEED 7

/* The demo's teams: market = wangfang, lina, zhangwei (caseworkers), chenjing (supervisor);
 * social = liuyang, zhaolei, zhoumin, yangfan (supervisor); wuting trains, sunjianguo audits. */

typedef struct
{
  char    *dir;
  sqlite3 *db;
} Fixture;

static TbDay
day (const char *iso)
{
  TbDay result = tb_day_from_iso (iso);

  g_assert_cmpuint (result, !=, TB_DAY_INVALID);
  return result;
}

static void
exec_sql (sqlite3    *db,
          const char *sql)
{
  char *message = NULL;

  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("%s: %s", sql, message);
}

static void
add_demo_users (sqlite3 *db)
{
  const TbDemoTeam *teams;
  const TbDemoUser *users;
  sqlite3_stmt *stmt;
  guint n;

  teams = tb_demo_get_teams (&n);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "INSERT INTO teams (id, name) VALUES (?, ?)", -1,
                                       &stmt, NULL), ==, SQLITE_OK);
  for (guint i = 0; i < n; i++)
    {
      sqlite3_bind_text (stmt, 1, teams[i].id, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 2, teams[i].name, -1, SQLITE_STATIC);
      g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
      sqlite3_reset (stmt);
    }
  sqlite3_finalize (stmt);

  users = tb_demo_get_users (&n);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "INSERT INTO users (id, login, display_name, roles,"
                                           " teams, password_hash) VALUES (?, ?, ?, ?, ?, 'x')",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(JsonNode) roles = tb_wire_roles_to_json (users[i].roles);
      g_autofree char *roles_text = json_to_string (roles, FALSE);
      g_autoptr(JsonArray) team_array = json_array_new ();
      g_autoptr(JsonNode) team_node = NULL;
      g_autofree char *teams_text = NULL;

      for (guint j = 0; users[i].team_ids[j] != NULL; j++)
        json_array_add_string_element (team_array, users[i].team_ids[j]);
      team_node = json_node_init_array (json_node_alloc (), team_array);
      teams_text = json_to_string (team_node, FALSE);

      sqlite3_bind_text (stmt, 1, users[i].id, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 2, users[i].login, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 3, users[i].display_name, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 4, roles_text, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 5, teams_text, -1, SQLITE_TRANSIENT);
      g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
      sqlite3_reset (stmt);
    }
  sqlite3_finalize (stmt);
}

static void
fixture_setup_n (Fixture *f,
                 guint    n_cases)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  f->dir = g_dir_make_tmp ("test-server-sync-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (f->dir, "server.db", NULL);
  f->db = tb_server_db_open (path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (f->db);

  add_demo_users (f->db);
  g_assert_true (tb_server_sync_seed_demo (f->db, n_cases, DEMO_SEED, day ("2026-11-27"),
                                           &error));
  g_assert_no_error (error);
  tb_server_sync_set_today (day ("2026-09-29"));
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  fixture_setup_n (f, 60);
}

static void
fixture_setup_large (Fixture       *f,
                     gconstpointer  data)
{
  fixture_setup_n (f, 2500);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  tb_server_sync_set_today (TB_DAY_INVALID);
  tb_server_sync_forget (f->db);
  g_assert_cmpint (sqlite3_close (f->db), ==, SQLITE_OK);
  tb_test_remove_dir (f->dir);
  g_free (f->dir);
}

/* ------------------------------------------------------------------------------------------ */
/* Helpers                                                                                     */

static TbServerCaller *
caller_new (const char *user_id,
            TbRole      roles,
            const char *team)
{
  TbServerCaller *caller = g_new0 (TbServerCaller, 1);
  const char *teams[] = { team, NULL };

  caller->user_id = g_strdup (user_id);
  caller->roles = roles;
  caller->team_ids = g_strdupv ((char **) teams);
  caller->session_id = g_strdup ("s");
  return caller;
}

#define WANGFANG() caller_new ("u-wangfang", TB_ROLE_CASEWORKER, "team-market")
#define LINA() caller_new ("u-lina", TB_ROLE_CASEWORKER, "team-market")
#define ZHANGWEI() caller_new ("u-zhangwei", TB_ROLE_CASEWORKER, "team-market")
#define CHENJING() caller_new ("u-chenjing", TB_ROLE_SUPERVISOR, "team-market")
#define YANGFAN() caller_new ("u-yangfan", TB_ROLE_SUPERVISOR, "team-social")
#define WUTING() caller_new ("u-wuting", TB_ROLE_TRAINER, NULL)
#define SUNJIANGUO() caller_new ("u-sunjianguo", TB_ROLE_AUDITOR, NULL)

static JsonObject *
body (const char *json)
{
  g_autoptr(GError) error = NULL;
  JsonObject *object = tb_request_parse_object (json, strlen (json), &error);

  g_assert_no_error (error);
  return object;
}

/* Pushes @mutations (a JSON array text) as @client. */
static JsonObject *
push (Fixture              *f,
      const TbServerCaller *caller,
      const char           *client,
      const char           *mutations)
{
  g_autofree char *text = g_strdup_printf ("{\"schema_version\":1,\"client_id\":\"%s\","
                                           "\"mutations\":%s}", client, mutations);
  g_autoptr(JsonObject) request = body (text);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) answer = tb_server_sync_push (f->db, caller, request, &error);

  g_assert_no_error (error);
  g_assert_nonnull (answer);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (answer), "schema_version"),
                   ==, 1);
  return json_object_ref (json_node_get_object (answer));
}

/* Pushes the one mutation @mutation (a JSON object text) as @client. */
static JsonObject *
push_one (Fixture              *f,
          const TbServerCaller *caller,
          const char           *client,
          const char           *mutation)
{
  g_autofree char *batch = g_strdup_printf ("[%s]", mutation);

  return push (f, caller, client, batch);
}

static JsonObject *
result_at (JsonObject *response,
           guint       index)
{
  JsonArray *results = json_object_get_array_member (response, "results");

  g_assert_cmpuint (index, <, json_array_get_length (results));
  return json_array_get_object_element (results, index);
}

static guint
n_results (JsonObject *response)
{
  return json_array_get_length (json_object_get_array_member (response, "results"));
}

#define assert_result(response, index, id, status) \
  G_STMT_START { \
    JsonObject *_r = result_at ((response), (index)); \
    g_assert_cmpint (json_object_get_int_member (_r, "id"), ==, (id)); \
    g_assert_cmpstr (json_object_get_string_member (_r, "status"), ==, (status)); \
  } G_STMT_END

static const char *
problem_type (JsonObject *result)
{
  JsonObject *problem = json_object_get_object_member (result, "problem");

  g_assert_nonnull (problem);
  return json_object_get_string_member (problem, "type");
}

/* Result @index of @response is mutation @id, rejected with the problem @type. */
#define assert_rejected(response, index, id, type) \
  G_STMT_START { \
    assert_result ((response), (index), (id), "rejected"); \
    g_assert_cmpstr (problem_type (result_at ((response), (index))), ==, \
                     TB_PROBLEM_BASE_URI type); \
  } G_STMT_END

static char *
query_text (Fixture    *f,
            const char *format,
            ...) G_GNUC_PRINTF (2, 3);

/* The first column of the first row of a query, as text (NULL for none or NULL). */
static char *
query_text (Fixture    *f,
            const char *format,
            ...)
{
  g_autofree char *sql = NULL;
  sqlite3_stmt *stmt;
  char *value = NULL;
  va_list args;

  va_start (args, format);
  sql = g_strdup_vprintf (format, args);
  va_end (args);

  g_assert_cmpint (sqlite3_prepare_v2 (f->db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    value = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  return value;
}

static gint64
query_int (Fixture    *f,
           const char *sql)
{
  g_autofree char *text = query_text (f, "%s", sql);

  g_assert_nonnull (text);
  return g_ascii_strtoll (text, NULL, 10);
}

static char *
case_field (Fixture    *f,
            const char *id,
            const char *column)
{
  return query_text (f, "SELECT %s FROM cases WHERE id = '%s'", column, id);
}

#define assert_case_field(f, id, column, expected) \
  G_STMT_START { \
    g_autofree char *_value = case_field ((f), (id), (column)); \
    g_assert_cmpstr (_value, ==, (expected)); \
  } G_STMT_END

static gint64
case_version (Fixture    *f,
              const char *id)
{
  g_autofree char *version = case_field (f, id, "version");

  g_assert_nonnull (version);
  return g_ascii_strtoll (version, NULL, 10);
}

/*
 * A case for the test, with the form of a demo case of the same service (valid), received
 * on @received with @deadline.
 */
static void
insert_case (Fixture    *f,
             const char *id,
             const char *service_id,
             const char *state,
             const char *assignee,
             const char *team,
             const char *received,
             const char *deadline,
             gboolean    practice)
{
  g_autofree char *sql = NULL;

  sql = g_strdup_printf (
    "INSERT INTO cases (id, ref, service_id, state, assignee_id, team_id, applicant_name,"
    " applicant_kind, company_name, received_on, deadline, practice, form, created_at)"
    " SELECT '%s', 'TEST-%s', service_id, '%s', %s%s%s, %s%s%s, applicant_name, applicant_kind,"
    " company_name, '%s', %s%s%s, %d, form, 0 FROM cases WHERE service_id = '%s'"
    " AND ref LIKE 'TB-%%' LIMIT 1;"
    "INSERT INTO changes (type, id, op) VALUES ('case', '%s', 'put');",
    id, id, state,
    assignee ? "'" : "", assignee ? assignee : "NULL", assignee ? "'" : "",
    team ? "'" : "", team ? team : "NULL", team ? "'" : "",
    received,
    deadline ? "'" : "", deadline ? deadline : "NULL", deadline ? "'" : "",
    practice, service_id, id);
  exec_sql (f->db, sql);
  g_assert_cmpint (sqlite3_changes (f->db), ==, 1);
}

#define CASE_A "aaaaaaaa-0000-4000-8000-000000000001"
#define CASE_B "aaaaaaaa-0000-4000-8000-000000000002"
#define CASE_C "aaaaaaaa-0000-4000-8000-000000000003"
#define CASE_S "aaaaaaaa-0000-4000-8000-000000000004"
#define CASE_P "aaaaaaaa-0000-4000-8000-000000000005"
#define CASE_D "aaaaaaaa-0000-4000-8000-000000000006"

/* A few cases with known states, in team-market (business-licence, workflow "registration"),
 * one in team-social, one practice case. */
static void
insert_test_cases (Fixture *f)
{
  insert_case (f, CASE_A, "business-licence", "in_review", "u-wangfang", "team-market",
               "2026-09-29", "2026-10-09", FALSE);
  insert_case (f, CASE_B, "business-licence", "received", "u-wangfang", "team-market",
               "2026-09-29", "2026-10-09", FALSE);
  insert_case (f, CASE_C, "business-licence", "in_review", "u-zhangwei", "team-market",
               "2026-09-29", "2026-10-09", FALSE);
  insert_case (f, CASE_S, "social-insurance-transfer", "in_review", "u-liuyang", "team-social",
               "2026-09-29", "2026-10-26", FALSE);
  insert_case (f, CASE_P, "business-licence", "in_review", "u-wangfang", "team-market",
               "2026-09-29", "2026-10-09", TRUE);
}

static char *
decide (gint64      id,
        const char *case_id,
        const char *action,
        const char *reason,
        gint64      base)
{
  g_autofree char *reason_json = reason ? g_strdup_printf ("\"%s\"", reason) : g_strdup ("null");

  return g_strdup_printf ("{\"id\":%" G_GINT64_FORMAT ",\"name\":\"case.decide\",\"args\":"
                          "{\"case_id\":\"%s\",\"action\":\"%s\",\"reason\":%s},"
                          "\"base_versions\":{\"case:%s\":%" G_GINT64_FORMAT "},"
                          "\"device_time\":\"2026-09-30T09:30:00+08:00\"}",
                          id, case_id, action, reason_json, case_id, base);
}

static char *
comment (gint64      id,
         const char *case_id,
         const char *text)
{
  return g_strdup_printf ("{\"id\":%" G_GINT64_FORMAT ",\"name\":\"case.comment\",\"args\":"
                          "{\"case_id\":\"%s\",\"text\":\"%s\"}}", id, case_id, text);
}

static char *
reassign (gint64      id,
          const char *case_id,
          const char *assignee,
          gint64      base)
{
  return g_strdup_printf ("{\"id\":%" G_GINT64_FORMAT ",\"name\":\"case.reassign\",\"args\":"
                          "{\"case_id\":\"%s\",\"assignee_id\":\"%s\"},"
                          "\"base_versions\":{\"case:%s\":%" G_GINT64_FORMAT "}}",
                          id, case_id, assignee, case_id, base);
}

/* ------------------------------------------------------------------------------------------ */
/* A checksum of every table, to show that a refused request changed nothing                   */

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static char *
db_checksum (Fixture *f)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autoptr(GPtrArray) tables = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt;

  g_assert_cmpint (sqlite3_prepare_v2 (f->db, "SELECT name FROM sqlite_master WHERE type ="
                                              " 'table' ORDER BY name", -1, &stmt, NULL),
                   ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_ptr_array_add (tables, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  sqlite3_finalize (stmt);
  g_assert_cmpuint (tables->len, >, 10);

  for (guint i = 0; i < tables->len; i++)
    {
      g_autofree char *sql = g_strdup_printf ("SELECT * FROM \"%s\"",
                                              (char *) g_ptr_array_index (tables, i));
      g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func (g_free);

      g_assert_cmpint (sqlite3_prepare_v2 (f->db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
      while (sqlite3_step (stmt) == SQLITE_ROW)
        {
          GString *row = g_string_new (NULL);

          for (int c = 0; c < sqlite3_column_count (stmt); c++)
            {
              g_string_append_len (row, sqlite3_column_blob (stmt, c),
                                   sqlite3_column_bytes (stmt, c));
              g_string_append_c (row, '\x1f');
            }
          g_ptr_array_add (rows, g_string_free (row, FALSE));
        }
      sqlite3_finalize (stmt);

      g_ptr_array_sort (rows, compare_strings);
      g_checksum_update (checksum, g_ptr_array_index (tables, i), -1);
      for (guint j = 0; j < rows->len; j++)
        g_checksum_update (checksum, g_ptr_array_index (rows, j), -1);
    }

  return g_strdup (g_checksum_get_string (checksum));
}

/* ------------------------------------------------------------------------------------------ */
/* Push                                                                                        */

static void
test_push_idempotent (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(TbServerCaller) wangfang = WANGFANG ();
  g_autofree char *m1 = NULL;
  g_autofree char *m2 = NULL;
  g_autofree char *batch = NULL;
  g_autoptr(JsonObject) first = NULL;
  g_autoptr(JsonObject) again = NULL;
  g_autofree char *state = NULL;

  insert_test_cases (f);
  m1 = comment (1, CASE_A, "材料齐全");
  m2 = decide (2, CASE_A, "approve", NULL, 2);
  batch = g_strdup_printf ("[%s,%s]", m1, m2);

  first = push (f, wangfang, "client-1", batch);
  g_assert_cmpint (json_object_get_int_member (first, "last_mutation_id"), ==, 2);
  g_assert_cmpuint (n_results (first), ==, 2);
  assert_result (first, 0, 1, "applied");
  assert_result (first, 1, 2, "applied");
  g_assert_cmpint (json_object_get_int_member (result_at (first, 0), "version"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (result_at (first, 1), "version"), ==, 3);

  /* The same batch again (a lost response): nothing is applied twice. */
  again = push (f, wangfang, "client-1", batch);
  g_assert_cmpint (json_object_get_int_member (again, "last_mutation_id"), ==, 2);
  assert_result (again, 0, 1, "duplicate");
  assert_result (again, 1, 2, "duplicate");
  {
    /* …and the answer it lost comes with the duplicate. */
    JsonObject *original = json_object_get_object_member (result_at (again, 1), "original");

    g_assert_nonnull (original);
    g_assert_cmpstr (json_object_get_string_member (original, "status"), ==, "applied");
    g_assert_cmpint (json_object_get_int_member (original, "version"), ==, 3);
  }

  g_assert_cmpint (case_version (f, CASE_A), ==, 3);
  state = case_field (f, CASE_A, "state");
  g_assert_cmpstr (state, ==, "approved");
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM case_events WHERE case_id = '" CASE_A "'"),
                   ==, 2);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM mutations WHERE client_id = 'client-1'"),
                   ==, 2);
  g_assert_cmpint (query_int (f, "SELECT last_mutation_id FROM clients"
                                 " WHERE client_id = 'client-1'"), ==, 2);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM audit WHERE case_id = '" CASE_A "'"),
                   ==, 2);

  /* The audit keeps when the device said it happened and when the server got it. */
  {
    g_autofree char *device = query_text (f, "SELECT device_time FROM audit"
                                             " WHERE action = 'case.decide'");
    g_assert_cmpstr (device, ==, "2026-09-30T09:30:00+08:00");
    g_assert_cmpint (query_int (f, "SELECT received_at > 0 FROM audit"
                                   " WHERE action = 'case.decide'"), ==, 1);
  }

  /* The audit trail cannot be changed. */
  g_assert_cmpint (sqlite3_exec (f->db, "DELETE FROM audit", NULL, NULL, NULL), !=, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (f->db, "UPDATE audit SET action = 'x'", NULL, NULL, NULL), !=,
                   SQLITE_OK);
}

static void
test_push_gap (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(TbServerCaller) wangfang = WANGFANG ();
  g_autofree char *m1 = comment (1, CASE_A, "一");
  g_autofree char *m2 = comment (2, CASE_A, "二");
  g_autofree char *m3 = comment (3, CASE_A, "三");
  g_autofree char *m4 = comment (4, CASE_A, "四");
  g_autofree char *m6 = comment (6, CASE_A, "六");
  g_autofree char *batch = NULL;
  g_autoptr(JsonObject) response = NULL;

  insert_test_cases (f);

  /* 1 is applied, 3 follows a gap: the batch stops there. */
  batch = g_strdup_printf ("[%s,%s,%s]", m1, m3, m4);
  response = push (f, wangfang, "client-1", batch);
  g_assert_cmpuint (n_results (response), ==, 1);
  assert_result (response, 0, 1, "applied");
  g_assert_cmpint (json_object_get_int_member (response, "last_mutation_id"), ==, 1);
  g_assert_cmpint (case_version (f, CASE_A), ==, 2);

  /* The client resends from 2. */
  g_clear_pointer (&response, json_object_unref);
  g_free (batch);
  batch = g_strdup_printf ("[%s,%s,%s]", m2, m3, m4);
  response = push (f, wangfang, "client-1", batch);
  g_assert_cmpuint (n_results (response), ==, 3);
  assert_result (response, 2, 4, "applied");
  g_assert_cmpint (json_object_get_int_member (response, "last_mutation_id"), ==, 4);

  /* A batch that starts with a gap does nothing. */
  g_clear_pointer (&response, json_object_unref);
  response = push_one (f, wangfang, "client-1", m6);
  g_assert_cmpuint (n_results (response), ==, 0);
  g_assert_cmpint (json_object_get_int_member (response, "last_mutation_id"), ==, 4);
  g_assert_cmpint (case_version (f, CASE_A), ==, 5);

  /* Another client of the same user has its own sequence. */
  g_clear_pointer (&response, json_object_unref);
  response = push_one (f, wangfang, "client-2", m1);
  assert_result (response, 0, 1, "applied");
}

static void
test_push_rejected_consumes_id (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(TbServerCaller) wangfang = WANGFANG ();
  g_autofree char *m1 = decide (1, CASE_B, "approve", NULL, 1);
  g_autofree char *m2 = decide (2, CASE_B, "reject", NULL, 1);
  g_autofree char *m3 = g_strdup_printf ("{\"id\":3,\"name\":\"case.archive\",\"args\":{}}");
  g_autofree char *m4 = g_strdup_printf ("{\"id\":4,\"name\":\"case.comment\",\"args\":"
                                         "{\"case_id\":\"%s\",\"text\":\"x\",\"colour\":1}}",
                                         CASE_B);
  g_autofree char *m5 = decide (5, CASE_B, "accept", NULL, 1);
  g_autofree char *batch = g_strdup_printf ("[%s,%s,%s,%s,%s]", m1, m2, m3, m4, m5);
  g_autoptr(JsonObject) response = NULL;
  g_autofree char *state = NULL;
  JsonObject *problem;

  insert_test_cases (f);
  response = push (f, wangfang, "client-1", batch);
  g_assert_cmpint (json_object_get_int_member (response, "last_mutation_id"), ==, 5);

  /* "approve" is not possible at "received": a workflow problem. */
  assert_rejected (response, 0, 1, "workflow");
  problem = json_object_get_object_member (result_at (response, 0), "problem");
  g_assert_cmpint (json_object_get_int_member (problem, "status"), ==, 422);
  g_assert_false (json_object_has_member (result_at (response, 0), "version"));

  /* A rejection needs a reason: a validation problem pointing at it. */
  assert_rejected (response, 1, 2, "validation");
  problem = json_object_get_object_member (result_at (response, 1), "problem");
  g_assert_cmpstr (json_object_get_string_member (
                     json_array_get_object_element (json_object_get_array_member (problem,
                                                                                  "errors"), 0),
                     "pointer"), ==, "/mutations/1/args/reason");

  /* An unknown mutation and unknown arguments: malformed, but the id is used up. */
  assert_rejected (response, 2, 3, "malformed-request");
  assert_rejected (response, 3, 4, "malformed-request");

  /* The queue goes on: 5 is applied on the unchanged case. */
  assert_result (response, 4, 5, "applied");
  g_assert_cmpint (case_version (f, CASE_B), ==, 2);
  state = case_field (f, CASE_B, "state");
  g_assert_cmpstr (state, ==, "in_review");
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM case_events WHERE case_id = '" CASE_B "'"),
                   ==, 1);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM mutations WHERE status = 'rejected'"),
                   ==, 4);
}

static void
test_push_two_clients (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(TbServerCaller) wangfang = WANGFANG ();
  g_autoptr(TbServerCaller) chenjing = CHENJING ();
  g_autofree char *approve = decide (1, CASE_A, "approve", NULL, 1);
  g_autofree char *reject = decide (1, CASE_A, "reject", "材料不全", 1);
  g_autoptr(JsonObject) first = NULL;
  g_autoptr(JsonObject) second = NULL;
  JsonObject *record;

  insert_test_cases (f);

  first = push_one (f, wangfang, "client-w", approve);
  assert_result (first, 0, 1, "applied");

  /* The supervisor decided the same version offline: the server's record wins. */
  second = push_one (f, chenjing, "client-c", reject);
  assert_result (second, 0, 1, "conflict");
  g_assert_cmpint (json_object_get_int_member (second, "last_mutation_id"), ==, 1);
  g_assert_cmpstr (problem_type (result_at (second, 0)), ==, TB_PROBLEM_BASE_URI "conflict");
  record = json_object_get_object_member (result_at (second, 0), "record");
  g_assert_nonnull (record);
  g_assert_cmpstr (json_object_get_string_member (record, "id"), ==, CASE_A);
  g_assert_cmpstr (json_object_get_string_member (record, "state"), ==, "approved");
  g_assert_cmpint (json_object_get_int_member (record, "version"), ==, 2);
  g_assert_true (json_object_get_boolean_member (record, "closed"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (record, "events")), ==,
                    1);

  g_assert_cmpint (case_version (f, CASE_A), ==, 2);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM mutations WHERE status = 'conflict'"), ==,
                   1);
}

static void
test_push_reassigned (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(TbServerCaller) wangfang = WANGFANG ();
  g_autoptr(TbServerCaller) lina = LINA ();
  g_autoptr(TbServerCaller) chenjing = CHENJING ();
  g_autoptr(TbServerCaller) yangfan = YANGFAN ();
  g_autofree char *move = reassign (1, CASE_A, "u-lina", 1);
  g_autofree char *late = decide (1, CASE_A, "approve", NULL, 1);
  g_autofree char *stale = decide (1, CASE_A, "approve", NULL, 1);
  g_autofree char *fresh = decide (2, CASE_A, "approve", NULL, 2);
  g_autofree char *batch = NULL;
  g_autoptr(JsonObject) response = NULL;
  g_autofree char *assignee = NULL;
  JsonObject *record;

  insert_test_cases (f);

  response = push_one (f, chenjing, "client-c", move);
  assert_result (response, 0, 1, "applied");
  assignee = case_field (f, CASE_A, "assignee_id");
  g_assert_cmpstr (assignee, ==, "u-lina");

  /* Wang Fang approved offline while it was hers: a conflict, with where the case is now. */
  g_clear_pointer (&response, json_object_unref);
  response = push_one (f, wangfang, "client-w", late);
  assert_result (response, 0, 1, "conflict");
  record = json_object_get_object_member (result_at (response, 0), "record");
  g_assert_cmpstr (json_object_get_string_member (record, "assignee_id"), ==, "u-lina");
  g_assert_cmpstr (json_object_get_string_member (record, "state"), ==, "in_review");

  /* Li Na deciding on the version before the case came to her conflicts too; on the
   * current one it is applied. */
  g_clear_pointer (&response, json_object_unref);
  g_free (batch);
  batch = g_strdup_printf ("[%s,%s]", stale, fresh);
  response = push (f, lina, "client-l", batch);
  assert_result (response, 0, 1, "conflict");
  assert_result (response, 1, 2, "applied");

  /* Only a supervisor of the case's team reassigns, and only to its members. */
  g_clear_pointer (&response, json_object_unref);
  {
    g_autofree char *by_caseworker = reassign (3, CASE_B, "u-lina", 1);
    g_autofree char *other_team = reassign (1, CASE_B, "u-lina", 1);
    g_autofree char *outsider = reassign (2, CASE_B, "u-liuyang", 1);
    g_autofree char *closed = reassign (3, CASE_A, "u-zhangwei", 3);

    response = push_one (f, lina, "client-l", by_caseworker);
    assert_rejected (response, 0, 3, "forbidden");

    g_clear_pointer (&response, json_object_unref);
    response = push_one (f, yangfan, "client-y", other_team);
    assert_rejected (response, 0, 1, "forbidden");

    g_clear_pointer (&response, json_object_unref);
    g_free (batch);
    batch = g_strdup_printf ("[%s,%s]", outsider, closed);
    response = push (f, chenjing, "client-c", batch);
    assert_rejected (response, 0, 2, "validation");
    assert_rejected (response, 1, 3, "workflow");
  }

  g_free (assignee);
  assignee = case_field (f, CASE_B, "assignee_id");
  g_assert_cmpstr (assignee, ==, "u-wangfang");
}

static void
test_push_permission (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(TbServerCaller) wangfang = WANGFANG ();
  g_autoptr(TbServerCaller) yangfan = YANGFAN ();
  g_autoptr(TbServerCaller) wuting = WUTING ();
  g_autoptr(TbServerCaller) auditor = SUNJIANGUO ();
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) response = NULL;
  g_autoptr(JsonNode) answer = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *batch = NULL;

  insert_test_cases (f);

  /* Zhang Wei's case, decided by Wang Fang on its current version: forbidden. */
  {
    g_autofree char *m = decide (1, CASE_C, "approve", NULL, 1);

    response = push_one (f, wangfang, "client-w", m);
    assert_rejected (response, 0, 1, "forbidden");
    g_assert_false (json_object_has_member (result_at (response, 0), "record"));
    g_assert_cmpint (case_version (f, CASE_C), ==, 1);
  }

  /* A supervisor of another team may not decide it either. */
  {
    g_autofree char *m = decide (1, CASE_C, "approve", NULL, 1);

    g_clear_pointer (&response, json_object_unref);
    response = push_one (f, yangfan, "client-y", m);
    assert_rejected (response, 0, 1, "forbidden");
  }

  /* A trainer acts on practice cases only, there in every role of the procedure. */
  {
    g_autofree char *real = decide (1, CASE_A, "approve", NULL, 1);
    g_autofree char *practice = decide (2, CASE_P, "extend", "演示延期", 1);

    g_clear_pointer (&response, json_object_unref);
    g_free (batch);
    batch = g_strdup_printf ("[%s,%s]", real, practice);
    response = push (f, wuting, "client-t", batch);
    assert_result (response, 0, 1, "rejected");
    g_assert_cmpstr (problem_type (result_at (response, 0)), ==,
                     TB_PROBLEM_BASE_URI "forbidden");
    assert_result (response, 1, 2, "applied");
  }

  /* The roles counted are those on the case, as on the desk: supervising another team does
   * not make a caseworker the supervisor of her own case (only a supervisor extends). */
  {
    g_autoptr(TbServerCaller) both = caller_new ("u-wangfang", TB_ROLE_CASEWORKER
                                                               | TB_ROLE_SUPERVISOR,
                                                 "team-social");
    g_autofree char *m = decide (1, CASE_A, "extend", "情形复杂", 1);

    g_clear_pointer (&response, json_object_unref);
    g_free (batch);
    batch = g_strdup_printf ("[%s]", m);
    response = push (f, both, "client-b", batch);
    assert_result (response, 0, 1, "rejected");
    g_assert_cmpstr (problem_type (result_at (response, 0)), ==,
                     TB_PROBLEM_BASE_URI "workflow");
    g_assert_cmpint (case_version (f, CASE_A), ==, 1);
  }

  /* The auditor changes nothing, and the refusal changes nothing. */
  before = db_checksum (f);
  {
    g_autofree char *m = comment (1, CASE_A, "x");
    g_autofree char *text = g_strdup_printf ("{\"schema_version\":1,\"client_id\":\"a\","
                                             "\"mutations\":[%s]}", m);
    g_autoptr(JsonObject) request = body (text);

    answer = tb_server_sync_push (f->db, auditor, request, &error);
    g_assert_error (error, TB_PROBLEM_ERROR, TB_PROBLEM_FORBIDDEN);
    g_assert_null (answer);
    g_clear_error (&error);
  }

  /* A client belongs to the user who started it. */
  {
    g_autofree char *m = comment (2, CASE_S, "x");
    g_autofree char *text = g_strdup_printf ("{\"schema_version\":1,\"client_id\":\"client-w\","
                                             "\"mutations\":[%s]}", m);
    g_autoptr(JsonObject) request = body (text);

    answer = tb_server_sync_push (f->db, yangfan, request, &error);
    g_assert_error (error, TB_PROBLEM_ERROR, TB_PROBLEM_FORBIDDEN);
    g_clear_error (&error);
  }
  after = db_checksum (f);
  g_assert_cmpstr (after, ==, before);
}

static void
test_push_clock (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(TbServerCaller) wangfang = WANGFANG ();
  g_autoptr(TbServerCaller) chenjing = CHENJING ();
  g_autoptr(JsonObject) response = NULL;
  g_autofree char *value = NULL;

  insert_test_cases (f);

  /* Returned on 09-30, one of its 3 days spent. */
  tb_server_sync_set_today (day ("2026-09-30"));
  {
    g_autofree char *m = decide (1, CASE_A, "return", "请补充股东身份证明", 1);

    response = push_one (f, wangfang, "client-w", m);
    assert_result (response, 0, 1, "applied");
  }
  assert_case_field (f, CASE_A, "paused_since", "2026-09-30");
  assert_case_field (f, CASE_A, "state", "awaiting_applicant");

  /* Back on Mon 10-12: two days left, 10-13 and 10-14. */
  tb_server_sync_set_today (day ("2026-10-12"));
  {
    g_autofree char *m = decide (2, CASE_A, "resubmit", NULL, 2);

    g_clear_pointer (&response, json_object_unref);
    response = push_one (f, wangfang, "client-w", m);
    assert_result (response, 0, 2, "applied");
  }
  assert_case_field (f, CASE_A, "deadline", "2026-10-14");
  assert_case_field (f, CASE_A, "paused_since", NULL);

  /* The supervisor extends by 3: 10-15, 10-16, 10-19. Caseworkers may not. */
  tb_server_sync_set_today (day ("2026-10-13"));
  {
    g_autofree char *by_caseworker = decide (3, CASE_A, "extend", "情形复杂", 3);
    g_autofree char *m = decide (1, CASE_A, "extend", "情形复杂", 3);

    g_clear_pointer (&response, json_object_unref);
    response = push_one (f, wangfang, "client-w", by_caseworker);
    assert_rejected (response, 0, 3, "workflow");

    g_clear_pointer (&response, json_object_unref);
    response = push_one (f, chenjing, "client-c", m);
    assert_result (response, 0, 1, "applied");
  }
  assert_case_field (f, CASE_A, "deadline", "2026-10-19");
  value = query_text (f, "SELECT json_extract (data, '$.reason') FROM case_events"
                         " WHERE case_id = '%s' ORDER BY id DESC LIMIT 1", CASE_A);
  g_assert_cmpstr (value, ==, "情形复杂");
}

static void
test_push_update_fields (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(TbServerCaller) wangfang = WANGFANG ();
  g_autoptr(JsonObject) response = NULL;
  g_autofree char *before = NULL;
  g_autofree char *value = NULL;
  JsonObject *problem;
  JsonArray *errors;
  const char *bad = "[{\"id\":1,\"name\":\"case.update_fields\",\"args\":{\"case_id\":\"" CASE_B
                    "\",\"fields\":{\"registered_capital\":-5,\"legal_rep_phone\":\"12345\","
                    "\"shareholders\":[{\"name\":\"\"}],\"favourite_colour\":\"blue\"}}}]";
  const char *good = "[{\"id\":2,\"name\":\"case.update_fields\",\"args\":{\"case_id\":\"" CASE_B
                     "\",\"fields\":{\"registered_capital\":500,\"uscc\":null}},"
                     "\"base_versions\":{\"case:" CASE_B "\":1}}]";
  const char *stale = "[{\"id\":3,\"name\":\"case.update_fields\",\"args\":{\"case_id\":\"" CASE_B
                      "\",\"fields\":{\"registered_capital\":700}},"
                      "\"base_versions\":{\"case:" CASE_B "\":1}}]";

  /* Received: the caseworker may change every field (workflow "registration"). */
  insert_test_cases (f);
  before = case_field (f, CASE_B, "form");

  response = push (f, wangfang, "client-w", bad);
  assert_result (response, 0, 1, "rejected");
  g_assert_cmpstr (problem_type (result_at (response, 0)), ==, TB_PROBLEM_BASE_URI "validation");
  problem = json_object_get_object_member (result_at (response, 0), "problem");
  errors = json_object_get_array_member (problem, "errors");
  {
    g_autoptr(GPtrArray) pointers = g_ptr_array_new ();

    for (guint i = 0; i < json_array_get_length (errors); i++)
      g_ptr_array_add (pointers, (gpointer) json_object_get_string_member (
                         json_array_get_object_element (errors, i), "pointer"));
    g_ptr_array_add (pointers, NULL);
    g_test_message ("pointers: %s", g_strjoinv (" ", (char **) pointers->pdata));
    g_assert_true (g_strv_contains ((const char * const *) pointers->pdata,
                                    "/mutations/0/args/fields/registered_capital"));
    g_assert_true (g_strv_contains ((const char * const *) pointers->pdata,
                                    "/mutations/0/args/fields/legal_rep_phone"));
    g_assert_true (g_strv_contains ((const char * const *) pointers->pdata,
                                    "/mutations/0/args/fields/favourite_colour"));
    g_assert_true (g_strv_contains ((const char * const *) pointers->pdata,
                                    "/mutations/0/args/fields/shareholders/0/name"));
  }
  value = case_field (f, CASE_B, "form");
  g_assert_cmpstr (value, ==, before);
  g_assert_cmpint (case_version (f, CASE_B), ==, 1);

  g_clear_pointer (&response, json_object_unref);
  response = push (f, wangfang, "client-w", good);
  assert_result (response, 0, 2, "applied");
  g_free (value);
  value = query_text (f, "SELECT json_extract (form, '$.registered_capital') FROM cases"
                         " WHERE id = '%s'", CASE_B);
  g_assert_cmpstr (value, ==, "500");
  g_free (value);
  value = query_text (f, "SELECT json_type (form, '$.uscc') FROM cases WHERE id = '%s'", CASE_B);
  g_assert_null (value);

  /* Another edit of the form based on the version before this one conflicts. */
  g_clear_pointer (&response, json_object_unref);
  response = push (f, wangfang, "client-w", stale);
  assert_result (response, 0, 3, "conflict");
  g_free (value);
  value = query_text (f, "SELECT json_extract (form, '$.registered_capital') FROM cases"
                         " WHERE id = '%s'", CASE_B);
  g_assert_cmpstr (value, ==, "500");
}

/* A case.update_fields mutation changing @fields (a JSON object text). */
static char *
update_fields (gint64      id,
               const char *case_id,
               const char *fields)
{
  return g_strdup_printf ("{\"id\":%" G_GINT64_FORMAT ",\"name\":\"case.update_fields\",\"args\":"
                          "{\"case_id\":\"%s\",\"fields\":%s}}", id, case_id, fields);
}

/* Pushes one mutation and returns its result (owned by @response). */
static JsonObject *
push_one_result (Fixture              *f,
                 const TbServerCaller *caller,
                 const char           *client,
                 const char           *mutation,
                 JsonObject          **response)
{
  g_autofree char *batch = g_strdup_printf ("[%s]", mutation);

  g_clear_pointer (response, json_object_unref);
  *response = push (f, caller, client, batch);
  g_assert_cmpuint (n_results (*response), ==, 1);
  return result_at (*response, 0);
}

/* Pushes, as @caller, the update_fields() mutation @id of @client: its result (owned by
 * @response). */
static JsonObject *
push_fields (Fixture               *f,
             const TbServerCaller  *caller,
             const char            *client,
             gint64                 id,
             const char            *case_id,
             const char            *fields,
             JsonObject           **response)
{
  g_autofree char *mutation = update_fields (id, case_id, fields);

  return push_one_result (f, caller, client, mutation, response);
}

static void
assert_applied (JsonObject *result)
{
  g_assert_cmpstr (json_object_get_string_member (result, "status"), ==, "applied");
}

/* Asserts that @result is the refusal to change exactly the fields named after @state (then
 * %NULL) in @state. */
G_GNUC_NULL_TERMINATED static void
assert_not_editable (JsonObject *result,
                     const char *state,
                     ...)
{
  g_autoptr(GPtrArray) named = g_ptr_array_new_null_terminated (0, NULL, TRUE);
  const char * const *fields;
  JsonObject *problem;
  JsonArray *listed;
  const char *field;
  va_list args;

  va_start (args, state);
  while ((field = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (named, (gpointer) field);
  va_end (args);
  fields = (const char * const *) named->pdata;

  g_assert_cmpstr (json_object_get_string_member (result, "status"), ==, "rejected");
  g_assert_cmpstr (problem_type (result), ==, TB_PROBLEM_BASE_URI "forbidden");
  problem = json_object_get_object_member (result, "problem");
  g_assert_cmpint (json_object_get_int_member (problem, "status"), ==, 403);
  g_assert_cmpstr (json_object_get_string_member (problem, "code"), ==,
                   TB_WIRE_PROBLEM_FIELD_NOT_EDITABLE);
  g_assert_cmpstr (json_object_get_string_member (problem, "state"), ==, state);
  listed = json_object_get_array_member (problem, "fields");
  g_assert_cmpuint (json_array_get_length (listed), ==, g_strv_length ((char **) fields));
  for (guint i = 0; fields[i] != NULL; i++)
    {
      g_assert_cmpstr (json_array_get_string_element (listed, i), ==, fields[i]);
      g_assert_nonnull (strstr (json_object_get_string_member (problem, "detail"), fields[i]));
    }
  g_assert_false (json_object_has_member (result, "version"));
  g_assert_false (json_object_has_member (result, "record"));
}

static char *
form_value (Fixture    *f,
            const char *case_id,
            const char *field)
{
  return query_text (f, "SELECT json_extract (form, '$.%s') FROM cases WHERE id = '%s'",
                     field, case_id);
}

/*
 * The server holds every client to the workflow's `editable` rules, whatever the client
 * checked: in "registration", a case in review is open to its supervisor but only its
 * business scope to its caseworker; in "standard", nothing of a case in review changes.
 */
static void
test_push_editable_fields (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(TbServerCaller) wangfang = WANGFANG ();
  g_autoptr(TbServerCaller) chenjing = CHENJING ();
  g_autoptr(TbServerCaller) wuting = WUTING ();
  g_autoptr(TbServerCaller) both = caller_new ("u-wangfang", TB_ROLE_CASEWORKER
                                                             | TB_ROLE_SUPERVISOR,
                                               "team-social");
  g_autoptr(JsonObject) response = NULL;
  g_autofree char *form_before = NULL;
  g_autofree char *value = NULL;
  g_autofree char *m = NULL;
  JsonObject *result;

  insert_test_cases (f);
  /* Social insurance ("standard" workflow) in review, assigned to Wang Fang. */
  insert_case (f, CASE_D, "social-insurance-transfer", "in_review", "u-wangfang", "team-market",
               "2026-09-29", "2026-10-26", FALSE);
  form_before = case_field (f, CASE_A, "form");

  /* Allowed: the caseworker changes the business scope of her case in review. */
  result = push_fields (f, wangfang, "client-w", 1, CASE_A,
                        "{\"business_scope\":\"食品销售；餐饮服务；日用百货销售\"}", &response);
  assert_applied (result);
  g_assert_cmpint (json_object_get_int_member (result, "version"), ==, 2);
  value = form_value (f, CASE_A, "business_scope");
  g_assert_cmpstr (value, ==, "食品销售；餐饮服务；日用百货销售");
  g_clear_pointer (&form_before, g_free);
  form_before = case_field (f, CASE_A, "form");

  /* Not editable by her role at this step: refused with the fields named, and none of the
   * mutation applies, not even the field she may change. */
  m = update_fields (2, CASE_A, "{\"business_scope\":\"零售\",\"registered_capital\":900,"
                                "\"legal_rep_phone\":\"13800138000\"}");
  result = push_one_result (f, wangfang, "client-w", m, &response);
  assert_not_editable (result, "in_review", "registered_capital", "legal_rep_phone", NULL);
  g_free (value);
  value = case_field (f, CASE_A, "form");
  g_assert_cmpstr (value, ==, form_before);
  g_assert_cmpint (case_version (f, CASE_A), ==, 2);

  /* …and the refusal used up the id, once: sent again it is a duplicate that tells it. */
  g_assert_cmpint (json_object_get_int_member (response, "last_mutation_id"), ==, 2);
  result = push_one_result (f, wangfang, "client-w", m, &response);
  g_assert_cmpstr (json_object_get_string_member (result, "status"), ==, "duplicate");
  g_assert_nonnull (json_object_get_object_member (result, "original"));
  assert_not_editable (json_object_get_object_member (result, "original"), "in_review",
                       "registered_capital", "legal_rep_phone", NULL);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM mutations WHERE client_id = 'client-w'"
                                 " AND status = 'rejected'"), ==, 1);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM audit WHERE action ="
                                 " 'case.update_fields' AND json_extract (detail,"
                                 " '$.problem.code') = 'field-not-editable'"), ==, 1);
  g_assert_cmpint (case_version (f, CASE_A), ==, 2);

  /* Another role: her supervisor may change the same field of the same case. */
  result = push_fields (f, chenjing, "client-c", 1, CASE_A, "{\"registered_capital\":900}",
                        &response);
  assert_applied (result);
  g_free (value);
  value = form_value (f, CASE_A, "registered_capital");
  g_assert_cmpstr (value, ==, "900");

  /* The roles counted are those on the case: supervising another team does not make her a
   * supervisor of her own case. */
  result = push_fields (f, both, "client-b", 1, CASE_A, "{\"registered_capital\":800}",
                        &response);
  assert_not_editable (result, "in_review", "registered_capital", NULL);

  /* A trainer acts in every role on a practice case. */
  result = push_fields (f, wuting, "client-t", 1, CASE_P, "{\"registered_capital\":800}",
                        &response);
  assert_applied (result);

  /* Another state: nothing of a case in review under "standard" changes, for anyone… */
  result = push_fields (f, wangfang, "client-w", 3, CASE_D, "{\"new_employer\":\"x\"}",
                        &response);
  assert_not_editable (result, "in_review", "new_employer", NULL);
  result = push_fields (f, chenjing, "client-c", 2, CASE_D, "{\"new_employer\":\"x\"}",
                        &response);
  assert_not_editable (result, "in_review", "new_employer", NULL);

  /* …until it is returned to the applicant: then the form is open again. */
  g_free (m);
  m = decide (4, CASE_D, "return", "缺少参保缴费凭证", 1);
  result = push_one_result (f, wangfang, "client-w", m, &response);
  assert_applied (result);
  result = push_fields (f, wangfang, "client-w", 5, CASE_D, "{\"new_employer\":\"已补交\"}",
                        &response);
  assert_applied (result);
  g_free (value);
  value = form_value (f, CASE_D, "new_employer");
  g_assert_cmpstr (value, ==, "已补交");

  /* A change made offline while the case was open is judged in the state of now. */
  g_free (m);
  m = decide (6, CASE_B, "accept", NULL, 1);
  result = push_one_result (f, wangfang, "client-w", m, &response);
  assert_applied (result);
  g_free (m);
  m = g_strdup_printf ("{\"id\":7,\"name\":\"case.update_fields\",\"args\":{\"case_id\":\""
                       CASE_B "\",\"fields\":{\"registered_capital\":1}},"
                       "\"base_versions\":{\"case:" CASE_B "\":1}}");
  result = push_one_result (f, wangfang, "client-w", m, &response);
  assert_not_editable (result, "in_review", "registered_capital", NULL);

  /* Invalid values of editable fields, and fields the form lacks: a validation problem
   * pointing at each. */
  result = push_fields (f, wangfang, "client-w", 8, CASE_A,
                        "{\"business_scope\":\"零售\",\"favourite_colour\":\"blue\"}", &response);
  g_assert_cmpstr (json_object_get_string_member (result, "status"), ==, "rejected");
  g_assert_cmpstr (problem_type (result), ==, TB_PROBLEM_BASE_URI "validation");
  {
    JsonArray *errors = json_object_get_array_member (json_object_get_object_member (result,
                                                                                     "problem"),
                                                      "errors");

    g_assert_cmpuint (json_array_get_length (errors), ==, 2);
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (errors, 0),
                                                    "pointer"), ==,
                     "/mutations/0/args/fields/favourite_colour");
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (errors, 1),
                                                    "pointer"), ==,
                     "/mutations/0/args/fields/business_scope");
  }
  g_free (value);
  value = form_value (f, CASE_A, "business_scope");
  g_assert_cmpstr (value, ==, "食品销售；餐饮服务；日用百货销售");

  /* A field the form lacks beside one she may not change: the permission is checked first. */
  result = push_fields (f, wangfang, "client-w", 9, CASE_A,
                        "{\"favourite_colour\":\"blue\",\"uscc\":null}", &response);
  assert_not_editable (result, "in_review", "uscc", NULL);
  g_assert_cmpint (json_object_get_int_member (response, "last_mutation_id"), ==, 9);
}

static char *
create_mutation (Fixture    *f,
                 gint64      id,
                 const char *case_id,
                 const char *service_id)
{
  /* The demo case's files without their checksums: they are not the caller's uploads (see
   * test_attachments_owned()), and a value without one names no file. */
  g_autofree char *form = query_text (f, "SELECT json_set (form, '$.attachments',"
                                         " (SELECT json_group_array (json_remove (value,"
                                         " '$.sha256')) FROM json_each (form, '$.attachments')))"
                                         " FROM cases WHERE service_id = '%s'"
                                         " AND ref LIKE 'TB-%%' LIMIT 1", service_id);
  g_autofree char *name = query_text (f, "SELECT applicant_name FROM cases WHERE service_id ="
                                         " '%s' AND ref LIKE 'TB-%%' LIMIT 1", service_id);
  g_autofree char *kind = query_text (f, "SELECT applicant_kind FROM cases WHERE service_id ="
                                         " '%s' AND ref LIKE 'TB-%%' LIMIT 1", service_id);
  g_autofree char *company = query_text (f, "SELECT company_name FROM cases WHERE service_id ="
                                            " '%s' AND ref LIKE 'TB-%%' LIMIT 1", service_id);
  g_autofree char *company_json = company ? g_strdup_printf ("\"%s\"", company)
                                          : g_strdup ("null");

  g_assert_nonnull (form);
  return g_strdup_printf ("{\"id\":%" G_GINT64_FORMAT ",\"name\":\"case.create\",\"args\":"
                          "{\"case_id\":\"%s\",\"service_id\":\"%s\",\"applicant_name\":\"%s\","
                          "\"applicant_kind\":\"%s\",\"company_name\":%s,\"form\":%s}}",
                          id, case_id, service_id, name, kind, company_json, form);
}

static void
test_push_create (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(TbServerCaller) wangfang = WANGFANG ();
  g_autoptr(TbServerCaller) yangfan = YANGFAN ();
  g_autoptr(TbServerCaller) wuting = WUTING ();
  g_autoptr(JsonObject) response = NULL;
  g_autofree char *batch = NULL;
  g_autofree char *counter = NULL;
  g_autofree char *expected_ref = NULL;
  const char *licence = "cccccccc-0000-4000-8000-000000000001";
  const char *insurance = "cccccccc-0000-4000-8000-000000000002";
  const char *practice = "cccccccc-0000-4000-8000-000000000003";

  /* Received on Tue 09-29: 3 working days are 09-30, 10-08, 10-09; 15 end on Mon 10-26. */
  counter = query_text (f, "SELECT last FROM ref_counters WHERE year = 2026");
  g_assert_nonnull (counter);
  expected_ref = g_strdup_printf ("TB-2026-%06" G_GINT64_FORMAT,
                                  g_ascii_strtoll (counter, NULL, 10) + 1);
  {
    g_autofree char *m = create_mutation (f, 1, licence, "business-licence");

    response = push_one (f, wangfang, "client-w", m);
    assert_result (response, 0, 1, "applied");
    g_assert_cmpint (json_object_get_int_member (result_at (response, 0), "version"), ==, 1);
  }
  assert_case_field (f, licence, "deadline", "2026-10-09");
  assert_case_field (f, licence, "received_on", "2026-09-29");
  assert_case_field (f, licence, "ref", expected_ref);
  assert_case_field (f, licence, "state", "received");
  assert_case_field (f, licence, "assignee_id || ' ' || team_id || ' ' || practice",
                     "u-wangfang team-market 0");

  {
    g_autofree char *m = create_mutation (f, 1, insurance, "social-insurance-transfer");

    g_clear_pointer (&response, json_object_unref);
    response = push_one (f, yangfan, "client-y", m);
    assert_result (response, 0, 1, "applied");
  }
  assert_case_field (f, insurance, "deadline", "2026-10-26");

  /* A trainer's case is a practice case. */
  {
    g_autofree char *m = create_mutation (f, 1, practice, "business-licence");

    g_clear_pointer (&response, json_object_unref);
    response = push_one (f, wuting, "client-t", m);
    assert_result (response, 0, 1, "applied");
  }
  assert_case_field (f, practice, "practice", "1");

  /* The same id again, an id that is not a UUID, an unknown service, a bad form, a form with
   * a member that is not one of its fields. */
  {
    g_autofree char *again = create_mutation (f, 2, licence, "business-licence");
    g_autofree char *not_uuid = create_mutation (f, 3, "case-1", "business-licence");
    g_autofree char *unknown = create_mutation (f, 4, "cccccccc-0000-4000-8000-000000000009",
                                                "business-licence");
    const char *bad_form = "{\"id\":5,\"name\":\"case.create\",\"args\":{\"case_id\":"
                           "\"cccccccc-0000-4000-8000-00000000000a\",\"service_id\":"
                           "\"business-licence\",\"applicant_name\":\"王芳\",\"applicant_kind\":"
                           "\"company\",\"form\":{\"registered_capital\":\"lots\"}}}";
    g_autofree char *extra = create_mutation (f, 6, "cccccccc-0000-4000-8000-00000000000b",
                                              "business-licence");
    g_auto(GStrv) parts = NULL;
    char *p;

    /* Make the fourth name a service that does not exist. */
    p = strstr (unknown, "\"service_id\":\"business-licence\"");
    g_assert_nonnull (p);
    memcpy (p + strlen ("\"service_id\":\""), "business-licenxe", 16);

    /* Give the sixth a valid form with a member that is not a field of it. */
    parts = g_strsplit (extra, "\"form\":{", 2);
    g_assert_cmpuint (g_strv_length (parts), ==, 2);
    g_free (extra);
    extra = g_strconcat (parts[0], "\"form\":{\"favourite_colour\":\"blue\",", parts[1], NULL);

    g_clear_pointer (&response, json_object_unref);
    g_free (batch);
    batch = g_strdup_printf ("[%s,%s,%s,%s,%s]", again, not_uuid, unknown, bad_form, extra);
    response = push (f, wangfang, "client-w", batch);
    assert_result (response, 0, 2, "rejected");
    g_assert_cmpstr (problem_type (result_at (response, 0)), ==, TB_PROBLEM_BASE_URI "conflict");
    assert_result (response, 1, 3, "rejected");
    g_assert_cmpstr (problem_type (result_at (response, 1)), ==,
                     TB_PROBLEM_BASE_URI "validation");
    assert_result (response, 2, 4, "rejected");
    g_assert_cmpstr (problem_type (result_at (response, 2)), ==,
                     TB_PROBLEM_BASE_URI "validation");
    assert_result (response, 3, 5, "rejected");
    {
      JsonObject *problem = json_object_get_object_member (result_at (response, 3), "problem");
      JsonArray *errors = json_object_get_array_member (problem, "errors");

      g_assert_cmpuint (json_array_get_length (errors), >, 3);
    }
    assert_result (response, 4, 6, "rejected");
    {
      JsonObject *problem = json_object_get_object_member (result_at (response, 4), "problem");
      JsonArray *errors = json_object_get_array_member (problem, "errors");

      g_assert_cmpuint (json_array_get_length (errors), ==, 1);
      g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (errors, 0),
                                                      "pointer"), ==,
                       "/mutations/4/args/form/favourite_colour");
    }
  }
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM cases WHERE id LIKE 'cccccccc-%'"), ==, 3);
}

static void
test_push_bad_input (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(TbServerCaller) wangfang = WANGFANG ();
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *many = NULL;
  g_autoptr(GString) hundred_one = g_string_new ("[");
  const char *valid = "{\"id\":1,\"name\":\"case.comment\",\"args\":{\"case_id\":\"" CASE_A
                      "\",\"text\":\"x\"}}";
  static const char * const bodies[] = {
    "{\"schema_version\":1,\"client_id\":\"c\",\"mutations\":[],\"extra\":1}",
    "{\"schema_version\":1,\"mutations\":[]}",
    "{\"schema_version\":1,\"client_id\":\"\",\"mutations\":[]}",
    "{\"schema_version\":1,\"client_id\":7,\"mutations\":[]}",
    "{\"schema_version\":1,\"client_id\":"
      "\"0123456789012345678901234567890123456789012345678901234567890123456789\","
      "\"mutations\":[]}",
    "{\"schema_version\":1,\"client_id\":\"c\",\"mutations\":{}}",
    "{\"schema_version\":1,\"client_id\":\"c\"}",
    "{\"schema_version\":1,\"client_id\":\"c\",\"mutations\":[7]}",
    "{\"schema_version\":1,\"client_id\":\"c\",\"mutations\":[{\"name\":\"case.comment\"}]}",
    "{\"schema_version\":1,\"client_id\":\"c\",\"mutations\":[{\"id\":\"1\"}]}",
    "{\"schema_version\":1,\"client_id\":\"c\",\"mutations\":[{\"id\":0}]}",
    "{\"schema_version\":1,\"client_id\":\"c\",\"mutations\":[{\"id\":1.5}]}",
    "{\"schema_version\":1,\"client_id\":\"c\",\"mutations\":[{\"id\":9007199254740993}]}",
    "{\"schema_version\":1,\"client_id\":\"c\",\"mutations\":[{\"id\":1,\"name\":\"case.comment\","
      "\"args\":{\"case_id\":\"" CASE_A "\",\"text\":\"x\"}},{\"id\":-2}]}",
  };
  static const char * const unreadable[] = {
    "{\"schema_version\":2,\"client_id\":\"c\",\"mutations\":[]}",
    "{\"client_id\":\"c\",\"mutations\":[]}",
    "[1, 2]",
    "{\"schema_version\":1,\"client_id\":\"c\",\"mutations\":[",
    "{\"schema_version\":1,\"client_id\":\"\xff\xfe\",\"mutations\":[]}",
  };

  insert_test_cases (f);
  before = db_checksum (f);

  for (guint i = 0; i < G_N_ELEMENTS (bodies); i++)
    {
      g_autoptr(JsonObject) request = body (bodies[i]);
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) answer = NULL;

      g_test_message ("%s", bodies[i]);
      answer = tb_server_sync_push (f->db, wangfang, request, &error);
      g_assert_null (answer);
      g_assert_error (error, TB_PROBLEM_ERROR, TB_PROBLEM_MALFORMED_REQUEST);
    }

  /* More than 1000 mutations. */
  for (guint i = 0; i < TB_SERVER_SYNC_MAX_MUTATIONS + 1; i++)
    g_string_append_printf (hundred_one, "%s%s", i > 0 ? "," : "", valid);
  g_string_append_c (hundred_one, ']');
  many = g_strdup_printf ("{\"schema_version\":1,\"client_id\":\"c\",\"mutations\":%s}",
                          hundred_one->str);
  {
    g_autoptr(JsonObject) request = body (many);
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonNode) answer = tb_server_sync_push (f->db, wangfang, request, &error);

    g_assert_error (error, TB_PROBLEM_ERROR, TB_PROBLEM_MALFORMED_REQUEST);
    g_assert_null (answer);
  }

  /* What the request reader refuses never reaches the engine. */
  for (guint i = 0; i < G_N_ELEMENTS (unreadable); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonObject) request = tb_request_parse_object (unreadable[i],
                                                               strlen (unreadable[i]), &error);

      g_assert_null (request);
      g_assert_nonnull (error);
    }

  after = db_checksum (f);
  g_assert_cmpstr (after, ==, before);
}

/* ------------------------------------------------------------------------------------------ */
/* Pull                                                                                        */

static JsonObject *
pull_page (Fixture              *f,
           const TbServerCaller *caller,
           const char           *client,
           const char           *cursor,
           guint                 limit,
           GError              **error)
{
  g_autofree char *cursor_json = cursor ? g_strdup_printf ("\"%s\"", cursor) : g_strdup ("null");
  g_autofree char *text = g_strdup_printf ("{\"schema_version\":1,\"client_id\":\"%s\","
                                           "\"cursor\":%s,\"limit\":%u}", client, cursor_json,
                                           limit);
  g_autoptr(JsonObject) request = body (text);
  g_autoptr(JsonNode) answer = tb_server_sync_pull (f->db, caller, request, error);

  if (answer == NULL)
    return NULL;
  return json_object_ref (json_node_get_object (answer));
}

/* Pulls until has_more is false; every change in order; *cursor is updated; the time each
 * page took is added to @durations (microseconds) if given. */
static GPtrArray *
pull_all_timed (Fixture              *f,
                const TbServerCaller *caller,
                const char           *client,
                char                **cursor,
                guint                 limit,
                guint                *n_pages,
                GArray               *durations)
{
  GPtrArray *changes = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  gboolean more = TRUE;

  *n_pages = 0;
  while (more)
    {
      g_autoptr(GError) error = NULL;
      gint64 start = g_get_monotonic_time ();
      g_autoptr(JsonObject) page = pull_page (f, caller, client, *cursor, limit, &error);
      gint64 took = g_get_monotonic_time () - start;
      JsonArray *array;

      if (durations != NULL)
        g_array_append_val (durations, took);
      g_assert_no_error (error);
      array = json_object_get_array_member (page, "changes");
      g_assert_cmpuint (json_array_get_length (array), <=, limit);
      for (guint i = 0; i < json_array_get_length (array); i++)
        g_ptr_array_add (changes, json_object_ref (json_array_get_object_element (array, i)));

      more = json_object_get_boolean_member (page, "has_more");
      /* A page that says there is more is never empty. */
      if (more)
        g_assert_cmpuint (json_array_get_length (array), >, 0);
      g_assert_true (tb_wire_parse_time (json_object_get_string_member (page, "server_time"),
                                         NULL));
      g_free (*cursor);
      *cursor = g_strdup (json_object_get_string_member (page, "cursor"));
      (*n_pages)++;
      g_assert_cmpuint (*n_pages, <, 10000);
    }

  return changes;
}

static GPtrArray *
pull_all (Fixture              *f,
          const TbServerCaller *caller,
          const char           *client,
          char                **cursor,
          guint                 limit,
          guint                *n_pages)
{
  return pull_all_timed (f, caller, client, cursor, limit, n_pages, NULL);
}

static GHashTable *
sql_id_set (Fixture    *f,
            const char *sql)
{
  GHashTable *set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  sqlite3_stmt *stmt;

  g_assert_cmpint (sqlite3_prepare_v2 (f->db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_hash_table_add (set, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  sqlite3_finalize (stmt);
  return set;
}

/* Checks that the changes are the reference data, then each case of @expected exactly once. */
static void
assert_initial_sync (GPtrArray  *changes,
                     GHashTable *expected,
                     guint       n_users)
{
  static const char * const order[] = { "service", "workflow", "calendar", "team", "user",
                                        "case" };
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  guint counts[G_N_ELEMENTS (order)] = { 0 };
  guint stage = 0;

  for (guint i = 0; i < changes->len; i++)
    {
      JsonObject *change = g_ptr_array_index (changes, i);
      g_autoptr(GError) error = NULL;
      TbWireChange parsed;
      guint kind;

      g_assert_true (tb_wire_change_from_json (change, &parsed, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (parsed.op, ==, "put");

      for (kind = 0; kind < G_N_ELEMENTS (order); kind++)
        if (strcmp (order[kind], parsed.type) == 0)
          break;
      g_assert_cmpuint (kind, <, G_N_ELEMENTS (order));
      g_assert_cmpuint (kind, >=, stage);
      stage = kind;
      counts[kind]++;

      if (strcmp (parsed.type, "case") == 0)
        {
          TbWireCase wcase;

          g_assert_true (tb_wire_case_from_json (parsed.data, &wcase, &error));
          g_assert_no_error (error);
          g_assert_cmpstr (wcase.record.id, ==, parsed.id);
          g_assert_cmpint (wcase.record.version, ==, parsed.version);
          g_assert_true (g_hash_table_contains (expected, parsed.id));
          g_assert_true (g_hash_table_add (seen, (gpointer) parsed.id));
          tb_wire_case_clear (&wcase);
        }
      else if (strcmp (parsed.type, "calendar") == 0 && strcmp (parsed.id, "2026") == 0)
        {
          g_autoptr(TbCalendar) calendar = tb_calendar_new ();

          g_assert_true (tb_wire_calendar_year_load (calendar, parsed.data, NULL, &error));
          g_assert_false (tb_calendar_is_working_day (calendar, tb_day_from_iso ("2026-10-01")));
          g_assert_true (tb_calendar_is_working_day (calendar, tb_day_from_iso ("2026-10-10")));
        }
    }

  g_assert_cmpuint (counts[0], ==, 4);   /* the bundled services */
  g_assert_cmpuint (counts[1], ==, 4);   /* and workflows */
  g_assert_cmpuint (counts[2], >=, 20);  /* 2007 .. 2027 */
  g_assert_cmpuint (counts[3], ==, 2);
  g_assert_cmpuint (counts[4], ==, n_users);
  g_assert_cmpuint (g_hash_table_size (seen), ==, g_hash_table_size (expected));
}

static void
test_pull_paging (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(TbServerCaller) chenjing = CHENJING ();
  g_autoptr(TbServerCaller) wangfang = WANGFANG ();
  g_autoptr(GHashTable) team = sql_id_set (f, "SELECT id FROM cases WHERE team_id ="
                                              " 'team-market'");
  g_autoptr(GHashTable) own = sql_id_set (f, "SELECT id FROM cases WHERE assignee_id ="
                                             " 'u-wangfang'");
  g_autoptr(GPtrArray) changes = NULL;
  g_autoptr(GPtrArray) rest = NULL;
  g_autofree char *cursor = NULL;
  guint pages, n_ref;

  g_assert_cmpuint (g_hash_table_size (team), >, 1000);
  g_assert_cmpuint (g_hash_table_size (own), >, 100);

  changes = pull_all (f, chenjing, "client-c", &cursor, 100, &pages);
  assert_initial_sync (changes, team, 4);
  n_ref = changes->len - g_hash_table_size (team);
  /* Full pages of 100 but the last. */
  g_assert_cmpuint (pages, ==, (changes->len + 99) / 100);
  g_test_message ("%u changes (%u reference) in %u pages", changes->len, n_ref, pages);

  /* Nothing new: an empty page that says so. */
  rest = pull_all (f, chenjing, "client-c", &cursor, 100, &pages);
  g_assert_cmpuint (rest->len, ==, 0);
  g_assert_cmpuint (pages, ==, 1);

  g_clear_pointer (&changes, g_ptr_array_unref);
  g_clear_pointer (&cursor, g_free);
  changes = pull_all (f, wangfang, "client-w", &cursor, 500, &pages);
  assert_initial_sync (changes, own, 4);
}

/* The one change of @changes about @id, or NULL. */
static JsonObject *
find_change (GPtrArray  *changes,
             const char *type,
             const char *id)
{
  JsonObject *found = NULL;

  for (guint i = 0; i < changes->len; i++)
    {
      JsonObject *change = g_ptr_array_index (changes, i);

      if (strcmp (json_object_get_string_member (change, "type"), type) == 0
          && strcmp (json_object_get_string_member (change, "id"), id) == 0)
        {
          g_assert_null (found);
          found = change;
        }
    }
  return found;
}

static GPtrArray *
pull_since (Fixture              *f,
            const TbServerCaller *caller,
            const char           *client,
            char                **cursor)
{
  guint pages;

  return pull_all (f, caller, client, cursor, 500, &pages);
}

static JsonObject *
pull_sized (Fixture              *f,
            const TbServerCaller *caller,
            const char           *cursor,
            const char           *size_members,
            GError              **error)
{
  g_autofree char *cursor_json = cursor ? g_strdup_printf ("\"%s\"", cursor) : g_strdup ("null");
  g_autofree char *text = g_strdup_printf ("{\"schema_version\":1,\"client_id\":\"client-s\","
                                           "\"cursor\":%s%s}", cursor_json, size_members);
  g_autoptr(JsonObject) request = body (text);
  g_autoptr(JsonNode) answer = tb_server_sync_pull (f->db, caller, request, error);

  return answer != NULL ? json_object_ref (json_node_get_object (answer)) : NULL;
}

/* A client may ask for larger (or smaller) pages than the default: `limit` up to 10,000 and
 * `max_bytes` from 64 KiB to 16 MB; a page never holds more than it asked for but one change. */
static void
test_pull_page_size (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(TbServerCaller) chenjing = CHENJING ();
  g_autoptr(GHashTable) team = sql_id_set (f, "SELECT id FROM cases WHERE team_id ="
                                              " 'team-market'");
  g_autoptr(GPtrArray) changes = g_ptr_array_new_with_free_func ((GDestroyNotify)
                                                                 json_object_unref);
  g_autoptr(JsonObject) one = NULL;
  g_autofree char *cursor = NULL;
  const char *bad[] = { ",\"limit\":10001", ",\"limit\":0", ",\"max_bytes\":65535",
                        ",\"max_bytes\":16000001", ",\"max_bytes\":\"big\"" };
  gboolean more = TRUE;
  guint pages = 0;

  /* Everything in one page when the client asks for enough. */
  one = pull_sized (f, chenjing, NULL, ",\"limit\":10000,\"max_bytes\":16000000", NULL);
  g_assert_nonnull (one);
  g_assert_false (json_object_get_boolean_member (one, "has_more"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (one, "changes")), >,
                    g_hash_table_size (team));

  /* Small pages: each within its byte budget, and together the same initial sync. */
  while (more)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonObject) page = pull_sized (f, chenjing, cursor, ",\"max_bytes\":65536",
                                               &error);
      JsonArray *array;
      gsize bytes = 0;

      g_assert_no_error (error);
      array = json_object_get_array_member (page, "changes");
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *element = json_array_get_element (array, i);
          g_autofree char *text = json_to_string (element, FALSE);

          bytes += strlen (text) + 1;
          g_ptr_array_add (changes, json_object_ref (json_node_get_object (element)));
        }
      /* json-glib writes the same text as SQLite, give or take number forms. */
      g_assert_cmpuint (bytes, <=, 65536 + 1024);
      more = json_object_get_boolean_member (page, "has_more");
      g_free (cursor);
      cursor = g_strdup (json_object_get_string_member (page, "cursor"));
      g_assert_cmpuint (++pages, <, 1000);
    }
  g_assert_cmpuint (pages, >, 10);
  assert_initial_sync (changes, team, 4);

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonObject) page = pull_sized (f, chenjing, NULL, bad[i], &error);

      g_assert_error (error, TB_PROBLEM_ERROR, TB_PROBLEM_MALFORMED_REQUEST);
      g_assert_null (page);
    }
}

/* A case in a pull page (made by SQLite's JSON functions) is exactly the case as GET
 * /cases/{id} gives it (made by tb_wire_case_to_json()), events and all. */
static void
test_pull_case_shape (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(TbServerCaller) wangfang = WANGFANG ();
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(GPtrArray) changes = NULL;
  g_autofree char *cursor = NULL;
  g_autofree char *first = comment (1, CASE_A, "第一条 \\\"引号\\\" 备注");
  g_autofree char *second = comment (2, CASE_A, "second\\nline");
  g_autofree char *mutations = g_strdup_printf ("[%s,%s]", first, second);
  guint compared = 0;

  insert_test_cases (f);
  answer = push (f, wangfang, "client-w", mutations);
  g_assert_cmpstr (json_object_get_string_member (result_at (answer, 1), "status"), ==,
                   "applied");

  changes = pull_since (f, wangfang, "client-w", &cursor);
  for (guint i = 0; i < changes->len; i++)
    {
      JsonObject *change = g_ptr_array_index (changes, i);
      g_autoptr(JsonNode) expected = NULL;
      g_autoptr(GError) error = NULL;
      JsonObject *record;

      if (strcmp (json_object_get_string_member (change, "type"), "case") != 0)
        continue;
      expected = tb_server_sync_get_case (f->db, wangfang,
                                          json_object_get_string_member (change, "id"), NULL,
                                          &error);
      g_assert_no_error (error);
      json_object_remove_member (json_node_get_object (expected), "schema_version");
      record = json_object_get_object_member (change, "data");
      g_assert_true (json_node_equal (json_object_get_member (change, "data"), expected));
      g_assert_cmpint (json_object_get_int_member (change, "version"), ==,
                       json_object_get_int_member (record, "version"));
      if (strcmp (json_object_get_string_member (change, "id"), CASE_A) == 0)
        g_assert_cmpuint (json_array_get_length (json_object_get_array_member (record, "events")),
                          ==, 2);
      compared++;
    }
  g_assert_cmpuint (compared, >, 0);
}

static void
test_pull_scope (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(TbServerCaller) wangfang = WANGFANG ();
  g_autoptr(TbServerCaller) lina = LINA ();
  g_autoptr(TbServerCaller) chenjing = CHENJING ();
  g_autoptr(JsonObject) response = NULL;
  g_autofree char *cw = NULL;
  g_autofree char *cl = NULL;
  g_autofree char *cc = NULL;
  g_autoptr(GPtrArray) changes = NULL;
  JsonObject *change;

  insert_test_cases (f);
  g_clear_pointer (&changes, g_ptr_array_unref);
  changes = pull_since (f, wangfang, "client-w", &cw);
  g_assert_nonnull (find_change (changes, "case", CASE_A));
  g_clear_pointer (&changes, g_ptr_array_unref);
  changes = pull_since (f, lina, "client-l", &cl);
  g_assert_null (find_change (changes, "case", CASE_A));
  g_clear_pointer (&changes, g_ptr_array_unref);
  changes = pull_since (f, chenjing, "client-c", &cc);
  g_assert_nonnull (find_change (changes, "case", CASE_A));

  /* Reassigned from Wang Fang to Li Na. */
  {
    g_autofree char *m = reassign (1, CASE_A, "u-lina", 1);

    response = push_one (f, chenjing, "client-c", m);
    assert_result (response, 0, 1, "applied");
  }

  /* Li Na gets the case, though nothing in it is newer than what she could have had. */
  g_clear_pointer (&changes, g_ptr_array_unref);
  changes = pull_since (f, lina, "client-l", &cl);
  g_assert_cmpuint (changes->len, ==, 1);
  change = find_change (changes, "case", CASE_A);
  g_assert_cmpstr (json_object_get_string_member (change, "op"), ==, "put");
  g_assert_cmpint (json_object_get_int_member (change, "version"), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (change, "data"),
                                                  "assignee_id"), ==, "u-lina");

  /* Wang Fang is told it left her. */
  g_clear_pointer (&changes, g_ptr_array_unref);
  changes = pull_since (f, wangfang, "client-w", &cw);
  g_assert_cmpuint (changes->len, ==, 1);
  change = find_change (changes, "case", CASE_A);
  g_assert_cmpstr (json_object_get_string_member (change, "op"), ==, "remove");
  g_assert_false (json_object_has_member (change, "data"));

  /* The supervisor still sees it. */
  g_clear_pointer (&changes, g_ptr_array_unref);
  changes = pull_since (f, chenjing, "client-c", &cc);
  g_assert_cmpuint (changes->len, ==, 1);
  change = find_change (changes, "case", CASE_A);
  g_assert_cmpstr (json_object_get_string_member (change, "op"), ==, "put");

  /* Li Na's comment reaches her and the supervisor, not Wang Fang. */
  {
    g_autofree char *m = comment (1, CASE_A, "已电话联系申请人");

    g_clear_pointer (&response, json_object_unref);
    response = push_one (f, lina, "client-l", m);
    assert_result (response, 0, 1, "applied");
  }
  g_clear_pointer (&changes, g_ptr_array_unref);
  changes = pull_since (f, wangfang, "client-w", &cw);
  g_assert_cmpuint (changes->len, ==, 0);
  g_clear_pointer (&changes, g_ptr_array_unref);
  changes = pull_since (f, lina, "client-l", &cl);
  g_assert_cmpuint (changes->len, ==, 1);
  change = find_change (changes, "case", CASE_A);
  g_assert_cmpint (json_object_get_int_member (change, "version"), ==, 3);
  {
    JsonArray *events = json_object_get_array_member (json_object_get_object_member (change,
                                                                                     "data"),
                                                      "events");
    JsonObject *last = json_array_get_object_element (events, json_array_get_length (events) - 1);

    g_assert_cmpuint (json_array_get_length (events), ==, 2);
    g_assert_cmpstr (json_object_get_string_member (last, "kind"), ==, "comment");
    g_assert_cmpstr (json_object_get_string_member (last, "actor_id"), ==, "u-lina");
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (last, "data"),
                                                    "text"), ==, "已电话联系申请人");
  }

  /* And back: a put for Wang Fang, a remove for Li Na. */
  {
    g_autofree char *m = reassign (2, CASE_A, "u-wangfang", 3);

    g_clear_pointer (&response, json_object_unref);
    response = push_one (f, chenjing, "client-c", m);
    assert_result (response, 0, 2, "applied");
  }
  g_clear_pointer (&changes, g_ptr_array_unref);
  changes = pull_since (f, wangfang, "client-w", &cw);
  g_assert_cmpuint (changes->len, ==, 1);
  g_assert_cmpstr (json_object_get_string_member (find_change (changes, "case", CASE_A), "op"),
                   ==, "put");
  g_clear_pointer (&changes, g_ptr_array_unref);
  changes = pull_since (f, lina, "client-l", &cl);
  g_assert_cmpuint (changes->len, ==, 1);
  g_assert_cmpstr (json_object_get_string_member (find_change (changes, "case", CASE_A), "op"),
                   ==, "remove");

  /* The pull reports the client's place in its own mutation sequence. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonObject) page = pull_page (f, chenjing, "client-c", cc, 10, &error);

    g_assert_no_error (error);
    g_assert_cmpint (json_object_get_int_member (page, "last_mutation_id"), ==, 2);
  }
}

static void
test_pull_during_initial_sync (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(TbServerCaller) wangfang = WANGFANG ();
  g_autoptr(TbServerCaller) chenjing = CHENJING ();
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) first = NULL;
  g_autoptr(JsonObject) response = NULL;
  g_autoptr(GPtrArray) changes = NULL;
  g_autofree char *cursor = NULL;
  g_autofree char *m = NULL;
  JsonObject *change;
  guint pages;

  insert_test_cases (f);

  /* The first page holds only reference data. */
  first = pull_page (f, wangfang, "client-w", NULL, 10, &error);
  g_assert_no_error (error);
  g_assert_true (json_object_get_boolean_member (first, "has_more"));
  cursor = g_strdup (json_object_get_string_member (first, "cursor"));

  /* Meanwhile a service is added ahead of those sent, and Zhang Wei's case comes to Wang
   * Fang. */
  exec_sql (f->db, "INSERT INTO services (id, workflow_id, definition) SELECT 'aaa-copy',"
                   " workflow_id, definition FROM services WHERE id = 'business-licence'");
  m = reassign (1, CASE_C, "u-wangfang", 1);
  response = push_one (f, chenjing, "client-c", m);
  assert_result (response, 0, 1, "applied");

  changes = pull_all (f, wangfang, "client-w", &cursor, 10, &pages);
  change = find_change (changes, "case", CASE_C);
  g_assert_nonnull (change);
  g_assert_cmpint (json_object_get_int_member (change, "version"), ==, 2);
  g_assert_nonnull (find_change (changes, "case", CASE_A));

  /* Nothing of the reference data was skipped, and the new service came too. */
  g_assert_nonnull (find_change (changes, "service", "aaa-copy"));
  for (int year = 2007; year <= 2026; year++)
    {
      g_autofree char *id = g_strdup_printf ("%d", year);
      gboolean seen = find_change (changes, "calendar", id) != NULL;

      for (guint i = 0; !seen && i < json_array_get_length (json_object_get_array_member (
                                                                first, "changes")); i++)
        seen = strcmp (json_object_get_string_member (json_array_get_object_element (
                         json_object_get_array_member (first, "changes"), i), "id"), id) == 0;
      g_assert_true (seen);
    }
  g_assert_nonnull (find_change (changes, "team", "team-social"));
  g_assert_nonnull (find_change (changes, "user", "u-wangfang"));
}

static void
test_pull_expired (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(TbServerCaller) wangfang = WANGFANG ();
  g_autoptr(TbServerCaller) chenjing = CHENJING ();
  g_autoptr(TbServerCaller) wangfang_promoted = caller_new ("u-wangfang",
                                                            TB_ROLE_CASEWORKER
                                                            | TB_ROLE_SUPERVISOR,
                                                            "team-market");
  g_autoptr(GPtrArray) changes = NULL;
  g_autoptr(JsonObject) response = NULL;
  g_autofree char *old = NULL;
  g_autofree char *current = NULL;
  g_autofree char *supervisor = NULL;
  g_autofree char *tampered = NULL;
  g_autofree char *m = NULL;

  insert_test_cases (f);
  changes = pull_since (f, wangfang, "client-w", &old);
  g_clear_pointer (&changes, g_ptr_array_unref);
  changes = pull_since (f, chenjing, "client-c", &supervisor);

  m = reassign (1, CASE_A, "u-lina", 1);
  response = push_one (f, chenjing, "client-c", m);
  assert_result (response, 0, 1, "applied");

  /* Within the retention the old cursor still gets the removal. */
  g_assert_true (tb_server_sync_prune (f->db, 3600, NULL));
  current = g_strdup (old);
  g_clear_pointer (&changes, g_ptr_array_unref);
  changes = pull_since (f, wangfang, "client-w", &current);
  g_assert_cmpuint (changes->len, ==, 1);

  /* Keeping nothing: a cursor from before the removal cannot be brought up to date. */
  g_usleep (2000);
  g_assert_true (tb_server_sync_prune (f->db, 0, NULL));
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM changes WHERE op = 'remove'"), ==, 0);
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonObject) page = pull_page (f, wangfang, "client-w", old, 100, &error);

    g_assert_error (error, TB_PROBLEM_ERROR, TB_PROBLEM_CURSOR_EXPIRED);
    g_assert_null (page);
  }

  /* The cursor from after it goes on. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonObject) page = pull_page (f, wangfang, "client-w", current, 100, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (page, "changes")),
                      ==, 0);
  }

  /* Forged, altered, someone else's, or from before the user's access changed: reset. */
  tampered = g_strdup (current);
  tampered[strlen (tampered) / 2] = tampered[strlen (tampered) / 2] == 'A' ? 'B' : 'A';
  {
    const char *cursors[] = { "garbage", "djEuMTIzLmYuMS4wLmFiYy5kZWY", tampered, supervisor,
                              "", "not base64!" };

    for (guint i = 0; i < G_N_ELEMENTS (cursors); i++)
      {
        g_autoptr(GError) error = NULL;
        g_autoptr(JsonObject) page = pull_page (f, wangfang, "client-w", cursors[i], 100,
                                                &error);

        g_test_message ("cursor %s", cursors[i]);
        g_assert_error (error, TB_PROBLEM_ERROR, TB_PROBLEM_CURSOR_EXPIRED);
      }
  }
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonObject) page = pull_page (f, wangfang_promoted, "client-w", current, 100,
                                            &error);

    g_assert_error (error, TB_PROBLEM_ERROR, TB_PROBLEM_CURSOR_EXPIRED);
  }

  /* A cursor of another server database. */
  {
    Fixture other;
    g_autoptr(GPtrArray) other_changes = NULL;
    g_autofree char *foreign = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonObject) page = NULL;

    fixture_setup_n (&other, 5);
    other_changes = pull_since (&other, wangfang, "client-w", &foreign);
    fixture_teardown (&other, NULL);
    tb_server_sync_set_today (day ("2026-09-29"));

    page = pull_page (f, wangfang, "client-w", foreign, 100, &error);
    g_assert_error (error, TB_PROBLEM_ERROR, TB_PROBLEM_CURSOR_EXPIRED);
  }

  /* After a reset the client starts over and gets what it should have now. */
  {
    g_autoptr(GHashTable) own = sql_id_set (f, "SELECT id FROM cases WHERE assignee_id ="
                                               " 'u-wangfang'");
    g_autofree char *fresh = NULL;

    g_clear_pointer (&changes, g_ptr_array_unref);
    changes = pull_since (f, wangfang, "client-w", &fresh);
    assert_initial_sync (changes, own, 4);
    g_assert_null (find_change (changes, "case", CASE_A));
  }
}

static void
test_pull_auditor (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(TbServerCaller) auditor = SUNJIANGUO ();
  g_autoptr(TbServerCaller) chenjing = CHENJING ();
  g_autoptr(GHashTable) none = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) changes = NULL;
  g_autoptr(JsonObject) response = NULL;
  g_autofree char *cursor = NULL;
  g_autofree char *m = NULL;

  insert_test_cases (f);
  changes = pull_since (f, auditor, "client-a", &cursor);
  assert_initial_sync (changes, none, 10);

  /* Case changes never reach the auditor; reference data does. */
  m = comment (1, CASE_A, "x");
  response = push_one (f, chenjing, "client-c", m);
  exec_sql (f->db, "UPDATE teams SET name = '市场监管组' WHERE id = 'team-market'");
  g_clear_pointer (&changes, g_ptr_array_unref);
  changes = pull_since (f, auditor, "client-a", &cursor);
  g_assert_cmpuint (changes->len, ==, 1);
  g_assert_cmpstr (json_object_get_string_member (
                     json_object_get_object_member (find_change (changes, "team", "team-market"),
                                                    "data"), "name"), ==, "市场监管组");
}

/* ------------------------------------------------------------------------------------------ */
/* Cases, attachments, audit                                                                   */

static void
test_get_case (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(TbServerCaller) wangfang = WANGFANG ();
  g_autoptr(TbServerCaller) lina = LINA ();
  g_autoptr(TbServerCaller) yangfan = YANGFAN ();
  g_autoptr(TbServerCaller) wuting = WUTING ();
  const char *cases[] = { CASE_A, CASE_S, CASE_P, "no-such-case" };
  const TbServerCaller *callers[] = { wangfang, lina, yangfan, wuting };
  /* Who sees what: rows are callers, columns cases. */
  const gboolean sees[4][4] = {
    { TRUE, FALSE, TRUE, FALSE },
    { FALSE, FALSE, FALSE, FALSE },
    { FALSE, TRUE, FALSE, FALSE },
    { FALSE, FALSE, TRUE, FALSE },
  };

  insert_test_cases (f);

  for (guint i = 0; i < G_N_ELEMENTS (callers); i++)
    for (guint j = 0; j < G_N_ELEMENTS (cases); j++)
      {
        g_autoptr(GError) error = NULL;
        g_autoptr(JsonNode) node = NULL;
        gint64 version = 0;

        node = tb_server_sync_get_case (f->db, callers[i], cases[j], &version, &error);
        if (sees[i][j])
          {
            g_assert_no_error (error);
            g_assert_cmpstr (json_object_get_string_member (json_node_get_object (node), "id"),
                             ==, cases[j]);
            g_assert_cmpint (version, ==, 1);
            g_assert_cmpint (json_object_get_int_member (json_node_get_object (node),
                                                         "schema_version"), ==, 1);
          }
        else
          {
            g_assert_error (error, TB_PROBLEM_ERROR, TB_PROBLEM_NOT_FOUND);
            g_assert_null (node);
          }
      }
}

static void
test_attachments (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(TbServerCaller) wangfang = WANGFANG ();
  g_autoptr(TbServerCaller) chenjing = CHENJING ();
  g_autoptr(TbServerCaller) yangfan = YANGFAN ();
  g_autoptr(GBytes) scan = g_bytes_new_static ("%PDF-1.7 营业执照", strlen ("%PDF-1.7 营业执照"));
  g_autoptr(GBytes) other = g_bytes_new_static ("%PDF-1.7 other", 14);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) first = NULL;
  g_autoptr(JsonNode) again = NULL;
  g_autoptr(JsonNode) clash = NULL;
  g_autoptr(GBytes) got = NULL;
  g_autoptr(JsonObject) response = NULL;
  g_autofree char *sha = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, scan);
  g_autofree char *content_type = NULL;
  g_autofree char *first_text = NULL;
  g_autofree char *again_text = NULL;
  g_autofree char *update = NULL;

  insert_test_cases (f);

  first = tb_server_sync_put_attachment (f->db, wangfang, "key-1", "application/pdf", scan,
                                         &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (first), "sha256"), ==,
                   sha);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (first), "size"), ==,
                   (gint64) g_bytes_get_size (scan));

  /* A retry gets the same answer; the key with other content is a conflict. */
  again = tb_server_sync_put_attachment (f->db, wangfang, "key-1", "application/pdf", scan,
                                         &error);
  g_assert_no_error (error);
  first_text = json_to_string (first, FALSE);
  again_text = json_to_string (again, FALSE);
  g_assert_cmpstr (again_text, ==, first_text);
  clash = tb_server_sync_put_attachment (f->db, wangfang, "key-1", "application/pdf", other,
                                         &error);
  g_assert_error (error, TB_PROBLEM_ERROR, TB_PROBLEM_CONFLICT);
  g_clear_error (&error);
  g_assert_null (tb_server_sync_put_attachment (f->db, wangfang, NULL, "application/pdf", scan,
                                                &error));
  g_assert_error (error, TB_PROBLEM_ERROR, TB_PROBLEM_MALFORMED_REQUEST);
  g_clear_error (&error);
  {
    g_autofree char *count = query_text (f, "SELECT count(*) FROM attachments"
                                            " WHERE sha256 = '%s'", sha);

    g_assert_cmpstr (count, ==, "1");
  }

  /* The uploader sees it; the supervisor only once a case of theirs refers to it. */
  got = tb_server_sync_get_attachment (f->db, wangfang, sha, &content_type, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (got, scan));
  g_assert_cmpstr (content_type, ==, "application/pdf");
  g_clear_pointer (&got, g_bytes_unref);
  g_clear_pointer (&content_type, g_free);

  got = tb_server_sync_get_attachment (f->db, chenjing, sha, &content_type, &error);
  g_assert_error (error, TB_PROBLEM_ERROR, TB_PROBLEM_NOT_FOUND);
  g_clear_error (&error);

  update = g_strdup_printf ("[{\"id\":1,\"name\":\"case.update_fields\",\"args\":{\"case_id\":"
                            "\"%s\",\"fields\":{\"attachments\":[{\"name\":\"营业执照.pdf\","
                            "\"size\":%" G_GSIZE_FORMAT ",\"sha256\":\"%s\"}]}}}]", CASE_B,
                            g_bytes_get_size (scan), sha);
  response = push (f, wangfang, "client-w", update);
  assert_result (response, 0, 1, "applied");

  got = tb_server_sync_get_attachment (f->db, chenjing, sha, &content_type, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (got, scan));
  g_clear_pointer (&got, g_bytes_unref);
  g_clear_pointer (&content_type, g_free);

  got = tb_server_sync_get_attachment (f->db, yangfan, sha, &content_type, &error);
  g_assert_error (error, TB_PROBLEM_ERROR, TB_PROBLEM_NOT_FOUND);
  g_clear_error (&error);
  got = tb_server_sync_get_attachment (f->db, wangfang, "../../etc/passwd", &content_type,
                                       &error);
  g_assert_error (error, TB_PROBLEM_ERROR, TB_PROBLEM_NOT_FOUND);
}

/* A mutation that attaches @sha256 to @case_id's "attachments" (with @extra, another file's
 * value or "", before it). */
static char *
attach_files (gint64      id,
              const char *case_id,
              const char *extra,
              const char *sha256)
{
  return g_strdup_printf ("{\"id\":%" G_GINT64_FORMAT ",\"name\":\"case.update_fields\",\"args\":"
                          "{\"case_id\":\"%s\",\"fields\":{\"attachments\":[%s{\"name\":"
                          "\"营业执照.pdf\",\"size\":12,\"sha256\":\"%s\"}]}}}",
                          id, case_id, extra, sha256);
}

static char *
upload (Fixture              *f,
        const TbServerCaller *caller,
        const char           *text)
{
  g_autoptr(GBytes) bytes = g_bytes_new (text, strlen (text));
  g_autofree char *sha = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, bytes);
  g_autoptr(JsonNode) answer = NULL;
  g_autoptr(GError) error = NULL;

  answer = tb_server_sync_put_attachment (f->db, caller, sha, "application/pdf", bytes, &error);
  g_assert_no_error (error);
  g_assert_nonnull (answer);
  return g_steal_pointer (&sha);
}

/* The files a form names that the case does not have yet must be the caller's own uploads:
 * else knowing a file's checksum would be enough to read it, through a case one sees. */
static void
test_attachments_owned (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(TbServerCaller) wangfang = WANGFANG ();
  g_autoptr(TbServerCaller) chenjing = CHENJING ();
  g_autoptr(TbServerCaller) yangfan = YANGFAN ();
  g_autoptr(JsonObject) response = NULL;
  g_autoptr(GBytes) got = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *mine = NULL;
  g_autofree char *theirs = NULL;
  g_autofree char *mutation = NULL;
  g_autofree char *extra = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *content_type = NULL;
  g_autofree char *seeded = NULL;
  g_autofree char *seeded_files = NULL;
  JsonObject *problem;
  JsonArray *refused;

  insert_test_cases (f);
  mine = upload (f, wangfang, "%PDF-1.7 王芳 uploaded this");
  theirs = upload (f, yangfan, "%PDF-1.7 杨帆's own file");

  /* Someone else's file: refused, and nothing changes; the case's team does not see it. */
  before = db_checksum (f);
  mutation = attach_files (1, CASE_B, "", theirs);
  response = push_one (f, wangfang, "client-w", mutation);
  assert_rejected (response, 0, 1, "forbidden");
  problem = json_object_get_object_member (result_at (response, 0), "problem");
  g_assert_cmpstr (json_object_get_string_member (problem, "code"), ==,
                   TB_WIRE_PROBLEM_ATTACHMENT_NOT_UPLOADED);
  refused = json_object_get_array_member (problem, "attachments");
  g_assert_cmpuint (json_array_get_length (refused), ==, 1);
  g_assert_cmpstr (json_array_get_string_element (refused, 0), ==, theirs);
  g_clear_pointer (&response, json_object_unref);
  g_clear_pointer (&mutation, g_free);
  g_assert_null (tb_server_sync_get_attachment (f->db, chenjing, theirs, &content_type, &error));
  g_assert_error (error, TB_PROBLEM_ERROR, TB_PROBLEM_NOT_FOUND);
  g_clear_error (&error);

  /* Registering a case with it is refused the same way, and registers nothing. */
  {
    g_autofree char *form = case_field (f, CASE_B, "form");
    g_autoptr(JsonNode) node = json_from_string (form, NULL);
    g_autoptr(JsonArray) files = json_array_new ();
    g_autoptr(JsonObject) file = json_object_new ();
    g_autofree char *form_text = NULL;
    g_autofree char *create = NULL;
    g_autofree char *count = NULL;

    json_object_set_string_member (file, "name", "营业执照.pdf");
    json_object_set_string_member (file, "sha256", theirs);
    json_array_add_object_element (files, g_steal_pointer (&file));
    json_object_set_array_member (json_node_get_object (node), "attachments",
                                  g_steal_pointer (&files));
    form_text = json_to_string (node, FALSE);
    create = g_strdup_printf ("{\"id\":2,\"name\":\"case.create\",\"args\":{\"case_id\":"
                              "\"aaaaaaaa-0000-4000-8000-0000000000ff\",\"service_id\":"
                              "\"business-licence\",\"applicant_name\":\"王芳\","
                              "\"applicant_kind\":\"company\",\"company_name\":\"测试公司\","
                              "\"form\":%s}}", form_text);
    response = push_one (f, wangfang, "client-w", create);
    assert_rejected (response, 0, 2, "forbidden");
    problem = json_object_get_object_member (result_at (response, 0), "problem");
    g_assert_cmpstr (json_object_get_string_member (problem, "code"), ==,
                     TB_WIRE_PROBLEM_ATTACHMENT_NOT_UPLOADED);
    g_clear_pointer (&response, json_object_unref);
    count = query_text (f, "SELECT count(*) FROM cases WHERE id ="
                           " 'aaaaaaaa-0000-4000-8000-0000000000ff'");
    g_assert_cmpstr (count, ==, "0");

    /* With the caller's own file instead, it is registered. */
    g_free (create);
    g_free (form_text);
    json_object_set_string_member (json_array_get_object_element (
                                     json_object_get_array_member (json_node_get_object (node),
                                                                   "attachments"), 0),
                                   "sha256", mine);
    form_text = json_to_string (node, FALSE);
    create = g_strdup_printf ("{\"id\":3,\"name\":\"case.create\",\"args\":{\"case_id\":"
                              "\"aaaaaaaa-0000-4000-8000-0000000000ff\",\"service_id\":"
                              "\"business-licence\",\"applicant_name\":\"王芳\","
                              "\"applicant_kind\":\"company\",\"company_name\":\"测试公司\","
                              "\"form\":%s}}", form_text);
    response = push_one (f, wangfang, "client-w", create);
    assert_result (response, 0, 3, "applied");
    g_clear_pointer (&response, json_object_unref);
  }
  after = db_checksum (f);
  g_assert_cmpstr (after, !=, before);

  /* Her own upload: attached, and so the supervisor's to see. */
  mutation = attach_files (4, CASE_B, "", mine);
  response = push_one (f, wangfang, "client-w", mutation);
  assert_result (response, 0, 4, "applied");
  g_clear_pointer (&response, json_object_unref);
  g_clear_pointer (&mutation, g_free);
  got = tb_server_sync_get_attachment (f->db, chenjing, mine, &content_type, &error);
  g_assert_no_error (error);
  g_clear_pointer (&got, g_bytes_unref);
  g_clear_pointer (&content_type, g_free);

  /* The supervisor, who never uploaded it, saves the form again with it: the case has it. */
  mutation = attach_files (1, CASE_B, "", mine);
  response = push_one (f, chenjing, "client-c", mutation);
  assert_result (response, 0, 1, "applied");
  g_clear_pointer (&response, json_object_unref);
  g_clear_pointer (&mutation, g_free);

  /* With one of the case's files and one of another user's: refused for the other alone. */
  extra = g_strdup_printf ("{\"name\":\"a.pdf\",\"sha256\":\"%s\"},", mine);
  mutation = attach_files (2, CASE_B, extra, theirs);
  response = push_one (f, chenjing, "client-c", mutation);
  assert_rejected (response, 0, 2, "forbidden");
  refused = json_object_get_array_member (json_object_get_object_member (
                                            result_at (response, 0), "problem"), "attachments");
  g_assert_cmpuint (json_array_get_length (refused), ==, 1);
  g_assert_cmpstr (json_array_get_string_element (refused, 0), ==, theirs);
  g_clear_pointer (&response, json_object_unref);
  g_clear_pointer (&mutation, g_free);

  /* A demo case keeps the files it was seeded with: saving them again passes, and they open. */
  seeded = query_text (f, "SELECT id FROM cases WHERE team_id = 'team-market' AND NOT closed"
                          " AND service_id = 'business-licence' AND ref LIKE 'TB-%%'"
                          " AND state IN ('received', 'in_review', 'awaiting_applicant')"
                          " ORDER BY ref LIMIT 1");
  g_assert_nonnull (seeded);
  seeded_files = query_text (f, "SELECT json_extract (form, '$.attachments') FROM cases"
                                " WHERE id = '%s'", seeded);
  g_assert_nonnull (strstr (seeded_files, "\"sha256\""));
  {
    g_autofree char *save = g_strdup_printf ("{\"id\":3,\"name\":\"case.update_fields\","
                                             "\"args\":{\"case_id\":\"%s\",\"fields\":"
                                             "{\"attachments\":%s}}}", seeded, seeded_files);
    g_autoptr(JsonNode) files = json_from_string (seeded_files, NULL);
    const char *first = json_object_get_string_member (
      json_array_get_object_element (json_node_get_array (files), 0), "sha256");

    response = push_one (f, chenjing, "client-c", save);
    assert_result (response, 0, 3, "applied");
    g_clear_pointer (&response, json_object_unref);
    got = tb_server_sync_get_attachment (f->db, chenjing, first, &content_type, &error);
    g_assert_no_error (error);
    g_assert_nonnull (got);
    g_assert_cmpstr (content_type, ==, json_object_get_string_member (
                       json_array_get_object_element (json_node_get_array (files), 0),
                       "content_type"));
    {
      g_autofree char *digest = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, got);

      g_assert_cmpstr (digest, ==, first);
    }
  }
}

static void
test_audit (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(TbServerCaller) wangfang = WANGFANG ();
  g_autoptr(TbServerCaller) chenjing = CHENJING ();
  g_autoptr(TbServerCaller) yangfan = YANGFAN ();
  g_autoptr(TbServerCaller) auditor = SUNJIANGUO ();
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) response = NULL;
  g_autoptr(JsonNode) all = NULL;
  g_autoptr(JsonNode) team = NULL;
  g_autoptr(JsonNode) none = NULL;
  g_autofree char *a = comment (1, CASE_A, "一");
  g_autofree char *c = comment (1, CASE_S, "二");
  JsonArray *entries;
  JsonObject *entry;
  gint64 next;
  guint total = 0;

  insert_test_cases (f);
  response = push_one (f, wangfang, "client-w", a);
  g_clear_pointer (&response, json_object_unref);
  response = push_one (f, yangfan, "client-y", c);

  all = tb_server_sync_list_audit (f->db, auditor, 0, 500, &error);
  g_assert_no_error (error);
  entries = json_object_get_array_member (json_node_get_object (all), "entries");
  g_assert_cmpuint (json_array_get_length (entries), ==, 2);
  g_assert_true (JSON_NODE_HOLDS_NULL (json_object_get_member (json_node_get_object (all),
                                                               "next")));
  entry = json_array_get_object_element (entries, 0);
  g_assert_cmpstr (json_object_get_string_member (entry, "action"), ==, "case.comment");
  g_assert_cmpstr (json_object_get_string_member (entry, "actor_id"), ==, "u-wangfang");
  g_assert_cmpstr (json_object_get_string_member (entry, "case_id"), ==, CASE_A);
  g_assert_true (tb_wire_parse_time (json_object_get_string_member (entry, "at"), NULL));
  g_assert_true (tb_wire_parse_time (json_object_get_string_member (entry, "received_at"),
                                     NULL));
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (entry, "detail"),
                                                  "status"), ==, "applied");

  /* A supervisor sees their teams' entries only. */
  team = tb_server_sync_list_audit (f->db, chenjing, 0, 100, &error);
  g_assert_no_error (error);
  entries = json_object_get_array_member (json_node_get_object (team), "entries");
  g_assert_cmpuint (json_array_get_length (entries), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (entries, 0),
                                                  "case_id"), ==, CASE_A);

  none = tb_server_sync_list_audit (f->db, wangfang, 0, 100, &error);
  g_assert_error (error, TB_PROBLEM_ERROR, TB_PROBLEM_FORBIDDEN);
  g_clear_error (&error);

  /* Pages of one: next leads on, then ends. */
  next = 0;
  while (TRUE)
    {
      g_autoptr(JsonNode) page = tb_server_sync_list_audit (f->db, auditor, next, 1, &error);
      JsonNode *after;

      g_assert_no_error (error);
      total += json_array_get_length (json_object_get_array_member (json_node_get_object (page),
                                                                    "entries"));
      after = json_object_get_member (json_node_get_object (page), "next");
      if (JSON_NODE_HOLDS_NULL (after))
        break;
      next = json_node_get_int (after);
      g_assert_cmpuint (total, <, 10);
    }
  g_assert_cmpuint (total, ==, 2);
}

/* ------------------------------------------------------------------------------------------ */
/* Over HTTP                                                                                   */

typedef struct
{
  GMainLoop *loop;
  GBytes    *bytes;
  GError    *error;
} Wait;

static void
sent_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Wait *wait = user_data;

  wait->bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &wait->error);
  g_main_loop_quit (wait->loop);
}

/* One request; the server runs on this thread's main context while we wait. */
static SoupMessage *
http (SoupSession *session,
      const char  *method,
      const char  *uri,
      const char  *token,
      const char  *content_type,
      const char  *body_text,
      gsize        body_length,
      GBytes     **response)
{
  SoupMessage *message = soup_message_new (method, uri);
  Wait wait = { g_main_loop_new (NULL, FALSE), NULL, NULL };
  SoupMessageHeaders *headers = soup_message_get_request_headers (message);

  g_assert_nonnull (message);
  if (token != NULL)
    {
      g_autofree char *auth = g_strconcat ("Bearer ", token, NULL);
      soup_message_headers_replace (headers, "Authorization", auth);
    }
  soup_message_headers_replace (headers, "Tongban-Schema-Version", "1");
  if (body_text != NULL)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (body_text, body_length);
      soup_message_set_request_body_from_bytes (message, content_type, bytes);
    }

  soup_session_send_and_read_async (session, message, G_PRIORITY_DEFAULT, NULL, sent_cb, &wait);
  g_main_loop_run (wait.loop);
  g_main_loop_unref (wait.loop);
  g_assert_no_error (wait.error);
  *response = wait.bytes;
  return message;
}

static JsonObject *
parse_bytes (GBytes *bytes)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  gsize size;
  const char *data = g_bytes_get_data (bytes, &size);

  g_assert_true (json_parser_load_from_data (parser, data, (gssize) size, NULL));
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static JsonObject *
http_json (SoupSession  *session,
           const char   *base,
           const char   *method,
           const char   *path,
           const char   *token,
           const char   *json,
           guint        *status)
{
  g_autofree char *uri = g_strconcat (base, path, NULL);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(SoupMessage) message = http (session, method, uri, token, "application/json", json,
                                         json ? strlen (json) : 0, &bytes);

  *status = soup_message_get_status (message);
  return g_bytes_get_size (bytes) > 0 ? parse_bytes (bytes) : NULL;
}

static char *
sign_in (SoupSession *session,
         const char  *base,
         const char  *login)
{
  g_autofree char *json = g_strdup_printf ("{\"schema_version\":1,\"login\":\"%s\","
                                           "\"password\":\"%s\"}", login,
                                           TB_SERVER_DEMO_PASSWORD);
  g_autoptr(JsonObject) answer = NULL;
  guint status;

  answer = http_json (session, base, "POST", "/api/v1/session", NULL, json, &status);
  g_assert_cmpuint (status, ==, 200);
  return g_strdup (json_object_get_string_member (answer, "access_token"));
}

static gboolean
has_route (TbServer   *server,
           const char *wanted)
{
  for (guint i = 0; i < tb_server_get_n_routes (server); i++)
    {
      const char *method, *pattern;
      guint access;

      tb_server_get_route (server, i, &method, &pattern, &access);
      if (strcmp (pattern, wanted) == 0)
        return TRUE;
    }
  return FALSE;
}

static void
test_http (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("test-server-sync-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "server.db", NULL);
  g_autoptr(TbServer) server = NULL;
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *base = NULL;
  g_autofree char *token = NULL;
  g_autofree char *auditor = NULL;
  g_autofree char *case_id = NULL;
  g_autoptr(JsonObject) answer = NULL;
  const char *cursor;
  guint status;

  g_setenv (TB_SERVER_PWHASH_ENV, "min", TRUE);
  server = tb_server_new (path, &error);
  g_assert_no_error (error);
  g_assert_true (tb_server_auth_seed_demo (tb_server_get_db (server), TB_SERVER_DEMO_PASSWORD,
                                           &error));
  g_assert_no_error (error);
  g_assert_true (tb_server_sync_seed_demo (tb_server_get_db (server), 30, DEMO_SEED,
                                           day ("2026-11-27"), &error));
  g_assert_no_error (error);
  if (!has_route (server, "/api/v1/sync/pull"))
    tb_server_sync_register_routes (server);
  g_assert_true (tb_server_listen (server, "127.0.0.1:0", NULL, &error));
  g_assert_no_error (error);
  base = tb_server_get_base_uri (server);
  if (g_str_has_suffix (base, "/"))
    base[strlen (base) - 1] = '\0';

  token = sign_in (session, base, "wangfang");
  auditor = sign_in (session, base, "sunjianguo");

  /* An initial pull. */
  answer = http_json (session, base, "POST", "/api/v1/sync/pull", token,
                      "{\"schema_version\":1,\"client_id\":\"http-client\",\"cursor\":null,"
                      "\"limit\":500}", &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_false (json_object_get_boolean_member (answer, "has_more"));
  cursor = json_object_get_string_member (answer, "cursor");
  g_assert_nonnull (cursor);
  {
    JsonArray *changes = json_object_get_array_member (answer, "changes");

    for (guint i = 0; i < json_array_get_length (changes) && case_id == NULL; i++)
      {
        JsonObject *change = json_array_get_object_element (changes, i);

        if (strcmp (json_object_get_string_member (change, "type"), "case") == 0)
          case_id = g_strdup (json_object_get_string_member (change, "id"));
      }
  }
  g_assert_nonnull (case_id);

  /* A forged cursor: 410 with reset. */
  {
    g_autoptr(JsonObject) problem = NULL;

    problem = http_json (session, base, "POST", "/api/v1/sync/pull", token,
                         "{\"schema_version\":1,\"client_id\":\"http-client\","
                         "\"cursor\":\"djEuZm9yZ2Vk\"}", &status);
    g_assert_cmpuint (status, ==, 410);
    g_assert_cmpstr (json_object_get_string_member (problem, "type"), ==,
                     TB_PROBLEM_BASE_URI "cursor-expired");
    g_assert_true (json_object_get_boolean_member (problem, "reset"));
  }

  /* A push; the auditor may not. */
  {
    g_autofree char *json = g_strdup_printf ("{\"schema_version\":1,\"client_id\":"
                                             "\"http-client\",\"mutations\":[{\"id\":1,\"name\":"
                                             "\"case.comment\",\"args\":{\"case_id\":\"%s\","
                                             "\"text\":\"HTTP\"}}]}", case_id);
    g_autoptr(JsonObject) pushed = http_json (session, base, "POST", "/api/v1/sync/push", token,
                                              json, &status);
    g_autoptr(JsonObject) refused = NULL;

    g_assert_cmpuint (status, ==, 200);
    g_assert_cmpstr (json_object_get_string_member (result_at (pushed, 0), "status"), ==,
                     "applied");

    refused = http_json (session, base, "POST", "/api/v1/sync/push", auditor, json, &status);
    g_assert_cmpuint (status, ==, 403);
  }

  /* The case with its ETag; unchanged, 304. */
  {
    g_autofree char *uri = g_strdup_printf ("%s/api/v1/cases/%s", base, case_id);
    g_autoptr(GBytes) bytes = NULL;
    g_autoptr(GBytes) again = NULL;
    g_autoptr(SoupMessage) message = http (session, "GET", uri, token, NULL, NULL, 0, &bytes);
    g_autoptr(SoupMessage) second = NULL;
    g_autoptr(JsonObject) record = NULL;
    g_autofree char *etag = NULL;

    g_assert_cmpuint (soup_message_get_status (message), ==, 200);
    record = parse_bytes (bytes);
    etag = g_strdup_printf ("\"v%" G_GINT64_FORMAT "\"",
                            json_object_get_int_member (record, "version"));
    g_assert_cmpstr (soup_message_headers_get_one (soup_message_get_response_headers (message),
                                                   "ETag"), ==, etag);

    second = soup_message_new ("GET", uri);
    {
      g_autofree char *auth = g_strconcat ("Bearer ", token, NULL);
      Wait wait = { g_main_loop_new (NULL, FALSE), NULL, NULL };
      SoupMessageHeaders *headers = soup_message_get_request_headers (second);

      soup_message_headers_replace (headers, "Authorization", auth);
      soup_message_headers_replace (headers, "Tongban-Schema-Version", "1");
      soup_message_headers_replace (headers, "If-None-Match", etag);
      soup_session_send_and_read_async (session, second, G_PRIORITY_DEFAULT, NULL, sent_cb,
                                        &wait);
      g_main_loop_run (wait.loop);
      g_main_loop_unref (wait.loop);
      g_assert_no_error (wait.error);
      again = wait.bytes;
    }
    g_assert_cmpuint (soup_message_get_status (second), ==, 304);

    g_clear_pointer (&answer, json_object_unref);
    answer = http_json (session, base, "GET", "/api/v1/cases/not-a-case", token, NULL, &status);
    g_assert_cmpuint (status, ==, 404);
  }

  /* An attachment, up and down. */
  {
    g_autofree char *uri = g_strconcat (base, "/api/v1/attachments", NULL);
    g_autoptr(SoupMessage) message = soup_message_new ("POST", uri);
    g_autoptr(GBytes) content = g_bytes_new_static ("%PDF scan", 9);
    g_autofree char *auth = g_strconcat ("Bearer ", token, NULL);
    g_autofree char *sha = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, content);
    g_autofree char *down = NULL;
    g_autoptr(GBytes) fetched = NULL;
    g_autoptr(SoupMessage) get = NULL;
    g_autoptr(JsonObject) stored = NULL;
    Wait wait = { g_main_loop_new (NULL, FALSE), NULL, NULL };
    SoupMessageHeaders *headers = soup_message_get_request_headers (message);

    soup_message_headers_replace (headers, "Authorization", auth);
    soup_message_headers_replace (headers, "Tongban-Schema-Version", "1");
    soup_message_headers_replace (headers, "Idempotency-Key", "upload-1");
    soup_message_set_request_body_from_bytes (message, "application/pdf", content);
    soup_session_send_and_read_async (session, message, G_PRIORITY_DEFAULT, NULL, sent_cb,
                                      &wait);
    g_main_loop_run (wait.loop);
    g_main_loop_unref (wait.loop);
    g_assert_no_error (wait.error);
    g_assert_cmpuint (soup_message_get_status (message), ==, 201);
    stored = parse_bytes (wait.bytes);
    g_bytes_unref (wait.bytes);
    g_assert_cmpstr (json_object_get_string_member (stored, "sha256"), ==, sha);

    down = g_strdup_printf ("%s/api/v1/attachments/%s", base, sha);
    get = http (session, "GET", down, token, NULL, NULL, 0, &fetched);
    g_assert_cmpuint (soup_message_get_status (get), ==, 200);
    g_assert_true (g_bytes_equal (fetched, content));
    g_assert_cmpstr (soup_message_headers_get_content_type (
                       soup_message_get_response_headers (get), NULL), ==, "application/pdf");
  }

  /* The audit is the auditor's. */
  g_clear_pointer (&answer, json_object_unref);
  answer = http_json (session, base, "GET", "/api/v1/audit?limit=10", auditor, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (answer, "entries")),
                    ==, 1);
  g_clear_pointer (&answer, json_object_unref);
  answer = http_json (session, base, "GET", "/api/v1/audit", token, NULL, &status);
  g_assert_cmpuint (status, ==, 403);

  tb_server_disconnect (server);
  g_clear_object (&server);
  tb_test_remove_dir (dir);
}

/* ------------------------------------------------------------------------------------------ */

static void
test_seed_again (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gint64 cases = query_int (f, "SELECT count(*) FROM cases");
  gint64 changes = query_int (f, "SELECT count(*) FROM changes");

  /* Seeding the same again changes nothing, not even the feed. */
  g_assert_true (tb_server_sync_seed_demo (f->db, 60, DEMO_SEED, day ("2026-11-27"), &error));
  g_assert_no_error (error);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM cases"), ==, cases);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM changes"), ==, changes);
  g_assert_cmpint (query_int (f, "SELECT max (seq) FROM changes"), ==,
                   query_int (f, "SELECT seq FROM sqlite_sequence WHERE name = 'changes'"));
}

static void
test_seed_large (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TbServerCaller) chenjing = CHENJING ();
  g_autoptr(GPtrArray) changes = NULL;
  g_autoptr(GArray) durations = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autofree char *cursor = NULL;
  gint64 start, seeded, pulled, first = 0, last = 0;
  guint pages;
  Fixture f;

  start = g_get_monotonic_time ();
  fixture_setup_n (&f, 100000);
  seeded = g_get_monotonic_time ();
  g_assert_cmpint (query_int (&f, "SELECT count(*) FROM cases"), ==, 100000);

  changes = pull_all_timed (&f, chenjing, "client-c", &cursor, 500, &pages, durations);
  pulled = g_get_monotonic_time ();

  /* Every page reads on from where the last stopped: the first full pages of cases take about
   * as long as the last ones (a plan that sorted or rescanned the rest would not). */
  g_assert_cmpuint (durations->len, >, 40);
  for (guint i = 0; i < 10; i++)
    {
      first += g_array_index (durations, gint64, 2 + i);
      last += g_array_index (durations, gint64, durations->len - 12 + i);
    }
  g_test_message ("first pages %.1f ms, last pages %.1f ms", first / 1e4, last / 1e4);
  g_assert_cmpint (MAX (first, last), <, 4 * MIN (first, last) + 200000);
  g_test_message ("100,000 cases seeded in %.1f s; %u changes pulled in %u pages in %.1f s",
                  (seeded - start) / 1e6, changes->len, pages, (pulled - seeded) / 1e6);
  {
    guint n_cases = 0;

    for (guint i = 0; i < changes->len; i++)
      if (strcmp (json_object_get_string_member (g_ptr_array_index (changes, i), "type"),
                  "case") == 0)
        n_cases++;
    g_assert_cmpint (n_cases, ==, query_int (&f, "SELECT count(*) FROM cases WHERE team_id ="
                                                 " 'team-market'"));
  }
  fixture_teardown (&f, NULL);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/server-sync/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("push/idempotent", test_push_idempotent);
  ADD ("push/gap", test_push_gap);
  ADD ("push/rejected-consumes-id", test_push_rejected_consumes_id);
  ADD ("push/two-clients", test_push_two_clients);
  ADD ("push/reassigned", test_push_reassigned);
  ADD ("push/permission", test_push_permission);
  ADD ("push/clock", test_push_clock);
  ADD ("push/update-fields", test_push_update_fields);
  ADD ("push/editable-fields", test_push_editable_fields);
  ADD ("push/create", test_push_create);
  ADD ("push/bad-input", test_push_bad_input);
  g_test_add ("/server-sync/pull/paging", Fixture, NULL, fixture_setup_large, test_pull_paging,
              fixture_teardown);
  g_test_add ("/server-sync/pull/page-size", Fixture, NULL, fixture_setup_large,
              test_pull_page_size, fixture_teardown);
  ADD ("pull/case-shape", test_pull_case_shape);
  ADD ("pull/scope", test_pull_scope);
  ADD ("pull/during-initial-sync", test_pull_during_initial_sync);
  ADD ("pull/expired", test_pull_expired);
  ADD ("pull/auditor", test_pull_auditor);
  ADD ("get-case", test_get_case);
  ADD ("attachments", test_attachments);
  ADD ("attachments-owned", test_attachments_owned);
  ADD ("audit", test_audit);
  ADD ("seed-again", test_seed_again);
  g_test_add_func ("/server-sync/http", test_http);
  g_test_add_func ("/server-sync/seed-large", test_seed_large);

#undef ADD

  return g_test_run ();
}
