-- The intake tables: registry, runs, submissions, records with their source, issues,
-- data-quality results, and what the scanner has seen in the inbox.
-- Portable between SQLite and PostgreSQL; {{ID}} and {{TIMESTAMP}} are the only
-- dialect-specific types (see rekap/warehouse.py). Booleans are SMALLINT 0/1.

CREATE TABLE districts (
    district_code   VARCHAR(4) PRIMARY KEY,
    province_code   VARCHAR(2) NOT NULL,
    province_name   VARCHAR(100) NOT NULL,
    district_name   VARCHAR(100) NOT NULL,
    kind            VARCHAR(20) NOT NULL,
    timezone        VARCHAR(40) NOT NULL,
    active_from     VARCHAR(7)
);

CREATE TABLE runs (
    run_id          VARCHAR(250) PRIMARY KEY,
    run_kind        VARCHAR(20) NOT NULL,            -- ingest | consolidate
    started_at      {{TIMESTAMP}} NOT NULL,
    finished_at     {{TIMESTAMP}},
    status          VARCHAR(20) NOT NULL,            -- running | success | failed
    summary         TEXT
);

CREATE TABLE submissions (
    submission_id       {{ID}},
    sha256              VARCHAR(64) NOT NULL UNIQUE,  -- the same bytes are never loaded twice
    file_name           VARCHAR(255) NOT NULL,
    size_bytes          BIGINT NOT NULL,
    district_code       VARCHAR(4) NOT NULL,          -- the folder it was dropped in
    claimed_district    VARCHAR(4),                   -- what its Identitas sheet says
    year                INTEGER,
    month               INTEGER,
    members             INTEGER,
    received_at         {{TIMESTAMP}} NOT NULL,
    loaded_at           {{TIMESTAMP}} NOT NULL,
    status              VARCHAR(30) NOT NULL,         -- accepted | accepted_with_issues | rejected
    rejection_code      VARCHAR(40),
    rejection_reason    TEXT,
    warnings            TEXT,
    deadline_at         {{TIMESTAMP}},
    received_on_time    SMALLINT,                     -- received_at <= deadline_at
    is_current          SMALLINT NOT NULL DEFAULT 0,  -- the latest accepted one of its district and month
    superseded_by       INTEGER,
    supersedes          INTEGER,
    inbox_path          TEXT NOT NULL,
    stored_path         TEXT NOT NULL,                -- archive/ or rejected/ destination
    feedback_path       TEXT,
    run_id              VARCHAR(250)
);
CREATE INDEX ix_submissions_district_month ON submissions (district_code, year, month);

CREATE TABLE pleno_records (
    submission_id       INTEGER NOT NULL,
    sheet               VARCHAR(40) NOT NULL,
    excel_row           INTEGER NOT NULL,
    meeting_date        DATE,                 -- NULL when unreadable
    placed_date         DATE NOT NULL,        -- its own date, else the 1st of the report month
    iso_year            INTEGER NOT NULL,
    iso_week            INTEGER NOT NULL,
    pleno_type          VARCHAR(20),          -- Rutin | Khusus | NULL (not recognised)
    minutes_number      VARCHAR(255),
    minutes_number_key  VARCHAR(255),         -- normalised, for counting the same pleno once
    attendance          INTEGER,              -- NULL when unreadable or outside its rule
    members             INTEGER NOT NULL,
    is_quorate          SMALLINT NOT NULL,    -- 2 * attendance > members
    agenda              TEXT,
    decision            TEXT,
    minutes             TEXT,
    has_minutes         SMALLINT NOT NULL,
    remarks             TEXT,
    required_cells      INTEGER NOT NULL,
    filled_cells        INTEGER NOT NULL,
    PRIMARY KEY (submission_id, excel_row)
);

CREATE TABLE pencegahan_records (
    submission_id       INTEGER NOT NULL,
    sheet               VARCHAR(40) NOT NULL,
    excel_row           INTEGER NOT NULL,
    activity_date       DATE,
    placed_date         DATE NOT NULL,
    iso_year            INTEGER NOT NULL,
    iso_week            INTEGER NOT NULL,
    activity_type       VARCHAR(60),
    activity_name       TEXT,
    activity_name_key   VARCHAR(500),
    location            TEXT,
    location_key        VARCHAR(500),
    target_group        TEXT,
    participants        INTEGER,
    result              TEXT,
    evidence            TEXT,
    has_evidence        SMALLINT NOT NULL,
    remarks             TEXT,
    required_cells      INTEGER NOT NULL,
    filled_cells        INTEGER NOT NULL,
    PRIMARY KEY (submission_id, excel_row)
);

CREATE TABLE kelembagaan_records (
    submission_id       INTEGER NOT NULL,
    sheet               VARCHAR(40) NOT NULL,
    excel_row           INTEGER NOT NULL,
    aspect              VARCHAR(60),
    program             TEXT,
    program_key         VARCHAR(500),
    target              TEXT,
    progress            DOUBLE PRECISION,     -- 0..100, NULL when unreadable or outside 0..100
    output              TEXT,
    evidence            TEXT,
    has_evidence        SMALLINT NOT NULL,
    required_cells      INTEGER NOT NULL,
    filled_cells        INTEGER NOT NULL,
    PRIMARY KEY (submission_id, excel_row)
);

CREATE TABLE row_issues (
    submission_id       INTEGER NOT NULL,
    issue_no            INTEGER NOT NULL,
    sheet               VARCHAR(40) NOT NULL,
    excel_row           INTEGER NOT NULL,
    column_name         VARCHAR(60) NOT NULL,
    value               TEXT,
    problem             TEXT NOT NULL,
    rule                VARCHAR(40) NOT NULL,
    PRIMARY KEY (submission_id, issue_no)
);

CREATE TABLE dq_results (
    run_id              VARCHAR(250) NOT NULL,
    suite               VARCHAR(60) NOT NULL,
    expectation         VARCHAR(120) NOT NULL,
    column_name         VARCHAR(60) NOT NULL,
    rule                VARCHAR(60) NOT NULL,
    scope               VARCHAR(60) NOT NULL,   -- district code or period id the check was about
    success             SMALLINT NOT NULL,
    element_count       INTEGER NOT NULL,
    unexpected_count    INTEGER NOT NULL,
    details             TEXT,
    checked_at          {{TIMESTAMP}} NOT NULL
);

CREATE TABLE inbox_sightings (
    inbox_path          VARCHAR(1000) PRIMARY KEY,
    size_bytes          BIGINT NOT NULL,
    mtime_ns            BIGINT NOT NULL,
    first_seen_at       {{TIMESTAMP}} NOT NULL,   -- received_at (first_seen) of what is loaded from it
    stable_since        {{TIMESTAMP}} NOT NULL    -- since when size and mtime have not changed
);
