"""One deployment for one province, several, or all 38 (issue 14 items 1-2): REKAP_PROVINCE,
deadlines in each province's own zone, the schedule after the last deadline, and a national
drive ingested and consolidated into the marts (one leadership workbook per province)."""

from __future__ import annotations

import os
import time
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from rekap.cli import main
from rekap.drive import init_drive
from rekap.intake.flow import ingest
from rekap.periods import parse_period, report_deadline
from rekap.registry import load_registry
from rekap.settings import ParseTimeSettings, Settings, SettingsError
from rekap.warehouse import engine_for
from sqlalchemy import text
from workbooks import pencegahan_row, pleno_row, write_report

WIB, WITA, WIT = ZoneInfo("Asia/Jakarta"), ZoneInfo("Asia/Makassar"), ZoneInfo("Asia/Jayapura")


def test_the_shipped_registry_is_national_with_its_attribution(registry):
    assert len(registry.districts) == 514 and len(registry.province_codes()) == 38
    zones = [d.timezone for d in registry.districts]
    assert (zones.count("Asia/Jakarta"), zones.count("Asia/Makassar"), zones.count("Asia/Jayapura")) == (
        301,
        150,
        63,
    )
    # the Kemendagri names the old three-province list had swapped
    names = {c: registry.get(c).district_name for c in ("7401", "7404", "7409", "7410")}
    assert names == {
        "7401": "Kabupaten Kolaka",
        "7404": "Kabupaten Buton",
        "7409": "Kabupaten Konawe Utara",
        "7410": "Kabupaten Buton Utara",
    }
    notice = (load_registry.__globals__["default_registry_path"]().parent / "NOTICE.md").read_text()
    assert "idn-area-data" in notice and "4.0.1" in notice and "Open Database License" in notice


@pytest.mark.parametrize(
    "value, provinces, zone",
    [
        ("", ("36",), "Asia/Jakarta"),
        ("36", ("36",), "Asia/Jakarta"),
        ("94", ("94",), "Asia/Jayapura"),
        (" 94, 74 ,94", ("94", "74"), "Asia/Makassar"),  # WITA's day ends after WIT's
        ("91,74,36", ("91", "74", "36"), "Asia/Jakarta"),
        ("ALL", tuple(load_registry().province_codes()), "Asia/Jakarta"),
    ],
)
def test_rekap_province_takes_one_code_a_list_or_all(value, provinces, zone):
    settings = Settings.from_mapping({"REKAP_PROVINCE": value})
    assert settings.provinces == provinces
    assert {d.province_code for d in settings.registry.districts} == set(provinces)
    assert settings.timezone.key == zone
    assert ParseTimeSettings.from_mapping({"REKAP_PROVINCE": value}).timezone == zone
    one = settings.for_province(provinces[-1])
    assert one.province_code == provinces[-1] and one.provinces == (provinces[-1],)
    assert {d.province_code for d in one.registry.districts} == {provinces[-1]}
    if len(provinces) > 1:  # no silently chosen province where one is needed
        with pytest.raises(SettingsError, match="needs one province"):
            _ = settings.province_code


@pytest.mark.parametrize("value", ["Banten", "36;74", "3,74", "36,", "al"])
def test_a_malformed_rekap_province_is_one_line(value):
    with pytest.raises(SettingsError) as caught:
        Settings.from_mapping({"REKAP_PROVINCE": value})
    message = str(caught.value)
    assert "REKAP_PROVINCE" in message and "all" in message and "\n" not in message


def test_an_unknown_province_is_one_line_naming_it():
    settings = Settings.from_mapping({"REKAP_PROVINCE": "36,99"})
    with pytest.raises(SettingsError) as caught:
        _ = settings.registry
    assert "'99'" in str(caught.value) and "REKAP_PROVINCE" in str(caught.value)
    assert "\n" not in str(caught.value)
    # the DAG files still parse (their first task stops on the setting)
    assert ParseTimeSettings.from_mapping({"REKAP_PROVINCE": "36,99"}).timezone == "Asia/Jakarta"


def test_the_timetable_of_a_multi_zone_deployment_runs_after_the_last_deadline():
    from rekap.airflow.timetable import BimonthlyPeriodTimetable

    parsed = ParseTimeSettings.from_mapping({"REKAP_PROVINCE": "94,74,36"})
    timetable = BimonthlyPeriodTimetable(timezone=parsed.timezone, deadline_day=parsed.deadline_day)
    period = parse_period("2026-B1")
    deadlines = {z.key: report_deadline(2026, 2, 5, z) for z in (WIB, WITA, WIT)}
    run = timetable.run_after(period)
    assert all(run > d for d in deadlines.values())
    assert max(deadlines.values()) == deadlines["Asia/Jakarta"]  # WIB's deadline is the last
    # 06:00 WIB the day after: the whole margin a one-province deployment has is kept after
    # the LAST deadline (in WIT it would be 04:00 WIB, two hours less)
    assert run == datetime(2026, 3, 6, 6, tzinfo=WIB)
    wit_only = BimonthlyPeriodTimetable(timezone="Asia/Jayapura", deadline_day=5).run_after(period)
    margin = run.timestamp() - deadlines["Asia/Jakarta"].timestamp()
    assert margin == wit_only.timestamp() - deadlines["Asia/Jayapura"].timestamp() > 6 * 3600 - 1
    assert timetable.interval_of(period).start == datetime(2026, 1, 1, tzinfo=WIB)


def _drop(root, code: str, month: int, arrived: datetime) -> None:
    name = {1: "Januari", 2: "Februari"}[month]
    path = write_report(
        root / "inbox" / code / f"Laporan_{code}_2026-{month:02d}.xlsx",
        district=code,
        month=name,
        pleno=[pleno_row(i, date(2026, month, 2 + 7 * i), ba=f"{code}-{month}-{i}") for i in range(4)],
        pencegahan=[pencegahan_row(1, date(2026, month, 10))],
    )
    os.utime(path, (arrived.timestamp(), arrived.timestamp()))


def _national_drive(tmp_path, warehouse_url: str, province: str = "all") -> dict[str, str]:
    root = tmp_path / "drive"
    root.mkdir()
    init_drive(root, [d.district_code for d in load_registry().districts])
    return {
        "REKAP_SHARED_ROOT": str(root),
        "REKAP_WAREHOUSE_URL": warehouse_url,
        "REKAP_PROVINCE": province,
        "REKAP_STABLE_SECONDS": "0",
        "REKAP_RECEIVED_AT_SOURCE": "mtime",
    }


def _submissions(url: str) -> dict[str, tuple]:
    with engine_for(url).connect() as conn:
        rows = conn.execute(
            text("SELECT district_code, month, status, received_on_time, deadline_at FROM submissions")
        ).all()
    return {f"{r[0]}-{r[1]}": tuple(r[2:]) for r in rows}


def test_a_wit_districts_deadline_is_the_5th_2359_wit_not_wib(tmp_path, sqlite_warehouse):
    env = _national_drive(tmp_path, sqlite_warehouse, "91,36")
    root = tmp_path / "drive"
    # 9103 (Papua, WIT): January at 5 Feb 23:30 WIT is on time; February at 6 Mar 00:30 WIT is
    # late, although it is still 5 Mar 22:30 in WIB. 3603 (WIB) at 5 Mar 23:30 WIB is on time.
    _drop(root, "9103", 1, datetime(2026, 2, 5, 23, 30, tzinfo=WIT))
    _drop(root, "9103", 2, datetime(2026, 3, 6, 0, 30, tzinfo=WIT))
    _drop(root, "3603", 2, datetime(2026, 3, 5, 23, 30, tzinfo=WIB))
    ingest(Settings.from_mapping(env))
    got = _submissions(sqlite_warehouse)
    assert [got[k][:2] for k in ("9103-1", "9103-2", "3603-2")] == [
        ("accepted", 1),
        ("accepted", 0),
        ("accepted", 1),
    ], got
    deadline = datetime.fromisoformat(str(got["9103-2"][2]))
    deadline = deadline if deadline.tzinfo else deadline.replace(tzinfo=ZoneInfo("UTC"))
    assert deadline.astimezone(WIT).replace(tzinfo=None) == datetime(2026, 3, 5, 23, 59, 59, 999999)


def test_a_national_deployment_ingests_three_zones_and_consolidates_every_province(
    tmp_path, warehouse_url, monkeypatch, capsys
):
    env = _national_drive(tmp_path, warehouse_url)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    root = tmp_path / "drive"
    drops = {"3603": WIB, "3671": WIB, "7401": WITA, "9103": WIT}
    for code, zone in drops.items():
        for month in (1, 2):
            _drop(root, code, month, datetime(2026, month + 1, 3, 9, tzinfo=zone))
    summary = ingest(Settings.from_env())
    assert sorted(f.name for f in (root / "archive").rglob("*.xlsx")) == sorted(
        f"Laporan_{c}_2026-{m:02d}.xlsx" for c in drops for m in (1, 2)
    ), summary
    assert list((root / "inbox").rglob("*.xlsx")) == []

    started = time.monotonic()
    assert main(["consolidate", "--period", "2026-B1"]) == 0
    elapsed = time.monotonic() - started
    out = capsys.readouterr().out

    with engine_for(warehouse_url).connect() as conn:
        districts = conn.execute(
            text("SELECT district_code, status FROM mart_district_period WHERE period_id='2026-B1'")
        ).all()
        provinces = conn.execute(
            text(
                "SELECT province_code, districts_total, districts_reported FROM mart_province_period"
                " WHERE period_id='2026-B1'"
            )
        ).all()
        drafts = conn.execute(
            text("SELECT province_code FROM report_approvals WHERE period_id='2026-B1'")
        ).all()
    registry = load_registry()
    assert len(districts) == 514 and {d for d, _ in districts} == set(registry.by_code)
    status = dict(districts)
    assert all(status[c] != "TIDAK MELAPOR" for c in drops)
    assert sum(s == "TIDAK MELAPOR" for s in status.values()) == 514 - len(drops)
    assert len(provinces) == 38
    reported = {p: (total, n) for p, total, n in provinces}
    assert reported["36"] == (8, 2) and reported["74"] == (17, 1) and reported["91"][1] == 1
    assert reported["11"] == (len(registry.in_province("11")), 0)
    # one leadership workbook (and one draft to approve) per province, named as before, and
    # the national one (tests/test_national_workbook.py)
    workbooks = sorted(p.name for p in (root / "reports" / "draf").glob("*.xlsx"))
    assert len(workbooks) == 38 + 1 and "Laporan_Komprehensif_91_2026-B1_DRAF.xlsx" in workbooks
    assert "Laporan_Komprehensif_NASIONAL_2026-B1_DRAF.xlsx" in workbooks
    assert sorted(code for (code,) in drafts) == sorted([*registry.province_codes(), "NASIONAL"])
    assert "rekap approve --period 2026-B1 --province 91" in out
    # 38 marts and workbooks, and the national one: ~12 s on the 2-core test machine, mostly
    # openpyxl styling the workbooks; the bound catches anything growing worse than linearly with the districts
    assert elapsed < 60, f"national consolidation took {elapsed:.0f} s"

    # approval stays per province: one province approved and delivered, the others untouched
    assert main(["approve", "--period", "2026-B1", "--by", "ketua"]) == 1  # which province?
    assert "--province" in capsys.readouterr().err
    assert main(["approve", "--period", "2026-B1", "--province", "91", "--by", "ketua"]) == 0
    assert main(["consolidate", "--period", "2026-B1", "--province", "91", "--deliver"]) == 0
    assert [p.name for p in (root / "reports").glob("*.xlsx")] == ["Laporan_Komprehensif_91_2026-B1.xlsx"]
