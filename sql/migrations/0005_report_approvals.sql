-- Approval before leadership receives a report (domain.md): every draft (DRAF) of a period's
-- laporan komprehensif is a numbered version; its row records the decision on it. Nothing is
-- ever deleted: the table is the audit trail of who approved or rejected what, and when.
--   decision: NULL (waiting), approved, rejected, expired (no decision within the timeout)
CREATE TABLE report_approvals (
    province_code       VARCHAR(2) NOT NULL,
    period_id           VARCHAR(10) NOT NULL,
    version             INTEGER NOT NULL,          -- 1, 2, ... per province and period
    draft_path          TEXT NOT NULL,
    drafted_at          {{TIMESTAMP}} NOT NULL,
    run_id              VARCHAR(250),
    decision            VARCHAR(20),
    decided_by          VARCHAR(250),
    decided_at          {{TIMESTAMP}},
    reason              TEXT,
    final_path          TEXT,                      -- the FINAL workbook written after approval
    delivered_at        {{TIMESTAMP}},
    PRIMARY KEY (province_code, period_id, version)
);
