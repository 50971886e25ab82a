/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-definition.c: reading service and workflow definitions, shared by both parsers */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "tb-definition-private.h"
#include "tb-service.h"

/*
 * Service and workflow definitions come from the server as JSON; both parsers refuse a malformed
 * one with a TB_SERVICE_ERROR_INVALID that says where ("business-licence / fields / …").
 */

/* An identifier: letters, digits, "_", "-" and "." only. */
gboolean
_tb_definition_is_valid_id (const char *id)
{
  if (id == NULL || *id == '\0')
    return FALSE;

  for (const char *p = id; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '_' && *p != '-' && *p != '.')
      return FALSE;

  return TRUE;
}

/* An optional boolean member: @default_value when absent, an error when of another type. */
gboolean
_tb_definition_get_boolean (JsonObject  *object,
                            const char  *member,
                            gboolean     default_value,
                            const char  *where,
                            gboolean    *out,
                            GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);

  *out = default_value;

  if (node == NULL)
    return TRUE;

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    {
      g_set_error (error, TB_SERVICE_ERROR, TB_SERVICE_ERROR_INVALID,
                   _("%s: “%s” must be true or false"), where, member);
      return FALSE;
    }

  *out = json_node_get_boolean (node);
  return TRUE;
}

/* Element @index of @array (the member @member), which must be an object. */
JsonObject *
_tb_definition_get_element_object (JsonArray   *array,
                                   guint        index,
                                   const char  *where,
                                   const char  *member,
                                   GError     **error)
{
  JsonNode *node = json_array_get_element (array, index);

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, TB_SERVICE_ERROR, TB_SERVICE_ERROR_INVALID,
                   _("%s: element %u of “%s” must be an object"), where, index + 1, member);
      return NULL;
    }

  return json_node_get_object (node);
}

/* The definition object @kind makes, parsed from @object and keeping it as compact JSON. */
gpointer
_tb_definition_new_from_object (const TbDefinitionKind  *kind,
                                JsonObject              *object,
                                GError                 **error)
{
  g_autoptr(GObject) self = g_object_new (kind->get_type (), NULL);
  g_autoptr(JsonNode) node = NULL;

  if (!kind->parse (self, object, error))
    {
      g_prefix_error (error, "%s", _(kind->invalid));
      return NULL;
    }

  node = json_node_init_object (json_node_alloc (), object);
  G_STRUCT_MEMBER (char *, self, kind->definition_offset) = json_to_string (node, FALSE);

  return g_steal_pointer (&self);
}

/* The definition object @kind makes, parsed from the JSON text @json. */
gpointer
_tb_definition_new_from_json (const TbDefinitionKind  *kind,
                              const char              *json,
                              GError                 **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) local_error = NULL;
  gpointer self;
  char **definition;
  JsonNode *root;

  if (!json_parser_load_from_data (parser, json, -1, &local_error))
    {
      g_set_error (error, TB_SERVICE_ERROR, TB_SERVICE_ERROR_PARSE,
                   "%s%s", _(kind->invalid), local_error->message);
      return NULL;
    }

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, TB_SERVICE_ERROR, TB_SERVICE_ERROR_INVALID,
                   "%s%s", _(kind->invalid), _("expected a JSON object"));
      return NULL;
    }

  if (!(self = _tb_definition_new_from_object (kind, json_node_get_object (root), error)))
    return NULL;

  /* Keep the text as given, so that what the store saves is what the server sent. */
  definition = &G_STRUCT_MEMBER (char *, self, kind->definition_offset);
  g_free (*definition);
  *definition = g_strdup (json);

  return self;
}
