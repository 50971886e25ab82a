/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-service.c: service definitions, the bundled catalogue and form validation */

#include "config.h"

#include <string.h>

#include "tb-service.h"
#include "tb-test-json.h"
#include "tb-workflow.h"

static const char * const zh[] = { "zh_CN.UTF-8", "zh_CN", "zh", "C", NULL };
static const char * const en[] = { "en_GB", "en", "C", NULL };

/* A service with one field of every type, the bounds exercised by the tests below. */
static const char all_types_json[] =
  "{ \"id\": \"all-types\", \"name\": { \"en\": \"All types\", \"zh_CN\": \"全部类型\" },"
  "  \"workflow\": \"standard\", \"applicant_kinds\": [\"person\"],"
  "  \"form\": { \"sections\": ["
  "    { \"id\": \"one\", \"title\": { \"en\": \"One\" }, \"fields\": ["
  "      { \"id\": \"t\", \"type\": \"text\", \"label\": { \"en\": \"T\" }, \"required\": true,"
  "        \"min\": 2, \"max\": 5, \"pattern\": \"[A-Z]+\","
  "        \"pattern_message\": { \"en\": \"Capitals only\" } },"
  "      { \"id\": \"ml\", \"type\": \"multiline\", \"label\": { \"en\": \"ML\" }, \"max\": 10 },"
  "      { \"id\": \"n\", \"type\": \"number\", \"label\": { \"en\": \"N\" }, \"min\": 1,"
  "        \"max\": 10.5 },"
  "      { \"id\": \"ni\", \"type\": \"number\", \"label\": { \"en\": \"NI\" },"
  "        \"integer\": true },"
  "      { \"id\": \"d\", \"type\": \"date\", \"label\": { \"en\": \"D\" },"
  "        \"min\": \"2020-01-01\", \"max\": \"2020-12-31\" },"
  "      { \"id\": \"dt\", \"type\": \"date\", \"label\": { \"en\": \"DT\" }, \"max\": \"today\" },"
  "      { \"id\": \"c\", \"type\": \"choice\", \"label\": { \"en\": \"C\" }, \"options\": ["
  "        { \"value\": \"a\", \"label\": { \"en\": \"A\", \"zh_CN\": \"甲\" } },"
  "        { \"value\": \"b\", \"label\": { \"en\": \"B\", \"zh_CN\": \"乙\" } } ] },"
  "      { \"id\": \"mc\", \"type\": \"multi-choice\", \"label\": { \"en\": \"MC\" },"
  "        \"min\": 1, \"max\": 2, \"options\": ["
  "        { \"value\": \"a\", \"label\": { \"en\": \"A\" } },"
  "        { \"value\": \"b\", \"label\": { \"en\": \"B\" } },"
  "        { \"value\": \"c\", \"label\": { \"en\": \"C\" } } ] }"
  "    ] },"
  "    { \"id\": \"two\", \"title\": { \"en\": \"Two\" }, \"fields\": ["
  "      { \"id\": \"b\", \"type\": \"boolean\", \"label\": { \"en\": \"B\" },"
  "        \"required\": true },"
  "      { \"id\": \"bo\", \"type\": \"boolean\", \"label\": { \"en\": \"BO\" } },"
  "      { \"id\": \"idn\", \"type\": \"id-number\", \"label\": { \"en\": \"ID\" },"
  "        \"sensitive\": true },"
  "      { \"id\": \"ph\", \"type\": \"phone\", \"label\": { \"en\": \"PH\" } },"
  "      { \"id\": \"addr\", \"type\": \"address\", \"label\": { \"en\": \"ADDR\" }, \"min\": 4 },"
  "      { \"id\": \"tbl\", \"type\": \"table\", \"label\": { \"en\": \"TBL\" }, \"min\": 1,"
  "        \"max\": 2, \"columns\": ["
  "        { \"id\": \"name\", \"type\": \"text\", \"label\": { \"en\": \"Name\" },"
  "          \"required\": true },"
  "        { \"id\": \"idn\", \"type\": \"id-number\", \"label\": { \"en\": \"ID\" } },"
  "        { \"id\": \"pct\", \"type\": \"number\", \"label\": { \"en\": \"Pct\" }, \"min\": 0,"
  "          \"max\": 100 } ] },"
  "      { \"id\": \"att\", \"type\": \"attachment\", \"label\": { \"en\": \"ATT\" }, \"max\": 1 }"
  "    ] } ] } }";

static TbService *
load_all_types (void)
{
  g_autoptr(GError) error = NULL;
  TbService *service = tb_service_new_from_json (all_types_json, &error);

  g_assert_no_error (error);
  g_assert_nonnull (service);
  return service;
}

static TbService *
find_service (GPtrArray  *services,
              const char *id)
{
  for (guint i = 0; i < services->len; i++)
    if (g_strcmp0 (tb_service_get_id (g_ptr_array_index (services, i)), id) == 0)
      return g_ptr_array_index (services, i);

  g_error ("service %s not in the catalogue", id);
  return NULL;
}

static GPtrArray *
load_catalogue (GPtrArray **workflows)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *services = tb_service_load_bundled_catalogue (workflows, &error);

  g_assert_no_error (error);
  g_assert_nonnull (services);
  return services;
}

/* ------------------------------------------------------------------------------------------ */

static void
test_catalogue_load (void)
{
  g_autoptr(GPtrArray) workflows = NULL;
  g_autoptr(GPtrArray) services = load_catalogue (&workflows);
  static const struct {
    const char *id;
    const char *workflow;
    guint limit;
    guint extension;
    gboolean person;
    gboolean company;
  } expected[] = {
    /* Sorted by file name, as the loader promises. */
    { "building-permit", "building-permit", 7, 0, FALSE, TRUE },
    { "business-licence", "registration", 3, 3, FALSE, TRUE },
    { "information-disclosure", "disclosure", 20, 20, TRUE, TRUE },
    { "social-insurance-transfer", "standard", 15, 0, TRUE, FALSE },
  };
  static const char * const workflow_ids[] = {
    "building-permit", "disclosure", "registration", "standard",
  };

  g_assert_cmpuint (services->len, ==, G_N_ELEMENTS (expected));
  g_assert_cmpuint (workflows->len, ==, G_N_ELEMENTS (workflow_ids));

  for (guint i = 0; i < G_N_ELEMENTS (workflow_ids); i++)
    {
      TbWorkflow *workflow = g_ptr_array_index (workflows, i);
      g_autoptr(TbWorkflow) reparsed = NULL;
      g_autoptr(GError) error = NULL;

      g_assert_cmpstr (tb_workflow_get_id (workflow), ==, workflow_ids[i]);
      reparsed = tb_workflow_new_from_json (tb_workflow_get_definition (workflow), &error);
      g_assert_no_error (error);
      g_assert_cmpstr (tb_workflow_get_id (reparsed), ==, workflow_ids[i]);
    }

  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      TbService *service = g_ptr_array_index (services, i);
      g_autoptr(TbService) reparsed = NULL;
      g_autoptr(GError) error = NULL;
      TbWorkflow *workflow = NULL;
      TbWorkflowResult result;
      gboolean has_sensitive = FALSE;

      g_assert_cmpstr (tb_service_get_id (service), ==, expected[i].id);
      g_assert_cmpstr (tb_service_get_workflow_id (service), ==, expected[i].workflow);
      g_assert_cmpuint (tb_service_get_time_limit (service), ==, expected[i].limit);
      g_assert_cmpuint (tb_service_get_extension_days (service), ==, expected[i].extension);
      g_assert_cmpint (tb_service_accepts_applicant_kind (service, "person"), ==,
                       expected[i].person);
      g_assert_cmpint (tb_service_accepts_applicant_kind (service, "company"), ==,
                       expected[i].company);
      g_assert_nonnull (tb_service_get_code (service));
      g_assert_nonnull (tb_service_get_time_limit_basis_for (service, zh));
      g_assert_cmpuint (tb_service_get_n_materials (service), >=, 3);
      g_assert_cmpuint (tb_service_get_n_sections (service), >=, 3);

      for (guint s = 0; s < tb_service_get_n_sections (service); s++)
        {
          const TbFormSection *section = tb_service_get_section (service, s);

          for (guint f = 0; f < tb_form_section_get_n_fields (section); f++)
            if (tb_form_field_get_sensitive (tb_form_section_get_field (section, f)))
              has_sensitive = TRUE;
        }
      g_assert_true (has_sensitive);

      /* The definition text round-trips: it is what the store keeps. */
      reparsed = tb_service_new_from_json (tb_service_get_definition (service), &error);
      g_assert_no_error (error);
      g_assert_cmpstr (tb_service_get_name_for (reparsed, zh), ==,
                       tb_service_get_name_for (service, zh));

      for (guint w = 0; w < workflows->len; w++)
        if (g_strcmp0 (tb_workflow_get_id (g_ptr_array_index (workflows, w)),
                       expected[i].workflow) == 0)
          workflow = g_ptr_array_index (workflows, w);
      g_assert_nonnull (workflow);

      /* Every service can be returned for correction, which pauses the clock, and the
       * resubmission resumes it. */
      g_assert_true (tb_workflow_check (workflow, "in_review", NULL, TB_ROLE_CASEWORKER,
                                        "return", NULL, &result, &error));
      g_assert_no_error (error);
      g_assert_cmpint (result.clock, ==, TB_WORKFLOW_CLOCK_PAUSE);
      g_assert_true (result.needs_reason);
      g_assert_true (tb_workflow_pauses_clock (workflow, result.next_state));
      g_assert_true (tb_workflow_check (workflow, result.next_state, NULL, TB_ROLE_CASEWORKER,
                                        "resubmit", NULL, &result, &error));
      g_assert_no_error (error);
      g_assert_cmpint (result.clock, ==, TB_WORKFLOW_CLOCK_RESUME);

      /* Services with an extension have a workflow that can extend, and the others not. */
      g_assert_cmpint (tb_workflow_check (workflow, "in_review", NULL, TB_ROLE_SUPERVISOR,
                                          "extend", NULL, &result, NULL),
                       ==, expected[i].extension > 0);
    }
}

static void
test_catalogue_fields (void)
{
  g_autoptr(GPtrArray) services = load_catalogue (NULL);
  TbService *licence = find_service (services, "business-licence");
  TbService *disclosure = find_service (services, "information-disclosure");
  TbService *transfer = find_service (services, "social-insurance-transfer");
  TbService *permit = find_service (services, "building-permit");
  const TbFormField *field, *column;
  double min, max;

  field = tb_service_lookup_field (licence, "company_name");
  g_assert_cmpint (tb_form_field_get_field_type (field), ==, TB_FIELD_TEXT);
  g_assert_true (tb_form_field_get_required (field));
  g_assert_nonnull (tb_form_field_get_pattern (field));

  field = tb_service_lookup_field (licence, "uscc");
  g_assert_cmpint (tb_form_field_get_field_type (field), ==, TB_FIELD_TEXT);
  g_assert_false (tb_form_field_get_required (field));

  field = tb_service_lookup_field (licence, "registered_capital");
  g_assert_cmpint (tb_form_field_get_field_type (field), ==, TB_FIELD_NUMBER);
  g_assert_true (tb_form_field_get_min (field, &min));
  g_assert_cmpfloat (min, ==, 1);

  g_assert_cmpint (tb_form_field_get_field_type (tb_service_lookup_field (licence,
                                                                          "business_scope")),
                   ==, TB_FIELD_MULTILINE);
  g_assert_cmpint (tb_form_field_get_field_type (tb_service_lookup_field (licence, "address")),
                   ==, TB_FIELD_ADDRESS);
  g_assert_cmpint (tb_form_field_get_field_type (tb_service_lookup_field (licence,
                                                                          "attachments")),
                   ==, TB_FIELD_ATTACHMENT);
  g_assert_cmpint (tb_form_field_get_field_type (tb_service_lookup_field (licence,
                                                                          "declaration")),
                   ==, TB_FIELD_BOOLEAN);

  field = tb_service_lookup_field (licence, "legal_rep_id_number");
  g_assert_cmpint (tb_form_field_get_field_type (field), ==, TB_FIELD_ID_NUMBER);
  g_assert_true (tb_form_field_get_sensitive (field));
  g_assert_false (tb_form_field_get_sensitive (tb_service_lookup_field (licence,
                                                                        "legal_rep_name")));

  field = tb_service_lookup_field (licence, "shareholders");
  g_assert_cmpint (tb_form_field_get_field_type (field), ==, TB_FIELD_TABLE);
  g_assert_cmpuint (tb_form_field_get_n_columns (field), ==, 4);
  g_assert_true (tb_form_field_get_min (field, &min));
  g_assert_cmpfloat (min, ==, 1);
  column = tb_form_field_get_column (field, 1);
  g_assert_cmpstr (tb_form_field_get_id (column), ==, "id_number");
  g_assert_cmpint (tb_form_field_get_field_type (column), ==, TB_FIELD_ID_NUMBER);
  g_assert_true (tb_form_field_get_sensitive (column));
  column = tb_form_field_get_column (field, 2);
  g_assert_true (tb_form_field_get_max (column, &max));
  g_assert_cmpfloat (max, ==, 100);
  column = tb_form_field_get_column (field, 3);
  g_assert_cmpint (tb_form_field_get_field_type (column), ==, TB_FIELD_DATE);
  g_assert_cmpstr (tb_form_field_get_min_date (column), ==, "2020-01-01");
  /* Columns are not top-level fields. */
  g_assert_null (tb_service_lookup_field (licence, "share_percent"));

  field = tb_service_lookup_field (licence, "company_type");
  g_assert_cmpint (tb_form_field_get_field_type (field), ==, TB_FIELD_CHOICE);
  g_assert_cmpuint (tb_form_field_get_n_options (field), ==, 3);
  g_assert_cmpstr (tb_form_field_get_option_value (field, 0), ==, "llc");
  g_assert_cmpstr (tb_form_field_get_option_label (field, 0, zh), ==, "有限责任公司");
  g_assert_cmpstr (tb_form_field_get_option_label (field, 0, en), ==,
                   "Limited liability company");

  field = tb_service_lookup_field (disclosure, "formats");
  g_assert_cmpint (tb_form_field_get_field_type (field), ==, TB_FIELD_MULTI_CHOICE);
  g_assert_cmpint (tb_form_field_get_field_type (tb_service_lookup_field (disclosure,
                                                                          "contact_phone")),
                   ==, TB_FIELD_PHONE);

  field = tb_service_lookup_field (transfer, "phone");
  g_assert_cmpint (tb_form_field_get_field_type (field), ==, TB_FIELD_PHONE);
  g_assert_true (tb_form_field_get_sensitive (field));
  g_assert_true (tb_form_field_get_sensitive (tb_service_lookup_field (transfer, "id_number")));
  field = tb_service_lookup_field (transfer, "from_city");
  g_assert_cmpint (tb_form_field_get_field_type (field), ==, TB_FIELD_CHOICE);
  g_assert_cmpuint (tb_form_field_get_n_options (field), ==,
                    tb_form_field_get_n_options (tb_service_lookup_field (transfer, "to_city")));
  field = tb_service_lookup_field (transfer, "insured_periods");
  g_assert_cmpint (tb_form_field_get_field_type (field), ==, TB_FIELD_TABLE);
  g_assert_true (tb_form_field_get_integer (tb_form_field_get_column (field, 4)));

  g_assert_cmpint (tb_form_field_get_field_type (tb_service_lookup_field (permit,
                                                                          "planned_start")),
                   ==, TB_FIELD_DATE);
  g_assert_cmpstr (tb_form_field_get_unit (tb_service_lookup_field (permit, "floor_area")),
                   !=, NULL);
}

static void
test_field_type_names (void)
{
  static const char * const names[] = {
    "text", "multiline", "number", "date", "choice", "multi-choice", "boolean", "id-number",
    "phone", "address", "table", "attachment",
  };
  TbFieldType type;

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_assert_true (tb_field_type_from_string (names[i], &type));
      g_assert_cmpint (type, ==, (TbFieldType) i);
      g_assert_cmpstr (tb_field_type_to_string (type), ==, names[i]);
    }

  g_assert_false (tb_field_type_from_string ("txt", &type));
  g_assert_false (tb_field_type_from_string ("", &type));
  g_assert_false (tb_field_type_from_string (NULL, &type));
}

static void
test_localized_names (void)
{
  g_autoptr(GPtrArray) services = load_catalogue (NULL);
  TbService *licence = find_service (services, "business-licence");
  const TbFormSection *section = tb_service_get_section (licence, 0);
  const char * const tw[] = { "zh_TW", "zh", "C", NULL };
  const char * const de[] = { "de_DE", "de", "C", NULL };
  const char * const c[] = { "C", NULL };
  g_autofree char *saved = g_strdup (g_getenv ("LANGUAGE"));

  g_assert_cmpstr (tb_service_get_name_for (licence, zh), ==, "企业设立登记（营业执照核发）");
  g_assert_cmpstr (tb_service_get_name_for (licence, en), ==,
                   "Business licence registration (company establishment)");
  /* Another Chinese territory gets Chinese, an untranslated language English. */
  g_assert_cmpstr (tb_service_get_name_for (licence, tw), ==, "企业设立登记（营业执照核发）");
  g_assert_cmpstr (tb_service_get_name_for (licence, de), ==,
                   "Business licence registration (company establishment)");
  g_assert_cmpstr (tb_service_get_name_for (licence, c), ==,
                   "Business licence registration (company establishment)");

  g_assert_cmpstr (tb_form_section_get_title_for (section, zh), ==, "企业基本信息");
  g_assert_cmpstr (tb_form_section_get_title_for (section, en), ==, "Company");
  g_assert_cmpstr (tb_form_field_get_label_for (tb_service_lookup_field (licence, "uscc"), zh),
                   ==, "统一社会信用代码");
  g_assert_cmpstr (tb_material_get_label_for (tb_service_get_material (licence, 1), zh), ==,
                   "公司章程");
  g_assert_cmpstr (tb_material_get_id (tb_service_get_material (licence, 1)), ==, "articles");
  g_assert_true (tb_material_get_required (tb_service_get_material (licence, 0)));
  g_assert_false (tb_material_get_required (tb_service_get_material (licence, 5)));

  /* The plain getters follow the environment, as g_get_language_names() reads it. */
  g_setenv ("LANGUAGE", "zh_CN", TRUE);
  g_assert_cmpstr (tb_service_get_name (licence), ==, "企业设立登记（营业执照核发）");
  g_assert_cmpstr (tb_form_section_get_title (section), ==, "企业基本信息");
  g_setenv ("LANGUAGE", "en_US", TRUE);
  g_assert_cmpstr (tb_service_get_name (licence), ==,
                   "Business licence registration (company establishment)");

  if (saved != NULL)
    g_setenv ("LANGUAGE", saved, TRUE);
  else
    g_unsetenv ("LANGUAGE");
}

static void
test_localized_fallback_order (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = json_from_string ("{\"fr\": \"Bonjour\", \"zh_TW\": \"你好\"}",
                                               &error);
  g_autoptr(TbLocalized) text = NULL;
  const char * const de[] = { "de", NULL };

  g_assert_no_error (error);
  text = tb_localized_new_from_json (node, "test", &error);
  g_assert_no_error (error);

  /* No "en": the first translation given. */
  g_assert_cmpstr (tb_localized_get (text, de), ==, "Bonjour");
  g_assert_cmpstr (tb_localized_get (text, zh), ==, "你好");
}

/* ------------------------------------------------------------------------------------------ */
/* Validation, field by field                                                                  */

/* Validates @value_json (or an absent value, for NULL) against field @id: @expected is NULL for
 * valid, else a substring of the single problem's message. */
static void
check (TbService  *service,
       const char *id,
       const char *value_json,
       const char *expected)
{
  const TbFormField *field = tb_service_lookup_field (service, id);
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (
      (GDestroyNotify) tb_form_problem_free);
  g_autoptr(JsonNode) value = NULL;
  gboolean valid;

  g_assert_nonnull (field);

  if (value_json != NULL)
    {
      g_autoptr(GError) error = NULL;
      value = json_from_string (value_json, &error);
      g_assert_no_error (error);
    }

  valid = tb_form_field_validate (field, value, problems);

  if (expected == NULL)
    {
      if (problems->len > 0)
        g_error ("%s = %s: unexpected problem “%s”", id, value_json,
                 ((TbFormProblem *) g_ptr_array_index (problems, 0))->message);
      g_assert_true (valid);
    }
  else
    {
      TbFormProblem *problem;

      if (problems->len != 1)
        g_error ("%s = %s: expected one problem “%s”, got %u", id, value_json, expected,
                 problems->len);
      g_assert_false (valid);
      problem = g_ptr_array_index (problems, 0);
      g_assert_cmpstr (problem->field_id, ==, id);
      g_assert_cmpint (problem->row, ==, -1);
      g_assert_null (problem->column_id);
      if (strstr (problem->message, expected) == NULL)
        g_error ("%s = %s: expected “%s”, got “%s”", id, value_json, expected,
                 problem->message);
    }
}

static void
test_validate_text (void)
{
  g_autoptr(TbService) s = load_all_types ();

  check (s, "t", "\"ABC\"", NULL);
  check (s, "t", NULL, "This field is required");
  check (s, "t", "null", "This field is required");
  check (s, "t", "\"\"", "This field is required");
  check (s, "t", "\" \\t \"", "This field is required");
  check (s, "t", "\"\u3000\"", "This field is required");
  check (s, "t", "\"A\"", "at least 2 characters");
  check (s, "t", "\"ABCDEF\"", "at most 5 characters");
  check (s, "t", "\"AbC\"", "Capitals only");
  /* The pattern must match the whole value, not a part of it. */
  check (s, "t", "\"AB1\"", "Capitals only");
  check (s, "t", "\"A\\nB\"", "single line");
  check (s, "t", "42", "Enter text");
  check (s, "t", "[\"AB\"]", "Enter text");

  /* Lengths count characters, not bytes. */
  check (s, "ml", "\"一二三四五六七八九十\"", NULL);
  check (s, "ml", "\"一二三四五六七八九十一\"", "at most 10 characters");
  check (s, "ml", "\"a\\nb\"", NULL);
  check (s, "ml", NULL, NULL);
  check (s, "ml", "true", "Enter text");

  check (s, "addr", "\"杭州市西湖区\"", NULL);
  check (s, "addr", "\"杭州\"", "at least 4 characters");
  check (s, "addr", "{}", "Enter text");
}

static void
test_validate_number (void)
{
  g_autoptr(TbService) s = load_all_types ();

  check (s, "n", "1", NULL);
  check (s, "n", "10.5", NULL);
  check (s, "n", "5.25", NULL);
  check (s, "n", "0.99", "no less than 1");
  check (s, "n", "-3", "no less than 1");
  check (s, "n", "10.51", "no greater than 10.5");
  check (s, "n", "\"5\"", "Enter a number");
  check (s, "n", "true", "Enter a number");
  check (s, "n", NULL, NULL);

  check (s, "ni", "3", NULL);
  check (s, "ni", "3.0", NULL);
  check (s, "ni", "-1000000", NULL);
  check (s, "ni", "3.5", "whole number");
}

static void
test_validate_date (void)
{
  g_autoptr(TbService) s = load_all_types ();

  check (s, "d", "\"2020-02-29\"", NULL);
  check (s, "d", "\"2020-01-01\"", NULL);
  check (s, "d", "\"2020-12-31\"", NULL);
  check (s, "d", "\"2019-12-31\"", "on or after 2020-01-01");
  check (s, "d", "\"2021-01-01\"", "on or before 2020-12-31");
  check (s, "d", "\"2020-02-30\"", "YYYY-MM-DD");
  check (s, "d", "\"2020-13-01\"", "YYYY-MM-DD");
  check (s, "d", "\"2020-1-1\"", "YYYY-MM-DD");
  check (s, "d", "\"2020/01/01\"", "YYYY-MM-DD");
  check (s, "d", "\"01-01-2020\"", "YYYY-MM-DD");
  check (s, "d", "\"2020-01-01T00:00\"", "YYYY-MM-DD");
  check (s, "d", "20200101", "YYYY-MM-DD");

  check (s, "dt", "\"1999-01-01\"", NULL);
  check (s, "dt", "\"2999-01-01\"", "on or before");
}

static void
test_validate_choice (void)
{
  g_autoptr(TbService) s = load_all_types ();

  check (s, "c", "\"a\"", NULL);
  check (s, "c", "\"b\"", NULL);
  check (s, "c", "\"A\"", "Choose one of the options");
  check (s, "c", "\"z\"", "Choose one of the options");
  check (s, "c", "[\"a\"]", "Choose one of the options");
  check (s, "c", "1", "Choose one of the options");

  check (s, "mc", "[\"a\"]", NULL);
  check (s, "mc", "[\"c\", \"a\"]", NULL);
  check (s, "mc", "[]", NULL);  /* empty and not required: not filled in */
  check (s, "mc", "[\"a\", \"b\", \"c\"]", "at most 2 options");
  check (s, "mc", "[\"a\", \"a\"]", "more than once");
  check (s, "mc", "[\"a\", \"z\"]", "Choose from the options");
  check (s, "mc", "[\"a\", 1]", "Choose from the options");
  check (s, "mc", "\"a\"", "Choose from the options");
}

static void
test_validate_boolean (void)
{
  g_autoptr(TbService) s = load_all_types ();

  check (s, "b", "true", NULL);
  check (s, "b", "false", "Tick this box");
  check (s, "b", NULL, "Tick this box");
  check (s, "b", "\"true\"", "yes or no");
  check (s, "b", "1", "yes or no");

  check (s, "bo", "false", NULL);
  check (s, "bo", "true", NULL);
  check (s, "bo", NULL, NULL);
}

static void
test_validate_id_number (void)
{
  g_autoptr(TbService) s = load_all_types ();
  g_autoptr(GError) error = NULL;

  /* The example of GB 11643-1999, with X as check character, and others. */
  check (s, "idn", "\"11010519491231002X\"", NULL);
  check (s, "idn", "\"11010519491231002x\"", NULL);
  check (s, "idn", "\"330106198503121231\"", NULL);
  check (s, "idn", "\"310115199007074568\"", NULL);
  check (s, "idn", "\"51010719921103224X\"", NULL);

  /* One digit changed, or the check character changed: the check digit catches it. */
  check (s, "idn", "\"110105194912310021\"", "check digit");
  check (s, "idn", "\"11010519491231003X\"", "check digit");
  check (s, "idn", "\"330106198503121232\"", "check digit");
  check (s, "idn", "\"310115199007074567\"", "check digit");

  /* Check digits right, but the birth date is 30 February, 1880 or in the future. */
  check (s, "idn", "\"110105194902300020\"", "birth date");
  check (s, "idn", "\"440524188001010014\"", "birth date");
  check (s, "idn", "\"110105209901010020\"", "birth date");

  /* Check digit right, region 99 does not exist. */
  check (s, "idn", "\"990105194912310023\"", "region");

  check (s, "idn", "\"11010519491231002\"", "17 digits");
  check (s, "idn", "\"11010519491231002XX\"", "17 digits");
  check (s, "idn", "\"1101051949123100AX\"", "17 digits");
  check (s, "idn", "\"11010519491231002Y\"", "17 digits");
  check (s, "idn", "\"110105491231002\"", "17 digits");
  check (s, "idn", "110105194912310020", "Not a valid ID card number");

  g_assert_cmpint (tb_id_number_compute_check_digit ("11010519491231002"), ==, 'X');
  g_assert_cmpint (tb_id_number_compute_check_digit ("33010619850312123"), ==, '1');
  g_assert_cmpint (tb_id_number_compute_check_digit ("3301061985031212"), ==, '\0');
  g_assert_true (tb_id_number_check ("320502197806153812", NULL));
  g_assert_false (tb_id_number_check ("320502197806153813", &error));
  g_assert_error (error, TB_SERVICE_ERROR, TB_SERVICE_ERROR_INVALID);
}

static void
test_validate_phone (void)
{
  g_autoptr(TbService) s = load_all_types ();

  check (s, "ph", "\"13812345678\"", NULL);
  check (s, "ph", "\"19912345678\"", NULL);
  check (s, "ph", "\"+8613812345678\"", NULL);
  check (s, "ph", "\"+86 138 1234 5678\"", NULL);
  check (s, "ph", "\"138-1234-5678\"", NULL);
  check (s, "ph", "\"12812345678\"", "mobile phone");
  check (s, "ph", "\"23812345678\"", "mobile phone");
  check (s, "ph", "\"1381234567\"", "mobile phone");
  check (s, "ph", "\"138123456789\"", "mobile phone");
  check (s, "ph", "\"0571-87654321\"", "mobile phone");
  check (s, "ph", "\"1381234567a\"", "mobile phone");
  check (s, "ph", "13812345678", "mobile phone");
}

static void
test_validate_attachment (void)
{
  g_autoptr(TbService) s = load_all_types ();

  check (s, "att", "[{\"name\": \"scan.pdf\", \"size\": 1024}]", NULL);
  check (s, "att", "[]", NULL);
  check (s, "att", "[{\"name\": \"a.pdf\"}, {\"name\": \"b.pdf\"}]", "at most 1 file");
  check (s, "att", "[{\"size\": 1024}]", "damaged");
  check (s, "att", "[{\"name\": \"\"}]", "damaged");
  check (s, "att", "[\"scan.pdf\"]", "damaged");
  check (s, "att", "\"scan.pdf\"", "damaged");
}

static void
test_validate_table (void)
{
  g_autoptr(TbService) s = load_all_types ();
  const TbFormField *table = tb_service_lookup_field (s, "tbl");
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (
      (GDestroyNotify) tb_form_problem_free);
  g_autoptr(JsonNode) rows = NULL;
  TbFormProblem *p;

  check (s, "tbl", "[{\"name\": \"王芳\", \"idn\": \"11010519491231002X\", \"pct\": 60},"
                   " {\"name\": \"李强\"}]", NULL);
  check (s, "tbl", "[]", NULL);
  check (s, "tbl", "[{\"name\": \"a\"}, {\"name\": \"b\"}, {\"name\": \"c\"}]",
         "at most 2 rows");
  check (s, "tbl", "{\"name\": \"a\"}", "damaged");

  /* Rows are validated column by column, and each problem says where. */
  rows = json_from_string ("[{\"idn\": \"110105194912310021\", \"pct\": 101},"
                           " 7,"
                           " {\"name\": \"赵敏\", \"pct\": \"50\", \"extra\": 1}]", NULL);
  g_assert_false (tb_form_field_validate (table, rows, problems));
  g_assert_cmpuint (problems->len, ==, 6);

  /* Three rows where two at most are allowed: the table as a whole. */
  p = g_ptr_array_index (problems, 0);
  g_assert_cmpstr (p->field_id, ==, "tbl");
  g_assert_cmpint (p->row, ==, -1);
  g_assert_null (p->column_id);
  g_assert_nonnull (strstr (p->message, "at most 2 rows"));

  p = g_ptr_array_index (problems, 1);
  g_assert_cmpstr (p->field_id, ==, "tbl");
  g_assert_cmpint (p->row, ==, 0);
  g_assert_cmpstr (p->column_id, ==, "name");
  g_assert_cmpstr (p->message, ==, "This field is required");

  p = g_ptr_array_index (problems, 2);
  g_assert_cmpint (p->row, ==, 0);
  g_assert_cmpstr (p->column_id, ==, "idn");
  g_assert_nonnull (strstr (p->message, "check digit"));

  p = g_ptr_array_index (problems, 3);
  g_assert_cmpint (p->row, ==, 0);
  g_assert_cmpstr (p->column_id, ==, "pct");
  g_assert_nonnull (strstr (p->message, "no greater than 100"));

  p = g_ptr_array_index (problems, 4);
  g_assert_cmpint (p->row, ==, 1);
  g_assert_null (p->column_id);
  g_assert_nonnull (strstr (p->message, "damaged"));

  p = g_ptr_array_index (problems, 5);
  g_assert_cmpint (p->row, ==, 2);
  g_assert_cmpstr (p->column_id, ==, "pct");
  g_assert_nonnull (strstr (p->message, "Enter a number"));

  /* A table that is required must have rows. */
  {
    g_autoptr(TbService) licence = NULL;
    g_autoptr(GPtrArray) services = load_catalogue (NULL);

    licence = g_object_ref (find_service (services, "business-licence"));
    check (licence, "shareholders", "[]", "This field is required");
    check (licence, "shareholders", NULL, "This field is required");
  }
}

/* ------------------------------------------------------------------------------------------ */
/* Validation of whole forms of the catalogue                                                  */

static const char licence_form[] =
  "{ \"company_name\": \"杭州青禾科技有限公司\","
  "  \"company_type\": \"llc\","
  "  \"registered_capital\": 100,"
  "  \"business_scope\": \"技术服务、技术开发、技术咨询、技术交流、技术转让、技术推广\","
  "  \"address\": \"浙江省杭州市西湖区文三路 90 号 3 幢 501 室\","
  "  \"operating_term\": \"unlimited\","
  "  \"legal_rep_name\": \"王芳\","
  "  \"legal_rep_id_number\": \"330106198503121231\","
  "  \"legal_rep_phone\": \"13812345678\","
  "  \"shareholders\": ["
  "    { \"name\": \"王芳\", \"id_number\": \"330106198503121231\", \"share_percent\": 60,"
  "      \"contribution_due\": \"2030-12-31\" },"
  "    { \"name\": \"李强\", \"id_number\": \"310115199007074568\", \"share_percent\": 40,"
  "      \"contribution_due\": \"2030-12-31\" } ],"
  "  \"attachments\": [ { \"name\": \"章程.pdf\" } ],"
  "  \"declaration\": true,"
  "  \"not_a_field\": \"ignored\" }";

static const char disclosure_form[] =
  "{ \"applicant_type\": \"citizen\", \"applicant_name\": \"陈静\","
  "  \"id_number\": \"51010719921103224X\", \"contact_phone\": \"+86 139 0000 1234\","
  "  \"postal_address\": \"四川省成都市武侯区人民南路四段 1 号\","
  "  \"email\": \"chenjing@example.cn\","
  "  \"information_description\": \"2025 年度本区老旧小区改造项目的资金安排和实施计划\","
  "  \"formats\": [\"electronic\"], \"delivery\": \"email\", \"declaration\": true }";

static const char transfer_form[] =
  "{ \"name\": \"刘洋\", \"id_number\": \"320502197806153812\", \"phone\": \"15900001111\","
  "  \"insurance_types\": [\"pension\", \"medical\"],"
  "  \"from_city\": \"suzhou\", \"to_city\": \"hangzhou\", \"reason\": \"new_job\","
  "  \"insured_periods\": ["
  "    { \"city\": \"苏州市\", \"employer\": \"苏州工业园区某公司\", \"start\": \"2005-07-01\","
  "      \"end\": \"2025-06-30\", \"months\": 240 } ],"
  "  \"declaration\": true }";

static const char permit_form[] =
  "{ \"project_name\": \"滨江区科创中心一期\", \"project_code\": \"2401-330108-04-01-123456\","
  "  \"project_address\": \"浙江省杭州市滨江区江南大道 1000 号\","
  "  \"floor_area\": 52000.5, \"contract_price\": 38000, \"structure\": \"frame_shear_wall\","
  "  \"floors\": 24, \"planned_start\": \"2026-03-01\", \"planned_completion\": \"2028-06-30\","
  "  \"builder_name\": \"杭州滨江城建发展有限公司\", \"builder_uscc\": \"91330108MA2B0XY21K\","
  "  \"contractor_name\": \"浙江宏远建设集团有限公司\","
  "  \"contractor_uscc\": \"913301007042123456\","
  "  \"project_manager\": \"张伟\", \"project_manager_id_number\": \"33010219880808777X\","
  "  \"project_manager_phone\": \"13700001234\","
  "  \"planning_permit_number\": \"建字第330108202600123号\","
  "  \"attachments\": [ { \"name\": \"规划许可证.pdf\" }, { \"name\": \"施工合同.pdf\" },"
  "                     { \"name\": \"审图合格书.pdf\" } ],"
  "  \"declaration\": true }";

static JsonObject *
parse_object (const char *json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = json_from_string (json, &error);

  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  return json_object_ref (json_node_get_object (node));
}

static void
assert_form_valid (TbService  *service,
                   const char *json)
{
  g_autoptr(JsonObject) values = parse_object (json);
  g_autoptr(GPtrArray) problems = NULL;

  if (!tb_service_validate_form (service, values, &problems))
    {
      TbFormProblem *p = g_ptr_array_index (problems, 0);
      g_error ("%s: %s[%d].%s: %s", tb_service_get_id (service), p->field_id, p->row,
               p->column_id, p->message);
    }
  g_assert_cmpuint (problems->len, ==, 0);
}

static void
test_validate_catalogue_forms (void)
{
  g_autoptr(GPtrArray) services = load_catalogue (NULL);
  TbService *licence = find_service (services, "business-licence");
  g_autoptr(JsonObject) values = NULL;
  g_autoptr(GPtrArray) problems = NULL;
  TbFormProblem *p;

  assert_form_valid (licence, licence_form);
  assert_form_valid (find_service (services, "information-disclosure"), disclosure_form);
  assert_form_valid (find_service (services, "social-insurance-transfer"), transfer_form);
  assert_form_valid (find_service (services, "building-permit"), permit_form);

  /* Break a few values: the problems come in form order, one per broken value. */
  values = parse_object (licence_form);
  json_object_set_string_member (values, "company_name", "杭州青禾科技工作室");
  json_object_set_int_member (values, "registered_capital", 0);
  json_object_remove_member (values, "business_scope");
  json_object_set_string_member (values, "legal_rep_id_number", "330106198503121232");
  json_object_set_string_member (values, "uscc", "91330106MA27XYZ12O");
  json_object_set_boolean_member (values, "declaration", FALSE);

  g_assert_false (tb_service_validate_form (licence, values, &problems));
  g_assert_cmpuint (problems->len, ==, 6);
  p = g_ptr_array_index (problems, 0);
  g_assert_cmpstr (p->field_id, ==, "company_name");
  g_assert_nonnull (strstr (p->message, "有限公司"));
  p = g_ptr_array_index (problems, 1);
  g_assert_cmpstr (p->field_id, ==, "uscc");
  g_assert_nonnull (strstr (p->message, "18 digits"));
  p = g_ptr_array_index (problems, 2);
  g_assert_cmpstr (p->field_id, ==, "registered_capital");
  p = g_ptr_array_index (problems, 3);
  g_assert_cmpstr (p->field_id, ==, "business_scope");
  g_assert_cmpstr (p->message, ==, "This field is required");
  p = g_ptr_array_index (problems, 4);
  g_assert_cmpstr (p->field_id, ==, "legal_rep_id_number");
  g_assert_nonnull (strstr (p->message, "check digit"));
  p = g_ptr_array_index (problems, 5);
  g_assert_cmpstr (p->field_id, ==, "declaration");

  /* No problems array asked for: still the answer. */
  g_assert_false (tb_service_validate_form (licence, values, NULL));
  g_clear_pointer (&problems, g_ptr_array_unref);

  /* An empty form: every required field and nothing else. */
  g_clear_pointer (&values, json_object_unref);
  values = json_object_new ();
  g_assert_false (tb_service_validate_form (licence, values, &problems));
  g_assert_cmpuint (problems->len, ==, 12);
  for (guint i = 0; i < problems->len; i++)
    {
      p = g_ptr_array_index (problems, i);
      g_assert_true (tb_form_field_get_required (tb_service_lookup_field (licence,
                                                                          p->field_id)));
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Malformed definitions                                                                       */

static char *
service_with_fields (const char *fields)
{
  return g_strdup_printf ("{ \"id\": \"svc\", \"name\": { \"en\": \"S\" }, \"workflow\": \"wf\","
                          "  \"applicant_kinds\": [\"person\"], \"form\": { \"sections\": ["
                          "  { \"id\": \"sec\", \"title\": { \"en\": \"Sec\" },"
                          "    \"fields\": [ %s ] } ] } }", fields);
}

static void
test_malformed_fields (void)
{
  static const struct {
    const char *fields;
    const char *message;
  } cases[] = {
    { "{ \"id\": \"a\", \"type\": \"txt\", \"label\": { \"en\": \"A\" } }",
      "svc / a: unknown field type “txt”" },
    { "{ \"type\": \"text\", \"label\": { \"en\": \"A\" } }",
      "svc / fields[1]: “id” is missing" },
    { "{ \"id\": \"a b\", \"type\": \"text\", \"label\": { \"en\": \"A\" } }",
      "not a valid identifier" },
    { "{ \"id\": \"a\", \"label\": { \"en\": \"A\" } }", "svc / a: “type” is missing" },
    { "{ \"id\": \"a\", \"type\": \"text\" }", "svc / a: “label” is missing" },
    { "{ \"id\": \"a\", \"type\": \"text\", \"label\": \"A\" }", "expected an object" },
    { "{ \"id\": \"a\", \"type\": \"text\", \"label\": {} }", "at least one translation" },
    { "{ \"id\": \"a\", \"type\": \"text\", \"label\": { \"en\": 1 } }",
      "“en” translation must be a non-empty string" },
    { "{ \"id\": \"a\", \"type\": \"text\", \"label\": { \"en\": \"A\" } },"
      "{ \"id\": \"a\", \"type\": \"number\", \"label\": { \"en\": \"A\" } }",
      "the field id “a” is used twice" },
    { "{ \"id\": \"a\", \"type\": \"text\", \"label\": { \"en\": \"A\" }, \"pattern\": \"([a-z\" }",
      "not a valid regular expression" },
    { "{ \"id\": \"a\", \"type\": \"number\", \"label\": { \"en\": \"A\" }, \"pattern\": \"x\" }",
      "takes no “pattern”" },
    { "{ \"id\": \"a\", \"type\": \"number\", \"label\": { \"en\": \"A\" },"
      "  \"min\": 5, \"max\": 1 }",
      "“min” is greater than “max”" },
    { "{ \"id\": \"a\", \"type\": \"number\", \"label\": { \"en\": \"A\" }, \"min\": \"5\" }",
      "“min” must be a number" },
    { "{ \"id\": \"a\", \"type\": \"text\", \"label\": { \"en\": \"A\" }, \"max\": 2.5 }",
      "“max” must be a whole number" },
    { "{ \"id\": \"a\", \"type\": \"boolean\", \"label\": { \"en\": \"A\" }, \"min\": 1 }",
      "a field of type “boolean” takes no “min”" },
    { "{ \"id\": \"a\", \"type\": \"date\", \"label\": { \"en\": \"A\" },"
      "  \"min\": \"2020-02-30\" }",
      "must be a date" },
    { "{ \"id\": \"a\", \"type\": \"date\", \"label\": { \"en\": \"A\" },"
      "  \"min\": \"2021-01-01\", \"max\": \"2020-01-01\" }", "“min” is greater than “max”" },
    { "{ \"id\": \"a\", \"type\": \"text\", \"label\": { \"en\": \"A\" }, \"integer\": true }",
      "takes no “integer”" },
    { "{ \"id\": \"a\", \"type\": \"text\", \"label\": { \"en\": \"A\" }, \"required\": \"yes\" }",
      "“required” must be true or false" },
    { "{ \"id\": \"a\", \"type\": \"choice\", \"label\": { \"en\": \"A\" } }",
      "“options” must be a non-empty array" },
    { "{ \"id\": \"a\", \"type\": \"choice\", \"label\": { \"en\": \"A\" }, \"options\": [] }",
      "“options” must be a non-empty array" },
    { "{ \"id\": \"a\", \"type\": \"choice\", \"label\": { \"en\": \"A\" }, \"options\": ["
      "  { \"value\": \"x\", \"label\": { \"en\": \"X\" } },"
      "  { \"value\": \"x\", \"label\": { \"en\": \"X\" } } ] }",
      "the option “x” is listed twice" },
    { "{ \"id\": \"a\", \"type\": \"choice\", \"label\": { \"en\": \"A\" }, \"options\": [ 1 ] }",
      "element 1 of “options” must be an object" },
    { "{ \"id\": \"a\", \"type\": \"choice\", \"label\": { \"en\": \"A\" }, \"options\": ["
      "  { \"value\": \"x\" } ] }", "svc / a / options[1]: “label” is missing" },
    { "{ \"id\": \"a\", \"type\": \"text\", \"label\": { \"en\": \"A\" }, \"options\": [] }",
      "takes no “options”" },
    { "{ \"id\": \"a\", \"type\": \"table\", \"label\": { \"en\": \"A\" } }",
      "“columns” must be a non-empty array" },
    { "{ \"id\": \"a\", \"type\": \"text\", \"label\": { \"en\": \"A\" }, \"columns\": [] }",
      "takes no “columns”" },
    { "{ \"id\": \"a\", \"type\": \"table\", \"label\": { \"en\": \"A\" }, \"columns\": ["
      "  { \"id\": \"t\", \"type\": \"table\", \"label\": { \"en\": \"T\" } } ] }",
      "svc / a / t: a table cannot contain another table" },
    { "{ \"id\": \"a\", \"type\": \"table\", \"label\": { \"en\": \"A\" }, \"columns\": ["
      "  { \"id\": \"c\", \"type\": \"text\", \"label\": { \"en\": \"C\" } },"
      "  { \"id\": \"c\", \"type\": \"text\", \"label\": { \"en\": \"C\" } } ] }",
      "the column id “c” is used twice" },
    { "{ \"id\": \"a\", \"type\": \"table\", \"label\": { \"en\": \"A\" }, \"columns\": ["
      "  { \"id\": \"c\", \"type\": \"wat\", \"label\": { \"en\": \"C\" } } ] }",
      "svc / a / c: unknown field type “wat”" },
    { "42", "element 1 of “fields” must be an object" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *json = service_with_fields (cases[i].fields);
      g_autoptr(GError) error = NULL;
      g_autoptr(TbService) service = tb_service_new_from_json (json, &error);

      g_assert_null (service);
      g_assert_error (error, TB_SERVICE_ERROR, TB_SERVICE_ERROR_INVALID);
      g_assert_true (g_str_has_prefix (error->message, "Invalid service definition: "));
      if (strstr (error->message, cases[i].message) == NULL)
        g_error ("case %u: expected “%s” in “%s”", i, cases[i].message, error->message);
    }
}

static void
test_malformed_services (void)
{
  static const struct {
    const char *json;
    int code;
    const char *message;
  } cases[] = {
    { "{ \"id\": ", TB_SERVICE_ERROR_PARSE, "Invalid service definition" },
    { "", TB_SERVICE_ERROR_INVALID, "expected a JSON object" },
    { "[1, 2]", TB_SERVICE_ERROR_INVALID, "expected a JSON object" },
    { "{}", TB_SERVICE_ERROR_INVALID, "service: “id” is missing" },
    { "{ \"id\": 7 }", TB_SERVICE_ERROR_INVALID, "“id” must be a non-empty string" },
    { "{ \"id\": \"s\" }", TB_SERVICE_ERROR_INVALID, "s: “workflow” is missing" },
    { "{ \"id\": \"s\", \"workflow\": \"w\" }", TB_SERVICE_ERROR_INVALID, "s: “name” is missing" },
    { "{ \"id\": \"s\", \"workflow\": \"w\", \"name\": { \"en\": \"S\" } }",
      TB_SERVICE_ERROR_INVALID, "“applicant_kinds” must be a non-empty array" },
    { "{ \"id\": \"s\", \"workflow\": \"w\", \"name\": { \"en\": \"S\" },"
      "  \"applicant_kinds\": [\"alien\"] }",
      TB_SERVICE_ERROR_INVALID, "applicant kinds are" },
    { "{ \"id\": \"s\", \"workflow\": \"w\", \"name\": { \"en\": \"S\" },"
      "  \"applicant_kinds\": [\"person\"] }",
      TB_SERVICE_ERROR_INVALID, "s: “form” is missing" },
    { "{ \"id\": \"s\", \"workflow\": \"w\", \"name\": { \"en\": \"S\" },"
      "  \"applicant_kinds\": [\"person\"], \"form\": { \"sections\": [] } }",
      TB_SERVICE_ERROR_INVALID, "“sections” must be a non-empty array" },
    { "{ \"id\": \"s\", \"workflow\": \"w\", \"name\": { \"en\": \"S\" },"
      "  \"applicant_kinds\": [\"person\"], \"form\": { \"sections\": [ { \"id\": \"x\","
      "  \"title\": { \"en\": \"X\" }, \"fields\": [] } ] } }",
      TB_SERVICE_ERROR_INVALID, "“fields” must be a non-empty array" },
    { "{ \"id\": \"s\", \"workflow\": \"w\", \"name\": { \"en\": \"S\" },"
      "  \"applicant_kinds\": [\"person\"], \"time_limit\": { \"working_days\": -1 },"
      "  \"form\": {} }",
      TB_SERVICE_ERROR_INVALID, "“working_days” must be a whole number of days" },
    { "{ \"id\": \"s\", \"workflow\": \"w\", \"name\": { \"en\": \"S\" },"
      "  \"applicant_kinds\": [\"person\"], \"time_limit\": { \"extension_working_days\": 5 },"
      "  \"form\": {} }",
      TB_SERVICE_ERROR_INVALID, "an extension needs a time limit" },
    { "{ \"id\": \"s\", \"workflow\": \"w\", \"name\": { \"en\": \"S\" },"
      "  \"applicant_kinds\": [\"person\"], \"materials\": [ { \"id\": \"m\","
      "  \"label\": { \"en\": \"M\" } }, { \"id\": \"m\", \"label\": { \"en\": \"M\" } } ],"
      "  \"form\": {} }",
      TB_SERVICE_ERROR_INVALID, "the material id “m” is used twice" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(TbService) service = tb_service_new_from_json (cases[i].json, &error);

      g_assert_null (service);
      g_assert_error (error, TB_SERVICE_ERROR, cases[i].code);
      if (strstr (error->message, cases[i].message) == NULL)
        g_error ("case %u: expected “%s” in “%s”", i, cases[i].message, error->message);
    }
}

static gboolean
parse_mutated (JsonNode *root)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TbService) service = NULL;
  g_autoptr(JsonObject) empty = NULL;

  service = tb_service_new_from_object (json_node_get_object (root), &error);
  if (service == NULL)
    {
      g_assert_error (error, TB_SERVICE_ERROR, TB_SERVICE_ERROR_INVALID);
      g_assert_true (g_str_has_prefix (error->message, "Invalid service definition: "));
      return FALSE;
    }

  g_assert_no_error (error);
  empty = json_object_new ();
  tb_service_validate_form (service, empty, NULL);
  return TRUE;
}

static void
test_mutated_catalogue (void)
{
  g_autoptr(GPtrArray) services = load_catalogue (NULL);
  TbTestMutationCounts counts = { 0 };

  /* Whatever part of a real definition is removed or has the wrong type, parsing gives a
   * service or an error, never a crash or a critical warning (fatal under G_DEBUG). */
  for (guint i = 0; i < services->len; i++)
    tb_test_json_each_mutation (tb_service_get_definition (g_ptr_array_index (services, i)),
                                parse_mutated, &counts);

  g_test_message ("%u mutations refused, %u accepted", counts.refused, counts.accepted);
  g_assert_cmpuint (counts.refused, >, 1000);
  g_assert_cmpuint (counts.accepted, >, 100);
}

static void
check_mask (TbService  *service,
            const char *field_id,
            const char *text,
            const char *expected)
{
  const TbFormField *field = tb_service_lookup_field (service, field_id);
  g_autofree char *masked = NULL;

  g_assert_nonnull (field);
  masked = tb_form_field_mask_value (field, text);
  g_assert_cmpstr (masked, ==, expected);
}

static void
test_mask (void)
{
  g_autoptr(TbService) s = load_all_types ();

  /* ID card numbers keep the region and the last four. */
  check_mask (s, "idn", "11010519491231002X", "110105********002X");
  check_mask (s, "idn", "1101051949", "**********");
  check_mask (s, "idn", "", "");

  /* Phone numbers keep prefix, separators, the first three and the last four digits. */
  check_mask (s, "ph", "13812345678", "138****5678");
  check_mask (s, "ph", "+86 138-1234-5678", "+86 138-****-5678");
  check_mask (s, "ph", "12345", "*****");

  /* Anything else keeps its first character and its spaces, one star per character. */
  check_mask (s, "t", "王小明", "王**");
  check_mask (s, "addr", "杭州市 西湖路1号", "杭** *****");
  check_mask (s, "t", "A", "A");
  check_mask (s, "n", "2023", "2***");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/service/catalogue/load", test_catalogue_load);
  g_test_add_func ("/service/catalogue/fields", test_catalogue_fields);
  g_test_add_func ("/service/catalogue/mutated", test_mutated_catalogue);
  g_test_add_func ("/service/field-type-names", test_field_type_names);
  g_test_add_func ("/service/localized/names", test_localized_names);
  g_test_add_func ("/service/localized/fallback", test_localized_fallback_order);
  g_test_add_func ("/service/validate/text", test_validate_text);
  g_test_add_func ("/service/validate/number", test_validate_number);
  g_test_add_func ("/service/validate/date", test_validate_date);
  g_test_add_func ("/service/validate/choice", test_validate_choice);
  g_test_add_func ("/service/validate/boolean", test_validate_boolean);
  g_test_add_func ("/service/validate/id-number", test_validate_id_number);
  g_test_add_func ("/service/validate/phone", test_validate_phone);
  g_test_add_func ("/service/validate/attachment", test_validate_attachment);
  g_test_add_func ("/service/validate/table", test_validate_table);
  g_test_add_func ("/service/validate/catalogue-forms", test_validate_catalogue_forms);
  g_test_add_func ("/service/mask", test_mask);
  g_test_add_func ("/service/malformed/fields", test_malformed_fields);
  g_test_add_func ("/service/malformed/services", test_malformed_services);

  return g_test_run ();
}
