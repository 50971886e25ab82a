/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-server-cli.h: the command line of tongban-server */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

int tb_server_main (int    argc,
                    char **argv);

G_END_DECLS
