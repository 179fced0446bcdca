"""Intake from a real shared-drive folder into a real warehouse (SQLite and PostgreSQL)."""

from __future__ import annotations

import os
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from rekap.consolidation.metrics import staging_rows
from rekap.intake.flow import ingest
from rekap.intake.scan import is_ignored_name
from rekap.settings import Settings
from rekap.warehouse import engine_for, transaction
from sqlalchemy import text
from workbooks import pencegahan_row, pleno_row, set_up_drive, write_report


def make_settings(root: Path, url: str, **extra: str) -> Settings:
    """Settings for a drive at ``root``, set up the way ``rekap drive init`` does it."""
    set_up_drive(root)
    env = {
        "REKAP_SHARED_ROOT": str(root),
        "REKAP_WAREHOUSE_URL": url,
        "REKAP_PROVINCE": "36",
        "REKAP_STABLE_SECONDS": "0",
        **extra,
    }
    return Settings.from_mapping(env)


def rows(url: str, sql: str, **params) -> list:
    with engine_for(url).connect() as conn:
        return conn.execute(text(sql), params).all()


def good_report(path: Path, district: str = "3603", month: str = "Januari", extra_pleno: int = 0) -> Path:
    plenos = [pleno_row(i, date(2026, 1, 5) + timedelta(days=7 * (i - 1))) for i in range(1, 5 + extra_pleno)]
    return write_report(
        path, district=district, month=month, pleno=plenos, pencegahan=[pencegahan_row(1, date(2026, 1, 8))]
    )


def set_mtime(path: Path, when: datetime) -> None:
    os.utime(path, (when.timestamp(), when.timestamp()))


def test_ignored_names():
    for name in ("~$Laporan.xlsx", ".~lock.Laporan.xlsx#", "copy.tmp", ".hidden.xlsx", "x.xlsx.part"):
        assert is_ignored_name(name), name
    assert not is_ignored_name("Laporan_3603_2026-01.xlsx")


def test_run_loads_moves_and_feeds_back(tmp_path, warehouse_url):
    root = tmp_path / "drive"
    good_report(root / "inbox/3603/Laporan_3603_2026-01.xlsx")
    write_report(root / "inbox/3601/titipan.xlsx", district="3602", pleno=[pleno_row(1, date(2026, 1, 5))])
    (root / "inbox/3603/~$Laporan_3603_2026-01.xlsx").write_bytes(b"lock")
    (root / "inbox/stray.xlsx").write_bytes(b"x")
    (root / "inbox/9999").mkdir(parents=True)
    (root / "inbox/9999/lost.xlsx").write_bytes(b"x")

    summary = ingest(make_settings(root, warehouse_url))

    c = summary["counts"]
    assert (c["accepted"], c["rejected"], c["unknown_folder"]) == (1, 1, 2)
    assert (root / "archive/3603/Laporan_3603_2026-01.xlsx").is_file()
    assert (root / "rejected/3601/titipan.xlsx").is_file()
    assert not (root / "inbox/3603/Laporan_3603_2026-01.xlsx").exists()
    assert (root / "inbox/3603/~$Laporan_3603_2026-01.xlsx").exists()  # lock files are not touched
    assert (root / "inbox/stray.xlsx").exists() and (root / "inbox/9999/lost.xlsx").exists()
    assert len(list((root / "feedback/3603").glob("Umpan_Balik_3603_2026-01_*.xlsx"))) == 1
    assert len(list((root / "feedback/3601").glob("Umpan_Balik_3601_*.xlsx"))) == 1

    subs = rows(
        warehouse_url,
        "SELECT district_code, claimed_district, year, month, status, is_current, stored_path,"
        " rejection_code FROM submissions ORDER BY district_code",
    )
    assert [
        (s.district_code, s.claimed_district, s.status, s.is_current, s.rejection_code) for s in subs
    ] == [
        ("3601", "3602", "rejected", 0, "wrong_district"),
        ("3603", "3603", "accepted", 1, None),
    ]
    assert subs[1].year == 2026 and subs[1].month == 1
    # the records as the staging SQL reads them (quorum and filled cells are derived there)
    with transaction(warehouse_url) as conn:
        plenos = staging_rows(conn, "pleno")
    assert [p["excel_row"] for p in plenos] == [2, 3, 4, 5]  # the header is row 1 of sheet Pleno
    assert all(p["is_quorate"] == 1 and p["filled_cells"] == 7 == p["required_cells"] for p in plenos)
    # the GX row rules' results of the run are stored per district (the accepted file's 4 plenos)
    dq = rows(
        warehouse_url,
        "SELECT suite, scope, COUNT(*) AS n, SUM(unexpected_count) AS bad, MIN(element_count) AS rows_checked"
        " FROM dq_results GROUP BY suite, scope ORDER BY suite",
    )
    assert [(d.suite, d.scope, d.bad) for d in dq] == [("pencegahan", "3603", 0), ("pleno", "3603", 0)]
    assert dq[1].rows_checked == 4 and dq[1].n >= 10  # every expectation of the pleno suite


def test_same_bytes_twice_are_not_loaded_twice(tmp_path, warehouse_url):
    root = tmp_path / "drive"
    first = good_report(root / "inbox/3603/Laporan.xlsx")
    copy = tmp_path / "copy.xlsx"
    shutil.copy(first, copy)
    settings = make_settings(root, warehouse_url)
    ingest(settings)
    shutil.copy(copy, root / "inbox/3603/Laporan (1).xlsx")
    summary = ingest(settings)
    assert summary["counts"]["duplicate"] == 1 and summary["loaded"] == 0
    assert rows(warehouse_url, "SELECT COUNT(*) FROM submissions")[0][0] == 1
    assert rows(warehouse_url, "SELECT COUNT(*) FROM pleno_records")[0][0] == 4
    # kept, never overwriting the first one, and the district is told
    assert (root / "archive/3603/Laporan.xlsx").is_file() and (
        root / "archive/3603/Laporan (1).xlsx"
    ).is_file()
    assert len(list((root / "feedback/3603").glob("*.xlsx"))) == 2


def test_correction_supersedes_and_history_stays(tmp_path, warehouse_url):
    root = tmp_path / "drive"
    zone = UTC
    first = good_report(root / "inbox/3603/Laporan.xlsx")
    later = good_report(root / "inbox/3603/Laporan_revisi.xlsx", extra_pleno=1)
    set_mtime(first, datetime(2026, 2, 3, 2, 0, tzinfo=zone))
    set_mtime(later, datetime(2026, 2, 8, 2, 0, tzinfo=zone))
    ingest(make_settings(root, warehouse_url, REKAP_RECEIVED_AT_SOURCE="mtime"))
    subs = rows(
        warehouse_url,
        "SELECT submission_id, file_name, is_current, superseded_by, supersedes,"
        " received_on_time FROM submissions ORDER BY received_at",
    )
    assert [s.file_name for s in subs] == ["Laporan.xlsx", "Laporan_revisi.xlsx"]
    assert (subs[0].is_current, subs[0].superseded_by) == (0, subs[1].submission_id)
    assert (subs[1].is_current, subs[1].supersedes) == (1, subs[0].submission_id)
    # on time is judged per file here; the metric takes the first accepted one
    assert (subs[0].received_on_time, subs[1].received_on_time) == (1, 0)
    # both files' records stay in the warehouse
    assert rows(warehouse_url, "SELECT COUNT(*) FROM pleno_records")[0][0] == 4 + 5


def test_an_older_file_processed_later_does_not_become_current(tmp_path, warehouse_url):
    root = tmp_path / "drive"
    settings = make_settings(root, warehouse_url, REKAP_RECEIVED_AT_SOURCE="mtime")
    newer = good_report(root / "inbox/3603/b.xlsx", extra_pleno=1)
    set_mtime(newer, datetime(2026, 2, 8, tzinfo=UTC))
    ingest(settings)
    older = good_report(root / "inbox/3603/a.xlsx")
    set_mtime(older, datetime(2026, 2, 3, tzinfo=UTC))
    ingest(settings)
    current = rows(warehouse_url, "SELECT file_name FROM submissions WHERE is_current=1")
    assert [c.file_name for c in current] == ["b.xlsx"]


def test_stability_window_waits_for_a_file_still_being_copied(tmp_path, warehouse_url):
    root = tmp_path / "drive"
    path = good_report(root / "inbox/3603/Laporan.xlsx")
    settings = make_settings(root, warehouse_url, REKAP_STABLE_SECONDS="60")
    t0 = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
    first = ingest(settings, now=t0)
    assert first["counts"]["waiting"] == 1 and path.exists()
    # the copy goes on: size changes, the clock restarts
    with path.open("ab") as fh:
        fh.write(b"\0")
    second = ingest(settings, now=t0 + timedelta(seconds=61))
    assert second["counts"]["waiting"] == 1
    path.write_bytes(path.read_bytes()[:-1])  # the copy finished
    good_report(path)
    third = ingest(settings, now=t0 + timedelta(seconds=122))
    assert third["counts"]["waiting"] == 1  # changed again at 122 s
    fourth = ingest(settings, now=t0 + timedelta(seconds=190))
    assert fourth["counts"]["accepted"] == 1
    # received_at is when the pipeline first saw the file, not when it was taken
    received = rows(warehouse_url, "SELECT received_at FROM submissions")[0][0]
    from rekap.warehouse import as_datetime

    assert as_datetime(received) == t0


def test_archive_name_collision_gets_a_suffix(tmp_path, warehouse_url):
    root = tmp_path / "drive"
    settings = make_settings(root, warehouse_url)
    good_report(root / "inbox/3603/Laporan.xlsx")
    ingest(settings)
    good_report(root / "inbox/3603/Laporan.xlsx", extra_pleno=2)  # other bytes, same name
    ingest(settings)
    archived = sorted(p.name for p in (root / "archive/3603").iterdir() if not p.name.startswith("."))
    assert archived == ["Laporan.xlsx", "Laporan_2.xlsx"]  # beside the hidden rebuild manifest
    stored = rows(warehouse_url, "SELECT stored_path FROM submissions ORDER BY submission_id")
    assert [Path(s[0]).name for s in stored] == ["Laporan.xlsx", "Laporan_2.xlsx"]


def test_interrupted_load_is_finished_by_the_next_run(tmp_path, warehouse_url):
    """The state a crash between commit and move leaves: loaded, but still in the inbox."""
    root = tmp_path / "drive"
    settings = make_settings(root, warehouse_url)
    path = good_report(root / "inbox/3603/Laporan.xlsx")
    keep = path.read_bytes()
    ingest(settings)
    archived = root / "archive/3603/Laporan.xlsx"
    archived.unlink()
    for f in (root / "feedback/3603").iterdir():
        f.unlink()
    path.write_bytes(keep)
    summary = ingest(settings)
    assert summary["counts"]["repaired"] == 1 and summary["loaded"] == 0
    assert archived.is_file() and not path.exists()
    assert len(list((root / "feedback/3603").iterdir())) == 1
    assert rows(warehouse_url, "SELECT COUNT(*) FROM submissions")[0][0] == 1


def test_wrong_settings_stop_with_one_line(tmp_path, capsys):
    from rekap.cli import main

    os.environ.pop("REKAP_PROVINCE", None)
    env = {
        "REKAP_SHARED_ROOT": str(tmp_path / "missing"),
        "REKAP_WAREHOUSE_URL": f"sqlite:///{tmp_path}/w.db",
    }
    with pytest.MonkeyPatch.context() as mp:
        for k, v in env.items():
            mp.setenv(k, v)
        assert main(["ingest"]) == 1
        err = capsys.readouterr().err.strip()
        assert err.count("\n") == 0 and "REKAP_SHARED_ROOT" in err
        mp.setenv("REKAP_PROVINCE", "99")
        assert main(["ingest"]) == 1
        assert "REKAP_PROVINCE" in capsys.readouterr().err
        mp.setenv("REKAP_PROVINCE", "36")
        set_up_drive(tmp_path / "missing")
        mp.setenv("REKAP_WAREHOUSE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
        assert main(["ingest"]) == 1
        err = capsys.readouterr().err.strip()
        assert err.startswith("rekap: warehouse") and err.count("\n") == 0


def test_late_file_with_issues_gets_status_named_feedback_and_a_highlighted_copy(tmp_path, warehouse_url):
    """3603's January report arriving on 9 February (deadline 5 February): the feedback's name says
    CATATAN, it says TERLAMBAT 4 hari, and Ditandai_… lies beside it with the problem cell marked."""
    from openpyxl import load_workbook

    root = tmp_path / "drive"
    settings = make_settings(root, warehouse_url, REKAP_RECEIVED_AT_SOURCE="mtime")
    path = write_report(
        root / "inbox/3603/Laporan Januari.xlsx",
        pleno=[pleno_row(1, date(2026, 1, 5)), pleno_row(2, date(2026, 1, 12), hadir=9)],
    )
    set_mtime(path, datetime(2026, 2, 9, 3, 0, tzinfo=UTC))  # 10:00 WIB
    summary = ingest(settings, now=datetime(2026, 2, 9, 3, 5, tzinfo=UTC))
    assert summary["counts"]["accepted_with_issues"] == 1
    names = sorted(p.name for p in (root / "feedback/3603").iterdir())
    assert names == [
        "Ditandai_Laporan Januari_20260209-100500.xlsx",
        "Umpan_Balik_3603_2026-01_CATATAN_20260209-100500.xlsx",
    ]
    ringkasan = load_workbook(root / "feedback/3603" / names[1])["Ringkasan"]
    info = {r[0].value: r[1].value for r in ringkasan.iter_rows(min_col=1, max_col=2) if r[0].value}
    assert info["Diterima"] == "09/02/2026 10:00 WIB"
    assert info["Ketepatan waktu"] == "TERLAMBAT 4 hari"
    assert names[0] in info["Salinan bertanda"]
    marked = load_workbook(root / "feedback/3603" / names[0])["Pleno"]
    assert [c.coordinate for row in marked.iter_rows() for c in row if c.comment] == ["E3"]
    stored = rows(warehouse_url, "SELECT feedback_path FROM submissions")[0][0]
    assert Path(stored).name == names[1]
