-- mart_national_period: the served provinces side by side for one period (issue 14 item 3).
-- Parameters: :period_id, :generated_at, :provinces (the served codes as ",36,74,91,": one
-- text parameter binds the same way on SQLite and PostgreSQL, unlike a list).
-- The figures the province mart already holds (rates, prevention volume, mean score, districts
-- reported) are taken from it, so the national report never disagrees with a province's own;
-- the counts behind them and the districts per status come from mart_district_period.
-- The period is rebuilt whole: a province no longer served leaves no stale row behind.

DELETE FROM mart_national_period WHERE period_id = :period_id;

INSERT INTO mart_national_period BY NAME
WITH
counted AS (
    SELECT
        m.province_code,
        m.period_id,
        SUM(m.reports_expected) AS reports_expected,
        SUM(m.reports_received) AS reports_received,
        SUM(m.reports_on_time) AS reports_on_time,
        SUM(m.weeks_in_period) AS weeks_expected,
        SUM(m.weeks_with_pleno) AS weeks_with_pleno,
        SUM(CASE WHEN m.status = 'BAIK' THEN 1 ELSE 0 END) AS districts_baik,
        SUM(CASE WHEN m.status = 'CUKUP' THEN 1 ELSE 0 END) AS districts_cukup,
        SUM(CASE WHEN m.status = 'KURANG' THEN 1 ELSE 0 END) AS districts_kurang,
        SUM(CASE WHEN m.status = 'TIDAK MELAPOR' THEN 1 ELSE 0 END) AS districts_tidak_melapor
    FROM mart_district_period m
    WHERE m.period_id = :period_id
      AND :provinces LIKE '%,' || m.province_code || ',%'
    GROUP BY m.province_code, m.period_id
),
named AS (
    SELECT province_code, MAX(province_name) AS province_name FROM districts GROUP BY province_code
)
SELECT
    p.province_code,
    n.province_name,
    p.period_id,
    p.districts_total,
    p.districts_reported,
    c.reports_expected,
    c.reports_received,
    c.reports_on_time,
    p.reporting_rate,
    p.on_time_rate,
    c.weeks_expected,
    c.weeks_with_pleno,
    p.pleno_compliance,
    p.prevention_count,
    p.prevention_participants,
    p.average_score,
    c.districts_baik,
    c.districts_cukup,
    c.districts_kurang,
    c.districts_tidak_melapor,
    :generated_at AS generated_at
FROM mart_province_period p
JOIN counted c ON c.province_code = p.province_code AND c.period_id = p.period_id
JOIN named n ON n.province_code = p.province_code
WHERE p.period_id = :period_id;
