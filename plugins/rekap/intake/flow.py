"""Intake from the shared drive (domain.md "The shared drive"): scan, load, move, feed back.

The path of one file:
  scan     -> seen in inbox/<district>/, waits until its size and mtime are stable
  check    -> read + GX rules (rekap.report.check), many files per GX call
  load     -> one transaction: submission, records, issues, supersession
  feedback -> feedback/<district>/Umpan_Balik_...xlsx
  move     -> archive/<district>/ or rejected/<district>/ (never overwriting)
A crash anywhere leaves the file in the inbox; the next run recognises its bytes (sha256)
and only finishes what is missing (feedback, move). The same accepted bytes are never loaded
twice (a unique index on sha256 over the accepted submissions); rejected bytes sent again are
processed afresh. One district is processed by one run at a time (a lock file).
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.exc import IntegrityError

from rekap.drive import (
    ARCHIVE,
    FEEDBACK,
    INBOX,
    REJECTED_DIR,
    DriveError,
    display_name,
    drive_folder,
    ensure_layout,
    unique_path,
)
from rekap.intake.files import (
    SCRATCH_PREFIX,
    clean_stale_scratch,
    district_folders,
    district_lock,
    drive_write_error,
    move_into_place,
    sha256_of,
)
from rekap.intake.outcomes import (
    OUT_BUSY,
    OUT_DRIVE_ERROR,
    OUT_DUPLICATE,
    OUT_GONE,
    OUT_REPAIRED,
    OUT_SYMLINK,
    OUT_UNREADABLE,
    FileOutcome,
    flag,
    summarize,
)
from rekap.intake.scan import scan_inbox
from rekap.intake.submissions import insert_submission, record_run, store_dq, submission_by_sha
from rekap.report import vocab
from rekap.report.model import REJECTED, Report
from rekap.settings import Settings
from rekap.warehouse import WarehouseError, as_datetime, transaction


def _inbox_file_problem(path: Path, district_code: str) -> FileOutcome | None:
    """Between scan and process a file may vanish, or be swapped for a link: flagged, not read."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return flag(
            OUT_GONE, path, district_code, "no longer in the inbox (taken by an earlier run, or removed)"
        )
    except OSError as exc:
        return flag(OUT_UNREADABLE, path, district_code, f"cannot be read ({exc.strerror})")
    if stat.S_ISLNK(st.st_mode):
        return flag(
            OUT_SYMLINK,
            path,
            district_code,
            "symbolic link: never followed; put the file itself in the folder",
        )
    if not stat.S_ISREG(st.st_mode):
        return flag(OUT_UNREADABLE, path, district_code, "not a regular file: remove it")
    return None


def process_district(
    settings: Settings, district_code: str, inbox_paths: list[str], run_id: str, now: datetime | None = None
) -> list[FileOutcome]:
    """Check, load, feed back and move the ready files of one district. A bad file is an
    outcome, never an exception; only infrastructure errors (warehouse, drive) raise. A
    DriveError carries the outcomes of the files finished before it (``.outcomes``)."""
    from rekap.report.check import check_files

    now = now or datetime.now(UTC)
    root = settings.require_shared_root()
    registry = settings.registry
    if registry.get(district_code) is None:
        raise ValueError(f"{district_code} is not a district of province {', '.join(settings.provinces)}")
    folders = district_folders(root, district_code)
    with district_lock(folders[INBOX]) as locked:
        if not locked:
            return [
                FileOutcome(
                    Path(p).name, district_code, OUT_BUSY, p, message="another run holds this district"
                )
                for p in inbox_paths
            ]
        clean_stale_scratch(folders[FEEDBACK])
        outcomes: list[FileOutcome] = []
        try:
            fresh: list[tuple[Path, str]] = []
            for p in inbox_paths:
                path = Path(p)
                problem = _inbox_file_problem(path, district_code)
                if problem is None:
                    try:
                        digest = sha256_of(path)
                    except OSError as exc:
                        problem = _unreadable(path, district_code, exc)
                if problem is not None:
                    outcomes.append(problem)
                    continue
                earlier = submission_by_sha(settings, digest)
                if earlier is not None and (earlier["status"] != REJECTED or is_interrupted(earlier, path)):
                    outcomes.append(_finish_known(settings, path, district_code, earlier, now))
                else:
                    fresh.append((path, digest))
            if fresh:
                reports, dq = check_files(
                    [(p, district_code) for p, _ in fresh], registry, now, settings.limits()
                )
                store_dq(settings, run_id, district_code, dq, now)
                for (path, digest), report in zip(fresh, reports, strict=True):
                    try:
                        outcomes.append(_load_one(settings, path, digest, district_code, report, run_id, now))
                    except FileNotFoundError:
                        if os.path.lexists(path):
                            raise
                        outcomes.append(_inbox_file_problem(path, district_code))
        except DriveError as exc:
            exc.outcomes = outcomes
            raise
        return outcomes


def _unreadable(path: Path, district_code: str, exc: OSError) -> FileOutcome:
    if isinstance(exc, FileNotFoundError):
        return _inbox_file_problem(path, district_code)
    if exc.errno == errno.ELOOP:
        return flag(
            OUT_SYMLINK, path, district_code, "symbolic link: never followed; put the file itself there"
        )
    return flag(
        OUT_UNREADABLE,
        path,
        district_code,
        f"cannot be opened ({exc.strerror}): ask the district to copy it again, or fix its permissions",
    )


def is_interrupted(earlier: dict, path: Path) -> bool:
    """A submission committed by a run that stopped before moving its file: the file is still
    at the inbox path the submission records, and its destination does not exist."""
    return earlier["inbox_path"] == str(path) and not Path(earlier["stored_path"]).exists()


def _finish_known(
    settings: Settings, path: Path, district_code: str, earlier: dict, now: datetime
) -> FileOutcome:
    """Bytes already in the warehouse: either our own interrupted load, accepted or rejected
    (finish feedback and move), or accepted bytes dropped again (not loaded twice; told so)."""
    from rekap.intake.rebuild import record_archived
    from rekap.report.check import check_file

    stored = Path(earlier["stored_path"])
    if is_interrupted(earlier, path):
        feedback = Path(earlier["feedback_path"]) if earlier["feedback_path"] else None
        if feedback is not None and not feedback.exists():
            report = check_file(path, settings.registry, now, district_code, settings.limits())
            received_at = as_datetime(earlier["received_at"])
            _write_feedback(settings, report, district_code, feedback, now, None, received_at, path)
        if earlier["status"] != REJECTED:
            record_archived(stored, earlier["sha256"], as_datetime(earlier["received_at"]), path, feedback)
        move_into_place(path, stored)
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
    # ``earlier`` is accepted here: rejected bytes are processed afresh (process_district, _load_one),
    # so the note may say that report is in force
    target = unique_path(settings.shared_root / ARCHIVE / district_code / path.name)
    loaded_at = as_datetime(earlier["loaded_at"]).astimezone(settings.registry.get(district_code).zone)
    note = (
        f"Berkas ini sama persis (isi identik) dengan berkas {earlier['file_name']!r} yang sudah diterima "
        f"sebagai laporan {vocab.month_name(earlier['month'])} {earlier['year']} pada "
        f"{loaded_at:%d/%m/%Y %H:%M}; tidak dimuat ulang. Bila ingin memperbaiki laporan, ubah isinya lalu unggah kembali."
    )
    feedback = _write_feedback(settings, _duplicate_report(path, note), district_code, None, now, note, now)
    move_into_place(path, target)
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


def _write_feedback(
    settings: Settings,
    report: Report,
    district_code: str,
    path: Path | None,
    now: datetime,
    note: str | None,
    received_at: datetime | None = None,
    source: Path | None = None,
) -> Path:
    """Write the workbook in a hidden scratch folder, then rename it into place: a run killed
    while writing never leaves a half-written feedback file under the name the warehouse
    records (``path``; None: a fresh name). With ``source`` (the district's file) and row-level
    issues, the highlighted copy ``Ditandai_…`` is written first and moved beside it. A killed
    run's scratch is cleaned by the next run (clean_stale_scratch)."""
    from rekap.intake.feedback import Timing, write_feedback, write_highlighted

    district = settings.registry.get(district_code)
    root = settings.shared_root
    folder = drive_folder(root, FEEDBACK, district_code)
    scratch = folder / f"{SCRATCH_PREFIX}{os.getpid()}"
    local = now.astimezone(district.zone)
    try:
        if os.path.lexists(scratch):  # ours from a killed run with the same pid, or a planted link
            shutil.rmtree(scratch) if stat.S_ISDIR(os.lstat(scratch).st_mode) else os.unlink(scratch)
        os.mkdir(scratch)
        marked = write_highlighted(report, source, scratch, local) if source is not None else None
        if marked is not None:
            marked_target = unique_path(folder / marked.name)
            os.replace(marked, marked_target)
            marked = marked_target
        written = write_feedback(
            report, district, scratch, local, note, Timing(settings.deadline_day, received_at), marked
        )
        target = path if path is not None else unique_path(folder / written.name)
        if os.path.lexists(target) and stat.S_ISLNK(os.lstat(target).st_mode):
            os.unlink(target)  # the name the warehouse recorded is ours; a link there is not
        os.replace(written, target)
        shutil.rmtree(scratch, ignore_errors=True)
    except OSError as exc:
        raise drive_write_error(root, folder, exc) from None
    return target


def _predicted_feedback_path(settings: Settings, report: Report, district_code: str, now: datetime) -> Path:
    from rekap.intake.feedback import feedback_filename

    district = settings.registry.get(district_code)
    name = feedback_filename(district_code, report, now.astimezone(district.zone))
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
    from rekap.intake.rebuild import record_archived

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
            earlier = submission_by_sha(settings, digest)
            if earlier is not None and earlier["status"] != REJECTED:
                return _finish_known(settings, path, district_code, earlier, now)
        raise
    # Committed: from here on a crash is repaired by the next run (see _finish_known).
    _write_feedback(settings, report, district_code, feedback_path, now, None, received_at, path)
    if report.status != REJECTED:
        # before the move: whatever is in archive/ has its received_at in the manifest
        record_archived(stored, digest, received_at, path, feedback_path)
    move_into_place(path, stored)
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


def ingest(settings: Settings, run_id: str | None = None, now: datetime | None = None) -> dict[str, Any]:
    """Scan, process every district, record the run: what ``rekap ingest`` does in one go."""
    from rekap.warehouse import require_schema

    started = datetime.now(UTC)
    now = now or started
    run_id = run_id or f"cli__{started:%Y%m%dT%H%M%S%f}_{os.getpid()}"  # two runs started at once differ
    root = settings.require_shared_root()  # first: an unmounted share gets nothing written
    require_schema(settings.warehouse_url)  # only `rekap db upgrade` creates or migrates it
    ensure_layout(root, sorted(settings.registry.by_code))
    scan = scan_inbox(settings, now)
    outcomes = list(scan.unknown) + list(scan.waiting)
    for district_code, paths in sorted(scan.ready.items()):
        try:
            outcomes.extend(process_district(settings, district_code, paths, run_id, now))
        except DriveError as exc:  # this district waits; the others go on
            outcomes.extend(drive_error_outcomes(district_code, paths, exc))
    summary = summarize(outcomes)
    failed = summary["counts"][OUT_DRIVE_ERROR]
    record_run(settings, run_id, "ingest", started, summary, "failed" if failed else "success")
    return summary


def drive_error_outcomes(district_code: str, paths: list[str], exc: DriveError) -> list[FileOutcome]:
    """The files a district's drive problem left in the inbox, each with the one-line reason."""
    done = list(getattr(exc, "outcomes", []))
    finished = {o.inbox_path for o in done}
    return done + [
        FileOutcome(display_name(Path(p).name), district_code, OUT_DRIVE_ERROR, p, message=str(exc))
        for p in paths
        if p not in finished
    ]
