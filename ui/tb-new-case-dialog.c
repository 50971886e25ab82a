/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-new-case-dialog.c: registering a new case at the counter: service, applicant, form */

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "tb-attachment-cache.h"
#include "tb-form-view.h"
#include "tb-new-case-dialog.h"
#include "tb-ui-resources.h"

/*
 * Two steps in one modal window: a searchable list of the store's services, then the applicant
 * and the service's empty form, every field editable. Register hands all of it to
 * tb_case_service_create(), which only queues the case for the server, so it works offline; its
 * problems are shown beside the fields and nothing typed is lost. Closing with anything typed
 * asks first.
 *
 * The form view scrolls with the applicant rows above it rather than on its own: its preferences
 * page is told not to scroll (see make_form_view()).
 *
 * Files are attached through the attachment cache, which keeps a copy waiting to be uploaded:
 * the sync engine sends it before the case that names it, so the counter works offline with
 * files too. Register waits while a file is still being copied.
 */

struct _TbNewCaseDialog
{
  AdwWindow       parent_instance;

  /* Template widgets */
  AdwWindowTitle *window_title;
  GtkButton      *save_button;
  GtkStack       *stack;
  GtkSearchEntry *service_search;
  GtkStack       *services_stack;
  GtkListBox     *service_list;
  GtkScrolledWindow *form_scroller;
  GtkBox         *form_box;
  GtkRevealer    *error_revealer;
  GtkLabel       *error_label;
  AdwActionRow   *service_row;
  GtkListBox     *applicant_list;
  AdwComboRow    *kind_row;
  AdwEntryRow    *company_row;
  GtkWidget      *company_problem;
  GtkLabel       *company_problem_label;
  AdwEntryRow    *name_row;
  GtkWidget      *name_problem;
  GtkLabel       *name_problem_label;

  TbFormView     *form_view;       /* (nullable) the form of `service` */
  GtkStringList  *kinds;           /* the applicant kinds `service` accepts, as kind ids */

  TbCaseService  *case_service;
  TbAttachmentCache *attachment_cache; /* (nullable) keeps the files added */
  GCancellable   *cancellable;     /* of the files being added */
  guint           n_adding;        /* files being copied into the cache */
  GPtrArray      *services;        /* (element-type TbService) as the store lists them */
  TbService      *service;         /* (nullable) the one chosen */
  TbService      *pending_service; /* (nullable) chosen, waiting for "discard the form?" */
  gboolean        tried_to_save;   /* since then, applicant problems follow each edit */
  gboolean        modified;        /* as last notified */
  gboolean        confirmed_close; /* the user agreed to lose what was typed */
};

G_DEFINE_FINAL_TYPE (TbNewCaseDialog, tb_new_case_dialog, ADW_TYPE_WINDOW)

enum {
  PROP_0,
  PROP_CASE_SERVICE,
  PROP_ATTACHMENT_CACHE,
  PROP_SERVICE,
  PROP_MODIFIED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  CASE_CREATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void update_modified (TbNewCaseDialog *self);
static void show_error      (TbNewCaseDialog *self,
                             const char      *message);
static void hide_error      (TbNewCaseDialog *self);

/* ------------------------------------------------------------------------------------------ */
/* Step 1: the service                                                                        */

static gboolean
service_matches (TbService  *service,
                 const char *folded_query)
{
  const char * const english[] = { "en", NULL };
  const char *texts[] = {
    tb_service_get_name (service),
    tb_service_get_name_for (service, english),
    tb_service_get_code (service),
    tb_service_get_id (service),
  };

  if (folded_query == NULL || *folded_query == '\0')
    return TRUE;

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autofree char *folded = NULL;

      if (texts[i] == NULL)
        continue;
      folded = g_utf8_casefold (texts[i], -1);
      if (strstr (folded, folded_query) != NULL)
        return TRUE;
    }

  return FALSE;
}

static char *
folded_search_text (TbNewCaseDialog *self)
{
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (
                                        GTK_EDITABLE (self->service_search))));

  return g_utf8_casefold (text, -1);
}

static TbService *
row_get_service (GtkListBoxRow *row)
{
  return g_object_get_data (G_OBJECT (row), "tb-service");
}

static gboolean
filter_service_row (GtkListBoxRow *row,
                    gpointer       data)
{
  TbNewCaseDialog *self = data;
  g_autofree char *query = folded_search_text (self);

  return service_matches (row_get_service (row), query);
}

/* The first row the search leaves, or NULL. */
static GtkListBoxRow *
first_shown_row (TbNewCaseDialog *self)
{
  g_autofree char *query = folded_search_text (self);

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->service_list));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_LIST_BOX_ROW (child)
          && service_matches (row_get_service (GTK_LIST_BOX_ROW (child)), query))
        return GTK_LIST_BOX_ROW (child);
    }

  return NULL;
}

static void
update_services_page (TbNewCaseDialog *self)
{
  const char *page;

  if (self->services == NULL || self->services->len == 0)
    page = "none";
  else if (first_shown_row (self) == NULL)
    page = "no-match";
  else
    page = "list";

  gtk_stack_set_visible_child_name (self->services_stack, page);
}

static GtkWidget *
make_service_row (TbService *service)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *arrow = gtk_image_new_from_icon_name ("go-next-symbolic");
  g_autofree char *title = g_markup_escape_text (tb_service_get_name (service), -1);
  g_autofree char *subtitle = NULL;
  guint limit = tb_service_get_time_limit (service);

  if (limit > 0)
    {
      g_autofree char *days = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                            "Decided within %u working day",
                                                            "Decided within %u working days",
                                                            limit), limit);
      subtitle = g_markup_printf_escaped ("%s · %s", tb_service_get_code (service), days);
    }
  else
    {
      subtitle = g_markup_escape_text (tb_service_get_code (service), -1);
    }

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_action_row_set_title_lines (ADW_ACTION_ROW (row), 2);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (arrow),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Choose"),
                                  -1);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), arrow);
  g_object_set_data_full (G_OBJECT (row), "tb-service", g_object_ref (service), g_object_unref);

  return row;
}

static void
load_services (TbNewCaseDialog *self)
{
  g_autoptr(GError) error = NULL;
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->service_list))) != NULL)
    gtk_list_box_remove (self->service_list, child);
  g_clear_pointer (&self->services, g_ptr_array_unref);

  if (self->case_service == NULL)
    return;

  self->services = tb_store_list_services (tb_case_service_get_store (self->case_service),
                                           &error);
  if (self->services == NULL)
    {
      g_autofree char *description = g_strdup_printf (_("Could not read the services: %s"),
                                                      error->message);

      adw_status_page_set_description (ADW_STATUS_PAGE (gtk_stack_get_child_by_name (
                                         self->services_stack, "none")), description);
      update_services_page (self);
      return;
    }

  for (guint i = 0; i < self->services->len; i++)
    gtk_list_box_append (self->service_list, make_service_row (g_ptr_array_index (self->services,
                                                                                  i)));
  update_services_page (self);
}

static void
on_service_search_changed (TbNewCaseDialog *self,
                           GtkSearchEntry  *entry)
{
  gtk_list_box_invalidate_filter (self->service_list);
  update_services_page (self);
}

static void choose_service (TbNewCaseDialog *self,
                            TbService       *service);

/* Enter in the search takes the first service it leaves. */
static void
on_service_search_activate (TbNewCaseDialog *self,
                            GtkSearchEntry  *entry)
{
  GtkListBoxRow *row = first_shown_row (self);

  if (row != NULL)
    choose_service (self, row_get_service (row));
}

/* Escape clears the search, and closes the dialog when there is none. */
static void
on_service_search_stop (TbNewCaseDialog *self,
                        GtkSearchEntry  *entry)
{
  if (*gtk_editable_get_text (GTK_EDITABLE (entry)) != '\0')
    gtk_editable_set_text (GTK_EDITABLE (entry), "");
  else
    gtk_window_close (GTK_WINDOW (self));
}

/* Down from the search goes to the list. */
static gboolean
on_service_search_key (GtkEventControllerKey *controller,
                       guint                  keyval,
                       guint                  keycode,
                       GdkModifierType        state,
                       TbNewCaseDialog       *self)
{
  GtkListBoxRow *row;

  if (keyval != GDK_KEY_Down && keyval != GDK_KEY_KP_Down)
    return FALSE;

  row = first_shown_row (self);
  if (row == NULL)
    return FALSE;

  gtk_widget_grab_focus (GTK_WIDGET (row));
  return TRUE;
}

static void
on_service_row_activated (TbNewCaseDialog *self,
                          GtkListBoxRow   *row,
                          GtkListBox      *list)
{
  choose_service (self, row_get_service (row));
}

/* ------------------------------------------------------------------------------------------ */
/* Step 2: the applicant and the form                                                         */

static const char *
selected_kind (TbNewCaseDialog *self)
{
  guint selected = adw_combo_row_get_selected (self->kind_row);

  if (self->kinds == NULL || selected >= g_list_model_get_n_items (G_LIST_MODEL (self->kinds)))
    return "person";
  return gtk_string_list_get_string (self->kinds, selected);
}

static gboolean
is_company (TbNewCaseDialog *self)
{
  return g_strcmp0 (selected_kind (self), "company") == 0;
}

static gboolean
text_is_blank (AdwEntryRow *row)
{
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));

  return *text == '\0';
}

static void
set_problem (AdwEntryRow *row,
             GtkWidget   *problem_row,
             GtkLabel    *problem_label,
             const char  *message)
{
  GtkEditable *delegate = gtk_editable_get_delegate (GTK_EDITABLE (row));
  gboolean invalid = message != NULL;

  gtk_label_set_text (problem_label, invalid ? message : "");
  gtk_widget_set_visible (problem_row, invalid);
  if (invalid)
    gtk_widget_add_css_class (GTK_WIDGET (row), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (row), "error");

  gtk_accessible_update_state (GTK_ACCESSIBLE (delegate != NULL ? GTK_WIDGET (delegate)
                                                                : GTK_WIDGET (row)),
                               GTK_ACCESSIBLE_STATE_INVALID,
                               invalid ? GTK_ACCESSIBLE_INVALID_TRUE : GTK_ACCESSIBLE_INVALID_FALSE,
                               -1);
  if (invalid)
    gtk_accessible_update_relation (GTK_ACCESSIBLE (row),
                                    GTK_ACCESSIBLE_RELATION_ERROR_MESSAGE, problem_label,
                                    -1);
  else
    gtk_accessible_reset_relation (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_RELATION_ERROR_MESSAGE);
}

/* Shows what the applicant rows lack; whether they are complete. */
static gboolean
update_applicant_problems (TbNewCaseDialog *self)
{
  gboolean company = is_company (self);
  const char *name_problem = NULL;
  const char *company_problem = NULL;

  if (text_is_blank (self->name_row))
    name_problem = company ? _("Enter the name of the company’s contact")
                           : _("Enter the applicant’s name");
  if (company && text_is_blank (self->company_row))
    company_problem = _("Enter the company’s name");

  if (self->tried_to_save)
    {
      set_problem (self->name_row, self->name_problem, self->name_problem_label, name_problem);
      set_problem (self->company_row, self->company_problem, self->company_problem_label,
                   company_problem);
    }

  return name_problem == NULL && company_problem == NULL;
}

/* The entry, not only its row, is named for screen readers: by the row's title. */
static void
name_entry (AdwEntryRow *row)
{
  GtkEditable *delegate = gtk_editable_get_delegate (GTK_EDITABLE (row));
  g_autoptr(GString) label = NULL;

  if (delegate == NULL)
    return;

  label = g_string_new (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)));
  /* The mnemonic's underline, and its "(_N)" in Chinese. */
  if (g_str_has_suffix (label->str, ")") && label->len >= 4
      && label->str[label->len - 4] == '(' && label->str[label->len - 3] == '_')
    g_string_truncate (label, label->len - 4);
  g_string_replace (label, "_", "", 0);
  gtk_accessible_update_property (GTK_ACCESSIBLE (delegate),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label->str,
                                  -1);
}

static void
update_kind (TbNewCaseDialog *self)
{
  gboolean company = is_company (self);
  const char *name_title = company ? _("Con_tact person") : _("_Name");

  gtk_widget_set_visible (GTK_WIDGET (self->company_row), company);
  if (!company)
    gtk_widget_set_visible (self->company_problem, FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->name_row), name_title);

  name_entry (self->name_row);
  name_entry (self->company_row);

  update_applicant_problems (self);
}

static void
on_kind_selected (TbNewCaseDialog *self,
                  GParamSpec      *pspec,
                  AdwComboRow     *row)
{
  update_kind (self);
}

static void
on_applicant_changed (TbNewCaseDialog *self,
                      GtkEditable     *editable)
{
  update_applicant_problems (self);
  update_modified (self);
}

static void
on_form_modified (TbNewCaseDialog *self,
                  GParamSpec      *pspec,
                  TbFormView      *view)
{
  update_modified (self);
}

/* ------------------------------------------------------------------------------------------ */
/* Files                                                                                       */

static void
update_save_enabled (TbNewCaseDialog *self)
{
  gboolean form = g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "form") == 0;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "new-case.save",
                                 form && self->n_adding == 0);
}

typedef struct
{
  TbNewCaseDialog *self;
  char            *field_id;
} Adding;

static void
adding_free (Adding *adding)
{
  g_object_unref (adding->self);
  g_free (adding->field_id);
  g_free (adding);
}

static void
file_added_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Adding *adding = user_data;
  TbNewCaseDialog *self = adding->self;
  g_autoptr(JsonObject) file = NULL;
  g_autoptr(GError) error = NULL;

  file = tb_attachment_cache_add_file_finish (TB_ATTACHMENT_CACHE (source), result, &error);
  self->n_adding--;
  /* The dialog is gone. */
  if (g_cancellable_is_cancelled (self->cancellable))
    {
      adding_free (adding);
      return;
    }
  update_save_enabled (self);

  if (file == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("Could not attach the file: %s"),
                                                  error->message);

      show_error (self, message);
    }
  else if (self->form_view != NULL)
    {
      hide_error (self);
      tb_form_view_add_file (self->form_view, adding->field_id, file);
    }
  adding_free (adding);
}

static void
add_file (TbNewCaseDialog *self,
          const char      *field_id,
          GFile           *file)
{
  Adding *adding;

  if (self->attachment_cache == NULL)
    return;

  adding = g_new0 (Adding, 1);
  adding->self = g_object_ref (self);
  adding->field_id = g_strdup (field_id);
  self->n_adding++;
  update_save_enabled (self);
  tb_attachment_cache_add_file_async (self->attachment_cache, file, self->cancellable,
                                      file_added_cb, adding);
}

static void
on_file_chooser_response (GtkNativeDialog *chooser,
                          int              response,
                          TbNewCaseDialog *self)
{
  const char *field_id = g_object_get_data (G_OBJECT (chooser), "tb-field");

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GListModel) files = gtk_file_chooser_get_files (GTK_FILE_CHOOSER (chooser));

      for (guint i = 0; i < g_list_model_get_n_items (files); i++)
        {
          g_autoptr(GFile) file = g_list_model_get_item (files, i);

          add_file (self, field_id, file);
        }
    }

  gtk_native_dialog_destroy (chooser);
  g_object_unref (chooser);
}

/* Asks which files to attach to @field_id. */
static void
choose_files (TbNewCaseDialog *self,
              const char      *field_id)
{
  GtkFileChooserNative *chooser;

  if (self->attachment_cache == NULL)
    return;

  chooser = gtk_file_chooser_native_new (_("Add Files"), GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_OPEN, _("_Add"), NULL);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  gtk_file_chooser_set_select_multiple (GTK_FILE_CHOOSER (chooser), TRUE);
  g_object_set_data_full (G_OBJECT (chooser), "tb-field", g_strdup (field_id), g_free);
  g_signal_connect_object (chooser, "response", G_CALLBACK (on_file_chooser_response), self,
                           0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
on_form_add_file (TbNewCaseDialog *self,
                  const char      *field_id,
                  TbFormView      *view)
{
  choose_files (self, field_id);
}

static void
add_file_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  choose_files (TB_NEW_CASE_DIALOG (widget), g_variant_get_string (parameter, NULL));
}

/* Without a file chooser: for tests, and whoever knows the file already. */
static void
add_file_from_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  const char *field_id;
  const char *path;
  g_autoptr(GFile) file = NULL;

  g_variant_get (parameter, "(&s&s)", &field_id, &path);
  file = g_file_new_for_path (path);
  add_file (TB_NEW_CASE_DIALOG (widget), field_id, file);
}

static GtkWidget *
find_descendant (GtkWidget *root,
                 GType      type)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (g_type_is_a (G_OBJECT_TYPE (child), type))
        return child;
      if ((found = find_descendant (child, type)) != NULL)
        return found;
    }

  return NULL;
}

/* A form view of @service with every field editable, scrolling with the rest of the page. */
static TbFormView *
make_form_view (TbNewCaseDialog *self,
                TbService       *service)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) editable = NULL;
  g_autoptr(JsonObject) empty = json_object_new ();
  TbFormView *view = TB_FORM_VIEW (tb_form_view_new ());
  GtkWidget *scroller;

  for (guint i = 0; i < tb_service_get_n_sections (service); i++)
    {
      const TbFormSection *section = tb_service_get_section (service, i);

      for (guint j = 0; j < tb_form_section_get_n_fields (section); j++)
        g_strv_builder_add (builder,
                            tb_form_field_get_id (tb_form_section_get_field (section, j)));
    }
  editable = g_strv_builder_end (builder);

  /* An empty form is no list of mistakes: each field speaks up once edited, or on Register. */
  tb_form_view_set_problems_after_edit (view, TRUE);
  tb_form_view_set_can_add_files (view, self->attachment_cache != NULL);
  tb_form_view_set_service (view, service);
  tb_form_view_set_values (view, empty);
  tb_form_view_set_editable_fields (view, (const char * const *) editable);
  gtk_widget_set_vexpand (GTK_WIDGET (view), FALSE);

  /* The page's own scrolled window shows all of it; the dialog's scrolls. */
  scroller = find_descendant (GTK_WIDGET (view), GTK_TYPE_SCROLLED_WINDOW);
  if (scroller != NULL)
    gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller),
                                    GTK_POLICY_NEVER, GTK_POLICY_NEVER);

  g_signal_connect_object (view, "notify::modified", G_CALLBACK (on_form_modified), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (view, "add-file", G_CALLBACK (on_form_add_file), self,
                           G_CONNECT_SWAPPED);

  return view;
}

/* Hidden, not only folded, so that the page keeps no gap for it. */
static void
hide_error (TbNewCaseDialog *self)
{
  gtk_revealer_set_reveal_child (self->error_revealer, FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->error_revealer), FALSE);
}

static void
show_error (TbNewCaseDialog *self,
            const char      *message)
{
  gtk_label_set_text (self->error_label, message);
  gtk_widget_set_visible (GTK_WIDGET (self->error_revealer), TRUE);
  gtk_revealer_set_reveal_child (self->error_revealer, TRUE);
  /* Where the user will look: the top of the page. */
  gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (self->form_scroller), 0);
}

static void
set_step (TbNewCaseDialog *self,
          const char      *step)
{
  gboolean form = g_str_equal (step, "form");

  gtk_stack_set_visible_child_name (self->stack, step);
  gtk_widget_set_visible (GTK_WIDGET (self->save_button), form);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "new-case.back", form);
  gtk_window_set_default_widget (GTK_WINDOW (self), form ? GTK_WIDGET (self->save_button) : NULL);
  update_save_enabled (self);

  if (form)
    {
      adw_window_title_set_subtitle (self->window_title, tb_service_get_name (self->service));
      /* The first row shown. */
      if (gtk_widget_get_visible (GTK_WIDGET (self->kind_row)))
        gtk_widget_grab_focus (GTK_WIDGET (self->kind_row));
      else if (gtk_widget_get_visible (GTK_WIDGET (self->company_row)))
        gtk_widget_grab_focus (GTK_WIDGET (self->company_row));
      else
        gtk_widget_grab_focus (GTK_WIDGET (self->name_row));
    }
  else
    {
      adw_window_title_set_subtitle (self->window_title, _("Choose the service"));
      gtk_widget_grab_focus (GTK_WIDGET (self->service_search));
    }
}

static void
apply_service (TbNewCaseDialog *self,
               TbService       *service)
{
  const char * const *accepted;
  g_autofree char *time_limit = NULL;
  guint limit;

  if (service != self->service)
    {
      g_set_object (&self->service, service);

      if (self->form_view != NULL)
        gtk_box_remove (self->form_box, GTK_WIDGET (self->form_view));
      self->form_view = make_form_view (self, service);
      gtk_box_append (self->form_box, GTK_WIDGET (self->form_view));

      /* The kinds the service takes, in a fixed order, and a person first. */
      g_clear_object (&self->kinds);
      self->kinds = gtk_string_list_new (NULL);
      accepted = tb_service_get_applicant_kinds (service);
      if (accepted == NULL || accepted[0] == NULL || tb_service_accepts_applicant_kind (service,
                                                                                        "person"))
        gtk_string_list_append (self->kinds, "person");
      if (tb_service_accepts_applicant_kind (service, "company"))
        gtk_string_list_append (self->kinds, "company");
      {
        g_autoptr(GtkStringList) labels = gtk_string_list_new (NULL);

        for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->kinds)); i++)
          gtk_string_list_append (labels,
                                  g_str_equal (gtk_string_list_get_string (self->kinds, i),
                                               "company")
                                  ? C_("applicant kind", "Company")
                                  : C_("applicant kind", "Person"));
        adw_combo_row_set_model (self->kind_row, G_LIST_MODEL (labels));
      }
      adw_combo_row_set_selected (self->kind_row, 0);
      /* With one kind there is nothing to choose; the group says which. */
      gtk_widget_set_visible (GTK_WIDGET (self->kind_row),
                              g_list_model_get_n_items (G_LIST_MODEL (self->kinds)) > 1);
      update_kind (self);

      limit = tb_service_get_time_limit (service);
      if (limit > 0)
        time_limit = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                   "Decided within %u working day",
                                                   "Decided within %u working days",
                                                   limit), limit);
      {
        g_autofree char *title = g_markup_escape_text (tb_service_get_name (service), -1);
        g_autofree char *subtitle = NULL;

        if (time_limit != NULL)
          subtitle = g_markup_printf_escaped ("%s · %s", tb_service_get_code (service),
                                              time_limit);
        else
          subtitle = g_markup_escape_text (tb_service_get_code (service), -1);
        adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->service_row), title);
        adw_action_row_set_subtitle (ADW_ACTION_ROW (self->service_row), subtitle);
      }

      hide_error (self);
      update_modified (self);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SERVICE]);
    }

  set_step (self, "form");
}

static void
on_discard_form_response (AdwMessageDialog *dialog,
                          const char       *response,
                          TbNewCaseDialog  *self)
{
  g_autoptr(TbService) service = g_steal_pointer (&self->pending_service);

  if (g_strcmp0 (response, "discard") == 0 && service != NULL)
    apply_service (self, service);
}

/* Another service has another form: what was filled in of this one is lost, so ask first. */
static void
choose_service (TbNewCaseDialog *self,
                TbService       *service)
{
  AdwMessageDialog *dialog;

  if (service == NULL)
    return;

  if (self->service == NULL || service == self->service || self->form_view == NULL
      || !tb_form_view_get_modified (self->form_view))
    {
      apply_service (self, service);
      return;
    }

  g_set_object (&self->pending_service, service);
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self),
                                                       _("Discard the Form?"), NULL));
  adw_message_dialog_format_body (dialog,
                                  _("The form of “%s” has values filled in. Another service "
                                    "has another form: they will be lost."),
                                  tb_service_get_name (self->service));
  adw_message_dialog_add_responses (dialog,
                                    "keep", _("_Keep the Form"),
                                    "discard", _("_Discard"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "discard", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (dialog, "keep");
  adw_message_dialog_set_close_response (dialog, "keep");
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_discard_form_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
back_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  TbNewCaseDialog *self = TB_NEW_CASE_DIALOG (widget);

  /* Nothing is lost going back: choosing the same service again finds it all as it was. */
  set_step (self, "services");
}

/* Focuses the first field shown with a problem: the applicant's, then the form's. */
static void
focus_first_problem (TbNewCaseDialog *self)
{
  g_autoptr(GPtrArray) stack = g_ptr_array_new ();

  if (gtk_widget_get_visible (self->company_problem))
    {
      gtk_widget_grab_focus (GTK_WIDGET (self->company_row));
      return;
    }
  if (gtk_widget_get_visible (self->name_problem))
    {
      gtk_widget_grab_focus (GTK_WIDGET (self->name_row));
      return;
    }
  if (self->form_view == NULL)
    return;

  /* Depth first, in order: the row before the first problem shown is the field's. */
  g_ptr_array_add (stack, self->form_view);
  while (stack->len > 0)
    {
      GtkWidget *widget = g_ptr_array_steal_index (stack, stack->len - 1);
      GtkWidget *child;

      if (!gtk_widget_get_visible (widget))
        continue;
      if (gtk_widget_has_css_class (widget, "tb-form-problem"))
        {
          GtkWidget *field = gtk_widget_get_prev_sibling (widget);

          if (field != NULL)
            gtk_widget_grab_focus (field);
          return;
        }
      for (child = gtk_widget_get_last_child (widget); child != NULL;
           child = gtk_widget_get_prev_sibling (child))
        g_ptr_array_add (stack, child);
    }
}

static void
save_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  TbNewCaseDialog *self = TB_NEW_CASE_DIALOG (widget);
  g_autoptr(JsonObject) form = NULL;
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  g_autofree char *company = NULL;
  g_autofree char *case_id = NULL;
  gboolean applicant_ok;

  if (self->service == NULL || self->form_view == NULL || self->case_service == NULL)
    return;

  self->tried_to_save = TRUE;
  applicant_ok = update_applicant_problems (self);
  form = tb_form_view_dup_values (self->form_view);

  if (!applicant_ok)
    {
      /* The form's problems too, so that one try shows everything to put right. */
      g_autoptr(GPtrArray) form_problems = tb_form_view_validate (self->form_view);

      show_error (self, _("Some details are missing or wrong: see the marked fields."));
      focus_first_problem (self);
      return;
    }

  name = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->name_row))));
  if (is_company (self))
    company = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->company_row))));

  case_id = tb_case_service_create (self->case_service, tb_service_get_id (self->service),
                                    name, selected_kind (self), company, form, &problems, &error);
  if (case_id == NULL)
    {
      g_autofree char *message = NULL;

      /* The view checks the form as the case service does, and marks each problem. */
      if (problems != NULL && problems->len > 0)
        {
          g_autoptr(GPtrArray) shown = tb_form_view_validate (self->form_view);

          message = g_strdup_printf ("%s %s", error->message,
                                     _("See the marked fields."));
        }
      else
        {
          message = g_strdup_printf (_("Could not register the case: %s"), error->message);
        }
      show_error (self, message);
      focus_first_problem (self);
      return;
    }

  self->confirmed_close = TRUE;
  g_signal_emit (self, signals[CASE_CREATED], 0, case_id);
  gtk_window_destroy (GTK_WINDOW (self));
}

/* ------------------------------------------------------------------------------------------ */
/* Closing                                                                                     */

static void
update_modified (TbNewCaseDialog *self)
{
  gboolean modified = tb_new_case_dialog_get_modified (self);

  if (modified == self->modified)
    return;

  self->modified = modified;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODIFIED]);
}

static gboolean
destroy_idle (gpointer data)
{
  gtk_window_destroy (GTK_WINDOW (data));
  return G_SOURCE_REMOVE;
}

static void
on_discard_case_response (AdwMessageDialog *dialog,
                          const char       *response,
                          TbNewCaseDialog  *self)
{
  if (g_strcmp0 (response, "discard") != 0)
    return;

  self->confirmed_close = TRUE;
  /* Once the question, which is this window's, has closed after answering. (Not from an idle,
   * which a sync spinner drawing frame after frame could hold back.) */
  g_timeout_add_full (G_PRIORITY_DEFAULT, 0, destroy_idle, g_object_ref (self), g_object_unref);
}

static gboolean
tb_new_case_dialog_close_request (GtkWindow *window)
{
  TbNewCaseDialog *self = TB_NEW_CASE_DIALOG (window);
  AdwMessageDialog *dialog;

  if (self->confirmed_close || !tb_new_case_dialog_get_modified (self))
    return GTK_WINDOW_CLASS (tb_new_case_dialog_parent_class)->close_request (window);

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (window, _("Discard the New Case?"),
                                                       _("The applicant’s details and the form "
                                                         "filled in so far will be lost.")));
  adw_message_dialog_add_responses (dialog,
                                    "keep", _("_Keep Editing"),
                                    "discard", _("_Discard"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "discard", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (dialog, "keep");
  adw_message_dialog_set_close_response (dialog, "keep");
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_discard_case_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));

  return TRUE;
}

/* ------------------------------------------------------------------------------------------ */
/* GObject                                                                                     */

static void
tb_new_case_dialog_constructed (GObject *object)
{
  TbNewCaseDialog *self = TB_NEW_CASE_DIALOG (object);

  G_OBJECT_CLASS (tb_new_case_dialog_parent_class)->constructed (object);

  load_services (self);
  update_kind (self);
  set_step (self, "services");
}

static void
tb_new_case_dialog_dispose (GObject *object)
{
  TbNewCaseDialog *self = TB_NEW_CASE_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), TB_TYPE_NEW_CASE_DIALOG);
  self->form_view = NULL;

  g_clear_object (&self->kinds);
  g_clear_object (&self->service);
  g_clear_object (&self->pending_service);
  g_clear_object (&self->case_service);
  g_clear_object (&self->attachment_cache);
  g_clear_pointer (&self->services, g_ptr_array_unref);

  G_OBJECT_CLASS (tb_new_case_dialog_parent_class)->dispose (object);
}

static void
tb_new_case_dialog_finalize (GObject *object)
{
  TbNewCaseDialog *self = TB_NEW_CASE_DIALOG (object);

  /* Kept until now: a file still being added looks at it to know the dialog is gone. */
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (tb_new_case_dialog_parent_class)->finalize (object);
}

static void
tb_new_case_dialog_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  TbNewCaseDialog *self = TB_NEW_CASE_DIALOG (object);

  switch (prop_id)
    {
    case PROP_CASE_SERVICE:
      g_value_set_object (value, self->case_service);
      break;

    case PROP_ATTACHMENT_CACHE:
      g_value_set_object (value, self->attachment_cache);
      break;

    case PROP_SERVICE:
      g_value_set_object (value, self->service);
      break;

    case PROP_MODIFIED:
      g_value_set_boolean (value, tb_new_case_dialog_get_modified (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tb_new_case_dialog_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  TbNewCaseDialog *self = TB_NEW_CASE_DIALOG (object);

  switch (prop_id)
    {
    case PROP_CASE_SERVICE:
      self->case_service = g_value_dup_object (value);
      break;

    case PROP_ATTACHMENT_CACHE:
      tb_new_case_dialog_set_attachment_cache (self, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tb_new_case_dialog_class_init (TbNewCaseDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->constructed = tb_new_case_dialog_constructed;
  object_class->dispose = tb_new_case_dialog_dispose;
  object_class->finalize = tb_new_case_dialog_finalize;
  object_class->get_property = tb_new_case_dialog_get_property;
  object_class->set_property = tb_new_case_dialog_set_property;

  window_class->close_request = tb_new_case_dialog_close_request;

  /**
   * TbNewCaseDialog:case-service:
   *
   * The case service that registers the case, and whose store lists the services.
   */
  properties[PROP_CASE_SERVICE] =
    g_param_spec_object ("case-service", NULL, NULL,
                         TB_TYPE_CASE_SERVICE,
                         (G_PARAM_READWRITE |
                          G_PARAM_CONSTRUCT_ONLY |
                          G_PARAM_STATIC_STRINGS));

  /**
   * TbNewCaseDialog:attachment-cache:
   *
   * Where files attached to the form are kept until uploaded; without one, attachment fields
   * cannot take files.
   */
  properties[PROP_ATTACHMENT_CACHE] =
    g_param_spec_object ("attachment-cache", NULL, NULL,
                         TB_TYPE_ATTACHMENT_CACHE,
                         (G_PARAM_READWRITE |
                          G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS));

  /**
   * TbNewCaseDialog:service:
   *
   * The service chosen, or %NULL while the user is choosing.
   */
  properties[PROP_SERVICE] =
    g_param_spec_object ("service", NULL, NULL,
                         TB_TYPE_SERVICE,
                         (G_PARAM_READABLE |
                          G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS));

  /**
   * TbNewCaseDialog:modified:
   *
   * Whether the user typed something that closing would lose.
   */
  properties[PROP_MODIFIED] =
    g_param_spec_boolean ("modified", NULL, NULL,
                          FALSE,
                          (G_PARAM_READABLE |
                           G_PARAM_EXPLICIT_NOTIFY |
                           G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * TbNewCaseDialog::case-created:
   * @self: the dialog
   * @case_id: the new case's id
   *
   * The case was registered (and queued for the server). The dialog closes right after.
   */
  signals[CASE_CREATED] =
    g_signal_new ("case-created",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1,
                  G_TYPE_STRING | G_SIGNAL_TYPE_STATIC_SCOPE);

  /* As in TbWindow: referencing the resources keeps the linker from dropping them. */
  g_assert (tb_ui_get_resource () != NULL);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/tongban/Tongban/tb-new-case-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, TbNewCaseDialog, window_title);
  gtk_widget_class_bind_template_child (widget_class, TbNewCaseDialog, save_button);
  gtk_widget_class_bind_template_child (widget_class, TbNewCaseDialog, stack);
  gtk_widget_class_bind_template_child (widget_class, TbNewCaseDialog, service_search);
  gtk_widget_class_bind_template_child (widget_class, TbNewCaseDialog, services_stack);
  gtk_widget_class_bind_template_child (widget_class, TbNewCaseDialog, service_list);
  gtk_widget_class_bind_template_child (widget_class, TbNewCaseDialog, form_scroller);
  gtk_widget_class_bind_template_child (widget_class, TbNewCaseDialog, form_box);
  gtk_widget_class_bind_template_child (widget_class, TbNewCaseDialog, error_revealer);
  gtk_widget_class_bind_template_child (widget_class, TbNewCaseDialog, error_label);
  gtk_widget_class_bind_template_child (widget_class, TbNewCaseDialog, service_row);
  gtk_widget_class_bind_template_child (widget_class, TbNewCaseDialog, applicant_list);
  gtk_widget_class_bind_template_child (widget_class, TbNewCaseDialog, kind_row);
  gtk_widget_class_bind_template_child (widget_class, TbNewCaseDialog, company_row);
  gtk_widget_class_bind_template_child (widget_class, TbNewCaseDialog, company_problem);
  gtk_widget_class_bind_template_child (widget_class, TbNewCaseDialog, company_problem_label);
  gtk_widget_class_bind_template_child (widget_class, TbNewCaseDialog, name_row);
  gtk_widget_class_bind_template_child (widget_class, TbNewCaseDialog, name_problem);
  gtk_widget_class_bind_template_child (widget_class, TbNewCaseDialog, name_problem_label);
  gtk_widget_class_bind_template_callback (widget_class, on_service_search_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_service_search_activate);
  gtk_widget_class_bind_template_callback (widget_class, on_service_search_stop);
  gtk_widget_class_bind_template_callback (widget_class, on_service_row_activated);
  gtk_widget_class_bind_template_callback (widget_class, on_kind_selected);
  gtk_widget_class_bind_template_callback (widget_class, on_applicant_changed);

  gtk_widget_class_install_action (widget_class, "new-case.save", NULL, save_action);
  gtk_widget_class_install_action (widget_class, "new-case.back", NULL, back_action);
  gtk_widget_class_install_action (widget_class, "new-case.add-file", "s", add_file_action);
  gtk_widget_class_install_action (widget_class, "new-case.add-file-from", "(ss)",
                                   add_file_from_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK,
                                       "new-case.save", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Enter, GDK_CONTROL_MASK,
                                       "new-case.save", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Left, GDK_ALT_MASK,
                                       "new-case.back", NULL);
}

static void
tb_new_case_dialog_init (TbNewCaseDialog *self)
{
  GtkEventController *keys;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();

  gtk_list_box_set_filter_func (self->service_list, filter_service_row, self, NULL);
  gtk_search_entry_set_key_capture_widget (self->service_search,
                                           gtk_stack_get_child_by_name (self->stack, "services"));
  keys = gtk_event_controller_key_new ();
  g_signal_connect (keys, "key-pressed", G_CALLBACK (on_service_search_key), self);
  gtk_widget_add_controller (GTK_WIDGET (self->service_search), keys);

  gtk_accessible_update_property (GTK_ACCESSIBLE (self->service_search),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Search services"),
                                  -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (gtk_editable_get_delegate (
                                    GTK_EDITABLE (self->service_search))),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Search services"),
                                  -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->service_list),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Services"),
                                  -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->applicant_list),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Applicant"),
                                  -1);
}

/**
 * tb_new_case_dialog_new:
 * @parent: (nullable): the window the dialog is modal for
 * @case_service: the case service that registers the case
 *
 * Creates the dialog that registers a new case at the counter. Present it with
 * gtk_window_present(); it destroys itself when done.
 *
 * Returns: (transfer none): a new dialog, owned by GTK until destroyed
 */
TbNewCaseDialog *
tb_new_case_dialog_new (GtkWindow     *parent,
                        TbCaseService *case_service)
{
  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (TB_IS_CASE_SERVICE (case_service), NULL);

  return g_object_new (TB_TYPE_NEW_CASE_DIALOG,
                       "transient-for", parent,
                       "case-service", case_service,
                       NULL);
}

/**
 * tb_new_case_dialog_get_case_service:
 * @self: a #TbNewCaseDialog
 *
 * Returns: (transfer none): the case service that registers the case
 */
TbCaseService *
tb_new_case_dialog_get_case_service (TbNewCaseDialog *self)
{
  g_return_val_if_fail (TB_IS_NEW_CASE_DIALOG (self), NULL);

  return self->case_service;
}

/**
 * tb_new_case_dialog_get_service:
 * @self: a #TbNewCaseDialog
 *
 * Returns: (transfer none) (nullable): the service chosen, %NULL while none is
 */
TbService *
tb_new_case_dialog_get_service (TbNewCaseDialog *self)
{
  g_return_val_if_fail (TB_IS_NEW_CASE_DIALOG (self), NULL);

  return self->service;
}

/**
 * tb_new_case_dialog_select_service:
 * @self: a #TbNewCaseDialog
 * @service_id: the id of one of the store's services
 *
 * Goes straight to the applicant and the form of @service_id, as choosing it in the list does
 * (asking first if that loses a form filled in).
 *
 * Returns: %TRUE if the store has that service
 */
gboolean
tb_new_case_dialog_select_service (TbNewCaseDialog *self,
                                   const char      *service_id)
{
  g_return_val_if_fail (TB_IS_NEW_CASE_DIALOG (self), FALSE);
  g_return_val_if_fail (service_id != NULL, FALSE);

  for (guint i = 0; self->services != NULL && i < self->services->len; i++)
    {
      TbService *service = g_ptr_array_index (self->services, i);

      if (g_strcmp0 (tb_service_get_id (service), service_id) == 0)
        {
          choose_service (self, service);
          return TRUE;
        }
    }

  return FALSE;
}

/**
 * tb_new_case_dialog_get_modified:
 * @self: a #TbNewCaseDialog
 *
 * Returns: %TRUE if closing the dialog would lose something the user typed
 */
gboolean
tb_new_case_dialog_get_modified (TbNewCaseDialog *self)
{
  g_return_val_if_fail (TB_IS_NEW_CASE_DIALOG (self), FALSE);

  if (self->service == NULL)
    return FALSE;

  return !text_is_blank (self->name_row)
         || (gtk_widget_get_visible (GTK_WIDGET (self->company_row))
             && !text_is_blank (self->company_row))
         || (self->form_view != NULL && tb_form_view_get_modified (self->form_view));
}

/**
 * tb_new_case_dialog_get_attachment_cache:
 * @self: a #TbNewCaseDialog
 *
 * Returns: (transfer none) (nullable): where the files attached are kept
 */
TbAttachmentCache *
tb_new_case_dialog_get_attachment_cache (TbNewCaseDialog *self)
{
  g_return_val_if_fail (TB_IS_NEW_CASE_DIALOG (self), NULL);

  return self->attachment_cache;
}

/**
 * tb_new_case_dialog_set_attachment_cache:
 * @self: a #TbNewCaseDialog
 * @cache: (nullable): the account's attachment cache
 *
 * Lets attachment fields take files, kept in @cache until the engine uploads them.
 */
void
tb_new_case_dialog_set_attachment_cache (TbNewCaseDialog   *self,
                                         TbAttachmentCache *cache)
{
  g_return_if_fail (TB_IS_NEW_CASE_DIALOG (self));
  g_return_if_fail (cache == NULL || TB_IS_ATTACHMENT_CACHE (cache));

  if (!g_set_object (&self->attachment_cache, cache))
    return;

  if (self->form_view != NULL)
    tb_form_view_set_can_add_files (self->form_view, cache != NULL);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ATTACHMENT_CACHE]);
}
