/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-session.c: sign-in, session, sign-out and sync status of the desk, against a real server */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "tb-application.h"
#include "tb-attachment-cache.h"
#include "tb-case-service.h"
#include "tb-preferences-window.h"
#include "tb-sign-in-window.h"
#include "tb-store-sync.h"
#include "tb-sync-indicator.h"
#include "tb-sync-log-window.h"
#include "tb-test-app.h"
#include "tb-test-common.h"
#include "tb-test-server.h"
#include "tb-test-ui.h"
#include "tb-window.h"

#define TODAY    "2026-11-27"
#define PASSWORD "tongban-demo"

typedef struct
{
  TbTestServer *ts;
  GSettings    *settings;
  char         *dir;
} Fixture;

/* ------------------------------------------------------------------------------------------ */
/* Helpers                                                                                    */

static const char *
T (const char *msgid)
{
  return g_dgettext (GETTEXT_PACKAGE, msgid);
}

/* A button whose label (with its mnemonic underscore) is @label. */
static GtkWidget *
find_button (GtkWidget  *root,
             const char *label)
{
  if (GTK_IS_BUTTON (root) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (root)), label) == 0)
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_button (child, label);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
destroy_window (gpointer window)
{
  g_object_ref (window);
  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_finalize_object (window);
}

static gboolean
native_mapped (gpointer data)
{
  return gtk_widget_get_mapped (data);
}

/* What @native (a window or a popover) draws, once it is on screen and has slid or faded in. */
static void
save_screenshot (gpointer    native,
                 const char *name)
{
  g_assert_true (tb_test_ui_wait_until (native_mapped, native, 3000));
  tb_test_ui_spin (150);
  tb_test_ui_save_screenshot (GTK_WIDGET (native), name);
}

static char *
screenshot_name (const char *what,
                 const char *language)
{
  return g_strdup_printf ("%s-%s.png", what, language != NULL ? language : "en");
}

static char *
store_path (Fixture    *f,
            const char *login)
{
  return tb_store_build_path (f->ts->base, login);
}

/* An engine on the account's usual store, signed in and synced once, as after a sign-in. */
static TbSyncEngine *
signed_in_engine (Fixture    *f,
                  const char *login)
{
  g_autofree char *path = store_path (f, login);
  g_autoptr(TbStore) store = NULL;
  g_autoptr(GError) error = NULL;
  TbSyncEngine *engine;

  store = tb_store_open (path, &error);
  g_assert_no_error (error);
  engine = tb_sync_engine_new (store, f->ts->base);
  tb_sync_engine_set_use_keyring (engine, FALSE);
  g_assert_true (tb_test_engine_sign_in (engine, login, &error));
  g_assert_no_error (error);
  g_assert_true (tb_test_engine_sync (engine, NULL, &error));
  g_assert_no_error (error);
  return engine;
}

/* Queues @n comments on cases of the store's user, as the case view would. */
static void
queue_comments (TbStore    *store,
                guint       n,
                const char *tag)
{
  g_autofree char *user_id = tb_store_dup_meta (store, "user-id");
  g_autoptr(TbCaseService) service = NULL;
  g_autoptr(GPtrArray) ids = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) teams = NULL;
  TbRole roles = TB_ROLE_NONE;

  g_assert_true (tb_store_get_user_access (store, user_id, &roles, &teams, &error));
  g_assert_no_error (error);
  service = tb_case_service_new (store, user_id, roles, (const char * const *) teams);
  tb_case_service_set_today (service, tb_day_from_iso (TODAY));
  ids = tb_store_search_case_ids (store, "TB", 20, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ids->len, >, 0);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *text = g_strdup_printf ("%s %u", tag, i);

      g_assert_true (tb_case_service_comment (service, g_ptr_array_index (ids, i % ids->len),
                                              text, &error));
      g_assert_no_error (error);
    }
}

static gint64
count_unsent (TbStore *store)
{
  g_auto(TbSyncInfo) info = { 0 };
  g_autoptr(GError) error = NULL;

  g_assert_true (tb_store_get_sync_info (store, &info, &error));
  g_assert_no_error (error);
  return info.n_unsent;
}

static void
set_password (GtkWidget  *window,
              const char *password)
{
  GtkWidget *row = tb_test_ui_find_widget (window, ADW_TYPE_PASSWORD_ENTRY_ROW);

  g_assert_nonnull (row);
  gtk_editable_set_text (GTK_EDITABLE (row), password);
}

static const char *
get_password (GtkWidget *window)
{
  GtkWidget *row = tb_test_ui_find_widget (window, ADW_TYPE_PASSWORD_ENTRY_ROW);

  g_assert_nonnull (row);
  return gtk_editable_get_text (GTK_EDITABLE (row));
}

typedef struct
{
  guint count;
} Notified;

static void
on_notify (GObject    *object,
           GParamSpec *pspec,
           Notified   *notified)
{
  notified->count++;
}

/* ------------------------------------------------------------------------------------------ */
/* A notification server on the test's own D-Bus session, which records what it is shown     */

static GPtrArray *notifications;   /* the summaries received */

static const char notifications_xml[] =
  "<node><interface name='org.freedesktop.Notifications'>"
  "<method name='Notify'><arg type='s' direction='in'/><arg type='u' direction='in'/>"
  "<arg type='s' direction='in'/><arg type='s' direction='in'/><arg type='s' direction='in'/>"
  "<arg type='as' direction='in'/><arg type='a{sv}' direction='in'/>"
  "<arg type='i' direction='in'/><arg type='u' direction='out'/></method>"
  "<method name='CloseNotification'><arg type='u' direction='in'/></method>"
  "<method name='GetCapabilities'><arg type='as' direction='out'/></method>"
  "</interface></node>";

static void
notifications_method (GDBusConnection       *connection,
                      const char            *sender,
                      const char            *object_path,
                      const char            *interface_name,
                      const char            *method_name,
                      GVariant              *parameters,
                      GDBusMethodInvocation *invocation,
                      gpointer               user_data)
{
  if (g_str_equal (method_name, "Notify"))
    {
      const char *summary = NULL;

      g_variant_get_child (parameters, 3, "&s", &summary);
      g_ptr_array_add (notifications, g_strdup (summary));
      g_dbus_method_invocation_return_value (invocation,
                                             g_variant_new ("(u)", notifications->len));
    }
  else if (g_str_equal (method_name, "GetCapabilities"))
    g_dbus_method_invocation_return_value (invocation, g_variant_new_parsed ("(['body'],)"));
  else
    g_dbus_method_invocation_return_value (invocation, NULL);
}

static void
start_notification_server (void)
{
  static const GDBusInterfaceVTable vtable = { notifications_method, NULL, NULL, { 0 } };
  g_autoptr(GDBusNodeInfo) info = g_dbus_node_info_new_for_xml (notifications_xml, NULL);
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);

  notifications = g_ptr_array_new_with_free_func (g_free);
  if (bus == NULL)
    return;
  g_dbus_connection_register_object (bus, "/org/freedesktop/Notifications",
                                     info->interfaces[0], &vtable, NULL, NULL, NULL);
  g_bus_own_name_on_connection (bus, "org.freedesktop.Notifications",
                                G_BUS_NAME_OWNER_FLAGS_NONE, NULL, NULL, NULL, NULL);
}

/* ------------------------------------------------------------------------------------------ */
/* Fixture                                                                                    */

static void
fixture_set_up_n (Fixture    *f,
                  const char *language,
                  guint       n_cases)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *stores = g_build_filename (g_get_user_data_dir (), "tongban", "stores", NULL);
  g_autoptr(GDir) dir = g_dir_open (stores, 0, NULL);
  const char *name;

  tb_test_ui_set_language (language);

  /* Every test starts with no account on this computer. */
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (stores, name, NULL);
      g_unlink (path);
    }

  f->ts = tb_test_server_new_demo (n_cases, tb_day_from_iso (TODAY));

  f->settings = g_settings_new (APP_ID);
  g_settings_reset (f->settings, "server-url");
  g_settings_reset (f->settings, "user-login");
  g_settings_reset (f->settings, "sync-interval");

  f->dir = g_dir_make_tmp ("test-session-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  fixture_set_up_n (f, data, 400);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  tb_test_app_destroy_windows ();
  tb_test_server_free (f->ts);
  g_clear_object (&f->settings);
  tb_test_remove_dir (f->dir);
  g_free (f->dir);
  tb_test_ui_set_language (NULL);
}

static gboolean
app_has_cases (gpointer data)
{
  TbWindow *window = tb_application_get_window (data);

  return window != NULL && tb_window_get_n_cases (window) > 0;
}

/* Signs in through the sign-in window the application shows, as a user would. */
static TbWindow *
sign_in_through_window (Fixture       *f,
                        TbApplication *application)
{
  TbSignInWindow *sign_in = tb_application_show_sign_in (application);

  tb_sign_in_window_set_server_url (sign_in, f->ts->base);
  tb_sign_in_window_set_login (sign_in, "wangfang");
  set_password (GTK_WIDGET (sign_in), PASSWORD);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (sign_in), "sign-in.sign-in", NULL));
  g_assert_true (tb_test_ui_wait_until (app_has_cases, application, 60000));
  return tb_application_get_window (application);
}

/* ------------------------------------------------------------------------------------------ */
/* New-destroy and properties                                                                 */

static void
test_sign_in_window_properties (Fixture       *f,
                                gconstpointer  data)
{
  TbSignInWindow *window = tb_sign_in_window_new (NULL);
  Notified notified = { 0 };

  g_assert_true (TB_IS_SIGN_IN_WINDOW (window));
  g_assert_null (tb_sign_in_window_get_engine (window));
  g_assert_false (tb_sign_in_window_get_busy (window));
  g_assert_null (tb_sign_in_window_get_error (window));
  g_assert_false (tb_sign_in_window_get_can_work_offline (window));
  g_assert_true (tb_sign_in_window_get_use_keyring (window));
  g_assert_false (gtk_widget_activate_action (GTK_WIDGET (window), "sign-in.sign-in", NULL)
                  && tb_sign_in_window_get_busy (window));

  g_signal_connect (window, "notify::server-url", G_CALLBACK (on_notify), &notified);
  tb_sign_in_window_set_server_url (window, "https://tongban.example.gov.cn");
  tb_sign_in_window_set_server_url (window, "https://tongban.example.gov.cn");
  g_assert_cmpuint (notified.count, ==, 1);
  g_assert_cmpstr (tb_sign_in_window_get_server_url (window), ==,
                   "https://tongban.example.gov.cn");

  notified.count = 0;
  g_signal_connect (window, "notify::login", G_CALLBACK (on_notify), &notified);
  tb_sign_in_window_set_login (window, " wangfang ");
  tb_sign_in_window_set_login (window, "wangfang");
  g_assert_cmpuint (notified.count, ==, 1);
  g_assert_cmpstr (tb_sign_in_window_get_login (window), ==, "wangfang");

  notified.count = 0;
  g_signal_connect (window, "notify::store-path", G_CALLBACK (on_notify), &notified);
  tb_sign_in_window_set_store_path (window, "/nonexistent/a.db");
  tb_sign_in_window_set_store_path (window, "/nonexistent/a.db");
  g_assert_cmpuint (notified.count, ==, 1);
  g_assert_cmpstr (tb_sign_in_window_get_store_path (window), ==, "/nonexistent/a.db");
  g_autofree char *path = tb_sign_in_window_dup_store_path (window);
  g_assert_cmpstr (path, ==, "/nonexistent/a.db");

  notified.count = 0;
  g_signal_connect (window, "notify::use-keyring", G_CALLBACK (on_notify), &notified);
  tb_sign_in_window_set_use_keyring (window, FALSE);
  tb_sign_in_window_set_use_keyring (window, FALSE);
  g_assert_cmpuint (notified.count, ==, 1);

  /* Without a store path the account's usual place, from the address as typed. */
  tb_sign_in_window_set_store_path (window, NULL);
  tb_sign_in_window_set_server_url (window, "tongban.example.gov.cn/");
  g_clear_pointer (&path, g_free);
  path = tb_sign_in_window_dup_store_path (window);
  g_autofree char *expected = tb_store_build_path ("https://tongban.example.gov.cn", "wangfang");
  g_assert_cmpstr (path, ==, expected);

  destroy_window (window);
}

static void
test_indicator_properties (Fixture       *f,
                           gconstpointer  data)
{
  g_autofree char *path = g_build_filename (f->dir, "indicator.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(TbStore) store = tb_store_open (path, &error);
  g_autoptr(TbSyncEngine) engine = tb_sync_engine_new (store, f->ts->base);
  GtkWidget *indicator = g_object_ref_sink (tb_sync_indicator_new ());
  Notified engine_notified = { 0 };
  Notified store_notified = { 0 };
  Notified state_notified = { 0 };

  g_assert_no_error (error);
  g_assert_true (TB_IS_SYNC_INDICATOR (indicator));
  g_assert_cmpstr (tb_sync_indicator_get_state (TB_SYNC_INDICATOR (indicator)), ==, "local");
  g_assert_null (tb_sync_indicator_get_engine (TB_SYNC_INDICATOR (indicator)));

  g_signal_connect (indicator, "notify::engine", G_CALLBACK (on_notify), &engine_notified);
  g_signal_connect (indicator, "notify::store", G_CALLBACK (on_notify), &store_notified);
  g_signal_connect (indicator, "notify::state", G_CALLBACK (on_notify), &state_notified);

  tb_sync_indicator_set_engine (TB_SYNC_INDICATOR (indicator), engine);
  tb_sync_indicator_set_engine (TB_SYNC_INDICATOR (indicator), engine);
  g_assert_cmpuint (engine_notified.count, ==, 1);
  g_assert_true (tb_sync_indicator_get_engine (TB_SYNC_INDICATOR (indicator)) == engine);
  /* Never signed in: it says so, and offers to sign in. */
  g_assert_cmpstr (tb_sync_indicator_get_state (TB_SYNC_INDICATOR (indicator)), ==,
                   "signed-out");
  g_assert_cmpuint (state_notified.count, ==, 1);

  tb_sync_indicator_set_store (TB_SYNC_INDICATOR (indicator), store);
  tb_sync_indicator_set_store (TB_SYNC_INDICATOR (indicator), store);
  g_assert_cmpuint (store_notified.count, ==, 1);
  g_assert_true (tb_sync_indicator_get_store (TB_SYNC_INDICATOR (indicator)) == store);
  g_assert_cmpint (tb_sync_indicator_get_n_unsent (TB_SYNC_INDICATOR (indicator)), ==, 0);

  tb_sync_indicator_set_engine (TB_SYNC_INDICATOR (indicator), NULL);
  g_assert_cmpstr (tb_sync_indicator_get_state (TB_SYNC_INDICATOR (indicator)), ==, "local");
  g_assert_cmpuint (engine_notified.count, ==, 2);

  g_assert_finalize_object (indicator);
}

static void
test_log_window_properties (Fixture       *f,
                            gconstpointer  data)
{
  g_autofree char *path = g_build_filename (f->dir, "log.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(TbStore) store = tb_store_open (path, &error);
  g_autoptr(TbSyncEngine) engine = tb_sync_engine_new (store, f->ts->base);
  TbSyncLogWindow *window = tb_sync_log_window_new (NULL, NULL);
  Notified notified = { 0 };
  Notified entries = { 0 };

  g_assert_no_error (error);
  g_assert_cmpuint (tb_sync_log_window_get_n_entries (window), ==, 0);

  g_assert_true (tb_store_add_sync_log (store, "info", "Synced: 1 change sent.", &error));
  g_signal_connect (window, "notify::store", G_CALLBACK (on_notify), &notified);
  g_signal_connect (window, "notify::n-entries", G_CALLBACK (on_notify), &entries);
  tb_sync_log_window_set_store (window, store);
  tb_sync_log_window_set_store (window, store);
  g_assert_cmpuint (notified.count, ==, 1);
  g_assert_cmpuint (entries.count, ==, 1);
  g_assert_cmpuint (tb_sync_log_window_get_n_entries (window), ==, 1);

  notified.count = 0;
  g_signal_connect (window, "notify::engine", G_CALLBACK (on_notify), &notified);
  tb_sync_log_window_set_engine (window, engine);
  tb_sync_log_window_set_engine (window, engine);
  g_assert_cmpuint (notified.count, ==, 1);
  g_assert_true (tb_sync_log_window_get_engine (window) == engine);

  destroy_window (window);
}

static void
test_preferences_properties (Fixture       *f,
                             gconstpointer  data)
{
  g_autofree char *path = g_build_filename (f->dir, "preferences.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(TbStore) store = tb_store_open (path, &error);
  g_autoptr(TbSyncEngine) engine = tb_sync_engine_new (store, f->ts->base);
  TbPreferencesWindow *window = tb_preferences_window_new (f->settings, NULL);
  Notified notified = { 0 };

  g_assert_no_error (error);
  g_assert_true (tb_preferences_window_get_settings (window) == f->settings);
  g_assert_cmpuint (tb_preferences_window_get_interval (window), ==, 60);

  g_signal_connect (window, "notify::interval", G_CALLBACK (on_notify), &notified);
  tb_preferences_window_set_interval (window, 300);
  tb_preferences_window_set_interval (window, 300);
  g_assert_cmpuint (notified.count, ==, 1);
  g_assert_cmpuint (g_settings_get_uint (f->settings, "sync-interval"), ==, 300);

  /* Changed elsewhere (another window, dconf): followed. */
  g_settings_set_uint (f->settings, "sync-interval", 45);
  g_assert_cmpuint (tb_preferences_window_get_interval (window), ==, 45);
  g_assert_cmpuint (notified.count, ==, 2);

  notified.count = 0;
  g_signal_connect (window, "notify::engine", G_CALLBACK (on_notify), &notified);
  tb_preferences_window_set_engine (window, engine);
  tb_preferences_window_set_engine (window, engine);
  g_assert_cmpuint (notified.count, ==, 1);

  destroy_window (window);

  /* Without settings the engine gets the interval directly. */
  window = tb_preferences_window_new (NULL, engine);
  tb_preferences_window_set_interval (window, 600);
  g_assert_cmpuint (tb_sync_engine_get_interval (engine), ==, 600);
  destroy_window (window);
}

/* ------------------------------------------------------------------------------------------ */
/* Signing in                                                                                 */

static gboolean
sign_in_settled (gpointer data)
{
  return !tb_sign_in_window_get_busy (data);
}

static void
test_sign_in_wrong_password (Fixture       *f,
                             gconstpointer  data)
{
  TbSignInWindow *window = tb_sign_in_window_new (NULL);
  g_autofree char *path = store_path (f, "wangfang");
  g_autofree char *name = NULL;

  tb_sign_in_window_set_use_keyring (window, FALSE);
  tb_sign_in_window_set_server_url (window, f->ts->base);
  tb_sign_in_window_set_login (window, "wangfang");
  set_password (GTK_WIDGET (window), "not-the-password");
  gtk_window_present (GTK_WINDOW (window));
  name = screenshot_name ("sign-in", data);
  save_screenshot (window, name);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "sign-in.sign-in", NULL));
  g_assert_true (tb_sign_in_window_get_busy (window));
  g_assert_true (tb_test_ui_wait_until (sign_in_settled, window, 30000));

  g_assert_cmpstr (tb_sign_in_window_get_error (window), ==,
                   T ("The user name or the password is wrong."));
  /* No account was cached by the failure, so nothing to work offline on. */
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_false (tb_sign_in_window_get_can_work_offline (window));
  g_assert_null (tb_sign_in_window_get_engine (window));
  g_clear_pointer (&name, g_free);
  name = screenshot_name ("sign-in-wrong-password", data);
  save_screenshot (window, name);

  destroy_window (window);
}

static void
on_session_ready (TbSignInWindow  *window,
                  TbSyncEngine    *engine,
                  TbSyncEngine   **out)
{
  g_set_object (out, engine);
}

static void
test_sign_in_unreachable (Fixture       *f,
                          gconstpointer  data)
{
  g_autofree char *path = store_path (f, "wangfang");
  g_autoptr(TbSyncEngine) cached = signed_in_engine (f, "wangfang");
  g_autoptr(TbSyncEngine) ready = NULL;
  g_autofree char *name = NULL;
  TbSignInWindow *window;
  gint64 n_cases;

  n_cases = tb_store_count_cases (tb_sync_engine_get_store (cached), NULL);
  g_assert_cmpint (n_cases, >, 0);
  g_assert_finalize_object (g_steal_pointer (&cached));

  /* The server is down. */
  tb_server_disconnect (f->ts->server);

  window = tb_sign_in_window_new (NULL);
  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &window);
  tb_sign_in_window_set_use_keyring (window, FALSE);
  tb_sign_in_window_set_server_url (window, f->ts->base);
  tb_sign_in_window_set_login (window, "wangfang");
  g_assert_true (tb_sign_in_window_get_can_work_offline (window));
  set_password (GTK_WIDGET (window), PASSWORD);
  gtk_window_present (GTK_WINDOW (window));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "sign-in.sign-in", NULL));
  g_assert_true (tb_test_ui_wait_until (sign_in_settled, window, 30000));
  g_assert_cmpstr (tb_sign_in_window_get_error (window), ==,
                   T ("The server cannot be reached. Check the server address and the network "
                      "connection."));
  /* The cached account is untouched by the failure, and offered. */
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  g_assert_true (tb_sign_in_window_get_can_work_offline (window));
  name = screenshot_name ("sign-in-unreachable", data);
  save_screenshot (window, name);

  g_signal_connect (window, "session-ready", G_CALLBACK (on_session_ready), &ready);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "sign-in.work-offline",
                                             NULL));
  g_assert_nonnull (ready);
  g_assert_null (window);   /* it closed */
  g_assert_false (tb_sync_engine_get_signed_in (ready));
  g_assert_cmpstr (tb_store_get_path (tb_sync_engine_get_store (ready)), ==, path);
  g_assert_cmpstr (tb_sync_engine_get_server_url (ready), ==, f->ts->base);
  g_assert_cmpint (tb_store_count_cases (tb_sync_engine_get_store (ready), NULL), ==, n_cases);
}

/* The first run: sign in, first sync, the inbox; the next run opens the cache directly. */
static gboolean
engine_signed_out (gpointer data)
{
  return tb_sync_engine_get_status (data) == TB_SYNC_STATUS_SIGNED_OUT;
}

static void
test_first_run_and_restart (Fixture       *f,
                            gconstpointer  data)
{
  TbApplication *application = tb_test_app_new (FALSE);
  g_autofree char *path = store_path (f, "wangfang");
  g_autofree char *remembered_server = NULL;
  g_autofree char *remembered_login = NULL;
  TbSignInWindow *sign_in;
  TbWindow *window;
  TbSyncEngine *engine;
  guint n_cases;

  g_settings_set_string (f->settings, "server-url", f->ts->base);
  g_application_activate (G_APPLICATION (application));

  /* Nobody signed in here yet: the sign-in window, the last server preselected. */
  sign_in = TB_SIGN_IN_WINDOW (tb_test_ui_find_shown_toplevel (TB_TYPE_SIGN_IN_WINDOW));
  g_assert_nonnull (sign_in);
  g_assert_null (tb_test_ui_find_shown_toplevel (TB_TYPE_WINDOW));
  g_assert_cmpstr (tb_sign_in_window_get_server_url (sign_in), ==, f->ts->base);
  g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (application), "sign-out"));

  tb_sign_in_window_set_login (sign_in, "wangfang");
  set_password (GTK_WIDGET (sign_in), PASSWORD);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (sign_in), "sign-in.sign-in", NULL));
  g_assert_true (tb_test_ui_wait_until (app_has_cases, application, 60000));

  window = tb_application_get_window (application);
  engine = tb_application_get_engine (application);
  g_assert_null (tb_test_ui_find_shown_toplevel (TB_TYPE_SIGN_IN_WINDOW));
  g_assert_true (tb_window_get_engine (window) == engine);
  g_assert_true (tb_sync_engine_get_signed_in (engine));
  g_assert_false (tb_sync_engine_get_use_keyring (engine));
  g_assert_cmpstr (tb_store_get_path (tb_window_get_store (window)), ==, path);
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (application), "sign-out"));
  remembered_server = g_settings_get_string (f->settings, "server-url");
  remembered_login = g_settings_get_string (f->settings, "user-login");
  g_assert_cmpstr (remembered_server, ==, f->ts->base);
  g_assert_cmpstr (remembered_login, ==, "wangfang");
  n_cases = tb_window_get_n_cases (window);
  tb_test_app_quit (application);

  /* Next start, the server down, no keyring: the cached inbox, signed out, working. */
  tb_server_disconnect (f->ts->server);
  application = tb_test_app_new (FALSE);
  g_application_activate (G_APPLICATION (application));
  g_assert_null (tb_test_ui_find_shown_toplevel (TB_TYPE_SIGN_IN_WINDOW));
  window = tb_application_get_window (application);
  g_assert_nonnull (window);
  g_assert_cmpstr (tb_store_get_path (tb_window_get_store (window)), ==, path);
  g_assert_cmpuint (tb_window_get_n_cases (window), ==, n_cases);
  engine = tb_application_get_engine (application);
  g_assert_nonnull (engine);
  g_assert_true (tb_test_ui_wait_until (engine_signed_out, engine, 10000));
  tb_test_app_quit (application);
}

static void
test_sign_in_again (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(TbSyncEngine) engine = signed_in_engine (f, "wangfang");
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  TbSignInWindow *window;

  tb_sync_engine_sign_out_async (engine, NULL, tb_test_wait_cb, &result);
  g_assert_true (tb_sync_engine_sign_out_finish (engine, tb_test_wait_result (&result), &error));
  g_assert_false (tb_sync_engine_get_signed_in (engine));
  g_assert_cmpint (tb_sync_engine_get_status (engine), ==, TB_SYNC_STATUS_SIGNED_OUT);

  window = tb_sign_in_window_new_for_engine (NULL, engine);
  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &window);
  g_assert_true (tb_sign_in_window_get_engine (window) == engine);
  g_assert_false (tb_sign_in_window_get_use_keyring (window));
  /* Only the password is asked. */
  g_assert_false (gtk_widget_get_visible (tb_test_ui_find_widget (GTK_WIDGET (window),
                                                                  ADW_TYPE_ENTRY_ROW)));
  gtk_window_present (GTK_WINDOW (window));
  set_password (GTK_WIDGET (window), PASSWORD);
  name = screenshot_name ("sign-in-again", data);
  save_screenshot (window, name);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "sign-in.sign-in", NULL));
  while (window != NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (tb_sync_engine_get_signed_in (engine));
  g_assert_cmpint (tb_sync_engine_get_status (engine), !=, TB_SYNC_STATUS_SIGNED_OUT);
}

/* tongban --server URL --user LOGIN --password-file FILE: signed in at start. */
typedef struct
{
  Fixture       *fixture;
  TbApplication *application;
  gboolean       saw_busy;
  gboolean       checked;
} AppCheck;

static gboolean
engine_signed_in (gpointer data)
{
  TbApplication *application = data;

  return tb_application_get_engine (application) != NULL
         && tb_sync_engine_get_signed_in (tb_application_get_engine (application))
         && app_has_cases (application);
}

static void
on_sign_in_busy (TbSignInWindow *sign_in,
                 GParamSpec     *pspec,
                 AppCheck       *check)
{
  /* Signing in, and the password is nowhere on the screen. */
  if (tb_sign_in_window_get_busy (sign_in))
    {
      g_assert_cmpstr (get_password (GTK_WIDGET (sign_in)), ==, "");
      check->saw_busy = TRUE;
    }
}

static void
on_window_added (GtkApplication *application,
                 GtkWindow      *window,
                 AppCheck       *check)
{
  if (TB_IS_SIGN_IN_WINDOW (window))
    g_signal_connect (window, "notify::busy", G_CALLBACK (on_sign_in_busy), check);
}

static gboolean
check_password_file (gpointer data)
{
  AppCheck *check = data;

  g_assert_true (tb_test_ui_wait_until (engine_signed_in, check->application, 60000));
  g_assert_true (check->saw_busy);
  g_assert_null (tb_test_ui_find_shown_toplevel (TB_TYPE_SIGN_IN_WINDOW));
  g_assert_false (tb_sync_engine_get_use_keyring (tb_application_get_engine (check->application)));
  check->checked = TRUE;
  tb_test_app_destroy_windows ();
  return G_SOURCE_REMOVE;
}

static void
on_startup (GApplication *application,
            AppCheck     *check)
{
  g_signal_connect (application, "window-added", G_CALLBACK (on_window_added), check);
  g_idle_add (check_password_file, check);
}

static void
test_password_file (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(TbApplication) application = tb_application_new ();
  g_autofree char *password_file = g_build_filename (f->dir, "password", NULL);
  AppCheck check = { f, application, FALSE, FALSE };
  char *argv[] = {
    (char *) "tongban", (char *) "--server", f->ts->base, (char *) "--user",
    (char *) "wangfang", (char *) "--password-file", password_file, NULL
  };

  g_assert_true (g_file_set_contents (password_file, PASSWORD "\n", -1, NULL));
  g_chmod (password_file, 0600);
  g_application_set_flags (G_APPLICATION (application),
                           G_APPLICATION_HANDLES_COMMAND_LINE | G_APPLICATION_NON_UNIQUE);
  g_signal_connect (application, "startup", G_CALLBACK (on_startup), &check);
  g_assert_cmpint (g_application_run (G_APPLICATION (application), G_N_ELEMENTS (argv) - 1,
                                      argv), ==, 0);
  g_assert_true (check.checked);
}

/* ------------------------------------------------------------------------------------------ */
/* Signing out                                                                                */

static gboolean
dialog_shown (gpointer data)
{
  return tb_test_ui_find_shown_toplevel (ADW_TYPE_MESSAGE_DIALOG) != NULL;
}

static AdwMessageDialog *
ask_sign_out (TbApplication *application)
{
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (application), "sign-out"));
  g_action_group_activate_action (G_ACTION_GROUP (application), "sign-out", NULL);
  g_assert_true (tb_test_ui_wait_until (dialog_shown, NULL, 5000));
  return ADW_MESSAGE_DIALOG (tb_test_ui_find_shown_toplevel (ADW_TYPE_MESSAGE_DIALOG));
}

/* With @refuse, the server answers every exchange but sign-in with a 500 or 503. */
static void
refuse_exchanges (Fixture  *f,
                  gboolean  refuse)
{
  TbServerFaults faults = { .error = 1.0 };

  tb_server_set_faults (f->ts->server, refuse ? &faults : NULL);
}

static void
test_sign_out (Fixture       *f,
               gconstpointer  data)
{
  TbApplication *application = tb_test_app_new (FALSE);
  g_autofree char *path = store_path (f, "wangfang");
  g_autofree char *name = NULL;
  g_autofree char *login = NULL;
  g_autofree char *heading = NULL;
  g_autofree char *attachments = NULL;
  AdwMessageDialog *dialog;
  TbStore *store;

  sign_in_through_window (f, application);
  store = tb_application_get_store (application);
  /* The engine sends a queued change within half a second; the server refuses every exchange
   * until Sync Now, so that what the dialog says and what Cancel keeps does not race it. */
  refuse_exchanges (f, TRUE);
  queue_comments (store, 1, "签退前");
  g_assert_cmpint (count_unsent (store), ==, 1);

  /* Asked first; Cancel keeps everything. */
  dialog = ask_sign_out (application);
  heading = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s change has not been sent",
                                          "%s changes have not been sent", 1), "1");
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, heading);
  g_assert_true (adw_message_dialog_has_response (dialog, "discard"));
  g_assert_cmpint (adw_message_dialog_get_response_appearance (dialog, "discard"), ==,
                   ADW_RESPONSE_DESTRUCTIVE);
  g_assert_true (adw_message_dialog_get_response_enabled (dialog, "sync"));
  name = screenshot_name ("sign-out-unsent", data);
  save_screenshot (dialog, name);
  adw_message_dialog_response (dialog, "cancel");
  tb_test_ui_spin (100);
  g_assert_true (tb_application_get_store (application) == store);
  g_assert_cmpint (count_unsent (store), ==, 1);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  g_assert_nonnull (tb_application_get_window (application));

  /* Sync Now sends them, then signs out: the store leaves the computer. */
  refuse_exchanges (f, FALSE);
  dialog = ask_sign_out (application);
  adw_message_dialog_response (dialog, "sync");
  g_assert_true (tb_test_ui_wait_until (tb_test_file_gone, path, 30000));
  g_assert_cmpint (tb_test_query_int (f->ts, "SELECT count (*) FROM case_events WHERE kind = "
                                             "'comment' AND data LIKE '%签退前%'"), ==, 1);
  g_assert_nonnull (tb_test_ui_find_shown_toplevel (TB_TYPE_SIGN_IN_WINDOW));
  g_assert_null (tb_test_ui_find_shown_toplevel (TB_TYPE_WINDOW));
  g_assert_null (tb_application_get_store (application));
  login = g_settings_get_string (f->settings, "user-login");
  g_assert_cmpstr (login, ==, "");
  g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (application), "sign-out"));

  /* Again, and this time Discard: nothing sent, everything gone. */
  tb_test_app_destroy_windows ();
  sign_in_through_window (f, application);
  store = tb_application_get_store (application);
  refuse_exchanges (f, TRUE);
  queue_comments (store, 2, "丢弃");
  /* A file attached at the counter and not yet sent. */
  {
    g_autoptr(TbAttachmentCache) cache = tb_attachment_cache_new (store, NULL);
    g_autofree char *file_path = g_build_filename (f->dir, "证明.txt", NULL);
    g_autoptr(GFile) file = g_file_new_for_path (file_path);
    g_autoptr(JsonObject) value = NULL;
    g_autoptr(GError) error = NULL;

    attachments = g_strdup (tb_attachment_cache_get_dir (cache));
    g_assert_true (g_file_set_contents (file_path, "证明", -1, NULL));
    value = tb_attachment_cache_add_file (cache, file, NULL, &error);
    g_assert_no_error (error);
    g_unlink (file_path);
    g_assert_true (g_file_test (attachments, G_FILE_TEST_IS_DIR));
  }
  dialog = ask_sign_out (application);
  adw_message_dialog_response (dialog, "discard");
  g_assert_true (tb_test_ui_wait_until (tb_test_file_gone, path, 30000));
  g_assert_false (g_file_test (attachments, G_FILE_TEST_EXISTS));
  g_assert_cmpint (tb_test_query_int (f->ts, "SELECT count (*) FROM case_events WHERE kind = "
                                             "'comment' AND data LIKE '%丢弃%'"), ==, 0);
  g_assert_nonnull (tb_test_ui_find_shown_toplevel (TB_TYPE_SIGN_IN_WINDOW));

  tb_test_app_quit (application);
}

/* ------------------------------------------------------------------------------------------ */
/* The indicator                                                                              */

typedef struct
{
  GtkWidget       *window;
  TbSyncIndicator *indicator;
  GtkMenuButton   *button;
  GtkPopover      *popover;
  GString         *states;
} IndicatorWindow;

static void
on_state (TbSyncIndicator *indicator,
          GParamSpec      *pspec,
          GString         *states)
{
  g_string_append_printf (states, "%s ", tb_sync_indicator_get_state (indicator));
}

static void
indicator_window_init (IndicatorWindow *w,
                       TbSyncEngine    *engine)
{
  GtkWidget *header = adw_header_bar_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *body = adw_status_page_new ();

  w->window = adw_window_new ();
  w->indicator = TB_SYNC_INDICATOR (tb_sync_indicator_new ());
  w->states = g_string_new (NULL);
  g_signal_connect (w->indicator, "notify::state", G_CALLBACK (on_state), w->states);
  tb_sync_indicator_set_engine (w->indicator, engine);
  adw_header_bar_pack_end (ADW_HEADER_BAR (header), GTK_WIDGET (w->indicator));
  gtk_widget_set_vexpand (body, TRUE);
  gtk_box_append (GTK_BOX (box), header);
  gtk_box_append (GTK_BOX (box), body);
  adw_window_set_content (ADW_WINDOW (w->window), box);
  gtk_window_set_default_size (GTK_WINDOW (w->window), 480, 420);
  gtk_window_present (GTK_WINDOW (w->window));

  w->button = GTK_MENU_BUTTON (tb_test_ui_find_widget (GTK_WIDGET (w->indicator),
                                                       GTK_TYPE_MENU_BUTTON));
  w->popover = GTK_POPOVER (gtk_menu_button_get_popover (w->button));
  g_assert_nonnull (w->popover);
}

static void
indicator_window_clear (IndicatorWindow *w)
{
  gtk_window_destroy (GTK_WINDOW (w->window));
  g_string_free (w->states, TRUE);
}

static gboolean
state_is (gpointer data)
{
  IndicatorWindow *w = data;
  const char *wanted = g_object_get_data (G_OBJECT (w->indicator), "wanted");

  return g_strcmp0 (tb_sync_indicator_get_state (w->indicator), wanted) == 0;
}

static void
wait_state (IndicatorWindow *w,
            const char      *state)
{
  g_object_set_data_full (G_OBJECT (w->indicator), "wanted", g_strdup (state), g_free);
  g_assert_true (tb_test_ui_wait_until (state_is, w, 30000));
}

static void
screenshot_popover (IndicatorWindow *w,
                    const char      *what,
                    const char      *language)
{
  g_autofree char *name = screenshot_name (what, language);

  gtk_menu_button_popup (w->button);
  save_screenshot (w->popover, name);
  gtk_menu_button_popdown (w->button);
  tb_test_ui_spin (50);
}

static const char *
accessible_description (GtkWidget *widget)
{
  return gtk_widget_get_tooltip_text (widget);
}

static gboolean
unsent_is_two (gpointer data)
{
  return tb_sync_indicator_get_n_unsent (data) == 2;
}

static void
test_indicator_states (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(TbSyncEngine) engine = signed_in_engine (f, "wangfang");
  TbStore *store = tb_sync_engine_get_store (engine);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  IndicatorWindow w = { 0 };
  GtkWidget *badge;

  indicator_window_init (&w, engine);
  wait_state (&w, "online");
  g_assert_nonnull (strstr (accessible_description (GTK_WIDGET (w.button)), T ("Online")));
  g_assert_nonnull (strstr (accessible_description (GTK_WIDGET (w.button)),
                            T ("Last synced just now")));
  gtk_test_accessible_assert_property (GTK_ACCESSIBLE (w.button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                       T ("Sync Status"));
  screenshot_popover (&w, "indicator-online", data);

  /* Two changes made: counted on the button and in the popover. */
  queue_comments (store, 2, "指示器");
  g_assert_true (tb_test_ui_wait_until (unsent_is_two, w.indicator, 5000));
  badge = GTK_WIDGET (tb_test_ui_find_widget (GTK_WIDGET (w.button), GTK_TYPE_LABEL));
  g_assert_true (gtk_widget_get_visible (badge));
  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (badge)), ==, "2");
  g_assert_nonnull (strstr (accessible_description (GTK_WIDGET (w.button)), "2"));
  screenshot_popover (&w, "indicator-unsent", data);

  /* A sync: syncing, then online with nothing left. */
  g_string_truncate (w.states, 0);
  g_assert_true (tb_test_engine_sync (engine, NULL, &error));
  g_assert_no_error (error);
  wait_state (&w, "online");
  g_assert_cmpstr (w.states->str, ==, "syncing online ");
  g_assert_cmpint (tb_sync_indicator_get_n_unsent (w.indicator), ==, 0);
  g_assert_false (gtk_widget_get_visible (badge));

  /* The server goes away: offline, said plainly, not as an error. */
  tb_server_disconnect (f->ts->server);
  g_assert_false (tb_test_engine_sync (engine, NULL, &error));
  g_assert_error (error, TB_SYNC_ERROR, TB_SYNC_ERROR_OFFLINE);
  g_clear_error (&error);
  wait_state (&w, "offline");
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (w.button), "error"));
  g_assert_nonnull (strstr (accessible_description (GTK_WIDGET (w.button)), T ("Offline")));
  screenshot_popover (&w, "indicator-offline", data);

  /* Signed out: it offers to sign in again. */
  tb_sync_engine_sign_out_async (engine, NULL, tb_test_wait_cb, &result);
  g_assert_true (tb_sync_engine_sign_out_finish (engine, tb_test_wait_result (&result), &error));
  wait_state (&w, "signed-out");
  g_assert_true (gtk_widget_get_visible (find_button (GTK_WIDGET (w.popover),
                                                      T ("_Sign In Again…"))));
  g_assert_false (gtk_widget_get_visible (find_button (GTK_WIDGET (w.popover),
                                                       T ("Sync _Now"))));
  screenshot_popover (&w, "indicator-signed-out", data);

  indicator_window_clear (&w);
}

typedef struct
{
  IndicatorWindow *w;
  GtkWidget       *bar;
  gboolean         seen;
} ProgressWatch;

static gboolean
progress_shown (gpointer data)
{
  ProgressWatch *p = data;

  if (gtk_widget_get_visible (p->bar)
      && g_strcmp0 (tb_sync_indicator_get_state (p->w->indicator), "syncing") == 0)
    p->seen = TRUE;
  return p->seen;
}

static void
test_indicator_progress (Fixture       *f,
                         gconstpointer  data)
{
  g_autofree char *path = store_path (f, "wangfang");
  g_autoptr(GError) error = NULL;
  g_autoptr(TbStore) store = tb_store_open (path, &error);
  g_autoptr(TbSyncEngine) engine = tb_sync_engine_new (store, f->ts->base);
  g_autoptr(GAsyncResult) synced = NULL;
  g_autofree char *name = screenshot_name ("indicator-syncing", data);
  IndicatorWindow w = { 0 };
  ProgressWatch watch = { &w, NULL, FALSE };
  TbServerFaults faults = { 0 };

  tb_sync_engine_set_use_keyring (engine, FALSE);
  g_assert_true (tb_test_engine_sign_in (engine, "wangfang", &error));

  indicator_window_init (&w, engine);
  watch.bar = tb_test_ui_find_widget (GTK_WIDGET (w.popover), GTK_TYPE_PROGRESS_BAR);
  g_assert_false (gtk_widget_get_visible (watch.bar));
  gtk_menu_button_popup (w.button);

  /* A slow network: the sync is long, and its progress shows while it runs. The bar appears
   * after a second of syncing; a 4 s answer leaves a loaded CI machine room to see it. */
  faults.delay_ms = 4000;
  tb_server_set_faults (f->ts->server, &faults);
  tb_sync_engine_sync_async (engine, NULL, tb_test_wait_cb, &synced);
  g_assert_true (tb_test_ui_wait_until (progress_shown, &watch, 60000));
  save_screenshot (w.popover, name);
  g_assert_true (tb_sync_engine_sync_finish (engine, tb_test_wait_result (&synced), NULL, &error));
  g_assert_no_error (error);
  wait_state (&w, "online");
  g_assert_false (gtk_widget_get_visible (watch.bar));

  indicator_window_clear (&w);
}

/* ------------------------------------------------------------------------------------------ */
/* The sync log and the preferences                                                          */

static void
test_sync_log (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(TbSyncEngine) engine = signed_in_engine (f, "wangfang");
  TbStore *store = tb_sync_engine_get_store (engine);
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *export_path = g_build_filename (f->dir, "log.txt", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (export_path);
  g_autofree char *text = NULL;
  g_autofree char *name = screenshot_name ("sync-log", data);
  g_auto(GStrv) lines = NULL;
  TbSyncLogWindow *window;
  GtkWidget *list;
  GtkWidget *first_row;
  guint n_lines;

  entries = tb_store_list_sync_log (store, 100, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (entries->len, >=, 2);

  window = tb_sync_log_window_new (store, engine);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_cmpuint (tb_sync_log_window_get_n_entries (window), ==, entries->len);

  /* Newest first: the first row is the latest entry. */
  list = tb_test_ui_find_widget (GTK_WIDGET (window), GTK_TYPE_LIST_BOX);
  first_row = GTK_WIDGET (gtk_list_box_get_row_at_index (GTK_LIST_BOX (list), 0));
  g_assert_nonnull (first_row);
  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (tb_test_ui_find_widget (first_row,
                                                                           GTK_TYPE_LABEL))),
                   ==, ((TbSyncLogEntry *) g_ptr_array_index (entries, 0))->message);
  save_screenshot (window, name);

  /* Another sync shows up by itself. */
  g_assert_true (tb_test_engine_sync (engine, NULL, &error));
  tb_test_ui_spin (50);
  g_assert_cmpuint (tb_sync_log_window_get_n_entries (window), ==, entries->len + 1);

  /* Export: oldest first, one entry a line, after a header. */
  g_assert_true (tb_sync_log_window_export (window, file, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (export_path, &text, NULL, &error));
  lines = g_strsplit (text, "\n", -1);
  n_lines = g_strv_length (lines);
  g_assert_true (g_str_has_prefix (lines[0], "# Tongban"));
  g_assert_cmpuint (n_lines, ==, entries->len + 1 + 2);   /* header, entries, final newline */
  g_assert_nonnull (strstr (lines[1], T ("Signed in.")));
  g_assert_nonnull (strstr (lines[n_lines - 2], "\tinfo\t"));

  destroy_window (window);
}

static void
test_preferences (Fixture       *f,
                  gconstpointer  data)
{
  TbApplication *application = tb_test_app_new (FALSE);
  g_autofree char *name = screenshot_name ("preferences", data);
  TbPreferencesWindow *window;
  TbSyncEngine *engine;
  AdwComboRow *combo;

  sign_in_through_window (f, application);
  engine = tb_application_get_engine (application);
  g_assert_cmpuint (tb_sync_engine_get_interval (engine), ==, 60);

  g_action_group_activate_action (G_ACTION_GROUP (application), "preferences", NULL);
  window = TB_PREFERENCES_WINDOW (tb_test_ui_find_shown_toplevel (TB_TYPE_PREFERENCES_WINDOW));
  g_assert_nonnull (window);
  g_assert_true (tb_preferences_window_get_engine (window) == engine);
  save_screenshot (window, name);

  /* Chosen in the window: kept in the settings and applied to the running engine. */
  combo = ADW_COMBO_ROW (tb_test_ui_find_widget (GTK_WIDGET (window), ADW_TYPE_COMBO_ROW));
  adw_combo_row_set_selected (combo, 3);   /* 30 s, 1, 2, 5 minutes */
  g_assert_cmpuint (g_settings_get_uint (f->settings, "sync-interval"), ==, 300);
  g_assert_cmpuint (tb_sync_engine_get_interval (engine), ==, 300);
  tb_preferences_window_set_interval (window, 600);
  g_assert_cmpuint (tb_sync_engine_get_interval (engine), ==, 600);
  g_assert_cmpuint (adw_combo_row_get_selected (combo), ==, 4);

  tb_test_app_quit (application);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *data_home = NULL;
  int status;

  /* The accounts' stores go to a folder of this run, never to the user's. */
  data_home = g_dir_make_tmp ("test-session-data-XXXXXX", NULL);
  g_assert_nonnull (data_home);
  g_setenv ("XDG_DATA_HOME", data_home, TRUE);
  tb_test_ui_init (&argc, &argv);
  start_notification_server ();
  /* A blinking cursor in a window that lost the X focus to another test's makes GTK warn. */
  g_object_set (gtk_settings_get_default (), "gtk-cursor-blink", FALSE, NULL);

  g_test_add ("/session/sign-in-window/properties", Fixture, NULL,
              fixture_set_up, test_sign_in_window_properties, fixture_tear_down);
  g_test_add ("/session/indicator/properties", Fixture, NULL,
              fixture_set_up, test_indicator_properties, fixture_tear_down);
  g_test_add ("/session/sync-log-window/properties", Fixture, NULL,
              fixture_set_up, test_log_window_properties, fixture_tear_down);
  g_test_add ("/session/preferences-window/properties", Fixture, NULL,
              fixture_set_up, test_preferences_properties, fixture_tear_down);
  g_test_add ("/session/first-run-and-restart", Fixture, NULL,
              fixture_set_up, test_first_run_and_restart, fixture_tear_down);
  g_test_add ("/session/password-file", Fixture, NULL,
              fixture_set_up, test_password_file, fixture_tear_down);
  g_test_add ("/session/indicator/progress", Fixture, "en",
              fixture_set_up, test_indicator_progress, fixture_tear_down);

  for (guint i = 0; i < 2; i++)
    {
      const char *language = i == 0 ? "en" : "zh_CN";
      struct { const char *name; void (*func) (Fixture *, gconstpointer); } tests[] = {
        { "sign-in/wrong-password", test_sign_in_wrong_password },
        { "sign-in/unreachable", test_sign_in_unreachable },
        { "sign-in/again", test_sign_in_again },
        { "sign-out", test_sign_out },
        { "indicator/states", test_indicator_states },
        { "sync-log", test_sync_log },
        { "preferences", test_preferences },
      };

      for (guint j = 0; j < G_N_ELEMENTS (tests); j++)
        {
          g_autofree char *path = g_strdup_printf ("/session/%s/%s", language, tests[j].name);

          g_test_add (path, Fixture, language, fixture_set_up, tests[j].func,
                      fixture_tear_down);
        }
    }

  status = g_test_run ();

  {
    g_autofree char *stores = g_build_filename (data_home, "tongban", "stores", NULL);
    g_autofree char *tongban = g_build_filename (data_home, "tongban", NULL);

    g_rmdir (stores);
    g_rmdir (tongban);
    g_rmdir (data_home);
  }
  return status;
}
