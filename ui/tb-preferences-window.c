/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-preferences-window.c: the account and how often the desk syncs */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "tb-preferences-window.h"
#include "tb-ui-resources.h"

struct _TbPreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  /* Template widgets */
  AdwPreferencesGroup  *account_group;
  AdwActionRow         *server_row;
  AdwActionRow         *user_row;
  AdwActionRow         *sign_out_row;
  AdwComboRow          *interval_row;

  GSettings            *settings;
  TbSyncEngine         *engine;
  GArray               *choices;     /* guint seconds, one per row of the combo */
  guint                 interval;
  gboolean              updating;
};

G_DEFINE_FINAL_TYPE (TbPreferencesWindow, tb_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

enum {
  PROP_0,
  PROP_SETTINGS,
  PROP_ENGINE,
  PROP_INTERVAL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const guint standard_intervals[] = { 30, 60, 120, 300, 600, 900, 1800, 3600 };

#define DEFAULT_INTERVAL 60

static char *
describe_interval (guint seconds)
{
  if (seconds % 3600 == 0)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u hour", "%u hours", seconds / 3600),
                            seconds / 3600);
  if (seconds % 60 == 0)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u minute", "%u minutes",
                                         seconds / 60),
                            seconds / 60);
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u second", "%u seconds", seconds),
                          seconds);
}

static gint
compare_uint (gconstpointer a,
              gconstpointer b)
{
  guint x = *(const guint *) a;
  guint y = *(const guint *) b;

  return x < y ? -1 : x > y;
}

/* The standard choices, and the current value among them if it is another (set elsewhere). */
static void
fill_choices (TbPreferencesWindow *self)
{
  g_autoptr(GtkStringList) labels = gtk_string_list_new (NULL);
  gboolean found = FALSE;
  guint position = 0;

  g_array_set_size (self->choices, 0);
  for (guint i = 0; i < G_N_ELEMENTS (standard_intervals); i++)
    {
      g_array_append_val (self->choices, standard_intervals[i]);
      found |= standard_intervals[i] == self->interval;
    }
  if (!found)
    {
      g_array_append_val (self->choices, self->interval);
      g_array_sort (self->choices, compare_uint);
    }

  for (guint i = 0; i < self->choices->len; i++)
    {
      g_autofree char *label = describe_interval (g_array_index (self->choices, guint, i));

      gtk_string_list_append (labels, label);
      if (g_array_index (self->choices, guint, i) == self->interval)
        position = i;
    }

  self->updating = TRUE;
  adw_combo_row_set_model (self->interval_row, G_LIST_MODEL (labels));
  adw_combo_row_set_selected (self->interval_row, position);
  self->updating = FALSE;
}

static void
on_interval_selected (TbPreferencesWindow *self)
{
  guint selected = adw_combo_row_get_selected (self->interval_row);

  if (self->updating || selected >= self->choices->len)
    return;
  tb_preferences_window_set_interval (self, g_array_index (self->choices, guint, selected));
}

static void
on_settings_changed (TbPreferencesWindow *self,
                     const char          *key,
                     GSettings           *settings)
{
  guint seconds = g_settings_get_uint (settings, "sync-interval");

  if (seconds == self->interval)
    return;
  self->interval = seconds;
  fill_choices (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INTERVAL]);
}

static void
update_account (TbPreferencesWindow *self)
{
  TbStore *store;
  g_autofree char *login = NULL;
  g_autofree char *name = NULL;
  g_autofree char *server = NULL;
  g_autofree char *user = NULL;

  if (self->engine == NULL)
    {
      if (self->settings != NULL)
        server = g_settings_get_string (self->settings, "server-url");
      adw_action_row_set_subtitle (self->server_row,
                                   server != NULL && *server != '\0' ? server
                                                                     : _("No server chosen"));
      adw_action_row_set_subtitle (self->user_row, _("Not signed in"));
      gtk_widget_set_visible (GTK_WIDGET (self->sign_out_row), FALSE);
      return;
    }

  store = tb_sync_engine_get_store (self->engine);
  login = tb_store_dup_meta (store, "user-login");
  if (tb_sync_engine_get_user_id (self->engine) != NULL)
    name = tb_store_dup_user_name (store, tb_sync_engine_get_user_id (self->engine));

  if (name != NULL && login != NULL && g_strcmp0 (name, login) != 0)
    /* Translators: a person's name and, in brackets, their user name: 王芳 (wangfang) */
    user = g_strdup_printf (_("%s (%s)"), name, login);
  else
    user = g_strdup (login != NULL ? login : name != NULL ? name : "");

  adw_action_row_set_subtitle (self->server_row, tb_sync_engine_get_server_url (self->engine));
  adw_action_row_set_subtitle (self->user_row, user);
  gtk_widget_set_visible (GTK_WIDGET (self->sign_out_row), TRUE);
}

static void
tb_preferences_window_constructed (GObject *object)
{
  TbPreferencesWindow *self = TB_PREFERENCES_WINDOW (object);

  G_OBJECT_CLASS (tb_preferences_window_parent_class)->constructed (object);

  if (self->settings != NULL)
    {
      self->interval = g_settings_get_uint (self->settings, "sync-interval");
      g_signal_connect_object (self->settings, "changed::sync-interval",
                               G_CALLBACK (on_settings_changed), self, G_CONNECT_SWAPPED);
    }
  else if (self->engine != NULL)
    self->interval = tb_sync_engine_get_interval (self->engine);
  fill_choices (self);
  update_account (self);
}

static void
tb_preferences_window_dispose (GObject *object)
{
  TbPreferencesWindow *self = TB_PREFERENCES_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), TB_TYPE_PREFERENCES_WINDOW);
  g_clear_object (&self->settings);
  g_clear_object (&self->engine);

  G_OBJECT_CLASS (tb_preferences_window_parent_class)->dispose (object);
}

static void
tb_preferences_window_finalize (GObject *object)
{
  TbPreferencesWindow *self = TB_PREFERENCES_WINDOW (object);

  g_array_unref (self->choices);

  G_OBJECT_CLASS (tb_preferences_window_parent_class)->finalize (object);
}

static void
tb_preferences_window_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  TbPreferencesWindow *self = TB_PREFERENCES_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      g_value_set_object (value, self->settings);
      break;
    case PROP_ENGINE:
      g_value_set_object (value, self->engine);
      break;
    case PROP_INTERVAL:
      g_value_set_uint (value, self->interval);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tb_preferences_window_set_property (GObject      *object,
                                    guint         prop_id,
                                    const GValue *value,
                                    GParamSpec   *pspec)
{
  TbPreferencesWindow *self = TB_PREFERENCES_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      self->settings = g_value_dup_object (value);
      break;
    case PROP_ENGINE:
      tb_preferences_window_set_engine (self, g_value_get_object (value));
      break;
    case PROP_INTERVAL:
      tb_preferences_window_set_interval (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tb_preferences_window_class_init (TbPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = tb_preferences_window_constructed;
  object_class->dispose = tb_preferences_window_dispose;
  object_class->finalize = tb_preferences_window_finalize;
  object_class->get_property = tb_preferences_window_get_property;
  object_class->set_property = tb_preferences_window_set_property;

  /**
   * TbPreferencesWindow:settings:
   *
   * Settings of schema io.github.tongban.Tongban, where the sync interval is kept; %NULL to
   * set the engine's interval directly.
   */
  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL, G_TYPE_SETTINGS,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * TbPreferencesWindow:engine:
   *
   * The engine of the session whose account is shown, or %NULL when signed out.
   */
  properties[PROP_ENGINE] =
    g_param_spec_object ("engine", NULL, NULL, TB_TYPE_SYNC_ENGINE,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS));

  /**
   * TbPreferencesWindow:interval:
   *
   * Seconds between automatic syncs, as chosen.
   */
  properties[PROP_INTERVAL] =
    g_param_spec_uint ("interval", NULL, NULL, 5, 24 * 60 * 60, DEFAULT_INTERVAL,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                        G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_assert (tb_ui_get_resource () != NULL);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/tongban/Tongban/"
                                               "tb-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, TbPreferencesWindow, account_group);
  gtk_widget_class_bind_template_child (widget_class, TbPreferencesWindow, server_row);
  gtk_widget_class_bind_template_child (widget_class, TbPreferencesWindow, user_row);
  gtk_widget_class_bind_template_child (widget_class, TbPreferencesWindow, sign_out_row);
  gtk_widget_class_bind_template_child (widget_class, TbPreferencesWindow, interval_row);
  gtk_widget_class_bind_template_callback (widget_class, on_interval_selected);
}

static void
tb_preferences_window_init (TbPreferencesWindow *self)
{
  self->choices = g_array_new (FALSE, FALSE, sizeof (guint));
  self->interval = DEFAULT_INTERVAL;
  gtk_widget_init_template (GTK_WIDGET (self));
}

/**
 * tb_preferences_window_new:
 * @settings: (nullable): settings of schema io.github.tongban.Tongban
 * @engine: (nullable): the engine of the session, %NULL when signed out
 *
 * Returns: (transfer none): a new preferences window
 */
TbPreferencesWindow *
tb_preferences_window_new (GSettings    *settings,
                           TbSyncEngine *engine)
{
  g_return_val_if_fail (settings == NULL || G_IS_SETTINGS (settings), NULL);
  g_return_val_if_fail (engine == NULL || TB_IS_SYNC_ENGINE (engine), NULL);

  return g_object_new (TB_TYPE_PREFERENCES_WINDOW, "settings", settings, "engine", engine, NULL);
}

/**
 * tb_preferences_window_get_settings:
 * @self: a #TbPreferencesWindow
 *
 * Returns: (transfer none) (nullable): the settings written
 */
GSettings *
tb_preferences_window_get_settings (TbPreferencesWindow *self)
{
  g_return_val_if_fail (TB_IS_PREFERENCES_WINDOW (self), NULL);
  return self->settings;
}

/**
 * tb_preferences_window_get_engine:
 * @self: a #TbPreferencesWindow
 *
 * Returns: (transfer none) (nullable): the engine whose account is shown
 */
TbSyncEngine *
tb_preferences_window_get_engine (TbPreferencesWindow *self)
{
  g_return_val_if_fail (TB_IS_PREFERENCES_WINDOW (self), NULL);
  return self->engine;
}

/**
 * tb_preferences_window_set_engine:
 * @self: a #TbPreferencesWindow
 * @engine: (nullable): the engine of the session
 */
void
tb_preferences_window_set_engine (TbPreferencesWindow *self,
                                  TbSyncEngine        *engine)
{
  g_return_if_fail (TB_IS_PREFERENCES_WINDOW (self));
  g_return_if_fail (engine == NULL || TB_IS_SYNC_ENGINE (engine));

  if (!g_set_object (&self->engine, engine))
    return;
  update_account (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ENGINE]);
}

/**
 * tb_preferences_window_get_interval:
 * @self: a #TbPreferencesWindow
 *
 * Returns: seconds between automatic syncs, as chosen
 */
guint
tb_preferences_window_get_interval (TbPreferencesWindow *self)
{
  g_return_val_if_fail (TB_IS_PREFERENCES_WINDOW (self), DEFAULT_INTERVAL);
  return self->interval;
}

/**
 * tb_preferences_window_set_interval:
 * @self: a #TbPreferencesWindow
 * @seconds: seconds between automatic syncs
 *
 * Chooses the interval as the user does: it goes to the settings (whose owner applies it to
 * the engine), or without settings straight to the engine.
 */
void
tb_preferences_window_set_interval (TbPreferencesWindow *self,
                                    guint                seconds)
{
  g_return_if_fail (TB_IS_PREFERENCES_WINDOW (self));

  seconds = CLAMP (seconds, 5, 24 * 60 * 60);
  if (self->interval == seconds)
    return;
  self->interval = seconds;

  if (self->settings != NULL)
    {
      g_settings_set_uint (self->settings, "sync-interval", seconds);
    }
  else if (self->engine != NULL)
    tb_sync_engine_set_interval (self->engine, seconds);

  /* The combo shows it, also when it was set by a call rather than by the combo. */
  if (adw_combo_row_get_selected (self->interval_row) >= self->choices->len
      || g_array_index (self->choices, guint, adw_combo_row_get_selected (self->interval_row))
         != seconds)
    fill_choices (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INTERVAL]);
}
