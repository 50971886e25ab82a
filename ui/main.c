/* SPDX-License-Identifier: GPL-3.0-or-later */
/* main.c: entry point of the desk: sets up translations and runs the application */

#include "config.h"

#include <locale.h>

#include <glib/gi18n.h>

#include "tb-application.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(TbApplication) application = NULL;
  const char *localedir;

  setlocale (LC_ALL, "");

  /* An uninstalled build and its tests point this at the catalogs meson builds in build/po. */
  localedir = g_getenv ("TB_LOCALEDIR");
  if (localedir == NULL || *localedir == '\0')
    localedir = LOCALEDIR;

  bindtextdomain (GETTEXT_PACKAGE, localedir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  application = tb_application_new ();

  return g_application_run (G_APPLICATION (application), argc, argv);
}
