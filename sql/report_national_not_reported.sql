-- Perlu Perhatian, part B, of the national workbook: every district of the served provinces
-- that did not report in the period (TIDAK MELAPOR), by province, with its status in the
-- previous period (a district silent twice running is not one that missed once).
-- Parameters: :period_id.
SELECT
    d.*,
    n.province_name,
    prev.status AS previous_status
FROM mart_district_period d
JOIN mart_national_period n ON n.province_code = d.province_code AND n.period_id = d.period_id
JOIN periods per ON per.period_id = d.period_id
LEFT JOIN mart_district_period prev
       ON prev.district_code = d.district_code AND prev.period_id = per.previous_period_id
WHERE d.period_id = :period_id AND d.status = 'TIDAK MELAPOR'
ORDER BY d.province_code, d.district_code;
