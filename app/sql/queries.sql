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

-- name: delete-meta
DELETE FROM meta WHERE key = ?1;

-- name: fts-match-rowid
SELECT 1 FROM cases_fts WHERE cases_fts MATCH ?1 AND rowid = ?2;

-- name: fts-match-rowids
SELECT rowid FROM cases_fts WHERE cases_fts MATCH ?1 ORDER BY rowid;

-- name: max-case-rowid
SELECT ifnull (max (rowid), 0) FROM cases;

-- name: bulk-deferred-schema
-- What a bulk load drops and re-creates (see tb-store.c): the plain indexes on cases, and the
-- triggers that keep the full-text index.
SELECT s.type, s.name, s.sql FROM sqlite_schema s
LEFT JOIN pragma_index_list ('cases') i ON i.name = s.name
WHERE s.tbl_name = 'cases' AND s.sql IS NOT NULL
  AND ((s.type = 'index' AND i.partial = 0)
       OR (s.type = 'trigger' AND s.sql LIKE '%cases_fts%'));

-- name: index-new-cases
INSERT INTO cases_fts (rowid, body)
SELECT rowid, tb_search_text (ref, applicant_name, company_name, form) FROM cases
WHERE rowid > ?1;

-- name: get-overlay
SELECT base, local FROM case_overlay WHERE case_id = ?1;

-- name: put-overlay
INSERT INTO case_overlay (case_id, base, local, base_version, updated_at)
VALUES (?1, ?2, ?3, ?4, ?5)
ON CONFLICT (case_id) DO UPDATE SET
  base = excluded.base, local = excluded.local, updated_at = excluded.updated_at;

-- name: set-case-sync-state
UPDATE cases SET sync_state = ?2 WHERE id = ?1 AND sync_state != ?2;

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

-- Sync (app/tb-store-sync.c) -----------------------------------------------------------------

-- name: sync-get-state
SELECT client_id, cursor, last_mutation_id, server_clock_skew, last_sync_at
FROM sync_state WHERE id = 1;

-- name: sync-set-page
UPDATE sync_state SET cursor = ?1, last_mutation_id = max (last_mutation_id, ?2),
  server_clock_skew = ?3 WHERE id = 1;

-- name: sync-set-acknowledged
UPDATE sync_state SET last_mutation_id = max (last_mutation_id, ?1) WHERE id = 1;

-- name: sync-set-last-sync
UPDATE sync_state SET last_sync_at = ?1 WHERE id = 1;

-- name: sync-clear-cursor
UPDATE sync_state SET cursor = NULL WHERE id = 1;

-- name: sync-reset-cases
DELETE FROM cases
WHERE id NOT IN (SELECT case_id FROM case_overlay)
  AND id NOT IN (SELECT case_id FROM outbox WHERE case_id IS NOT NULL);

-- name: sync-reset-events
DELETE FROM events WHERE case_id NOT IN (SELECT id FROM cases);

-- name: outbox-next
SELECT id, name, args, base_versions, case_id, device_time FROM outbox ORDER BY id LIMIT ?1;

-- name: outbox-set-state
UPDATE outbox SET state = ?3, attempts = attempts + (?3 = 2) WHERE id BETWEEN ?1 AND ?2;

-- name: outbox-get
SELECT name, args, case_id FROM outbox WHERE id = ?1;

-- name: outbox-delete
DELETE FROM outbox WHERE id = ?1;

-- What may name a file added on this computer: unsent mutations, refused ones kept aside, and
-- the forms of cases with local changes.
-- name: attachments-referring
SELECT args FROM outbox WHERE instr (args, '"sha256"') > 0
UNION ALL
SELECT mutation FROM conflicts WHERE resolved_at IS NULL AND instr (mutation, '"sha256"') > 0
UNION ALL
SELECT c.form FROM case_overlay o JOIN cases c ON c.id = o.case_id
WHERE instr (c.form, '"sha256"') > 0;

-- The unsent mutations that name a file (its checksum in their arguments), newest first.
-- name: outbox-referring
SELECT id, name, args, case_id, state, attempts FROM outbox WHERE instr (args, ?1) > 0
ORDER BY id DESC;

-- name: outbox-count-case
SELECT count (*) FROM outbox WHERE case_id = ?1;

-- name: outbox-count
SELECT count (*) FROM outbox;

-- name: outbox-case-ids
SELECT DISTINCT case_id FROM outbox WHERE id BETWEEN ?1 AND ?2 AND case_id IS NOT NULL;

-- A case's sync state from its unsent mutations and open conflicts (TbSyncState). Only a real
-- change writes, so that the caller can tell listeners.
-- name: refresh-case-sync-state
UPDATE cases SET sync_state = s.v
FROM (SELECT CASE
        WHEN EXISTS (SELECT 1 FROM conflicts WHERE case_id = ?1 AND resolved_at IS NULL
                     AND kind = 'conflict') THEN 4
        WHEN EXISTS (SELECT 1 FROM conflicts WHERE case_id = ?1 AND resolved_at IS NULL) THEN 3
        WHEN EXISTS (SELECT 1 FROM outbox WHERE case_id = ?1 AND state = 2) THEN 2
        WHEN EXISTS (SELECT 1 FROM outbox WHERE case_id = ?1) THEN 1
        ELSE 0 END AS v) s
WHERE cases.id = ?1 AND cases.sync_state != s.v;

-- name: case-version
SELECT version FROM cases WHERE id = ?1;

-- name: delete-case
DELETE FROM cases WHERE id = ?1;

-- name: overlay-get-full
SELECT base, local, applied_version FROM case_overlay WHERE case_id = ?1;

-- name: overlay-delete
DELETE FROM case_overlay WHERE case_id = ?1;

-- name: overlay-set-applied
UPDATE case_overlay SET applied_version = ?2 WHERE case_id = ?1;

-- name: overlay-case-ids
SELECT case_id FROM case_overlay;

-- The server's values of the overlay's fields, read from the row after a server put wrote it.
-- name: overlay-refresh-base
UPDATE case_overlay SET base = (
  SELECT json_group_object (k.key, CASE k.key
      WHEN 'state' THEN c.state
      WHEN 'assignee_id' THEN c.assignee_id
      WHEN 'team_id' THEN c.team_id
      WHEN 'deadline' THEN c.deadline
      WHEN 'paused_since' THEN c.paused_since
      WHEN 'closed' THEN json (iif (c.closed, 'true', 'false'))
      WHEN 'form' THEN json (c.form)
      WHEN 'signed_parties' THEN json (c.signed_parties)
    END)
  FROM json_each (case_overlay.base) k, cases c WHERE c.id = case_overlay.case_id)
WHERE case_id = ?1;

-- Writes the fields present in ?2 (an overlay's `local` or `base` object) into the case.
-- name: overlay-apply
UPDATE cases SET
  state = iif (json_type (?2, '$.state') IS NULL, state, json_extract (?2, '$.state')),
  assignee_id = iif (json_type (?2, '$.assignee_id') IS NULL, assignee_id,
                     json_extract (?2, '$.assignee_id')),
  team_id = iif (json_type (?2, '$.team_id') IS NULL, team_id, json_extract (?2, '$.team_id')),
  deadline = iif (json_type (?2, '$.deadline') IS NULL, deadline,
                  json_extract (?2, '$.deadline')),
  paused_since = iif (json_type (?2, '$.paused_since') IS NULL, paused_since,
                      json_extract (?2, '$.paused_since')),
  closed = iif (json_type (?2, '$.closed') IS NULL, closed, json_type (?2, '$.closed') = 'true'),
  form = iif (json_type (?2, '$.form') IS NULL, form, json_extract (?2, '$.form')),
  signed_parties = iif (json_type (?2, '$.signed_parties') IS NULL, signed_parties,
                        json_extract (?2, '$.signed_parties'))
WHERE id = ?1;

-- name: events-delete-server
DELETE FROM events WHERE case_id = ?1 AND server_id IS NOT NULL;

-- The unary + keeps SQLite off the UNIQUE (server_id) index, where "IS NULL" would scan every
-- local event of every case (quadratic over a push); events_by_case finds the few of this case.
-- name: events-delete-local
DELETE FROM events WHERE case_id = ?1 AND +server_id IS NULL;

-- name: events-delete-case
DELETE FROM events WHERE case_id = ?1;

-- name: events-put-server
INSERT INTO events (case_id, server_id, kind, actor_id, at, data) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
ON CONFLICT (server_id) DO UPDATE SET
  case_id = excluded.case_id, kind = excluded.kind, actor_id = excluded.actor_id,
  at = excluded.at, data = excluded.data;

-- name: conflict-put
INSERT INTO conflicts (case_id, mutation_id, base, mine, theirs, reason, created_at, kind,
                       mutation, problem)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10);

-- name: conflict-list
SELECT f.id, f.case_id, c.ref, f.kind, f.mutation, f.base, f.mine, f.theirs, f.problem,
       f.reason, f.created_at
FROM conflicts f LEFT JOIN cases c ON c.id = f.case_id
WHERE f.resolved_at IS NULL AND (?1 IS NULL OR f.case_id = ?1)
ORDER BY f.id;

-- name: conflict-resolve
UPDATE conflicts SET resolved_at = ?2 WHERE id = ?1 AND resolved_at IS NULL
RETURNING case_id;

-- name: conflict-count
SELECT count (*) FROM conflicts WHERE resolved_at IS NULL;

-- name: removal-put
INSERT OR IGNORE INTO pending_removals (case_id) VALUES (?1);

-- name: removal-delete
DELETE FROM pending_removals WHERE case_id = ?1;

-- name: removal-due
SELECT case_id FROM pending_removals p
WHERE NOT EXISTS (SELECT 1 FROM outbox o WHERE o.case_id = p.case_id);

-- name: log-put
INSERT INTO sync_log (at, level, message) VALUES (?1, ?2, ?3);

-- name: log-trim
DELETE FROM sync_log WHERE id <= (SELECT max (id) FROM sync_log) - ?1;

-- name: log-list
SELECT at, level, message FROM sync_log ORDER BY id DESC LIMIT ?1;

-- Case timeline (app/tb-case-events.c) --------------------------------------------------------

-- The server's entries in the order it recorded them, then this device's unsent ones in the
-- order they were made: they come after whatever the server had, whatever this clock says.
-- name: events-list-case
SELECT id, server_id, kind, actor_id, at, data FROM events WHERE case_id = ?1
ORDER BY server_id IS NULL, at, id;

-- Undoing a local action (app/tb-store-undo.c) -----------------------------------------------

-- name: undo-get-overlay
SELECT base, local, base_version, updated_at, applied_version FROM case_overlay
WHERE case_id = ?1;

-- name: undo-get-outbox
SELECT name, args, case_id, state, attempts,
       (SELECT max (o.id) FROM outbox o WHERE o.case_id = outbox.case_id)
FROM outbox WHERE id = ?1;

-- name: undo-put-overlay
INSERT OR REPLACE INTO case_overlay (case_id, base, local, base_version, updated_at,
                                     applied_version)
VALUES (?1, ?2, ?3, ?4, ?5, ?6);

-- name: undo-delete-overlay
DELETE FROM case_overlay WHERE case_id = ?1;

-- name: undo-delete-outbox
DELETE FROM outbox WHERE id = ?1 AND state = 0 AND attempts = 0;

-- The later mutations move down by one, so the ids the server sees have no gap (a gap stops
-- its batch). In two steps, as ids are a primary key: first to -(id - 1), then back.
-- name: undo-outbox-shift
UPDATE outbox SET id = -(id - 1) WHERE id > ?1;

-- name: undo-outbox-unflip
UPDATE outbox SET id = -id WHERE id < 0;

-- name: undo-release-mutation-id
UPDATE sync_state SET next_mutation_id = next_mutation_id - 1 WHERE id = 1;

-- name: undo-delete-event
DELETE FROM events WHERE id = ?1 AND server_id IS NULL;
