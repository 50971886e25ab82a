/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-case-list.c: placeholder, being written */
