/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-inbox-view.c: each sidebar view lists exactly the cases it names, on demo data */

#include "config.h"

#include <glib/gstdio.h>
#include <locale.h>

#include "tb-demo.h"
#include "tb-inbox-view.h"

#define N_CASES 4000

static TbStore *store;
static TbCalendar *calendar;
static TbDay today;
static GPtrArray *all_cases;  /* every TbCase, read once through an unfiltered list */

static gboolean
in_view (TbInboxView  view,
         TbCase      *c,
         const char  *user,
         const char  *team)
{
  gboolean mine = g_strcmp0 (tb_case_get_assignee_id (c), user) == 0;
  gboolean open = !tb_case_get_closed (c);
  TbDay deadline = tb_case_get_deadline (c);
  gboolean running = open && tb_case_get_paused_since (c) == TB_DAY_INVALID
                     && deadline != TB_DAY_INVALID;
  TbSyncState sync = tb_case_get_sync_state (c);

  switch (view)
    {
    case TB_INBOX_VIEW_MINE:
      return mine && open;
    case TB_INBOX_VIEW_DUE_SOON:
      return mine && running && deadline >= today
             && deadline <= tb_calendar_add_working_days (calendar, today,
                                                          TB_INBOX_DUE_SOON_DAYS);
    case TB_INBOX_VIEW_OVERDUE:
      return mine && running && deadline < today;
    case TB_INBOX_VIEW_RETURNED:
      return mine && open && g_str_equal (tb_case_get_state (c), "awaiting_applicant");
    case TB_INBOX_VIEW_DRAFTS:
      return sync == TB_SYNC_STATE_ERROR || sync == TB_SYNC_STATE_CONFLICT;
    case TB_INBOX_VIEW_SENT:
      return sync == TB_SYNC_STATE_PENDING || sync == TB_SYNC_STATE_SENDING;
    case TB_INBOX_VIEW_TEAM:
      return open && g_strcmp0 (tb_case_get_team_id (c), team) == 0;
    case TB_INBOX_VIEW_ALL:
      return TRUE;
    case TB_N_INBOX_VIEWS:
    default:
      g_assert_not_reached ();
    }
}

static GHashTable *
ids_of (GListModel *model)
{
  GHashTable *ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(TbCase) c = g_list_model_get_item (model, i);
      g_assert_true (g_hash_table_add (ids, g_strdup (tb_case_get_id (c))));
    }
  return ids;
}

static void
read_all_cases (void)
{
  g_autoptr(TbCaseList) list = tb_case_list_new (store);

  all_cases = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (list)); i++)
    g_ptr_array_add (all_cases, g_list_model_get_item (G_LIST_MODEL (list), i));
  g_assert_cmpuint (all_cases->len, ==, N_CASES);
}

static void
test_views (void)
{
  g_autoptr(TbCaseList) list = tb_case_list_new (store);
  const char *user = "u-wangfang";
  const char *team = NULL;

  /* The team of wangfang's first case, for the team view. */
  for (guint i = 0; i < all_cases->len && team == NULL; i++)
    if (g_strcmp0 (tb_case_get_assignee_id (all_cases->pdata[i]), user) == 0)
      team = tb_case_get_team_id (all_cases->pdata[i]);
  g_assert_nonnull (team);

  tb_case_list_set_today (list, today);
  tb_case_list_set_calendar (list, calendar);

  /* Every view, twice round, so that each is also reached from every other's filters. */
  for (guint round = 0; round < 2; round++)
    for (TbInboxView view = 0; view < TB_N_INBOX_VIEWS; view++)
      {
        g_autoptr(GHashTable) got = NULL;
        TbInboxFilter decided;
        guint expected = 0;

        decided = tb_inbox_view_configure (view, list, user, team);
        g_assert_null (tb_case_list_get_error (list));
        got = ids_of (G_LIST_MODEL (list));

        for (guint i = 0; i < all_cases->len; i++)
          {
            TbCase *c = all_cases->pdata[i];
            gboolean want = in_view (view, c, user, team);

            if (want != g_hash_table_contains (got, tb_case_get_id (c)))
              g_error ("view %s: case %s %s", tb_inbox_view_to_id (view), tb_case_get_ref (c),
                       want ? "missing" : "listed but should not be");
            expected += want;
          }
        g_assert_cmpuint (g_hash_table_size (got), ==, expected);

        /* The demo data has cases in every view that is not about unsent changes. */
        if (view != TB_INBOX_VIEW_DRAFTS && view != TB_INBOX_VIEW_SENT)
          g_assert_cmpuint (expected, >, 0);

        g_assert_cmpint (decided & TB_INBOX_FILTER_STATE, ==,
                         view == TB_INBOX_VIEW_RETURNED ? TB_INBOX_FILTER_STATE : 0);
        g_assert_cmpint (decided & TB_INBOX_FILTER_DUE, ==,
                         view == TB_INBOX_VIEW_DUE_SOON || view == TB_INBOX_VIEW_OVERDUE
                         ? TB_INBOX_FILTER_DUE : 0);
      }
}

static void
count_emission (GListModel *model,
                guint       position,
                guint       removed,
                guint       added,
                guint      *emissions)
{
  (*emissions)++;
}

/* One configure is one query and one items-changed, however many filters it changes. */
static void
test_one_emission (void)
{
  g_autoptr(TbCaseList) list = tb_case_list_new (store);
  guint emissions = 0;

  tb_case_list_set_today (list, today);
  tb_inbox_view_configure (TB_INBOX_VIEW_RETURNED, list, "u-wangfang", NULL);
  g_signal_connect (list, "items-changed", G_CALLBACK (count_emission), &emissions);

  tb_inbox_view_configure (TB_INBOX_VIEW_TEAM, list, "u-wangfang", "team-xihu");
  g_assert_cmpuint (emissions, ==, 1);
}

static void
test_ids_and_availability (void)
{
  for (TbInboxView view = 0; view < TB_N_INBOX_VIEWS; view++)
    {
      TbInboxView back = TB_N_INBOX_VIEWS;

      g_assert_true (tb_inbox_view_from_id (tb_inbox_view_to_id (view), &back));
      g_assert_cmpint (back, ==, view);
      g_assert_cmpstr (tb_inbox_view_get_title (view), !=, "");
      g_assert_cmpstr (tb_inbox_view_get_empty_description (view), !=, "");
      g_assert_true (tb_inbox_view_is_available (view, "u", TB_ROLE_SUPERVISOR, "t"));
    }
  g_assert_false (tb_inbox_view_from_id ("inbox", &(TbInboxView) { 0 }));
  g_assert_false (tb_inbox_view_from_id (NULL, &(TbInboxView) { 0 }));

  /* No user: only the views that need none. A caseworker has no team view. */
  g_assert_false (tb_inbox_view_is_available (TB_INBOX_VIEW_MINE, NULL, 0, NULL));
  g_assert_true (tb_inbox_view_is_available (TB_INBOX_VIEW_ALL, NULL, 0, NULL));
  g_assert_true (tb_inbox_view_is_available (TB_INBOX_VIEW_SENT, NULL, 0, NULL));
  g_assert_false (tb_inbox_view_is_available (TB_INBOX_VIEW_TEAM, "u", TB_ROLE_CASEWORKER, "t"));
  g_assert_false (tb_inbox_view_is_available (TB_INBOX_VIEW_TEAM, "u", TB_ROLE_SUPERVISOR, NULL));
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  int ret;

  setlocale (LC_ALL, "");
  g_test_init (&argc, &argv, NULL);

  dir = g_dir_make_tmp ("tongban-test-inbox-view-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (dir, "demo.db", NULL);
  store = tb_store_open (path, &error);
  g_assert_no_error (error);
  today = tb_day_from_iso ("2026-11-27");
  g_assert_true (tb_demo_seed_store (store, N_CASES, 7, today, &error));
  g_assert_no_error (error);
  calendar = tb_store_load_calendar (store, &error);
  g_assert_no_error (error);
  read_all_cases ();

  g_test_add_func ("/inbox-view/views", test_views);
  g_test_add_func ("/inbox-view/one-emission", test_one_emission);
  g_test_add_func ("/inbox-view/ids-and-availability", test_ids_and_availability);

  ret = g_test_run ();

  g_clear_pointer (&all_cases, g_ptr_array_unref);
  g_clear_pointer (&calendar, tb_calendar_unref);
  g_clear_object (&store);
  {
    const char *suffixes[] = { "", "-wal", "-shm" };
    for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
      {
        g_autofree char *p = g_strconcat (path, suffixes[i], NULL);
        g_unlink (p);
      }
    g_rmdir (dir);
  }
  return ret;
}
