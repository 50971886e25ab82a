/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-case-rows.c: rows that keep their place while the cases in them change */

#include "config.h"

#include "tb-case-rows.h"
#include "tb-test-common.h"

static void
on_notify (GObject    *object,
           GParamSpec *pspec,
           guint      *count)
{
  (*count)++;
}

static TbCase *
make_case (const char *id)
{
  TbCaseRecord record = {
    .id = id, .ref = id, .service_id = "s", .state = "received", .applicant_name = "王芳",
    .applicant_kind = "person", .received_on = tb_day_from_iso ("2026-11-02"),
    .deadline = TB_DAY_INVALID, .paused_since = TB_DAY_INVALID, .version = 1,
    .form_json = "{}",
  };

  return tb_case_new_from_record (&record);
}

/* @n cases named @prefix0, @prefix1, … */
static GPtrArray *
make_cases (const char *prefix,
            guint       n)
{
  GPtrArray *cases = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *id = g_strdup_printf ("%s%u", prefix, i);
      g_ptr_array_add (cases, make_case (id));
    }
  return cases;
}

static const char *
case_id_at (GListModel *rows,
            guint       position)
{
  g_autoptr(TbCaseRow) row = g_list_model_get_item (rows, position);

  g_assert_nonnull (row);
  return tb_case_get_id (tb_case_row_get_case (row));
}

/* Every position shows the case the list has there. */
static void
assert_mirrors (GListModel *rows,
                GListModel *cases)
{
  g_assert_cmpuint (g_list_model_get_n_items (rows), ==, g_list_model_get_n_items (cases));
  g_assert_null (g_list_model_get_item (rows, g_list_model_get_n_items (rows)));
  for (guint i = 0; i < g_list_model_get_n_items (cases); i++)
    {
      g_autoptr(TbCase) c = g_list_model_get_item (cases, i);
      g_assert_cmpstr (case_id_at (rows, i), ==, tb_case_get_id (c));
    }
}

static void
test_rows (void)
{
  g_autoptr(GListStore) store = g_list_store_new (TB_TYPE_CASE);
  g_autoptr(GPtrArray) first = make_cases ("a", 10);
  g_autoptr(GPtrArray) second = make_cases ("b", 10);
  g_autoptr(GPtrArray) more = make_cases ("c", 5);
  g_autoptr(GArray) log = NULL;
  g_autoptr(TbCaseRows) rows = NULL;
  g_autoptr(TbCaseRow) row3 = NULL;
  g_autoptr(TbCaseRow) row5 = NULL;
  g_autoptr(TbCaseRow) row8 = NULL;
  g_autoptr(TbCaseRow) again = NULL;
  TbCaseRow *unheld = NULL;
  guint notified = 0;
  TbTestEmission *e;

  g_list_store_splice (store, 0, 0, first->pdata, first->len);
  rows = tb_case_rows_new (G_LIST_MODEL (store));
  g_assert_true (tb_case_rows_get_cases (rows) == G_LIST_MODEL (store));
  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (rows)) == TB_TYPE_CASE_ROW);
  assert_mirrors (G_LIST_MODEL (rows), G_LIST_MODEL (store));
  log = tb_test_log_items_changed (G_LIST_MODEL (rows));

  /* A row is the same object for its position while someone holds it, and only then. */
  row3 = g_list_model_get_item (G_LIST_MODEL (rows), 3);
  row5 = g_list_model_get_item (G_LIST_MODEL (rows), 5);
  row8 = g_list_model_get_item (G_LIST_MODEL (rows), 8);
  again = g_list_model_get_item (G_LIST_MODEL (rows), 3);
  g_assert_true (again == row3);
  g_clear_object (&again);
  unheld = g_list_model_get_item (G_LIST_MODEL (rows), 4);
  g_object_add_weak_pointer (G_OBJECT (unheld), (gpointer *) &unheld);
  g_object_unref (unheld);
  g_assert_null (unheld);
  g_signal_connect (row3, "notify::case", G_CALLBACK (on_notify), &notified);

  /* Other cases in the same places: no change of the list, the rows say what they now hold. */
  g_list_store_splice (store, 0, 10, second->pdata, second->len);
  g_assert_cmpuint (log->len, ==, 0);
  g_assert_cmpuint (notified, ==, 1);
  g_assert_cmpstr (tb_case_get_id (tb_case_row_get_case (row3)), ==, "b3");
  g_object_get (row5, "case", &again, NULL);
  g_assert_cmpstr (tb_case_get_id ((TbCase *) again), ==, "b5");
  g_clear_object (&again);
  assert_mirrors (G_LIST_MODEL (rows), G_LIST_MODEL (store));

  /* The same case again is no change at all. */
  g_list_store_splice (store, 3, 1, &second->pdata[3], 1);
  g_assert_cmpuint (log->len, ==, 0);
  g_assert_cmpuint (notified, ==, 1);

  /* A case inserted before rows moves them down; the view hears of one added row. */
  g_list_store_insert (store, 4, more->pdata[0]);
  g_assert_cmpuint (log->len, ==, 1);
  e = &g_array_index (log, TbTestEmission, 0);
  g_assert_cmpuint (e->position, ==, 4);
  g_assert_cmpuint (e->removed, ==, 0);
  g_assert_cmpuint (e->added, ==, 1);
  again = g_list_model_get_item (G_LIST_MODEL (rows), 6);
  g_assert_true (again == row5);
  g_clear_object (&again);
  g_assert_cmpstr (tb_case_get_id (tb_case_row_get_case (row5)), ==, "b5");
  g_assert_cmpuint (notified, ==, 1);
  assert_mirrors (G_LIST_MODEL (rows), G_LIST_MODEL (store));

  /* Removed: the row of a removed case leaves the list, the others move up. */
  g_array_set_size (log, 0);
  g_list_store_remove (store, 6);
  g_assert_cmpuint (log->len, ==, 1);
  e = &g_array_index (log, TbTestEmission, 0);
  g_assert_cmpuint (e->position, ==, 6);
  g_assert_cmpuint (e->removed, ==, 1);
  g_assert_cmpuint (e->added, ==, 0);
  again = g_list_model_get_item (G_LIST_MODEL (rows), 6);
  g_assert_true (again != row5);
  g_clear_object (&again);
  again = g_list_model_get_item (G_LIST_MODEL (rows), 8);
  g_assert_true (again == row8);
  g_clear_object (&again);
  assert_mirrors (G_LIST_MODEL (rows), G_LIST_MODEL (store));

  /* Three replaced by five: three rows get other cases, two are added after them. */
  g_array_set_size (log, 0);
  notified = 0;
  g_list_store_splice (store, 2, 3, more->pdata, more->len);
  g_assert_cmpuint (log->len, ==, 1);
  e = &g_array_index (log, TbTestEmission, 0);
  g_assert_cmpuint (e->position, ==, 5);
  g_assert_cmpuint (e->removed, ==, 0);
  g_assert_cmpuint (e->added, ==, 2);
  g_assert_cmpuint (notified, ==, 1);
  g_assert_cmpstr (tb_case_get_id (tb_case_row_get_case (row3)), ==, "c1");
  assert_mirrors (G_LIST_MODEL (rows), G_LIST_MODEL (store));

  /* Everything removed: the list is empty, and a row held outlives the rows. */
  g_array_set_size (log, 0);
  g_list_store_remove_all (store);
  g_assert_cmpuint (log->len, ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (rows)), ==, 0);
  g_clear_object (&rows);
  g_assert_cmpstr (tb_case_get_id (tb_case_row_get_case (row3)), ==, "c1");
}

/* Rows that outlive their list forget it; those given out later are new. */
static void
test_rows_outlive_list (void)
{
  g_autoptr(GListStore) store = g_list_store_new (TB_TYPE_CASE);
  g_autoptr(GPtrArray) cases = make_cases ("a", 3);
  TbCaseRows *rows;
  TbCaseRow *row;

  g_list_store_splice (store, 0, 0, cases->pdata, cases->len);
  rows = tb_case_rows_new (G_LIST_MODEL (store));
  row = g_list_model_get_item (G_LIST_MODEL (rows), 1);
  g_object_unref (rows);
  g_list_store_remove_all (store);
  g_assert_cmpstr (tb_case_get_id (tb_case_row_get_case (row)), ==, "a1");
  g_object_unref (row);
}

static guint
iterate_until_whole (TbCaseRows *rows)
{
  GListModel *cases = tb_case_rows_get_cases (rows);
  guint n_steps = 0;

  while (g_list_model_get_n_items (G_LIST_MODEL (rows)) < g_list_model_get_n_items (cases))
    {
      g_assert_cmpuint (n_steps, <, 100);
      g_main_context_iteration (NULL, TRUE);
      n_steps++;
    }
  return n_steps;
}

/* A list that grows by many cases at its end: the rows come a screenful at once, the first
 * right away, the rest from the main loop; a change meanwhile is of the rows there are. */
static void
test_rows_grow_in_steps (void)
{
  g_autoptr(GListStore) store = g_list_store_new (TB_TYPE_CASE);
  g_autoptr(GPtrArray) few = make_cases ("a", 3);
  g_autoptr(GPtrArray) many = make_cases ("b", 1000);
  g_autoptr(GPtrArray) other = make_cases ("c", 400);
  g_autoptr(GArray) log = NULL;
  g_autoptr(TbCaseRows) rows = NULL;
  g_autoptr(TbCaseRow) row = NULL;
  guint n;

  /* Made over a long list, the rows start with a screenful. */
  g_list_store_splice (store, 0, 0, many->pdata, many->len);
  rows = tb_case_rows_new (G_LIST_MODEL (store));
  n = g_list_model_get_n_items (G_LIST_MODEL (rows));
  g_assert_cmpuint (n, >, 0);
  g_assert_cmpuint (n, <, 100);
  g_assert_cmpuint (iterate_until_whole (rows), >, 1);
  assert_mirrors (G_LIST_MODEL (rows), G_LIST_MODEL (store));

  /* Down to three, and back to a thousand. */
  g_list_store_splice (store, 3, 997, NULL, 0);
  g_list_store_splice (store, 0, 3, few->pdata, few->len);
  assert_mirrors (G_LIST_MODEL (rows), G_LIST_MODEL (store));
  row = g_list_model_get_item (G_LIST_MODEL (rows), 1);
  log = tb_test_log_items_changed (G_LIST_MODEL (rows));
  g_list_store_splice (store, 0, 3, many->pdata, many->len);
  n = g_list_model_get_n_items (G_LIST_MODEL (rows));
  g_assert_cmpuint (n, >, 3);
  g_assert_cmpuint (n, <, 100);
  g_assert_cmpstr (tb_case_get_id (tb_case_row_get_case (row)), ==, "b1");
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TbCase) c = g_list_model_get_item (G_LIST_MODEL (store), i);
      g_assert_cmpstr (case_id_at (G_LIST_MODEL (rows), i), ==, tb_case_get_id (c));
    }

  /* Replaced meanwhile by 400 others: the rows there are show them, the rest follow. */
  g_list_store_splice (store, 0, 1000, other->pdata, other->len);
  g_assert_cmpstr (tb_case_get_id (tb_case_row_get_case (row)), ==, "c1");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (rows)), <=, 400);
  iterate_until_whole (rows);
  assert_mirrors (G_LIST_MODEL (rows), G_LIST_MODEL (store));

  /* Every emission was of rows at the end, or of rows there were. */
  for (guint i = 0; i < log->len; i++)
    {
      TbTestEmission *e = &g_array_index (log, TbTestEmission, i);
      g_assert_true (e->removed == 0 || e->added == 0);
    }
}

/* With keep-when-empty, a list that empties keeps the rows a view holds at its top (and drops
 * the others, which no view holds); the cases that come next are shown in those same rows. */
static void
test_rows_keep_when_empty (void)
{
  g_autoptr(GListStore) store = g_list_store_new (TB_TYPE_CASE);
  g_autoptr(GPtrArray) many = make_cases ("a", 300);
  g_autoptr(GPtrArray) other = make_cases ("b", 400);
  g_autoptr(GPtrArray) few = make_cases ("c", 5);
  g_autoptr(GPtrArray) held = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GArray) log = NULL;
  g_autoptr(TbCaseRows) rows = NULL;
  guint notified = 0;
  TbTestEmission *e;

  g_list_store_splice (store, 0, 0, many->pdata, many->len);
  rows = tb_case_rows_new (G_LIST_MODEL (store));
  g_signal_connect (rows, "notify::keep-when-empty", G_CALLBACK (on_notify), &notified);
  tb_case_rows_set_keep_when_empty (rows, TRUE);
  tb_case_rows_set_keep_when_empty (rows, TRUE);
  g_assert_cmpuint (notified, ==, 1);
  g_assert_true (tb_case_rows_get_keep_when_empty (rows));
  iterate_until_whole (rows);

  /* As a view at the top would: the first 20 rows are held. */
  for (guint i = 0; i < 20; i++)
    g_ptr_array_add (held, g_list_model_get_item (G_LIST_MODEL (rows), i));
  log = tb_test_log_items_changed (G_LIST_MODEL (rows));

  /* Emptied: the 20 rows stay, showing what they showed; the rest go. */
  g_list_store_remove_all (store);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (rows)), ==, 20);
  g_assert_cmpuint (log->len, ==, 1);
  e = &g_array_index (log, TbTestEmission, 0);
  g_assert_cmpuint (e->position, ==, 20);
  g_assert_cmpuint (e->removed, ==, 280);
  g_assert_cmpuint (e->added, ==, 0);
  g_assert_cmpstr (case_id_at (G_LIST_MODEL (rows), 7), ==, "a7");

  /* Cases again: the same rows show them, and only the rows past them are added. */
  g_array_set_size (log, 0);
  g_list_store_splice (store, 0, 0, other->pdata, other->len);
  for (guint i = 0; i < held->len; i++)
    {
      g_autoptr(TbCaseRow) row = g_list_model_get_item (G_LIST_MODEL (rows), i);

      g_assert_true (row == g_ptr_array_index (held, i));
      g_assert_cmpstr (case_id_at (G_LIST_MODEL (rows), i), ==,
                       tb_case_get_id (g_ptr_array_index (other, i)));
    }
  iterate_until_whole (rows);
  assert_mirrors (G_LIST_MODEL (rows), G_LIST_MODEL (store));
  for (guint i = 0; i < log->len; i++)
    {
      e = &g_array_index (log, TbTestEmission, i);
      g_assert_cmpuint (e->removed, ==, 0);
      g_assert_cmpuint (e->position, >=, 20);
    }

  /* Fewer than the rows kept: the rows past them go. */
  g_list_store_remove_all (store);
  g_list_store_splice (store, 0, 0, few->pdata, few->len);
  assert_mirrors (G_LIST_MODEL (rows), G_LIST_MODEL (store));

  /* Turned off while empty, the rows go with the cases. */
  g_list_store_remove_all (store);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (rows)), ==, 5);
  tb_case_rows_set_keep_when_empty (rows, FALSE);
  g_assert_cmpuint (notified, ==, 2);
  assert_mirrors (G_LIST_MODEL (rows), G_LIST_MODEL (store));

  /* Rows held elsewhere than the top are not kept: the rows empty with the cases. */
  tb_case_rows_set_keep_when_empty (rows, TRUE);
  g_list_store_splice (store, 0, 0, many->pdata, many->len);
  iterate_until_whole (rows);
  g_ptr_array_set_size (held, 0);
  g_ptr_array_add (held, g_list_model_get_item (G_LIST_MODEL (rows), 150));
  g_list_store_remove_all (store);
  assert_mirrors (G_LIST_MODEL (rows), G_LIST_MODEL (store));
}

/* A window that draws all the time (a sync's spinner rendered in software) keeps a source of
 * GTK's drawing priority ready at every turn of the main loop: the rows must still grow. */
static void
test_rows_grow_while_drawing (void)
{
  g_autoptr(GListStore) store = g_list_store_new (TB_TYPE_CASE);
  g_autoptr(GPtrArray) many = make_cases ("a", 1000);
  g_autoptr(TbCaseRows) rows = NULL;
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  guint frames = 0;
  guint busy;

  g_list_store_splice (store, 0, 0, many->pdata, many->len);
  busy = tb_test_add_busy_drawing (&frames);
  rows = tb_case_rows_new (G_LIST_MODEL (store));
  while (g_list_model_get_n_items (G_LIST_MODEL (rows)) < 1000
         && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (busy);

  g_assert_cmpuint (frames, >, 0);
  assert_mirrors (G_LIST_MODEL (rows), G_LIST_MODEL (store));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/case-rows/rows", test_rows);
  g_test_add_func ("/case-rows/outlive-list", test_rows_outlive_list);
  g_test_add_func ("/case-rows/grow-in-steps", test_rows_grow_in_steps);
  g_test_add_func ("/case-rows/keep-when-empty", test_rows_keep_when_empty);
  g_test_add_func ("/case-rows/grow-while-drawing", test_rows_grow_while_drawing);

  return g_test_run ();
}
