/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-demo-files-private.h: the documents of the demo cases, made the same on every machine */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

GBytes *_tb_demo_files_make_pdf  (const char *title,
                                  guint       variant);
GBytes *_tb_demo_files_make_scan (const char *title,
                                  guint       variant);

G_END_DECLS
