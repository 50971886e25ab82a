/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-problem.c: the errors of the REST protocol, as GErrors and as problem+json */

#include "config.h"

#include <string.h>

#include "tb-problem.h"

G_DEFINE_QUARK (tb-problem-error-quark, tb_problem_error)

static const struct
{
  const char *name;
  guint       status;
  const char *title;
} problems[] = {
  [TB_PROBLEM_MALFORMED_REQUEST] = { "malformed-request", 400, "Malformed request" },
  [TB_PROBLEM_VALIDATION] = { "validation", 422, "Invalid values" },
  [TB_PROBLEM_VERSION_NOT_SUPPORTED] = { "version-not-supported", 400,
                                         "Schema version not supported" },
  [TB_PROBLEM_UNAUTHORIZED] = { "unauthorized", 401, "Not signed in" },
  [TB_PROBLEM_INVALID_CREDENTIALS] = { "invalid-credentials", 401,
                                       "Wrong user name or password" },
  [TB_PROBLEM_FORBIDDEN] = { "forbidden", 403, "Not allowed for this role" },
  [TB_PROBLEM_NOT_FOUND] = { "not-found", 404, "Not found" },
  [TB_PROBLEM_VERSION_CONFLICT] = { "version-conflict", 409, "The record has changed" },
  [TB_PROBLEM_CONFLICT] = { "conflict", 409, "Conflict" },
  [TB_PROBLEM_WORKFLOW] = { "workflow", 422, "Not possible in this state" },
  [TB_PROBLEM_CURSOR_EXPIRED] = { "cursor-expired", 410, "Sync cursor expired" },
  [TB_PROBLEM_PAYLOAD_TOO_LARGE] = { "payload-too-large", 413, "Request too large" },
  [TB_PROBLEM_RATE_LIMITED] = { "rate-limited", 429, "Too many requests" },
  [TB_PROBLEM_UNAVAILABLE] = { "unavailable", 503, "Temporarily unavailable" },
  [TB_PROBLEM_INTERNAL] = { "internal", 500, "Internal error" },
};

/**
 * tb_problem_name:
 * @problem: a problem
 *
 * Returns: its short name, the last segment of its type URI ("cursor-expired")
 */
const char *
tb_problem_name (TbProblem problem)
{
  g_return_val_if_fail (problem < G_N_ELEMENTS (problems), NULL);
  return problems[problem].name;
}

/**
 * tb_problem_type_uri:
 * @problem: a problem
 *
 * Returns: its stable type URI; an interned string
 */
const char *
tb_problem_type_uri (TbProblem problem)
{
  g_autofree char *uri = NULL;

  g_return_val_if_fail (problem < G_N_ELEMENTS (problems), NULL);
  uri = g_strconcat (TB_PROBLEM_BASE_URI, problems[problem].name, NULL);
  return g_intern_string (uri);
}

/**
 * tb_problem_status:
 * @problem: a problem
 *
 * Returns: the HTTP status it is answered with
 */
guint
tb_problem_status (TbProblem problem)
{
  g_return_val_if_fail (problem < G_N_ELEMENTS (problems), 500);
  return problems[problem].status;
}

/**
 * tb_problem_title:
 * @problem: a problem
 *
 * Returns: its short, untranslated title (the detail carries the specifics)
 */
const char *
tb_problem_title (TbProblem problem)
{
  g_return_val_if_fail (problem < G_N_ELEMENTS (problems), NULL);
  return problems[problem].title;
}

/**
 * tb_problem_from_name:
 * @name: a short name or a full type URI
 *
 * Returns: the problem, or %TB_PROBLEM_INTERNAL if unknown
 */
TbProblem
tb_problem_from_name (const char *name)
{
  g_return_val_if_fail (name != NULL, TB_PROBLEM_INTERNAL);

  if (g_str_has_prefix (name, TB_PROBLEM_BASE_URI))
    name += strlen (TB_PROBLEM_BASE_URI);
  for (guint i = 0; i < G_N_ELEMENTS (problems); i++)
    if (g_strcmp0 (problems[i].name, name) == 0)
      return i;
  return TB_PROBLEM_INTERNAL;
}

/**
 * tb_problem_to_json:
 * @error: a #TB_PROBLEM_ERROR (any other error is answered as an internal error)
 * @instance: (nullable): the request path
 *
 * Returns: (transfer full): the RFC 9457 problem object, with `schema_version`
 */
JsonNode *
tb_problem_to_json (const GError *error,
                    const char   *instance)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  TbProblem problem = TB_PROBLEM_INTERNAL;

  g_return_val_if_fail (error != NULL, NULL);

  if (error->domain == TB_PROBLEM_ERROR && (guint) error->code < G_N_ELEMENTS (problems))
    problem = error->code;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, tb_problem_type_uri (problem));
  json_builder_set_member_name (builder, "title");
  json_builder_add_string_value (builder, tb_problem_title (problem));
  json_builder_set_member_name (builder, "status");
  json_builder_add_int_value (builder, tb_problem_status (problem));
  json_builder_set_member_name (builder, "detail");
  json_builder_add_string_value (builder, problem == TB_PROBLEM_INTERNAL
                                            && error->domain != TB_PROBLEM_ERROR
                                          ? "The server could not complete the request."
                                          : error->message);
  if (instance != NULL)
    {
      json_builder_set_member_name (builder, "instance");
      json_builder_add_string_value (builder, instance);
    }
  json_builder_set_member_name (builder, "schema_version");
  json_builder_add_int_value (builder, 1);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}
