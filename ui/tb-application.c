/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-application.c: the desk application: command line, session, actions, windows */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <sys/stat.h>

#include "tb-application.h"
#include "tb-case-alerts.h"
#include "tb-preferences-window.h"
#include "tb-attachment-cache.h"
#include "tb-store.h"
#include "tb-store-sync.h"
#include "tb-sync-log-window.h"

/*
 * One session at a time: the store of the signed-in account, its sync engine and the inbox
 * window on them. The first run, and every run after signing out, starts at the sign-in
 * window; later runs open the cached store straight away and resume the session in the
 * background (from the Secret Service), working offline meanwhile or if that fails.
 */

struct _TbApplication
{
  AdwApplication  parent_instance;

  GSettings      *settings;       /* NULL when the schema is not installed */
  char           *server_url;     /* --server */
  char           *user_login;     /* --user */
  char           *password;       /* --password-file, until used */
  char           *db_path;        /* --db, for signing in with --password-file */
  gboolean        use_keyring;

  TbStore        *store;
  TbSyncEngine   *engine;
  TbCaseAlerts   *alerts;
  TbWindow       *window;         /* weak */
  gboolean        remember;       /* the session's store is the account's usual one */
};

G_DEFINE_FINAL_TYPE (TbApplication, tb_application, ADW_TYPE_APPLICATION)

enum {
  PROP_0,
  PROP_SERVER_URL,
  PROP_USE_KEYRING,
  PROP_ENGINE,
  PROP_STORE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const GOptionEntry option_entries[] = {
  { "db", 0, 0, G_OPTION_ARG_FILENAME, NULL,
    N_("Open the case store FILE instead of the last signed-in user’s"), N_("FILE") },
  { "server", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("Address of the central service to sign in to"), N_("URL") },
  { "user", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("User name to sign in with"), N_("LOGIN") },
  { "password-file", 0, 0, G_OPTION_ARG_FILENAME, NULL,
    N_("Sign in at start with the password in FILE, for kiosks and demos (needs --user)"),
    N_("FILE") },
  { NULL }
};

static void update_actions (TbApplication *self);

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

static void
clear_password (TbApplication *self)
{
  if (self->password != NULL)
    {
      memset (self->password, 0, strlen (self->password));
      g_clear_pointer (&self->password, g_free);
    }
}

static char *
dup_setting (TbApplication *self,
             const char    *key)
{
  return self->settings != NULL ? g_settings_get_string (self->settings, key) : g_strdup ("");
}

/* The store of the last signed-in user, or NULL when there is none yet. */
static char *
tb_application_dup_default_store_path (TbApplication *self)
{
  g_autofree char *server_url = dup_setting (self, "server-url");
  g_autofree char *user_login = dup_setting (self, "user-login");
  g_autofree char *path = NULL;

  if (*server_url == '\0' || *user_login == '\0')
    return NULL;

  path = tb_store_build_path (server_url, user_login);
  if (path == NULL || !g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return NULL;

  return g_steal_pointer (&path);
}

static GtkWindow *
get_parent_window (TbApplication *self)
{
  if (self->window != NULL)
    return GTK_WINDOW (self->window);
  return gtk_application_get_active_window (GTK_APPLICATION (self));
}

/* ---------------------------------------------------------------------------------------------- */
/* Notifications */

/* "TB-2026-000123, TB-2026-000124 and 3 more" */
static char *
describe_cases (TbApplication      *self,
                const char * const *ids)
{
  g_autoptr(GString) text = g_string_new (NULL);
  guint n = g_strv_length ((GStrv) ids);
  guint shown = 0;

  for (guint i = 0; i < n && shown < 3; i++)
    {
      g_autoptr(TbCase) kase = tb_store_get_case (self->store, ids[i], NULL);

      if (kase == NULL)
        continue;
      if (text->len > 0)
        g_string_append (text, _(", "));
      if (n == 1)
        /* Translators: a case reference and its applicant: TB-2026-000123 · 王芳 */
        g_string_append_printf (text, _("%s · %s"), tb_case_get_ref (kase),
                                tb_case_get_display_name (kase));
      else
        g_string_append (text, tb_case_get_ref (kase));
      shown++;
    }
  if (shown < n)
    {
      g_autofree char *more = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u more",
                                                            "%u more", n - shown),
                                               n - shown);

      if (text->len > 0)
        /* Translators: a list of case references, then "3 more" */
        return g_strdup_printf (_("%s and %s"), text->str, more);
      return g_steal_pointer (&more);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
send_case_notification (TbApplication      *self,
                        const char         *id,
                        const char         *title,
                        const char         *body,
                        const char * const *ids)
{
  g_autoptr(GNotification) notification = g_notification_new (title);
  guint n = g_strv_length ((GStrv) ids);

  g_notification_set_body (notification, body);
  g_notification_set_priority (notification, G_NOTIFICATION_PRIORITY_NORMAL);
  /* One case opens that case; several open the inbox. */
  g_notification_set_default_action_and_target (notification, "app.open-case", "s",
                                                 n == 1 ? ids[0] : "");
  g_application_send_notification (G_APPLICATION (self), id, notification);
}

static void
on_cases_assigned (TbApplication      *self,
                   const char * const *ids,
                   TbCaseAlerts       *alerts)
{
  guint n = g_strv_length ((GStrv) ids);
  g_autofree char *title = NULL;
  g_autofree char *body = describe_cases (self, ids);

  title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u new case assigned to you",
                                        "%u new cases assigned to you", n), n);
  send_case_notification (self, "cases-assigned", title, body, ids);
}

static void
on_cases_due_soon (TbApplication      *self,
                   const char * const *ids,
                   TbCaseAlerts       *alerts)
{
  guint n = g_strv_length ((GStrv) ids);
  g_autofree char *title = NULL;
  g_autofree char *body = describe_cases (self, ids);

  title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                        "%u case is due within %u working days",
                                        "%u cases are due within %u working days", n),
                           n, TB_CASE_ALERTS_DUE_SOON_WORKING_DAYS);
  send_case_notification (self, "cases-due-soon", title, body, ids);
}

/* ---------------------------------------------------------------------------------------------- */
/* The session */

static void
end_session (TbApplication *self)
{
  if (self->alerts != NULL)
    g_signal_handlers_disconnect_by_data (self->alerts, self);
  g_clear_object (&self->alerts);
  g_clear_object (&self->engine);
  g_clear_object (&self->store);
  g_clear_weak_pointer (&self->window);
  self->remember = FALSE;
}

static void
restore_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  TbSyncEngine *engine = TB_SYNC_ENGINE (source);
  g_autoptr(GError) error = NULL;

  /* Signed out (no keyring, expired) or offline: the engine's first sync says so, and the
   * indicator offers to sign in again. The desk works on the cache meanwhile. */
  if (!tb_sync_engine_restore_session_finish (engine, result, &error))
    g_debug ("Session not resumed: %s", error->message);
  tb_sync_engine_start (engine);
}

/**
 * tb_application_open_session:
 * @self: a #TbApplication
 * @engine: the engine of the account, on its store, signed in or not
 *
 * Makes @engine the session of the desk and opens the inbox on its store. A signed-in engine
 * starts syncing; one that is not first resumes its session from the Secret Service.
 *
 * Returns: (transfer none): the inbox window, not yet presented
 */
TbWindow *
tb_application_open_session (TbApplication *self,
                             TbSyncEngine  *engine)
{
  TbStore *store;
  TbWindow *window;

  g_return_val_if_fail (TB_IS_APPLICATION (self), NULL);
  g_return_val_if_fail (TB_IS_SYNC_ENGINE (engine), NULL);

  end_session (self);
  store = tb_sync_engine_get_store (engine);
  self->engine = g_object_ref (engine);
  self->store = g_object_ref (store);

  if (self->settings != NULL)
    tb_sync_engine_set_interval (engine, g_settings_get_uint (self->settings, "sync-interval"));

  self->alerts = tb_case_alerts_new (engine);
  g_signal_connect_swapped (self->alerts, "assigned", G_CALLBACK (on_cases_assigned), self);
  g_signal_connect_swapped (self->alerts, "due-soon", G_CALLBACK (on_cases_due_soon), self);

  window = tb_window_new (GTK_APPLICATION (self), store, self->settings);
  tb_window_set_engine (window, engine);
  g_set_weak_pointer (&self->window, window);

  if (tb_sync_engine_get_signed_in (engine))
    tb_sync_engine_start (engine);
  else
    tb_sync_engine_restore_session_async (engine, NULL, restore_cb, NULL);

  update_actions (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ENGINE]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STORE]);
  return window;
}

static void
on_session_ready (TbApplication  *self,
                  TbSyncEngine   *engine,
                  TbSignInWindow *sign_in)
{
  TbWindow *window;
  gboolean usual_place = tb_sign_in_window_get_store_path (sign_in) == NULL;

  window = tb_application_open_session (self, engine);

  /* The next start opens this account's store; a --db store is not the account's usual one. */
  if (usual_place && self->settings != NULL)
    {
      g_settings_set_string (self->settings, "server-url",
                             tb_sync_engine_get_server_url (engine));
      g_settings_set_string (self->settings, "user-login", tb_sign_in_window_get_login (sign_in));
    }
  gtk_window_present (GTK_WINDOW (window));
}

/**
 * tb_application_show_sign_in:
 * @self: a #TbApplication
 *
 * Presents the sign-in window, with the server of --server (or the last one) and the user of
 * --user preselected. When the session is ready the inbox opens.
 *
 * Returns: (transfer none): the window
 */
TbSignInWindow *
tb_application_show_sign_in (TbApplication *self)
{
  TbSignInWindow *window;
  g_autofree char *server_url = NULL;

  g_return_val_if_fail (TB_IS_APPLICATION (self), NULL);

  server_url = self->server_url != NULL ? g_strdup (self->server_url)
                                        : dup_setting (self, "server-url");
  window = tb_sign_in_window_new (GTK_APPLICATION (self));
  tb_sign_in_window_set_use_keyring (window, self->use_keyring && self->password == NULL);
  tb_sign_in_window_set_server_url (window, server_url);
  tb_sign_in_window_set_login (window, self->user_login);
  tb_sign_in_window_set_store_path (window, self->db_path);
  g_signal_connect_object (window, "session-ready", G_CALLBACK (on_session_ready), self,
                           G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (window));

  /* --password-file: signed in at once, the password shown nowhere and then forgotten. */
  if (self->password != NULL && self->user_login != NULL)
    tb_sign_in_window_sign_in (window, self->password);
  clear_password (self);

  return window;
}

/* ---------------------------------------------------------------------------------------------- */
/* Signing out */

static void
remove_store_files (const char *path)
{
  static const char * const suffixes[] = { "", "-wal", "-shm", "-journal" };
  g_autofree char *attachments = tb_attachment_cache_build_dir (path);
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *file = g_strconcat (path, suffixes[i], NULL);

      if (g_unlink (file) != 0 && errno != ENOENT)
        g_message ("Could not remove %s: %s", file, g_strerror (errno));
    }

  /* The account's attached files go with its cases. */
  if (!tb_attachment_cache_delete_dir (attachments, &error))
    g_message ("%s", error->message);
}

typedef struct
{
  TbApplication *self;
  char          *path;
  TbStore       *store;   /* weak */
} SignOut;

static void
sign_out_finish (SignOut *s)
{
  /* The store holds citizens' data and the desk may be a shared computer. Linux lets a file
   * still open elsewhere be unlinked: its name and data are gone either way. */
  if (s->store != NULL)
    g_debug ("The store %s is still open while it is removed", s->path);
  remove_store_files (s->path);

  g_clear_weak_pointer (&s->store);
  g_application_release (G_APPLICATION (s->self));
  g_object_unref (s->self);
  g_free (s->path);
  g_free (s);
}

static void
sign_out_done_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  SignOut *s = user_data;
  g_autoptr(GError) error = NULL;

  if (!tb_sync_engine_sign_out_finish (TB_SYNC_ENGINE (source), result, &error))
    g_debug ("Sign-out: %s", error->message);
  /* The engine's last reference, normally: it closes the store before the files go. */
  g_object_unref (source);
  sign_out_finish (s);
}

static void
tb_application_sign_out_now (TbApplication *self)
{
  g_autoptr(TbSyncEngine) engine = NULL;
  g_autoptr(TbStore) store = NULL;
  g_autoptr(GList) windows = NULL;
  TbSignInWindow *sign_in;
  SignOut *s;

  if (self->store == NULL)
    return;

  engine = self->engine != NULL ? g_object_ref (self->engine) : NULL;
  store = g_object_ref (self->store);
  end_session (self);

  if (self->settings != NULL)
    {
      g_settings_set_string (self->settings, "user-login", "");
    }
  g_clear_pointer (&self->user_login, g_free);
  g_clear_pointer (&self->db_path, g_free);
  if (engine != NULL)
    tb_application_set_server_url (self, tb_sync_engine_get_server_url (engine));

  /* The sign-in window first, so that the application never runs out of windows. */
  windows = g_list_copy (gtk_application_get_windows (GTK_APPLICATION (self)));
  sign_in = tb_application_show_sign_in (self);
  for (const GList *l = windows; l != NULL; l = l->next)
    if (l->data != (gpointer) sign_in)
      gtk_window_destroy (GTK_WINDOW (l->data));

  s = g_new0 (SignOut, 1);
  s->self = g_object_ref (self);
  s->path = g_strdup (tb_store_get_path (store));
  g_set_weak_pointer (&s->store, store);
  /* Until the store is gone from the disk, even if the user quits meanwhile. */
  g_application_hold (G_APPLICATION (self));

  g_clear_object (&store);
  if (engine != NULL)
    {
      /* The callback owns the engine's reference, and drops it when done. */
      TbSyncEngine *ending = g_steal_pointer (&engine);

      tb_sync_engine_sign_out_async (ending, NULL, sign_out_done_cb, s);
    }
  else
    sign_out_finish (s);   /* a store of no server: no session to end */

  update_actions (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ENGINE]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STORE]);
}

static void sign_out_sync_cb (GObject *source, GAsyncResult *result, gpointer user_data);

static void
ask_before_sign_out (TbApplication *self,
                     const TbSyncInfo *info,
                     const GError  *sync_error);

static gboolean
sign_out_idle_cb (gpointer user_data)
{
  tb_application_sign_out_now (user_data);
  return G_SOURCE_REMOVE;
}

static void
on_sign_out_response (TbApplication   *self,
                      const char      *response,
                      AdwMessageDialog *dialog)
{
  /* Once the dialog is gone: signing out closes every window, its parent among them. (Not from
   * an idle, which a sync spinner drawing frame after frame could hold back.) */
  if (g_strcmp0 (response, "discard") == 0)
    g_timeout_add_full (G_PRIORITY_DEFAULT, 0, sign_out_idle_cb, g_object_ref (self),
                        g_object_unref);
  else if (g_strcmp0 (response, "sync") == 0 && self->engine != NULL)
    tb_sync_engine_sync_async (self->engine, NULL, sign_out_sync_cb, g_object_ref (self));
}

static void
ask_before_sign_out (TbApplication    *self,
                     const TbSyncInfo *info,
                     const GError     *sync_error)
{
  GtkWidget *dialog;
  g_autoptr(GString) body = g_string_new (NULL);
  g_autofree char *heading = NULL;
  gboolean can_sync;

  if (info->n_unsent > 0)
    {
      g_autofree char *n = g_strdup_printf ("%'" G_GINT64_FORMAT, info->n_unsent);

      heading = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                              "%s change has not been sent",
                                              "%s changes have not been sent",
                                              (gulong) CLAMP (info->n_unsent, 0, G_MAXINT)),
                                 n);
    }
  else
    heading = g_strdup (_("Some changes were not accepted"));

  if (sync_error != NULL)
    {
      g_string_append_printf (body, _("The sync did not complete: %s"), sync_error->message);
      g_string_append (body, "\n\n");
    }
  if (info->n_conflicts > 0)
    {
      g_autofree char *n = g_strdup_printf ("%'" G_GINT64_FORMAT, info->n_conflicts);

      g_string_append_printf (body, g_dngettext (GETTEXT_PACKAGE,
                                                 "%s change was not accepted by the server and "
                                                 "is not resolved yet.",
                                                 "%s changes were not accepted by the server and "
                                                 "are not resolved yet.",
                                                 (gulong) CLAMP (info->n_conflicts, 0, G_MAXINT)),
                              n);
      g_string_append_c (body, ' ');
    }
  g_string_append (body, _("Signing out removes this account’s cases from this computer, "
                           "with the changes that are not on the server."));

  dialog = adw_message_dialog_new (get_parent_window (self), heading, body->str);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "sync", _("_Sync Now"),
                                    "discard", _("_Discard and Sign Out"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "discard",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "sync",
                                              ADW_RESPONSE_SUGGESTED);
  can_sync = self->engine != NULL && tb_sync_engine_get_signed_in (self->engine)
             && info->n_unsent > 0;
  adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (dialog), "sync", can_sync);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog),
                                           can_sync ? "sync" : "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_sign_out_response), self,
                           G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
sign_out_checked (TbApplication *self,
                  const GError  *sync_error)
{
  g_auto(TbSyncInfo) info = { 0 };
  g_autoptr(GError) error = NULL;

  if (self->store == NULL)
    return;

  /* Unsent work is never thrown away without asking; if the store cannot even say, ask. */
  if (!tb_store_get_sync_info (self->store, &info, &error))
    {
      g_debug ("Sync state not read: %s", error->message);
      info.n_unsent = 1;
    }
  if (info.n_unsent > 0 || info.n_conflicts > 0)
    ask_before_sign_out (self, &info, sync_error);
  else
    tb_application_sign_out_now (self);
}

static void
sign_out_sync_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(TbApplication) self = user_data;
  g_autoptr(GError) error = NULL;

  /* Sent: sign out; anything left (offline, conflicts): ask again, saying why. */
  tb_sync_engine_sync_finish (TB_SYNC_ENGINE (source), result, NULL, &error);
  if (TB_SYNC_ENGINE (source) == self->engine)
    sign_out_checked (self, error);
}

/**
 * tb_application_sign_out:
 * @self: a #TbApplication
 *
 * Signs out, as app.sign-out does: when changes are unsent or not accepted it asks first
 * (Cancel, Sync Now, Discard and Sign Out). Signing out forgets the session and removes the
 * account's store from this computer, then shows the sign-in window.
 */
void
tb_application_sign_out (TbApplication *self)
{
  g_return_if_fail (TB_IS_APPLICATION (self));
  sign_out_checked (self, NULL);
}

/* ---------------------------------------------------------------------------------------------- */
/* Startup and command line */

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

  if (self->password == NULL)
    path = tb_application_dup_default_store_path (self);
  if (path != NULL)
    gtk_window_present (GTK_WINDOW (tb_application_open_store (self, path)));
  else
    tb_application_show_sign_in (self);
}

static char *
read_password_file (GApplicationCommandLine  *command_line,
                    const char               *arg,
                    GError                  **error)
{
  g_autoptr(GFile) file = g_application_command_line_create_file_for_arg (command_line, arg);
  g_autofree char *path = g_file_get_path (file);
  g_autofree char *text = NULL;
  GStatBuf st;
  gsize len = 0;

  if (!g_file_get_contents (path, &text, &len, error))
    return NULL;
  if (g_stat (path, &st) == 0 && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
    g_application_command_line_printerr (command_line,
                                         _("Warning: other users can read the password file "
                                           "“%s”\n"), path);
  /* A password file ends with a newline, which is not part of the password. */
  while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
    text[--len] = '\0';
  return g_steal_pointer (&text);
}

static int
tb_application_command_line (GApplication            *application,
                             GApplicationCommandLine *command_line)
{
  TbApplication *self = TB_APPLICATION (application);
  GVariantDict *options = g_application_command_line_get_options_dict (command_line);
  const char *server_url = NULL;
  const char *db = NULL;
  const char *user = NULL;
  const char *password_file = NULL;

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

  if (g_variant_dict_lookup (options, "user", "&s", &user))
    {
      g_free (self->user_login);
      self->user_login = g_strdup (user);
    }

  if (g_variant_dict_lookup (options, "password-file", "^&ay", &password_file))
    {
      g_autoptr(GError) error = NULL;

      if (user == NULL)
        {
          g_application_command_line_printerr (command_line,
                                               _("--password-file needs --user\n"));
          return EXIT_FAILURE;
        }
      clear_password (self);
      self->password = read_password_file (command_line, password_file, &error);
      if (self->password == NULL)
        {
          g_application_command_line_printerr (command_line,
                                               _("Cannot read the password file: %s\n"),
                                               error->message);
          return EXIT_FAILURE;
        }
    }

  if (g_variant_dict_lookup (options, "db", "^&ay", &db))
    {
      g_autoptr(GFile) file = g_application_command_line_create_file_for_arg (command_line, db);
      g_autofree char *path = g_file_get_path (file);

      if (self->password != NULL)
        {
          g_free (self->db_path);
          self->db_path = g_steal_pointer (&path);
          tb_application_show_sign_in (self);
        }
      else
        gtk_window_present (GTK_WINDOW (tb_application_open_store (self, path)));
    }
  else
    {
      g_application_activate (application);
    }

  return EXIT_SUCCESS;
}

/* ---------------------------------------------------------------------------------------------- */
/* Actions */

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

static void
preferences_action (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  TbApplication *self = TB_APPLICATION (user_data);
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  TbPreferencesWindow *window = tb_preferences_window_new (self->settings, self->engine);

  gtk_window_set_application (GTK_WINDOW (window), GTK_APPLICATION (self));
  if (parent != NULL)
    gtk_window_set_transient_for (GTK_WINDOW (window), parent);
  gtk_window_present (GTK_WINDOW (window));
}

static void
sign_out_action (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  tb_application_sign_out (TB_APPLICATION (user_data));
}

static void
sign_in_action (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  TbApplication *self = TB_APPLICATION (user_data);
  TbSignInWindow *window;

  if (self->engine == NULL)
    {
      tb_application_show_sign_in (self);
      return;
    }
  window = tb_sign_in_window_new_for_engine (GTK_APPLICATION (self), self->engine);
  if (get_parent_window (self) != NULL)
    gtk_window_set_transient_for (GTK_WINDOW (window), get_parent_window (self));
  gtk_window_present (GTK_WINDOW (window));
}

static void
sync_now_action (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  TbApplication *self = TB_APPLICATION (user_data);

  if (self->engine == NULL)
    return;
  /* Without a session a sync can only fail: ask for the password instead. */
  if (!tb_sync_engine_get_signed_in (self->engine))
    {
      sign_in_action (NULL, NULL, self);
      return;
    }
  tb_sync_engine_sync_async (self->engine, NULL, NULL, NULL);
}

static void
sync_log_action (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  TbApplication *self = TB_APPLICATION (user_data);
  GtkWindow *parent = get_parent_window (self);
  TbSyncLogWindow *window;

  if (self->store == NULL)
    return;
  window = tb_sync_log_window_new (self->store, self->engine);
  gtk_window_set_application (GTK_WINDOW (window), GTK_APPLICATION (self));
  if (parent != NULL)
    gtk_window_set_transient_for (GTK_WINDOW (window), parent);
  gtk_window_present (GTK_WINDOW (window));
}

static void
open_case_action (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       user_data)
{
  TbApplication *self = TB_APPLICATION (user_data);

  /* The case view is the window's business; a notification at least brings the inbox up. */
  if (self->window != NULL)
    gtk_window_present (GTK_WINDOW (self->window));
  else
    g_application_activate (G_APPLICATION (self));
}

static const GActionEntry app_actions[] = {
  { "about", about_action },
  { "quit", quit_action },
  { "preferences", preferences_action },
  { "sign-in", sign_in_action },
  { "sign-out", sign_out_action },
  { "sync-now", sync_now_action },
  { "sync-log", sync_log_action },
  { "open-case", open_case_action, "s" },
};

static void
set_action_enabled (TbApplication *self,
                    const char    *name,
                    gboolean       enabled)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), name);

  if (action != NULL)
    g_simple_action_set_enabled (G_SIMPLE_ACTION (action), enabled);
}

static void
update_actions (TbApplication *self)
{
  set_action_enabled (self, "sign-out", self->store != NULL);
  set_action_enabled (self, "sync-now", self->engine != NULL);
  set_action_enabled (self, "sync-log", self->store != NULL);
}

static void
on_interval_changed (TbApplication *self,
                     const char    *key,
                     GSettings     *settings)
{
  if (self->engine != NULL)
    tb_sync_engine_set_interval (self->engine, g_settings_get_uint (settings, "sync-interval"));
}

static void
tb_application_startup (GApplication *application)
{
  TbApplication *self = TB_APPLICATION (application);
  GSettingsSchemaSource *source;
  g_autoptr(GSettingsSchema) schema = NULL;
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *preferences_accels[] = { "<Control>comma", NULL };
  static const char *sync_accels[] = { "F5", "<Control>r", NULL };

  G_APPLICATION_CLASS (tb_application_parent_class)->startup (application);

  /* Without its schema (an uninstalled build run by hand) GSettings would abort; the desk
   * then simply remembers nothing. */
  source = g_settings_schema_source_get_default ();
  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, APP_ID, TRUE);
  if (schema != NULL)
    {
      self->settings = g_settings_new (APP_ID);
      g_signal_connect_object (self->settings, "changed::sync-interval",
                               G_CALLBACK (on_interval_changed), self, G_CONNECT_SWAPPED);
    }
  else
    g_message ("Settings schema %s is not installed; nothing will be remembered", APP_ID);

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions, G_N_ELEMENTS (app_actions),
                                   self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.preferences",
                                         preferences_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.sync-now", sync_accels);
  update_actions (self);
}

static void
tb_application_shutdown (GApplication *application)
{
  TbApplication *self = TB_APPLICATION (application);

  if (self->engine != NULL)
    tb_sync_engine_stop (self->engine);
  end_session (self);

  G_APPLICATION_CLASS (tb_application_parent_class)->shutdown (application);
}

static void
tb_application_finalize (GObject *object)
{
  TbApplication *self = TB_APPLICATION (object);

  end_session (self);
  clear_password (self);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->server_url, g_free);
  g_clear_pointer (&self->user_login, g_free);
  g_clear_pointer (&self->db_path, g_free);

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
    case PROP_USE_KEYRING:
      g_value_set_boolean (value, self->use_keyring);
      break;
    case PROP_ENGINE:
      g_value_set_object (value, self->engine);
      break;
    case PROP_STORE:
      g_value_set_object (value, self->store);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tb_application_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  TbApplication *self = TB_APPLICATION (object);

  switch (prop_id)
    {
    case PROP_USE_KEYRING:
      tb_application_set_use_keyring (self, g_value_get_boolean (value));
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
  object_class->set_property = tb_application_set_property;

  application_class->startup = tb_application_startup;
  application_class->shutdown = tb_application_shutdown;
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

  /**
   * TbApplication:use-keyring:
   *
   * Whether sessions are kept in the Secret Service, so that the next start resumes them.
   * Tests turn it off; --password-file does too (the password file is the credential).
   */
  properties[PROP_USE_KEYRING] =
    g_param_spec_boolean ("use-keyring", NULL, NULL, TRUE,
                          (G_PARAM_READWRITE |
                           G_PARAM_EXPLICIT_NOTIFY |
                           G_PARAM_STATIC_STRINGS));

  /**
   * TbApplication:engine:
   *
   * The sync engine of the session, %NULL when signed out or on a store without a server.
   */
  properties[PROP_ENGINE] =
    g_param_spec_object ("engine", NULL, NULL, TB_TYPE_SYNC_ENGINE,
                         (G_PARAM_READABLE |
                          G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS));

  /**
   * TbApplication:store:
   *
   * The store of the session, %NULL when signed out.
   */
  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL, TB_TYPE_STORE,
                         (G_PARAM_READABLE |
                          G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tb_application_init (TbApplication *self)
{
  self->use_keyring = TRUE;
  g_application_add_main_option_entries (G_APPLICATION (self), option_entries);
}

/**
 * tb_application_new:
 *
 * Creates the desk application. Its command line takes --db FILE to open a given case store,
 * --server URL to preselect a central service, --user LOGIN to preselect a user, and
 * --password-file FILE (with --user) to sign in at start.
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
 * tb_application_get_use_keyring:
 * @self: a #TbApplication
 *
 * Returns: whether sessions are kept in the Secret Service
 */
gboolean
tb_application_get_use_keyring (TbApplication *self)
{
  g_return_val_if_fail (TB_IS_APPLICATION (self), FALSE);
  return self->use_keyring;
}

/**
 * tb_application_set_use_keyring:
 * @self: a #TbApplication
 * @use_keyring: whether to keep sessions in the Secret Service
 *
 * Applies to the sessions opened afterwards.
 */
void
tb_application_set_use_keyring (TbApplication *self,
                                gboolean       use_keyring)
{
  g_return_if_fail (TB_IS_APPLICATION (self));

  use_keyring = !!use_keyring;
  if (self->use_keyring == use_keyring)
    return;
  self->use_keyring = use_keyring;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_USE_KEYRING]);
}

/**
 * tb_application_get_settings:
 * @self: a #TbApplication
 *
 * Returns: (transfer none) (nullable): the settings, %NULL before startup or without schema
 */
GSettings *
tb_application_get_settings (TbApplication *self)
{
  g_return_val_if_fail (TB_IS_APPLICATION (self), NULL);
  return self->settings;
}

/**
 * tb_application_get_engine:
 * @self: a #TbApplication
 *
 * Returns: (transfer none) (nullable): the sync engine of the session
 */
TbSyncEngine *
tb_application_get_engine (TbApplication *self)
{
  g_return_val_if_fail (TB_IS_APPLICATION (self), NULL);
  return self->engine;
}

/**
 * tb_application_get_store:
 * @self: a #TbApplication
 *
 * Returns: (transfer none) (nullable): the store of the session
 */
TbStore *
tb_application_get_store (TbApplication *self)
{
  g_return_val_if_fail (TB_IS_APPLICATION (self), NULL);
  return self->store;
}

/**
 * tb_application_get_window:
 * @self: a #TbApplication
 *
 * Returns: (transfer none) (nullable): the inbox window of the session
 */
TbWindow *
tb_application_get_window (TbApplication *self)
{
  g_return_val_if_fail (TB_IS_APPLICATION (self), NULL);
  return self->window;
}

/**
 * tb_application_open_store:
 * @self: a #TbApplication
 * @path: the case store file
 *
 * Opens a window on the store at @path. When the store knows its server (it was signed in to
 * once), or --server names one, the store becomes the session and its sign-in is resumed in
 * the background. When the store cannot be opened the window says why instead; the file is
 * never created or changed by a failed open.
 *
 * Returns: (transfer none): the new window, not yet presented
 */
TbWindow *
tb_application_open_store (TbApplication *self,
                           const char    *path)
{
  g_autoptr(TbStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *server_url = NULL;
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

  if (store != NULL)
    {
      server_url = tb_store_dup_meta (store, "server-url");
      if (server_url == NULL)
        server_url = g_strdup (self->server_url);
    }

  if (server_url != NULL)
    {
      g_autoptr(TbSyncEngine) engine = tb_sync_engine_new (store, server_url);

      tb_sync_engine_set_use_keyring (engine, self->use_keyring);
      return tb_application_open_session (self, engine);
    }

  window = tb_window_new (GTK_APPLICATION (self), store, self->settings);
  if (store == NULL)
    tb_window_show_store_error (window, error);
  else
    {
      /* A store of no server (demo data): still one the user may look at and clear. */
      end_session (self);
      self->store = g_object_ref (store);
      g_set_weak_pointer (&self->window, window);
      update_actions (self);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STORE]);
    }

  return window;
}
