/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-request.c: strict reading of JSON request bodies */

#include "config.h"

#include <math.h>
#include <string.h>

#include "tb-problem.h"
#include "tb-request.h"

/*
 * Everything a client sends is read through these: a body that is not UTF-8, not JSON, not an
 * object, of another schema version, with an unknown member, a wrong type, a string too long or
 * a number beyond what JSON numbers hold exactly is refused with a problem that names the member
 * (a JSON pointer), and nothing is changed.
 */

static gboolean
malformed (GError    **error,
           const char *pointer,
           const char *member,
           const char *what)
{
  g_set_error (error, TB_PROBLEM_ERROR, TB_PROBLEM_MALFORMED_REQUEST, "%s/%s: %s",
               pointer != NULL ? pointer : "", member, what);
  return FALSE;
}

/**
 * tb_request_parse_object:
 * @data: the request body
 * @length: its length
 * @error: return location for a #TB_PROBLEM_ERROR
 *
 * Parses a request body that must be a JSON object of schema version 1, at most
 * %TB_REQUEST_MAX_BODY bytes of valid UTF-8.
 *
 * Returns: (transfer full): the object, or %NULL with @error set
 */
JsonObject *
tb_request_parse_object (const char  *data,
                         gsize        length,
                         GError     **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) parse_error = NULL;
  JsonNode *root;
  JsonObject *object;
  JsonNode *version;

  if (length > TB_REQUEST_MAX_BODY)
    {
      g_set_error (error, TB_PROBLEM_ERROR, TB_PROBLEM_PAYLOAD_TOO_LARGE,
                   "The request body is larger than %d bytes.", TB_REQUEST_MAX_BODY);
      return NULL;
    }
  if (data == NULL || length == 0)
    {
      g_set_error_literal (error, TB_PROBLEM_ERROR, TB_PROBLEM_MALFORMED_REQUEST,
                           "The request has no body.");
      return NULL;
    }
  if (!g_utf8_validate_len (data, length, NULL))
    {
      g_set_error_literal (error, TB_PROBLEM_ERROR, TB_PROBLEM_MALFORMED_REQUEST,
                           "The request body is not valid UTF-8.");
      return NULL;
    }

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, data, length, &parse_error))
    {
      g_set_error (error, TB_PROBLEM_ERROR, TB_PROBLEM_MALFORMED_REQUEST,
                   "The request body is not valid JSON: %s", parse_error->message);
      return NULL;
    }

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, TB_PROBLEM_ERROR, TB_PROBLEM_MALFORMED_REQUEST,
                           "The request body must be a JSON object.");
      return NULL;
    }
  object = json_node_get_object (root);

  version = json_object_get_member (object, "schema_version");
  if (version == NULL)
    {
      g_set_error_literal (error, TB_PROBLEM_ERROR, TB_PROBLEM_VERSION_NOT_SUPPORTED,
                           "/schema_version: missing; this server speaks version 1.");
      return NULL;
    }
  if (json_node_get_value_type (version) != G_TYPE_INT64 || json_node_get_int (version) != 1)
    {
      g_set_error_literal (error, TB_PROBLEM_ERROR, TB_PROBLEM_VERSION_NOT_SUPPORTED,
                           "/schema_version: this server speaks version 1 only.");
      return NULL;
    }

  return json_object_ref (object);
}

/**
 * tb_request_check_members:
 * @object: an object of the request
 * @pointer: its JSON pointer ("" for the body)
 * @allowed: (array zero-terminated=1): the members it may have
 * @error: return location for a #TB_PROBLEM_ERROR
 *
 * Returns: %FALSE if @object has a member not in @allowed
 */
gboolean
tb_request_check_members (JsonObject         *object,
                          const char         *pointer,
                          const char * const *allowed,
                          GError            **error)
{
  JsonObjectIter iter;
  const char *name;
  JsonNode *node;

  g_return_val_if_fail (object != NULL, FALSE);

  json_object_iter_init (&iter, object);
  while (json_object_iter_next (&iter, &name, &node))
    if (!g_strv_contains (allowed, name))
      return malformed (error, pointer, name, "unknown member");

  return TRUE;
}

static JsonNode *
get_member (JsonObject  *object,
            const char  *pointer,
            const char  *member,
            gboolean     required,
            gboolean    *missing,
            GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);

  *missing = node == NULL || JSON_NODE_HOLDS_NULL (node);
  if (*missing && required)
    malformed (error, pointer, member, "required");
  return *missing ? NULL : node;
}

/**
 * tb_request_get_string:
 * @object: an object of the request
 * @pointer: its JSON pointer
 * @member: the member to read
 * @required: whether it must be there (and not null)
 * @max_length: the most bytes it may have
 * @out: (out) (transfer none) (nullable): the string, or %NULL if absent
 * @error: return location for a #TB_PROBLEM_ERROR
 *
 * Returns: %TRUE if the member is absent and optional, or a string within bounds
 */
gboolean
tb_request_get_string (JsonObject  *object,
                       const char  *pointer,
                       const char  *member,
                       gboolean     required,
                       gsize        max_length,
                       const char **out,
                       GError     **error)
{
  gboolean missing;
  JsonNode *node = get_member (object, pointer, member, required, &missing, error);
  const char *value;

  *out = NULL;
  if (missing)
    return !required;
  if (json_node_get_value_type (node) != G_TYPE_STRING)
    return malformed (error, pointer, member, "must be a string");

  value = json_node_get_string (node);
  if (strlen (value) > max_length)
    return malformed (error, pointer, member, "too long");

  *out = value;
  return TRUE;
}

/**
 * tb_request_get_int:
 * @object: an object of the request
 * @pointer: its JSON pointer
 * @member: the member to read
 * @required: whether it must be there (and not null)
 * @min: the smallest allowed value
 * @max: the largest allowed value
 * @out: (out): the value (left alone if absent)
 * @error: return location for a #TB_PROBLEM_ERROR
 *
 * Reads an integer. Numbers with a fraction, and numbers beyond 2^53 (which JSON parsers in
 * other languages cannot hold exactly), are refused.
 *
 * Returns: %TRUE if the member is absent and optional, or an integer within bounds
 */
gboolean
tb_request_get_int (JsonObject  *object,
                    const char  *pointer,
                    const char  *member,
                    gboolean     required,
                    gint64       min,
                    gint64       max,
                    gint64      *out,
                    GError     **error)
{
  gboolean missing;
  JsonNode *node = get_member (object, pointer, member, required, &missing, error);
  gint64 value;

  if (missing)
    return !required;

  if (json_node_get_value_type (node) == G_TYPE_DOUBLE)
    {
      double d = json_node_get_double (node);
      if (!isfinite (d) || floor (d) != d || fabs (d) > (double) TB_REQUEST_MAX_SAFE_INT)
        return malformed (error, pointer, member, "must be an integer");
      value = (gint64) d;
    }
  else if (json_node_get_value_type (node) == G_TYPE_INT64)
    value = json_node_get_int (node);
  else
    return malformed (error, pointer, member, "must be an integer");

  if (value > TB_REQUEST_MAX_SAFE_INT || value < -TB_REQUEST_MAX_SAFE_INT)
    return malformed (error, pointer, member, "out of range");
  if (value < min || value > max)
    return malformed (error, pointer, member, "out of range");

  *out = value;
  return TRUE;
}

/**
 * tb_request_get_object:
 * @object: an object of the request
 * @pointer: its JSON pointer
 * @member: the member to read
 * @required: whether it must be there (and not null)
 * @out: (out) (transfer none) (nullable): the object, or %NULL if absent
 * @error: return location for a #TB_PROBLEM_ERROR
 *
 * Returns: %TRUE if the member is absent and optional, or an object
 */
gboolean
tb_request_get_object (JsonObject  *object,
                       const char  *pointer,
                       const char  *member,
                       gboolean     required,
                       JsonObject **out,
                       GError     **error)
{
  gboolean missing;
  JsonNode *node = get_member (object, pointer, member, required, &missing, error);

  *out = NULL;
  if (missing)
    return !required;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return malformed (error, pointer, member, "must be an object");

  *out = json_node_get_object (node);
  return TRUE;
}

/**
 * tb_request_get_array:
 * @object: an object of the request
 * @pointer: its JSON pointer
 * @member: the member to read
 * @required: whether it must be there (and not null)
 * @max_length: the most elements it may have
 * @out: (out) (transfer none) (nullable): the array, or %NULL if absent
 * @error: return location for a #TB_PROBLEM_ERROR
 *
 * Returns: %TRUE if the member is absent and optional, or an array within bounds
 */
gboolean
tb_request_get_array (JsonObject  *object,
                      const char  *pointer,
                      const char  *member,
                      gboolean     required,
                      guint        max_length,
                      JsonArray  **out,
                      GError     **error)
{
  gboolean missing;
  JsonNode *node = get_member (object, pointer, member, required, &missing, error);

  *out = NULL;
  if (missing)
    return !required;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return malformed (error, pointer, member, "must be an array");
  if (json_array_get_length (json_node_get_array (node)) > max_length)
    return malformed (error, pointer, member, "too many elements");

  *out = json_node_get_array (node);
  return TRUE;
}
