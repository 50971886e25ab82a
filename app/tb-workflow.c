/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-workflow.c: workflow definitions and the check of who may take which action when */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "tb-definition-private.h"
#include "tb-service.h"
#include "tb-workflow.h"

typedef struct
{
  char        *id;
  TbLocalized *name;
} Named;

typedef struct
{
  char        *id;
  TbLocalized *name;
  gboolean     terminal;
  gboolean     pauses_clock;
  GStrv        parties;       /* countersigning parties, or NULL */
  GPtrArray   *editable;      /* of Editable, or NULL: nothing may be edited */
} State;

/* Who may change which form fields in a state: "*" stands for every field. */
typedef struct
{
  TbRole  roles;
  GStrv   fields;
} Editable;

typedef struct
{
  Named    *action;
  State    *to;
  TbRole    roles;
  gboolean  needs_reason;
  gboolean  extends_deadline;
  gboolean  countersign;
  gboolean  by_party;
} Transition;

struct _TbWorkflow
{
  GObject      parent_instance;

  char        *definition;
  char        *id;
  TbLocalized *name;
  State       *initial;
  GPtrArray   *states;        /* of State, in definition order */
  GPtrArray   *actions;       /* of Named */
  GPtrArray   *parties;       /* of Named */
  GPtrArray   *transitions;   /* of Transition */
  GStrv        state_ids;
  GStrv        action_ids;
  GHashTable  *states_by_id;  /* borrowed */
  GHashTable  *actions_by_id; /* borrowed */
  GHashTable  *parties_by_id; /* borrowed */
  GHashTable  *by_step;       /* "state\naction" → Transition, borrowed */
};

G_DEFINE_TYPE (TbWorkflow, tb_workflow, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_NAME,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_QUARK (tb-workflow-error-quark, tb_workflow_error)

static void
named_free (Named *named)
{
  g_free (named->id);
  tb_localized_free (named->name);
  g_free (named);
}

static void
editable_free (Editable *editable)
{
  g_strfreev (editable->fields);
  g_free (editable);
}

static void
state_free (State *state)
{
  g_free (state->id);
  tb_localized_free (state->name);
  g_strfreev (state->parties);
  g_clear_pointer (&state->editable, g_ptr_array_unref);
  g_free (state);
}

static char *
step_key (const char *state,
          const char *action)
{
  return g_strconcat (state, "\n", action, NULL);
}

/* ------------------------------------------------------------------------------------------ */
/* Parsing                                                                                     */

static gboolean
invalid (GError     **error,
         const char  *format,
         ...) G_GNUC_PRINTF (2, 3);

static gboolean
invalid (GError     **error,
         const char  *format,
         ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  g_set_error_literal (error, TB_SERVICE_ERROR, TB_SERVICE_ERROR_INVALID, message);
  return FALSE;
}

static const char *
member_id (JsonObject  *object,
           const char  *member,
           const char  *where,
           GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);
  const char *id;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      invalid (error, _("%s: “%s” is missing or not a string"), where, member);
      return NULL;
    }

  id = json_node_get_string (node);
  if (!_tb_definition_is_valid_id (id))
    {
      invalid (error, _("%s: “%s” is not a valid identifier (use letters, digits, “_”, “-”)"),
               where, id);
      return NULL;
    }

  return id;
}

static JsonArray *
member_array (JsonObject  *object,
              const char  *member,
              gboolean     required,
              const char  *where,
              GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL && !required)
    return NULL;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node)
      || json_array_get_length (json_node_get_array (node)) == 0)
    {
      invalid (error, _("%s: “%s” must be a non-empty array"), where, member);
      return NULL;
    }

  return json_node_get_array (node);
}

/* Reads an array of {"id", "name"} into @list and @index. */
static gboolean
parse_named_list (TbWorkflow  *self,
                  JsonObject  *root,
                  const char  *member,
                  gboolean     required,
                  GPtrArray   *list,
                  GHashTable  *index,
                  GError     **error)
{
  JsonArray *array;

  if (!(array = member_array (root, member, required, self->id, error)))
    return !required && !json_object_has_member (root, member);

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *object = _tb_definition_get_element_object (array, i, self->id, member,
                                                              error);
      g_autofree char *where = NULL;
      const char *id;
      Named *named;

      where = g_strdup_printf ("%s / %s[%u]", self->id, member, i + 1);
      if (object == NULL || !(id = member_id (object, "id", where, error)))
        return FALSE;

      named = g_new0 (Named, 1);
      named->id = g_strdup (id);
      g_ptr_array_add (list, named);

      if (!g_hash_table_insert (index, named->id, named))
        return invalid (error, _("%s: “%s” is listed twice in “%s”"), self->id, id, member);

      g_free (where);
      where = g_strdup_printf ("%s / %s / name", self->id, id);
      if (!(named->name = tb_localized_new_from_json (json_object_get_member (object, "name"),
                                                      where, error)))
        return FALSE;
    }

  return TRUE;
}

/* Reads a non-empty array of role names. */
static gboolean
parse_roles (JsonObject  *object,
             const char  *where,
             TbRole      *out,
             GError     **error)
{
  JsonArray *roles;

  *out = TB_ROLE_NONE;
  if (!(roles = member_array (object, "roles", TRUE, where, error)))
    return FALSE;

  for (guint i = 0; i < json_array_get_length (roles); i++)
    {
      JsonNode *node = json_array_get_element (roles, i);
      TbRole role = TB_ROLE_NONE;

      if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
        role = tb_role_from_string (json_node_get_string (node));

      if (role == TB_ROLE_NONE)
        return invalid (error, _("%s: roles are “caseworker”, “supervisor”, “trainer” and "
                                 "“auditor”"), where);

      *out |= role;
    }

  return TRUE;
}

/*
 * "editable": [{"roles": [...], "fields": ["field_id", ... or "*"]}]: the form fields these
 * roles may change while a case is in the state. The workflow is shared by services, so field
 * ids are not checked here; ids a service does not have simply match nothing.
 */
static gboolean
parse_editable (State       *state,
                JsonObject  *object,
                const char  *where,
                GError     **error)
{
  g_autofree char *list_where = g_strdup_printf ("%s / editable", where);
  JsonArray *array;

  if (!json_object_has_member (object, "editable"))
    return TRUE;

  if (!(array = member_array (object, "editable", TRUE, where, error)))
    return FALSE;

  if (state->terminal)
    return invalid (error, _("%s: nothing can be edited in a terminal state"), where);

  state->editable = g_ptr_array_new_with_free_func ((GDestroyNotify) editable_free);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *rule = _tb_definition_get_element_object (array, i, where, "editable",
                                                            error);
      g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
      Editable *editable;
      JsonArray *fields;

      if (rule == NULL)
        return FALSE;

      editable = g_new0 (Editable, 1);
      g_ptr_array_add (state->editable, editable);

      if (!parse_roles (rule, list_where, &editable->roles, error)
          || !(fields = member_array (rule, "fields", TRUE, list_where, error)))
        return FALSE;

      for (guint j = 0; j < json_array_get_length (fields); j++)
        {
          JsonNode *node = json_array_get_element (fields, j);
          const char *field = NULL;

          if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
            field = json_node_get_string (node);

          if (field == NULL || (!g_str_equal (field, "*") && !_tb_definition_is_valid_id (field)))
            return invalid (error, _("%s: “fields” must list field ids or “*”"), list_where);

          g_strv_builder_add (builder, field);
        }
      editable->fields = g_strv_builder_end (builder);
    }

  return TRUE;
}

static gboolean
parse_states (TbWorkflow  *self,
              JsonObject  *root,
              GError     **error)
{
  g_autoptr(GStrvBuilder) ids = g_strv_builder_new ();
  JsonArray *array;

  if (!(array = member_array (root, "states", TRUE, self->id, error)))
    return FALSE;

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *object = _tb_definition_get_element_object (array, i, self->id, "states",
                                                              error);
      g_autofree char *where = NULL;
      JsonArray *parties;
      const char *id;
      State *state;

      where = g_strdup_printf ("%s / states[%u]", self->id, i + 1);
      if (object == NULL || !(id = member_id (object, "id", where, error)))
        return FALSE;

      state = g_new0 (State, 1);
      state->id = g_strdup (id);
      g_ptr_array_add (self->states, state);
      g_strv_builder_add (ids, id);

      if (!g_hash_table_insert (self->states_by_id, state->id, state))
        return invalid (error, _("%s: the state “%s” is listed twice"), self->id, id);

      g_free (where);
      where = g_strdup_printf ("%s / %s", self->id, id);

      if (!_tb_definition_get_boolean (object, "terminal", FALSE, where, &state->terminal,
                                       error)
          || !_tb_definition_get_boolean (object, "pauses_clock", FALSE, where,
                                          &state->pauses_clock, error))
        return FALSE;

      if (state->terminal && state->pauses_clock)
        return invalid (error, _("%s: a terminal state cannot pause the clock"), where);

      if (!parse_editable (state, object, where, error))
        return FALSE;

      {
        g_autofree char *name_where = g_strdup_printf ("%s / name", where);

        if (!(state->name = tb_localized_new_from_json (json_object_get_member (object, "name"),
                                                        name_where, error)))
          return FALSE;
      }

      if (json_object_has_member (object, "countersign"))
        {
          g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
          g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

          if (state->terminal)
            return invalid (error, _("%s: a terminal state cannot have countersigning"), where);

          if (!(parties = member_array (object, "countersign", TRUE, where, error)))
            return FALSE;

          for (guint j = 0; j < json_array_get_length (parties); j++)
            {
              JsonNode *node = json_array_get_element (parties, j);
              const char *party = NULL;

              if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
                party = json_node_get_string (node);

              if (party == NULL || !g_hash_table_contains (self->parties_by_id, party))
                return invalid (error, _("%s: countersigning party “%s” is not in “parties”"),
                                where, party != NULL ? party : "?");

              if (!g_hash_table_add (seen, (gpointer) party))
                return invalid (error, _("%s: countersigning party “%s” is listed twice"),
                                where, party);

              g_strv_builder_add (builder, party);
            }

          state->parties = g_strv_builder_end (builder);
        }
    }

  self->state_ids = g_strv_builder_end (ids);
  return TRUE;
}

static gboolean
parse_transition (TbWorkflow  *self,
                  JsonObject  *object,
                  guint        index,
                  GError     **error)
{
  g_autofree char *where = g_strdup_printf ("%s / transitions[%u]", self->id, index + 1);
  g_autoptr(GPtrArray) from = g_ptr_array_new ();
  Transition *transition;
  const char *action, *to;
  JsonNode *from_node;

  if (!(action = member_id (object, "action", where, error))
      || !(to = member_id (object, "to", where, error)))
    return FALSE;

  transition = g_new0 (Transition, 1);
  g_ptr_array_add (self->transitions, transition);

  if (!(transition->action = g_hash_table_lookup (self->actions_by_id, action)))
    return invalid (error, _("%s: the action “%s” is not in “actions”"), where, action);

  if (!(transition->to = g_hash_table_lookup (self->states_by_id, to)))
    return invalid (error, _("%s: the state “%s” is not in “states”"), where, to);

  if (!_tb_definition_get_boolean (object, "needs_reason", FALSE, where,
                                   &transition->needs_reason, error)
      || !_tb_definition_get_boolean (object, "extends_deadline", FALSE, where,
                                      &transition->extends_deadline, error)
      || !_tb_definition_get_boolean (object, "countersign", FALSE, where,
                                      &transition->countersign, error)
      || !_tb_definition_get_boolean (object, "by_party", FALSE, where, &transition->by_party,
                                      error))
    return FALSE;

  if (transition->countersign && transition->by_party)
    return invalid (error, _("%s: “countersign” and “by_party” exclude each other"), where);

  if (!parse_roles (object, where, &transition->roles, error))
    return FALSE;

  from_node = json_object_get_member (object, "from");
  if (from_node != NULL && JSON_NODE_HOLDS_VALUE (from_node)
      && json_node_get_value_type (from_node) == G_TYPE_STRING)
    g_ptr_array_add (from, (gpointer) json_node_get_string (from_node));
  else if (from_node != NULL && JSON_NODE_HOLDS_ARRAY (from_node))
    {
      JsonArray *array = json_node_get_array (from_node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *node = json_array_get_element (array, i);

          if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
            return invalid (error, _("%s: “from” must list state ids"), where);
          g_ptr_array_add (from, (gpointer) json_node_get_string (node));
        }
    }

  if (from->len == 0)
    return invalid (error, _("%s: “from” must name a state or a non-empty list of them"),
                    where);

  for (guint i = 0; i < from->len; i++)
    {
      State *state = g_hash_table_lookup (self->states_by_id, g_ptr_array_index (from, i));

      if (state == NULL)
        return invalid (error, _("%s: the state “%s” is not in “states”"), where,
                        (const char *) g_ptr_array_index (from, i));

      if (state->terminal)
        return invalid (error, _("%s: nothing can happen after the terminal state “%s”"),
                        where, state->id);

      if ((transition->countersign || transition->by_party) && state->parties == NULL)
        return invalid (error, _("%s: “%s” has no countersigning parties"), where, state->id);

      if (transition->countersign && state == transition->to)
        return invalid (error, _("%s: completing a countersign must leave “%s”"), where,
                        state->id);

      if (!g_hash_table_insert (self->by_step, step_key (state->id, action), transition))
        return invalid (error, _("%s: the action “%s” is defined twice from “%s”"),
                        self->id, action, state->id);
    }

  return TRUE;
}

static gboolean
tb_workflow_parse (gpointer     instance,
                   JsonObject  *root,
                   GError     **error)
{
  TbWorkflow *self = instance;
  g_autoptr(GStrvBuilder) action_ids = g_strv_builder_new ();
  JsonArray *transitions;
  const char *id, *initial;

  if (!(id = member_id (root, "id", _("workflow"), error)))
    return FALSE;
  self->id = g_strdup (id);

  {
    g_autofree char *where = g_strdup_printf ("%s / name", self->id);
    if (!(self->name = tb_localized_new_from_json (json_object_get_member (root, "name"),
                                                   where, error)))
      return FALSE;
  }

  if (!parse_named_list (self, root, "actions", TRUE, self->actions, self->actions_by_id, error)
      || !parse_named_list (self, root, "parties", FALSE, self->parties, self->parties_by_id,
                            error)
      || !parse_states (self, root, error))
    return FALSE;

  for (guint i = 0; i < self->actions->len; i++)
    g_strv_builder_add (action_ids, ((Named *) g_ptr_array_index (self->actions, i))->id);
  self->action_ids = g_strv_builder_end (action_ids);

  if (!(initial = member_id (root, "initial", self->id, error)))
    return FALSE;

  if (!(self->initial = g_hash_table_lookup (self->states_by_id, initial)))
    return invalid (error, _("%s: the initial state “%s” is not in “states”"), self->id, initial);

  if (self->initial->terminal)
    return invalid (error, _("%s: the initial state “%s” cannot be terminal"), self->id, initial);

  if (!(transitions = member_array (root, "transitions", TRUE, self->id, error)))
    return FALSE;

  for (guint i = 0; i < json_array_get_length (transitions); i++)
    {
      JsonObject *object = _tb_definition_get_element_object (transitions, i, self->id,
                                                              "transitions", error);

      if (object == NULL || !parse_transition (self, object, i, error))
        return FALSE;
    }

  /* A case must never get stuck: every open state has a way out, and a countersign state
   * a way to complete. */
  for (guint i = 0; i < self->states->len; i++)
    {
      State *state = g_ptr_array_index (self->states, i);
      gboolean has_exit = FALSE, has_countersign = FALSE;

      if (state->terminal)
        continue;

      for (guint j = 0; j < self->actions->len; j++)
        {
          Named *action = g_ptr_array_index (self->actions, j);
          g_autofree char *key = step_key (state->id, action->id);
          Transition *transition = g_hash_table_lookup (self->by_step, key);

          if (transition != NULL && transition->to != state)
            has_exit = TRUE;
          if (transition != NULL && transition->countersign)
            has_countersign = TRUE;
        }

      if (!has_exit)
        return invalid (error, _("%s: the state “%s” is not terminal but has no way out"),
                        self->id, state->id);

      if (state->parties != NULL && !has_countersign)
        return invalid (error, _("%s: the state “%s” needs a countersign transition"),
                        self->id, state->id);
    }

  return TRUE;
}

static const TbDefinitionKind workflow_kind = {
  .get_type = tb_workflow_get_type,
  .parse = tb_workflow_parse,
  .definition_offset = G_STRUCT_OFFSET (TbWorkflow, definition),
  .invalid = N_("Invalid workflow definition: "),
};

/* ------------------------------------------------------------------------------------------ */
/* GObject                                                                                     */

static void
tb_workflow_finalize (GObject *object)
{
  TbWorkflow *self = (TbWorkflow *) object;

  g_free (self->definition);
  g_free (self->id);
  tb_localized_free (self->name);
  g_hash_table_unref (self->by_step);
  g_hash_table_unref (self->states_by_id);
  g_hash_table_unref (self->actions_by_id);
  g_hash_table_unref (self->parties_by_id);
  g_ptr_array_unref (self->transitions);
  g_ptr_array_unref (self->states);
  g_ptr_array_unref (self->actions);
  g_ptr_array_unref (self->parties);
  g_strfreev (self->state_ids);
  g_strfreev (self->action_ids);

  G_OBJECT_CLASS (tb_workflow_parent_class)->finalize (object);
}

static void
tb_workflow_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  TbWorkflow *self = TB_WORKFLOW (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;

    case PROP_NAME:
      g_value_set_string (value, tb_workflow_get_name (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tb_workflow_class_init (TbWorkflowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = tb_workflow_finalize;
  object_class->get_property = tb_workflow_get_property;

  properties[PROP_ID] =
    g_param_spec_string ("id", NULL, NULL, NULL,
                         (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL,
                         (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tb_workflow_init (TbWorkflow *self)
{
  self->states = g_ptr_array_new_with_free_func ((GDestroyNotify) state_free);
  self->actions = g_ptr_array_new_with_free_func ((GDestroyNotify) named_free);
  self->parties = g_ptr_array_new_with_free_func ((GDestroyNotify) named_free);
  self->transitions = g_ptr_array_new_with_free_func (g_free);
  self->states_by_id = g_hash_table_new (g_str_hash, g_str_equal);
  self->actions_by_id = g_hash_table_new (g_str_hash, g_str_equal);
  self->parties_by_id = g_hash_table_new (g_str_hash, g_str_equal);
  self->by_step = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

/**
 * tb_workflow_new_from_object:
 * @object: a workflow definition
 * @error: return location for a #GError
 *
 * Parses a workflow definition (see data/catalogue/README.md for the format). Definitions that
 * could leave a case stuck (an open state with no way out, a countersign that cannot complete)
 * are refused.
 *
 * Returns: (transfer full) (nullable): the workflow, or %NULL with @error set
 *   (%TB_SERVICE_ERROR_INVALID)
 */
TbWorkflow *
tb_workflow_new_from_object (JsonObject  *object,
                             GError     **error)
{
  g_return_val_if_fail (object != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return _tb_definition_new_from_object (&workflow_kind, object, error);
}

/**
 * tb_workflow_new_from_json:
 * @json: a workflow definition as JSON text
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the workflow, or %NULL with @error set
 */
TbWorkflow *
tb_workflow_new_from_json (const char  *json,
                           GError     **error)
{
  g_return_val_if_fail (json != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return _tb_definition_new_from_json (&workflow_kind, json, error);
}

/**
 * tb_workflow_get_definition:
 * @self: a #TbWorkflow
 *
 * Returns: the JSON definition @self was parsed from, for saving in the store
 */
const char *
tb_workflow_get_definition (TbWorkflow *self)
{
  g_return_val_if_fail (TB_IS_WORKFLOW (self), NULL);

  return self->definition;
}

/**
 * tb_workflow_get_id:
 * @self: a #TbWorkflow
 *
 * Returns: the workflow's id, as services refer to it
 */
const char *
tb_workflow_get_id (TbWorkflow *self)
{
  g_return_val_if_fail (TB_IS_WORKFLOW (self), NULL);

  return self->id;
}

/**
 * tb_workflow_get_name:
 * @self: a #TbWorkflow
 *
 * Returns: the workflow's name in the current locale
 */
const char *
tb_workflow_get_name (TbWorkflow *self)
{
  return tb_workflow_get_name_for (self, NULL);
}

/**
 * tb_workflow_get_name_for:
 * @self: a #TbWorkflow
 * @languages: (nullable): language names in order of preference, or %NULL for the locale's
 *
 * Returns: the workflow's name in the best of @languages
 */
const char *
tb_workflow_get_name_for (TbWorkflow         *self,
                          const char * const *languages)
{
  g_return_val_if_fail (TB_IS_WORKFLOW (self), NULL);

  return tb_localized_get (self->name, languages);
}

/**
 * tb_workflow_get_initial_state:
 * @self: a #TbWorkflow
 *
 * Returns: the state a newly received case is in
 */
const char *
tb_workflow_get_initial_state (TbWorkflow *self)
{
  g_return_val_if_fail (TB_IS_WORKFLOW (self), NULL);

  return self->initial->id;
}

/**
 * tb_workflow_get_states:
 * @self: a #TbWorkflow
 *
 * Returns: (array zero-terminated=1) (transfer none): the state ids, in definition order
 */
const char * const *
tb_workflow_get_states (TbWorkflow *self)
{
  g_return_val_if_fail (TB_IS_WORKFLOW (self), NULL);

  return (const char * const *) self->state_ids;
}

static State *
lookup_state (TbWorkflow *self,
              const char *state)
{
  return state != NULL ? g_hash_table_lookup (self->states_by_id, state) : NULL;
}

/**
 * tb_workflow_has_state:
 * @self: a #TbWorkflow
 * @state: a state id
 *
 * Returns: %TRUE if @state is a state of @self
 */
gboolean
tb_workflow_has_state (TbWorkflow *self,
                       const char *state)
{
  g_return_val_if_fail (TB_IS_WORKFLOW (self), FALSE);

  return lookup_state (self, state) != NULL;
}

/**
 * tb_workflow_is_terminal:
 * @self: a #TbWorkflow
 * @state: a state id
 *
 * Returns: %TRUE if a case in @state is closed (%FALSE for unknown states)
 */
gboolean
tb_workflow_is_terminal (TbWorkflow *self,
                         const char *state)
{
  State *s;

  g_return_val_if_fail (TB_IS_WORKFLOW (self), FALSE);

  s = lookup_state (self, state);
  return s != NULL && s->terminal;
}

/**
 * tb_workflow_pauses_clock:
 * @self: a #TbWorkflow
 * @state: a state id
 *
 * Returns: %TRUE if the time-limit clock stands still while a case is in @state (waiting for
 *   the applicant to correct the application)
 */
gboolean
tb_workflow_pauses_clock (TbWorkflow *self,
                          const char *state)
{
  State *s;

  g_return_val_if_fail (TB_IS_WORKFLOW (self), FALSE);

  s = lookup_state (self, state);
  return s != NULL && s->pauses_clock;
}

/**
 * tb_workflow_get_state_name:
 * @self: a #TbWorkflow
 * @state: a state id
 *
 * Returns: (nullable): the state's name in the current locale, %NULL for an unknown state
 */
const char *
tb_workflow_get_state_name (TbWorkflow *self,
                            const char *state)
{
  return tb_workflow_get_state_name_for (self, state, NULL);
}

/**
 * tb_workflow_get_state_name_for:
 * @self: a #TbWorkflow
 * @state: a state id
 * @languages: (nullable): language names in order of preference, or %NULL for the locale's
 *
 * Returns: (nullable): the state's name in the best of @languages
 */
const char *
tb_workflow_get_state_name_for (TbWorkflow         *self,
                                const char         *state,
                                const char * const *languages)
{
  State *s;

  g_return_val_if_fail (TB_IS_WORKFLOW (self), NULL);

  s = lookup_state (self, state);
  return s != NULL ? tb_localized_get (s->name, languages) : NULL;
}

/**
 * tb_workflow_get_actions:
 * @self: a #TbWorkflow
 *
 * Returns: (array zero-terminated=1) (transfer none): every action id, in definition order
 */
const char * const *
tb_workflow_get_actions (TbWorkflow *self)
{
  g_return_val_if_fail (TB_IS_WORKFLOW (self), NULL);

  return (const char * const *) self->action_ids;
}

/**
 * tb_workflow_get_action_name:
 * @self: a #TbWorkflow
 * @action: an action id
 *
 * Returns: (nullable): the action's name (a button label) in the current locale
 */
const char *
tb_workflow_get_action_name (TbWorkflow *self,
                             const char *action)
{
  return tb_workflow_get_action_name_for (self, action, NULL);
}

/**
 * tb_workflow_get_action_name_for:
 * @self: a #TbWorkflow
 * @action: an action id
 * @languages: (nullable): language names in order of preference, or %NULL for the locale's
 *
 * Returns: (nullable): the action's name in the best of @languages
 */
const char *
tb_workflow_get_action_name_for (TbWorkflow         *self,
                                 const char         *action,
                                 const char * const *languages)
{
  Named *named;

  g_return_val_if_fail (TB_IS_WORKFLOW (self), NULL);

  named = action != NULL ? g_hash_table_lookup (self->actions_by_id, action) : NULL;
  return named != NULL ? tb_localized_get (named->name, languages) : NULL;
}

/**
 * tb_workflow_dup_available_actions:
 * @self: a #TbWorkflow
 * @state: a state id
 * @roles: the user's roles
 *
 * Lists the actions a user holding @roles may take in @state, for building the action
 * buttons. A countersign action may need a party and actions may need a reason: see
 * tb_workflow_check().
 *
 * Returns: (transfer full) (array zero-terminated=1): action ids in definition order (empty
 *   for unknown or terminal states)
 */
char **
tb_workflow_dup_available_actions (TbWorkflow *self,
                                   const char *state,
                                   TbRole      roles)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_return_val_if_fail (TB_IS_WORKFLOW (self), NULL);

  if (lookup_state (self, state) != NULL)
    {
      for (guint i = 0; i < self->actions->len; i++)
        {
          Named *action = g_ptr_array_index (self->actions, i);
          g_autofree char *key = step_key (state, action->id);
          Transition *transition = g_hash_table_lookup (self->by_step, key);

          if (transition != NULL && (transition->roles & roles) != 0)
            g_strv_builder_add (builder, action->id);
        }
    }

  return g_strv_builder_end (builder);
}

/**
 * tb_workflow_get_parties:
 * @self: a #TbWorkflow
 * @state: a state id
 *
 * Returns: (array zero-terminated=1) (transfer none) (nullable): the parties that must all
 *   countersign in @state, or %NULL if @state is not a countersign state
 */
const char * const *
tb_workflow_get_parties (TbWorkflow *self,
                         const char *state)
{
  State *s;

  g_return_val_if_fail (TB_IS_WORKFLOW (self), NULL);

  s = lookup_state (self, state);
  return s != NULL ? (const char * const *) s->parties : NULL;
}

/**
 * tb_workflow_get_party_name:
 * @self: a #TbWorkflow
 * @party: a party id
 *
 * Returns: (nullable): the party's name (e.g. "Fire safety") in the current locale
 */
const char *
tb_workflow_get_party_name (TbWorkflow *self,
                            const char *party)
{
  return tb_workflow_get_party_name_for (self, party, NULL);
}

/**
 * tb_workflow_get_party_name_for:
 * @self: a #TbWorkflow
 * @party: a party id
 * @languages: (nullable): language names in order of preference, or %NULL for the locale's
 *
 * Returns: (nullable): the party's name in the best of @languages
 */
const char *
tb_workflow_get_party_name_for (TbWorkflow         *self,
                                const char         *party,
                                const char * const *languages)
{
  Named *named;

  g_return_val_if_fail (TB_IS_WORKFLOW (self), NULL);

  named = party != NULL ? g_hash_table_lookup (self->parties_by_id, party) : NULL;
  return named != NULL ? tb_localized_get (named->name, languages) : NULL;
}

/**
 * tb_workflow_dup_pending_parties:
 * @self: a #TbWorkflow
 * @state: a state id
 * @signed_parties: (nullable) (array zero-terminated=1): the parties that already signed
 *
 * Returns: (transfer full) (array zero-terminated=1): the parties of @state yet to countersign
 *   (empty if @state is not a countersign state)
 */
char **
tb_workflow_dup_pending_parties (TbWorkflow         *self,
                                 const char         *state,
                                 const char * const *signed_parties)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  State *s;

  g_return_val_if_fail (TB_IS_WORKFLOW (self), NULL);

  s = lookup_state (self, state);
  if (s != NULL && s->parties != NULL)
    {
      for (guint i = 0; s->parties[i] != NULL; i++)
        if (signed_parties == NULL || !g_strv_contains (signed_parties, s->parties[i]))
          g_strv_builder_add (builder, s->parties[i]);
    }

  return g_strv_builder_end (builder);
}

/**
 * tb_workflow_get_step:
 * @self: a #TbWorkflow
 * @state: a state id
 * @action: an action id
 * @out: (out caller-allocates) (optional): what the transition asks for and does
 *
 * Describes the transition @action takes from @state, whoever takes it: for building the
 * dialog that asks for what it needs (a reason, a countersigning department). Whether a
 * given user may take it is tb_workflow_check()'s question.
 *
 * Returns: %TRUE if @action leads anywhere from @state
 */
gboolean
tb_workflow_get_step (TbWorkflow     *self,
                      const char     *state,
                      const char     *action,
                      TbWorkflowStep *out)
{
  g_autofree char *key = NULL;
  Transition *transition;

  g_return_val_if_fail (TB_IS_WORKFLOW (self), FALSE);

  if (out != NULL)
    memset (out, 0, sizeof *out);
  if (state == NULL || action == NULL)
    return FALSE;

  key = step_key (state, action);
  transition = g_hash_table_lookup (self->by_step, key);
  if (transition == NULL)
    return FALSE;

  if (out != NULL)
    {
      out->to = transition->to->id;
      out->roles = transition->roles;
      out->needs_reason = transition->needs_reason;
      out->extends_deadline = transition->extends_deadline;
      out->countersign = transition->countersign;
      out->by_party = transition->by_party;
    }
  return TRUE;
}

/**
 * tb_workflow_dup_editable_fields:
 * @self: a #TbWorkflow
 * @state: a state id
 * @roles: the user's roles on the case
 *
 * Lists the form fields a user holding @roles may change while a case is in @state, as the
 * state's `editable` member says. "*" stands for every field of the form.
 *
 * Returns: (transfer full) (array zero-terminated=1): field ids (and perhaps "*"), in
 *   definition order without repeats; empty when nothing may be edited
 */
char **
tb_workflow_dup_editable_fields (TbWorkflow *self,
                                 const char *state,
                                 TbRole      roles)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  State *s;

  g_return_val_if_fail (TB_IS_WORKFLOW (self), NULL);

  s = lookup_state (self, state);
  for (guint i = 0; s != NULL && s->editable != NULL && i < s->editable->len; i++)
    {
      Editable *editable = g_ptr_array_index (s->editable, i);

      if ((editable->roles & roles) == 0)
        continue;
      for (guint j = 0; editable->fields[j] != NULL; j++)
        if (g_hash_table_add (seen, editable->fields[j]))
          g_strv_builder_add (builder, editable->fields[j]);
    }

  return g_strv_builder_end (builder);
}

/**
 * tb_workflow_can_edit_field:
 * @self: a #TbWorkflow
 * @state: a state id
 * @roles: the user's roles on the case
 * @field_id: a top-level form field id
 *
 * Returns: %TRUE if a user holding @roles may change @field_id while a case is in @state
 */
gboolean
tb_workflow_can_edit_field (TbWorkflow *self,
                            const char *state,
                            TbRole      roles,
                            const char *field_id)
{
  State *s;

  g_return_val_if_fail (TB_IS_WORKFLOW (self), FALSE);
  g_return_val_if_fail (field_id != NULL, FALSE);

  s = lookup_state (self, state);
  for (guint i = 0; s != NULL && s->editable != NULL && i < s->editable->len; i++)
    {
      Editable *editable = g_ptr_array_index (s->editable, i);

      if ((editable->roles & roles) != 0
          && (g_strv_contains ((const char * const *) editable->fields, "*")
              || g_strv_contains ((const char * const *) editable->fields, field_id)))
        return TRUE;
    }

  return FALSE;
}

static const char *
party_label (TbWorkflow *self,
             const char *party)
{
  const char *name = tb_workflow_get_party_name (self, party);

  return name != NULL ? name : party;
}

/**
 * tb_workflow_check:
 * @self: a #TbWorkflow
 * @state: the case's current state
 * @signed_parties: (nullable) (array zero-terminated=1): the parties that already
 *   countersigned in @state (ids not of @state are ignored)
 * @roles: the roles of the user taking the action
 * @action: the action id
 * @party: (nullable): the countersigning party taking the action, for countersign actions
 *   and for actions a party takes (such as a party rejecting during countersigning)
 * @out: (out caller-allocates) (optional): what the action would do
 * @error: return location for a #GError (%TB_WORKFLOW_ERROR) saying why not
 *
 * Tells whether the action may be taken and what follows. Whether a reason is required is in
 * @out; tb_workflow_check_with_reason() also checks the reason itself.
 *
 * Returns: %TRUE if the action is allowed
 */
gboolean
tb_workflow_check (TbWorkflow         *self,
                   const char         *state,
                   const char * const *signed_parties,
                   TbRole              roles,
                   const char         *action,
                   const char         *party,
                   TbWorkflowResult   *out,
                   GError            **error)
{
  g_autofree char *key = NULL;
  Transition *transition;
  Named *named;
  State *from;
  gboolean complete = FALSE;

  g_return_val_if_fail (TB_IS_WORKFLOW (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (out != NULL)
    memset (out, 0, sizeof *out);

  if (!(from = lookup_state (self, state)))
    {
      g_set_error (error, TB_WORKFLOW_ERROR, TB_WORKFLOW_ERROR_UNKNOWN_STATE,
                   _("The case is in an unknown state “%s”"), state ? state : "");
      return FALSE;
    }

  named = action != NULL ? g_hash_table_lookup (self->actions_by_id, action) : NULL;
  if (named == NULL)
    {
      g_set_error (error, TB_WORKFLOW_ERROR, TB_WORKFLOW_ERROR_UNKNOWN_ACTION,
                   _("There is no action “%s”"), action ? action : "");
      return FALSE;
    }

  key = step_key (from->id, named->id);
  if (!(transition = g_hash_table_lookup (self->by_step, key)))
    {
      if (from->terminal)
        g_set_error (error, TB_WORKFLOW_ERROR, TB_WORKFLOW_ERROR_NOT_AVAILABLE,
                     _("“%s” is not possible: the case is closed (%s)"),
                     tb_localized_get (named->name, NULL), tb_localized_get (from->name, NULL));
      else
        g_set_error (error, TB_WORKFLOW_ERROR, TB_WORKFLOW_ERROR_NOT_AVAILABLE,
                     _("“%s” is not possible while the case is at “%s”"),
                     tb_localized_get (named->name, NULL), tb_localized_get (from->name, NULL));
      return FALSE;
    }

  if ((transition->roles & roles) == 0)
    {
      g_set_error (error, TB_WORKFLOW_ERROR, TB_WORKFLOW_ERROR_NOT_PERMITTED,
                   _("Your role does not allow “%s” at “%s”"),
                   tb_localized_get (named->name, NULL), tb_localized_get (from->name, NULL));
      return FALSE;
    }

  if (transition->countersign || transition->by_party)
    {
      if (party == NULL || *party == '\0')
        {
          g_set_error (error, TB_WORKFLOW_ERROR, TB_WORKFLOW_ERROR_PARTY_REQUIRED,
                       _("Choose the department taking “%s”"),
                       tb_localized_get (named->name, NULL));
          return FALSE;
        }

      if (!g_strv_contains ((const char * const *) from->parties, party))
        {
          g_set_error (error, TB_WORKFLOW_ERROR, TB_WORKFLOW_ERROR_UNKNOWN_PARTY,
                       _("“%s” does not countersign at “%s”"),
                       party_label (self, party), tb_localized_get (from->name, NULL));
          return FALSE;
        }

      if (signed_parties != NULL && g_strv_contains (signed_parties, party))
        {
          g_set_error (error, TB_WORKFLOW_ERROR, TB_WORKFLOW_ERROR_ALREADY_SIGNED,
                       _("“%s” has already countersigned"), party_label (self, party));
          return FALSE;
        }
    }
  else if (party != NULL)
    {
      g_set_error (error, TB_WORKFLOW_ERROR, TB_WORKFLOW_ERROR_UNEXPECTED_PARTY,
                   _("“%s” is not taken by a countersigning department"),
                   tb_localized_get (named->name, NULL));
      return FALSE;
    }

  if (transition->countersign)
    {
      complete = TRUE;
      for (guint i = 0; from->parties[i] != NULL; i++)
        if (strcmp (from->parties[i], party) != 0
            && (signed_parties == NULL || !g_strv_contains (signed_parties, from->parties[i])))
          complete = FALSE;
    }

  if (out != NULL)
    {
      State *to = (transition->countersign && !complete) ? from : transition->to;

      out->next_state = to->id;
      out->needs_reason = transition->needs_reason;
      out->countersign = transition->countersign;
      out->completes_countersign = transition->countersign && complete;
      out->extends_deadline = transition->extends_deadline;
      out->closes = to->terminal;

      if (to->terminal)
        out->clock = TB_WORKFLOW_CLOCK_STOP;
      else if (!from->pauses_clock && to->pauses_clock)
        out->clock = TB_WORKFLOW_CLOCK_PAUSE;
      else if (from->pauses_clock && !to->pauses_clock)
        out->clock = TB_WORKFLOW_CLOCK_RESUME;
      else
        out->clock = TB_WORKFLOW_CLOCK_KEEP;
    }

  return TRUE;
}

/**
 * tb_workflow_check_with_reason:
 * @self: a #TbWorkflow
 * @state: the case's current state
 * @signed_parties: (nullable) (array zero-terminated=1): see tb_workflow_check()
 * @roles: the roles of the user taking the action
 * @action: the action id
 * @party: (nullable): see tb_workflow_check()
 * @reason: (nullable): the reason the user gave
 * @out: (out caller-allocates) (optional): what the action would do
 * @error: return location for a #GError
 *
 * Like tb_workflow_check(), and fails with %TB_WORKFLOW_ERROR_REASON_REQUIRED if the action
 * needs a reason and @reason is missing or blank. This is the check to run right before
 * recording the action.
 *
 * Returns: %TRUE if the action may be recorded
 */
gboolean
tb_workflow_check_with_reason (TbWorkflow         *self,
                               const char         *state,
                               const char * const *signed_parties,
                               TbRole              roles,
                               const char         *action,
                               const char         *party,
                               const char         *reason,
                               TbWorkflowResult   *out,
                               GError            **error)
{
  TbWorkflowResult result;

  if (!tb_workflow_check (self, state, signed_parties, roles, action, party, &result, error))
    {
      if (out != NULL)
        *out = result;
      return FALSE;
    }

  if (out != NULL)
    *out = result;

  if (result.needs_reason)
    {
      gboolean blank = TRUE;

      /* Full-width spaces (U+3000) count as blank too, as typed with a Chinese input method. */
      for (const char *p = reason; p != NULL && *p != '\0' && blank; p = g_utf8_next_char (p))
        blank = g_unichar_isspace (g_utf8_get_char (p));

      if (blank)
        {
          g_set_error (error, TB_WORKFLOW_ERROR, TB_WORKFLOW_ERROR_REASON_REQUIRED,
                       _("Give a reason for “%s”"), tb_workflow_get_action_name (self, action));
          return FALSE;
        }
    }

  return TRUE;
}
