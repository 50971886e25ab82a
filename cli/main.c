/* SPDX-License-Identifier: GPL-3.0-or-later */
/* main.c: tongban-cli, the command-line tool over libtongban */

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "tb-cli.h"

int
main (int    argc,
      char **argv)
{
  const char *localedir = g_getenv ("TB_LOCALEDIR");

  /* TB_LOCALEDIR: the translations of an uninstalled build (build/po), as for the app. */
  setlocale (LC_ALL, "");
  /* Case data is Chinese: under a plain C locale, take arguments and output as UTF-8 rather
   * than refuse every name on the command line. */
  if (!g_get_charset (NULL))
    setlocale (LC_CTYPE, "C.UTF-8");
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  return tb_cli_main (argc, argv);
}
