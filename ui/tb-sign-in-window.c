/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-sign-in-window.c: signing in to a central service, and the first sync of the account */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "tb-sign-in-window.h"
#include "tb-ui-resources.h"

/*
 * Two uses. Without an engine (the first run, or after signing out) the window asks for the
 * server, the user name and the password, opens or creates the account's store, signs in and
 * runs the first sync with a progress bar, then emits TbSignInWindow::session-ready with the
 * new engine. With an engine (the session ended while the desk kept working) it asks for the
 * password only, signs that engine in again and lets it sync.
 *
 * A failed first sign-in leaves no store behind; an existing store (a cached account) is never
 * touched by a failure, and can be opened with Work Offline.
 */

struct _TbSignInWindow
{
  AdwApplicationWindow  parent_instance;

  /* Template widgets */
  AdwWindowTitle       *window_title;
  GtkStack             *stack;
  GtkLabel             *heading_label;
  GtkLabel             *intro_label;
  AdwEntryRow          *server_row;
  AdwEntryRow          *login_row;
  AdwEntryRow          *password_row;
  GtkLabel             *error_label;
  GtkButton            *sign_in_button;
  GtkSpinner           *spinner;
  GtkLabel             *sign_in_label;
  GtkButton            *offline_button;
  GtkProgressBar       *progress_bar;

  TbSyncEngine         *engine;         /* reauth: the session's; else the one signing in */
  gboolean              reauth;
  char                 *store_path;     /* NULL: the account's usual place */
  gboolean              use_keyring;
  gboolean              busy;
  gboolean              created_store;
  gboolean              can_work_offline;
  char                 *error;
  char                 *server_url;     /* as last notified */
  char                 *login;
  GCancellable         *cancellable;
  gulong                progress_handler;
  gboolean              setting_rows;   /* a setter is changing a row's text */
};

G_DEFINE_FINAL_TYPE (TbSignInWindow, tb_sign_in_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_ENGINE,
  PROP_SERVER_URL,
  PROP_LOGIN,
  PROP_STORE_PATH,
  PROP_USE_KEYRING,
  PROP_BUSY,
  PROP_ERROR,
  PROP_CAN_WORK_OFFLINE,
  N_PROPS
};

enum {
  SESSION_READY,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* "tongban.example.gov.cn/" → "https://tongban.example.gov.cn"; NULL if it cannot be one. */
static char *
normalize_server_url (const char *text)
{
  g_autofree char *url = g_strstrip (g_strdup (text != NULL ? text : ""));
  g_autoptr(GUri) uri = NULL;
  gsize len;

  if (*url == '\0')
    return NULL;
  if (strstr (url, "://") == NULL)
    {
      char *with_scheme = g_strconcat ("https://", url, NULL);

      g_free (url);
      url = with_scheme;
    }
  len = strlen (url);
  while (len > 0 && url[len - 1] == '/')
    url[--len] = '\0';

  uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0'
      || (g_strcmp0 (g_uri_get_scheme (uri), "https") != 0
          && g_strcmp0 (g_uri_get_scheme (uri), "http") != 0))
    return NULL;

  return g_steal_pointer (&url);
}

static const char *
row_text (AdwEntryRow *row)
{
  return gtk_editable_get_text (GTK_EDITABLE (row));
}

static char *
dup_login (TbSignInWindow *self)
{
  if (self->reauth)
    return tb_store_dup_meta (tb_sync_engine_get_store (self->engine), "user-login");
  return g_strstrip (g_strdup (row_text (self->login_row)));
}

static void
set_error (TbSignInWindow *self,
           const char     *message,
           const char     *detail)
{
  if (g_strcmp0 (self->error, message) != 0)
    {
      g_free (self->error);
      self->error = g_strdup (message);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
    }
  gtk_label_set_label (self->error_label, message);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->error_label), detail);
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
}

static void
update_sensitivity (TbSignInWindow *self)
{
  g_autofree char *server = normalize_server_url (row_text (self->server_row));
  g_autofree char *login = dup_login (self);
  gboolean complete;

  complete = (self->reauth || (server != NULL && login != NULL && *login != '\0'))
             && *row_text (self->password_row) != '\0';

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "sign-in.sign-in", !self->busy && complete);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "sign-in.work-offline",
                                 !self->busy && self->can_work_offline);
  /* Read-only rather than insensitive: a focused text made insensitive loses its focus-out. */
  gtk_editable_set_editable (GTK_EDITABLE (self->server_row), !self->busy);
  gtk_editable_set_editable (GTK_EDITABLE (self->login_row), !self->busy);
  gtk_editable_set_editable (GTK_EDITABLE (self->password_row), !self->busy);
}

static void
update_can_work_offline (TbSignInWindow *self)
{
  g_autofree char *path = NULL;
  gboolean can = FALSE;

  if (!self->reauth)
    {
      path = tb_sign_in_window_dup_store_path (self);
      can = path != NULL && g_file_test (path, G_FILE_TEST_IS_REGULAR);
    }

  gtk_widget_set_visible (GTK_WIDGET (self->offline_button), can);
  if (self->can_work_offline != can)
    {
      self->can_work_offline = can;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAN_WORK_OFFLINE]);
    }
  update_sensitivity (self);
}

static void
set_busy (TbSignInWindow *self,
          gboolean        busy)
{
  if (self->busy == busy)
    return;
  self->busy = busy;
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), busy);
  gtk_spinner_set_spinning (self->spinner, busy);
  gtk_label_set_text_with_mnemonic (self->sign_in_label, busy ? _("Signing In…") : _("_Sign In"));
  update_sensitivity (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

static void
on_fields_changed (TbSignInWindow *self)
{
  g_autofree char *login = NULL;
  const char *server;

  /* A row's text set at once may pass through intermediate texts: only its end counts. */
  if (self->setting_rows)
    return;

  login = g_strstrip (g_strdup (row_text (self->login_row)));
  server = row_text (self->server_row);
  if (g_strcmp0 (self->server_url, server) != 0)
    {
      g_free (self->server_url);
      self->server_url = g_strdup (server);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SERVER_URL]);
    }
  if (g_strcmp0 (self->login, login) != 0)
    {
      g_free (self->login);
      self->login = g_steal_pointer (&login);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOGIN]);
    }
  gtk_accessible_reset_state (GTK_ACCESSIBLE (self->password_row), GTK_ACCESSIBLE_STATE_INVALID);
  update_can_work_offline (self);
}

static void
set_row_text (TbSignInWindow *self,
              AdwEntryRow    *row,
              const char     *text)
{
  self->setting_rows = TRUE;
  gtk_editable_set_text (GTK_EDITABLE (row), text != NULL ? text : "");
  self->setting_rows = FALSE;
  on_fields_changed (self);
}

/* Removes the files of a store that the failed sign-in created, once it is closed. */
static void
remove_store_files (const char *path)
{
  static const char * const suffixes[] = { "", "-wal", "-shm", "-journal" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *file = g_strconcat (path, suffixes[i], NULL);

      g_unlink (file);
    }
}

static void
discard_engine (TbSignInWindow *self)
{
  g_autofree char *path = NULL;

  if (self->reauth || self->engine == NULL)
    return;

  path = g_strdup (tb_store_get_path (tb_sync_engine_get_store (self->engine)));
  g_clear_object (&self->engine);
  if (self->created_store)
    remove_store_files (path);
  self->created_store = FALSE;
}

static char *
describe_error (const GError *error)
{
  if (g_error_matches (error, TB_SYNC_ERROR, TB_SYNC_ERROR_CREDENTIALS))
    return g_strdup (_("The user name or the password is wrong."));
  if (g_error_matches (error, TB_SYNC_ERROR, TB_SYNC_ERROR_OFFLINE))
    return g_strdup (_("The server cannot be reached. Check the server address and the "
                       "network connection."));
  if (g_error_matches (error, TB_SYNC_ERROR, TB_SYNC_ERROR_TLS))
    return g_strdup (_("The server’s certificate is not trusted, so the connection is not "
                       "safe. Check the server address with your administrator."));
  if (g_error_matches (error, TB_SYNC_ERROR, TB_SYNC_ERROR_PROTOCOL))
    return g_strdup (_("The server’s answer cannot be read. Check that the address is that of "
                       "a Tongban server."));
  return g_strdup (error->message);
}

static void
finish_session (TbSignInWindow *self)
{
  g_autoptr(TbSyncEngine) engine = g_object_ref (self->engine);

  if (self->progress_handler != 0)
    g_clear_signal_handler (&self->progress_handler, self->engine);

  /* The handler opens the next window before this one goes, so the application stays. */
  self->created_store = FALSE;
  g_signal_emit (self, signals[SESSION_READY], 0, engine);
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
on_progress (TbSignInWindow *self,
             const char     *phase,
             guint           done,
             guint           batch)
{
  g_autofree char *number = NULL;
  g_autofree char *text = NULL;

  /* How many changes the server holds is not known in advance: pulse, and count. */
  if (g_strcmp0 (phase, "pull") == 0)
    {
      number = g_strdup_printf ("%'u", done);
      text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s change received",
                                           "%s changes received", done), number);
      gtk_progress_bar_set_text (self->progress_bar, text);
    }
  gtk_progress_bar_pulse (self->progress_bar);
}

static void
first_sync_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(TbSignInWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!tb_sync_engine_sync_finish (TB_SYNC_ENGINE (source), result, NULL, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      /* The desk opens all the same: the engine tries again, and its indicator says why. */
      g_debug ("First sync failed: %s", error->message);
    }
  finish_session (self);
}

static void
sign_in_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(TbSignInWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!tb_sync_engine_sign_in_finish (TB_SYNC_ENGINE (source), result, &error))
    {
      g_autofree char *message = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;

      message = describe_error (error);
      discard_engine (self);
      set_busy (self, FALSE);
      set_error (self, message, error->message);
      if (g_error_matches (error, TB_SYNC_ERROR, TB_SYNC_ERROR_CREDENTIALS))
        gtk_accessible_update_state (GTK_ACCESSIBLE (self->password_row),
                                     GTK_ACCESSIBLE_STATE_INVALID, GTK_ACCESSIBLE_INVALID_TRUE,
                                     -1);
      update_can_work_offline (self);
      gtk_widget_grab_focus (GTK_WIDGET (self->password_row));
      return;
    }

  /* The password has done its job. */
  gtk_editable_set_text (GTK_EDITABLE (self->password_row), "");

  if (self->reauth)
    {
      tb_sync_engine_sync_async (self->engine, NULL, NULL, NULL);
      finish_session (self);
      return;
    }

  gtk_progress_bar_set_text (self->progress_bar, _("Connecting…"));
  gtk_stack_set_visible_child_name (self->stack, "syncing");
  self->progress_handler = g_signal_connect_swapped (self->engine, "progress",
                                                     G_CALLBACK (on_progress), self);
  tb_sync_engine_sync_async (self->engine, self->cancellable, first_sync_cb,
                             g_object_ref (self));
}

static void
sign_in_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  TbSignInWindow *self = TB_SIGN_IN_WINDOW (widget);
  g_autofree char *password = g_strdup (row_text (self->password_row));

  tb_sign_in_window_sign_in (self, password);
  memset (password, 0, strlen (password));
}

static void
work_offline_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  TbSignInWindow *self = TB_SIGN_IN_WINDOW (widget);
  g_autofree char *path = tb_sign_in_window_dup_store_path (self);
  g_autofree char *server = normalize_server_url (row_text (self->server_row));
  g_autofree char *stored_server = NULL;
  g_autoptr(TbStore) store = NULL;
  g_autoptr(GError) error = NULL;

  if (self->busy || self->reauth || path == NULL || !g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return;

  store = tb_store_open (path, &error);
  if (store == NULL)
    {
      set_error (self, error->message, NULL);
      return;
    }

  /* The store knows the exact address its account signed in to. */
  stored_server = tb_store_dup_meta (store, "server-url");
  self->engine = tb_sync_engine_new (store, stored_server != NULL ? stored_server : server);
  tb_sync_engine_set_use_keyring (self->engine, self->use_keyring);
  finish_session (self);
}

static void
tb_sign_in_window_constructed (GObject *object)
{
  TbSignInWindow *self = TB_SIGN_IN_WINDOW (object);

  G_OBJECT_CLASS (tb_sign_in_window_parent_class)->constructed (object);

  self->reauth = self->engine != NULL;
  if (self->reauth)
    {
      g_autofree char *login = dup_login (self);
      g_autofree char *description = NULL;

      /* Only the password is asked: server and user are those of the session. */
      gtk_window_set_title (GTK_WINDOW (self), _("Sign In Again"));
      gtk_window_set_modal (GTK_WINDOW (self), TRUE);
      gtk_window_set_destroy_with_parent (GTK_WINDOW (self), TRUE);
      gtk_window_set_default_size (GTK_WINDOW (self), 440, 520);
      gtk_label_set_label (self->heading_label, _("Sign In Again"));
      /* Translators: the first %s is a user name, the second a server address */
      description = g_strdup_printf (_("Enter the password of %s on %s. Your work is kept while "
                                       "you are signed out."),
                                     login != NULL ? login : "?",
                                     tb_sync_engine_get_server_url (self->engine));
      gtk_label_set_label (self->intro_label, description);
      set_row_text (self, self->server_row, tb_sync_engine_get_server_url (self->engine));
      set_row_text (self, self->login_row, login);
      gtk_widget_set_visible (GTK_WIDGET (self->server_row), FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self->login_row), FALSE);
      adw_window_title_set_title (self->window_title, _("Sign In Again"));
    }

  update_can_work_offline (self);
}

static void
tb_sign_in_window_dispose (GObject *object)
{
  TbSignInWindow *self = TB_SIGN_IN_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  if (self->progress_handler != 0)
    g_clear_signal_handler (&self->progress_handler, self->engine);
  /* Closed before the first sign-in completed: the new store goes with it. */
  discard_engine (self);
  g_clear_object (&self->engine);
  g_clear_object (&self->cancellable);

  gtk_widget_dispose_template (GTK_WIDGET (self), TB_TYPE_SIGN_IN_WINDOW);

  G_OBJECT_CLASS (tb_sign_in_window_parent_class)->dispose (object);
}

static void
tb_sign_in_window_finalize (GObject *object)
{
  TbSignInWindow *self = TB_SIGN_IN_WINDOW (object);

  g_free (self->store_path);
  g_free (self->error);
  g_free (self->server_url);
  g_free (self->login);

  G_OBJECT_CLASS (tb_sign_in_window_parent_class)->finalize (object);
}

static void
tb_sign_in_window_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  TbSignInWindow *self = TB_SIGN_IN_WINDOW (object);

  switch (prop_id)
    {
    case PROP_ENGINE:
      g_value_set_object (value, tb_sign_in_window_get_engine (self));
      break;
    case PROP_SERVER_URL:
      g_value_set_string (value, tb_sign_in_window_get_server_url (self));
      break;
    case PROP_LOGIN:
      g_value_set_string (value, tb_sign_in_window_get_login (self));
      break;
    case PROP_STORE_PATH:
      g_value_set_string (value, self->store_path);
      break;
    case PROP_USE_KEYRING:
      g_value_set_boolean (value, self->use_keyring);
      break;
    case PROP_BUSY:
      g_value_set_boolean (value, self->busy);
      break;
    case PROP_ERROR:
      g_value_set_string (value, self->error);
      break;
    case PROP_CAN_WORK_OFFLINE:
      g_value_set_boolean (value, self->can_work_offline);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tb_sign_in_window_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  TbSignInWindow *self = TB_SIGN_IN_WINDOW (object);

  switch (prop_id)
    {
    case PROP_ENGINE:
      self->engine = g_value_dup_object (value);
      break;
    case PROP_SERVER_URL:
      tb_sign_in_window_set_server_url (self, g_value_get_string (value));
      break;
    case PROP_LOGIN:
      tb_sign_in_window_set_login (self, g_value_get_string (value));
      break;
    case PROP_STORE_PATH:
      tb_sign_in_window_set_store_path (self, g_value_get_string (value));
      break;
    case PROP_USE_KEYRING:
      tb_sign_in_window_set_use_keyring (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tb_sign_in_window_class_init (TbSignInWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = tb_sign_in_window_constructed;
  object_class->dispose = tb_sign_in_window_dispose;
  object_class->finalize = tb_sign_in_window_finalize;
  object_class->get_property = tb_sign_in_window_get_property;
  object_class->set_property = tb_sign_in_window_set_property;

  /**
   * TbSignInWindow:engine:
   *
   * The engine of a session to sign in again (only the password is asked), or %NULL to sign
   * in to an account; read, the engine signing in.
   */
  properties[PROP_ENGINE] =
    g_param_spec_object ("engine", NULL, NULL, TB_TYPE_SYNC_ENGINE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * TbSignInWindow:server-url:
   *
   * The server address as typed.
   */
  properties[PROP_SERVER_URL] =
    g_param_spec_string ("server-url", NULL, NULL, NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS));

  /**
   * TbSignInWindow:login:
   *
   * The user name as typed, without surrounding spaces.
   */
  properties[PROP_LOGIN] =
    g_param_spec_string ("login", NULL, NULL, NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS));

  /**
   * TbSignInWindow:store-path:
   *
   * The store file of the account, or %NULL for its usual place (tb_store_build_path()).
   */
  properties[PROP_STORE_PATH] =
    g_param_spec_string ("store-path", NULL, NULL, NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS));

  /**
   * TbSignInWindow:use-keyring:
   *
   * Whether the new session is kept in the Secret Service.
   */
  properties[PROP_USE_KEYRING] =
    g_param_spec_boolean ("use-keyring", NULL, NULL, TRUE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                           G_PARAM_STATIC_STRINGS));

  /**
   * TbSignInWindow:busy:
   *
   * Whether a sign-in is under way.
   */
  properties[PROP_BUSY] =
    g_param_spec_boolean ("busy", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * TbSignInWindow:error:
   *
   * Why the last sign-in failed, as shown, or %NULL.
   */
  properties[PROP_ERROR] =
    g_param_spec_string ("error", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * TbSignInWindow:can-work-offline:
   *
   * Whether this computer keeps a store of the account typed, which Work Offline opens.
   */
  properties[PROP_CAN_WORK_OFFLINE] =
    g_param_spec_boolean ("can-work-offline", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * TbSignInWindow::session-ready:
   * @engine: the engine of the account: signed in and synced once, or (Work Offline) on the
   *   cached store and not signed in
   *
   * Emitted when the desk can open; the window closes right after.
   */
  signals[SESSION_READY] =
    g_signal_new ("session-ready", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, TB_TYPE_SYNC_ENGINE);

  g_assert (tb_ui_get_resource () != NULL);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/tongban/Tongban/tb-sign-in-window.ui");
  gtk_widget_class_bind_template_child (widget_class, TbSignInWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, TbSignInWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, TbSignInWindow, heading_label);
  gtk_widget_class_bind_template_child (widget_class, TbSignInWindow, intro_label);
  gtk_widget_class_bind_template_child (widget_class, TbSignInWindow, server_row);
  gtk_widget_class_bind_template_child (widget_class, TbSignInWindow, login_row);
  gtk_widget_class_bind_template_child (widget_class, TbSignInWindow, password_row);
  gtk_widget_class_bind_template_child (widget_class, TbSignInWindow, error_label);
  gtk_widget_class_bind_template_child (widget_class, TbSignInWindow, sign_in_button);
  gtk_widget_class_bind_template_child (widget_class, TbSignInWindow, spinner);
  gtk_widget_class_bind_template_child (widget_class, TbSignInWindow, sign_in_label);
  gtk_widget_class_bind_template_child (widget_class, TbSignInWindow, offline_button);
  gtk_widget_class_bind_template_child (widget_class, TbSignInWindow, progress_bar);
  gtk_widget_class_bind_template_callback (widget_class, on_fields_changed);

  gtk_widget_class_install_action (widget_class, "sign-in.sign-in", NULL, sign_in_action);
  gtk_widget_class_install_action (widget_class, "sign-in.work-offline", NULL,
                                   work_offline_action);
}

static void
tb_sign_in_window_init (TbSignInWindow *self)
{
  /* What the empty rows hold, so that the first "changed" of a row is not taken for a change. */
  self->server_url = g_strdup ("");
  self->login = g_strdup ("");
  self->use_keyring = TRUE;
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->sign_in_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Sign In"),
                                  -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->progress_bar),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("First sync"),
                                  -1);
}

/**
 * tb_sign_in_window_new:
 * @application: (nullable): the application
 *
 * Returns: (transfer none): a window that signs in to an account and syncs it once
 */
TbSignInWindow *
tb_sign_in_window_new (GtkApplication *application)
{
  g_return_val_if_fail (application == NULL || GTK_IS_APPLICATION (application), NULL);

  return g_object_new (TB_TYPE_SIGN_IN_WINDOW, "application", application, NULL);
}

/**
 * tb_sign_in_window_new_for_engine:
 * @application: (nullable): the application
 * @engine: the engine of a session that ended
 *
 * Returns: (transfer none): a window that asks for the password only and signs @engine in again,
 *   which then syncs
 */
TbSignInWindow *
tb_sign_in_window_new_for_engine (GtkApplication *application,
                                  TbSyncEngine   *engine)
{
  g_return_val_if_fail (application == NULL || GTK_IS_APPLICATION (application), NULL);
  g_return_val_if_fail (TB_IS_SYNC_ENGINE (engine), NULL);

  return g_object_new (TB_TYPE_SIGN_IN_WINDOW,
                       "application", application,
                       "engine", engine,
                       "use-keyring", tb_sync_engine_get_use_keyring (engine),
                       NULL);
}

/**
 * tb_sign_in_window_get_engine:
 * @self: a #TbSignInWindow
 *
 * Returns: (transfer none) (nullable): the engine signing in, if any
 */
TbSyncEngine *
tb_sign_in_window_get_engine (TbSignInWindow *self)
{
  g_return_val_if_fail (TB_IS_SIGN_IN_WINDOW (self), NULL);
  return self->engine;
}

/**
 * tb_sign_in_window_get_server_url:
 * @self: a #TbSignInWindow
 *
 * Returns: the server address as typed
 */
const char *
tb_sign_in_window_get_server_url (TbSignInWindow *self)
{
  g_return_val_if_fail (TB_IS_SIGN_IN_WINDOW (self), NULL);
  return row_text (self->server_row);
}

/**
 * tb_sign_in_window_set_server_url:
 * @self: a #TbSignInWindow
 * @server_url: (nullable): the server address to preselect
 */
void
tb_sign_in_window_set_server_url (TbSignInWindow *self,
                                  const char     *server_url)
{
  g_return_if_fail (TB_IS_SIGN_IN_WINDOW (self));
  set_row_text (self, self->server_row, server_url);
}

/**
 * tb_sign_in_window_get_login:
 * @self: a #TbSignInWindow
 *
 * Returns: the user name as typed, without surrounding spaces
 */
const char *
tb_sign_in_window_get_login (TbSignInWindow *self)
{
  g_return_val_if_fail (TB_IS_SIGN_IN_WINDOW (self), NULL);
  return self->login != NULL ? self->login : "";
}

/**
 * tb_sign_in_window_set_login:
 * @self: a #TbSignInWindow
 * @login: (nullable): the user name to preselect
 */
void
tb_sign_in_window_set_login (TbSignInWindow *self,
                             const char     *login)
{
  g_return_if_fail (TB_IS_SIGN_IN_WINDOW (self));
  set_row_text (self, self->login_row, login);
}

/**
 * tb_sign_in_window_get_store_path:
 * @self: a #TbSignInWindow
 *
 * Returns: (nullable): the store file set, %NULL for the account's usual place
 */
const char *
tb_sign_in_window_get_store_path (TbSignInWindow *self)
{
  g_return_val_if_fail (TB_IS_SIGN_IN_WINDOW (self), NULL);
  return self->store_path;
}

/**
 * tb_sign_in_window_set_store_path:
 * @self: a #TbSignInWindow
 * @path: (nullable): the store file to use (as with --db), or %NULL for the account's usual place
 */
void
tb_sign_in_window_set_store_path (TbSignInWindow *self,
                                  const char     *path)
{
  g_return_if_fail (TB_IS_SIGN_IN_WINDOW (self));

  if (g_strcmp0 (self->store_path, path) == 0)
    return;
  g_free (self->store_path);
  self->store_path = g_strdup (path);
  update_can_work_offline (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STORE_PATH]);
}

/**
 * tb_sign_in_window_dup_store_path:
 * @self: a #TbSignInWindow
 *
 * Returns: (transfer full) (nullable): the store file of the account typed, %NULL while the
 *   server address or the user name are missing
 */
char *
tb_sign_in_window_dup_store_path (TbSignInWindow *self)
{
  g_autofree char *server = NULL;
  g_autofree char *login = NULL;

  g_return_val_if_fail (TB_IS_SIGN_IN_WINDOW (self), NULL);

  if (self->store_path != NULL)
    return g_strdup (self->store_path);
  server = normalize_server_url (row_text (self->server_row));
  login = dup_login (self);
  if (server == NULL || login == NULL || *login == '\0')
    return NULL;
  return tb_store_build_path (server, login);
}

/**
 * tb_sign_in_window_get_use_keyring:
 * @self: a #TbSignInWindow
 *
 * Returns: whether the new session goes to the Secret Service
 */
gboolean
tb_sign_in_window_get_use_keyring (TbSignInWindow *self)
{
  g_return_val_if_fail (TB_IS_SIGN_IN_WINDOW (self), FALSE);
  return self->use_keyring;
}

/**
 * tb_sign_in_window_set_use_keyring:
 * @self: a #TbSignInWindow
 * @use_keyring: whether to keep the new session in the Secret Service
 */
void
tb_sign_in_window_set_use_keyring (TbSignInWindow *self,
                                   gboolean        use_keyring)
{
  g_return_if_fail (TB_IS_SIGN_IN_WINDOW (self));

  use_keyring = !!use_keyring;
  if (self->use_keyring == use_keyring)
    return;
  self->use_keyring = use_keyring;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_USE_KEYRING]);
}

/**
 * tb_sign_in_window_get_busy:
 * @self: a #TbSignInWindow
 *
 * Returns: whether a sign-in is under way
 */
gboolean
tb_sign_in_window_get_busy (TbSignInWindow *self)
{
  g_return_val_if_fail (TB_IS_SIGN_IN_WINDOW (self), FALSE);
  return self->busy;
}

/**
 * tb_sign_in_window_get_error:
 * @self: a #TbSignInWindow
 *
 * Returns: (nullable): why the last sign-in failed, as shown
 */
const char *
tb_sign_in_window_get_error (TbSignInWindow *self)
{
  g_return_val_if_fail (TB_IS_SIGN_IN_WINDOW (self), NULL);
  return self->error;
}

/**
 * tb_sign_in_window_get_can_work_offline:
 * @self: a #TbSignInWindow
 *
 * Returns: whether a store of the account typed is on this computer
 */
gboolean
tb_sign_in_window_get_can_work_offline (TbSignInWindow *self)
{
  g_return_val_if_fail (TB_IS_SIGN_IN_WINDOW (self), FALSE);
  return self->can_work_offline;
}

/**
 * tb_sign_in_window_sign_in:
 * @self: a #TbSignInWindow
 * @password: the password; not kept, and never put into the password field
 *
 * Signs in to the account typed (or, for a session that ended, to its account) as the Sign In
 * button does. Used by the button and by `tongban --password-file` for kiosks and demos.
 */
void
tb_sign_in_window_sign_in (TbSignInWindow *self,
                           const char     *password)
{
  g_autofree char *server = NULL;
  g_autofree char *login = NULL;
  g_autofree char *path = NULL;
  g_autoptr(TbStore) store = NULL;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (TB_IS_SIGN_IN_WINDOW (self));
  g_return_if_fail (password != NULL);

  if (self->busy)
    return;

  set_error (self, NULL, NULL);
  login = dup_login (self);

  if (!self->reauth)
    {
      server = normalize_server_url (row_text (self->server_row));
      if (server == NULL)
        {
          g_autofree char *message = NULL;

          /* Translators: %s is what the user typed as the server address */
          message = g_strdup_printf (_("“%s” is not a server address. It looks like "
                                       "https://tongban.example.gov.cn"),
                                     row_text (self->server_row));
          set_error (self, message, NULL);
          gtk_widget_grab_focus (GTK_WIDGET (self->server_row));
          return;
        }
      if (login == NULL || *login == '\0')
        {
          set_error (self, _("Enter your user name."), NULL);
          gtk_widget_grab_focus (GTK_WIDGET (self->login_row));
          return;
        }

      path = tb_sign_in_window_dup_store_path (self);
      self->created_store = !g_file_test (path, G_FILE_TEST_EXISTS);
      store = tb_store_open (path, &error);
      if (store == NULL)
        {
          set_error (self, error->message, NULL);
          return;
        }
      g_clear_object (&self->engine);
      self->engine = tb_sync_engine_new (store, server);
      tb_sync_engine_set_use_keyring (self->engine, self->use_keyring);
    }
  else if (login == NULL)
    {
      set_error (self, _("This store does not say which user it belongs to."), NULL);
      return;
    }

  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  set_busy (self, TRUE);
  tb_sync_engine_sign_in_async (self->engine, login, password, self->cancellable, sign_in_cb,
                                g_object_ref (self));
}
