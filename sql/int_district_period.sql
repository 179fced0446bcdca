-- int_district_period: the counts behind every metric of one district in one period, from
-- the counted records (int_counted_records.sql). Parameters: :province_code, :period_id.
--   * reports: months of the period with an accepted submission; timeliness from the FIRST
--     accepted submission of each (district, month), so a correction never makes it late;
--   * issues: row-level issues of the current submissions of the period's months.
-- Every CTE is filtered to the province's districts (period_districts) before it aggregates:
-- at national scale each province would otherwise pay for all of them.

DELETE FROM int_district_period
WHERE period_id = :period_id AND province_code = :province_code;

INSERT INTO int_district_period BY NAME
WITH
months AS (
    SELECT year, month FROM period_months WHERE period_id = :period_id
),
period_districts AS (
    SELECT district_code, province_code FROM districts WHERE province_code = :province_code
),
accepted_in_period AS (
    SELECT s.district_code, s.year, s.month, s.received_on_time,
           ROW_NUMBER() OVER (
               PARTITION BY s.district_code, s.year, s.month
               ORDER BY s.received_at, s.submission_id
           ) AS nth
    FROM submissions s
    JOIN months m ON m.year = s.year AND m.month = s.month
    WHERE s.status <> 'rejected'
      AND s.district_code IN (SELECT district_code FROM period_districts)
),
report_counts AS (
    SELECT district_code,
           COUNT(*) AS reports_received,
           SUM(received_on_time) AS reports_on_time
    FROM accepted_in_period
    WHERE nth = 1
    GROUP BY district_code
),
pleno_counts AS (
    SELECT district_code,
           COUNT(*) AS pleno_count,
           SUM(is_quorate) AS pleno_quorate,
           SUM(has_minutes) AS pleno_with_minutes,
           SUM(required_cells) AS required_cells,
           SUM(filled_cells) AS filled_cells
    FROM int_counted_pleno
    WHERE period_id = :period_id AND dated_in_period = 1
      AND district_code IN (SELECT district_code FROM period_districts)
    GROUP BY district_code
),
pleno_weeks AS (
    SELECT district_code, COUNT(DISTINCT iso_year * 100 + iso_week) AS weeks_with_pleno
    FROM int_counted_pleno
    WHERE period_id = :period_id AND week_in_period = 1 AND pleno_type = 'Rutin' AND is_quorate = 1
      AND district_code IN (SELECT district_code FROM period_districts)
    GROUP BY district_code
),
activity_counts AS (
    SELECT district_code,
           COUNT(*) AS prevention_count,
           COALESCE(SUM(participants), 0) AS prevention_participants,
           SUM(has_evidence) AS prevention_documented,
           COUNT(DISTINCT activity_type) AS prevention_type_count,
           SUM(required_cells) AS required_cells,
           SUM(filled_cells) AS filled_cells
    FROM int_counted_activity
    WHERE period_id = :period_id
      AND district_code IN (SELECT district_code FROM period_districts)
    GROUP BY district_code
),
programme_counts AS (
    SELECT district_code,
           AVG(progress) AS kelembagaan_progress,
           SUM(required_cells) AS required_cells,
           SUM(filled_cells) AS filled_cells
    FROM int_counted_programme
    WHERE period_id = :period_id
      AND district_code IN (SELECT district_code FROM period_districts)
    GROUP BY district_code
),
issue_counts AS (
    SELECT cs.district_code, COUNT(*) AS issue_count
    FROM row_issues i
    JOIN submissions cs ON cs.submission_id = i.submission_id
    JOIN months m ON m.year = cs.year AND m.month = cs.month
    WHERE cs.is_current = 1
      AND cs.district_code IN (SELECT district_code FROM period_districts)
    GROUP BY cs.district_code
)
SELECT
    d.province_code,
    d.district_code,
    CAST(:period_id AS VARCHAR(10)) AS period_id,
    (SELECT COUNT(*) FROM months) AS reports_expected,
    COALESCE(r.reports_received, 0) AS reports_received,
    COALESCE(r.reports_on_time, 0) AS reports_on_time,
    (SELECT COUNT(*) FROM period_weeks WHERE period_id = :period_id) AS weeks_in_period,
    COALESCE(w.weeks_with_pleno, 0) AS weeks_with_pleno,
    COALESCE(p.pleno_count, 0) AS pleno_count,
    COALESCE(p.pleno_quorate, 0) AS pleno_quorate,
    COALESCE(p.pleno_with_minutes, 0) AS pleno_with_minutes,
    COALESCE(a.prevention_count, 0) AS prevention_count,
    COALESCE(a.prevention_participants, 0) AS prevention_participants,
    COALESCE(a.prevention_documented, 0) AS prevention_documented,
    COALESCE(a.prevention_type_count, 0) AS prevention_type_count,
    k.kelembagaan_progress,
    COALESCE(p.required_cells, 0) + COALESCE(a.required_cells, 0) + COALESCE(k.required_cells, 0)
        AS required_cells,
    COALESCE(p.filled_cells, 0) + COALESCE(a.filled_cells, 0) + COALESCE(k.filled_cells, 0) AS filled_cells,
    COALESCE(i.issue_count, 0) AS issue_count
FROM period_districts d
LEFT JOIN report_counts r ON r.district_code = d.district_code
LEFT JOIN pleno_counts p ON p.district_code = d.district_code
LEFT JOIN pleno_weeks w ON w.district_code = d.district_code
LEFT JOIN activity_counts a ON a.district_code = d.district_code
LEFT JOIN programme_counts k ON k.district_code = d.district_code
LEFT JOIN issue_counts i ON i.district_code = d.district_code;
