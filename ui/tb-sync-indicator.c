/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-sync-indicator.c: the header-bar button that says how the sync stands, and its popover */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "tb-sign-in-window.h"
#include "tb-store-sync.h"
#include "tb-sync-indicator.h"
#include "tb-sync-log-window.h"
#include "tb-ui-resources.h"

/* A sync that runs longer than this shows its progress bar. */
#define LONG_SYNC_MS 1000

struct _TbSyncIndicator
{
  AdwBin          parent_instance;

  /* Template widgets */
  GtkMenuButton  *button;
  GtkStack       *icon_stack;
  GtkImage       *icon;
  GtkSpinner     *spinner;
  GtkLabel       *badge;
  GtkPopover     *popover;
  GtkImage       *state_image;
  GtkLabel       *title_label;
  GtkLabel       *description_label;
  GtkProgressBar *progress_bar;
  GtkLabel       *last_sync_label;
  GtkLabel       *unsent_label;
  GtkLabel       *conflicts_label;
  GtkButton      *sign_in_button;
  GtkButton      *sync_button;
  GtkButton      *log_button;

  TbSyncEngine   *engine;
  TbStore        *store;          /* set, or NULL to use the engine's */
  const char     *state;
  gint64          n_unsent;
  gint64          n_conflicts;
  gint64          last_sync_at;
  gboolean        long_sync;
  guint           long_sync_timer;
  guint           clock_timer;
  guint           refresh_idle;
};

G_DEFINE_FINAL_TYPE (TbSyncIndicator, tb_sync_indicator, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_ENGINE,
  PROP_STORE,
  PROP_STATE,
  PROP_N_UNSENT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static TbStore *
effective_store (TbSyncIndicator *self)
{
  if (self->store != NULL)
    return self->store;
  if (self->engine != NULL)
    return tb_sync_engine_get_store (self->engine);
  return NULL;
}

/* "Last synced 5 minutes ago": how long ago @at (Unix microseconds) was, for people. */
static char *
describe_last_sync (gint64 at)
{
  gint64 now = g_get_real_time ();
  gint64 minutes;
  gint64 hours;
  g_autoptr(GDateTime) when = NULL;
  g_autofree char *date = NULL;

  if (at <= 0)
    return g_strdup (_("Never synced"));

  minutes = MAX (now - at, 0) / (60 * G_USEC_PER_SEC);
  hours = minutes / 60;
  if (minutes < 1)
    return g_strdup (_("Last synced just now"));
  if (minutes < 60)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Last synced %u minute ago",
                                         "Last synced %u minutes ago", (gulong) minutes),
                            (guint) minutes);
  if (hours < 24)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Last synced %u hour ago",
                                         "Last synced %u hours ago", (gulong) hours),
                            (guint) hours);

  when = g_date_time_new_from_unix_local (at / G_USEC_PER_SEC);
  date = g_date_time_format (when, "%Y-%m-%d %H:%M");
  /* Translators: %s is a date and time, e.g. 2026-11-27 09:30 */
  return g_strdup_printf (_("Last synced on %s"), date);
}

static void
set_progress_visible (TbSyncIndicator *self,
                      gboolean         visible)
{
  gtk_widget_set_visible (GTK_WIDGET (self->progress_bar), visible);
}

/* Reads what the store says of the sync: when it last completed, what waits. */
static void
tb_sync_indicator_read_store (TbSyncIndicator *self)
{
  TbStore *store = effective_store (self);
  g_auto(TbSyncInfo) info = { 0 };
  g_autoptr(GError) error = NULL;
  gint64 n_unsent = 0;

  self->n_conflicts = 0;
  self->last_sync_at = 0;

  if (store != NULL)
    {
      if (tb_store_get_sync_info (store, &info, &error))
        {
          n_unsent = info.n_unsent;
          self->n_conflicts = info.n_conflicts;
          self->last_sync_at = info.last_sync_at;
        }
      else
        g_debug ("Sync state not read: %s", error->message);
    }

  if (self->n_unsent != n_unsent)
    {
      self->n_unsent = n_unsent;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_UNSENT]);
    }
}

static void
tb_sync_indicator_update (TbSyncIndicator *self)
{
  TbSyncStatus status = TB_SYNC_STATUS_IDLE;
  const GError *last_error = NULL;
  const char *state;
  const char *icon_name;
  const char *title;
  g_autofree char *description = NULL;
  g_autofree char *last_sync = NULL;
  g_autofree char *unsent = NULL;
  g_autofree char *number = NULL;
  g_autofree char *summary = NULL;
  gboolean signed_in = FALSE;
  gboolean is_error = FALSE;
  gboolean is_warning = FALSE;

  tb_sync_indicator_read_store (self);

  if (self->engine != NULL)
    {
      status = tb_sync_engine_get_status (self->engine);
      last_error = tb_sync_engine_get_last_error (self->engine);
      signed_in = tb_sync_engine_get_signed_in (self->engine);
    }

  if (self->engine == NULL)
    {
      state = "local";
      icon_name = "network-offline-symbolic";
      title = _("Not Connected");
      description = g_strdup (_("This case store is not linked to a central service. Changes "
                                "stay on this computer."));
    }
  else if (status == TB_SYNC_STATUS_SYNCING)
    {
      state = "syncing";
      icon_name = "emblem-synchronizing-symbolic";
      title = _("Syncing…");
      description = g_strdup (_("Sending your changes and receiving the server’s."));
    }
  else if (status == TB_SYNC_STATUS_SIGNED_OUT || !signed_in)
    {
      state = "signed-out";
      icon_name = "dialog-password-symbolic";
      title = _("Not Signed In");
      description = g_strdup (_("Your work is kept on this computer. Sign in again to send and "
                                "receive changes."));
    }
  else if (status == TB_SYNC_STATUS_OFFLINE)
    {
      /* Working offline is normal at a counter: said plainly, not as a failure. */
      state = "offline";
      icon_name = "network-offline-symbolic";
      title = _("Offline");
      description = g_strdup (_("The server cannot be reached. Your work is kept on this "
                                "computer and sent when the connection is back."));
    }
  else if (status == TB_SYNC_STATUS_ERROR)
    {
      state = "error";
      icon_name = "dialog-warning-symbolic";
      /* A busy server is waited for; anything else needs someone to look. */
      if (g_error_matches (last_error, TB_SYNC_ERROR, TB_SYNC_ERROR_UNAVAILABLE))
        {
          title = _("Server Busy");
          is_warning = TRUE;
        }
      else
        {
          title = _("Sync Failed");
          is_error = TRUE;
        }
      description = g_strdup (last_error != NULL ? last_error->message
                                                 : _("The last sync did not complete."));
    }
  else
    {
      g_autoptr(GUri) uri = g_uri_parse (tb_sync_engine_get_server_url (self->engine),
                                         G_URI_FLAGS_NONE, NULL);
      const char *host = uri != NULL ? g_uri_get_host (uri) : NULL;

      state = "online";
      icon_name = "emblem-ok-symbolic";
      title = _("Online");
      /* Translators: %s is the server's host name, e.g. tongban.example.gov.cn */
      description = g_strdup_printf (_("Connected to %s. Changes are sent and received "
                                       "automatically."),
                                     host != NULL ? host
                                                  : tb_sync_engine_get_server_url (self->engine));
    }

  /* The button */
  gtk_image_set_from_icon_name (self->icon, icon_name);
  gtk_stack_set_visible_child_name (self->icon_stack,
                                    g_str_equal (state, "syncing") ? "spinner" : "icon");
  gtk_spinner_set_spinning (self->spinner, g_str_equal (state, "syncing"));
  if (is_error)
    gtk_widget_add_css_class (GTK_WIDGET (self->button), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->button), "error");
  if (is_warning)
    gtk_widget_add_css_class (GTK_WIDGET (self->button), "warning");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->button), "warning");

  number = g_strdup_printf ("%'" G_GINT64_FORMAT, self->n_unsent);
  gtk_label_set_label (self->badge, number);
  gtk_widget_set_visible (GTK_WIDGET (self->badge), self->n_unsent > 0);

  /* The popover */
  gtk_image_set_from_icon_name (self->state_image, icon_name);
  gtk_label_set_label (self->title_label, title);
  gtk_label_set_label (self->description_label, description);

  last_sync = describe_last_sync (self->last_sync_at);
  gtk_label_set_label (self->last_sync_label, last_sync);

  if (self->n_unsent > 0)
    unsent = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s change not sent yet",
                                           "%s changes not sent yet",
                                           (gulong) CLAMP (self->n_unsent, 0, G_MAXINT)),
                              number);
  else
    unsent = g_strdup (_("All changes sent"));
  gtk_label_set_label (self->unsent_label, unsent);

  if (self->n_conflicts > 0)
    {
      g_autofree char *n = g_strdup_printf ("%'" G_GINT64_FORMAT, self->n_conflicts);
      g_autofree char *text = NULL;

      text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                           "%s change was not accepted by the server",
                                           "%s changes were not accepted by the server",
                                           (gulong) CLAMP (self->n_conflicts, 0, G_MAXINT)),
                              n);
      gtk_label_set_label (self->conflicts_label, text);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->conflicts_label), self->n_conflicts > 0);

  if (!g_str_equal (state, "syncing"))
    set_progress_visible (self, FALSE);

  gtk_widget_set_visible (GTK_WIDGET (self->sign_in_button), g_str_equal (state, "signed-out"));
  gtk_widget_set_visible (GTK_WIDGET (self->sync_button),
                          self->engine != NULL && !g_str_equal (state, "signed-out"));
  gtk_widget_set_sensitive (GTK_WIDGET (self->sync_button), !g_str_equal (state, "syncing"));
  gtk_widget_set_sensitive (GTK_WIDGET (self->log_button), effective_store (self) != NULL);

  /* What a sighted user reads off the icon, a screen reader and a tooltip say in words. */
  if (self->n_unsent > 0)
    summary = g_strdup_printf ("%s. %s. %s.", title, unsent, last_sync);
  else
    summary = g_strdup_printf ("%s. %s.", title, last_sync);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->button), summary);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Sync Status"),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, summary,
                                  -1);

  if (self->state != state)
    {
      self->state = state;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
    }
}

static gboolean
refresh_idle_cb (gpointer user_data)
{
  TbSyncIndicator *self = user_data;

  self->refresh_idle = 0;
  tb_sync_indicator_update (self);
  return G_SOURCE_REMOVE;
}

/* Store changes come in bursts (a pull page, a batch of actions, a page every few ms in a long
 * sync): read the store once for each, at most every REFRESH_MS. A timeout at the default
 * priority, because an idle would wait for as long as the spinner shown during a sync draws one
 * frame after another (as in software rendering), which may be the whole sync. */
#define REFRESH_MS 50

static void
queue_refresh (TbSyncIndicator *self)
{
  if (self->refresh_idle == 0)
    self->refresh_idle = g_timeout_add (REFRESH_MS, refresh_idle_cb, self);
}

static gboolean
long_sync_cb (gpointer user_data)
{
  TbSyncIndicator *self = user_data;

  self->long_sync_timer = 0;
  self->long_sync = TRUE;
  if (g_strcmp0 (self->state, "syncing") == 0)
    set_progress_visible (self, TRUE);
  return G_SOURCE_REMOVE;
}

static void
on_engine_status (TbSyncIndicator *self)
{
  gboolean syncing = tb_sync_engine_get_status (self->engine) == TB_SYNC_STATUS_SYNCING;

  g_clear_handle_id (&self->long_sync_timer, g_source_remove);
  if (syncing && g_strcmp0 (self->state, "syncing") != 0)
    {
      self->long_sync = FALSE;
      gtk_progress_bar_set_fraction (self->progress_bar, 0.0);
      gtk_progress_bar_set_text (self->progress_bar, _("Connecting…"));
      self->long_sync_timer = g_timeout_add (LONG_SYNC_MS, long_sync_cb, self);
    }
  tb_sync_indicator_update (self);
}

static void
on_engine_progress (TbSyncIndicator *self,
                    const char      *phase,
                    guint            done,
                    guint            batch,
                    TbSyncEngine    *engine)
{
  g_autofree char *number = NULL;
  g_autofree char *text = NULL;

  /* The server does not say how much is left: the bar pulses and counts. */
  if (g_strcmp0 (phase, "push") == 0)
    {
      number = g_strdup_printf ("%'u", done + batch);
      text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Sending %s change",
                                           "Sending %s changes", done + batch), number);
    }
  else
    {
      number = g_strdup_printf ("%'u", done);
      text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s change received",
                                           "%s changes received", done), number);
      /* More than one page: this is a long sync, whatever the clock says. */
      if (done > batch)
        self->long_sync = TRUE;
    }
  gtk_progress_bar_set_text (self->progress_bar, text);
  gtk_progress_bar_pulse (self->progress_bar);
  if (self->long_sync)
    set_progress_visible (self, TRUE);
}

static void
on_sync_clicked (TbSyncIndicator *self)
{
  if (self->engine == NULL)
    return;
  gtk_popover_popdown (self->popover);
  tb_sync_engine_sync_async (self->engine, NULL, NULL, NULL);
}

static GtkWindow *
get_parent_window (TbSyncIndicator *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  return GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL;
}

static void
on_log_clicked (TbSyncIndicator *self)
{
  GtkWindow *parent = get_parent_window (self);
  TbSyncLogWindow *window;

  if (effective_store (self) == NULL)
    return;
  gtk_popover_popdown (self->popover);
  window = tb_sync_log_window_new (effective_store (self), self->engine);
  if (parent != NULL)
    {
      gtk_window_set_transient_for (GTK_WINDOW (window), parent);
      gtk_window_set_application (GTK_WINDOW (window), gtk_window_get_application (parent));
    }
  gtk_window_present (GTK_WINDOW (window));
}

static void
on_sign_in_clicked (TbSyncIndicator *self)
{
  GtkWindow *parent = get_parent_window (self);
  TbSignInWindow *window;

  if (self->engine == NULL)
    return;
  gtk_popover_popdown (self->popover);
  window = tb_sign_in_window_new_for_engine (parent != NULL ? gtk_window_get_application (parent)
                                                            : NULL,
                                             self->engine);
  if (parent != NULL)
    gtk_window_set_transient_for (GTK_WINDOW (window), parent);
  gtk_window_present (GTK_WINDOW (window));
}

static gboolean
clock_cb (gpointer user_data)
{
  tb_sync_indicator_update (user_data);
  return G_SOURCE_CONTINUE;
}

/* "5 minutes ago" ages: keep it true while anyone can see it. */
static void
tb_sync_indicator_map (GtkWidget *widget)
{
  TbSyncIndicator *self = TB_SYNC_INDICATOR (widget);

  GTK_WIDGET_CLASS (tb_sync_indicator_parent_class)->map (widget);
  tb_sync_indicator_update (self);
  if (self->clock_timer == 0)
    self->clock_timer = g_timeout_add_seconds (30, clock_cb, self);
}

static void
tb_sync_indicator_unmap (GtkWidget *widget)
{
  TbSyncIndicator *self = TB_SYNC_INDICATOR (widget);

  g_clear_handle_id (&self->clock_timer, g_source_remove);
  GTK_WIDGET_CLASS (tb_sync_indicator_parent_class)->unmap (widget);
}

static void
disconnect_store (TbSyncIndicator *self,
                  TbStore         *store)
{
  if (store != NULL)
    g_signal_handlers_disconnect_by_func (store, queue_refresh, self);
}

static void
connect_store (TbSyncIndicator *self,
               TbStore         *store)
{
  /* Local actions fill the outbox; each commits a change of cases. */
  if (store != NULL)
    g_signal_connect_object (store, "cases-changed", G_CALLBACK (queue_refresh), self,
                             G_CONNECT_SWAPPED);
}

static void
tb_sync_indicator_dispose (GObject *object)
{
  TbSyncIndicator *self = TB_SYNC_INDICATOR (object);

  g_clear_handle_id (&self->long_sync_timer, g_source_remove);
  g_clear_handle_id (&self->clock_timer, g_source_remove);
  g_clear_handle_id (&self->refresh_idle, g_source_remove);
  disconnect_store (self, effective_store (self));
  if (self->engine != NULL)
    g_signal_handlers_disconnect_by_data (self->engine, self);
  g_clear_object (&self->engine);
  g_clear_object (&self->store);

  /* No gtk_widget_dispose_template(): AdwBin unparents its child, the menu button, itself. */

  G_OBJECT_CLASS (tb_sync_indicator_parent_class)->dispose (object);
}

static void
tb_sync_indicator_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  TbSyncIndicator *self = TB_SYNC_INDICATOR (object);

  switch (prop_id)
    {
    case PROP_ENGINE:
      g_value_set_object (value, self->engine);
      break;
    case PROP_STORE:
      g_value_set_object (value, self->store);
      break;
    case PROP_STATE:
      g_value_set_string (value, self->state);
      break;
    case PROP_N_UNSENT:
      g_value_set_int64 (value, self->n_unsent);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tb_sync_indicator_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  TbSyncIndicator *self = TB_SYNC_INDICATOR (object);

  switch (prop_id)
    {
    case PROP_ENGINE:
      tb_sync_indicator_set_engine (self, g_value_get_object (value));
      break;
    case PROP_STORE:
      tb_sync_indicator_set_store (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tb_sync_indicator_class_init (TbSyncIndicatorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tb_sync_indicator_dispose;
  object_class->get_property = tb_sync_indicator_get_property;
  object_class->set_property = tb_sync_indicator_set_property;

  widget_class->map = tb_sync_indicator_map;
  widget_class->unmap = tb_sync_indicator_unmap;

  /**
   * TbSyncIndicator:engine:
   *
   * The sync engine whose state is shown, or %NULL for a store not linked to a server.
   */
  properties[PROP_ENGINE] =
    g_param_spec_object ("engine", NULL, NULL, TB_TYPE_SYNC_ENGINE,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS));

  /**
   * TbSyncIndicator:store:
   *
   * The store whose unsent changes, last sync and log are shown; %NULL for the engine's.
   */
  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL, TB_TYPE_STORE,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS));

  /**
   * TbSyncIndicator:state:
   *
   * What is shown: "local" (no engine), "online", "syncing", "offline", "signed-out" or
   * "error".
   */
  properties[PROP_STATE] =
    g_param_spec_string ("state", NULL, NULL, "local",
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * TbSyncIndicator:n-unsent:
   *
   * How many changes wait in the outbox.
   */
  properties[PROP_N_UNSENT] =
    g_param_spec_int64 ("n-unsent", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_assert (tb_ui_get_resource () != NULL);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/tongban/Tongban/tb-sync-indicator.ui");
  gtk_widget_class_bind_template_child (widget_class, TbSyncIndicator, button);
  gtk_widget_class_bind_template_child (widget_class, TbSyncIndicator, icon_stack);
  gtk_widget_class_bind_template_child (widget_class, TbSyncIndicator, icon);
  gtk_widget_class_bind_template_child (widget_class, TbSyncIndicator, spinner);
  gtk_widget_class_bind_template_child (widget_class, TbSyncIndicator, badge);
  gtk_widget_class_bind_template_child (widget_class, TbSyncIndicator, popover);
  gtk_widget_class_bind_template_child (widget_class, TbSyncIndicator, state_image);
  gtk_widget_class_bind_template_child (widget_class, TbSyncIndicator, title_label);
  gtk_widget_class_bind_template_child (widget_class, TbSyncIndicator, description_label);
  gtk_widget_class_bind_template_child (widget_class, TbSyncIndicator, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, TbSyncIndicator, last_sync_label);
  gtk_widget_class_bind_template_child (widget_class, TbSyncIndicator, unsent_label);
  gtk_widget_class_bind_template_child (widget_class, TbSyncIndicator, conflicts_label);
  gtk_widget_class_bind_template_child (widget_class, TbSyncIndicator, sign_in_button);
  gtk_widget_class_bind_template_child (widget_class, TbSyncIndicator, sync_button);
  gtk_widget_class_bind_template_child (widget_class, TbSyncIndicator, log_button);
  gtk_widget_class_bind_template_callback (widget_class, on_sync_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_log_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_sign_in_clicked);
}

static void
tb_sync_indicator_init (TbSyncIndicator *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->state = "local";
  tb_sync_indicator_update (self);
}

/**
 * tb_sync_indicator_new:
 *
 * Creates the sync indicator, a button for a header bar whose popover tells the sync's state,
 * the last sync, what waits to be sent, and offers Sync Now, Sign In Again and the sync log.
 *
 * Returns: (transfer floating): a new #TbSyncIndicator
 */
GtkWidget *
tb_sync_indicator_new (void)
{
  return g_object_new (TB_TYPE_SYNC_INDICATOR, NULL);
}

/**
 * tb_sync_indicator_get_engine:
 * @self: a #TbSyncIndicator
 *
 * Returns: (transfer none) (nullable): the engine shown
 */
TbSyncEngine *
tb_sync_indicator_get_engine (TbSyncIndicator *self)
{
  g_return_val_if_fail (TB_IS_SYNC_INDICATOR (self), NULL);
  return self->engine;
}

/**
 * tb_sync_indicator_set_engine:
 * @self: a #TbSyncIndicator
 * @engine: (nullable): the sync engine to show
 *
 * Shows the state of @engine, and of its store unless #TbSyncIndicator:store is set.
 */
void
tb_sync_indicator_set_engine (TbSyncIndicator *self,
                              TbSyncEngine    *engine)
{
  g_return_if_fail (TB_IS_SYNC_INDICATOR (self));
  g_return_if_fail (engine == NULL || TB_IS_SYNC_ENGINE (engine));

  if (self->engine == engine)
    return;

  disconnect_store (self, effective_store (self));
  if (self->engine != NULL)
    g_signal_handlers_disconnect_by_data (self->engine, self);
  g_set_object (&self->engine, engine);
  if (engine != NULL)
    {
      g_signal_connect_object (engine, "notify::status", G_CALLBACK (on_engine_status), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (engine, "notify::signed-in", G_CALLBACK (queue_refresh), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (engine, "synced", G_CALLBACK (queue_refresh), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (engine, "progress", G_CALLBACK (on_engine_progress), self,
                               G_CONNECT_SWAPPED);
    }
  connect_store (self, effective_store (self));

  self->state = NULL;
  if (engine != NULL)
    on_engine_status (self);
  else
    tb_sync_indicator_update (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ENGINE]);
}

/**
 * tb_sync_indicator_get_store:
 * @self: a #TbSyncIndicator
 *
 * Returns: (transfer none) (nullable): the store set, %NULL when the engine's is shown
 */
TbStore *
tb_sync_indicator_get_store (TbSyncIndicator *self)
{
  g_return_val_if_fail (TB_IS_SYNC_INDICATOR (self), NULL);
  return self->store;
}

/**
 * tb_sync_indicator_set_store:
 * @self: a #TbSyncIndicator
 * @store: (nullable): the store to show, or %NULL for the engine's
 *
 * A store without an engine is shown as not connected, with its unsent changes and log.
 */
void
tb_sync_indicator_set_store (TbSyncIndicator *self,
                             TbStore         *store)
{
  g_return_if_fail (TB_IS_SYNC_INDICATOR (self));
  g_return_if_fail (store == NULL || TB_IS_STORE (store));

  if (self->store == store)
    return;

  disconnect_store (self, effective_store (self));
  g_set_object (&self->store, store);
  connect_store (self, effective_store (self));
  tb_sync_indicator_update (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STORE]);
}

/**
 * tb_sync_indicator_get_state:
 * @self: a #TbSyncIndicator
 *
 * Returns: what is shown: "local", "online", "syncing", "offline", "signed-out" or "error"
 */
const char *
tb_sync_indicator_get_state (TbSyncIndicator *self)
{
  g_return_val_if_fail (TB_IS_SYNC_INDICATOR (self), NULL);
  return self->state;
}

/**
 * tb_sync_indicator_get_n_unsent:
 * @self: a #TbSyncIndicator
 *
 * Returns: how many changes wait in the outbox, as last read
 */
gint64
tb_sync_indicator_get_n_unsent (TbSyncIndicator *self)
{
  g_return_val_if_fail (TB_IS_SYNC_INDICATOR (self), 0);
  return self->n_unsent;
}
