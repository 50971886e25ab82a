/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-cli.c: placeholder, being written */
