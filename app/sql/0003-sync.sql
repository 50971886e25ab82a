-- SPDX-License-Identifier: GPL-3.0-or-later
-- 0003-sync.sql: what the sync engine keeps besides the outbox (see docs/architecture.md).
--
-- case_overlay.applied_version: the server applied every local change of the case and answered
-- with this version; the overlay stays on top of the server copy (so the case does not flicker
-- back to its old values) until a pull brings that version or a newer one.
--
-- conflicts.kind: 'conflict' (the server's record moved on: base, mine and theirs are kept) or
-- 'rejected' (the server refused the change for good; `problem` says why, as problem+json).
-- conflicts.mutation: the mutation that failed, `{name, args}`, so that "keep mine" can make it
-- again on the current version.
--
-- pending_removals: cases that left this user's scope while they still had unsent changes. They
-- stay until those changes have had their answer (a conflict keeps the user's edits), then go.
--
-- sync_log: the last events of the sync engine, for the user and for support.

ALTER TABLE case_overlay ADD COLUMN applied_version INTEGER;

ALTER TABLE conflicts ADD COLUMN kind TEXT NOT NULL DEFAULT 'conflict'
  CHECK (kind IN ('conflict', 'rejected'));
ALTER TABLE conflicts ADD COLUMN mutation TEXT CHECK (mutation IS NULL OR json_valid (mutation));
ALTER TABLE conflicts ADD COLUMN problem TEXT CHECK (problem IS NULL OR json_valid (problem));

CREATE TABLE pending_removals (
  case_id TEXT PRIMARY KEY NOT NULL
) STRICT;

CREATE TABLE sync_log (
  id      INTEGER PRIMARY KEY,
  at      INTEGER NOT NULL,
  level   TEXT NOT NULL CHECK (level IN ('info', 'warning', 'error')),
  message TEXT NOT NULL
) STRICT;
