/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-case.h: one case (an application being handled), as the inbox and case view see it */

#pragma once

#include <json-glib/json-glib.h>

#include "tb-calendar.h"
#include "tb-types.h"

G_BEGIN_DECLS

/**
 * TbCaseRecord:
 *
 * The plain values of one case, as written by the demo generator and by sync. Strings are
 * borrowed: they only need to live for the duration of the call they are passed to.
 */
typedef struct
{
  const char *id;              /* UUID, client- or server-generated */
  const char *ref;             /* human reference number, e.g. "TB-2026-000123" */
  const char *service_id;
  const char *state;           /* workflow state id */
  const char *assignee_id;     /* user id, or NULL */
  const char *team_id;
  const char *applicant_name;
  const char *applicant_kind;  /* "person" or "company" */
  const char *company_name;    /* NULL for a person */
  TbDay       received_on;
  TbDay       deadline;        /* TB_DAY_INVALID when the service has no time limit */
  TbDay       paused_since;    /* TB_DAY_INVALID unless the clock is paused */
  gboolean    closed;          /* in a terminal state */
  gint64      version;         /* server version; 0 for a case never seen by the server */
  const char *form_json;       /* form values, a JSON object keyed by field id */
  const char *signed_parties_json;  /* JSON array of the parties that countersigned; NULL = [] */
  gboolean    practice;        /* trainers' practice data */
} TbCaseRecord;

#define TB_TYPE_CASE (tb_case_get_type ())

G_DECLARE_FINAL_TYPE (TbCase, tb_case, TB, CASE, GObject)

TbCase      *tb_case_new_from_record    (const TbCaseRecord *record);
gint64       tb_case_get_rowid          (TbCase *self);
const char  *tb_case_get_id             (TbCase *self);
const char  *tb_case_get_ref            (TbCase *self);
const char  *tb_case_get_service_id     (TbCase *self);
const char  *tb_case_get_state          (TbCase *self);
const char  *tb_case_get_assignee_id    (TbCase *self);
const char  *tb_case_get_team_id        (TbCase *self);
const char  *tb_case_get_applicant_name (TbCase *self);
const char  *tb_case_get_applicant_kind (TbCase *self);
const char  *tb_case_get_company_name   (TbCase *self);
TbDay        tb_case_get_received_on    (TbCase *self);
TbDay        tb_case_get_deadline       (TbCase *self);
TbDay        tb_case_get_paused_since   (TbCase *self);
gboolean     tb_case_get_closed         (TbCase *self);
gint64       tb_case_get_version        (TbCase *self);
TbSyncState  tb_case_get_sync_state     (TbCase *self);
const char  *tb_case_get_form_json      (TbCase *self);
const char  *tb_case_get_signed_parties_json (TbCase *self);
GStrv        tb_case_dup_signed_parties (TbCase *self);
gboolean     tb_case_get_practice       (TbCase *self);
void         tb_case_to_record          (TbCase       *self,
                                         TbCaseRecord *out);
JsonObject  *tb_case_dup_form           (TbCase *self);
const char  *tb_case_get_display_name   (TbCase *self);
gboolean     tb_case_equal              (TbCase *a,
                                         TbCase *b);

G_END_DECLS
