-- The national laporan komprehensif (issue 14 item 3) is approved like a province's: its drafts
-- share the audit trail under the scope key 'NASIONAL' (rekap.consolidation.approval.NATIONAL)
-- in place of a province code, which the two-character column cannot hold on PostgreSQL.
-- SQLite does not enforce VARCHAR lengths: nothing to change there.

-- @only postgresql
ALTER TABLE report_approvals ALTER COLUMN province_code TYPE VARCHAR(10);
-- @end
