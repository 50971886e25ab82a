/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-service.c: placeholder, being written */
