/* SPDX-License-Identifier: GPL-3.0-or-later */
/* main.c: tongban-server, the reference central service */

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "tb-server-cli.h"

int
main (int    argc,
      char **argv)
{
  const char *localedir;

  setlocale (LC_ALL, "");

  /* An uninstalled build and its tests point this at the catalogs meson builds in build/po. */
  localedir = g_getenv ("TB_LOCALEDIR");
  if (localedir == NULL || *localedir == '\0')
    localedir = LOCALEDIR;

  bindtextdomain (GETTEXT_PACKAGE, localedir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  return tb_server_main (argc, argv);
}
