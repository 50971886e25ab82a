/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-form-view.c: an application form, read-only or partly editable, with its materials */

#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "tb-form-view.h"
#include "tb-ui-resources.h"

/*
 * Each section is an AdwPreferencesGroup holding one boxed GtkListBox of our own rather than
 * the group's rows: table rows come and go in the middle of a section, and only a list box
 * inserts at a position. Every value shown is a Cell: a top-level field (row -1), one table
 * row as a whole (the field is the table), or one column of one table row. A cell has its
 * row, and under it a problem row that shows why its value does not validate.
 */

typedef struct _Cell Cell;

struct _TbFormView
{
  GtkWidget           parent_instance;

  AdwPreferencesPage *page;

  TbService          *service;
  JsonObject         *values;          /* as set; never changed here */
  JsonObject         *edited;          /* the working copy the editors change */
  GStrv               editable_fields;
  gboolean            modified;

  GPtrArray          *groups;          /* the AdwPreferencesGroups on the page */
  GPtrArray          *cells;           /* (element-type Cell) */
  GHashTable         *revealed;        /* cell keys of sensitive values the user asked to see */
  gboolean            problems_after_edit;
  GHashTable         *touched;         /* ids of the top-level fields edited (or validated) */
  gboolean            can_add_files;
  GtkListBox         *materials_list;  /* (nullable) the rows of the Materials group */
};

struct _Cell
{
  TbFormView        *view;
  const TbFormField *field;        /* the field shown: the top-level one or a table column */
  const TbFormField *top;          /* the top-level field whose value this is part of */
  int                row;          /* the table row, or -1 */
  gboolean           editable;
  gboolean           masked;
  gboolean           updating;     /* the view itself is setting an editor: no user edit */

  GtkListBox        *list;         /* the list the rows are in, or NULL inside an expander */
  AdwExpanderRow    *expander;     /* the table row a column cell is in, or NULL */
  GtkWidget         *row_widget;   /* the row showing the value */
  GtkWidget         *editor;       /* what takes the focus to edit, or NULL */
  GtkWidget         *value_label;  /* the value of a read-only row */
  GtkWidget         *count_label;  /* the number of table rows or files */
  GtkWidget         *problem_row;
  GtkWidget         *problem_label;
  GPtrArray         *checks;       /* the option check buttons of a multi-choice */
  GPtrArray         *file_rows;    /* the rows of the files of an attachment field */
};

G_DEFINE_FINAL_TYPE (TbFormView, tb_form_view, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_SERVICE,
  PROP_VALUES,
  PROP_EDITABLE_FIELDS,
  PROP_MODIFIED,
  PROP_PROBLEMS_AFTER_EDIT,
  PROP_CAN_ADD_FILES,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  CHANGED,
  REVEAL,
  ATTACHMENT_ACTIVATED,
  ADD_FILE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* Tables with more rows than this start with their rows collapsed. */
#define MAX_EXPANDED_TABLE_ROWS 5

static void  build_table_rows   (TbFormView        *self,
                                 Cell              *table_cell);
static void  update_problems    (TbFormView        *self,
                                 const TbFormField *top);
static char *table_row_subtitle (const TbFormField *table,
                                 JsonObject        *row);
static void  add_attachment_rows (TbFormView       *self,
                                  Cell             *cell);
static void  fill_materials     (TbFormView        *self);

/* ------------------------------------------------------------------------------------------ */
/* Values                                                                                      */

static JsonObject *
copy_object (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), object);
  g_autofree char *text = json_to_string (node, FALSE);
  g_autoptr(JsonNode) copy = json_from_string (text, NULL);

  /* The text came from a JSON object, so it parses back into one. */
  return json_object_ref (json_node_get_object (copy));
}

static gboolean
objects_equal (JsonObject *a,
               JsonObject *b)
{
  g_autoptr(JsonNode) node_a = NULL;
  g_autoptr(JsonNode) node_b = NULL;

  if (a == NULL || b == NULL)
    return a == b;

  node_a = json_node_init_object (json_node_alloc (), a);
  node_b = json_node_init_object (json_node_alloc (), b);
  return json_node_equal (node_a, node_b);
}

static gboolean
node_is_type (JsonNode *node,
              GType     type)
{
  return node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == type;
}

static gboolean
node_is_number (JsonNode *node)
{
  return node_is_type (node, G_TYPE_INT64) || node_is_type (node, G_TYPE_DOUBLE);
}

static gboolean
node_is_empty (JsonNode *node)
{
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (node_is_type (node, G_TYPE_STRING))
    {
      g_autofree char *text = g_strstrip (g_strdup (json_node_get_string (node)));
      return *text == '\0';
    }
  if (JSON_NODE_HOLDS_ARRAY (node))
    return json_array_get_length (json_node_get_array (node)) == 0;

  return FALSE;
}

/* The row object of table row @row, or NULL if there is none (or it is damaged). */
static JsonObject *
get_table_row (TbFormView        *self,
               const TbFormField *table,
               int                row)
{
  JsonNode *node = json_object_get_member (self->edited, tb_form_field_get_id (table));
  JsonArray *array;
  JsonNode *element;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return NULL;

  array = json_node_get_array (node);
  if (row < 0 || (guint) row >= json_array_get_length (array))
    return NULL;

  element = json_array_get_element (array, row);
  return JSON_NODE_HOLDS_OBJECT (element) ? json_node_get_object (element) : NULL;
}

static JsonNode *
cell_get_node (Cell *cell)
{
  TbFormView *self = cell->view;
  JsonObject *row;

  if (cell->field == cell->top)
    return json_object_get_member (self->edited, tb_form_field_get_id (cell->top));

  row = get_table_row (self, cell->top, cell->row);
  return row != NULL ? json_object_get_member (row, tb_form_field_get_id (cell->field)) : NULL;
}

/* Takes @node; NULL removes the value. */
static void
cell_set_node (Cell     *cell,
               JsonNode *node)
{
  TbFormView *self = cell->view;
  JsonObject *object = self->edited;

  if (cell->field != cell->top)
    object = get_table_row (self, cell->top, cell->row);

  g_return_if_fail (object != NULL);

  if (node != NULL)
    json_object_set_member (object, tb_form_field_get_id (cell->field), node);
  else if (json_object_has_member (object, tb_form_field_get_id (cell->field)))
    json_object_remove_member (object, tb_form_field_get_id (cell->field));
}

static char *
format_number (JsonNode *node)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (node_is_type (node, G_TYPE_INT64))
    return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));

  return g_strdup (g_ascii_formatd (buf, sizeof buf, "%.15g", json_node_get_double (node)));
}

/* The text of a number as typed: a JSON number if it is one, else the text itself, which
 * validation then refuses. */
static JsonNode *
parse_number (const char *text)
{
  g_autofree char *trimmed = g_strstrip (g_strdup (text));
  char *end = NULL;
  gint64 integer;
  double value;

  if (*trimmed == '\0')
    return NULL;

  errno = 0;
  integer = g_ascii_strtoll (trimmed, &end, 10);
  if (errno == 0 && end != trimmed && *end == '\0')
    return json_node_init_int (json_node_alloc (), integer);

  value = g_ascii_strtod (trimmed, &end);
  if (end != trimmed && *end == '\0' && isfinite (value))
    return json_node_init_double (json_node_alloc (), value);

  return json_node_init_string (json_node_alloc (), text);
}

static const char *
option_label (const TbFormField *field,
              const char        *value)
{
  for (guint i = 0; i < tb_form_field_get_n_options (field); i++)
    if (g_strcmp0 (tb_form_field_get_option_value (field, i), value) == 0)
      return tb_form_field_get_option_label (field, i, NULL);

  return value;
}

/* The value as one line of text for reading, or NULL when it is not filled in. */
static char *
format_value (const TbFormField *field,
              JsonNode          *node)
{
  if (node_is_empty (node))
    return NULL;

  switch (tb_form_field_get_field_type (field))
    {
    case TB_FIELD_NUMBER:
      if (node_is_number (node))
        {
          g_autofree char *number = format_number (node);
          const char *unit = tb_form_field_get_unit (field);

          return unit != NULL ? g_strdup_printf ("%s %s", number, unit) : g_steal_pointer (&number);
        }
      break;

    case TB_FIELD_CHOICE:
      if (node_is_type (node, G_TYPE_STRING))
        return g_strdup (option_label (field, json_node_get_string (node)));
      break;

    case TB_FIELD_MULTI_CHOICE:
      if (JSON_NODE_HOLDS_ARRAY (node))
        {
          JsonArray *array = json_node_get_array (node);
          GString *text = g_string_new (NULL);

          for (guint i = 0; i < json_array_get_length (array); i++)
            {
              JsonNode *element = json_array_get_element (array, i);

              if (i > 0)
                /* Translators: between the options chosen of a multiple choice */
                g_string_append (text, _(", "));
              if (node_is_type (element, G_TYPE_STRING))
                g_string_append (text, option_label (field, json_node_get_string (element)));
              else
                g_string_append (text, "?");
            }
          return g_string_free (text, FALSE);
        }
      break;

    case TB_FIELD_BOOLEAN:
      if (node_is_type (node, G_TYPE_BOOLEAN))
        return g_strdup (json_node_get_boolean (node) ? _("Yes") : _("No"));
      break;

    case TB_FIELD_TABLE:
    case TB_FIELD_ATTACHMENT:
      break;

    case TB_FIELD_TEXT:
    case TB_FIELD_MULTILINE:
    case TB_FIELD_DATE:
    case TB_FIELD_ID_NUMBER:
    case TB_FIELD_PHONE:
    case TB_FIELD_ADDRESS:
    default:
      if (node_is_type (node, G_TYPE_STRING))
        return g_strdup (json_node_get_string (node));
      break;
    }

  /* A value of the wrong type: shown as it is, and marked by validation. */
  return json_to_string (node, FALSE);
}

/* The text an editor starts with. */
static char *
editor_text (const TbFormField *field,
             JsonNode          *node)
{
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return g_strdup ("");
  if (node_is_type (node, G_TYPE_STRING))
    return g_strdup (json_node_get_string (node));
  if (node_is_number (node) && tb_form_field_get_field_type (field) == TB_FIELD_NUMBER)
    return format_number (node);

  return json_to_string (node, FALSE);
}

static void
update_modified (TbFormView *self)
{
  gboolean modified;

  if (self->values != NULL)
    modified = !objects_equal (self->values, self->edited);
  else
    modified = json_object_get_size (self->edited) > 0;

  if (modified == self->modified)
    return;

  self->modified = modified;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODIFIED]);
}

/* From now on @top shows its problems, whatever TbFormView:problems-after-edit says. */
static void
touch (TbFormView        *self,
       const TbFormField *top)
{
  g_hash_table_add (self->touched, g_strdup (tb_form_field_get_id (top)));
}

static void
value_edited (Cell *cell)
{
  TbFormView *self = cell->view;

  touch (self, cell->top);
  update_problems (self, cell->top);
  update_modified (self);
  g_signal_emit (self, signals[CHANGED], 0);
}

/* ------------------------------------------------------------------------------------------ */
/* Cells                                                                                       */

static Cell *
cell_new (TbFormView        *self,
          const TbFormField *field,
          const TbFormField *top,
          int                row)
{
  Cell *cell = g_new0 (Cell, 1);

  cell->view = self;
  cell->field = field;
  cell->top = top;
  cell->row = row;
  g_ptr_array_add (self->cells, cell);

  return cell;
}

static void
cell_free (Cell *cell)
{
  g_clear_pointer (&cell->checks, g_ptr_array_unref);
  g_clear_pointer (&cell->file_rows, g_ptr_array_unref);
  g_free (cell);
}

/* Identifies a value across rebuilds, for remembering what was revealed. */
static char *
cell_key (Cell *cell)
{
  return g_strdup_printf ("%s/%d/%s", tb_form_field_get_id (cell->top), cell->row,
                          cell->field != cell->top ? tb_form_field_get_id (cell->field) : "");
}

static gboolean
is_editable (TbFormView        *self,
             const TbFormField *top)
{
  TbFieldType type = tb_form_field_get_field_type (top);

  if (self->editable_fields == NULL
      || !g_strv_contains ((const char * const *) self->editable_fields,
                           tb_form_field_get_id (top)))
    return FALSE;

  /* Files are the applicant's: the desk adds them only where it can keep them (at the
   * counter, see TbFormView:can-add-files). */
  return type != TB_FIELD_ATTACHMENT || self->can_add_files;
}

/* Sensitive values stay masked until revealed; tables and attachments are never masked
 * themselves, their sensitive columns are. */
static gboolean
cell_starts_masked (Cell *cell)
{
  TbFieldType type = tb_form_field_get_field_type (cell->field);
  g_autofree char *key = NULL;

  if (!tb_form_field_get_sensitive (cell->field) || type == TB_FIELD_TABLE
      || type == TB_FIELD_ATTACHMENT || node_is_empty (cell_get_node (cell)))
    return FALSE;

  key = cell_key (cell);
  return !g_hash_table_contains (cell->view->revealed, key);
}

static Cell *
find_cell (TbFormView *self,
           const char *key)
{
  for (guint i = 0; i < self->cells->len; i++)
    {
      Cell *cell = g_ptr_array_index (self->cells, i);
      g_autofree char *cell_key_text = cell_key (cell);

      if (strcmp (cell_key_text, key) == 0)
        return cell;
    }

  return NULL;
}

static void
prepare_row (GtkWidget  *row,
             const char *title)
{
  /* Labels and values come from the data: never markup. */
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
}

static GtkWidget *
new_icon_button (const char *icon_name,
                 const char *tooltip,
                 const char *accessible_label)
{
  GtkWidget *button = gtk_button_new_from_icon_name (icon_name);

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (button, tooltip);
  gtk_widget_add_css_class (button, "flat");
  gtk_accessible_update_property (GTK_ACCESSIBLE (button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, accessible_label,
                                  -1);
  return button;
}

static GtkWidget *
new_value_label (void)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  /* Ask for the width of the whole value: wrap only what does not fit. */
  gtk_label_set_natural_wrap_mode (GTK_LABEL (label), GTK_NATURAL_WRAP_NONE);
  gtk_label_set_xalign (GTK_LABEL (label), 1.0);
  gtk_label_set_justify (GTK_LABEL (label), GTK_JUSTIFY_RIGHT);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 36);
  /* Values can be copied with the mouse; the keyboard moves between rows, not labels. Not
   * focusable is not enough: a selectable label would still swallow Tab. */
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  gtk_widget_set_can_focus (label, FALSE);
  gtk_widget_set_valign (label, GTK_ALIGN_CENTER);
  return label;
}

static void
set_value_text (Cell       *cell,
                const char *text)
{
  GtkLabel *label = GTK_LABEL (cell->value_label);

  if (text != NULL)
    {
      gtk_label_set_text (label, text);
      gtk_widget_remove_css_class (cell->value_label, "dim-label");
    }
  else
    {
      gtk_label_set_text (label, _("Not filled in"));
      gtk_widget_add_css_class (cell->value_label, "dim-label");
    }

  /* The row, not the label, takes the focus: it says what the value is. */
  gtk_accessible_update_property (GTK_ACCESSIBLE (cell->row_widget),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  gtk_label_get_text (label),
                                  -1);
}

static GtkWidget *build_value_row (Cell *cell);

static void
focus_cell (Cell *cell)
{
  gtk_widget_grab_focus (cell->editor != NULL ? cell->editor : cell->row_widget);
}

static void
on_reveal_clicked (GtkButton *button,
                   Cell      *cell)
{
  TbFormView *self = cell->view;
  g_autofree char *key = cell_key (cell);
  g_autofree char *text = NULL;

  g_hash_table_add (self->revealed, g_strdup (key));
  cell->masked = FALSE;
  g_signal_emit (self, signals[REVEAL], 0, tb_form_field_get_id (cell->top), cell->row,
                 cell->field != cell->top ? tb_form_field_get_id (cell->field) : NULL);

  if (!cell->editable)
    {
      text = format_value (cell->field, cell_get_node (cell));
      set_value_text (cell, text);
      gtk_widget_set_visible (GTK_WIDGET (button), FALSE);
      gtk_widget_grab_focus (cell->row_widget);
      return;
    }

  /* An editable value gets its editor in place of the masked row. */
  if (cell->expander != NULL)
    {
      Cell *table_cell = NULL;

      for (guint i = 0; i < self->cells->len && table_cell == NULL; i++)
        {
          Cell *other = g_ptr_array_index (self->cells, i);

          if (other->field == cell->top && other->row == -1)
            table_cell = other;
        }
      g_return_if_fail (table_cell != NULL);

      /* Frees @cell; find the new one by its key. */
      build_table_rows (self, table_cell);
      cell = find_cell (self, key);
      g_return_if_fail (cell != NULL);
    }
  else
    {
      GtkWidget *old_row = cell->row_widget;
      int position = gtk_list_box_row_get_index (GTK_LIST_BOX_ROW (old_row));

      cell->value_label = NULL;
      cell->row_widget = build_value_row (cell);
      gtk_list_box_insert (cell->list, cell->row_widget, position);
      gtk_list_box_remove (cell->list, old_row);
      update_problems (self, cell->top);
    }

  focus_cell (cell);
}

/* A row that only shows the value (masked, for a sensitive one, until revealed). */
static GtkWidget *
build_display_row (Cell *cell)
{
  const char *label = tb_form_field_get_label (cell->field);
  const char *help = tb_form_field_get_help (cell->field);
  g_autofree char *text = format_value (cell->field, cell_get_node (cell));
  g_autofree char *masked = NULL;
  GtkWidget *row = adw_action_row_new ();

  prepare_row (row, label);
  adw_action_row_set_title_lines (ADW_ACTION_ROW (row), 0);
  if (help != NULL)
    gtk_widget_set_tooltip_text (row, help);
  cell->row_widget = row;
  cell->editor = NULL;

  cell->value_label = new_value_label ();
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), cell->value_label);
  if (tb_form_field_get_field_type (cell->field) == TB_FIELD_MULTILINE)
    {
      gtk_label_set_max_width_chars (GTK_LABEL (cell->value_label), 48);
      gtk_label_set_xalign (GTK_LABEL (cell->value_label), 0.0);
      gtk_label_set_justify (GTK_LABEL (cell->value_label), GTK_JUSTIFY_LEFT);
    }

  if (cell->masked)
    {
      g_autofree char *button_label = NULL;
      GtkWidget *button;

      masked = tb_form_field_mask_value (cell->field, text);
      set_value_text (cell, masked);

      /* Translators: the accessible name of the button that shows a masked value; %s is
       * the field, e.g. "Show ID card number" */
      button_label = g_strdup_printf (_("Show %s"), label);
      button = new_icon_button ("view-reveal-symbolic", _("Show"), button_label);
      g_signal_connect (button, "clicked", G_CALLBACK (on_reveal_clicked), cell);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
    }
  else
    {
      set_value_text (cell, text);
    }

  return row;
}

static void
on_entry_changed (GtkEditable *editable,
                  Cell        *cell)
{
  const char *text = gtk_editable_get_text (editable);
  TbFieldType type = tb_form_field_get_field_type (cell->field);
  JsonNode *node;

  if (cell->updating)
    return;

  if (type == TB_FIELD_NUMBER)
    node = parse_number (text);
  else if (*text == '\0')
    node = NULL;
  else
    node = json_node_init_string (json_node_alloc (), text);

  cell_set_node (cell, node);

  /* A table row is named after its first column. */
  if (cell->expander != NULL && tb_form_field_get_column (cell->top, 0) == cell->field)
    {
      g_autofree char *subtitle = table_row_subtitle (cell->top, get_table_row (cell->view,
                                                                                cell->top,
                                                                                cell->row));

      adw_expander_row_set_subtitle (cell->expander, subtitle != NULL ? subtitle : "");
    }

  value_edited (cell);
}

static void
on_day_selected (GtkCalendar *calendar,
                 Cell        *cell)
{
  g_autoptr(GDateTime) date = gtk_calendar_get_date (calendar);
  g_autofree char *iso = g_date_time_format (date, "%Y-%m-%d");
  GtkWidget *popover = gtk_widget_get_ancestor (GTK_WIDGET (calendar), GTK_TYPE_POPOVER);

  if (cell->updating)
    return;

  gtk_editable_set_text (GTK_EDITABLE (cell->row_widget), iso);
  if (popover != NULL)
    gtk_popover_popdown (GTK_POPOVER (popover));
}

static void
on_date_popover_show (GtkPopover *popover,
                      Cell       *cell)
{
  GtkCalendar *calendar = GTK_CALENDAR (gtk_popover_get_child (popover));
  const char *text = gtk_editable_get_text (GTK_EDITABLE (cell->row_widget));
  int year, month, day;

  /* Open on the date typed, if it is one. */
  if (sscanf (text, "%4d-%2d-%2d", &year, &month, &day) == 3
      && g_date_valid_dmy (day, month, year))
    {
      g_autoptr(GDateTime) date = g_date_time_new_local (year, month, day, 0, 0, 0);

      cell->updating = TRUE;
      gtk_calendar_select_day (calendar, date);
      cell->updating = FALSE;
    }
}

static GtkWidget *
build_entry_row (Cell *cell)
{
  const TbFormField *field = cell->field;
  g_autofree char *text = editor_text (field, cell_get_node (cell));
  GtkWidget *row = adw_entry_row_new ();
  GtkEditable *delegate;

  prepare_row (row, tb_form_field_get_label (field));
  if (tb_form_field_get_help (field) != NULL)
    gtk_widget_set_tooltip_text (row, tb_form_field_get_help (field));
  cell->row_widget = row;
  cell->editor = row;

  switch (tb_form_field_get_field_type (field))
    {
    case TB_FIELD_NUMBER:
      adw_entry_row_set_input_purpose (ADW_ENTRY_ROW (row), GTK_INPUT_PURPOSE_NUMBER);
      if (tb_form_field_get_unit (field) != NULL)
        {
          GtkWidget *unit = gtk_label_new (tb_form_field_get_unit (field));

          gtk_widget_add_css_class (unit, "dim-label");
          adw_entry_row_add_suffix (ADW_ENTRY_ROW (row), unit);
        }
      break;

    case TB_FIELD_PHONE:
      adw_entry_row_set_input_purpose (ADW_ENTRY_ROW (row), GTK_INPUT_PURPOSE_PHONE);
      break;

    case TB_FIELD_DATE:
      {
        GtkWidget *button = gtk_menu_button_new ();
        GtkWidget *popover = gtk_popover_new ();
        GtkWidget *calendar = gtk_calendar_new ();

        gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (button), "x-office-calendar-symbolic");
        gtk_widget_set_tooltip_text (button, _("Choose a Date"));
        gtk_accessible_update_property (GTK_ACCESSIBLE (button),
                                        GTK_ACCESSIBLE_PROPERTY_LABEL, _("Choose a Date"),
                                        -1);
        gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
        gtk_widget_add_css_class (button, "flat");
        gtk_popover_set_child (GTK_POPOVER (popover), calendar);
        gtk_menu_button_set_popover (GTK_MENU_BUTTON (button), popover);
        g_signal_connect (popover, "show", G_CALLBACK (on_date_popover_show), cell);
        g_signal_connect (calendar, "day-selected", G_CALLBACK (on_day_selected), cell);
        adw_entry_row_add_suffix (ADW_ENTRY_ROW (row), button);
      }
      break;

    case TB_FIELD_TEXT:
    case TB_FIELD_MULTILINE:
    case TB_FIELD_CHOICE:
    case TB_FIELD_MULTI_CHOICE:
    case TB_FIELD_BOOLEAN:
    case TB_FIELD_ID_NUMBER:
    case TB_FIELD_ADDRESS:
    case TB_FIELD_TABLE:
    case TB_FIELD_ATTACHMENT:
    default:
      break;
    }

  cell->updating = TRUE;
  gtk_editable_set_text (GTK_EDITABLE (row), text);
  cell->updating = FALSE;
  g_signal_connect (row, "changed", G_CALLBACK (on_entry_changed), cell);

  /* The entry itself, not only its row, is named for screen readers. */
  delegate = gtk_editable_get_delegate (GTK_EDITABLE (row));
  if (delegate != NULL)
    gtk_accessible_update_property (GTK_ACCESSIBLE (delegate),
                                    GTK_ACCESSIBLE_PROPERTY_LABEL,
                                    tb_form_field_get_label (field),
                                    -1);

  return row;
}

static void
on_text_buffer_changed (GtkTextBuffer *buffer,
                        Cell          *cell)
{
  GtkTextIter start, end;
  g_autofree char *text = NULL;

  if (cell->updating)
    return;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  cell_set_node (cell, *text != '\0' ? json_node_init_string (json_node_alloc (), text) : NULL);
  value_edited (cell);
}

static GtkWidget *
build_text_view_row (Cell *cell)
{
  const char *label = tb_form_field_get_label (cell->field);
  g_autofree char *text = editor_text (cell->field, cell_get_node (cell));
  GtkWidget *row = adw_preferences_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *title = gtk_label_new (label);
  GtkWidget *frame = gtk_frame_new (NULL);
  GtkWidget *view = gtk_text_view_new ();
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (view));

  prepare_row (row, label);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  /* The text view takes the focus, not the row around it. */
  gtk_widget_set_focusable (row, FALSE);
  if (tb_form_field_get_help (cell->field) != NULL)
    gtk_widget_set_tooltip_text (row, tb_form_field_get_help (cell->field));

  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_widget_set_margin_top (box, 8);
  gtk_widget_set_margin_bottom (box, 12);
  gtk_label_set_xalign (GTK_LABEL (title), 0.0);
  gtk_label_set_wrap (GTK_LABEL (title), TRUE);
  gtk_widget_add_css_class (title, "caption");
  gtk_widget_add_css_class (title, "dim-label");
  gtk_box_append (GTK_BOX (box), title);

  gtk_text_view_set_wrap_mode (GTK_TEXT_VIEW (view), GTK_WRAP_WORD_CHAR);
  /* Tab moves on to the next field, as everywhere else in the form. */
  gtk_text_view_set_accepts_tab (GTK_TEXT_VIEW (view), FALSE);
  gtk_text_view_set_top_margin (GTK_TEXT_VIEW (view), 6);
  gtk_text_view_set_bottom_margin (GTK_TEXT_VIEW (view), 6);
  gtk_text_view_set_left_margin (GTK_TEXT_VIEW (view), 6);
  gtk_text_view_set_right_margin (GTK_TEXT_VIEW (view), 6);
  gtk_widget_set_size_request (view, -1, 72);
  gtk_accessible_update_property (GTK_ACCESSIBLE (view),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                  -1);
  gtk_frame_set_child (GTK_FRAME (frame), view);
  gtk_box_append (GTK_BOX (box), frame);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);

  cell->updating = TRUE;
  gtk_text_buffer_set_text (buffer, text, -1);
  cell->updating = FALSE;
  g_signal_connect (buffer, "changed", G_CALLBACK (on_text_buffer_changed), cell);

  cell->row_widget = row;
  cell->editor = view;
  return row;
}

static void
on_combo_selected (AdwComboRow *row,
                   GParamSpec  *pspec,
                   Cell        *cell)
{
  guint selected = adw_combo_row_get_selected (row);
  guint n_options = tb_form_field_get_n_options (cell->field);

  if (cell->updating)
    return;

  if (selected == 0 || selected == GTK_INVALID_LIST_POSITION)
    cell_set_node (cell, NULL);
  else if (selected <= n_options)
    cell_set_node (cell, json_node_init_string (json_node_alloc (),
                                                tb_form_field_get_option_value (cell->field,
                                                                                selected - 1)));
  else
    return;  /* the unknown value it had: unchanged */

  value_edited (cell);
}

static GtkWidget *
build_combo_row (Cell *cell)
{
  const TbFormField *field = cell->field;
  JsonNode *node = cell_get_node (cell);
  g_autoptr(GtkStringList) model = gtk_string_list_new (NULL);
  guint n_options = tb_form_field_get_n_options (field);
  guint selected = 0;
  GtkWidget *row = adw_combo_row_new ();

  prepare_row (row, tb_form_field_get_label (field));
  if (tb_form_field_get_help (field) != NULL)
    gtk_widget_set_tooltip_text (row, tb_form_field_get_help (field));
  /* Under the label the choice shows in full; beside it, it would be cut short. */
  adw_combo_row_set_use_subtitle (ADW_COMBO_ROW (row), TRUE);

  gtk_string_list_append (model, _("Not chosen"));
  for (guint i = 0; i < n_options; i++)
    {
      gtk_string_list_append (model, tb_form_field_get_option_label (field, i, NULL));
      const char *value = tb_form_field_get_option_value (field, i);

      if (node_is_type (node, G_TYPE_STRING) && g_strcmp0 (json_node_get_string (node), value) == 0)
        selected = i + 1;
    }
  if (selected == 0 && !node_is_empty (node))
    {
      /* A value that is not an option stays visible (and marked) until changed. */
      g_autofree char *text = format_value (field, node);

      gtk_string_list_append (model, text);
      selected = n_options + 1;
    }

  cell->updating = TRUE;
  adw_combo_row_set_model (ADW_COMBO_ROW (row), G_LIST_MODEL (model));
  adw_combo_row_set_selected (ADW_COMBO_ROW (row), selected);
  cell->updating = FALSE;
  g_signal_connect (row, "notify::selected", G_CALLBACK (on_combo_selected), cell);

  cell->row_widget = row;
  cell->editor = row;
  return row;
}

static char *
choices_summary (Cell *cell)
{
  g_autofree char *text = format_value (cell->field, cell_get_node (cell));

  return text != NULL ? g_steal_pointer (&text) : g_strdup (_("None chosen"));
}

static void
on_choice_toggled (GtkCheckButton *check,
                   Cell           *cell)
{
  g_autoptr(JsonArray) array = json_array_new ();
  g_autofree char *summary = NULL;

  if (cell->updating)
    return;

  for (guint i = 0; i < cell->checks->len; i++)
    if (gtk_check_button_get_active (g_ptr_array_index (cell->checks, i)))
      json_array_add_string_element (array, tb_form_field_get_option_value (cell->field, i));

  cell_set_node (cell, json_array_get_length (array) > 0
                       ? json_node_init_array (json_node_alloc (), array) : NULL);
  summary = choices_summary (cell);
  adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (cell->row_widget), summary);
  value_edited (cell);
}

static gboolean
array_has_string (JsonNode   *node,
                  const char *value)
{
  JsonArray *array;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return FALSE;

  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);

      if (node_is_type (element, G_TYPE_STRING)
          && g_strcmp0 (json_node_get_string (element), value) == 0)
        return TRUE;
    }

  return FALSE;
}

static GtkWidget *
build_checks_row (Cell *cell)
{
  const TbFormField *field = cell->field;
  JsonNode *node = cell_get_node (cell);
  g_autofree char *summary = NULL;
  GtkWidget *row = adw_expander_row_new ();

  prepare_row (row, tb_form_field_get_label (field));
  cell->row_widget = row;
  summary = choices_summary (cell);
  adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (row), summary);
  adw_expander_row_set_expanded (ADW_EXPANDER_ROW (row), TRUE);

  cell->checks = g_ptr_array_new ();
  for (guint i = 0; i < tb_form_field_get_n_options (field); i++)
    {
      const char *label = tb_form_field_get_option_label (field, i, NULL);
      GtkWidget *option_row = adw_action_row_new ();
      GtkWidget *check = gtk_check_button_new ();

      prepare_row (option_row, label);
      gtk_widget_set_valign (check, GTK_ALIGN_CENTER);
      gtk_check_button_set_active (GTK_CHECK_BUTTON (check),
                                   array_has_string (node,
                                                     tb_form_field_get_option_value (field, i)));
      gtk_accessible_update_property (GTK_ACCESSIBLE (check),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                      -1);
      g_signal_connect (check, "toggled", G_CALLBACK (on_choice_toggled), cell);
      adw_action_row_add_prefix (ADW_ACTION_ROW (option_row), check);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (option_row), check);
      adw_expander_row_add_row (ADW_EXPANDER_ROW (row), option_row);
      g_ptr_array_add (cell->checks, check);
      if (cell->editor == NULL)
        cell->editor = check;
    }

  return row;
}

static void
on_boolean_toggled (GtkCheckButton *check,
                    Cell           *cell)
{
  if (cell->updating)
    return;

  cell_set_node (cell, json_node_init_boolean (json_node_alloc (),
                                               gtk_check_button_get_active (check)));
  value_edited (cell);
}

static GtkWidget *
build_check_row (Cell *cell)
{
  const char *label = tb_form_field_get_label (cell->field);
  JsonNode *node = cell_get_node (cell);
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *check = gtk_check_button_new ();

  prepare_row (row, label);
  adw_action_row_set_title_lines (ADW_ACTION_ROW (row), 0);
  if (tb_form_field_get_help (cell->field) != NULL)
    gtk_widget_set_tooltip_text (row, tb_form_field_get_help (cell->field));
  gtk_widget_set_valign (check, GTK_ALIGN_CENTER);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (check),
                               node_is_type (node, G_TYPE_BOOLEAN) && json_node_get_boolean (node));
  gtk_accessible_update_property (GTK_ACCESSIBLE (check),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                  -1);
  g_signal_connect (check, "toggled", G_CALLBACK (on_boolean_toggled), cell);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), check);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), check);

  cell->row_widget = row;
  cell->editor = check;
  return row;
}

/* The row of a cell that is not a table or attachment list. */
static GtkWidget *
build_value_row (Cell *cell)
{
  cell->editor = NULL;
  cell->value_label = NULL;
  g_clear_pointer (&cell->checks, g_ptr_array_unref);

  if (cell->masked || !cell->editable)
    return build_display_row (cell);

  switch (tb_form_field_get_field_type (cell->field))
    {
    case TB_FIELD_TEXT:
    case TB_FIELD_NUMBER:
    case TB_FIELD_DATE:
    case TB_FIELD_ID_NUMBER:
    case TB_FIELD_PHONE:
    case TB_FIELD_ADDRESS:
      return build_entry_row (cell);
    case TB_FIELD_MULTILINE:
      return build_text_view_row (cell);
    case TB_FIELD_CHOICE:
      return build_combo_row (cell);
    case TB_FIELD_MULTI_CHOICE:
      return build_checks_row (cell);
    case TB_FIELD_BOOLEAN:
      return build_check_row (cell);
    case TB_FIELD_TABLE:
    case TB_FIELD_ATTACHMENT:
    default:
      return build_display_row (cell);
    }
}

static GtkWidget *
build_problem_row (Cell *cell)
{
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
  GtkWidget *icon = gtk_image_new_from_icon_name ("dialog-warning-symbolic");

  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  gtk_widget_set_focusable (row, FALSE);
  gtk_widget_set_visible (row, FALSE);
  gtk_widget_add_css_class (row, "tb-form-problem");
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_widget_set_margin_top (box, 8);
  gtk_widget_set_margin_bottom (box, 8);
  gtk_widget_add_css_class (box, "error");
  gtk_accessible_update_property (GTK_ACCESSIBLE (icon),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Problem"),
                                  -1);
  gtk_box_append (GTK_BOX (box), icon);

  cell->problem_label = gtk_label_new (NULL);
  gtk_label_set_wrap (GTK_LABEL (cell->problem_label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (cell->problem_label), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_xalign (GTK_LABEL (cell->problem_label), 0.0);
  gtk_widget_set_hexpand (cell->problem_label, TRUE);
  gtk_box_append (GTK_BOX (box), cell->problem_label);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);

  cell->problem_row = row;
  return row;
}

static void
set_cell_problem (Cell       *cell,
                  const char *message)
{
  gboolean invalid = message != NULL;

  if (cell->problem_row == NULL)
    return;

  gtk_label_set_text (GTK_LABEL (cell->problem_label), invalid ? message : "");
  gtk_widget_set_visible (cell->problem_row, invalid);

  if (ADW_IS_ENTRY_ROW (cell->row_widget))
    {
      if (invalid)
        gtk_widget_add_css_class (cell->row_widget, "error");
      else
        gtk_widget_remove_css_class (cell->row_widget, "error");
    }

  gtk_accessible_update_state (GTK_ACCESSIBLE (cell->editor != NULL ? cell->editor
                                                                    : cell->row_widget),
                               GTK_ACCESSIBLE_STATE_INVALID,
                               invalid ? GTK_ACCESSIBLE_INVALID_TRUE : GTK_ACCESSIBLE_INVALID_FALSE,
                               -1);
  if (invalid)
    gtk_accessible_update_relation (GTK_ACCESSIBLE (cell->row_widget),
                                    GTK_ACCESSIBLE_RELATION_ERROR_MESSAGE,
                                    cell->problem_label,
                                    -1);
  else
    gtk_accessible_reset_relation (GTK_ACCESSIBLE (cell->row_widget),
                                   GTK_ACCESSIBLE_RELATION_ERROR_MESSAGE);
}

/* Shows the reasons the value of @top does not validate beside the cells they concern. */
static void
update_problems (TbFormView        *self,
                 const TbFormField *top)
{
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (
      (GDestroyNotify) tb_form_problem_free);

  /* A blank field of a new form is no mistake until the user has been there. */
  if (!self->problems_after_edit
      || g_hash_table_contains (self->touched, tb_form_field_get_id (top)))
    tb_form_field_validate (top,
                            json_object_get_member (self->edited, tb_form_field_get_id (top)),
                            problems);

  for (guint i = 0; i < self->cells->len; i++)
    {
      Cell *cell = g_ptr_array_index (self->cells, i);
      const char *column_id = cell->field != cell->top ? tb_form_field_get_id (cell->field) : NULL;
      g_autoptr(GString) message = NULL;

      if (cell->top != top)
        continue;

      for (guint j = 0; j < problems->len; j++)
        {
          TbFormProblem *problem = g_ptr_array_index (problems, j);

          if (problem->row != cell->row || g_strcmp0 (problem->column_id, column_id) != 0)
            continue;
          if (message == NULL)
            message = g_string_new (problem->message);
          else
            g_string_append_printf (message, "\n%s", problem->message);
        }

      set_cell_problem (cell, message != NULL ? message->str : NULL);

      /* A problem in a collapsed table row is not to be missed. */
      if (message != NULL && cell->expander != NULL)
        adw_expander_row_set_expanded (cell->expander, TRUE);
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Tables                                                                                      */

static guint
count_elements (JsonNode *node)
{
  return node != NULL && JSON_NODE_HOLDS_ARRAY (node)
         ? json_array_get_length (json_node_get_array (node)) : 0;
}

static void
update_count_label (Cell *cell)
{
  guint n = count_elements (cell_get_node (cell));
  g_autofree char *text = NULL;

  if (tb_form_field_get_field_type (cell->field) == TB_FIELD_TABLE)
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u row", "%u rows", n), n);
  else
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u file", "%u files", n), n);

  gtk_label_set_text (GTK_LABEL (cell->count_label), text);
  gtk_accessible_update_property (GTK_ACCESSIBLE (cell->row_widget),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text,
                                  -1);
}

/* What a table row is called besides its number: the first column, if it is plain text. */
static char *
table_row_subtitle (const TbFormField *table,
                    JsonObject        *row)
{
  const TbFormField *first = tb_form_field_get_column (table, 0);
  JsonNode *node;

  if (row == NULL || first == NULL || tb_form_field_get_sensitive (first)
      || tb_form_field_get_field_type (first) != TB_FIELD_TEXT)
    return NULL;

  node = json_object_get_member (row, tb_form_field_get_id (first));
  return node_is_type (node, G_TYPE_STRING) ? g_strdup (json_node_get_string (node)) : NULL;
}

static Cell *
find_table_cell (TbFormView        *self,
                 const TbFormField *table)
{
  for (guint i = 0; i < self->cells->len; i++)
    {
      Cell *cell = g_ptr_array_index (self->cells, i);

      if (cell->field == table && cell->row == -1)
        return cell;
    }

  return NULL;
}

static void
forget_revealed_rows (TbFormView        *self,
                      const TbFormField *table)
{
  g_autofree char *prefix = g_strdup_printf ("%s/", tb_form_field_get_id (table));
  GHashTableIter iter;
  const char *key;

  /* Row numbers shift: what was seen in one row must not show in another. */
  g_hash_table_iter_init (&iter, self->revealed);
  while (g_hash_table_iter_next (&iter, (gpointer *) &key, NULL))
    if (g_str_has_prefix (key, prefix))
      g_hash_table_iter_remove (&iter);
}

static void
on_remove_row_clicked (GtkButton *button,
                       Cell      *row_cell)
{
  TbFormView *self = row_cell->view;
  const TbFormField *table = row_cell->top;
  JsonNode *node = json_object_get_member (self->edited, tb_form_field_get_id (table));
  int row = row_cell->row;
  Cell *table_cell = find_table_cell (self, table);
  guint n_rows;

  g_return_if_fail (node != NULL && JSON_NODE_HOLDS_ARRAY (node) && table_cell != NULL);

  json_array_remove_element (json_node_get_array (node), row);
  n_rows = json_array_get_length (json_node_get_array (node));
  forget_revealed_rows (self, table);

  /* Frees @row_cell. */
  build_table_rows (self, table_cell);
  update_count_label (table_cell);
  touch (self, table);
  update_problems (self, table);
  update_modified (self);
  g_signal_emit (self, signals[CHANGED], 0);

  /* The keyboard stays where the row was. */
  for (guint i = 0; i < self->cells->len; i++)
    {
      Cell *cell = g_ptr_array_index (self->cells, i);

      if (cell->top == table && cell->field == table
          && cell->row == MIN (row, (int) n_rows - 1))
        {
          gtk_widget_grab_focus (cell->row_widget);
          return;
        }
    }
  gtk_widget_grab_focus (table_cell->editor);
}

static void
on_add_row_clicked (GtkButton *button,
                    Cell      *table_cell)
{
  TbFormView *self = table_cell->view;
  const TbFormField *table = table_cell->top;
  const char *id = tb_form_field_get_id (table);
  JsonNode *node = json_object_get_member (self->edited, id);
  JsonArray *array;
  int row;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    {
      json_object_set_array_member (self->edited, id, json_array_new ());
      node = json_object_get_member (self->edited, id);
    }
  array = json_node_get_array (node);
  json_array_add_object_element (array, json_object_new ());
  row = (int) json_array_get_length (array) - 1;

  build_table_rows (self, table_cell);
  update_count_label (table_cell);
  touch (self, table);
  update_problems (self, table);
  update_modified (self);
  g_signal_emit (self, signals[CHANGED], 0);

  /* Straight on to filling in the new row. */
  for (guint i = 0; i < self->cells->len; i++)
    {
      Cell *cell = g_ptr_array_index (self->cells, i);

      if (cell->top == table && cell->row == row && cell->field != table)
        {
          adw_expander_row_set_expanded (cell->expander, TRUE);
          focus_cell (cell);
          return;
        }
    }
}

/* (Re)builds the rows of a table, after its header and problem rows. */
static void
build_table_rows (TbFormView *self,
                  Cell       *table_cell)
{
  const TbFormField *table = table_cell->top;
  JsonNode *node = json_object_get_member (self->edited, tb_form_field_get_id (table));
  g_autoptr(GArray) expanded = g_array_new (FALSE, FALSE, sizeof (gboolean));
  guint n_rows = count_elements (node);
  int position;

  /* Take the old rows out, remembering which were open; then their cells, whose widgets
   * are gone with them. */
  for (guint i = 0; i < self->cells->len; i++)
    {
      Cell *cell = g_ptr_array_index (self->cells, i);

      if (cell->top != table || cell->field != table || cell->row < 0)
        continue;

      if ((guint) cell->row >= expanded->len)
        g_array_set_size (expanded, cell->row + 1);
      g_array_index (expanded, gboolean, cell->row) =
        adw_expander_row_get_expanded (ADW_EXPANDER_ROW (cell->row_widget));
      gtk_list_box_remove (table_cell->list, cell->row_widget);
      gtk_list_box_remove (table_cell->list, cell->problem_row);
    }
  for (guint i = self->cells->len; i > 0; i--)
    {
      Cell *cell = g_ptr_array_index (self->cells, i - 1);

      if (cell->top == table && cell->row >= 0)
        g_ptr_array_remove_index (self->cells, i - 1);
    }

  position = gtk_list_box_row_get_index (GTK_LIST_BOX_ROW (table_cell->problem_row)) + 1;

  for (guint i = 0; i < n_rows; i++)
    {
      JsonObject *object = get_table_row (self, table, (int) i);
      Cell *row_cell = cell_new (self, table, table, (int) i);
      GtkWidget *expander = adw_expander_row_new ();
      g_autofree char *title = g_strdup_printf (_("Row %u"), i + 1);
      g_autofree char *subtitle = table_row_subtitle (table, object);
      gboolean open;

      prepare_row (expander, title);
      if (subtitle != NULL)
        adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (expander), subtitle);
      row_cell->row_widget = expander;
      row_cell->list = table_cell->list;
      row_cell->editable = table_cell->editable;

      if (i < expanded->len)
        open = g_array_index (expanded, gboolean, i);
      else
        open = table_cell->editable || n_rows <= MAX_EXPANDED_TABLE_ROWS;
      adw_expander_row_set_expanded (ADW_EXPANDER_ROW (expander), open);

      if (table_cell->editable)
        {
          /* Translators: the accessible name of the button removing a table row; %u is
           * its number */
          g_autofree char *remove_label = g_strdup_printf (_("Remove Row %u"), i + 1);
          GtkWidget *remove = new_icon_button ("user-trash-symbolic", _("Remove Row"),
                                               remove_label);

          g_signal_connect (remove, "clicked", G_CALLBACK (on_remove_row_clicked), row_cell);
          adw_expander_row_add_action (ADW_EXPANDER_ROW (expander), remove);
        }

      for (guint j = 0; j < tb_form_field_get_n_columns (table); j++)
        {
          Cell *cell = cell_new (self, tb_form_field_get_column (table, j), table, (int) i);

          cell->expander = ADW_EXPANDER_ROW (expander);
          cell->editable = table_cell->editable && object != NULL;
          cell->masked = cell_starts_masked (cell);
          adw_expander_row_add_row (ADW_EXPANDER_ROW (expander), build_value_row (cell));
          adw_expander_row_add_row (ADW_EXPANDER_ROW (expander), build_problem_row (cell));
        }

      gtk_list_box_insert (table_cell->list, expander, position++);
      gtk_list_box_insert (table_cell->list, build_problem_row (row_cell), position++);
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Attachments                                                                                 */

static void
on_attachment_button_clicked (GtkButton *button,
                              Cell      *cell)
{
  JsonNode *node = cell_get_node (cell);
  int index = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (button), "tb-index"));
  gboolean save = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (button), "tb-save"));
  JsonNode *element;

  g_return_if_fail (node != NULL && JSON_NODE_HOLDS_ARRAY (node));
  element = json_array_get_element (json_node_get_array (node), index);
  g_return_if_fail (JSON_NODE_HOLDS_OBJECT (element));

  g_signal_emit (cell->view, signals[ATTACHMENT_ACTIVATED], 0,
                 tb_form_field_get_id (cell->field), index, json_node_get_object (element), save);
}

static char *
attachment_details (JsonObject *attachment,
                    const char *name,
                    GIcon     **icon)
{
  const char *content_type = NULL;
  JsonNode *size = json_object_get_member (attachment, "size");
  g_autofree char *guessed = NULL;
  g_autofree char *description = NULL;
  g_autofree char *size_text = NULL;

  if (node_is_type (json_object_get_member (attachment, "content_type"), G_TYPE_STRING))
    content_type = json_object_get_string_member (attachment, "content_type");
  if (content_type == NULL)
    content_type = guessed = g_content_type_guess (name, NULL, 0, NULL);

  *icon = g_content_type_get_symbolic_icon (content_type);
  description = g_content_type_get_description (content_type);
  if (node_is_number (size) && json_node_get_double (size) >= 0)
    size_text = g_format_size ((guint64) json_node_get_double (size));

  if (size_text != NULL)
    /* Translators: a file's size and type, e.g. "1.2 MB · PDF document" */
    return g_strdup_printf (_("%s · %s"), size_text, description);

  return g_steal_pointer (&description);
}

static Cell *
find_attachment_cell (TbFormView *self,
                      const char *field_id)
{
  for (guint i = 0; i < self->cells->len; i++)
    {
      Cell *cell = g_ptr_array_index (self->cells, i);

      if (cell->row == -1 && cell->field == cell->top
          && tb_form_field_get_field_type (cell->field) == TB_FIELD_ATTACHMENT
          && g_strcmp0 (tb_form_field_get_id (cell->field), field_id) == 0)
        return cell;
    }

  return NULL;
}

/* The files of @cell changed: its rows, count, problems and the materials follow. */
static void
files_changed (Cell *cell)
{
  TbFormView *self = cell->view;

  add_attachment_rows (self, cell);
  update_count_label (cell);
  touch (self, cell->top);
  update_problems (self, cell->top);
  fill_materials (self);
  update_modified (self);
  g_signal_emit (self, signals[CHANGED], 0);
}

static void
on_add_file_clicked (GtkButton *button,
                     Cell      *cell)
{
  g_signal_emit (cell->view, signals[ADD_FILE], 0, tb_form_field_get_id (cell->field));
}

static void
on_remove_file_clicked (GtkButton *button,
                        Cell      *cell)
{
  JsonNode *node = cell_get_node (cell);
  guint index = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (button), "tb-index"));
  guint n;

  g_return_if_fail (node != NULL && JSON_NODE_HOLDS_ARRAY (node));
  g_return_if_fail (index < json_array_get_length (json_node_get_array (node)));

  json_array_remove_element (json_node_get_array (node), index);
  n = json_array_get_length (json_node_get_array (node));
  /* Frees @button. */
  files_changed (cell);

  /* The keyboard stays where the file was. */
  if (n > 0)
    gtk_widget_grab_focus (g_ptr_array_index (cell->file_rows, MIN (index, n - 1)));
  else if (cell->editor != NULL)
    gtk_widget_grab_focus (cell->editor);
}

/* (Re)builds the rows of the files of @cell, after its header and problem rows. */
static void
add_attachment_rows (TbFormView *self,
                     Cell       *cell)
{
  JsonNode *node = cell_get_node (cell);
  JsonArray *array;
  int position;

  if (cell->file_rows == NULL)
    cell->file_rows = g_ptr_array_new ();
  for (guint i = 0; i < cell->file_rows->len; i++)
    gtk_list_box_remove (cell->list, g_ptr_array_index (cell->file_rows, i));
  g_ptr_array_set_size (cell->file_rows, 0);

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return;

  position = gtk_list_box_row_get_index (GTK_LIST_BOX_ROW (cell->problem_row)) + 1;
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      JsonObject *attachment;
      const char *name;
      g_autoptr(GIcon) icon = NULL;
      g_autofree char *details = NULL;
      GtkWidget *row;
      GtkWidget *image;

      if (!JSON_NODE_HOLDS_OBJECT (element))
        continue;
      attachment = json_node_get_object (element);
      if (!node_is_type (json_object_get_member (attachment, "name"), G_TYPE_STRING))
        continue;
      name = json_object_get_string_member (attachment, "name");

      row = adw_action_row_new ();
      prepare_row (row, name);
      details = attachment_details (attachment, name, &icon);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), details);
      image = gtk_image_new_from_gicon (icon);
      gtk_accessible_update_property (GTK_ACCESSIBLE (image),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, details,
                                      -1);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), image);

      if (cell->editable)
        {
          /* Translators: the accessible name of the button removing an attached file; %s is
           * its name */
          g_autofree char *remove_label = g_strdup_printf (_("Remove %s"), name);
          GtkWidget *remove = new_icon_button ("user-trash-symbolic", _("Remove File"),
                                               remove_label);

          g_object_set_data (G_OBJECT (remove), "tb-index", GUINT_TO_POINTER (i));
          g_signal_connect (remove, "clicked", G_CALLBACK (on_remove_file_clicked), cell);
          adw_action_row_add_suffix (ADW_ACTION_ROW (row), remove);
        }
      else
        {
          /* Translators: accessible names of the buttons of an attached file; %s is its
           * name */
          g_autofree char *open_label = g_strdup_printf (_("Open %s"), name);
          g_autofree char *save_label = g_strdup_printf (_("Save %s"), name);
          GtkWidget *open = new_icon_button ("document-open-symbolic", _("Open"), open_label);
          GtkWidget *save = new_icon_button ("document-save-symbolic", _("Save As…"),
                                             save_label);

          g_object_set_data (G_OBJECT (open), "tb-index", GINT_TO_POINTER (i));
          g_object_set_data (G_OBJECT (save), "tb-index", GINT_TO_POINTER (i));
          g_object_set_data (G_OBJECT (save), "tb-save", GINT_TO_POINTER (TRUE));
          g_signal_connect (open, "clicked", G_CALLBACK (on_attachment_button_clicked), cell);
          g_signal_connect (save, "clicked", G_CALLBACK (on_attachment_button_clicked), cell);
          adw_action_row_add_suffix (ADW_ACTION_ROW (row), open);
          adw_action_row_add_suffix (ADW_ACTION_ROW (row), save);
          adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), open);
        }

      gtk_list_box_insert (cell->list, row, position++);
      g_ptr_array_add (cell->file_rows, row);
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Building                                                                                    */

static void
add_top_field (TbFormView        *self,
               GtkListBox        *list,
               const TbFormField *field)
{
  Cell *cell = cell_new (self, field, field, -1);
  TbFieldType type = tb_form_field_get_field_type (field);

  cell->list = list;
  cell->editable = is_editable (self, field);
  cell->masked = cell_starts_masked (cell);

  if (type == TB_FIELD_TABLE || type == TB_FIELD_ATTACHMENT)
    {
      GtkWidget *row = adw_action_row_new ();

      prepare_row (row, tb_form_field_get_label (field));
      adw_action_row_set_title_lines (ADW_ACTION_ROW (row), 0);
      if (tb_form_field_get_help (field) != NULL)
        gtk_widget_set_tooltip_text (row, tb_form_field_get_help (field));
      cell->row_widget = row;
      cell->count_label = gtk_label_new (NULL);
      gtk_widget_add_css_class (cell->count_label, "dim-label");
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), cell->count_label);
      update_count_label (cell);

      if (cell->editable && type == TB_FIELD_TABLE)
        {
          /* Translators: the accessible name of the button adding a row to a table; %s
           * is the table, e.g. "Add a Row to Shareholders" */
          g_autofree char *add_label = g_strdup_printf (_("Add a Row to %s"),
                                                        tb_form_field_get_label (field));
          GtkWidget *add = new_icon_button ("list-add-symbolic", _("Add Row"), add_label);

          g_signal_connect (add, "clicked", G_CALLBACK (on_add_row_clicked), cell);
          adw_action_row_add_suffix (ADW_ACTION_ROW (row), add);
          adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), add);
          cell->editor = add;
        }
      else if (cell->editable)
        {
          /* Translators: the accessible name of the button attaching a file; %s is the
           * field, e.g. "Add a File to Materials" */
          g_autofree char *add_label = g_strdup_printf (_("Add a File to %s"),
                                                        tb_form_field_get_label (field));
          GtkWidget *add = gtk_button_new_with_label (_("Add File…"));

          gtk_widget_set_valign (add, GTK_ALIGN_CENTER);
          gtk_accessible_update_property (GTK_ACCESSIBLE (add),
                                          GTK_ACCESSIBLE_PROPERTY_LABEL, add_label,
                                          -1);
          g_signal_connect (add, "clicked", G_CALLBACK (on_add_file_clicked), cell);
          adw_action_row_add_suffix (ADW_ACTION_ROW (row), add);
          adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), add);
          cell->editor = add;
        }

      gtk_list_box_append (list, row);
      gtk_list_box_append (list, build_problem_row (cell));

      if (type == TB_FIELD_TABLE)
        build_table_rows (self, cell);
      else
        add_attachment_rows (self, cell);
      return;
    }

  gtk_list_box_append (list, build_value_row (cell));
  gtk_list_box_append (list, build_problem_row (cell));
}

/* As AdwPreferencesGroup does for its own list: arrows leave the list for the next one. */
static gboolean
on_list_keynav_failed (GtkWidget        *list,
                       GtkDirectionType  direction,
                       gpointer          data)
{
  GtkWidget *root = GTK_WIDGET (gtk_widget_get_root (list));

  if (root == NULL || (direction != GTK_DIR_UP && direction != GTK_DIR_DOWN))
    return FALSE;

  return gtk_widget_child_focus (root, direction == GTK_DIR_UP ? GTK_DIR_TAB_BACKWARD
                                                               : GTK_DIR_TAB_FORWARD);
}

static GtkListBox *
add_group (TbFormView *self,
           const char *title,
           const char *description)
{
  GtkWidget *group = adw_preferences_group_new ();
  GtkWidget *list = gtk_list_box_new ();
  g_autofree char *escaped = g_markup_escape_text (title, -1);

  /* The group title is markup; the section title is data. */
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), escaped);
  if (description != NULL)
    {
      g_autofree char *escaped_description = g_markup_escape_text (description, -1);
      adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (group), escaped_description);
    }

  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  gtk_accessible_update_property (GTK_ACCESSIBLE (list),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, title,
                                  -1);
  g_signal_connect (list, "keynav-failed", G_CALLBACK (on_list_keynav_failed), NULL);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), list);

  adw_preferences_page_add (self->page, ADW_PREFERENCES_GROUP (group));
  g_ptr_array_add (self->groups, group);

  return GTK_LIST_BOX (list);
}

/* Letters and digits only, case-folded, without the extension: "《公司章程》" and
 * "公司章程.pdf" both become "公司章程". */
static char *
normalize_name (const char *name,
                gboolean    is_file)
{
  g_autofree char *base = g_strdup (name);
  g_autofree char *folded = NULL;
  GString *out;
  char *dot;

  if (is_file && (dot = strrchr (base, '.')) != NULL && dot != base)
    *dot = '\0';

  folded = g_utf8_casefold (base, -1);
  out = g_string_new (NULL);
  for (const char *p = folded; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_isalnum (c))
        g_string_append_unichar (out, c);
    }

  return g_string_free (out, FALSE);
}

/* The files of the form that stand for @material: those that name it explicitly
 * ("material": its id), else those whose name is one of its labels. */
static GPtrArray *
find_material_files (TbFormView       *self,
                     const TbMaterial *material)
{
  const char * const zh[] = { "zh_CN", NULL };
  const char * const en[] = { "en", NULL };
  const char *labels[] = {
    tb_material_get_label (material),
    tb_material_get_label_for (material, zh),
    tb_material_get_label_for (material, en),
  };
  GPtrArray *files = g_ptr_array_new ();

  for (guint i = 0; i < self->cells->len; i++)
    {
      Cell *cell = g_ptr_array_index (self->cells, i);
      JsonNode *node;
      JsonArray *array;

      if (tb_form_field_get_field_type (cell->field) != TB_FIELD_ATTACHMENT || cell->row != -1)
        continue;

      node = cell_get_node (cell);
      if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
        continue;

      array = json_node_get_array (node);
      for (guint j = 0; j < json_array_get_length (array); j++)
        {
          JsonNode *element = json_array_get_element (array, j);
          JsonObject *attachment;
          const char *name;
          g_autofree char *file_key = NULL;
          gboolean match = FALSE;

          if (!JSON_NODE_HOLDS_OBJECT (element))
            continue;
          attachment = json_node_get_object (element);
          if (!node_is_type (json_object_get_member (attachment, "name"), G_TYPE_STRING))
            continue;
          name = json_object_get_string_member (attachment, "name");

          if (node_is_type (json_object_get_member (attachment, "material"), G_TYPE_STRING))
            {
              match = g_strcmp0 (json_object_get_string_member (attachment, "material"),
                                 tb_material_get_id (material)) == 0;
            }
          else
            {
              file_key = normalize_name (name, TRUE);
              for (guint k = 0; k < G_N_ELEMENTS (labels) && !match; k++)
                {
                  g_autofree char *label_key = normalize_name (labels[k], FALSE);

                  match = *label_key != '\0' && strstr (file_key, label_key) != NULL;
                }
            }

          if (match)
            g_ptr_array_add (files, (gpointer) name);
        }
    }

  return files;
}

/* (Re)fills the Materials group: which are provided, by the files attached now. */
static void
fill_materials (TbFormView *self)
{
  GtkWidget *child;

  if (self->materials_list == NULL)
    return;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->materials_list))) != NULL)
    gtk_list_box_remove (self->materials_list, child);

  for (guint i = 0; i < tb_service_get_n_materials (self->service); i++)
    {
      const TbMaterial *material = tb_service_get_material (self->service, i);
      gboolean required = tb_material_get_required (material);
      g_autoptr(GPtrArray) files = find_material_files (self, material);
      g_autoptr(GString) subtitle = g_string_new (NULL);
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *icon;
      const char *status;

      prepare_row (row, tb_material_get_label (material));
      adw_action_row_set_title_lines (ADW_ACTION_ROW (row), 0);

      if (files->len > 0)
        {
          icon = gtk_image_new_from_icon_name ("object-select-symbolic");
          gtk_widget_add_css_class (icon, "success");
          status = _("Provided");
          for (guint j = 0; j < files->len; j++)
            {
              if (j > 0)
                g_string_append (subtitle, _(", "));
              g_string_append (subtitle, g_ptr_array_index (files, j));
            }
        }
      else if (required)
        {
          icon = gtk_image_new_from_icon_name ("dialog-warning-symbolic");
          gtk_widget_add_css_class (icon, "warning");
          status = _("Not provided");
          g_string_append (subtitle, status);
        }
      else
        {
          icon = gtk_image_new_from_icon_name ("list-remove-symbolic");
          gtk_widget_add_css_class (icon, "dim-label");
          status = _("Not provided, optional");
          g_string_append (subtitle, status);
        }

      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle->str);
      gtk_accessible_update_property (GTK_ACCESSIBLE (icon),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, status,
                                      -1);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
      gtk_list_box_append (self->materials_list, row);
    }
}

static void
add_materials (TbFormView *self)
{
  if (tb_service_get_n_materials (self->service) == 0)
    return;

  self->materials_list = add_group (self, _("Materials"),
                                    _("A material counts as provided when an attached file is "
                                      "named after it."));
  fill_materials (self);
}

static void
clear_form (TbFormView *self)
{
  for (guint i = 0; i < self->groups->len; i++)
    adw_preferences_page_remove (self->page, g_ptr_array_index (self->groups, i));
  g_ptr_array_set_size (self->groups, 0);

  self->materials_list = NULL;

  /* After the widgets: their signal handlers point at the cells. */
  g_ptr_array_set_size (self->cells, 0);
}

static void
rebuild (TbFormView *self)
{
  clear_form (self);

  if (self->service == NULL)
    return;

  for (guint i = 0; i < tb_service_get_n_sections (self->service); i++)
    {
      const TbFormSection *section = tb_service_get_section (self->service, i);
      GtkListBox *list = add_group (self, tb_form_section_get_title (section), NULL);

      for (guint j = 0; j < tb_form_section_get_n_fields (section); j++)
        add_top_field (self, list, tb_form_section_get_field (section, j));
    }

  add_materials (self);

  for (guint i = 0; i < tb_service_get_n_sections (self->service); i++)
    {
      const TbFormSection *section = tb_service_get_section (self->service, i);

      for (guint j = 0; j < tb_form_section_get_n_fields (section); j++)
        update_problems (self, tb_form_section_get_field (section, j));
    }
}

/* ------------------------------------------------------------------------------------------ */
/* GObject                                                                                     */

static void
tb_form_view_dispose (GObject *object)
{
  TbFormView *self = TB_FORM_VIEW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), TB_TYPE_FORM_VIEW);
  g_clear_pointer (&self->groups, g_ptr_array_unref);
  g_clear_pointer (&self->cells, g_ptr_array_unref);
  g_clear_object (&self->service);

  G_OBJECT_CLASS (tb_form_view_parent_class)->dispose (object);
}

static void
tb_form_view_finalize (GObject *object)
{
  TbFormView *self = TB_FORM_VIEW (object);

  g_clear_pointer (&self->values, json_object_unref);
  g_clear_pointer (&self->edited, json_object_unref);
  g_clear_pointer (&self->editable_fields, g_strfreev);
  g_clear_pointer (&self->revealed, g_hash_table_unref);
  g_clear_pointer (&self->touched, g_hash_table_unref);

  G_OBJECT_CLASS (tb_form_view_parent_class)->finalize (object);
}

static void
tb_form_view_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  TbFormView *self = TB_FORM_VIEW (object);

  switch (prop_id)
    {
    case PROP_SERVICE:
      g_value_set_object (value, self->service);
      break;
    case PROP_VALUES:
      g_value_set_boxed (value, self->values);
      break;
    case PROP_EDITABLE_FIELDS:
      g_value_set_boxed (value, self->editable_fields);
      break;
    case PROP_MODIFIED:
      g_value_set_boolean (value, self->modified);
      break;
    case PROP_PROBLEMS_AFTER_EDIT:
      g_value_set_boolean (value, self->problems_after_edit);
      break;
    case PROP_CAN_ADD_FILES:
      g_value_set_boolean (value, self->can_add_files);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tb_form_view_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  TbFormView *self = TB_FORM_VIEW (object);

  switch (prop_id)
    {
    case PROP_SERVICE:
      tb_form_view_set_service (self, g_value_get_object (value));
      break;
    case PROP_VALUES:
      tb_form_view_set_values (self, g_value_get_boxed (value));
      break;
    case PROP_EDITABLE_FIELDS:
      tb_form_view_set_editable_fields (self, g_value_get_boxed (value));
      break;
    case PROP_PROBLEMS_AFTER_EDIT:
      tb_form_view_set_problems_after_edit (self, g_value_get_boolean (value));
      break;
    case PROP_CAN_ADD_FILES:
      tb_form_view_set_can_add_files (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tb_form_view_class_init (TbFormViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tb_form_view_dispose;
  object_class->finalize = tb_form_view_finalize;
  object_class->get_property = tb_form_view_get_property;
  object_class->set_property = tb_form_view_set_property;

  /**
   * TbFormView:service:
   *
   * The service whose form is shown.
   */
  properties[PROP_SERVICE] =
    g_param_spec_object ("service", NULL, NULL,
                         TB_TYPE_SERVICE,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * TbFormView:values:
   *
   * The form values as set, keyed by field id; edits do not change them (see
   * tb_form_view_dup_values()).
   */
  properties[PROP_VALUES] =
    g_param_spec_boxed ("values", NULL, NULL,
                        JSON_TYPE_OBJECT,
                        (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * TbFormView:editable-fields:
   *
   * The ids of the top-level fields the user may edit; %NULL or empty for a read-only form.
   * Attachment fields among them are edited only with #TbFormView:can-add-files.
   */
  properties[PROP_EDITABLE_FIELDS] =
    g_param_spec_boxed ("editable-fields", NULL, NULL,
                        G_TYPE_STRV,
                        (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * TbFormView:modified:
   *
   * Whether the values edited differ from the values set.
   */
  properties[PROP_MODIFIED] =
    g_param_spec_boolean ("modified", NULL, NULL,
                          FALSE,
                          (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * TbFormView:problems-after-edit:
   *
   * Whether a field shows its problems only once the user has edited it, or
   * tb_form_view_validate() was called: for a new form, where a blank required field is not yet
   * a mistake. By default every problem shows at once, as for a case received.
   */
  properties[PROP_PROBLEMS_AFTER_EDIT] =
    g_param_spec_boolean ("problems-after-edit", NULL, NULL,
                          FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * TbFormView:can-add-files:
   *
   * Whether editable attachment fields offer "Add File…" (see #TbFormView::add-file) and
   * removing files: where the caller can keep the files added, as at the counter. Without it
   * attachment fields stay read-only, with Open and Save for each file.
   */
  properties[PROP_CAN_ADD_FILES] =
    g_param_spec_boolean ("can-add-files", NULL, NULL,
                          FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * TbFormView::changed:
   *
   * The user edited a value.
   */
  signals[CHANGED] =
    g_signal_new ("changed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  /**
   * TbFormView::reveal:
   * @self: the form view
   * @field_id: the top-level field
   * @row: the table row, or -1
   * @column_id: (nullable): the table column, or %NULL
   *
   * The user asked to see a masked sensitive value, which is now shown. The view only tells;
   * recording it (in the audit trail) is the caller's job.
   */
  signals[REVEAL] =
    g_signal_new ("reveal",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 3,
                  G_TYPE_STRING, G_TYPE_INT, G_TYPE_STRING);

  /**
   * TbFormView::attachment-activated:
   * @self: the form view
   * @field_id: the attachment field
   * @index: which file of the field, from 0
   * @attachment: the file's value: "name", and "size", "content_type", "sha256" if known
   * @save: %TRUE to save a copy, %FALSE to open it
   *
   * The user asked to open or save an attached file; fetching it is the caller's job.
   */
  signals[ATTACHMENT_ACTIVATED] =
    g_signal_new ("attachment-activated",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 4,
                  G_TYPE_STRING, G_TYPE_INT, JSON_TYPE_OBJECT, G_TYPE_BOOLEAN);

  /**
   * TbFormView::add-file:
   * @self: the form view
   * @field_id: the attachment field
   *
   * The user asked to attach a file to @field_id; choosing and keeping it is the caller's job,
   * which then hands its value to tb_form_view_add_file().
   */
  signals[ADD_FILE] =
    g_signal_new ("add-file",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1,
                  G_TYPE_STRING);

  /* As in TbWindow: referencing the resources keeps the linker from dropping them. */
  g_assert (tb_ui_get_resource () != NULL);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/tongban/Tongban/tb-form-view.ui");
  gtk_widget_class_bind_template_child (widget_class, TbFormView, page);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
tb_form_view_init (TbFormView *self)
{
  self->groups = g_ptr_array_new ();
  self->cells = g_ptr_array_new_with_free_func ((GDestroyNotify) cell_free);
  self->revealed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->touched = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->edited = json_object_new ();

  gtk_widget_init_template (GTK_WIDGET (self));
}

/**
 * tb_form_view_new:
 *
 * Creates an empty form view; set #TbFormView:service and #TbFormView:values to fill it.
 *
 * Returns: (transfer floating): a new #TbFormView
 */
GtkWidget *
tb_form_view_new (void)
{
  return g_object_new (TB_TYPE_FORM_VIEW, NULL);
}

/**
 * tb_form_view_get_service:
 * @self: a #TbFormView
 *
 * Returns: (transfer none) (nullable): the service whose form is shown
 */
TbService *
tb_form_view_get_service (TbFormView *self)
{
  g_return_val_if_fail (TB_IS_FORM_VIEW (self), NULL);

  return self->service;
}

/**
 * tb_form_view_set_service:
 * @self: a #TbFormView
 * @service: (nullable): the service whose form to show
 *
 * Shows the form of @service, with the current values. Values revealed so far are masked
 * again.
 */
void
tb_form_view_set_service (TbFormView *self,
                          TbService  *service)
{
  g_return_if_fail (TB_IS_FORM_VIEW (self));
  g_return_if_fail (service == NULL || TB_IS_SERVICE (service));

  if (!g_set_object (&self->service, service))
    return;

  g_hash_table_remove_all (self->revealed);
  g_hash_table_remove_all (self->touched);
  rebuild (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SERVICE]);
}

/**
 * tb_form_view_get_values:
 * @self: a #TbFormView
 *
 * Returns: (transfer none) (nullable): the values as set, without the user's edits
 */
JsonObject *
tb_form_view_get_values (TbFormView *self)
{
  g_return_val_if_fail (TB_IS_FORM_VIEW (self), NULL);

  return self->values;
}

/**
 * tb_form_view_set_values:
 * @self: a #TbFormView
 * @values: (nullable): the form values, keyed by field id
 *
 * Shows @values (a copy: the view never changes @values), dropping any edits. Sensitive
 * values are masked again.
 */
void
tb_form_view_set_values (TbFormView *self,
                         JsonObject *values)
{
  g_return_if_fail (TB_IS_FORM_VIEW (self));

  if (self->values == values || (values != NULL && objects_equal (self->values, values)))
    return;

  g_clear_pointer (&self->values, json_object_unref);
  g_clear_pointer (&self->edited, json_object_unref);
  if (values != NULL)
    {
      self->values = copy_object (values);
      self->edited = copy_object (values);
    }
  else
    {
      self->edited = json_object_new ();
    }

  g_hash_table_remove_all (self->revealed);
  g_hash_table_remove_all (self->touched);
  rebuild (self);
  update_modified (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VALUES]);
}

/**
 * tb_form_view_get_editable_fields:
 * @self: a #TbFormView
 *
 * Returns: (transfer none) (nullable): the ids of the fields the user may edit
 */
const char * const *
tb_form_view_get_editable_fields (TbFormView *self)
{
  g_return_val_if_fail (TB_IS_FORM_VIEW (self), NULL);

  return (const char * const *) self->editable_fields;
}

/**
 * tb_form_view_set_editable_fields:
 * @self: a #TbFormView
 * @field_ids: (nullable) (array zero-terminated=1): ids of top-level fields, as the workflow
 *   lets the user edit at this step; %NULL or empty for none
 *
 * Makes those fields editable and every other read-only. Edits so far are kept.
 */
void
tb_form_view_set_editable_fields (TbFormView         *self,
                                  const char * const *field_ids)
{
  g_return_if_fail (TB_IS_FORM_VIEW (self));

  /* NULL and empty mean the same. */
  if (field_ids != NULL && field_ids[0] == NULL)
    field_ids = NULL;

  if (self->editable_fields == NULL && field_ids == NULL)
    return;
  if (self->editable_fields != NULL && field_ids != NULL
      && g_strv_equal ((const char * const *) self->editable_fields, field_ids))
    return;

  g_strfreev (self->editable_fields);
  self->editable_fields = g_strdupv ((char **) field_ids);
  rebuild (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EDITABLE_FIELDS]);
}

/**
 * tb_form_view_dup_values:
 * @self: a #TbFormView
 *
 * Returns: (transfer full): the values with the user's edits, a copy
 */
JsonObject *
tb_form_view_dup_values (TbFormView *self)
{
  g_return_val_if_fail (TB_IS_FORM_VIEW (self), NULL);

  return copy_object (self->edited);
}

/**
 * tb_form_view_get_modified:
 * @self: a #TbFormView
 *
 * Returns: %TRUE if the values edited differ from the values set
 */
gboolean
tb_form_view_get_modified (TbFormView *self)
{
  g_return_val_if_fail (TB_IS_FORM_VIEW (self), FALSE);

  return self->modified;
}

/**
 * tb_form_view_validate:
 * @self: a #TbFormView
 *
 * Validates the values with the user's edits against the service's form, as
 * tb_service_validate_form() does; each problem is also shown beside its field.
 *
 * Returns: (transfer full) (element-type TbFormProblem): the problems, in form order; empty
 *   if the form is valid or there is no service
 */
GPtrArray *
tb_form_view_validate (TbFormView *self)
{
  GPtrArray *problems = NULL;

  g_return_val_if_fail (TB_IS_FORM_VIEW (self), NULL);

  if (self->service == NULL)
    return g_ptr_array_new_with_free_func ((GDestroyNotify) tb_form_problem_free);

  tb_service_validate_form (self->service, self->edited, &problems);
  for (guint i = 0; i < tb_service_get_n_sections (self->service); i++)
    {
      const TbFormSection *section = tb_service_get_section (self->service, i);

      for (guint j = 0; j < tb_form_section_get_n_fields (section); j++)
        {
          touch (self, tb_form_section_get_field (section, j));
          update_problems (self, tb_form_section_get_field (section, j));
        }
    }

  return problems;
}

/**
 * tb_form_view_get_problems_after_edit:
 * @self: a #TbFormView
 *
 * Returns: whether a field shows its problems only once edited or validated
 */
gboolean
tb_form_view_get_problems_after_edit (TbFormView *self)
{
  g_return_val_if_fail (TB_IS_FORM_VIEW (self), FALSE);

  return self->problems_after_edit;
}

/**
 * tb_form_view_set_problems_after_edit:
 * @self: a #TbFormView
 * @problems_after_edit: whether a field shows its problems only once edited or validated
 *
 * See #TbFormView:problems-after-edit.
 */
void
tb_form_view_set_problems_after_edit (TbFormView *self,
                                      gboolean    problems_after_edit)
{
  g_return_if_fail (TB_IS_FORM_VIEW (self));

  problems_after_edit = !!problems_after_edit;
  if (self->problems_after_edit == problems_after_edit)
    return;

  self->problems_after_edit = problems_after_edit;
  for (guint i = 0; self->service != NULL && i < tb_service_get_n_sections (self->service); i++)
    {
      const TbFormSection *section = tb_service_get_section (self->service, i);

      for (guint j = 0; j < tb_form_section_get_n_fields (section); j++)
        update_problems (self, tb_form_section_get_field (section, j));
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROBLEMS_AFTER_EDIT]);
}

/**
 * tb_form_view_get_can_add_files:
 * @self: a #TbFormView
 *
 * Returns: whether editable attachment fields take files
 */
gboolean
tb_form_view_get_can_add_files (TbFormView *self)
{
  g_return_val_if_fail (TB_IS_FORM_VIEW (self), FALSE);

  return self->can_add_files;
}

/**
 * tb_form_view_set_can_add_files:
 * @self: a #TbFormView
 * @can_add_files: whether editable attachment fields take files
 *
 * See #TbFormView:can-add-files.
 */
void
tb_form_view_set_can_add_files (TbFormView *self,
                                gboolean    can_add_files)
{
  g_return_if_fail (TB_IS_FORM_VIEW (self));

  can_add_files = !!can_add_files;
  if (self->can_add_files == can_add_files)
    return;

  self->can_add_files = can_add_files;
  rebuild (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAN_ADD_FILES]);
}

/**
 * tb_form_view_add_file:
 * @self: a #TbFormView
 * @field_id: an editable attachment field
 * @file: the file's value: `{name, size, sha256, content_type}`
 *
 * Attaches a file, as the user's edit: after the files @field_id has, with the row of
 * the new file focused.
 *
 * Returns: %TRUE if the field takes files (see #TbFormView:can-add-files)
 */
gboolean
tb_form_view_add_file (TbFormView *self,
                       const char *field_id,
                       JsonObject *file)
{
  Cell *cell;
  JsonNode *node;

  g_return_val_if_fail (TB_IS_FORM_VIEW (self), FALSE);
  g_return_val_if_fail (field_id != NULL, FALSE);
  g_return_val_if_fail (file != NULL, FALSE);

  cell = find_attachment_cell (self, field_id);
  if (cell == NULL || !cell->editable)
    return FALSE;

  node = cell_get_node (cell);
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    {
      cell_set_node (cell, json_node_init_array (json_node_alloc (), json_array_new ()));
      node = cell_get_node (cell);
    }
  /* A copy: the caller's object stays the caller's. */
  json_array_add_object_element (json_node_get_array (node), copy_object (file));

  files_changed (cell);
  if (cell->file_rows->len > 0)
    gtk_widget_grab_focus (g_ptr_array_index (cell->file_rows, cell->file_rows->len - 1));
  return TRUE;
}
