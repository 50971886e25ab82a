/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-form-view.h: an application form, read-only or partly editable, with its materials */

#pragma once

#include <adwaita.h>

#include "tb-service.h"

G_BEGIN_DECLS

#define TB_TYPE_FORM_VIEW (tb_form_view_get_type ())

G_DECLARE_FINAL_TYPE (TbFormView, tb_form_view, TB, FORM_VIEW, GtkWidget)

GtkWidget          *tb_form_view_new                 (void);
TbService          *tb_form_view_get_service         (TbFormView         *self);
void                tb_form_view_set_service         (TbFormView         *self,
                                                      TbService          *service);
JsonObject         *tb_form_view_get_values          (TbFormView         *self);
void                tb_form_view_set_values          (TbFormView         *self,
                                                      JsonObject         *values);
const char * const *tb_form_view_get_editable_fields (TbFormView         *self);
void                tb_form_view_set_editable_fields (TbFormView         *self,
                                                      const char * const *field_ids);
JsonObject         *tb_form_view_dup_values          (TbFormView         *self);
gboolean            tb_form_view_get_modified        (TbFormView         *self);
GPtrArray          *tb_form_view_validate            (TbFormView         *self);
gboolean            tb_form_view_get_problems_after_edit (TbFormView     *self);
void                tb_form_view_set_problems_after_edit (TbFormView     *self,
                                                          gboolean        problems_after_edit);
gboolean            tb_form_view_get_can_add_files   (TbFormView         *self);
void                tb_form_view_set_can_add_files   (TbFormView         *self,
                                                      gboolean            can_add_files);
gboolean            tb_form_view_add_file            (TbFormView         *self,
                                                      const char         *field_id,
                                                      JsonObject         *file);

G_END_DECLS
