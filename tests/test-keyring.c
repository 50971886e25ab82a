/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-keyring.c: sessions kept in a real Secret Service (gnome-keyring) on a private bus */

#include "config.h"

#include <signal.h>
#include <sqlite3.h>
#include <string.h>

#include "tb-store-sync.h"
#include "tb-sync-engine.h"
#include "tb-test-common.h"
#include "tb-test-keyring.h"
#include "tb-test-server.h"

/* Each test that needs one has a gnome-keyring of its own (tb-test-keyring.c). */

#define TODAY           "2026-11-27"
#define WAIT_SECONDS    20

/* What a test finds on its bus. */
typedef enum
{
  NO_KEYRING,
  LOGIN_KEYRING,   /* gnome-keyring with the "login" keyring, unlocked, the default one */
} Keyring;

typedef struct
{
  TbTestServer *ts;
  char         *dir;
  GSubprocess  *keyring;
} Fixture;

typedef TbTestClient Client;

static gboolean have_daemon;

/* ------------------------------------------------------------------------------------------ */
/* Fixture and clients                                                                        */

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  Keyring keyring = GPOINTER_TO_INT (data);
  g_autoptr(GError) error = NULL;

  if (keyring != NO_KEYRING && !have_daemon)
    return;

  f->ts = tb_test_server_new_demo (30, tb_day_from_iso (TODAY));
  f->dir = g_dir_make_tmp ("test-keyring-XXXXXX", &error);
  g_assert_no_error (error);
  if (keyring == LOGIN_KEYRING)
    f->keyring = tb_test_keyring_start (f->dir);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  if (f->ts == NULL)
    return;
  tb_test_keyring_stop (&f->keyring);
  tb_test_server_free (f->ts);
  tb_test_remove_dir (f->dir);
  g_free (f->dir);
}

static gboolean
skip_without_daemon (void)
{
  if (have_daemon)
    return FALSE;
  g_test_skip ("gnome-keyring-daemon is not installed (Debian package gnome-keyring)");
  return TRUE;
}

/* A desk on the store @name of the test's folder, as after a start of the app: a new store
 * object and a new engine, which keeps its sessions in the Secret Service. */
static Client *
client_open (Fixture    *f,
             const char *name,
             const char *server_url)
{
  return tb_test_client_new (f->dir, name, server_url != NULL ? server_url : f->ts->base, TRUE);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Client, tb_test_client_free)

static void
client_sign_in (Client     *c,
                const char *login)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (tb_test_client_sign_in (c, login, &error));
  g_assert_no_error (error);
  g_assert_true (tb_sync_engine_get_signed_in (c->engine));
}

static gboolean
client_restore (Client  *c,
                GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  tb_sync_engine_restore_session_async (c->engine, NULL, tb_test_wait_cb, &result);
  return tb_sync_engine_restore_session_finish (c->engine, tb_test_wait_result (&result),
                                                error);
}

static gboolean
client_sync (Client  *c,
             GError **error)
{
  return tb_test_engine_sync (c->engine, NULL, error);
}

static void
client_sign_out (Client *c)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  tb_sync_engine_sign_out_async (c->engine, NULL, tb_test_wait_cb, &result);
  g_assert_true (tb_sync_engine_sign_out_finish (c->engine, tb_test_wait_result (&result),
                                                 &error));
  g_assert_no_error (error);
  g_assert_false (tb_sync_engine_get_signed_in (c->engine));
}

/* Restoring fails as "sign in again": signed out, nothing in memory, nothing crashed. */
static void
assert_restore_signed_out (Client *c)
{
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();

  g_assert_false (client_restore (c, &error));
  g_assert_error (error, TB_SYNC_ERROR, TB_SYNC_ERROR_SIGNED_OUT);
  g_assert_true (strstr (error->message, "Sign in") != NULL);
  g_assert_false (tb_sync_engine_get_signed_in (c->engine));
  g_assert_cmpint (tb_sync_engine_get_status (c->engine), ==, TB_SYNC_STATUS_SIGNED_OUT);
  /* No prompt waited for: the desk knows at once that it must ask for the password. */
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);

  /* The sync that the app starts next says the same, without a request. */
  g_clear_error (&error);
  g_assert_false (client_sync (c, &error));
  g_assert_error (error, TB_SYNC_ERROR, TB_SYNC_ERROR_SIGNED_OUT);
  g_assert_cmpint (tb_sync_engine_get_status (c->engine), ==, TB_SYNC_STATUS_SIGNED_OUT);
}

/* A run of the app that signs in as @login and quits. */
static void
sign_in_and_quit (Fixture    *f,
                  const char *login)
{
  g_autoptr(Client) c = client_open (f, login, NULL);

  client_sign_in (c, login);
}

/* A start of the app on the store of @login that resumes the session kept in the keyring. */
static Client *
client_resume (Fixture    *f,
               const char *login)
{
  Client *c = client_open (f, login, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_false (tb_sync_engine_get_signed_in (c->engine));
  g_assert_true (client_restore (c, &error));
  g_assert_no_error (error);
  g_assert_true (tb_sync_engine_get_signed_in (c->engine));
  return c;
}

/* A start of the app on the store of @login, with @server_url (%NULL: the test server's),
 * that finds no session to resume. */
static void
assert_start_signed_out (Fixture    *f,
                         const char *login,
                         const char *server_url)
{
  g_autoptr(Client) c = client_open (f, login, server_url);

  assert_restore_signed_out (c);
}

/* The refresh token is in none of the store's files, nor in its sync log. */
static void
assert_token_not_stored (Client     *c,
                         const char *token)
{
  static const char * const suffixes[] = { "", "-wal", "-shm", "-journal" };
  g_autoptr(GPtrArray) log = NULL;
  g_autoptr(GError) error = NULL;
  gboolean found_file = FALSE;

  g_assert_nonnull (token);
  g_assert_cmpuint (strlen (token), >=, 20);
  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *file = g_strconcat (c->path, suffixes[i], NULL);

      if (g_file_test (file, G_FILE_TEST_EXISTS))
        found_file = TRUE;
      if (tb_test_file_contains (file, token))
        g_error ("The refresh token is in %s", file);
    }
  g_assert_true (found_file);

  log = tb_store_list_sync_log (c->store, 1000, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (log->len, >, 0);
  for (guint i = 0; i < log->len; i++)
    {
      TbSyncLogEntry *entry = g_ptr_array_index (log, i);

      g_assert_null (strstr (entry->message, token));
    }
}

/* The sync log tells why the session was not kept or resumed: in a warning naming the
 * keyring, not in the terms of D-Bus alone. */
static void
assert_log_mentions_keyring (Client *c)
{
  g_autoptr(GPtrArray) log = NULL;
  g_autoptr(GError) error = NULL;
  gboolean found = FALSE;

  log = tb_store_list_sync_log (c->store, 1000, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < log->len; i++)
    {
      TbSyncLogEntry *entry = g_ptr_array_index (log, i);

      g_test_message ("sync log: %s: %s", entry->level, entry->message);
      if (g_str_equal (entry->level, "warning") && strstr (entry->message, "keyring") != NULL)
        found = TRUE;
    }
  g_assert_true (found);
}

/* ------------------------------------------------------------------------------------------ */
/* Tests                                                                                      */

/* Signing in keeps the refresh token in the keyring, under the server and the user, and
 * nowhere on disk. */
static void
test_sign_in (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(Client) c = NULL;
  g_autofree char *token = NULL;
  g_autoptr(GError) error = NULL;

  if (skip_without_daemon ())
    return;

  c = client_open (f, "wangfang", NULL);
  g_assert_cmpuint (tb_test_keyring_count (), ==, 0);
  client_sign_in (c, "wangfang");

  /* Right when signing in has finished, not some time later: the app may quit now. */
  token = tb_test_keyring_lookup (f->ts->base, "wangfang");
  g_assert_nonnull (token);
  g_assert_cmpuint (tb_test_keyring_count (), ==, 1);
  assert_token_not_stored (c, token);

  g_assert_true (client_sync (c, &error));
  g_assert_no_error (error);
  assert_token_not_stored (c, token);
}

/* The next start resumes the session from the keyring without a password, and each renewed
 * refresh token replaces the spent one there: the server ends a session whose spent refresh
 * token comes back. */
static void
count_notify (guint *count)
{
  (*count)++;
}

static void
test_restore (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autofree char *third = NULL;

  if (skip_without_daemon ())
    return;

  sign_in_and_quit (f, "wangfang");
  first = tb_test_keyring_lookup (f->ts->base, "wangfang");

  {
    g_autoptr(Client) c = client_resume (f, "wangfang");

    g_assert_cmpstr (tb_sync_engine_get_user_id (c->engine), ==, "u-wangfang");
    g_assert_true (client_sync (c, &error));
    g_assert_no_error (error);
    g_assert_cmpint (tb_sync_engine_get_status (c->engine), ==, TB_SYNC_STATUS_IDLE);

    second = tb_test_keyring_lookup (f->ts->base, "wangfang");
    g_assert_nonnull (second);
    g_assert_cmpstr (second, !=, first);
    g_assert_cmpuint (tb_test_keyring_count (), ==, 1);
    assert_token_not_stored (c, first);
    assert_token_not_stored (c, second);
  }

  /* The resumed session's access token expires at once: the next sync renews the session. */
  tb_server_set_token_ttl (f->ts->server, 1, 3600);
  {
    g_autoptr(Client) c = client_resume (f, "wangfang");

    third = tb_test_keyring_lookup (f->ts->base, "wangfang");
    g_assert_cmpstr (third, !=, second);
    g_free (second);
    second = g_strdup (third);

    /* The next renewal's access token lasts, however slow the machine. */
    tb_server_set_token_ttl (f->ts->server, 600, 3600);
    tb_test_wait (1100);
    g_assert_true (client_sync (c, &error));
    g_assert_no_error (error);
    g_clear_pointer (&third, g_free);
    third = tb_test_keyring_lookup (f->ts->base, "wangfang");
    g_assert_cmpstr (third, !=, second);
    assert_token_not_stored (c, third);
  }

  /* A server that fails meanwhile: the kept token is held for the next try, and whoever
   * shows "signed in" is told of it. */
  {
    g_autoptr(Client) c = client_open (f, "wangfang", NULL);
    TbServerFaults faults = { .error = 1.0, .auth = TRUE, .seed = 1 };
    guint notified = 0;

    g_signal_connect_swapped (c->engine, "notify::signed-in", G_CALLBACK (count_notify),
                              &notified);
    tb_server_set_faults (f->ts->server, &faults);
    g_assert_false (client_restore (c, &error));
    g_assert_nonnull (error);
    g_clear_error (&error);
    tb_server_set_faults (f->ts->server, NULL);
    g_assert_true (tb_sync_engine_get_signed_in (c->engine));
    g_assert_cmpuint (notified, ==, 1);
  }

  {
    g_autoptr(Client) c = client_resume (f, "wangfang");

    g_assert_true (client_sync (c, &error));
    g_assert_no_error (error);
  }
}

/* Each account has its own session: other users, other servers. */
static void
test_accounts (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *elsewhere = NULL;

  if (skip_without_daemon ())
    return;

  sign_in_and_quit (f, "wangfang");
  sign_in_and_quit (f, "chenjing");
  g_assert_cmpuint (tb_test_keyring_count (), ==, 2);

  {
    g_autoptr(Client) chen = client_resume (f, "chenjing");
    g_autoptr(Client) wang = client_resume (f, "wangfang");

    g_assert_cmpstr (tb_sync_engine_get_user_id (chen->engine), ==, "u-chenjing");
    g_assert_cmpstr (tb_sync_engine_get_user_id (wang->engine), ==, "u-wangfang");
  }

  /* The same user on another server has no session there: asked to sign in, not sent this
   * server's token. */
  elsewhere = g_strdup_printf ("%s/other", f->ts->base);
  assert_start_signed_out (f, "wangfang", elsewhere);
  g_assert_cmpuint (tb_test_keyring_count (), ==, 2);
}

/* Signing out removes the session from the keyring; the next start asks for the password. */
static void
test_sign_out (Fixture       *f,
               gconstpointer  data)
{
  if (skip_without_daemon ())
    return;

  {
    g_autoptr(Client) c = client_open (f, "wangfang", NULL);

    client_sign_in (c, "wangfang");
    g_assert_cmpuint (tb_test_keyring_count (), ==, 1);
    client_sign_out (c);
    g_assert_null (tb_test_keyring_lookup (f->ts->base, "wangfang"));
    g_assert_cmpuint (tb_test_keyring_count (), ==, 0);
  }

  assert_start_signed_out (f, "wangfang", NULL);
}

/* A session the server has ended (revoked elsewhere, expired) is asked for again, and its
 * dead token leaves the keyring. */
static void
test_revoked (Fixture       *f,
              gconstpointer  data)
{
  if (skip_without_daemon ())
    return;

  sign_in_and_quit (f, "wangfang");
  g_assert_cmpint (sqlite3_exec (tb_server_get_db (f->ts->server),
                                 "UPDATE sessions SET revoked = 1", NULL, NULL, NULL),
                   ==, SQLITE_OK);

  assert_start_signed_out (f, "wangfang", NULL);
  g_assert_null (tb_test_keyring_lookup (f->ts->base, "wangfang"));
}

/* A locked keyring (no prompter to unlock it, as here) is like no keyring: sign in again.
 * The session stays in it for when it is unlocked. */
static void
test_locked (Fixture       *f,
             gconstpointer  data)
{
  if (skip_without_daemon ())
    return;

  sign_in_and_quit (f, "wangfang");
  tb_test_keyring_lock ();

  {
    g_autoptr(Client) c = client_open (f, "wangfang", NULL);

    /* libsecret asks gnome-keyring to unlock, which cannot prompt: nothing found. */
    assert_restore_signed_out (c);
    /* Signing in works all the same; the session just is not kept, and the log says so. */
    client_sign_in (c, "wangfang");
    assert_log_mentions_keyring (c);
  }
}

/* A keyring that does not answer (busy, or showing a prompt nobody answers) holds up the sync
 * that renews the session for a few seconds at most; the renewed session reaches the keyring
 * once it answers again. */
static void
test_unresponsive (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *first = NULL;
  g_autofree char *renewed = NULL;
  gint64 start;

  if (skip_without_daemon ())
    return;

  {
    g_autoptr(Client) c = client_open (f, "wangfang", NULL);
    gint64 elapsed;

    /* The access token expires at once: the next sync renews the session, and a new refresh
     * token goes to the keyring, which is stopped by then. The renewed access token outlives
     * the engine's wait for the keyring. */
    tb_server_set_token_ttl (f->ts->server, 1, 3600);
    client_sign_in (c, "wangfang");
    first = tb_test_keyring_lookup (f->ts->base, "wangfang");
    g_assert_nonnull (first);
    tb_server_set_token_ttl (f->ts->server, 600, 3600);

    g_subprocess_send_signal (f->keyring, SIGSTOP);
    tb_test_wait (1100);
    start = g_get_monotonic_time ();
    g_assert_true (client_sync (c, &error));
    elapsed = g_get_monotonic_time () - start;
    /* Before any assertion: a failed test must not leave a stopped daemon behind. */
    g_subprocess_send_signal (f->keyring, SIGCONT);
    g_assert_no_error (error);
    g_assert_cmpint (elapsed, >=, 4 * G_USEC_PER_SEC);
    g_assert_cmpint (elapsed, <, 15 * G_USEC_PER_SEC);
    g_assert_cmpint (tb_sync_engine_get_status (c->engine), ==, TB_SYNC_STATUS_IDLE);
  }

  /* The engine is gone; its renewed token still reaches the keyring. */
  start = g_get_monotonic_time ();
  for (;;)
    {
      g_assert_cmpint (g_get_monotonic_time () - start, <, WAIT_SECONDS * G_USEC_PER_SEC);
      tb_test_wait (50);
      g_free (renewed);
      renewed = tb_test_keyring_lookup (f->ts->base, "wangfang");
      if (g_strcmp0 (renewed, first) != 0)
        break;
    }
  g_assert_nonnull (renewed);
  tb_test_client_free (client_resume (f, "wangfang"));
}

/* No Secret Service on the bus: signing in works, the next start asks for the password. */
static void
test_no_service (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (tb_test_bus_name_has_owner (TB_TEST_SECRETS_NAME));
  {
    g_autoptr(Client) c = client_open (f, "wangfang", NULL);

    client_sign_in (c, "wangfang");
    assert_log_mentions_keyring (c);
    g_assert_true (client_sync (c, &error));
    g_assert_no_error (error);
  }

  {
    g_autoptr(Client) c = client_open (f, "wangfang", NULL);

    assert_restore_signed_out (c);
    client_sign_in (c, "wangfang");
    client_sign_out (c);
  }
}

/* No session bus at all (a console login, ssh): the same, in a process of its own since the
 * bus connection is the process's. */
static void
test_no_bus (Fixture       *f,
             gconstpointer  data)
{
  if (!g_test_subprocess ())
    {
      g_test_trap_subprocess (NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
      g_test_trap_assert_passed ();
      return;
    }

  /* Nor the bus a desktop keeps at $XDG_RUNTIME_DIR/bus, nor one dbus-launch would start. */
  g_unsetenv ("DBUS_SESSION_BUS_ADDRESS");
  g_unsetenv ("DISPLAY");
  g_setenv ("XDG_RUNTIME_DIR", f->dir, TRUE);
  {
    g_autoptr(Client) c = client_open (f, "wangfang", NULL);

    client_sign_in (c, "wangfang");
    assert_log_mentions_keyring (c);
  }
  assert_start_signed_out (f, "wangfang", NULL);
}

int
main (int    argc,
      char **argv)
{
  GTestDBus *bus;
  int ret;

  g_setenv ("LANGUAGE", "C", TRUE);
  g_test_init (&argc, &argv, NULL);

  have_daemon = tb_test_keyring_available ();
  /* A bus of the test's own, also for the no-bus test's parent; its child drops it. */
  bus = tb_test_keyring_bus_up ();

#define ADD(path, func, keyring) \
  g_test_add (path, Fixture, GINT_TO_POINTER (keyring), fixture_setup, func, fixture_teardown)

  ADD ("/keyring/sign-in", test_sign_in, LOGIN_KEYRING);
  ADD ("/keyring/restore", test_restore, LOGIN_KEYRING);
  ADD ("/keyring/accounts", test_accounts, LOGIN_KEYRING);
  ADD ("/keyring/sign-out", test_sign_out, LOGIN_KEYRING);
  ADD ("/keyring/revoked", test_revoked, LOGIN_KEYRING);
  ADD ("/keyring/locked", test_locked, LOGIN_KEYRING);
  ADD ("/keyring/unresponsive", test_unresponsive, LOGIN_KEYRING);
  ADD ("/keyring/no-service", test_no_service, NO_KEYRING);
  ADD ("/keyring/no-bus", test_no_bus, NO_KEYRING);

  ret = g_test_run ();

  tb_test_keyring_bus_stop (bus);
  return ret;
}
