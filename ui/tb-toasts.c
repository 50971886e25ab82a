/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-toasts.c: showing and dismissing toasts at a pace libadwaita 1.2's overlay survives */

#include "config.h"

#include "tb-toasts.h"

/*
 * Why this exists: libadwaita 1.2's AdwToastOverlay has two bugs that a program dismissing its
 * own toasts runs into (both fixed upstream in later releases):
 *
 * - A toast shown while another one is still fading out slides in for 500 ms, but fades out in
 *   300 ms. Dismissed within 200 ms of appearing, the overlay frees the toast's bookkeeping when
 *   the fade-out ends, and the slide-in's "done" handler then unrefs a pointer read from that
 *   freed memory: a crash whenever the memory was reused (or, under MALLOC_PERTURB_, always).
 * - A high-priority toast pushes the shown one back into the queue while it fades out. Dismissed
 *   before that fade-out ends, the overlay shows the pushed-back toast again while it still has
 *   its widget, and aborts on an assertion.
 *
 * Both need a toast dismissed within 300 ms of a change in the overlay. The desk dismisses
 * toasts itself (the undo offer once the change is sent, the "Fetching…" note once the file is
 * here), often right after showing them, so every dismissal goes through here: it happens at
 * once if no toast appeared or went in the last SAFE_GAP, and otherwise waits its turn. With
 * animations off libadwaita finishes every animation at once and nothing needs to wait.
 *
 * The state is per process rather than per overlay: pacing dismissals in one window a little
 * because of another costs nothing, and a toast does not say which overlay it is in.
 */

#define SAFE_GAP (600 * G_TIME_SPAN_MILLISECOND)

static gint64 last_change;                    /* when a toast last appeared or went */
static GQueue waiting = G_QUEUE_INIT;         /* (element-type AdwToast) (owned) */
static guint  waiting_source;

static void schedule (void);

static gboolean
animations_enabled (void)
{
  GtkSettings *settings = gtk_settings_get_default ();
  gboolean enabled = TRUE;

  if (settings != NULL)
    g_object_get (settings, "gtk-enable-animations", &enabled, NULL);
  return enabled;
}

static void
dismiss_now (AdwToast *toast)
{
  last_change = g_get_monotonic_time ();
  adw_toast_dismiss (toast);
}

static gboolean
dismiss_waiting (gpointer user_data)
{
  waiting_source = 0;

  if (g_get_monotonic_time () - last_change >= SAFE_GAP)
    {
      g_autoptr(AdwToast) toast = g_queue_pop_head (&waiting);

      if (toast != NULL)
        dismiss_now (toast);
    }
  schedule ();
  return G_SOURCE_REMOVE;
}

static void
schedule (void)
{
  gint64 wait;

  if (waiting_source != 0 || g_queue_is_empty (&waiting))
    return;

  wait = MAX (0, last_change + SAFE_GAP - g_get_monotonic_time ());
  waiting_source = g_timeout_add ((guint) ((wait + 999) / 1000), dismiss_waiting, NULL);
  g_source_set_name_by_id (waiting_source, "[tongban] tb_toasts_dismiss");
}

static void
on_dismissed (AdwToast *toast,
              gpointer  user_data)
{
  GList *link = g_queue_find (&waiting, toast);

  /* Closed by the user or its timeout: the next dismissal waits from now. */
  last_change = g_get_monotonic_time ();
  if (link != NULL)
    {
      g_queue_delete_link (&waiting, link);
      g_object_unref (toast);
    }
}

/**
 * tb_toasts_track:
 * @toast: a toast about to be added to an overlay
 *
 * Notes that @toast appears now, and follows it until it goes, so that dismissals through
 * tb_toasts_dismiss() keep clear of its animations. For code that hands its toasts to an
 * overlay it does not hold, as #TbCaseView does; others call tb_toasts_add().
 */
void
tb_toasts_track (AdwToast *toast)
{
  g_return_if_fail (ADW_IS_TOAST (toast));

  last_change = g_get_monotonic_time ();
  if (g_object_get_data (G_OBJECT (toast), "tb-toasts-tracked") != NULL)
    return;
  g_object_set_data (G_OBJECT (toast), "tb-toasts-tracked", GINT_TO_POINTER (TRUE));
  g_signal_connect (toast, "dismissed", G_CALLBACK (on_dismissed), NULL);
}

/**
 * tb_toasts_add:
 * @overlay: the overlay to show @toast in
 * @toast: (transfer full): the toast
 *
 * Shows @toast in @overlay, as adw_toast_overlay_add_toast() does, and tracks it as
 * tb_toasts_track() does.
 */
void
tb_toasts_add (AdwToastOverlay *overlay,
               AdwToast        *toast)
{
  g_return_if_fail (ADW_IS_TOAST_OVERLAY (overlay));
  g_return_if_fail (ADW_IS_TOAST (toast));

  tb_toasts_track (toast);
  adw_toast_overlay_add_toast (overlay, toast);
}

/**
 * tb_toasts_dismiss:
 * @toast: a toast
 *
 * Dismisses @toast, as adw_toast_dismiss() does: at once if no toast appeared or went in the
 * last 600 ms, otherwise as soon as that is so, after the toasts already waiting. See the top
 * of tb-toasts.c for the libadwaita 1.2 crashes this avoids.
 */
void
tb_toasts_dismiss (AdwToast *toast)
{
  g_return_if_fail (ADW_IS_TOAST (toast));

  if (g_queue_find (&waiting, toast) != NULL)
    return;

  if (!animations_enabled ()
      || (g_queue_is_empty (&waiting) && g_get_monotonic_time () - last_change >= SAFE_GAP))
    {
      dismiss_now (toast);
      return;
    }

  g_queue_push_tail (&waiting, g_object_ref (toast));
  schedule ();
}
