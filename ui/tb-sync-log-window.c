/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-sync-log-window.c: the sync log of a store, newest first, with export to a text file */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "tb-store-sync.h"
#include "tb-sync-log-window.h"
#include "tb-ui-resources.h"

/* Enough for support to see the last days of a busy desk; the store keeps more. */
#define MAX_ENTRIES 1000

struct _TbSyncLogWindow
{
  AdwWindow     parent_instance;

  /* Template widgets */
  GtkStack     *stack;
  GtkListBox   *list_box;
  AdwStatusPage *empty_page;

  TbStore      *store;
  TbSyncEngine *engine;
  GPtrArray    *entries;   /* TbSyncLogEntry, newest first */
  GtkFileChooserNative *chooser;
};

G_DEFINE_FINAL_TYPE (TbSyncLogWindow, tb_sync_log_window, ADW_TYPE_WINDOW)

enum {
  PROP_0,
  PROP_STORE,
  PROP_ENGINE,
  PROP_N_ENTRIES,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static char *
format_time (gint64 at)
{
  g_autoptr(GDateTime) when = g_date_time_new_from_unix_local (at / G_USEC_PER_SEC);

  return when != NULL ? g_date_time_format (when, "%Y-%m-%d %H:%M:%S") : g_strdup ("");
}

static const char *
level_name (const char *level)
{
  if (g_strcmp0 (level, "error") == 0)
    return _("Error");
  if (g_strcmp0 (level, "warning") == 0)
    return _("Warning");
  return _("Information");
}

static GtkWidget *
create_row (TbSyncLogEntry *entry)
{
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *texts = gtk_box_new (GTK_ORIENTATION_VERTICAL, 3);
  GtkWidget *icon;
  GtkWidget *message = gtk_label_new (entry->message);
  GtkWidget *time;
  g_autofree char *when = format_time (entry->at);
  g_autofree char *accessible = NULL;

  if (g_strcmp0 (entry->level, "error") == 0)
    {
      icon = gtk_image_new_from_icon_name ("dialog-error-symbolic");
      gtk_widget_add_css_class (icon, "error");
    }
  else if (g_strcmp0 (entry->level, "warning") == 0)
    {
      icon = gtk_image_new_from_icon_name ("dialog-warning-symbolic");
      gtk_widget_add_css_class (icon, "warning");
    }
  else
    {
      icon = gtk_image_new_from_icon_name ("emblem-ok-symbolic");
      gtk_widget_add_css_class (icon, "dim-label");
    }
  gtk_widget_set_valign (icon, GTK_ALIGN_START);
  gtk_widget_set_tooltip_text (icon, level_name (entry->level));

  gtk_label_set_xalign (GTK_LABEL (message), 0.0f);
  gtk_label_set_wrap (GTK_LABEL (message), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (message), PANGO_WRAP_WORD_CHAR);

  time = gtk_label_new (when);
  gtk_label_set_xalign (GTK_LABEL (time), 0.0f);
  gtk_widget_add_css_class (time, "caption");
  gtk_widget_add_css_class (time, "dim-label");
  gtk_widget_add_css_class (time, "numeric");

  gtk_box_append (GTK_BOX (texts), message);
  gtk_box_append (GTK_BOX (texts), time);
  gtk_widget_set_hexpand (texts, TRUE);
  gtk_box_append (GTK_BOX (box), icon);
  gtk_box_append (GTK_BOX (box), texts);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_widget_set_margin_top (box, 9);
  gtk_widget_set_margin_bottom (box, 9);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);

  /* Translators: a sync log entry read by a screen reader: level, time, message */
  accessible = g_strdup_printf (_("%s, %s: %s"), level_name (entry->level), when,
                                entry->message);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  accessible, -1);
  return row;
}

static void
export_response_cb (GtkNativeDialog *dialog,
                    int              response,
                    gpointer         user_data)
{
  TbSyncLogWindow *self = user_data;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GError) error = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
  g_clear_object (&self->chooser);

  if (file != NULL && !tb_sync_log_window_export (self, file, &error))
    {
      GtkWidget *message = adw_message_dialog_new (GTK_WINDOW (self),
                                                   _("Could Not Export the Log"),
                                                   error->message);

      adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (message), "close", _("_Close"));
      gtk_window_present (GTK_WINDOW (message));
    }
}

static void
export_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  TbSyncLogWindow *self = TB_SYNC_LOG_WINDOW (widget);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%d-%H%M");
  g_autofree char *name = g_strdup_printf ("tongban-sync-log-%s.txt", stamp);

  if (self->chooser != NULL)
    return;

  /* GtkFileDialog is GTK 4.10; the native chooser also goes through the portal when sandboxed. */
  self->chooser = gtk_file_chooser_native_new (_("Export Sync Log"), GTK_WINDOW (self),
                                               GTK_FILE_CHOOSER_ACTION_SAVE,
                                               _("_Save"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->chooser), name);
  g_signal_connect (self->chooser, "response", G_CALLBACK (export_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
tb_sync_log_window_dispose (GObject *object)
{
  TbSyncLogWindow *self = TB_SYNC_LOG_WINDOW (object);

  if (self->chooser != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->chooser, self);
      gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
      g_clear_object (&self->chooser);
    }
  if (self->engine != NULL)
    g_signal_handlers_disconnect_by_data (self->engine, self);
  g_clear_object (&self->engine);
  g_clear_object (&self->store);
  g_clear_pointer (&self->entries, g_ptr_array_unref);

  gtk_widget_dispose_template (GTK_WIDGET (self), TB_TYPE_SYNC_LOG_WINDOW);

  G_OBJECT_CLASS (tb_sync_log_window_parent_class)->dispose (object);
}

static void
tb_sync_log_window_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  TbSyncLogWindow *self = TB_SYNC_LOG_WINDOW (object);

  switch (prop_id)
    {
    case PROP_STORE:
      g_value_set_object (value, self->store);
      break;
    case PROP_ENGINE:
      g_value_set_object (value, self->engine);
      break;
    case PROP_N_ENTRIES:
      g_value_set_uint (value, tb_sync_log_window_get_n_entries (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tb_sync_log_window_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  TbSyncLogWindow *self = TB_SYNC_LOG_WINDOW (object);

  switch (prop_id)
    {
    case PROP_STORE:
      tb_sync_log_window_set_store (self, g_value_get_object (value));
      break;
    case PROP_ENGINE:
      tb_sync_log_window_set_engine (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tb_sync_log_window_class_init (TbSyncLogWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tb_sync_log_window_dispose;
  object_class->get_property = tb_sync_log_window_get_property;
  object_class->set_property = tb_sync_log_window_set_property;

  /**
   * TbSyncLogWindow:store:
   *
   * The store whose sync log is shown.
   */
  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL, TB_TYPE_STORE,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS));

  /**
   * TbSyncLogWindow:engine:
   *
   * The sync engine writing the log, or %NULL; the list follows its syncs.
   */
  properties[PROP_ENGINE] =
    g_param_spec_object ("engine", NULL, NULL, TB_TYPE_SYNC_ENGINE,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS));

  /**
   * TbSyncLogWindow:n-entries:
   *
   * How many entries are listed.
   */
  properties[PROP_N_ENTRIES] =
    g_param_spec_uint ("n-entries", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_assert (tb_ui_get_resource () != NULL);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/tongban/Tongban/tb-sync-log-window.ui");
  gtk_widget_class_bind_template_child (widget_class, TbSyncLogWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, TbSyncLogWindow, list_box);
  gtk_widget_class_bind_template_child (widget_class, TbSyncLogWindow, empty_page);

  gtk_widget_class_install_action (widget_class, "log.export", NULL, export_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK,
                                       "log.export", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
tb_sync_log_window_init (TbSyncLogWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->list_box),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Sync log entries, newest "
                                                                   "first"),
                                  -1);
  tb_sync_log_window_reload (self);
}

/**
 * tb_sync_log_window_new:
 * @store: (nullable): the store whose log to show
 * @engine: (nullable): the engine writing it, to follow its syncs
 *
 * Returns: (transfer none): a new window listing the sync log, newest first
 */
TbSyncLogWindow *
tb_sync_log_window_new (TbStore      *store,
                        TbSyncEngine *engine)
{
  g_return_val_if_fail (store == NULL || TB_IS_STORE (store), NULL);
  g_return_val_if_fail (engine == NULL || TB_IS_SYNC_ENGINE (engine), NULL);

  return g_object_new (TB_TYPE_SYNC_LOG_WINDOW, "store", store, "engine", engine, NULL);
}

/**
 * tb_sync_log_window_get_store:
 * @self: a #TbSyncLogWindow
 *
 * Returns: (transfer none) (nullable): the store shown
 */
TbStore *
tb_sync_log_window_get_store (TbSyncLogWindow *self)
{
  g_return_val_if_fail (TB_IS_SYNC_LOG_WINDOW (self), NULL);
  return self->store;
}

/**
 * tb_sync_log_window_set_store:
 * @self: a #TbSyncLogWindow
 * @store: (nullable): the store whose log to show
 */
void
tb_sync_log_window_set_store (TbSyncLogWindow *self,
                              TbStore         *store)
{
  g_return_if_fail (TB_IS_SYNC_LOG_WINDOW (self));
  g_return_if_fail (store == NULL || TB_IS_STORE (store));

  if (!g_set_object (&self->store, store))
    return;
  tb_sync_log_window_reload (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STORE]);
}

/**
 * tb_sync_log_window_get_engine:
 * @self: a #TbSyncLogWindow
 *
 * Returns: (transfer none) (nullable): the engine followed
 */
TbSyncEngine *
tb_sync_log_window_get_engine (TbSyncLogWindow *self)
{
  g_return_val_if_fail (TB_IS_SYNC_LOG_WINDOW (self), NULL);
  return self->engine;
}

/**
 * tb_sync_log_window_set_engine:
 * @self: a #TbSyncLogWindow
 * @engine: (nullable): the engine to follow: the list is read again whenever its state changes
 */
void
tb_sync_log_window_set_engine (TbSyncLogWindow *self,
                               TbSyncEngine    *engine)
{
  g_return_if_fail (TB_IS_SYNC_LOG_WINDOW (self));
  g_return_if_fail (engine == NULL || TB_IS_SYNC_ENGINE (engine));

  if (self->engine == engine)
    return;
  if (self->engine != NULL)
    g_signal_handlers_disconnect_by_data (self->engine, self);
  g_set_object (&self->engine, engine);
  if (engine != NULL)
    g_signal_connect_object (engine, "notify::status", G_CALLBACK (tb_sync_log_window_reload),
                             self, G_CONNECT_SWAPPED);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ENGINE]);
}

/**
 * tb_sync_log_window_reload:
 * @self: a #TbSyncLogWindow
 *
 * Reads the log from the store again.
 */
void
tb_sync_log_window_reload (TbSyncLogWindow *self)
{
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GError) error = NULL;
  GtkWidget *child;
  guint old_n;

  g_return_if_fail (TB_IS_SYNC_LOG_WINDOW (self));

  old_n = tb_sync_log_window_get_n_entries (self);

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->list_box))) != NULL)
    gtk_list_box_remove (self->list_box, child);
  g_clear_pointer (&self->entries, g_ptr_array_unref);

  if (self->store != NULL)
    {
      entries = tb_store_list_sync_log (self->store, MAX_ENTRIES, &error);
      if (entries == NULL)
        {
          adw_status_page_set_title (self->empty_page, _("Could Not Read the Log"));
          adw_status_page_set_description (self->empty_page, error->message);
        }
    }

  if (entries != NULL)
    for (guint i = 0; i < entries->len; i++)
      gtk_list_box_append (self->list_box, create_row (g_ptr_array_index (entries, i)));

  self->entries = g_steal_pointer (&entries);
  gtk_stack_set_visible_child_name (self->stack,
                                    tb_sync_log_window_get_n_entries (self) > 0 ? "entries"
                                                                                : "empty");
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "log.export",
                                 tb_sync_log_window_get_n_entries (self) > 0);

  if (old_n != tb_sync_log_window_get_n_entries (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ENTRIES]);
}

/**
 * tb_sync_log_window_get_n_entries:
 * @self: a #TbSyncLogWindow
 *
 * Returns: how many entries are listed
 */
guint
tb_sync_log_window_get_n_entries (TbSyncLogWindow *self)
{
  g_return_val_if_fail (TB_IS_SYNC_LOG_WINDOW (self), 0);
  return self->entries != NULL ? self->entries->len : 0;
}

/**
 * tb_sync_log_window_export:
 * @self: a #TbSyncLogWindow
 * @file: where to write
 * @error: return location for an error
 *
 * Writes the entries listed to @file as UTF-8 text, oldest first, one per line: local time,
 * level and message separated by tabs, after a line that names the store and the time.
 *
 * Returns: %TRUE on success
 */
gboolean
tb_sync_log_window_export (TbSyncLogWindow  *self,
                           GFile            *file,
                           GError          **error)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%Y-%m-%d %H:%M:%S %z");

  g_return_val_if_fail (TB_IS_SYNC_LOG_WINDOW (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  /* Support reads a log like a story: from the beginning. */
  g_string_append_printf (text, "# Tongban %s sync log of %s, exported %s\n", PACKAGE_VERSION,
                          self->store != NULL ? tb_store_get_path (self->store) : "-", stamp);
  for (guint i = self->entries != NULL ? self->entries->len : 0; i > 0; i--)
    {
      TbSyncLogEntry *entry = g_ptr_array_index (self->entries, i - 1);
      g_autofree char *when = format_time (entry->at);
      g_autofree char *message = g_strdelimit (g_strdup (entry->message), "\t\r\n", ' ');

      g_string_append_printf (text, "%s\t%s\t%s\n", when, entry->level, message);
    }

  return g_file_replace_contents (file, text->str, text->len, NULL, FALSE,
                                  G_FILE_CREATE_REPLACE_DESTINATION, NULL, NULL, error);
}
