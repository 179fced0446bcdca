"""The scan of inbox/: which files are ready (size and mtime unchanged for ``stable_seconds``),
which are still being copied, and every entry the pipeline does not read, flagged for the
operator. No link is followed; an entry that cannot be read affects only itself."""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text

from rekap.drive import INBOX, drive_folder, is_clean_name
from rekap.intake.files import LOCK_NAME
from rekap.intake.outcomes import (
    OUT_BAD_NAME,
    OUT_IGNORED,
    OUT_SYMLINK,
    OUT_UNKNOWN,
    OUT_UNREADABLE,
    OUT_WAITING,
    FileOutcome,
    flag,
)
from rekap.settings import Settings
from rekap.warehouse import as_datetime, transaction

LIST_CAP = 100  # files listed per foreign folder; the rest are counted
WALK_CAP = 10_000  # entries looked at per foreign folder: a huge tree costs neither time nor log


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
