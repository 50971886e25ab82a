/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-types.c: placeholder, being written */
