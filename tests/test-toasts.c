/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-toasts.c: toasts dismissed right after showing them, with animations on, as users have */

#include "config.h"

#include <adwaita.h>

#include "tb-test-ui.h"
#include "tb-toasts.h"

/* Each of these once crashed libadwaita 1.2's toast overlay, as ui/tb-toasts.c explains. Under
 * `meson test`, MALLOC_PERTURB_ fills freed memory, so the use after free crashes every time
 * rather than when the memory happens to be reused. */

#define N_TOASTS 5

typedef struct
{
  GtkWidget       *window;
  AdwToastOverlay *overlay;
  AdwToast        *toasts[N_TOASTS];
  gint64           dismissed_at[N_TOASTS];    /* monotonic µs, 0 while shown or queued */
} Fixture;

static void
on_dismissed (AdwToast *toast,
              Fixture  *f)
{
  for (guint i = 0; i < N_TOASTS; i++)
    if (f->toasts[i] == toast)
      {
        g_assert_cmpint (f->dismissed_at[i], ==, 0);
        f->dismissed_at[i] = g_get_monotonic_time ();
      }
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->window = gtk_window_new ();
  f->overlay = ADW_TOAST_OVERLAY (adw_toast_overlay_new ());
  adw_toast_overlay_set_child (f->overlay, gtk_label_new ("content"));
  gtk_window_set_child (GTK_WINDOW (f->window), GTK_WIDGET (f->overlay));
  gtk_window_set_default_size (GTK_WINDOW (f->window), 640, 400);
  gtk_window_present (GTK_WINDOW (f->window));
  tb_test_ui_wait_for_frame (f->window);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (f->overlay)));

  for (guint i = 0; i < N_TOASTS; i++)
    {
      g_autofree char *title = g_strdup_printf ("Toast %u", i);

      f->toasts[i] = adw_toast_new (title);
      /* Only our dismissals end them. */
      adw_toast_set_timeout (f->toasts[i], 0);
      g_signal_connect (f->toasts[i], "dismissed", G_CALLBACK (on_dismissed), f);
    }
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  if (f->window != NULL)
    gtk_window_destroy (GTK_WINDOW (f->window));
  tb_test_ui_spin (50);
  for (guint i = 0; i < N_TOASTS; i++)
    {
      g_signal_handlers_disconnect_by_data (f->toasts[i], f);
      /* Nothing, the pending dismissals included, keeps a toast once its window is gone. */
      g_assert_finalize_object (f->toasts[i]);
    }
}

typedef struct
{
  Fixture *f;
  guint    index;
} Dismissed;

static gboolean
is_dismissed (gpointer data)
{
  Dismissed *d = data;

  return d->f->dismissed_at[d->index] != 0;
}

static void
wait_dismissed (Fixture *f,
                guint    index)
{
  Dismissed d = { f, index };

  g_assert_true (tb_test_ui_wait_until (is_dismissed, &d, 10000));
}

/* Lets the toasts' slide-ins and fade-outs play to their end, where libadwaita 1.2 crashed. */
static void
let_animations_end (void)
{
  tb_test_ui_spin (800);
}

/* ------------------------------------------------------------------------------------------ */
/* Tests                                                                                      */

/* Several toasts, dismissed in one go: each one the overlay brings in replaces one fading out,
 * and slides in longer than it takes to fade out. */
static void
test_many_at_once (Fixture       *f,
                   gconstpointer  data)
{
  for (guint i = 0; i < N_TOASTS; i++)
    tb_toasts_add (f->overlay, g_object_ref (f->toasts[i]));
  let_animations_end ();

  for (guint i = 0; i < N_TOASTS; i++)
    tb_toasts_dismiss (f->toasts[i]);
  /* The first at once: nothing appeared or went for a while. */
  g_assert_cmpint (f->dismissed_at[0], !=, 0);
  /* Asking again changes nothing. */
  tb_toasts_dismiss (f->toasts[1]);

  for (guint i = 0; i < N_TOASTS; i++)
    wait_dismissed (f, i);
  for (guint i = 1; i < N_TOASTS; i++)
    {
      /* In order, and each after the one it replaced has faded out and it has slid in: more
       * than the 200 ms libadwaita 1.2 needs. */
      g_assert_cmpint (f->dismissed_at[i] - f->dismissed_at[i - 1], >=,
                       500 * G_TIME_SPAN_MILLISECOND);
    }
  let_animations_end ();
}

/* A toast shown as another one fades out, then dismissed at once: the undo offer the case view
 * withdraws when its change is sent. */
static void
test_replaced_then_dismissed (Fixture       *f,
                              gconstpointer  data)
{
  gint64 shown;

  tb_toasts_add (f->overlay, g_object_ref (f->toasts[0]));
  let_animations_end ();
  tb_toasts_dismiss (f->toasts[0]);
  g_assert_cmpint (f->dismissed_at[0], !=, 0);

  shown = g_get_monotonic_time ();
  tb_toasts_add (f->overlay, g_object_ref (f->toasts[1]));
  tb_toasts_dismiss (f->toasts[1]);
  g_assert_cmpint (f->dismissed_at[1], ==, 0);

  wait_dismissed (f, 1);
  g_assert_cmpint (f->dismissed_at[1] - shown, >=, 500 * G_TIME_SPAN_MILLISECOND);
  let_animations_end ();
}

/* A high-priority toast pushes the shown one back while it fades out; dismissed before that
 * ends, libadwaita 1.2 showed the pushed-back toast again and aborted on an assertion. */
static void
test_high_priority_dismissed (Fixture       *f,
                              gconstpointer  data)
{
  gint64 shown;

  tb_toasts_add (f->overlay, g_object_ref (f->toasts[0]));
  let_animations_end ();

  adw_toast_set_priority (f->toasts[1], ADW_TOAST_PRIORITY_HIGH);
  shown = g_get_monotonic_time ();
  tb_toasts_add (f->overlay, g_object_ref (f->toasts[1]));
  tb_toasts_dismiss (f->toasts[1]);
  g_assert_cmpint (f->dismissed_at[1], ==, 0);

  wait_dismissed (f, 1);
  g_assert_cmpint (f->dismissed_at[1] - shown, >=, 500 * G_TIME_SPAN_MILLISECOND);
  let_animations_end ();

  /* The pushed-back toast is back, until dismissed in turn. */
  g_assert_cmpint (f->dismissed_at[0], ==, 0);
  tb_toasts_dismiss (f->toasts[0]);
  wait_dismissed (f, 0);
  let_animations_end ();
}

/* With animations off, libadwaita finishes them at once, and a dismissal need not wait. */
static void
test_animations_off (Fixture       *f,
                     gconstpointer  data)
{
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);
  for (guint i = 0; i < N_TOASTS; i++)
    tb_toasts_add (f->overlay, g_object_ref (f->toasts[i]));
  for (guint i = 0; i < N_TOASTS; i++)
    {
      tb_toasts_dismiss (f->toasts[i]);
      g_assert_cmpint (f->dismissed_at[i], !=, 0);
    }
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", TRUE, NULL);
}

/* The window closes while dismissals wait: the overlay dismisses its toasts itself, and what
 * waited lets them go. */
static void
test_window_closed (Fixture       *f,
                    gconstpointer  data)
{
  for (guint i = 0; i < N_TOASTS; i++)
    tb_toasts_add (f->overlay, g_object_ref (f->toasts[i]));
  tb_test_ui_spin (100);
  for (guint i = 0; i < N_TOASTS; i++)
    tb_toasts_dismiss (f->toasts[i]);
  g_assert_cmpint (f->dismissed_at[1], ==, 0);

  gtk_window_destroy (GTK_WINDOW (f->window));
  f->window = NULL;
  for (guint i = 0; i < N_TOASTS; i++)
    g_assert_cmpint (f->dismissed_at[i], !=, 0);
  tb_test_ui_spin (1500);
}

int
main (int    argc,
      char **argv)
{
  tb_test_ui_init (&argc, &argv);
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", TRUE, NULL);

  g_test_add ("/toasts/many-at-once", Fixture, NULL, fixture_set_up, test_many_at_once,
              fixture_tear_down);
  g_test_add ("/toasts/replaced-then-dismissed", Fixture, NULL, fixture_set_up,
              test_replaced_then_dismissed, fixture_tear_down);
  g_test_add ("/toasts/high-priority-dismissed", Fixture, NULL, fixture_set_up,
              test_high_priority_dismissed, fixture_tear_down);
  g_test_add ("/toasts/animations-off", Fixture, NULL, fixture_set_up, test_animations_off,
              fixture_tear_down);
  g_test_add ("/toasts/window-closed", Fixture, NULL, fixture_set_up, test_window_closed,
              fixture_tear_down);

  return g_test_run ();
}
