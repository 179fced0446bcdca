-- Pencegahan sheet: counted prevention activities per district and recognised Jenis Kegiatan,
-- with their participants and how many have Bukti Dukung, by Tahapan as typed (NULL: not given;
-- rekap.report.cells.is_non_stage tells Non Tahapan from a stage).
SELECT district_code, activity_type, stage, COUNT(*) AS activities,
       COALESCE(SUM(participants), 0) AS participants, SUM(has_evidence) AS documented
FROM int_counted_activity
WHERE period_id = :period_id AND activity_type IS NOT NULL
  AND district_code IN (SELECT district_code FROM districts WHERE province_code = :province_code)
GROUP BY district_code, activity_type, stage
ORDER BY district_code, activity_type, stage;
