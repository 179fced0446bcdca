-- mart_district_period: every metric of metrics.md for one period, from int_district_period.
-- Parameters: :province_code, :period_id, :w_reporting, :w_on_time, :w_pleno,
-- :w_completeness, :w_documented (score weights; defaults 0.20/0.10/0.30/0.20/0.20),
-- :baik_min, :cukup_min (status thresholds 85 and 70: rekap.consolidation.metrics.BAIK_MIN, CUKUP_MIN).
-- Rates are unrounded; the status and the rank compare the score rounded to 9 decimals so
-- that float noise never splits a tie or drops 85.0 to CUKUP.

DELETE FROM mart_district_period
WHERE period_id = :period_id AND province_code = :province_code;

INSERT INTO mart_district_period BY NAME
WITH
rated AS (
    SELECT
        c.province_code, c.district_code, d.district_name, c.period_id, per.period_start, per.period_end,
        per.previous_period_id,
        c.reports_expected, c.reports_received, c.reports_on_time,
        CAST(c.reports_received AS DOUBLE PRECISION) / c.reports_expected AS reporting_rate,
        CAST(c.reports_on_time AS DOUBLE PRECISION) / c.reports_expected AS on_time_rate,
        c.weeks_in_period, c.weeks_with_pleno,
        CAST(c.weeks_with_pleno AS DOUBLE PRECISION) / c.weeks_in_period AS pleno_compliance,
        c.pleno_count,
        CASE WHEN c.pleno_count = 0 THEN NULL
             ELSE CAST(c.pleno_quorate AS DOUBLE PRECISION) / c.pleno_count END AS pleno_quorate_rate,
        CASE WHEN c.pleno_count = 0 THEN NULL
             ELSE CAST(c.pleno_with_minutes AS DOUBLE PRECISION) / c.pleno_count END AS pleno_minutes_rate,
        c.prevention_count, c.prevention_participants,
        CASE WHEN c.prevention_count = 0 THEN NULL
             ELSE CAST(c.prevention_documented AS DOUBLE PRECISION) / c.prevention_count
        END AS prevention_documented_rate,
        c.prevention_type_count, c.kelembagaan_progress,
        CASE WHEN c.required_cells = 0 THEN NULL
             ELSE CAST(c.filled_cells AS DOUBLE PRECISION) / c.required_cells END AS record_completeness,
        c.issue_count
    FROM int_district_period c
    JOIN districts d ON d.district_code = c.district_code
    JOIN periods per ON per.period_id = c.period_id
    WHERE c.period_id = :period_id AND c.province_code = :province_code
),
scored AS (
    SELECT rated.*,
           100 * (:w_reporting * reporting_rate
                  + :w_on_time * on_time_rate
                  + :w_pleno * pleno_compliance
                  + :w_completeness * COALESCE(record_completeness, 0)
                  + :w_documented * COALESCE(prevention_documented_rate, 0)) AS score
    FROM rated
),
steady AS (
    SELECT scored.*, ROUND(CAST(score AS NUMERIC), 9) AS score_9 FROM scored
)
SELECT
    s.province_code, s.district_code, s.district_name, s.period_id, s.period_start, s.period_end,
    s.reports_expected, s.reports_received, s.reports_on_time, s.reporting_rate, s.on_time_rate,
    s.weeks_in_period, s.weeks_with_pleno, s.pleno_compliance, s.pleno_count, s.pleno_quorate_rate,
    s.pleno_minutes_rate, s.prevention_count, s.prevention_participants, s.prevention_documented_rate,
    s.prevention_type_count, s.kelembagaan_progress, s.record_completeness, s.issue_count,
    s.score,
    CASE WHEN s.reports_received = 0 THEN 'TIDAK MELAPOR'
         WHEN s.score_9 >= :baik_min THEN 'BAIK'
         WHEN s.score_9 >= :cukup_min THEN 'CUKUP'
         ELSE 'KURANG' END AS status,
    RANK() OVER (ORDER BY s.score_9 DESC) AS rank,
    s.score - prev.score AS score_change
FROM steady s
LEFT JOIN mart_district_period prev
       ON prev.district_code = s.district_code AND prev.period_id = s.previous_period_id;
