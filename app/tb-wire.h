/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-wire.h: the JSON shapes of the sync protocol, shared by the client and the server */

#pragma once

#include <json-glib/json-glib.h>

#include "tb-calendar.h"
#include "tb-case.h"
#include "tb-types.h"
#include "tb-workflow.h"

G_BEGIN_DECLS

#define TB_WIRE_ERROR (tb_wire_error_quark ())

/**
 * TB_WIRE_PROBLEM_FIELD_NOT_EDITABLE:
 *
 * The `code` of the `forbidden` problem of a `case.update_fields` that changes fields the
 * caller's roles may not edit in the case's state; the problem's `fields` lists them and its
 * `state` names the state (docs/protocol.md).
 */
#define TB_WIRE_PROBLEM_FIELD_NOT_EDITABLE "field-not-editable"

/**
 * TB_WIRE_PROBLEM_ATTACHMENT_NOT_UPLOADED:
 *
 * The `code` of the `forbidden` problem of a `case.create` or `case.update_fields` whose form
 * names files that are neither the case's already nor uploaded by the caller; the problem's
 * `attachments` lists their SHA-256s (docs/protocol.md).
 */
#define TB_WIRE_PROBLEM_ATTACHMENT_NOT_UPLOADED "attachment-not-uploaded"

/**
 * TbWireError:
 * @TB_WIRE_ERROR_INVALID: a member is missing, of the wrong type, or not a valid value
 *
 * Data that does not have the shape of docs/protocol.md.
 */
typedef enum
{
  TB_WIRE_ERROR_INVALID,
} TbWireError;

/**
 * TbWireCase:
 * @record: the plain values; on decoding its strings point into the decoded object, except
 *   @record.form_json, which the #TbWireCase owns
 * @practice: a practice case, for tutorials (only trainers see all of them)
 * @signed_parties: (array zero-terminated=1) (nullable): the parties that have countersigned in
 *   the current state; %NULL for none
 * @events: (nullable): the timeline, an array of event objects (see below); %NULL for none
 *
 * A case as the protocol carries it (the `data` of a case change, `GET /cases/{id}`):
 * `{id, ref, service_id, state, assignee_id, team_id, applicant_name, applicant_kind,
 * company_name, received_on, deadline, paused_since, closed, version, practice,
 * signed_parties, form, events}`. Dates are "YYYY-MM-DD" or null.
 *
 * An event is `{id, kind, actor_id, at, device_time, data}`: @id a string unique on the
 * server, @kind one of "created", "decision", "comment", "assignment", "fields"; @at the time
 * the server recorded it and @device_time the time on the device that made it (RFC 3339, the
 * latter null if unknown); @data an object: for a decision `{action, from, to, reason,
 * comment, party}`, for a comment `{text}`, for an assignment `{from, to}`, for fields
 * `{fields: [field ids]}`.
 */
typedef struct
{
  TbCaseRecord  record;
  gboolean      practice;
  GStrv         signed_parties;
  JsonArray    *events;

  /*< private >*/
  char         *form_owned;
} TbWireCase;

/**
 * TbWireUser:
 * @id: user id
 * @login: sign-in name
 * @display_name: the name shown
 * @roles: what the user may do
 * @team_ids: (array zero-terminated=1): their teams, never %NULL after decoding
 *
 * A user as reference data: `{id, login, display_name, roles: ["caseworker"…],
 * teams: ["team-…"]}`. On decoding the strings point into the object; @team_ids is owned.
 */
typedef struct
{
  const char *id;
  const char *login;
  const char *display_name;
  TbRole      roles;
  GStrv       team_ids;
} TbWireUser;

/**
 * TbWireChange:
 * @type: "case", "service", "workflow", "calendar", "team" or "user"
 * @id: the record's id
 * @op: "put", "delete" or "remove"
 * @version: the record's version (0 when the change has none)
 * @data: (nullable): the record, for a put
 *
 * One element of a pull's `changes`. The strings and @data point into the decoded object.
 */
typedef struct
{
  const char *type;
  const char *id;
  const char *op;
  gint64      version;
  JsonObject *data;
} TbWireChange;

/**
 * TbWirePageChange:
 * @change: the envelope; @change.data is %NULL for a case put, which is in @wcase
 * @wcase: the case of a case put; its strings belong to the page
 * @is_case_put: whether @wcase holds a case
 *
 * One change of a #TbWirePage.
 */
typedef struct
{
  TbWireChange change;
  TbWireCase   wcase;
  gboolean     is_case_put;
} TbWirePageChange;

typedef struct _TbWirePagePrivate TbWirePagePrivate;

/**
 * TbWirePage:
 * @changes: (element-type TbWirePageChange): the changes, in order
 * @cursor: the cursor to pull the next page with
 * @has_more: whether more pages wait
 * @last_mutation_id: the highest mutation id of this client the server processed
 * @server_time: the server's clock (Unix microseconds)
 *
 * A pull answer, read and checked as a whole by tb_wire_page_parse(). Every string points
 * into the page.
 */
typedef struct
{
  GArray     *changes;
  const char *cursor;
  gboolean    has_more;
  gint64      last_mutation_id;
  gint64      server_time;

  /*< private >*/
  TbWirePagePrivate *priv;
} TbWirePage;

GQuark      tb_wire_error_quark            (void);

JsonNode   *tb_wire_case_to_json           (const TbWireCase   *wcase,
                                            GError            **error);
gboolean    tb_wire_case_from_json         (JsonObject         *object,
                                            TbWireCase         *out,
                                            GError            **error);
void        tb_wire_case_clear             (TbWireCase         *wcase);

JsonNode   *tb_wire_change_new             (const char         *type,
                                            const char         *id,
                                            const char         *op,
                                            gint64              version,
                                            JsonNode           *data);
gboolean    tb_wire_change_from_json       (JsonObject         *object,
                                            TbWireChange       *out,
                                            GError            **error);

JsonNode   *tb_wire_team_to_json           (const char         *id,
                                            const char         *name);
gboolean    tb_wire_team_from_json         (JsonObject         *object,
                                            const char        **id,
                                            const char        **name,
                                            GError            **error);
JsonNode   *tb_wire_user_to_json           (const TbWireUser   *user);
gboolean    tb_wire_user_from_json         (JsonObject         *object,
                                            TbWireUser         *out,
                                            GError            **error);
void        tb_wire_user_clear             (TbWireUser         *user);
JsonNode   *tb_wire_roles_to_json          (TbRole              roles);

JsonNode   *tb_wire_calendar_year_to_json  (TbCalendar         *calendar,
                                            int                 year);
GArray     *tb_wire_calendar_list_years    (TbCalendar         *calendar);
gboolean    tb_wire_calendar_year_load     (TbCalendar         *calendar,
                                            JsonObject         *object,
                                            int                *year,
                                            GError            **error);

TbWirePage *tb_wire_page_parse             (GBytes             *bytes,
                                            GError            **error);
void        tb_wire_page_free              (TbWirePage         *page);

char       *tb_wire_format_time            (gint64              unix_usec);
gboolean    tb_wire_parse_time             (const char         *text,
                                            gint64             *unix_usec);
TbDay       tb_wire_local_day              (gint64              unix_usec);

void        tb_wire_apply_clock            (TbCalendar             *calendar,
                                            const TbWorkflowResult *result,
                                            guint                   extension_days,
                                            TbDay                   today,
                                            TbDay                  *deadline,
                                            TbDay                  *paused_since);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TbWirePage, tb_wire_page_free)

G_END_DECLS
