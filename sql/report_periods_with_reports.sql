-- The months that have an accepted report: the periods the Kelengkapan Laporan view offers.
SELECT DISTINCT s.year, s.month
FROM submissions s
JOIN districts d ON d.district_code = s.district_code
WHERE d.province_code = :province_code AND s.year IS NOT NULL AND s.month IS NOT NULL
ORDER BY s.year, s.month;
