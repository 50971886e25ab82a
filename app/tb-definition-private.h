/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-definition-private.h: reading service and workflow definitions, shared by both parsers */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

gboolean    _tb_definition_is_valid_id       (const char  *id);
gboolean    _tb_definition_get_boolean       (JsonObject  *object,
                                              const char  *member,
                                              gboolean     default_value,
                                              const char  *where,
                                              gboolean    *out,
                                              GError     **error);
JsonObject *_tb_definition_get_element_object (JsonArray  *array,
                                              guint        index,
                                              const char  *where,
                                              const char  *member,
                                              GError     **error);

G_END_DECLS
