/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-form-view.c: the application form view, read-only and edited, in English and Chinese */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "tb-demo.h"
#include "tb-form-view.h"
#include "tb-service.h"
#include "tb-test-ui.h"

/* ------------------------------------------------------------------------------------------ */
/* Helpers                                                                                    */

/* A complete, valid business licence application. 11010519491231002X is the specimen number
 * of the national standard; its check character is right. */
static const char licence_values[] =
  "{ \"company_name\": \"杭州云杉信息科技有限公司\","
  "  \"company_type\": \"llc\","
  "  \"registered_capital\": 500,"
  "  \"business_scope\": \"软件开发；信息技术咨询服务；数据处理和存储支持服务。\","
  "  \"address\": \"浙江省杭州市西湖区文三路90号5幢301室\","
  "  \"operating_term\": \"unlimited\","
  "  \"legal_rep_name\": \"王芳\","
  "  \"legal_rep_id_number\": \"11010519491231002X\","
  "  \"legal_rep_phone\": \"13812345678\","
  "  \"shareholders\": ["
  "    { \"name\": \"王芳\", \"id_number\": \"11010519491231002X\", \"share_percent\": 60,"
  "      \"contribution_due\": \"2030-12-31\" },"
  "    { \"name\": \"李明\", \"id_number\": \"11010519491231002X\", \"share_percent\": 40,"
  "      \"contribution_due\": \"2030-12-31\" } ],"
  "  \"attachments\": ["
  "    { \"name\": \"公司登记（备案）申请书.pdf\", \"size\": 482304,"
  "      \"content_type\": \"application/pdf\" },"
  "    { \"name\": \"公司章程.pdf\", \"size\": 1258291 },"
  "    { \"name\": \"股东的主体资格文件或者自然人身份证件复印件.pdf\", \"size\": 90112 },"
  "    { \"name\": \"法定代表人、董事、监事和经理的任职文件及身份证件复印件.pdf\","
  "      \"size\": 204800 },"
  "    { \"name\": \"住所（经营场所）使用证明.jpg\", \"size\": 2202009 } ],"
  "  \"declaration\": true }";

#define OPTIONAL_MATERIAL "Approval documents, for business that requires prior approval by law"

typedef struct
{
  TbService *licence;
  GPtrArray *services;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  tb_test_ui_set_language (data);
  fixture->services = tb_service_load_bundled_catalogue (NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < fixture->services->len; i++)
    {
      TbService *service = g_ptr_array_index (fixture->services, i);

      if (g_strcmp0 (tb_service_get_id (service), "business-licence") == 0)
        fixture->licence = service;
    }
  g_assert_nonnull (fixture->licence);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_clear_pointer (&fixture->services, g_ptr_array_unref);
  tb_test_ui_set_language (NULL);
}

static JsonObject *
parse_object (const char *json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = json_from_string (json, &error);

  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  return json_object_ref (json_node_get_object (node));
}

/* A form view of the licence service with @json values, in a shown window. */
static TbFormView *
show_form (Fixture            *fixture,
           TbService          *service,
           const char         *json,
           const char * const *editable,
           int                 height)
{
  GtkWidget *window = gtk_window_new ();
  GtkWidget *view = tb_form_view_new ();
  g_autoptr(JsonObject) values = parse_object (json);

  tb_form_view_set_service (TB_FORM_VIEW (view), service);
  tb_form_view_set_values (TB_FORM_VIEW (view), values);
  tb_form_view_set_editable_fields (TB_FORM_VIEW (view), editable);
  gtk_window_set_child (GTK_WINDOW (window), view);
  gtk_window_set_default_size (GTK_WINDOW (window), 760, height);
  gtk_window_present (GTK_WINDOW (window));
  tb_test_ui_spin (50);

  return TB_FORM_VIEW (view);
}

static void
destroy_form (TbFormView *view)
{
  GtkWidget *window = GTK_WIDGET (gtk_widget_get_root (GTK_WIDGET (view)));

  g_object_ref (view);
  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_finalize_object (view);
}

static gboolean
is_row_titled (GtkWidget     *widget,
               gconstpointer  title)
{
  GtkWidget *parent = gtk_widget_get_parent (widget);
  GtkWidget *expander = parent != NULL ? gtk_widget_get_ancestor (parent, ADW_TYPE_EXPANDER_ROW)
                                       : NULL;

  if (!ADW_IS_PREFERENCES_ROW (widget)
      || g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), title) != 0)
    return FALSE;

  /* An expander row shows its title in a row of its own: that one does not count. */
  return expander == NULL
         || g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (expander)), title) != 0;
}

/* The @nth row titled @title. */
static GtkWidget *
find_row_nth (GtkWidget  *root,
              const char *title,
              guint       nth)
{
  g_autoptr(GPtrArray) found = g_ptr_array_new ();

  tb_test_ui_collect (root, is_row_titled, title, found);
  if (nth >= found->len)
    g_error ("no row %u titled “%s”", nth, title);
  return g_ptr_array_index (found, nth);
}

static GtkWidget *
find_row (GtkWidget  *root,
          const char *title)
{
  return find_row_nth (root, title, 0);
}

static guint
count_rows (GtkWidget  *root,
            const char *title)
{
  g_autoptr(GPtrArray) found = g_ptr_array_new ();

  tb_test_ui_collect (root, is_row_titled, title, found);
  return found->len;
}

/* The button of @row showing the icon @icon_name. */
static GtkWidget *
find_button (GtkWidget  *row,
             const char *icon_name)
{
  g_autoptr(GPtrArray) buttons = tb_test_ui_find_all (row, GTK_TYPE_BUTTON);

  for (guint i = 0; i < buttons->len; i++)
    if (g_strcmp0 (gtk_button_get_icon_name (g_ptr_array_index (buttons, i)), icon_name) == 0)
      return g_ptr_array_index (buttons, i);

  return NULL;
}

/* The value label of a read-only row: the selectable label of its suffix. */
static const char *
row_value (GtkWidget *row)
{
  g_autoptr(GPtrArray) labels = tb_test_ui_find_all (row, GTK_TYPE_LABEL);

  for (guint i = 0; i < labels->len; i++)
    if (gtk_label_get_selectable (g_ptr_array_index (labels, i)))
      return gtk_label_get_text (g_ptr_array_index (labels, i));

  return NULL;
}

/* The reason shown under @row, or NULL if none shows. */
static const char *
row_problem (GtkWidget *row)
{
  GtkWidget *next = gtk_widget_get_next_sibling (row);
  GtkWidget *label;

  g_assert_nonnull (next);
  g_assert_true (gtk_widget_has_css_class (next, "tb-form-problem"));
  if (!gtk_widget_get_visible (next))
    return NULL;

  label = tb_test_ui_find_widget (next, GTK_TYPE_LABEL);
  g_assert_nonnull (label);
  return gtk_label_get_text (GTK_LABEL (label));
}

static gboolean
entry_has_focus (GtkWidget *entry_row)
{
  return gtk_widget_has_focus (GTK_WIDGET (gtk_editable_get_delegate (GTK_EDITABLE (entry_row))));
}

static GtkCheckButton *
option_check (GtkWidget  *row,
              const char *option)
{
  return GTK_CHECK_BUTTON (tb_test_ui_find_widget (find_row (row, option), GTK_TYPE_CHECK_BUTTON));
}

static const char *
subtitle (GtkWidget  *root,
          const char *title)
{
  return adw_action_row_get_subtitle (ADW_ACTION_ROW (find_row (root, title)));
}

static gboolean
is_control (GtkWidget     *widget,
            gconstpointer  data)
{
  return (GTK_IS_BUTTON (widget) || GTK_IS_CHECK_BUTTON (widget) || GTK_IS_TEXT (widget)
          || GTK_IS_TEXT_VIEW (widget))
         && gtk_widget_is_visible (widget);
}

/* Every control that is shown can be named by a screen reader. */
static void
assert_controls_labelled (GtkWidget *root)
{
  tb_test_ui_assert_controls_labelled (root, is_control, NULL);
}

static void
click (GtkWidget *button)
{
  g_assert_nonnull (button);
  g_assert_true (gtk_widget_is_sensitive (button) && gtk_widget_get_visible (button));
  g_signal_emit_by_name (button, "clicked");
}

/* The whole form, however long: the page's content as laid out, on the window background. */
static void
save_screenshot (TbFormView *view,
                 const char *name)
{
  GtkWidget *window = GTK_WIDGET (gtk_widget_get_root (GTK_WIDGET (view)));
  GtkWidget *content = tb_test_ui_find_widget (GTK_WIDGET (view), ADW_TYPE_CLAMP);
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GtkSnapshot) snapshot = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  GdkRGBA background = { 0.98, 0.98, 0.98, 1.0 };
  int width;
  int height;

  tb_test_ui_spin (300);
  g_assert_nonnull (content);
  width = gtk_widget_get_width (window);
  height = gtk_widget_get_height (content) + 2 * 24;

  snapshot = gtk_snapshot_new ();
  gtk_snapshot_append_color (snapshot, &background, &GRAPHENE_RECT_INIT (0, 0, width, height));
  gtk_snapshot_translate (snapshot,
                          &GRAPHENE_POINT_INIT ((width - gtk_widget_get_width (content)) / 2.0,
                                                24));
  paintable = gtk_widget_paintable_new (content);
  gdk_paintable_snapshot (paintable, snapshot, gtk_widget_get_width (content),
                          gtk_widget_get_height (content));
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  tb_test_ui_save_node (window, node, width, height, name);
}

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              guint      *count)
{
  (*count)++;
}

static void
count_signal (gpointer  instance,
              guint    *count)
{
  (*count)++;
}

typedef struct
{
  guint  count;
  char  *field_id;
  int    row;
  char  *column_id;
} Reveals;

static void
on_reveal (TbFormView *view,
           const char *field_id,
           int         row,
           const char *column_id,
           Reveals    *reveals)
{
  reveals->count++;
  g_free (reveals->field_id);
  g_free (reveals->column_id);
  reveals->field_id = g_strdup (field_id);
  reveals->row = row;
  reveals->column_id = g_strdup (column_id);
}

static void
reveals_clear (Reveals *reveals)
{
  g_clear_pointer (&reveals->field_id, g_free);
  g_clear_pointer (&reveals->column_id, g_free);
  reveals->count = 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Tests                                                                                      */

static void
test_new_destroy (Fixture       *fixture,
                  gconstpointer  data)
{
  GtkWidget *view = tb_form_view_new ();
  g_autoptr(JsonObject) values = parse_object (licence_values);

  g_assert_true (TB_IS_FORM_VIEW (view));
  g_object_ref_sink (view);
  g_assert_null (tb_form_view_get_service (TB_FORM_VIEW (view)));
  g_assert_null (tb_form_view_get_values (TB_FORM_VIEW (view)));
  g_assert_null (tb_form_view_get_editable_fields (TB_FORM_VIEW (view)));
  g_assert_false (tb_form_view_get_modified (TB_FORM_VIEW (view)));

  tb_form_view_set_service (TB_FORM_VIEW (view), fixture->licence);
  tb_form_view_set_values (TB_FORM_VIEW (view), values);
  g_assert_true (tb_form_view_get_service (TB_FORM_VIEW (view)) == fixture->licence);

  /* The view keeps a copy: what the caller does with its object later does not show. */
  g_assert_true (tb_form_view_get_values (TB_FORM_VIEW (view)) != values);
  json_object_set_string_member (values, "company_name", "x");
  g_assert_cmpstr (json_object_get_string_member (tb_form_view_get_values (TB_FORM_VIEW (view)),
                                                  "company_name"), ==,
                   "杭州云杉信息科技有限公司");

  g_assert_finalize_object (view);
}

static void
test_properties (Fixture       *fixture,
                 gconstpointer  data)
{
  GtkWidget *view = g_object_ref_sink (tb_form_view_new ());
  g_autoptr(JsonObject) values = parse_object (licence_values);
  g_autoptr(JsonObject) same = parse_object (licence_values);
  g_autoptr(TbService) service = NULL;
  g_autoptr(JsonObject) got = NULL;
  g_auto(GStrv) editable = NULL;
  const char * const fields[] = { "company_name", NULL };
  const char * const fields_again[] = { "company_name", NULL };
  const char * const none[] = { NULL };
  guint service_notifies = 0, values_notifies = 0, editable_notifies = 0, modified_notifies = 0;
  gboolean modified = TRUE;

  g_signal_connect (view, "notify::service", G_CALLBACK (count_notify), &service_notifies);
  g_signal_connect (view, "notify::values", G_CALLBACK (count_notify), &values_notifies);
  g_signal_connect (view, "notify::editable-fields", G_CALLBACK (count_notify),
                    &editable_notifies);
  g_signal_connect (view, "notify::modified", G_CALLBACK (count_notify), &modified_notifies);

  /* Each property notifies once per real change. */
  g_object_set (view, "service", fixture->licence, NULL);
  g_object_set (view, "service", fixture->licence, NULL);
  g_assert_cmpuint (service_notifies, ==, 1);

  g_object_set (view, "values", values, NULL);
  g_object_set (view, "values", same, NULL);
  g_assert_cmpuint (values_notifies, ==, 1);
  g_object_set (view, "values", NULL, NULL);
  g_assert_cmpuint (values_notifies, ==, 2);
  g_object_set (view, "values", values, NULL);
  g_assert_cmpuint (values_notifies, ==, 3);

  g_object_set (view, "editable-fields", fields, NULL);
  g_object_set (view, "editable-fields", fields_again, NULL);
  g_assert_cmpuint (editable_notifies, ==, 1);
  g_object_set (view, "editable-fields", none, NULL);
  g_assert_cmpuint (editable_notifies, ==, 2);
  g_object_set (view, "editable-fields", NULL, NULL);
  g_assert_cmpuint (editable_notifies, ==, 2);

  g_object_get (view, "service", &service, "values", &got, "editable-fields", &editable,
                "modified", &modified, NULL);
  g_assert_true (service == fixture->licence);
  g_assert_true (got == tb_form_view_get_values (TB_FORM_VIEW (view)));
  g_assert_null (editable);
  g_assert_false (modified);
  g_assert_cmpuint (modified_notifies, ==, 0);

  g_object_set (view, "service", NULL, NULL);
  g_assert_cmpuint (service_notifies, ==, 2);
  g_assert_null (tb_form_view_get_service (TB_FORM_VIEW (view)));

  g_assert_finalize_object (view);
}

static void
collect_field_types (const TbFormField *field,
                     gboolean          *seen)
{
  seen[tb_form_field_get_field_type (field)] = TRUE;
  for (guint i = 0; i < tb_form_field_get_n_columns (field); i++)
    collect_field_types (tb_form_field_get_column (field, i), seen);
}

/* Every field of every bundled service, filled in by the demo generator, gets a row. */
static void
test_render_catalogue (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TbDemo) demo = tb_demo_new (7, tb_day_today (), &error);
  g_autoptr(GHashTable) forms = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  gboolean seen[TB_FIELD_ATTACHMENT + 1] = { FALSE, };

  g_assert_no_error (error);
  for (guint n = 0; n < 1000 && g_hash_table_size (forms) < fixture->services->len; n++)
    {
      TbCaseRecord record;

      g_assert_true (tb_demo_next_case (demo, &record));
      if (!g_hash_table_contains (forms, record.service_id))
        g_hash_table_insert (forms, g_strdup (record.service_id), g_strdup (record.form_json));
    }
  g_assert_cmpuint (g_hash_table_size (forms), ==, fixture->services->len);

  for (guint i = 0; i < fixture->services->len; i++)
    {
      TbService *service = g_ptr_array_index (fixture->services, i);
      const char *json = g_hash_table_lookup (forms, tb_service_get_id (service));
      TbFormView *view = show_form (fixture, service, json, NULL, 900);
      g_autoptr(GPtrArray) groups = tb_test_ui_find_all (GTK_WIDGET (view),
                                                         ADW_TYPE_PREFERENCES_GROUP);
      g_autoptr(GPtrArray) problems = NULL;

      g_test_message ("service %s", tb_service_get_id (service));

      /* A group per section and one for the materials. */
      g_assert_cmpuint (groups->len, ==, tb_service_get_n_sections (service) + 1);

      for (guint s = 0; s < tb_service_get_n_sections (service); s++)
        {
          const TbFormSection *section = tb_service_get_section (service, s);
          AdwPreferencesGroup *group = g_ptr_array_index (groups, s);

          g_assert_cmpstr (adw_preferences_group_get_title (group), ==,
                           tb_form_section_get_title (section));

          for (guint f = 0; f < tb_form_section_get_n_fields (section); f++)
            {
              const TbFormField *field = tb_form_section_get_field (section, f);
              GtkWidget *row = find_row (GTK_WIDGET (group), tb_form_field_get_label (field));
              JsonObject *values = tb_form_view_get_values (view);
              JsonNode *value = json_object_get_member (values, tb_form_field_get_id (field));

              collect_field_types (field, seen);
              g_assert_true (ADW_IS_ACTION_ROW (row));
              g_assert_nonnull (row_problem (row) == NULL ? "valid" : row_problem (row));

              switch (tb_form_field_get_field_type (field))
                {
                case TB_FIELD_TABLE:
                  {
                    guint n = value != NULL ? json_array_get_length (json_node_get_array (value))
                                            : 0;

                    /* One expander per row, each with a row per column. */
                    for (guint r = 0; r < n; r++)
                      {
                        g_autofree char *title = g_strdup_printf ("Row %u", r + 1);
                        GtkWidget *expander = find_row (GTK_WIDGET (group), title);

                        g_assert_true (ADW_IS_EXPANDER_ROW (expander));
                        for (guint c = 0; c < tb_form_field_get_n_columns (field); c++)
                          find_row (expander,
                                    tb_form_field_get_label (tb_form_field_get_column (field, c)));
                      }
                  }
                  break;

                case TB_FIELD_ATTACHMENT:
                  {
                    JsonArray *files = value != NULL ? json_node_get_array (value) : NULL;

                    for (guint k = 0; files != NULL && k < json_array_get_length (files); k++)
                      {
                        JsonObject *file = json_array_get_object_element (files, k);
                        GtkWidget *file_row = find_row (GTK_WIDGET (group),
                                                        json_object_get_string_member (file,
                                                                                       "name"));

                        g_assert_nonnull (find_button (file_row, "document-open-symbolic"));
                        g_assert_nonnull (find_button (file_row, "document-save-symbolic"));
                      }
                  }
                  break;

                case TB_FIELD_TEXT:
                case TB_FIELD_MULTILINE:
                case TB_FIELD_NUMBER:
                case TB_FIELD_DATE:
                case TB_FIELD_CHOICE:
                case TB_FIELD_MULTI_CHOICE:
                case TB_FIELD_BOOLEAN:
                case TB_FIELD_ID_NUMBER:
                case TB_FIELD_PHONE:
                case TB_FIELD_ADDRESS:
                default:
                  /* Read-only: the value shows, masked if sensitive. */
                  g_assert_nonnull (row_value (row));
                  if (tb_form_field_get_sensitive (field) && value != NULL)
                    {
                      g_assert_nonnull (strchr (row_value (row), '*'));
                      g_assert_nonnull (find_button (row, "view-reveal-symbolic"));
                    }
                  break;
                }
            }
        }

      /* The materials: one row each, every required one found among the demo's files (an
       * optional list of files may be left out). */
      for (guint m = 0; m < tb_service_get_n_materials (service); m++)
        {
          const TbMaterial *material = tb_service_get_material (service, m);
          GtkWidget *row = find_row (g_ptr_array_index (groups, groups->len - 1),
                                     tb_material_get_label (material));

          if (tb_material_get_required (material)
              && json_object_has_member (tb_form_view_get_values (view), "attachments"))
            g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), !=,
                             "Not provided");
        }

      /* Nothing editable in a read-only form. */
      g_assert_null (tb_test_ui_find_widget (GTK_WIDGET (view), ADW_TYPE_ENTRY_ROW));
      g_assert_null (tb_test_ui_find_widget (GTK_WIDGET (view), GTK_TYPE_TEXT_VIEW));
      g_assert_null (tb_test_ui_find_widget (GTK_WIDGET (view), GTK_TYPE_CHECK_BUTTON));

      assert_controls_labelled (GTK_WIDGET (view));

      /* The demo fills in valid forms. */
      problems = tb_form_view_validate (view);
      g_assert_cmpuint (problems->len, ==, 0);

      destroy_form (view);
    }

  for (guint t = 0; t < G_N_ELEMENTS (seen); t++)
    if (!seen[t])
      g_error ("no bundled service has a field of type %s", tb_field_type_to_string (t));
}

/* A form with a field of every type, editable, in every way the inline editors offer. */
static void
test_edit_every_type (Fixture       *fixture,
                      gconstpointer  data)
{
  const char * const editable[] = {
    "company_name", "company_type", "registered_capital", "business_scope", "address",
    "declaration", "shareholders", "attachments", NULL
  };
  TbFormView *view = show_form (fixture, fixture->licence, licence_values, editable, 900);
  GtkWidget *root = GTK_WIDGET (view);
  GtkWidget *row;
  g_autoptr(JsonObject) edited = NULL;
  g_autoptr(GPtrArray) problems = NULL;
  guint changes = 0;

  g_signal_connect (view, "changed", G_CALLBACK (count_signal), &changes);

  /* Text: an entry row. */
  row = find_row (root, "Company name");
  g_assert_true (ADW_IS_ENTRY_ROW (row));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (row)), ==, "杭州云杉信息科技有限公司");
  gtk_editable_set_text (GTK_EDITABLE (row), "杭州云杉信息科技");
  g_assert_cmpstr (row_problem (row), ==,
                   "A company name ends with 有限公司, 有限责任公司 or 股份有限公司");
  g_assert_true (gtk_widget_has_css_class (row, "error"));
  g_assert_true (tb_form_view_get_modified (view));
  gtk_editable_set_text (GTK_EDITABLE (row), "杭州云杉信息科技股份有限公司");
  g_assert_null (row_problem (row));
  g_assert_false (gtk_widget_has_css_class (row, "error"));

  /* Number: typed text that is no number is kept, and refused. */
  row = find_row (root, "Registered capital");
  g_assert_true (ADW_IS_ENTRY_ROW (row));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (row)), ==, "500");
  gtk_editable_set_text (GTK_EDITABLE (row), "five");
  g_assert_cmpstr (row_problem (row), ==, "Enter a number");
  gtk_editable_set_text (GTK_EDITABLE (row), "0.5");
  g_assert_cmpstr (row_problem (row), ==, "Enter a number no less than 1");
  gtk_editable_set_text (GTK_EDITABLE (row), "1200.5");
  g_assert_null (row_problem (row));

  /* Multiline: a text view. */
  row = find_row (root, "Business scope");
  {
    GtkTextView *text_view = GTK_TEXT_VIEW (tb_test_ui_find_widget (row, GTK_TYPE_TEXT_VIEW));

    g_assert_nonnull (text_view);
    gtk_text_buffer_set_text (gtk_text_view_get_buffer (text_view), "软件开发", -1);
    g_assert_cmpstr (row_problem (row), ==, "Enter at least 10 characters");
    gtk_text_buffer_set_text (gtk_text_view_get_buffer (text_view), "软件开发；技术服务；技术咨询。", -1);
    g_assert_null (row_problem (row));
  }

  /* Choice: a combo row whose first item is "not chosen". */
  row = find_row (root, "Company type");
  g_assert_true (ADW_IS_COMBO_ROW (row));
  g_assert_cmpuint (adw_combo_row_get_selected (ADW_COMBO_ROW (row)), ==, 1);
  adw_combo_row_set_selected (ADW_COMBO_ROW (row), 0);
  g_assert_cmpstr (row_problem (row), ==, "This field is required");
  adw_combo_row_set_selected (ADW_COMBO_ROW (row), 3);
  g_assert_null (row_problem (row));

  /* Boolean: a check box; a required one must be ticked. */
  row = find_row (root, "I declare that the materials submitted are true, lawful and valid.");
  {
    GtkCheckButton *check = GTK_CHECK_BUTTON (tb_test_ui_find_widget (row, GTK_TYPE_CHECK_BUTTON));

    g_assert_true (gtk_check_button_get_active (check));
    gtk_check_button_set_active (check, FALSE);
    g_assert_cmpstr (row_problem (row), ==, "Tick this box to continue");
    gtk_check_button_set_active (check, TRUE);
    g_assert_null (row_problem (row));
  }

  /* Not editable here: shown, not edited. */
  row = find_row (root, "Name");
  g_assert_false (ADW_IS_ENTRY_ROW (row));
  g_assert_cmpstr (row_value (row), ==, "王芳");
  row = find_row (root, "Term of operation");
  g_assert_false (ADW_IS_COMBO_ROW (row));
  g_assert_cmpstr (row_value (row), ==, "Unlimited");

  /* Attachments are never edited here. */
  row = find_row (root, "Scanned materials");
  g_assert_null (find_button (row, "list-add-symbolic"));

  /* Table: add a row, fill it in, remove another. */
  row = find_row (root, "Shareholders");
  click (find_button (row, "list-add-symbolic"));
  g_assert_cmpuint (count_rows (root, "Row 3"), ==, 1);
  {
    GtkWidget *expander = find_row (root, "Row 3");
    GtkWidget *name = find_row (expander, "Name");
    GtkWidget *share = find_row (expander, "Share");

    /* The new row is open, its first column has the keyboard, and it is not valid yet. */
    g_assert_true (adw_expander_row_get_expanded (ADW_EXPANDER_ROW (expander)));
    g_assert_true (entry_has_focus (name));
    g_assert_cmpstr (row_problem (name), ==, "This field is required");
    gtk_editable_set_text (GTK_EDITABLE (name), "张伟");
    g_assert_null (row_problem (name));
    g_assert_cmpstr (adw_expander_row_get_subtitle (ADW_EXPANDER_ROW (expander)), ==, "张伟");
    gtk_editable_set_text (GTK_EDITABLE (share), "101");
    g_assert_cmpstr (row_problem (share), ==, "Enter a number no greater than 100");
  }
  click (find_button (find_row (root, "Row 1"), "user-trash-symbolic"));
  g_assert_cmpuint (count_rows (root, "Row 3"), ==, 0);
  g_assert_cmpstr (adw_expander_row_get_subtitle (ADW_EXPANDER_ROW (find_row (root, "Row 1"))),
                   ==, "李明");
  g_assert_cmpstr (adw_expander_row_get_subtitle (ADW_EXPANDER_ROW (find_row (root, "Row 2"))),
                   ==, "张伟");

  /* The edits, and only they, are in the values. */
  g_assert_cmpuint (changes, >=, 14);
  edited = tb_form_view_dup_values (view);
  g_assert_cmpstr (json_object_get_string_member (edited, "company_name"), ==,
                   "杭州云杉信息科技股份有限公司");
  g_assert_cmpfloat (json_object_get_double_member (edited, "registered_capital"), ==, 1200.5);
  g_assert_cmpstr (json_object_get_string_member (edited, "company_type"), ==, "joint_stock");
  g_assert_true (json_object_get_boolean_member (edited, "declaration"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (edited, "shareholders")),
                    ==, 2);
  g_assert_cmpstr (json_object_get_string_member (edited, "legal_rep_name"), ==, "王芳");
  g_assert_cmpstr (json_object_get_string_member (tb_form_view_get_values (view),
                                                  "company_name"), ==,
                   "杭州云杉信息科技有限公司");

  /* Validation is the service's: what is left is in the new row, now the second. */
  problems = tb_form_view_validate (view);
  g_assert_cmpuint (problems->len, ==, 3);
  for (guint i = 0; i < problems->len; i++)
    {
      TbFormProblem *problem = g_ptr_array_index (problems, i);

      g_assert_cmpstr (problem->field_id, ==, "shareholders");
      g_assert_cmpint (problem->row, ==, 1);
    }
  g_assert_cmpstr (((TbFormProblem *) g_ptr_array_index (problems, 0))->column_id, ==,
                   "id_number");
  g_assert_cmpstr (((TbFormProblem *) g_ptr_array_index (problems, 1))->column_id, ==,
                   "share_percent");
  g_assert_cmpstr (((TbFormProblem *) g_ptr_array_index (problems, 2))->column_id, ==,
                   "contribution_due");

  assert_controls_labelled (root);

  /* Editing back to what was set is no modification. */
  tb_form_view_set_editable_fields (view, NULL);
  g_assert_null (tb_test_ui_find_widget (root, ADW_TYPE_ENTRY_ROW));
  g_assert_true (tb_form_view_get_modified (view));

  destroy_form (view);
}

/* A multiple choice: a check box per option, the choices summed up beside the label. */
static void
test_edit_multi_choice (Fixture       *fixture,
                        gconstpointer  data)
{
  const char * const editable[] = { "formats", NULL };
  TbService *service = NULL;
  TbFormView *view;
  GtkWidget *row;
  g_autoptr(JsonObject) edited = NULL;
  JsonArray *formats;

  for (guint i = 0; i < fixture->services->len; i++)
    if (tb_service_lookup_field (g_ptr_array_index (fixture->services, i), "formats") != NULL)
      service = g_ptr_array_index (fixture->services, i);
  g_assert_nonnull (service);

  view = show_form (fixture, service, "{ \"formats\": [\"disc\"] }", editable, 600);
  row = find_row (GTK_WIDGET (view), "Provide the information as");
  g_assert_true (ADW_IS_EXPANDER_ROW (row));
  g_assert_cmpstr (adw_expander_row_get_subtitle (ADW_EXPANDER_ROW (row)), ==, "Optical disc");
  g_assert_false (gtk_check_button_get_active (option_check (row, "Paper")));

  gtk_check_button_set_active (option_check (row, "Paper"), TRUE);
  g_assert_cmpstr (adw_expander_row_get_subtitle (ADW_EXPANDER_ROW (row)), ==,
                   "Paper, Optical disc");
  gtk_check_button_set_active (option_check (row, "Paper"), FALSE);
  gtk_check_button_set_active (option_check (row, "Optical disc"), FALSE);
  g_assert_cmpstr (adw_expander_row_get_subtitle (ADW_EXPANDER_ROW (row)), ==, "None chosen");
  g_assert_cmpstr (row_problem (row), ==, "This field is required");
  gtk_check_button_set_active (option_check (row, "Electronic file"), TRUE);
  g_assert_null (row_problem (row));

  edited = tb_form_view_dup_values (view);
  formats = json_object_get_array_member (edited, "formats");
  g_assert_cmpuint (json_array_get_length (formats), ==, 1);
  g_assert_cmpstr (json_array_get_string_element (formats, 0), ==, "electronic");
  assert_controls_labelled (GTK_WIDGET (view));

  destroy_form (view);
}

/* The keyboard reaches every control: the editors, the buttons to show, add, open, save. */
static void
test_keyboard (Fixture       *fixture,
               gconstpointer  data)
{
  const char * const editable[] = { "legal_rep_name", "shareholders", NULL };
  TbFormView *view = show_form (fixture, fixture->licence, licence_values, editable, 600);
  GtkWidget *root = GTK_WIDGET (view);
  GtkRoot *window = gtk_widget_get_root (root);
  g_autoptr(GHashTable) reached = g_hash_table_new (NULL, NULL);
  GtkWidget *expected[] = {
    GTK_WIDGET (gtk_editable_get_delegate (GTK_EDITABLE (find_row (root, "Name")))),
    find_button (find_row (root, "Mobile phone"), "view-reveal-symbolic"),
    find_button (find_row (root, "Shareholders"), "list-add-symbolic"),
    find_button (find_row (root, "Row 2"), "user-trash-symbolic"),
    find_button (find_row (find_row (root, "Row 2"), "ID card number"), "view-reveal-symbolic"),
    find_button (find_row (root, "公司章程.pdf"), "document-open-symbolic"),
    find_button (find_row (root, "公司章程.pdf"), "document-save-symbolic"),
  };

  g_autoptr(GPtrArray) rows = tb_test_ui_find_all (root, GTK_TYPE_LIST_BOX_ROW);
  GtkWidget *first = NULL;
  guint n_rows = 0;

  /* As in any boxed list, the arrows move from row to row: every row can take the focus
   * but the reasons under them, which are read with their field. */
  for (guint i = 0; i < rows->len; i++)
    {
      GtkWidget *row = g_ptr_array_index (rows, i);

      if (!gtk_widget_is_visible (row)
          || gtk_widget_get_ancestor (gtk_widget_get_parent (row), GTK_TYPE_LIST_BOX_ROW) != NULL)
        continue;

      n_rows++;
      if (first == NULL)
        first = row;
      g_assert_true (gtk_widget_get_focusable (row)
                     != gtk_widget_has_css_class (row, "tb-form-problem"));
    }
  g_assert_cmpuint (n_rows, >, 20);

  /* Down from the last row of a section goes on to the next section. */
  {
    GtkWidget *list = gtk_widget_get_parent (first);
    GtkWidget *last = find_row (root, "Term of operation");
    gboolean handled = FALSE;

    gtk_widget_grab_focus (last);
    g_signal_emit_by_name (list, "keynav-failed", GTK_DIR_DOWN, &handled);
    g_assert_true (handled);
    g_assert_true (gtk_widget_is_ancestor (gtk_root_get_focus (window),
                                           find_row (root, "Name")));
  }

  /* ... and Tab into the controls of the row. */
  for (guint i = 0; i < rows->len; i++)
    {
      GtkWidget *row = g_ptr_array_index (rows, i);

      if (!gtk_widget_is_visible (row))
        continue;
      gtk_widget_grab_focus (row);
      for (guint j = 0; j < 3; j++)
        {
          gtk_widget_child_focus (GTK_WIDGET (window), GTK_DIR_TAB_FORWARD);
          g_hash_table_add (reached, gtk_root_get_focus (window));
        }
    }

  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_assert_nonnull (expected[i]);
      if (!g_hash_table_contains (reached, expected[i]))
        g_error ("Tab never reaches control %u, a %s", i, G_OBJECT_TYPE_NAME (expected[i]));
    }

  destroy_form (view);
}

static void
test_read_only (Fixture       *fixture,
                gconstpointer  data)
{
  const char * const one[] = { "company_name", NULL };
  TbFormView *view = show_form (fixture, fixture->licence, licence_values, NULL, 600);
  GtkWidget *root = GTK_WIDGET (view);
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GPtrArray) problems = NULL;
  guint changes = 0;

  g_signal_connect (view, "changed", G_CALLBACK (count_signal), &changes);

  g_assert_null (tb_test_ui_find_widget (root, ADW_TYPE_ENTRY_ROW));
  g_assert_null (tb_test_ui_find_widget (root, ADW_TYPE_COMBO_ROW));
  g_assert_cmpstr (row_value (find_row (root, "Company name")), ==, "杭州云杉信息科技有限公司");
  g_assert_cmpstr (row_value (find_row (root, "Company type")), ==, "Limited liability company");
  g_assert_cmpstr (row_value (find_row (root, "Registered capital")), ==, "500 10,000 yuan");
  g_assert_cmpstr (row_value (find_row (root, "I declare that the materials submitted are true, "
                                              "lawful and valid.")), ==, "Yes");
  g_assert_cmpstr (row_value (find_row (root, "Unified social credit code")), ==,
                   "Not filled in");
  g_assert_cmpstr (row_value (find_row (root, "Contribution due by")), ==, "2030-12-31");

  /* Only the field the workflow allows becomes editable. */
  tb_form_view_set_editable_fields (view, one);
  entries = tb_test_ui_find_all (root, ADW_TYPE_ENTRY_ROW);
  g_assert_cmpuint (entries->len, ==, 1);
  g_assert_cmpstr (adw_preferences_row_get_title (g_ptr_array_index (entries, 0)), ==,
                   "Company name");
  g_assert_cmpuint (changes, ==, 0);
  g_assert_false (tb_form_view_get_modified (view));

  problems = tb_form_view_validate (view);
  g_assert_cmpuint (problems->len, ==, 0);

  destroy_form (view);
}

/* Values that do not validate are marked with the reason, also when nobody may edit them. */
static void
test_invalid_values (Fixture       *fixture,
                     gconstpointer  data)
{
  TbFormView *view = show_form (fixture, fixture->licence,
                                "{ \"company_name\": \"某公司\", \"registered_capital\": \"many\","
                                "  \"legal_rep_id_number\": \"110105194912310021\","
                                "  \"shareholders\": ["
                                "    { \"name\": \"王芳\", \"share_percent\": 0 } ],"
                                "  \"company_type\": \"partnership\" }",
                                NULL, 600);
  GtkWidget *root = GTK_WIDGET (view);
  GtkWidget *expander = find_row (root, "Row 1");
  g_autoptr(GPtrArray) problems = NULL;

  g_assert_cmpstr (row_problem (find_row (root, "Company name")), ==,
                   "Enter at least 6 characters");
  g_assert_cmpstr (row_problem (find_row (root, "Registered capital")), ==, "Enter a number");
  g_assert_cmpstr (row_value (find_row (root, "Registered capital")), ==, "\"many\"");
  g_assert_cmpstr (row_problem (find_row (root, "Company type")), ==,
                   "Choose one of the options given");
  g_assert_cmpstr (row_value (find_row (root, "Company type")), ==, "partnership");
  g_assert_nonnull (strstr (row_problem (find_row (root, "Resident ID card number")),
                            "check"));
  g_assert_cmpstr (row_problem (find_row (root, "Business scope")), ==, "This field is required");
  g_assert_cmpstr (row_problem (find_row (root, "Scanned materials")), ==,
                   "This field is required");
  g_assert_cmpstr (row_problem (find_row (expander, "ID card number")), ==,
                   "This field is required");
  g_assert_cmpstr (row_problem (find_row (expander, "Share")), ==,
                   "Enter a number no less than 0.01");
  g_assert_null (row_problem (find_row (expander, "Name")));
  g_assert_null (row_problem (find_row (root, "Unified social credit code")));

  /* The materials: none attached, so none provided. */
  g_assert_cmpstr (subtitle (root, "Articles of association"), ==, "Not provided");
  g_assert_cmpstr (subtitle (root, OPTIONAL_MATERIAL), ==, "Not provided, optional");

  problems = tb_form_view_validate (view);
  g_assert_cmpuint (problems->len, >=, 10);

  destroy_form (view);
}

/* A new form: each field speaks up once edited, every field once validated. */
static void
test_problems_after_edit (Fixture       *fixture,
                          gconstpointer  data)
{
  const char * const editable[] = { "company_name", "registered_capital", NULL };
  TbFormView *view = show_form (fixture, fixture->licence, "{}", editable, 600);
  GtkWidget *root = GTK_WIDGET (view);
  g_autoptr(GPtrArray) problems = NULL;
  guint notifies = 0;
  gboolean after_edit = FALSE;

  /* By default, at once: as for a case received. */
  g_assert_false (tb_form_view_get_problems_after_edit (view));
  g_assert_cmpstr (row_problem (find_row (root, "Company name")), ==, "This field is required");

  g_signal_connect (view, "notify::problems-after-edit", G_CALLBACK (count_notify), &notifies);
  g_object_set (view, "problems-after-edit", TRUE, NULL);
  tb_form_view_set_problems_after_edit (view, TRUE);
  g_assert_cmpuint (notifies, ==, 1);
  g_object_get (view, "problems-after-edit", &after_edit, NULL);
  g_assert_true (after_edit);
  g_assert_null (row_problem (find_row (root, "Company name")));
  g_assert_null (row_problem (find_row (root, "Registered capital")));
  g_assert_null (row_problem (find_row (root, "Business scope")));

  /* Edited, a field says what is wrong; the others stay quiet. */
  gtk_editable_set_text (GTK_EDITABLE (find_row (root, "Registered capital")), "0");
  g_assert_cmpstr (row_problem (find_row (root, "Registered capital")), ==,
                   "Enter a number no less than 1");
  g_assert_null (row_problem (find_row (root, "Company name")));

  /* Validated, all of them. */
  problems = tb_form_view_validate (view);
  g_assert_cmpuint (problems->len, >=, 5);
  g_assert_cmpstr (row_problem (find_row (root, "Company name")), ==, "This field is required");
  g_assert_cmpstr (row_problem (find_row (root, "Business scope")), ==, "This field is required");

  /* New values start quiet again. */
  tb_form_view_set_values (view, NULL);
  {
    g_autoptr(JsonObject) empty = json_object_new ();

    tb_form_view_set_values (view, empty);
  }
  g_assert_null (row_problem (find_row (root, "Company name")));

  tb_form_view_set_problems_after_edit (view, FALSE);
  g_assert_cmpuint (notifies, ==, 2);
  g_assert_cmpstr (row_problem (find_row (root, "Company name")), ==, "This field is required");

  destroy_form (view);
}

/* A bad ID number typed in is marked at once with the reason, and cleared once right. */
static void
test_inline_validation (Fixture       *fixture,
                        gconstpointer  data)
{
  const char * const editable[] = { "legal_rep_id_number", NULL };
  TbFormView *view = show_form (fixture, fixture->licence, licence_values, editable, 600);
  GtkWidget *root = GTK_WIDGET (view);
  GtkWidget *row = find_row (root, "Resident ID card number");
  g_autoptr(JsonObject) edited = NULL;
  Reveals reveals = { 0, };
  guint changes = 0;

  g_signal_connect (view, "changed", G_CALLBACK (count_signal), &changes);
  g_signal_connect (view, "reveal", G_CALLBACK (on_reveal), &reveals);

  /* Sensitive: masked, even for editing, until revealed. */
  g_assert_false (ADW_IS_ENTRY_ROW (row));
  g_assert_cmpstr (row_value (row), ==, "110105********002X");
  click (find_button (row, "view-reveal-symbolic"));
  g_assert_cmpuint (reveals.count, ==, 1);
  g_assert_cmpstr (reveals.field_id, ==, "legal_rep_id_number");

  row = find_row (root, "Resident ID card number");
  g_assert_true (ADW_IS_ENTRY_ROW (row));
  g_assert_true (entry_has_focus (row));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (row)), ==, "11010519491231002X");
  g_assert_null (row_problem (row));
  g_assert_false (tb_form_view_get_modified (view));

  /* One wrong digit: the check character no longer fits. */
  gtk_editable_set_text (GTK_EDITABLE (row), "110105194912310021");
  g_assert_nonnull (row_problem (row));
  g_assert_nonnull (strstr (row_problem (row), "check"));
  g_assert_true (gtk_widget_has_css_class (row, "error"));
  g_assert_true (tb_form_view_get_modified (view));
  gtk_editable_set_text (GTK_EDITABLE (row), "11010519491231");
  g_assert_nonnull (row_problem (row));
  gtk_editable_set_text (GTK_EDITABLE (row), "");
  g_assert_cmpstr (row_problem (row), ==, "This field is required");

  /* Put right. */
  gtk_editable_set_text (GTK_EDITABLE (row), "110101199003074477");
  g_assert_null (row_problem (row));
  g_assert_false (gtk_widget_has_css_class (row, "error"));
  g_assert_cmpuint (changes, >=, 4);

  edited = tb_form_view_dup_values (view);
  g_assert_cmpstr (json_object_get_string_member (edited, "legal_rep_id_number"), ==,
                   "110101199003074477");
  g_assert_true (tb_form_view_get_modified (view));

  /* Typing the value set back is no modification. */
  gtk_editable_set_text (GTK_EDITABLE (row), "11010519491231002X");
  g_assert_false (tb_form_view_get_modified (view));

  g_assert_cmpuint (reveals.count, ==, 1);
  reveals_clear (&reveals);
  destroy_form (view);
}

static void
test_reveal (Fixture       *fixture,
             gconstpointer  data)
{
  const char * const editable[] = { "company_name", NULL };
  TbFormView *view = show_form (fixture, fixture->licence, licence_values, NULL, 600);
  GtkWidget *root = GTK_WIDGET (view);
  GtkWidget *row = find_row (root, "Mobile phone");
  GtkWidget *button = find_button (row, "view-reveal-symbolic");
  GtkWidget *expander;
  GtkWidget *cell;
  g_autoptr(JsonObject) values = NULL;
  Reveals reveals = { 0, };

  g_signal_connect (view, "reveal", G_CALLBACK (on_reveal), &reveals);

  /* Masked until revealed; the full value is nowhere in the widgets. */
  g_assert_cmpstr (row_value (row), ==, "138****5678");
  g_assert_nonnull (button);
  gtk_test_accessible_assert_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                       "Show Mobile phone");
  gtk_test_accessible_assert_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                       "138****5678");

  click (button);
  g_assert_cmpuint (reveals.count, ==, 1);
  g_assert_cmpstr (reveals.field_id, ==, "legal_rep_phone");
  g_assert_cmpint (reveals.row, ==, -1);
  g_assert_null (reveals.column_id);
  g_assert_cmpstr (row_value (row), ==, "13812345678");
  g_assert_false (gtk_widget_get_visible (button));
  gtk_test_accessible_assert_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                       "13812345678");

  /* Once revealed it stays so, also when the form is built again: nothing more recorded. */
  tb_form_view_set_editable_fields (view, editable);
  row = find_row (root, "Mobile phone");
  g_assert_cmpstr (row_value (row), ==, "13812345678");
  g_assert_null (find_button (row, "view-reveal-symbolic"));
  tb_form_view_set_editable_fields (view, NULL);
  g_assert_cmpuint (reveals.count, ==, 1);

  /* A sensitive table column is revealed cell by cell. */
  expander = find_row (root, "Row 2");
  cell = find_row (expander, "ID card number");
  g_assert_cmpstr (row_value (cell), ==, "110105********002X");
  click (find_button (cell, "view-reveal-symbolic"));
  g_assert_cmpuint (reveals.count, ==, 2);
  g_assert_cmpstr (reveals.field_id, ==, "shareholders");
  g_assert_cmpint (reveals.row, ==, 1);
  g_assert_cmpstr (reveals.column_id, ==, "id_number");
  g_assert_cmpstr (row_value (cell), ==, "11010519491231002X");
  g_assert_cmpstr (row_value (find_row (find_row (root, "Row 1"), "ID card number")), ==,
                   "110105********002X");

  /* New values are masked again. */
  values = parse_object (licence_values);
  json_object_set_string_member (values, "legal_rep_phone", "13912345678");
  tb_form_view_set_values (view, values);
  g_assert_cmpstr (row_value (find_row (root, "Mobile phone")), ==, "139****5678");

  reveals_clear (&reveals);
  destroy_form (view);
}

typedef struct
{
  guint       count;
  char       *field_id;
  int         index;
  char       *name;
  gboolean    save;
} Activations;

static void
on_attachment_activated (TbFormView  *view,
                         const char  *field_id,
                         int          index,
                         JsonObject  *attachment,
                         gboolean     save,
                         Activations *activations)
{
  activations->count++;
  g_free (activations->field_id);
  g_free (activations->name);
  activations->field_id = g_strdup (field_id);
  activations->index = index;
  activations->name = g_strdup (json_object_get_string_member (attachment, "name"));
  activations->save = save;
}

static void
test_attachments (Fixture       *fixture,
                  gconstpointer  data)
{
  TbFormView *view = show_form (fixture, fixture->licence, licence_values, NULL, 600);
  GtkWidget *root = GTK_WIDGET (view);
  GtkWidget *row = find_row (root, "公司章程.pdf");
  GtkWidget *open = find_button (row, "document-open-symbolic");
  GtkWidget *save = find_button (row, "document-save-symbolic");
  Activations activations = { 0, };

  g_signal_connect (view, "attachment-activated", G_CALLBACK (on_attachment_activated),
                    &activations);

  g_assert_cmpstr (row_value (find_row (root, "Scanned materials")), ==, NULL);
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), ==,
                   "1.3\u00a0MB · PDF document");
  gtk_test_accessible_assert_property (GTK_ACCESSIBLE (open), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                       "Open 公司章程.pdf");
  gtk_test_accessible_assert_property (GTK_ACCESSIBLE (save), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                       "Save 公司章程.pdf");

  click (open);
  g_assert_cmpuint (activations.count, ==, 1);
  g_assert_cmpstr (activations.field_id, ==, "attachments");
  g_assert_cmpint (activations.index, ==, 1);
  g_assert_cmpstr (activations.name, ==, "公司章程.pdf");
  g_assert_false (activations.save);

  click (save);
  g_assert_cmpuint (activations.count, ==, 2);
  g_assert_true (activations.save);

  /* Activating the row opens the file (the button is pressed for a moment first). */
  adw_action_row_activate (ADW_ACTION_ROW (find_row (root, "住所（经营场所）使用证明.jpg")));
  tb_test_ui_spin (400);
  g_assert_cmpuint (activations.count, ==, 3);
  g_assert_cmpint (activations.index, ==, 4);
  g_assert_false (activations.save);

  /* The materials checklist: each required material found among the files by its name. */
  g_assert_cmpstr (subtitle (root, "Articles of association"), ==, "公司章程.pdf");
  g_assert_cmpstr (subtitle (root, "Proof of use of the registered address"), ==,
                   "住所（经营场所）使用证明.jpg");
  g_assert_cmpstr (subtitle (root, OPTIONAL_MATERIAL), ==, "Not provided, optional");

  g_free (activations.field_id);
  g_free (activations.name);
  destroy_form (view);
}

/* An explicit "material" member links a file to a material whatever its name. */
static void
test_materials_linked (Fixture       *fixture,
                       gconstpointer  data)
{
  TbFormView *view = show_form (fixture, fixture->licence,
                                "{ \"attachments\": ["
                                "  { \"name\": \"scan-0001.pdf\", \"material\": \"articles\" },"
                                "  { \"name\": \"公司章程.pdf\", \"material\": \"address_proof\" }"
                                "] }", NULL, 600);
  GtkWidget *root = GTK_WIDGET (view);

  g_assert_cmpstr (subtitle (root, "Articles of association"), ==, "scan-0001.pdf");
  g_assert_cmpstr (subtitle (root, "Proof of use of the registered address"), ==, "公司章程.pdf");

  destroy_form (view);
}

static void
test_screenshots (Fixture       *fixture,
                  gconstpointer  data)
{
  const char *language = data;
  const char * const editable[] = {
    "company_name", "company_type", "registered_capital", "business_scope", "declaration",
    "legal_rep_id_number", "shareholders", NULL
  };
  gboolean zh = g_strcmp0 (language, "zh_CN") == 0;
  TbFormView *view;
  GtkWidget *root;
  g_autofree char *read_only = g_strdup_printf ("form-view-%s.png", language);
  g_autofree char *edited = g_strdup_printf ("form-view-edit-%s.png", language);
  GtkWidget *row;

  /* GIO keeps the file type descriptions of the first language asked: a process of its own
   * shows them in Chinese. */
  if (zh && !g_test_subprocess ())
    {
      g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDOUT
                                       | G_TEST_SUBPROCESS_INHERIT_STDERR);
      g_test_trap_assert_passed ();
      return;
    }

  view = show_form (fixture, fixture->licence, licence_values, NULL, 700);
  root = GTK_WIDGET (view);

  /* Data in the language of the desk, and the view's own words too. */
  find_row (root, zh ? "企业名称" : "Company name");
  g_assert_cmpstr (row_value (find_row (root, zh ? "统一社会信用代码" : "Unified social credit code")),
                   ==, zh ? "未填写" : "Not filled in");
  find_row (root, zh ? "第 1 行" : "Row 1");
  g_assert_cmpstr (row_value (find_row (root, zh ? "营业期限" : "Term of operation")), ==,
                   zh ? "长期" : "Unlimited");
  g_assert_cmpstr (subtitle (root, "公司章程.pdf"), ==,
                   zh ? "1.3\u00a0MB · PDF 文档" : "1.3\u00a0MB · PDF document");
  row = find_row (root, zh ? "移动电话" : "Mobile phone");
  gtk_test_accessible_assert_property (GTK_ACCESSIBLE (find_button (row, "view-reveal-symbolic")),
                                       GTK_ACCESSIBLE_PROPERTY_LABEL,
                                       zh ? "显示移动电话" : "Show Mobile phone");
  assert_controls_labelled (root);
  save_screenshot (view, read_only);

  /* Editable, with a revealed value and problems. */
  tb_form_view_set_editable_fields (view, editable);
  row = find_row (root, zh ? "居民身份证号码" : "Resident ID card number");
  click (find_button (row, "view-reveal-symbolic"));
  row = find_row (root, zh ? "居民身份证号码" : "Resident ID card number");
  gtk_editable_set_text (GTK_EDITABLE (row), "110105194912310021");
  g_assert_nonnull (row_problem (row));
  row = find_row (root, zh ? "注册资本" : "Registered capital");
  gtk_editable_set_text (GTK_EDITABLE (row), "0");
  g_assert_cmpstr (row_problem (row), ==, zh ? "请输入不小于 1 的数" : "Enter a number no less than 1");
  click (find_button (find_row (root, zh ? "股东" : "Shareholders"),
                                    "list-add-symbolic"));
  assert_controls_labelled (root);
  save_screenshot (view, edited);

  destroy_form (view);
}

int
main (int   argc,
      char *argv[])
{
  tb_test_ui_init (&argc, &argv);

  g_test_add ("/form-view/new-destroy", Fixture, "en",
              fixture_set_up, test_new_destroy, fixture_tear_down);
  g_test_add ("/form-view/properties", Fixture, "en",
              fixture_set_up, test_properties, fixture_tear_down);
  g_test_add ("/form-view/render-catalogue", Fixture, "en",
              fixture_set_up, test_render_catalogue, fixture_tear_down);
  g_test_add ("/form-view/read-only", Fixture, "en",
              fixture_set_up, test_read_only, fixture_tear_down);
  g_test_add ("/form-view/edit-every-type", Fixture, "en",
              fixture_set_up, test_edit_every_type, fixture_tear_down);
  g_test_add ("/form-view/edit-multi-choice", Fixture, "en",
              fixture_set_up, test_edit_multi_choice, fixture_tear_down);
  g_test_add ("/form-view/keyboard", Fixture, "en",
              fixture_set_up, test_keyboard, fixture_tear_down);
  g_test_add ("/form-view/invalid-values", Fixture, "en",
              fixture_set_up, test_invalid_values, fixture_tear_down);
  g_test_add ("/form-view/problems-after-edit", Fixture, "en",
              fixture_set_up, test_problems_after_edit, fixture_tear_down);
  g_test_add ("/form-view/inline-validation", Fixture, "en",
              fixture_set_up, test_inline_validation, fixture_tear_down);
  g_test_add ("/form-view/reveal", Fixture, "en",
              fixture_set_up, test_reveal, fixture_tear_down);
  g_test_add ("/form-view/attachments", Fixture, "en",
              fixture_set_up, test_attachments, fixture_tear_down);
  g_test_add ("/form-view/materials-linked", Fixture, "en",
              fixture_set_up, test_materials_linked, fixture_tear_down);
  g_test_add ("/form-view/en/screenshots", Fixture, "en",
              fixture_set_up, test_screenshots, fixture_tear_down);
  g_test_add ("/form-view/zh_CN/screenshots", Fixture, "zh_CN",
              fixture_set_up, test_screenshots, fixture_tear_down);

  return g_test_run ();
}
