/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-types.c: shared enums */

#include "config.h"

#include "tb-types.h"

static const struct
{
  TbRole      role;
  const char *name;
} roles[] = {
  { TB_ROLE_CASEWORKER, "caseworker" },
  { TB_ROLE_SUPERVISOR, "supervisor" },
  { TB_ROLE_TRAINER, "trainer" },
  { TB_ROLE_AUDITOR, "auditor" },
};

/**
 * tb_role_from_string:
 * @name: a role name as on the wire ("caseworker", …)
 *
 * Returns: the role, or %TB_ROLE_NONE for an unknown name
 */
TbRole
tb_role_from_string (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (roles); i++)
    if (g_strcmp0 (roles[i].name, name) == 0)
      return roles[i].role;
  return TB_ROLE_NONE;
}

/**
 * tb_role_to_string:
 * @role: one role (not a combination)
 *
 * Returns: (nullable): its wire name, or %NULL
 */
const char *
tb_role_to_string (TbRole role)
{
  for (guint i = 0; i < G_N_ELEMENTS (roles); i++)
    if (roles[i].role == role)
      return roles[i].name;
  return NULL;
}
