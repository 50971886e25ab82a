/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-test-keyring.c: a throwaway gnome-keyring on a private D-Bus, for tests of sessions */

#include "config.h"

#include <libsecret/secret.h>
#include <signal.h>
#include <string.h>

#include "tb-test-common.h"
#include "tb-test-keyring.h"

/*
 * A test runs gnome-keyring-daemon of its own, on a D-Bus of the test's own (GTestDBus) and
 * with a throwaway home, so that it never reads or writes the keyring of the person running
 * the suite. The bus has no service files: nothing is started behind the test's back, and no
 * unlock prompt can appear (there is no prompter), as on a headless machine.
 */

#define KEYRING_PASSWORD "test-keyring-password"
#define WAIT_SECONDS     20

/* The engine's schema, named here on its own: a lookup that finds the token proves the engine
 * stored it under that name and those attributes, where any other Tongban finds it. */
static const SecretSchema *
session_schema (void)
{
  static const SecretSchema schema = {
    "io.github.tongban.Tongban.Session", SECRET_SCHEMA_NONE,
    {
      { "server", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "login", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    },
    0, NULL, NULL, NULL, NULL, NULL, NULL, NULL
  };
  return &schema;
}

/**
 * tb_test_keyring_available:
 *
 * Returns: whether gnome-keyring-daemon is installed
 */
gboolean
tb_test_keyring_available (void)
{
  g_autofree char *path = g_find_program_in_path ("gnome-keyring-daemon");

  return path != NULL;
}

/**
 * tb_test_keyring_bus_up:
 *
 * Starts a session bus of the test's own and makes it the process's. The display, which
 * GTestDBus forgets, is kept for widget tests.
 *
 * Returns: (transfer full): the bus, for tb_test_keyring_bus_stop()
 */
GTestDBus *
tb_test_keyring_bus_up (void)
{
  g_autofree char *display = g_strdup (g_getenv ("DISPLAY"));
  GTestDBus *bus = g_test_dbus_new (G_TEST_DBUS_NONE);

  g_test_dbus_up (bus);
  if (display != NULL)
    g_setenv ("DISPLAY", display, TRUE);
  return bus;
}

/**
 * tb_test_keyring_bus_stop:
 * @bus: (transfer full): the bus of tb_test_keyring_bus_up()
 *
 * Stops the bus at the end of the test program.
 */
void
tb_test_keyring_bus_stop (GTestDBus *bus)
{
  /* Not g_test_dbus_down(), nor the unref that calls it: it waits for the bus connection to
   * be finalized, and libsecret's proxies of the keyrings of the tests keep it. The bus
   * object goes with the process. */
  secret_service_disconnect ();
  g_test_dbus_stop (bus);
}

/**
 * tb_test_bus_name_has_owner:
 * @name: a well-known bus name
 *
 * Returns: whether @name is owned on the session bus
 */
gboolean
tb_test_bus_name_has_owner (const char *name)
{
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  g_autoptr(GVariant) reply = NULL;
  gboolean owned = FALSE;

  g_assert_nonnull (bus);
  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "NameHasOwner",
                                       g_variant_new ("(s)", name), G_VARIANT_TYPE ("(b)"),
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
  g_assert_nonnull (reply);
  g_variant_get (reply, "(b)", &owned);
  return owned;
}

/* The object path of the keyring the "default" alias names, or "/" for none. */
static char *
default_collection (void)
{
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  g_autoptr(GVariant) reply = NULL;
  char *path = NULL;

  reply = g_dbus_connection_call_sync (bus, TB_TEST_SECRETS_NAME, "/org/freedesktop/secrets",
                                       "org.freedesktop.Secret.Service", "ReadAlias",
                                       g_variant_new ("(s)", "default"),
                                       G_VARIANT_TYPE ("(o)"), G_DBUS_CALL_FLAGS_NO_AUTO_START,
                                       -1, NULL, NULL);
  if (reply == NULL)
    return g_strdup ("/");
  g_variant_get (reply, "(o)", &path);
  return path;
}

/**
 * tb_test_keyring_start:
 * @dir: a folder of the test, for the keyring's home (@dir/home, removed with the daemon)
 *
 * Starts gnome-keyring-daemon on the test's bus with a "login" keyring, unlocked and the
 * default one, as a desktop session's PAM module would, and waits until it serves.
 *
 * Returns: (transfer full): the daemon
 */
GSubprocess *
tb_test_keyring_start (const char *dir)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *home = g_build_filename (dir, "home", NULL);
  g_autofree char *data = g_build_filename (home, "data", NULL);
  g_autofree char *config = g_build_filename (home, "config", NULL);
  g_autofree char *cache = g_build_filename (home, "cache", NULL);
  g_autofree char *runtime = g_build_filename (home, "runtime", NULL);
  GSubprocess *daemon;
  GOutputStream *input;
  gint64 deadline;

  g_assert_cmpint (g_mkdir_with_parents (data, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (config, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (cache, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (runtime, 0700), ==, 0);
  g_assert_false (tb_test_bus_name_has_owner (TB_TEST_SECRETS_NAME));

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                        G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_subprocess_launcher_setenv (launcher, "HOME", home, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", data, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CONFIG_HOME", config, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CACHE_HOME", cache, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_RUNTIME_DIR", runtime, TRUE);
  g_subprocess_launcher_unsetenv (launcher, "DISPLAY");
  g_subprocess_launcher_unsetenv (launcher, "WAYLAND_DISPLAY");
  g_subprocess_launcher_unsetenv (launcher, "GNOME_KEYRING_CONTROL");
  g_subprocess_launcher_unsetenv (launcher, "SSH_AUTH_SOCK");
  /* The suite's fatal warnings are for Tongban: gnome-keyring warns when an item is replaced. */
  g_subprocess_launcher_unsetenv (launcher, "G_DEBUG");

  /* --unlock creates the "login" keyring with the password on stdin. */
  daemon = g_subprocess_launcher_spawn (launcher, &error, "gnome-keyring-daemon",
                                        "--foreground", "--unlock", "--components=secrets",
                                        NULL);
  g_assert_no_error (error);
  input = g_subprocess_get_stdin_pipe (daemon);
  g_assert_true (g_output_stream_write_all (input, KEYRING_PASSWORD, strlen (KEYRING_PASSWORD),
                                            NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_output_stream_close (input, NULL, &error));
  g_assert_no_error (error);
  g_object_set_data_full (G_OBJECT (daemon), "tb-test-home", g_strdup (home), g_free);

  deadline = g_get_monotonic_time () + WAIT_SECONDS * G_USEC_PER_SEC;
  for (;;)
    {
      g_autofree char *path = NULL;

      if (tb_test_bus_name_has_owner (TB_TEST_SECRETS_NAME))
        {
          path = default_collection ();
          if (g_strcmp0 (path, "/") != 0)
            break;
        }
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (20 * 1000);
    }
  return daemon;
}

/**
 * tb_test_keyring_stop:
 * @daemon: (inout) (nullable): the daemon of tb_test_keyring_start(), cleared
 *
 * Stops the daemon, waits until its name has left the bus, for the next one, and removes its
 * home. libsecret forgets its connection to the service, which the next daemon replaces.
 */
void
tb_test_keyring_stop (GSubprocess **daemon)
{
  g_autofree char *home = NULL;
  gint64 deadline;

  secret_service_disconnect ();
  if (*daemon == NULL)
    return;

  g_subprocess_send_signal (*daemon, SIGCONT);
  g_subprocess_send_signal (*daemon, SIGTERM);
  g_assert_true (g_subprocess_wait (*daemon, NULL, NULL));
  home = g_strdup (g_object_get_data (G_OBJECT (*daemon), "tb-test-home"));
  g_clear_object (daemon);
  tb_test_remove_dir (home);

  deadline = g_get_monotonic_time () + WAIT_SECONDS * G_USEC_PER_SEC;
  while (tb_test_bus_name_has_owner (TB_TEST_SECRETS_NAME))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (20 * 1000);
    }
}

/**
 * tb_test_keyring_lock:
 *
 * Locks the default keyring, as the screen lock or `secret-tool lock` would.
 */
void
tb_test_keyring_lock (void)
{
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  g_autoptr(GVariant) reply = NULL;
  g_autofree char *path = default_collection ();
  const char *paths[] = { path, NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *prompt = NULL;
  g_autoptr(GVariantIter) locked = NULL;

  reply = g_dbus_connection_call_sync (bus, TB_TEST_SECRETS_NAME, "/org/freedesktop/secrets",
                                       "org.freedesktop.Secret.Service", "Lock",
                                       g_variant_new ("(^ao)", paths),
                                       G_VARIANT_TYPE ("(aoo)"), G_DBUS_CALL_FLAGS_NONE,
                                       -1, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(aoo)", &locked, &prompt);
  /* gnome-keyring locks without asking. */
  g_assert_cmpstr (prompt, ==, "/");
  g_assert_cmpuint (g_variant_iter_n_children (locked), ==, 1);
}

/**
 * tb_test_keyring_lookup:
 * @server: the server URL of the session
 * @login: the user name
 *
 * Returns: (transfer full) (nullable): the refresh token the keyring keeps for them
 */
char *
tb_test_keyring_lookup (const char *server,
                        const char *login)
{
  g_autoptr(GError) error = NULL;
  char *secret;
  char *copy;

  secret = secret_password_lookup_sync (session_schema (), NULL, &error,
                                        "server", server, "login", login, NULL);
  g_assert_no_error (error);
  copy = g_strdup (secret);
  secret_password_free (secret);
  return copy;
}

/**
 * tb_test_keyring_count:
 *
 * Returns: how many Tongban sessions the keyring holds, whatever their server or user
 */
guint
tb_test_keyring_count (void)
{
  g_autoptr(GError) error = NULL;
  GList *items;
  guint n;

  items = secret_password_search_sync (session_schema (), SECRET_SEARCH_ALL, NULL, &error,
                                       NULL);
  g_assert_no_error (error);
  n = g_list_length (items);
  g_list_free_full (items, g_object_unref);
  return n;
}
