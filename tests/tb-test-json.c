/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-test-json.c: damaged copies of JSON documents, for tests of the parsers */

#include "config.h"

#include "tb-test-json.h"

/* The kinds of damage: 0 removes the node, the others replace it by a value of another type. */
#define N_KINDS 5

/* (json_node_init_*() on a value node is not safe in json-glib 1.6, so replacements are new
 * nodes.) */
static JsonNode *
replacement (guint kind)
{
  JsonNode *node = json_node_alloc ();

  switch (kind)
    {
    case 1:
      return json_node_init_int (node, 42);
    case 2:
      return json_node_init_string (node, "x y");
    case 3:
      return json_node_init_null (node);
    default:
      {
        g_autoptr(JsonArray) array = json_array_new ();
        return json_node_init_array (node, array);
      }
    }
}

/* Visits the nodes under @node in preorder, and removes (@kind 0) or replaces the
 * @target-th one. */
static gboolean
mutate_nth (JsonNode *node,
            guint    *counter,
            guint     target,
            guint     kind)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *object = json_node_get_object (node);
      g_autoptr(GList) members = json_object_get_members (object);

      for (GList *l = members; l != NULL; l = l->next)
        {
          JsonNode *child = json_object_get_member (object, l->data);

          if ((*counter)++ == target)
            {
              if (kind == 0)
                json_object_remove_member (object, l->data);
              else
                json_object_set_member (object, l->data, replacement (kind));
              return TRUE;
            }

          if (mutate_nth (child, counter, target, kind))
            return TRUE;
        }
    }
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *child = json_array_get_element (array, i);

          if ((*counter)++ == target)
            {
              g_autoptr(JsonArray) copy = json_array_new ();

              for (guint j = 0; j < json_array_get_length (array); j++)
                {
                  if (j != i)
                    json_array_add_element (copy,
                                            json_node_copy (json_array_get_element (array, j)));
                  else if (kind != 0)
                    json_array_add_element (copy, replacement (kind));
                }
              json_node_set_array (node, copy);
              return TRUE;
            }

          if (mutate_nth (child, counter, target, kind))
            return TRUE;
        }
    }

  return FALSE;
}

/**
 * tb_test_json_each_mutation:
 * @json: a JSON document
 * @func: parses each damaged copy
 * @counts: (inout): what @func refused and took, added to
 *
 * Calls @func on every copy of @json with one node removed, or replaced by a number, a string,
 * null or an empty array: each node of the document in turn, in preorder.
 */
void
tb_test_json_each_mutation (const char           *json,
                            TbTestMutationFunc    func,
                            TbTestMutationCounts *counts)
{
  for (guint target = 0; ; target++)
    {
      for (guint kind = 0; kind < N_KINDS; kind++)
        {
          g_autoptr(JsonNode) root = json_from_string (json, NULL);
          guint counter = 0;

          g_assert_nonnull (root);
          if (!mutate_nth (root, &counter, target, kind))
            return;
          if (func (root))
            counts->accepted++;
          else
            counts->refused++;
        }
    }
}
