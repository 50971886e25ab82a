/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-keyring-app.c: the desk keeps its session in a real gnome-keyring, as installed */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "tb-application.h"
#include "tb-sign-in-window.h"
#include "tb-test-app.h"
#include "tb-test-common.h"
#include "tb-test-keyring.h"
#include "tb-test-server.h"
#include "tb-test-ui.h"
#include "tb-window.h"

/*
 * The other widget tests turn the keyring off; this one leaves TbApplication as the real app
 * has it, with gnome-keyring on a private bus (tb-test-keyring.c): signing in through the
 * window keeps the session, the next start resumes it without asking for the password, and
 * signing out removes it.
 */

#define TODAY    "2026-11-27"
#define PASSWORD "tongban-demo"

static gboolean
app_has_cases (gpointer data)
{
  TbWindow *window = tb_application_get_window (data);

  return window != NULL && tb_window_get_n_cases (window) > 0;
}

static gboolean
app_signed_in (gpointer data)
{
  TbSyncEngine *engine = tb_application_get_engine (data);

  return engine != NULL && tb_sync_engine_get_signed_in (engine)
         && tb_sync_engine_get_status (engine) == TB_SYNC_STATUS_IDLE;
}

static gboolean
keyring_empty (gpointer data)
{
  return tb_test_keyring_count () == 0;
}

/* What the keyring should come to hold for a session: a token, and not @before. */
typedef struct
{
  const char *server;
  const char *before;   /* nullable */
} KeyringWait;

static gboolean
keyring_holds_new_token (gpointer data)
{
  KeyringWait *wait = data;
  g_autofree char *token = tb_test_keyring_lookup (wait->server, "wangfang");

  return token != NULL && g_strcmp0 (token, wait->before) != 0;
}

/* Signing out is done, or waits for the user to say what becomes of unsent work. */
static gboolean
signed_out_or_asking (gpointer data)
{
  return tb_test_file_gone (data) || tb_test_ui_find_shown_toplevel (ADW_TYPE_MESSAGE_DIALOG) != NULL;
}

static void
test_sign_in_and_restart (void)
{
  g_autoptr(GSubprocess) daemon = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *first = NULL;
  g_autofree char *path = NULL;
  TbTestServer *ts;
  TbApplication *application;
  TbSignInWindow *sign_in;
  GtkWidget *password;
  GtkWindow *dialog;

  if (!tb_test_keyring_available ())
    {
      g_test_skip ("gnome-keyring-daemon is not installed (Debian package gnome-keyring)");
      return;
    }

  dir = g_dir_make_tmp ("test-keyring-app-XXXXXX", &error);
  g_assert_no_error (error);
  daemon = tb_test_keyring_start (dir);
  ts = tb_test_server_new_demo (30, tb_day_from_iso (TODAY));
  path = tb_store_build_path (ts->base, "wangfang");

  /* First run: the sign-in window, as the real app opens it. */
  application = tb_test_app_new (TRUE);
  g_assert_true (tb_application_get_use_keyring (application));
  sign_in = tb_application_show_sign_in (application);
  g_assert_true (tb_sign_in_window_get_use_keyring (sign_in));
  tb_sign_in_window_set_server_url (sign_in, ts->base);
  tb_sign_in_window_set_login (sign_in, "wangfang");
  password = tb_test_ui_find_widget (GTK_WIDGET (sign_in), ADW_TYPE_PASSWORD_ENTRY_ROW);
  gtk_editable_set_text (GTK_EDITABLE (password), PASSWORD);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (sign_in), "sign-in.sign-in", NULL));
  g_assert_true (tb_test_ui_wait_until (app_has_cases, application, 60000));
  g_assert_true (tb_sync_engine_get_use_keyring (tb_application_get_engine (application)));
  /* Signing in waits a few seconds at most for the keyring, which may take longer on a busy
   * machine: the token is there once the keyring says so. */
  {
    KeyringWait wait = { ts->base, NULL };

    g_assert_true (tb_test_ui_wait_until (keyring_holds_new_token, &wait, 60000));
  }
  first = tb_test_keyring_lookup (ts->base, "wangfang");
  g_assert_nonnull (first);
  tb_test_app_quit (application);

  /* Next start: the account's store, its session resumed from the keyring, no password. */
  application = tb_test_app_new (TRUE);
  g_application_activate (G_APPLICATION (application));
  g_assert_null (tb_test_ui_find_shown_toplevel (TB_TYPE_SIGN_IN_WINDOW));
  g_assert_true (tb_test_ui_wait_until (app_signed_in, application, 30000));
  g_assert_cmpstr (tb_store_get_path (tb_application_get_store (application)), ==, path);
  g_assert_null (tb_test_ui_find_shown_toplevel (TB_TYPE_SIGN_IN_WINDOW));

  /* The token from the keyring is spent on renewing the session, and the renewed one kept
   * instead. "Signed in" holds as soon as the kept token is read, before the renewal: the
   * keyring is watched, not the engine. */
  {
    KeyringWait wait = { ts->base, first };

    g_assert_true (tb_test_ui_wait_until (keyring_holds_new_token, &wait, 60000));
  }

  /* Signing out takes the session out of the keyring with the store. */
  g_action_group_activate_action (G_ACTION_GROUP (application), "sign-out", NULL);
  g_assert_true (tb_test_ui_wait_until (signed_out_or_asking, path, 30000));
  dialog = tb_test_ui_find_shown_toplevel (ADW_TYPE_MESSAGE_DIALOG);
  if (dialog != NULL)
    adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "discard");
  g_assert_true (tb_test_ui_wait_until (tb_test_file_gone, path, 30000));
  g_assert_true (tb_test_ui_wait_until (keyring_empty, NULL, 30000));
  tb_test_app_quit (application);

  tb_test_server_free (ts);
  tb_test_keyring_stop (&daemon);
  g_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  const char *localedir = g_getenv ("TB_LOCALEDIR");
  g_autofree char *data_home = NULL;
  GTestDBus *bus;
  int status;

  /* The accounts' stores go to a folder of this run, never to the user's. */
  data_home = g_dir_make_tmp ("test-keyring-app-data-XXXXXX", NULL);
  g_assert_nonnull (data_home);
  g_setenv ("XDG_DATA_HOME", data_home, TRUE);
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  g_unsetenv ("LANGUAGE");

  /* Before GTK: the application registers on this bus, and finds the keyring there. The bus
   * has no accessibility bus to start, which GTK would warn about. */
  bus = tb_test_keyring_bus_up ();
  g_setenv ("GTK_A11Y", "none", TRUE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  g_object_set (gtk_settings_get_default (), "gtk-cursor-blink", FALSE, NULL);

  g_test_add_func ("/keyring-app/sign-in-and-restart", test_sign_in_and_restart);

  status = g_test_run ();
  tb_test_keyring_bus_stop (bus);
  {
    g_autofree char *tongban = g_build_filename (data_home, "tongban", NULL);
    g_autofree char *stores = g_build_filename (tongban, "stores", NULL);

    g_rmdir (stores);
    g_rmdir (tongban);
    g_rmdir (data_home);
  }
  return status;
}
