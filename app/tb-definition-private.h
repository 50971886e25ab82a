/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-definition-private.h: reading service and workflow definitions, shared by both parsers */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Fills a new, empty definition object from @object; returns %FALSE with @error set. */
typedef gboolean (*TbDefinitionParseFunc) (gpointer     self,
                                           JsonObject  *object,
                                           GError     **error);

/* What the shared reader needs to know about one kind of definition (service, workflow). */
typedef struct
{
  GType                  (*get_type) (void);
  TbDefinitionParseFunc  parse;
  /* The instance's "char *definition": the text kept for saving in the store. */
  gsize                  definition_offset;
  /* N_("Invalid … definition: "), put before every error message. */
  const char            *invalid;
} TbDefinitionKind;

gpointer    _tb_definition_new_from_object   (const TbDefinitionKind *kind,
                                              JsonObject             *object,
                                              GError                **error);
gpointer    _tb_definition_new_from_json     (const TbDefinitionKind *kind,
                                              const char             *json,
                                              GError                **error);

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
