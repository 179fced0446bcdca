-- Catatan Data sheet: every row-level issue of the current submissions of the period's months.
-- Submissions are picked by district_code (the index) rather than by the joined province_code,
-- which made every province scan the nation's submissions.
SELECT s.district_code, d.district_name, s.file_name, i.sheet, i.cell, i.excel_row, i.column_name, i.value, i.problem
FROM row_issues i
JOIN submissions s ON s.submission_id = i.submission_id
JOIN districts d ON d.district_code = s.district_code
JOIN period_months m ON m.period_id = :period_id AND m.year = s.year AND m.month = s.month
WHERE s.is_current = 1
  AND s.district_code IN (SELECT district_code FROM districts WHERE province_code = :province_code)
ORDER BY s.district_code, s.year, s.month, i.issue_no;
