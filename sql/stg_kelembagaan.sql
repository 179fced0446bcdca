-- stg_kelembagaan: each programme row as the metrics read it (metrics.md). No date: a row
-- belongs to its report's month. Embedded by sql/int_counted_records.sql; no parameters.
--   * evidence present: a link, a reference or "Ada" (the reading 1; "Tidak" is 0);
--   * required / filled cells: as in stg_pleno.sql, one line per column of the sheet.
SELECT
    s.district_code, d.province_code, s.is_current, s.received_at, s.year, s.month,
    k.submission_id, k.excel_row,
    k.aspect, k.program, k.program_key, k.progress,
    CASE WHEN k.evidence_present = 1 THEN 1 ELSE 0 END AS has_evidence,
    (SELECT COUNT(*) FROM format_fields f WHERE f.kind = 'kelembagaan' AND f.required = 1) AS required_cells,
    (SELECT COALESCE(SUM(CASE
                WHEN f.column_name = 'aspect' AND k.aspect IS NOT NULL THEN 1
                WHEN f.column_name = 'program' AND k.program IS NOT NULL THEN 1
                WHEN f.column_name = 'target' AND k.target IS NOT NULL THEN 1
                WHEN f.column_name = 'progress' AND k.progress IS NOT NULL THEN 1
                WHEN f.column_name = 'output' AND k.output IS NOT NULL THEN 1
                WHEN f.column_name = 'evidence_present' AND k.evidence_present IS NOT NULL THEN 1
                ELSE 0 END), 0)
     FROM format_fields f WHERE f.kind = 'kelembagaan' AND f.required = 1) AS filled_cells
FROM kelembagaan_records k
JOIN submissions s ON s.submission_id = k.submission_id
JOIN districts d ON d.district_code = s.district_code
