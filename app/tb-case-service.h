/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-case-service.h: every user action on a case, checked locally and queued for the server */

#pragma once

#include <json-glib/json-glib.h>

#include "tb-store.h"

G_BEGIN_DECLS

#define TB_CASE_SERVICE_ERROR (tb_case_service_error_quark ())

/**
 * TbCaseServiceError:
 * @TB_CASE_SERVICE_ERROR_FORBIDDEN: the user may not act on this case
 * @TB_CASE_SERVICE_ERROR_INVALID: the values are not valid (see the problems)
 * @TB_CASE_SERVICE_ERROR_NOT_FOUND: no such case, service or user
 * @TB_CASE_SERVICE_ERROR_TOO_LATE: the change can no longer be undone (it was sent, or the case
 *   changed since)
 */
typedef enum
{
  TB_CASE_SERVICE_ERROR_FORBIDDEN,
  TB_CASE_SERVICE_ERROR_INVALID,
  TB_CASE_SERVICE_ERROR_NOT_FOUND,
  TB_CASE_SERVICE_ERROR_TOO_LATE,
} TbCaseServiceError;

#define TB_TYPE_CASE_SERVICE (tb_case_service_get_type ())

G_DECLARE_FINAL_TYPE (TbCaseService, tb_case_service, TB, CASE_SERVICE, GObject)

GQuark         tb_case_service_error_quark   (void);
TbCaseService *tb_case_service_new           (TbStore            *store,
                                              const char         *user_id,
                                              TbRole              roles,
                                              const char * const *team_ids);
TbStore       *tb_case_service_get_store     (TbCaseService      *self);
const char    *tb_case_service_get_user_id   (TbCaseService      *self);
TbRole         tb_case_service_get_roles     (TbCaseService      *self);
TbDay          tb_case_service_get_today     (TbCaseService      *self);
TbRole         tb_case_service_get_case_roles (TbCaseService     *self,
                                              TbCase             *c);
char         **tb_case_service_dup_editable_fields (TbCaseService *self,
                                              TbCase             *c,
                                              GError            **error);
void           tb_case_service_set_today     (TbCaseService      *self,
                                              TbDay               today);
gboolean       tb_case_service_decide        (TbCaseService      *self,
                                              const char         *case_id,
                                              const char         *action,
                                              const char         *party,
                                              const char         *reason,
                                              const char         *comment,
                                              GError            **error);
gboolean       tb_case_service_comment       (TbCaseService      *self,
                                              const char         *case_id,
                                              const char         *text,
                                              GError            **error);
gboolean       tb_case_service_reassign      (TbCaseService      *self,
                                              const char         *case_id,
                                              const char         *assignee_id,
                                              GError            **error);
gboolean       tb_case_service_update_fields (TbCaseService      *self,
                                              const char         *case_id,
                                              JsonObject         *fields,
                                              GPtrArray         **problems,
                                              GError            **error);
char          *tb_case_service_create        (TbCaseService      *self,
                                              const char         *service_id,
                                              const char         *applicant_name,
                                              const char         *applicant_kind,
                                              const char         *company_name,
                                              JsonObject         *form,
                                              GPtrArray         **problems,
                                              GError            **error);

gboolean       tb_case_service_resolve_conflict (TbCaseService *self,
                                                 gint64         conflict_id,
                                                 gboolean       keep_mine,
                                                 GError       **error);

guint          tb_case_service_get_last_change (TbCaseService *self);
gboolean       tb_case_service_can_undo       (TbCaseService  *self,
                                               guint           change);
gboolean       tb_case_service_undo           (TbCaseService  *self,
                                               guint           change,
                                               GError        **error);

gboolean       tb_case_service_record_reveal  (TbCaseService  *self,
                                               const char     *case_id,
                                               const char     *field_id,
                                               int             row,
                                               const char     *column_id,
                                               GError        **error);

G_END_DECLS
