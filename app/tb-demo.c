/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-demo.c: placeholder, being written */
