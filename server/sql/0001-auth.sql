-- SPDX-License-Identifier: GPL-3.0-or-later
-- 0001-auth.sql: users, sessions (being written)
CREATE TABLE server_meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL) STRICT;
