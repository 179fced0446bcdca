-- The national roll-up (issue 14 item 3): one row per served province and period, so that the
-- national workbook ranks provinces and the national office queries one table. Every figure is
-- derived from mart_district_period / mart_province_period (sql/mart_national_period.sql), never
-- from raw records: a province's row always agrees with its own report.
CREATE TABLE mart_national_period (
    province_code               VARCHAR(2) NOT NULL,
    province_name               VARCHAR(100) NOT NULL,
    period_id                   VARCHAR(10) NOT NULL,
    districts_total             INTEGER NOT NULL,
    districts_reported          INTEGER NOT NULL,
    reports_expected            INTEGER NOT NULL,
    reports_received            INTEGER NOT NULL,
    reports_on_time             INTEGER NOT NULL,
    reporting_rate              DOUBLE PRECISION NOT NULL,
    on_time_rate                DOUBLE PRECISION NOT NULL,
    weeks_expected              INTEGER NOT NULL,
    weeks_with_pleno            INTEGER NOT NULL,
    pleno_compliance            DOUBLE PRECISION NOT NULL,
    prevention_count            INTEGER NOT NULL,
    prevention_participants     INTEGER NOT NULL,
    average_score               DOUBLE PRECISION NOT NULL,
    districts_baik              INTEGER NOT NULL,
    districts_cukup             INTEGER NOT NULL,
    districts_kurang            INTEGER NOT NULL,
    districts_tidak_melapor     INTEGER NOT NULL,
    generated_at                {{TIMESTAMP}} NOT NULL,
    PRIMARY KEY (province_code, period_id)
);
