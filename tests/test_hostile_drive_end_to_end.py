"""Issue 9's acceptance run: one drive holding every hostile or careless case beside good files,
through the real ``rekap ingest`` command (a separate process, as an operator runs it), on SQLite
and PostgreSQL.

It must end with exit 0, every good file loaded, every bad one with a verdict or a flag for the
operator, nothing created outside the drive; and a second run must change nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from test_intake import rows
from test_reader_hostile import add_cell, control_report, edit_sheet, report_file
from workbooks import pleno_row, set_up_drive, write_report

pytestmark = pytest.mark.slow


def good(path: Path, district: str, month: str = "Januari") -> Path:
    day = 5 if month == "Januari" else 2
    m = 1 if month == "Januari" else 2
    return write_report(path, district=district, month=month, pleno=[pleno_row(1, date(2026, m, day))])


def build_drive(root: Path, outside: Path) -> dict[str, list[str]]:
    """The drive of the issue, and the names of the good files per district."""
    set_up_drive(root)
    inbox = root / "inbox"
    outside.mkdir()
    real = good(outside / "real.xlsx", "3671")
    expected: dict[str, list[str]] = {}

    def keep(path: Path) -> None:
        expected.setdefault(path.parent.name, []).append(path.name)

    # good files, one with a 250-byte name and one with a newline in its name
    keep(good(inbox / "3601/Laporan_3601_Januari.xlsx", "3601"))
    keep(good(inbox / "3601" / ("Laporan_Februari_" + "x" * 228 + ".xlsx"), "3601", "Februari"))
    keep(good(inbox / "3674/Laporan\nFebruari.xlsx", "3674", "Februari"))
    # a 14 KB workbook with a value at XFD1048576: a rejection, not a dead process
    raw = report_file(outside / "huge_source.xlsx", district="3602")
    edit_sheet(raw, inbox / "3602/Laporan_besar.xlsx", "Pleno", lambda xml: add_cell(xml, "XFD1048576"))
    keep(good(inbox / "3602/Laporan_3602.xlsx", "3602", "Februari"))
    # control characters (NUL as Excel stores it) in cells: loaded with a warning
    keep(control_report(inbox / "3603/Laporan_kontrol.xlsx"))
    # a report for another district dropped in the wrong folder
    good(inbox / "3603/Laporan_3604.xlsx", "3604")
    # a name that is not UTF-8, next to a good file
    os.close(os.open(bytes(inbox / "3604") + b"/Laporan_\xff.xlsx", os.O_CREAT | os.O_WRONLY, 0o644))
    keep(good(inbox / "3604/Laporan_3604.xlsx", "3604"))
    # dangling, looping and symlinked reports
    (inbox / "3671/hilang.xlsx").symlink_to(outside / "does-not-exist.xlsx")
    (inbox / "3671/putar.xlsx").symlink_to(inbox / "3671/putar.xlsx")
    (inbox / "3671/tautan.xlsx").symlink_to(real)
    keep(good(inbox / "3671/Laporan_3671.xlsx", "3671"))
    # a planted lock file pointing outside the drive
    (inbox / "3672/.rekap.lock").symlink_to(outside / "created-by-lock")
    keep(good(inbox / "3672/Laporan_3672.xlsx", "3672"))
    # a district folder that is a link to a server tree
    (inbox / "3673").rmdir()
    (inbox / "3673").symlink_to("/usr/share")
    # misplaced, hidden and temporary files
    good(inbox / "Laporan_tanpa_folder.xlsx", "3601")
    good(inbox / "9999/Laporan.xlsx", "3601")
    (inbox / "3674/.tersembunyi.xlsx").write_bytes(b"x")
    (inbox / "3674/~$Laporan.xlsx").write_bytes(b"x")
    # a run killed while writing feedback left its scratch folder
    (root / "feedback/3601/.writing-99999999").mkdir()
    (root / "feedback/3601/.writing-99999999/half.xlsx").write_bytes(b"x")
    (outside / "huge_source.xlsx").unlink()
    return expected


def tree(path: Path) -> dict[str, tuple[int, int] | str]:
    """Every entry under path (links not followed): name -> (size, mtime) or the link target."""
    out: dict[str, tuple[int, int] | str] = {}
    for dirpath, dirnames, filenames in os.walk(path):
        for name in dirnames + filenames:
            full = Path(dirpath) / name
            st = full.lstat()
            out[str(full.relative_to(path))] = (
                os.readlink(full)
                if full.is_symlink()
                else (st.st_size if full.is_file() else -1, st.st_mtime_ns)
            )
    return out


def rekap(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "rekap.cli", *args],
        env={**os.environ, **env},
        capture_output=True,
        timeout=600,
    )


def test_a_hostile_drive_is_ingested_and_a_second_run_changes_nothing(tmp_path, warehouse_url):
    root, outside = tmp_path / "drive", tmp_path / "outside"
    expected = build_drive(root, outside)
    outside_before = tree(outside)
    env = {
        "REKAP_SHARED_ROOT": str(root),
        "REKAP_WAREHOUSE_URL": warehouse_url,
        "REKAP_PROVINCE": "36",
        "REKAP_STABLE_SECONDS": "0",
    }

    first = rekap(env, "ingest", "--json")

    assert first.returncode == 0, first.stderr.decode(errors="replace")
    summary = json.loads(first.stdout)
    by: dict[str, list[dict]] = {}
    for f in summary["files"]:
        by.setdefault(f["outcome"], []).append(f)
    # every good file loaded and archived
    loaded = sorted(
        (f["district_code"], f["file_name"]) for k in ("accepted", "accepted_with_issues") for f in by[k]
    )
    assert loaded == sorted((code, name) for code, names in expected.items() for name in names)
    for f in by["accepted"] + by["accepted_with_issues"]:  # names too long for "_2" are shortened
        stored = Path(f["stored_path"])
        assert stored.is_file() and stored.parent == root / "archive" / f["district_code"]
        assert (
            len(stored.name.encode()) <= 240
            and not (root / "inbox" / f["district_code"] / f["file_name"]).exists()
        )
    accepted = rows(warehouse_url, "SELECT COUNT(*) FROM submissions WHERE status <> 'rejected'")[0][0]
    assert accepted == sum(len(v) for v in expected.values())
    # every bad entry has a verdict or a flag
    assert sorted(f["file_name"] for f in by["rejected"]) == ["Laporan_3604.xlsx", "Laporan_besar.xlsx"]
    assert {f["file_name"] for f in by["symlink"]} == {
        "hilang.xlsx",
        "putar.xlsx",
        "tautan.xlsx",
        ".rekap.lock",
        "3673",
    }
    assert [f["district_code"] for f in by["bad_name"]] == ["3604"]
    assert sorted(f["file_name"] for f in by["unknown_folder"]) == [
        "Laporan.xlsx",
        "Laporan_tanpa_folder.xlsx",
    ]
    assert {f["file_name"] for f in by["ignored"]} >= {".tersembunyi.xlsx", "~$Laporan.xlsx"}
    assert "drive_error" not in by and "unreadable" not in by
    # the huge sheet is refused in Indonesian, and NUL never reached the warehouse
    [huge] = rows(
        warehouse_url,
        "SELECT rejection_code, rejection_reason FROM submissions WHERE file_name = 'Laporan_besar.xlsx'",
    )
    assert (
        huge.rejection_code in ("too_many_columns", "too_many_rows")
        and "unggah kembali" in huge.rejection_reason
    )
    agendas = [r[0] for r in rows(warehouse_url, "SELECT agenda FROM pleno_records")]
    assert not any("\x00" in (a or "") for a in agendas) and "Evaluasi pengawasan" in agendas
    # the newline in a name does not break the operator's log
    text_run = rekap(env, "ingest")
    assert all("\n" not in line for line in text_run.stdout.decode().split("\n"))
    # nothing outside the drive was created or changed; the stale scratch folder is gone
    assert tree(outside) == outside_before
    assert not (root / "feedback/3601/.writing-99999999").exists()

    # a second run (the text run above was the second; this is the third) changes nothing
    before = tree(root)
    count = rows(warehouse_url, "SELECT COUNT(*) FROM submissions")[0][0]
    again = rekap(env, "ingest", "--json")
    assert again.returncode == 0
    assert json.loads(again.stdout)["loaded"] == 0
    assert rows(warehouse_url, "SELECT COUNT(*) FROM submissions")[0][0] == count
    assert tree(root) == before
    assert tree(outside) == outside_before
