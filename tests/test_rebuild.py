"""`rekap db rebuild`: a lost warehouse rebuilt from archive/ alone gives the same figures and
the same supersession (SQLite and PostgreSQL)."""

from __future__ import annotations

import hashlib
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

from conftest import _postgres_admin
from rekap.cli import main
from rekap.consolidation.consolidate import consolidate_period
from rekap.intake.flow import ingest
from rekap.intake.rebuild import MANIFEST, read_manifest, record_archived
from rekap.periods import parse_period
from rekap.settings import Settings
from rekap.warehouse import as_datetime, engine_for
from sqlalchemy import text
from sqlalchemy.engine import make_url
from test_metrics import WIB, build_drive, drop, settings_for
from workbooks import pleno_row

NOW = datetime(2026, 3, 6, 6, 0, tzinfo=WIB)
MART_SKIP = {"generated_at", "report_path"}


def marts(url: str) -> dict[str, list[tuple]]:
    out = {}
    with engine_for(url).connect() as conn:
        for table, key in (
            ("mart_district_period", "district_code"),
            ("mart_province_period", "province_code"),
        ):
            result = conn.execute(text(f"SELECT * FROM {table} ORDER BY period_id, {key}"))
            cols = [c for c in list(result.keys()) if c not in MART_SKIP]
            out[table] = [tuple((c, row._mapping[c]) for c in cols) for row in result]
    return out


def submissions(url: str) -> list[tuple]:
    """Every accepted submission with what decides the figures, and its supersession links by
    file name (ids may differ)."""
    with engine_for(url).connect() as conn:
        subs = conn.execute(
            text(
                "SELECT submission_id, sha256, file_name, district_code, year, month, status, received_at,"
                " deadline_at, received_on_time, is_current, superseded_by, supersedes, stored_path,"
                " size_bytes FROM submissions WHERE status <> 'rejected'"
            )
        ).all()
        records = {
            t: conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one()
            for t in ("pleno_records", "pencegahan_records", "kelembagaan_records", "row_issues")
        }
    name = {s.submission_id: s.file_name for s in subs}
    return [
        *sorted(
            (
                s.sha256,
                s.file_name,
                s.district_code,
                s.year,
                s.month,
                s.status,
                as_datetime(s.received_at),
                as_datetime(s.deadline_at),
                s.received_on_time,
                s.is_current,
                name.get(s.superseded_by),
                name.get(s.supersedes),
                Path(s.stored_path).name,
                s.size_bytes,
            )
            for s in subs
        ),
        tuple(sorted(records.items())),
    ]


def tree(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "reports" not in p.parts
    }


def drop_the_warehouse(url: str) -> None:
    engine_for(url).dispose()
    if url.startswith("sqlite"):
        path = Path(make_url(url).database)
        for f in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            f.unlink(missing_ok=True)
        return
    name = make_url(url).database
    with _postgres_admin().connect() as conn:
        conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))  # an empty database, as after a restore


def test_rebuild_from_the_archive_gives_the_same_figures(tmp_path, warehouse_url, monkeypatch, capsys):
    root = tmp_path / "drive"
    build_drive(root)  # corrections, a late file, a rejected one (test_metrics)
    settings = settings_for(root, warehouse_url)
    ingest(settings)
    # a correction whose received time is when the pipeline first saw it, not its mtime
    drop(
        root, "3601", "jan_perbaikan.xlsx", datetime(2026, 1, 1, tzinfo=WIB), pleno=[pleno_row(1, NOW.date())]
    )
    first_seen = Settings.from_mapping(
        {
            **{k: str(v) for k, v in _env(root, warehouse_url).items()},
            "REKAP_RECEIVED_AT_SOURCE": "first_seen",
        }
    )
    ingest(first_seen, now=datetime(2026, 2, 20, 8, 30, 15, 123456, tzinfo=UTC))
    # the same bytes dropped again: a duplicate copy lands in archive/ too
    shutil.copy2(root / "archive/3603/jan_revisi.xlsx", root / "inbox/3603/jan_revisi (1).xlsx")
    assert ingest(settings)["counts"]["duplicate"] == 1
    for period in ("2026-B1", "2026-B2"):
        consolidate_period(settings, parse_period(period), now=NOW)
    before = {"marts": marts(warehouse_url), "submissions": submissions(warehouse_url)}
    accepted = len(before["submissions"]) - 1  # the last item is the record counts
    superseded = [s for s in before["submissions"][:-1] if s[10] is not None]
    assert superseded and {s[8] for s in before["submissions"][:-1]} == {0, 1}  # corrections, late files
    files = tree(root)
    # a restore from backup does not keep mtimes: the rebuild must not need them
    for p in (root / "archive").rglob("*.xlsx"):
        os.utime(p, (NOW.timestamp(), NOW.timestamp()))

    drop_the_warehouse(warehouse_url)
    for k, v in _env(root, warehouse_url).items():
        monkeypatch.setenv(k, v)
    assert main(["ingest"]) == 1  # nothing runs on a lost warehouse...
    capsys.readouterr()
    assert main(["db", "rebuild"]) == 0  # ...until it is rebuilt
    out = capsys.readouterr().out
    assert (
        out.splitlines()[0]
        == f"loaded {accepted} | already loaded 0 | duplicate copies skipped 1 | not loaded 0"
    )
    assert "mtime" not in out
    assert tree(root) == files  # nothing moved out of archive/, no new feedback
    assert submissions(warehouse_url) == before["submissions"]
    for period in ("2026-B1", "2026-B2"):
        consolidate_period(settings, parse_period(period), now=NOW)
    assert marts(warehouse_url) == before["marts"]
    assert len(before["marts"]["mart_district_period"]) == 2 * len(settings.registry.districts)

    # a second rebuild is refused in one line; --force adds only what is missing (nothing)
    assert main(["db", "rebuild"]) == 1
    err = capsys.readouterr().err.strip()
    assert f"is not empty ({accepted} submissions)" in err and "\n" not in err
    assert main(["db", "rebuild", "--force"]) == 0
    assert capsys.readouterr().out.startswith(f"loaded 0 | already loaded {accepted} |")


def _env(root: Path, url: str) -> dict[str, str]:
    return {
        "REKAP_SHARED_ROOT": str(root),
        "REKAP_WAREHOUSE_URL": url,
        "REKAP_PROVINCE": "36",
        "REKAP_STABLE_SECONDS": "0",
        "REKAP_RECEIVED_AT_SOURCE": "mtime",
    }


def test_a_torn_manifest_line_is_skipped_and_the_next_one_kept(tmp_path):
    folder = tmp_path / "archive/3603"
    when = datetime(2026, 2, 3, 2, 0, 0, 5, tzinfo=UTC)
    record_archived(folder / "a.xlsx", "aa", when, Path("inbox/3603/a.xlsx"), None)
    with (folder / MANIFEST).open("ab") as fh:
        fh.write(b'{"file": "b.xlsx", "sha2')  # a crash in the middle of a write
    record_archived(folder / "c.xlsx", "cc", when, Path("inbox/3603/c (1).xlsx"), tmp_path / "fb.xlsx")
    entries = read_manifest(folder)
    assert sorted(entries) == ["a.xlsx", "c.xlsx"]
    assert entries["c.xlsx"][1] == {
        "file": "c.xlsx",
        "sha256": "cc",
        "received_at": "2026-02-03T02:00:00.000005+00:00",
        "inbox_name": "c (1).xlsx",
        "feedback": "fb.xlsx",
    }
