"""One consolidation as operators run it (`rekap consolidate`), and which periods a DAG run
takes: an explicit parameter, the intake's Asset events, or the scheduled data interval."""

from __future__ import annotations

import os
from datetime import date, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from conftest import upgraded
from openpyxl import load_workbook
from rekap.cli import main
from rekap.consolidation.consolidate import periods_for_run
from rekap.intake.flow import ingest
from rekap.settings import Settings
from rekap.warehouse import engine_for
from sqlalchemy import text
from workbooks import pencegahan_row, pleno_row, set_up_drive, write_report

WIB = ZoneInfo("Asia/Jakarta")


def drive_env(tmp_path) -> dict[str, str]:
    root = set_up_drive(tmp_path / "drive")
    for code, month, name in (("3603", 1, "Januari"), ("3603", 2, "Februari"), ("3601", 3, "Maret")):
        path = write_report(
            root / "inbox" / code / f"Laporan_{code}_2026-{month:02d}.xlsx",
            district=code,
            month=name,
            pleno=[pleno_row(i, date(2026, month, 2 + 7 * i), ba=f"BA-{i}") for i in range(4)],
            pencegahan=[pencegahan_row(1, date(2026, month, 10))],
        )
        ts = datetime(2026, month + 1, 3, 9, tzinfo=WIB).timestamp()
        os.utime(path, (ts, ts))
    return {
        "REKAP_SHARED_ROOT": str(root),
        "REKAP_WAREHOUSE_URL": upgraded(f"sqlite:///{tmp_path / 'w.sqlite'}"),
        "REKAP_PROVINCE": "36",
        "REKAP_STABLE_SECONDS": "0",
        "REKAP_RECEIVED_AT_SOURCE": "mtime",
    }


def test_rekap_consolidate_writes_marts_and_workbook_and_keeps_the_previous(tmp_path, monkeypatch, capsys):
    env = drive_env(tmp_path)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    ingest(Settings.from_env())

    assert main(["consolidate", "--period", "2026-b1"]) == 0
    out = capsys.readouterr().out
    report = tmp_path / "drive/reports/draf/Laporan_Komprehensif_36_2026-B1_DRAF.xlsx"
    assert f"laporan komprehensif: {report}" in out
    assert "2026-B1: 2/16 laporan bulanan masuk" in out  # 8 districts x 2 months
    assert "belum masuk: 3601 Kabupaten Pandeglang Januari 2026" in out
    assert "Kabupaten Tangerang" in out.split("laporan komprehensif")[0]  # the score table
    assert load_workbook(report).sheetnames[1] == "Kinerja Kab-Kota"

    # a re-run gives the same figures and keeps the earlier workbook beside the new one
    with engine_for(env["REKAP_WAREHOUSE_URL"]).connect() as conn:
        first = conn.execute(text("SELECT district_code, score FROM mart_district_period ORDER BY 1")).all()
    assert main(["consolidate", "--period", "2026-B1"]) == 0
    assert "previous version kept as" in capsys.readouterr().out
    with engine_for(env["REKAP_WAREHOUSE_URL"]).connect() as conn:
        again = conn.execute(text("SELECT district_code, score FROM mart_district_period ORDER BY 1")).all()
        dq = conn.execute(
            text(
                "SELECT suite, success, element_count, unexpected_count, details FROM dq_results WHERE scope='2026-B1'"
            )
        ).all()
    assert again == first
    kept = sorted(p.name for p in report.parent.glob("Laporan_Komprehensif_36_2026-B1*.xlsx"))
    assert len(kept) == 2 and kept[0] == report.name
    # the completeness suite's result is stored for every run: 16 district-months, 14 missing
    assert {(r.suite, r.success, r.element_count, r.unexpected_count) for r in dq} == {
        ("period_completeness", 0, 16, 14)
    }
    assert "3601/2026-01" in dq[0].details


def test_a_bad_period_is_a_usage_error(tmp_path, monkeypatch, capsys):
    for k, v in drive_env(tmp_path).items():
        monkeypatch.setenv(k, v)
    assert main(["consolidate", "--period", "2026-B7"]) == 1
    assert "period must look like 2026-B1" in capsys.readouterr().err


def test_periods_of_a_run(tmp_path, monkeypatch):
    env = drive_env(tmp_path)
    settings = Settings.from_mapping(env)
    ingest(settings)
    # an operator's parameter wins
    assert periods_for_run(settings, "2025-b6", None, datetime(2026, 1, 1, tzinfo=WIB)) == ["2025-B6"]
    # a scheduled run: the period of its data interval (local date of its start)
    assert periods_for_run(settings, None, {}, datetime(2026, 2, 28, 17, 0, tzinfo=ZoneInfo("UTC"))) == [
        "2026-B2"
    ]
    # an Asset-triggered run: the periods carried by the intake's events
    events = {"rekap://warehouse/submissions": [SimpleNamespace(extra={"periods": ["2026-B1"]})]}
    assert periods_for_run(settings, None, events, None) == ["2026-B1"]
    # once 2026-B2 has been consolidated, a correction for 2026-B1 also re-runs 2026-B2, whose
    # score_change compares against it
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    assert main(["consolidate", "--period", "2026-B2"]) == 0
    assert periods_for_run(settings, None, events, None) == ["2026-B1", "2026-B2"]
