"""One district's files on the drive during intake: the district lock, a file's hash, the
atomic move into archive/ or rejected/, and the scratch a killed run left. Never through a link:
districts write into these folders."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import os
import shutil
import stat
import time
from collections.abc import Iterator
from pathlib import Path

from rekap.drive import (
    ARCHIVE,
    FEEDBACK,
    INBOX,
    REJECTED_DIR,
    DriveError,
    drive_folder,
    relative,
    require_writable,
)

LOCK_NAME = ".rekap.lock"
SCRATCH_PREFIX = ".writing-"
STALE_SCRATCH_SECONDS = 30 * 60  # a feedback scratch folder older than this is a killed run's


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
    return read_and_hash(path, keep_up_to=-1)[0]


def read_and_hash(path: Path, keep_up_to: int) -> tuple[str, bytes | None]:
    """The file's sha256 and, when it has at most ``keep_up_to`` bytes, those bytes: the intake
    reads and checks the very bytes it hashed, without opening the file again. Never through a
    link: a file swapped for one after the scan raises (ELOOP)."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fh.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        if info.st_size <= keep_up_to:
            content = fh.read(info.st_size + 1)  # one byte more shows a file still growing ...
            if info.st_size < len(content) <= keep_up_to:  # ... whose rest is read up to the limit
                content += fh.read(keep_up_to + 1 - len(content))
            if len(content) <= keep_up_to:
                return hashlib.sha256(content).hexdigest(), content
            fh.seek(0)
        digest = hashlib.sha256()
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest(), None


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


def move_into_place(source: Path, target: Path) -> None:
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
        raise drive_write_error(root, folder, exc) from None


def drive_write_error(root: Path, folder: Path, exc: OSError) -> DriveError:
    return DriveError(
        f"cannot write in {relative(root, folder)} ({exc.strerror}): give the pipeline write access to it;"
        " the file stays in the inbox and the next run finishes it"
    )
