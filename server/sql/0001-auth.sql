-- SPDX-License-Identifier: GPL-3.0-or-later
-- 0001-auth.sql: the server's users, teams and sign-in sessions

CREATE TABLE server_meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL) STRICT;

CREATE TABLE teams (
  id   TEXT PRIMARY KEY NOT NULL CHECK (length(id) BETWEEN 1 AND 64),
  name TEXT NOT NULL
) STRICT;

-- roles and teams are JSON arrays of strings: ["caseworker"], ["team-market"].
-- password_hash is an Argon2id string of libsodium's crypto_pwhash_str (parameters included).
CREATE TABLE users (
  id            TEXT PRIMARY KEY NOT NULL CHECK (length(id) BETWEEN 1 AND 64),
  login         TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(login) BETWEEN 1 AND 64),
  display_name  TEXT NOT NULL,
  roles         TEXT NOT NULL DEFAULT '[]'
                CHECK (json_valid(roles) AND json_type(roles) = 'array'),
  teams         TEXT NOT NULL DEFAULT '[]'
                CHECK (json_valid(teams) AND json_type(teams) = 'array'),
  password_hash TEXT NOT NULL
) STRICT;

-- One row per sign-in. Tokens are never stored, only their SHA-256: a copy of the database
-- does not let anyone act as a user. Refreshing replaces both tokens; the refresh token it
-- replaced is kept (previous_refresh_hash) so that its reuse, the sign of a stolen token,
-- ends the session. Times are microseconds since the Unix epoch (UTC).
CREATE TABLE sessions (
  id                    TEXT PRIMARY KEY NOT NULL,
  user_id               TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  client_id             TEXT,
  access_hash           BLOB NOT NULL UNIQUE,
  access_expires        INTEGER NOT NULL,
  refresh_hash          BLOB NOT NULL UNIQUE,
  refresh_expires       INTEGER NOT NULL,
  previous_refresh_hash BLOB,
  created               INTEGER NOT NULL,
  revoked               INTEGER NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1))
) STRICT;

CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_previous_refresh ON sessions (previous_refresh_hash)
  WHERE previous_refresh_hash IS NOT NULL;
