/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-cli.c: the commands of tongban-cli */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <locale.h>
#include <stdio.h>

#include "tb-case-list.h"
#include "tb-case-service.h"
#include "tb-cli.h"
#include "tb-demo.h"
#include "tb-store.h"
#include "tb-store-sync.h"
#include "tb-sync-engine.h"
#include "tb-wire.h"

typedef struct
{
  const char *name;
  const char *summary;
  int       (*run) (int argc, char **argv);
} Command;

static int
usage_error (GOptionContext *context,
             const char     *message)
{
  g_printerr ("%s\n\n", message);
  g_autofree char *help = g_option_context_get_help (context, TRUE, NULL);
  g_printerr ("%s", help);
  return 2;
}

/* A command that could not do its work: why, and the exit status for it. */
static int
failure (const GError *error)
{
  g_printerr ("%s\n", error->message);
  return 1;
}

static int
cmd_demo_seed (int    argc,
               char **argv)
{
  g_autofree char *db = NULL;
  g_autofree char *today_iso = NULL;
  int n_cases = 1000;
  gint64 seed = 1;
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(TbStore) store = NULL;
  g_autoptr(GError) error = NULL;
  TbDay today;
  gint64 before;
  gint64 count;
  const GOptionEntry entries[] = {
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &db, N_("The store to fill (created if missing)"),
      N_("FILE") },
    { "cases", 0, 0, G_OPTION_ARG_INT, &n_cases, N_("How many cases to generate"), "N" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, N_("Seed: the same seed gives the same data"),
      "S" },
    { "today", 0, 0, G_OPTION_ARG_STRING, &today_iso,
      N_("The day the data is generated for (default: today)"), N_("YYYY-MM-DD") },
    { NULL }
  };

  context = g_option_context_new (NULL);
  g_option_context_set_summary (context, _("Fill a store with deterministic demo data."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return usage_error (context, error->message);
  if (db == NULL)
    return usage_error (context, _("--db is required."));
  if (n_cases < 0)
    return usage_error (context, _("--cases must not be negative."));

  if (today_iso != NULL)
    {
      today = tb_day_from_iso (today_iso);
      if (today == TB_DAY_INVALID)
        return usage_error (context, _("--today must be a date such as 2026-11-27."));
    }
  else
    today = tb_day_today ();

  store = tb_store_open (db, &error);
  if (store == NULL)
    return failure (error);

  before = g_get_monotonic_time ();
  if (!tb_demo_seed_store (store, n_cases, (guint64) seed, today, &error))
    {
      g_printerr (_("Could not create the demo data: %s\n"), error->message);
      return 1;
    }

  count = tb_store_count_cases (store, NULL);
  g_print (_("%s now holds %lld cases (%.1f s).\n"),
           db, (long long) count, (g_get_monotonic_time () - before) / 1e6);
  return 0;
}

static int
cmd_search (int    argc,
            char **argv)
{
  g_autofree char *db = NULL;
  int limit = 20;
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(TbStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) ids = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  const GOptionEntry entries[] = {
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &db, N_("The store to search"), N_("FILE") },
    { "limit", 0, 0, G_OPTION_ARG_INT, &limit, N_("At most this many results"), "N" },
    { NULL }
  };

  context = g_option_context_new (_("TEXT…"));
  g_option_context_set_summary (context,
                                _("Search cases by reference, applicant, company or form text."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return usage_error (context, error->message);
  if (db == NULL)
    return usage_error (context, _("--db is required."));
  if (argc < 2)
    return usage_error (context, _("Say what to search for."));

  for (int i = 1; i < argc; i++)
    g_string_append_printf (text, "%s%s", i > 1 ? " " : "", argv[i]);

  store = tb_store_open (db, &error);
  if (store == NULL)
    return failure (error);

  ids = tb_store_search_case_ids (store, text->str, MAX (limit, 0), &error);
  if (ids == NULL)
    return failure (error);

  for (guint i = 0; i < ids->len; i++)
    {
      g_autoptr(TbCase) c = tb_store_get_case (store, g_ptr_array_index (ids, i), NULL);
      g_autofree char *deadline = NULL;

      if (c == NULL)
        continue;
      deadline = tb_case_get_deadline (c) != TB_DAY_INVALID
        ? tb_day_to_iso (tb_case_get_deadline (c)) : g_strdup ("-");
      g_print ("%s\t%s\t%s\t%s\t%s\n", tb_case_get_ref (c), tb_case_get_display_name (c),
               tb_case_get_service_id (c), tb_case_get_state (c), deadline);
    }

  return 0;
}

static int
cmd_act (int    argc,
         char **argv)
{
  g_autofree char *db = NULL;
  g_autofree char *ref = NULL;
  g_autofree char *action = NULL;
  g_autofree char *comment = NULL;
  g_autofree char *reason = NULL;
  g_autofree char *party = NULL;
  g_autofree char *user = NULL;
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(TbStore) store = NULL;
  g_autoptr(TbCase) c = NULL;
  g_autoptr(TbCaseService) service = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) teams = NULL;
  TbRole roles = TB_ROLE_NONE;
  gboolean ok;
  const GOptionEntry entries[] = {
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &db, N_("The store"), N_("FILE") },
    { "case", 0, 0, G_OPTION_ARG_STRING, &ref, N_("The case's reference number"), N_("REF") },
    { "action", 0, 0, G_OPTION_ARG_STRING, &action,
      N_("A workflow action (approve, reject, return, …) or “comment”"), N_("ACTION") },
    { "comment", 0, 0, G_OPTION_ARG_STRING, &comment, N_("A comment"), N_("TEXT") },
    { "reason", 0, 0, G_OPTION_ARG_STRING, &reason, N_("The reason, where the action needs one"),
      N_("TEXT") },
    { "party", 0, 0, G_OPTION_ARG_STRING, &party, N_("The countersigning party"), N_("PARTY") },
    { "user", 0, 0, G_OPTION_ARG_STRING, &user,
      N_("Who acts (default: the store's signed-in user)"), N_("ID") },
    { NULL }
  };

  context = g_option_context_new (NULL);
  g_option_context_set_summary (context, _("Queue an action on a case, offline; the next sync "
                                           "sends it."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return usage_error (context, error->message);
  if (db == NULL || ref == NULL || action == NULL)
    return usage_error (context, _("--db, --case and --action are required."));

  store = tb_store_open (db, &error);
  if (store == NULL)
    return failure (error);

  if (user == NULL)
    user = tb_store_dup_meta (store, "user-id");
  if (user == NULL)
    return usage_error (context, _("This store has no signed-in user: say who acts with --user."));
  if (!tb_store_get_user_access (store, user, &roles, &teams, &error)
      || !(c = tb_store_find_case_by_ref (store, ref, &error)))
    return failure (error);

  service = tb_case_service_new (store, user, roles, (const char * const *) teams);
  if (g_str_equal (action, "comment"))
    ok = tb_case_service_comment (service, tb_case_get_id (c), comment != NULL ? comment : "",
                                  &error);
  else
    ok = tb_case_service_decide (service, tb_case_get_id (c), action, party, reason, comment,
                                 &error);
  if (!ok)
    {
      g_printerr (_("Could not %s case %s: %s\n"), action, ref, error->message);
      return 1;
    }

  g_print (_("Queued: %s on case %s. It will be sent at the next sync.\n"), action, ref);
  return 0;
}

typedef struct
{
  GMainLoop     *loop;
  GAsyncResult  *result;
} Wait;

static void
wait_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Wait *w = user_data;

  w->result = g_object_ref (result);
  g_main_loop_quit (w->loop);
}

static GAsyncResult *
wait_for (Wait *w)
{
  g_main_loop_run (w->loop);
  return w->result;
}

static char *
read_password (const char  *path,
               GError     **error)
{
  g_autofree char *text = NULL;
  gsize len = 0;

  if (!g_file_get_contents (path, &text, &len, error))
    return NULL;
  /* A password file ends with a newline, which is not part of the password. */
  while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
    text[--len] = '\0';
  return g_steal_pointer (&text);
}

static int
cmd_sync (int    argc,
          char **argv)
{
  g_autofree char *db = NULL;
  g_autofree char *server = NULL;
  g_autofree char *user = NULL;
  g_autofree char *password_file = NULL;
  g_autofree char *password = NULL;
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(TbStore) store = NULL;
  g_autoptr(TbSyncEngine) engine = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(GError) error = NULL;
  TbSyncSummary summary = { 0 };
  Wait w = { 0 };
  int retries = 0;
  gboolean ok;
  const GOptionEntry entries[] = {
    { "server", 0, 0, G_OPTION_ARG_STRING, &server, N_("The server’s address"), N_("URL") },
    { "user", 0, 0, G_OPTION_ARG_STRING, &user, N_("The user name"), N_("LOGIN") },
    { "password-file", 0, 0, G_OPTION_ARG_FILENAME, &password_file,
      N_("A file holding the password"), N_("FILE") },
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &db, N_("The store (created if missing)"), N_("FILE") },
    { "retries", 0, 0, G_OPTION_ARG_INT, &retries,
      N_("Try again this many times when the server is unreachable or busy (default: 0)"),
      "N" },
    { NULL }
  };

  context = g_option_context_new (NULL);
  g_option_context_set_summary (context, _("Sign in, send the changes queued in a store and "
                                           "receive the server’s, once."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return usage_error (context, error->message);
  if (db == NULL || server == NULL || user == NULL || password_file == NULL)
    return usage_error (context, _("--server, --user, --password-file and --db are required."));
  if (retries < 0)
    return usage_error (context, _("--retries must not be negative."));

  password = read_password (password_file, &error);
  if (password == NULL)
    {
      g_printerr (_("Cannot read the password file: %s\n"), error->message);
      return 1;
    }

  store = tb_store_open (db, &error);
  if (store == NULL)
    return failure (error);

  engine = tb_sync_engine_new (store, server);
  tb_sync_engine_set_use_keyring (engine, FALSE);
  loop = g_main_loop_new (NULL, FALSE);
  w.loop = loop;

  for (int attempt = 0;; attempt++)
    {
      g_clear_error (&error);
      g_clear_object (&w.result);
      if (!tb_sync_engine_get_signed_in (engine))
        {
          tb_sync_engine_sign_in_async (engine, user, password, NULL, wait_cb, &w);
          ok = tb_sync_engine_sign_in_finish (engine, wait_for (&w), &error);
          g_clear_object (&w.result);
        }
      else
        ok = TRUE;
      if (ok)
        {
          tb_sync_engine_sync_async (engine, NULL, wait_cb, &w);
          ok = tb_sync_engine_sync_finish (engine, wait_for (&w), &summary, &error);
          g_clear_object (&w.result);
        }
      if (ok)
        break;
      if (attempt >= retries
          || !(g_error_matches (error, TB_SYNC_ERROR, TB_SYNC_ERROR_OFFLINE)
               || g_error_matches (error, TB_SYNC_ERROR, TB_SYNC_ERROR_UNAVAILABLE)
               || g_error_matches (error, TB_SYNC_ERROR, TB_SYNC_ERROR_PROTOCOL)))
        {
          g_printerr (_("Sync failed: %s\n"), error->message);
          return 1;
        }
      g_printerr (_("Sync failed, trying again: %s\n"), error->message);
      g_usleep (MIN (tb_sync_engine_next_delay (engine), 5) * G_USEC_PER_SEC);
    }

  g_print (_("Sent %u changes: %u applied, %u rejected, %u in conflict.\n"),
           summary.sent, summary.applied, summary.rejected, summary.conflicts);
  g_print (_("Received %u changes in %u pages: %u cases, %u removed.\n"),
           summary.changes, summary.pages, summary.cases, summary.removed);
  {
    g_autofree char *unsent = g_strdup_printf ("%" G_GINT64_FORMAT, summary.unsent);
    g_print (_("Changes still unsent: %s.\n"), unsent);
  }
  return 0;
}

static int
cmd_sync_log (int    argc,
              char **argv)
{
  g_autofree char *db = NULL;
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(TbStore) store = NULL;
  g_autoptr(GPtrArray) log = NULL;
  g_autoptr(GError) error = NULL;
  int limit = 100;
  const GOptionEntry entries[] = {
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &db, N_("The store"), N_("FILE") },
    { "limit", 0, 0, G_OPTION_ARG_INT, &limit, N_("At most this many entries (default: 100)"),
      "N" },
    { NULL }
  };

  context = g_option_context_new (NULL);
  g_option_context_set_summary (context, _("Print the sync log of a store, oldest first, for "
                                           "support."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return usage_error (context, error->message);
  if (db == NULL)
    return usage_error (context, _("--db is required."));
  if (limit <= 0)
    return usage_error (context, _("--limit must be positive."));

  store = tb_store_open (db, &error);
  if (store == NULL || (log = tb_store_list_sync_log (store, limit, &error)) == NULL)
    return failure (error);

  for (guint i = log->len; i > 0; i--)
    {
      TbSyncLogEntry *entry = g_ptr_array_index (log, i - 1);
      g_autofree char *at = tb_wire_format_time (entry->at);

      g_print ("%s\t%s\t%s\n", at, entry->level, entry->message);
    }
  return 0;
}

static const Command commands[] = {
  { "demo-seed", N_("Fill a store with deterministic demo data"), cmd_demo_seed },
  { "search", N_("Search the cases of a store"), cmd_search },
  { "act", N_("Queue an action on a case, offline"), cmd_act },
  { "sync", N_("Send queued changes and receive the server’s, once"), cmd_sync },
  { "sync-log", N_("Print the sync log of a store, for support"), cmd_sync_log },
};

static void
print_usage (FILE *out)
{
  fprintf (out, "%s\n\n", _("Usage: tongban-cli COMMAND [OPTION…]"));
  fprintf (out, "%s\n", _("Commands:"));
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-12s %s\n", commands[i].name, _(commands[i].summary));
  fprintf (out, "\n%s\n", _("Run “tongban-cli COMMAND --help” for the options of a command."));
}

/**
 * tb_cli_main:
 * @argc: argument count
 * @argv: arguments, the command first
 *
 * Runs one command of tongban-cli.
 *
 * Returns: the process exit status: 0 on success, 1 on failure, 2 on a usage error
 */
int
tb_cli_main (int    argc,
             char **argv)
{
  g_return_val_if_fail (argc >= 1, 2);

  if (argc < 2 || g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h")
      || g_str_equal (argv[1], "help"))
    {
      print_usage (argc < 2 ? stderr : stdout);
      return argc < 2 ? 2 : 0;
    }

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (argv[1], commands[i].name))
      {
        g_autofree char *prgname = g_strdup_printf ("tongban-cli %s", commands[i].name);
        g_set_prgname (prgname);
        return commands[i].run (argc - 1, argv + 1);
      }

  g_printerr (_("Unknown command “%s”.\n\n"), argv[1]);
  print_usage (stderr);
  return 2;
}
