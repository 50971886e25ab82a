/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-inbox-view.c: the inbox's views (My cases, Due soon, …) as filters of a case list */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "tb-inbox-view.h"

/* The state the catalogue's workflows use for a case sent back to the applicant for correction,
 * with the clock paused (data/catalogue/workflows). */
#define RETURNED_STATE "awaiting_applicant"

static const struct
{
  const char *id;
  const char *title;
  const char *empty;
} views[TB_N_INBOX_VIEWS] = {
  [TB_INBOX_VIEW_MINE] = {
    "mine", N_("My Cases"), N_("No open cases are assigned to you") },
  [TB_INBOX_VIEW_DUE_SOON] = {
    "due-soon", N_("Due Soon"), N_("None of your cases is due within three working days") },
  [TB_INBOX_VIEW_OVERDUE] = {
    "overdue", N_("Overdue"), N_("None of your cases is past its time limit") },
  [TB_INBOX_VIEW_RETURNED] = {
    "returned", N_("Returned for Correction"),
    N_("No case of yours is waiting for the applicant to correct it") },
  [TB_INBOX_VIEW_DRAFTS] = {
    "drafts", N_("Drafts & Conflicts"),
    N_("Every change you made was accepted by the central service") },
  [TB_INBOX_VIEW_SENT] = {
    "sent", N_("Sent"), N_("No changes are waiting to be sent") },
  [TB_INBOX_VIEW_TEAM] = {
    "team", N_("Team"), N_("Your team has no open cases") },
  [TB_INBOX_VIEW_ALL] = {
    "all", N_("All Cases"), N_("Cases appear here once the central service assigns them to you") },
};

/**
 * tb_inbox_view_to_id:
 * @view: a view
 *
 * Returns: the view's stable id, as kept in settings ("mine", "due-soon", …)
 */
const char *
tb_inbox_view_to_id (TbInboxView view)
{
  g_return_val_if_fail (view < TB_N_INBOX_VIEWS, NULL);

  return views[view].id;
}

/**
 * tb_inbox_view_from_id:
 * @id: (nullable): a view id
 * @view: (out): the view
 *
 * Returns: whether @id names a view
 */
gboolean
tb_inbox_view_from_id (const char  *id,
                       TbInboxView *view)
{
  g_return_val_if_fail (view != NULL, FALSE);

  for (guint i = 0; i < TB_N_INBOX_VIEWS; i++)
    if (g_strcmp0 (id, views[i].id) == 0)
      {
        *view = i;
        return TRUE;
      }

  return FALSE;
}

/**
 * tb_inbox_view_get_title:
 * @view: a view
 *
 * Returns: the view's name in the sidebar, translated
 */
const char *
tb_inbox_view_get_title (TbInboxView view)
{
  g_return_val_if_fail (view < TB_N_INBOX_VIEWS, NULL);

  return _(views[view].title);
}

/**
 * tb_inbox_view_get_empty_description:
 * @view: a view
 *
 * Returns: what an empty view means, translated
 */
const char *
tb_inbox_view_get_empty_description (TbInboxView view)
{
  g_return_val_if_fail (view < TB_N_INBOX_VIEWS, NULL);

  return _(views[view].empty);
}

/**
 * tb_inbox_view_is_available:
 * @view: a view
 * @user_id: (nullable): the signed-in user, or %NULL for a store opened without one
 * @roles: the user's roles
 * @team_id: (nullable): the user's team
 *
 * The personal views need a user; the team view is for supervisors of a team.
 *
 * Returns: whether the sidebar offers @view
 */
gboolean
tb_inbox_view_is_available (TbInboxView  view,
                            const char  *user_id,
                            TbRole       roles,
                            const char  *team_id)
{
  g_return_val_if_fail (view < TB_N_INBOX_VIEWS, FALSE);

  switch (view)
    {
    case TB_INBOX_VIEW_MINE:
    case TB_INBOX_VIEW_DUE_SOON:
    case TB_INBOX_VIEW_OVERDUE:
    case TB_INBOX_VIEW_RETURNED:
      return user_id != NULL;
    case TB_INBOX_VIEW_TEAM:
      return (roles & TB_ROLE_SUPERVISOR) != 0 && team_id != NULL;
    case TB_INBOX_VIEW_DRAFTS:
    case TB_INBOX_VIEW_SENT:
    case TB_INBOX_VIEW_ALL:
    case TB_N_INBOX_VIEWS:
    default:
      return view < TB_N_INBOX_VIEWS;
    }
}

/**
 * tb_inbox_view_configure:
 * @view: a view
 * @list: the list to show the view in
 * @user_id: (nullable): the signed-in user
 * @team_id: (nullable): the user's team
 *
 * Sets every filter of @list that views decide (assignee, team, state, open only, due, overdue,
 * sync states) for @view; the service filter and the search text are left as they are.
 *
 * Returns: the filters the view decided, which the user's own filters must not override
 */
TbInboxFilter
tb_inbox_view_configure (TbInboxView  view,
                         TbCaseList  *list,
                         const char  *user_id,
                         const char  *team_id)
{
  const char *assignee = NULL;
  const char *team = NULL;
  const char *state = NULL;
  gboolean open_only = FALSE;
  gboolean overdue = FALSE;
  int due_within = -1;
  guint sync_states = 0;
  TbInboxFilter decided = TB_INBOX_FILTER_NONE;

  g_return_val_if_fail (view < TB_N_INBOX_VIEWS, TB_INBOX_FILTER_NONE);
  g_return_val_if_fail (TB_IS_CASE_LIST (list), TB_INBOX_FILTER_NONE);

  switch (view)
    {
    case TB_INBOX_VIEW_MINE:
      assignee = user_id;
      open_only = TRUE;
      break;
    case TB_INBOX_VIEW_DUE_SOON:
      assignee = user_id;
      due_within = TB_INBOX_DUE_SOON_DAYS;
      decided |= TB_INBOX_FILTER_DUE;
      break;
    case TB_INBOX_VIEW_OVERDUE:
      assignee = user_id;
      overdue = TRUE;
      decided |= TB_INBOX_FILTER_DUE;
      break;
    case TB_INBOX_VIEW_RETURNED:
      assignee = user_id;
      state = RETURNED_STATE;
      open_only = TRUE;
      decided |= TB_INBOX_FILTER_STATE;
      break;
    case TB_INBOX_VIEW_DRAFTS:
      /* Whoever the case is assigned to now, the rejected change is this user's to resolve. */
      sync_states = (1u << TB_SYNC_STATE_ERROR) | (1u << TB_SYNC_STATE_CONFLICT);
      break;
    case TB_INBOX_VIEW_SENT:
      sync_states = (1u << TB_SYNC_STATE_PENDING) | (1u << TB_SYNC_STATE_SENDING);
      break;
    case TB_INBOX_VIEW_TEAM:
      team = team_id;
      open_only = TRUE;
      break;
    case TB_INBOX_VIEW_ALL:
    case TB_N_INBOX_VIEWS:
    default:
      break;
    }

  g_object_freeze_notify (G_OBJECT (list));
  tb_case_list_begin_update (list);
  tb_case_list_set_assignee (list, assignee);
  tb_case_list_set_team (list, team);
  tb_case_list_set_state (list, state);
  tb_case_list_set_open_only (list, open_only);
  tb_case_list_set_overdue (list, overdue);
  tb_case_list_set_due_within (list, due_within);
  tb_case_list_set_sync_states (list, sync_states);
  tb_case_list_end_update (list);
  g_object_thaw_notify (G_OBJECT (list));

  return decided;
}

/**
 * tb_inbox_format_case_count:
 * @n_cases: a number of cases
 *
 * Returns: (transfer full): "1,234 cases", digits grouped as the locale does, translated
 */
char *
tb_inbox_format_case_count (guint n_cases)
{
  g_autofree char *number = g_strdup_printf ("%'u", n_cases);

  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s case", "%s cases", n_cases), number);
}
