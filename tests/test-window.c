/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-window.c: the inbox window over a real store, in English and in Chinese */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#define G_SETTINGS_ENABLE_BACKEND
#include <gio/gsettingsbackend.h>

#include "tb-application.h"
#include "tb-case-list.h"
#include "tb-case-service.h"
#include "tb-case-view.h"
#include "tb-demo.h"
#include "tb-new-case-dialog.h"
#include "tb-service.h"
#include "tb-sidebar.h"
#include "tb-store.h"
#include "tb-test-common.h"
#include "tb-test-ui.h"
#include "tb-window.h"
#include "tb-workflow.h"

/* ------------------------------------------------------------------------------------------ */
/* Helpers                                                                                    */

typedef struct
{
  char       *dir;
  char       *path;
  TbStore    *store;
  TbCalendar *calendar;
  TbService  *service;
  TbWorkflow *workflow;
  GSettings  *settings;
  TbDay       today;
  TbDay       overdue;  /* 2 working days ago */
  TbDay       soon;     /* in 1 working day */
  TbDay       far;      /* in 15 working days */
} Fixture;

#define N_CASES 5

typedef struct
{
  GtkWidget  *root;
  const char *text;
} LabelQuery;

static gboolean
label_is_shown (gpointer data)
{
  LabelQuery *query = data;

  return tb_test_ui_find_mapped_label (query->root, query->text) != NULL;
}

static GtkSearchEntry *
get_search_entry (TbWindow *window)
{
  GtkWidget *entry = tb_test_ui_find_widget (GTK_WIDGET (window), GTK_TYPE_SEARCH_ENTRY);

  g_assert_nonnull (entry);
  return GTK_SEARCH_ENTRY (entry);
}

static GtkColumnView *
get_column_view (TbWindow *window)
{
  GtkWidget *view = tb_test_ui_find_widget (GTK_WIDGET (window), GTK_TYPE_COLUMN_VIEW);

  g_assert_nonnull (view);
  return GTK_COLUMN_VIEW (view);
}

/* The stack of the window body, not any other (menus have stacks too). */
static GtkStack *
find_body_stack (GtkWidget *root)
{
  if (GTK_IS_STACK (root) && gtk_stack_get_child_by_name (GTK_STACK (root), "cases") != NULL)
    return GTK_STACK (root);

  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkStack *found = find_body_stack (child);

      if (found != NULL)
        return found;
    }

  return NULL;
}

static GtkStack *
get_body_stack (TbWindow *window)
{
  GtkStack *stack = find_body_stack (GTK_WIDGET (window));

  g_assert_nonnull (stack);
  return stack;
}

static const char *
get_page (TbWindow *window)
{
  return gtk_stack_get_visible_child_name (get_body_stack (window));
}

/* While there are no cases a status page covers the list, which keeps its rows for the next
 * search (TbCaseRows:keep-when-empty): it then lists nothing the user can see or reach. */
static gboolean
list_is_covered (TbWindow *window)
{
  GListModel *cases = tb_window_get_cases (window);

  return g_list_model_get_n_items (cases) == 0 && g_strcmp0 (get_page (window), "cases") != 0;
}

static gboolean
rows_are_whole (gpointer data)
{
  TbWindow *window = data;
  GListModel *rows = G_LIST_MODEL (gtk_column_view_get_model (get_column_view (window)));
  GListModel *cases = tb_window_get_cases (window);

  return cases == NULL || g_list_model_get_n_items (rows) == g_list_model_get_n_items (cases)
         || list_is_covered (window);
}

/* The rows the column view lists, once it has them all: a long list comes a screenful at a
 * time (see TbCaseRows). */
static guint
get_n_rows (TbWindow *window)
{
  g_assert_true (tb_test_ui_wait_until (rows_are_whole, window, 3000));
  if (tb_window_get_cases (window) != NULL && list_is_covered (window))
    {
      g_autoptr(GtkBitset) selected = gtk_selection_model_get_selection (
        tb_window_get_selection (window));

      /* Nothing kept there stays selected. */
      g_assert_true (gtk_bitset_is_empty (selected));
      return 0;
    }
  return g_list_model_get_n_items (G_LIST_MODEL (gtk_column_view_get_model (get_column_view (window))));
}

typedef struct
{
  TbWindow   *window;
  const char *text;
} SearchQuery;

static gboolean
search_ran (gpointer data)
{
  SearchQuery *query = data;
  TbCaseList *cases = TB_CASE_LIST (tb_window_get_cases (query->window));
  const char *text = tb_case_list_get_search_text (cases);
  gboolean searching;

  g_object_get (query->window, "searching", &searching, NULL);
  return !searching && g_strcmp0 (text != NULL ? text : "", query->text) == 0;
}

/* While the window searches, the list is as it was, and busy. */
static void
on_searching_changed (TbWindow   *window,
                      GParamSpec *pspec,
                      guint      *n_searching)
{
  gboolean searching;

  g_object_get (window, "searching", &searching, NULL);
  gtk_test_accessible_assert_state (get_column_view (window), GTK_ACCESSIBLE_STATE_BUSY,
                                    searching);
  if (searching)
    {
      g_assert_cmpuint (tb_window_get_n_cases (window), ==, N_CASES);
      (*n_searching)++;
    }
}

/* Types @text into the search entry, waits for the search to be read and shown, and checks
 * that it lists @n_expected cases. */
static void
search (TbWindow   *window,
        const char *text,
        guint       n_expected)
{
  SearchQuery query = { window, text };

  gtk_editable_set_text (GTK_EDITABLE (get_search_entry (window)), text);
  g_assert_true (tb_test_ui_wait_until (search_ran, &query, 3000));
  g_assert_cmpuint (get_n_rows (window), ==, n_expected);
  g_assert_cmpuint (tb_window_get_n_cases (window), ==, n_expected);
}

static void
put_case (Fixture    *fixture,
          const char *ref,
          const char *applicant_name,
          const char *company_name,
          TbDay       deadline,
          TbDay       paused_since)
{
  g_autofree char *id = g_uuid_string_random ();
  g_autoptr(GError) error = NULL;
  TbCaseRecord record = {
    .id = id,
    .ref = ref,
    .service_id = tb_service_get_id (fixture->service),
    .state = tb_workflow_get_initial_state (fixture->workflow),
    .team_id = "team-1",
    .applicant_name = applicant_name,
    .applicant_kind = company_name != NULL ? "company" : "person",
    .company_name = company_name,
    .received_on = tb_calendar_subtract_working_days (fixture->calendar, fixture->today, 5),
    .deadline = deadline,
    .paused_since = paused_since,
    .form_json = "{}",
  };

  g_assert_true (tb_store_put_cases (fixture->store, &record, 1, &error));
  g_assert_no_error (error);
}

/* A store with the first bundled service, its workflow, the official calendar and no cases. */
static void
fixture_set_up_empty (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) services = NULL;
  g_autoptr(GPtrArray) workflows = NULL;
  g_autoptr(GSettingsBackend) backend = NULL;
  const char *language = data;

  tb_test_ui_set_language (language);

  fixture->dir = g_dir_make_tmp ("tongban-test-window-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->path = g_build_filename (fixture->dir, "cases.db", NULL);
  fixture->store = tb_store_open (fixture->path, &error);
  g_assert_no_error (error);

  fixture->calendar = tb_calendar_new ();
  g_assert_true (tb_calendar_load_bundled (fixture->calendar, &error));
  g_assert_no_error (error);
  g_assert_true (tb_store_put_calendar (fixture->store, fixture->calendar, &error));
  g_assert_no_error (error);

  services = tb_service_load_bundled_catalogue (&workflows, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (services->len, >, 0);
  fixture->service = g_object_ref (g_ptr_array_index (services, 0));
  for (guint i = 0; i < workflows->len; i++)
    {
      TbWorkflow *workflow = g_ptr_array_index (workflows, i);

      if (g_strcmp0 (tb_workflow_get_id (workflow),
                     tb_service_get_workflow_id (fixture->service)) == 0)
        fixture->workflow = g_object_ref (workflow);
    }
  g_assert_nonnull (fixture->workflow);

  g_assert_true (tb_store_put_service (fixture->store, tb_service_get_id (fixture->service),
                                       tb_service_get_definition (fixture->service), &error));
  g_assert_no_error (error);
  g_assert_true (tb_store_put_workflow (fixture->store, tb_workflow_get_id (fixture->workflow),
                                        tb_workflow_get_definition (fixture->workflow), &error));
  g_assert_no_error (error);

  fixture->today = tb_day_today ();
  fixture->overdue = tb_calendar_subtract_working_days (fixture->calendar, fixture->today, 2);
  fixture->soon = tb_calendar_add_working_days (fixture->calendar, fixture->today, 1);
  fixture->far = tb_calendar_add_working_days (fixture->calendar, fixture->today, 15);

  backend = g_memory_settings_backend_new ();
  fixture->settings = g_settings_new_with_backend (APP_ID, backend);
}

/* The empty store plus five cases, of which two have applicants named 王芳… */
static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture_set_up_empty (fixture, data);

  put_case (fixture, "TB-2026-000001", "王芳", NULL, fixture->far, TB_DAY_INVALID);
  put_case (fixture, "TB-2026-000002", "李明", "北京星辰科技有限公司", fixture->overdue,
            TB_DAY_INVALID);
  put_case (fixture, "TB-2026-000003", "张伟", NULL, fixture->soon, TB_DAY_INVALID);
  put_case (fixture, "TB-2026-000004", "John Smith", NULL, fixture->far,
            tb_calendar_subtract_working_days (fixture->calendar, fixture->today, 1));
  put_case (fixture, "TB-2026-000005", "王芳华", NULL, TB_DAY_INVALID, TB_DAY_INVALID);
}

#define N_DEMO_CASES 3000

/* A store filled by the demo generator, as `tongban-cli demo` fills it. */
static void
fixture_set_up_demo (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  tb_test_ui_set_language (data);

  fixture->dir = g_dir_make_tmp ("tongban-test-window-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->path = g_build_filename (fixture->dir, "demo.db", NULL);
  fixture->store = tb_store_open (fixture->path, &error);
  g_assert_no_error (error);
  fixture->today = tb_day_today ();
  g_assert_true (tb_demo_seed_store (fixture->store, N_DEMO_CASES, 42, fixture->today, &error));
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  /* Every window is gone by now, so nothing may hold the store any more. */
  g_assert_finalize_object (fixture->store);
  g_clear_object (&fixture->service);
  g_clear_object (&fixture->workflow);
  g_clear_object (&fixture->settings);
  g_clear_pointer (&fixture->calendar, tb_calendar_unref);

  tb_test_remove_dir (fixture->dir);
  g_free (fixture->dir);
  g_free (fixture->path);

  tb_test_ui_set_language (NULL);
}

static TbWindow *
show_window (Fixture *fixture)
{
  TbWindow *window = tb_window_new (NULL, fixture->store, fixture->settings);

  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 560);
  gtk_window_present (GTK_WINDOW (window));
  return window;
}

static void
destroy_window (TbWindow *window)
{
  g_object_ref (window);
  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_finalize_object (window);
}

static gboolean
stack_settled (gpointer data)
{
  GtkStack *stack = get_body_stack (data);

  return gtk_widget_get_mapped (GTK_WIDGET (stack)) && !gtk_stack_get_transition_running (stack);
}

/* Once the body has finished sliding to its page: mid-transition, it shows two at once. */
static void
save_screenshot (TbWindow   *window,
                 const char *name)
{
  g_assert_true (tb_test_ui_wait_until (stack_settled, window, 3000));
  tb_test_ui_save_screenshot (GTK_WIDGET (window), name);
}

/* ------------------------------------------------------------------------------------------ */
/* Tests                                                                                      */

static void
test_window_new_destroy (Fixture       *fixture,
                         gconstpointer  data)
{
  TbWindow *window = tb_window_new (NULL, fixture->store, fixture->settings);

  g_assert_true (TB_IS_WINDOW (window));
  g_assert_true (tb_window_get_store (window) == fixture->store);
  g_assert_true (tb_window_get_settings (window) == fixture->settings);
  g_assert_cmpuint (tb_window_get_n_cases (window), ==, N_CASES);

  destroy_window (window);
}

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              guint      *count)
{
  (*count)++;
}

static void
test_window_properties (Fixture       *fixture,
                        gconstpointer  data)
{
  TbWindow *window = tb_window_new (NULL, NULL, NULL);
  g_autoptr(TbStore) store = NULL;
  g_autoptr(GSettings) settings = NULL;
  guint store_notifies = 0;
  guint n_cases_notifies = 0;
  guint n_cases = G_MAXUINT;

  g_signal_connect (window, "notify::store", G_CALLBACK (count_notify), &store_notifies);
  g_signal_connect (window, "notify::n-cases", G_CALLBACK (count_notify), &n_cases_notifies);

  g_object_get (window, "store", &store, "settings", &settings, "n-cases", &n_cases, NULL);
  g_assert_null (store);
  g_assert_null (settings);
  g_assert_cmpuint (n_cases, ==, 0);

  g_object_set (window, "store", fixture->store, NULL);
  g_assert_cmpuint (store_notifies, ==, 1);
  g_assert_cmpuint (n_cases_notifies, ==, 1);
  g_object_get (window, "store", &store, "n-cases", &n_cases, NULL);
  g_assert_true (store == fixture->store);
  g_assert_cmpuint (n_cases, ==, N_CASES);

  /* Setting the same store again is no change. */
  tb_window_set_store (window, fixture->store);
  g_assert_cmpuint (store_notifies, ==, 1);
  g_assert_cmpuint (n_cases_notifies, ==, 1);

  /* A search that lists fewer cases notifies once; one that lists as many, not at all. */
  search (window, "王芳", 2);
  g_assert_cmpuint (n_cases_notifies, ==, 2);
  gtk_editable_delete_text (GTK_EDITABLE (get_search_entry (window)), 1, -1);  /* Backspace */
  g_assert_true (tb_test_ui_wait_until (search_ran, &(SearchQuery) { window, "王" }, 3000));
  g_assert_cmpuint (tb_window_get_n_cases (window), ==, 2);
  g_assert_cmpuint (n_cases_notifies, ==, 2);

  tb_window_set_store (window, NULL);
  g_assert_cmpuint (store_notifies, ==, 2);
  g_assert_cmpuint (n_cases_notifies, ==, 3);
  g_assert_cmpuint (tb_window_get_n_cases (window), ==, 0);
  g_assert_cmpstr (get_page (window), ==, "signed-out");

  g_clear_object (&store);
  destroy_window (window);
}

typedef struct
{
  const char *language;
  const char *reference_title;
  const char *count;
  const char *overdue;
  const char *soon;
  const char *far;
  const char *paused;
  const char *no_limit;
  const char *screenshot;
} Expected;

static const Expected english = {
  "en", "Reference", "5 cases", "2 days overdue", "Due in 1 day",
  "Due in 15 days", "Paused", "No time limit", "window-en.png",
};

static const Expected chinese = {
  "zh_CN", "办件编号", "共 5 件", "逾期 2 个工作日", "剩余 1 个工作日",
  "剩余 15 个工作日", "已暂停计时", "无办理时限", "window-zh_CN.png",
};

static void
assert_cell_class (TbWindow   *window,
                   const char *text,
                   const char *css_class)
{
  GtkWidget *label = tb_test_ui_find_mapped_label (GTK_WIDGET (window), text);

  g_assert_nonnull (label);
  g_assert_true (gtk_widget_has_css_class (gtk_widget_get_parent (label), css_class));
}

static void
test_window_inbox (Fixture       *fixture,
                   gconstpointer  data)
{
  const Expected *expected = g_str_equal (data, "zh_CN") ? &chinese : &english;
  TbWindow *window = show_window (fixture);
  GtkColumnView *view = get_column_view (window);
  g_autoptr(GtkColumnViewColumn) first_column = NULL;
  g_autofree char *far_iso = tb_day_to_iso (fixture->far);
  LabelQuery query = { GTK_WIDGET (window), "TB-2026-000003" };
  const char *state_name;

  /* The column view lists every case of the store, and draws them. */
  g_assert_cmpuint (get_n_rows (window), ==, N_CASES);
  g_assert_true (tb_test_ui_wait_until (label_is_shown, &query, 5000));
  g_assert_cmpstr (get_page (window), ==, "cases");

  first_column = g_list_model_get_item (gtk_column_view_get_columns (view), 0);
  g_assert_cmpstr (gtk_column_view_column_get_title (first_column), ==,
                   expected->reference_title);

  /* Companies are listed by company name, people by their own. */
  g_assert_nonnull (tb_test_ui_find_mapped_label (GTK_WIDGET (window), "北京星辰科技有限公司"));
  g_assert_null (tb_test_ui_find_mapped_label (GTK_WIDGET (window), "李明"));
  g_assert_nonnull (tb_test_ui_find_mapped_label (GTK_WIDGET (window), "王芳"));

  /* Services and states by their localized names, as the definitions give them. */
  g_assert_nonnull (tb_test_ui_find_mapped_label (GTK_WIDGET (window),
                                                  tb_service_get_name (fixture->service)));
  state_name = tb_workflow_get_state_name (fixture->workflow,
                                           tb_workflow_get_initial_state (fixture->workflow));
  g_assert_nonnull (tb_test_ui_find_mapped_label (GTK_WIDGET (window), state_name));

  /* Deadlines in working days, coloured by urgency. */
  g_assert_nonnull (tb_test_ui_find_mapped_label (GTK_WIDGET (window), far_iso));
  assert_cell_class (window, expected->overdue, "error");
  assert_cell_class (window, expected->soon, "warning");
  g_assert_nonnull (tb_test_ui_find_mapped_label (GTK_WIDGET (window), expected->far));
  g_assert_false (gtk_widget_has_css_class (
    gtk_widget_get_parent (tb_test_ui_find_mapped_label (GTK_WIDGET (window), expected->far)),
    "error"));
  g_assert_false (gtk_widget_has_css_class (
    gtk_widget_get_parent (tb_test_ui_find_mapped_label (GTK_WIDGET (window), expected->far)),
    "warning"));
  g_assert_nonnull (tb_test_ui_find_mapped_label (GTK_WIDGET (window), expected->paused));
  g_assert_nonnull (tb_test_ui_find_mapped_label (GTK_WIDGET (window), expected->no_limit));
  {
    /* In full, in working days, for assistive technologies (and as the cell's tooltip). */
    g_autofree char *left = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u working day left",
                                                          "%u working days left", 15), 15);

    gtk_test_accessible_assert_property (tb_test_ui_find_mapped_label (GTK_WIDGET (window),
                                                                       expected->far),
                                         GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, left);
  }

  g_assert_nonnull (tb_test_ui_find_mapped_label (GTK_WIDGET (window), expected->count));

  save_screenshot (window, expected->screenshot);

  destroy_window (window);
}

static void
test_window_search (Fixture       *fixture,
                    gconstpointer  data)
{
  TbWindow *window = show_window (fixture);
  const Expected *expected = g_str_equal (data, "zh_CN") ? &chinese : &english;
  LabelQuery query = { GTK_WIDGET (window), "TB-2026-000001" };
  GtkSearchEntry *entry = get_search_entry (window);
  g_autofree char *two = NULL;
  guint n_searching = 0;
  gulong handler;

  g_assert_cmpuint (get_n_rows (window), ==, N_CASES);
  g_assert_true (tb_test_ui_wait_until (label_is_shown, &query, 5000));
  g_assert_nonnull (tb_test_ui_find_mapped_label (GTK_WIDGET (window), expected->count));

  /* The matches are read on a worker thread: until they are, the list is as it was, and the
   * window says it is searching (to assistive technologies too, as the list being busy). */
  handler = g_signal_connect (window, "notify::searching", G_CALLBACK (on_searching_changed),
                              &n_searching);
  gtk_editable_set_text (GTK_EDITABLE (entry), "王芳");

  /* A two-character Chinese name finds both applicants whose names hold it. */
  search (window, "王芳", 2);
  g_signal_handler_disconnect (window, handler);
  g_assert_cmpuint (n_searching, >=, 1);
  gtk_test_accessible_assert_state (get_column_view (window), GTK_ACCESSIBLE_STATE_BUSY, FALSE);
  query.text = "王芳华";
  g_assert_true (tb_test_ui_wait_until (label_is_shown, &query, 3000));
  g_assert_null (tb_test_ui_find_mapped_label (GTK_WIDGET (window), "张伟"));
  two = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s case", "%s cases", 2), "2");
  g_assert_nonnull (tb_test_ui_find_mapped_label (GTK_WIDGET (window), two));

  /* Latin names are found case-insensitively, references by their parts. */
  search (window, "smith", 1);
  {
    GtkWidget *row = NULL;
    g_autoptr(GtkBitset) selected = NULL;

    /* Another case in its place keeps the row widget, which shows it (see TbCaseRows); what
     * was selected there was the other case, and is no longer selected. */
    g_assert_true (tb_test_ui_wait_until (label_is_shown,
                                          &(LabelQuery) { GTK_WIDGET (window), "John Smith" },
                                          3000));
    for (row = tb_test_ui_find_mapped_label (GTK_WIDGET (window), "John Smith");
         row != NULL && g_strcmp0 (gtk_widget_get_css_name (row), "row") != 0;
         row = gtk_widget_get_parent (row))
      ;
    g_assert_nonnull (row);
    g_object_add_weak_pointer (G_OBJECT (row), (gpointer *) &row);
    gtk_selection_model_select_item (tb_window_get_selection (window), 0, TRUE);
    search (window, "TB-2026-000003", 1);
    query.text = "张伟";
    g_assert_true (tb_test_ui_wait_until (label_is_shown, &query, 3000));
    g_assert_nonnull (row);
    g_assert_true (gtk_widget_is_ancestor (tb_test_ui_find_mapped_label (GTK_WIDGET (window),
                                                                         "张伟"), row));
    g_object_remove_weak_pointer (G_OBJECT (row), (gpointer *) &row);
    selected = gtk_selection_model_get_selection (tb_window_get_selection (window));
    g_assert_true (gtk_bitset_is_empty (selected));
  }
  search (window, "星辰", 1);
  {
    GtkWidget *row = NULL;

    query.text = "北京星辰科技有限公司";
    g_assert_true (tb_test_ui_wait_until (label_is_shown, &query, 3000));
    for (row = tb_test_ui_find_mapped_label (GTK_WIDGET (window), "北京星辰科技有限公司");
         row != NULL && g_strcmp0 (gtk_widget_get_css_name (row), "row") != 0;
         row = gtk_widget_get_parent (row))
      ;
    g_assert_nonnull (row);
    g_object_add_weak_pointer (G_OBJECT (row), (gpointer *) &row);

    /* Nothing found says so instead of showing an empty list. */
    search (window, "nosuchapplicant", 0);
    g_assert_cmpstr (get_page (window), ==, "no-results");

    /* Escape clears the search and brings every case back, in the row widgets kept. */
    g_signal_emit_by_name (entry, "stop-search");
    g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, "");
    search (window, "", N_CASES);
    g_assert_cmpstr (get_page (window), ==, "cases");
    g_assert_nonnull (row);
    g_object_remove_weak_pointer (G_OBJECT (row), (gpointer *) &row);
  }

  destroy_window (window);
}

static void
test_window_focus_search (Fixture       *fixture,
                          gconstpointer  data)
{
  TbWindow *window = show_window (fixture);
  GtkSearchEntry *entry = get_search_entry (window);
  GtkWidget *focus;

  gtk_widget_grab_focus (GTK_WIDGET (get_column_view (window)));
  focus = gtk_root_get_focus (GTK_ROOT (window));
  g_assert_false (focus != NULL && gtk_widget_is_ancestor (focus, GTK_WIDGET (entry)));

  /* Ctrl+F runs this action. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.search", NULL));
  focus = gtk_root_get_focus (GTK_ROOT (window));
  g_assert_nonnull (focus);
  g_assert_true (focus == GTK_WIDGET (entry) || gtk_widget_is_ancestor (focus, GTK_WIDGET (entry)));

  destroy_window (window);
}

static void
test_window_empty_states (Fixture       *fixture,
                          gconstpointer  data)
{
  TbWindow *window = tb_window_new (NULL, NULL, NULL);
  g_autoptr(GError) error = g_error_new_literal (TB_STORE_ERROR, TB_STORE_ERROR_CORRUPT,
                                                 "The disk caught fire");
  GtkWidget *status_page;

  /* Nobody signed in yet: nothing to search. */
  g_assert_cmpstr (get_page (window), ==, "signed-out");
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (get_search_entry (window))));
  g_assert_cmpuint (get_n_rows (window), ==, 0);

  /* A store without cases. */
  tb_window_set_store (window, fixture->store);
  g_assert_cmpstr (get_page (window), ==, "empty");
  g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (get_search_entry (window))));

  /* A store that failed to open says why. */
  tb_window_set_store (window, NULL);
  tb_window_show_store_error (window, error);
  g_assert_cmpstr (get_page (window), ==, "error");
  status_page = gtk_stack_get_visible_child (get_body_stack (window));
  g_assert_cmpstr (adw_status_page_get_description (ADW_STATUS_PAGE (status_page)), ==,
                   "The disk caught fire");

  /* Opening a store afterwards brings the inbox back. */
  tb_window_set_store (window, fixture->store);
  g_assert_cmpstr (get_page (window), ==, "empty");

  destroy_window (window);
}

static void
test_window_settings (Fixture       *fixture,
                      gconstpointer  data)
{
  TbWindow *window;
  int width;
  int height;

  g_settings_set_int (fixture->settings, "window-width", 777);
  g_settings_set_int (fixture->settings, "window-height", 555);

  window = tb_window_new (NULL, fixture->store, fixture->settings);
  gtk_window_get_default_size (GTK_WINDOW (window), &width, &height);
  g_assert_cmpint (width, ==, 777);
  g_assert_cmpint (height, ==, 555);

  /* Closing keeps the size for next time. */
  gtk_window_present (GTK_WINDOW (window));
  gtk_window_set_default_size (GTK_WINDOW (window), 888, 666);
  g_object_ref (window);
  gtk_window_close (GTK_WINDOW (window));
  g_assert_finalize_object (window);
  g_assert_cmpint (g_settings_get_int (fixture->settings, "window-width"), ==, 888);
  g_assert_cmpint (g_settings_get_int (fixture->settings, "window-height"), ==, 666);
  g_assert_false (g_settings_get_boolean (fixture->settings, "window-maximized"));
}

static void
test_window_demo (Fixture       *fixture,
                  gconstpointer  data)
{
  TbWindow *window = show_window (fixture);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) ids = NULL;
  g_autofree char *number = g_strdup_printf ("%'u", N_DEMO_CASES);
  g_autofree char *count = g_strdup_printf ("%s cases", number);
  LabelQuery query = { GTK_WIDGET (window), count };
  gint64 n_stored;

  n_stored = tb_store_count_cases (fixture->store, &error);
  g_assert_no_error (error);
  g_assert_cmpint (n_stored, ==, N_DEMO_CASES);
  g_assert_cmpuint (get_n_rows (window), ==, N_DEMO_CASES);
  g_assert_true (tb_test_ui_wait_until (label_is_shown, &query, 5000));
  save_screenshot (window, "window-demo-en.png");

  /* The inbox finds what the store finds. */
  ids = tb_store_search_case_ids (fixture->store, "王", G_MAXUINT, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ids->len, >, 0);
  g_assert_cmpuint (ids->len, <, N_DEMO_CASES);
  search (window, "王", ids->len);

  destroy_window (window);
}

static TbSidebar *
get_sidebar (TbWindow *window)
{
  GtkWidget *sidebar = tb_test_ui_find_widget (GTK_WIDGET (window), TB_TYPE_SIDEBAR);

  g_assert_nonnull (sidebar);
  return TB_SIDEBAR (sidebar);
}

static GtkStack *
get_content_stack (TbWindow *window)
{
  GtkWidget *stack = GTK_WIDGET (get_body_stack (window));

  /* The inbox body sits in the content stack's "inbox" page. */
  while (stack != NULL
         && !(GTK_IS_STACK (stack) && gtk_stack_get_child_by_name (GTK_STACK (stack), "case")))
    stack = gtk_widget_get_parent (stack);
  g_assert_nonnull (stack);
  return GTK_STACK (stack);
}

typedef struct
{
  TbSidebar   *sidebar;
  TbInboxView  view;
  guint        count;
} CountQuery;

static gboolean
count_is (gpointer data)
{
  CountQuery *query = data;

  return tb_sidebar_get_count (query->sidebar, query->view) == query->count;
}

/* The caseworker's desk on demo data: the views with their counts, the filters, opening a case
 * and coming back, and a local change showing up under Sent. */
static void
test_window_desk (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *shot = g_strdup_printf ("window-desk-%s.png", (const char *) data);
  TbWindow *window;
  TbSidebar *sidebar;
  GListModel *rows;
  g_autoptr(TbCase) first = NULL;
  g_autoptr(TbCaseService) service = NULL;
  g_auto(GStrv) teams = NULL;
  TbRole roles;
  CountQuery query;

  g_assert_true (tb_store_set_meta (fixture->store, "user-id", "u-wangfang", &error));
  g_assert_no_error (error);
  window = show_window (fixture);
  sidebar = get_sidebar (window);
  rows = tb_window_get_cases (window);

  /* A caseworker has the personal views and no team view; My Cases opens. */
  for (TbInboxView v = 0; v < TB_N_INBOX_VIEWS; v++)
    g_assert_true (tb_sidebar_get_view_visible (sidebar, v) == (v != TB_INBOX_VIEW_TEAM));
  g_assert_cmpstr (tb_sidebar_get_selected_id (sidebar), ==, "mine");
  g_assert_cmpuint (get_n_rows (window), >, 0);
  save_screenshot (window, shot);

  /* Each view lists as many cases as its count says, and only cases it is about. */
  for (TbInboxView v = 0; v < TB_N_INBOX_VIEWS; v++)
    {
      if (!tb_sidebar_get_view_visible (sidebar, v))
        continue;
      gtk_widget_activate_action (GTK_WIDGET (window), "win.select-view", "s",
                                  tb_inbox_view_to_id (v));
      g_assert_cmpint (tb_sidebar_get_selected_view (sidebar), ==, v);
      g_assert_cmpuint (get_n_rows (window), ==, tb_sidebar_get_count (sidebar, v));
      if (v <= TB_INBOX_VIEW_RETURNED)
        {
          g_autoptr(TbCase) c = NULL;

          g_assert_cmpuint (get_n_rows (window), >, 0);
          c = g_list_model_get_item (rows, get_n_rows (window) - 1);
          g_assert_cmpstr (tb_case_get_assignee_id (c), ==, "u-wangfang");
          if (v == TB_INBOX_VIEW_RETURNED)
            g_assert_cmpstr (tb_case_get_state (c), ==, "awaiting_applicant");
        }
    }
  g_assert_cmpuint (tb_sidebar_get_count (sidebar, TB_INBOX_VIEW_ALL), ==, N_DEMO_CASES);

  /* The service filter narrows the view to that service. */
  {
    GtkDropDown *services = NULL;
    g_autoptr(TbCase) c = NULL;
    g_autofree char *service_id = NULL;
    guint n;

    for (GtkWidget *w = tb_test_ui_find_widget (GTK_WIDGET (window), GTK_TYPE_DROP_DOWN);
         w != NULL;
         w = NULL)
      services = GTK_DROP_DOWN (w);
    g_assert_nonnull (services);
    gtk_drop_down_set_selected (services, 1);
    n = get_n_rows (window);
    g_assert_cmpuint (n, >, 0);
    g_assert_cmpuint (n, <, N_DEMO_CASES);
    c = g_list_model_get_item (rows, 0);
    service_id = g_strdup (tb_case_get_service_id (c));
    for (guint i = 0; i < n; i += 1 + n / 50)
      {
        g_autoptr(TbCase) other = g_list_model_get_item (rows, i);
        g_assert_cmpstr (tb_case_get_service_id (other), ==, service_id);
      }
    gtk_drop_down_set_selected (services, 0);
    g_assert_cmpuint (get_n_rows (window), ==, N_DEMO_CASES);
  }

  /* Open the selected case, and go back to the inbox. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.select-view", "s", "mine");
  gtk_selection_model_select_item (tb_window_get_selection (window), 0, TRUE);
  first = g_list_model_get_item (rows, 0);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.open-selected", NULL);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (get_content_stack (window)), ==, "case");
  g_assert_nonnull (tb_test_ui_find_mapped_label (GTK_WIDGET (window), tb_case_get_ref (first)));
  {
    TbCaseView *case_view = TB_CASE_VIEW (tb_test_ui_find_widget (GTK_WIDGET (window),
                                                                  TB_TYPE_CASE_VIEW));

    g_assert_cmpstr (tb_case_view_get_case_id (case_view), ==, tb_case_get_id (first));
    g_assert_nonnull (tb_case_view_get_case (case_view));
  }
  gtk_widget_activate_action (GTK_WIDGET (window), "win.back", NULL);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (get_content_stack (window)), ==, "inbox");

  /* Ctrl+N registers a new case at the counter, in its own dialog. */
  {
    GtkWindow *dialog;

    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.new-case", NULL));
    dialog = tb_test_ui_find_toplevel (TB_TYPE_NEW_CASE_DIALOG);
    g_assert_nonnull (dialog);
    g_assert_true (gtk_window_get_transient_for (dialog) == GTK_WINDOW (window));
    gtk_window_destroy (dialog);
  }

  /* A comment queued offline puts the case under Sent until the server has it. */
  query = (CountQuery) { sidebar, TB_INBOX_VIEW_SENT, 1 };
  g_assert_cmpuint (tb_sidebar_get_count (sidebar, TB_INBOX_VIEW_SENT), ==, 0);
  g_assert_true (tb_store_get_user_access (fixture->store, "u-wangfang", &roles, &teams, &error));
  service = tb_case_service_new (fixture->store, "u-wangfang", roles, (const char * const *) teams);
  g_assert_true (tb_case_service_comment (service, tb_case_get_id (first), "已电话联系申请人",
                                          &error));
  g_assert_no_error (error);
  g_assert_true (tb_test_ui_wait_until (count_is, &query, 3000));
  gtk_widget_activate_action (GTK_WIDGET (window), "win.select-view", "s", "sent");
  g_assert_cmpuint (get_n_rows (window), ==, 1);
  {
    g_autoptr(TbCase) sent = g_list_model_get_item (rows, 0);
    g_assert_cmpstr (tb_case_get_id (sent), ==, tb_case_get_id (first));
    g_assert_cmpint (tb_case_get_sync_state (sent), ==, TB_SYNC_STATE_PENDING);
  }

  destroy_window (window);
}

static void
collect_column_headers (GtkWidget *root,
                        GPtrArray *headers)
{
  if (gtk_accessible_get_accessible_role (GTK_ACCESSIBLE (root))
      == GTK_ACCESSIBLE_ROLE_COLUMN_HEADER)
    g_ptr_array_add (headers, root);

  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_column_headers (child, headers);
}

static void
test_window_accessibility (Fixture       *fixture,
                           gconstpointer  data)
{
  TbWindow *window = show_window (fixture);
  GtkColumnView *view = get_column_view (window);
  GListModel *columns = gtk_column_view_get_columns (view);
  g_autoptr(GPtrArray) headers = g_ptr_array_new ();

  gtk_test_accessible_assert_property (GTK_ACCESSIBLE (get_search_entry (window)),
                                       GTK_ACCESSIBLE_PROPERTY_LABEL, "搜索办件");
  gtk_test_accessible_assert_property (GTK_ACCESSIBLE (view),
                                       GTK_ACCESSIBLE_PROPERTY_LABEL, "办件");

  /* Each column header is named after its (translated) column. */
  collect_column_headers (GTK_WIDGET (view), headers);
  g_assert_cmpuint (headers->len, ==, g_list_model_get_n_items (columns));
  g_assert_cmpuint (headers->len, ==, 7);
  for (guint i = 0; i < headers->len; i++)
    {
      g_autoptr(GtkColumnViewColumn) column = g_list_model_get_item (columns, i);

      gtk_test_accessible_assert_property (GTK_ACCESSIBLE (g_ptr_array_index (headers, i)),
                                           GTK_ACCESSIBLE_PROPERTY_LABEL,
                                           gtk_column_view_column_get_title (column));
    }

  /* The sort order is announced on the headers: by deadline at first (column 5), then by
   * reference, descending, once the user sorts by it; and the list follows. */
  gtk_test_accessible_assert_property (GTK_ACCESSIBLE (g_ptr_array_index (headers, 5)),
                                       GTK_ACCESSIBLE_PROPERTY_SORT,
                                       GTK_ACCESSIBLE_SORT_ASCENDING);
  gtk_test_accessible_assert_property (GTK_ACCESSIBLE (g_ptr_array_index (headers, 0)),
                                       GTK_ACCESSIBLE_PROPERTY_SORT, GTK_ACCESSIBLE_SORT_NONE);
  {
    g_autoptr(GtkColumnViewColumn) ref_column = g_list_model_get_item (columns, 0);
    GListModel *cases = tb_window_get_cases (window);
    g_autoptr(TbCase) first = NULL;
    g_autoptr(TbCase) second = NULL;
    TbCaseList *list = TB_CASE_LIST (cases);
    TbCaseSort sort;
    gboolean descending;

    gtk_column_view_sort_by_column (view, ref_column, GTK_SORT_DESCENDING);
    gtk_test_accessible_assert_property (GTK_ACCESSIBLE (g_ptr_array_index (headers, 0)),
                                         GTK_ACCESSIBLE_PROPERTY_SORT,
                                         GTK_ACCESSIBLE_SORT_DESCENDING);
    gtk_test_accessible_assert_property (GTK_ACCESSIBLE (g_ptr_array_index (headers, 5)),
                                         GTK_ACCESSIBLE_PROPERTY_SORT, GTK_ACCESSIBLE_SORT_NONE);
    g_object_get (list, "sort", &sort, "descending", &descending, NULL);
    g_assert_cmpint (sort, ==, TB_CASE_SORT_REFERENCE);
    g_assert_true (descending);
    first = g_list_model_get_item (cases, 0);
    second = g_list_model_get_item (cases, 1);
    g_assert_cmpstr (tb_case_get_ref (first), >, tb_case_get_ref (second));
  }

  destroy_window (window);
}

typedef struct
{
  Fixture        *fixture;
  TbApplication  *application;
  GSourceFunc     check;
  gboolean        checked;
} AppCheck;

static void
destroy_all_windows (GtkApplication *application)
{
  g_autoptr(GList) windows = g_list_copy (gtk_application_get_windows (application));

  /* The last window going ends g_application_run(). */
  for (const GList *l = windows; l != NULL; l = l->next)
    gtk_window_destroy (GTK_WINDOW (l->data));
}

static gboolean
check_application (gpointer data)
{
  AppCheck *check = data;
  GtkApplication *application = GTK_APPLICATION (check->application);
  g_autofree char *missing = g_build_filename (check->fixture->dir, "missing.db", NULL);
  g_autoptr(GList) windows = NULL;
  TbWindow *window;
  TbStore *store;

  /* --db opened that store, --server was kept for signing in. */
  windows = g_list_copy (gtk_application_get_windows (application));
  g_assert_cmpuint (g_list_length (windows), ==, 1);
  window = TB_WINDOW (windows->data);
  store = tb_window_get_store (window);
  g_assert_nonnull (store);
  g_assert_cmpstr (tb_store_get_path (store), ==, check->fixture->path);
  g_assert_cmpuint (tb_window_get_n_cases (window), ==, N_CASES);
  g_assert_cmpstr (tb_application_get_server_url (check->application), ==,
                   "https://cases.example.gov.cn");

  /* The Keyboard Shortcuts window comes with every window, listing the inbox's shortcuts. */
  {
    GtkShortcutsWindow *overlay = gtk_application_window_get_help_overlay (
      GTK_APPLICATION_WINDOW (window));

    g_assert_nonnull (overlay);
    g_assert_true (GTK_IS_SHORTCUTS_WINDOW (overlay));
    g_assert_true (g_action_group_has_action (G_ACTION_GROUP (window), "show-help-overlay"));
  }

  /* A store file that is not there is reported, not created. */
  window = tb_application_open_store (check->application, missing);
  g_assert_null (tb_window_get_store (window));
  g_assert_cmpstr (get_page (window), ==, "error");
  g_assert_false (g_file_test (missing, G_FILE_TEST_EXISTS));

  check->checked = TRUE;
  destroy_all_windows (application);

  return G_SOURCE_REMOVE;
}

static gboolean
check_application_default (gpointer data)
{
  AppCheck *check = data;
  GtkApplication *application = GTK_APPLICATION (check->application);
  GList *windows = gtk_application_get_windows (application);

  /* Nobody ever signed in (the settings are empty): the sign-in window, nothing filled in. */
  g_assert_cmpuint (g_list_length (windows), ==, 1);
  g_assert_true (TB_IS_SIGN_IN_WINDOW (windows->data));
  g_assert_cmpstr (tb_sign_in_window_get_server_url (windows->data), ==, "");
  g_assert_null (tb_application_get_engine (check->application));
  g_assert_null (tb_application_get_server_url (check->application));

  check->checked = TRUE;
  destroy_all_windows (application);

  return G_SOURCE_REMOVE;
}

static gboolean
check_no_window (gpointer data)
{
  AppCheck *check = data;

  g_assert_null (gtk_application_get_windows (GTK_APPLICATION (check->application)));
  check->checked = TRUE;

  return G_SOURCE_REMOVE;
}

static void
on_startup (GApplication *application,
            AppCheck     *check)
{
  /* Runs once the command line is handled and the window presented. */
  g_idle_add (check->check, check);
}

/* Runs the application on @argv; @check runs once it has handled the command line. */
static int
run_application (Fixture     *fixture,
                 char       **argv,
                 GSourceFunc  check_func,
                 gboolean    *checked)
{
  g_autoptr(TbApplication) application = tb_application_new ();
  AppCheck check = { fixture, application, check_func, FALSE };
  int status;

  /* No other instance to talk to over D-Bus: this one handles its own command line. */
  g_application_set_flags (G_APPLICATION (application),
                           G_APPLICATION_HANDLES_COMMAND_LINE | G_APPLICATION_NON_UNIQUE);
  g_signal_connect (application, "startup", G_CALLBACK (on_startup), &check);

  status = g_application_run (G_APPLICATION (application), g_strv_length (argv), argv);
  *checked = check.checked;

  return status;
}

static void
test_application_command_line (Fixture       *fixture,
                               gconstpointer  data)
{
  char *argv[] = {
    (char *) "tongban", (char *) "--db", fixture->path,
    (char *) "--server", (char *) "https://cases.example.gov.cn", NULL
  };
  gboolean checked = FALSE;

  g_assert_cmpint (run_application (fixture, argv, check_application, &checked), ==, 0);
  g_assert_true (checked);
}

static void
test_application_default (Fixture       *fixture,
                          gconstpointer  data)
{
  char *argv[] = { (char *) "tongban", NULL };
  gboolean checked = FALSE;

  g_assert_cmpint (run_application (fixture, argv, check_application_default, &checked), ==, 0);
  g_assert_true (checked);
}

static void
test_application_bad_server (Fixture       *fixture,
                             gconstpointer  data)
{
  char *argv[] = { (char *) "tongban", (char *) "--server", (char *) "not an address", NULL };
  gboolean checked = FALSE;

  /* Refused before any window opens. */
  g_assert_cmpint (run_application (fixture, argv, check_no_window, &checked), ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  tb_test_ui_init (&argc, &argv);

  g_test_add ("/window/new-destroy", Fixture, "en",
              fixture_set_up, test_window_new_destroy, fixture_tear_down);
  g_test_add ("/window/properties", Fixture, "en",
              fixture_set_up, test_window_properties, fixture_tear_down);
  g_test_add ("/window/empty-states", Fixture, "en",
              fixture_set_up_empty, test_window_empty_states, fixture_tear_down);
  g_test_add ("/window/focus-search", Fixture, "en",
              fixture_set_up, test_window_focus_search, fixture_tear_down);
  g_test_add ("/window/settings", Fixture, "en",
              fixture_set_up, test_window_settings, fixture_tear_down);
  g_test_add ("/window/en/inbox", Fixture, "en",
              fixture_set_up, test_window_inbox, fixture_tear_down);
  g_test_add ("/window/en/search", Fixture, "en",
              fixture_set_up, test_window_search, fixture_tear_down);
  g_test_add ("/window/zh_CN/inbox", Fixture, "zh_CN",
              fixture_set_up, test_window_inbox, fixture_tear_down);
  g_test_add ("/window/zh_CN/search", Fixture, "zh_CN",
              fixture_set_up, test_window_search, fixture_tear_down);
  g_test_add ("/window/zh_CN/accessibility", Fixture, "zh_CN",
              fixture_set_up, test_window_accessibility, fixture_tear_down);
  g_test_add ("/window/en/demo", Fixture, "en",
              fixture_set_up_demo, test_window_demo, fixture_tear_down);
  g_test_add ("/window/en/desk", Fixture, "en",
              fixture_set_up_demo, test_window_desk, fixture_tear_down);
  g_test_add ("/window/zh_CN/desk", Fixture, "zh_CN",
              fixture_set_up_demo, test_window_desk, fixture_tear_down);
  g_test_add ("/application/command-line", Fixture, "en",
              fixture_set_up, test_application_command_line, fixture_tear_down);
  g_test_add ("/application/default", Fixture, "en",
              fixture_set_up_empty, test_application_default, fixture_tear_down);
  g_test_add ("/application/bad-server", Fixture, "en",
              fixture_set_up_empty, test_application_bad_server, fixture_tear_down);

  return g_test_run ();
}
