-- The counted records of one period are read and replaced one province at a time (its districts,
-- sql/int_counted_records.sql, int_district_period.sql, report_*.sql); their primary key starts
-- with period_id only, so at national scale every province scanned the whole nation's rows of
-- the period. These indexes let it read just its districts'.
CREATE INDEX ix_int_counted_pleno_district ON int_counted_pleno (period_id, district_code);
CREATE INDEX ix_int_counted_activity_district ON int_counted_activity (period_id, district_code);
CREATE INDEX ix_int_counted_programme_district ON int_counted_programme (period_id, district_code);
