/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-test-json.h: damaged copies of JSON documents, for tests of the parsers */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef void (*TbTestMutationFunc) (JsonNode *root,
                                    gpointer  data);

void tb_test_json_each_mutation (const char         *json,
                                 TbTestMutationFunc  func,
                                 gpointer            data);

G_END_DECLS
