-- The leadership workbook's Catatan Data names the cell of each issue (metrics.md: "cell (e.g.
-- `I5`)"), as the district's feedback already does; the loader has the address (Issue.cell) but
-- did not keep it. Issues loaded before this migration keep NULL: their row and column header
-- still say where, and the workbook shows "baris N" for them.
ALTER TABLE row_issues ADD COLUMN cell VARCHAR(12);
