-- Perlu Perhatian, part A, of the national workbook: the KURANG districts of the served
-- provinces with the lowest scores (at most :limit), lowest first, with their province and
-- their status in the previous period. Parameters: :period_id, :limit.
SELECT
    d.*,
    n.province_name,
    prev.status AS previous_status
FROM mart_district_period d
JOIN mart_national_period n ON n.province_code = d.province_code AND n.period_id = d.period_id
JOIN periods per ON per.period_id = d.period_id
LEFT JOIN mart_district_period prev
       ON prev.district_code = d.district_code AND prev.period_id = per.previous_period_id
WHERE d.period_id = :period_id AND d.status = 'KURANG'
ORDER BY ROUND(CAST(d.score AS NUMERIC), 9), d.district_code
LIMIT :limit;
