"""Intake from the shared drive (domain.md "The shared drive"): scan, load, move, feed back.

The path of one file:
  scan     -> seen in inbox/<district>/, waits until its size and mtime are stable
  check    -> read + GX rules (rekap.report.check): one GX run per record kind for a whole
              chunk of files (FILES_PER_CHECK, across districts)
  load     -> one transaction per chunk: submissions, records, issues, supersession
  feedback -> feedback/<district>/Umpan_Balik_...xlsx
  move     -> archive/<district>/ or rejected/<district>/ (never overwriting)
A crash anywhere leaves the file in the inbox; the next run recognises its bytes (sha256)
and only finishes what is missing (feedback, move). The same accepted bytes are never loaded
twice (a unique index on sha256 over the accepted submissions); rejected bytes sent again are
processed afresh. One district is processed by one run at a time (a lock file).
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, bindparam, text
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
    read_and_hash,
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
from rekap.intake.submissions import (
    insert_records,
    insert_submission_row,
    record_run,
    store_dq,
    submission_by_sha,
    submissions_by_sha,
    supersede,
)
from rekap.report import vocab
from rekap.report.model import REJECTED, Report
from rekap.settings import Settings
from rekap.warehouse import WarehouseError, as_datetime, sync_registry, transaction

# Files checked and loaded together: GX's fixed cost (~0.35 s per suite run) and a transaction
# per chunk, while a chunk's reports stay a few tens of MB in memory.
FILES_PER_CHECK = 1000
# A chunk's files are hashed and kept in memory up to this many bytes in all (a district month
# is ~20 KB: 1,000 of them ~20 MB), so each is read from disk once; beyond it (a chunk of
# unusually big files) the rest are opened again when checked.
KEEP_BYTES_PER_CHUNK = 256 * 1024 * 1024


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


def process_districts(
    settings: Settings,
    ready: Mapping[str, list[str]],
    run_id: str,
    now: datetime | None = None,
) -> list[FileOutcome]:
    """Check, load, feed back and move the ready files of many districts (``ready``: district
    code -> inbox paths), in chunks of up to FILES_PER_CHECK files: one GX run per record
    kind and one warehouse transaction per chunk, so their fixed costs are paid per chunk, not
    per district or file. A bad file is an outcome, never an exception. A district whose drive
    folders cannot be used gets ``drive_error`` outcomes for its files and the others go on;
    only warehouse errors raise."""
    now = now or datetime.now(UTC)
    settings.require_shared_root()
    for code in ready:
        if settings.registry.get(code) is None:
            raise ValueError(f"{code} is not a district of province {', '.join(settings.provinces)}")
    outcomes: list[FileOutcome] = []
    for chunk in chunk_districts(ready, FILES_PER_CHECK):
        outcomes += _process_chunk(settings, chunk, run_id, now)
    return outcomes


def process_district(
    settings: Settings, district_code: str, inbox_paths: list[str], run_id: str, now: datetime | None = None
) -> list[FileOutcome]:
    """The ready files of one district (see process_districts)."""
    return process_districts(settings, {district_code: inbox_paths}, run_id, now)


def chunk_districts(ready: Mapping[str, list[str]], files_per_chunk: int) -> list[dict[str, list[str]]]:
    """Whole districts in code order, each chunk holding up to ``files_per_chunk`` files (a
    district with more is a chunk of its own): a district is always handled in one chunk."""
    chunks: list[dict[str, list[str]]] = []
    current: dict[str, list[str]] = {}
    size = 0
    for code in sorted(ready):
        paths = ready[code]
        if current and size + len(paths) > files_per_chunk:
            chunks.append(current)
            current, size = {}, 0
        current[code] = list(paths)
        size += len(paths)
    if current:
        chunks.append(current)
    return chunks


def split_for_tasks(ready: Mapping[str, list[str]], tasks: int) -> list[dict[str, list[str]]]:
    """Whole districts in code order cut into at most ``tasks`` runs of consecutive codes with
    about equal file counts: one parallel task per batch pays process start and imports once
    for all its districts, and a batch is named by its first and last code."""
    codes = sorted(ready)
    count = max(1, min(tasks, len(codes)))
    left = sum(len(ready[c]) for c in codes)
    batches: list[dict[str, list[str]]] = []
    current: dict[str, list[str]] = {}
    size = 0
    for i, code in enumerate(codes):
        current[code] = list(ready[code])
        size += len(ready[code])
        batches_after = count - len(batches) - 1
        codes_after = len(codes) - i - 1
        if batches_after and (size >= left / (batches_after + 1) or codes_after == batches_after):
            batches.append(current)
            left -= size
            current, size = {}, 0
    if current:
        batches.append(current)
    return batches


@dataclass(eq=False)  # identity: a district's state, used as a key
class _District:
    """One district's files during a chunk, and the drive problem that stopped it, if any."""

    code: str
    paths: list[str]
    outcomes: list[FileOutcome] = field(default_factory=list)
    fresh: list[tuple[Path, str]] = field(default_factory=list)  # (inbox path, sha256) to check and load
    again: list[tuple[Path, str]] = field(default_factory=list)  # same bytes as a fresh file of this chunk
    contents: dict[Path, bytes] = field(default_factory=dict)  # fresh files' hashed bytes, until delivered
    failure: DriveError | None = None

    def result(self) -> list[FileOutcome]:
        if self.failure is None:
            return self.outcomes
        self.failure.outcomes = self.outcomes
        return drive_error_outcomes(self.code, self.paths, self.failure)


@contextlib.contextmanager
def _drive_problem(district: _District) -> Iterator[None]:
    """A drive problem stops this district only: its remaining files wait in the inbox."""
    try:
        yield
    except DriveError as exc:
        district.failure = exc


def _process_chunk(
    settings: Settings, chunk: dict[str, list[str]], run_id: str, now: datetime
) -> list[FileOutcome]:
    from rekap.report.check import check_files

    root = settings.shared_root
    districts = [_District(code, paths) for code, paths in chunk.items()]
    with contextlib.ExitStack() as locks:
        working: list[_District] = []
        for d in districts:
            with _drive_problem(d):
                folders = district_folders(root, d.code)
                if not locks.enter_context(district_lock(folders[INBOX])):
                    d.outcomes = [
                        FileOutcome(
                            Path(p).name, d.code, OUT_BUSY, p, message="another run holds this district"
                        )
                        for p in d.paths
                    ]
                    continue
                clean_stale_scratch(folders[FEEDBACK])
                working.append(d)
        _triage(settings, [d for d in working if d.failure is None], now)
        fresh = [(d, path, digest) for d in working if d.failure is None for path, digest in d.fresh]
        if fresh:
            reports, dq = check_files(
                [(path, d.code) for d, path, _ in fresh],
                settings.registry,
                now,
                settings.limits(),
                [d.contents.get(path) for d, path, _ in fresh],  # kept until delivered: the copy marks them
            )
            _load_chunk(
                settings,
                [(d, path, digest, report) for (d, path, digest), report in zip(fresh, reports, strict=True)],
                dq,
                run_id,
                now,
            )
        for d in working:
            for path, digest in d.again:  # their first copy was loaded (or rejected) just now
                if d.failure is not None:
                    break
                with _drive_problem(d):
                    _process_again(settings, d, path, digest, run_id, now)
    return [o for d in districts for o in d.result()]


def _triage(settings: Settings, districts: list[_District], now: datetime) -> None:
    """Sort each district's files: problems (flagged), bytes the warehouse knows (finished:
    repaired or told duplicate), fresh files to check and load, and further copies of bytes
    that are fresh in this chunk (handled after it, when the first copy is in)."""
    candidates: list[tuple[_District, Path, str]] = []
    contents: dict[Path, bytes] = {}
    budget = KEEP_BYTES_PER_CHUNK  # bytes kept for checking, beyond which files are read again
    max_file_bytes = settings.limits().max_file_bytes
    for d in districts:
        for p in d.paths:
            path = Path(p)
            problem = _inbox_file_problem(path, d.code)
            if problem is None:
                try:
                    digest, content = read_and_hash(path, keep_up_to=min(budget, max_file_bytes))
                except OSError as exc:
                    problem = _unreadable(path, d.code, exc)
            if problem is not None:
                d.outcomes.append(problem)
            else:
                candidates.append((d, path, digest))
                if content is not None:
                    contents[path] = content
                    budget -= len(content)
    with transaction(settings.warehouse_url) as conn:
        known = submissions_by_sha(conn, [digest for _, _, digest in candidates])
    fresh: set[str] = set()
    for d, path, digest in candidates:
        earlier = known.get(digest)
        if d.failure is not None:
            continue
        if earlier is not None and (earlier["status"] != REJECTED or is_interrupted(earlier, path)):
            with _drive_problem(d):
                d.outcomes.append(_finish_known(settings, path, d.code, earlier, now))
        elif digest in fresh:
            d.again.append((path, digest))
        else:
            fresh.add(digest)
            d.fresh.append((path, digest))
            if path in contents:
                d.contents[path] = contents[path]


def _process_again(
    settings: Settings, d: _District, path: Path, digest: str, run_id: str, now: datetime
) -> None:
    """A further copy of bytes loaded earlier in this chunk: a duplicate of an accepted file, or
    checked afresh when the first copy was rejected (rejected bytes are always checked again)."""
    from rekap.report.check import check_file

    try:  # read now, once, never through a link: what is checked is what is hashed
        digest, content = read_and_hash(path, keep_up_to=settings.limits().max_file_bytes)
    except OSError as exc:
        d.outcomes.append(_unreadable(path, d.code, exc))
        return
    earlier = submission_by_sha(settings, digest)
    if earlier is not None and (earlier["status"] != REJECTED or is_interrupted(earlier, path)):
        d.outcomes.append(_finish_known(settings, path, d.code, earlier, now))
        return
    report = check_file(path, settings.registry, now, d.code, settings.limits(), content)
    if content is not None:
        d.contents[path] = content  # for the highlighted copy, until delivered
    _load_one(settings, d, path, digest, report, run_id, now)


@dataclass
class _Loaded:
    """A file committed in the warehouse, waiting for its feedback and move."""

    district: _District
    path: Path
    digest: str
    report: Report
    submission_id: int
    stored: Path
    feedback: Path
    received_at: datetime


def _load_chunk(
    settings: Settings,
    items: list[tuple[_District, Path, str, Report]],
    dq: list,
    run_id: str,
    now: datetime,
) -> None:
    """The checked files of a chunk in one transaction, then each file's feedback and move.
    When a concurrent run committed some of the same bytes meanwhile (the unique index on
    accepted sha256 refuses the whole transaction), the files are loaded one by one instead,
    each finding what the other run did."""
    store_dq(settings, run_id, dq, now)
    try:
        loaded = _commit_chunk(settings, items, run_id, now)
    except WarehouseError as exc:
        if not isinstance(exc.__cause__, IntegrityError):
            raise
        for d, path, digest, report in items:
            if d.failure is None:
                with _drive_problem(d):
                    _load_one(settings, d, path, digest, report, run_id, now)
        return
    _finish_loaded(settings, loaded, now)


def _load_one(
    settings: Settings, d: _District, path: Path, digest: str, report: Report, run_id: str, now: datetime
) -> None:
    """One file in a transaction of its own: the path when a chunk's transaction met a
    concurrent run's commit of the same bytes, and for further copies of a chunk's bytes."""
    try:
        loaded = _commit_chunk(settings, [(d, path, digest, report)], run_id, now)
    except WarehouseError as exc:
        if isinstance(exc.__cause__, IntegrityError):  # a concurrent run loaded the same bytes
            earlier = submission_by_sha(settings, digest)
            if earlier is not None and earlier["status"] != REJECTED:
                d.outcomes.append(_finish_known(settings, path, d.code, earlier, now))
                return
        raise
    _finish_loaded(settings, loaded, now)


def _finish_loaded(settings: Settings, loaded: list[_Loaded], now: datetime) -> None:
    """After the commit: the manifest lines of each district's accepted files (one append and
    fsync per archive folder, before any move: whatever is in archive/ has its received time
    recorded), then each file's feedback and move. A crash here is repaired by the next run
    (_finish_known); a drive problem stops only its district."""
    from rekap.intake.rebuild import record_archived_many

    for d in dict.fromkeys(item.district for item in loaded):
        with _drive_problem(d):
            record_archived_many(
                [
                    (item.stored, item.digest, item.received_at, item.path, item.feedback)
                    for item in loaded
                    if item.district is d and item.report.status != REJECTED
                ]
            )
    for item in loaded:
        d = item.district
        if d.failure is not None:
            continue  # its committed files are finished by the next run (_finish_known)
        with _drive_problem(d):
            try:
                d.outcomes.append(_deliver(settings, item, now))
            except FileNotFoundError:
                if os.path.lexists(item.path):
                    raise
                d.outcomes.append(_inbox_file_problem(item.path, d.code))


def _commit_chunk(
    settings: Settings, items: list[tuple[_District, Path, str, Report]], run_id: str, now: datetime
) -> list[_Loaded]:
    """Submissions, records, issues and supersession of many files: one transaction, one
    statement per record table. Stored and feedback names are reserved here, so two files of
    a chunk never get the same one. A file gone from the inbox since it was read is left out
    (flagged), not allowed to refuse the others."""
    codes = sorted({d.code for d, *_ in items})
    loaded: list[_Loaded] = []
    with transaction(settings.warehouse_url) as conn:
        sync_registry(conn, settings.registry.districts)
        taken = {
            r[0]
            for r in conn.execute(
                text("SELECT stored_path FROM submissions WHERE district_code IN :d").bindparams(
                    bindparam("d", expanding=True)
                ),
                {"d": codes},
            )
        }
        first_seen = _first_seen(settings, conn, [path for _, path, _, _ in items])
        feedback_names: set[str] = set()
        for d, path, digest, report in items:
            try:
                st = os.lstat(path)
            except FileNotFoundError:
                d.outcomes.append(_inbox_file_problem(path, d.code))
                continue
            target_dir = (
                settings.shared_root / (REJECTED_DIR if report.status == REJECTED else ARCHIVE) / d.code
            )
            stored = unique_path(target_dir / path.name, taken)
            taken.add(str(stored))
            feedback = _predicted_feedback_path(settings, report, d.code, now, feedback_names)
            feedback_names.add(str(feedback))
            received_at = _received_at(settings, path, st, first_seen, now)
            submission_id = insert_submission_row(
                conn,
                settings,
                report,
                digest,
                d.code,
                received_at,
                now,
                str(path),
                str(stored),
                str(feedback),
                run_id,
                st.st_size,
            )
            loaded.append(_Loaded(d, path, digest, report, submission_id, stored, feedback, received_at))
        accepted = [item for item in loaded if item.report.status != REJECTED]
        insert_records(conn, [(item.submission_id, item.report) for item in accepted])
        months = {
            (item.district.code, item.report.identity.year, item.report.identity.month) for item in accepted
        }
        for district_code, year, month in sorted(months):
            supersede(conn, district_code, year, month)
    return loaded


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
    content: bytes | None = None,
) -> Path:
    """Write the workbook in a hidden scratch folder, then rename it into place: a run killed
    while writing never leaves a half-written feedback file under the name the warehouse
    records (``path``; None: a fresh name). With ``source`` (the district's file) and row-level
    issues, the highlighted copy ``Ditandai_…`` is written first (from ``content``, the bytes the
    intake checked, when it has them) and moved beside it. A killed
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
        marked = write_highlighted(report, source, scratch, local, content) if source is not None else None
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


def _predicted_feedback_path(
    settings: Settings, report: Report, district_code: str, now: datetime, taken: set[str] | None = None
) -> Path:
    from rekap.intake.feedback import feedback_filename

    district = settings.registry.get(district_code)
    name = feedback_filename(district_code, report, now.astimezone(district.zone))
    return unique_path(settings.shared_root / FEEDBACK / district_code / name, taken)


def _first_seen(settings: Settings, conn: Connection, paths: list[Path]) -> dict[str, datetime]:
    """When the scan first saw each inbox path (its received time), in one query."""
    if settings.received_at_source == "mtime" or not paths:
        return {}
    rows = conn.execute(
        text("SELECT inbox_path, first_seen_at FROM inbox_sightings WHERE inbox_path IN :p").bindparams(
            bindparam("p", expanding=True)
        ),
        {"p": [str(p) for p in paths]},
    )
    return {row[0]: as_datetime(row[1]) for row in rows}


def _received_at(
    settings: Settings, path: Path, st: os.stat_result, first_seen: dict[str, datetime], now: datetime
) -> datetime:
    if settings.received_at_source == "mtime":
        return datetime.fromtimestamp(st.st_mtime, tz=UTC)
    return first_seen.get(str(path), now)


def _deliver(settings: Settings, item: _Loaded, now: datetime) -> FileOutcome:
    """Feedback and move of one committed file (its manifest line is written: _finish_loaded)."""
    report, path, code = item.report, item.path, item.district.code
    content = item.district.contents.pop(path, None)  # the bytes hashed and checked
    _write_feedback(settings, report, code, item.feedback, now, None, item.received_at, path, content)
    move_into_place(path, item.stored)
    return FileOutcome(
        path.name,
        code,
        report.status,
        str(path),
        item.submission_id,
        str(item.stored),
        str(item.feedback),
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
    outcomes += process_districts(settings, scan.ready, run_id, now)
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
