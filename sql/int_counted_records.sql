-- int_counted_pleno / int_counted_activity / int_counted_programme: the records that count
-- for one period, deduplicated, from the staging layer (sql/stg_*.sql, embedded where
-- {{stg_<kind>}} stands). Parameters: :province_code, :period_id, :period_start, :period_end.
-- Rules (metrics.md "Which records count"):
--   * only the current submission of a (district, month) counts: is_current = 1;
--   * a record is placed in time by its own date (placed_date; the 1st of its report's month
--     when the date was unreadable);
--   * across a district's current submissions the same pleno (date + Nomor Berita Acara) or
--     activity (date + Jenis + Nama + Lokasi) counts once: the row of the latest submission;
--   * a pleno counts for weeks_with_pleno by its ISO week (a week belongs to the period that
--     holds its Thursday; period_weeks), and for the other pleno metrics by its date;
--   * each programme (Aspek + Program) is taken from the latest month of the period reporting it.
-- Each ranking reads only the records that can count for the province and the period, filtered
-- before ranking: the province's districts by district_code (at national scale each province
-- would otherwise rank the whole nation's records) and, for plenos and activities, the period
-- by placed_date. Both are part of the ranking's PARTITION BY: the filter keeps or drops whole
-- partitions and changes no ranking.

DELETE FROM int_counted_pleno
WHERE period_id = :period_id
  AND district_code IN (SELECT district_code FROM districts WHERE province_code = :province_code);

INSERT INTO int_counted_pleno BY NAME
WITH
stg_pleno AS ({{stg_pleno}}),
ranked AS (
    SELECT p.*,
           ROW_NUMBER() OVER (
               PARTITION BY p.district_code, p.placed_date,
                   COALESCE(p.minutes_number_key,
                            'row:' || CAST(p.submission_id AS VARCHAR(20)) || ':' || CAST(p.excel_row AS VARCHAR(20)))
               ORDER BY p.received_at DESC, p.submission_id DESC, p.excel_row
           ) AS nth
    FROM stg_pleno p
    WHERE p.is_current = 1
      AND p.district_code IN (SELECT district_code FROM districts WHERE province_code = :province_code)
      -- dated in the period or in one of its weeks (dated_in_period OR week_in_period below, the
      -- week looked up here so that the filter applies before the staging row is built)
      AND (p.placed_date BETWEEN :period_start AND :period_end
           OR EXISTS (SELECT 1 FROM period_weeks pw
                      WHERE pw.period_id = :period_id AND p.placed_date BETWEEN pw.week_start AND pw.week_end))
),
flagged AS (
    SELECT r.*,
           CASE WHEN r.placed_date BETWEEN :period_start AND :period_end THEN 1 ELSE 0 END AS dated_in_period,
           CASE WHEN r.week_period_id = :period_id THEN 1 ELSE 0 END AS week_in_period
    FROM ranked r
    WHERE r.nth = 1
)
SELECT CAST(:period_id AS VARCHAR(10)) AS period_id, district_code, submission_id, excel_row, placed_date,
       CASE WHEN week_in_period = 1 THEN iso_year END AS iso_year,
       CASE WHEN week_in_period = 1 THEN iso_week END AS iso_week,
       pleno_type, is_quorate, has_minutes, required_cells, filled_cells, dated_in_period, week_in_period
FROM flagged;

DELETE FROM int_counted_activity
WHERE period_id = :period_id
  AND district_code IN (SELECT district_code FROM districts WHERE province_code = :province_code);

INSERT INTO int_counted_activity BY NAME
WITH
stg_pencegahan AS ({{stg_pencegahan}}),
ranked AS (
    SELECT a.*,
           ROW_NUMBER() OVER (
               PARTITION BY a.district_code, a.placed_date,
                   CASE WHEN a.activity_type IS NULL OR a.activity_name_key IS NULL OR a.location_key IS NULL
                        THEN 'row:' || CAST(a.submission_id AS VARCHAR(20)) || ':' || CAST(a.excel_row AS VARCHAR(20))
                        ELSE a.activity_type || '|' || a.activity_name_key || '|' || a.location_key
                   END
               ORDER BY a.received_at DESC, a.submission_id DESC, a.excel_row
           ) AS nth
    FROM stg_pencegahan a
    WHERE a.is_current = 1
      AND a.district_code IN (SELECT district_code FROM districts WHERE province_code = :province_code)
      AND a.placed_date BETWEEN :period_start AND :period_end
)
SELECT CAST(:period_id AS VARCHAR(10)) AS period_id, district_code, submission_id, excel_row, placed_date,
       activity_type, stage, participants, has_evidence, required_cells, filled_cells
FROM ranked
WHERE nth = 1;

DELETE FROM int_counted_programme
WHERE period_id = :period_id
  AND district_code IN (SELECT district_code FROM districts WHERE province_code = :province_code);

INSERT INTO int_counted_programme BY NAME
WITH
stg_kelembagaan AS ({{stg_kelembagaan}}),
ranked AS (
    SELECT k.*,
           ROW_NUMBER() OVER (
               PARTITION BY k.district_code, COALESCE(k.aspect, '?'),
                   COALESCE(k.program_key,
                            'row:' || CAST(k.submission_id AS VARCHAR(20)) || ':' || CAST(k.excel_row AS VARCHAR(20)))
               ORDER BY k.year DESC, k.month DESC, k.excel_row
           ) AS nth
    FROM stg_kelembagaan k
    JOIN period_months m ON m.period_id = :period_id AND m.year = k.year AND m.month = k.month
    WHERE k.is_current = 1
      AND k.district_code IN (SELECT district_code FROM districts WHERE province_code = :province_code)
)
SELECT CAST(:period_id AS VARCHAR(10)) AS period_id, district_code, submission_id, excel_row, aspect, program,
       progress, required_cells, filled_cells
FROM ranked
WHERE nth = 1;
