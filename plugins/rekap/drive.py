"""The shared drive itself (domain.md "The shared drive"): its marker, its folders, safe names.

Districts write into the drive, so nothing below the root is trusted: a symbolic link is never
followed, read, moved or written through (``lstat`` before use, ``O_NOFOLLOW`` on open), and a
file name is never assumed to be valid UTF-8 or free of control characters. The root is the
operator's setting and is taken as configured (a symlinked root is allowed).

An unmounted share must not look like an empty drive: the root carries ``.rekap-drive``,
written by ``rekap drive init``; every run checks it before it reads or writes anything.
"""

from __future__ import annotations

import os
import stat
import unicodedata
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path, PurePath

from rekap.settings import SettingsError

INBOX, ARCHIVE, REJECTED_DIR, FEEDBACK, REPORTS = "inbox", "archive", "rejected", "feedback", "reports"
DISTRICT_TOPS = (INBOX, ARCHIVE, REJECTED_DIR, FEEDBACK)
DRIVE_MARKER = ".rekap-drive"
# 255 bytes is the name limit of the usual file systems; the pipeline adds up to 9 bytes
# around a stored name while copying it (".<name>.partial"), so stored names stay under this.
NAME_MAX_BYTES = 240
_LONGEST_SUFFIX = 16  # a "suffix" longer than this is part of the name, not an extension


class DriveError(SettingsError):
    """The drive cannot be used as it is (not set up, a symlink, not writable...): one line
    naming the folder and what to do."""


def relative(root: Path, path: Path) -> str:
    """``archive/3601`` rather than the full mount path: what the operator looks for."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def check_marker(root: Path) -> Path:
    """The root is a set-up rekap drive (it carries the marker); else DriveError, one line."""
    marker = root / DRIVE_MARKER
    try:
        st = os.lstat(marker)
    except FileNotFoundError:
        raise DriveError(
            f"{root} has no {DRIVE_MARKER} marker: the shared drive is not mounted there or was never set up"
            " (rekap drive init); nothing was read or written"
        ) from None
    except OSError as exc:
        raise DriveError(
            f"cannot read {marker} ({exc.strerror}): check that the shared drive is mounted"
        ) from None
    if not stat.S_ISREG(st.st_mode):
        raise DriveError(
            f"{marker} is not a regular file (a symbolic link?): delete it and run rekap drive init"
        )
    return root


def drive_folder(root: Path, *parts: str, created: list[Path] | None = None) -> Path:
    """``root/parts...``, every level a real folder, created when missing (each creation is
    appended to ``created``). A symlink or a file in the way is a DriveError: nothing is ever
    created or written through a link, wherever it points."""
    path = root
    for part in parts:
        path = path / part
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            try:
                os.mkdir(path)  # does not follow: a dangling link in the way is EEXIST
            except FileExistsError:
                st = os.lstat(path)
            except OSError as exc:
                raise DriveError(
                    f"cannot create {relative(root, path)} ({exc.strerror}): give the pipeline write access to"
                    f" {relative(root, path.parent) or root}"
                ) from None
            else:
                if created is not None:
                    created.append(path)
                continue
        except OSError as exc:
            raise DriveError(
                f"cannot read {relative(root, path)} ({exc.strerror}): check the drive"
            ) from None
        if stat.S_ISLNK(st.st_mode):
            raise DriveError(
                f"{relative(root, path)} is a symbolic link: the pipeline never writes through one;"
                " replace it with a real folder"
            )
        if not stat.S_ISDIR(st.st_mode):
            raise DriveError(f"{relative(root, path)} is not a folder: move it away and run rekap drive init")
    return path


def require_writable(root: Path, folder: Path) -> Path:
    """A folder the run will write into: checked before anything is loaded, so a permission
    problem leaves the files in the inbox instead of half-processed."""
    if not os.access(folder, os.W_OK | os.X_OK):
        raise DriveError(
            f"{relative(root, folder)} is not writable by the pipeline (uid {os.geteuid()}): fix the drive"
            " permissions; the files stay in the inbox and the next run takes them"
        )
    return folder


def ensure_layout(root: Path, district_codes: Iterable[str], created: list[Path] | None = None) -> None:
    """The drive's folders; a district folder exists for every registered district. A top-level
    folder that is a symlink stops the run (DriveError); a district's own folder that is one
    is left alone here and stops only that district when it is processed."""
    for top in (*DISTRICT_TOPS, REPORTS):
        drive_folder(root, top, created=created)
    for top in DISTRICT_TOPS:
        for code in district_codes:
            try:
                drive_folder(root, top, code, created=created)
            except DriveError:
                continue


def init_drive(root: Path, district_codes: Iterable[str]) -> list[Path]:
    """``rekap drive init``: the folder layout, then the marker (last, so a layout that failed
    halfway leaves a drive that runs still refuse). Idempotent; returns what it created."""
    if not root.is_dir():
        raise DriveError(f"{root} is not a folder: mount the shared drive (or create the folder) first")
    created: list[Path] = []
    codes = list(district_codes)
    for top in (*DISTRICT_TOPS, REPORTS):
        drive_folder(root, top, created=created)
    for top in DISTRICT_TOPS:
        for code in codes:
            drive_folder(root, top, code, created=created)
    marker = root / DRIVE_MARKER
    if not os.path.lexists(marker):
        fd = os.open(marker, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(
                "rekap shared drive: the pipeline runs only where this file exists (an unmounted share has none).\n"
                f"created {datetime.now(UTC):%Y-%m-%dT%H:%M:%SZ} by rekap drive init; do not delete.\n"
            )
        created.append(marker)
    check_marker(root)
    return created


# --- names -----------------------------------------------------------------------------


def is_clean_name(name: str) -> bool:
    """A name that is valid UTF-8 (os listings carry undecodable bytes as lone surrogates,
    which fail later in the warehouse, JSON and logs)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def display_name(text: str) -> str:
    """A name as it can be stored and shown: bytes that were not UTF-8 as ``\\xNN``."""
    if is_clean_name(text):
        return text
    out = []
    for ch in text:
        code = ord(ch)
        if 0xDC80 <= code <= 0xDCFF:  # surrogateescape of byte code - 0xDC00
            out.append(f"\\x{code - 0xDC00:02x}")
        elif 0xD800 <= code <= 0xDFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(ch)
    return "".join(out)


_ESCAPED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def log_safe(text: str | None) -> str:
    """One log line stays one line: control, format and separator characters escaped (a name
    with a newline or a right-to-left override cannot forge or hide log lines)."""
    if text is None:
        return ""
    out = []
    for ch in display_name(str(text)):
        if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp", "Cs"):
            out.append(_ESCAPED.get(ch) or (f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}"))
        else:
            out.append(ch)
    return "".join(out)


def fit_name(name: str, tag: str = "", limit: int = NAME_MAX_BYTES) -> str:
    """``name`` with ``tag`` before its suffix (``Laporan_2.xlsx``), the stem cut on a character
    boundary so the whole stays within ``limit`` bytes of UTF-8; the suffix is kept."""
    pure = PurePath(name)
    stem, suffix = pure.stem, pure.suffix
    if len(suffix.encode("utf-8")) > _LONGEST_SUFFIX:
        stem, suffix = name, ""
    room = limit - len((tag + suffix).encode("utf-8"))
    if len(stem.encode("utf-8")) > room:
        stem = stem.encode("utf-8")[: max(room, 1)].decode("utf-8", "ignore") or "berkas"
    return f"{stem}{tag}{suffix}"


def unique_path(target: Path, taken: set[str] | None = None) -> Path:
    """``name.xlsx``, else ``name_2.xlsx``, ``name_3.xlsx``...: archives are never overwritten.
    Names are cut to NAME_MAX_BYTES (suffix kept), so a long name sent twice still fits."""
    taken = taken or set()
    candidate, n = target.with_name(fit_name(target.name)), 1
    while os.path.lexists(candidate) or str(candidate) in taken:
        n += 1
        candidate = target.with_name(fit_name(target.name, f"_{n}"))
    return candidate
