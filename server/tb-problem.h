/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-problem.h: the errors of the REST protocol, as GErrors and as problem+json */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define TB_PROBLEM_ERROR (tb_problem_error_quark ())

/**
 * TbProblem:
 *
 * One per problem `type` of docs/protocol.md; each has a stable type URI and an HTTP status.
 */
typedef enum
{
  TB_PROBLEM_MALFORMED_REQUEST,      /* 400 */
  TB_PROBLEM_VALIDATION,             /* 422 */
  TB_PROBLEM_VERSION_NOT_SUPPORTED,  /* 400 */
  TB_PROBLEM_UNAUTHORIZED,           /* 401 */
  TB_PROBLEM_INVALID_CREDENTIALS,    /* 401 */
  TB_PROBLEM_FORBIDDEN,              /* 403 */
  TB_PROBLEM_NOT_FOUND,              /* 404 */
  TB_PROBLEM_VERSION_CONFLICT,       /* 409 */
  TB_PROBLEM_CONFLICT,               /* 409 */
  TB_PROBLEM_WORKFLOW,               /* 422 */
  TB_PROBLEM_CURSOR_EXPIRED,         /* 410 */
  TB_PROBLEM_PAYLOAD_TOO_LARGE,      /* 413 */
  TB_PROBLEM_RATE_LIMITED,           /* 429 */
  TB_PROBLEM_UNAVAILABLE,            /* 503 */
  TB_PROBLEM_INTERNAL,               /* 500 */
} TbProblem;

GQuark      tb_problem_error_quark   (void);
const char *tb_problem_type_uri      (TbProblem     problem);
const char *tb_problem_name          (TbProblem     problem);
guint       tb_problem_status        (TbProblem     problem);
const char *tb_problem_title         (TbProblem     problem);
TbProblem   tb_problem_from_name     (const char   *name);
JsonNode   *tb_problem_to_json       (const GError *error,
                                      const char   *instance);

#define TB_PROBLEM_BASE_URI "https://tongban.github.io/problems/"

G_END_DECLS
