-- SPDX-License-Identifier: GPL-3.0-or-later
-- 0002-local-actions.sql: what local decisions need to know of a case.
--
-- signed_parties: the parties that have countersigned in the current countersign state, so that
-- the workflow can tell which are still pending (a JSON array of party ids).
-- practice: a case of the trainers' practice data, never a citizen's.

ALTER TABLE cases ADD COLUMN signed_parties TEXT NOT NULL DEFAULT '[]'
  CHECK (json_valid (signed_parties));
ALTER TABLE cases ADD COLUMN practice INTEGER NOT NULL DEFAULT 0 CHECK (practice IN (0, 1));
