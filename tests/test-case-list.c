/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-case-list.c: TbCaseList over 100,000 cases: paging, filters, order, minimal changes */

#include "config.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "tb-case-list.h"
#include "tb-test-common.h"

#define N_CASES 100000

/* The truth the list is checked against: plain arrays, filtered and sorted here in C. */
typedef struct
{
  char  id[16];
  char  ref[20];
  char  state[12];
  char  assignee[8];
  char  team[8];
  char  service[8];
  char  name[16];
  TbDay received;
  TbDay deadline;
  TbDay paused;
  int   closed;
  int   sync_state;
} Row;

static const char *states[] = { "received", "accepted", "review", "returned", "approved" };
static const char *surnames[] = { "王", "李", "张", "刘", "陈" };
static const char *given[] = { "芳", "伟", "娜", "敏", "静", "强" };

static char *tmpdir;
static TbStore *store;
static Row *rows;
static guint n_rows;  /* N_CASES, and then the few a test adds */
static TbDay today;

#define MAX_ADDED 8

static guint64
next_random (guint64 *state)
{
  guint64 z = (*state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static void
fill_store (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (tmpdir, "list.db", NULL);
  g_autofree TbCaseRecord *records = g_new0 (TbCaseRecord, N_CASES);
  guint64 seed = 42;

  store = tb_store_open (path, &error);
  g_assert_no_error (error);

  today = tb_day_from_iso ("2026-11-27");
  rows = g_new0 (Row, N_CASES + MAX_ADDED);
  n_rows = N_CASES;

  for (guint i = 0; i < N_CASES; i++)
    {
      Row *r = &rows[i];
      guint64 x = next_random (&seed);

      g_snprintf (r->id, sizeof r->id, "c%07u", i * 7919 % N_CASES);
      g_snprintf (r->ref, sizeof r->ref, "TB-2026-%06u", i);
      g_strlcpy (r->state, states[x % G_N_ELEMENTS (states)], sizeof r->state);
      g_snprintf (r->assignee, sizeof r->assignee, "u%u", (guint) (x >> 8) % 8);
      g_snprintf (r->team, sizeof r->team, "t%u", (guint) (x >> 16) % 2);
      g_snprintf (r->service, sizeof r->service, "s%u", (guint) (x >> 20) % 4);
      g_snprintf (r->name, sizeof r->name, "%s%s", surnames[(x >> 24) % 5], given[(x >> 28) % 6]);
      r->received = today - 90 + (guint) ((x >> 32) % 91);
      r->deadline = r->received + 5 + (guint) ((x >> 40) % 40);
      r->closed = g_str_equal (r->state, "approved");
      r->paused = g_str_equal (r->state, "returned") ? r->received + 3 : TB_DAY_INVALID;

      records[i] = (TbCaseRecord) {
        .id = r->id, .ref = r->ref, .service_id = r->service, .state = r->state,
        .assignee_id = r->assignee, .team_id = r->team, .applicant_name = r->name,
        .applicant_kind = "person", .received_on = r->received, .deadline = r->deadline,
        .paused_since = r->paused, .closed = r->closed, .version = 1, .form_json = "{}",
      };
    }

  g_assert_true (tb_store_put_cases (store, records, N_CASES, &error));
  g_assert_no_error (error);
}

static int
compare_deadline (const void *a,
                  const void *b)
{
  const Row *x = *(const Row * const *) a;
  const Row *y = *(const Row * const *) b;

  /* Open cases first, then by deadline. */
  if (x->closed != y->closed)
    return x->closed < y->closed ? -1 : 1;
  if (x->deadline != y->deadline)
    return x->deadline < y->deadline ? -1 : 1;
  return x < y ? -1 : (x > y);  /* rows were inserted in array order: rowid order */
}

static int
compare_received_desc (const void *a,
                       const void *b)
{
  const Row *x = *(const Row * const *) a;
  const Row *y = *(const Row * const *) b;

  if (x->received != y->received)
    return x->received > y->received ? -1 : 1;
  return x > y ? -1 : (x < y);
}

static int
compare_ref (const void *a,
             const void *b)
{
  return strcmp ((*(const Row * const *) a)->ref, (*(const Row * const *) b)->ref);
}

typedef gboolean (*RowFilter) (const Row *row, gpointer data);

static GPtrArray *
expected_rows (RowFilter filter,
               gpointer  data,
               int     (*compare) (const void *, const void *))
{
  GPtrArray *out = g_ptr_array_new ();

  for (guint i = 0; i < n_rows; i++)
    if (filter == NULL || filter (&rows[i], data))
      g_ptr_array_add (out, &rows[i]);
  qsort (out->pdata, out->len, sizeof (gpointer), compare);
  return out;
}

/* The list holds exactly the expected rows in the expected order: its length, both ends, every
 * row of a few pages, and a spread of random positions. */
static void
assert_list_is (TbCaseList *list,
                GPtrArray  *expected)
{
  GListModel *model = G_LIST_MODEL (list);
  guint n = expected->len;

  g_assert_null (tb_case_list_get_error (list));
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, n);
  g_assert_null (g_list_model_get_item (model, n));

  for (guint k = 0; k < 400 && n > 0; k++)
    {
      guint pos = k < 150 ? k : (k < 200 ? n - 1 - (k - 150) % n : (guint) g_test_rand_int_range (0, n));
      g_autoptr(TbCase) c = NULL;
      const Row *want;

      if (pos >= n)
        continue;
      c = g_list_model_get_item (model, pos);
      want = g_ptr_array_index (expected, pos);
      g_assert_nonnull (c);
      if (g_strcmp0 (tb_case_get_id (c), want->id) != 0)
        g_error ("position %u: expected %s, got %s", pos, want->id, tb_case_get_id (c));
    }
}

static void
test_paging (void)
{
  g_autoptr(TbCaseList) list = tb_case_list_new (store);
  g_autoptr(GPtrArray) expected = expected_rows (NULL, NULL, compare_deadline);
  guint before = g_type_get_instance_count (TB_TYPE_CASE);

  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (list)) == TB_TYPE_CASE);
  assert_list_is (list, expected);

  /* Reading all over a long list keeps only a few pages of objects alive. */
  for (guint i = 0; i < 3000; i++)
    {
      g_autoptr(TbCase) c = g_list_model_get_item (G_LIST_MODEL (list),
                                                   g_test_rand_int_range (0, N_CASES));
      g_assert_nonnull (c);
    }
  g_assert_cmpint (g_type_get_instance_count (TB_TYPE_CASE) - before, <=, 16 * 100);
}

static gboolean
filter_state (const Row *r,
              gpointer   data)
{
  return g_str_equal (r->state, data);
}

static gboolean
filter_assignee_team (const Row *r,
                      gpointer   data)
{
  return g_str_equal (r->assignee, "u3") && g_str_equal (r->team, "t1");
}

static gboolean
filter_overdue (const Row *r,
                gpointer   data)
{
  return !r->closed && r->paused == TB_DAY_INVALID && r->deadline < today;
}

static gboolean
filter_due_soon (const Row *r,
                 gpointer   data)
{
  TbDay cutoff = GPOINTER_TO_UINT (data);

  return !r->closed && r->paused == TB_DAY_INVALID && r->deadline >= today
         && r->deadline <= cutoff;
}

static gboolean
filter_name_service (const Row *r,
                     gpointer   data)
{
  return g_str_equal (r->name, "王芳") && g_str_equal (r->service, "s2");
}

static gboolean
filter_surname_wang (const Row *r,
                     gpointer   data)
{
  return g_str_has_prefix (r->name, "王");
}

static gboolean
filter_wang_service (const Row *r,
                     gpointer   data)
{
  return g_str_has_prefix (r->name, "王") && g_str_equal (r->service, data);
}

static gboolean
filter_name_ref_open (const Row *r,
                      gpointer   data)
{
  return g_str_equal (r->name, "王芳") && g_str_has_prefix (r->ref, "TB-2026-00") && !r->closed;
}

static gboolean
filter_ref_prefix (const Row *r,
                   gpointer   data)
{
  return g_str_has_prefix (r->ref, data);
}

static gboolean
filter_ref_prefix_service (const Row *r,
                           gpointer   data)
{
  return g_str_has_prefix (r->ref, "TB-2026-00") && g_str_equal (r->service, data);
}

static void
test_filters (void)
{
  g_autoptr(TbCaseList) list = tb_case_list_new (store);
  g_autoptr(TbCalendar) calendar = tb_calendar_new ();
  g_autoptr(GError) error = NULL;

  tb_case_list_set_today (list, today);

  {
    g_autoptr(GPtrArray) expected = expected_rows (filter_state, "review", compare_deadline);
    tb_case_list_set_state (list, "review");
    g_assert_cmpuint (expected->len, >, 1000);
    assert_list_is (list, expected);
    tb_case_list_set_state (list, NULL);
  }

  {
    g_autoptr(GPtrArray) expected = expected_rows (filter_assignee_team, NULL, compare_deadline);
    tb_case_list_set_assignee (list, "u3");
    tb_case_list_set_team (list, "t1");
    assert_list_is (list, expected);
    tb_case_list_set_assignee (list, NULL);
    tb_case_list_set_team (list, NULL);
  }

  {
    g_autoptr(GPtrArray) expected = expected_rows (filter_overdue, NULL, compare_deadline);
    tb_case_list_set_overdue (list, TRUE);
    g_assert_cmpuint (expected->len, >, 100);
    assert_list_is (list, expected);
    tb_case_list_set_overdue (list, FALSE);
  }

  /* Due within 3 working days of Friday 2026-11-27: up to Wednesday 2026-12-02. */
  {
    g_autoptr(GPtrArray) expected = NULL;
    TbDay cutoff = tb_day_from_iso ("2026-12-02");

    g_assert_true (tb_calendar_load_bundled (calendar, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (tb_calendar_add_working_days (calendar, today, 3), ==, cutoff);
    expected = expected_rows (filter_due_soon, GUINT_TO_POINTER (cutoff), compare_deadline);
    tb_case_list_set_calendar (list, calendar);
    tb_case_list_set_due_within (list, 3);
    g_assert_cmpuint (expected->len, >, 100);
    assert_list_is (list, expected);
    tb_case_list_set_due_within (list, -1);
  }

  {
    g_autoptr(GPtrArray) expected = expected_rows (filter_name_service, NULL, compare_deadline);
    tb_case_list_set_search_text (list, "王芳");
    tb_case_list_set_service (list, "s2");
    g_assert_cmpuint (expected->len, >, 100);
    assert_list_is (list, expected);
    tb_case_list_set_search_text (list, NULL);
    tb_case_list_set_service (list, NULL);
  }

  /* Reference prefixes, typed in any case: a range of the reference index, few or many. */
  {
    g_autoptr(GPtrArray) few = expected_rows (filter_ref_prefix, "TB-2026-0001",
                                              compare_deadline);
    g_autoptr(GPtrArray) many = expected_rows (filter_ref_prefix, "TB-2026-00",
                                               compare_deadline);
    g_autoptr(GPtrArray) one = expected_rows (filter_ref_prefix, "TB-2026-012345",
                                              compare_deadline);

    g_assert_cmpuint (few->len, ==, 100);
    g_assert_cmpuint (many->len, ==, 10000);
    g_assert_cmpuint (one->len, ==, 1);
    tb_case_list_set_search_text (list, "TB-2026-0001");
    assert_list_is (list, few);
    tb_case_list_set_search_text (list, " tb-2026-00 ");
    assert_list_is (list, many);
    tb_case_list_set_search_text (list, "TB-2026-012345");
    assert_list_is (list, one);
    tb_case_list_set_search_text (list, NULL);
  }

  /* Many references among other filters, and in another order: the page tests the range against
   * the rowids read off the reference index. */
  {
    g_autoptr(GPtrArray) expected = expected_rows (filter_ref_prefix_service, "s1",
                                                   compare_deadline);
    g_autoptr(GPtrArray) by_ref = expected_rows (filter_ref_prefix, "TB-2026-00", compare_ref);

    g_assert_cmpuint (expected->len, >, 2000);
    tb_case_list_set_search_text (list, "TB-2026-00");
    tb_case_list_set_service (list, "s1");
    assert_list_is (list, expected);
    tb_case_list_set_service (list, NULL);
    tb_case_list_set_sort (list, TB_CASE_SORT_REFERENCE, FALSE);
    assert_list_is (list, by_ref);
    tb_case_list_set_sort (list, TB_CASE_SORT_DEADLINE, FALSE);
    tb_case_list_set_search_text (list, NULL);
  }

  /* A text that matches many cases: the page walks the order's index instead. */
  {
    g_autoptr(GPtrArray) expected = expected_rows (filter_surname_wang, NULL, compare_deadline);
    tb_case_list_set_search_text (list, "王");
    g_assert_cmpuint (expected->len, >, 10000);
    assert_list_is (list, expected);
    tb_case_list_set_search_text (list, NULL);
  }

  /* A few hundred matches under a filter that selects most cases: each match is looked up,
   * rather than the filter's index walked (see count_with_matches()). */
  {
    g_autoptr(GPtrArray) expected = expected_rows (filter_name_ref_open, NULL, compare_deadline);
    g_autoptr(GPtrArray) by_ref = expected_rows (filter_name_ref_open, NULL, compare_ref);

    tb_case_list_set_open_only (list, TRUE);
    tb_case_list_set_search_text (list, "王芳 TB-2026-00");
    g_assert_cmpuint (expected->len, >, 100);
    g_assert_cmpuint (expected->len, <, 1000);
    assert_list_is (list, expected);
    tb_case_list_set_sort (list, TB_CASE_SORT_REFERENCE, FALSE);
    assert_list_is (list, by_ref);
    tb_case_list_set_sort (list, TB_CASE_SORT_DEADLINE, FALSE);
    tb_case_list_set_search_text (list, NULL);
    tb_case_list_set_open_only (list, FALSE);
  }

  /* Many matches under another filter too: the set of matches is read once, for the count and
   * the pages, and the count walks the filter's index. */
  {
    g_autoptr(GPtrArray) expected = expected_rows (filter_wang_service, "s1", compare_deadline);
    tb_case_list_set_service (list, "s1");
    tb_case_list_set_search_text (list, "王");
    g_assert_cmpuint (expected->len, >, 2000);
    assert_list_is (list, expected);
    tb_case_list_set_search_text (list, NULL);
    tb_case_list_set_service (list, NULL);
  }

  {
    g_autoptr(GPtrArray) expected = expected_rows (NULL, NULL, compare_deadline);
    assert_list_is (list, expected);
  }
}

static gboolean
filter_open (const Row *r,
             gpointer   data)
{
  return !r->closed;
}

static gboolean
filter_sync_mask (const Row *r,
                  gpointer   data)
{
  return (GPOINTER_TO_UINT (data) & (1u << r->sync_state)) != 0;
}

static gboolean
filter_mine_unsent_open (const Row *r,
                         gpointer   data)
{
  return !r->closed && g_str_equal (r->assignee, "u2")
         && (r->sync_state == TB_SYNC_STATE_PENDING || r->sync_state == TB_SYNC_STATE_SENDING);
}

/* Sets the sync state of every @step-th row behind the store's back (the list is rebuilt after),
 * cycling through the states that are not synced. */
static void
mark_unsynced (guint step,
               int   clear)
{
  g_autofree char *path = g_build_filename (tmpdir, "list.db", NULL);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "BEGIN", NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "UPDATE cases SET sync_state = ? WHERE id = ?", -1,
                                       &stmt, NULL), ==, SQLITE_OK);
  for (guint i = 0; i < n_rows; i += step)
    {
      rows[i].sync_state = clear ? TB_SYNC_STATE_SYNCED : 1 + (int) (i / step) % 4;
      sqlite3_bind_int (stmt, 1, rows[i].sync_state);
      sqlite3_bind_text (stmt, 2, rows[i].id, -1, SQLITE_STATIC);
      g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
      sqlite3_reset (stmt);
    }
  sqlite3_finalize (stmt);
  g_assert_cmpint (sqlite3_exec (db, "COMMIT", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
}

/* The sidebar's views: open cases only, and cases by sync state (waiting to be sent, in
 * conflict), alone and with other filters. */
static void
test_open_and_sync_filters (void)
{
  guint unsent = (1u << TB_SYNC_STATE_PENDING) | (1u << TB_SYNC_STATE_SENDING);
  guint troubled = (1u << TB_SYNC_STATE_ERROR) | (1u << TB_SYNC_STATE_CONFLICT);
  guint synced_or_conflict = (1u << TB_SYNC_STATE_SYNCED) | (1u << TB_SYNC_STATE_CONFLICT);

  mark_unsynced (37, FALSE);

  {
    g_autoptr(TbCaseList) list = tb_case_list_new (store);
    g_autoptr(GPtrArray) open = expected_rows (filter_open, NULL, compare_deadline);
    g_autoptr(GPtrArray) sent = expected_rows (filter_sync_mask, GUINT_TO_POINTER (unsent),
                                               compare_deadline);
    g_autoptr(GPtrArray) drafts = expected_rows (filter_sync_mask, GUINT_TO_POINTER (troubled),
                                                 compare_deadline);
    g_autoptr(GPtrArray) mixed = expected_rows (filter_sync_mask,
                                                GUINT_TO_POINTER (synced_or_conflict),
                                                compare_received_desc);
    g_autoptr(GPtrArray) mine = expected_rows (filter_mine_unsent_open, NULL, compare_deadline);
    guint mask = 0;
    gboolean open_only = FALSE;

    tb_case_list_set_open_only (list, TRUE);
    g_assert_cmpuint (open->len, <, n_rows);
    assert_list_is (list, open);
    g_object_get (list, "open-only", &open_only, NULL);
    g_assert_true (open_only);
    tb_case_list_set_open_only (list, FALSE);

    tb_case_list_set_sync_states (list, unsent);
    g_assert_cmpuint (sent->len, >, 1000);
    assert_list_is (list, sent);
    g_object_get (list, "sync-states", &mask, NULL);
    g_assert_cmpuint (mask, ==, unsent);

    tb_case_list_set_sync_states (list, troubled);
    assert_list_is (list, drafts);

    /* With the synced state listed, the partial index does not apply; the result must not
     * change because of it. */
    tb_case_list_set_sync_states (list, synced_or_conflict);
    tb_case_list_set_sort (list, TB_CASE_SORT_RECEIVED, TRUE);
    assert_list_is (list, mixed);
    tb_case_list_set_sort (list, TB_CASE_SORT_DEADLINE, FALSE);

    tb_case_list_set_sync_states (list, unsent);
    tb_case_list_set_assignee (list, "u2");
    tb_case_list_set_open_only (list, TRUE);
    g_assert_cmpuint (mine->len, >, 10);
    assert_list_is (list, mine);
  }

  mark_unsynced (37, TRUE);
}

static void
test_sort (void)
{
  g_autoptr(TbCaseList) list = tb_case_list_new (store);

  {
    g_autoptr(GPtrArray) expected = expected_rows (NULL, NULL, compare_received_desc);
    tb_case_list_set_sort (list, TB_CASE_SORT_RECEIVED, TRUE);
    assert_list_is (list, expected);
  }
  {
    g_autoptr(GPtrArray) expected = expected_rows (NULL, NULL, compare_ref);
    tb_case_list_set_sort (list, TB_CASE_SORT_REFERENCE, FALSE);
    assert_list_is (list, expected);
  }
  {
    g_autoptr(GPtrArray) expected = expected_rows (filter_state, "accepted", compare_ref);
    tb_case_list_set_state (list, "accepted");
    assert_list_is (list, expected);
  }
}

static guint
index_of (GPtrArray  *expected,
          const char *id)
{
  for (guint i = 0; i < expected->len; i++)
    if (g_str_equal (((Row *) g_ptr_array_index (expected, i))->id, id))
      return i;
  g_assert_not_reached ();
}

/* Writes @r to the store: a new case, or the next version of the one there. */
static void
put_row (Row *r)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TbCase) old = tb_store_get_case (store, r->id, &error);
  TbCaseRecord record = {
    .id = r->id, .ref = r->ref, .service_id = r->service, .state = r->state,
    .assignee_id = r->assignee, .team_id = r->team, .applicant_name = r->name,
    .applicant_kind = "person", .received_on = r->received, .deadline = r->deadline,
    .paused_since = r->paused, .closed = r->closed,
    .version = old != NULL ? tb_case_get_version (old) + 1 : 1, .form_json = "{}",
  };

  if (old == NULL)
    g_assert_error (error, TB_STORE_ERROR, TB_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_true (tb_store_put_cases (store, &record, 1, &error));
  g_assert_no_error (error);
}

static void
test_one_row_changes (void)
{
  g_autoptr(TbCaseList) list = tb_case_list_new (store);
  g_autoptr(GArray) log = NULL;
  g_autoptr(GPtrArray) expected = expected_rows (NULL, NULL, compare_deadline);
  Row *row = g_ptr_array_index (expected, 54321);
  TbTestEmission *e;
  guint old_pos, new_pos;

  log = tb_test_log_items_changed (G_LIST_MODEL (list));

  /* A change that keeps the row's place: one row changed in place. */
  g_strlcpy (row->state, "accepted", sizeof row->state);
  put_row (row);
  g_assert_cmpuint (log->len, ==, 1);
  e = &g_array_index (log, TbTestEmission, 0);
  g_assert_cmpuint (e->position, ==, 54321);
  g_assert_cmpuint (e->removed, ==, 1);
  g_assert_cmpuint (e->added, ==, 1);
  {
    g_autoptr(TbCase) c = g_list_model_get_item (G_LIST_MODEL (list), 54321);
    g_assert_cmpstr (tb_case_get_state (c), ==, "accepted");
  }

  /* A new deadline moves the row: removed at its old place, added at its new one. */
  g_array_set_size (log, 0);
  old_pos = 54321;
  row->deadline += 30;
  g_ptr_array_unref (expected);
  expected = expected_rows (NULL, NULL, compare_deadline);
  new_pos = index_of (expected, row->id);
  g_assert_cmpuint (new_pos, >, old_pos);
  put_row (row);
  g_assert_cmpuint (log->len, ==, 2);
  e = &g_array_index (log, TbTestEmission, 0);
  g_assert_cmpuint (e->position, ==, old_pos);
  g_assert_cmpuint (e->removed, ==, 1);
  g_assert_cmpuint (e->added, ==, 0);
  e = &g_array_index (log, TbTestEmission, 1);
  g_assert_cmpuint (e->position, ==, new_pos);
  g_assert_cmpuint (e->removed, ==, 0);
  g_assert_cmpuint (e->added, ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, N_CASES);
  assert_list_is (list, expected);

  /* Under a filter, a row that stops matching leaves, and one that starts matching enters. */
  tb_case_list_set_state (list, "review");
  g_ptr_array_unref (expected);
  expected = expected_rows (filter_state, "review", compare_deadline);
  row = g_ptr_array_index (expected, 100);
  g_array_set_size (log, 0);
  g_strlcpy (row->state, "approved", sizeof row->state);
  row->closed = TRUE;
  put_row (row);
  g_assert_cmpuint (log->len, ==, 1);
  e = &g_array_index (log, TbTestEmission, 0);
  g_assert_cmpuint (e->position, ==, 100);
  g_assert_cmpuint (e->removed, ==, 1);
  g_assert_cmpuint (e->added, ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, expected->len - 1);

  g_array_set_size (log, 0);
  g_strlcpy (row->state, "review", sizeof row->state);
  row->closed = FALSE;
  put_row (row);
  g_assert_cmpuint (log->len, ==, 1);
  e = &g_array_index (log, TbTestEmission, 0);
  g_assert_cmpuint (e->position, ==, 100);
  g_assert_cmpuint (e->removed, ==, 0);
  g_assert_cmpuint (e->added, ==, 1);
  assert_list_is (list, expected);

  /* A change to a row outside the filter is not announced at all. */
  g_array_set_size (log, 0);
  row = NULL;
  for (guint i = 0; i < N_CASES && row == NULL; i++)
    if (g_str_equal (rows[i].state, "received"))
      row = &rows[i];
  row->deadline += 1;
  put_row (row);
  g_assert_cmpuint (log->len, ==, 0);

  /* With a search, a change that keeps the text is still one row. */
  tb_case_list_set_state (list, NULL);
  tb_case_list_set_search_text (list, "王芳");
  tb_case_list_set_service (list, "s2");
  g_ptr_array_unref (expected);
  expected = expected_rows (filter_name_service, NULL, compare_deadline);
  row = g_ptr_array_index (expected, 3);
  g_array_set_size (log, 0);
  g_strlcpy (row->state, "accepted", sizeof row->state);
  put_row (row);
  g_assert_cmpuint (log->len, ==, 1);
  e = &g_array_index (log, TbTestEmission, 0);
  g_assert_cmpuint (e->removed, ==, 1);
  g_assert_cmpuint (e->added, ==, 1);
  {
    g_autoptr(TbCase) c = g_list_model_get_item (G_LIST_MODEL (list), e->position);
    g_assert_cmpstr (tb_case_get_id (c), ==, row->id);
  }
}

/* A search with many matches reads the set of matching rows once; a case added or changed later
 * must still be found in its place, and one that stops matching must leave. */
/* Adds a new open case to the store and to the truth, received long ago. */
static Row *
add_row (const char *id,
         const char *ref,
         const char *name,
         TbDay       deadline)
{
  Row *row;

  g_assert_cmpuint (n_rows, <, N_CASES + MAX_ADDED);
  row = &rows[n_rows++];
  g_strlcpy (row->id, id, sizeof row->id);
  g_strlcpy (row->ref, ref, sizeof row->ref);
  g_strlcpy (row->state, "received", sizeof row->state);
  g_strlcpy (row->assignee, "u1", sizeof row->assignee);
  g_strlcpy (row->team, "t0", sizeof row->team);
  g_strlcpy (row->service, "s0", sizeof row->service);
  g_strlcpy (row->name, name, sizeof row->name);
  row->received = today - 200;
  row->deadline = deadline;
  row->paused = TB_DAY_INVALID;
  row->closed = 0;
  put_row (row);
  return row;
}

static void
test_many_matches_follow_changes (void)
{
  g_autoptr(TbCaseList) list = tb_case_list_new (store);
  g_autoptr(GArray) log = NULL;
  g_autoptr(GPtrArray) expected = NULL;
  Row *row;
  TbTestEmission *e;

  tb_case_list_set_search_text (list, "王");
  expected = expected_rows (filter_surname_wang, NULL, compare_deadline);
  g_assert_cmpuint (expected->len, >, 2000);
  assert_list_is (list, expected);
  log = tb_test_log_items_changed (G_LIST_MODEL (list));

  /* A new matching case, due first of all. */
  row = add_row ("new-1", "TB-2027-000001", "王新", today - 100);
  g_ptr_array_unref (expected);
  expected = expected_rows (filter_surname_wang, NULL, compare_deadline);
  g_assert_cmpuint (log->len, ==, 1);
  e = &g_array_index (log, TbTestEmission, 0);
  g_assert_cmpuint (e->position, ==, 0);
  g_assert_cmpuint (e->removed, ==, 0);
  g_assert_cmpuint (e->added, ==, 1);
  assert_list_is (list, expected);

  /* A field change keeps it in the set of matches, now at another place. */
  g_array_set_size (log, 0);
  row->deadline = today + 400;
  put_row (row);
  g_ptr_array_unref (expected);
  expected = expected_rows (filter_surname_wang, NULL, compare_deadline);
  g_assert_cmpuint (log->len, ==, 2);
  assert_list_is (list, expected);

  /* A new name that no longer matches: it leaves the list. */
  g_array_set_size (log, 0);
  g_strlcpy (row->name, "李新", sizeof row->name);
  put_row (row);
  g_ptr_array_unref (expected);
  expected = expected_rows (filter_surname_wang, NULL, compare_deadline);
  g_assert_cmpuint (log->len, >=, 1);
  assert_list_is (list, expected);

  /* The same for many references, whose rowids are read off the reference index once. */
  tb_case_list_set_search_text (list, "TB-2026-00");
  g_ptr_array_unref (expected);
  expected = expected_rows (filter_ref_prefix, "TB-2026-00", compare_deadline);
  assert_list_is (list, expected);
  g_array_set_size (log, 0);
  g_strlcpy (row->ref, "TB-2026-00A", sizeof row->ref);
  row->deadline = today - 100;
  put_row (row);
  g_ptr_array_unref (expected);
  expected = expected_rows (filter_ref_prefix, "TB-2026-00", compare_deadline);
  g_assert_true (g_ptr_array_index (expected, 0) == row);
  g_assert_cmpuint (log->len, ==, 1);
  e = &g_array_index (log, TbTestEmission, 0);
  g_assert_cmpuint (e->position, ==, 0);
  g_assert_cmpuint (e->removed, ==, 0);
  g_assert_cmpuint (e->added, ==, 1);
  assert_list_is (list, expected);

  /* A new deadline moves it; a new reference takes it out. */
  row->deadline = today + 400;
  put_row (row);
  g_ptr_array_unref (expected);
  expected = expected_rows (filter_ref_prefix, "TB-2026-00", compare_deadline);
  assert_list_is (list, expected);
  g_strlcpy (row->ref, "TB-2027-000001", sizeof row->ref);
  put_row (row);
  g_ptr_array_unref (expected);
  expected = expected_rows (filter_ref_prefix, "TB-2026-00", compare_deadline);
  assert_list_is (list, expected);
}

static gboolean
filter_name_prefix (const Row *r,
                    gpointer   data)
{
  return g_str_has_prefix (r->name, data);
}

typedef struct
{
  gboolean  done;
  gboolean  ok;
  GError   *error;
} SearchWait;

static void
on_search_set (GObject      *object,
               GAsyncResult *result,
               gpointer      data)
{
  SearchWait *w = data;

  g_assert_false (w->done);
  w->ok = tb_case_list_set_search_text_finish (TB_CASE_LIST (object), result, &w->error);
  w->done = TRUE;
}

static void
wait_search (SearchWait *w)
{
  while (!w->done)
    g_main_context_iteration (NULL, TRUE);
}

static void
assert_search_set (SearchWait *w)
{
  wait_search (w);
  g_assert_no_error (w->error);
  g_assert_true (w->ok);
}

static void
assert_search_given_up (SearchWait *w)
{
  wait_search (w);
  g_assert_error (w->error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (w->ok);
  g_clear_error (&w->error);
}

/* Searching with the matches read on a worker thread: the list shows the search only when it
 * is read, the last search set wins, and a change made during the read is not lost. */
static void
test_search_async (void)
{
  g_autoptr(TbCaseList) list = tb_case_list_new (store);
  g_autoptr(GPtrArray) expected = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  SearchWait w1 = { 0, }, w2 = { 0, }, w3 = { 0, }, w4 = { 0, }, w5 = { 0, };
  Row *row;

  /* Until the matches are read, the list is as it was. */
  tb_case_list_set_search_text_async (list, "王", NULL, on_search_set, &w1);
  g_assert_null (tb_case_list_get_search_text (list));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, n_rows);
  assert_search_set (&w1);
  g_assert_cmpstr (tb_case_list_get_search_text (list), ==, "王");
  expected = expected_rows (filter_name_prefix, "王", compare_deadline);
  assert_list_is (list, expected);

  /* A search set before the last one was read gives that one up. */
  memset (&w1, 0, sizeof w1);
  tb_case_list_set_search_text_async (list, "李", NULL, on_search_set, &w1);
  tb_case_list_set_search_text_async (list, "张", NULL, on_search_set, &w2);
  assert_search_given_up (&w1);
  assert_search_set (&w2);
  g_assert_cmpstr (tb_case_list_get_search_text (list), ==, "张");
  g_ptr_array_unref (expected);
  expected = expected_rows (filter_name_prefix, "张", compare_deadline);
  assert_list_is (list, expected);

  /* So does one set at once, and the caller's cancellable. */
  tb_case_list_set_search_text_async (list, "李", NULL, on_search_set, &w3);
  tb_case_list_set_search_text (list, "王");
  assert_search_given_up (&w3);
  tb_case_list_set_search_text_async (list, "陈", cancellable, on_search_set, &w4);
  g_cancellable_cancel (cancellable);
  assert_search_given_up (&w4);
  g_assert_cmpstr (tb_case_list_get_search_text (list), ==, "王");
  g_ptr_array_unref (expected);
  expected = expected_rows (filter_name_prefix, "王", compare_deadline);
  assert_list_is (list, expected);

  /* A matching case written while the matches are read is in the list all the same. */
  tb_case_list_set_search_text_async (list, "刘", NULL, on_search_set, &w5);
  row = add_row ("new-async", "TB-2027-000009", "刘新", today - 150);
  assert_search_set (&w5);
  g_ptr_array_unref (expected);
  expected = expected_rows (filter_name_prefix, "刘", compare_deadline);
  g_assert_true (g_ptr_array_index (expected, 0) == row);
  assert_list_is (list, expected);

  /* A reference needs no read: it is set at once, and still reported from the main loop. */
  memset (&w1, 0, sizeof w1);
  tb_case_list_set_search_text_async (list, "TB-2026-000", NULL, on_search_set, &w1);
  g_assert_cmpstr (tb_case_list_get_search_text (list), ==, "TB-2026-000");
  g_assert_false (w1.done);
  assert_search_set (&w1);
  g_ptr_array_unref (expected);
  expected = expected_rows (filter_ref_prefix, "TB-2026-000", compare_deadline);
  assert_list_is (list, expected);
}

static gboolean
filter_ref_word (const Row *r,
                 gpointer   data)
{
  /* A word of the text, as the index splits it: the references' words, the name never. */
  g_auto(GStrv) words = g_strsplit (r->ref, "-", -1);

  for (guint i = 0; words[i] != NULL; i++)
    if (g_str_has_prefix (words[i], data))
      return TRUE;
  return FALSE;
}

/* References typed from their start: a word that begins every reference finds every case
 * without a full-text query, and a reference range that spans nearly every case is counted by
 * what lies outside it. Both must still give exactly the cases the slow way finds. */
static void
test_whole_reference_ranges (void)
{
  g_autoptr(TbCaseList) list = tb_case_list_new (store);
  g_autoptr(GArray) log = NULL;
  g_autoptr(GPtrArray) expected = NULL;
  g_autoptr(GError) error = NULL;
  Row *row;

  /* Every reference starts with TB (test_many_matches_follow_changes() left a TB-2027 one). */
  for (guint i = 0; i < n_rows; i++)
    g_assert_true (g_str_has_prefix (rows[i].ref, "TB-"));

  expected = expected_rows (NULL, NULL, compare_deadline);
  tb_case_list_set_search_text (list, "T");
  assert_list_is (list, expected);
  tb_case_list_set_search_text (list, "tb");
  assert_list_is (list, expected);
  tb_case_list_set_search_text (list, "TB-");
  assert_list_is (list, expected);

  /* Ranges of the reference index that hold all but a few cases, or all, or a tenth. */
  {
    const char *prefixes[] = { "TB-2", "TB-2026", "tb-2026-0", "TB-2027", "TB-2026-00" };

    for (guint i = 0; i < G_N_ELEMENTS (prefixes); i++)
      {
        g_autofree char *upper = g_ascii_strup (prefixes[i], -1);
        g_autoptr(GPtrArray) range = expected_rows (filter_ref_prefix, upper, compare_deadline);

        tb_case_list_set_search_text (list, prefixes[i]);
        assert_list_is (list, range);
      }
    g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 10000);
  }

  /* A case whose reference starts otherwise: T is a full-text query again, which finds it only
   * by a word that starts with t. */
  tb_case_list_set_search_text (list, "T");
  log = tb_test_log_items_changed (G_LIST_MODEL (list));
  row = add_row ("other-1", "XY-2026-000001", "赵新", today - 100);
  g_ptr_array_unref (expected);
  expected = expected_rows (filter_ref_word, "T", compare_deadline);
  g_assert_cmpuint (expected->len, ==, n_rows - 1);
  assert_list_is (list, expected);

  tb_case_list_set_search_text (list, "X");
  g_ptr_array_unref (expected);
  expected = expected_rows (filter_ref_word, "X", compare_deadline);
  g_assert_cmpuint (expected->len, ==, 1);
  assert_list_is (list, expected);

  /* Its reference now starts with TB too: T finds every case at once again. */
  tb_case_list_set_search_text (list, "T");
  g_strlcpy (row->ref, "TB-2025-000001", sizeof row->ref);
  put_row (row);
  g_ptr_array_unref (expected);
  expected = expected_rows (NULL, NULL, compare_deadline);
  assert_list_is (list, expected);

  /* The range of TB-2026 has one case below it and one above. */
  tb_case_list_set_search_text (list, "TB-2026-");
  g_ptr_array_unref (expected);
  expected = expected_rows (filter_ref_prefix, "TB-2026-", compare_deadline);
  g_assert_cmpuint (expected->len, ==, n_rows - 2);
  assert_list_is (list, expected);
}

/* What a view does with a new query: the rows it shows are replaced on their own, before the rest
 * of the list, and a case that stays unchanged stays the same object, so that the view keeps its
 * row. */
static void
test_reload_keeps_rows (void)
{
  g_autoptr(TbCaseList) list = tb_case_list_new (store);
  g_autoptr(GArray) log = NULL;
  g_autoptr(GPtrArray) held = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) expected = expected_rows (NULL, NULL, compare_deadline);
  g_autoptr(GError) error = NULL;
  TbCaseRecord records[2];
  guint n = expected->len;
  TbTestEmission *e;

  for (guint i = 0; i < 150; i++)
    g_ptr_array_add (held, g_list_model_get_item (G_LIST_MODEL (list), i));
  log = tb_test_log_items_changed (G_LIST_MODEL (list));

  /* Two changes at once (as a sync brings them), far down the list: all is read again. */
  for (guint i = 0; i < 2; i++)
    {
      Row *r = g_ptr_array_index (expected, n - 1000 + i);
      g_autoptr(TbCase) old = tb_store_get_case (store, r->id, &error);

      g_assert_no_error (error);
      records[i] = (TbCaseRecord) {
        .id = r->id, .ref = r->ref, .service_id = r->service, .state = r->state,
        .assignee_id = r->assignee, .team_id = r->team, .applicant_name = r->name,
        .applicant_kind = "person", .received_on = r->received, .deadline = r->deadline,
        .paused_since = r->paused, .closed = r->closed,
        .version = tb_case_get_version (old) + 1, .form_json = "{}",
      };
    }
  g_assert_true (tb_store_put_cases (store, records, 2, &error));
  g_assert_no_error (error);

  g_assert_cmpuint (log->len, ==, 2);
  e = &g_array_index (log, TbTestEmission, 0);
  g_assert_cmpuint (e->position, ==, 0);
  g_assert_cmpuint (e->removed, ==, 150);
  g_assert_cmpuint (e->added, ==, 150);
  e = &g_array_index (log, TbTestEmission, 1);
  g_assert_cmpuint (e->position, ==, 150);
  g_assert_cmpuint (e->removed, ==, n - 150);
  g_assert_cmpuint (e->added, ==, n - 150);
  for (guint i = 0; i < 150; i++)
    {
      g_autoptr(TbCase) c = g_list_model_get_item (G_LIST_MODEL (list), i);
      g_assert_true (c == g_ptr_array_index (held, i));
    }

  /* A search: the 150 rows served are replaced first. */
  g_array_set_size (log, 0);
  tb_case_list_set_search_text (list, "王");
  g_ptr_array_unref (expected);
  expected = expected_rows (filter_surname_wang, NULL, compare_deadline);
  g_assert_cmpuint (log->len, ==, 2);
  e = &g_array_index (log, TbTestEmission, 0);
  g_assert_cmpuint (e->position, ==, 0);
  g_assert_cmpuint (e->removed, ==, 150);
  g_assert_cmpuint (e->added, ==, 150);
  e = &g_array_index (log, TbTestEmission, 1);
  g_assert_cmpuint (e->position, ==, 150);
  g_assert_cmpuint (e->removed, ==, n - 150);
  g_assert_cmpuint (e->added, ==, expected->len - 150);
  assert_list_is (list, expected);

  /* No row served since: one emission. */
  g_array_set_size (log, 0);
  tb_case_list_set_search_text (list, NULL);
  g_assert_cmpuint (log->len, >=, 1);
}

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              guint      *counter)
{
  (*counter)++;
}

static void
test_notify (void)
{
  g_autoptr(TbCaseList) list = tb_case_list_new (store);
  guint search_notified = 0;
  guint state_notified = 0;
  guint n_items_notified = 0;

  g_signal_connect (list, "notify::search-text", G_CALLBACK (count_notify), &search_notified);
  g_signal_connect (list, "notify::state", G_CALLBACK (count_notify), &state_notified);
  g_signal_connect (list, "notify::n-items", G_CALLBACK (count_notify), &n_items_notified);

  tb_case_list_set_search_text (list, "王芳");
  g_assert_cmpuint (search_notified, ==, 1);
  g_assert_cmpuint (n_items_notified, ==, 1);
  g_assert_cmpstr (tb_case_list_get_search_text (list), ==, "王芳");

  /* The same value again: no notification. */
  tb_case_list_set_search_text (list, "王芳");
  g_object_set (list, "search-text", "王芳", NULL);
  g_assert_cmpuint (search_notified, ==, 1);

  g_object_set (list, "state", "review", NULL);
  g_assert_cmpuint (state_notified, ==, 1);
  g_assert_cmpuint (n_items_notified, ==, 2);
  tb_case_list_set_state (list, "review");
  g_assert_cmpuint (state_notified, ==, 1);

  {
    g_autofree char *state = NULL;
    guint n_items = 0;
    g_object_get (list, "state", &state, "n-items", &n_items, NULL);
    g_assert_cmpstr (state, ==, "review");
    g_assert_cmpuint (n_items, ==, g_list_model_get_n_items (G_LIST_MODEL (list)));
  }

  g_assert_true (tb_case_list_get_store (list) == store);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  int ret;

  tmpdir = g_dir_make_tmp ("tongban-test-case-list-XXXXXX", &error);
  g_assert_no_error (error);

  g_test_init (&argc, &argv, NULL);
  fill_store ();

  g_test_add_func ("/case-list/paging", test_paging);
  g_test_add_func ("/case-list/filters", test_filters);
  g_test_add_func ("/case-list/open-and-sync-filters", test_open_and_sync_filters);
  g_test_add_func ("/case-list/sort", test_sort);
  g_test_add_func ("/case-list/one-row-changes", test_one_row_changes);
  g_test_add_func ("/case-list/many-matches-follow-changes", test_many_matches_follow_changes);
  g_test_add_func ("/case-list/whole-reference-ranges", test_whole_reference_ranges);
  g_test_add_func ("/case-list/search-async", test_search_async);
  g_test_add_func ("/case-list/reload-keeps-rows", test_reload_keeps_rows);
  g_test_add_func ("/case-list/notify", test_notify);

  ret = g_test_run ();

  g_clear_object (&store);
  g_free (rows);
  if (ret == 0)
    {
      const char *rm[] = { "rm", "-rf", tmpdir, NULL };
      g_spawn_sync (NULL, (char **) rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL,
                    NULL);
    }
  return ret;
}
