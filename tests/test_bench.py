"""``make bench`` (bench/run.py): its drive generator and the harness itself, end to end in quick
mode on a small drive (real files, real SQLite warehouse, real Airflow scheduler)."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime

import pytest
from rekap.dev.airflow_local import PROJECT_ROOT
from rekap.dev.bench_drive import (
    CLEAN,
    CORRECTION,
    ISSUES,
    STRAY,
    WORD_DOC,
    WRONG_DISTRICT,
    generate_bench_drive,
)
from rekap.report.check import check_file
from rekap.report.model import ACCEPTED, ACCEPTED_WITH_ISSUES, REJECTED


def test_generated_reports_are_the_districts_own(tmp_path, registry):
    """Every district's report names that district (its folder), so only the deliberate
    rejections are rejected; the same seed gives the same bytes."""
    banten = registry.for_province("36")
    drive = generate_bench_drive(tmp_path / "a", banten, [(2025, 1)])
    again = generate_bench_drive(tmp_path / "b", banten, [(2025, 1)])
    assert [f.path.read_bytes() for f in drive.files] == [f.path.read_bytes() for f in again.files]
    kinds = Counter(f.kind for f in drive.files)
    assert kinds[WRONG_DISTRICT] >= 1 and kinds[WORD_DOC] >= 1 and kinds[STRAY] == 1
    assert kinds[CLEAN] + kinds[ISSUES] + kinds.get("messy", 0) == len(banten.districts)
    now = datetime(2026, 11, 1, tzinfo=UTC)
    for f in drive.files:
        if f.kind == STRAY:
            assert f.path.parent == tmp_path / "a" / "inbox"
            continue
        report = check_file(f.path, banten, now, f.district_code)
        if f.kind in (WRONG_DISTRICT, WORD_DOC):
            assert report.status == REJECTED, f
        else:
            assert report.status in (ACCEPTED, ACCEPTED_WITH_ISSUES), (f, report.rejection)
            assert report.identity.district_code == f.district_code
            assert (report.identity.year, report.identity.month) == (2025, 1)
            assert f.kind != ISSUES or report.status == ACCEPTED_WITH_ISSUES
            assert f.kind != CORRECTION or report.status in (ACCEPTED, ACCEPTED_WITH_ISSUES)
    # the arrival time is the file's modification time (the intake runs with mtime)
    assert all(abs(f.path.stat().st_mtime - f.arrived.timestamp()) < 1 for f in drive.files)


# Every row of the table, in order (the DAG files' rows come from dags/).
ROWS = [
    "Drive generated",
    "Floor: python-calamine",
    "Naive: pandas.read_excel",
    "`rekap ingest` all-in",
    "rekap ingest faster than naive",
    "rekap ingest slower than the floor",
    "No-op re-run",
    "`rekap consolidate` of one period",
    *[f"Import of dags/{p.name}" for p in sorted((PROJECT_ROOT / "dags").glob("*.py"))],
    "A month (small drive) through the real ingest_district_reports DAG",
    "Peak RSS of any process",
]


@pytest.mark.slow
@pytest.mark.airflow
def test_quick_bench_measures_everything_and_writes_the_results(tmp_path):
    results = tmp_path / "RESULTS.md"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.run",
            "--quick",
            "--results",
            str(results),
            "--work",
            str(tmp_path / "w"),
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    output = done.stdout[-4000:] + done.stderr[-4000:]
    # 0: every target met, 1: some missed (named); 2 would be a measure that could not be taken
    assert done.returncode in (0, 1), output
    text = results.read_text()
    table = [line for line in text.splitlines() if line.startswith("| ") and not line.startswith("| Measure")]
    assert len(table) == len(ROWS), text
    for line, name in zip(table, ROWS, strict=True):
        measure, value, target, met, _notes = (cell.strip() for cell in line.strip("|").split("|"))
        assert measure.startswith(name), line
        assert value and value not in ("error", "not measured"), line
        assert met in ("", "yes", "**NO**"), line
        assert (target == "—") == (met == ""), line  # every target is judged, and only targets
    missed = [line.split("|")[1].strip() for line in table if "**NO**" in line]
    assert (done.returncode == 1) == bool(missed), output
    for measure in missed:
        assert measure in done.stderr, output  # the exit names what was missed
    # the month went through the DAG whole, and the intake saw the drive's rejections
    month = next(line for line in table if "through the real" in line)
    files = month.split("| ")[-1].split(" files (")[0]
    assert f"{files} files ({files} processed)" in month, month
    assert "rejected 2" in text and "What the intake made of them" in text
    for heading in (
        "## Machine",
        "## Versions",
        "apache-airflow 3.",
        "great-expectations",
        "pandas",
        "SQLAlchemy",
    ):
        assert heading in text
    assert "Targets missed" in text or "All targets measured were met" in text
