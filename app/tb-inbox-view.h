/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-inbox-view.h: the inbox's views (My cases, Due soon, …) as filters of a case list */

#pragma once

#include "tb-case-list.h"
#include "tb-types.h"

G_BEGIN_DECLS

/**
 * TbInboxView:
 * @TB_INBOX_VIEW_MINE: open cases assigned to the user
 * @TB_INBOX_VIEW_DUE_SOON: the user's cases due within a few working days
 * @TB_INBOX_VIEW_OVERDUE: the user's cases past their deadline
 * @TB_INBOX_VIEW_RETURNED: the user's cases returned to the applicant for correction
 * @TB_INBOX_VIEW_DRAFTS: cases with a local change the server rejected or overtook
 * @TB_INBOX_VIEW_SENT: cases with local changes waiting to be sent
 * @TB_INBOX_VIEW_TEAM: open cases of the user's team (supervisors)
 * @TB_INBOX_VIEW_ALL: every case in the local store
 *
 * The views of the inbox sidebar, in the order shown.
 */
typedef enum
{
  TB_INBOX_VIEW_MINE,
  TB_INBOX_VIEW_DUE_SOON,
  TB_INBOX_VIEW_OVERDUE,
  TB_INBOX_VIEW_RETURNED,
  TB_INBOX_VIEW_DRAFTS,
  TB_INBOX_VIEW_SENT,
  TB_INBOX_VIEW_TEAM,
  TB_INBOX_VIEW_ALL,
  TB_N_INBOX_VIEWS
} TbInboxView;

/**
 * TbInboxFilter:
 * @TB_INBOX_FILTER_NONE: none
 * @TB_INBOX_FILTER_STATE: the view fixes the workflow state
 * @TB_INBOX_FILTER_DUE: the view fixes the deadline (due soon, overdue)
 *
 * Which of the inbox's own filters a view already decides, so that the user's filter for the
 * same thing does not apply on top.
 */
typedef enum
{
  TB_INBOX_FILTER_NONE  = 0,
  TB_INBOX_FILTER_STATE = 1 << 0,
  TB_INBOX_FILTER_DUE   = 1 << 1,
} TbInboxFilter;

/* Within this many working days a deadline is "due soon". */
#define TB_INBOX_DUE_SOON_DAYS 3

const char    *tb_inbox_view_to_id        (TbInboxView  view);
gboolean       tb_inbox_view_from_id      (const char  *id,
                                           TbInboxView *view);
const char    *tb_inbox_view_get_title    (TbInboxView  view);
const char    *tb_inbox_view_get_empty_description (TbInboxView view);
gboolean       tb_inbox_view_is_available (TbInboxView  view,
                                           const char  *user_id,
                                           TbRole       roles,
                                           const char  *team_id);
TbInboxFilter  tb_inbox_view_configure    (TbInboxView  view,
                                           TbCaseList  *list,
                                           const char  *user_id,
                                           const char  *team_id);
char          *tb_inbox_format_case_count (guint        n_cases);

G_END_DECLS
