/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-service.h: one service item (事项): its time limit, materials and application form schema */

#pragma once

#include <json-glib/json-glib.h>

#include "tb-types.h"

G_BEGIN_DECLS

#define TB_SERVICE_ERROR (tb_service_error_quark ())

/**
 * TbServiceError:
 * @TB_SERVICE_ERROR_PARSE: the text is not JSON
 * @TB_SERVICE_ERROR_INVALID: the JSON is not a valid service (or workflow) definition
 * @TB_SERVICE_ERROR_NOT_FOUND: a bundled definition is missing
 */
typedef enum
{
  TB_SERVICE_ERROR_PARSE,
  TB_SERVICE_ERROR_INVALID,
  TB_SERVICE_ERROR_NOT_FOUND,
} TbServiceError;

/**
 * TbFieldType:
 *
 * The kinds of form field. The JSON value each one takes (in the form values object, keyed by
 * field id) is given in brackets; an absent member, `null`, a blank string and an empty array
 * all count as "not filled in".
 *
 * @TB_FIELD_TEXT: one line of text [string]
 * @TB_FIELD_MULTILINE: free text [string]
 * @TB_FIELD_NUMBER: a number [number]
 * @TB_FIELD_DATE: a calendar date [string, "YYYY-MM-DD"]
 * @TB_FIELD_CHOICE: one of the options [string, an option value]
 * @TB_FIELD_MULTI_CHOICE: several of the options [array of option values]
 * @TB_FIELD_BOOLEAN: a tick box [boolean]; when required it must be ticked
 * @TB_FIELD_ID_NUMBER: a resident identity card number (居民身份证号码) [string]
 * @TB_FIELD_PHONE: a mainland mobile phone number [string]
 * @TB_FIELD_ADDRESS: a postal address [string]
 * @TB_FIELD_TABLE: a repeat group [array of objects keyed by column id]
 * @TB_FIELD_ATTACHMENT: uploaded files [array of objects with at least a "name" string]
 */
typedef enum
{
  TB_FIELD_TEXT,
  TB_FIELD_MULTILINE,
  TB_FIELD_NUMBER,
  TB_FIELD_DATE,
  TB_FIELD_CHOICE,
  TB_FIELD_MULTI_CHOICE,
  TB_FIELD_BOOLEAN,
  TB_FIELD_ID_NUMBER,
  TB_FIELD_PHONE,
  TB_FIELD_ADDRESS,
  TB_FIELD_TABLE,
  TB_FIELD_ATTACHMENT,
} TbFieldType;

/*
 * The form schema is plain C, owned by its TbService and read-only: a TbService has sections,
 * a section has fields, a table field has columns (which are fields too, never tables). The
 * pointers stay valid as long as the service lives. Every localized string has a `_for`
 * variant taking a list of language names (as g_get_language_names() returns, e.g.
 * {"zh_CN", "zh", "C", NULL}); the plain getter uses the current locale. Lookup is: exact
 * name, then same language with another territory, then "en", then any.
 */
typedef struct _TbLocalized   TbLocalized;
typedef struct _TbMaterial    TbMaterial;
typedef struct _TbFormSection TbFormSection;
typedef struct _TbFormField   TbFormField;

/**
 * TbFormProblem:
 * @field_id: the (top-level) field at fault
 * @row: the table row at fault, counted from 0, or -1
 * @column_id: the column of @row at fault, or %NULL when the row or field as a whole is
 * @message: why, translated, ready to show beside the field
 *
 * One reason a form does not validate.
 */
typedef struct
{
  char *field_id;
  int   row;
  char *column_id;
  char *message;
} TbFormProblem;

#define TB_TYPE_SERVICE (tb_service_get_type ())

G_DECLARE_FINAL_TYPE (TbService, tb_service, TB, SERVICE, GObject)

GQuark               tb_service_error_quark          (void);

TbService           *tb_service_new_from_json        (const char          *json,
                                                      GError             **error);
TbService           *tb_service_new_from_object      (JsonObject          *object,
                                                      GError             **error);
const char          *tb_service_get_definition       (TbService           *self);
const char          *tb_service_get_id               (TbService           *self);
const char          *tb_service_get_code             (TbService           *self);
const char          *tb_service_get_name             (TbService           *self);
const char          *tb_service_get_name_for         (TbService           *self,
                                                      const char * const  *languages);
const char          *tb_service_get_description     (TbService           *self);
const char          *tb_service_get_description_for (TbService           *self,
                                                      const char * const  *languages);
const char          *tb_service_get_workflow_id      (TbService           *self);
guint                tb_service_get_time_limit       (TbService           *self);
guint                tb_service_get_extension_days   (TbService           *self);
const char          *tb_service_get_time_limit_basis (TbService           *self);
const char          *tb_service_get_time_limit_basis_for (TbService         *self,
                                                      const char * const  *languages);
const char * const  *tb_service_get_applicant_kinds  (TbService           *self);
gboolean             tb_service_accepts_applicant_kind (TbService         *self,
                                                      const char          *kind);
guint                tb_service_get_n_materials      (TbService           *self);
const TbMaterial    *tb_service_get_material         (TbService           *self,
                                                      guint                index);
guint                tb_service_get_n_sections       (TbService           *self);
const TbFormSection *tb_service_get_section          (TbService           *self,
                                                      guint                index);
const TbFormField   *tb_service_lookup_field         (TbService           *self,
                                                      const char          *field_id);
gboolean             tb_service_validate_form        (TbService           *self,
                                                      JsonObject          *values,
                                                      GPtrArray          **problems);

GPtrArray           *tb_service_load_bundled_catalogue (GPtrArray         **workflows_out,
                                                      GError             **error);

TbLocalized         *tb_localized_new_from_json      (JsonNode            *node,
                                                      const char          *where,
                                                      GError             **error);
void                 tb_localized_free               (TbLocalized         *self);
const char          *tb_localized_get                (const TbLocalized   *self,
                                                      const char * const  *languages);

const char          *tb_material_get_id              (const TbMaterial    *self);
const char          *tb_material_get_label           (const TbMaterial    *self);
const char          *tb_material_get_label_for       (const TbMaterial    *self,
                                                      const char * const  *languages);
gboolean             tb_material_get_required        (const TbMaterial    *self);

const char          *tb_form_section_get_id          (const TbFormSection *self);
const char          *tb_form_section_get_title       (const TbFormSection *self);
const char          *tb_form_section_get_title_for   (const TbFormSection *self,
                                                      const char * const  *languages);
guint                tb_form_section_get_n_fields    (const TbFormSection *self);
const TbFormField   *tb_form_section_get_field       (const TbFormSection *self,
                                                      guint                index);

const char          *tb_form_field_get_id            (const TbFormField   *self);
TbFieldType          tb_form_field_get_field_type    (const TbFormField   *self);
const char          *tb_form_field_get_label         (const TbFormField   *self);
const char          *tb_form_field_get_label_for     (const TbFormField   *self,
                                                      const char * const  *languages);
const char          *tb_form_field_get_help          (const TbFormField   *self);
const char          *tb_form_field_get_unit          (const TbFormField   *self);
gboolean             tb_form_field_get_required      (const TbFormField   *self);
gboolean             tb_form_field_get_sensitive     (const TbFormField   *self);
gboolean             tb_form_field_get_integer       (const TbFormField   *self);
const char          *tb_form_field_get_pattern       (const TbFormField   *self);
gboolean             tb_form_field_get_min           (const TbFormField   *self,
                                                      double              *min);
gboolean             tb_form_field_get_max           (const TbFormField   *self,
                                                      double              *max);
const char          *tb_form_field_get_min_date      (const TbFormField   *self);
const char          *tb_form_field_get_max_date      (const TbFormField   *self);
guint                tb_form_field_get_n_options     (const TbFormField   *self);
const char          *tb_form_field_get_option_value  (const TbFormField   *self,
                                                      guint                index);
const char          *tb_form_field_get_option_label  (const TbFormField   *self,
                                                      guint                index,
                                                      const char * const  *languages);
guint                tb_form_field_get_n_columns     (const TbFormField   *self);
const TbFormField   *tb_form_field_get_column        (const TbFormField   *self,
                                                      guint                index);
gboolean             tb_form_field_validate          (const TbFormField   *self,
                                                      JsonNode            *value,
                                                      GPtrArray           *problems);
char                *tb_form_field_mask_value        (const TbFormField   *self,
                                                      const char          *text);

void                 tb_form_problem_free            (TbFormProblem       *problem);

const char          *tb_field_type_to_string         (TbFieldType          type);
gboolean             tb_field_type_from_string       (const char          *name,
                                                      TbFieldType         *type);

char                 tb_id_number_compute_check_digit (const char         *first17);
gboolean             tb_id_number_check              (const char          *number,
                                                      GError             **error);
gboolean             tb_phone_number_check           (const char          *number);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TbFormProblem, tb_form_problem_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TbLocalized, tb_localized_free)

G_END_DECLS
