/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-toasts.h: showing and dismissing toasts at a pace libadwaita 1.2's overlay survives */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

void tb_toasts_add     (AdwToastOverlay *overlay,
                        AdwToast        *toast);
void tb_toasts_track   (AdwToast        *toast);
void tb_toasts_dismiss (AdwToast        *toast);

G_END_DECLS
