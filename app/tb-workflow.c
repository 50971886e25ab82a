/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-workflow.c: placeholder, being written */
