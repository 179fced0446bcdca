-- The nation's row of the national workbook: the served provinces' counts summed, the rates
-- over those sums (as a province's are over its districts', never a mean of rates), and the
-- mean score over every district of those provinces (not a mean of the provinces' means).
-- Parameters: :period_id.
SELECT
    COUNT(*) AS provinces,
    SUM(n.districts_total) AS districts_total,
    SUM(n.districts_reported) AS districts_reported,
    SUM(n.reports_expected) AS reports_expected,
    SUM(n.reports_received) AS reports_received,
    SUM(n.reports_on_time) AS reports_on_time,
    CAST(SUM(n.reports_received) AS DOUBLE PRECISION) / NULLIF(SUM(n.reports_expected), 0) AS reporting_rate,
    CAST(SUM(n.reports_on_time) AS DOUBLE PRECISION) / NULLIF(SUM(n.reports_expected), 0) AS on_time_rate,
    SUM(n.weeks_expected) AS weeks_expected,
    SUM(n.weeks_with_pleno) AS weeks_with_pleno,
    CAST(SUM(n.weeks_with_pleno) AS DOUBLE PRECISION) / NULLIF(SUM(n.weeks_expected), 0) AS pleno_compliance,
    SUM(n.prevention_count) AS prevention_count,
    SUM(n.prevention_participants) AS prevention_participants,
    SUM(n.districts_baik) AS districts_baik,
    SUM(n.districts_cukup) AS districts_cukup,
    SUM(n.districts_kurang) AS districts_kurang,
    SUM(n.districts_tidak_melapor) AS districts_tidak_melapor,
    (SELECT AVG(d.score)
       FROM mart_district_period d
       JOIN mart_national_period m ON m.province_code = d.province_code AND m.period_id = d.period_id
      WHERE d.period_id = :period_id) AS average_score
FROM mart_national_period n
WHERE n.period_id = :period_id;
