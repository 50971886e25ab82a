/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-application.c: the desk application: command line, actions, windows */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "tb-application.h"
#include "tb-store.h"

struct _TbApplication
{
  AdwApplication  parent_instance;

  GSettings      *settings;    /* NULL when the schema is not installed */
  char           *server_url;
};

G_DEFINE_FINAL_TYPE (TbApplication, tb_application, ADW_TYPE_APPLICATION)

enum {
  PROP_0,
  PROP_SERVER_URL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const GOptionEntry option_entries[] = {
  { "db", 0, 0, G_OPTION_ARG_FILENAME, NULL,
    N_("Open the case store FILE instead of the last signed-in user’s"), N_("FILE") },
  { "server", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("Address of the central service to sign in to"), N_("URL") },
  { NULL }
};

static void
tb_application_set_server_url (TbApplication *self,
                               const char    *server_url)
{
  if (g_strcmp0 (self->server_url, server_url) == 0)
    return;

  g_free (self->server_url);
  self->server_url = g_strdup (server_url);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SERVER_URL]);
}

/* The store of the last signed-in user, or NULL when there is none yet. */
static char *
tb_application_dup_default_store_path (TbApplication *self)
{
  g_autofree char *server_url = NULL;
  g_autofree char *user_login = NULL;
  g_autofree char *path = NULL;

  if (self->settings == NULL)
    return NULL;

  server_url = g_settings_get_string (self->settings, "server-url");
  user_login = g_settings_get_string (self->settings, "user-login");
  if (*server_url == '\0' || *user_login == '\0')
    return NULL;

  path = tb_store_build_path (server_url, user_login);
  if (path == NULL || !g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return NULL;

  return g_steal_pointer (&path);
}

static void
tb_application_activate (GApplication *application)
{
  TbApplication *self = TB_APPLICATION (application);
  GtkWindow *window;
  g_autofree char *path = NULL;

  window = gtk_application_get_active_window (GTK_APPLICATION (self));
  if (window != NULL)
    {
      gtk_window_present (window);
      return;
    }

  path = tb_application_dup_default_store_path (self);
  if (path != NULL)
    window = GTK_WINDOW (tb_application_open_store (self, path));
  else
    window = GTK_WINDOW (tb_window_new (GTK_APPLICATION (self), NULL, self->settings));

  gtk_window_present (window);
}

static int
tb_application_command_line (GApplication            *application,
                             GApplicationCommandLine *command_line)
{
  TbApplication *self = TB_APPLICATION (application);
  GVariantDict *options = g_application_command_line_get_options_dict (command_line);
  const char *server_url = NULL;
  const char *db = NULL;

  if (g_variant_dict_lookup (options, "server", "&s", &server_url))
    {
      if (!g_uri_is_valid (server_url, G_URI_FLAGS_NONE, NULL))
        {
          g_application_command_line_printerr (command_line,
                                               _("“%s” is not a valid address\n"), server_url);
          return EXIT_FAILURE;
        }
      tb_application_set_server_url (self, server_url);
    }

  if (g_variant_dict_lookup (options, "db", "^&ay", &db))
    {
      g_autoptr(GFile) file = g_application_command_line_create_file_for_arg (command_line, db);
      g_autofree char *path = g_file_get_path (file);

      gtk_window_present (GTK_WINDOW (tb_application_open_store (self, path)));
    }
  else
    {
      g_application_activate (application);
    }

  return EXIT_SUCCESS;
}

static void
about_action (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       user_data)
{
  TbApplication *self = TB_APPLICATION (user_data);
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  GtkWidget *about;
  static const char *developers[] = { "The Tongban developers", NULL };

  about = adw_about_window_new ();
  adw_about_window_set_application_name (ADW_ABOUT_WINDOW (about), _("Tongban"));
  adw_about_window_set_application_icon (ADW_ABOUT_WINDOW (about), APP_ID);
  adw_about_window_set_developer_name (ADW_ABOUT_WINDOW (about), _("The Tongban developers"));
  adw_about_window_set_version (ADW_ABOUT_WINDOW (about), PACKAGE_VERSION);
  adw_about_window_set_comments (ADW_ABOUT_WINDOW (about), _("Handle applications in one place"));
  adw_about_window_set_website (ADW_ABOUT_WINDOW (about), "https://github.com/tongban/tongban");
  adw_about_window_set_issue_url (ADW_ABOUT_WINDOW (about),
                                  "https://github.com/tongban/tongban/issues");
  adw_about_window_set_developers (ADW_ABOUT_WINDOW (about), developers);
  /* Translators: put your names here, one per line, to be credited in the About window. */
  adw_about_window_set_translator_credits (ADW_ABOUT_WINDOW (about), _("translator-credits"));
  adw_about_window_set_copyright (ADW_ABOUT_WINDOW (about), _("© 2026 The Tongban developers"));
  adw_about_window_set_license_type (ADW_ABOUT_WINDOW (about), GTK_LICENSE_GPL_3_0);

  if (parent != NULL)
    gtk_window_set_transient_for (GTK_WINDOW (about), parent);
  gtk_window_present (GTK_WINDOW (about));
}

static void
quit_action (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  GtkApplication *application = GTK_APPLICATION (user_data);
  g_autoptr(GList) windows = NULL;

  /* Closing each window (rather than g_application_quit) lets them save their size; the
   * application quits when the last one is gone. */
  windows = g_list_copy (gtk_application_get_windows (application));
  for (const GList *l = windows; l != NULL; l = l->next)
    gtk_window_close (GTK_WINDOW (l->data));
}

static const GActionEntry app_actions[] = {
  { "about", about_action },
  { "quit", quit_action },
};

static void
tb_application_startup (GApplication *application)
{
  TbApplication *self = TB_APPLICATION (application);
  GSettingsSchemaSource *source;
  g_autoptr(GSettingsSchema) schema = NULL;
  static const char *quit_accels[] = { "<Control>q", NULL };

  G_APPLICATION_CLASS (tb_application_parent_class)->startup (application);

  /* Without its schema (an uninstalled build run by hand) GSettings would abort; the desk
   * then simply remembers nothing. */
  source = g_settings_schema_source_get_default ();
  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, APP_ID, TRUE);
  if (schema != NULL)
    self->settings = g_settings_new (APP_ID);
  else
    g_message ("Settings schema %s is not installed; nothing will be remembered", APP_ID);

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions, G_N_ELEMENTS (app_actions),
                                   self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
}

static void
tb_application_finalize (GObject *object)
{
  TbApplication *self = TB_APPLICATION (object);

  g_clear_object (&self->settings);
  g_clear_pointer (&self->server_url, g_free);

  G_OBJECT_CLASS (tb_application_parent_class)->finalize (object);
}

static void
tb_application_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  TbApplication *self = TB_APPLICATION (object);

  switch (prop_id)
    {
    case PROP_SERVER_URL:
      g_value_set_string (value, self->server_url);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tb_application_class_init (TbApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *application_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = tb_application_finalize;
  object_class->get_property = tb_application_get_property;

  application_class->startup = tb_application_startup;
  application_class->activate = tb_application_activate;
  application_class->command_line = tb_application_command_line;

  /**
   * TbApplication:server-url:
   *
   * The central service given with --server, preselected for signing in; %NULL if none.
   */
  properties[PROP_SERVER_URL] =
    g_param_spec_string ("server-url", NULL, NULL,
                         NULL,
                         (G_PARAM_READABLE |
                          G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tb_application_init (TbApplication *self)
{
  g_application_add_main_option_entries (G_APPLICATION (self), option_entries);
}

/**
 * tb_application_new:
 *
 * Creates the desk application. Its command line takes --db FILE to open a given case store
 * and --server URL to preselect a central service.
 *
 * Returns: (transfer full): a new #TbApplication
 */
TbApplication *
tb_application_new (void)
{
  return g_object_new (TB_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_HANDLES_COMMAND_LINE,
                       NULL);
}

/**
 * tb_application_get_server_url:
 * @self: a #TbApplication
 *
 * Returns: (nullable): the central service given with --server, or %NULL
 */
const char *
tb_application_get_server_url (TbApplication *self)
{
  g_return_val_if_fail (TB_IS_APPLICATION (self), NULL);

  return self->server_url;
}

/**
 * tb_application_open_store:
 * @self: a #TbApplication
 * @path: the case store file
 *
 * Opens a window on the store at @path. When the store cannot be opened the window says why
 * instead; the file is never created or changed by a failed open.
 *
 * Returns: (transfer none): the new window, not yet presented
 */
TbWindow *
tb_application_open_store (TbApplication *self,
                           const char    *path)
{
  g_autoptr(TbStore) store = NULL;
  g_autoptr(GError) error = NULL;
  TbWindow *window;

  g_return_val_if_fail (TB_IS_APPLICATION (self), NULL);
  g_return_val_if_fail (path != NULL, NULL);

  /* A mistyped --db must not quietly leave an empty new store behind. */
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_autofree char *display = g_filename_display_name (path);

      g_set_error (&error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
                   _("The file “%s” does not exist"), display);
    }
  else
    {
      store = tb_store_open (path, &error);
    }

  window = tb_window_new (GTK_APPLICATION (self), store, self->settings);
  if (store == NULL)
    tb_window_show_store_error (window, error);

  return window;
}
