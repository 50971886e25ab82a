/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-test-json.h: damaged copies of JSON documents, for tests of the parsers */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Parses a damaged copy: %TRUE if the parser took it, %FALSE if it refused it. */
typedef gboolean (*TbTestMutationFunc) (JsonNode *root);

/* How many damaged copies were refused and taken, over calls of tb_test_json_each_mutation(). */
typedef struct
{
  guint refused;
  guint accepted;
} TbTestMutationCounts;

void tb_test_json_each_mutation (const char           *json,
                                 TbTestMutationFunc    func,
                                 TbTestMutationCounts *counts);

G_END_DECLS
