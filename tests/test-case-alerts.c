/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-case-alerts.c: newly assigned and due-soon cases after syncs with a real server */

#include "config.h"

#include "tb-case-alerts.h"
#include "tb-case-service.h"
#include "tb-test-common.h"
#include "tb-test-server.h"

#define TODAY    "2026-11-27"

typedef struct
{
  TbTestServer *ts;
  char         *dir;
} Fixture;

typedef TbTestClient Client;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->ts = tb_test_server_new_demo (400, tb_day_from_iso (TODAY));
  f->dir = g_dir_make_tmp ("test-case-alerts-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  tb_test_server_free (f->ts);
  tb_test_remove_dir (f->dir);
  g_free (f->dir);
}

static void
client_sync (Client *c)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (tb_test_engine_sync (c->engine, NULL, &error));
  g_assert_no_error (error);
}

/* A desk of @login's, signed in. */
static Client *
client_new (Fixture    *f,
            const char *login)
{
  Client *c = tb_test_client_new (f->dir, login, f->ts->base, FALSE);
  g_autoptr(GError) error = NULL;

  g_assert_true (tb_test_client_sign_in (c, login, &error));
  g_assert_no_error (error);
  return c;
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Client, tb_test_client_free)

static void
on_ids (TbCaseAlerts  *alerts,
        GStrv          ids,
        GStrv         *out)
{
  g_assert_null (*out);
  *out = g_strdupv (ids);
}

/* The first sync announces nothing; a case a supervisor assigns is announced once. */
static void
test_assigned (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(Client) wangfang = client_new (f, "wangfang");
  g_autoptr(Client) chenjing = client_new (f, "chenjing");
  g_autoptr(TbCaseAlerts) alerts = tb_case_alerts_new (wangfang->engine);
  g_autoptr(TbCaseService) service = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) assigned = NULL;
  g_auto(GStrv) due = NULL;
  g_auto(GStrv) teams = NULL;
  g_autofree char *case_id = NULL;
  TbRole roles = TB_ROLE_NONE;

  g_assert_true (tb_case_alerts_get_engine (alerts) == wangfang->engine);
  tb_case_alerts_set_today (alerts, tb_day_from_iso (TODAY));
  g_assert_cmpint (tb_case_alerts_get_today (alerts), ==, tb_day_from_iso (TODAY));
  g_signal_connect (alerts, "assigned", G_CALLBACK (on_ids), &assigned);
  g_signal_connect (alerts, "due-soon", G_CALLBACK (on_ids), &due);

  /* Everything is new to a new store: nothing to announce. Due soon: the day's first check. */
  client_sync (wangfang);
  g_assert_null (assigned);
  g_assert_nonnull (due);
  g_assert_cmpuint (g_strv_length (due), >, 0);
  g_clear_pointer (&due, g_strfreev);

  client_sync (wangfang);
  g_assert_null (assigned);
  g_assert_null (due);   /* once a day */

  /* Her supervisor gives her a colleague's case. */
  client_sync (chenjing);
  case_id = tb_test_file_text (chenjing->path, "SELECT id FROM cases WHERE assignee_id ="
                                                " 'u-lina' AND closed = 0 ORDER BY ref LIMIT 1");
  g_assert_nonnull (case_id);
  g_assert_true (tb_store_get_user_access (chenjing->store, "u-chenjing", &roles, &teams,
                                           &error));
  g_assert_no_error (error);
  service = tb_case_service_new (chenjing->store, "u-chenjing", roles,
                                 (const char * const *) teams);
  tb_case_service_set_today (service, tb_day_from_iso (TODAY));
  g_assert_true (tb_case_service_reassign (service, case_id, "u-wangfang", &error));
  g_assert_no_error (error);
  client_sync (chenjing);

  client_sync (wangfang);
  g_assert_nonnull (assigned);
  g_assert_cmpuint (g_strv_length (assigned), ==, 1);
  g_assert_cmpstr (assigned[0], ==, case_id);
  g_clear_pointer (&assigned, g_strfreev);

  client_sync (wangfang);
  g_assert_null (assigned);
}

/* Once a day, only the cases not due soon at the previous check. */
static void
test_due_soon (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(Client) wangfang = client_new (f, "wangfang");
  g_autoptr(TbCaseAlerts) alerts = tb_case_alerts_new (wangfang->engine);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) first = NULL;
  g_auto(GStrv) again = NULL;
  g_auto(GStrv) next_day = NULL;
  gint64 n_due;
  TbDay today = tb_day_from_iso (TODAY);

  tb_case_alerts_set_today (alerts, today);
  client_sync (wangfang);   /* the day's check runs after it; forget it to run it here */
  g_assert_true (tb_store_set_meta (wangfang->store, "alerts-due-soon-day", "", &error));
  g_assert_true (tb_store_set_meta (wangfang->store, "alerts-due-soon-ids", "", &error));

  first = tb_case_alerts_check_due_soon (alerts, &error);
  g_assert_no_error (error);
  g_assert_nonnull (first);
  /* TODAY is a Friday: due soon runs to the third working day, Wednesday 2 December. */
  n_due = tb_test_file_int (wangfang->path, "SELECT count (*) FROM cases WHERE assignee_id ="
                                            " 'u-wangfang' AND closed = 0 AND paused_since IS NULL"
                                            " AND deadline BETWEEN '2026-11-27' AND '2026-12-02'");
  g_assert_cmpuint (g_strv_length (first), ==, n_due);
  g_assert_cmpuint (g_strv_length (first), >, 0);

  again = tb_case_alerts_check_due_soon (alerts, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (again), ==, 0);

  /* The next working day the window moves on: only the cases that entered it. */
  tb_case_alerts_set_today (alerts, today + 3);
  next_day = tb_case_alerts_check_due_soon (alerts, &error);
  g_assert_no_error (error);
  for (guint i = 0; next_day[i] != NULL; i++)
    g_assert_false (g_strv_contains ((const char * const *) first, next_day[i]));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/case-alerts/assigned", Fixture, NULL, fixture_setup, test_assigned,
              fixture_teardown);
  g_test_add ("/case-alerts/due-soon", Fixture, NULL, fixture_setup, test_due_soon,
              fixture_teardown);

  return g_test_run ();
}
