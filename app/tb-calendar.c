/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-calendar.c: placeholder, being written */
