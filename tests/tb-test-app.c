/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-test-app.c: the desk's application in widget tests: made, its windows closed, quit */

#include "config.h"

#include "tb-test-app.h"
#include "tb-test-ui.h"

/**
 * tb_test_app_new:
 * @use_keyring: whether it keeps sessions in the Secret Service, as the real app does
 *
 * Returns: (transfer full): a registered application, not running, of a new id
 */
TbApplication *
tb_test_app_new (gboolean use_keyring)
{
  static guint n_applications;
  g_autofree char *id = g_strdup_printf ("%s.Test%u", APP_ID, ++n_applications);
  TbApplication *application;
  g_autoptr(GError) error = NULL;

  /* A registered GtkApplication outlives its last unref here (its D-Bus export lingers); a
   * new id each time keeps the next one from colliding with it. */
  application = g_object_new (TB_TYPE_APPLICATION, "application-id", id, NULL);

  /* No other instance to talk to. Without @use_keyring the keyring stays out of it: the
   * suite's D-Bus session may start gnome-keyring, which would ask to create a keyring
   * (test-keyring and test-keyring-app test it apart). */
  g_application_set_flags (G_APPLICATION (application),
                           G_APPLICATION_HANDLES_COMMAND_LINE | G_APPLICATION_NON_UNIQUE);
  if (!use_keyring)
    tb_application_set_use_keyring (application, FALSE);
  g_application_register (G_APPLICATION (application), NULL, &error);
  g_assert_no_error (error);
  return application;
}

/**
 * tb_test_app_destroy_windows:
 *
 * Destroys every toplevel, as closing them all does.
 */
void
tb_test_app_destroy_windows (void)
{
  g_autoptr(GListModel) toplevels = g_object_ref (gtk_window_get_toplevels ());

  while (g_list_model_get_n_items (toplevels) > 0)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, 0);

      gtk_window_destroy (window);
    }
  tb_test_ui_spin (20);
}

/**
 * tb_test_app_quit:
 * @application: (transfer full): an application of tb_test_app_new()
 *
 * Closes its windows and drops it, as quitting does.
 */
void
tb_test_app_quit (TbApplication *application)
{
  tb_test_app_destroy_windows ();
  tb_test_ui_spin (50);
  g_object_unref (application);
}
