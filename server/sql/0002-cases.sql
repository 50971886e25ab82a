-- SPDX-License-Identifier: GPL-3.0-or-later
-- 0002-cases.sql: cases, their timeline, the change feed, clients and mutations, attachments,
-- audit, and the reference data (services, workflows, calendar) of the reference server.
--
-- Times are microseconds since the Unix epoch (UTC) unless said otherwise; dates are ISO 8601
-- text ('2026-10-09'); device times are kept as the RFC 3339 text the device sent.
-- Users and teams are in 0001-auth.sql.

-- Keys of the sync engine: 'epoch' and 'cursor_key' are made once, at random, so that cursors
-- of another database (or a forged one) are refused; 'pruned_through' is the highest change
-- sequence number whose information may be gone (older cursors must reset).
CREATE TABLE sync_meta (
  key   TEXT PRIMARY KEY NOT NULL,
  value TEXT NOT NULL
) STRICT;

INSERT INTO sync_meta (key, value) VALUES
  ('epoch', lower (hex (randomblob (8)))),
  ('cursor_key', lower (hex (randomblob (32)))),
  ('pruned_through', '0');

-- Reference data: the same JSON definitions the app reads (data/catalogue/).
CREATE TABLE workflows (
  id         TEXT PRIMARY KEY NOT NULL,
  definition TEXT NOT NULL CHECK (json_valid (definition)),
  version    INTEGER NOT NULL DEFAULT 1
) STRICT;

CREATE TABLE services (
  id          TEXT PRIMARY KEY NOT NULL,
  workflow_id TEXT NOT NULL,
  definition  TEXT NOT NULL CHECK (json_valid (definition)),
  version     INTEGER NOT NULL DEFAULT 1
) STRICT;

-- The official calendar: the special days (holidays off, make-up working days on; other days
-- follow the weekend rule) and the years whose arrangement is published.
CREATE TABLE calendar_days (
  day    TEXT PRIMARY KEY NOT NULL,
  is_off INTEGER NOT NULL CHECK (is_off IN (0, 1)),
  name   TEXT
) STRICT;

CREATE TABLE calendar_years (
  year    INTEGER PRIMARY KEY NOT NULL,
  version INTEGER NOT NULL DEFAULT 1
) STRICT;

-- Cases, in the wire shape of docs/protocol.md. `num` is the keyset the initial pull pages on.
-- state_version, assigned_version and fields_version are the versions at which the state (or
-- the countersignatures), the assignee and the form last changed: a mutation based on an older
-- version conflicts only if what it depends on changed since.
CREATE TABLE cases (
  num              INTEGER PRIMARY KEY,
  id               TEXT NOT NULL UNIQUE CHECK (length (id) BETWEEN 1 AND 64),
  ref              TEXT NOT NULL UNIQUE,
  service_id       TEXT NOT NULL,
  state            TEXT NOT NULL,
  assignee_id      TEXT,
  team_id          TEXT,
  applicant_name   TEXT NOT NULL,
  applicant_kind   TEXT NOT NULL CHECK (applicant_kind IN ('person', 'company')),
  company_name     TEXT,
  received_on      TEXT NOT NULL,
  deadline         TEXT,
  paused_since     TEXT,
  closed           INTEGER NOT NULL DEFAULT 0 CHECK (closed IN (0, 1)),
  version          INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
  practice         INTEGER NOT NULL DEFAULT 0 CHECK (practice IN (0, 1)),
  signed_parties   TEXT NOT NULL DEFAULT '[]' CHECK (json_valid (signed_parties)),
  form             TEXT NOT NULL DEFAULT '{}' CHECK (json_valid (form)),
  state_version    INTEGER NOT NULL DEFAULT 1,
  assigned_version INTEGER NOT NULL DEFAULT 1,
  fields_version   INTEGER NOT NULL DEFAULT 1,
  created_by       TEXT,
  created_at       INTEGER NOT NULL
) STRICT;

CREATE INDEX cases_by_assignee ON cases (assignee_id);
CREATE INDEX cases_by_team ON cases (team_id);
CREATE INDEX cases_practice ON cases (practice) WHERE practice = 1;

-- The next reference number per year of receipt ("TB-2026-000124").
CREATE TABLE ref_counters (
  year INTEGER PRIMARY KEY NOT NULL,
  last INTEGER NOT NULL
) STRICT;

-- The case timeline: decisions, comments, assignments, field updates, creation; `version` is
-- the case version the event made.
CREATE TABLE case_events (
  id          INTEGER PRIMARY KEY,
  case_id     TEXT NOT NULL,
  kind        TEXT NOT NULL,
  version     INTEGER NOT NULL,
  actor_id    TEXT,
  device_time TEXT,
  received_at INTEGER NOT NULL,
  data        TEXT NOT NULL DEFAULT '{}' CHECK (json_valid (data))
) STRICT;

CREATE INDEX case_events_by_case ON case_events (case_id, id);

-- The change feed. Every change of a record appends a row with the next sequence number
-- (AUTOINCREMENT: never reused, also after pruning). A put or delete supersedes the earlier
-- puts and deletes of the same record, which are dropped, so the feed holds each record once
-- plus the 'remove' rows: a case that left the scope of `user_id` (its old assignee).
CREATE TABLE changes (
  seq     INTEGER PRIMARY KEY AUTOINCREMENT,
  type    TEXT NOT NULL,
  id      TEXT NOT NULL,
  op      TEXT NOT NULL CHECK (op IN ('put', 'delete', 'remove')),
  user_id TEXT CHECK ((op = 'remove') = (user_id IS NOT NULL)),
  at      INTEGER NOT NULL
          DEFAULT (CAST ((julianday ('now') - 2440587.5) * 86400000000 AS INTEGER))
) STRICT;

CREATE INDEX changes_by_record ON changes (type, id);

CREATE TRIGGER changes_supersede AFTER INSERT ON changes WHEN new.op <> 'remove'
BEGIN
  DELETE FROM changes
  WHERE type = new.type AND id = new.id AND op <> 'remove' AND seq < new.seq;
END;

-- Reference data logs its own changes, whoever writes it (0001-auth.sql's users and teams too).
CREATE TRIGGER workflows_insert AFTER INSERT ON workflows
BEGIN
  INSERT INTO changes (type, id, op) VALUES ('workflow', new.id, 'put');
END;
CREATE TRIGGER workflows_update AFTER UPDATE ON workflows
BEGIN
  INSERT INTO changes (type, id, op) VALUES ('workflow', new.id, 'put');
END;
CREATE TRIGGER services_insert AFTER INSERT ON services
BEGIN
  INSERT INTO changes (type, id, op) VALUES ('service', new.id, 'put');
END;
CREATE TRIGGER services_update AFTER UPDATE ON services
BEGIN
  INSERT INTO changes (type, id, op) VALUES ('service', new.id, 'put');
END;
CREATE TRIGGER teams_insert AFTER INSERT ON teams
BEGIN
  INSERT INTO changes (type, id, op) VALUES ('team', new.id, 'put');
END;
CREATE TRIGGER teams_update AFTER UPDATE ON teams
BEGIN
  INSERT INTO changes (type, id, op) VALUES ('team', new.id, 'put');
END;
CREATE TRIGGER teams_delete AFTER DELETE ON teams
BEGIN
  INSERT INTO changes (type, id, op) VALUES ('team', old.id, 'delete');
END;
CREATE TRIGGER users_insert AFTER INSERT ON users
BEGIN
  INSERT INTO changes (type, id, op) VALUES ('user', new.id, 'put');
END;
CREATE TRIGGER users_update AFTER UPDATE OF id, login, display_name, roles, teams ON users
BEGIN
  INSERT INTO changes (type, id, op) VALUES ('user', new.id, 'put');
END;
CREATE TRIGGER users_delete AFTER DELETE ON users
BEGIN
  INSERT INTO changes (type, id, op) VALUES ('user', old.id, 'delete');
END;

-- Each client's place in its own mutation sequence. last_mutation_id is advanced in the same
-- transaction as the mutation it acknowledges.
CREATE TABLE clients (
  client_id        TEXT PRIMARY KEY NOT NULL CHECK (length (client_id) BETWEEN 1 AND 64),
  user_id          TEXT NOT NULL,
  last_mutation_id INTEGER NOT NULL DEFAULT 0 CHECK (last_mutation_id >= 0),
  created_at       INTEGER NOT NULL,
  last_seen_at     INTEGER NOT NULL
) STRICT;

-- Every mutation processed (duplicates are not: they were processed before), with what it
-- answered.
CREATE TABLE mutations (
  client_id   TEXT NOT NULL,
  id          INTEGER NOT NULL,
  name        TEXT NOT NULL,
  user_id     TEXT NOT NULL,
  case_id     TEXT,
  status      TEXT NOT NULL CHECK (status IN ('applied', 'rejected', 'conflict')),
  result      TEXT NOT NULL CHECK (json_valid (result)),
  device_time TEXT,
  received_at INTEGER NOT NULL,
  PRIMARY KEY (client_id, id)
) STRICT, WITHOUT ROWID;

-- Attachments, content-addressed by the SHA-256 of their bytes (lower-case hex).
CREATE TABLE attachments (
  sha256       TEXT PRIMARY KEY NOT NULL CHECK (length (sha256) = 64),
  content_type TEXT NOT NULL,
  size         INTEGER NOT NULL,
  bytes        BLOB NOT NULL,
  created_at   INTEGER NOT NULL
) STRICT;

-- Who uploaded what under which Idempotency-Key: the same key answers the same upload.
CREATE TABLE attachment_uploads (
  user_id         TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  sha256          TEXT NOT NULL,
  content_type    TEXT NOT NULL,
  uploaded_at     INTEGER NOT NULL,
  PRIMARY KEY (user_id, idempotency_key)
) STRICT;

CREATE INDEX attachment_uploads_by_hash ON attachment_uploads (sha256, user_id);

-- Which attachments a case's form refers to (by "sha256" members in its attachment fields).
CREATE TABLE case_attachments (
  sha256  TEXT NOT NULL,
  case_id TEXT NOT NULL,
  PRIMARY KEY (sha256, case_id)
) STRICT, WITHOUT ROWID;

-- The audit trail: append-only.
CREATE TABLE audit (
  id          INTEGER PRIMARY KEY,
  at          INTEGER NOT NULL,
  actor_id    TEXT,
  action      TEXT NOT NULL,
  case_id     TEXT,
  team_id     TEXT,
  detail      TEXT NOT NULL DEFAULT '{}' CHECK (json_valid (detail)),
  received_at INTEGER NOT NULL,
  device_time TEXT
) STRICT;

CREATE INDEX audit_by_team ON audit (team_id, id);

CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
  SELECT RAISE (ABORT, 'the audit trail is append-only');
END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
  SELECT RAISE (ABORT, 'the audit trail is append-only');
END;
