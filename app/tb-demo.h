/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-demo.h: deterministic demo data: teams, users and plausible cases */

#pragma once

#include <gio/gio.h>

#include "tb-calendar.h"
#include "tb-case.h"
#include "tb-store.h"
#include "tb-types.h"

G_BEGIN_DECLS

/**
 * TbDemoTeam:
 * @id: team id, e.g. "team-xihu"
 * @name: display name
 */
typedef struct
{
  const char *id;
  const char *name;
} TbDemoTeam;

/**
 * TbDemoUser:
 * @id: user id, e.g. "u-wangfang"
 * @login: ASCII login, e.g. "wangfang"
 * @display_name: the name shown, e.g. "王芳"
 * @roles: what the user may do
 * @team_ids: (array zero-terminated=1): the teams the user belongs to (none for the trainer
 *   and the auditor)
 */
typedef struct
{
  const char         *id;
  const char         *login;
  const char         *display_name;
  TbRole              roles;
  const char * const *team_ids;
} TbDemoUser;

/**
 * TbDemoFile:
 * @name: the file's name, e.g. "公司章程.pdf"
 * @content_type: its MIME type, "application/pdf" or "image/png"
 * @sha256: the SHA-256 of @bytes, by which the forms name it
 * @bytes: the content, a few kilobytes
 *
 * A document of the demo cases' materials. The same name and variant give the same bytes
 * everywhere, so the desk's and the server's demo data name the same files.
 */
typedef struct
{
  const char *name;
  const char *content_type;
  const char *sha256;
  GBytes     *bytes;
} TbDemoFile;

#define TB_TYPE_DEMO (tb_demo_get_type ())

G_DECLARE_FINAL_TYPE (TbDemo, tb_demo, TB, DEMO, GObject)

TbDemo           *tb_demo_new            (guint64        seed,
                                          TbDay          today,
                                          GError       **error);
TbCalendar       *tb_demo_get_calendar   (TbDemo        *self);
GPtrArray        *tb_demo_get_services   (TbDemo        *self);
GPtrArray        *tb_demo_get_workflows  (TbDemo        *self);
gboolean          tb_demo_next_case      (TbDemo        *self,
                                          TbCaseRecord  *out);
GPtrArray        *tb_demo_get_files      (TbDemo        *self);
GPtrArray        *tb_demo_get_case_files (TbDemo        *self);

const TbDemoTeam *tb_demo_get_teams      (guint         *n_teams);
const TbDemoUser *tb_demo_get_users      (guint         *n_users);

gboolean          tb_demo_seed_store     (TbStore       *store,
                                          guint          n_cases,
                                          guint64        seed,
                                          TbDay          today,
                                          GError       **error);

G_END_DECLS
