-- The consolidation: the calendar of periods (filled from rekap/periods.py), the
-- intermediate counts per district and period, and the two marts of metrics.md.

CREATE TABLE periods (
    period_id           VARCHAR(10) PRIMARY KEY,   -- 2026-B1
    period_start        DATE NOT NULL,
    period_end          DATE NOT NULL,
    weeks_in_period     INTEGER NOT NULL,
    previous_period_id  VARCHAR(10) NOT NULL
);

CREATE TABLE period_months (
    period_id           VARCHAR(10) NOT NULL,
    year                INTEGER NOT NULL,
    month               INTEGER NOT NULL,
    PRIMARY KEY (period_id, year, month)
);

CREATE TABLE period_weeks (
    period_id           VARCHAR(10) NOT NULL,
    iso_year            INTEGER NOT NULL,
    iso_week            INTEGER NOT NULL,
    week_start          DATE NOT NULL,             -- the Monday
    PRIMARY KEY (period_id, iso_year, iso_week)
);

-- The records that count for a period (metrics.md "Which records count"), one row each
-- after deduplication: what the counts below and the workbook's detail sheets read.
CREATE TABLE int_counted_pleno (
    period_id           VARCHAR(10) NOT NULL,
    district_code       VARCHAR(4) NOT NULL,
    submission_id       INTEGER NOT NULL,
    excel_row           INTEGER NOT NULL,
    placed_date         DATE NOT NULL,
    iso_year            INTEGER NOT NULL,
    iso_week            INTEGER NOT NULL,
    pleno_type          VARCHAR(20),
    is_quorate          SMALLINT NOT NULL,
    has_minutes         SMALLINT NOT NULL,
    required_cells      INTEGER NOT NULL,
    filled_cells        INTEGER NOT NULL,
    dated_in_period     SMALLINT NOT NULL,   -- placed_date within period_start..period_end
    week_in_period      SMALLINT NOT NULL,   -- its ISO week is one of the period's weeks
    PRIMARY KEY (period_id, submission_id, excel_row)
);

CREATE TABLE int_counted_activity (
    period_id           VARCHAR(10) NOT NULL,
    district_code       VARCHAR(4) NOT NULL,
    submission_id       INTEGER NOT NULL,
    excel_row           INTEGER NOT NULL,
    placed_date         DATE NOT NULL,
    activity_type       VARCHAR(60),
    participants        INTEGER,
    has_evidence        SMALLINT NOT NULL,
    required_cells      INTEGER NOT NULL,
    filled_cells        INTEGER NOT NULL,
    PRIMARY KEY (period_id, submission_id, excel_row)
);

CREATE TABLE int_counted_programme (
    period_id           VARCHAR(10) NOT NULL,
    district_code       VARCHAR(4) NOT NULL,
    submission_id       INTEGER NOT NULL,
    excel_row           INTEGER NOT NULL,
    aspect              VARCHAR(60),
    program             TEXT,
    progress            DOUBLE PRECISION,
    required_cells      INTEGER NOT NULL,
    filled_cells        INTEGER NOT NULL,
    PRIMARY KEY (period_id, submission_id, excel_row)
);

-- Counts behind every rate, so the province mart sums counts rather than averaging rates.
CREATE TABLE int_district_period (
    province_code               VARCHAR(2) NOT NULL,
    district_code               VARCHAR(4) NOT NULL,
    period_id                   VARCHAR(10) NOT NULL,
    reports_expected            INTEGER NOT NULL,
    reports_received            INTEGER NOT NULL,
    reports_on_time             INTEGER NOT NULL,
    weeks_in_period             INTEGER NOT NULL,
    weeks_with_pleno            INTEGER NOT NULL,
    pleno_count                 INTEGER NOT NULL,
    pleno_quorate               INTEGER NOT NULL,
    pleno_with_minutes          INTEGER NOT NULL,
    prevention_count            INTEGER NOT NULL,
    prevention_participants     INTEGER NOT NULL,
    prevention_documented       INTEGER NOT NULL,
    prevention_type_count       INTEGER NOT NULL,
    kelembagaan_progress        DOUBLE PRECISION,
    required_cells              INTEGER NOT NULL,
    filled_cells                INTEGER NOT NULL,
    issue_count                 INTEGER NOT NULL,
    PRIMARY KEY (district_code, period_id)
);

CREATE TABLE mart_district_period (
    province_code               VARCHAR(2) NOT NULL,
    district_code               VARCHAR(4) NOT NULL,
    district_name               VARCHAR(100) NOT NULL,
    period_id                   VARCHAR(10) NOT NULL,
    period_start                DATE NOT NULL,
    period_end                  DATE NOT NULL,
    reports_expected            INTEGER NOT NULL,
    reports_received            INTEGER NOT NULL,
    reports_on_time             INTEGER NOT NULL,
    reporting_rate              DOUBLE PRECISION NOT NULL,
    on_time_rate                DOUBLE PRECISION NOT NULL,
    weeks_in_period             INTEGER NOT NULL,
    weeks_with_pleno            INTEGER NOT NULL,
    pleno_compliance            DOUBLE PRECISION NOT NULL,
    pleno_count                 INTEGER NOT NULL,
    pleno_quorate_rate          DOUBLE PRECISION,
    pleno_minutes_rate          DOUBLE PRECISION,
    prevention_count            INTEGER NOT NULL,
    prevention_participants     INTEGER NOT NULL,
    prevention_documented_rate  DOUBLE PRECISION,
    prevention_type_count       INTEGER NOT NULL,
    kelembagaan_progress        DOUBLE PRECISION,
    record_completeness         DOUBLE PRECISION,
    issue_count                 INTEGER NOT NULL,
    score                       DOUBLE PRECISION NOT NULL,
    status                      VARCHAR(20) NOT NULL,
    rank                        INTEGER NOT NULL,
    score_change                DOUBLE PRECISION,
    PRIMARY KEY (district_code, period_id)
);

CREATE TABLE mart_province_period (
    province_code               VARCHAR(2) NOT NULL,
    period_id                   VARCHAR(10) NOT NULL,
    districts_total             INTEGER NOT NULL,
    districts_reported          INTEGER NOT NULL,
    districts_fully_reported    INTEGER NOT NULL,
    reporting_rate              DOUBLE PRECISION NOT NULL,
    on_time_rate                DOUBLE PRECISION NOT NULL,
    pleno_compliance            DOUBLE PRECISION NOT NULL,
    prevention_count            INTEGER NOT NULL,
    prevention_participants     INTEGER NOT NULL,
    record_completeness         DOUBLE PRECISION,
    average_score               DOUBLE PRECISION NOT NULL,
    generated_at                {{TIMESTAMP}} NOT NULL,
    report_path                 TEXT,
    PRIMARY KEY (province_code, period_id)
);
