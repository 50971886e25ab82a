/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-case-view.c: one case: header, application form, history, decisions, conflicts */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "tb-case-events.h"
#include "tb-attachment-cache.h"
#include "tb-case-view.h"
#include "tb-decision-dialog.h"
#include "tb-form-view.h"
#include "tb-service.h"
#include "tb-store-sync.h"
#include "tb-store.h"
#include "tb-toasts.h"
#include "tb-ui-resources.h"
#include "tb-workflow.h"

/**
 * TbCaseView:
 *
 * One case as a caseworker works it: a banner when the server did not take a change of ours
 * (with the values before, ours and the server's side by side, and the choice between them),
 * the header (reference, service, applicant, state, deadline, assignee, sync state), the
 * application form (editable where the workflow lets the user's role edit it at this step),
 * the history with a box to add a comment, and the decisions the workflow offers this role
 * in this state. A decision opens a #TbDecisionDialog; every completed action is reported
 * through #TbCaseView::add-toast, with Undo while it has not left this device.
 *
 * Everything is reachable through the "case" action group installed on the widget:
 *
 * - `case.decide` (s): open the dialog for a workflow action ("approve", "return", …)
 * - `case.decide-primary`: the same for the main action at this step (approve, accept,
 *   forward, countersign or record the resubmission)
 * - `case.comment` (s): add this comment; "" adds what is typed in the comment box
 * - `case.write-comment`: show the history and put the focus in the comment box
 * - `case.save`, `case.discard`: save or drop the changes made to the form
 * - `case.undo`: undo the last action taken in this view, while it is still only local
 * - `case.keep-mine`, `case.take-theirs`: resolve the conflict shown in the banner
 * - `case.open-attachment` (su): open file @index of attachment field @field_id in the
 *   application the desktop chooses, from a read-only copy
 * - `case.save-attachment` (su): ask where to save a copy of that file
 * - `case.save-attachment-to` (sus): save a copy of it to the path given
 *
 * Files come from the #TbAttachmentCache: from this computer if fetched before, else from the
 * central service, with a toast while that takes.
 *
 * Keyboard shortcuts (in the whole window, as long as the view is in it):
 *
 * - Ctrl+Return: the main decision (`case.decide-primary`)
 * - Shift+Ctrl+R: return for correction
 * - Shift+Ctrl+X: reject
 * - Shift+Ctrl+F: forward for review
 * - Shift+Ctrl+G: countersign
 * - Shift+Ctrl+E: extend the time limit
 * - Ctrl+M: write a comment (Ctrl+Return in the comment box adds it)
 * - Ctrl+S: save the changes to the form
 * - Ctrl+Z: undo the last action, while it is still only local (text fields keep their own)
 *
 * In the decision dialog Ctrl+Return confirms and Escape cancels.
 */

struct _TbCaseView
{
  GtkWidget           parent_instance;

  GtkStack           *stack;
  AdwStatusPage      *missing_page;
  GtkRevealer        *conflict_revealer;
  GtkWidget          *conflict_box;
  GtkImage           *conflict_icon;
  GtkLabel           *conflict_title;
  GtkLabel           *conflict_reason;
  GtkLabel           *conflict_change;
  GtkGrid            *conflict_grid;
  GtkButton          *keep_mine_button;
  GtkButton          *take_theirs_button;
  GtkLabel           *ref_label;
  GtkWidget          *sync_box;
  GtkImage           *sync_icon;
  GtkLabel           *sync_label;
  GtkLabel           *service_label;
  GtkFlowBox         *facts_box;
  AdwViewStack       *view_stack;
  TbFormView         *form_view;
  GtkTextView        *comment_view;
  GtkListBox         *timeline_list;
  GtkWidget          *edit_box;
  GtkLabel           *action_note;
  GtkWidget          *decisions_box;
  GtkMenuButton      *more_button;

  TbCaseService      *case_service;
  TbStore            *store;           /* the case service's, watched for changes */
  gulong              cases_changed_id;
  char               *case_id;
  TbCase             *kase;
  TbService          *service;
  TbWorkflow         *workflow;
  TbCalendar         *calendar;
  GHashTable         *user_names;      /* user id → display name, NULL value if unknown */
  TbRole              roles;           /* the user's roles on this case */
  char               *primary_action;
  gint64              conflict_id;     /* the conflict in the banner, 0 if none */
  gboolean            conflict_rejected;
  gboolean            applicant_revealed;

  GSimpleActionGroup *actions;
  TbAttachmentCache  *attachment_cache;
  GCancellable       *cancellable;     /* of the files being fetched */
  GtkWidget          *dialog;          /* the decision dialog open, weak */
  AdwToast           *undo_toast;      /* the toast offering undo, weak */
  guint               undo_change;
};

G_DEFINE_FINAL_TYPE (TbCaseView, tb_case_view, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_CASE_SERVICE,
  PROP_CASE_ID,
  PROP_CASE,
  PROP_MODIFIED,
  PROP_ATTACHMENT_CACHE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  ADD_TOAST,
  ATTACHMENT_ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* The main action at a step, first found wins. */
static const char * const primary_actions[] = {
  "approve", "accept", "forward", "countersign", "resubmit", NULL
};

/* Decisions shown as buttons at most; the rest go into the menu beside them. */
#define MAX_DECISION_BUTTONS 4

/* Within this many working days a deadline is shown in the warning colour (as in the inbox). */
#define DUE_SOON_WORKING_DAYS 3

static void reload (TbCaseView *self);

/* ------------------------------------------------------------------------------------------ */
/* Helpers                                                                                     */

static void
remove_all_children (GtkWidget *parent)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (parent)) != NULL)
    {
      if (GTK_IS_FLOW_BOX (parent))
        gtk_flow_box_remove (GTK_FLOW_BOX (parent), child);
      else if (GTK_IS_LIST_BOX (parent))
        gtk_list_box_remove (GTK_LIST_BOX (parent), child);
      else if (GTK_IS_GRID (parent))
        gtk_grid_remove (GTK_GRID (parent), child);
      else if (GTK_IS_BOX (parent))
        gtk_box_remove (GTK_BOX (parent), child);
      else
        gtk_widget_unparent (child);
    }
}

static char *
dup_text (GtkTextView *view)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (view);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return g_strstrip (gtk_text_buffer_get_text (buffer, &start, &end, FALSE));
}

static const char *
user_name (TbCaseView *self,
           const char *user_id)
{
  char *name;

  if (user_id == NULL)
    return NULL;
  if (!g_hash_table_lookup_extended (self->user_names, user_id, NULL, (gpointer *) &name))
    {
      name = tb_store_dup_user_name (self->store, user_id);
      g_hash_table_insert (self->user_names, g_strdup (user_id), name);
    }
  return name != NULL ? name : user_id;
}

static const char *
state_name (TbCaseView *self,
            const char *state)
{
  const char *name = NULL;

  if (state == NULL)
    return NULL;
  if (self->workflow != NULL)
    name = tb_workflow_get_state_name (self->workflow, state);
  return name != NULL ? name : state;
}

static const char *
action_name (TbCaseView *self,
             const char *action)
{
  const char *name = NULL;

  if (self->workflow != NULL && action != NULL)
    name = tb_workflow_get_action_name (self->workflow, action);
  return name != NULL ? name : action;
}

static const char *
party_name (TbCaseView *self,
            const char *party)
{
  const char *name = NULL;

  if (self->workflow != NULL && party != NULL)
    name = tb_workflow_get_party_name (self->workflow, party);
  return name != NULL ? name : party;
}

static char *
format_time (gint64 at)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_local (at / G_USEC_PER_SEC);

  return time != NULL ? g_date_time_format (time, "%Y-%m-%d %H:%M") : g_strdup ("");
}

static void
emit_toast (TbCaseView *self,
            AdwToast   *toast)
{
  tb_toasts_track (toast);
  g_signal_emit (self, signals[ADD_TOAST], 0, toast);
}

static void
toast_message (TbCaseView *self,
               const char *message)
{
  g_autofree char *escaped = g_markup_escape_text (message, -1);
  g_autoptr(AdwToast) toast = adw_toast_new (escaped);

  emit_toast (self, toast);
}

static GtkShortcut *
shortcut_new (const char *trigger,
              const char *action,
              const char *target)
{
  GtkShortcut *shortcut = gtk_shortcut_new (gtk_shortcut_trigger_parse_string (trigger),
                                            gtk_named_action_new (action));

  if (target != NULL)
    gtk_shortcut_set_arguments (shortcut, g_variant_new_string (target));
  return shortcut;
}

/* ------------------------------------------------------------------------------------------ */
/* Header                                                                                      */

/* How far the deadline is, in working days, and which colour says it (as in the inbox). */
static char *
describe_deadline (TbCaseView  *self,
                   const char **css_class)
{
  TbDay deadline = tb_case_get_deadline (self->kase);
  TbDay today = tb_case_service_get_today (self->case_service);
  g_autofree char *date = NULL;
  g_autofree char *relative = NULL;
  guint n;

  *css_class = NULL;

  if (deadline == TB_DAY_INVALID)
    return g_strdup (_("No time limit"));

  date = tb_day_to_iso (deadline);
  if (tb_case_get_closed (self->kase))
    relative = g_strdup (_("Concluded"));
  else if (tb_case_get_paused_since (self->kase) != TB_DAY_INVALID)
    relative = g_strdup (_("Paused while awaiting the applicant"));
  else if (self->calendar == NULL)
    return g_steal_pointer (&date);
  else if (deadline >= today)
    {
      n = tb_calendar_count_working_days (self->calendar, today, deadline, NULL, 0);
      if (n <= DUE_SOON_WORKING_DAYS)
        *css_class = "warning";
      if (n == 0)
        relative = g_strdup (_("Due today"));
      else
        relative = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u working day left",
                                                 "%u working days left", n), n);
    }
  else
    {
      *css_class = "error";
      n = tb_calendar_count_working_days (self->calendar, deadline, today, NULL, 0);
      if (n == 0)
        relative = g_strdup (_("Overdue"));
      else
        relative = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Overdue by %u working day",
                                                 "Overdue by %u working days", n), n);
    }

  /* Translators: a deadline: the date, then how far it is, e.g. "2026-12-04 · 3 working days
   * left" */
  return g_strdup_printf (_("%s · %s"), date, relative);
}

/* The form field that holds the applicant's name, if the form flags it as personal data. */
static const TbFormField *
sensitive_applicant_field (TbCaseView *self)
{
  g_autoptr(JsonObject) form = tb_case_dup_form (self->kase);
  const char *name = tb_case_get_applicant_name (self->kase);

  if (form == NULL || self->service == NULL || name == NULL)
    return NULL;

  for (guint i = 0; i < tb_service_get_n_sections (self->service); i++)
    {
      const TbFormSection *section = tb_service_get_section (self->service, i);

      for (guint j = 0; j < tb_form_section_get_n_fields (section); j++)
        {
          const TbFormField *field = tb_form_section_get_field (section, j);
          JsonNode *value = json_object_get_member (form, tb_form_field_get_id (field));

          if (tb_form_field_get_sensitive (field) && value != NULL
              && JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_STRING
              && g_strcmp0 (json_node_get_string (value), name) == 0)
            return field;
        }
    }
  return NULL;
}

static void
on_reveal_applicant (GtkButton  *button,
                     TbCaseView *self)
{
  const TbFormField *field = sensitive_applicant_field (self);
  g_autoptr(GError) error = NULL;

  if (field == NULL)
    return;
  if (!tb_case_service_record_reveal (self->case_service, self->case_id,
                                      tb_form_field_get_id (field), -1, NULL, &error))
    {
      toast_message (self, error->message);
      return;
    }
  self->applicant_revealed = TRUE;
  reload (self);
}

static void
add_fact (TbCaseView *self,
          const char *caption,
          const char *value,
          const char *css_class,
          GtkWidget  *extra)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *caption_label = gtk_label_new (caption);
  GtkWidget *line = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *value_label = gtk_label_new (value);
  GtkFlowBoxChild *child;

  gtk_label_set_xalign (GTK_LABEL (caption_label), 0);
  gtk_widget_add_css_class (caption_label, "caption");
  gtk_widget_add_css_class (caption_label, "dim-label");
  gtk_label_set_xalign (GTK_LABEL (value_label), 0);
  gtk_label_set_wrap (GTK_LABEL (value_label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (value_label), PANGO_WRAP_WORD_CHAR);
  if (css_class != NULL)
    gtk_widget_add_css_class (value_label, css_class);
  gtk_accessible_update_relation (GTK_ACCESSIBLE (value_label),
                                  GTK_ACCESSIBLE_RELATION_LABELLED_BY, caption_label, NULL, -1);

  gtk_box_append (GTK_BOX (box), caption_label);
  gtk_box_append (GTK_BOX (line), value_label);
  if (extra != NULL)
    gtk_box_append (GTK_BOX (line), extra);
  gtk_box_append (GTK_BOX (box), line);

  gtk_flow_box_append (self->facts_box, box);
  /* Facts are read, not chosen: only a button among them takes the focus. */
  child = GTK_FLOW_BOX_CHILD (gtk_widget_get_parent (box));
  gtk_widget_set_focusable (GTK_WIDGET (child), FALSE);
}

static void
update_header (TbCaseView *self)
{
  const TbFormField *field = sensitive_applicant_field (self);
  g_autofree char *applicant = NULL;
  g_autofree char *person = NULL;
  g_autofree char *deadline = NULL;
  g_autofree char *received = tb_day_to_iso (tb_case_get_received_on (self->kase));
  const char *deadline_class = NULL;
  const char *assignee = tb_case_get_assignee_id (self->kase);
  GtkWidget *reveal = NULL;

  gtk_label_set_label (self->ref_label, tb_case_get_ref (self->kase));
  gtk_label_set_label (self->service_label,
                       self->service != NULL ? tb_service_get_name (self->service)
                                             : tb_case_get_service_id (self->kase));

  /* Personal data is masked until asked for, as in the form. */
  if (field != NULL && !self->applicant_revealed)
    {
      person = tb_form_field_mask_value (field, tb_case_get_applicant_name (self->kase));
      reveal = gtk_button_new_from_icon_name ("view-reveal-symbolic");
      gtk_widget_add_css_class (reveal, "flat");
      gtk_widget_set_valign (reveal, GTK_ALIGN_CENTER);
      gtk_widget_set_tooltip_text (reveal, _("Show the applicant’s name"));
      gtk_accessible_update_property (GTK_ACCESSIBLE (reveal), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      _("Show the applicant’s name"), -1);
      g_signal_connect (reveal, "clicked", G_CALLBACK (on_reveal_applicant), self);
    }
  else
    person = g_strdup (tb_case_get_applicant_name (self->kase));

  if (g_strcmp0 (tb_case_get_applicant_kind (self->kase), "company") == 0
      && tb_case_get_company_name (self->kase) != NULL)
    /* Translators: a company applicant, then the person acting for it */
    applicant = g_strdup_printf (_("%s (%s)"), tb_case_get_company_name (self->kase), person);
  else
    applicant = g_steal_pointer (&person);

  deadline = describe_deadline (self, &deadline_class);

  remove_all_children (GTK_WIDGET (self->facts_box));
  add_fact (self, _("Applicant"), applicant, NULL, reveal);
  add_fact (self, _("State"), state_name (self, tb_case_get_state (self->kase)), NULL, NULL);
  add_fact (self, _("Deadline"), deadline, deadline_class, NULL);
  add_fact (self, _("Assigned to"),
            assignee != NULL ? user_name (self, assignee) : _("Nobody"), NULL, NULL);
  add_fact (self, _("Received"), received, NULL, NULL);
}

static void
update_sync_state (TbCaseView *self)
{
  const char *icon = "emblem-ok-symbolic";
  const char *text = _("Synced");
  const char *css_class = NULL;

  switch (tb_case_get_sync_state (self->kase))
    {
    case TB_SYNC_STATE_PENDING:
      icon = "document-send-symbolic";
      text = _("Waiting to be sent");
      break;
    case TB_SYNC_STATE_SENDING:
      icon = "emblem-synchronizing-symbolic";
      text = _("Sending…");
      break;
    case TB_SYNC_STATE_ERROR:
      icon = "dialog-error-symbolic";
      text = _("Refused by the server");
      css_class = "error";
      break;
    case TB_SYNC_STATE_CONFLICT:
      icon = "dialog-warning-symbolic";
      text = _("Conflict with the server");
      css_class = "warning";
      break;
    case TB_SYNC_STATE_SYNCED:
    default:
      break;
    }

  gtk_image_set_from_icon_name (self->sync_icon, icon);
  gtk_label_set_label (self->sync_label, text);
  gtk_widget_remove_css_class (self->sync_box, "error");
  gtk_widget_remove_css_class (self->sync_box, "warning");
  gtk_widget_remove_css_class (self->sync_box, "dim-label");
  gtk_widget_add_css_class (self->sync_box, css_class != NULL ? css_class : "dim-label");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->sync_box),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, text, -1);
}

/* ------------------------------------------------------------------------------------------ */
/* Decisions                                                                                   */

static void
update_decisions (TbCaseView *self)
{
  g_auto(GStrv) available = NULL;
  g_autoptr(GMenu) menu = g_menu_new ();
  g_autoptr(GPtrArray) buttons = g_ptr_array_new ();
  const char *note = NULL;

  remove_all_children (self->decisions_box);
  g_clear_pointer (&self->primary_action, g_free);

  if (self->workflow != NULL && self->roles != TB_ROLE_NONE && !tb_case_get_closed (self->kase))
    available = tb_workflow_dup_available_actions (self->workflow,
                                                   tb_case_get_state (self->kase), self->roles);

  for (guint i = 0; primary_actions[i] != NULL && self->primary_action == NULL; i++)
    if (available != NULL && g_strv_contains ((const char * const *) available,
                                              primary_actions[i]))
      self->primary_action = g_strdup (primary_actions[i]);

  for (guint i = 0; available != NULL && available[i] != NULL; i++)
    {
      const char *action = available[i];
      g_autofree char *detailed = NULL;
      GtkWidget *button;

      /* The applicant's withdrawal is recorded rarely: out of the way, in the menu. */
      if (g_str_equal (action, "withdraw")
          || (buttons->len >= MAX_DECISION_BUTTONS - 1
              && g_strcmp0 (action, self->primary_action) != 0))
        {
          detailed = g_strdup_printf ("case.decide::%s", action);
          g_menu_append (menu, action_name (self, action), detailed);
          continue;
        }

      button = gtk_button_new_with_label (action_name (self, action));
      gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "case.decide");
      gtk_actionable_set_action_target_value (GTK_ACTIONABLE (button),
                                              g_variant_new_string (action));
      if (g_strcmp0 (action, "reject") == 0)
        gtk_widget_add_css_class (button, "destructive-action");
      if (g_strcmp0 (action, self->primary_action) == 0)
        {
          gtk_widget_add_css_class (button, "suggested-action");
          g_autofree char *accel = gtk_accelerator_get_label (GDK_KEY_Return, GDK_CONTROL_MASK);

          gtk_widget_set_tooltip_text (button, accel);
          g_object_set_data (G_OBJECT (button), "primary", GINT_TO_POINTER (TRUE));
        }
      g_ptr_array_add (buttons, button);
    }

  /* The main decision last, at the end of the bar. */
  for (guint i = 0; i < buttons->len; i++)
    if (g_object_get_data (G_OBJECT (g_ptr_array_index (buttons, i)), "primary") == NULL)
      gtk_box_append (GTK_BOX (self->decisions_box), g_ptr_array_index (buttons, i));
  for (guint i = 0; i < buttons->len; i++)
    if (g_object_get_data (G_OBJECT (g_ptr_array_index (buttons, i)), "primary") != NULL)
      gtk_box_append (GTK_BOX (self->decisions_box), g_ptr_array_index (buttons, i));

  gtk_menu_button_set_menu_model (self->more_button, G_MENU_MODEL (menu));
  gtk_widget_set_visible (GTK_WIDGET (self->more_button),
                          g_menu_model_get_n_items (G_MENU_MODEL (menu)) > 0);

  if (tb_case_get_closed (self->kase))
    note = _("Concluded; no decision is open");
  else if (self->roles == TB_ROLE_NONE)
    note = _("You can read this case but not decide it");
  else if (available == NULL || available[0] == NULL)
    note = _("No decision is open to you at this step");
  gtk_label_set_label (self->action_note, note != NULL ? note : "");
  gtk_widget_set_visible (GTK_WIDGET (self->action_note), note != NULL);
}

/* ------------------------------------------------------------------------------------------ */
/* Conflict banner                                                                             */

static JsonObject *
parse_object (const char *text)
{
  g_autoptr(JsonNode) node = text != NULL ? json_from_string (text, NULL) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  return json_object_ref (json_node_get_object (node));
}

static JsonNode *
member (JsonObject *object,
        const char *name)
{
  return object != NULL ? json_object_get_member (object, name) : NULL;
}

static const char *
node_string (JsonNode *node)
{
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static JsonObject *
object_member (JsonObject *object,
               const char *name)
{
  JsonNode *node = member (object, name);

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static gboolean
same_node (JsonNode *a,
           JsonNode *b)
{
  gboolean a_empty = a == NULL || JSON_NODE_HOLDS_NULL (a);
  gboolean b_empty = b == NULL || JSON_NODE_HOLDS_NULL (b);

  if (a_empty || b_empty)
    return a_empty == b_empty;
  return json_node_equal (a, b);
}

/* One value of a case or form field, for people. */
static char *
format_value (TbCaseView        *self,
              const char        *key,
              const TbFormField *field,
              JsonNode          *node)
{
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return g_strdup ("—");

  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);
      guint n = json_array_get_length (array);

      if (g_strcmp0 (key, "signed_parties") == 0)
        {
          g_autoptr(GString) names = g_string_new (NULL);

          for (guint i = 0; i < n; i++)
            {
              const char *party = node_string (json_array_get_element (array, i));

              if (party == NULL)
                continue;
              if (names->len > 0)
                g_string_append (names, _(", "));
              g_string_append (names, party_name (self, party));
            }
          return n > 0 ? g_string_free (g_steal_pointer (&names), FALSE) : g_strdup ("—");
        }
      if (field != NULL && tb_form_field_get_field_type (field) == TB_FIELD_ATTACHMENT)
        return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u file", "%u files", n), n);
      if (field != NULL && tb_form_field_get_field_type (field) == TB_FIELD_MULTI_CHOICE)
        {
          g_autoptr(GString) labels = g_string_new (NULL);

          for (guint i = 0; i < n; i++)
            {
              const char *value = node_string (json_array_get_element (array, i));

              if (labels->len > 0)
                g_string_append (labels, _(", "));
              for (guint j = 0; value != NULL && j < tb_form_field_get_n_options (field); j++)
                if (g_strcmp0 (tb_form_field_get_option_value (field, j), value) == 0)
                  value = tb_form_field_get_option_label (field, j, NULL);
              g_string_append (labels, value != NULL ? value : "?");
            }
          return g_string_free (g_steal_pointer (&labels), FALSE);
        }
      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u row", "%u rows", n), n);
    }

  if (JSON_NODE_HOLDS_OBJECT (node))
    return json_to_string (node, FALSE);

  switch (json_node_get_value_type (node))
    {
    case G_TYPE_BOOLEAN:
      return g_strdup (json_node_get_boolean (node) ? _("Yes") : _("No"));
    case G_TYPE_INT64:
      return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
    case G_TYPE_DOUBLE:
      return g_strdup_printf ("%g", json_node_get_double (node));
    case G_TYPE_STRING:
      {
        const char *text = json_node_get_string (node);

        if (g_strcmp0 (key, "state") == 0)
          return g_strdup (state_name (self, text));
        if (g_strcmp0 (key, "assignee_id") == 0)
          return g_strdup (user_name (self, text));
        if (field != NULL && tb_form_field_get_field_type (field) == TB_FIELD_CHOICE)
          for (guint j = 0; j < tb_form_field_get_n_options (field); j++)
            if (g_strcmp0 (tb_form_field_get_option_value (field, j), text) == 0)
              return g_strdup (tb_form_field_get_option_label (field, j, NULL));
        /* The server's values are shown as they are: masking would hide the difference. */
        return g_strdup (text);
      }
    default:
      return g_strdup ("?");
    }
}

static const char *
case_key_label (const char *key)
{
  if (g_str_equal (key, "state"))
    return _("State");
  if (g_str_equal (key, "deadline"))
    return _("Deadline");
  if (g_str_equal (key, "paused_since"))
    return _("Paused since");
  if (g_str_equal (key, "closed"))
    return _("Concluded");
  if (g_str_equal (key, "signed_parties"))
    return _("Countersigned by");
  if (g_str_equal (key, "assignee_id"))
    return _("Assigned to");
  return key;
}

static GtkWidget *
grid_label (const char *text,
            gboolean    heading)
{
  GtkWidget *label = gtk_label_new (text);

  /* One line each, so that the banner keeps its height however narrow the window; the
   * tooltip has the whole value. */
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_label_set_width_chars (GTK_LABEL (label), heading ? -1 : 6);
  gtk_widget_set_hexpand (label, !heading);
  if (!heading)
    gtk_widget_set_tooltip_text (label, text);
  if (heading)
    gtk_widget_add_css_class (label, "heading");
  return label;
}

static void
add_comparison_row (TbCaseView        *self,
                    guint             *row,
                    const char        *label,
                    const char        *key,
                    const TbFormField *field,
                    JsonNode          *base,
                    JsonNode          *mine,
                    JsonNode          *theirs)
{
  g_autofree char *base_text = format_value (self, key, field, base);
  g_autofree char *mine_text = format_value (self, key, field, mine);
  g_autofree char *theirs_text = format_value (self, key, field, theirs);
  g_autofree char *row_label = NULL;
  GtkWidget *mine_label;

  gtk_grid_attach (self->conflict_grid, grid_label (label, TRUE), 0, *row, 1, 1);
  gtk_grid_attach (self->conflict_grid, grid_label (base_text, FALSE), 1, *row, 1, 1);
  mine_label = grid_label (mine_text, FALSE);
  gtk_grid_attach (self->conflict_grid, mine_label, 2, *row, 1, 1);
  /* A refused change has no server version to compare with. */
  if (!self->conflict_rejected)
    gtk_grid_attach (self->conflict_grid, grid_label (theirs_text, FALSE), 3, *row, 1, 1);

  /* A screen reader hears each value with its field and column. */
  if (self->conflict_rejected)
    row_label = g_strdup_printf (_("%s: before %s, yours %s"), label, base_text, mine_text);
  else
    row_label = g_strdup_printf (_("%s: before %s, yours %s, theirs %s"), label, base_text,
                                 mine_text, theirs_text);
  gtk_accessible_update_property (GTK_ACCESSIBLE (mine_label),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, row_label, -1);
  (*row)++;
}

static void
fill_comparison (TbCaseView *self,
                 TbConflict *conflict)
{
  g_autoptr(JsonObject) base = parse_object (conflict->base_json);
  g_autoptr(JsonObject) mine = parse_object (conflict->mine_json);
  g_autoptr(JsonObject) theirs = parse_object (conflict->theirs_json);
  static const char * const keys[] = {
    "state", "deadline", "paused_since", "signed_parties", "assignee_id", NULL
  };
  guint row = 1;

  remove_all_children (GTK_WIDGET (self->conflict_grid));
  gtk_grid_attach (self->conflict_grid, grid_label ("", TRUE), 0, 0, 1, 1);
  /* Translators: column headings of a conflict: the server's value when the change was made,
   * the value of the user's change, and the server's value now */
  gtk_grid_attach (self->conflict_grid, grid_label (_("Before"), TRUE), 1, 0, 1, 1);
  gtk_grid_attach (self->conflict_grid, grid_label (_("Yours"), TRUE), 2, 0, 1, 1);
  if (!self->conflict_rejected)
    gtk_grid_attach (self->conflict_grid, grid_label (_("Theirs"), TRUE), 3, 0, 1, 1);

  for (guint i = 0; keys[i] != NULL; i++)
    {
      JsonNode *b = member (base, keys[i]);
      JsonNode *m = member (mine, keys[i]);
      JsonNode *t = member (theirs, keys[i]);

      if (mine == NULL || !json_object_has_member (mine, keys[i]))
        continue;
      if (same_node (b, m) && (self->conflict_rejected || same_node (m, t)))
        continue;
      add_comparison_row (self, &row, case_key_label (keys[i]), keys[i], NULL, b, m, t);
    }

  if (mine != NULL && json_object_has_member (mine, "form") && self->service != NULL)
    {
      JsonObject *base_form = object_member (base, "form");
      JsonObject *mine_form = object_member (mine, "form");
      JsonObject *theirs_form = object_member (theirs, "form");

      for (guint i = 0; i < tb_service_get_n_sections (self->service); i++)
        {
          const TbFormSection *section = tb_service_get_section (self->service, i);

          for (guint j = 0; j < tb_form_section_get_n_fields (section); j++)
            {
              const TbFormField *field = tb_form_section_get_field (section, j);
              const char *id = tb_form_field_get_id (field);
              JsonNode *b = member (base_form, id);
              JsonNode *m = member (mine_form, id);
              JsonNode *t = member (theirs_form, id);

              /* What the change touched, or what the server changed meanwhile. */
              if (same_node (b, m) && (self->conflict_rejected || same_node (m, t)))
                continue;
              add_comparison_row (self, &row, tb_form_field_get_label (field), id, field,
                                  b, m, t);
            }
        }
    }

  gtk_widget_set_visible (GTK_WIDGET (self->conflict_grid), row > 1);
}

static char *
describe_mutation (TbCaseView *self,
                   TbConflict *conflict)
{
  g_autoptr(JsonObject) args = parse_object (conflict->mutation_args_json);
  const char *name = conflict->mutation_name != NULL ? conflict->mutation_name : "";

  if (g_str_equal (name, "case.decide"))
    {
      const char *action = node_string (member (args, "action"));

      return g_strdup_printf (_("Your change: the decision “%s”."), action_name (self, action));
    }
  if (g_str_equal (name, "case.comment"))
    return g_strdup (_("Your change: a comment."));
  if (g_str_equal (name, "case.update_fields"))
    return g_strdup (_("Your change: changes to the form."));
  if (g_str_equal (name, "case.reassign"))
    return g_strdup (_("Your change: a reassignment."));
  if (g_str_equal (name, "case.create"))
    return g_strdup (_("Your change: the registration of the case."));
  return g_strdup_printf (_("Your change: %s."), name);
}

/* Whether this computer held the change back because a file of it could not be sent: the
 * reason is then its own, not the server's word. */
static gboolean
is_held_back (TbConflict *conflict)
{
  g_autoptr(JsonNode) node = NULL;

  if (conflict->problem_json == NULL
      || (node = json_from_string (conflict->problem_json, NULL)) == NULL
      || !JSON_NODE_HOLDS_OBJECT (node))
    return FALSE;
  return g_strcmp0 (json_object_get_string_member_with_default (json_node_get_object (node),
                                                                "code", NULL),
                    TB_ATTACHMENT_PROBLEM_REFUSED) == 0;
}

static void
update_conflict (TbCaseView *self)
{
  g_autoptr(GPtrArray) conflicts = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *change = NULL;
  g_autofree char *reason = NULL;
  TbConflict *conflict;
  gboolean held_back;

  self->conflict_id = 0;
  conflicts = tb_store_list_conflicts (self->store, self->case_id, &error);
  if (conflicts == NULL || conflicts->len == 0)
    {
      gtk_revealer_set_reveal_child (self->conflict_revealer, FALSE);
      return;
    }

  /* The oldest first; the next one shows once it is resolved. */
  conflict = g_ptr_array_index (conflicts, 0);
  self->conflict_id = conflict->id;
  self->conflict_rejected = conflict->rejected;
  held_back = conflict->rejected && is_held_back (conflict);

  if (conflict->rejected)
    {
      gtk_label_set_label (self->conflict_title,
                           held_back ? _("A file of your change could not be sent")
                                     : _("The server refused your change"));
      gtk_button_set_label (self->keep_mine_button, _("_Send Again"));
      gtk_button_set_label (self->take_theirs_button, _("_Discard My Change"));
      gtk_image_set_from_icon_name (self->conflict_icon, "dialog-error-symbolic");
      gtk_widget_remove_css_class (GTK_WIDGET (self->conflict_icon), "warning");
      gtk_widget_add_css_class (GTK_WIDGET (self->conflict_icon), "error");
    }
  else
    {
      gtk_label_set_label (self->conflict_title,
                           _("The case changed on the server before your change arrived"));
      gtk_button_set_label (self->keep_mine_button, _("_Keep My Change"));
      gtk_button_set_label (self->take_theirs_button, _("_Take Theirs"));
      gtk_image_set_from_icon_name (self->conflict_icon, "dialog-warning-symbolic");
      gtk_widget_remove_css_class (GTK_WIDGET (self->conflict_icon), "error");
      gtk_widget_add_css_class (GTK_WIDGET (self->conflict_icon), "warning");
    }
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->keep_mine_button),
                               _("Make your change again on the case as it is now"));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->take_theirs_button),
                               _("Let the server’s version stand and drop your change"));

  if (conflict->reason != NULL && held_back)
    reason = g_strdup (conflict->reason);
  else if (conflict->reason != NULL)
    reason = g_strdup_printf (_("The server says: %s"), conflict->reason);
  gtk_label_set_label (self->conflict_reason, reason != NULL ? reason : "");
  gtk_widget_set_visible (GTK_WIDGET (self->conflict_reason), reason != NULL);

  change = describe_mutation (self, conflict);
  if (conflicts->len > 1)
    {
      g_autofree char *more = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                            "%u more change waits after it.",
                                                            "%u more changes wait after it.",
                                                            conflicts->len - 1),
                                               conflicts->len - 1);
      g_autofree char *both = g_strdup_printf ("%s %s", change, more);

      g_free (change);
      change = g_steal_pointer (&both);
    }
  gtk_label_set_label (self->conflict_change, change);

  fill_comparison (self, conflict);
  gtk_revealer_set_reveal_child (self->conflict_revealer, TRUE);
}

/* ------------------------------------------------------------------------------------------ */
/* Timeline                                                                                    */

static JsonNode *
data_member (TbCaseEvent *event,
             const char  *name)
{
  return event->data != NULL ? json_object_get_member (event->data, name) : NULL;
}

static char *
describe_fields (TbCaseView  *self,
                 TbCaseEvent *event)
{
  JsonNode *fields = data_member (event, "fields");
  g_autoptr(GString) labels = g_string_new (NULL);
  g_autoptr(GList) names = NULL;

  /* The server lists the field ids; a local change keeps the values, keyed by field id. */
  if (fields != NULL && JSON_NODE_HOLDS_OBJECT (fields))
    names = json_object_get_members (json_node_get_object (fields));
  else if (fields != NULL && JSON_NODE_HOLDS_ARRAY (fields))
    for (guint i = 0; i < json_array_get_length (json_node_get_array (fields)); i++)
      names = g_list_append (names, (gpointer) node_string (
                                      json_array_get_element (json_node_get_array (fields), i)));

  for (GList *l = names; l != NULL; l = l->next)
    {
      const TbFormField *field = self->service != NULL && l->data != NULL
                                 ? tb_service_lookup_field (self->service, l->data) : NULL;

      if (l->data == NULL)
        continue;
      if (labels->len > 0)
        g_string_append (labels, _(", "));
      g_string_append (labels, field != NULL ? tb_form_field_get_label (field)
                                             : (const char *) l->data);
    }
  return g_string_free (g_steal_pointer (&labels), FALSE);
}

static GtkWidget *
event_row (TbCaseView  *self,
           TbCaseEvent *event)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *icon;
  g_autoptr(GString) details = g_string_new (NULL);
  g_autofree char *title = NULL;
  g_autofree char *when = format_time (event->at);
  const char *icon_name = "document-open-recent-symbolic";
  const char *actor = event->actor_id != NULL ? user_name (self, event->actor_id) : NULL;

  if (g_strcmp0 (event->kind, "decision") == 0)
    {
      const char *action = tb_case_event_get_string (event, "action");
      const char *party = tb_case_event_get_string (event, "party");
      const char *from = tb_case_event_get_string (event, "from");
      const char *to = tb_case_event_get_string (event, "to");
      const char *reason = tb_case_event_get_string (event, "reason");
      const char *comment = tb_case_event_get_string (event, "comment");

      icon_name = "emblem-documents-symbolic";
      if (party != NULL)
        /* Translators: a decision in the history, then the department it was taken for */
        title = g_strdup_printf (_("%s — %s"), action_name (self, action),
                                 party_name (self, party));
      else
        title = g_strdup (action_name (self, action));
      if (from != NULL && to != NULL && g_strcmp0 (from, to) != 0)
        /* Translators: a change of state in the history: from → to */
        g_string_append_printf (details, _("%s → %s"), state_name (self, from),
                                state_name (self, to));
      if (reason != NULL)
        g_string_append_printf (details, "%s%s", details->len > 0 ? "\n" : "", reason);
      if (comment != NULL)
        g_string_append_printf (details, "%s%s", details->len > 0 ? "\n" : "", comment);
    }
  else if (g_strcmp0 (event->kind, "comment") == 0)
    {
      const char *text = tb_case_event_get_string (event, "text");

      /* The text is what matters; the icon and the accessible description say it is a
       * comment. */
      icon_name = "chat-message-new-symbolic";
      title = g_strdup (text != NULL ? text : _("Comment"));
    }
  else if (g_strcmp0 (event->kind, "assignment") == 0)
    {
      icon_name = "system-users-symbolic";
      title = g_strdup_printf (_("Assigned to %s"),
                               user_name (self, tb_case_event_get_string (event, "to")));
    }
  else if (g_strcmp0 (event->kind, "fields") == 0)
    {
      g_autofree char *fields = describe_fields (self, event);

      icon_name = "document-edit-symbolic";
      title = g_strdup (_("Form changed"));
      g_string_append (details, fields);
    }
  else if (g_strcmp0 (event->kind, "created") == 0)
    {
      icon_name = "document-new-symbolic";
      title = g_strdup (_("Registered"));
    }
  else
    title = g_strdup (event->kind);

  if (details->len > 0)
    g_string_append_c (details, '\n');
  if (actor != NULL)
    /* Translators: who did something in the history, and when */
    g_string_append_printf (details, _("%s · %s"), actor, when);
  else
    g_string_append (details, when);
  if (tb_case_event_is_local (event))
    g_string_append_printf (details, " · %s", _("Waiting to be sent"));

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), details->str);
  adw_action_row_set_title_lines (ADW_ACTION_ROW (row), 0);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);
  icon = gtk_image_new_from_icon_name (icon_name);
  gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL, NULL,
                                  -1);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
  if (g_strcmp0 (event->kind, "comment") == 0)
    gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                    _("Comment"), -1);
  g_object_set_data_full (G_OBJECT (row), "kind", g_strdup (event->kind), g_free);
  return row;
}

static void
update_timeline (TbCaseView *self)
{
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GError) error = NULL;

  remove_all_children (GTK_WIDGET (self->timeline_list));
  events = tb_store_list_case_events (self->store, self->case_id, &error);
  if (events == NULL)
    {
      toast_message (self, error->message);
      return;
    }

  /* Newest first, under the box that adds the next one. */
  for (guint i = events->len; i > 0; i--)
    gtk_list_box_append (self->timeline_list, event_row (self, g_ptr_array_index (events, i - 1)));
}

/* ------------------------------------------------------------------------------------------ */
/* Loading                                                                                     */

static void
update_actions (TbCaseView *self)
{
  gboolean have = self->kase != NULL;
  gboolean modified = have && tb_form_view_get_modified (self->form_view);
  GActionMap *map = G_ACTION_MAP (self->actions);
  struct {
    const char *name;
    gboolean    enabled;
  } states[] = {
    { "decide", have && self->roles != TB_ROLE_NONE && !tb_case_get_closed (self->kase) },
    { "decide-primary", have && self->primary_action != NULL },
    { "comment", have && self->roles != TB_ROLE_NONE },
    { "write-comment", have && self->roles != TB_ROLE_NONE },
    { "save", modified },
    { "discard", modified },
    { "undo", self->undo_change != 0 && self->case_service != NULL
              && tb_case_service_can_undo (self->case_service, self->undo_change) },
    { "keep-mine", have && self->conflict_id != 0 },
    { "take-theirs", have && self->conflict_id != 0 },
    { "open-attachment", have && self->attachment_cache != NULL },
    { "save-attachment", have && self->attachment_cache != NULL },
    { "save-attachment-to", have && self->attachment_cache != NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (states); i++)
    g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (map,
                                                                             states[i].name)),
                                 states[i].enabled);

  /* Unsaved changes first: a decision is taken on the case as saved. */
  gtk_widget_set_visible (self->edit_box, modified);
  gtk_widget_set_sensitive (self->decisions_box, !modified);
  gtk_widget_set_sensitive (GTK_WIDGET (self->more_button), !modified);
  gtk_widget_set_sensitive (GTK_WIDGET (self->comment_view),
                            have && self->roles != TB_ROLE_NONE);
}

static void
show_missing (TbCaseView *self,
              const char *description)
{
  g_clear_object (&self->kase);
  adw_status_page_set_description (self->missing_page, description);
  gtk_stack_set_visible_child_name (self->stack, "missing");
}

static gboolean
load_definitions (TbCaseView  *self,
                  GError     **error)
{
  const char *service_id = tb_case_get_service_id (self->kase);

  if (self->service == NULL || g_strcmp0 (tb_service_get_id (self->service), service_id) != 0)
    {
      g_clear_object (&self->service);
      g_clear_object (&self->workflow);
      if (!(self->service = tb_store_get_service (self->store, service_id, error)))
        return FALSE;
    }
  if (self->workflow == NULL
      && !(self->workflow = tb_store_get_workflow (self->store,
                                                   tb_service_get_workflow_id (self->service),
                                                   error)))
    return FALSE;
  if (self->calendar == NULL)
    self->calendar = tb_store_load_calendar (self->store, NULL);
  return TRUE;
}

static void
reload (TbCaseView *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) form = NULL;
  g_auto(GStrv) editable = NULL;
  TbCase *previous = self->kase;

  self->kase = NULL;
  self->roles = TB_ROLE_NONE;
  self->conflict_id = 0;

  if (self->case_service == NULL || self->case_id == NULL)
    {
      g_clear_object (&previous);
      gtk_stack_set_visible_child_name (self->stack, "empty");
      update_actions (self);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CASE]);
      return;
    }

  self->kase = tb_store_get_case (self->store, self->case_id, &error);
  g_clear_object (&previous);
  if (self->kase == NULL)
    {
      if (g_error_matches (error, TB_STORE_ERROR, TB_STORE_ERROR_NOT_FOUND))
        show_missing (self, _("This case is no longer on this desk. It may have been "
                              "reassigned, or its registration undone."));
      else
        show_missing (self, error->message);
      update_actions (self);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CASE]);
      return;
    }

  if (!load_definitions (self, &error))
    {
      show_missing (self, error->message);
      update_actions (self);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CASE]);
      return;
    }

  self->roles = tb_case_service_get_case_roles (self->case_service, self->kase);

  update_header (self);
  update_sync_state (self);
  update_decisions (self);
  update_conflict (self);
  update_timeline (self);

  /* The form: unsaved edits are kept over a refresh of the same case. */
  tb_form_view_set_service (self->form_view, self->service);
  if (!tb_form_view_get_modified (self->form_view))
    {
      form = tb_case_dup_form (self->kase);
      tb_form_view_set_values (self->form_view, form);
    }
  editable = tb_case_service_dup_editable_fields (self->case_service, self->kase, NULL);
  tb_form_view_set_editable_fields (self->form_view, (const char * const *) editable);

  /* The undo offered is gone once the change starts to leave this device. */
  if (self->undo_toast != NULL
      && !tb_case_service_can_undo (self->case_service, self->undo_change))
    tb_toasts_dismiss (self->undo_toast);

  gtk_stack_set_visible_child_name (self->stack, "case");
  update_actions (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CASE]);
}

static void
on_cases_changed (TbStore    *store,
                  GPtrArray  *changes,
                  TbCaseView *self)
{
  gboolean ours = changes == NULL;

  if (self->case_id == NULL)
    return;

  for (guint i = 0; changes != NULL && i < changes->len && !ours; i++)
    {
      TbCaseChange *change = g_ptr_array_index (changes, i);
      TbCase *c = change->new_case != NULL ? change->new_case : change->old_case;

      ours = c != NULL && g_strcmp0 (tb_case_get_id (c), self->case_id) == 0;
    }

  if (ours)
    reload (self);
  else if (self->undo_toast != NULL
           && !tb_case_service_can_undo (self->case_service, self->undo_change))
    tb_toasts_dismiss (self->undo_toast);
}

/* ------------------------------------------------------------------------------------------ */
/* Toasts and undo                                                                             */

/* The toast offering undo, if still shown; weak, since the overlay owns it. */
static void
set_undo_toast (TbCaseView *self,
                AdwToast   *toast)
{
  if (self->undo_toast != NULL)
    g_object_remove_weak_pointer (G_OBJECT (self->undo_toast), (gpointer *) &self->undo_toast);
  self->undo_toast = toast;
  if (toast != NULL)
    g_object_add_weak_pointer (G_OBJECT (toast), (gpointer *) &self->undo_toast);
}

static void
on_undo_toast_dismissed (AdwToast   *toast,
                         TbCaseView *self)
{
  if (self->undo_toast == toast)
    set_undo_toast (self, NULL);
}

static void
undo_change (TbCaseView *self,
             guint       change)
{
  g_autoptr(GError) error = NULL;

  if (!tb_case_service_undo (self->case_service, change, &error))
    {
      toast_message (self, error->message);
      return;
    }

  if (self->undo_change == change)
    self->undo_change = 0;
  if (self->undo_toast != NULL)
    tb_toasts_dismiss (self->undo_toast);
  reload (self);
  toast_message (self, _("Undone"));
}

static void
on_undo_clicked (AdwToast   *toast,
                 TbCaseView *self)
{
  undo_change (self, GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (toast), "change")));
}

/* Reports a completed action; @sentence says what was done. */
static void
offer_undo (TbCaseView *self,
            const char *sentence)
{
  /* Translators: %s says what was done, e.g. "Approved TB-2026-000123" */
  g_autofree char *title = g_strdup_printf (_("%s — will be sent when online"), sentence);
  g_autofree char *escaped = g_markup_escape_text (title, -1);
  g_autoptr(AdwToast) toast = adw_toast_new (escaped);
  guint change = tb_case_service_get_last_change (self->case_service);

  if (self->undo_toast != NULL)
    tb_toasts_dismiss (self->undo_toast);

  if (change != 0 && tb_case_service_can_undo (self->case_service, change))
    {
      adw_toast_set_button_label (toast, _("_Undo"));
      adw_toast_set_timeout (toast, 10);
      g_object_set_data (G_OBJECT (toast), "change", GUINT_TO_POINTER (change));
      g_signal_connect_object (toast, "button-clicked", G_CALLBACK (on_undo_clicked), self, 0);
      g_signal_connect_object (toast, "dismissed", G_CALLBACK (on_undo_toast_dismissed), self,
                               0);
      set_undo_toast (self, toast);
      self->undo_change = change;
    }

  emit_toast (self, toast);
  update_actions (self);
}

static char *
describe_decision (TbCaseView *self,
                   const char *action,
                   const char *ref)
{
  if (g_str_equal (action, "approve"))
    return g_strdup_printf (_("Approved %s"), ref);
  if (g_str_equal (action, "reject"))
    return g_strdup_printf (_("Rejected %s"), ref);
  if (g_str_equal (action, "return"))
    return g_strdup_printf (_("Returned %s for correction"), ref);
  if (g_str_equal (action, "forward"))
    return g_strdup_printf (_("Forwarded %s"), ref);
  if (g_str_equal (action, "countersign"))
    return g_strdup_printf (_("Countersigned %s"), ref);
  if (g_str_equal (action, "extend"))
    return g_strdup_printf (_("Extended the time limit of %s"), ref);
  if (g_str_equal (action, "accept"))
    return g_strdup_printf (_("Accepted %s"), ref);
  if (g_str_equal (action, "resubmit"))
    return g_strdup_printf (_("Recorded the resubmission of %s"), ref);
  if (g_str_equal (action, "withdraw"))
    return g_strdup_printf (_("Recorded the withdrawal of %s"), ref);
  /* Translators: a decision without a sentence of its own: its name, then the case */
  return g_strdup_printf (_("%s: %s"), action_name (self, action), ref);
}

/* ------------------------------------------------------------------------------------------ */
/* Actions                                                                                     */

static void
on_decided (TbDecisionDialog *dialog,
            const char       *action,
            TbCaseView       *self)
{
  g_autofree char *ref = g_strdup (tb_case_get_ref (tb_decision_dialog_get_case (dialog)));
  g_autofree char *sentence = describe_decision (self, action, ref);

  reload (self);
  offer_undo (self, sentence);
}

static void
open_decision (TbCaseView *self,
               const char *action)
{
  g_auto(GStrv) available = NULL;
  TbDecisionDialog *dialog;
  GtkRoot *root;

  if (self->kase == NULL || self->workflow == NULL)
    return;

  if (self->dialog != NULL)
    {
      gtk_window_present (GTK_WINDOW (self->dialog));
      return;
    }

  available = tb_workflow_dup_available_actions (self->workflow, tb_case_get_state (self->kase),
                                                 self->roles);
  if (tb_case_get_closed (self->kase)
      || !g_strv_contains ((const char * const *) available, action))
    {
      g_autofree char *message = g_strdup_printf (_("“%s” is not possible for this case now."),
                                                  action_name (self, action));

      gtk_widget_error_bell (GTK_WIDGET (self));
      toast_message (self, message);
      return;
    }

  if (tb_form_view_get_modified (self->form_view))
    {
      toast_message (self, _("Save or discard the changes to the form first."));
      return;
    }

  dialog = tb_decision_dialog_new (self->case_service, self->kase, action);
  root = gtk_widget_get_root (GTK_WIDGET (self));
  if (GTK_IS_WINDOW (root))
    gtk_window_set_transient_for (GTK_WINDOW (dialog), GTK_WINDOW (root));
  g_signal_connect_object (dialog, "decided", G_CALLBACK (on_decided), self, 0);
  self->dialog = GTK_WIDGET (dialog);
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &self->dialog);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
decide_activated (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       user_data)
{
  open_decision (TB_CASE_VIEW (user_data), g_variant_get_string (parameter, NULL));
}

static void
decide_primary_activated (GSimpleAction *action,
                          GVariant      *parameter,
                          gpointer       user_data)
{
  TbCaseView *self = TB_CASE_VIEW (user_data);

  if (self->primary_action != NULL)
    open_decision (self, self->primary_action);
}

static void
comment_activated (GSimpleAction *action,
                   GVariant      *parameter,
                   gpointer       user_data)
{
  TbCaseView *self = TB_CASE_VIEW (user_data);
  g_autoptr(GError) error = NULL;
  g_autofree char *typed = NULL;
  g_autofree char *sentence = NULL;
  g_autofree char *ref = NULL;
  const char *text = g_variant_get_string (parameter, NULL);
  gboolean from_box = text[0] == '\0';

  if (self->kase == NULL)
    return;

  if (from_box)
    {
      typed = dup_text (self->comment_view);
      text = typed;
    }
  if (text[0] == '\0')
    {
      gtk_widget_error_bell (GTK_WIDGET (self));
      adw_view_stack_set_visible_child_name (self->view_stack, "history");
      gtk_widget_grab_focus (GTK_WIDGET (self->comment_view));
      return;
    }

  ref = g_strdup (tb_case_get_ref (self->kase));
  if (!tb_case_service_comment (self->case_service, self->case_id, text, &error))
    {
      toast_message (self, error->message);
      return;
    }

  if (from_box)
    gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->comment_view), "", -1);
  reload (self);
  sentence = g_strdup_printf (_("Comment added to %s"), ref);
  offer_undo (self, sentence);
}

static void
write_comment_activated (GSimpleAction *action,
                         GVariant      *parameter,
                         gpointer       user_data)
{
  TbCaseView *self = TB_CASE_VIEW (user_data);

  adw_view_stack_set_visible_child_name (self->view_stack, "history");
  gtk_widget_grab_focus (GTK_WIDGET (self->comment_view));
}

/* The editable fields whose edited value differs from the case's, with the new values. */
static JsonObject *
changed_fields (TbCaseView *self)
{
  g_autoptr(JsonObject) edited = tb_form_view_dup_values (self->form_view);
  g_autoptr(JsonObject) original = tb_case_dup_form (self->kase);
  const char * const *editable = tb_form_view_get_editable_fields (self->form_view);
  JsonObject *fields = json_object_new ();

  for (guint i = 0; editable != NULL && editable[i] != NULL; i++)
    {
      JsonNode *now = member (edited, editable[i]);

      if (same_node (now, member (original, editable[i])))
        continue;
      json_object_set_member (fields, editable[i],
                              now != NULL ? json_node_copy (now) : json_node_new (JSON_NODE_NULL));
    }
  return fields;
}

static void
save_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  TbCaseView *self = TB_CASE_VIEW (user_data);
  g_autoptr(JsonObject) fields = NULL;
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *sentence = NULL;
  g_autofree char *ref = NULL;

  if (self->kase == NULL || !tb_form_view_get_modified (self->form_view))
    return;

  fields = changed_fields (self);
  if (json_object_get_size (fields) == 0)
    return;

  /* Each problem is shown beside its field. */
  problems = tb_form_view_validate (self->form_view);
  if (problems->len > 0)
    {
      g_autofree char *message =
        g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "The form has %u problem.",
                                      "The form has %u problems.", problems->len),
                         problems->len);

      adw_view_stack_set_visible_child_name (self->view_stack, "application");
      toast_message (self, message);
      return;
    }

  ref = g_strdup (tb_case_get_ref (self->kase));
  g_clear_pointer (&problems, g_ptr_array_unref);
  if (!tb_case_service_update_fields (self->case_service, self->case_id, fields, &problems,
                                      &error))
    {
      g_clear_pointer (&problems, g_ptr_array_unref);
      problems = tb_form_view_validate (self->form_view);
      toast_message (self, error->message);
      return;
    }

  /* The saved values are the case's now; the edits are done. */
  tb_form_view_set_values (self->form_view, NULL);
  reload (self);
  sentence = g_strdup_printf (_("Saved the changes to %s"), ref);
  offer_undo (self, sentence);
}

static void
discard_activated (GSimpleAction *action,
                   GVariant      *parameter,
                   gpointer       user_data)
{
  TbCaseView *self = TB_CASE_VIEW (user_data);

  tb_form_view_set_values (self->form_view, NULL);
  reload (self);
}

static void
undo_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  TbCaseView *self = TB_CASE_VIEW (user_data);

  if (self->undo_change != 0)
    undo_change (self, self->undo_change);
}

static void
resolve (TbCaseView *self,
         gboolean    keep_mine)
{
  g_autoptr(GError) error = NULL;

  if (self->conflict_id == 0)
    return;

  if (!tb_case_service_resolve_conflict (self->case_service, self->conflict_id, keep_mine,
                                         &error))
    {
      toast_message (self, error->message);
      return;
    }

  reload (self);
  toast_message (self, keep_mine ? _("Your change will be sent again")
                                 : _("The server’s version stands"));
}

static void
keep_mine_activated (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  resolve (TB_CASE_VIEW (user_data), TRUE);
}

static void
take_theirs_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  resolve (TB_CASE_VIEW (user_data), FALSE);
}

/* ------------------------------------------------------------------------------------------ */
/* Attached files                                                                              */

/* What to do with a file once it is on this computer. */
typedef enum
{
  FILE_OPEN,
  FILE_SAVE,
} FileJob;

typedef struct
{
  TbCaseView *self;
  FileJob     job;
  char       *name;
  char       *sha256;
  GFile      *destination;   /* to save to */
  AdwToast   *progress;      /* (nullable) shown while fetching, until dismissed */
} FileTask;

static void
on_progress_dismissed (AdwToast *toast,
                       FileTask *task)
{
  g_signal_handlers_disconnect_by_data (toast, task);
  g_clear_object (&task->progress);
}

static void
file_task_free (FileTask *task)
{
  if (task->progress != NULL)
    {
      AdwToast *progress = g_steal_pointer (&task->progress);

      g_signal_handlers_disconnect_by_data (progress, task);
      tb_toasts_dismiss (progress);
      g_object_unref (progress);
    }
  g_object_unref (task->self);
  g_free (task->name);
  g_free (task->sha256);
  g_clear_object (&task->destination);
  g_free (task);
}

/* The value of file @index of attachment field @field_id, as the case has it. */
static JsonObject *
find_attachment (TbCaseView *self,
                 const char *field_id,
                 guint       index)
{
  JsonObject *values = self->kase != NULL ? tb_form_view_get_values (self->form_view) : NULL;
  JsonNode *node = values != NULL ? json_object_get_member (values, field_id) : NULL;
  JsonNode *element;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node)
      || index >= json_array_get_length (json_node_get_array (node)))
    return NULL;
  element = json_array_get_element (json_node_get_array (node), index);
  return JSON_NODE_HOLDS_OBJECT (element) ? json_node_get_object (element) : NULL;
}

static void
file_failed (FileTask     *task,
             const GError *error)
{
  g_autofree char *message = NULL;
  g_autofree char *escaped = NULL;
  g_autoptr(AdwToast) toast = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  message = g_strdup_printf (task->job == FILE_OPEN ? _("Could not open “%s”: %s")
                                                    : _("Could not save “%s”: %s"),
                             task->name, error->message);
  escaped = g_markup_escape_text (message, -1);
  toast = adw_toast_new (escaped);
  /* About what the user just asked for: before whatever else waits to be said. */
  adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
  emit_toast (task->self, toast);
}

static void
launched_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  FileTask *task = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_app_info_launch_default_for_uri_finish (result, &error))
    file_failed (task, error);
  file_task_free (task);
}

static void
copied_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  FileTask *task = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_file_copy_finish (G_FILE (source), result, &error))
    file_failed (task, error);
  else
    {
      /* Translators: %s is a file's name */
      g_autofree char *message = g_strdup_printf (_("Saved “%s”"), task->name);

      toast_message (task->self, message);
    }
  file_task_free (task);
}

static void
fetched_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  FileTask *task = user_data;
  TbCaseView *self = task->self;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GError) error = NULL;

  file = tb_attachment_cache_fetch_finish (TB_ATTACHMENT_CACHE (source), result, &error);
  if (file == NULL)
    {
      file_failed (task, error);
      file_task_free (task);
      return;
    }

  if (task->job == FILE_SAVE)
    {
      /* The user's own copy: made as any file they save, not private as the cache's. */
      g_file_copy_async (file, task->destination,
                         G_FILE_COPY_OVERWRITE | G_FILE_COPY_TARGET_DEFAULT_PERMS,
                         G_PRIORITY_DEFAULT, self->cancellable, NULL, NULL, copied_cb, task);
    }
  else
    {
      g_autoptr(GFile) copy = NULL;
      g_autoptr(GdkAppLaunchContext) context = NULL;
      g_autofree char *uri = NULL;

      /* Another application gets a copy it cannot write: the case's file stays as received. */
      copy = tb_attachment_cache_make_read_only_copy (self->attachment_cache, task->sha256,
                                                      task->name, &error);
      if (copy == NULL)
        {
          file_failed (task, error);
          file_task_free (task);
          return;
        }
      uri = g_file_get_uri (copy);
      context = gdk_display_get_app_launch_context (gtk_widget_get_display (GTK_WIDGET (self)));
      g_app_info_launch_default_for_uri_async (uri, G_APP_LAUNCH_CONTEXT (context),
                                               self->cancellable, launched_cb, task);
    }
}

/* Gets file @index of @field_id onto this computer, then opens or saves it. */
static void
start_file_job (TbCaseView *self,
                const char *field_id,
                guint       index,
                FileJob     job,
                GFile      *destination)
{
  JsonObject *attachment = find_attachment (self, field_id, index);
  FileTask *task;
  g_autoptr(GFile) cached = NULL;

  if (attachment == NULL || self->attachment_cache == NULL)
    return;

  task = g_new0 (FileTask, 1);
  task->self = g_object_ref (self);
  task->job = job;
  task->name = g_strdup (json_object_get_string_member_with_default (attachment, "name", ""));
  task->sha256 = g_strdup (json_object_get_string_member_with_default (attachment, "sha256",
                                                                       NULL));
  task->destination = destination != NULL ? g_object_ref (destination) : NULL;

  /* Fetching takes a moment: say so, until it is done. */
  cached = tb_attachment_cache_lookup (self->attachment_cache, task->sha256);
  if (cached == NULL && tb_attachment_is_sha256 (task->sha256))
    {
      /* Translators: %s is a file's name */
      g_autofree char *text = g_strdup_printf (_("Fetching “%s”…"), task->name);
      g_autofree char *escaped = g_markup_escape_text (text, -1);
      g_autoptr(AdwToast) toast = adw_toast_new (escaped);

      adw_toast_set_timeout (toast, 0);
      task->progress = g_object_ref (toast);
      g_signal_connect (toast, "dismissed", G_CALLBACK (on_progress_dismissed), task);
      emit_toast (self, toast);
    }

  tb_attachment_cache_fetch_async (self->attachment_cache, task->sha256, self->cancellable,
                                   fetched_cb, task);
}

static void
open_attachment_activated (GSimpleAction *action,
                           GVariant      *parameter,
                           gpointer       user_data)
{
  const char *field_id;
  guint32 index;

  g_variant_get (parameter, "(&su)", &field_id, &index);
  start_file_job (user_data, field_id, index, FILE_OPEN, NULL);
}

static void
on_save_chooser_response (GtkNativeDialog *chooser,
                          int              response,
                          TbCaseView      *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) destination = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      const char *field_id = g_object_get_data (G_OBJECT (chooser), "tb-field");
      guint index = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (chooser), "tb-index"));

      if (destination != NULL)
        start_file_job (self, field_id, index, FILE_SAVE, destination);
    }

  gtk_native_dialog_destroy (chooser);
  g_object_unref (chooser);
}

static void
save_attachment_activated (GSimpleAction *action,
                           GVariant      *parameter,
                           gpointer       user_data)
{
  TbCaseView *self = user_data;
  GtkFileChooserNative *chooser;
  JsonObject *attachment;
  const char *field_id;
  guint32 index;

  g_variant_get (parameter, "(&su)", &field_id, &index);
  attachment = find_attachment (self, field_id, index);
  if (attachment == NULL)
    return;

  chooser = gtk_file_chooser_native_new (_("Save a Copy"),
                                         GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))),
                                         GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), NULL);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser),
                                     json_object_get_string_member_with_default (attachment,
                                                                                 "name", ""));
  g_object_set_data_full (G_OBJECT (chooser), "tb-field", g_strdup (field_id), g_free);
  g_object_set_data (G_OBJECT (chooser), "tb-index", GUINT_TO_POINTER (index));
  g_signal_connect_object (chooser, "response", G_CALLBACK (on_save_chooser_response), self, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/* Without a file chooser: for tests, and whoever knows where already. */
static void
save_attachment_to_activated (GSimpleAction *action,
                              GVariant      *parameter,
                              gpointer       user_data)
{
  g_autoptr(GFile) destination = NULL;
  const char *field_id;
  const char *path;
  guint32 index;

  g_variant_get (parameter, "(&su&s)", &field_id, &index, &path);
  destination = g_file_new_for_path (path);
  start_file_job (user_data, field_id, index, FILE_SAVE, destination);
}

static const GActionEntry action_entries[] = {
  { "decide", decide_activated, "s", NULL, NULL, { 0 } },
  { "decide-primary", decide_primary_activated, NULL, NULL, NULL, { 0 } },
  { "comment", comment_activated, "s", NULL, NULL, { 0 } },
  { "write-comment", write_comment_activated, NULL, NULL, NULL, { 0 } },
  { "save", save_activated, NULL, NULL, NULL, { 0 } },
  { "discard", discard_activated, NULL, NULL, NULL, { 0 } },
  { "undo", undo_activated, NULL, NULL, NULL, { 0 } },
  { "keep-mine", keep_mine_activated, NULL, NULL, NULL, { 0 } },
  { "take-theirs", take_theirs_activated, NULL, NULL, NULL, { 0 } },
  { "open-attachment", open_attachment_activated, "(su)", NULL, NULL, { 0 } },
  { "save-attachment", save_attachment_activated, "(su)", NULL, NULL, { 0 } },
  { "save-attachment-to", save_attachment_to_activated, "(sus)", NULL, NULL, { 0 } },
};

/* ------------------------------------------------------------------------------------------ */
/* The form                                                                                    */

static void
on_form_reveal (TbCaseView *self,
                const char *field_id,
                int         row,
                const char *column_id)
{
  g_autoptr(GError) error = NULL;

  if (self->case_id != NULL && self->case_service != NULL
      && !tb_case_service_record_reveal (self->case_service, self->case_id, field_id, row,
                                         column_id, &error))
    toast_message (self, error->message);
}

static void
on_form_attachment_activated (TbCaseView *self,
                              const char *field_id,
                              int         index,
                              JsonObject *attachment,
                              gboolean    save)
{
  /* Without a cache, fetching is whoever listens's job. */
  if (self->attachment_cache == NULL)
    {
      g_signal_emit (self, signals[ATTACHMENT_ACTIVATED], 0, field_id, index, attachment, save);
      return;
    }

  g_action_group_activate_action (G_ACTION_GROUP (self->actions),
                                  save ? "save-attachment" : "open-attachment",
                                  g_variant_new ("(su)", field_id, (guint32) index));
}

static void
on_form_modified (TbCaseView *self)
{
  update_actions (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODIFIED]);
}

/* ------------------------------------------------------------------------------------------ */
/* GObject                                                                                     */

static void
disconnect_store (TbCaseView *self)
{
  if (self->store != NULL)
    g_clear_signal_handler (&self->cases_changed_id, self->store);
  g_clear_object (&self->store);
  g_clear_object (&self->service);
  g_clear_object (&self->workflow);
  g_clear_pointer (&self->calendar, tb_calendar_unref);
  g_hash_table_remove_all (self->user_names);
}

static void
tb_case_view_dispose (GObject *object)
{
  TbCaseView *self = TB_CASE_VIEW (object);

  g_cancellable_cancel (self->cancellable);
  if (self->dialog != NULL)
    gtk_window_destroy (GTK_WINDOW (self->dialog));
  if (self->undo_toast != NULL)
    g_signal_handlers_disconnect_by_data (self->undo_toast, self);
  set_undo_toast (self, NULL);

  gtk_widget_dispose_template (GTK_WIDGET (self), TB_TYPE_CASE_VIEW);

  disconnect_store (self);
  g_clear_object (&self->case_service);
  g_clear_object (&self->kase);
  g_clear_object (&self->actions);
  g_clear_object (&self->attachment_cache);

  G_OBJECT_CLASS (tb_case_view_parent_class)->dispose (object);
}

static void
tb_case_view_finalize (GObject *object)
{
  TbCaseView *self = TB_CASE_VIEW (object);

  g_free (self->case_id);
  g_free (self->primary_action);
  g_hash_table_unref (self->user_names);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (tb_case_view_parent_class)->finalize (object);
}

static void
tb_case_view_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  TbCaseView *self = TB_CASE_VIEW (object);

  switch (prop_id)
    {
    case PROP_CASE_SERVICE:
      g_value_set_object (value, self->case_service);
      break;
    case PROP_CASE_ID:
      g_value_set_string (value, self->case_id);
      break;
    case PROP_CASE:
      g_value_set_object (value, self->kase);
      break;
    case PROP_MODIFIED:
      g_value_set_boolean (value, tb_case_view_get_modified (self));
      break;
    case PROP_ATTACHMENT_CACHE:
      g_value_set_object (value, self->attachment_cache);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tb_case_view_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  TbCaseView *self = TB_CASE_VIEW (object);

  switch (prop_id)
    {
    case PROP_CASE_SERVICE:
      tb_case_view_set_case_service (self, g_value_get_object (value));
      break;
    case PROP_CASE_ID:
      tb_case_view_set_case_id (self, g_value_get_string (value));
      break;
    case PROP_ATTACHMENT_CACHE:
      tb_case_view_set_attachment_cache (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tb_case_view_class_init (TbCaseViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tb_case_view_dispose;
  object_class->finalize = tb_case_view_finalize;
  object_class->get_property = tb_case_view_get_property;
  object_class->set_property = tb_case_view_set_property;

  /**
   * TbCaseView:case-service:
   *
   * The signed-in user's case service: the store read from, and who acts.
   */
  properties[PROP_CASE_SERVICE] =
    g_param_spec_object ("case-service", NULL, NULL, TB_TYPE_CASE_SERVICE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * TbCaseView:case-id:
   *
   * The id of the case shown, or %NULL for none (an empty state).
   */
  properties[PROP_CASE_ID] =
    g_param_spec_string ("case-id", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * TbCaseView:case:
   *
   * The case as last read from the store, %NULL if none is shown or it is not on this desk.
   */
  properties[PROP_CASE] =
    g_param_spec_object ("case", NULL, NULL, TB_TYPE_CASE,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * TbCaseView:modified:
   *
   * Whether the form has changes not saved yet (ask before showing another case).
   */
  properties[PROP_MODIFIED] =
    g_param_spec_boolean ("modified", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * TbCaseView:attachment-cache:
   *
   * Where attached files are fetched through, for Open and Save; %NULL to leave that to
   * whoever handles #TbCaseView::attachment-activated.
   */
  properties[PROP_ATTACHMENT_CACHE] =
    g_param_spec_object ("attachment-cache", NULL, NULL, TB_TYPE_ATTACHMENT_CACHE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * TbCaseView::add-toast:
   * @self: the case view
   * @toast: the toast
   *
   * An action completed or failed: the window shows @toast in its #AdwToastOverlay. The view
   * keeps no reference after the emission, so the handler adds a reference of its own:
   * `tb_toasts_add (overlay, g_object_ref (toast))`. The view dismisses its toasts through
   * tb_toasts_dismiss(), which keeps clear of libadwaita 1.2's toast animation bugs.
   */
  signals[ADD_TOAST] =
    g_signal_new ("add-toast",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, ADW_TYPE_TOAST);

  /**
   * TbCaseView::attachment-activated:
   * @self: the case view
   * @field_id: the attachment field
   * @index: which file of the field, from 0
   * @attachment: the file's value: "name", and "size", "content_type", "sha256" if known
   * @save: %TRUE to save a copy, %FALSE to open it
   *
   * As #TbFormView::attachment-activated, when the view has no #TbCaseView:attachment-cache
   * to fetch the file through itself.
   */
  signals[ATTACHMENT_ACTIVATED] =
    g_signal_new ("attachment-activated",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 4,
                  G_TYPE_STRING, G_TYPE_INT, JSON_TYPE_OBJECT, G_TYPE_BOOLEAN);

  g_type_ensure (TB_TYPE_FORM_VIEW);
  g_assert (tb_ui_get_resource () != NULL);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/tongban/Tongban/tb-case-view.ui");
  gtk_widget_class_bind_template_child (widget_class, TbCaseView, stack);
  gtk_widget_class_bind_template_child (widget_class, TbCaseView, missing_page);
  gtk_widget_class_bind_template_child (widget_class, TbCaseView, conflict_revealer);
  gtk_widget_class_bind_template_child (widget_class, TbCaseView, conflict_box);
  gtk_widget_class_bind_template_child (widget_class, TbCaseView, conflict_icon);
  gtk_widget_class_bind_template_child (widget_class, TbCaseView, conflict_title);
  gtk_widget_class_bind_template_child (widget_class, TbCaseView, conflict_reason);
  gtk_widget_class_bind_template_child (widget_class, TbCaseView, conflict_change);
  gtk_widget_class_bind_template_child (widget_class, TbCaseView, conflict_grid);
  gtk_widget_class_bind_template_child (widget_class, TbCaseView, keep_mine_button);
  gtk_widget_class_bind_template_child (widget_class, TbCaseView, take_theirs_button);
  gtk_widget_class_bind_template_child (widget_class, TbCaseView, ref_label);
  gtk_widget_class_bind_template_child (widget_class, TbCaseView, sync_box);
  gtk_widget_class_bind_template_child (widget_class, TbCaseView, sync_icon);
  gtk_widget_class_bind_template_child (widget_class, TbCaseView, sync_label);
  gtk_widget_class_bind_template_child (widget_class, TbCaseView, service_label);
  gtk_widget_class_bind_template_child (widget_class, TbCaseView, facts_box);
  gtk_widget_class_bind_template_child (widget_class, TbCaseView, view_stack);
  gtk_widget_class_bind_template_child (widget_class, TbCaseView, form_view);
  gtk_widget_class_bind_template_child (widget_class, TbCaseView, comment_view);
  gtk_widget_class_bind_template_child (widget_class, TbCaseView, timeline_list);
  gtk_widget_class_bind_template_child (widget_class, TbCaseView, edit_box);
  gtk_widget_class_bind_template_child (widget_class, TbCaseView, action_note);
  gtk_widget_class_bind_template_child (widget_class, TbCaseView, decisions_box);
  gtk_widget_class_bind_template_child (widget_class, TbCaseView, more_button);
  gtk_widget_class_bind_template_callback (widget_class, on_form_reveal);
  gtk_widget_class_bind_template_callback (widget_class, on_form_attachment_activated);
  gtk_widget_class_bind_template_callback (widget_class, on_form_modified);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
tb_case_view_init (TbCaseView *self)
{
  GtkEventController *shortcuts;
  GtkEventController *comment_keys;
  GtkWidget *placeholder;
  static const struct {
    const char *trigger;
    const char *action;
    const char *target;
  } accels[] = {
    { "<Control>Return", "case.decide-primary", NULL },
    { "<Control>KP_Enter", "case.decide-primary", NULL },
    { "<Shift><Control>r", "case.decide", "return" },
    { "<Shift><Control>x", "case.decide", "reject" },
    { "<Shift><Control>f", "case.decide", "forward" },
    { "<Shift><Control>g", "case.decide", "countersign" },
    { "<Shift><Control>e", "case.decide", "extend" },
    { "<Control>m", "case.write-comment", NULL },
    { "<Control>s", "case.save", NULL },
    { "<Control>z", "case.undo", NULL },
  };

  self->user_names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->cancellable = g_cancellable_new ();

  gtk_widget_init_template (GTK_WIDGET (self));

  self->actions = g_simple_action_group_new ();
  g_action_map_add_action_entries (G_ACTION_MAP (self->actions), action_entries,
                                   G_N_ELEMENTS (action_entries), self);
  gtk_widget_insert_action_group (GTK_WIDGET (self), "case", G_ACTION_GROUP (self->actions));

  /* Managed by the window: the decisions work from the inbox as well, once a case shows. */
  shortcuts = gtk_shortcut_controller_new ();
  gtk_shortcut_controller_set_scope (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                     GTK_SHORTCUT_SCOPE_MANAGED);
  for (guint i = 0; i < G_N_ELEMENTS (accels); i++)
    gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                          shortcut_new (accels[i].trigger, accels[i].action,
                                                        accels[i].target));
  gtk_widget_add_controller (GTK_WIDGET (self), shortcuts);

  /* In the comment box Ctrl+Return adds the comment rather than deciding. */
  comment_keys = gtk_shortcut_controller_new ();
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (comment_keys),
                                        shortcut_new ("<Control>Return", "case.comment", ""));
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (comment_keys),
                                        shortcut_new ("<Control>KP_Enter", "case.comment", ""));
  gtk_widget_add_controller (GTK_WIDGET (self->comment_view), comment_keys);

  placeholder = gtk_label_new (_("Nothing has happened to this case yet"));
  gtk_widget_add_css_class (placeholder, "dim-label");
  gtk_widget_set_margin_top (placeholder, 18);
  gtk_widget_set_margin_bottom (placeholder, 18);
  gtk_list_box_set_placeholder (self->timeline_list, placeholder);

  update_actions (self);
}

/* ------------------------------------------------------------------------------------------ */
/* Public API                                                                                  */

/**
 * tb_case_view_new:
 *
 * Creates a case view showing no case; set #TbCaseView:case-service and #TbCaseView:case-id.
 *
 * Returns: (transfer floating): a new #TbCaseView
 */
GtkWidget *
tb_case_view_new (void)
{
  return g_object_new (TB_TYPE_CASE_VIEW, NULL);
}

/**
 * tb_case_view_get_case_service:
 * @self: a #TbCaseView
 *
 * Returns: (transfer none) (nullable): the case service
 */
TbCaseService *
tb_case_view_get_case_service (TbCaseView *self)
{
  g_return_val_if_fail (TB_IS_CASE_VIEW (self), NULL);
  return self->case_service;
}

/**
 * tb_case_view_set_case_service:
 * @self: a #TbCaseView
 * @case_service: (nullable): the signed-in user's case service
 *
 * Sets who acts and the store the case is read from; the case shown is read again.
 */
void
tb_case_view_set_case_service (TbCaseView    *self,
                               TbCaseService *case_service)
{
  g_return_if_fail (TB_IS_CASE_VIEW (self));
  g_return_if_fail (case_service == NULL || TB_IS_CASE_SERVICE (case_service));

  if (self->case_service == case_service)
    return;

  disconnect_store (self);
  g_set_object (&self->case_service, case_service);
  self->undo_change = 0;
  if (self->undo_toast != NULL)
    tb_toasts_dismiss (self->undo_toast);
  if (case_service != NULL)
    {
      self->store = g_object_ref (tb_case_service_get_store (case_service));
      self->cases_changed_id = g_signal_connect (self->store, "cases-changed",
                                                 G_CALLBACK (on_cases_changed), self);
    }

  tb_form_view_set_values (self->form_view, NULL);
  reload (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CASE_SERVICE]);
}

/**
 * tb_case_view_get_case_id:
 * @self: a #TbCaseView
 *
 * Returns: (nullable): the id of the case shown
 */
const char *
tb_case_view_get_case_id (TbCaseView *self)
{
  g_return_val_if_fail (TB_IS_CASE_VIEW (self), NULL);
  return self->case_id;
}

/**
 * tb_case_view_set_case_id:
 * @self: a #TbCaseView
 * @case_id: (nullable): the case to show, or %NULL for none
 *
 * Shows another case. Unsaved changes to the form of the previous one are dropped: ask
 * first while #TbCaseView:modified is %TRUE.
 */
void
tb_case_view_set_case_id (TbCaseView *self,
                          const char *case_id)
{
  g_return_if_fail (TB_IS_CASE_VIEW (self));

  if (g_strcmp0 (self->case_id, case_id) == 0)
    return;

  g_free (self->case_id);
  self->case_id = g_strdup (case_id);
  self->applicant_revealed = FALSE;
  if (self->dialog != NULL)
    gtk_window_destroy (GTK_WINDOW (self->dialog));
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->comment_view), "", -1);
  adw_view_stack_set_visible_child_name (self->view_stack, "application");

  /* A new form, masked again, without the edits of the last one. */
  tb_form_view_set_values (self->form_view, NULL);
  reload (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CASE_ID]);
}

/**
 * tb_case_view_get_case:
 * @self: a #TbCaseView
 *
 * Returns: (transfer none) (nullable): the case as last read, %NULL if none is shown
 */
TbCase *
tb_case_view_get_case (TbCaseView *self)
{
  g_return_val_if_fail (TB_IS_CASE_VIEW (self), NULL);
  return self->kase;
}

/**
 * tb_case_view_get_modified:
 * @self: a #TbCaseView
 *
 * Returns: %TRUE if the form has changes not saved yet
 */
gboolean
tb_case_view_get_modified (TbCaseView *self)
{
  g_return_val_if_fail (TB_IS_CASE_VIEW (self), FALSE);
  return self->kase != NULL && tb_form_view_get_modified (self->form_view);
}

/**
 * tb_case_view_get_action_group:
 * @self: a #TbCaseView
 *
 * The "case" actions (see #TbCaseView), for widgets outside the view that should reach them,
 * such as buttons in the window's header bar: insert the group on the window under "case".
 *
 * Returns: (transfer none): the action group
 */
GActionGroup *
tb_case_view_get_action_group (TbCaseView *self)
{
  g_return_val_if_fail (TB_IS_CASE_VIEW (self), NULL);
  return G_ACTION_GROUP (self->actions);
}

/**
 * tb_case_view_reload:
 * @self: a #TbCaseView
 *
 * Reads the case again. The view follows the store's #TbStore::cases-changed by itself;
 * this is for what the store does not signal, such as a new day for the deadline.
 */
void
tb_case_view_reload (TbCaseView *self)
{
  g_return_if_fail (TB_IS_CASE_VIEW (self));
  reload (self);
}

/**
 * tb_case_view_get_attachment_cache:
 * @self: a #TbCaseView
 *
 * Returns: (transfer none) (nullable): where attached files are fetched through
 */
TbAttachmentCache *
tb_case_view_get_attachment_cache (TbCaseView *self)
{
  g_return_val_if_fail (TB_IS_CASE_VIEW (self), NULL);
  return self->attachment_cache;
}

/**
 * tb_case_view_set_attachment_cache:
 * @self: a #TbCaseView
 * @cache: (nullable): the account's attachment cache
 *
 * Lets Open and Save of attached files work (see the `case.open-attachment` actions);
 * without a cache the view only emits #TbCaseView::attachment-activated.
 */
void
tb_case_view_set_attachment_cache (TbCaseView        *self,
                                   TbAttachmentCache *cache)
{
  g_return_if_fail (TB_IS_CASE_VIEW (self));
  g_return_if_fail (cache == NULL || TB_IS_ATTACHMENT_CACHE (cache));

  if (!g_set_object (&self->attachment_cache, cache))
    return;
  update_actions (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ATTACHMENT_CACHE]);
}
