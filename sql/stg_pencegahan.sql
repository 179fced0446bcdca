-- stg_pencegahan: each prevention activity as the metrics read it (metrics.md). Embedded by
-- sql/int_counted_records.sql; no parameters.
--   * placed_date: its own date, else the 1st of its report's month (submissions.month_start);
--   * evidence present: a link, a reference or "Ada" (the reading 1; "Tidak" is 0);
--   * required / filled cells: as in stg_pleno.sql, one line per column of the sheet; Jumlah
--     Peserta left empty where it does not apply (participants_na = 1, stored by the loader from
--     rekap.report.model.Record.not_applicable, the test GX uses too) counts as filled.
SELECT
    s.district_code, d.province_code, s.is_current, s.received_at, s.year, s.month,
    a.submission_id, a.excel_row,
    COALESCE(a.activity_date, s.month_start) AS placed_date,
    a.activity_type, a.stage, a.activity_name_key, a.location_key, a.participants,
    CASE WHEN a.evidence_present = 1 THEN 1 ELSE 0 END AS has_evidence,
    (SELECT COUNT(*) FROM format_fields f WHERE f.kind = 'pencegahan' AND f.required = 1) AS required_cells,
    (SELECT COALESCE(SUM(CASE
                WHEN f.column_name = 'seq_no' AND a.seq_no IS NOT NULL THEN 1
                WHEN f.column_name = 'activity_date' AND a.activity_date IS NOT NULL THEN 1
                WHEN f.column_name = 'activity_type' AND a.activity_type IS NOT NULL THEN 1
                WHEN f.column_name = 'stage' AND a.stage IS NOT NULL THEN 1
                WHEN f.column_name = 'activity_name' AND a.activity_name IS NOT NULL THEN 1
                WHEN f.column_name = 'location' AND a.location IS NOT NULL THEN 1
                WHEN f.column_name = 'target_group' AND a.target_group IS NOT NULL THEN 1
                WHEN f.column_name = 'participants' AND (a.participants IS NOT NULL OR a.participants_na = 1) THEN 1
                WHEN f.column_name = 'result' AND a.result IS NOT NULL THEN 1
                WHEN f.column_name = 'evidence_present' AND a.evidence_present IS NOT NULL THEN 1
                WHEN f.column_name = 'remarks' AND a.remarks IS NOT NULL THEN 1
                ELSE 0 END), 0)
     FROM format_fields f WHERE f.kind = 'pencegahan' AND f.required = 1) AS filled_cells
FROM pencegahan_records a
JOIN submissions s ON s.submission_id = a.submission_id
JOIN districts d ON d.district_code = s.district_code
