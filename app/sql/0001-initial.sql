-- SPDX-License-Identifier: GPL-3.0-or-later
-- 0001-initial.sql: schema version 1 of the local Tongban store.
--
-- Dates are ISO 8601 text ('2026-02-14'), so they sort and compare as text.
-- Times are Unix microseconds (INTEGER).
--
-- The `cases` table holds what the inbox shows: the server's copy of each case with any local,
-- not-yet-acknowledged change applied on top. The server's own values of every field a local change
-- touched are kept in `case_overlay.base`, so the exact server copy can always be rebuilt and a
-- rejected change reverts cleanly. Keeping the effective values in `cases` lets every inbox filter
-- and sort run on an index.

CREATE TABLE meta (
  key   TEXT PRIMARY KEY NOT NULL,
  value TEXT NOT NULL
) STRICT;

CREATE TABLE teams (
  id      TEXT PRIMARY KEY NOT NULL,
  name    TEXT NOT NULL,
  version INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE users (
  id           TEXT PRIMARY KEY NOT NULL,
  login        TEXT NOT NULL UNIQUE,
  display_name TEXT NOT NULL,
  roles        TEXT NOT NULL DEFAULT '[]',  -- JSON array of role names
  teams        TEXT NOT NULL DEFAULT '[]',  -- JSON array of team ids
  version      INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE workflows (
  id         TEXT PRIMARY KEY NOT NULL,
  definition TEXT NOT NULL CHECK (json_valid (definition)),
  version    INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE services (
  id          TEXT PRIMARY KEY NOT NULL,
  workflow_id TEXT,
  definition  TEXT NOT NULL CHECK (json_valid (definition)),  -- form schema, materials, time limit
  version     INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE calendar_days (
  day    TEXT PRIMARY KEY NOT NULL,  -- only the special days; other days follow the weekend rule
  is_off INTEGER NOT NULL CHECK (is_off IN (0, 1)),
  name   TEXT
) STRICT;

CREATE TABLE cases (
  id             TEXT PRIMARY KEY NOT NULL,
  ref            TEXT NOT NULL UNIQUE,
  service_id     TEXT NOT NULL,
  state          TEXT NOT NULL,
  assignee_id    TEXT,
  team_id        TEXT,
  applicant_name TEXT NOT NULL,
  applicant_kind TEXT NOT NULL CHECK (applicant_kind IN ('person', 'company')),
  company_name   TEXT,
  received_on    TEXT NOT NULL,
  deadline       TEXT,
  paused_since   TEXT,
  closed         INTEGER NOT NULL DEFAULT 0 CHECK (closed IN (0, 1)),
  version        INTEGER NOT NULL DEFAULT 0,
  sync_state     INTEGER NOT NULL DEFAULT 0,  -- TbSyncState
  form           TEXT NOT NULL DEFAULT '{}' CHECK (json_valid (form))
) STRICT;

-- One index per inbox order, and one per filter combined with the deadline order the inbox opens
-- with. The deadline order puts open cases first (closed = 0), then concluded ones. SQLite appends
-- the rowid to every index entry, so each of these orders rows completely (ties broken by rowid)
-- without carrying the long text id.
CREATE INDEX cases_by_deadline ON cases (closed, deadline);
CREATE INDEX cases_by_received ON cases (received_on);
CREATE INDEX cases_by_state ON cases (state, closed, deadline);
CREATE INDEX cases_by_assignee ON cases (assignee_id, closed, deadline);
CREATE INDEX cases_by_team ON cases (team_id, closed, deadline);
CREATE INDEX cases_by_service ON cases (service_id, closed, deadline);
-- Overdue and due-soon: open cases whose clock runs, by deadline.
CREATE INDEX cases_open_by_deadline ON cases (closed, paused_since, deadline);

-- Full-text index over reference, applicant, company and the text values of the form. It is
-- contentless (the text already lives in `cases`); the triggers below hand FTS5 the exact old values
-- to delete, computed by the same deterministic function as on insert: tb_form_text() (app/tb-fts.c)
-- joins the string values of the form JSON.
--
-- New rows are indexed by TbStore after each batch, in one INSERT … SELECT of every row above the
-- batch's starting rowid, not by an AFTER INSERT trigger: a trigger into FTS5 opens a statement
-- savepoint per row, and FTS5 flushes its pending terms at each one, which made bulk loads four
-- times slower. Anything that inserts into `cases` must go through tb_store_put_cases(). The tokenizer `tb_cjk`
-- (app/tb-fts.c) emits CJK bigrams so that two-character Chinese names and words are found.
CREATE VIRTUAL TABLE cases_fts USING fts5 (
  ref, applicant, company, form,
  content = '',
  tokenize = 'tb_cjk'
);

CREATE TRIGGER cases_fts_delete AFTER DELETE ON cases BEGIN
  INSERT INTO cases_fts (cases_fts, rowid, ref, applicant, company, form)
  VALUES ('delete', old.rowid, old.ref, old.applicant_name, old.company_name,
          tb_form_text (old.form));
END;

CREATE TRIGGER cases_fts_update AFTER UPDATE OF ref, applicant_name, company_name, form ON cases
WHEN old.ref IS NOT new.ref OR old.applicant_name IS NOT new.applicant_name
  OR old.company_name IS NOT new.company_name OR old.form IS NOT new.form
BEGIN
  INSERT INTO cases_fts (cases_fts, rowid, ref, applicant, company, form)
  VALUES ('delete', old.rowid, old.ref, old.applicant_name, old.company_name,
          tb_form_text (old.form));
  INSERT INTO cases_fts (rowid, ref, applicant, company, form)
  VALUES (new.rowid, new.ref, new.applicant_name, new.company_name,
          tb_form_text (new.form));
END;

-- Local changes not yet acknowledged by the server (see the note at the top).
CREATE TABLE case_overlay (
  case_id    TEXT PRIMARY KEY NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
  base       TEXT NOT NULL CHECK (json_valid (base)),   -- server values of the overridden fields
  local      TEXT NOT NULL CHECK (json_valid (local)),  -- the local values now in `cases`
  base_version INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;

-- Mutations waiting to be pushed, in the order they were made (SYNC.md).
CREATE TABLE outbox (
  id            INTEGER PRIMARY KEY,             -- the client mutation id, increasing by one
  name          TEXT NOT NULL,                   -- e.g. 'case.decide'
  args          TEXT NOT NULL CHECK (json_valid (args)),
  base_versions TEXT NOT NULL DEFAULT '{}' CHECK (json_valid (base_versions)),
  case_id       TEXT,
  device_time   INTEGER NOT NULL,
  state         INTEGER NOT NULL DEFAULT 0,      -- TbSyncState: pending, sending, error
  attempts      INTEGER NOT NULL DEFAULT 0,
  last_error    TEXT
) STRICT;
CREATE INDEX outbox_by_case ON outbox (case_id);

-- One row: where this client is in the server's feed.
CREATE TABLE sync_state (
  id                INTEGER PRIMARY KEY CHECK (id = 1),
  client_id         TEXT NOT NULL,
  cursor            TEXT,
  last_mutation_id  INTEGER NOT NULL DEFAULT 0,   -- acknowledged by the server
  next_mutation_id  INTEGER NOT NULL DEFAULT 1,
  server_clock_skew INTEGER NOT NULL DEFAULT 0,   -- server time minus local time, microseconds
  last_sync_at      INTEGER
) STRICT;

-- The case timeline: decisions, comments, assignments.
CREATE TABLE events (
  id         INTEGER PRIMARY KEY,
  case_id    TEXT NOT NULL,
  server_id  TEXT UNIQUE,           -- NULL while only local
  kind       TEXT NOT NULL,
  actor_id   TEXT,
  at         INTEGER NOT NULL,
  data       TEXT NOT NULL DEFAULT '{}' CHECK (json_valid (data))
) STRICT;
CREATE INDEX events_by_case ON events (case_id, at);

-- What this user did on this device, hash-chained so that tampering shows.
CREATE TABLE audit (
  id        INTEGER PRIMARY KEY,
  at        INTEGER NOT NULL,
  actor_id  TEXT,
  action    TEXT NOT NULL,
  case_id   TEXT,
  detail    TEXT NOT NULL DEFAULT '{}' CHECK (json_valid (detail)),
  prev_hash TEXT NOT NULL,
  hash      TEXT NOT NULL
) STRICT;

CREATE TABLE tutorial_progress (
  tutorial_id  TEXT NOT NULL,
  step         INTEGER NOT NULL DEFAULT 0,
  completed_at INTEGER,
  PRIMARY KEY (tutorial_id)
) STRICT;

-- A local change the server did not accept as is: kept as a draft beside the server's record.
CREATE TABLE conflicts (
  id          INTEGER PRIMARY KEY,
  case_id     TEXT NOT NULL,
  mutation_id INTEGER,
  base        TEXT NOT NULL CHECK (json_valid (base)),
  mine        TEXT NOT NULL CHECK (json_valid (mine)),
  theirs      TEXT NOT NULL CHECK (json_valid (theirs)),
  reason      TEXT,
  created_at  INTEGER NOT NULL,
  resolved_at INTEGER
) STRICT;
CREATE INDEX conflicts_open ON conflicts (case_id) WHERE resolved_at IS NULL;
