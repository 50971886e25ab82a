/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-store.c: placeholder, being written */
