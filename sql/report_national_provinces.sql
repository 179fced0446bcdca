-- The national workbook's provinces: the period's rows of mart_national_period ranked by mean
-- district score (1 = highest; equal scores share the lowest rank number, as districts do),
-- with each province's mean score of the previous period (and the change) when it was consolidated.
-- Parameters: :period_id.
SELECT
    n.*,
    RANK() OVER (ORDER BY ROUND(CAST(n.average_score AS NUMERIC), 9) DESC) AS rank,
    prev.average_score AS previous_average_score,
    n.average_score - prev.average_score AS score_change
FROM mart_national_period n
JOIN periods per ON per.period_id = n.period_id
LEFT JOIN mart_province_period prev
       ON prev.province_code = n.province_code AND prev.period_id = per.previous_period_id
WHERE n.period_id = :period_id
ORDER BY rank, n.province_code;
