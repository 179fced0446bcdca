"""What intake writes to the warehouse: a submission with its records and issues, supersession,
the GX results of a check, the run record. Records are stored as the district wrote them; what
they mean for a metric is derived in sql/stg_*.sql."""

from __future__ import annotations

import itertools
import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, bindparam, text

from rekap.report import cells, vocab
from rekap.report.model import REJECTED, Cell, Record, Report
from rekap.settings import Settings
from rekap.warehouse import as_datetime, insert_dq_results, insert_run, transaction


def submission_by_sha(settings: Settings, digest: str) -> dict | None:
    """The accepted submission of these bytes (at most one), else the latest rejected one."""
    with transaction(settings.warehouse_url) as conn:
        return submissions_by_sha(conn, [digest]).get(digest)


def submissions_by_sha(conn: Connection, digests: list[str]) -> dict[str, dict]:
    """For each of these sha256 digests the warehouse knows: its accepted submission (at most
    one), else its latest rejected one. One query, in the caller's transaction."""
    found: dict[str, dict] = {}
    if not digests:
        return found
    rows = conn.execute(
        text(
            "SELECT submission_id, sha256, status, inbox_path, stored_path, feedback_path, received_at,"
            " loaded_at, file_name, year, month FROM submissions WHERE sha256 IN :h"
            " ORDER BY CASE WHEN status = 'rejected' THEN 1 ELSE 0 END, submission_id DESC"
        ).bindparams(bindparam("h", expanding=True)),
        {"h": sorted(set(digests))},
    ).mappings()
    for row in rows:
        found.setdefault(row["sha256"], dict(row))
    return found


def insert_submission(
    conn: Connection,
    settings: Settings,
    report: Report,
    digest: str,
    district_code: str,
    received_at: datetime,
    now: datetime,
    inbox_path: str,
    stored_path: str,
    feedback_path: str | None,
    run_id: str,
    size_bytes: int | None = None,
) -> int:
    """Submission, records and issues of one file, and supersession, in the caller's transaction
    (which has run ``sync_registry`` once). ``size_bytes`` defaults to the size of the file at
    ``inbox_path`` (a rebuild passes it)."""
    submission_id = insert_submission_row(
        conn,
        settings,
        report,
        digest,
        district_code,
        received_at,
        now,
        inbox_path,
        stored_path,
        feedback_path,
        run_id,
        size_bytes,
    )
    if report.status != REJECTED:
        insert_records(conn, [(submission_id, report)])
        supersede(conn, district_code, report.identity.year, report.identity.month)
    return submission_id


def insert_submission_row(
    conn: Connection,
    settings: Settings,
    report: Report,
    digest: str,
    district_code: str,
    received_at: datetime,
    now: datetime,
    inbox_path: str,
    stored_path: str,
    feedback_path: str | None,
    run_id: str,
    size_bytes: int | None = None,
) -> int:
    """The submission row of one file, without its records (``insert_records``) or supersession."""
    from rekap.periods import report_deadline

    ident = report.identity
    accepted = report.status != REJECTED
    deadline = on_time = None
    if accepted:
        zone = settings.registry.get(district_code).zone
        deadline = report_deadline(ident.year, ident.month, settings.deadline_day, zone)
        on_time = int(received_at <= deadline)
    params = {
        "sha": digest,
        "fn": report.file_name,
        "size": size_bytes if size_bytes is not None else Path(inbox_path).stat().st_size,
        "d": district_code,
        "cd": ident.district_code if ident else None,
        "y": ident.year if ident and accepted else None,
        "m": ident.month if ident and accepted else None,
        # the day a record with an unreadable date is placed on (sql/stg_*.sql)
        "ms": date(ident.year, ident.month, 1) if ident and accepted else None,
        "mem": ident.members if ident else None,
        "ra": received_at,
        "la": now,
        "st": report.status,
        "rc": report.rejection_code,
        "rr": report.rejection,
        "w": json.dumps(report.warnings, ensure_ascii=False) if report.warnings else None,
        "dl": deadline,
        "ot": on_time,
        "ip": inbox_path,
        "sp": stored_path,
        "fp": feedback_path,
        "run": run_id,
    }
    return conn.execute(
        text(
            "INSERT INTO submissions (sha256, file_name, size_bytes, district_code, claimed_district, year, month,"
            " members, received_at, loaded_at, status, rejection_code, rejection_reason, warnings, deadline_at,"
            " received_on_time, is_current, inbox_path, stored_path, feedback_path, run_id, month_start)"
            " VALUES (:sha, :fn, :size, :d, :cd, :y, :m, :mem, :ra, :la, :st, :rc, :rr, :w, :dl, :ot, 0, :ip, :sp,"
            " :fp, :run, :ms) RETURNING submission_id"
        ),
        params,
    ).scalar_one()


def supersede(conn: Connection, district_code: str, year: int, month: int) -> None:
    """The latest accepted submission (by received_at, then id) of a district and month is
    current; every other one points to the one that replaced it. History is kept."""
    rows = conn.execute(
        text(
            "SELECT submission_id, received_at FROM submissions WHERE district_code=:d AND year=:y AND month=:m"
            " AND status <> 'rejected'"
        ),
        {"d": district_code, "y": year, "m": month},
    ).all()
    ordered = sorted(rows, key=lambda r: (as_datetime(r.received_at), r.submission_id))
    for earlier, later in itertools.pairwise(ordered):
        conn.execute(
            text("UPDATE submissions SET is_current=0, superseded_by=:l WHERE submission_id=:e"),
            {"l": later.submission_id, "e": earlier.submission_id},
        )
        conn.execute(
            text("UPDATE submissions SET supersedes=:e WHERE submission_id=:l"),
            {"l": later.submission_id, "e": earlier.submission_id},
        )
    latest = ordered[-1].submission_id
    conn.execute(
        text("UPDATE submissions SET is_current=1, superseded_by=NULL WHERE submission_id=:l"), {"l": latest}
    )


# The record table of each kind; its columns are named by vocab.Field (column, keyed, presence).
RECORD_TABLES = {
    vocab.PLENO: "pleno_records",
    vocab.PENCEGAHAN: "pencegahan_records",
    vocab.KELEMBAGAAN: "kelembagaan_records",
}


def cell_columns(field: vocab.Field, cell: Cell) -> dict[str, Any]:
    """A cell as stored: its reading (NULL when it does not count as filled: empty, "-",
    unreadable, or set aside by a rule) and, for a presence field, the link as typed. What it
    means for a metric (quorum, minutes present, filled cells) is derived in sql/stg_*.sql."""
    reading = cell.value if cell.readable else None
    if field.type == vocab.PRESENCE:
        return {field.column: cell.text, field.reading_column: None if reading is None else int(reading)}
    columns = {field.column: reading}
    if field.keyed:
        columns[f"{field.column}_key"] = cells.normalise_key(reading) or None
    return columns


def record_columns(submission_id: int, record: Record) -> dict[str, Any]:
    """One row of the record table of ``record.kind``, by column name."""
    row: dict[str, Any] = {"submission_id": submission_id, "sheet": record.sheet, "excel_row": record.row}
    for f in vocab.SHEET_FIELDS[record.kind]:
        row.update(cell_columns(f, record.cells[f.name]))
        if f.not_applicable_when is not None:
            # Empty where it does not apply: counts as filled (sql/stg_<kind>.sql reads this).
            row[f.na_column] = int(record.not_applicable(f))
    return row


def insert_rows(conn: Connection, table: str, rows: list[dict[str, Any]]) -> None:
    """One INSERT for many rows (executemany), column list and parameters from the first row's
    keys: every row of a record table has the same columns."""
    if not rows:
        return
    names = ", ".join(rows[0])
    params = ", ".join(f":{name}" for name in rows[0])
    conn.execute(text(f"INSERT INTO {table} ({names}) VALUES ({params})"), rows)


def insert_records(conn: Connection, loaded: list[tuple[int, Report]]) -> None:
    """The records as the districts wrote them, and their issues, of many submissions: one
    statement per table, whatever the number of files."""
    for kind in vocab.RECORD_KINDS:
        rows = [
            record_columns(submission_id, record)
            for submission_id, report in loaded
            for record in report.records.get(kind, [])
        ]
        insert_rows(conn, RECORD_TABLES[kind], rows)
    issues = [
        {
            "submission_id": submission_id,
            "issue_no": n,
            "sheet": issue.sheet,
            "excel_row": issue.row,
            "column_name": issue.column,
            "value": issue.value,
            "problem": issue.problem,
            "rule": issue.rule or "",
            "cell": issue.cell or None,
        }
        for submission_id, report in loaded
        for n, issue in enumerate(report.issues, start=1)
    ]
    insert_rows(conn, "row_issues", issues)


def store_dq(settings: Settings, run_id: str, results, now: datetime) -> None:
    """The GX results of a check, one row per expectation and district (``RuleResult.scope``)."""
    if results:
        with transaction(settings.warehouse_url) as conn:
            insert_dq_results(conn, run_id, results, now)


def record_run(
    settings: Settings, run_id: str, kind: str, started_at: datetime, summary: dict, status: str
) -> None:
    """The run's record in a transaction of its own (the run's files are committed already)."""
    with transaction(settings.warehouse_url) as conn:
        insert_run(conn, run_id, kind, started_at, summary, status)
