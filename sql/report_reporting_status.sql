-- Kelengkapan Laporan sheet: every district x month of the period, with the first accepted
-- submission (timeliness is judged on it, metrics.md) and how many files were rejected for it.
SELECT d.district_code, d.district_name, m.year, m.month,
       f.received_at, f.deadline_at, f.received_on_time,
       COALESCE(r.rejected, 0) AS rejected
FROM districts d
CROSS JOIN period_months m
LEFT JOIN (
    SELECT s.district_code, s.year, s.month, s.received_at, s.deadline_at, s.received_on_time,
           ROW_NUMBER() OVER (
               PARTITION BY s.district_code, s.year, s.month ORDER BY s.received_at, s.submission_id
           ) AS nth
    FROM submissions s
    WHERE s.status <> 'rejected'
) f ON f.district_code = d.district_code AND f.year = m.year AND f.month = m.month AND f.nth = 1
LEFT JOIN (
    SELECT district_code, year, month, COUNT(*) AS rejected
    FROM submissions
    WHERE status = 'rejected'
    GROUP BY district_code, year, month
) r ON r.district_code = d.district_code AND r.year = m.year AND r.month = m.month
WHERE d.province_code = :province_code AND m.period_id = :period_id
ORDER BY d.district_code, m.year, m.month;
