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

import contextlib
import errno
import fcntl
import hashlib
import itertools
import json
import os
import shutil
import stat
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.exc import IntegrityError

from rekap.drive import (  # noqa: F401  (the layout names are also used as rekap.intake.flow.*)
    ARCHIVE,
    FEEDBACK,
    INBOX,
    REJECTED_DIR,
    REPORTS,
    DriveError,
    display_name,
    drive_folder,
    ensure_layout,
    fit_name,
    is_clean_name,
    log_safe,
    relative,
    require_writable,
)
from rekap.report import cells, vocab
from rekap.report.model import REJECTED, Cell, Record, Report
from rekap.settings import Settings
from rekap.warehouse import WarehouseError, as_datetime, insert_dq_results, sync_registry, transaction

LOCK_NAME = ".rekap.lock"
SCRATCH_PREFIX = ".writing-"
STALE_SCRATCH_SECONDS = 30 * 60  # a feedback scratch folder older than this is a killed run's
LIST_CAP = 100  # files listed per foreign folder; the rest are counted
WALK_CAP = 10_000  # entries looked at per foreign folder: a huge tree costs neither time nor log

# Outcomes of one inbox file in one run.
OUT_ACCEPTED = "accepted"
OUT_WITH_ISSUES = "accepted_with_issues"
OUT_REJECTED = "rejected"
OUT_DUPLICATE = "duplicate"  # same bytes as a file already processed: not loaded again
OUT_REPAIRED = "repaired"  # loaded by an earlier, interrupted run: only moved now
OUT_WAITING = "waiting"  # still being copied (not stable yet)
OUT_UNKNOWN = "unknown_folder"  # not in a known district's folder: left in place
OUT_BUSY = "busy"  # another run holds this district
OUT_SYMLINK = "symlink"  # a symbolic link: never followed, read or moved; left in place
OUT_IGNORED = "ignored"  # temporary, lock or hidden file: not read (listed, no alarm)
OUT_BAD_NAME = "bad_name"  # name not valid UTF-8: cannot be stored or reported; left in place
OUT_UNREADABLE = "unreadable"  # cannot be listed or opened (permission, not a regular file...)
OUT_GONE = "gone"  # no longer there when processed (taken by an earlier run, or removed)
OUT_DRIVE_ERROR = "drive_error"  # the district's drive folders cannot be used: its files wait
OUTCOMES = (
    OUT_ACCEPTED,
    OUT_WITH_ISSUES,
    OUT_REJECTED,
    OUT_DUPLICATE,
    OUT_REPAIRED,
    OUT_WAITING,
    OUT_UNKNOWN,
    OUT_BUSY,
    OUT_SYMLINK,
    OUT_IGNORED,
    OUT_BAD_NAME,
    OUT_UNREADABLE,
    OUT_GONE,
    OUT_DRIVE_ERROR,
)


def is_ignored_name(name: str) -> bool:
    """Temporary, lock and hidden files (Office, LibreOffice, copy tools)."""
    return (
        name.startswith((".", "~$"))
        or (name.startswith(".~lock.") and name.endswith("#"))
        or name.lower().endswith((".tmp", ".part", ".crdownload"))
    )


def ignored_message(name: str) -> str:
    if name.startswith("~$") or (name.startswith(".~lock.") and name.endswith("#")):
        return "Office/LibreOffice lock file (the workbook is open somewhere): not read"
    return "temporary or hidden file: not read"


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


def flag(outcome: str, path: str | os.PathLike, district_code: str | None, message: str) -> FileOutcome:
    """An entry left in place for the operator; its name made storable (not valid UTF-8 -> \\xNN)."""
    text = display_name(os.fspath(path))
    return FileOutcome(
        display_name(os.path.basename(os.fspath(path))), district_code, outcome, text, message=message
    )


@dataclass
class ScanResult:
    ready: dict[str, list[str]] = field(default_factory=dict)  # district -> inbox paths
    waiting: list[FileOutcome] = field(default_factory=list)
    # left in place, flagged for the operator: misplaced, symlinks, unreadable, ignored...
    unknown: list[FileOutcome] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ready": self.ready,
            "waiting": [o.as_dict() for o in self.waiting],
            "unknown": [o.as_dict() for o in self.unknown],
        }


# --- scan ------------------------------------------------------------------------------


def _entries(folder: Path, district_code: str | None, flagged: list[FileOutcome]) -> list[os.DirEntry]:
    """A folder's entries by name, never following links; a folder that cannot be listed is
    flagged and affects nothing else."""
    try:
        with os.scandir(folder) as it:
            return sorted(it, key=lambda e: e.name)
    except OSError as exc:
        flagged.append(
            flag(OUT_UNREADABLE, folder, district_code, f"folder cannot be listed ({exc.strerror}): check it")
        )
        return []


def _entry_problem(entry: os.DirEntry, district_code: str | None) -> FileOutcome | None:
    """What makes an inbox entry unusable before it is even looked at: its name or its kind."""
    if not is_clean_name(entry.name):
        return flag(
            OUT_BAD_NAME,
            entry.path,
            district_code,
            "file name is not valid UTF-8 (made on another system?): rename it, e.g. Laporan_<kode>_<bulan>.xlsx",
        )
    if entry.is_symlink():
        return flag(
            OUT_SYMLINK,
            entry.path,
            district_code,
            "symbolic link: never followed; put the file itself in the folder and delete the link",
        )
    return None


def _list_foreign(folder: Path, district_code: str | None, message: str, flagged: list[FileOutcome]) -> None:
    """The files under a folder the pipeline does not read, for the operator: no link is
    followed, at most LIST_CAP are listed and the rest counted (at most WALK_CAP looked at)."""
    listed = more = seen = 0
    stack = [folder]
    while stack and seen < WALK_CAP:
        for entry in _entries(stack.pop(), district_code, flagged):
            seen += 1
            if seen > WALK_CAP:
                break
            with _on_its_own(entry, district_code, flagged):
                problem = _entry_problem(entry, district_code)
                if problem is None and entry.is_dir(follow_symlinks=False):
                    stack.append(Path(entry.path))
                    continue
                if problem is None and is_ignored_name(entry.name):
                    continue
                if listed >= LIST_CAP:
                    more += 1
                    continue
                listed += 1
                flagged.append(problem or flag(OUT_UNKNOWN, entry.path, district_code, message))
    if more or seen > WALK_CAP:
        count = f"{more}+" if seen > WALK_CAP else str(more)
        flagged.append(
            flag(OUT_UNKNOWN, folder, district_code, f"{message}; {count} more entries not listed")
        )


def list_inbox(
    root: Path, known: set[str]
) -> tuple[list[tuple[str, Path, os.stat_result]], list[FileOutcome]]:
    """The regular files in known districts' folders (candidates), and every other entry
    flagged for the operator. Each entry is handled on its own: one that cannot be read,
    named or trusted is flagged and never stops the listing."""
    candidates: list[tuple[str, Path, os.stat_result]] = []
    flagged: list[FileOutcome] = []
    inbox = drive_folder(root, INBOX)
    for entry in _entries(inbox, None, flagged):
        with _on_its_own(entry, None, flagged):
            _list_top(entry, known, candidates, flagged)
    return candidates, flagged


@contextlib.contextmanager
def _on_its_own(entry: os.DirEntry, district_code: str | None, flagged: list[FileOutcome]) -> Iterator[None]:
    """An entry that vanishes or cannot be examined while listed affects only itself."""
    try:
        yield
    except FileNotFoundError:
        pass  # gone while listing: nothing left to report
    except OSError as exc:
        flagged.append(flag(OUT_UNREADABLE, entry.path, district_code, f"cannot be read ({exc.strerror})"))


def _list_top(
    entry: os.DirEntry,
    known: set[str],
    candidates: list[tuple[str, Path, os.stat_result]],
    flagged: list[FileOutcome],
) -> None:
    """One entry of inbox/ itself: a district folder, or something misplaced."""
    problem = _entry_problem(entry, entry.name if entry.name in known else None)
    if problem is not None:
        flagged.append(problem)
    elif is_ignored_name(entry.name):
        flagged.append(flag(OUT_IGNORED, entry.path, None, ignored_message(entry.name)))
    elif entry.is_file(follow_symlinks=False):
        flagged.append(
            flag(OUT_UNKNOWN, entry.path, None, "file directly in inbox/: move it into its district's folder")
        )
    elif not entry.is_dir(follow_symlinks=False):
        flagged.append(flag(OUT_UNREADABLE, entry.path, None, "not a file or folder: remove it"))
    elif entry.name not in known:
        _list_foreign(
            Path(entry.path), None, f"folder {entry.name!r} is not a district of this province", flagged
        )
    else:
        _list_district(entry.name, Path(entry.path), candidates, flagged)


def _list_district(
    code: str,
    folder: Path,
    candidates: list[tuple[str, Path, os.stat_result]],
    flagged: list[FileOutcome],
) -> None:
    for item in _entries(folder, code, flagged):
        with _on_its_own(item, code, flagged):
            _list_district_entry(code, item, candidates, flagged)


def _list_district_entry(
    code: str,
    item: os.DirEntry,
    candidates: list[tuple[str, Path, os.stat_result]],
    flagged: list[FileOutcome],
) -> None:
    problem = _entry_problem(item, code)
    if problem is not None:
        flagged.append(problem)
        return
    st = item.stat(follow_symlinks=False)
    if item.name == LOCK_NAME and stat.S_ISREG(st.st_mode):
        return  # the pipeline's own lock file
    if is_ignored_name(item.name):
        flagged.append(flag(OUT_IGNORED, item.path, code, ignored_message(item.name)))
    elif stat.S_ISDIR(st.st_mode):
        _list_foreign(
            Path(item.path),
            code,
            "sub-folders are not read: put the file directly in the district folder",
            flagged,
        )
    elif stat.S_ISREG(st.st_mode):
        candidates.append((code, Path(item.path), st))
    else:
        flagged.append(flag(OUT_UNREADABLE, item.path, code, "not a regular file: remove it"))


def scan_inbox(settings: Settings, now: datetime | None = None) -> ScanResult:
    """Which inbox files are ready, which are still being copied, which are misplaced.

    Stability is judged from what earlier scans saw (``inbox_sightings``): a file is ready
    once its size and mtime have not changed for ``stable_seconds``."""
    now = now or datetime.now(UTC)
    root = settings.require_shared_root()
    known = set(settings.registry.by_code)
    result = ScanResult()
    candidates, result.unknown = list_inbox(root, known)

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
                # a run scanning at the same time may have inserted it meanwhile: its sighting stands
                conn.execute(
                    text(
                        "INSERT INTO inbox_sightings (inbox_path, size_bytes, mtime_ns, first_seen_at, stable_since)"
                        " VALUES (:p, :s, :m, :t, :t) ON CONFLICT (inbox_path) DO NOTHING"
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


def _open_lock_file(folder: Path, dir_fd: int) -> int:
    """The lock file, opened relative to its folder and never through a link. A link planted
    under the pipeline's own lock name is removed (the link itself, never its target; the scan
    flags it for the operator) so one careless or hostile district cannot hold its own files
    back for good."""

    def open_it() -> int:
        flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
        try:
            return os.open(LOCK_NAME, flags, 0o664, dir_fd=dir_fd)
        except OSError as exc:
            raise DriveError(
                f"{folder / LOCK_NAME} cannot be opened ({exc.strerror}): delete it; the district's "
                "files wait until then"
            ) from exc

    try:
        return open_it()
    except DriveError as exc:
        planted_link = isinstance(exc.__cause__, OSError) and exc.__cause__.errno == errno.ELOOP
        if not (planted_link and stat.S_ISLNK(os.lstat(LOCK_NAME, dir_fd=dir_fd).st_mode)):
            raise
    os.unlink(LOCK_NAME, dir_fd=dir_fd)
    return open_it()


@contextlib.contextmanager
def district_lock(folder: Path) -> Iterator[bool]:
    """Yields False when another run is processing this district right now. The lock file is
    opened relative to the folder and never through a link (a district can write there)."""
    try:
        dir_fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as exc:
        raise DriveError(f"cannot open the folder {folder} ({exc.strerror}): check the drive") from None
    try:
        fd = _open_lock_file(folder, dir_fd)
    finally:
        os.close(dir_fd)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise DriveError(f"{folder / LOCK_NAME} is not a regular file: delete it")
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def sha256_of(path: Path) -> str:
    """Never through a link: a file swapped for one after the scan raises (ELOOP)."""
    digest = hashlib.sha256()
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def district_folders(root: Path, district_code: str) -> dict[str, Path]:
    """The district's four folders, each a real folder (never a link) the run can write:
    checked before anything is loaded, so a drive problem leaves every file in the inbox."""
    folders = {
        top: drive_folder(root, top, district_code) for top in (INBOX, ARCHIVE, REJECTED_DIR, FEEDBACK)
    }
    for folder in folders.values():
        require_writable(root, folder)
    return folders


def clean_stale_scratch(feedback_folder: Path, now: float | None = None) -> list[str]:
    """Remove the ``.writing-<pid>`` folders a killed run left in ``feedback/<district>/``: those
    whose process is not alive here, or older than STALE_SCRATCH_SECONDS (a run on another
    host). Called under the district lock, so no live run of this district writes there."""
    now = time.time() if now is None else now
    removed = []
    with os.scandir(feedback_folder) as it:
        entries = [e for e in it if e.name.startswith(SCRATCH_PREFIX)]
    for entry in entries:
        try:
            st = entry.stat(follow_symlinks=False)
            pid = entry.name.removeprefix(SCRATCH_PREFIX)
            alive = pid.isdigit() and _pid_alive(int(pid)) and int(pid) != os.getpid()
            if alive and now - st.st_mtime < STALE_SCRATCH_SECONDS:
                continue
            if stat.S_ISDIR(st.st_mode):
                shutil.rmtree(entry.path)  # rmtree never follows links inside
            else:
                os.unlink(entry.path)  # a link or a file: removed, its target untouched
            removed.append(entry.name)
        except FileNotFoundError:
            continue
    return removed


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


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
        raise ValueError(f"{district_code} is not a district of province {settings.province_code}")
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
                earlier = _submission_by_sha(settings, digest)
                if earlier is not None and (earlier["status"] != REJECTED or is_interrupted(earlier, path)):
                    outcomes.append(_finish_known(settings, path, district_code, earlier, now))
                else:
                    fresh.append((path, digest))
            if fresh:
                reports, dq = check_files(
                    [(p, district_code) for p, _ in fresh], registry, now, settings.limits()
                )
                _store_dq(settings, run_id, district_code, dq, now)
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


def _submission_by_sha(settings: Settings, digest: str) -> dict | None:
    """The accepted submission of these bytes (at most one), else the latest rejected one."""
    with transaction(settings.warehouse_url) as conn:
        row = (
            conn.execute(
                text(
                    "SELECT submission_id, sha256, status, inbox_path, stored_path, feedback_path, received_at,"
                    " loaded_at, file_name, year, month FROM submissions WHERE sha256=:h"
                    " ORDER BY CASE WHEN status = 'rejected' THEN 1 ELSE 0 END, submission_id DESC"
                ),
                {"h": digest},
            )
            .mappings()
            .first()
        )
    return dict(row) if row else None


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
    """``name.xlsx``, else ``name_2.xlsx``, ``name_3.xlsx``...: archives are never overwritten.
    Names are cut to NAME_MAX_BYTES (suffix kept), so a long name sent twice still fits."""
    taken = taken or set()
    candidate, n = target.with_name(fit_name(target.name)), 1
    while os.path.lexists(candidate) or str(candidate) in taken:
        n += 1
        candidate = target.with_name(fit_name(target.name, f"_{n}"))
    return candidate


def _move_into_place(source: Path, target: Path) -> None:
    """Atomic where it matters: the target is either absent or complete (copy to a hidden
    partial name, then rename), and the inbox copy goes only after that. Never overwrites
    (the district lock keeps other runs out of the district's folders meanwhile), never
    moves a link, never writes through one."""
    root = target.parents[2]  # <root>/<archive|rejected>/<district>/<name>
    folder = drive_folder(root, target.parent.parent.name, target.parent.name)
    try:
        if stat.S_ISLNK(os.lstat(source).st_mode):
            raise DriveError(f"{source} became a symbolic link while processed: delete it")
        if os.path.lexists(target):
            raise DriveError(
                f"{relative(root, target)} already exists and is never overwritten: move it away; the file stays"
                " in the inbox and the next run finishes it"
            )
        try:
            os.rename(source, target)
            return
        except OSError as exc:
            if exc.errno != errno.EXDEV:
                raise
        # another file system: copy (the source opened without following links), then rename
        partial = target.with_name(f".{target.name}.partial")
        with contextlib.suppress(FileNotFoundError):
            os.unlink(partial)  # a leftover, or a link planted there: removed, never written through
        fd = os.open(source, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        with os.fdopen(fd, "rb") as src:
            out = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
            with os.fdopen(out, "wb") as dst:
                shutil.copyfileobj(src, dst)
        shutil.copystat(source, partial, follow_symlinks=False)
        if os.path.lexists(target):
            os.unlink(partial)
            raise DriveError(f"{relative(root, target)} appeared while copying: not overwritten; re-run")
        os.replace(partial, target)
        source.unlink()
    except DriveError:
        raise
    except OSError as exc:
        raise _drive_write_error(root, folder, exc) from None


def _drive_write_error(root: Path, folder: Path, exc: OSError) -> DriveError:
    return DriveError(
        f"cannot write in {relative(root, folder)} ({exc.strerror}): give the pipeline write access to it;"
        " the file stays in the inbox and the next run finishes it"
    )


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
        raise _drive_write_error(root, folder, exc) from None
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
            earlier = _submission_by_sha(settings, digest)
            if earlier is not None and earlier["status"] != REJECTED:
                return _finish_known(settings, path, district_code, earlier, now)
        raise
    # Committed: from here on a crash is repaired by the next run (see _finish_known).
    _write_feedback(settings, report, district_code, feedback_path, now, None, received_at, path)
    if report.status != REJECTED:
        # before the move: whatever is in archive/ has its received_at in the manifest
        record_archived(stored, digest, received_at, path, feedback_path)
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
    feedback_path: str | None,
    run_id: str,
    size_bytes: int | None = None,
) -> int:
    """Submission, records and issues of one file, and supersession, in the caller's transaction.
    ``size_bytes`` defaults to the size of the file at ``inbox_path`` (a rebuild passes it)."""
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
    submission_id = conn.execute(
        text(
            "INSERT INTO submissions (sha256, file_name, size_bytes, district_code, claimed_district, year, month,"
            " members, received_at, loaded_at, status, rejection_code, rejection_reason, warnings, deadline_at,"
            " received_on_time, is_current, inbox_path, stored_path, feedback_path, run_id, month_start)"
            " VALUES (:sha, :fn, :size, :d, :cd, :y, :m, :mem, :ra, :la, :st, :rc, :rr, :w, :dl, :ot, 0, :ip, :sp,"
            " :fp, :run, :ms) RETURNING submission_id"
        ),
        params,
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
        "counts": {k: counts.get(k, 0) for k in OUTCOMES},
        "loaded": loaded,
        "periods": periods,  # consolidation periods that received accepted files
        "files": [o.as_dict() for o in outcomes],
    }


def summary_lines(summary: dict[str, Any]) -> list[str]:
    """The run for the log: one line of counts, then one line per file (names escaped, so a
    newline or control character in a file name cannot break or forge a line)."""
    c = summary["counts"]
    head = (
        f"accepted {c['accepted']} | with issues {c['accepted_with_issues']} | rejected {c['rejected']} | "
        f"duplicate {c['duplicate']} | repaired {c['repaired']} | waiting {c['waiting']} | "
        f"unknown folder {c['unknown_folder']} | busy {c['busy']}"
    )
    # the newer outcomes only when they happened, so the usual line stays as operators know it
    extra = [f"{k.replace('_', ' ')} {c[k]}" for k in OUTCOMES[8:] if c.get(k)]
    lines = [" | ".join([head, *extra])]
    for f in summary["files"]:
        where = f" -> {log_safe(f['stored_path'])}" if f.get("stored_path") else ""
        why = f" ({log_safe(f['message'])})" if f.get("message") and f["outcome"] != OUT_ACCEPTED else ""
        lines.append(
            f"  [{f['outcome']}] {log_safe(f['district_code']) or '-'} {log_safe(f['file_name'])}{where}{why}"
        )
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
