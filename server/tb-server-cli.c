/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-server-cli.c: the command line of tongban-server */

#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n-lib.h>
#include <signal.h>
#include <stdio.h>

#include "tb-calendar.h"
#include "tb-demo.h"
#include "tb-server.h"
#include "tb-server-auth.h"
#include "tb-server-cli.h"
#include "tb-server-sync.h"

typedef struct
{
  char     *listen;
  char     *db;
  char     *tls_cert;
  char     *tls_key;
  gboolean  demo;
  int       demo_cases;
  gint64    demo_seed;
  char     *today;
  char     *faults;
  gint64    token_ttl;
  gint64    refresh_ttl;
  int       max_attachment_mib;
} Options;

static void
options_clear (Options *options)
{
  g_free (options->listen);
  g_free (options->db);
  g_free (options->tls_cert);
  g_free (options->tls_key);
  g_free (options->today);
  g_free (options->faults);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Options, options_clear)

static int
usage_error (GOptionContext *context,
             const char     *message)
{
  g_autofree char *help = g_option_context_get_help (context, TRUE, NULL);

  g_printerr ("%s\n\n%s", message, help);
  return 2;
}

static gboolean
on_signal (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_CONTINUE;
}

static gboolean
count_users (sqlite3  *db,
             gint64   *count)
{
  sqlite3_stmt *stmt = NULL;
  gboolean ok = FALSE;

  if (sqlite3_prepare_v2 (db, "SELECT count(*) FROM users", -1, &stmt, NULL) == SQLITE_OK
      && sqlite3_step (stmt) == SQLITE_ROW)
    {
      *count = sqlite3_column_int64 (stmt, 0);
      ok = TRUE;
    }
  sqlite3_finalize (stmt);
  return ok;
}

static void
print_demo_accounts (void)
{
  guint n_users = 0;
  const TbDemoUser *users = tb_demo_get_users (&n_users);

  g_print (_("Demo accounts, all with the password “%s”:\n"), TB_SERVER_DEMO_PASSWORD);
  for (guint i = 0; i < n_users; i++)
    {
      g_autoptr(GString) roles = g_string_new (NULL);

      for (guint bit = 0; bit < 16; bit++)
        if ((users[i].roles & (1u << bit)) != 0 && tb_role_to_string (1u << bit) != NULL)
          g_string_append_printf (roles, "%s%s", roles->len > 0 ? "," : "",
                                  tb_role_to_string (1u << bit));
      g_print ("  %-12s %-12s %s\n", users[i].login, roles->str, users[i].display_name);
    }
}

static gboolean
seed_demo (TbServer       *server,
           const Options  *options,
           TbDay           today,
           GError        **error)
{
  sqlite3 *db = tb_server_get_db (server);
  gint64 n_users = 0;

  if (!count_users (db, &n_users))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s", sqlite3_errmsg (db));
      return FALSE;
    }

  if (n_users > 0)
    {
      g_printerr (_("The database already has users: no demo data added.\n"));
      return TRUE;
    }

  if (!tb_server_auth_seed_demo (db, TB_SERVER_DEMO_PASSWORD, error))
    return FALSE;

  if (!tb_server_sync_seed_demo (db, options->demo_cases, options->demo_seed, today, error))
    return FALSE;

  return TRUE;
}

static char *
default_db_path (gboolean demo)
{
  return g_build_filename (g_get_user_data_dir (), "tongban",
                           demo ? "server-demo.db" : "server.db", NULL);
}

/**
 * tb_server_main:
 * @argc: argument count
 * @argv: arguments
 *
 * Runs tongban-server until SIGINT or SIGTERM.
 *
 * Returns: the process exit status: 0 after a clean stop, 1 on failure, 2 on a usage error
 */
int
tb_server_main (int    argc,
                char **argv)
{
  g_auto(Options) options = { 0 };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(TbServer) server = NULL;
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autofree char *uri = NULL;
  TbServerFaults faults;
  TbDay today = TB_DAY_INVALID;
  guint sigint_id;
  guint sigterm_id;
  const GOptionEntry entries[] = {
    { "listen", 0, 0, G_OPTION_ARG_STRING, &options.listen,
      N_("Address to listen on (default: 127.0.0.1:8470; port 0: any free port)"),
      N_("HOST:PORT") },
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &options.db,
      N_("The server database (default: in the user data folder)"), N_("FILE") },
    { "tls-cert", 0, 0, G_OPTION_ARG_FILENAME, &options.tls_cert,
      N_("Serve HTTPS with this PEM certificate"), N_("FILE") },
    { "tls-key", 0, 0, G_OPTION_ARG_FILENAME, &options.tls_key,
      N_("The PEM private key of the certificate"), N_("FILE") },
    { "demo", 0, 0, G_OPTION_ARG_NONE, &options.demo,
      N_("Fill an empty database with demo teams, users and cases, and print the accounts"),
      NULL },
    { "demo-cases", 0, 0, G_OPTION_ARG_INT, &options.demo_cases,
      N_("How many demo cases to create (default: 1000)"), "N" },
    { "demo-seed", 0, 0, G_OPTION_ARG_INT64, &options.demo_seed,
      N_("Seed of the demo data: the same seed gives the same data (default: 1)"), "S" },
    { "today", 0, 0, G_OPTION_ARG_STRING, &options.today,
      N_("The day the demo data is generated for (default: today)"), N_("YYYY-MM-DD") },
    { "faults", 0, 0, G_OPTION_ARG_STRING, &options.faults,
      N_("Inject faults, for testing clients: drop=P,after=P,error=P,truncate=P,duplicate=P,"
         "delay=MS,seed=N,auth=1"), N_("SPEC") },
    { "token-ttl", 0, 0, G_OPTION_ARG_INT64, &options.token_ttl,
      N_("Seconds an access token is valid (default: 900)"), N_("SECONDS") },
    { "refresh-ttl", 0, 0, G_OPTION_ARG_INT64, &options.refresh_ttl,
      N_("Seconds a refresh token is valid (default: 30 days)"), N_("SECONDS") },
    { "max-attachment-mib", 0, 0, G_OPTION_ARG_INT, &options.max_attachment_mib,
      N_("The largest attachment taken, in MiB (default: 25)"), "MIB" },
    { NULL }
  };

  options.demo_cases = 1000;
  options.demo_seed = 1;
  options.token_ttl = TB_SERVER_DEFAULT_ACCESS_TTL;
  options.refresh_ttl = TB_SERVER_DEFAULT_REFRESH_TTL;
  options.max_attachment_mib = TB_SERVER_DEFAULT_MAX_ATTACHMENT / (1024 * 1024);

  context = g_option_context_new (NULL);
  g_option_context_set_summary (context,
                                _("Run the Tongban reference server: the REST service the desk "
                                  "syncs with."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return usage_error (context, error->message);
  if (argc > 1)
    return usage_error (context, _("Unexpected arguments."));
  if ((options.tls_cert == NULL) != (options.tls_key == NULL))
    return usage_error (context, _("--tls-cert and --tls-key go together."));
  if (options.demo_cases < 0)
    return usage_error (context, _("--demo-cases must not be negative."));
  if (options.token_ttl <= 0 || options.token_ttl > G_MAXINT32
      || options.refresh_ttl <= 0 || options.refresh_ttl > G_MAXINT32)
    return usage_error (context, _("--token-ttl and --refresh-ttl must be positive."));
  if (options.max_attachment_mib < 1
      || options.max_attachment_mib > TB_SERVER_MAX_ATTACHMENT_LIMIT / (1024 * 1024))
    {
      g_autofree char *message =
        g_strdup_printf (_("--max-attachment-mib must be between 1 and %d."),
                         TB_SERVER_MAX_ATTACHMENT_LIMIT / (1024 * 1024));

      return usage_error (context, message);
    }
  if (options.today != NULL)
    {
      today = tb_day_from_iso (options.today);
      if (today == TB_DAY_INVALID)
        return usage_error (context, _("--today must be a date such as 2026-11-27."));
    }
  else
    today = tb_day_today ();
  if (options.faults != NULL && !tb_server_faults_parse (options.faults, &faults, &error))
    return usage_error (context, error->message);

  if (options.db == NULL)
    options.db = default_db_path (options.demo);

  server = tb_server_new (options.db, &error);
  if (server == NULL)
    {
      g_printerr (_("Could not open the server database %s: %s\n"), options.db, error->message);
      return 1;
    }
  tb_server_set_token_ttl (server, options.token_ttl, options.refresh_ttl);
  tb_server_set_max_attachment_size (server, (gsize) options.max_attachment_mib * 1024 * 1024);

  /* Deadlines and decisions count from the day the demo data was made for. */
  if (options.today != NULL)
    tb_server_sync_set_today (today);

  if (options.demo)
    {
      if (!seed_demo (server, &options, today, &error))
        {
          g_printerr (_("Could not create the demo data: %s\n"), error->message);
          return 1;
        }
      print_demo_accounts ();
    }
  else if (!tb_server_sync_seed_reference (tb_server_get_db (server), &error))
    {
      /* The bundled catalogue and calendars are what desks pull as reference data. */
      g_printerr (_("Could not store the reference data: %s\n"), error->message);
      return 1;
    }

  if (options.faults != NULL)
    {
      tb_server_set_faults (server, &faults);
      g_printerr (_("Injecting faults: %s\n"), options.faults);
    }

  if (options.tls_cert != NULL)
    {
      certificate = g_tls_certificate_new_from_files (options.tls_cert, options.tls_key, &error);
      if (certificate == NULL)
        {
          g_printerr (_("Could not read the TLS certificate: %s\n"), error->message);
          return 1;
        }
    }

  if (!tb_server_listen (server, options.listen != NULL ? options.listen : "127.0.0.1:8470",
                         certificate, &error))
    {
      g_printerr (_("Could not listen: %s\n"), error->message);
      return 1;
    }

  /* Not translated: scripts and tests read this line to learn the port. */
  uri = tb_server_get_base_uri (server);
  g_print ("Listening on %s\n", uri);
  fflush (stdout);

  loop = g_main_loop_new (NULL, FALSE);
  sigint_id = g_unix_signal_add (SIGINT, on_signal, loop);
  sigterm_id = g_unix_signal_add (SIGTERM, on_signal, loop);
  g_main_loop_run (loop);
  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);

  tb_server_disconnect (server);
  g_printerr (_("Stopped.\n"));
  return 0;
}
