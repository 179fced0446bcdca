-- Pleno Mingguan sheet: the weeks of the period in which a district held a quorate Rutin pleno.
SELECT DISTINCT district_code, iso_year, iso_week
FROM int_counted_pleno
WHERE period_id = :period_id AND week_in_period = 1 AND pleno_type = 'Rutin' AND is_quorate = 1
  AND district_code IN (SELECT district_code FROM districts WHERE province_code = :province_code)
ORDER BY district_code, iso_year, iso_week;
