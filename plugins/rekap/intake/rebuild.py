"""Rebuild the warehouse from ``archive/`` alone (domain.md: the warehouse is derived data).

Every accepted file stays in ``archive/<kode>/``. What a file cannot tell by itself -- when it
was received, which decides timeliness and the supersession order -- the intake appends to
``archive/<kode>/.rekap-manifest.jsonl`` *before* moving the file there: one JSON line per
archived file (its name there, sha256, received_at, inbox name, feedback name). The file's
mtime is not used for this: copies, backups and restores of a shared drive do not keep it.

``rebuild`` re-reads and re-validates every archived file and loads it, oldest first, at its
recorded received time into an empty warehouse: the same submissions, the same supersession,
so the same figures. It moves no file and writes no feedback (the districts have theirs).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text

from rekap.report.model import REJECTED
from rekap.settings import Settings
from rekap.warehouse import WarehouseError, as_datetime, safe_url, sync_registry, transaction, upgrade

MANIFEST = ".rekap-manifest.jsonl"
NO_ENTRY = 1 << 62  # files without a manifest line sort after those with one at the same time


def record_archived(
    stored: Path, sha256: str, received_at: datetime, inbox_path: Path, feedback: Path | None
) -> None:
    """One manifest line for a file about to be moved to ``stored`` (see record_archived_many)."""
    record_archived_many([(stored, sha256, received_at, inbox_path, feedback)])


def record_archived_many(files: list[tuple[Path, str, datetime, Path, Path | None]]) -> None:
    """The manifest lines of files about to be moved into archive folders (stored path, sha256,
    received time, inbox path, feedback): per folder, a single O_APPEND write of all its lines,
    then one fsync. A crash leaves at most a torn last line, which readers skip and the next
    append starts after. Written again by a repairing run: readers keep the last."""
    by_folder: dict[Path, list[bytes]] = {}
    for stored, sha256, received_at, inbox_path, feedback in files:
        entry = {
            "file": stored.name,
            "sha256": sha256,
            "received_at": received_at.astimezone(UTC).isoformat(),
            "inbox_name": inbox_path.name,
            "feedback": feedback.name if feedback is not None else None,
        }
        by_folder.setdefault(stored.parent, []).append(
            (json.dumps(entry, ensure_ascii=False) + "\n").encode()
        )
    for folder, lines in by_folder.items():
        folder.mkdir(parents=True, exist_ok=True)
        data = b"".join(lines)
        fd = os.open(folder / MANIFEST, os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW, 0o644)
        try:
            size = os.fstat(fd).st_size
            if size and os.pread(fd, 1, size - 1) != b"\n":
                data = b"\n" + data  # after a torn line
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)


def read_manifest(folder: Path) -> dict[str, tuple[int, dict[str, Any]]]:
    """Archive file name -> (line number, entry); unreadable (torn) lines are skipped."""
    path = folder / MANIFEST
    if not path.is_file() or path.is_symlink():
        return {}
    entries: dict[str, tuple[int, dict[str, Any]]] = {}
    for n, line in enumerate(path.read_bytes().splitlines()):
        try:
            entry = json.loads(line)
            entries[entry["file"]] = (n, entry)
        except (ValueError, KeyError, TypeError):
            continue
    return entries


@dataclass
class ArchivedFile:
    path: Path
    sha256: str
    received_at: datetime
    order: int  # the manifest line: the original load order among equal received times
    inbox_name: str
    feedback: str | None
    from_manifest: bool


def plan_district(folder: Path, files: dict[Path, str]) -> list[ArchivedFile]:
    """What to load from one district's archive, oldest first: one file per distinct content
    (a duplicate kept in archive/ is not loaded again), preferring the copy the manifest
    records, at its recorded received time; a file archived before the manifest existed
    falls back to its mtime. ``files`` maps each archived file to its sha256."""
    entries = read_manifest(folder)
    by_sha: dict[str, ArchivedFile] = {}
    for path, digest in sorted(files.items()):
        n, entry = entries.get(path.name, (None, None))
        if entry is not None and entry.get("sha256") == digest:
            candidate = ArchivedFile(
                path,
                digest,
                as_datetime(entry["received_at"]),
                n,
                entry.get("inbox_name") or path.name,
                entry.get("feedback"),
                True,
            )
        else:
            mtime = datetime.fromtimestamp(path.stat().st_mtime_ns // 1000 / 1e6, tz=UTC)
            candidate = ArchivedFile(path, digest, mtime, NO_ENTRY, path.name, None, False)
        kept = by_sha.get(digest)
        if kept is None or _rank(candidate) < _rank(kept):
            by_sha[digest] = candidate
    return sorted(by_sha.values(), key=lambda f: (f.received_at, f.order, f.path.name))


def _rank(f: ArchivedFile) -> tuple:
    return (not f.from_manifest, f.received_at, f.order)


def rebuild(settings: Settings, force: bool = False, now: datetime | None = None) -> dict[str, Any]:
    """Create/upgrade the warehouse and load ``archive/`` into it. Refuses a warehouse that
    already has submissions unless ``force`` (then only bytes not loaded yet are added)."""
    from rekap.drive import ARCHIVE, FEEDBACK, INBOX
    from rekap.intake.files import sha256_of
    from rekap.intake.scan import is_ignored_name
    from rekap.intake.submissions import insert_submission, record_run, store_dq
    from rekap.report.check import check_files

    started = datetime.now(UTC)
    now = now or started
    url = settings.warehouse_url
    root = settings.require_shared_root()
    upgrade(url)
    with transaction(url) as conn:
        existing = conn.execute(text("SELECT COUNT(*) FROM submissions")).scalar_one()
        loaded_before = {
            r[0] for r in conn.execute(text("SELECT sha256 FROM submissions WHERE status <> 'rejected'"))
        }
    if existing and not force:
        raise WarehouseError(
            f"warehouse {safe_url(url)} is not empty ({existing} submissions): a rebuild fills an empty one"
            " (--force adds only the archived files it lacks)"
        )
    run_id = f"rebuild__{started:%Y%m%dT%H%M%S%f}_{os.getpid()}"
    summary: dict[str, Any] = {
        "loaded": 0,
        "already_loaded": 0,
        "duplicates": 0,
        "by_mtime": [],
        "not_loaded": [],
    }
    archive = root / ARCHIVE
    folders = (
        sorted(p for p in archive.iterdir() if p.is_dir() and not p.is_symlink()) if archive.is_dir() else []
    )
    for folder in folders:
        code = folder.name
        if settings.registry.get(code) is None:
            summary["not_loaded"].append(
                f"{folder}: not a district of province {', '.join(settings.provinces)}"
            )
            continue
        files = {
            p: sha256_of(p)
            for p in folder.iterdir()
            if p.is_file() and not p.is_symlink() and not is_ignored_name(p.name)
        }
        plan = plan_district(folder, files)
        summary["duplicates"] += len(files) - len(plan)
        todo = [f for f in plan if f.sha256 not in loaded_before]
        summary["already_loaded"] += len(plan) - len(todo)
        if not todo:
            continue
        reports, dq = check_files([(f.path, code) for f in todo], settings.registry, now, settings.limits())
        store_dq(settings, run_id, dq, now)
        with transaction(url) as conn:  # one district at a time: a failed rebuild resumes with --force
            sync_registry(conn, settings.registry.districts)
            for f, report in zip(todo, reports, strict=True):
                if report.status == REJECTED:
                    summary["not_loaded"].append(f"{f.path}: rejected on re-validation: {report.rejection}")
                    continue
                report.path = root / INBOX / code / f.inbox_name  # the submission keeps its original name
                insert_submission(
                    conn,
                    settings,
                    report,
                    f.sha256,
                    code,
                    f.received_at,
                    now,
                    str(report.path),
                    str(f.path),
                    str(root / FEEDBACK / code / f.feedback) if f.feedback else None,
                    run_id,
                    size_bytes=f.path.stat().st_size,
                )
                summary["loaded"] += 1
                if not f.from_manifest:
                    summary["by_mtime"].append(str(f.path))
    record_run(settings, run_id, "rebuild", started, summary, "success")
    return summary


def summary_lines(summary: dict[str, Any]) -> list[str]:
    lines = [
        f"loaded {summary['loaded']} | already loaded {summary['already_loaded']} | "
        f"duplicate copies skipped {summary['duplicates']} | not loaded {len(summary['not_loaded'])}"
    ]
    lines += [f"  not loaded: {why}" for why in summary["not_loaded"]]
    lines += [f"  received time from the file's mtime (no manifest line): {p}" for p in summary["by_mtime"]]
    return lines
