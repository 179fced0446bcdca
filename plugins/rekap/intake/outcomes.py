"""What became of one inbox file in one run (its outcome), and a run's summary of them: what
the log, the run record and the ingest Asset event carry."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from typing import Any

from rekap.drive import display_name

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
