-- Kelembagaan sheet: mean readable Capaian (%) per district and aspect, over the counted
-- programmes (each from the latest month of the period that reports it).
SELECT district_code, aspect, AVG(progress) AS progress
FROM int_counted_programme
WHERE period_id = :period_id AND aspect IS NOT NULL
  AND district_code IN (SELECT district_code FROM districts WHERE province_code = :province_code)
GROUP BY district_code, aspect
ORDER BY district_code, aspect;
