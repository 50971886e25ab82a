/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-test-ui.c: what widget tests share: languages, waiting on the main loop, finding widgets */

#include "config.h"

#include <locale.h>

#include <adwaita.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "tb-test-ui.h"

/**
 * tb_test_ui_init:
 * @argc: main()'s argument count
 * @argv: main()'s arguments
 *
 * Initialises GTK and libadwaita for a widget test, in English, with the translations of the
 * build directory and the application's icons.
 */
void
tb_test_ui_init (int    *argc,
                 char ***argv)
{
  const char *localedir = g_getenv ("TB_LOCALEDIR");

  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  g_unsetenv ("LANGUAGE");
  gtk_test_init (argc, argv, NULL);
  adw_init ();

  /* Like main.c, but textdomain() is left alone so that GLib keeps translating when the
   * language changes between tests. */
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");

  /* The status page icons; TbApplication adds these itself. */
  gtk_icon_theme_add_resource_path (gtk_icon_theme_get_for_display (gdk_display_get_default ()),
                                    "/io/github/tongban/Tongban/icons");
}

/**
 * tb_test_ui_set_language:
 * @language: (nullable): a LANGUAGE value such as "zh_CN", or %NULL for English
 *
 * gettext looks LANGUAGE up afresh, but only drops the catalogs it has cached when the locale
 * is set again. C.UTF-8 is the only locale that surely exists, and LANGUAGE overrides it.
 */
void
tb_test_ui_set_language (const char *language)
{
  if (language != NULL && g_strcmp0 (language, "en") != 0)
    g_setenv ("LANGUAGE", language, TRUE);
  else
    g_unsetenv ("LANGUAGE");
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  setlocale (LC_ALL, "");
}

/**
 * tb_test_ui_spin:
 * @ms: how long
 *
 * Runs the main loop for @ms milliseconds.
 */
void
tb_test_ui_spin (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * G_TIME_SPAN_MILLISECOND;

  while (g_get_monotonic_time () < end)
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (2 * G_TIME_SPAN_MILLISECOND);
    }
}

/**
 * tb_test_ui_wait_until:
 * @condition: what to wait for
 * @data: its argument
 * @timeout_ms: how long at most
 *
 * Runs the main loop until @condition holds.
 *
 * Returns: %FALSE if it still does not after @timeout_ms
 */
gboolean
tb_test_ui_wait_until (TbTestCondition condition,
                       gpointer        data,
                       guint           timeout_ms)
{
  gint64 end = g_get_monotonic_time () + timeout_ms * G_TIME_SPAN_MILLISECOND;

  while (!condition (data))
    {
      if (g_get_monotonic_time () > end)
        return FALSE;
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (2 * G_TIME_SPAN_MILLISECOND);
    }

  return TRUE;
}

/**
 * tb_test_ui_find_widget:
 * @root: where to start
 * @type: the type looked for
 *
 * Returns: (transfer none) (nullable): the first widget of @type under @root, depth first
 */
GtkWidget *
tb_test_ui_find_widget (GtkWidget *root,
                        GType      type)
{
  if (g_type_is_a (G_OBJECT_TYPE (root), type))
    return root;

  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = tb_test_ui_find_widget (child, type);

      if (found != NULL)
        return found;
    }

  return NULL;
}

/**
 * tb_test_ui_collect:
 * @root: where to start
 * @match: which widgets to take
 * @data: @match's argument
 * @found: (element-type GtkWidget): where to add them
 *
 * Adds every widget under @root, @root included, that @match takes to @found, depth first.
 */
void
tb_test_ui_collect (GtkWidget     *root,
                    TbTestMatch    match,
                    gconstpointer  data,
                    GPtrArray     *found)
{
  if (match (root, data))
    g_ptr_array_add (found, root);

  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    tb_test_ui_collect (child, match, data, found);
}

static gboolean
is_type (GtkWidget     *widget,
         gconstpointer  type)
{
  return g_type_is_a (G_OBJECT_TYPE (widget), GPOINTER_TO_SIZE (type));
}

/**
 * tb_test_ui_find_all:
 * @root: where to start
 * @type: the type looked for
 *
 * Returns: (transfer container) (element-type GtkWidget): the widgets of @type under @root,
 *   @root included, depth first
 */
GPtrArray *
tb_test_ui_find_all (GtkWidget *root,
                     GType      type)
{
  GPtrArray *found = g_ptr_array_new ();

  tb_test_ui_collect (root, is_type, GSIZE_TO_POINTER (type), found);
  return found;
}

/* A button showing a label needs no name of its own: the label is read. */
static gboolean
has_label_child (GtkWidget *widget)
{
  g_autoptr(GPtrArray) labels = tb_test_ui_find_all (widget, GTK_TYPE_LABEL);

  for (guint i = 0; i < labels->len; i++)
    if (*gtk_label_get_text (g_ptr_array_index (labels, i)) != '\0')
      return TRUE;

  return FALSE;
}

/**
 * tb_test_ui_assert_controls_labelled:
 * @root: where to start
 * @is_control: which widgets must have a name (the shown controls of what is tested)
 * @data: @is_control's argument
 *
 * Fails the test unless every widget under @root that @is_control takes can be named by a
 * screen reader, and there is at least one.
 */
void
tb_test_ui_assert_controls_labelled (GtkWidget     *root,
                                     TbTestMatch    is_control,
                                     gconstpointer  data)
{
  g_autoptr(GPtrArray) controls = g_ptr_array_new ();

  tb_test_ui_collect (root, is_control, data, controls);
  g_assert_cmpuint (controls->len, >, 0);

  for (guint i = 0; i < controls->len; i++)
    {
      GtkWidget *widget = g_ptr_array_index (controls, i);
      GtkAccessible *accessible = GTK_ACCESSIBLE (widget);
      g_autoptr(GString) path = NULL;

      if (gtk_test_accessible_has_property (accessible, GTK_ACCESSIBLE_PROPERTY_LABEL)
          || gtk_test_accessible_has_relation (accessible, GTK_ACCESSIBLE_RELATION_LABELLED_BY)
          || (GTK_IS_BUTTON (widget) && has_label_child (widget)))
        continue;

      path = g_string_new (NULL);
      for (GtkWidget *w = widget; w != NULL; w = gtk_widget_get_parent (w))
        {
          g_string_prepend (path, G_OBJECT_TYPE_NAME (w));
          g_string_prepend (path, "/");
        }
      g_error ("a %s has no accessible name: %s", G_OBJECT_TYPE_NAME (widget), path->str);
    }
}

/**
 * tb_test_ui_find_mapped_label:
 * @root: where to start
 * @text: the exact text
 *
 * Returns: (transfer none) (nullable): a label or an inscription (as the inbox's cells are)
 *   showing exactly @text that is on screen (a hidden stack page does not count)
 */
GtkWidget *
tb_test_ui_find_mapped_label (GtkWidget  *root,
                              const char *text)
{
  if (GTK_IS_LABEL (root) && gtk_widget_get_mapped (root)
      && g_strcmp0 (gtk_label_get_label (GTK_LABEL (root)), text) == 0)
    return root;
  if (GTK_IS_INSCRIPTION (root) && gtk_widget_get_mapped (root)
      && g_strcmp0 (gtk_inscription_get_text (GTK_INSCRIPTION (root)), text) == 0)
    return root;

  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = tb_test_ui_find_mapped_label (child, text);

      if (found != NULL)
        return found;
    }

  return NULL;
}

static GtkWindow *
find_toplevel (GType    type,
               gboolean shown_only)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

      if (g_type_is_a (G_OBJECT_TYPE (window), type)
          && (!shown_only || gtk_widget_get_visible (GTK_WIDGET (window))))
        return GTK_WINDOW (window);
    }
  return NULL;
}

/**
 * tb_test_ui_find_toplevel:
 * @type: a window type
 *
 * Returns: (transfer none) (nullable): an open toplevel of @type, e.g. a dialog, shown or not
 */
GtkWindow *
tb_test_ui_find_toplevel (GType type)
{
  return find_toplevel (type, FALSE);
}

/**
 * tb_test_ui_find_shown_toplevel:
 * @type: a window type
 *
 * Like tb_test_ui_find_toplevel(), but a window that was hidden and not destroyed (one kept
 * for later, or closing) does not count.
 *
 * Returns: (transfer none) (nullable): a shown toplevel of @type
 */
GtkWindow *
tb_test_ui_find_shown_toplevel (GType type)
{
  return find_toplevel (type, TRUE);
}

static void
on_after_paint (GdkFrameClock *clock,
                gboolean      *painted)
{
  *painted = TRUE;
}

static gboolean
is_true (gpointer data)
{
  return *(gboolean *) data;
}

/**
 * tb_test_ui_wait_for_frame:
 * @widget: a mapped widget
 *
 * Asks for a new frame of @widget's window and runs the main loop until it is painted.
 */
void
tb_test_ui_wait_for_frame (GtkWidget *widget)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (widget);
  gboolean painted = FALSE;
  gulong handler;

  g_assert_nonnull (clock);
  handler = g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint), &painted);
  gtk_widget_queue_draw (widget);
  gdk_frame_clock_request_phase (clock, GDK_FRAME_CLOCK_PHASE_PAINT);
  g_assert_true (tb_test_ui_wait_until (is_true, &painted, 5000));
  g_signal_handler_disconnect (clock, handler);
}

/**
 * tb_test_ui_save_node:
 * @widget: a mapped widget, whose renderer draws @node
 * @node: what to draw
 * @width: the picture's width
 * @height: the picture's height
 * @name: the file name, e.g. "form-en.png"
 *
 * Writes @node, drawn by @widget's renderer, to screenshots/@name in the test build directory.
 * For pictures that are not what a window shows, e.g. a whole page however long.
 */
void
tb_test_ui_save_node (GtkWidget     *widget,
                      GskRenderNode *node,
                      int            width,
                      int            height,
                      const char    *name)
{
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  const char *builddir = g_getenv ("G_TEST_BUILDDIR");
  GskRenderer *renderer;

  g_assert_nonnull (node);
  g_assert_cmpint (width, >, 0);
  g_assert_cmpint (height, >, 0);

  dir = g_build_filename (builddir != NULL ? builddir : ".", "screenshots", NULL);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  path = g_build_filename (dir, name, NULL);

  renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  texture = gsk_renderer_render_texture (renderer, node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("Screenshot: %s", path);
}

typedef struct
{
  GtkWidget  *widget;
  const char *name;
  gboolean    saved;
} Shot;

/* Right after a frame is painted, layout and drawing agree: what is snapshot now has been
 * allocated (a widget that just appeared, such as a toast, has not before its first frame). */
static void
take_shot (GdkFrameClock *clock,
           Shot          *shot)
{
  g_autoptr(GtkSnapshot) snapshot = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  int width = gtk_widget_get_width (shot->widget);
  int height = gtk_widget_get_height (shot->widget);

  if (shot->saved || width <= 0 || height <= 0)
    return;

  snapshot = gtk_snapshot_new ();
  GTK_WIDGET_GET_CLASS (shot->widget)->snapshot (shot->widget, snapshot);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  tb_test_ui_save_node (shot->widget, node, width, height, shot->name);
  shot->saved = TRUE;
}

static gboolean
shot_saved (gpointer data)
{
  return ((Shot *) data)->saved;
}

/**
 * tb_test_ui_save_screenshot:
 * @widget: a mapped widget, usually a window
 * @name: the file name, e.g. "desk-en.png"
 *
 * Writes what @widget draws at its next frame to screenshots/@name in the test build directory,
 * for a person to look at.
 */
void
tb_test_ui_save_screenshot (GtkWidget  *widget,
                            const char *name)
{
  GdkFrameClock *clock;
  Shot shot = { widget, name, FALSE };
  gulong handler;

  /* Let what the test just did settle (transitions, idle refreshes) first. */
  tb_test_ui_spin (150);
  tb_test_ui_wait_for_frame (widget);

  clock = gtk_widget_get_frame_clock (widget);
  handler = g_signal_connect (clock, "after-paint", G_CALLBACK (take_shot), &shot);
  gtk_widget_queue_draw (widget);
  gdk_frame_clock_request_phase (clock, GDK_FRAME_CLOCK_PHASE_PAINT);
  g_assert_true (tb_test_ui_wait_until (shot_saved, &shot, 5000));
  g_signal_handler_disconnect (clock, handler);
}
