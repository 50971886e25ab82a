/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-json-private.h: the small JSON conversions the store, the desk and the server all need */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

char  *_tb_json_from_strv         (const char * const *strv);
GStrv  _tb_json_to_strv           (const char         *text);
char  *_tb_json_object_to_string  (JsonObject         *object);

typedef void (*TbJsonStringFunc) (const char *value,
                                  gpointer    user_data);

void   _tb_json_foreach_string_member (JsonNode         *node,
                                       const char       *name,
                                       TbJsonStringFunc  func,
                                       gpointer          user_data);

G_END_DECLS
