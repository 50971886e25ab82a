/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-bench-ui.c: the real inbox window at scale: time to the first rows, search-as-you-type */

/*
 * The window is the real TbWindow on a demo store of --cases cases, made once and kept in the
 * build directory (keyed by the count and the seed) because a million cases take minutes to make.
 * A run that has to make the store makes it, then starts itself afresh, so that the figures are
 * always those of a process that only opens the store (with the OS page cache warm).
 *
 * first_frame_ms runs from the start of the process (as /proc says, to 1/CLK_TCK s) to the end of
 * the first frame (the frame clock's after-paint) in which the inbox has a row on screen with
 * its reference drawn. first_frame_from_main_ms starts at main() instead.
 *
 * Search latency is, for each keystroke typed into the real GtkSearchEntry, the time from the
 * edit to the end of the first frame after the inbox list shows the search's result: the entry's
 * search-delay included, since the user waits for it too. Keystrokes are typed one at a time,
 * each after the previous one's frame and a short pause, so that each is timed on its own. Each
 * is split into the delay, the query (from search-changed until the list shows the result: the
 * window's handler, the read of the matches on the list's worker thread while TbWindow:searching
 * is set, and the list's rows made anew) and the frame (layout and drawing); search_cpu_* is the
 * main thread's CPU time for the last two, the time the desk could not answer a key, which other
 * processes on a shared machine disturb less than the wall clock.
 *
 * Drawing is with cairo unless GSK_RENDERER says otherwise (see main()).
 */

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <adwaita.h>

#include "tb-bench-common.h"
#include "tb-demo.h"
#include "tb-store.h"
#include "tb-window.h"

#ifndef TB_BENCH_UI_DIR
#define TB_BENCH_UI_DIR "."
#endif

/* The demo data is made for a fixed day, so that a kept store is the same whenever it was made. */
#define DEMO_TODAY "2026-11-27"

/* After each frame that showed a search's result, the typist's pause before the next key. */
#define PAUSE_MS 60

#define TIMEOUT_MS 60000

typedef enum
{
  KIND_CJK,
  KIND_WORD,
  KIND_REF,
  KIND_EDIT,
  N_KINDS
} Kind;

static const char * const kind_names[N_KINDS] = { "cjk", "word", "ref", "edit" };

/* Queries as a caseworker types them; each is typed a character at a time (an input method
 * commits one ideograph per key here, the slowest way), then cleared with Ctrl+A, Backspace. */
static const struct
{
  const char *text;
  Kind        kind;
} queries[] = {
  { "王芳", KIND_CJK },
  { "营业", KIND_CJK },
  { "李娜", KIND_CJK },
  { "社保", KIND_CJK },
  { "张伟 营业", KIND_CJK },
  { "steel", KIND_WORD },
  { "unlimited", KIND_WORD },
  { "joint", KIND_WORD },
  { "TB-2026-00042", KIND_REF },
  { "TB-2026-012345", KIND_REF },
};

static struct
{
  TbWindow       *window;
  GtkWidget      *column_view;
  GtkSearchEntry *entry;

  gint64          main_us;        /* g_get_monotonic_time () at main() */
  double          exec_to_main_ms;
  double          first_frame_ms; /* from main(); < 0 until seen */

  gboolean        searching;      /* a keystroke is being timed */
  gint64          search_start;   /* when search-changed was emitted for it */
  gint64          search_end;     /* when the window had handled it */
  double          search_cpu;     /* this thread's CPU time at search_start, then to the frame */
  gboolean        search_ran;     /* search-changed was handled for it */
  gboolean        search_shown;   /* and a frame has ended since */
  guint           search_tick_id;
} bench_ui = { .first_frame_ms = -1 };

/* CPU time of this thread: less disturbed than the wall clock by other processes. (With the
 * cairo renderer, all of the drawing is on this thread too.) */
static double
thread_cpu_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static double
since_main_ms (void)
{
  return (g_get_monotonic_time () - bench_ui.main_us) / 1000.0;
}

/* How long ago the process started, by its start time in /proc/self/stat: -1 if unknown. The
 * kernel keeps it in clock ticks since boot, so this is exact to a tick (10 ms) at best. */
static double
process_age_ms (void)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) fields = NULL;
  const char *after_name;
  struct timespec now;
  long ticks = sysconf (_SC_CLK_TCK);

  if (!g_file_get_contents ("/proc/self/stat", &text, NULL, NULL)
      || (after_name = strrchr (text, ')')) == NULL || ticks <= 0
      || clock_gettime (CLOCK_BOOTTIME, &now) != 0)
    return -1;
  /* After "pid (comm)": the state is field 3 of proc(5), the start time field 22. */
  fields = g_strsplit (after_name + 2, " ", -1);
  if (g_strv_length (fields) < 20)
    return -1;

  return (now.tv_sec + now.tv_nsec / 1e9 - g_ascii_strtod (fields[19], NULL) / ticks) * 1000.0;
}

static GtkWidget *
find_widget (GtkWidget *root,
             GType      type)
{
  if (g_type_is_a (G_OBJECT_TYPE (root), type))
    return root;

  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_widget (child, type);

      if (found != NULL)
        return found;
    }

  return NULL;
}

/* A label or an inscription on screen, with a size and text, inside a row of the column view. */
static gboolean
has_drawn_row (GtkWidget *root,
               gboolean   in_row)
{
  const char *text = NULL;

  if (!gtk_widget_get_mapped (root))
    return FALSE;

  if (GTK_IS_LABEL (root))
    text = gtk_label_get_label (GTK_LABEL (root));
  else if (GTK_IS_INSCRIPTION (root))
    text = gtk_inscription_get_text (GTK_INSCRIPTION (root));
  if (in_row && text != NULL && *text != '\0' && gtk_widget_get_width (root) > 0)
    return TRUE;

  in_row = in_row || g_strcmp0 (gtk_widget_get_css_name (root), "row") == 0;
  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (has_drawn_row (child, in_row))
        return TRUE;
    }

  return FALSE;
}

static void
on_after_paint (GdkFrameClock *clock,
                gpointer       data)
{
  if (bench_ui.first_frame_ms < 0)
    {
      if (bench_ui.column_view == NULL)
        bench_ui.column_view = find_widget (GTK_WIDGET (bench_ui.window), GTK_TYPE_COLUMN_VIEW);
      if (tb_window_get_n_cases (bench_ui.window) > 0 && bench_ui.column_view != NULL
          && has_drawn_row (bench_ui.column_view, FALSE))
        bench_ui.first_frame_ms = since_main_ms ();
    }

  if (bench_ui.searching && bench_ui.search_ran && !bench_ui.search_shown)
    {
      bench_ui.search_shown = TRUE;
      bench_ui.search_cpu = thread_cpu_ms () - bench_ui.search_cpu;
    }
}

static void
on_realize (GtkWidget *window,
            gpointer   data)
{
  g_signal_connect (gtk_widget_get_frame_clock (window), "after-paint",
                    G_CALLBACK (on_after_paint), NULL);
}

/* Keeps a frame coming: a search with the same result changes nothing on screen. */
static gboolean
on_search_tick (GtkWidget     *widget,
                GdkFrameClock *clock,
                gpointer       data)
{
  if (bench_ui.search_shown)
    {
      bench_ui.search_tick_id = 0;
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

/* The list shows the search's result: from the window's search-changed handler if it searched at
 * once, or when the window's search has read its matches (TbWindow:searching turns FALSE). */
static void
search_applied (void)
{
  bench_ui.search_ran = TRUE;
  bench_ui.search_end = g_get_monotonic_time ();
  if (bench_ui.search_tick_id == 0)
    bench_ui.search_tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (bench_ui.window),
                                                            on_search_tick, NULL, NULL);
}

/* Connected after the window's own handler. */
static void
on_search_changed_after (GtkSearchEntry *entry,
                         gpointer        data)
{
  gboolean searching;

  if (!bench_ui.searching)
    return;

  g_object_get (bench_ui.window, "searching", &searching, NULL);
  if (!searching)
    search_applied ();
}

static void
on_searching_changed (TbWindow   *window,
                      GParamSpec *pspec,
                      gpointer    data)
{
  gboolean searching;

  g_object_get (window, "searching", &searching, NULL);
  if (bench_ui.searching && bench_ui.search_start != 0 && !searching && !bench_ui.search_ran)
    search_applied ();
}

/* Runs before any handler: the end of the search-delay. */
static gboolean
on_search_changed_hook (GSignalInvocationHint *hint,
                        guint                  n_values,
                        const GValue          *values,
                        gpointer               data)
{
  if (bench_ui.searching && g_value_get_object (&values[0]) == (GObject *) bench_ui.entry)
    {
      bench_ui.search_start = g_get_monotonic_time ();
      bench_ui.search_cpu = thread_cpu_ms ();
    }
  return TRUE;
}

static void
iterate_until (gboolean   *flag,
               const char *what)
{
  gint64 end = g_get_monotonic_time () + TIMEOUT_MS * G_TIME_SPAN_MILLISECOND;

  while (!*flag)
    {
      if (g_get_monotonic_time () > end)
        tb_bench_fail ("timed out waiting for %s", what);
      g_main_context_iteration (NULL, TRUE);
    }
}

static gboolean
on_flag_timeout (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main loop for @ms, as an idle desk would. */
static void
idle_for (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, on_flag_timeout, &done);
  iterate_until (&done, "a pause");
}

typedef struct
{
  double total;  /* keystroke to the frame showing its result */
  double delay;  /* keystroke to search-changed */
  double query;  /* search-changed to the list updated: the query and the model update */
  double frame;  /* from there to the end of the frame */
  double cpu;    /* the main thread's CPU time in query and frame */
} Timing;

/* One keystroke: @edit changes the entry; times it to the frame that shows its result. */
static Timing
time_keystroke (void (*edit) (GtkEditable *, gconstpointer),
                gconstpointer data)
{
  gint64 start;
  gint64 end;

  bench_ui.searching = TRUE;
  bench_ui.search_start = 0;
  bench_ui.search_ran = FALSE;
  bench_ui.search_shown = FALSE;

  start = g_get_monotonic_time ();
  edit (GTK_EDITABLE (bench_ui.entry), data);
  iterate_until (&bench_ui.search_shown, "the search result on screen");
  end = g_get_monotonic_time ();

  bench_ui.searching = FALSE;
  return (Timing) {
    .total = (end - start) / 1000.0,
    .delay = (bench_ui.search_start - start) / 1000.0,
    .query = (bench_ui.search_end - bench_ui.search_start) / 1000.0,
    .frame = (end - bench_ui.search_end) / 1000.0,
    .cpu = bench_ui.search_cpu,
  };
}

static void
type_text (GtkEditable   *editable,
           gconstpointer  data)
{
  int position = -1;

  gtk_editable_set_position (editable, -1);
  position = gtk_editable_get_position (editable);
  gtk_editable_insert_text (editable, data, -1, &position);
  gtk_editable_set_position (editable, position);
}

static void
clear_text (GtkEditable   *editable,
            gconstpointer  data)
{
  gtk_editable_delete_text (editable, 0, -1);
}

/* The kept store for @n_cases and @seed, made (and this process started afresh) if missing. */
static char *
ensure_store (guint    n_cases,
              guint64  seed,
              char   **argv)
{
  g_autofree char *name = g_strdup_printf ("tb-bench-ui-%u-%" G_GUINT64_FORMAT ".db",
                                           n_cases, seed);
  g_autofree char *path = g_build_filename (TB_BENCH_UI_DIR, name, NULL);
  g_autofree char *part = NULL;
  g_autoptr(TbStore) store = NULL;
  g_autoptr(GError) error = NULL;
  double start;

  if (g_file_test (path, G_FILE_TEST_EXISTS))
    return g_steal_pointer (&path);

  /* Made under another name and renamed at the end: an interrupted run leaves no half store. */
  part = g_strconcat (path, ".part", NULL);
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *old = g_strconcat (part, (const char *[]) { "", "-wal", "-shm" }[i], NULL);
      g_unlink (old);
    }

  g_printerr ("Making a store of %u demo cases (seed %" G_GUINT64_FORMAT ") in %s...\n",
              n_cases, seed, path);
  start = tb_bench_now ();
  store = tb_store_open (part, &error);
  if (store == NULL || !tb_demo_seed_store (store, n_cases, seed, tb_day_from_iso (DEMO_TODAY),
                                            &error))
    tb_bench_fail ("cannot make the store: %s", error->message);
  g_clear_object (&store);
  if (g_rename (part, path) != 0)
    tb_bench_fail ("cannot rename %s: %s", part, g_strerror (errno));
  g_printerr ("Made it in %.1f s; measuring in a new process\n", tb_bench_now () - start);

  /* A new process rather than exec(), which would keep this one's start time. */
  {
    g_auto(GStrv) child_argv = g_strdupv (argv);
    int status;

    g_free (child_argv[0]);
    child_argv[0] = g_file_read_link ("/proc/self/exe", &error);
    if (child_argv[0] == NULL
        || !g_spawn_sync (NULL, child_argv, NULL, G_SPAWN_CHILD_INHERITS_STDIN, NULL, NULL,
                          NULL, NULL, &status, &error))
      tb_bench_fail ("cannot start the measuring process: %s", error->message);
    exit (WIFEXITED (status) ? WEXITSTATUS (status) : 1);
  }
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(TbStore) store = NULL;
  g_autoptr(GString) json = g_string_new ("{");
  g_autoptr(GArray) samples = g_array_new (FALSE, FALSE, sizeof (double));
  GArray *by_kind[N_KINDS];
  g_autoptr(GArray) delays = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) queries_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) frames = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) cpus = g_array_new (FALSE, FALSE, sizeof (double));
  g_auto(GStrv) saved_argv = g_strdupv (argv);
  g_autofree char *path = NULL;
  const char *localedir;
  int n_cases = 100000;
  int seed = 1;
  int search_delay = -1;
  int rounds = 1;
  gboolean fixed_widths = FALSE;
  double open_ms;
  double window_ms;
  const GOptionEntry entries[] = {
    { "cases", 0, 0, G_OPTION_ARG_INT, &n_cases, "How many cases (default 100000)", "N" },
    { "seed", 0, 0, G_OPTION_ARG_INT, &seed, "Seed of the demo data (default 1)", "N" },
    { "rounds", 0, 0, G_OPTION_ARG_INT, &rounds, "Times to type every query (default 1)", "N" },
    { "search-delay", 0, 0, G_OPTION_ARG_INT, &search_delay,
      "Override the search entry's search-delay, in ms (default: the window's own)", "MS" },
    { "fixed-widths", 0, 0, G_OPTION_ARG_NONE, &fixed_widths,
      "Give the inbox columns fixed widths (an experiment: the window has none)", NULL },
    { NULL }
  };

  bench_ui.main_us = g_get_monotonic_time ();
  bench_ui.exec_to_main_ms = process_age_ms ();

  context = g_option_context_new (NULL);
  g_option_context_set_summary (context,
                                "Times the real inbox window over a demo store: launch to the "
                                "first frame with rows, and search-as-you-type from keystroke to "
                                "the updated list on screen. Prints one JSON line at the end. "
                                "Needs a display: run it under xvfb-run -a.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (n_cases < 1 || seed < 0 || rounds < 1)
    {
      g_printerr ("--cases and --rounds must be positive, --seed not negative\n");
      return 2;
    }

  path = ensure_store (n_cases, seed, saved_argv);

  /* As main.c does, so that the window is as translated as the user's. */
  setlocale (LC_ALL, "");
  localedir = g_getenv ("TB_LOCALEDIR");
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL && *localedir ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  /* Under Xvfb there is no GPU: GL would be Mesa's software rasteriser, and time its shaders.
   * Cairo draws on this thread, as GTK does where GL is missing; say GSK_RENDERER=gl to compare. */
  if (g_getenv ("GSK_RENDERER") == NULL)
    g_setenv ("GSK_RENDERER", "cairo", TRUE);

  /* ---- Launch to the first frame with rows ---- */
  gtk_init ();
  adw_init ();

  open_ms = since_main_ms ();
  store = tb_store_open (path, &error);
  if (store == NULL)
    tb_bench_fail ("cannot open %s: %s", path, error->message);
  open_ms = since_main_ms () - open_ms;

  window_ms = since_main_ms ();
  bench_ui.window = tb_window_new (NULL, store, NULL);
  window_ms = since_main_ms () - window_ms;
  gtk_window_set_default_size (GTK_WINDOW (bench_ui.window), 1100, 720);
  g_signal_connect (bench_ui.window, "realize", G_CALLBACK (on_realize), NULL);
  gtk_window_present (GTK_WINDOW (bench_ui.window));

  {
    gint64 end = g_get_monotonic_time () + TIMEOUT_MS * G_TIME_SPAN_MILLISECOND;

    while (bench_ui.first_frame_ms < 0)
      {
        if (g_get_monotonic_time () > end)
          tb_bench_fail ("no frame showed inbox rows within %d ms", TIMEOUT_MS);
        g_main_context_iteration (NULL, TRUE);
      }
  }

  g_printerr ("cases %u, exec→main %.1f ms, gtk_init→store open %.1f ms, new window %.1f ms, "
              "first frame %.1f ms after main\n",
              tb_window_get_n_cases (bench_ui.window), bench_ui.exec_to_main_ms, open_ms,
              window_ms, bench_ui.first_frame_ms);

  /* ---- Search as you type ---- */
  bench_ui.entry = GTK_SEARCH_ENTRY (find_widget (GTK_WIDGET (bench_ui.window),
                                                  GTK_TYPE_SEARCH_ENTRY));
  g_assert (bench_ui.entry != NULL);
  if (search_delay >= 0)
    gtk_search_entry_set_search_delay (bench_ui.entry, search_delay);
  if (fixed_widths)
    {
      GListModel *columns = gtk_column_view_get_columns (GTK_COLUMN_VIEW (bench_ui.column_view));
      static const int widths[] = { 150, 260, 220, 120, 260 };

      for (guint i = 0; i < g_list_model_get_n_items (columns); i++)
        {
          g_autoptr(GtkColumnViewColumn) column = g_list_model_get_item (columns, i);
          gtk_column_view_column_set_fixed_width (column,
                                                  widths[MIN (i, G_N_ELEMENTS (widths) - 1)]);
        }
    }
  g_signal_add_emission_hook (g_signal_lookup ("search-changed", GTK_TYPE_SEARCH_ENTRY), 0,
                              on_search_changed_hook, NULL, NULL);
  g_signal_connect_after (bench_ui.entry, "search-changed",
                          G_CALLBACK (on_search_changed_after), NULL);
  g_signal_connect (bench_ui.window, "notify::searching", G_CALLBACK (on_searching_changed), NULL);
  gtk_widget_grab_focus (GTK_WIDGET (bench_ui.entry));
  idle_for (500);

  for (guint k = 0; k < N_KINDS; k++)
    by_kind[k] = g_array_new (FALSE, FALSE, sizeof (double));

  for (int round = 0; round < rounds; round++)
    for (guint q = 0; q < G_N_ELEMENTS (queries); q++)
      {
        const char *text = queries[q].text;
        const char *p = text;

        /* Each character, then Ctrl+A Backspace. */
        while (TRUE)
          {
            char key[8] = { 0, };
            const char *shown;
            Timing t;

            if (*p)
              {
                memcpy (key, p, g_utf8_next_char (p) - p);
                t = time_keystroke (type_text, key);
              }
            else
              t = time_keystroke (clear_text, NULL);

            g_array_append_val (samples, t.total);
            g_array_append_val (by_kind[*p ? queries[q].kind : KIND_EDIT], t.total);
            g_array_append_val (delays, t.delay);
            g_array_append_val (queries_ms, t.query);
            g_array_append_val (frames, t.frame);
            g_array_append_val (cpus, t.cpu);
            shown = gtk_editable_get_text (GTK_EDITABLE (bench_ui.entry));
            g_printerr ("  %-16s %7.1f ms = delay %5.1f + query %5.1f + frame %5.1f "
                        "(CPU %5.1f)  %u cases\n",
                        *shown ? shown : "(cleared)", t.total, t.delay, t.query, t.frame, t.cpu,
                        tb_window_get_n_cases (bench_ui.window));
            idle_for (PAUSE_MS);

            if (!*p)
              break;
            p = g_utf8_next_char (p);
          }
      }

  for (guint k = 0; k < N_KINDS; k++)
    g_printerr ("%-5s p50 %7.1f ms  p95 %7.1f ms  max %7.1f ms  (%u keystrokes)\n",
                kind_names[k], tb_bench_percentile (by_kind[k], 0.5),
                tb_bench_percentile (by_kind[k], 0.95), tb_bench_percentile (by_kind[k], 1.0),
                by_kind[k]->len);
  g_printerr ("delay p50 %.1f ms; query p50 %.1f p95 %.1f ms; frame p50 %.1f p95 %.1f ms; "
              "CPU p50 %.1f p95 %.1f ms\n",
              tb_bench_percentile (delays, 0.5), tb_bench_percentile (queries_ms, 0.5),
              tb_bench_percentile (queries_ms, 0.95), tb_bench_percentile (frames, 0.5),
              tb_bench_percentile (frames, 0.95), tb_bench_percentile (cpus, 0.5),
              tb_bench_percentile (cpus, 0.95));

  tb_bench_json_add_number (json, "cases", n_cases, 0);
  tb_bench_json_add_number (json, "first_frame_ms",
                            bench_ui.exec_to_main_ms >= 0
                            ? bench_ui.exec_to_main_ms + bench_ui.first_frame_ms
                            : bench_ui.first_frame_ms, 1);
  tb_bench_json_add_number (json, "first_frame_from_main_ms", bench_ui.first_frame_ms, 1);
  tb_bench_json_add_number (json, "store_open_ms", open_ms, 1);
  tb_bench_json_add_string (json, "renderer", G_OBJECT_TYPE_NAME (gtk_native_get_renderer (
                              GTK_NATIVE (bench_ui.window))));
  tb_bench_json_add_number (json, "search_delay_ms",
                            gtk_search_entry_get_search_delay (bench_ui.entry), 0);
  tb_bench_json_add_number (json, "keystrokes", samples->len, 0);
  tb_bench_json_add_number (json, "search_p50_ms", tb_bench_percentile (samples, 0.5), 1);
  tb_bench_json_add_number (json, "search_p95_ms", tb_bench_percentile (samples, 0.95), 1);
  tb_bench_json_add_number (json, "search_max_ms", tb_bench_percentile (samples, 1.0), 1);
  tb_bench_json_add_number (json, "search_query_p95_ms", tb_bench_percentile (queries_ms, 0.95), 1);
  tb_bench_json_add_number (json, "search_frame_p95_ms", tb_bench_percentile (frames, 0.95), 1);
  tb_bench_json_add_number (json, "search_cpu_p95_ms", tb_bench_percentile (cpus, 0.95), 1);
  for (guint k = 0; k < N_KINDS; k++)
    {
      g_autofree char *name = g_strdup_printf ("search_%s_p95_ms", kind_names[k]);
      tb_bench_json_add_number (json, name, tb_bench_percentile (by_kind[k], 0.95), 1);
    }
  tb_bench_json_add_number (json, "rss_mb", tb_bench_status_kb ("self", "VmRSS") / 1024.0, 1);
  tb_bench_json_add_number (json, "peak_rss_mb", tb_bench_status_kb ("self", "VmHWM") / 1024.0,
                            1);
  g_string_append_c (json, '}');

  gtk_window_destroy (GTK_WINDOW (bench_ui.window));
  for (guint k = 0; k < N_KINDS; k++)
    g_array_unref (by_kind[k]);
  printf ("%s\n", json->str);
  return 0;
}
