/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-case.c: one case (an application being handled), as the inbox and case view see it */

#include "config.h"

#include "tb-case-private.h"
#include "tb-json-private.h"

/*
 * A TbCase is an immutable snapshot of one row of the store. When the row changes the store
 * hands out a new object, so a widget bound to a case never sees it change under it.
 */
struct _TbCase
{
  GObject     parent_instance;

  gint64      rowid;
  char       *id;
  char       *ref;
  char       *service_id;
  char       *state;
  char       *assignee_id;
  char       *team_id;
  char       *applicant_name;
  char       *applicant_kind;
  char       *company_name;
  TbDay       received_on;
  TbDay       deadline;
  TbDay       paused_since;
  gboolean    closed;
  gint64      version;
  TbSyncState sync_state;
  char       *form_json;
  char       *signed_parties_json;
  gboolean    practice;
};

G_DEFINE_FINAL_TYPE (TbCase, tb_case, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_REF,
  PROP_SERVICE_ID,
  PROP_STATE,
  PROP_ASSIGNEE_ID,
  PROP_TEAM_ID,
  PROP_APPLICANT_NAME,
  PROP_COMPANY_NAME,
  PROP_DISPLAY_NAME,
  PROP_RECEIVED_ON,
  PROP_DEADLINE,
  PROP_CLOSED,
  PROP_VERSION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
tb_case_finalize (GObject *object)
{
  TbCase *self = (TbCase *) object;

  g_free (self->id);
  g_free (self->ref);
  g_free (self->service_id);
  g_free (self->state);
  g_free (self->assignee_id);
  g_free (self->team_id);
  g_free (self->applicant_name);
  g_free (self->applicant_kind);
  g_free (self->company_name);
  g_free (self->form_json);
  g_free (self->signed_parties_json);

  G_OBJECT_CLASS (tb_case_parent_class)->finalize (object);
}

static void
tb_case_get_property (GObject    *object,
                      guint       prop_id,
                      GValue     *value,
                      GParamSpec *pspec)
{
  TbCase *self = TB_CASE (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;
    case PROP_REF:
      g_value_set_string (value, self->ref);
      break;
    case PROP_SERVICE_ID:
      g_value_set_string (value, self->service_id);
      break;
    case PROP_STATE:
      g_value_set_string (value, self->state);
      break;
    case PROP_ASSIGNEE_ID:
      g_value_set_string (value, self->assignee_id);
      break;
    case PROP_TEAM_ID:
      g_value_set_string (value, self->team_id);
      break;
    case PROP_APPLICANT_NAME:
      g_value_set_string (value, self->applicant_name);
      break;
    case PROP_COMPANY_NAME:
      g_value_set_string (value, self->company_name);
      break;
    case PROP_DISPLAY_NAME:
      g_value_set_string (value, tb_case_get_display_name (self));
      break;
    case PROP_RECEIVED_ON:
      g_value_set_uint (value, self->received_on);
      break;
    case PROP_DEADLINE:
      g_value_set_uint (value, self->deadline);
      break;
    case PROP_CLOSED:
      g_value_set_boolean (value, self->closed);
      break;
    case PROP_VERSION:
      g_value_set_int64 (value, self->version);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tb_case_class_init (TbCaseClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->finalize = tb_case_finalize;
  object_class->get_property = tb_case_get_property;

  properties[PROP_ID] = g_param_spec_string ("id", NULL, NULL, NULL, flags);
  properties[PROP_REF] = g_param_spec_string ("ref", NULL, NULL, NULL, flags);
  properties[PROP_SERVICE_ID] = g_param_spec_string ("service-id", NULL, NULL, NULL, flags);
  properties[PROP_STATE] = g_param_spec_string ("state", NULL, NULL, NULL, flags);
  properties[PROP_ASSIGNEE_ID] = g_param_spec_string ("assignee-id", NULL, NULL, NULL, flags);
  properties[PROP_TEAM_ID] = g_param_spec_string ("team-id", NULL, NULL, NULL, flags);
  properties[PROP_APPLICANT_NAME] = g_param_spec_string ("applicant-name", NULL, NULL, NULL, flags);
  properties[PROP_COMPANY_NAME] = g_param_spec_string ("company-name", NULL, NULL, NULL, flags);
  properties[PROP_DISPLAY_NAME] = g_param_spec_string ("display-name", NULL, NULL, NULL, flags);
  properties[PROP_RECEIVED_ON] = g_param_spec_uint ("received-on", NULL, NULL,
                                                    0, G_MAXUINT32, 0, flags);
  properties[PROP_DEADLINE] = g_param_spec_uint ("deadline", NULL, NULL, 0, G_MAXUINT32, 0, flags);
  properties[PROP_CLOSED] = g_param_spec_boolean ("closed", NULL, NULL, FALSE, flags);
  properties[PROP_VERSION] = g_param_spec_int64 ("version", NULL, NULL,
                                                 0, G_MAXINT64, 0, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tb_case_init (TbCase *self)
{
}

/**
 * tb_case_new_from_record:
 * @record: the values
 *
 * Returns: (transfer full): a case holding a copy of @record's values
 */
TbCase *
tb_case_new_from_record (const TbCaseRecord *record)
{
  TbCase *self;

  g_return_val_if_fail (record != NULL, NULL);
  g_return_val_if_fail (record->id != NULL, NULL);

  self = g_object_new (TB_TYPE_CASE, NULL);
  self->id = g_strdup (record->id);
  self->ref = g_strdup (record->ref);
  self->service_id = g_strdup (record->service_id);
  self->state = g_strdup (record->state);
  self->assignee_id = g_strdup (record->assignee_id);
  self->team_id = g_strdup (record->team_id);
  self->applicant_name = g_strdup (record->applicant_name);
  self->applicant_kind = g_strdup (record->applicant_kind);
  self->company_name = g_strdup (record->company_name);
  self->received_on = record->received_on;
  self->deadline = record->deadline;
  self->paused_since = record->paused_since;
  self->closed = record->closed;
  self->version = record->version;
  self->form_json = g_strdup (record->form_json ? record->form_json : "{}");
  self->signed_parties_json = g_strdup (record->signed_parties_json ? record->signed_parties_json
                                                                    : "[]");
  self->practice = record->practice;

  return self;
}

static char *
column_dup (sqlite3_stmt *stmt,
            int           column)
{
  return g_strdup ((const char *) sqlite3_column_text (stmt, column));
}

static TbDay
column_day (sqlite3_stmt *stmt,
            int           column)
{
  const char *text = (const char *) sqlite3_column_text (stmt, column);

  return text != NULL ? tb_day_from_iso (text) : TB_DAY_INVALID;
}

TbCase *
_tb_case_new_from_stmt (sqlite3_stmt *stmt)
{
  TbCase *self = g_object_new (TB_TYPE_CASE, NULL);

  self->rowid = sqlite3_column_int64 (stmt, 0);
  self->id = column_dup (stmt, 1);
  self->ref = column_dup (stmt, 2);
  self->service_id = column_dup (stmt, 3);
  self->state = column_dup (stmt, 4);
  self->assignee_id = column_dup (stmt, 5);
  self->team_id = column_dup (stmt, 6);
  self->applicant_name = column_dup (stmt, 7);
  self->applicant_kind = column_dup (stmt, 8);
  self->company_name = column_dup (stmt, 9);
  self->received_on = column_day (stmt, 10);
  self->deadline = column_day (stmt, 11);
  self->paused_since = column_day (stmt, 12);
  self->closed = sqlite3_column_int (stmt, 13) != 0;
  self->version = sqlite3_column_int64 (stmt, 14);
  self->sync_state = sqlite3_column_int (stmt, 15);
  self->form_json = column_dup (stmt, 16);
  self->signed_parties_json = column_dup (stmt, 17);
  self->practice = sqlite3_column_int (stmt, 18) != 0;

  return self;
}

#define GETTER(type, name, field) \
  type \
  tb_case_get_##name (TbCase *self) \
  { \
    g_return_val_if_fail (TB_IS_CASE (self), 0); \
    return self->field; \
  }

/**
 * tb_case_get_rowid: (skip)
 * @self: a case
 *
 * Returns: the row id in the store, or 0 for a case not read from a store
 */
GETTER (gint64, rowid, rowid)
GETTER (const char *, id, id)
GETTER (const char *, ref, ref)
GETTER (const char *, service_id, service_id)
GETTER (const char *, state, state)
GETTER (const char *, assignee_id, assignee_id)
GETTER (const char *, team_id, team_id)
GETTER (const char *, applicant_name, applicant_name)
GETTER (const char *, applicant_kind, applicant_kind)
GETTER (const char *, company_name, company_name)
GETTER (TbDay, received_on, received_on)
GETTER (TbDay, deadline, deadline)
GETTER (TbDay, paused_since, paused_since)
GETTER (gboolean, closed, closed)
GETTER (gint64, version, version)
GETTER (TbSyncState, sync_state, sync_state)
GETTER (const char *, form_json, form_json)
GETTER (const char *, signed_parties_json, signed_parties_json)
GETTER (gboolean, practice, practice)

#undef GETTER

/**
 * tb_case_get_display_name:
 * @self: a case
 *
 * Returns: the company's name for a company applicant, else the person's name
 */
const char *
tb_case_get_display_name (TbCase *self)
{
  g_return_val_if_fail (TB_IS_CASE (self), NULL);

  if (self->company_name != NULL && self->company_name[0] != '\0')
    return self->company_name;
  return self->applicant_name;
}

/**
 * tb_case_dup_form:
 * @self: a case
 *
 * Returns: (transfer full) (nullable): the form values, or %NULL if they are not a JSON object
 */
JsonObject *
tb_case_dup_form (TbCase *self)
{
  g_autoptr(JsonParser) parser = NULL;
  JsonNode *root;

  g_return_val_if_fail (TB_IS_CASE (self), NULL);

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, self->form_json, -1, NULL))
    return NULL;

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;

  return json_object_ref (json_node_get_object (root));
}

/**
 * tb_case_equal:
 * @a: a case
 * @b: another case
 *
 * Returns: whether both hold the same values (the row id aside)
 */
gboolean
tb_case_equal (TbCase *a,
               TbCase *b)
{
  g_return_val_if_fail (TB_IS_CASE (a), FALSE);
  g_return_val_if_fail (TB_IS_CASE (b), FALSE);

  return g_strcmp0 (a->id, b->id) == 0
      && g_strcmp0 (a->ref, b->ref) == 0
      && g_strcmp0 (a->service_id, b->service_id) == 0
      && g_strcmp0 (a->state, b->state) == 0
      && g_strcmp0 (a->assignee_id, b->assignee_id) == 0
      && g_strcmp0 (a->team_id, b->team_id) == 0
      && g_strcmp0 (a->applicant_name, b->applicant_name) == 0
      && g_strcmp0 (a->applicant_kind, b->applicant_kind) == 0
      && g_strcmp0 (a->company_name, b->company_name) == 0
      && a->received_on == b->received_on
      && a->deadline == b->deadline
      && a->paused_since == b->paused_since
      && a->closed == b->closed
      && a->version == b->version
      && a->sync_state == b->sync_state
      && g_strcmp0 (a->form_json, b->form_json) == 0
      && g_strcmp0 (a->signed_parties_json, b->signed_parties_json) == 0
      && a->practice == b->practice;
}

/**
 * tb_case_dup_signed_parties:
 * @self: a case
 *
 * Returns: (transfer full): the parties that have countersigned in the current state
 */
GStrv
tb_case_dup_signed_parties (TbCase *self)
{
  g_return_val_if_fail (TB_IS_CASE (self), NULL);

  return _tb_json_to_strv (self->signed_parties_json);
}

/**
 * tb_case_to_record:
 * @self: a case
 * @out: (out caller-allocates): its values; the strings belong to @self
 *
 * Fills @out with the case's values, for handing a changed copy back to the store.
 */
void
tb_case_to_record (TbCase       *self,
                   TbCaseRecord *out)
{
  g_return_if_fail (TB_IS_CASE (self));
  g_return_if_fail (out != NULL);

  *out = (TbCaseRecord) {
    .id = self->id,
    .ref = self->ref,
    .service_id = self->service_id,
    .state = self->state,
    .assignee_id = self->assignee_id,
    .team_id = self->team_id,
    .applicant_name = self->applicant_name,
    .applicant_kind = self->applicant_kind,
    .company_name = self->company_name,
    .received_on = self->received_on,
    .deadline = self->deadline,
    .paused_since = self->paused_since,
    .closed = self->closed,
    .version = self->version,
    .form_json = self->form_json,
    .signed_parties_json = self->signed_parties_json,
    .practice = self->practice,
  };
}
