/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-wire.c: the JSON shapes of the sync protocol, shared by the client and the server */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "tb-wire.h"

/*
 * Both ends read and write the protocol's records through these functions, so that what one
 * writes the other reads back exactly. Decoding is strict about what is there (types, dates,
 * lengths) and lenient about what is not known yet: members a newer peer adds are ignored.
 */

G_DEFINE_QUARK (tb-wire-error-quark, tb_wire_error)

/* The most bytes an id may have (docs/protocol.md), and any other string. */
#define MAX_ID     64
#define MAX_STRING 10000

/* China Standard Time: UTC+8 all year, no daylight saving time. */
#define LOCAL_OFFSET_SECONDS (8 * 3600)

static gboolean
wrong_type (GError    **error,
            const char *where)
{
  g_set_error (error, TB_WIRE_ERROR, TB_WIRE_ERROR_INVALID,
               _("The server sent an invalid record: “%s” is missing or has the wrong type"),
               where);
  return FALSE;
}

static gboolean
bad_value (GError    **error,
           const char *where)
{
  g_set_error (error, TB_WIRE_ERROR, TB_WIRE_ERROR_INVALID,
               _("The server sent an invalid record: “%s” is not a valid value"), where);
  return FALSE;
}

/* Reads a string member: absent or null gives %NULL, which is an error unless @nullable. */
static gboolean
read_string (JsonObject  *object,
             const char  *member,
             gboolean     nullable,
             gsize        max_length,
             const char  *where,
             const char **out,
             GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);
  g_autofree char *path = g_strconcat (where, ".", member, NULL);

  *out = NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return nullable ? TRUE : wrong_type (error, path);
  if (json_node_get_value_type (node) != G_TYPE_STRING)
    return wrong_type (error, path);

  *out = json_node_get_string (node);
  if (strlen (*out) > max_length || (!nullable && **out == '\0'))
    {
      *out = NULL;
      return bad_value (error, path);
    }

  return TRUE;
}

static gboolean
read_day (JsonObject  *object,
          const char  *member,
          gboolean     nullable,
          const char  *where,
          TbDay       *out,
          GError     **error)
{
  const char *iso;
  g_autofree char *path = NULL;

  *out = TB_DAY_INVALID;
  if (!read_string (object, member, nullable, 10, where, &iso, error))
    return FALSE;
  if (iso == NULL)
    return TRUE;

  *out = tb_day_from_iso (iso);
  if (*out != TB_DAY_INVALID)
    return TRUE;

  path = g_strconcat (where, ".", member, NULL);
  return bad_value (error, path);
}

static gboolean
read_boolean (JsonObject  *object,
              const char  *member,
              gboolean     optional,
              const char  *where,
              gboolean    *out,
              GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);
  g_autofree char *path = NULL;

  *out = FALSE;
  if (node == NULL && optional)
    return TRUE;
  if (node != NULL && JSON_NODE_HOLDS_VALUE (node)
      && json_node_get_value_type (node) == G_TYPE_BOOLEAN)
    {
      *out = json_node_get_boolean (node);
      return TRUE;
    }

  path = g_strconcat (where, ".", member, NULL);
  return wrong_type (error, path);
}

static gboolean
read_int (JsonObject  *object,
          const char  *member,
          gboolean     optional,
          const char  *where,
          gint64      *out,
          GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);
  g_autofree char *path = NULL;

  *out = 0;
  if ((node == NULL || JSON_NODE_HOLDS_NULL (node)) && optional)
    return TRUE;

  path = g_strconcat (where, ".", member, NULL);
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_INT64)
    return wrong_type (error, path);

  *out = json_node_get_int (node);
  if (*out < 0 || *out > G_GINT64_CONSTANT (9007199254740991))
    return bad_value (error, path);

  return TRUE;
}

/* An array of strings; %NULL member gives an empty vector when @optional. */
static gboolean
read_string_array (JsonObject  *object,
                   const char  *member,
                   gboolean     optional,
                   const char  *where,
                   GStrv       *out,
                   GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autofree char *path = g_strconcat (where, ".", member, NULL);
  JsonArray *array;

  *out = NULL;
  if ((node == NULL || JSON_NODE_HOLDS_NULL (node)) && optional)
    {
      *out = g_strv_builder_end (builder);
      return TRUE;
    }
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return wrong_type (error, path);

  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      const char *value;

      if (!JSON_NODE_HOLDS_VALUE (element)
          || json_node_get_value_type (element) != G_TYPE_STRING)
        return wrong_type (error, path);

      value = json_node_get_string (element);
      if (*value == '\0' || strlen (value) > MAX_ID)
        return bad_value (error, path);
      g_strv_builder_add (builder, value);
    }

  *out = g_strv_builder_end (builder);
  return TRUE;
}

static void
set_string_or_null (JsonObject *object,
                    const char *member,
                    const char *value)
{
  if (value != NULL)
    json_object_set_string_member (object, member, value);
  else
    json_object_set_null_member (object, member);
}

static void
set_day_or_null (JsonObject *object,
                 const char *member,
                 TbDay       day)
{
  g_autofree char *iso = day != TB_DAY_INVALID ? tb_day_to_iso (day) : NULL;

  set_string_or_null (object, member, iso);
}

static JsonArray *
strv_to_array (const char * const *strv)
{
  JsonArray *array = json_array_new ();

  for (guint i = 0; strv != NULL && strv[i] != NULL; i++)
    json_array_add_string_element (array, strv[i]);
  return array;
}

/* ------------------------------------------------------------------------------------------ */
/* Cases                                                                                       */

/**
 * tb_wire_case_to_json:
 * @wcase: a case
 * @error: return location for a #TB_WIRE_ERROR
 *
 * Writes @wcase in the protocol's case shape (see #TbWireCase).
 *
 * Returns: (transfer full) (nullable): the object, or %NULL if a required value is missing
 *   or the form is not a JSON object
 */
JsonNode *
tb_wire_case_to_json (const TbWireCase  *wcase,
                      GError           **error)
{
  const TbCaseRecord *r;
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(JsonParser) parser = NULL;
  JsonNode *form;

  g_return_val_if_fail (wcase != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  r = &wcase->record;
  if (r->id == NULL || r->ref == NULL || r->service_id == NULL || r->state == NULL
      || r->applicant_name == NULL || r->applicant_kind == NULL)
    {
      wrong_type (error, "case");
      return NULL;
    }
  if (r->received_on == TB_DAY_INVALID)
    {
      bad_value (error, "case.received_on");
      return NULL;
    }

  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, r->form_json != NULL ? r->form_json : "{}", -1, NULL)
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      bad_value (error, "case.form");
      return NULL;
    }
  form = json_parser_steal_root (parser);

  object = json_object_new ();
  json_object_set_string_member (object, "id", r->id);
  json_object_set_string_member (object, "ref", r->ref);
  json_object_set_string_member (object, "service_id", r->service_id);
  json_object_set_string_member (object, "state", r->state);
  set_string_or_null (object, "assignee_id", r->assignee_id);
  set_string_or_null (object, "team_id", r->team_id);
  json_object_set_string_member (object, "applicant_name", r->applicant_name);
  json_object_set_string_member (object, "applicant_kind", r->applicant_kind);
  set_string_or_null (object, "company_name", r->company_name);
  set_day_or_null (object, "received_on", r->received_on);
  set_day_or_null (object, "deadline", r->deadline);
  set_day_or_null (object, "paused_since", r->paused_since);
  json_object_set_boolean_member (object, "closed", r->closed);
  json_object_set_int_member (object, "version", r->version);
  json_object_set_boolean_member (object, "practice", wcase->practice);
  json_object_set_array_member (object, "signed_parties",
                                strv_to_array ((const char * const *) wcase->signed_parties));
  json_object_set_member (object, "form", form);
  json_object_set_array_member (object, "events",
                                wcase->events != NULL ? json_array_ref (wcase->events)
                                                      : json_array_new ());

  return json_node_init_object (json_node_alloc (), object);
}

static gboolean
check_events (JsonArray  *events,
              GError    **error)
{
  for (guint i = 0; i < json_array_get_length (events); i++)
    {
      JsonNode *node = json_array_get_element (events, i);
      JsonObject *event;
      const char *value;
      JsonNode *data;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        return wrong_type (error, "case.events");

      event = json_node_get_object (node);
      if (!read_string (event, "id", FALSE, MAX_ID, "case.events[]", &value, error)
          || !read_string (event, "kind", FALSE, MAX_ID, "case.events[]", &value, error)
          || !read_string (event, "actor_id", TRUE, MAX_ID, "case.events[]", &value, error)
          || !read_string (event, "at", FALSE, 64, "case.events[]", &value, error))
        return FALSE;

      data = json_object_get_member (event, "data");
      if (data != NULL && !JSON_NODE_HOLDS_OBJECT (data))
        return wrong_type (error, "case.events[].data");
    }

  return TRUE;
}

/**
 * tb_wire_case_from_json:
 * @object: a case in the protocol's shape
 * @out: (out caller-allocates): the case; clear it with tb_wire_case_clear() after use, also
 *   on failure
 * @error: return location for a #TB_WIRE_ERROR
 *
 * Reads a case. The strings of @out point into @object, which must outlive @out. Members
 * not in the protocol are ignored; `practice`, `signed_parties` and `events` may be absent.
 *
 * Returns: %TRUE if @object is a valid case
 */
gboolean
tb_wire_case_from_json (JsonObject  *object,
                        TbWireCase  *out,
                        GError     **error)
{
  TbCaseRecord *r;
  JsonNode *node;
  gboolean closed;

  g_return_val_if_fail (object != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  memset (out, 0, sizeof *out);
  r = &out->record;

  if (!read_string (object, "id", FALSE, MAX_ID, "case", &r->id, error)
      || !read_string (object, "ref", FALSE, MAX_ID, "case", &r->ref, error)
      || !read_string (object, "service_id", FALSE, MAX_ID, "case", &r->service_id, error)
      || !read_string (object, "state", FALSE, MAX_ID, "case", &r->state, error)
      || !read_string (object, "assignee_id", TRUE, MAX_ID, "case", &r->assignee_id, error)
      || !read_string (object, "team_id", TRUE, MAX_ID, "case", &r->team_id, error)
      || !read_string (object, "applicant_name", FALSE, MAX_STRING, "case",
                       &r->applicant_name, error)
      || !read_string (object, "applicant_kind", FALSE, MAX_ID, "case", &r->applicant_kind,
                       error)
      || !read_string (object, "company_name", TRUE, MAX_STRING, "case", &r->company_name,
                       error)
      || !read_day (object, "received_on", FALSE, "case", &r->received_on, error)
      || !read_day (object, "deadline", TRUE, "case", &r->deadline, error)
      || !read_day (object, "paused_since", TRUE, "case", &r->paused_since, error)
      || !read_boolean (object, "closed", FALSE, "case", &closed, error)
      || !read_int (object, "version", FALSE, "case", &r->version, error)
      || !read_boolean (object, "practice", TRUE, "case", &out->practice, error)
      || !read_string_array (object, "signed_parties", TRUE, "case", &out->signed_parties,
                             error))
    return FALSE;
  r->closed = closed;

  if (strcmp (r->applicant_kind, "person") != 0 && strcmp (r->applicant_kind, "company") != 0)
    return bad_value (error, "case.applicant_kind");

  node = json_object_get_member (object, "form");
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return wrong_type (error, "case.form");
  out->form_owned = json_to_string (node, FALSE);
  r->form_json = out->form_owned;

  node = json_object_get_member (object, "events");
  if (node != NULL && !JSON_NODE_HOLDS_NULL (node))
    {
      if (!JSON_NODE_HOLDS_ARRAY (node))
        return wrong_type (error, "case.events");
      if (!check_events (json_node_get_array (node), error))
        return FALSE;
      out->events = json_array_ref (json_node_get_array (node));
    }

  return TRUE;
}

/**
 * tb_wire_case_clear:
 * @wcase: a case filled by tb_wire_case_from_json(), or zeroed
 *
 * Frees what @wcase owns and zeroes it.
 */
void
tb_wire_case_clear (TbWireCase *wcase)
{
  g_return_if_fail (wcase != NULL);

  g_clear_pointer (&wcase->signed_parties, g_strfreev);
  g_clear_pointer (&wcase->events, json_array_unref);
  g_clear_pointer (&wcase->form_owned, g_free);
  memset (wcase, 0, sizeof *wcase);
}

/* ------------------------------------------------------------------------------------------ */
/* Changes                                                                                     */

/**
 * tb_wire_change_new:
 * @type: the record type ("case", "service", …)
 * @id: the record id
 * @op: "put", "delete" or "remove"
 * @version: the record's version, or 0 to leave it out
 * @data: (transfer full) (nullable): the record, for a put
 *
 * Returns: (transfer full): one element of a pull's `changes`
 */
JsonNode *
tb_wire_change_new (const char *type,
                    const char *id,
                    const char *op,
                    gint64      version,
                    JsonNode   *data)
{
  g_autoptr(JsonObject) object = NULL;

  g_return_val_if_fail (type != NULL, NULL);
  g_return_val_if_fail (id != NULL, NULL);
  g_return_val_if_fail (op != NULL, NULL);

  object = json_object_new ();
  json_object_set_string_member (object, "type", type);
  json_object_set_string_member (object, "id", id);
  json_object_set_string_member (object, "op", op);
  if (version > 0)
    json_object_set_int_member (object, "version", version);
  if (data != NULL)
    json_object_set_member (object, "data", data);

  return json_node_init_object (json_node_alloc (), object);
}

/**
 * tb_wire_change_from_json:
 * @object: one element of a pull's `changes`
 * @out: (out caller-allocates): the change, pointing into @object
 * @error: return location for a #TB_WIRE_ERROR
 *
 * Reads the envelope of a change; the record in @out->data is read with the function for its
 * type. A type this version does not know is not an error (a newer server may send more):
 * the caller skips it.
 *
 * Returns: %TRUE if @object is a valid change
 */
gboolean
tb_wire_change_from_json (JsonObject    *object,
                          TbWireChange  *out,
                          GError       **error)
{
  JsonNode *data;

  g_return_val_if_fail (object != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  memset (out, 0, sizeof *out);
  if (!read_string (object, "type", FALSE, MAX_ID, "change", &out->type, error)
      || !read_string (object, "id", FALSE, MAX_ID, "change", &out->id, error)
      || !read_string (object, "op", FALSE, MAX_ID, "change", &out->op, error)
      || !read_int (object, "version", TRUE, "change", &out->version, error))
    return FALSE;

  if (strcmp (out->op, "put") != 0 && strcmp (out->op, "delete") != 0
      && strcmp (out->op, "remove") != 0)
    return bad_value (error, "change.op");

  data = json_object_get_member (object, "data");
  if (data != NULL && !JSON_NODE_HOLDS_NULL (data))
    {
      if (!JSON_NODE_HOLDS_OBJECT (data))
        return wrong_type (error, "change.data");
      out->data = json_node_get_object (data);
    }
  if (out->data == NULL && strcmp (out->op, "put") == 0)
    return wrong_type (error, "change.data");

  return TRUE;
}

/* ------------------------------------------------------------------------------------------ */
/* Teams and users                                                                             */

/**
 * tb_wire_team_to_json:
 * @id: the team id
 * @name: its name
 *
 * Returns: (transfer full): `{id, name}`
 */
JsonNode *
tb_wire_team_to_json (const char *id,
                      const char *name)
{
  g_autoptr(JsonObject) object = NULL;

  g_return_val_if_fail (id != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  object = json_object_new ();
  json_object_set_string_member (object, "id", id);
  json_object_set_string_member (object, "name", name);
  return json_node_init_object (json_node_alloc (), object);
}

/**
 * tb_wire_team_from_json:
 * @object: a team
 * @id: (out) (transfer none): its id, pointing into @object
 * @name: (out) (transfer none): its name
 * @error: return location for a #TB_WIRE_ERROR
 *
 * Returns: %TRUE if @object is a valid team
 */
gboolean
tb_wire_team_from_json (JsonObject  *object,
                        const char **id,
                        const char **name,
                        GError     **error)
{
  g_return_val_if_fail (object != NULL, FALSE);

  return read_string (object, "id", FALSE, MAX_ID, "team", id, error)
         && read_string (object, "name", FALSE, MAX_STRING, "team", name, error);
}

/**
 * tb_wire_roles_to_json:
 * @roles: a set of roles
 *
 * Returns: (transfer full): the array of their wire names, in a fixed order
 */
JsonNode *
tb_wire_roles_to_json (TbRole roles)
{
  g_autoptr(JsonArray) array = json_array_new ();

  for (guint bit = 0; bit < 16; bit++)
    {
      const char *name = (roles & (1u << bit)) ? tb_role_to_string (1u << bit) : NULL;

      if (name != NULL)
        json_array_add_string_element (array, name);
    }

  return json_node_init_array (json_node_alloc (), array);
}

/**
 * tb_wire_user_to_json:
 * @user: a user
 *
 * Returns: (transfer full): `{id, login, display_name, roles, teams}`
 */
JsonNode *
tb_wire_user_to_json (const TbWireUser *user)
{
  g_autoptr(JsonObject) object = NULL;

  g_return_val_if_fail (user != NULL, NULL);
  g_return_val_if_fail (user->id != NULL && user->login != NULL, NULL);

  object = json_object_new ();
  json_object_set_string_member (object, "id", user->id);
  json_object_set_string_member (object, "login", user->login);
  json_object_set_string_member (object, "display_name",
                                 user->display_name != NULL ? user->display_name : user->login);
  json_object_set_member (object, "roles", tb_wire_roles_to_json (user->roles));
  json_object_set_array_member (object, "teams",
                                strv_to_array ((const char * const *) user->team_ids));
  return json_node_init_object (json_node_alloc (), object);
}

/**
 * tb_wire_user_from_json:
 * @object: a user
 * @out: (out caller-allocates): the user; clear it with tb_wire_user_clear()
 * @error: return location for a #TB_WIRE_ERROR
 *
 * Reads a user. Role names this version does not know are left out.
 *
 * Returns: %TRUE if @object is a valid user
 */
gboolean
tb_wire_user_from_json (JsonObject  *object,
                        TbWireUser  *out,
                        GError     **error)
{
  g_auto(GStrv) roles = NULL;

  g_return_val_if_fail (object != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  memset (out, 0, sizeof *out);
  if (!read_string (object, "id", FALSE, MAX_ID, "user", &out->id, error)
      || !read_string (object, "login", FALSE, MAX_ID, "user", &out->login, error)
      || !read_string (object, "display_name", FALSE, MAX_STRING, "user", &out->display_name,
                       error)
      || !read_string_array (object, "roles", TRUE, "user", &roles, error)
      || !read_string_array (object, "teams", TRUE, "user", &out->team_ids, error))
    return FALSE;

  for (guint i = 0; roles[i] != NULL; i++)
    out->roles |= tb_role_from_string (roles[i]);

  return TRUE;
}

/**
 * tb_wire_user_clear:
 * @user: a user filled by tb_wire_user_from_json(), or zeroed
 */
void
tb_wire_user_clear (TbWireUser *user)
{
  g_return_if_fail (user != NULL);

  g_clear_pointer (&user->team_ids, g_strfreev);
  memset (user, 0, sizeof *user);
}

/* ------------------------------------------------------------------------------------------ */
/* Calendar                                                                                    */

/*
 * A calendar change carries one year's official arrangement, {"year": 2026, "days": [{"date",
 * "is_off", "name"}]}, like the holiday-cn files: the make-up working days for New Year often
 * fall in the December before, and belong to the next year's arrangement. So a special day
 * belongs to its own year if that year has official data, else to the neighbouring year that
 * does (December to the next, other months to the one before), else to its own year. A year
 * object with days marks the year as published on loading; an empty one as not published.
 */

typedef struct
{
  TbCalendar *calendar;
  int         year;
  JsonArray  *days;
  GArray     *years;
} YearData;

static int
owner_year (TbCalendar *calendar,
            TbDay       day)
{
  int year = tb_day_get_year (day);
  GDate date;

  if (tb_calendar_has_year (calendar, year))
    return year;

  g_date_clear (&date, 1);
  g_date_set_julian (&date, day);
  if (g_date_get_month (&date) == G_DATE_DECEMBER && year < 9999
      && tb_calendar_has_year (calendar, year + 1))
    return year + 1;
  if (g_date_get_month (&date) != G_DATE_DECEMBER && year > 1
      && tb_calendar_has_year (calendar, year - 1))
    return year - 1;

  return year;
}

static void
add_year_day (TbDay       day,
              gboolean    is_off,
              const char *name,
              gpointer    user_data)
{
  YearData *data = user_data;
  g_autofree char *iso = NULL;
  JsonObject *object;

  if (owner_year (data->calendar, day) != data->year)
    return;

  iso = tb_day_to_iso (day);
  object = json_object_new ();
  json_object_set_string_member (object, "date", iso);
  json_object_set_boolean_member (object, "is_off", is_off);
  set_string_or_null (object, "name", name);
  json_array_add_object_element (data->days, object);
}

/**
 * tb_wire_calendar_year_to_json:
 * @calendar: a calendar
 * @year: a year
 *
 * Returns: (transfer full): the `data` of the calendar change for @year (see the note above)
 */
JsonNode *
tb_wire_calendar_year_to_json (TbCalendar *calendar,
                               int         year)
{
  YearData data = { calendar, year, NULL, NULL };
  g_autoptr(JsonObject) object = NULL;

  g_return_val_if_fail (calendar != NULL, NULL);

  data.days = json_array_new ();
  tb_calendar_foreach_special_day (calendar, add_year_day, &data);

  object = json_object_new ();
  json_object_set_int_member (object, "year", year);
  json_object_set_array_member (object, "days", data.days);
  return json_node_init_object (json_node_alloc (), object);
}

static void
collect_year (TbDay       day,
              gboolean    is_off,
              const char *name,
              gpointer    user_data)
{
  YearData *data = user_data;
  int year = owner_year (data->calendar, day);

  for (guint i = 0; i < data->years->len; i++)
    if (g_array_index (data->years, int, i) == year)
      return;
  g_array_append_val (data->years, year);
}

static int
compare_ints (gconstpointer a,
              gconstpointer b)
{
  return *(const int *) a - *(const int *) b;
}

/**
 * tb_wire_calendar_list_years:
 * @calendar: a calendar
 *
 * Returns: (transfer full) (element-type int): the years to send, one change each: every year
 *   with official data and every year a special day belongs to, in increasing order
 */
GArray *
tb_wire_calendar_list_years (TbCalendar *calendar)
{
  YearData data = { calendar, 0, NULL, NULL };

  g_return_val_if_fail (calendar != NULL, NULL);

  data.years = tb_calendar_list_years (calendar);
  tb_calendar_foreach_special_day (calendar, collect_year, &data);
  g_array_sort (data.years, compare_ints);
  return data.years;
}

/**
 * tb_wire_calendar_year_load:
 * @calendar: a calendar
 * @object: the `data` of a calendar change
 * @year: (out) (optional): the year it was for
 * @error: return location for a #TB_WIRE_ERROR
 *
 * Sets the special days of one year's arrangement in @calendar and marks the year as
 * published if it has days. Days must lie in the year or next to it. All or nothing: on
 * error @calendar is unchanged.
 *
 * Returns: %TRUE on success
 */
gboolean
tb_wire_calendar_year_load (TbCalendar  *calendar,
                            JsonObject  *object,
                            int         *year,
                            GError     **error)
{
  g_autoptr(GArray) days = g_array_new (FALSE, FALSE, sizeof (TbDay));
  g_autoptr(GArray) offs = g_array_new (FALSE, FALSE, sizeof (gboolean));
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  gint64 y;
  JsonNode *node;
  JsonArray *array;

  g_return_val_if_fail (calendar != NULL, FALSE);
  g_return_val_if_fail (object != NULL, FALSE);

  if (!read_int (object, "year", FALSE, "calendar", &y, error))
    return FALSE;
  if (y < 2 || y > 9998)
    return bad_value (error, "calendar.year");

  node = json_object_get_member (object, "days");
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return wrong_type (error, "calendar.days");

  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      JsonObject *entry;
      const char *name;
      gboolean is_off;
      TbDay day;
      int day_year;

      if (!JSON_NODE_HOLDS_OBJECT (element))
        return wrong_type (error, "calendar.days[]");
      entry = json_node_get_object (element);

      if (!read_day (entry, "date", FALSE, "calendar.days[]", &day, error)
          || !read_boolean (entry, "is_off", FALSE, "calendar.days[]", &is_off, error)
          || !read_string (entry, "name", TRUE, MAX_STRING, "calendar.days[]", &name, error))
        return FALSE;

      day_year = tb_day_get_year (day);
      if (day_year < y - 1 || day_year > y + 1)
        return bad_value (error, "calendar.days[].date");

      g_array_append_val (days, day);
      g_array_append_val (offs, is_off);
      g_ptr_array_add (names, (gpointer) name);
    }

  for (guint i = 0; i < days->len; i++)
    tb_calendar_set_day (calendar, g_array_index (days, TbDay, i),
                         g_array_index (offs, gboolean, i), g_ptr_array_index (names, i));
  tb_calendar_set_has_year (calendar, (int) y, days->len > 0);

  if (year != NULL)
    *year = (int) y;
  return TRUE;
}

/* ------------------------------------------------------------------------------------------ */
/* Time                                                                                        */

/**
 * tb_wire_format_time:
 * @unix_usec: microseconds since the Unix epoch
 *
 * Returns: (transfer full): the time in UTC as RFC 3339, to the second:
 *   "2026-11-27T01:30:00Z"
 */
char *
tb_wire_format_time (gint64 unix_usec)
{
  g_autoptr(GDateTime) time = NULL;
  gint64 seconds = unix_usec / G_USEC_PER_SEC;

  if (unix_usec < 0 && unix_usec % G_USEC_PER_SEC != 0)
    seconds--;

  time = g_date_time_new_from_unix_utc (seconds);
  g_return_val_if_fail (time != NULL, NULL);
  return g_date_time_format (time, "%Y-%m-%dT%H:%M:%SZ");
}

/**
 * tb_wire_parse_time:
 * @text: an RFC 3339 date and time with a UTC offset, "2026-11-27T09:30:00+08:00"
 * @unix_usec: (out) (optional): microseconds since the Unix epoch
 *
 * Returns: %TRUE if @text is such a time; times without an offset are refused, as they
 *   could mean anything
 */
gboolean
tb_wire_parse_time (const char *text,
                    gint64     *unix_usec)
{
  g_autoptr(GDateTime) time = NULL;
  gsize length;

  if (text == NULL)
    return FALSE;

  /* RFC 3339 only: "YYYY-MM-DDTHH:MM:SS", an optional fraction, and "Z" or "±HH:MM". */
  length = strlen (text);
  if (length < 20 || length > 40 || text[4] != '-' || text[7] != '-'
      || (text[10] != 'T' && text[10] != 't') || text[13] != ':' || text[16] != ':')
    return FALSE;

  time = g_date_time_new_from_iso8601 (text, NULL);
  if (time == NULL)
    return FALSE;

  if (unix_usec != NULL)
    *unix_usec = g_date_time_to_unix (time) * G_USEC_PER_SEC
                 + g_date_time_get_microsecond (time);
  return TRUE;
}

/**
 * tb_wire_local_day:
 * @unix_usec: microseconds since the Unix epoch
 *
 * The day of an instant in China Standard Time (UTC+8, no daylight saving time): the day a
 * decision counts as taken on, for the clock of the time limit, on the server and on every
 * desk whatever its time zone.
 *
 * Returns: the day
 */
TbDay
tb_wire_local_day (gint64 unix_usec)
{
  gint64 seconds = unix_usec / G_USEC_PER_SEC + LOCAL_OFFSET_SECONDS;
  gint64 days = seconds / 86400;

  if (seconds < 0 && seconds % 86400 != 0)
    days--;

  return (TbDay) (tb_day_from_ymd (1970, 1, 1) + days);
}

/**
 * tb_wire_apply_clock:
 * @calendar: the official calendar
 * @result: what the action does, from tb_workflow_check()
 * @extension_days: the service's extension, tb_service_get_extension_days()
 * @today: the day the action is taken on (tb_wire_local_day())
 * @deadline: (inout): the case's deadline, %TB_DAY_INVALID if it has none
 * @paused_since: (inout): the day its clock was paused, %TB_DAY_INVALID if it runs
 *
 * Moves the time-limit clock of a case as an action does, by the one rule the server and the
 * desks share so that an offline decision shows the deadline the server will compute.
 *
 * Pausing records @today. Resuming moves the deadline by the working days in
 * (paused_since, today]: the day the case was returned counts as a day spent, the day it
 * comes back counts as a new receipt does, not at all; so the days left before the pause are
 * the days left after it. Closing stops the clock where it is. An extension adds
 * @extension_days working days to the deadline.
 */
void
tb_wire_apply_clock (TbCalendar             *calendar,
                     const TbWorkflowResult *result,
                     guint                   extension_days,
                     TbDay                   today,
                     TbDay                  *deadline,
                     TbDay                  *paused_since)
{
  g_return_if_fail (calendar != NULL);
  g_return_if_fail (result != NULL);
  g_return_if_fail (deadline != NULL && paused_since != NULL);

  switch (result->clock)
    {
    case TB_WORKFLOW_CLOCK_PAUSE:
      *paused_since = today;
      break;

    case TB_WORKFLOW_CLOCK_RESUME:
      if (*deadline != TB_DAY_INVALID && *paused_since != TB_DAY_INVALID)
        *deadline = tb_calendar_add_working_days (
          calendar, *deadline,
          tb_calendar_count_working_days (calendar, *paused_since, today, NULL, 0));
      *paused_since = TB_DAY_INVALID;
      break;

    case TB_WORKFLOW_CLOCK_STOP:
      *paused_since = TB_DAY_INVALID;
      break;

    case TB_WORKFLOW_CLOCK_KEEP:
    default:
      break;
    }

  if (result->extends_deadline && *deadline != TB_DAY_INVALID && extension_days > 0)
    *deadline = tb_calendar_add_working_days (calendar, *deadline, extension_days);
}

/* ------------------------------------------------------------------------------------------ */
/* Pull pages                                                                                  */

/*
 * A pull page is the bulk of an initial sync (about 1.4 KB a case, 135 MB for 100,000 cases).
 * Building a json-glib tree per case and reading it back was a quarter of the desk's time, so
 * a page is read with a small tokenizer over its text instead: one pass checks the whole page
 * (UTF-8, JSON syntax, escapes, nesting) and records where every value is; the cases are then
 * decoded from those positions with the same rules as tb_wire_case_from_json() and
 * tb_wire_change_from_json(), and their form kept as the text it came as. Only the few records
 * of other types (services, calendars, users…) and non-empty timelines become json-glib trees.
 */

#define PAGE_MAX_DEPTH 128
#define NO_TOKEN       G_MAXUINT32

typedef enum
{
  TOKEN_OBJECT,
  TOKEN_ARRAY,
  TOKEN_STRING,
  TOKEN_NUMBER,   /* with a fraction or an exponent */
  TOKEN_INTEGER,
  TOKEN_TRUE,
  TOKEN_FALSE,
  TOKEN_NULL,
} TokenKind;

/* An object's tokens are its members' key and value tokens in turn, an array's its elements. */
typedef struct
{
  guint8  kind;
  guint8  escaped;  /* a string with a backslash in it */
  guint32 start;    /* a string: after its opening quote; anything else: its first byte */
  guint32 length;   /* a string: up to its closing quote; anything else: all of it */
  guint32 next;     /* the token after this one and everything in it */
} Token;

typedef struct
{
  char         *text;     /* the page's own copy: its strings are ended in place */
  gsize         length;
  gsize         pos;
  GArray       *tokens;
  GStringChunk *strings;  /* strings with escapes, decoded */
} Lexer;

static inline void
lex_skip_space (Lexer *lx)
{
  while (lx->pos < lx->length)
    {
      char c = lx->text[lx->pos];

      if (c != ' ' && c != '\n' && c != '\r' && c != '\t')
        break;
      lx->pos++;
    }
}

static inline Token *
lex_token (Lexer *lx,
           guint  index)
{
  return &g_array_index (lx->tokens, Token, index);
}

static guint
lex_push (Lexer     *lx,
          TokenKind  kind,
          gsize      start)
{
  Token token = { kind, 0, (guint32) start, 0, 0 };

  g_array_append_val (lx->tokens, token);
  return lx->tokens->len - 1;
}

static inline int
hex_value (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* Four hex digits at @p, or -1. */
static int
read_hex4 (const char *p)
{
  int value = 0;

  for (guint i = 0; i < 4; i++)
    {
      int digit = hex_value (p[i]);

      if (digit < 0)
        return -1;
      value = value * 16 + digit;
    }
  return value;
}

/* A string whose opening quote is at the current position. The text was checked to be UTF-8
 * as a whole; here the escapes are (a \u escape must be a character: surrogates in pairs). */
static gboolean
lex_string (Lexer *lx)
{
  const char *text = lx->text;
  gsize p = lx->pos + 1;
  guint index = lex_push (lx, TOKEN_STRING, p);
  gboolean escaped = FALSE;

  while (TRUE)
    {
      guchar c;

      /* Most bytes of most strings need no decision. */
      while (p < lx->length && (c = (guchar) text[p]) != '"' && c != '\\' && c >= 0x20)
        p++;
      if (p >= lx->length)
        return FALSE;
      c = (guchar) text[p];
      if (c == '"')
        break;
      if (c < 0x20)
        return FALSE;

      /* A backslash. */
      escaped = TRUE;
      if (p + 1 >= lx->length)
        return FALSE;
      switch (text[p + 1])
        {
        case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
          p += 2;
          break;

        case 'u':
          {
            int unit;

            if (p + 6 > lx->length || (unit = read_hex4 (text + p + 2)) < 0)
              return FALSE;
            p += 6;
            if (unit >= 0xDC00 && unit <= 0xDFFF)
              return FALSE;
            if (unit >= 0xD800 && unit <= 0xDBFF)
              {
                int low;

                if (p + 6 > lx->length || text[p] != '\\' || text[p + 1] != 'u'
                    || (low = read_hex4 (text + p + 2)) < 0xDC00 || low > 0xDFFF)
                  return FALSE;
                p += 6;
              }
          }
          break;

        default:
          return FALSE;
        }
    }

  lex_token (lx, index)->escaped = escaped;
  lex_token (lx, index)->length = (guint32) (p - (lx->pos + 1));
  lex_token (lx, index)->next = index + 1;
  lx->pos = p + 1;
  return TRUE;
}

static gboolean
lex_number (Lexer *lx)
{
  const char *text = lx->text;
  gsize p = lx->pos;
  gboolean integer = TRUE;
  guint index;

  if (p < lx->length && text[p] == '-')
    p++;
  if (p >= lx->length || !g_ascii_isdigit (text[p]))
    return FALSE;
  if (text[p] == '0')
    p++;
  else
    while (p < lx->length && g_ascii_isdigit (text[p]))
      p++;
  if (p < lx->length && text[p] == '.')
    {
      integer = FALSE;
      if (++p >= lx->length || !g_ascii_isdigit (text[p]))
        return FALSE;
      while (p < lx->length && g_ascii_isdigit (text[p]))
        p++;
    }
  if (p < lx->length && (text[p] == 'e' || text[p] == 'E'))
    {
      integer = FALSE;
      p++;
      if (p < lx->length && (text[p] == '+' || text[p] == '-'))
        p++;
      if (p >= lx->length || !g_ascii_isdigit (text[p]))
        return FALSE;
      while (p < lx->length && g_ascii_isdigit (text[p]))
        p++;
    }

  index = lex_push (lx, integer ? TOKEN_INTEGER : TOKEN_NUMBER, lx->pos);
  lex_token (lx, index)->length = (guint32) (p - lx->pos);
  lex_token (lx, index)->next = index + 1;
  lx->pos = p;
  return TRUE;
}

static gboolean
lex_literal (Lexer      *lx,
             TokenKind   kind,
             const char *word)
{
  gsize length = strlen (word);
  guint index;

  if (lx->length - lx->pos < length || memcmp (lx->text + lx->pos, word, length) != 0)
    return FALSE;
  index = lex_push (lx, kind, lx->pos);
  lex_token (lx, index)->length = (guint32) length;
  lex_token (lx, index)->next = index + 1;
  lx->pos += length;
  return TRUE;
}

static gboolean
lex_value (Lexer *lx,
           guint  depth)
{
  gboolean object;
  guint index;
  char close;

  lex_skip_space (lx);
  if (lx->pos >= lx->length)
    return FALSE;

  switch (lx->text[lx->pos])
    {
    case '"':
      return lex_string (lx);
    case 't':
      return lex_literal (lx, TOKEN_TRUE, "true");
    case 'f':
      return lex_literal (lx, TOKEN_FALSE, "false");
    case 'n':
      return lex_literal (lx, TOKEN_NULL, "null");
    case '{':
    case '[':
      break;
    default:
      return lex_number (lx);
    }

  if (depth >= PAGE_MAX_DEPTH)
    return FALSE;
  object = lx->text[lx->pos] == '{';
  close = object ? '}' : ']';
  index = lex_push (lx, object ? TOKEN_OBJECT : TOKEN_ARRAY, lx->pos);
  lx->pos++;

  lex_skip_space (lx);
  if (lx->pos < lx->length && lx->text[lx->pos] == close)
    lx->pos++;
  else
    while (TRUE)
      {
        if (object)
          {
            lex_skip_space (lx);
            if (lx->pos >= lx->length || lx->text[lx->pos] != '"' || !lex_string (lx))
              return FALSE;
            lex_skip_space (lx);
            if (lx->pos >= lx->length || lx->text[lx->pos] != ':')
              return FALSE;
            lx->pos++;
          }
        if (!lex_value (lx, depth + 1))
          return FALSE;
        lex_skip_space (lx);
        if (lx->pos >= lx->length)
          return FALSE;
        if (lx->text[lx->pos] == close)
          {
            lx->pos++;
            break;
          }
        if (lx->text[lx->pos] != ',')
          return FALSE;
        lx->pos++;
      }

  lex_token (lx, index)->length = (guint32) (lx->pos - lex_token (lx, index)->start);
  lex_token (lx, index)->next = lx->tokens->len;
  return TRUE;
}

/*
 * The string token @index decoded, or %NULL if it holds a nul. A string without escapes is
 * ended in place, over its closing quote: the text of the change it is in is not read again
 * (see tb_wire_page_parse()). One with escapes is decoded into the page's string chunk.
 */
static const char *
token_string (Lexer *lx,
              guint  index)
{
  const Token *t = lex_token (lx, index);
  const char *p = lx->text + t->start;
  const char *end = p + t->length;
  g_autoptr(GString) out = NULL;

  if (!t->escaped)
    {
      lx->text[t->start + t->length] = '\0';
      return lx->text + t->start;
    }

  out = g_string_sized_new (t->length);
  while (p < end)
    {
      const char *backslash = memchr (p, '\\', end - p);
      gunichar c;

      if (backslash == NULL)
        {
          g_string_append_len (out, p, end - p);
          break;
        }
      g_string_append_len (out, p, backslash - p);
      p = backslash + 1;
      switch (*p)
        {
        case 'b': c = '\b'; p++; break;
        case 'f': c = '\f'; p++; break;
        case 'n': c = '\n'; p++; break;
        case 'r': c = '\r'; p++; break;
        case 't': c = '\t'; p++; break;
        case 'u':
          /* lex_string() checked the digits and the pairs. */
          c = read_hex4 (p + 1);
          p += 5;
          if (c >= 0xD800 && c <= 0xDBFF)
            {
              c = 0x10000 + ((c - 0xD800) << 10) + (read_hex4 (p + 2) - 0xDC00);
              p += 6;
            }
          break;
        default:
          c = (guchar) *p++;
          break;
        }
      if (c == 0)
        return NULL;
      g_string_append_unichar (out, c);
    }
  return g_string_chunk_insert_len (lx->strings, out->str, out->len);
}

static gboolean
token_is (Lexer      *lx,
          guint       index,
          const char *name)
{
  const Token *t = lex_token (lx, index);
  gsize length = strlen (name);
  g_autoptr(GString) decoded = NULL;

  if (!t->escaped)
    return t->length == length && memcmp (lx->text + t->start, name, length) == 0;

  /* A key with escapes (rare): decoded aside, the text left as it is. */
  decoded = g_string_new (NULL);
  for (const char *p = lx->text + t->start, *end = p + t->length; p < end; p++)
    {
      gunichar c = (guchar) *p;

      if (c == '\\')
        {
          switch (*++p)
            {
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            case 'n': c = '\n'; break;
            case 'r': c = '\r'; break;
            case 't': c = '\t'; break;
            case 'u':
              c = read_hex4 (p + 1);
              p += 4;
              if (c >= 0xD800 && c <= 0xDBFF)
                {
                  c = 0x10000 + ((c - 0xD800) << 10) + (read_hex4 (p + 3) - 0xDC00);
                  p += 6;
                }
              break;
            default:
              c = (guchar) *p;
              break;
            }
          g_string_append_unichar (decoded, c);
        }
      else
        g_string_append_c (decoded, *p);
    }
  return decoded->len == length && memcmp (decoded->str, name, length) == 0;
}

/* The value of member @name of the object token @object (the last, as json-glib keeps), or
 * %NO_TOKEN. */
static guint
token_member (Lexer      *lx,
              guint       object,
              const char *name)
{
  guint end = lex_token (lx, object)->next;
  guint found = NO_TOKEN;

  for (guint key = object + 1; key < end; key = lex_token (lx, key + 1)->next)
    if (token_is (lx, key, name))
      found = key + 1;
  return found;
}

static inline TokenKind
token_kind (Lexer *lx,
            guint  index)
{
  return index == NO_TOKEN ? TOKEN_NULL : (TokenKind) lex_token (lx, index)->kind;
}

/* The member paths in errors are only built for errors. */
static gboolean
page_wrong_type (GError     **error,
                 const char  *where,
                 const char  *member)
{
  g_autofree char *path = g_strconcat (where, ".", member, NULL);

  return wrong_type (error, path);
}

static gboolean
page_bad_value (GError     **error,
                const char  *where,
                const char  *member)
{
  g_autofree char *path = g_strconcat (where, ".", member, NULL);

  return bad_value (error, path);
}

/* As read_string(). */
static gboolean
page_read_string (Lexer       *lx,
                  guint        object,
                  const char  *member,
                  gboolean     nullable,
                  gsize        max_length,
                  const char  *where,
                  const char **out,
                  GError     **error)
{
  guint value = token_member (lx, object, member);

  *out = NULL;
  if (value == NO_TOKEN || token_kind (lx, value) == TOKEN_NULL)
    return nullable ? TRUE : page_wrong_type (error, where, member);
  if (token_kind (lx, value) != TOKEN_STRING)
    return page_wrong_type (error, where, member);

  *out = token_string (lx, value);
  if (*out == NULL || strlen (*out) > max_length || (!nullable && **out == '\0'))
    {
      *out = NULL;
      return page_bad_value (error, where, member);
    }
  return TRUE;
}

/* As read_day(). */
static gboolean
page_read_day (Lexer       *lx,
               guint        object,
               const char  *member,
               gboolean     nullable,
               const char  *where,
               TbDay       *out,
               GError     **error)
{
  const char *iso;

  *out = TB_DAY_INVALID;
  if (!page_read_string (lx, object, member, nullable, 10, where, &iso, error))
    return FALSE;
  if (iso == NULL)
    return TRUE;
  *out = tb_day_from_iso (iso);
  return *out != TB_DAY_INVALID ? TRUE : page_bad_value (error, where, member);
}

/* As read_boolean(). */
static gboolean
page_read_boolean (Lexer       *lx,
                   guint        object,
                   const char  *member,
                   gboolean     optional,
                   const char  *where,
                   gboolean    *out,
                   GError     **error)
{
  guint value = token_member (lx, object, member);

  *out = FALSE;
  if (value == NO_TOKEN && optional)
    return TRUE;
  if (value != NO_TOKEN && token_kind (lx, value) == TOKEN_TRUE)
    *out = TRUE;
  else if (value == NO_TOKEN || token_kind (lx, value) != TOKEN_FALSE)
    return page_wrong_type (error, where, member);
  return TRUE;
}

/* As read_int(). */
static gboolean
page_read_int (Lexer       *lx,
               guint        object,
               const char  *member,
               gboolean     optional,
               const char  *where,
               gint64      *out,
               GError     **error)
{
  guint value = token_member (lx, object, member);
  const Token *t;
  char digits[32];
  char *end = NULL;

  *out = 0;
  if ((value == NO_TOKEN || token_kind (lx, value) == TOKEN_NULL) && optional)
    return TRUE;
  if (value == NO_TOKEN || token_kind (lx, value) != TOKEN_INTEGER)
    return page_wrong_type (error, where, member);

  t = lex_token (lx, value);
  if (t->length >= sizeof digits)
    return page_bad_value (error, where, member);
  memcpy (digits, lx->text + t->start, t->length);
  digits[t->length] = '\0';
  *out = g_ascii_strtoll (digits, &end, 10);
  if (*out < 0 || *out > G_GINT64_CONSTANT (9007199254740991))
    return page_bad_value (error, where, member);
  return TRUE;
}

/* As read_string_array(); an empty array or an absent one gives %NULL. */
static gboolean
page_read_string_array (Lexer       *lx,
                        guint        object,
                        const char  *member,
                        const char  *where,
                        GStrv       *out,
                        GError     **error)
{
  guint value = token_member (lx, object, member);
  g_autoptr(GStrvBuilder) builder = NULL;
  guint end;

  *out = NULL;
  if (value == NO_TOKEN || token_kind (lx, value) == TOKEN_NULL)
    return TRUE;
  if (token_kind (lx, value) != TOKEN_ARRAY)
    return page_wrong_type (error, where, member);

  end = lex_token (lx, value)->next;
  if (value + 1 == end)
    return TRUE;
  builder = g_strv_builder_new ();
  for (guint element = value + 1; element < end; element = lex_token (lx, element)->next)
    {
      const char *text;

      if (token_kind (lx, element) != TOKEN_STRING)
        return page_wrong_type (error, where, member);
      text = token_string (lx, element);
      if (text == NULL || *text == '\0' || strlen (text) > MAX_ID)
        return page_bad_value (error, where, member);
      g_strv_builder_add (builder, text);
    }
  *out = g_strv_builder_end (builder);
  return TRUE;
}

/* The text of token @index as a json-glib tree. */
static JsonNode *
token_to_node (Lexer *lx,
               guint  index)
{
  const Token *t = lex_token (lx, index);
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();

  /* The text is valid JSON already: this cannot fail. */
  if (!json_parser_load_from_data (parser, lx->text + t->start, t->length, NULL))
    return NULL;
  return json_parser_steal_root (parser);
}

struct _TbWirePagePrivate
{
  char         *text;     /* the answer, its strings ended in place */
  GStringChunk *strings;
  GPtrArray    *nodes;    /* JsonNode: the records kept as trees */
};

/* As tb_wire_case_from_json(), for the case at token @object; the strings go to the page. */
static gboolean
page_read_case (Lexer       *lx,
                guint        object,
                TbWirePage  *page,
                TbWireCase  *out,
                GError     **error)
{
  TbCaseRecord *r = &out->record;
  gboolean closed;
  guint node;

  if (token_kind (lx, object) != TOKEN_OBJECT)
    return wrong_type (error, "change.data");

  if (!page_read_string (lx, object, "id", FALSE, MAX_ID, "case", &r->id, error)
      || !page_read_string (lx, object, "ref", FALSE, MAX_ID, "case", &r->ref, error)
      || !page_read_string (lx, object, "service_id", FALSE, MAX_ID, "case", &r->service_id,
                            error)
      || !page_read_string (lx, object, "state", FALSE, MAX_ID, "case", &r->state, error)
      || !page_read_string (lx, object, "assignee_id", TRUE, MAX_ID, "case", &r->assignee_id,
                            error)
      || !page_read_string (lx, object, "team_id", TRUE, MAX_ID, "case", &r->team_id, error)
      || !page_read_string (lx, object, "applicant_name", FALSE, MAX_STRING, "case",
                            &r->applicant_name, error)
      || !page_read_string (lx, object, "applicant_kind", FALSE, MAX_ID, "case",
                            &r->applicant_kind, error)
      || !page_read_string (lx, object, "company_name", TRUE, MAX_STRING, "case",
                            &r->company_name, error)
      || !page_read_day (lx, object, "received_on", FALSE, "case", &r->received_on, error)
      || !page_read_day (lx, object, "deadline", TRUE, "case", &r->deadline, error)
      || !page_read_day (lx, object, "paused_since", TRUE, "case", &r->paused_since, error)
      || !page_read_boolean (lx, object, "closed", FALSE, "case", &closed, error)
      || !page_read_int (lx, object, "version", FALSE, "case", &r->version, error)
      || !page_read_boolean (lx, object, "practice", TRUE, "case", &out->practice, error)
      || !page_read_string_array (lx, object, "signed_parties", "case", &out->signed_parties,
                                  error))
    return FALSE;
  r->closed = closed;

  if (strcmp (r->applicant_kind, "person") != 0 && strcmp (r->applicant_kind, "company") != 0)
    return bad_value (error, "case.applicant_kind");

  node = token_member (lx, object, "events");
  if (token_kind (lx, node) != TOKEN_NULL)
    {
      JsonNode *events;

      if (token_kind (lx, node) != TOKEN_ARRAY)
        return wrong_type (error, "case.events");
      /* An empty timeline needs no tree. */
      if (lex_token (lx, node)->next != node + 1)
        {
          if ((events = token_to_node (lx, node)) == NULL)
            return wrong_type (error, "case.events");
          g_ptr_array_add (page->priv->nodes, events);
          if (!check_events (json_node_get_array (events), error))
            return FALSE;
          out->events = json_node_get_array (events);
        }
    }

  /* The form is kept as the (checked) text it came as, ended in place over the comma or brace
   * after it, last: the timeline above was read from the text before. */
  node = token_member (lx, object, "form");
  if (token_kind (lx, node) != TOKEN_OBJECT)
    return wrong_type (error, "case.form");
  r->form_json = lx->text + lex_token (lx, node)->start;
  lx->text[lex_token (lx, node)->start + lex_token (lx, node)->length] = '\0';

  return TRUE;
}

/* As tb_wire_change_from_json() and, for a case, tb_wire_case_from_json(). */
static gboolean
page_read_change (Lexer             *lx,
                  guint              object,
                  TbWirePage        *page,
                  TbWirePageChange  *out,
                  GError           **error)
{
  TbWireChange *change = &out->change;
  guint data;

  if (token_kind (lx, object) != TOKEN_OBJECT)
    return wrong_type (error, "changes[]");
  if (!page_read_string (lx, object, "type", FALSE, MAX_ID, "change", &change->type, error)
      || !page_read_string (lx, object, "id", FALSE, MAX_ID, "change", &change->id, error)
      || !page_read_string (lx, object, "op", FALSE, MAX_ID, "change", &change->op, error)
      || !page_read_int (lx, object, "version", TRUE, "change", &change->version, error))
    return FALSE;

  if (strcmp (change->op, "put") != 0 && strcmp (change->op, "delete") != 0
      && strcmp (change->op, "remove") != 0)
    return bad_value (error, "change.op");

  data = token_member (lx, object, "data");
  if (token_kind (lx, data) != TOKEN_NULL && token_kind (lx, data) != TOKEN_OBJECT)
    return wrong_type (error, "change.data");
  if (strcmp (change->op, "put") != 0)
    return TRUE;
  if (token_kind (lx, data) == TOKEN_NULL)
    return wrong_type (error, "change.data");

  if (strcmp (change->type, "case") == 0)
    {
      if (!page_read_case (lx, data, page, &out->wcase, error))
        return FALSE;
      if (strcmp (out->wcase.record.id, change->id) != 0)
        return bad_value (error, "change.id");
      out->is_case_put = TRUE;
      return TRUE;
    }

  /* Another record: a tree, read with the function for its type. */
  {
    JsonNode *node = token_to_node (lx, data);

    if (node == NULL)
      return wrong_type (error, "change.data");
    g_ptr_array_add (page->priv->nodes, node);
    change->data = json_node_get_object (node);
  }

  if (strcmp (change->type, "user") == 0)
    {
      TbWireUser user = { 0 };
      gboolean ok = tb_wire_user_from_json (change->data, &user, error);

      tb_wire_user_clear (&user);
      return ok;
    }
  if (strcmp (change->type, "team") == 0)
    {
      const char *id, *name;

      return tb_wire_team_from_json (change->data, &id, &name, error);
    }
  return TRUE;
}

/* Expects @c at the current position, after any space, and moves past it. */
static gboolean
lex_expect (Lexer *lx,
            char   c)
{
  lex_skip_space (lx);
  if (lx->pos >= lx->length || lx->text[lx->pos] != c)
    return FALSE;
  lx->pos++;
  return TRUE;
}

/* The changes array of the page, each change lexed, checked and decoded before the next one
 * is read (so that the tokens of one change are all there ever is). */
static gboolean
page_read_changes (Lexer       *lx,
                   TbWirePage  *page,
                   GError     **error)
{
  if (!lex_expect (lx, '['))
    return wrong_type (error, "changes");
  if (lex_expect (lx, ']'))
    return TRUE;

  do
    {
      TbWirePageChange *change;

      g_array_set_size (lx->tokens, 0);
      if (!lex_value (lx, 2))
        return wrong_type (error, "page");
      g_array_set_size (page->changes, page->changes->len + 1);
      change = &g_array_index (page->changes, TbWirePageChange, page->changes->len - 1);
      if (!page_read_change (lx, 0, page, change, error))
        return FALSE;
    }
  while (lex_expect (lx, ','));

  return lex_expect (lx, ']') ? TRUE : wrong_type (error, "page");
}

/**
 * tb_wire_page_parse:
 * @bytes: (transfer full): the body of a pull answer
 * @error: return location for a #TB_WIRE_ERROR
 *
 * Reads a pull page `{changes, cursor, has_more, last_mutation_id, server_time}` and checks
 * it as a whole: the JSON, every change's envelope, cases as tb_wire_case_from_json(), users
 * and teams. Members not in the protocol are ignored, as are records of unknown types (the
 * caller skips them). The page keeps the text of @bytes (without copying it if nothing else
 * holds @bytes) and its strings point into it. It may be called in any thread.
 *
 * Returns: (transfer full) (nullable): the page, or %NULL with @error set
 */
TbWirePage *
tb_wire_page_parse (GBytes  *bytes,
                    GError **error)
{
  g_autoptr(TbWirePage) page = NULL;
  g_autoptr(GArray) tokens = NULL;
  g_autoptr(GArray) top_tokens = NULL;
  Token top = { TOKEN_OBJECT, 0, 0, 0, 0 };
  Lexer lx = { 0 };
  Lexer members = { 0 };
  gboolean seen_changes = FALSE;
  gboolean closed;
  const char *time;
  gsize length = 0;

  g_return_val_if_fail (bytes != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  page = g_new0 (TbWirePage, 1);
  page->priv = g_new0 (TbWirePagePrivate, 1);
  page->priv->text = g_bytes_unref_to_data (bytes, &length);
  page->priv->strings = g_string_chunk_new (4096);
  page->priv->nodes = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  page->changes = g_array_new (FALSE, TRUE, sizeof (TbWirePageChange));

  if (length > G_MAXUINT32 / 2 || !g_utf8_validate_len (page->priv->text, length, NULL))
    {
      wrong_type (error, "page");
      return NULL;
    }

  /* The tokens of one change at a time in @lx; the page's own members in @members, as the
   * members of an object token 0. */
  tokens = g_array_sized_new (FALSE, FALSE, sizeof (Token), 256);
  top_tokens = g_array_sized_new (FALSE, FALSE, sizeof (Token), 16);
  g_array_append_val (top_tokens, top);
  lx.text = page->priv->text;
  lx.length = length;
  lx.tokens = tokens;
  lx.strings = page->priv->strings;
  members = lx;
  members.tokens = top_tokens;

  if (!lex_expect (&lx, '{'))
    {
      wrong_type (error, "page");
      return NULL;
    }
  closed = lex_expect (&lx, '}');
  if (!closed)
    do
      {
        guint key = top_tokens->len;

        members.pos = lx.pos;
        lex_skip_space (&members);
        if (members.pos >= length || members.text[members.pos] != '"' || !lex_string (&members)
            || !lex_expect (&members, ':'))
          {
            wrong_type (error, "page");
            return NULL;
          }
        if (token_is (&members, key, "changes"))
          {
            /* Twice would leave it unclear which the server meant. */
            g_array_set_size (top_tokens, key);
            lx.pos = members.pos;
            if (seen_changes)
              {
                wrong_type (error, "changes");
                return NULL;
              }
            seen_changes = TRUE;
            if (!page_read_changes (&lx, page, error))
              return NULL;
          }
        else
          {
            if (!lex_value (&members, 1))
              {
                wrong_type (error, "page");
                return NULL;
              }
            lx.pos = members.pos;
          }
      }
    while (lex_expect (&lx, ','));
  if (!closed && !lex_expect (&lx, '}'))
    {
      wrong_type (error, "page");
      return NULL;
    }
  lex_skip_space (&lx);
  if (lx.pos != length)
    {
      wrong_type (error, "page");
      return NULL;
    }
  if (!seen_changes)
    {
      wrong_type (error, "changes");
      return NULL;
    }

  g_array_index (top_tokens, Token, 0).next = top_tokens->len;
  if (!page_read_string (&members, 0, "cursor", FALSE, MAX_STRING, "page", &page->cursor,
                         error)
      || !page_read_boolean (&members, 0, "has_more", FALSE, "page", &page->has_more, error)
      || !page_read_int (&members, 0, "last_mutation_id", FALSE, "page",
                         &page->last_mutation_id, error)
      || !page_read_string (&members, 0, "server_time", FALSE, 64, "page", &time, error))
    return NULL;
  if (!tb_wire_parse_time (time, &page->server_time))
    {
      bad_value (error, "page.server_time");
      return NULL;
    }

  return g_steal_pointer (&page);
}

/**
 * tb_wire_page_free:
 * @page: (transfer full) (nullable): a page
 *
 * Frees @page and everything its changes point to.
 */
void
tb_wire_page_free (TbWirePage *page)
{
  if (page == NULL)
    return;
  for (guint i = 0; page->changes != NULL && i < page->changes->len; i++)
    g_strfreev (g_array_index (page->changes, TbWirePageChange, i).wcase.signed_parties);
  g_clear_pointer (&page->changes, g_array_unref);
  if (page->priv != NULL)
    {
      g_clear_pointer (&page->priv->nodes, g_ptr_array_unref);
      g_clear_pointer (&page->priv->text, g_free);
      if (page->priv->strings != NULL)
        g_string_chunk_free (page->priv->strings);
      g_free (page->priv);
    }
  g_free (page);
}
