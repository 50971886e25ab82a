-- SPDX-License-Identifier: GPL-3.0-or-later
-- 0002-cases.sql: cases, feed, mutations (being written)
SELECT 1;
