/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-case-service.c: every user action on a case, checked locally and queued for the server */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "tb-attachment-cache.h"
#include "tb-case-service.h"
#include "tb-store-sync.h"
#include "tb-decision.h"
#include "tb-json-private.h"
#include "tb-service.h"
#include "tb-store-private.h"
#include "tb-workflow.h"

/*
 * The one way the desk changes a case. Each action is checked here, offline, with the same
 * workflow and calendar code the server will run again (tb_decision_apply()), and then written
 * with its outbox mutation, audit entry and timeline entry in one transaction. An action that is
 * not allowed gets a translated error and writes nothing.
 */
struct _TbCaseService
{
  GObject     parent_instance;

  TbStore    *store;
  char       *user_id;
  TbRole      roles;
  GStrv       team_ids;
  TbDay       today;
  TbCalendar *calendar;

  GPtrArray  *changes;      /* of Change, oldest first: what can still be undone */
  guint       next_change;
  guint       last_change;
};

/* One undoable action, by a handle that outlives renumbered mutation ids. */
typedef struct
{
  guint        id;
  TbLocalUndo *undo;
} Change;

/* Undo is offered right after an action; older actions need not stay undoable forever. */
#define MAX_CHANGES 32

static void
change_free (Change *change)
{
  _tb_local_undo_free (change->undo);
  g_free (change);
}

G_DEFINE_FINAL_TYPE (TbCaseService, tb_case_service, G_TYPE_OBJECT)

G_DEFINE_QUARK (tb-case-service-error-quark, tb_case_service_error)

enum {
  PROP_0,
  PROP_STORE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
tb_case_service_dispose (GObject *object)
{
  TbCaseService *self = TB_CASE_SERVICE (object);

  g_clear_object (&self->store);

  G_OBJECT_CLASS (tb_case_service_parent_class)->dispose (object);
}

static void
tb_case_service_finalize (GObject *object)
{
  TbCaseService *self = TB_CASE_SERVICE (object);

  g_free (self->user_id);
  g_strfreev (self->team_ids);
  g_clear_pointer (&self->calendar, tb_calendar_unref);
  g_clear_pointer (&self->changes, g_ptr_array_unref);

  G_OBJECT_CLASS (tb_case_service_parent_class)->finalize (object);
}

static void
tb_case_service_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  TbCaseService *self = TB_CASE_SERVICE (object);

  switch (prop_id)
    {
    case PROP_STORE:
      g_value_set_object (value, self->store);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tb_case_service_class_init (TbCaseServiceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tb_case_service_dispose;
  object_class->finalize = tb_case_service_finalize;
  object_class->get_property = tb_case_service_get_property;

  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL, TB_TYPE_STORE,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tb_case_service_init (TbCaseService *self)
{
  self->changes = g_ptr_array_new_with_free_func ((GDestroyNotify) change_free);
  self->next_change = 1;
}

/**
 * tb_case_service_new:
 * @store: the user's store
 * @user_id: the signed-in user
 * @roles: their roles
 * @team_ids: (array zero-terminated=1) (nullable): their teams
 *
 * Returns: (transfer full): a case service acting as that user
 */
TbCaseService *
tb_case_service_new (TbStore            *store,
                     const char         *user_id,
                     TbRole              roles,
                     const char * const *team_ids)
{
  TbCaseService *self;

  g_return_val_if_fail (TB_IS_STORE (store), NULL);
  g_return_val_if_fail (user_id != NULL, NULL);

  self = g_object_new (TB_TYPE_CASE_SERVICE, NULL);
  self->store = g_object_ref (store);
  self->user_id = g_strdup (user_id);
  self->roles = roles;
  self->team_ids = g_strdupv ((char **) team_ids);
  if (self->team_ids == NULL)
    self->team_ids = g_new0 (char *, 1);
  self->today = tb_day_today ();

  return self;
}

/**
 * tb_case_service_get_store:
 * @self: a case service
 *
 * Returns: (transfer none): the store it writes to
 */
TbStore *
tb_case_service_get_store (TbCaseService *self)
{
  g_return_val_if_fail (TB_IS_CASE_SERVICE (self), NULL);
  return self->store;
}

/**
 * tb_case_service_get_user_id:
 * @self: a case service
 *
 * Returns: the user it acts as
 */
const char *
tb_case_service_get_user_id (TbCaseService *self)
{
  g_return_val_if_fail (TB_IS_CASE_SERVICE (self), NULL);
  return self->user_id;
}

/**
 * tb_case_service_get_roles:
 * @self: a case service
 *
 * Returns: the user's roles (on their own cases and teams; see
 *   tb_case_service_get_case_roles() for one case)
 */
TbRole
tb_case_service_get_roles (TbCaseService *self)
{
  g_return_val_if_fail (TB_IS_CASE_SERVICE (self), TB_ROLE_NONE);
  return self->roles;
}

/**
 * tb_case_service_get_today:
 * @self: a case service
 *
 * Returns: the day actions are taken on
 */
TbDay
tb_case_service_get_today (TbCaseService *self)
{
  g_return_val_if_fail (TB_IS_CASE_SERVICE (self), TB_DAY_INVALID);
  return self->today;
}

/**
 * tb_case_service_set_today:
 * @self: a case service
 * @today: the day actions are taken on (the local date by default)
 */
void
tb_case_service_set_today (TbCaseService *self,
                           TbDay          today)
{
  g_return_if_fail (TB_IS_CASE_SERVICE (self));
  g_return_if_fail (today != TB_DAY_INVALID);
  self->today = today;
}

static gboolean
in_my_teams (TbCaseService *self,
             const char    *team_id)
{
  return team_id != NULL && g_strv_contains ((const char * const *) self->team_ids, team_id);
}

/*
 * Whether the user may act on @c at all, and in which roles: a caseworker on cases assigned to
 * them, a supervisor on their teams' cases, a trainer on practice cases in every role of the
 * procedure. The same rule as the server's.
 */
static gboolean
roles_for_case (TbCaseService  *self,
                TbCase         *c,
                TbRole         *roles,
                GError        **error)
{
  TbRole r = TB_ROLE_NONE;

  if (tb_case_get_practice (c) && (self->roles & TB_ROLE_TRAINER))
    r = TB_ROLE_CASEWORKER | TB_ROLE_SUPERVISOR;
  if ((self->roles & TB_ROLE_CASEWORKER)
      && g_strcmp0 (tb_case_get_assignee_id (c), self->user_id) == 0)
    r |= TB_ROLE_CASEWORKER;
  if ((self->roles & TB_ROLE_SUPERVISOR) && in_my_teams (self, tb_case_get_team_id (c)))
    r |= TB_ROLE_SUPERVISOR;

  if (r == TB_ROLE_NONE)
    {
      g_set_error (error, TB_CASE_SERVICE_ERROR, TB_CASE_SERVICE_ERROR_FORBIDDEN,
                   _("Case %s is not assigned to you or your team."), tb_case_get_ref (c));
      return FALSE;
    }

  *roles = r;
  return TRUE;
}

/**
 * tb_case_service_get_case_roles:
 * @self: a case service
 * @c: a case
 *
 * The roles the user acts in on @c: a caseworker on the cases assigned to them, a supervisor
 * on their teams' cases, a trainer in every role on practice cases. These are the roles to
 * ask the workflow about (tb_workflow_dup_available_actions(), …).
 *
 * Returns: the roles, %TB_ROLE_NONE if the user may not act on @c
 */
TbRole
tb_case_service_get_case_roles (TbCaseService *self,
                                TbCase        *c)
{
  TbRole roles = TB_ROLE_NONE;

  g_return_val_if_fail (TB_IS_CASE_SERVICE (self), TB_ROLE_NONE);
  g_return_val_if_fail (TB_IS_CASE (c), TB_ROLE_NONE);

  if (!roles_for_case (self, c, &roles, NULL))
    return TB_ROLE_NONE;
  return roles;
}

static TbCase *
load_case (TbCaseService  *self,
           const char     *case_id,
           GError        **error)
{
  g_autoptr(GError) local_error = NULL;
  TbCase *c = tb_store_get_case (self->store, case_id, &local_error);

  if (c == NULL && g_error_matches (local_error, TB_STORE_ERROR, TB_STORE_ERROR_NOT_FOUND))
    g_set_error (error, TB_CASE_SERVICE_ERROR, TB_CASE_SERVICE_ERROR_NOT_FOUND,
                 _("There is no case %s on this desk."), case_id);
  else if (c == NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return c;
}

static TbCalendar *
get_calendar (TbCaseService  *self,
              GError        **error)
{
  if (self->calendar == NULL)
    self->calendar = tb_store_load_calendar (self->store, error);
  return self->calendar;
}

static void
set_optional (JsonObject *object,
              const char *member,
              const char *value)
{
  if (value != NULL)
    json_object_set_string_member (object, member, value);
  else
    json_object_set_null_member (object, member);
}

static JsonNode *
object_node (JsonObject *object)
{
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_node_set_object (node, object);
  return node;
}

static gboolean
record (TbCaseService      *self,
        TbCase             *c,
        const TbCaseRecord *after,
        const char * const *changed,
        gboolean            is_new,
        const char         *mutation,
        JsonObject         *args,
        const char         *audit_action,
        const char         *event_kind,
        JsonObject         *event,
        GError            **error)
{
  g_autoptr(JsonNode) args_node = object_node (args);
  g_autoptr(JsonNode) event_node = object_node (event);
  TbLocalUndo *undo = g_new0 (TbLocalUndo, 1);
  Change *change;
  TbLocalAction action = {
    .case_id = json_object_get_string_member (args, "case_id"),
    .after = after,
    .changed = changed,
    .is_new = is_new,
    .mutation_name = mutation,
    .mutation_args = args_node,
    .base_version = c != NULL ? tb_case_get_version (c) : 0,
    .actor_id = self->user_id,
    .audit_action = audit_action,
    .event_kind = event_kind,
    .event_data = event_node,
    .undo = undo,
  };

  if (_tb_store_record_local_action (self->store, &action, error) <= 0)
    {
      _tb_local_undo_free (undo);
      return FALSE;
    }

  change = g_new0 (Change, 1);
  change->id = self->next_change++;
  change->undo = undo;
  g_ptr_array_add (self->changes, change);
  if (self->changes->len > MAX_CHANGES)
    g_ptr_array_remove_index (self->changes, 0);
  self->last_change = change->id;
  return TRUE;
}

/**
 * tb_case_service_decide:
 * @self: a case service
 * @case_id: the case
 * @action: a workflow action ("accept", "approve", "reject", "return", "resubmit", "forward",
 *   "countersign", "extend", …)
 * @party: (nullable): the countersigning party, for "countersign"
 * @reason: (nullable): the reason, for actions that need one
 * @comment: (nullable): a comment for the timeline
 * @error: return location for an error
 *
 * Decides a case: checks the action for this user's roles in the case's state, computes its new
 * state and deadline, and queues it for the server.
 *
 * Returns: %TRUE if the decision was recorded; otherwise nothing was written
 */
gboolean
tb_case_service_decide (TbCaseService  *self,
                        const char     *case_id,
                        const char     *action,
                        const char     *party,
                        const char     *reason,
                        const char     *comment,
                        GError        **error)
{
  g_autoptr(TbCase) c = NULL;
  g_autoptr(TbService) service = NULL;
  g_autoptr(TbWorkflow) workflow = NULL;
  g_autoptr(JsonObject) args = json_object_new ();
  g_autoptr(JsonObject) event = json_object_new ();
  g_auto(GStrv) signed_parties = NULL;
  g_autofree char *parties_json = NULL;
  TbCaseTiming before, after = { NULL };
  TbCaseRecord r;
  TbCalendar *calendar;
  TbRole roles;
  gboolean ok;
  static const char * const changed[] = {
    "state", "signed_parties", "deadline", "paused_since", "closed", NULL
  };

  g_return_val_if_fail (TB_IS_CASE_SERVICE (self), FALSE);
  g_return_val_if_fail (case_id != NULL && action != NULL, FALSE);

  if (!(c = load_case (self, case_id, error))
      || !roles_for_case (self, c, &roles, error)
      || !(service = tb_store_get_service (self->store, tb_case_get_service_id (c), error))
      || !(workflow = tb_store_get_workflow (self->store, tb_service_get_workflow_id (service),
                                             error))
      || !(calendar = get_calendar (self, error)))
    return FALSE;

  signed_parties = tb_case_dup_signed_parties (c);
  before = (TbCaseTiming) {
    (char *) tb_case_get_state (c), signed_parties, tb_case_get_deadline (c),
    tb_case_get_paused_since (c), tb_case_get_closed (c)
  };
  if (!tb_decision_apply (workflow, service, calendar, &before, roles, action, party, reason,
                          self->today, &after, error))
    return FALSE;

  parties_json = _tb_json_from_strv ((const char * const *) after.signed_parties);
  tb_case_to_record (c, &r);
  r.state = after.state;
  r.signed_parties_json = parties_json;
  r.deadline = after.deadline;
  r.paused_since = after.paused_since;
  r.closed = after.closed;

  json_object_set_string_member (args, "case_id", case_id);
  json_object_set_string_member (args, "action", action);
  set_optional (args, "reason", reason);
  set_optional (args, "comment", comment);
  set_optional (args, "party", party);

  json_object_set_string_member (event, "action", action);
  json_object_set_string_member (event, "from", tb_case_get_state (c));
  json_object_set_string_member (event, "to", after.state);
  set_optional (event, "reason", reason);
  set_optional (event, "comment", comment);
  set_optional (event, "party", party);

  ok = record (self, c, &r, changed, FALSE, "case.decide", args, "decide", "decision", event,
               error);
  tb_case_timing_clear (&after);
  return ok;
}

/**
 * tb_case_service_comment:
 * @self: a case service
 * @case_id: the case
 * @text: the comment
 * @error: return location for an error
 *
 * Returns: %TRUE if the comment was recorded
 */
gboolean
tb_case_service_comment (TbCaseService  *self,
                         const char     *case_id,
                         const char     *text,
                         GError        **error)
{
  g_autoptr(TbCase) c = NULL;
  g_autoptr(JsonObject) args = json_object_new ();
  g_autoptr(JsonObject) event = json_object_new ();
  g_autofree char *stripped = NULL;
  TbRole roles;

  g_return_val_if_fail (TB_IS_CASE_SERVICE (self), FALSE);
  g_return_val_if_fail (case_id != NULL && text != NULL, FALSE);

  stripped = g_strstrip (g_strdup (text));
  if (stripped[0] == '\0')
    {
      g_set_error_literal (error, TB_CASE_SERVICE_ERROR, TB_CASE_SERVICE_ERROR_INVALID,
                           _("The comment is empty."));
      return FALSE;
    }

  if (!(c = load_case (self, case_id, error)) || !roles_for_case (self, c, &roles, error))
    return FALSE;

  json_object_set_string_member (args, "case_id", case_id);
  json_object_set_string_member (args, "text", text);
  json_object_set_string_member (event, "text", text);

  return record (self, c, NULL, NULL, FALSE, "case.comment", args, "comment", "comment", event,
                 error);
}

/**
 * tb_case_service_reassign:
 * @self: a case service
 * @case_id: the case
 * @assignee_id: the caseworker who takes it over
 * @error: return location for an error
 *
 * A supervisor hands one of their team's cases to another member of the team.
 *
 * Returns: %TRUE if the reassignment was recorded
 */
gboolean
tb_case_service_reassign (TbCaseService  *self,
                          const char     *case_id,
                          const char     *assignee_id,
                          GError        **error)
{
  g_autoptr(TbCase) c = NULL;
  g_autoptr(JsonObject) args = json_object_new ();
  g_autoptr(JsonObject) event = json_object_new ();
  g_autofree char *name = NULL;
  TbCaseRecord r;
  static const char * const changed[] = { "assignee_id", NULL };

  g_return_val_if_fail (TB_IS_CASE_SERVICE (self), FALSE);
  g_return_val_if_fail (case_id != NULL && assignee_id != NULL, FALSE);

  if (!(c = load_case (self, case_id, error)))
    return FALSE;

  if (!(self->roles & TB_ROLE_SUPERVISOR) || !in_my_teams (self, tb_case_get_team_id (c)))
    {
      g_set_error (error, TB_CASE_SERVICE_ERROR, TB_CASE_SERVICE_ERROR_FORBIDDEN,
                   _("Only a supervisor of its team can reassign case %s."), tb_case_get_ref (c));
      return FALSE;
    }

  name = tb_store_dup_user_name (self->store, assignee_id);
  if (name == NULL)
    {
      g_set_error (error, TB_CASE_SERVICE_ERROR, TB_CASE_SERVICE_ERROR_NOT_FOUND,
                   _("There is no user %s on this desk."), assignee_id);
      return FALSE;
    }

  tb_case_to_record (c, &r);
  r.assignee_id = assignee_id;

  json_object_set_string_member (args, "case_id", case_id);
  json_object_set_string_member (args, "assignee_id", assignee_id);
  set_optional (event, "from", tb_case_get_assignee_id (c));
  json_object_set_string_member (event, "to", assignee_id);

  return record (self, c, &r, changed, FALSE, "case.reassign", args, "reassign", "assignment",
                 event, error);
}

static gboolean
validate (TbService   *service,
          JsonObject  *form,
          GPtrArray  **problems,
          GError     **error)
{
  g_autoptr(GPtrArray) found = NULL;

  if (tb_service_validate_form (service, form, &found))
    return TRUE;

  g_set_error (error, TB_CASE_SERVICE_ERROR, TB_CASE_SERVICE_ERROR_INVALID,
               g_dngettext (GETTEXT_PACKAGE, "The form has %u problem.",
                            "The form has %u problems.", found != NULL ? found->len : 0),
               found != NULL ? found->len : 0);
  if (problems != NULL)
    *problems = g_steal_pointer (&found);
  return FALSE;
}

/**
 * tb_case_service_update_fields:
 * @self: a case service
 * @case_id: the case
 * @fields: the fields to change, by field id
 * @problems: (out) (optional) (element-type TbFormProblem): on a validation error, the problems
 * @error: return location for an error
 *
 * Changes form fields; the whole form must still be valid. Only the fields the workflow lets
 * the user's roles edit in the case's state may change (see
 * tb_case_service_dup_editable_fields()).
 *
 * Returns: %TRUE if the change was recorded
 */
gboolean
tb_case_service_update_fields (TbCaseService  *self,
                               const char     *case_id,
                               JsonObject     *fields,
                               GPtrArray     **problems,
                               GError        **error)
{
  g_autoptr(TbCase) c = NULL;
  g_autoptr(TbService) service = NULL;
  g_autoptr(TbWorkflow) workflow = NULL;
  g_autoptr(JsonObject) form = NULL;
  g_autoptr(JsonObject) args = json_object_new ();
  g_autoptr(JsonObject) event = json_object_new ();
  g_autofree char *form_json = NULL;
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;
  TbCaseRecord r;
  TbRole roles;
  static const char * const changed[] = { "form", NULL };

  g_return_val_if_fail (TB_IS_CASE_SERVICE (self), FALSE);
  g_return_val_if_fail (case_id != NULL && fields != NULL, FALSE);

  if (!(c = load_case (self, case_id, error))
      || !roles_for_case (self, c, &roles, error)
      || !(service = tb_store_get_service (self->store, tb_case_get_service_id (c), error))
      || !(workflow = tb_store_get_workflow (self->store, tb_service_get_workflow_id (service),
                                             error)))
    return FALSE;

  if (tb_case_get_closed (c))
    {
      g_set_error (error, TB_CASE_SERVICE_ERROR, TB_CASE_SERVICE_ERROR_FORBIDDEN,
                   _("Case %s is concluded; its form can no longer change."),
                   tb_case_get_ref (c));
      return FALSE;
    }

  form = tb_case_dup_form (c);
  if (form == NULL)
    form = json_object_new ();
  json_object_iter_init (&iter, fields);
  while (json_object_iter_next (&iter, &name, &value))
    {
      const TbFormField *field = tb_service_lookup_field (service, name);

      if (field == NULL)
        {
          g_set_error (error, TB_CASE_SERVICE_ERROR, TB_CASE_SERVICE_ERROR_INVALID,
                       _("The form has no field “%s”."), name);
          return FALSE;
        }
      if (!tb_workflow_can_edit_field (workflow, tb_case_get_state (c), roles, name))
        {
          g_set_error (error, TB_CASE_SERVICE_ERROR, TB_CASE_SERVICE_ERROR_FORBIDDEN,
                       _("“%s” of case %s cannot be changed at this step."),
                       tb_form_field_get_label (field), tb_case_get_ref (c));
          return FALSE;
        }
      json_object_set_member (form, name, json_node_copy (value));
    }

  if (!validate (service, form, problems, error))
    return FALSE;

  form_json = _tb_json_object_to_string (form);
  tb_case_to_record (c, &r);
  r.form_json = form_json;

  json_object_set_string_member (args, "case_id", case_id);
  json_object_set_object_member (args, "fields", json_object_ref (fields));
  json_object_set_object_member (event, "fields", json_object_ref (fields));

  return record (self, c, &r, changed, FALSE, "case.update_fields", args, "update_fields",
                 "fields", event, error);
}

static char *create_case (TbCaseService *self, const char *case_id, const char *service_id,
                          const char *applicant_name, const char *applicant_kind,
                          const char *company_name, JsonObject *form, GPtrArray **problems,
                          GError **error);

/**
 * tb_case_service_create:
 * @self: a case service
 * @service_id: the service applied for
 * @applicant_name: the applicant (for a company, its contact or legal representative)
 * @applicant_kind: "person" or "company"
 * @company_name: (nullable): the company, for a company applicant
 * @form: the form values
 * @problems: (out) (optional) (element-type TbFormProblem): on a validation error, the problems
 * @error: return location for an error
 *
 * Registers a new case at the counter, offline too: it gets a provisional reference until the
 * server assigns one, and is assigned to the user who registers it.
 *
 * Returns: (transfer full): the new case's id, or %NULL with @error set
 */
char *
tb_case_service_create (TbCaseService  *self,
                        const char     *service_id,
                        const char     *applicant_name,
                        const char     *applicant_kind,
                        const char     *company_name,
                        JsonObject     *form,
                        GPtrArray     **problems,
                        GError        **error)
{
  g_return_val_if_fail (TB_IS_CASE_SERVICE (self), NULL);
  g_return_val_if_fail (service_id != NULL && form != NULL, NULL);

  return create_case (self, NULL, service_id, applicant_name, applicant_kind, company_name, form,
                      problems, error);
}

/* Registers a case under @case_id (a registration made again), or a new id if %NULL. */
static char *
create_case (TbCaseService  *self,
             const char     *case_id,
             const char     *service_id,
             const char     *applicant_name,
             const char     *applicant_kind,
             const char     *company_name,
             JsonObject     *form,
             GPtrArray     **problems,
             GError        **error)
{
  g_autoptr(TbService) service = NULL;
  g_autoptr(TbWorkflow) workflow = NULL;
  g_autoptr(JsonObject) args = json_object_new ();
  g_autoptr(JsonObject) event = json_object_new ();
  g_autofree char *id = NULL;
  g_autofree char *ref = NULL;
  g_autofree char *form_json = NULL;
  g_autofree char *name = NULL;
  TbCalendar *calendar;
  TbCaseRecord r;

  if (!(self->roles & (TB_ROLE_CASEWORKER | TB_ROLE_SUPERVISOR | TB_ROLE_TRAINER)))
    {
      g_set_error_literal (error, TB_CASE_SERVICE_ERROR, TB_CASE_SERVICE_ERROR_FORBIDDEN,
                           _("Your role cannot register cases."));
      return NULL;
    }

  name = applicant_name != NULL ? g_strstrip (g_strdup (applicant_name)) : g_strdup ("");
  if (name[0] == '\0'
      || (g_strcmp0 (applicant_kind, "person") != 0 && g_strcmp0 (applicant_kind, "company") != 0)
      || (g_strcmp0 (applicant_kind, "company") == 0
          && (company_name == NULL || company_name[0] == '\0')))
    {
      g_set_error_literal (error, TB_CASE_SERVICE_ERROR, TB_CASE_SERVICE_ERROR_INVALID,
                           _("Give the applicant's name, and the company's for a company."));
      return NULL;
    }

  if (!(service = tb_store_get_service (self->store, service_id, error))
      || !(workflow = tb_store_get_workflow (self->store, tb_service_get_workflow_id (service),
                                             error))
      || !(calendar = get_calendar (self, error))
      || !validate (service, form, problems, error))
    return NULL;

  id = case_id != NULL ? g_strdup (case_id) : g_uuid_string_random ();
  /* Provisional until the server numbers it; never mistaken for a server reference. */
  ref = g_strdup_printf ("NEW-%.8s", id);
  form_json = _tb_json_object_to_string (form);

  r = (TbCaseRecord) {
    .id = id,
    .ref = ref,
    .service_id = service_id,
    .state = tb_workflow_get_initial_state (workflow),
    .assignee_id = (self->roles & TB_ROLE_CASEWORKER) ? self->user_id : NULL,
    .team_id = self->team_ids[0],
    .applicant_name = name,
    .applicant_kind = applicant_kind,
    .company_name = g_strcmp0 (applicant_kind, "company") == 0 ? company_name : NULL,
    .received_on = self->today,
    .deadline = tb_service_get_time_limit (service) > 0
      ? tb_calendar_add_working_days (calendar, self->today, tb_service_get_time_limit (service))
      : TB_DAY_INVALID,
    .version = 0,
    .form_json = form_json,
    .practice = (self->roles & TB_ROLE_TRAINER) && !(self->roles & TB_ROLE_CASEWORKER),
  };

  json_object_set_string_member (args, "case_id", id);
  json_object_set_string_member (args, "service_id", service_id);
  json_object_set_string_member (args, "applicant_name", name);
  json_object_set_string_member (args, "applicant_kind", applicant_kind);
  set_optional (args, "company_name", r.company_name);
  json_object_set_object_member (args, "form", json_object_ref (form));
  json_object_set_string_member (event, "service_id", service_id);

  if (!record (self, NULL, &r, NULL, TRUE, "case.create", args, "create", "created", event,
               error))
    return NULL;

  return g_steal_pointer (&id);
}

static const char *
arg_string (JsonObject *args,
            const char *name)
{
  return json_object_get_string_member_with_default (args, name, NULL);
}

/* Whether the change was refused for a file it attaches, not for what it says: one this
 * computer could not send, or one the server did not have from this user. */
static gboolean
refused_for_a_file (TbConflict *conflict)
{
  g_autoptr(JsonNode) node = NULL;
  const char *code;

  if (!conflict->rejected || conflict->problem_json == NULL
      || (node = json_from_string (conflict->problem_json, NULL)) == NULL
      || !JSON_NODE_HOLDS_OBJECT (node))
    return FALSE;
  code = json_object_get_string_member_with_default (json_node_get_object (node), "code", "");
  return g_str_equal (code, TB_ATTACHMENT_PROBLEM_REFUSED)
         || g_str_equal (code, TB_WIRE_PROBLEM_ATTACHMENT_NOT_UPLOADED);
}

/* Makes the change of a conflict again, on the case as it is now. */
static gboolean
redo (TbCaseService  *self,
      TbConflict     *conflict,
      GError        **error)
{
  g_autoptr(JsonNode) node = conflict->mutation_args_json != NULL
                             ? json_from_string (conflict->mutation_args_json, NULL) : NULL;
  JsonObject *args = node != NULL && JSON_NODE_HOLDS_OBJECT (node)
                     ? json_node_get_object (node) : NULL;
  const char *name = conflict->mutation_name != NULL ? conflict->mutation_name : "";

  if (args == NULL)
    {
      g_set_error_literal (error, TB_CASE_SERVICE_ERROR, TB_CASE_SERVICE_ERROR_INVALID,
                           _("This change cannot be made again: it is not readable."));
      return FALSE;
    }

  if (g_str_equal (name, "case.decide"))
    return tb_case_service_decide (self, conflict->case_id, arg_string (args, "action"),
                                   arg_string (args, "party"), arg_string (args, "reason"),
                                   arg_string (args, "comment"), error);
  if (g_str_equal (name, "case.comment"))
    return tb_case_service_comment (self, conflict->case_id, arg_string (args, "text"), error);
  if (g_str_equal (name, "case.reassign"))
    return tb_case_service_reassign (self, conflict->case_id, arg_string (args, "assignee_id"),
                                     error);
  if (g_str_equal (name, "case.update_fields"))
    {
      JsonObject *fields = json_object_get_member (args, "fields") != NULL
                           && JSON_NODE_HOLDS_OBJECT (json_object_get_member (args, "fields"))
                           ? json_object_get_object_member (args, "fields") : NULL;
      g_autoptr(GPtrArray) problems = NULL;

      if (fields == NULL)
        {
          g_set_error_literal (error, TB_CASE_SERVICE_ERROR, TB_CASE_SERVICE_ERROR_INVALID,
                               _("This change cannot be made again: it is not readable."));
          return FALSE;
        }
      return tb_case_service_update_fields (self, conflict->case_id, fields, &problems, error);
    }

  /* Held back for a file that could not be sent: the registration itself was fine, and goes
   * again as it was, the file with it. */
  if (g_str_equal (name, "case.create") && refused_for_a_file (conflict))
    {
      JsonNode *form = json_object_get_member (args, "form");
      g_autofree char *id = NULL;

      if (form != NULL && JSON_NODE_HOLDS_OBJECT (form))
        id = create_case (self, conflict->case_id, arg_string (args, "service_id"),
                          arg_string (args, "applicant_name"),
                          arg_string (args, "applicant_kind"),
                          arg_string (args, "company_name"), json_node_get_object (form), NULL,
                          error);
      else
        g_set_error_literal (error, TB_CASE_SERVICE_ERROR, TB_CASE_SERVICE_ERROR_INVALID,
                             _("This change cannot be made again: it is not readable."));
      return id != NULL;
    }

  g_set_error_literal (error, TB_CASE_SERVICE_ERROR, TB_CASE_SERVICE_ERROR_INVALID,
                       _("A registration the server refused cannot be sent again as it is. "
                         "Register the case again with the corrected values."));
  return FALSE;
}

/**
 * tb_case_service_resolve_conflict:
 * @self: a case service
 * @conflict_id: a #TbConflict's id (see tb_store_list_conflicts())
 * @keep_mine: make the local change again on the case as it is now; %FALSE lets the
 *   server's version stand
 * @error: return location for an error
 *
 * Resolves a conflict or rejection. Keeping one's own change checks it against the current
 * state, workflow and role like any action, and queues a new mutation; the conflict is marked
 * resolved in the same transaction. If the change is no longer possible, nothing is written
 * and the conflict stays.
 *
 * Returns: %TRUE on success
 */
gboolean
tb_case_service_resolve_conflict (TbCaseService  *self,
                                  gint64          conflict_id,
                                  gboolean        keep_mine,
                                  GError        **error)
{
  g_autoptr(GPtrArray) conflicts = NULL;
  TbConflict *conflict = NULL;
  TbStore *store;
  guint n_changes, last_change;
  gboolean ok;

  g_return_val_if_fail (TB_IS_CASE_SERVICE (self), FALSE);

  store = tb_case_service_get_store (self);
  conflicts = tb_store_list_conflicts (store, NULL, error);
  if (conflicts == NULL)
    return FALSE;
  for (guint i = 0; i < conflicts->len && conflict == NULL; i++)
    if (((TbConflict *) g_ptr_array_index (conflicts, i))->id == conflict_id)
      conflict = g_ptr_array_index (conflicts, i);
  if (conflict == NULL)
    {
      g_set_error_literal (error, TB_STORE_ERROR, TB_STORE_ERROR_NOT_FOUND,
                           _("This conflict has already been resolved."));
      return FALSE;
    }

  n_changes = self->changes->len;
  last_change = self->last_change;
  if (!tb_store_begin (store, error))
    return FALSE;
  ok = (!keep_mine || redo (self, conflict, error))
       && tb_store_resolve_conflict (store, conflict_id, error);
  if (!ok)
    tb_store_rollback (store);
  else
    ok = tb_store_commit (store, error);

  /* Undoing the change made again would leave the conflict resolved and the change lost. */
  g_ptr_array_set_size (self->changes, n_changes);
  self->last_change = last_change;
  return ok;
}

/**
 * tb_case_service_dup_editable_fields:
 * @self: a case service
 * @c: a case
 * @error: return location for an error
 *
 * Lists the form fields the user may change on @c now: those the workflow lets their roles
 * on the case edit in its state (none once it is concluded), in form order.
 *
 * Returns: (transfer full) (array zero-terminated=1): top-level field ids, perhaps none; %NULL
 *   with @error set if the service or workflow cannot be read
 */
char **
tb_case_service_dup_editable_fields (TbCaseService  *self,
                                     TbCase         *c,
                                     GError        **error)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr(TbService) service = NULL;
  g_autoptr(TbWorkflow) workflow = NULL;
  TbRole roles;

  g_return_val_if_fail (TB_IS_CASE_SERVICE (self), NULL);
  g_return_val_if_fail (TB_IS_CASE (c), NULL);

  roles = tb_case_service_get_case_roles (self, c);
  if (roles == TB_ROLE_NONE || tb_case_get_closed (c))
    return g_strv_builder_end (builder);

  if (!(service = tb_store_get_service (self->store, tb_case_get_service_id (c), error))
      || !(workflow = tb_store_get_workflow (self->store, tb_service_get_workflow_id (service),
                                             error)))
    return NULL;

  for (guint i = 0; i < tb_service_get_n_sections (service); i++)
    {
      const TbFormSection *section = tb_service_get_section (service, i);

      for (guint j = 0; j < tb_form_section_get_n_fields (section); j++)
        {
          const char *id = tb_form_field_get_id (tb_form_section_get_field (section, j));

          if (tb_workflow_can_edit_field (workflow, tb_case_get_state (c), roles, id))
            g_strv_builder_add (builder, id);
        }
    }

  return g_strv_builder_end (builder);
}

/**
 * tb_case_service_get_last_change:
 * @self: a case service
 *
 * The handle of the last action this service recorded, for offering to undo it (see
 * tb_case_service_undo()). Resolving a conflict is not an undoable change.
 *
 * Returns: the handle, or 0 if there is none
 */
guint
tb_case_service_get_last_change (TbCaseService *self)
{
  g_return_val_if_fail (TB_IS_CASE_SERVICE (self), 0);
  return self->last_change;
}

static guint
find_change (TbCaseService *self,
             guint          id)
{
  for (guint i = 0; i < self->changes->len; i++)
    if (((Change *) g_ptr_array_index (self->changes, i))->id == id)
      return i;
  return G_MAXUINT;
}

/**
 * tb_case_service_can_undo:
 * @self: a case service
 * @change: a handle from tb_case_service_get_last_change()
 *
 * Tells whether the change is still only on this device, so that undoing it is possible: its
 * mutation has not started to be sent. (It may still be refused if a later change to the case
 * exists, or the case changed since.)
 *
 * Returns: %TRUE if @change may be undone
 */
gboolean
tb_case_service_can_undo (TbCaseService *self,
                          guint          change)
{
  guint index;

  g_return_val_if_fail (TB_IS_CASE_SERVICE (self), FALSE);

  index = find_change (self, change);
  return index != G_MAXUINT
         && _tb_store_can_undo_local_action (self->store,
                                             ((Change *) g_ptr_array_index (self->changes,
                                                                            index))->undo);
}

/**
 * tb_case_service_undo:
 * @self: a case service
 * @change: a handle from tb_case_service_get_last_change()
 * @error: return location for an error
 *
 * Takes back a change that has not left this device: its outbox mutation and timeline entry
 * are removed, and the case and its local overlay are put back exactly as they were, in one
 * transaction. The undo is recorded in the audit trail. Once the mutation is being sent or
 * was sent, when a later change to the same case exists, or when the case changed otherwise
 * (a pull), it fails with %TB_CASE_SERVICE_ERROR_TOO_LATE and nothing is written.
 *
 * Returns: %TRUE if the change was undone
 */
gboolean
tb_case_service_undo (TbCaseService  *self,
                      guint           change,
                      GError        **error)
{
  TbLocalUndo *undo;
  gint64 mutation_id;
  guint index;

  g_return_val_if_fail (TB_IS_CASE_SERVICE (self), FALSE);

  index = find_change (self, change);
  if (index == G_MAXUINT)
    {
      g_set_error_literal (error, TB_CASE_SERVICE_ERROR, TB_CASE_SERVICE_ERROR_TOO_LATE,
                           _("This change can no longer be undone."));
      return FALSE;
    }

  undo = ((Change *) g_ptr_array_index (self->changes, index))->undo;
  mutation_id = undo->mutation_id;
  if (!_tb_store_undo_local_action (self->store, undo, self->user_id, error))
    return FALSE;

  g_ptr_array_remove_index (self->changes, index);
  if (self->last_change == change)
    self->last_change = 0;

  /* The mutations queued after it moved down by one. */
  for (guint i = 0; i < self->changes->len; i++)
    {
      TbLocalUndo *other = ((Change *) g_ptr_array_index (self->changes, i))->undo;

      if (other->mutation_id > mutation_id)
        other->mutation_id--;
    }
  return TRUE;
}

typedef struct
{
  const char *actor_id;
  const char *case_id;
  const char *detail;
} Reveal;

static gboolean
reveal_in_transaction (TbStore       *store,
                       gconstpointer  data,
                       guint          unused,
                       GError       **error)
{
  const Reveal *reveal = data;

  return _tb_store_write_audit (store, reveal->actor_id, "reveal", reveal->case_id,
                                reveal->detail, g_get_real_time (), error);
}

/**
 * tb_case_service_record_reveal:
 * @self: a case service
 * @case_id: the case
 * @field_id: the (top-level) sensitive field the user asked to see
 * @row: the table row, or -1
 * @column_id: (nullable): the table column, or %NULL
 * @error: return location for an error
 *
 * Records in the audit trail that the user saw a masked personal value in full, as
 * #TbFormView::reveal tells.
 *
 * Returns: %TRUE if it was recorded
 */
gboolean
tb_case_service_record_reveal (TbCaseService  *self,
                               const char     *case_id,
                               const char     *field_id,
                               int             row,
                               const char     *column_id,
                               GError        **error)
{
  g_autoptr(TbCase) c = NULL;
  g_autoptr(JsonObject) detail = json_object_new ();
  g_autofree char *detail_text = NULL;
  Reveal reveal;

  g_return_val_if_fail (TB_IS_CASE_SERVICE (self), FALSE);
  g_return_val_if_fail (case_id != NULL && field_id != NULL, FALSE);

  if (!(c = load_case (self, case_id, error)))
    return FALSE;

  json_object_set_string_member (detail, "field", field_id);
  if (row >= 0)
    json_object_set_int_member (detail, "row", row);
  if (column_id != NULL)
    json_object_set_string_member (detail, "column", column_id);
  detail_text = _tb_json_object_to_string (detail);

  reveal = (Reveal) { self->user_id, case_id, detail_text };
  return _tb_store_run_in_transaction (self->store, reveal_in_transaction, &reveal, 0, error);
}
