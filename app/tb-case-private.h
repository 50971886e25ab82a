/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-case-private.h: building cases from store rows */

#pragma once

#include <sqlite3.h>

#include "tb-case.h"

G_BEGIN_DECLS

/* The column order every case query selects, matching _tb_case_new_from_stmt(). */
#define TB_CASE_COLUMNS \
  "rowid, id, ref, service_id, state, assignee_id, team_id, applicant_name, applicant_kind, " \
  "company_name, received_on, deadline, paused_since, closed, version, sync_state, form, " \
  "signed_parties, practice"

TbCase *_tb_case_new_from_stmt (sqlite3_stmt *stmt);

G_END_DECLS
