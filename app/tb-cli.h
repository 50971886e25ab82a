/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once
int tb_cli_main (int argc, char **argv);
