"""One file from path to verdict: read it, then run the row-level GX rules on it.

``check_files`` is what both ``rekap validate`` and the intake use, so a district that
checks its file before submitting gets exactly the verdict the pipeline will give.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from rekap.registry import Registry
from rekap.report.model import Report
from rekap.report.opening import Limits
from rekap.report.reader import read_report
from rekap.report.validation import RuleResult, validate_reports


def check_files(
    paths_and_folders: list[tuple[Path, str | None]],
    registry: Registry,
    now: datetime | None = None,
    limits: Limits | None = None,
    contents: Sequence[bytes | None] | None = None,
) -> tuple[list[Report], list[RuleResult]]:
    """Read every file, then validate all accepted ones together (one GX run per kind). The
    GX results are per folder district (``RuleResult.scope``). ``contents``: each file's
    bytes when the caller read them already (None for one read from disk here)."""
    contents = contents if contents is not None else [None] * len(paths_and_folders)
    reports = [
        read_report(path, registry, now, folder, limits, content)
        for (path, folder), content in zip(paths_and_folders, contents, strict=True)
    ]
    scopes = [folder for _, folder in paths_and_folders]
    results = validate_reports(reports, scopes) if any(r.rejection is None for r in reports) else []
    return reports, results


def check_file(
    path: Path,
    registry: Registry,
    now: datetime | None = None,
    folder_district: str | None = None,
    limits: Limits | None = None,
    content: bytes | None = None,
) -> Report:
    reports, _ = check_files([(Path(path), folder_district)], registry, now, limits, [content])
    return reports[0]
