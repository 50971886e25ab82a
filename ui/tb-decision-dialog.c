/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-decision-dialog.c: asks for what a decision needs, checks it, and records the decision */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "tb-decision.h"
#include "tb-decision-dialog.h"
#include "tb-service.h"
#include "tb-store.h"
#include "tb-ui-resources.h"
#include "tb-workflow.h"

/*
 * One dialog per decision. What it asks for follows from the workflow's transition: the
 * department for a countersignature (or for what a department decides, such as a refusal
 * during countersigning), the reason where the transition needs one, and for a return for
 * correction the list of what is missing, picked from the service's materials and/or typed.
 * The comment is always optional. The decision is recorded through the case service, which
 * checks it again; what it refuses is shown here and the dialog stays open.
 *
 * Keyboard: Ctrl+Return confirms from anywhere in the dialog, Escape cancels.
 */

struct _TbDecisionDialog
{
  AdwWindow            parent_instance;

  AdwWindowTitle      *window_title;
  GtkButton           *confirm_button;
  GtkLabel            *summary_label;
  GtkLabel            *problem_label;
  AdwPreferencesGroup *party_group;
  AdwComboRow         *party_row;
  AdwPreferencesGroup *materials_group;
  AdwPreferencesGroup *reason_group;
  GtkTextView         *reason_view;
  GtkTextView         *comment_view;

  TbCaseService       *case_service;
  TbCase              *kase;
  char                *action;

  TbService           *service;
  TbWorkflow          *workflow;
  TbCalendar          *calendar;
  TbWorkflowStep       step;
  gboolean             valid;
  gboolean             collects_missing;
  GStrv                parties;         /* the departments offered, in the combo's order */
  GPtrArray           *material_checks; /* GtkCheckButton, each with its "material-id" */
};

G_DEFINE_FINAL_TYPE (TbDecisionDialog, tb_decision_dialog, ADW_TYPE_WINDOW)

enum {
  PROP_0,
  PROP_CASE_SERVICE,
  PROP_CASE,
  PROP_ACTION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  DECIDED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ------------------------------------------------------------------------------------------ */
/* Helpers                                                                                     */

static char *
dup_text (GtkTextView *view)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (view);
  GtkTextIter start, end;
  char *text;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  return g_strstrip (text);
}

static void
set_text (GtkTextView *view,
          const char  *text)
{
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (view), text != NULL ? text : "", -1);
}

static const char *
state_name (TbDecisionDialog *self,
            const char       *state)
{
  const char *name = tb_workflow_get_state_name (self->workflow, state);

  return name != NULL ? name : state;
}

static const char *
selected_party (TbDecisionDialog *self)
{
  guint index;

  if (!(self->step.countersign || self->step.by_party) || self->parties == NULL)
    return NULL;

  index = adw_combo_row_get_selected (self->party_row);
  if (index == GTK_INVALID_LIST_POSITION || index >= g_strv_length (self->parties))
    return NULL;
  return self->parties[index];
}

static void
show_problem (TbDecisionDialog *self,
              const char       *message)
{
  gtk_label_set_label (self->problem_label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->problem_label), message != NULL);
}

/* ------------------------------------------------------------------------------------------ */
/* What the decision does                                                                      */

static void
add_sentence (GString    *text,
              const char *sentence)
{
  if (text->len > 0)
    g_string_append_c (text, '\n');
  g_string_append (text, sentence);
}

static void
update_summary (TbDecisionDialog *self)
{
  g_autoptr(GString) summary = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) signed_parties = tb_case_dup_signed_parties (self->kase);
  const char *state = tb_case_get_state (self->kase);
  const char *party = selected_party (self);
  TbRole roles = tb_case_service_get_case_roles (self->case_service, self->kase);
  TbWorkflowResult result;

  if (!tb_workflow_check (self->workflow, state, (const char * const *) signed_parties, roles,
                          self->action, party, &result, &error))
    {
      gtk_label_set_label (self->summary_label, error->message);
      return;
    }

  if (result.countersign && !result.completes_countersign)
    g_string_append_printf (summary,
                            _("The countersignature of %s is recorded; %s stays at “%s” "
                              "until every department has signed."),
                            tb_workflow_get_party_name (self->workflow, party),
                            tb_case_get_ref (self->kase), state_name (self, state));
  else if (g_strcmp0 (result.next_state, state) != 0)
    g_string_append_printf (summary, _("%s moves from “%s” to “%s”."),
                            tb_case_get_ref (self->kase), state_name (self, state),
                            state_name (self, result.next_state));

  if (result.extends_deadline && self->calendar != NULL)
    {
      TbCaseTiming before = {
        (char *) state, signed_parties, tb_case_get_deadline (self->kase),
        tb_case_get_paused_since (self->kase), tb_case_get_closed (self->kase)
      };
      TbCaseTiming after = { NULL };

      /* Any reason will do for a preview of the dates. */
      if (tb_decision_apply (self->workflow, self->service, self->calendar, &before, roles,
                             self->action, party, "-",
                             tb_case_service_get_today (self->case_service), &after, NULL)
          && before.deadline != TB_DAY_INVALID && after.deadline != TB_DAY_INVALID)
        {
          g_autofree char *from = tb_day_to_iso (before.deadline);
          g_autofree char *to = tb_day_to_iso (after.deadline);

          if (summary->len > 0)
            g_string_append_c (summary, '\n');
          g_string_append_printf (summary, _("The time limit moves from %s to %s."), from, to);
        }
      tb_case_timing_clear (&after);
    }

  /* One sentence a line: no separator between sentences suits every language. */
  switch (result.clock)
    {
    case TB_WORKFLOW_CLOCK_PAUSE:
      add_sentence (summary, _("The time limit is paused until the applicant hands in what is "
                               "missing."));
      break;
    case TB_WORKFLOW_CLOCK_RESUME:
      add_sentence (summary, _("The time limit runs again."));
      break;
    case TB_WORKFLOW_CLOCK_STOP:
      add_sentence (summary, _("This concludes the case."));
      break;
    case TB_WORKFLOW_CLOCK_KEEP:
    default:
      break;
    }
  add_sentence (summary, _("The decision is kept on this desk and sent to the server when "
                           "online."));

  gtk_label_set_label (self->summary_label, summary->str);
}

static void
on_party_selected (TbDecisionDialog *self)
{
  update_summary (self);
}

static void
build_parties (TbDecisionDialog *self)
{
  g_auto(GStrv) signed_parties = tb_case_dup_signed_parties (self->kase);
  g_autoptr(GtkStringList) names = gtk_string_list_new (NULL);

  self->parties = tb_workflow_dup_pending_parties (self->workflow,
                                                   tb_case_get_state (self->kase),
                                                   (const char * const *) signed_parties);
  for (guint i = 0; self->parties[i] != NULL; i++)
    {
      const char *name = tb_workflow_get_party_name (self->workflow, self->parties[i]);

      gtk_string_list_append (names, name != NULL ? name : self->parties[i]);
    }

  adw_combo_row_set_model (self->party_row, G_LIST_MODEL (names));
  gtk_widget_set_visible (GTK_WIDGET (self->party_group), TRUE);
  g_signal_connect_swapped (self->party_row, "notify::selected",
                            G_CALLBACK (on_party_selected), self);
}

static void
build_materials (TbDecisionDialog *self)
{
  guint n = tb_service_get_n_materials (self->service);

  for (guint i = 0; i < n; i++)
    {
      const TbMaterial *material = tb_service_get_material (self->service, i);
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *check = gtk_check_button_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row),
                                     tb_material_get_label (material));
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_action_row_set_title_lines (ADW_ACTION_ROW (row), 0);
      if (!tb_material_get_required (material))
        adw_action_row_set_subtitle (ADW_ACTION_ROW (row), _("Only where it applies"));
      gtk_widget_set_valign (check, GTK_ALIGN_CENTER);
      gtk_accessible_update_property (GTK_ACCESSIBLE (check),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      tb_material_get_label (material), -1);
      g_object_set_data_full (G_OBJECT (check), "material-id",
                              g_strdup (tb_material_get_id (material)), g_free);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), check);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), check);
      adw_preferences_group_add (self->materials_group, row);
      g_ptr_array_add (self->material_checks, check);
    }

  gtk_widget_set_visible (GTK_WIDGET (self->materials_group), n > 0);
}

static void
build (TbDecisionDialog *self)
{
  g_autoptr(GError) error = NULL;
  TbStore *store = tb_case_service_get_store (self->case_service);
  const char *name;

  adw_window_title_set_subtitle (self->window_title, tb_case_get_ref (self->kase));

  if (!(self->service = tb_store_get_service (store, tb_case_get_service_id (self->kase), &error))
      || !(self->workflow = tb_store_get_workflow (store,
                                                   tb_service_get_workflow_id (self->service),
                                                   &error)))
    {
      adw_window_title_set_title (self->window_title, self->action);
      gtk_button_set_label (self->confirm_button, self->action);
      gtk_widget_set_sensitive (GTK_WIDGET (self->confirm_button), FALSE);
      show_problem (self, error->message);
      return;
    }
  self->calendar = tb_store_load_calendar (store, NULL);

  name = tb_workflow_get_action_name (self->workflow, self->action);
  if (name == NULL)
    name = self->action;
  adw_window_title_set_title (self->window_title, name);
  gtk_button_set_label (self->confirm_button, name);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->confirm_button),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  _("Records the decision (Ctrl+Return)"), -1);

  self->valid = tb_workflow_get_step (self->workflow, tb_case_get_state (self->kase),
                                      self->action, &self->step);
  if (!self->valid)
    {
      gtk_widget_set_sensitive (GTK_WIDGET (self->confirm_button), FALSE);
      update_summary (self);
      return;
    }

  /* Refusing or withdrawing ends the application against the applicant's wish. */
  if (g_strcmp0 (self->action, "reject") == 0 || g_strcmp0 (self->action, "withdraw") == 0)
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->confirm_button), "suggested-action");
      gtk_widget_add_css_class (GTK_WIDGET (self->confirm_button), "destructive-action");
    }

  if (self->step.countersign || self->step.by_party)
    build_parties (self);

  /* A return for correction: the case waits for the applicant, who must be told all that is
   * missing at once. */
  self->collects_missing = self->step.needs_reason
                           && tb_workflow_pauses_clock (self->workflow, self->step.to);
  if (self->collects_missing)
    {
      build_materials (self);
      adw_preferences_group_set_title (self->reason_group, _("Other Missing Items"));
      adw_preferences_group_set_description (self->reason_group,
                                             _("Anything else to correct or hand in"));
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->reason_view),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, _("Other missing items"),
                                      -1);
    }
  else if (self->step.needs_reason)
    {
      adw_preferences_group_set_description (self->reason_group,
                                             _("Required; the applicant is told this reason"));
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->reason_view),
                                      GTK_ACCESSIBLE_PROPERTY_REQUIRED, TRUE, -1);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->reason_group), self->step.needs_reason);

  update_summary (self);
}

/* ------------------------------------------------------------------------------------------ */
/* Confirming                                                                                  */

static void
confirm_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  tb_decision_dialog_confirm (TB_DECISION_DIALOG (widget));
}

/**
 * tb_decision_dialog_confirm:
 * @self: a #TbDecisionDialog
 *
 * Checks what was given and records the decision, as the confirm button does. On success
 * #TbDecisionDialog::decided is emitted and the dialog closes; otherwise the problem is shown
 * (see tb_decision_dialog_get_problem()) and the dialog stays.
 *
 * Returns: %TRUE if the decision was recorded
 */
gboolean
tb_decision_dialog_confirm (TbDecisionDialog *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *reason = NULL;
  g_autofree char *comment = NULL;
  const char *party;

  g_return_val_if_fail (TB_IS_DECISION_DIALOG (self), FALSE);

  show_problem (self, NULL);
  if (!self->valid)
    return FALSE;

  party = selected_party (self);
  if ((self->step.countersign || self->step.by_party) && party == NULL)
    {
      show_problem (self, _("Choose the department."));
      gtk_widget_grab_focus (GTK_WIDGET (self->party_row));
      return FALSE;
    }

  if (self->step.needs_reason)
    {
      reason = tb_decision_dialog_dup_reason (self);
      if (reason[0] == '\0')
        {
          if (self->collects_missing)
            {
              show_problem (self, _("Tick the missing materials or describe what is missing."));
              gtk_widget_grab_focus (self->material_checks->len > 0
                                     ? g_ptr_array_index (self->material_checks, 0)
                                     : GTK_WIDGET (self->reason_view));
            }
          else
            {
              show_problem (self, _("Give a reason."));
              gtk_widget_grab_focus (GTK_WIDGET (self->reason_view));
            }
          return FALSE;
        }
    }

  comment = dup_text (self->comment_view);
  if (!tb_case_service_decide (self->case_service, tb_case_get_id (self->kase), self->action,
                               party, reason, comment[0] != '\0' ? comment : NULL, &error))
    {
      show_problem (self, error->message);
      return FALSE;
    }

  g_object_ref (self);
  g_signal_emit (self, signals[DECIDED], 0, self->action);
  gtk_window_destroy (GTK_WINDOW (self));
  g_object_unref (self);
  return TRUE;
}

/* ------------------------------------------------------------------------------------------ */
/* GObject                                                                                     */

static void
tb_decision_dialog_constructed (GObject *object)
{
  TbDecisionDialog *self = TB_DECISION_DIALOG (object);

  G_OBJECT_CLASS (tb_decision_dialog_parent_class)->constructed (object);

  g_return_if_fail (self->case_service != NULL && self->kase != NULL && self->action != NULL);
  build (self);

  /* Straight to what must be filled in; otherwise the confirm button, so Return decides. */
  if (self->valid && self->collects_missing && self->material_checks->len > 0)
    gtk_window_set_focus (GTK_WINDOW (self), g_ptr_array_index (self->material_checks, 0));
  else if (self->valid && self->step.needs_reason)
    gtk_window_set_focus (GTK_WINDOW (self), GTK_WIDGET (self->reason_view));
  else
    gtk_window_set_focus (GTK_WINDOW (self), GTK_WIDGET (self->confirm_button));
  gtk_window_set_default_widget (GTK_WINDOW (self), GTK_WIDGET (self->confirm_button));
}

static void
tb_decision_dialog_dispose (GObject *object)
{
  TbDecisionDialog *self = TB_DECISION_DIALOG (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), TB_TYPE_DECISION_DIALOG);

  g_clear_object (&self->case_service);
  g_clear_object (&self->kase);
  g_clear_object (&self->service);
  g_clear_object (&self->workflow);
  g_clear_pointer (&self->calendar, tb_calendar_unref);

  G_OBJECT_CLASS (tb_decision_dialog_parent_class)->dispose (object);
}

static void
tb_decision_dialog_finalize (GObject *object)
{
  TbDecisionDialog *self = TB_DECISION_DIALOG (object);

  g_free (self->action);
  g_strfreev (self->parties);
  g_ptr_array_unref (self->material_checks);

  G_OBJECT_CLASS (tb_decision_dialog_parent_class)->finalize (object);
}

static void
tb_decision_dialog_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  TbDecisionDialog *self = TB_DECISION_DIALOG (object);

  switch (prop_id)
    {
    case PROP_CASE_SERVICE:
      g_value_set_object (value, self->case_service);
      break;
    case PROP_CASE:
      g_value_set_object (value, self->kase);
      break;
    case PROP_ACTION:
      g_value_set_string (value, self->action);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tb_decision_dialog_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  TbDecisionDialog *self = TB_DECISION_DIALOG (object);

  switch (prop_id)
    {
    case PROP_CASE_SERVICE:
      self->case_service = g_value_dup_object (value);
      break;
    case PROP_CASE:
      self->kase = g_value_dup_object (value);
      break;
    case PROP_ACTION:
      self->action = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tb_decision_dialog_class_init (TbDecisionDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = tb_decision_dialog_constructed;
  object_class->dispose = tb_decision_dialog_dispose;
  object_class->finalize = tb_decision_dialog_finalize;
  object_class->get_property = tb_decision_dialog_get_property;
  object_class->set_property = tb_decision_dialog_set_property;

  /**
   * TbDecisionDialog:case-service:
   *
   * The case service that records the decision.
   */
  properties[PROP_CASE_SERVICE] =
    g_param_spec_object ("case-service", NULL, NULL, TB_TYPE_CASE_SERVICE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * TbDecisionDialog:case:
   *
   * The case decided, as it was when the dialog opened.
   */
  properties[PROP_CASE] =
    g_param_spec_object ("case", NULL, NULL, TB_TYPE_CASE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * TbDecisionDialog:action:
   *
   * The workflow action ("approve", "return", …).
   */
  properties[PROP_ACTION] =
    g_param_spec_string ("action", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * TbDecisionDialog::decided:
   * @self: the dialog
   * @action: the workflow action recorded
   *
   * The decision was recorded (queued for the server); the dialog closes right after.
   */
  signals[DECIDED] =
    g_signal_new ("decided",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);

  g_assert (tb_ui_get_resource () != NULL);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/tongban/Tongban/"
                                               "tb-decision-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, TbDecisionDialog, window_title);
  gtk_widget_class_bind_template_child (widget_class, TbDecisionDialog, confirm_button);
  gtk_widget_class_bind_template_child (widget_class, TbDecisionDialog, summary_label);
  gtk_widget_class_bind_template_child (widget_class, TbDecisionDialog, problem_label);
  gtk_widget_class_bind_template_child (widget_class, TbDecisionDialog, party_group);
  gtk_widget_class_bind_template_child (widget_class, TbDecisionDialog, party_row);
  gtk_widget_class_bind_template_child (widget_class, TbDecisionDialog, materials_group);
  gtk_widget_class_bind_template_child (widget_class, TbDecisionDialog, reason_group);
  gtk_widget_class_bind_template_child (widget_class, TbDecisionDialog, reason_view);
  gtk_widget_class_bind_template_child (widget_class, TbDecisionDialog, comment_view);

  gtk_widget_class_install_action (widget_class, "decision.confirm", NULL, confirm_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK,
                                       "decision.confirm", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Enter, GDK_CONTROL_MASK,
                                       "decision.confirm", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
tb_decision_dialog_init (TbDecisionDialog *self)
{
  self->material_checks = g_ptr_array_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
}

/* ------------------------------------------------------------------------------------------ */
/* Public API                                                                                  */

/**
 * tb_decision_dialog_new:
 * @case_service: the case service that records the decision
 * @c: the case to decide
 * @action: the workflow action ("approve", "return", "countersign", "extend", …)
 *
 * Creates the dialog; make it transient for the window and present it.
 *
 * Returns: (transfer floating): a new #TbDecisionDialog
 */
TbDecisionDialog *
tb_decision_dialog_new (TbCaseService *case_service,
                        TbCase        *c,
                        const char    *action)
{
  g_return_val_if_fail (TB_IS_CASE_SERVICE (case_service), NULL);
  g_return_val_if_fail (TB_IS_CASE (c), NULL);
  g_return_val_if_fail (action != NULL, NULL);

  return g_object_new (TB_TYPE_DECISION_DIALOG,
                       "case-service", case_service,
                       "case", c,
                       "action", action,
                       NULL);
}

/**
 * tb_decision_dialog_get_case_service:
 * @self: a #TbDecisionDialog
 *
 * Returns: (transfer none): the case service that records the decision
 */
TbCaseService *
tb_decision_dialog_get_case_service (TbDecisionDialog *self)
{
  g_return_val_if_fail (TB_IS_DECISION_DIALOG (self), NULL);
  return self->case_service;
}

/**
 * tb_decision_dialog_get_case:
 * @self: a #TbDecisionDialog
 *
 * Returns: (transfer none): the case decided
 */
TbCase *
tb_decision_dialog_get_case (TbDecisionDialog *self)
{
  g_return_val_if_fail (TB_IS_DECISION_DIALOG (self), NULL);
  return self->kase;
}

/**
 * tb_decision_dialog_get_action:
 * @self: a #TbDecisionDialog
 *
 * Returns: the workflow action
 */
const char *
tb_decision_dialog_get_action (TbDecisionDialog *self)
{
  g_return_val_if_fail (TB_IS_DECISION_DIALOG (self), NULL);
  return self->action;
}

/**
 * tb_decision_dialog_set_reason:
 * @self: a #TbDecisionDialog
 * @text: (nullable): the reason, or for a return for correction what else is missing
 *
 * Fills in the reason box, as if typed.
 */
void
tb_decision_dialog_set_reason (TbDecisionDialog *self,
                               const char       *text)
{
  g_return_if_fail (TB_IS_DECISION_DIALOG (self));
  set_text (self->reason_view, text);
}

/**
 * tb_decision_dialog_set_comment:
 * @self: a #TbDecisionDialog
 * @text: (nullable): the comment
 *
 * Fills in the comment box, as if typed.
 */
void
tb_decision_dialog_set_comment (TbDecisionDialog *self,
                                const char       *text)
{
  g_return_if_fail (TB_IS_DECISION_DIALOG (self));
  set_text (self->comment_view, text);
}

/**
 * tb_decision_dialog_set_material_missing:
 * @self: a #TbDecisionDialog
 * @material_id: a material of the service
 * @missing: whether the applicant must still hand it in
 *
 * Ticks a material in the list of what is missing, for a return for correction.
 *
 * Returns: %TRUE if the dialog lists that material
 */
gboolean
tb_decision_dialog_set_material_missing (TbDecisionDialog *self,
                                         const char       *material_id,
                                         gboolean          missing)
{
  g_return_val_if_fail (TB_IS_DECISION_DIALOG (self), FALSE);
  g_return_val_if_fail (material_id != NULL, FALSE);

  for (guint i = 0; i < self->material_checks->len; i++)
    {
      GtkCheckButton *check = g_ptr_array_index (self->material_checks, i);

      if (g_strcmp0 (g_object_get_data (G_OBJECT (check), "material-id"), material_id) == 0)
        {
          gtk_check_button_set_active (check, missing);
          return TRUE;
        }
    }
  return FALSE;
}

/**
 * tb_decision_dialog_set_party:
 * @self: a #TbDecisionDialog
 * @party: a countersigning department's id
 *
 * Chooses the department the decision is taken for.
 *
 * Returns: %TRUE if the dialog offers that department
 */
gboolean
tb_decision_dialog_set_party (TbDecisionDialog *self,
                              const char       *party)
{
  g_return_val_if_fail (TB_IS_DECISION_DIALOG (self), FALSE);
  g_return_val_if_fail (party != NULL, FALSE);

  for (guint i = 0; self->parties != NULL && self->parties[i] != NULL; i++)
    if (g_str_equal (self->parties[i], party))
      {
        adw_combo_row_set_selected (self->party_row, i);
        return TRUE;
      }
  return FALSE;
}

/**
 * tb_decision_dialog_dup_reason:
 * @self: a #TbDecisionDialog
 *
 * The reason as it will be recorded: for a return for correction, the materials ticked as
 * missing, one a line, then the text typed.
 *
 * Returns: (transfer full): the reason, "" if none was given
 */
char *
tb_decision_dialog_dup_reason (TbDecisionDialog *self)
{
  g_autoptr(GString) reason = g_string_new (NULL);
  g_autofree char *typed = NULL;
  guint n = 0;

  g_return_val_if_fail (TB_IS_DECISION_DIALOG (self), NULL);

  for (guint i = 0; i < self->material_checks->len; i++)
    {
      GtkCheckButton *check = g_ptr_array_index (self->material_checks, i);
      const char *id = g_object_get_data (G_OBJECT (check), "material-id");

      if (!gtk_check_button_get_active (check))
        continue;

      if (n == 0)
        g_string_append (reason, _("Missing materials:"));
      for (guint j = 0; j < tb_service_get_n_materials (self->service); j++)
        {
          const TbMaterial *material = tb_service_get_material (self->service, j);

          if (g_strcmp0 (tb_material_get_id (material), id) == 0)
            g_string_append_printf (reason, "\n%u. %s", ++n, tb_material_get_label (material));
        }
    }

  typed = dup_text (self->reason_view);
  if (typed[0] != '\0')
    {
      if (reason->len > 0)
        g_string_append_c (reason, '\n');
      g_string_append (reason, typed);
    }

  return g_string_free (g_steal_pointer (&reason), FALSE);
}

/**
 * tb_decision_dialog_get_problem:
 * @self: a #TbDecisionDialog
 *
 * Returns: (nullable): why the last attempt to confirm failed, as shown; %NULL if it did not
 */
const char *
tb_decision_dialog_get_problem (TbDecisionDialog *self)
{
  g_return_val_if_fail (TB_IS_DECISION_DIALOG (self), NULL);

  if (!gtk_widget_get_visible (GTK_WIDGET (self->problem_label)))
    return NULL;
  return gtk_label_get_label (self->problem_label);
}
