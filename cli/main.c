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
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  return tb_cli_main (argc, argv);
}
