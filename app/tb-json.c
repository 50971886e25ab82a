/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-json.c: the small JSON conversions the store, the desk and the server all need */

#include "config.h"

#include <string.h>

#include "tb-json-private.h"

/* A string vector as a JSON array text: roles, teams, countersigning parties. */
char *
_tb_json_from_strv (const char * const *strv)
{
  g_autoptr(JsonArray) array = NULL;
  g_autoptr(JsonNode) node = NULL;

  /* The common case (no countersigning party): every case of a pull page comes through here,
   * and a generator costs five thousand instructions to write it. */
  if (strv == NULL || strv[0] == NULL)
    return g_strdup ("[]");

  array = json_array_new ();
  for (guint i = 0; strv[i] != NULL; i++)
    json_array_add_string_element (array, strv[i]);
  node = json_node_init_array (json_node_alloc (), array);
  return json_to_string (node, FALSE);
}

/* A JSON array text as a string vector; other elements, or text that is no array, give none. */
GStrv
_tb_json_to_strv (const char *text)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr(JsonNode) node = NULL;

  if (text != NULL && strcmp (text, "[]") != 0 && (node = json_from_string (text, NULL)) != NULL
      && JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *element = json_array_get_element (array, i);

          if (JSON_NODE_HOLDS_VALUE (element)
              && json_node_get_value_type (element) == G_TYPE_STRING)
            g_strv_builder_add (builder, json_node_get_string (element));
        }
    }

  return g_strv_builder_end (builder);
}

char *
_tb_json_object_to_string (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), object);

  return json_to_string (node, FALSE);
}

/*
 * Calls @func with the value of each string member called @name in @node, at any depth, in the
 * order of the text: the "sha256" of every file a form attaches, wherever its field is.
 */
void
_tb_json_foreach_string_member (JsonNode         *node,
                                const char       *name,
                                TbJsonStringFunc  func,
                                gpointer          user_data)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObjectIter iter;
      const char *member_name;
      JsonNode *member;

      json_object_iter_init (&iter, json_node_get_object (node));
      while (json_object_iter_next (&iter, &member_name, &member))
        {
          if (strcmp (member_name, name) == 0 && JSON_NODE_HOLDS_VALUE (member)
              && json_node_get_value_type (member) == G_TYPE_STRING)
            func (json_node_get_string (member), user_data);
          else
            _tb_json_foreach_string_member (member, name, func, user_data);
        }
    }
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        _tb_json_foreach_string_member (json_array_get_element (array, i), name, func,
                                        user_data);
    }
}
