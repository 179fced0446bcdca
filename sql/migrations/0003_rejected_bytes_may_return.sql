-- Only an accepted load makes later copies of the same bytes duplicates (domain.md "The
-- shared drive"): a rejected file sent again unchanged (moved to the right folder, after a
-- limit was raised) is processed afresh, as a new submission; the rejected row stays as
-- history. The UNIQUE on sha256 becomes a partial unique index over the accepted rows, which
-- still stops two concurrent runs from loading the same accepted bytes twice.

-- @only postgresql
ALTER TABLE submissions DROP CONSTRAINT submissions_sha256_key;
-- @end

-- @only sqlite
-- SQLite cannot drop a constraint: the table is rebuilt with the same columns and ids, and
-- AUTOINCREMENT's counter is carried over so an id is never used twice (RENAME moves it).
CREATE TABLE submissions_new (
    submission_id       {{ID}},
    sha256              VARCHAR(64) NOT NULL,
    file_name           VARCHAR(255) NOT NULL,
    size_bytes          BIGINT NOT NULL,
    district_code       VARCHAR(4) NOT NULL,
    claimed_district    VARCHAR(4),
    year                INTEGER,
    month               INTEGER,
    members             INTEGER,
    received_at         {{TIMESTAMP}} NOT NULL,
    loaded_at           {{TIMESTAMP}} NOT NULL,
    status              VARCHAR(30) NOT NULL,
    rejection_code      VARCHAR(40),
    rejection_reason    TEXT,
    warnings            TEXT,
    deadline_at         {{TIMESTAMP}},
    received_on_time    SMALLINT,
    is_current          SMALLINT NOT NULL DEFAULT 0,
    superseded_by       INTEGER,
    supersedes          INTEGER,
    inbox_path          TEXT NOT NULL,
    stored_path         TEXT NOT NULL,
    feedback_path       TEXT,
    run_id              VARCHAR(250)
);
INSERT INTO submissions_new SELECT * FROM submissions;
DELETE FROM sqlite_sequence WHERE name = 'submissions_new';
INSERT INTO sqlite_sequence (name, seq) SELECT 'submissions_new', seq FROM sqlite_sequence WHERE name = 'submissions';
DROP TABLE submissions;
ALTER TABLE submissions_new RENAME TO submissions;
CREATE INDEX ix_submissions_district_month ON submissions (district_code, year, month);
-- @end

CREATE UNIQUE INDEX ux_submissions_accepted_sha256 ON submissions (sha256) WHERE status <> 'rejected';
CREATE INDEX ix_submissions_sha256 ON submissions (sha256);
