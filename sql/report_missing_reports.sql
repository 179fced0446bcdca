-- Kelengkapan Data sheet: the months of the period for which a district has no accepted report.
SELECT d.district_code, d.district_name, m.year, m.month
FROM districts d
CROSS JOIN period_months m
WHERE d.province_code = :province_code AND m.period_id = :period_id
  AND NOT EXISTS (
      SELECT 1 FROM submissions s
      WHERE s.district_code = d.district_code AND s.year = m.year AND s.month = m.month
        AND s.status <> 'rejected'
  )
ORDER BY d.district_code, m.year, m.month;
