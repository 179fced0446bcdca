-- The leadership workbook of one period, as the consolidation recorded it.
SELECT report_path, generated_at
FROM mart_province_period
WHERE province_code = :province_code AND period_id = :period_id;
