-- Records hold what the district wrote and the reading of each cell; what a metric makes of
-- them (placed date, ISO week, quorum, minutes/evidence present, filled cells) is derived by
-- the staging SQL (sql/stg_*.sql) that sql/int_counted_records.sql builds on.
-- Old rows are moved forward where what they hold allows it (see the notes per step).

-- Which fields of a sheet are required, and the column holding each reading: synced from
-- rekap.report.vocab.SHEET_FIELDS by rekap.consolidation.metrics.sync_format_fields, so SQL keeps no second list.
CREATE TABLE format_fields (
    kind                VARCHAR(20) NOT NULL,
    field               VARCHAR(60) NOT NULL,
    column_name         VARCHAR(60) NOT NULL,
    required            SMALLINT NOT NULL,
    PRIMARY KEY (kind, field)
);

-- The report's month as a date: where a record with an unreadable date is placed. Old rows:
-- the placed_date of one of their undated records is exactly that day; a submission whose
-- records all have a date keeps NULL, which no figure reads (`rekap db rebuild` fills it).
ALTER TABLE submissions ADD COLUMN month_start DATE;
UPDATE submissions SET month_start = (
    SELECT MIN(u.placed_date) FROM (
        SELECT submission_id, placed_date FROM pleno_records WHERE meeting_date IS NULL
        UNION ALL
        SELECT submission_id, placed_date FROM pencegahan_records WHERE activity_date IS NULL
    ) u WHERE u.submission_id = submissions.submission_id
);

-- The column No as typed (old rows: not stored, NULL) and the readings of the presence
-- columns, 1 present / 0 "Tidak" / NULL empty, from the old has_* flag and the text kept.
ALTER TABLE pleno_records ADD COLUMN seq_no TEXT;
ALTER TABLE pleno_records ADD COLUMN minutes_present SMALLINT;
UPDATE pleno_records SET minutes_present = CASE WHEN has_minutes = 1 THEN 1 WHEN minutes IS NOT NULL THEN 0 END;
ALTER TABLE pencegahan_records ADD COLUMN seq_no TEXT;
ALTER TABLE pencegahan_records ADD COLUMN evidence_present SMALLINT;
UPDATE pencegahan_records SET evidence_present = CASE WHEN has_evidence = 1 THEN 1 WHEN evidence IS NOT NULL THEN 0 END;
ALTER TABLE kelembagaan_records ADD COLUMN evidence_present SMALLINT;
UPDATE kelembagaan_records SET evidence_present = CASE WHEN has_evidence = 1 THEN 1 WHEN evidence IS NOT NULL THEN 0 END;

-- The values the loader used to compute: now derived by sql/stg_*.sql. (Old readings are
-- NULL exactly when their cell was not filled, so the staging SQL gives the same counts.)
ALTER TABLE pleno_records DROP COLUMN placed_date;
ALTER TABLE pleno_records DROP COLUMN iso_year;
ALTER TABLE pleno_records DROP COLUMN iso_week;
ALTER TABLE pleno_records DROP COLUMN members;
ALTER TABLE pleno_records DROP COLUMN is_quorate;
ALTER TABLE pleno_records DROP COLUMN has_minutes;
ALTER TABLE pleno_records DROP COLUMN required_cells;
ALTER TABLE pleno_records DROP COLUMN filled_cells;
ALTER TABLE pencegahan_records DROP COLUMN placed_date;
ALTER TABLE pencegahan_records DROP COLUMN iso_year;
ALTER TABLE pencegahan_records DROP COLUMN iso_week;
ALTER TABLE pencegahan_records DROP COLUMN has_evidence;
ALTER TABLE pencegahan_records DROP COLUMN required_cells;
ALTER TABLE pencegahan_records DROP COLUMN filled_cells;
ALTER TABLE kelembagaan_records DROP COLUMN has_evidence;
ALTER TABLE kelembagaan_records DROP COLUMN required_cells;
ALTER TABLE kelembagaan_records DROP COLUMN filled_cells;

-- A week's last day, so a date finds its ISO week by range (portable: no date functions).
-- The calendar is derived from rekap.periods: cleared here, rebuilt by the next consolidation.
DELETE FROM periods;
DELETE FROM period_months;
DROP TABLE period_weeks;
CREATE TABLE period_weeks (
    period_id           VARCHAR(10) NOT NULL,
    iso_year            INTEGER NOT NULL,
    iso_week            INTEGER NOT NULL,
    week_start          DATE NOT NULL,             -- the Monday
    week_end            DATE NOT NULL,             -- the Sunday
    PRIMARY KEY (period_id, iso_year, iso_week)
);

-- A counted pleno's ISO week is known from the period's own weeks only: NULL outside them.
CREATE TABLE int_counted_pleno_0004 (
    period_id           VARCHAR(10) NOT NULL,
    district_code       VARCHAR(4) NOT NULL,
    submission_id       INTEGER NOT NULL,
    excel_row           INTEGER NOT NULL,
    placed_date         DATE NOT NULL,
    iso_year            INTEGER,             -- NULL when week_in_period = 0
    iso_week            INTEGER,
    pleno_type          VARCHAR(20),
    is_quorate          SMALLINT NOT NULL,
    has_minutes         SMALLINT NOT NULL,
    required_cells      INTEGER NOT NULL,
    filled_cells        INTEGER NOT NULL,
    dated_in_period     SMALLINT NOT NULL,   -- placed_date within period_start..period_end
    week_in_period      SMALLINT NOT NULL,   -- its ISO week is one of the period's weeks
    PRIMARY KEY (period_id, submission_id, excel_row)
);
INSERT INTO int_counted_pleno_0004 (
    period_id, district_code, submission_id, excel_row, placed_date, iso_year, iso_week, pleno_type,
    is_quorate, has_minutes, required_cells, filled_cells, dated_in_period, week_in_period
)
SELECT period_id, district_code, submission_id, excel_row, placed_date,
       CASE WHEN week_in_period = 1 THEN iso_year END, CASE WHEN week_in_period = 1 THEN iso_week END,
       pleno_type, is_quorate, has_minutes, required_cells, filled_cells, dated_in_period, week_in_period
FROM int_counted_pleno;
DROP TABLE int_counted_pleno;
ALTER TABLE int_counted_pleno_0004 RENAME TO int_counted_pleno;
