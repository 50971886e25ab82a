/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-sidebar.c: the inbox's views, each with the number of cases it lists */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "tb-sidebar.h"

/*
 * Each view keeps a TbCaseList of its own, configured as the inbox would be for that view: its
 * length is the count shown, and it follows the store's changes the way the inbox does, so the
 * number beside a view is always the number of rows it opens to.
 */

typedef struct
{
  GtkListBoxRow *row;
  GtkLabel      *count_label;
  TbCaseList    *list;
  gulong         handler;
  gboolean       visible;
} ViewRow;

struct _TbSidebar
{
  GtkWidget     parent_instance;

  GtkWidget    *scroller;
  GtkListBox   *list_box;

  ViewRow       rows[TB_N_INBOX_VIEWS];
  TbInboxView   selected;
  gboolean      selecting;  /* selecting a row from code: no notify round-trip */
};

G_DEFINE_FINAL_TYPE (TbSidebar, tb_sidebar, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_SELECTED_VIEW,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const char *view_icons[TB_N_INBOX_VIEWS] = {
  [TB_INBOX_VIEW_MINE] = "avatar-default-symbolic",
  [TB_INBOX_VIEW_DUE_SOON] = "alarm-symbolic",
  [TB_INBOX_VIEW_OVERDUE] = "appointment-missed-symbolic",
  [TB_INBOX_VIEW_RETURNED] = "mail-replied-symbolic",
  [TB_INBOX_VIEW_DRAFTS] = "dialog-warning-symbolic",
  [TB_INBOX_VIEW_SENT] = "mail-send-symbolic",
  [TB_INBOX_VIEW_TEAM] = "system-users-symbolic",
  [TB_INBOX_VIEW_ALL] = "view-list-symbolic",
};

static void
update_count (TbSidebar   *self,
              TbInboxView  view)
{
  ViewRow *r = &self->rows[view];
  guint n = r->list != NULL ? g_list_model_get_n_items (G_LIST_MODEL (r->list)) : 0;
  g_autofree char *number = g_strdup_printf ("%'u", n);
  g_autofree char *description = NULL;

  gtk_label_set_label (r->count_label, r->list != NULL ? number : "");
  /* The row reads as "Overdue, 3 cases" rather than a name and a bare number. */
  description = tb_inbox_format_case_count (n);
  gtk_accessible_update_property (GTK_ACCESSIBLE (r->row),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, tb_inbox_view_get_title (view),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, description,
                                  -1);
  /* Views that want attention say so only while they hold something. */
  if (view == TB_INBOX_VIEW_OVERDUE || view == TB_INBOX_VIEW_DRAFTS)
    {
      if (n > 0)
        gtk_widget_add_css_class (GTK_WIDGET (r->count_label), "error");
      else
        gtk_widget_remove_css_class (GTK_WIDGET (r->count_label), "error");
    }
}

static void
on_list_changed (GListModel *model,
                 guint       position,
                 guint       removed,
                 guint       added,
                 TbSidebar  *self)
{
  if (removed == added)
    return;

  for (guint v = 0; v < TB_N_INBOX_VIEWS; v++)
    if (self->rows[v].list == (TbCaseList *) model)
      update_count (self, v);
}

static void
on_row_selected (TbSidebar     *self,
                 GtkListBoxRow *row)
{
  if (row == NULL || self->selecting)
    return;

  for (guint v = 0; v < TB_N_INBOX_VIEWS; v++)
    if (self->rows[v].row == row && self->selected != v)
      {
        self->selected = v;
        g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTED_VIEW]);
      }
}

static void
select_row (TbSidebar *self)
{
  self->selecting = TRUE;
  gtk_list_box_select_row (self->list_box, self->rows[self->selected].row);
  self->selecting = FALSE;
}

static void
build_rows (TbSidebar *self)
{
  for (guint v = 0; v < TB_N_INBOX_VIEWS; v++)
    {
      GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
      GtkWidget *icon = gtk_image_new_from_icon_name (view_icons[v]);
      GtkWidget *title = gtk_label_new (tb_inbox_view_get_title (v));
      GtkWidget *count = gtk_label_new (NULL);
      GtkWidget *row = gtk_list_box_row_new ();

      gtk_label_set_xalign (GTK_LABEL (title), 0.0f);
      gtk_label_set_ellipsize (GTK_LABEL (title), PANGO_ELLIPSIZE_END);
      gtk_widget_set_hexpand (title, TRUE);
      gtk_widget_add_css_class (count, "dim-label");
      gtk_widget_add_css_class (count, "numeric");
      gtk_box_append (GTK_BOX (box), icon);
      gtk_box_append (GTK_BOX (box), title);
      gtk_box_append (GTK_BOX (box), count);
      gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
      gtk_widget_set_name (row, tb_inbox_view_to_id (v));
      gtk_list_box_append (self->list_box, row);

      self->rows[v].row = GTK_LIST_BOX_ROW (row);
      self->rows[v].count_label = GTK_LABEL (count);
      self->rows[v].visible = TRUE;
      update_count (self, v);
    }
}

static void
clear_lists (TbSidebar *self)
{
  for (guint v = 0; v < TB_N_INBOX_VIEWS; v++)
    {
      ViewRow *r = &self->rows[v];

      if (r->list != NULL)
        g_clear_signal_handler (&r->handler, r->list);
      g_clear_object (&r->list);
    }
}

static void
tb_sidebar_dispose (GObject *object)
{
  TbSidebar *self = TB_SIDEBAR (object);

  clear_lists (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), TB_TYPE_SIDEBAR);

  G_OBJECT_CLASS (tb_sidebar_parent_class)->dispose (object);
}

static void
tb_sidebar_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  TbSidebar *self = TB_SIDEBAR (object);

  switch (prop_id)
    {
    case PROP_SELECTED_VIEW:
      g_value_set_string (value, tb_sidebar_get_selected_id (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tb_sidebar_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  TbSidebar *self = TB_SIDEBAR (object);

  switch (prop_id)
    {
    case PROP_SELECTED_VIEW:
      tb_sidebar_set_selected_id (self, g_value_get_string (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tb_sidebar_class_init (TbSidebarClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tb_sidebar_dispose;
  object_class->get_property = tb_sidebar_get_property;
  object_class->set_property = tb_sidebar_set_property;

  /**
   * TbSidebar:selected-view:
   *
   * The id of the selected view ("mine", "due-soon", … see tb_inbox_view_to_id()). Setting an
   * unknown or unavailable view selects My Cases, or All Cases without a user.
   */
  properties[PROP_SELECTED_VIEW] =
    g_param_spec_string ("selected-view", NULL, NULL,
                         "mine",
                         (G_PARAM_READWRITE |
                          G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/tongban/Tongban/tb-sidebar.ui");
  gtk_widget_class_bind_template_child (widget_class, TbSidebar, scroller);
  gtk_widget_class_bind_template_child (widget_class, TbSidebar, list_box);
  gtk_widget_class_bind_template_callback (widget_class, on_row_selected);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "tb-sidebar");
}

static void
tb_sidebar_init (TbSidebar *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  build_rows (self);
  select_row (self);
}

/**
 * tb_sidebar_new:
 *
 * Returns: (transfer full): a new sidebar, without counts until it gets a context
 */
GtkWidget *
tb_sidebar_new (void)
{
  return g_object_new (TB_TYPE_SIDEBAR, NULL);
}

/**
 * tb_sidebar_set_context:
 * @self: a #TbSidebar
 * @store: (nullable): the store to count cases of
 * @user_id: (nullable): the signed-in user
 * @roles: the user's roles
 * @team_id: (nullable): the user's team
 * @calendar: (nullable): the working-day calendar for the due-soon view
 * @today: the day the deadlines count from
 *
 * Shows the views that apply to this user, with their counts; a selected view that no longer
 * applies gives way to the first one that does.
 */
void
tb_sidebar_set_context (TbSidebar   *self,
                        TbStore     *store,
                        const char  *user_id,
                        TbRole       roles,
                        const char  *team_id,
                        TbCalendar  *calendar,
                        TbDay        today)
{
  g_return_if_fail (TB_IS_SIDEBAR (self));
  g_return_if_fail (store == NULL || TB_IS_STORE (store));

  clear_lists (self);

  for (guint v = 0; v < TB_N_INBOX_VIEWS; v++)
    {
      ViewRow *r = &self->rows[v];

      r->visible = tb_inbox_view_is_available (v, user_id, roles, team_id);
      gtk_widget_set_visible (GTK_WIDGET (r->row), r->visible);

      if (store != NULL && r->visible)
        {
          r->list = tb_case_list_new (store);
          tb_case_list_begin_update (r->list);
          tb_case_list_set_today (r->list, today);
          if (calendar != NULL)
            tb_case_list_set_calendar (r->list, calendar);
          tb_inbox_view_configure (v, r->list, user_id, team_id);
          tb_case_list_end_update (r->list);
          r->handler = g_signal_connect (r->list, "items-changed",
                                         G_CALLBACK (on_list_changed), self);
        }
      update_count (self, v);
    }

  tb_sidebar_set_selected_id (self, tb_inbox_view_to_id (self->selected));
}

/**
 * tb_sidebar_get_selected_view:
 * @self: a #TbSidebar
 *
 * Returns: the selected view
 */
TbInboxView
tb_sidebar_get_selected_view (TbSidebar *self)
{
  g_return_val_if_fail (TB_IS_SIDEBAR (self), TB_INBOX_VIEW_ALL);

  return self->selected;
}

/**
 * tb_sidebar_get_selected_id:
 * @self: a #TbSidebar
 *
 * Returns: the id of the selected view
 */
const char *
tb_sidebar_get_selected_id (TbSidebar *self)
{
  g_return_val_if_fail (TB_IS_SIDEBAR (self), NULL);

  return tb_inbox_view_to_id (self->selected);
}

/**
 * tb_sidebar_set_selected_id:
 * @self: a #TbSidebar
 * @view_id: (nullable): the id of the view to select
 *
 * Selects the view @view_id; if it is unknown or not offered, My Cases, or All Cases for a store
 * without a signed-in user.
 */
void
tb_sidebar_set_selected_id (TbSidebar  *self,
                            const char *view_id)
{
  TbInboxView view;

  g_return_if_fail (TB_IS_SIDEBAR (self));

  /* The user's own cases, or without a user every case: never an empty corner like Sent. */
  if (!tb_inbox_view_from_id (view_id, &view) || !self->rows[view].visible)
    view = self->rows[TB_INBOX_VIEW_MINE].visible ? TB_INBOX_VIEW_MINE : TB_INBOX_VIEW_ALL;

  if (self->selected != view)
    {
      self->selected = view;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTED_VIEW]);
    }
  select_row (self);
}

/**
 * tb_sidebar_get_count:
 * @self: a #TbSidebar
 * @view: a view
 *
 * Returns: the number of cases @view lists (0 for a view not offered)
 */
guint
tb_sidebar_get_count (TbSidebar   *self,
                      TbInboxView  view)
{
  g_return_val_if_fail (TB_IS_SIDEBAR (self), 0);
  g_return_val_if_fail (view < TB_N_INBOX_VIEWS, 0);

  if (self->rows[view].list == NULL)
    return 0;
  return g_list_model_get_n_items (G_LIST_MODEL (self->rows[view].list));
}

/**
 * tb_sidebar_get_view_visible:
 * @self: a #TbSidebar
 * @view: a view
 *
 * Returns: whether the sidebar offers @view to this user
 */
gboolean
tb_sidebar_get_view_visible (TbSidebar   *self,
                             TbInboxView  view)
{
  g_return_val_if_fail (TB_IS_SIDEBAR (self), FALSE);
  g_return_val_if_fail (view < TB_N_INBOX_VIEWS, FALSE);

  return self->rows[view].visible;
}
