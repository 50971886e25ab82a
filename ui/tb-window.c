/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-window.c: the main window of the desk: the case inbox */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "tb-case-list.h"
#include "tb-case-service.h"
#include "tb-case-view.h"
#include "tb-case-rows.h"
#include "tb-inbox-view.h"
#include "tb-attachment-cache.h"
#include "tb-new-case-dialog.h"
#include "tb-service.h"
#include "tb-sidebar.h"
#include "tb-sync-engine.h"
#include "tb-sync-indicator.h"
#include "tb-toasts.h"
#include "tb-ui-resources.h"
#include "tb-workflow.h"
#include "tb-window.h"

struct _TbWindow
{
  AdwApplicationWindow  parent_instance;

  /* Template widgets */
  AdwLeaflet           *leaflet;
  TbSidebar            *sidebar;
  AdwWindowTitle       *sidebar_title;
  GtkStack             *content_stack;
  GtkSearchEntry       *search_entry;
  GtkBox               *indicator_slot;
  TbSyncIndicator      *indicator;
  GtkLabel             *view_title;
  GtkDropDown          *service_filter;
  GtkDropDown          *state_filter;
  GtkDropDown          *due_filter;
  GtkColumnView        *column_view;
  GtkColumnViewColumn  *ref_column;
  GtkColumnViewColumn  *received_column;
  GtkColumnViewColumn  *deadline_column;
  GtkLabel             *count_label;
  GtkButton            *copy_refs_button;
  GtkStack             *stack;
  AdwStatusPage        *empty_page;
  AdwStatusPage        *error_page;
  AdwToastOverlay      *toast_overlay;
  AdwWindowTitle       *case_title;
  GtkBox               *case_slot;
  TbCaseView           *case_view;

  TbStore              *store;
  TbSyncEngine         *engine;
  TbAttachmentCache    *attachment_cache; /* of the store's account, through the engine */
  GSettings            *settings;
  TbCaseList           *cases;
  GtkMultiSelection    *selection;       /* of the rows of the cases: see TbCaseRows */
  TbCaseRows           *rows;
  TbCaseService        *case_service;    /* NULL without a signed-in user: read-only */
  char                 *user_id;
  char                 *team_id;
  TbRole                roles;
  GPtrArray            *filter_services; /* service ids behind service_filter's items 1… */
  GPtrArray            *filter_states;   /* state ids behind state_filter's items 1… */
  char                 *open_case_id;    /* the case shown on the case page, or NULL */
  GObject              *sort_probes[2];  /* see tb_window_read_sort() */
  int                   sort_probe_hit;
  TbCalendar           *calendar;
  GHashTable           *services;        /* service id → TbService */
  GHashTable           *workflows;       /* workflow id → TbWorkflow */
  TbDay                 today;
  guint                 n_cases;
  gulong                cases_changed_id;
  GCancellable         *search_cancellable; /* of the search under way: see on_search_changed() */
  char                 *last_list_error; /* so that one failure is not toasted on every change */
  gboolean              store_failed;    /* the error page replaces the list */
  gboolean              constructed;
};

G_DEFINE_FINAL_TYPE (TbWindow, tb_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_STORE,
  PROP_ENGINE,
  PROP_SETTINGS,
  PROP_N_CASES,
  PROP_SEARCHING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Within this many working days a deadline is shown in the warning colour. */
#define DUE_SOON_WORKING_DAYS TB_INBOX_DUE_SOON_DAYS

/* The due filter's choices, in the order of its items. */
enum {
  DUE_ANY,
  DUE_WITHIN_3,
  DUE_WITHIN_10,
  DUE_OVERDUE,
};

/* Copying references stops here: the list pages its rows out of SQLite, and a million
 * selected with Ctrl+A would take a while for a clipboard no one pastes a million lines from. */
#define MAX_COPIED_REFERENCES 5000

static void tb_window_announce_sort (TbWindow *self);

static void
object_unref_nullable (gpointer object)
{
  if (object != NULL)
    g_object_unref (object);
}

static void
tb_window_toast (TbWindow   *self,
                 const char *message)
{
  AdwToast *toast = adw_toast_new (message);

  adw_toast_set_timeout (toast, 0);
  tb_toasts_add (self->toast_overlay, toast);
}

static void
tb_window_update_view (TbWindow *self)
{
  const char *page;

  if (self->store_failed)
    page = "error";
  else if (self->store == NULL)
    page = "signed-out";
  else if (self->n_cases > 0)
    page = "cases";
  else if (*gtk_editable_get_text (GTK_EDITABLE (self->search_entry)) != '\0')
    page = "no-results";
  else
    page = "empty";

  gtk_stack_set_visible_child_name (self->stack, page);

  if (self->store != NULL)
    {
      TbInboxView view = tb_sidebar_get_selected_view (self->sidebar);

      adw_status_page_set_description (self->empty_page,
                                       tb_inbox_view_get_empty_description (view));
    }

  /* Searching only makes sense over a list; an empty store still lets the user try. */
  gtk_widget_set_sensitive (GTK_WIDGET (self->search_entry),
                            self->store != NULL && !self->store_failed);
}

static guint
tb_window_count_selected (TbWindow *self)
{
  g_autoptr(GtkBitset) selected = NULL;

  if (self->cases == NULL)
    return 0;
  selected = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->selection));
  return (guint) MIN (gtk_bitset_get_size (selected), G_MAXUINT);
}

/* The footer says how many are selected when more than one is, and offers what applies to
 * several cases at once. */
static void
tb_window_update_selection (TbWindow *self)
{
  guint n_selected = tb_window_count_selected (self);

  gtk_widget_set_visible (GTK_WIDGET (self->copy_refs_button), n_selected > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.copy-references", n_selected > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.open-selected", n_selected == 1);

  if (n_selected > 1)
    {
      g_autofree char *number = g_strdup_printf ("%'u", n_selected);
      g_autofree char *total = g_strdup_printf ("%'u", self->n_cases);
      g_autofree char *text = NULL;

      /* Translators: "3 of 1,204 cases selected" */
      text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s of %s case selected",
                                           "%s of %s cases selected", self->n_cases),
                              number, total);
      gtk_label_set_label (self->count_label, text);
    }
}

static void
tb_window_update_count (TbWindow *self)
{
  guint n_cases = 0;
  g_autofree char *text = NULL;
  gboolean changed;

  if (self->cases != NULL)
    n_cases = g_list_model_get_n_items (G_LIST_MODEL (self->cases));
  changed = self->n_cases != n_cases;
  self->n_cases = n_cases;
  /* The rows kept meanwhile are not cases of the list: none stays selected. */
  if (n_cases == 0 && self->selection != NULL)
    gtk_selection_model_unselect_all (GTK_SELECTION_MODEL (self->selection));

  text = tb_inbox_format_case_count (n_cases);
  gtk_label_set_label (self->count_label, text);
  /* After n_cases: the selection's label says "3 of 1,204". */
  tb_window_update_selection (self);

  if (changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_CASES]);
}

static void
on_selection_changed (TbWindow          *self,
                      guint              position,
                      guint              n_items,
                      GtkSelectionModel *model)
{
  tb_window_update_count (self);
}

static void
on_cases_changed (TbWindow   *self,
                  guint       position,
                  guint       removed,
                  guint       added,
                  GListModel *model)
{
  const GError *error;
  guint kept = MIN (removed, added);

  /* Where the list put other cases in place of the old, the rows stay (see TbCaseRows) but
   * what was selected there is gone, as if those rows had been removed and added. */
  if (kept > 0)
    gtk_selection_model_unselect_range (GTK_SELECTION_MODEL (self->selection), position, kept);

  tb_window_update_count (self);

  error = tb_case_list_get_error (self->cases);
  if (error != NULL && g_strcmp0 (error->message, self->last_list_error) != 0)
    {
      g_autofree char *message = g_strdup_printf (_("Could not read the cases: %s"),
                                                  error->message);

      g_free (self->last_list_error);
      self->last_list_error = g_strdup (error->message);
      tb_window_toast (self, message);
    }
  else if (error == NULL)
    {
      g_clear_pointer (&self->last_list_error, g_free);
    }

  tb_window_update_view (self);
}

static void
tb_window_load_services (TbWindow *self)
{
  g_autoptr(GPtrArray) services = NULL;
  g_autoptr(GError) error = NULL;

  g_hash_table_remove_all (self->services);
  g_hash_table_remove_all (self->workflows);

  services = tb_store_list_services (self->store, &error);
  if (services == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("Could not read the services: %s"),
                                                  error->message);
      tb_window_toast (self, message);
      return;
    }

  for (guint i = 0; i < services->len; i++)
    {
      TbService *service = g_ptr_array_index (services, i);
      const char *workflow_id = tb_service_get_workflow_id (service);

      g_hash_table_insert (self->services, g_strdup (tb_service_get_id (service)),
                           g_object_ref (service));

      if (workflow_id != NULL && !g_hash_table_contains (self->workflows, workflow_id))
        {
          g_autoptr(TbWorkflow) workflow = tb_store_get_workflow (self->store, workflow_id,
                                                                  &error);

          /* Without its workflow a case still lists, with its state id for a name. */
          if (workflow == NULL)
            {
              g_debug ("Could not load workflow %s: %s", workflow_id, error->message);
              g_clear_error (&error);
            }
          g_hash_table_insert (self->workflows, g_strdup (workflow_id),
                               g_steal_pointer (&workflow));
        }
    }
}

static void
tb_window_load_calendar (TbWindow *self)
{
  g_autoptr(GError) error = NULL;

  g_clear_pointer (&self->calendar, tb_calendar_unref);

  self->calendar = tb_store_load_calendar (self->store, &error);
  if (self->calendar == NULL)
    {
      g_autofree char *message = NULL;

      message = g_strdup_printf (_("Could not read the working-day calendar, using the built-in "
                                   "one: %s"), error->message);
      tb_window_toast (self, message);
      g_clear_error (&error);

      /* Deadlines counted on the bundled official calendar are still right in all but the
       * rarest cases, which beats counting none. */
      self->calendar = tb_calendar_new ();
      if (!tb_calendar_load_bundled (self->calendar, &error))
        g_warning ("Could not load the bundled calendar: %s", error->message);
    }
}

static int
compare_services_by_name (TbService *a,
                          TbService *b)
{
  return g_utf8_collate (tb_service_get_name (a), tb_service_get_name (b));
}

/* The case page, and the inbox it returns to */

static void
tb_window_show_inbox (TbWindow *self)
{
  g_clear_pointer (&self->open_case_id, g_free);
  tb_case_view_set_case_id (self->case_view, NULL);
  gtk_stack_set_visible_child_name (self->content_stack, "inbox");
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.back", FALSE);
}

static void
tb_window_show_case (TbWindow *self,
                     TbCase   *kase)
{
  TbService *service = g_hash_table_lookup (self->services, tb_case_get_service_id (kase));

  g_free (self->open_case_id);
  self->open_case_id = g_strdup (tb_case_get_id (kase));
  tb_case_view_set_case_id (self->case_view, self->open_case_id);
  adw_window_title_set_title (self->case_title, tb_case_get_ref (kase));
  adw_window_title_set_subtitle (self->case_title,
                                 service != NULL ? tb_service_get_name (service) : NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.back", TRUE);
  gtk_stack_set_visible_child_name (self->content_stack, "case");
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_FORWARD);
}

static void
on_case_view_toast (TbWindow   *self,
                    AdwToast   *toast,
                    TbCaseView *view)
{
  tb_toasts_add (self->toast_overlay, g_object_ref (toast));
}

/* Attached files are fetched through the store's account, with the engine's session if any. */
static void
tb_window_update_attachment_cache (TbWindow *self)
{
  g_clear_object (&self->attachment_cache);
  if (self->store != NULL)
    self->attachment_cache = tb_attachment_cache_new (self->store, self->engine);
  tb_case_view_set_attachment_cache (self->case_view, self->attachment_cache);
}

static void
on_case_activated (TbWindow      *self,
                   guint          position,
                   GtkColumnView *column_view)
{
  g_autoptr(TbCase) kase = NULL;

  if (self->cases != NULL)
    kase = g_list_model_get_item (G_LIST_MODEL (self->cases), position);
  if (kase != NULL)
    tb_window_show_case (self, kase);
}

static void
tb_window_leave_case (TbWindow *self)
{
  tb_window_show_inbox (self);
  gtk_widget_grab_focus (GTK_WIDGET (self->column_view));
}

static void
on_unsaved_response (TbWindow         *self,
                     const char       *response,
                     AdwMessageDialog *dialog)
{
  GActionGroup *actions = tb_case_view_get_action_group (self->case_view);

  if (g_str_equal (response, "save"))
    g_action_group_activate_action (actions, "save", NULL);
  else if (g_str_equal (response, "discard"))
    g_action_group_activate_action (actions, "discard", NULL);
  else
    return;

  /* A save the form refused (a value is invalid) stays on the case, with the problems shown. */
  if (!tb_case_view_get_modified (self->case_view))
    tb_window_leave_case (self);
}

static void
back_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  TbWindow *self = TB_WINDOW (widget);
  GtkWidget *dialog;

  if (!tb_case_view_get_modified (self->case_view))
    {
      tb_window_leave_case (self);
      return;
    }

  /* Edits to the form are never dropped without asking. */
  dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Save Changes to the Form?"),
                                   _("You changed the application form of this case. Unsaved "
                                     "changes are lost if you go back without saving."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "discard", _("_Discard"),
                                    "save", _("_Save"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "discard",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "save",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "save");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_unsaved_response), self,
                           G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
show_views_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  TbWindow *self = TB_WINDOW (widget);

  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
}

static void
open_selected_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  TbWindow *self = TB_WINDOW (widget);
  g_autoptr(GtkBitset) selected = NULL;

  selected = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->selection));
  if (gtk_bitset_get_size (selected) == 1)
    on_case_activated (self, gtk_bitset_get_nth (selected, 0), self->column_view);
}

static void
open_case_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  TbWindow *self = TB_WINDOW (widget);
  g_autoptr(TbCase) kase = NULL;
  g_autoptr(GError) error = NULL;

  if (self->store == NULL)
    return;

  kase = tb_store_get_case (self->store, g_variant_get_string (parameter, NULL), &error);
  if (kase == NULL)
    {
      g_autofree char *message = NULL;

      message = g_strdup_printf (_("Could not open the case: %s"),
                                 error != NULL ? error->message : _("it is no longer here"));
      tb_window_toast (self, message);
      return;
    }

  tb_window_show_case (self, kase);
}

static void
copy_references_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  TbWindow *self = TB_WINDOW (widget);
  g_autoptr(GtkBitset) selected = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  GtkBitsetIter iter;
  guint position;
  guint n = 0;
  gboolean more;

  selected = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->selection));
  for (more = gtk_bitset_iter_init_first (&iter, selected, &position);
       more && n < MAX_COPIED_REFERENCES;
       more = gtk_bitset_iter_next (&iter, &position), n++)
    {
      g_autoptr(TbCase) kase = g_list_model_get_item (G_LIST_MODEL (self->cases), position);

      if (kase != NULL)
        g_string_append_printf (text, "%s\n", tb_case_get_ref (kase));
    }

  if (n == 0)
    return;

  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), text->str);
  {
    g_autofree char *number = g_strdup_printf ("%'u", n);
    g_autofree char *message = NULL;

    if (more)
      message = g_strdup_printf (_("Copied the first %s references"), number);
    else
      message = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Copied %s reference",
                                              "Copied %s references", n), number);
    tb_toasts_add (self->toast_overlay, adw_toast_new (message));
  }
}

static void
select_view_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  TbWindow *self = TB_WINDOW (widget);

  tb_sidebar_set_selected_id (self->sidebar, g_variant_get_string (parameter, NULL));
}

static void
on_case_created (TbWindow        *self,
                 const char      *case_id,
                 TbNewCaseDialog *dialog)
{
  g_autoptr(TbCase) kase = tb_store_get_case (self->store, case_id, NULL);
  g_autofree char *message = NULL;

  if (kase == NULL)
    return;

  /* Registered on this device; the reference is the central service's once it has the case. */
  message = g_strdup_printf (_("Registered case %s. It is sent at the next sync."),
                             tb_case_get_ref (kase));
  tb_toasts_add (self->toast_overlay, adw_toast_new (message));
  tb_window_show_case (self, kase);
}

static void
new_case_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  TbWindow *self = TB_WINDOW (widget);
  TbNewCaseDialog *dialog;

  if (self->case_service == NULL || self->user_id == NULL)
    return;

  dialog = tb_new_case_dialog_new (GTK_WINDOW (self), self->case_service);
  tb_new_case_dialog_set_attachment_cache (dialog, self->attachment_cache);
  g_signal_connect_object (dialog, "case-created", G_CALLBACK (on_case_created), self,
                           G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* Sorting. The inbox sorts in SQL, so each sortable column gets a sorter only to make its
 * header clickable. GTK 4.8 has no getter for the column view's primary sort column (that is
 * 4.10), so the order is read by asking the column view's sorter to compare two probes: the
 * first column sorter it consults is the primary one, and the sign of the answer, which the
 * column view flips for a descending column, is the direction. */

static int
probe_compare (gconstpointer a,
               gconstpointer b,
               gpointer      user_data)
{
  TbWindow *self = g_object_get_data (G_OBJECT (a), "tb-window");
  int column = GPOINTER_TO_INT (user_data);

  if (self->sort_probe_hit < 0)
    self->sort_probe_hit = column;
  return a == self->sort_probes[0] ? GTK_ORDERING_SMALLER : GTK_ORDERING_LARGER;
}

static void
tb_window_read_sort (TbWindow *self)
{
  GtkSorter *sorter = gtk_column_view_get_sorter (self->column_view);
  TbCaseSort sort = TB_CASE_SORT_DEADLINE;
  gboolean descending = FALSE;
  GtkOrdering order;

  if (self->cases == NULL || sorter == NULL)
    return;

  self->sort_probe_hit = -1;
  order = gtk_sorter_compare (sorter, self->sort_probes[0], self->sort_probes[1]);
  if (self->sort_probe_hit >= 0)
    {
      sort = self->sort_probe_hit;
      descending = order == GTK_ORDERING_LARGER;
    }

  tb_case_list_set_sort (self->cases, sort, descending);
}

static void
on_sort_changed (TbWindow  *self,
                 int        change,
                 GtkSorter *sorter)
{
  tb_window_read_sort (self);
  tb_window_announce_sort (self);
}

static void
tb_window_set_column_sorter (TbWindow            *self,
                             GtkColumnViewColumn *column,
                             TbCaseSort           sort)
{
  g_autoptr(GtkSorter) sorter = NULL;

  sorter = GTK_SORTER (gtk_custom_sorter_new (probe_compare, GINT_TO_POINTER (sort), NULL));
  gtk_column_view_column_set_sorter (column, sorter);
}

/* Who is signed in to this store, and what they may do: the personal views and the actions
 * need it. A store opened with --db that nobody signed in to has no user and is read-only. */
static void
tb_window_load_user (TbWindow *self)
{
  g_auto(GStrv) team_ids = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *user_id = tb_store_dup_meta (self->store, "user-id");
  g_autofree char *display_name = NULL;
  TbRole roles = TB_ROLE_NONE;

  /* Nobody signed in to this store: cases can be read, not acted on. */
  if (user_id == NULL)
    {
      self->case_service = tb_case_service_new (self->store, "", TB_ROLE_NONE, NULL);
      tb_case_service_set_today (self->case_service, self->today);
      return;
    }

  if (!tb_store_get_user_access (self->store, user_id, &roles, &team_ids, &error))
    {
      g_autofree char *message = g_strdup_printf (_("Could not read your roles: %s"),
                                                  error->message);
      tb_window_toast (self, message);
      return;
    }

  self->user_id = g_steal_pointer (&user_id);
  self->roles = roles;
  self->team_id = team_ids != NULL && team_ids[0] != NULL ? g_strdup (team_ids[0]) : NULL;
  self->case_service = tb_case_service_new (self->store, self->user_id, roles,
                                            (const char * const *) team_ids);
  tb_case_service_set_today (self->case_service, self->today);

  display_name = tb_store_dup_user_name (self->store, self->user_id);
  adw_window_title_set_subtitle (self->sidebar_title, display_name);
}

static void
set_drop_down_strings (GtkDropDown        *drop_down,
                       const char         *first,
                       GPtrArray          *names)
{
  g_autoptr(GtkStringList) model = gtk_string_list_new (NULL);

  gtk_string_list_append (model, first);
  for (guint i = 0; names != NULL && i < names->len; i++)
    gtk_string_list_append (model, g_ptr_array_index (names, i));
  gtk_drop_down_set_model (drop_down, G_LIST_MODEL (model));
  gtk_drop_down_set_selected (drop_down, 0);
}

/* The service and state filters offer what the catalogue has; a state id shared by several
 * workflows ("in_review") is one choice, named after the first that has it. */
static void
tb_window_fill_filters (TbWindow *self)
{
  g_autoptr(GPtrArray) service_names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) state_names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) seen_states = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GList) services = g_hash_table_get_values (self->services);
  GHashTableIter iter;
  gpointer value;

  g_ptr_array_set_size (self->filter_services, 0);
  g_ptr_array_set_size (self->filter_states, 0);

  services = g_list_sort (services, (GCompareFunc) compare_services_by_name);
  for (const GList *l = services; l != NULL; l = l->next)
    {
      g_ptr_array_add (self->filter_services, g_strdup (tb_service_get_id (l->data)));
      g_ptr_array_add (service_names, g_strdup (tb_service_get_name (l->data)));
    }

  g_hash_table_iter_init (&iter, self->workflows);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      const char * const *states;

      if (value == NULL)
        continue;
      states = tb_workflow_get_states (value);
      for (guint i = 0; states != NULL && states[i] != NULL; i++)
        if (g_hash_table_add (seen_states, (gpointer) states[i]))
          {
            g_ptr_array_add (self->filter_states, g_strdup (states[i]));
            g_ptr_array_add (state_names, g_strdup (tb_workflow_get_state_name (value,
                                                                                states[i])));
          }
    }

  set_drop_down_strings (self->service_filter, _("All Services"), service_names);
  set_drop_down_strings (self->state_filter, _("All States"), state_names);
}

/* The list shows the selected view, narrowed by the filters the view leaves to the user. */
static void
tb_window_apply_filters (TbWindow *self)
{
  TbInboxView view = tb_sidebar_get_selected_view (self->sidebar);
  TbInboxFilter decided;
  guint service = gtk_drop_down_get_selected (self->service_filter);
  guint state = gtk_drop_down_get_selected (self->state_filter);
  guint due = gtk_drop_down_get_selected (self->due_filter);

  gtk_label_set_label (self->view_title, tb_inbox_view_get_title (view));

  if (self->cases == NULL)
    return;

  tb_case_list_begin_update (self->cases);
  decided = tb_inbox_view_configure (view, self->cases, self->user_id, self->team_id);
  tb_case_list_set_service (self->cases,
                            service > 0 && service <= self->filter_services->len
                            ? g_ptr_array_index (self->filter_services, service - 1) : NULL);
  if (!(decided & TB_INBOX_FILTER_STATE))
    tb_case_list_set_state (self->cases,
                            state > 0 && state <= self->filter_states->len
                            ? g_ptr_array_index (self->filter_states, state - 1) : NULL);
  if (!(decided & TB_INBOX_FILTER_DUE))
    {
      tb_case_list_set_overdue (self->cases, due == DUE_OVERDUE);
      tb_case_list_set_due_within (self->cases,
                                   due == DUE_WITHIN_3 ? 3 : due == DUE_WITHIN_10 ? 10 : -1);
    }
  tb_case_list_end_update (self->cases);

  /* A filter the view decides is shown as not applying rather than silently ignored. */
  gtk_widget_set_sensitive (GTK_WIDGET (self->state_filter), !(decided & TB_INBOX_FILTER_STATE));
  gtk_widget_set_sensitive (GTK_WIDGET (self->due_filter), !(decided & TB_INBOX_FILTER_DUE));

  tb_window_update_view (self);
}

static void
on_view_selected (TbWindow *self)
{
  if (self->settings != NULL)
    g_settings_set_string (self->settings, "selected-view",
                           tb_sidebar_get_selected_id (self->sidebar));
  tb_window_apply_filters (self);
  /* On a narrow window the sidebar was the page shown: picking a view shows its cases. */
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_FORWARD);
}

static void
on_filter_changed (TbWindow *self)
{
  tb_window_apply_filters (self);
}

static void
tb_window_set_searching (TbWindow *self,
                         gboolean  searching)
{
  if (searching == (self->search_cancellable != NULL))
    return;

  if (!searching)
    g_clear_object (&self->search_cancellable);
  else
    self->search_cancellable = g_cancellable_new ();

  gtk_accessible_update_state (GTK_ACCESSIBLE (self->column_view),
                               GTK_ACCESSIBLE_STATE_BUSY, searching, -1);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SEARCHING]);
}

static void
tb_window_reload (TbWindow *self)
{
  if (self->cases != NULL)
    g_clear_signal_handler (&self->cases_changed_id, self->cases);
  /* The new list takes the entry's text at once. */
  g_cancellable_cancel (self->search_cancellable);
  tb_window_set_searching (self, FALSE);
  g_clear_object (&self->rows);
  g_clear_object (&self->cases);
  g_clear_object (&self->case_service);
  g_clear_pointer (&self->user_id, g_free);
  g_clear_pointer (&self->team_id, g_free);
  self->roles = TB_ROLE_NONE;
  g_clear_pointer (&self->calendar, tb_calendar_unref);
  g_clear_pointer (&self->last_list_error, g_free);
  g_hash_table_remove_all (self->services);
  g_hash_table_remove_all (self->workflows);
  adw_window_title_set_subtitle (self->sidebar_title, NULL);
  tb_window_show_inbox (self);

  self->today = tb_day_today ();

  if (self->store != NULL)
    {
      tb_window_load_calendar (self);
      tb_window_load_services (self);
      tb_window_load_user (self);

      self->cases = tb_case_list_new (self->store);
      tb_case_list_begin_update (self->cases);
      tb_case_list_set_calendar (self->cases, self->calendar);
      tb_case_list_set_today (self->cases, self->today);
      tb_case_list_set_search_text (self->cases,
                                    gtk_editable_get_text (GTK_EDITABLE (self->search_entry)));
      tb_window_read_sort (self);
      tb_case_list_end_update (self->cases);
      self->cases_changed_id = g_signal_connect_object (self->cases, "items-changed",
                                                        G_CALLBACK (on_cases_changed), self,
                                                        G_CONNECT_SWAPPED);
      self->rows = tb_case_rows_new (G_LIST_MODEL (self->cases));
      /* While there are no cases a status page covers the list, which then keeps its rows for
       * the next search rather than destroy and make them again (see TbCaseRows). */
      tb_case_rows_set_keep_when_empty (self->rows, TRUE);
    }

  tb_sync_indicator_set_store (self->indicator, self->store);
  tb_window_update_attachment_cache (self);
  tb_window_fill_filters (self);
  tb_sidebar_set_context (self->sidebar, self->store, self->user_id, self->roles, self->team_id,
                          self->calendar, self->today);
  if (self->settings != NULL)
    {
      g_autofree char *view_id = g_settings_get_string (self->settings, "selected-view");
      tb_sidebar_set_selected_id (self->sidebar, view_id);
    }
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.new-case", self->user_id != NULL);
  tb_case_view_set_case_service (self->case_view, self->case_service);

  gtk_multi_selection_set_model (self->selection, G_LIST_MODEL (self->rows));
  tb_window_apply_filters (self);

  if (self->cases != NULL)
    on_cases_changed (self, 0, 0, 0, G_LIST_MODEL (self->cases));
  else
    tb_window_update_count (self);

  tb_window_update_view (self);
}

static void
on_search_done (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  TbWindow *self = user_data;
  g_autoptr(GError) error = NULL;

  /* Given up: a later search (which says when it is done), or the window closed (its dispose
   * cancels the search: the window is not held meanwhile, and may be gone). */
  if (!tb_case_list_set_search_text_finish (TB_CASE_LIST (object), result, &error))
    return;

  if (TB_CASE_LIST (object) == self->cases)
    {
      /* An unchanged result emits no items-changed, but the empty state may still differ. */
      tb_window_update_view (self);
      tb_window_set_searching (self, FALSE);
    }
}

/*
 * The case list reads a text's matches on a worker thread and shows them when it has them: the
 * user goes on typing meanwhile, and each keystroke gives up the search of the one before. So the
 * entry needs no search-delay to keep typing smooth, and none is waited for.
 */
static void
on_search_changed (TbWindow       *self,
                   GtkSearchEntry *entry)
{
  if (self->cases == NULL)
    return;

  tb_window_set_searching (self, TRUE);
  tb_case_list_set_search_text_async (self->cases, gtk_editable_get_text (GTK_EDITABLE (entry)),
                                      self->search_cancellable, on_search_done, self);
}

static void
on_stop_search (TbWindow       *self,
                GtkSearchEntry *entry)
{
  gtk_editable_set_text (GTK_EDITABLE (entry), "");
  if (self->n_cases > 0)
    gtk_widget_grab_focus (GTK_WIDGET (self->column_view));
}

static void
on_search_activate (TbWindow       *self,
                    GtkSearchEntry *entry)
{
  /* Enter takes the user from the query to its results. */
  if (self->n_cases > 0)
    gtk_widget_grab_focus (GTK_WIDGET (self->column_view));
}

static void
focus_search_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  TbWindow *self = TB_WINDOW (widget);

  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
  gtk_editable_select_region (GTK_EDITABLE (self->search_entry), 0, -1);
}

/*
 * Cells. Every bind sets each part of its cell from the case — text, colour, tooltip — so that a
 * recycled cell never shows or styles another row's data, and it changes only what differs: a new
 * search binds a few hundred cells at once (GTK 4.8 keeps 200 rows), and a style change or a
 * tooltip each costs more than a text.
 *
 * The text cells are GtkInscriptions, not GtkLabels: an inscription's size comes from a number of
 * characters rather than from laying out its text, so new text only redraws it, where a label would
 * lay out the text and resize every column of every row.
 */

static GtkWidget *
tb_window_new_cell_text (int min_chars,
                         int nat_chars)
{
  GtkWidget *text = gtk_inscription_new (NULL);

  gtk_inscription_set_xalign (GTK_INSCRIPTION (text), 0.0f);
  gtk_inscription_set_text_overflow (GTK_INSCRIPTION (text),
                                     GTK_INSCRIPTION_OVERFLOW_ELLIPSIZE_END);
  gtk_inscription_set_min_chars (GTK_INSCRIPTION (text), min_chars);
  gtk_inscription_set_nat_chars (GTK_INSCRIPTION (text), nat_chars);
  return text;
}

/*
 * A text in a box that sets its baseline, so that a row reads on one line. An inscription draws
 * its text from its top, so a text in another font than the one its height is measured by (the
 * locale's: Chinese in zh_CN) would sit higher or lower than its neighbours.
 */
static void
setup_text_cell (GtkListItem *item,
                 int          min_chars,
                 int          nat_chars,
                 gboolean     numeric)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  GtkWidget *text = tb_window_new_cell_text (min_chars, nat_chars);

  /* Tabular digits keep the references and dates of consecutive rows aligned. */
  if (numeric)
    gtk_widget_add_css_class (text, "numeric");
  gtk_widget_set_valign (text, GTK_ALIGN_BASELINE);
  gtk_widget_set_hexpand (text, TRUE);
  gtk_box_append (GTK_BOX (box), text);
  gtk_list_item_set_child (item, box);
}

/* The widths in characters (as wide as an average Latin letter: a Chinese character takes two)
 * that a column asks for, and that it keeps when the window is narrow. A reference and a date are
 * never cut; an applicant's name keeps its first six Chinese characters. */
static void
on_ref_cell_setup (GtkSignalListItemFactory *factory,
                   GtkListItem              *item,
                   TbWindow                 *self)
{
  setup_text_cell (item, 14, 14, TRUE);
}

static void
on_applicant_cell_setup (GtkSignalListItemFactory *factory,
                         GtkListItem              *item,
                         TbWindow                 *self)
{
  setup_text_cell (item, 12, 24, FALSE);
}

static void
on_service_cell_setup (GtkSignalListItemFactory *factory,
                       GtkListItem              *item,
                       TbWindow                 *self)
{
  setup_text_cell (item, 8, 28, FALSE);
}

static void
on_state_cell_setup (GtkSignalListItemFactory *factory,
                     GtkListItem              *item,
                     TbWindow                 *self)
{
  setup_text_cell (item, 10, 18, FALSE);
}

static void
on_received_cell_setup (GtkSignalListItemFactory *factory,
                        GtkListItem              *item,
                        TbWindow                 *self)
{
  setup_text_cell (item, 10, 10, TRUE);
}

static void
set_cell_text (GtkListItem *item,
               const char  *text)
{
  GtkWidget *box = gtk_list_item_get_child (item);

  gtk_inscription_set_text (GTK_INSCRIPTION (gtk_widget_get_first_child (box)), text);
}

static void
fill_ref_cell (TbWindow    *self,
               GtkListItem *item,
               TbCase      *kase)
{
  set_cell_text (item, tb_case_get_ref (kase));
}

static void
fill_applicant_cell (TbWindow    *self,
                     GtkListItem *item,
                     TbCase      *kase)
{
  const char *name = NULL;

  if (g_strcmp0 (tb_case_get_applicant_kind (kase), "company") == 0)
    name = tb_case_get_company_name (kase);
  if (name == NULL || *name == '\0')
    {
      TbService *service = g_hash_table_lookup (self->services, tb_case_get_service_id (kase));
      const TbFormField *field = NULL;

      name = tb_case_get_applicant_name (kase);
      /* A service that marks the applicant's name as personal data gets it masked here as in
       * its form; revealing it is done, and recorded, in the case view. */
      if (service != NULL)
        field = tb_service_lookup_field (service, "applicant_name");
      if (field != NULL && tb_form_field_get_sensitive (field))
        {
          g_autofree char *masked = tb_form_field_mask_value (field, name);

          set_cell_text (item, masked);
          return;
        }
    }

  set_cell_text (item, name);
}

static void
fill_received_cell (TbWindow    *self,
                    GtkListItem *item,
                    TbCase      *kase)
{
  g_autofree char *iso = tb_day_to_iso (tb_case_get_received_on (kase));

  set_cell_text (item, iso);
}

static void
on_sync_cell_setup (GtkSignalListItemFactory *factory,
                    GtkListItem              *item,
                    TbWindow                 *self)
{
  GtkWidget *image = gtk_image_new ();

  gtk_widget_set_halign (image, GTK_ALIGN_CENTER);
  gtk_list_item_set_child (item, image);
}

/* Sets @css_class on @widget (if not NULL) and takes every other of @classes off. */
static void
set_css_class (GtkWidget         *widget,
               const char * const *classes,
               const char         *css_class)
{
  for (guint i = 0; classes[i] != NULL; i++)
    if (g_strcmp0 (classes[i], css_class) != 0)
      gtk_widget_remove_css_class (widget, classes[i]);
  if (css_class != NULL)
    gtk_widget_add_css_class (widget, css_class);
}

static void
fill_sync_cell (TbWindow    *self,
                GtkListItem *item,
                TbCase      *kase)
{
  static const char * const classes[] = { "dim-label", "error", "warning", NULL };
  GtkWidget *image = gtk_list_item_get_child (item);
  TbSyncState state = tb_case_get_sync_state (kase);
  const char *icon = NULL;
  const char *label = NULL;
  const char *css_class = "dim-label";

  /* Nearly every case is synced: a cell that shows that already needs nothing. */
  if (GPOINTER_TO_INT (g_object_get_data (G_OBJECT (image), "tb-sync-state")) == (int) state + 1)
    return;
  g_object_set_data (G_OBJECT (image), "tb-sync-state", GINT_TO_POINTER ((int) state + 1));

  /* A synced case shows nothing: the column is there to make the exceptions stand out. */
  switch (state)
    {
    case TB_SYNC_STATE_PENDING:
      icon = "document-send-symbolic";
      label = _("Waiting to be sent");
      break;
    case TB_SYNC_STATE_SENDING:
      icon = "emblem-synchronizing-symbolic";
      label = _("Sending");
      break;
    case TB_SYNC_STATE_ERROR:
      icon = "dialog-error-symbolic";
      label = _("Rejected by the central service");
      css_class = "error";
      break;
    case TB_SYNC_STATE_CONFLICT:
      icon = "dialog-warning-symbolic";
      label = _("In conflict with a newer version");
      css_class = "warning";
      break;
    case TB_SYNC_STATE_SYNCED:
    default:
      label = _("Synced");
      break;
    }

  if (icon != NULL)
    gtk_image_set_from_icon_name (GTK_IMAGE (image), icon);
  else
    gtk_image_clear (GTK_IMAGE (image));
  set_css_class (image, classes, icon != NULL ? css_class : NULL);
  gtk_widget_set_tooltip_text (image, icon != NULL ? label : NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (image),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                  -1);
}

static void
fill_service_cell (TbWindow    *self,
                   GtkListItem *item,
                   TbCase      *kase)
{
  const char *service_id = tb_case_get_service_id (kase);
  TbService *service = g_hash_table_lookup (self->services, service_id);

  /* A case may arrive before its service definition does. */
  set_cell_text (item, service != NULL ? tb_service_get_name (service) : service_id);
}

static void
fill_state_cell (TbWindow    *self,
                 GtkListItem *item,
                 TbCase      *kase)
{
  const char *state = tb_case_get_state (kase);
  TbService *service = g_hash_table_lookup (self->services, tb_case_get_service_id (kase));
  TbWorkflow *workflow = NULL;
  const char *name = NULL;

  if (service != NULL && tb_service_get_workflow_id (service) != NULL)
    workflow = g_hash_table_lookup (self->workflows, tb_service_get_workflow_id (service));
  if (workflow != NULL && tb_workflow_has_state (workflow, state))
    name = tb_workflow_get_state_name (workflow, state);

  set_cell_text (item, name != NULL ? name : state);
}

static gboolean on_deadline_query_tooltip (GtkWidget   *widget,
                                           int          x,
                                           int          y,
                                           gboolean     keyboard_mode,
                                           GtkTooltip  *tooltip,
                                           GtkListItem *item);

static void
on_deadline_cell_setup (GtkSignalListItemFactory *factory,
                        GtkListItem              *item,
                        TbWindow                 *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *date = tb_window_new_cell_text (10, 10);
  /* The longest of the short descriptions ("25 days overdue") is never cut. */
  GtkWidget *remaining = tb_window_new_cell_text (15, 15);

  gtk_widget_add_css_class (date, "numeric");
  /* On one baseline, as in the text cells (see setup_text_cell()). */
  gtk_widget_set_valign (date, GTK_ALIGN_BASELINE);
  gtk_widget_set_valign (remaining, GTK_ALIGN_BASELINE);
  gtk_widget_set_hexpand (remaining, TRUE);
  gtk_widget_set_has_tooltip (remaining, TRUE);
  g_signal_connect (remaining, "query-tooltip", G_CALLBACK (on_deadline_query_tooltip), item);
  gtk_box_append (GTK_BOX (box), date);
  gtk_box_append (GTK_BOX (box), remaining);
  gtk_list_item_set_child (item, box);
}

/*
 * Describes how far @deadline is from today, and which colour says it: briefly for the column
 * ("3 days overdue"), and in @tooltip in full, as the law counts it ("Overdue by 3 working days").
 */
static char *
tb_window_describe_deadline (TbWindow    *self,
                             TbCase      *kase,
                             char       **tooltip,
                             const char **css_class)
{
  TbDay deadline = tb_case_get_deadline (kase);
  guint n;

  *css_class = NULL;
  *tooltip = NULL;

  if (deadline == TB_DAY_INVALID)
    return g_strdup (_("No time limit"));
  if (tb_case_get_closed (kase))
    return g_strdup (_("Concluded"));
  if (tb_case_get_paused_since (kase) != TB_DAY_INVALID)
    {
      *tooltip = g_strdup (_("Paused while awaiting the applicant"));
      /* Translators: the time limit of a case is paused, said in the narrow deadline column */
      return g_strdup (C_("deadline", "Paused"));
    }
  if (self->calendar == NULL)
    return g_strdup ("");

  if (deadline >= self->today)
    {
      n = tb_calendar_count_working_days (self->calendar, self->today, deadline, NULL, 0);
      if (n <= DUE_SOON_WORKING_DAYS)
        *css_class = "warning";
      if (n == 0)
        return g_strdup (_("Due today"));
      *tooltip = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                               "%u working day left",
                                               "%u working days left", n), n);
      /* Translators: in the narrow deadline column; the days are working days, as the tooltip
       * says ("%u working days left"). */
      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Due in %u day", "Due in %u days", n),
                              n);
    }

  *css_class = "error";
  n = tb_calendar_count_working_days (self->calendar, deadline, self->today, NULL, 0);
  /* Past the deadline but no working day since, e.g. on the weekend after it. */
  if (n == 0)
    return g_strdup (_("Overdue"));
  *tooltip = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                           "Overdue by %u working day",
                                           "Overdue by %u working days", n), n);
  /* Translators: in the narrow deadline column; the days are working days, as the tooltip says
   * ("Overdue by %u working days"). */
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u day overdue", "%u days overdue", n),
                          n);
}

static void
fill_deadline_cell (TbWindow    *self,
                    GtkListItem *item,
                    TbCase      *kase)
{
  static const char * const box_classes[] = { "error", "warning", NULL };
  static const char * const dim_classes[] = { "dim-label", NULL };
  GtkWidget *box = gtk_list_item_get_child (item);
  GtkWidget *date = gtk_widget_get_first_child (box);
  GtkWidget *remaining = gtk_widget_get_next_sibling (date);
  g_autofree char *iso = NULL;
  g_autofree char *description = NULL;
  g_autofree char *tooltip = NULL;
  const char *css_class = NULL;

  if (tb_case_get_deadline (kase) != TB_DAY_INVALID)
    iso = tb_day_to_iso (tb_case_get_deadline (kase));

  description = tb_window_describe_deadline (self, kase, &tooltip, &css_class);
  gtk_inscription_set_text (GTK_INSCRIPTION (date), iso);
  /* Without a date the description starts where dates do, not after the spacing. */
  gtk_widget_set_visible (date, iso != NULL);
  gtk_inscription_set_text (GTK_INSCRIPTION (remaining), description);
  /* The full wording is the description for assistive technologies, and the tooltip, which is
   * made when asked for (see on_deadline_query_tooltip()): setting a tooltip makes GTK 4.8 look
   * for one to show, which cost more than the rest of a new search's binding together. */
  if (g_strcmp0 (g_object_get_data (G_OBJECT (remaining), "tb-description"), tooltip) != 0)
    {
      if (tooltip != NULL)
        gtk_accessible_update_property (GTK_ACCESSIBLE (remaining),
                                        GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, tooltip, -1);
      else
        gtk_accessible_reset_property (GTK_ACCESSIBLE (remaining),
                                       GTK_ACCESSIBLE_PROPERTY_DESCRIPTION);
      g_object_set_data_full (G_OBJECT (remaining), "tb-description", g_steal_pointer (&tooltip),
                              g_free);
    }
  set_css_class (box, box_classes, css_class);
  set_css_class (remaining, dim_classes, css_class == NULL ? "dim-label" : NULL);
}

static gboolean
on_deadline_query_tooltip (GtkWidget   *widget,
                           int          x,
                           int          y,
                           gboolean     keyboard_mode,
                           GtkTooltip  *tooltip,
                           GtkListItem *item)
{
  const char *text = g_object_get_data (G_OBJECT (widget), "tb-description");

  if (gtk_list_item_get_item (item) == NULL || text == NULL)
    return FALSE;
  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

/* Binding: each cell is filled from the case of its row, and again whenever the row gets another
 * case (a new search, see TbCaseRows) until it is unbound. */

typedef void (*CellFill) (TbWindow    *self,
                          GtkListItem *item,
                          TbCase      *kase);

typedef struct
{
  TbWindow    *self;
  GtkListItem *item;
  CellFill     fill;
} CellBinding;

static GQuark
cell_binding_quark (void)
{
  return g_quark_from_static_string ("tb-window-cell-binding");
}

static void
free_cell_binding (gpointer  data,
                   GClosure *closure)
{
  g_free (data);
}

static void
on_row_case_changed (TbCaseRow   *row,
                     GParamSpec  *pspec,
                     CellBinding *binding)
{
  binding->fill (binding->self, binding->item, tb_case_row_get_case (row));
}

static void
bind_cell (TbWindow    *self,
           GtkListItem *item,
           CellFill     fill)
{
  TbCaseRow *row = gtk_list_item_get_item (item);
  CellBinding *binding = g_new (CellBinding, 1);
  gulong handler;

  *binding = (CellBinding) { self, item, fill };
  fill (self, item, tb_case_row_get_case (row));
  handler = g_signal_connect_data (row, "notify::case", G_CALLBACK (on_row_case_changed),
                                   binding, free_cell_binding, 0);
  g_object_set_qdata (G_OBJECT (item), cell_binding_quark (), GSIZE_TO_POINTER (handler));
}

static void
on_cell_unbind (GtkSignalListItemFactory *factory,
                GtkListItem              *item,
                TbWindow                 *self)
{
  gulong handler = GPOINTER_TO_SIZE (g_object_steal_qdata (G_OBJECT (item),
                                                           cell_binding_quark ()));

  if (handler != 0)
    g_signal_handler_disconnect (gtk_list_item_get_item (item), handler);
}

#define DEFINE_CELL_BIND(column) \
  static void \
  on_##column##_cell_bind (GtkSignalListItemFactory *factory, \
                           GtkListItem              *item, \
                           TbWindow                 *self) \
  { \
    bind_cell (self, item, fill_##column##_cell); \
  }

DEFINE_CELL_BIND (ref)
DEFINE_CELL_BIND (applicant)
DEFINE_CELL_BIND (service)
DEFINE_CELL_BIND (state)
DEFINE_CELL_BIND (received)
DEFINE_CELL_BIND (deadline)
DEFINE_CELL_BIND (sync)

/* The column header's title widgets, in column order. */
static GtkWidget *
tb_window_get_column_header (TbWindow *self)
{
  GtkWidget *header;

  for (header = gtk_widget_get_first_child (GTK_WIDGET (self->column_view));
       header != NULL;
       header = gtk_widget_get_next_sibling (header))
    {
      if (g_strcmp0 (gtk_widget_get_css_name (header), "header") == 0)
        return header;
    }
  return NULL;
}

/* GTK 4.8 does not tell assistive technologies how the column view is sorted: set the sort
 * property of each sortable header, so the sorted one is announced as ascending or descending. */
static void
tb_window_announce_sort (TbWindow *self)
{
  g_autoptr(GListModel) columns = g_object_ref (gtk_column_view_get_columns (self->column_view));
  GtkWidget *header = tb_window_get_column_header (self);
  GtkWidget *title;
  TbCaseSort sort = TB_CASE_SORT_DEADLINE;
  gboolean descending = FALSE;
  guint i = 0;

  if (header == NULL)
    return;
  if (self->cases != NULL)
    g_object_get (self->cases, "sort", &sort, "descending", &descending, NULL);

  for (title = gtk_widget_get_first_child (header);
       title != NULL && i < g_list_model_get_n_items (columns);
       title = gtk_widget_get_next_sibling (title), i++)
    {
      g_autoptr(GtkColumnViewColumn) column = g_list_model_get_item (columns, i);
      GtkAccessibleSort value = GTK_ACCESSIBLE_SORT_NONE;
      TbCaseSort column_sort = TB_CASE_SORT_DEADLINE;

      if (gtk_column_view_column_get_sorter (column) == NULL)
        continue;
      if (column == self->ref_column)
        column_sort = TB_CASE_SORT_REFERENCE;
      else if (column == self->received_column)
        column_sort = TB_CASE_SORT_RECEIVED;
      if (column_sort == sort)
        value = descending ? GTK_ACCESSIBLE_SORT_DESCENDING : GTK_ACCESSIBLE_SORT_ASCENDING;
      gtk_accessible_update_property (GTK_ACCESSIBLE (title),
                                      GTK_ACCESSIBLE_PROPERTY_SORT, value,
                                      -1);
    }
}

/* GTK 4.8 gives the column header buttons no accessible name of their own, so screen readers
 * announce them as unnamed; name each after its column. */
static void
tb_window_label_column_headers (TbWindow *self)
{
  g_autoptr(GListModel) columns = NULL;
  GtkWidget *header;
  GtkWidget *title;
  guint i = 0;

  columns = g_object_ref (gtk_column_view_get_columns (self->column_view));

  for (header = gtk_widget_get_first_child (GTK_WIDGET (self->column_view));
       header != NULL;
       header = gtk_widget_get_next_sibling (header))
    {
      if (g_strcmp0 (gtk_widget_get_css_name (header), "header") == 0)
        break;
    }
  if (header == NULL)
    return;

  for (title = gtk_widget_get_first_child (header);
       title != NULL && i < g_list_model_get_n_items (columns);
       title = gtk_widget_get_next_sibling (title), i++)
    {
      g_autoptr(GtkColumnViewColumn) column = g_list_model_get_item (columns, i);

      gtk_accessible_update_property (GTK_ACCESSIBLE (title),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      gtk_column_view_column_get_title (column),
                                      -1);
    }
}

static gboolean
tb_window_close_request (GtkWindow *window)
{
  TbWindow *self = TB_WINDOW (window);

  if (self->settings != NULL)
    {
      int width;
      int height;

      /* The default size is the unmaximized size, which is what to restore next time. */
      gtk_window_get_default_size (window, &width, &height);
      /* Not g_settings_delay(): the settings object is the application's, and delay-apply
       * mode would stay on for every later write. */
      g_settings_set_int (self->settings, "window-width", width);
      g_settings_set_int (self->settings, "window-height", height);
      g_settings_set_boolean (self->settings, "window-maximized",
                              gtk_window_is_maximized (window));
    }

  return GTK_WINDOW_CLASS (tb_window_parent_class)->close_request (window);
}

static void
tb_window_constructed (GObject *object)
{
  TbWindow *self = TB_WINDOW (object);

  G_OBJECT_CLASS (tb_window_parent_class)->constructed (object);

  self->constructed = TRUE;

  if (self->settings != NULL)
    {
      gtk_window_set_default_size (GTK_WINDOW (self),
                                   g_settings_get_int (self->settings, "window-width"),
                                   g_settings_get_int (self->settings, "window-height"));
      if (g_settings_get_boolean (self->settings, "window-maximized"))
        gtk_window_maximize (GTK_WINDOW (self));
    }

  tb_window_reload (self);
}

static void
tb_window_dispose (GObject *object)
{
  TbWindow *self = TB_WINDOW (object);

  if (self->cases != NULL)
    g_clear_signal_handler (&self->cases_changed_id, self->cases);
  g_cancellable_cancel (self->search_cancellable);
  g_clear_object (&self->search_cancellable);

  /* Removing the columns changes the column view's sorter: not a sort to apply. */
  if (self->column_view != NULL)
    g_signal_handlers_disconnect_by_data (gtk_column_view_get_sorter (self->column_view), self);
  gtk_widget_dispose_template (GTK_WIDGET (self), TB_TYPE_WINDOW);

  g_clear_object (&self->selection);
  g_clear_object (&self->rows);
  g_clear_object (&self->cases);
  g_clear_object (&self->case_service);
  g_clear_object (&self->sort_probes[0]);
  g_clear_object (&self->sort_probes[1]);
  g_clear_object (&self->attachment_cache);
  g_clear_object (&self->engine);
  g_clear_object (&self->store);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->calendar, tb_calendar_unref);

  G_OBJECT_CLASS (tb_window_parent_class)->dispose (object);
}

static void
tb_window_finalize (GObject *object)
{
  TbWindow *self = TB_WINDOW (object);

  g_clear_pointer (&self->services, g_hash_table_unref);
  g_clear_pointer (&self->workflows, g_hash_table_unref);
  g_clear_pointer (&self->last_list_error, g_free);
  g_clear_pointer (&self->user_id, g_free);
  g_clear_pointer (&self->team_id, g_free);
  g_clear_pointer (&self->open_case_id, g_free);
  g_clear_pointer (&self->filter_services, g_ptr_array_unref);
  g_clear_pointer (&self->filter_states, g_ptr_array_unref);

  G_OBJECT_CLASS (tb_window_parent_class)->finalize (object);
}

static void
tb_window_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  TbWindow *self = TB_WINDOW (object);

  switch (prop_id)
    {
    case PROP_STORE:
      g_value_set_object (value, self->store);
      break;

    case PROP_ENGINE:
      g_value_set_object (value, self->engine);
      break;

    case PROP_SETTINGS:
      g_value_set_object (value, self->settings);
      break;

    case PROP_N_CASES:
      g_value_set_uint (value, self->n_cases);
      break;

    case PROP_SEARCHING:
      g_value_set_boolean (value, self->search_cancellable != NULL);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tb_window_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  TbWindow *self = TB_WINDOW (object);

  switch (prop_id)
    {
    case PROP_STORE:
      /* During construction, constructed() loads the store once everything is set. */
      if (self->constructed)
        tb_window_set_store (self, g_value_get_object (value));
      else
        g_set_object (&self->store, g_value_get_object (value));
      break;

    case PROP_ENGINE:
      tb_window_set_engine (self, g_value_get_object (value));
      break;

    case PROP_SETTINGS:
      self->settings = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tb_window_class_init (TbWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->constructed = tb_window_constructed;
  object_class->dispose = tb_window_dispose;
  object_class->finalize = tb_window_finalize;
  object_class->get_property = tb_window_get_property;
  object_class->set_property = tb_window_set_property;

  window_class->close_request = tb_window_close_request;

  /**
   * TbWindow:store:
   *
   * The local case store shown, or %NULL before anyone signed in.
   */
  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL,
                         TB_TYPE_STORE,
                         (G_PARAM_READWRITE |
                          G_PARAM_CONSTRUCT |
                          G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS));

  /**
   * TbWindow:engine:
   *
   * The sync engine of the signed-in session, or %NULL when the desk works without one (a store
   * opened with --db and no session, or a test).
   */
  properties[PROP_ENGINE] =
    g_param_spec_object ("engine", NULL, NULL,
                         TB_TYPE_SYNC_ENGINE,
                         (G_PARAM_READWRITE |
                          G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS));

  /**
   * TbWindow:settings:
   *
   * Where the window keeps its size, or %NULL not to keep it.
   */
  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL,
                         G_TYPE_SETTINGS,
                         (G_PARAM_READWRITE |
                          G_PARAM_CONSTRUCT_ONLY |
                          G_PARAM_STATIC_STRINGS));

  /**
   * TbWindow:n-cases:
   *
   * How many cases the inbox lists, with the current search applied.
   */
  properties[PROP_N_CASES] =
    g_param_spec_uint ("n-cases", NULL, NULL,
                       0, G_MAXUINT, 0,
                       (G_PARAM_READABLE |
                        G_PARAM_EXPLICIT_NOTIFY |
                        G_PARAM_STATIC_STRINGS));

  /**
   * TbWindow:searching:
   *
   * Whether the text typed in the search entry is still being searched for: until then the inbox
   * shows the cases of the text before.
   */
  properties[PROP_SEARCHING] =
    g_param_spec_boolean ("searching", NULL, NULL, FALSE,
                          (G_PARAM_READABLE |
                           G_PARAM_EXPLICIT_NOTIFY |
                           G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* The resources live in a static library: referencing them keeps the linker from dropping
   * them, and with them the constructor that registers them. */
  g_assert (tb_ui_get_resource () != NULL);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/tongban/Tongban/tb-window.ui");
  g_type_ensure (TB_TYPE_SIDEBAR);
  gtk_widget_class_bind_template_child (widget_class, TbWindow, leaflet);
  gtk_widget_class_bind_template_child (widget_class, TbWindow, sidebar);
  gtk_widget_class_bind_template_child (widget_class, TbWindow, sidebar_title);
  gtk_widget_class_bind_template_child (widget_class, TbWindow, content_stack);
  gtk_widget_class_bind_template_child (widget_class, TbWindow, search_entry);
  gtk_widget_class_bind_template_child (widget_class, TbWindow, indicator_slot);
  gtk_widget_class_bind_template_child (widget_class, TbWindow, view_title);
  gtk_widget_class_bind_template_child (widget_class, TbWindow, service_filter);
  gtk_widget_class_bind_template_child (widget_class, TbWindow, state_filter);
  gtk_widget_class_bind_template_child (widget_class, TbWindow, due_filter);
  gtk_widget_class_bind_template_child (widget_class, TbWindow, column_view);
  gtk_widget_class_bind_template_child (widget_class, TbWindow, ref_column);
  gtk_widget_class_bind_template_child (widget_class, TbWindow, received_column);
  gtk_widget_class_bind_template_child (widget_class, TbWindow, deadline_column);
  gtk_widget_class_bind_template_child (widget_class, TbWindow, count_label);
  gtk_widget_class_bind_template_child (widget_class, TbWindow, copy_refs_button);
  gtk_widget_class_bind_template_child (widget_class, TbWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, TbWindow, empty_page);
  gtk_widget_class_bind_template_child (widget_class, TbWindow, error_page);
  gtk_widget_class_bind_template_child (widget_class, TbWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, TbWindow, case_title);
  gtk_widget_class_bind_template_child (widget_class, TbWindow, case_slot);
  gtk_widget_class_bind_template_callback (widget_class, on_view_selected);
  gtk_widget_class_bind_template_callback (widget_class, on_filter_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_case_activated);
  gtk_widget_class_bind_template_callback (widget_class, on_received_cell_setup);
  gtk_widget_class_bind_template_callback (widget_class, on_received_cell_bind);
  gtk_widget_class_bind_template_callback (widget_class, on_sync_cell_setup);
  gtk_widget_class_bind_template_callback (widget_class, on_sync_cell_bind);
  gtk_widget_class_bind_template_callback (widget_class, on_cell_unbind);
  gtk_widget_class_bind_template_callback (widget_class, on_search_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_stop_search);
  gtk_widget_class_bind_template_callback (widget_class, on_search_activate);
  gtk_widget_class_bind_template_callback (widget_class, on_ref_cell_setup);
  gtk_widget_class_bind_template_callback (widget_class, on_ref_cell_bind);
  gtk_widget_class_bind_template_callback (widget_class, on_applicant_cell_setup);
  gtk_widget_class_bind_template_callback (widget_class, on_applicant_cell_bind);
  gtk_widget_class_bind_template_callback (widget_class, on_service_cell_setup);
  gtk_widget_class_bind_template_callback (widget_class, on_service_cell_bind);
  gtk_widget_class_bind_template_callback (widget_class, on_state_cell_setup);
  gtk_widget_class_bind_template_callback (widget_class, on_state_cell_bind);
  gtk_widget_class_bind_template_callback (widget_class, on_deadline_cell_setup);
  gtk_widget_class_bind_template_callback (widget_class, on_deadline_cell_bind);

  gtk_widget_class_install_action (widget_class, "win.search", NULL, focus_search_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK,
                                       "win.search", NULL);
  gtk_widget_class_install_action (widget_class, "win.back", NULL, back_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Left, GDK_ALT_MASK, "win.back", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "win.back", NULL);
  gtk_widget_class_install_action (widget_class, "win.show-views", NULL, show_views_action);
  gtk_widget_class_install_action (widget_class, "win.open-selected", NULL,
                                   open_selected_action);
  gtk_widget_class_install_action (widget_class, "win.open-case", "s", open_case_action);
  gtk_widget_class_install_action (widget_class, "win.copy-references", NULL,
                                   copy_references_action);
  gtk_widget_class_install_action (widget_class, "win.new-case", NULL, new_case_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK,
                                       "win.new-case", NULL);
  gtk_widget_class_install_action (widget_class, "win.select-view", "s", select_view_action);
  /* Ctrl+1 … Ctrl+8 pick the views in sidebar order. */
  for (guint v = 0; v < TB_N_INBOX_VIEWS; v++)
    gtk_widget_class_add_binding_action (widget_class, GDK_KEY_1 + v, GDK_CONTROL_MASK,
                                         "win.select-view", "s", tb_inbox_view_to_id (v));
}

static void
tb_window_init (TbWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->services = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  /* A NULL value remembers a workflow that could not be loaded. */
  self->workflows = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                           object_unref_nullable);
  self->case_view = TB_CASE_VIEW (tb_case_view_new ());
  gtk_widget_set_vexpand (GTK_WIDGET (self->case_view), TRUE);
  gtk_box_append (self->case_slot, GTK_WIDGET (self->case_view));
  g_signal_connect_object (self->case_view, "add-toast", G_CALLBACK (on_case_view_toast), self,
                           G_CONNECT_SWAPPED);
  /* The case view's decisions (case.decide, case.undo, …) reach the window's shortcuts too. */
  gtk_widget_insert_action_group (GTK_WIDGET (self), "case",
                                  tb_case_view_get_action_group (self->case_view));

  self->indicator = TB_SYNC_INDICATOR (tb_sync_indicator_new ());
  gtk_box_append (self->indicator_slot, GTK_WIDGET (self->indicator));

  self->filter_services = g_ptr_array_new_with_free_func (g_free);
  self->filter_states = g_ptr_array_new_with_free_func (g_free);
  self->selection = gtk_multi_selection_new (NULL);
  gtk_column_view_set_model (self->column_view, GTK_SELECTION_MODEL (self->selection));
  g_signal_connect_object (self->selection, "selection-changed",
                           G_CALLBACK (on_selection_changed), self, G_CONNECT_SWAPPED);

  {
    g_autoptr(GtkStringList) due = gtk_string_list_new (NULL);

    gtk_string_list_append (due, _("Any Deadline"));
    gtk_string_list_append (due, _("Due within 3 Working Days"));
    gtk_string_list_append (due, _("Due within 10 Working Days"));
    gtk_string_list_append (due, _("Overdue"));
    gtk_drop_down_set_model (self->due_filter, G_LIST_MODEL (due));
  }
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->service_filter),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Service"), -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->state_filter),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("State"), -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->due_filter),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Deadline"), -1);

  for (guint i = 0; i < G_N_ELEMENTS (self->sort_probes); i++)
    {
      self->sort_probes[i] = g_object_new (G_TYPE_OBJECT, NULL);
      g_object_set_data (self->sort_probes[i], "tb-window", self);
    }
  tb_window_set_column_sorter (self, self->ref_column, TB_CASE_SORT_REFERENCE);
  tb_window_set_column_sorter (self, self->received_column, TB_CASE_SORT_RECEIVED);
  tb_window_set_column_sorter (self, self->deadline_column, TB_CASE_SORT_DEADLINE);
  gtk_column_view_sort_by_column (self->column_view, self->deadline_column, GTK_SORT_ASCENDING);
  g_signal_connect_object (gtk_column_view_get_sorter (self->column_view), "changed",
                           G_CALLBACK (on_sort_changed), self, G_CONNECT_SWAPPED);

  gtk_accessible_update_property (GTK_ACCESSIBLE (self->search_entry),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Search cases"),
                                  -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->column_view),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Cases"),
                                  -1);
  tb_window_label_column_headers (self);
  tb_window_announce_sort (self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.back", FALSE);
}

/**
 * tb_window_new:
 * @application: (nullable): the application the window belongs to
 * @store: (nullable): the case store to show, or %NULL before anyone signed in
 * @settings: (nullable): settings of schema io.github.tongban.Tongban that keep the window size
 *
 * Creates the inbox window.
 *
 * Returns: (transfer none): a new window, owned by GTK until destroyed
 */
TbWindow *
tb_window_new (GtkApplication *application,
               TbStore        *store,
               GSettings      *settings)
{
  g_return_val_if_fail (application == NULL || GTK_IS_APPLICATION (application), NULL);
  g_return_val_if_fail (store == NULL || TB_IS_STORE (store), NULL);
  g_return_val_if_fail (settings == NULL || G_IS_SETTINGS (settings), NULL);

  return g_object_new (TB_TYPE_WINDOW,
                       "application", application,
                       "store", store,
                       "settings", settings,
                       NULL);
}

/**
 * tb_window_get_store:
 * @self: a #TbWindow
 *
 * Returns: (transfer none) (nullable): the case store shown
 */
TbStore *
tb_window_get_store (TbWindow *self)
{
  g_return_val_if_fail (TB_IS_WINDOW (self), NULL);

  return self->store;
}

/**
 * tb_window_set_store:
 * @self: a #TbWindow
 * @store: (nullable): the case store to show
 *
 * Shows the cases of @store, e.g. after a sign-in, and clears any error shown.
 */
void
tb_window_set_store (TbWindow *self,
                     TbStore  *store)
{
  g_return_if_fail (TB_IS_WINDOW (self));
  g_return_if_fail (store == NULL || TB_IS_STORE (store));

  if (!g_set_object (&self->store, store))
    return;

  self->store_failed = FALSE;
  tb_window_reload (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STORE]);
}

/**
 * tb_window_get_engine:
 * @self: a #TbWindow
 *
 * Returns: (transfer none) (nullable): the sync engine of the session shown
 */
TbSyncEngine *
tb_window_get_engine (TbWindow *self)
{
  g_return_val_if_fail (TB_IS_WINDOW (self), NULL);

  return self->engine;
}

/**
 * tb_window_set_engine:
 * @self: a #TbWindow
 * @engine: (nullable): the sync engine of the signed-in session
 *
 * Gives the window the session's sync engine, whose state its sync indicator shows. The engine
 * must work on the store the window shows.
 */
void
tb_window_set_engine (TbWindow     *self,
                      TbSyncEngine *engine)
{
  g_return_if_fail (TB_IS_WINDOW (self));
  g_return_if_fail (engine == NULL || TB_IS_SYNC_ENGINE (engine));

  if (!g_set_object (&self->engine, engine))
    return;

  tb_sync_indicator_set_engine (self->indicator, engine);
  tb_window_update_attachment_cache (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ENGINE]);
}

/**
 * tb_window_get_settings:
 * @self: a #TbWindow
 *
 * Returns: (transfer none) (nullable): the settings that keep the window size
 */
GSettings *
tb_window_get_settings (TbWindow *self)
{
  g_return_val_if_fail (TB_IS_WINDOW (self), NULL);

  return self->settings;
}

/**
 * tb_window_get_n_cases:
 * @self: a #TbWindow
 *
 * Returns: how many cases the inbox lists, with the current search applied
 */
guint
tb_window_get_n_cases (TbWindow *self)
{
  g_return_val_if_fail (TB_IS_WINDOW (self), 0);

  return self->n_cases;
}

/**
 * tb_window_get_cases:
 * @self: a #TbWindow
 *
 * Returns: (transfer none) (nullable): the #TbCaseList the inbox shows, %NULL without a store
 */
GListModel *
tb_window_get_cases (TbWindow *self)
{
  g_return_val_if_fail (TB_IS_WINDOW (self), NULL);

  return G_LIST_MODEL (self->cases);
}

/**
 * tb_window_get_selection:
 * @self: a #TbWindow
 *
 * Returns: (transfer none): the selection of the inbox's rows (#TbCaseRow), in the order of
 *   tb_window_get_cases()
 */
GtkSelectionModel *
tb_window_get_selection (TbWindow *self)
{
  g_return_val_if_fail (TB_IS_WINDOW (self), NULL);

  return GTK_SELECTION_MODEL (self->selection);
}

/**
 * tb_window_show_store_error:
 * @self: a #TbWindow
 * @error: why the store could not be opened
 *
 * Replaces the inbox by a page that explains why the store could not be opened. Setting a
 * store afterwards brings the inbox back.
 */
void
tb_window_show_store_error (TbWindow     *self,
                            const GError *error)
{
  g_return_if_fail (TB_IS_WINDOW (self));
  g_return_if_fail (error != NULL);

  self->store_failed = TRUE;
  adw_status_page_set_description (self->error_page, error->message);
  tb_window_update_view (self);
}
