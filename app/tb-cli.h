/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-cli.h: the commands of tongban-cli */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

int tb_cli_main (int    argc,
                 char **argv);

G_END_DECLS
