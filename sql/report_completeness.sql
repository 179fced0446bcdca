-- Kelengkapan Laporan: the submissions that can fill a cell of one period's districts × months
-- matrix (rekap.consolidation.completeness classifies them into on time / late / rejected / missing).
-- Accepted files by their report month; rejected files carry no month in the warehouse, so all
-- of the provinces' rejections come back and the Python side places them (few rows).
-- One query for every served province (the view must stay one round trip at 514 districts); the
-- issue count per submission is a lookup on row_issues' primary key (submission_id, issue_no).
-- Parameters: :province_codes (expanding list), :year1, :month1, :year2, :month2 (the period's months).
SELECT s.submission_id, s.district_code, s.file_name, s.status, s.year, s.month,
       s.received_at, s.deadline_at, s.received_on_time, s.is_current,
       s.rejection_reason, s.feedback_path,
       (SELECT COUNT(*) FROM row_issues i WHERE i.submission_id = s.submission_id) AS issue_count
FROM submissions s
JOIN districts d ON d.district_code = s.district_code
WHERE d.province_code IN :province_codes
  AND (s.status = 'rejected'
       OR (s.year = :year1 AND s.month = :month1)
       OR (s.year = :year2 AND s.month = :month2))
ORDER BY s.district_code, s.received_at, s.submission_id;
