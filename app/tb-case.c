/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-case.c: placeholder, being written */
