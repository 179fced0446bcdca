-- mart_province_period: the province's headline figures for one period: sums of the
-- district counts over sums of what was expected (not an average of district rates).
-- Parameters: :province_code, :period_id, :generated_at, :report_path.

DELETE FROM mart_province_period
WHERE period_id = :period_id AND province_code = :province_code;

INSERT INTO mart_province_period BY NAME
SELECT
    c.province_code,
    c.period_id,
    COUNT(*) AS districts_total,
    SUM(CASE WHEN c.reports_received > 0 THEN 1 ELSE 0 END) AS districts_reported,
    SUM(CASE WHEN c.reports_received = c.reports_expected THEN 1 ELSE 0 END) AS districts_fully_reported,
    CAST(SUM(c.reports_received) AS DOUBLE PRECISION) / SUM(c.reports_expected) AS reporting_rate,
    CAST(SUM(c.reports_on_time) AS DOUBLE PRECISION) / SUM(c.reports_expected) AS on_time_rate,
    CAST(SUM(c.weeks_with_pleno) AS DOUBLE PRECISION) / SUM(c.weeks_in_period) AS pleno_compliance,
    SUM(c.prevention_count) AS prevention_count,
    SUM(c.prevention_participants) AS prevention_participants,
    CASE WHEN SUM(c.required_cells) = 0 THEN NULL
         ELSE CAST(SUM(c.filled_cells) AS DOUBLE PRECISION) / SUM(c.required_cells) END AS record_completeness,
    (SELECT AVG(m.score) FROM mart_district_period m
      WHERE m.period_id = :period_id AND m.province_code = :province_code) AS average_score,
    :generated_at AS generated_at,
    :report_path AS report_path
FROM int_district_period c
WHERE c.period_id = :period_id AND c.province_code = :province_code
GROUP BY c.province_code, c.period_id;
