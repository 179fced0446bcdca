-- stg_pleno: each pleno record as the metrics read it, derived from what the district wrote
-- (metrics.md). Embedded by sql/int_counted_records.sql; no parameters.
--   * placed_date: its own date, else the 1st of its report's month (submissions.month_start);
--   * its ISO week: the calendar week (period_weeks) whose range holds placed_date, NULL when
--     that week's period has no calendar yet (the period being consolidated always has one);
--   * quorate: 2 x Jumlah Hadir > Jumlah Anggota of its report (an unreadable Hadir never is);
--   * minutes present: a link, a reference or "Ada" (the reading 1; "Tidak" is 0);
--   * required cells: the sheet's required fields (format_fields, synced from vocab);
--     filled: those whose reading is not NULL (empty, "-", unreadable or set aside by a rule
--     are NULL; "Tidak" is a reading). One line per column of the sheet below.
SELECT r.*, w.period_id AS week_period_id, w.iso_year, w.iso_week
FROM (
    SELECT
        s.district_code, d.province_code, s.is_current, s.received_at, s.year, s.month,
        p.submission_id, p.excel_row,
        COALESCE(p.meeting_date, s.month_start) AS placed_date,
        p.pleno_type, p.minutes_number_key,
        CASE WHEN 2 * p.attendance > s.members THEN 1 ELSE 0 END AS is_quorate,
        CASE WHEN p.minutes_present = 1 THEN 1 ELSE 0 END AS has_minutes,
        (SELECT COUNT(*) FROM format_fields f WHERE f.kind = 'pleno' AND f.required = 1) AS required_cells,
        (SELECT COALESCE(SUM(CASE
                    WHEN f.column_name = 'seq_no' AND p.seq_no IS NOT NULL THEN 1
                    WHEN f.column_name = 'meeting_date' AND p.meeting_date IS NOT NULL THEN 1
                    WHEN f.column_name = 'pleno_type' AND p.pleno_type IS NOT NULL THEN 1
                    WHEN f.column_name = 'minutes_number' AND p.minutes_number IS NOT NULL THEN 1
                    WHEN f.column_name = 'attendance' AND p.attendance IS NOT NULL THEN 1
                    WHEN f.column_name = 'agenda' AND p.agenda IS NOT NULL THEN 1
                    WHEN f.column_name = 'decision' AND p.decision IS NOT NULL THEN 1
                    WHEN f.column_name = 'minutes_present' AND p.minutes_present IS NOT NULL THEN 1
                    WHEN f.column_name = 'remarks' AND p.remarks IS NOT NULL THEN 1
                    ELSE 0 END), 0)
         FROM format_fields f WHERE f.kind = 'pleno' AND f.required = 1) AS filled_cells
    FROM pleno_records p
    JOIN submissions s ON s.submission_id = p.submission_id
    JOIN districts d ON d.district_code = s.district_code
) r
LEFT JOIN period_weeks w ON r.placed_date BETWEEN w.week_start AND w.week_end
