-- Kelengkapan Laporan sheet: every district x month of the period, with the first accepted
-- submission (timeliness is judged on it, metrics.md) and how many files were rejected for it.
-- Submissions are filtered to the province's districts and the period's months before they
-- are ranked and counted: at national scale each province would otherwise pay for all.
WITH
cells AS (
    SELECT d.district_code, d.district_name, m.year, m.month
    FROM districts d
    CROSS JOIN period_months m
    WHERE d.province_code = :province_code AND m.period_id = :period_id
),
cell_submissions AS (
    SELECT s.*
    FROM submissions s
    JOIN cells c ON c.district_code = s.district_code AND c.year = s.year AND c.month = s.month
)
SELECT c.district_code, c.district_name, c.year, c.month,
       f.received_at, f.deadline_at, f.received_on_time,
       COALESCE(r.rejected, 0) AS rejected
FROM cells c
LEFT JOIN (
    SELECT s.district_code, s.year, s.month, s.received_at, s.deadline_at, s.received_on_time,
           ROW_NUMBER() OVER (
               PARTITION BY s.district_code, s.year, s.month ORDER BY s.received_at, s.submission_id
           ) AS nth
    FROM cell_submissions s
    WHERE s.status <> 'rejected'
) f ON f.district_code = c.district_code AND f.year = c.year AND f.month = c.month AND f.nth = 1
LEFT JOIN (
    SELECT district_code, year, month, COUNT(*) AS rejected
    FROM cell_submissions
    WHERE status = 'rejected'
    GROUP BY district_code, year, month
) r ON r.district_code = c.district_code AND r.year = c.year AND r.month = c.month
ORDER BY c.district_code, c.year, c.month;
