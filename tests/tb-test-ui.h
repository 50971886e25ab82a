/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-test-ui.h: what widget tests share: languages, waiting on the main loop, finding widgets */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef gboolean (*TbTestCondition) (gpointer data);
typedef gboolean (*TbTestMatch)     (GtkWidget     *widget,
                                     gconstpointer  data);

void        tb_test_ui_init             (int             *argc,
                                         char          ***argv);
void        tb_test_ui_set_language     (const char      *language);
void        tb_test_ui_spin             (guint            ms);
gboolean    tb_test_ui_wait_until       (TbTestCondition  condition,
                                         gpointer         data,
                                         guint            timeout_ms);
GtkWidget  *tb_test_ui_find_widget      (GtkWidget       *root,
                                         GType            type);
void        tb_test_ui_collect          (GtkWidget       *root,
                                         TbTestMatch      match,
                                         gconstpointer    data,
                                         GPtrArray       *found);
GPtrArray  *tb_test_ui_find_all         (GtkWidget       *root,
                                         GType            type);
void        tb_test_ui_assert_controls_labelled (GtkWidget   *root,
                                         TbTestMatch      is_control,
                                         gconstpointer    data);
GtkWidget  *tb_test_ui_find_mapped_label (GtkWidget      *root,
                                         const char      *text);
GtkWindow  *tb_test_ui_find_toplevel    (GType            type);
GtkWindow  *tb_test_ui_find_shown_toplevel (GType         type);
void        tb_test_ui_wait_for_frame   (GtkWidget       *widget);
void        tb_test_ui_save_screenshot  (GtkWidget       *widget,
                                         const char      *name);
void        tb_test_ui_save_node        (GtkWidget       *widget,
                                         GskRenderNode   *node,
                                         int              width,
                                         int              height,
                                         const char      *name);

G_END_DECLS
