/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-test-app.h: the desk's application in widget tests: made, its windows closed, quit */

#pragma once

#include "tb-application.h"

G_BEGIN_DECLS

TbApplication *tb_test_app_new             (gboolean       use_keyring);
void           tb_test_app_destroy_windows (void);
void           tb_test_app_quit            (TbApplication *application);

G_END_DECLS
