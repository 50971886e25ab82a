/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-test-keyring.h: a throwaway gnome-keyring on a private D-Bus, for tests of sessions */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define TB_TEST_SECRETS_NAME "org.freedesktop.secrets"

gboolean     tb_test_keyring_available (void);
GTestDBus   *tb_test_keyring_bus_up    (void);
void         tb_test_keyring_bus_stop  (GTestDBus   *bus);
gboolean     tb_test_bus_name_has_owner (const char *name);

GSubprocess *tb_test_keyring_start     (const char  *dir);
void         tb_test_keyring_stop      (GSubprocess **daemon);
void         tb_test_keyring_lock      (void);
char        *tb_test_keyring_lookup    (const char  *server,
                                        const char  *login);
guint        tb_test_keyring_count     (void);

G_END_DECLS
