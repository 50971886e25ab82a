-- SPDX-License-Identifier: GPL-3.0-or-later
-- queries.sql: the store's named statements. Each starts at a "-- name:" line; TbStore prepares
-- each once per connection and keeps it. Columns of a case are always selected in the order of
-- TB_CASE_COLUMNS (app/tb-case-private.h).

-- name: put-case
INSERT INTO cases (id, ref, service_id, state, assignee_id, team_id, applicant_name,
                   applicant_kind, company_name, received_on, deadline, paused_since, closed,
                   version, form, signed_parties, practice)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)
ON CONFLICT (id) DO UPDATE SET
  ref = excluded.ref, service_id = excluded.service_id, state = excluded.state,
  assignee_id = excluded.assignee_id, team_id = excluded.team_id,
  applicant_name = excluded.applicant_name, applicant_kind = excluded.applicant_kind,
  company_name = excluded.company_name, received_on = excluded.received_on,
  deadline = excluded.deadline, paused_since = excluded.paused_since, closed = excluded.closed,
  version = excluded.version, form = excluded.form, signed_parties = excluded.signed_parties,
  practice = excluded.practice
WHERE excluded.version >= cases.version;

-- name: get-case
SELECT rowid, id, ref, service_id, state, assignee_id, team_id, applicant_name, applicant_kind,
       company_name, received_on, deadline, paused_since, closed, version, sync_state, form,
       signed_parties, practice
FROM cases WHERE id = ?1;

-- name: get-case-by-ref
SELECT rowid, id, ref, service_id, state, assignee_id, team_id, applicant_name, applicant_kind,
       company_name, received_on, deadline, paused_since, closed, version, sync_state, form,
       signed_parties, practice
FROM cases WHERE ref = ?1;

-- name: count-cases
SELECT count(*) FROM cases;

-- name: search-case-ids
SELECT c.id FROM cases_fts f JOIN cases c ON c.rowid = f.rowid
WHERE cases_fts MATCH ?1 ORDER BY c.ref LIMIT ?2;

-- name: put-service
INSERT INTO services (id, workflow_id, definition, version)
VALUES (?1, json_extract (?2, '$.workflow'), ?2, ifnull (json_extract (?2, '$.version'), 0))
ON CONFLICT (id) DO UPDATE SET
  workflow_id = excluded.workflow_id, definition = excluded.definition, version = excluded.version;

-- name: get-service
SELECT definition FROM services WHERE id = ?1;

-- name: list-services
SELECT definition FROM services ORDER BY id;

-- name: put-workflow
INSERT INTO workflows (id, definition, version)
VALUES (?1, ?2, ifnull (json_extract (?2, '$.version'), 0))
ON CONFLICT (id) DO UPDATE SET definition = excluded.definition, version = excluded.version;

-- name: get-workflow
SELECT definition FROM workflows WHERE id = ?1;

-- name: clear-calendar
DELETE FROM calendar_days;

-- name: put-calendar-day
INSERT OR REPLACE INTO calendar_days (day, is_off, name) VALUES (?1, ?2, ?3);

-- name: list-calendar-days
SELECT day, is_off, name FROM calendar_days ORDER BY day;

-- name: put-team
INSERT INTO teams (id, name) VALUES (?1, ?2)
ON CONFLICT (id) DO UPDATE SET name = excluded.name;

-- name: put-user
INSERT INTO users (id, login, display_name, roles, teams) VALUES (?1, ?2, ?3, ?4, ?5)
ON CONFLICT (id) DO UPDATE SET
  login = excluded.login, display_name = excluded.display_name,
  roles = excluded.roles, teams = excluded.teams;

-- name: get-user-name
SELECT display_name FROM users WHERE id = ?1;

-- name: get-team-name
SELECT name FROM teams WHERE id = ?1;

-- name: get-meta
SELECT value FROM meta WHERE key = ?1;

-- name: set-meta
INSERT INTO meta (key, value) VALUES (?1, ?2)
ON CONFLICT (key) DO UPDATE SET value = excluded.value;

-- name: fts-match-rowid
SELECT 1 FROM cases_fts WHERE cases_fts MATCH ?1 AND rowid = ?2;

-- name: fts-match-rowids
SELECT rowid FROM cases_fts WHERE cases_fts MATCH ?1 ORDER BY rowid;

-- name: max-case-rowid
SELECT ifnull (max (rowid), 0) FROM cases;

-- name: index-new-cases
INSERT INTO cases_fts (rowid, ref, applicant, company, form)
SELECT rowid, ref, applicant_name, company_name, tb_form_text (form) FROM cases WHERE rowid > ?1;

-- name: get-overlay
SELECT base, local FROM case_overlay WHERE case_id = ?1;

-- name: put-overlay
INSERT INTO case_overlay (case_id, base, local, base_version, updated_at)
VALUES (?1, ?2, ?3, ?4, ?5)
ON CONFLICT (case_id) DO UPDATE SET
  base = excluded.base, local = excluded.local, updated_at = excluded.updated_at;

-- name: set-case-sync-state
UPDATE cases SET sync_state = ?2 WHERE id = ?1;

-- name: get-sync-state
SELECT client_id, next_mutation_id FROM sync_state WHERE id = 1;

-- name: init-sync-state
INSERT OR IGNORE INTO sync_state (id, client_id) VALUES (1, ?1);

-- name: next-mutation-id
UPDATE sync_state SET next_mutation_id = next_mutation_id + 1 WHERE id = 1
RETURNING next_mutation_id - 1;

-- name: put-outbox
INSERT INTO outbox (id, name, args, base_versions, case_id, device_time)
VALUES (?1, ?2, ?3, ?4, ?5, ?6);

-- name: last-audit-hash
SELECT hash FROM audit ORDER BY id DESC LIMIT 1;

-- name: put-audit
INSERT INTO audit (at, actor_id, action, case_id, detail, prev_hash, hash)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7);

-- name: put-event
INSERT INTO events (case_id, kind, actor_id, at, data) VALUES (?1, ?2, ?3, ?4, ?5);

-- name: get-user-access
SELECT roles, teams FROM users WHERE id = ?1;
