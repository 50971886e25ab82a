/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-fts.c: placeholder, being written */
