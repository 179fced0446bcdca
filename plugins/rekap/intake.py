"""Intake from the shared drive (domain.md "The shared drive"): scan, load, move, feed back.

The path of one file:
  scan     -> seen in inbox/<district>/, waits until its size and mtime are stable
  check    -> read + GX rules (rekap.check), many files per GX call
  load     -> one transaction: submission, records, issues, supersession
  feedback -> feedback/<district>/Umpan_Balik_...xlsx
  move     -> archive/<district>/ or rejected/<district>/ (never overwriting)
A crash anywhere leaves the file in the inbox; the next run recognises its bytes (sha256)
and only finishes what is missing (feedback, move). The same bytes are never loaded twice
(UNIQUE sha256), and one district is processed by one run at a time (a lock file).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import itertools
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.exc import IntegrityError

from rekap import cells, vocab
from rekap.model import REJECTED, Cell, Record, Report
from rekap.settings import Settings
from rekap.warehouse import WarehouseError, as_datetime, insert_dq_results, sync_registry, transaction

INBOX, ARCHIVE, REJECTED_DIR, FEEDBACK, REPORTS = "inbox", "archive", "rejected", "feedback", "reports"
LOCK_NAME = ".rekap.lock"

# Outcomes of one inbox file in one run.
OUT_ACCEPTED = "accepted"
OUT_WITH_ISSUES = "accepted_with_issues"
OUT_REJECTED = "rejected"
OUT_DUPLICATE = "duplicate"  # same bytes as a file already processed: not loaded again
OUT_REPAIRED = "repaired"  # loaded by an earlier, interrupted run: only moved now
OUT_WAITING = "waiting"  # still being copied (not stable yet)
OUT_UNKNOWN = "unknown_folder"  # not in a known district's folder: left in place
OUT_BUSY = "busy"  # another run holds this district


def is_ignored_name(name: str) -> bool:
    """Temporary, lock and hidden files (Office, LibreOffice, copy tools)."""
    return (
        name.startswith((".", "~$"))
        or (name.startswith(".~lock.") and name.endswith("#"))
        or name.lower().endswith((".tmp", ".part", ".crdownload"))
    )


@dataclass
class FileOutcome:
    file_name: str
    district_code: str | None
    outcome: str
    inbox_path: str
    submission_id: int | None = None
    stored_path: str | None = None
    feedback_path: str | None = None
    message: str | None = None
    issues: int = 0
    year: int | None = None  # the report's month, when it was loaded as accepted
    month: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ScanResult:
    ready: dict[str, list[str]] = field(default_factory=dict)  # district -> inbox paths
    waiting: list[FileOutcome] = field(default_factory=list)
    unknown: list[FileOutcome] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ready": self.ready,
            "waiting": [o.as_dict() for o in self.waiting],
            "unknown": [o.as_dict() for o in self.unknown],
        }


def ensure_layout(root: Path, district_codes: list[str]) -> None:
    """The drive's folders; a district folder exists for every registered district."""
    for top in (INBOX, ARCHIVE, REJECTED_DIR, FEEDBACK):
        for code in district_codes:
            (root / top / code).mkdir(parents=True, exist_ok=True)
    (root / REPORTS).mkdir(parents=True, exist_ok=True)


# --- scan ------------------------------------------------------------------------------


def scan_inbox(settings: Settings, now: datetime | None = None) -> ScanResult:
    """Which inbox files are ready, which are still being copied, which are misplaced.

    Stability is judged from what earlier scans saw (``inbox_sightings``): a file is ready
    once its size and mtime have not changed for ``stable_seconds``."""
    now = now or datetime.now(UTC)
    root = settings.require_shared_root()
    known = set(settings.registry.by_code)
    inbox = root / INBOX
    result = ScanResult()
    candidates: list[tuple[str, Path, os.stat_result]] = []
    if not inbox.is_dir():
        return result
    for entry in sorted(inbox.iterdir()):
        if is_ignored_name(entry.name):
            continue
        if entry.is_file():
            result.unknown.append(
                FileOutcome(
                    entry.name,
                    None,
                    OUT_UNKNOWN,
                    str(entry),
                    message="file directly in inbox/: move it into its district's folder",
                )
            )
            continue
        if entry.name not in known:
            for inner in sorted(p for p in entry.rglob("*") if p.is_file() and not is_ignored_name(p.name)):
                result.unknown.append(
                    FileOutcome(
                        inner.name,
                        None,
                        OUT_UNKNOWN,
                        str(inner),
                        message=f"folder {entry.name!r} is not a district of this province",
                    )
                )
            continue
        for item in sorted(entry.iterdir()):
            if is_ignored_name(item.name):
                continue
            if item.is_dir():
                for inner in sorted(
                    p for p in item.rglob("*") if p.is_file() and not is_ignored_name(p.name)
                ):
                    result.unknown.append(
                        FileOutcome(
                            inner.name,
                            entry.name,
                            OUT_UNKNOWN,
                            str(inner),
                            message="sub-folders are not read: put the file directly in the district folder",
                        )
                    )
                continue
            candidates.append((entry.name, item, item.stat()))

    with transaction(settings.warehouse_url) as conn:
        seen = {
            row.inbox_path: row
            for row in conn.execute(
                text(
                    "SELECT inbox_path, size_bytes, mtime_ns, first_seen_at, stable_since FROM inbox_sightings"
                )
            )
        }
        present = set()
        for district, path, st in candidates:
            key = str(path)
            present.add(key)
            previous = seen.get(key)
            if previous is None:
                conn.execute(
                    text(
                        "INSERT INTO inbox_sightings (inbox_path, size_bytes, mtime_ns, first_seen_at, stable_since)"
                        " VALUES (:p, :s, :m, :t, :t)"
                    ),
                    {"p": key, "s": st.st_size, "m": st.st_mtime_ns, "t": now},
                )
                stable_since = now
            elif (previous.size_bytes, previous.mtime_ns) != (st.st_size, st.st_mtime_ns):
                conn.execute(
                    text(
                        "UPDATE inbox_sightings SET size_bytes=:s, mtime_ns=:m, stable_since=:t WHERE inbox_path=:p"
                    ),
                    {"p": key, "s": st.st_size, "m": st.st_mtime_ns, "t": now},
                )
                stable_since = now
            else:
                stable_since = as_datetime(previous.stable_since)
            if now - stable_since >= timedelta(seconds=settings.stable_seconds):
                result.ready.setdefault(district, []).append(key)
            else:
                result.waiting.append(
                    FileOutcome(
                        path.name,
                        district,
                        OUT_WAITING,
                        key,
                        message=f"still changing; taken once stable for {settings.stable_seconds:g} s",
                    )
                )
        for gone in set(seen) - present:
            conn.execute(text("DELETE FROM inbox_sightings WHERE inbox_path=:p"), {"p": gone})
    return result


# --- process ---------------------------------------------------------------------------


@contextlib.contextmanager
def district_lock(folder: Path) -> Iterator[bool]:
    """Yields False when another run is processing this district right now."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / LOCK_NAME, "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def process_district(
    settings: Settings, district_code: str, inbox_paths: list[str], run_id: str, now: datetime | None = None
) -> list[FileOutcome]:
    """Check, load, feed back and move the ready files of one district. A bad file is an
    outcome, never an exception; only infrastructure errors (warehouse, drive) raise."""
    from rekap.check import check_files

    now = now or datetime.now(UTC)
    root = settings.require_shared_root()
    registry = settings.registry
    if registry.get(district_code) is None:
        raise ValueError(f"{district_code} is not a district of province {settings.province_code}")
    folder = root / INBOX / district_code
    with district_lock(folder) as locked:
        if not locked:
            return [
                FileOutcome(
                    Path(p).name, district_code, OUT_BUSY, p, message="another run holds this district"
                )
                for p in inbox_paths
            ]
        outcomes: list[FileOutcome] = []
        fresh: list[tuple[Path, str]] = []
        for p in inbox_paths:
            path = Path(p)
            if not path.is_file():
                continue  # taken by a run that finished meanwhile
            digest = sha256_of(path)
            earlier = _submission_by_sha(settings, digest)
            if earlier is not None:
                outcomes.append(_finish_known(settings, path, district_code, earlier, now))
            else:
                fresh.append((path, digest))
        if fresh:
            reports, dq = check_files(
                [(p, district_code) for p, _ in fresh], registry, now, settings.limits()
            )
            _store_dq(settings, run_id, district_code, dq, now)
            for (path, digest), report in zip(fresh, reports, strict=True):
                outcomes.append(_load_one(settings, path, digest, district_code, report, run_id, now))
        return outcomes


def _submission_by_sha(settings: Settings, digest: str) -> dict | None:
    with transaction(settings.warehouse_url) as conn:
        row = (
            conn.execute(
                text(
                    "SELECT submission_id, status, inbox_path, stored_path, feedback_path, loaded_at, file_name,"
                    " year, month FROM submissions WHERE sha256=:h"
                ),
                {"h": digest},
            )
            .mappings()
            .first()
        )
    return dict(row) if row else None


def _finish_known(
    settings: Settings, path: Path, district_code: str, earlier: dict, now: datetime
) -> FileOutcome:
    """Bytes already in the warehouse: either our own interrupted load (finish feedback and
    move) or the same file dropped again (not loaded twice; told so)."""
    from rekap.check import check_file

    stored = Path(earlier["stored_path"])
    interrupted = earlier["inbox_path"] == str(path) and not stored.exists()
    if interrupted:
        feedback = Path(earlier["feedback_path"]) if earlier["feedback_path"] else None
        if feedback is not None and not feedback.exists():
            report = check_file(path, settings.registry, now, district_code, settings.limits())
            _write_feedback(settings, report, district_code, feedback, now, None)
        _move_into_place(path, stored)
        return FileOutcome(
            path.name,
            district_code,
            OUT_REPAIRED,
            str(path),
            earlier["submission_id"],
            str(stored),
            earlier["feedback_path"],
            "load finished by this run",
            # the interrupted run never announced it: this run's Asset event carries its period
            year=earlier["year"],
            month=earlier["month"],
        )
    target_dir = (
        settings.shared_root / (REJECTED_DIR if earlier["status"] == REJECTED else ARCHIVE) / district_code
    )
    target = unique_path(target_dir / path.name)
    loaded_at = as_datetime(earlier["loaded_at"]).astimezone(settings.registry.get(district_code).zone)
    note = (
        f"Berkas ini sama persis (isi identik) dengan berkas {earlier['file_name']!r} yang sudah diproses pada "
        f"{loaded_at:%d/%m/%Y %H:%M}; tidak dimuat ulang. Bila ingin memperbaiki laporan, ubah isinya lalu unggah kembali."
    )
    feedback = _write_feedback(settings, _duplicate_report(path, note), district_code, None, now, note)
    _move_into_place(path, target)
    return FileOutcome(
        path.name,
        district_code,
        OUT_DUPLICATE,
        str(path),
        earlier["submission_id"],
        str(target),
        str(feedback),
        note,
    )


def _duplicate_report(path: Path, note: str) -> Report:
    report = Report(path=path)
    report.reject("duplicate", note)
    return report


def unique_path(target: Path, taken: set[str] | None = None) -> Path:
    """``name.xlsx``, else ``name_2.xlsx``, ``name_3.xlsx``...: archives are never overwritten."""
    taken = taken or set()
    candidate, n = target, 1
    while candidate.exists() or str(candidate) in taken:
        n += 1
        candidate = target.with_name(f"{target.stem}_{n}{target.suffix}")
    return candidate


def _move_into_place(source: Path, target: Path) -> None:
    """Atomic where it matters: the target is either absent or complete (copy to a hidden
    partial name, then rename), and the inbox copy goes only after that."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.replace(source, target) if not target.exists() else None
        if not source.exists():
            return
    except OSError:
        pass  # another file system: copy below
    partial = target.with_name(f".{target.name}.partial")
    shutil.copy2(source, partial)
    os.replace(partial, target)
    source.unlink()


def _write_feedback(
    settings: Settings, report: Report, district_code: str, path: Path | None, now: datetime, note: str | None
) -> Path:
    """Write the workbook in a hidden scratch folder, then rename it into place: a run killed
    while writing never leaves a half-written feedback file under the name the warehouse
    records (``path``; None: a fresh name)."""
    from rekap.feedback import write_feedback

    district = settings.registry.get(district_code)
    folder = settings.shared_root / FEEDBACK / district_code
    scratch = folder / f".writing-{os.getpid()}"
    written = write_feedback(report, district, scratch, now.astimezone(district.zone), note)
    target = path if path is not None else unique_path(folder / written.name)
    os.replace(written, target)
    shutil.rmtree(scratch, ignore_errors=True)
    return target


def _predicted_feedback_path(settings: Settings, report: Report, district_code: str, now: datetime) -> Path:
    from rekap.feedback import feedback_filename

    district = settings.registry.get(district_code)
    ident = report.identity
    name = feedback_filename(
        district_code,
        ident.year if ident else None,
        ident.month if ident else None,
        now.astimezone(district.zone),
    )
    return unique_path(settings.shared_root / FEEDBACK / district_code / name)


def _received_at(settings: Settings, conn: Connection, path: Path, now: datetime) -> datetime:
    if settings.received_at_source == "mtime":
        return datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
    row = conn.execute(
        text("SELECT first_seen_at FROM inbox_sightings WHERE inbox_path=:p"), {"p": str(path)}
    ).first()
    return as_datetime(row[0]) if row else now


def _load_one(
    settings: Settings,
    path: Path,
    digest: str,
    district_code: str,
    report: Report,
    run_id: str,
    now: datetime,
) -> FileOutcome:
    target_dir = (
        settings.shared_root / (REJECTED_DIR if report.status == REJECTED else ARCHIVE) / district_code
    )
    feedback_path = _predicted_feedback_path(settings, report, district_code, now)
    try:
        with transaction(settings.warehouse_url) as conn:
            taken = {
                r[0]
                for r in conn.execute(
                    text("SELECT stored_path FROM submissions WHERE district_code=:d"), {"d": district_code}
                )
            }
            stored = unique_path(target_dir / path.name, taken)
            received_at = _received_at(settings, conn, path, now)
            submission_id = insert_submission(
                conn,
                settings,
                report,
                digest,
                district_code,
                received_at,
                now,
                str(path),
                str(stored),
                str(feedback_path),
                run_id,
            )
    except WarehouseError as exc:
        if isinstance(exc.__cause__, IntegrityError):  # a concurrent run loaded the same bytes
            earlier = _submission_by_sha(settings, digest)
            if earlier is not None:
                return _finish_known(settings, path, district_code, earlier, now)
        raise
    # Committed: from here on a crash is repaired by the next run (see _finish_known).
    _write_feedback(settings, report, district_code, feedback_path, now, None)
    _move_into_place(path, stored)
    return FileOutcome(
        path.name,
        district_code,
        report.status,
        str(path),
        submission_id,
        str(stored),
        str(feedback_path),
        report.rejection,
        len(report.issues),
        # rejected files carry no month: they change no figure and trigger no consolidation
        year=report.identity.year if report.status != REJECTED else None,
        month=report.identity.month if report.status != REJECTED else None,
    )


# --- the rows of one submission --------------------------------------------------------


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
    feedback_path: str,
    run_id: str,
) -> int:
    """Submission, records and issues of one file, and supersession, in the caller's transaction."""
    from rekap.periods import report_deadline

    sync_registry(conn, settings.registry.districts)
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
        "size": Path(inbox_path).stat().st_size,
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
    conn.execute(
        text(
            "INSERT INTO submissions (sha256, file_name, size_bytes, district_code, claimed_district, year, month,"
            " members, received_at, loaded_at, status, rejection_code, rejection_reason, warnings, deadline_at,"
            " received_on_time, is_current, inbox_path, stored_path, feedback_path, run_id, month_start)"
            " VALUES (:sha, :fn, :size, :d, :cd, :y, :m, :mem, :ra, :la, :st, :rc, :rr, :w, :dl, :ot, 0, :ip, :sp,"
            " :fp, :run, :ms)"
        ),
        params,
    )
    submission_id = conn.execute(
        text("SELECT submission_id FROM submissions WHERE sha256=:h"), {"h": digest}
    ).scalar_one()
    if not accepted:
        return submission_id
    insert_records(conn, submission_id, report)
    supersede(conn, submission_id, district_code, ident.year, ident.month)
    return submission_id


def supersede(conn: Connection, submission_id: int, district_code: str, year: int, month: int) -> None:
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
    return row


def insert_row(conn: Connection, table: str, row: dict[str, Any]) -> None:
    """INSERT with the column list and the parameters both taken from ``row``'s keys."""
    names = ", ".join(row)
    params = ", ".join(f":{name}" for name in row)
    conn.execute(text(f"INSERT INTO {table} ({names}) VALUES ({params})"), row)


def insert_records(conn: Connection, submission_id: int, report: Report) -> None:
    """The records as the district wrote them, and their issues."""
    for kind in vocab.RECORD_KINDS:
        for record in report.records.get(kind, []):
            insert_row(conn, RECORD_TABLES[kind], record_columns(submission_id, record))
    for n, issue in enumerate(report.issues, start=1):
        conn.execute(
            text(
                "INSERT INTO row_issues (submission_id, issue_no, sheet, excel_row, column_name, value, problem,"
                " rule) VALUES (:s, :n, :sh, :r, :c, :v, :p, :ru)"
            ),
            {
                "s": submission_id,
                "n": n,
                "sh": issue.sheet,
                "r": issue.row,
                "c": issue.column,
                "v": issue.value,
                "p": issue.problem,
                "ru": issue.rule or "",
            },
        )


def _store_dq(settings: Settings, run_id: str, scope: str, results, now: datetime) -> None:
    if results:
        with transaction(settings.warehouse_url) as conn:
            insert_dq_results(conn, run_id, scope, results, now)


# --- a whole run -----------------------------------------------------------------------


def summarize(outcomes: list[FileOutcome]) -> dict[str, Any]:
    """Counts per outcome and the files behind them, for the log and the Asset."""
    counts: dict[str, int] = {}
    for o in outcomes:
        counts[o.outcome] = counts.get(o.outcome, 0) + 1
    from rekap.periods import period_containing_month

    loaded = sum(counts.get(k, 0) for k in (OUT_ACCEPTED, OUT_WITH_ISSUES, OUT_REJECTED))
    periods = sorted(
        {period_containing_month(o.year, o.month).period_id for o in outcomes if o.year and o.month}
    )
    return {
        "counts": {
            k: counts.get(k, 0)
            for k in (
                OUT_ACCEPTED,
                OUT_WITH_ISSUES,
                OUT_REJECTED,
                OUT_DUPLICATE,
                OUT_REPAIRED,
                OUT_WAITING,
                OUT_UNKNOWN,
                OUT_BUSY,
            )
        },
        "loaded": loaded,
        "periods": periods,  # consolidation periods that received accepted files
        "files": [o.as_dict() for o in outcomes],
    }


def summary_lines(summary: dict[str, Any]) -> list[str]:
    c = summary["counts"]
    lines = [
        f"accepted {c['accepted']} | with issues {c['accepted_with_issues']} | rejected {c['rejected']} | "
        f"duplicate {c['duplicate']} | repaired {c['repaired']} | waiting {c['waiting']} | "
        f"unknown folder {c['unknown_folder']} | busy {c['busy']}"
    ]
    for f in summary["files"]:
        where = f" -> {f['stored_path']}" if f.get("stored_path") else ""
        why = f" ({f['message']})" if f.get("message") and f["outcome"] != OUT_ACCEPTED else ""
        lines.append(f"  [{f['outcome']}] {f['district_code'] or '-'} {f['file_name']}{where}{why}")
    return lines


def record_run(
    settings: Settings, run_id: str, kind: str, started_at: datetime, summary: dict, status: str
) -> None:
    with transaction(settings.warehouse_url) as conn:
        conn.execute(text("DELETE FROM runs WHERE run_id=:r"), {"r": run_id})
        conn.execute(
            text(
                "INSERT INTO runs (run_id, run_kind, started_at, finished_at, status, summary) VALUES (:r, :k, :s,"
                " :f, :st, :su)"
            ),
            {
                "r": run_id,
                "k": kind,
                "s": started_at,
                "f": datetime.now(UTC),
                "st": status,
                "su": json.dumps(summary, ensure_ascii=False, default=str),
            },
        )


def ingest(settings: Settings, run_id: str | None = None, now: datetime | None = None) -> dict[str, Any]:
    """Scan, process every district, record the run: what ``rekap ingest`` does in one go."""
    from rekap.warehouse import upgrade

    started = datetime.now(UTC)
    now = now or started
    run_id = run_id or f"cli__{started:%Y%m%dT%H%M%S%f}"
    upgrade(settings.warehouse_url)
    ensure_layout(settings.require_shared_root(), sorted(settings.registry.by_code))
    scan = scan_inbox(settings, now)
    outcomes = list(scan.unknown) + list(scan.waiting)
    for district_code, paths in sorted(scan.ready.items()):
        outcomes.extend(process_district(settings, district_code, paths, run_id, now))
    summary = summarize(outcomes)
    record_run(settings, run_id, "ingest", started, summary, "success")
    return summary
