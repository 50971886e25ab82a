-- SPDX-License-Identifier: GPL-3.0-or-later
-- 0004-views.sql: what the inbox's sidebar views need beyond 0001's indexes.
--
-- "Sent" (waiting to be sent) and "Drafts & conflicts" list the few cases that are not in step
-- with the server. A partial index holds only those rows, so the views and their counts cost the
-- number of unsynced cases, not the size of the store. TbCaseList writes `sync_state != 0` into
-- its query for SQLite to see that the index applies.
CREATE INDEX cases_unsynced ON cases (sync_state, closed, deadline) WHERE sync_state != 0;
