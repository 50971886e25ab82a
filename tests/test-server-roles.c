/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-server-roles.c: which role may call which endpoint, for every endpoint of the server */

#include "config.h"

#include <string.h>

#include "tb-server-auth.h"
#include "tb-test-server.h"

#define DEMO_PASSWORD TB_SERVER_DEMO_PASSWORD

/* Who may call an endpoint: TbRole bits, or one of these. */
#define ANYONE 0u                      /* any signed-in user, even one without roles */
#define PUBLIC TB_SERVER_ROUTE_PUBLIC  /* no sign-in needed */

#define CW TB_ROLE_CASEWORKER
#define SV TB_ROLE_SUPERVISOR
#define TR TB_ROLE_TRAINER
#define AU TB_ROLE_AUDITOR

/*
 * The expected access of every endpoint (docs/protocol.md, "Scope and roles"). Every endpoint
 * the server registers must be here, and everything here must be registered: a new endpoint
 * fails this test until its row is added.
 */
static const struct
{
  const char *method;
  const char *pattern;
  guint       allowed;
} expected[] = {
  { "POST",   "/api/v1/session",         PUBLIC },
  { "POST",   "/api/v1/session/refresh", PUBLIC },
  { "DELETE", "/api/v1/session",         ANYONE },
  { "POST",   "/api/v1/sync/push",       CW | SV | TR },  /* auditors read only */
  { "POST",   "/api/v1/sync/pull",       ANYONE },        /* auditors: reference data */
  { "GET",    "/api/v1/cases/{id}",      ANYONE },        /* then scope: 404 */
  { "GET",    "/api/v1/attachments/{sha256}", ANYONE },
  { "POST",   "/api/v1/attachments",     CW | SV | TR },
  { "GET",    "/api/v1/audit",           AU | SV },
};

/* One signed-in user per role, one with none and one with two. */
static const struct
{
  const char *login;
  TbRole      roles;
} callers[] = {
  { "wangfang", TB_ROLE_CASEWORKER },
  { "chenjing", TB_ROLE_SUPERVISOR },
  { "wuting", TB_ROLE_TRAINER },
  { "sunjianguo", TB_ROLE_AUDITOR },
  { "norole", TB_ROLE_NONE },
  { "twohats", TB_ROLE_CASEWORKER | TB_ROLE_AUDITOR },
};

static int
find_expected (const char *method,
               const char *pattern)
{
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    if (strcmp (expected[i].method, method) == 0 && strcmp (expected[i].pattern, pattern) == 0)
      return (int) i;
  return -1;
}

static TbTestServer *
server_new (void)
{
  TbTestServer *ts = tb_test_server_new ();
  sqlite3 *db = tb_server_get_db (ts->server);
  const char *teams[] = { "team-market", NULL };
  g_autoptr(GError) error = NULL;

  g_assert_true (tb_server_auth_add_user (db, "u-norole", "norole", "No Role", TB_ROLE_NONE,
                                          NULL, DEMO_PASSWORD, &error));
  g_assert_no_error (error);
  g_assert_true (tb_server_auth_add_user (db, "u-twohats", "twohats", "Two Hats",
                                          TB_ROLE_CASEWORKER | TB_ROLE_AUDITOR, teams,
                                          DEMO_PASSWORD, &error));
  g_assert_no_error (error);
  return ts;
}

/* A path the pattern matches: every {parameter} becomes a plausible id. */
static char *
path_for (const char *pattern)
{
  g_auto(GStrv) segments = g_strsplit (pattern, "/", -1);

  for (guint i = 0; segments[i] != NULL; i++)
    if (segments[i][0] == '{')
      {
        g_free (segments[i]);
        segments[i] = g_strdup ("7d444840-9dc0-11d1-b245-5ffdce74fad2");
      }
  return g_strjoinv ("/", segments);
}

static void
test_table_matches_server (void)
{
  TbTestServer *ts = server_new ();
  guint n_routes = tb_server_get_n_routes (ts->server);

  /* Every registered endpoint has a row… */
  for (guint i = 0; i < n_routes; i++)
    {
      const char *method;
      const char *pattern;
      guint access;
      int row;

      tb_server_get_route (ts->server, i, &method, &pattern, &access);
      row = find_expected (method, pattern);
      if (row < 0)
        g_error ("%s %s is not in the role table of test-server-roles.c: add its row", method,
                 pattern);

      /* …and says the same as the server about who may call it. */
      if (expected[row].allowed == PUBLIC)
        g_assert_cmpuint (access & TB_SERVER_ROUTE_PUBLIC, !=, 0);
      else
        {
          g_assert_cmpuint (access & TB_SERVER_ROUTE_PUBLIC, ==, 0);
          g_assert_cmpuint (access & TB_SERVER_ROLE_MASK, ==, expected[row].allowed);
        }
    }

  /* …and every row is a registered endpoint. */
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      gboolean found = FALSE;

      for (guint j = 0; j < n_routes && !found; j++)
        {
          const char *method;
          const char *pattern;

          tb_server_get_route (ts->server, j, &method, &pattern, NULL);
          found = strcmp (method, expected[i].method) == 0
                  && strcmp (pattern, expected[i].pattern) == 0;
        }
      if (!found)
        g_error ("%s %s is in the role table but the server has no such endpoint",
                 expected[i].method, expected[i].pattern);
    }

  tb_test_server_free (ts);
}

static void
test_every_route_every_role (void)
{
  TbTestServer *ts = server_new ();
  guint n_routes = tb_server_get_n_routes (ts->server);
  guint n_allowed = 0;
  guint n_denied = 0;

  for (guint i = 0; i < n_routes; i++)
    {
      const char *method;
      const char *pattern;
      g_autofree char *path = NULL;
      int row;

      tb_server_get_route (ts->server, i, &method, &pattern, NULL);
      row = find_expected (method, pattern);
      g_assert_cmpint (row, >=, 0);
      path = path_for (pattern);

      if (expected[row].allowed == PUBLIC)
        {
          /* Answered without a token: whatever it says, it is not "sign in first". */
          g_autoptr(TbTestResponse) r = tb_test_request (ts, method, path, NULL,
                                                         "{\"schema_version\": 1}");
          g_assert_no_error (r->error);
          g_assert_cmpuint (r->status, !=, 401);
          g_assert_cmpuint (r->status, !=, 403);
          continue;
        }

      for (guint c = 0; c < G_N_ELEMENTS (callers); c++)
        {
          /* A session of its own for every call: one of them may be the sign-out. */
          g_autofree char *token = tb_test_sign_in (ts, callers[c].login, DEMO_PASSWORD, NULL);
          gboolean allowed = expected[row].allowed == ANYONE
                             || (callers[c].roles & expected[row].allowed) != 0;
          /* Not even a valid body: the role is checked before the body is read. */
          g_autoptr(TbTestResponse) r = tb_test_request (ts, method, path, token, "{");

          g_test_message ("%s %s as %s → %u", method, path, callers[c].login, r->status);
          g_assert_no_error (r->error);
          if (allowed)
            {
              g_assert_cmpuint (r->status, !=, 401);
              g_assert_cmpuint (r->status, !=, 403);
              n_allowed++;
            }
          else
            {
              tb_test_assert_problem (r, 403, "forbidden");
              n_denied++;
            }
        }
    }

  g_test_message ("%u allowed, %u denied", n_allowed, n_denied);
  g_assert_cmpuint (n_allowed, >, 0);
  tb_test_server_free (ts);
}

/* The check itself, on a route for auditors only: the forbidden are told so, in problem+json,
 * and the handler never runs for them. */
static guint audit_calls;

static JsonNode *
handle_audit_only (TbServer         *server,
                   TbServerRequest  *req,
                   GError          **error)
{
  audit_calls++;
  return json_node_init_object (json_node_alloc (), json_object_new ());
}

static void
test_role_check (void)
{
  TbTestServer *ts = server_new ();

  tb_server_add_route (ts->server, "GET", "/api/v1/test/audit-only", TB_ROLE_AUDITOR,
                       handle_audit_only);
  tb_server_add_route (ts->server, "GET", "/api/v1/test/supervise",
                       TB_ROLE_SUPERVISOR | TB_ROLE_TRAINER, handle_audit_only);

  for (guint c = 0; c < G_N_ELEMENTS (callers); c++)
    {
      g_autofree char *token = tb_test_sign_in (ts, callers[c].login, DEMO_PASSWORD, NULL);
      g_autoptr(TbTestResponse) audit = tb_test_request (ts, "GET", "/api/v1/test/audit-only",
                                                         token, NULL);
      g_autoptr(TbTestResponse) supervise = tb_test_request (ts, "GET", "/api/v1/test/supervise",
                                                             token, NULL);

      if (callers[c].roles & TB_ROLE_AUDITOR)
        tb_test_assert_json_answer (audit, 200);
      else
        tb_test_assert_problem (audit, 403, "forbidden");

      if (callers[c].roles & (TB_ROLE_SUPERVISOR | TB_ROLE_TRAINER))
        tb_test_assert_json_answer (supervise, 200);
      else
        tb_test_assert_problem (supervise, 403, "forbidden");
    }

  /* wangfang, chenjing, wuting, sunjianguo, norole, twohats: sunjianguo and twohats audit,
   * chenjing and wuting supervise. */
  g_assert_cmpuint (audit_calls, ==, 4);
  tb_test_server_free (ts);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/server/roles/table-matches-server", test_table_matches_server);
  g_test_add_func ("/server/roles/every-route-every-role", test_every_route_every_role);
  g_test_add_func ("/server/roles/role-check", test_role_check);

  return g_test_run ();
}
