/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-request.h: strict reading of JSON request bodies */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Bounds of docs/protocol.md. */
#define TB_REQUEST_MAX_BODY   (1024 * 1024)
#define TB_REQUEST_MAX_STRING 10000
#define TB_REQUEST_MAX_ID     64
#define TB_REQUEST_MAX_SAFE_INT G_GINT64_CONSTANT (9007199254740991)  /* 2^53 - 1 */

JsonObject *tb_request_parse_object  (const char         *data,
                                      gsize               length,
                                      GError            **error);
gboolean    tb_request_check_members (JsonObject         *object,
                                      const char         *pointer,
                                      const char * const *allowed,
                                      GError            **error);
gboolean    tb_request_get_string    (JsonObject         *object,
                                      const char         *pointer,
                                      const char         *member,
                                      gboolean            required,
                                      gsize               max_length,
                                      const char        **out,
                                      GError            **error);
gboolean    tb_request_get_int       (JsonObject         *object,
                                      const char         *pointer,
                                      const char         *member,
                                      gboolean            required,
                                      gint64              min,
                                      gint64              max,
                                      gint64             *out,
                                      GError            **error);
gboolean    tb_request_get_object    (JsonObject         *object,
                                      const char         *pointer,
                                      const char         *member,
                                      gboolean            required,
                                      JsonObject        **out,
                                      GError            **error);
gboolean    tb_request_get_array     (JsonObject         *object,
                                      const char         *pointer,
                                      const char         *member,
                                      gboolean            required,
                                      guint               max_length,
                                      JsonArray         **out,
                                      GError            **error);

G_END_DECLS
