"""Every metric of metrics.md on a hand-built drive, against hand-computed values.

Real files go through the real intake into the warehouse (SQLite and PostgreSQL), then the
SQL in sql/ computes the marts. The expected numbers are worked out in the comments.
"""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from rekap.consolidation.metrics import (
    ScoreWeights,
    compute_marts,
    read_district_mart,
    read_province_mart,
)
from rekap.intake.flow import ingest
from rekap.periods import parse_period
from rekap.settings import Settings
from rekap.warehouse import transaction
from workbooks import kelembagaan_row, pencegahan_row, pleno_row, set_up_drive, write_report

WIB = ZoneInfo("Asia/Jakarta")
GENERATED = datetime(2026, 3, 6, 6, 0, tzinfo=WIB)


def settings_for(root: Path, url: str) -> Settings:
    set_up_drive(root)
    return Settings.from_mapping(
        {
            "REKAP_SHARED_ROOT": str(root),
            "REKAP_WAREHOUSE_URL": url,
            "REKAP_PROVINCE": "36",
            "REKAP_STABLE_SECONDS": "0",
            "REKAP_RECEIVED_AT_SOURCE": "mtime",
        }
    )


def drop(root: Path, district: str, name: str, received: datetime, **report) -> None:
    path = write_report(root / "inbox" / district / name, district=report.pop("claim", district), **report)
    os.utime(path, (received.timestamp(), received.timestamp()))


# 3603 (5 members), January, first file (received 3 Feb: on time)
JAN_PLENO = [
    pleno_row(1, date(2026, 1, 5), hadir=5, ba="BA-1"),  # W02, quorate Rutin
    pleno_row(2, date(2026, 1, 12), hadir=2, ba="BA-2"),  # W03, 2*2 <= 5: not quorate
    pleno_row(3, date(2026, 1, 14), jenis="Khusus", hadir=3, notulen="Tidak", ba="BA-3"),  # quorate, Khusus
    pleno_row(4, date(2026, 1, 19), hadir=3, notulen="-", ba="BA-4"),  # W04 quorate; Notulen not filled
    pleno_row(5, date(2026, 1, 19), hadir=3, notulen="-", ba="ba-4 "),  # the same pleno again: counted once
]
JAN_ACTIVITIES = [
    pencegahan_row(1, date(2026, 1, 8), peserta=40),
    pencegahan_row(2, date(2026, 1, 20), jenis="Patroli", peserta="banyak", bukti="Tidak"),
]


def build_drive(root: Path) -> None:
    drop(
        root,
        "3603",
        "jan.xlsx",
        datetime(2026, 2, 3, 9, 0, tzinfo=WIB),
        pleno=JAN_PLENO,
        pencegahan=JAN_ACTIVITIES,
        kelembagaan=[kelembagaan_row("Pengolahan Data", 50, "Digitalisasi arsip")],
    )
    # the correction (received 8 Feb, after the deadline): supersedes jan.xlsx, adds BA-5
    drop(
        root,
        "3603",
        "jan_revisi.xlsx",
        datetime(2026, 2, 8, 9, 0, tzinfo=WIB),
        pleno=[*JAN_PLENO, pleno_row(6, date(2026, 1, 26), hadir=5, ba="BA-5")],  # W05
        pencegahan=JAN_ACTIVITIES,
        kelembagaan=[kelembagaan_row("Pengolahan Data", 50, "Digitalisasi arsip")],
    )
    # February, received 30 s after the deadline (6 Mar 00:00:30 WIB): late
    drop(
        root,
        "3603",
        "feb.xlsx",
        datetime(2026, 3, 6, 0, 0, 30, tzinfo=WIB),
        month="Februari",
        pleno=[
            pleno_row(1, date(2026, 2, 2), hadir=4, ba="BA-6"),  # W06 quorate
            pleno_row(2, date(2026, 1, 26), hadir=5, ba="BA-5"),  # restated: counted once with jan_revisi's
            pleno_row(3, date(2026, 3, 2), hadir=5, ba="BA-7"),  # dated in March: belongs to 2026-B2
        ],
        pencegahan=[pencegahan_row(1, date(2026, 2, 10), peserta="25 orang")],
        kelembagaan=[
            kelembagaan_row("Pengolahan Data", 80, "Digitalisasi Arsip"),  # latest month wins: 80
            kelembagaan_row("Literasi Demokrasi", 60, "Kelas demokrasi"),
        ],
    )
    # 3601 (3 members), January only, received 5 Feb 23:00 WIB: on time
    drop(
        root,
        "3601",
        "jan.xlsx",
        datetime(2026, 2, 5, 23, 0, tzinfo=WIB),
        members=3,
        pleno=[pleno_row(i, date(2026, 1, 5 + 7 * (i - 1)), hadir=2, ba=f"P-{i}") for i in range(1, 5)],
        pencegahan=[pencegahan_row(1, date(2026, 1, 15), peserta=10)],
    )
    # 3602 drops a report claiming 3603: rejected, so 3602 did not report
    drop(
        root,
        "3602",
        "feb.xlsx",
        datetime(2026, 3, 2, tzinfo=WIB),
        claim="3603",
        month="Februari",
        pleno=[pleno_row(1, date(2026, 2, 2))],
    )


def consolidate(settings: Settings, period_id: str) -> tuple[dict, list[dict]]:
    with transaction(settings.warehouse_url) as conn:
        compute_marts(conn, settings.registry.districts, "36", parse_period(period_id), GENERATED, "/r.xlsx")
    with transaction(settings.warehouse_url) as conn:
        return read_province_mart(conn, "36", period_id), read_district_mart(conn, "36", period_id)


@pytest.fixture
def marts(tmp_path, warehouse_url):
    root = tmp_path / "drive"
    build_drive(root)
    settings = settings_for(root, warehouse_url)
    summary = ingest(settings)
    assert summary["counts"]["rejected"] == 1, summary
    province, districts = consolidate(settings, "2026-B1")
    return settings, province, {d["district_code"]: d for d in districts}


def test_district_3603_every_column(marts):
    _, _, by_code = marts
    d = by_code["3603"]
    assert d["district_name"] == "Kabupaten Tangerang" and d["province_code"] == "36"
    assert d["period_id"] == "2026-B1"
    assert str(d["period_start"])[:10] == "2026-01-01" and str(d["period_end"])[:10] == "2026-02-28"
    # reports: January (first file on time; the late correction does not make it late), February late
    assert (d["reports_expected"], d["reports_received"], d["reports_on_time"]) == (2, 2, 1)
    assert d["reporting_rate"] == 1.0 and d["on_time_rate"] == 0.5
    # weeks with a quorate Rutin pleno: W02 (BA-1), W04 (BA-4), W05 (BA-5), W06 (BA-6) of 9
    assert (d["weeks_in_period"], d["weeks_with_pleno"]) == (9, 4)
    assert d["pleno_compliance"] == pytest.approx(4 / 9)
    # plenos dated in the period: BA-1..BA-6 (BA-4 and BA-5 once each; BA-7 is March)
    assert d["pleno_count"] == 6
    assert d["pleno_quorate_rate"] == pytest.approx(5 / 6)  # all but BA-2
    assert d["pleno_minutes_rate"] == pytest.approx(4 / 6)  # not BA-3 (Tidak) nor BA-4 (-)
    # activities: two from jan_revisi, one from feb; "banyak" is not summed
    assert d["prevention_count"] == 3 and d["prevention_participants"] == 65
    assert d["prevention_documented_rate"] == pytest.approx(2 / 3)  # the patrol has "Tidak"
    assert d["prevention_type_count"] == 2
    # programmes from their latest month: Digitalisasi arsip 80 (February), Kelas demokrasi 60
    assert d["kelembagaan_progress"] == pytest.approx(70.0)
    # cells: plenos 6x7=42 (BA-4's Notulen empty: 41), activities 3x8=24 ("banyak": 23), programmes 2x6=12
    assert d["record_completeness"] == pytest.approx(76 / 78)
    # issues of the current files: jan_revisi 2x Notulen "-", 2x duplicate, "banyak"; feb 2x date outside month
    assert d["issue_count"] == 7
    expected = 100 * (0.2 * 1 + 0.1 * 0.5 + 0.3 * 4 / 9 + 0.2 * 76 / 78 + 0.2 * 2 / 3)
    assert d["score"] == pytest.approx(expected) and expected == pytest.approx(71.1538461538)
    assert d["status"] == "CUKUP" and d["rank"] == 1
    assert d["score_change"] is None  # 2025-B6 has no data


def test_district_3601_and_the_silent_ones(marts):
    _, _, by_code = marts
    d = by_code["3601"]
    assert (d["reports_received"], d["reports_on_time"]) == (1, 1)  # 23:00 on the 5th is on time
    assert (d["weeks_with_pleno"], d["pleno_count"]) == (4, 4)  # 2*2 > 3: quorate
    assert d["pleno_quorate_rate"] == 1.0 and d["pleno_minutes_rate"] == 1.0
    assert d["kelembagaan_progress"] is None and d["record_completeness"] == 1.0
    assert d["score"] == pytest.approx(100 * (0.1 + 0.05 + 0.3 * 4 / 9 + 0.2 + 0.2))  # 68.33
    assert d["status"] == "KURANG" and d["rank"] == 2
    silent = by_code["3602"]  # its only file was rejected
    assert silent["reports_received"] == 0 and silent["status"] == "TIDAK MELAPOR"
    assert silent["score"] == 0 and silent["rank"] == 3
    assert silent["pleno_quorate_rate"] is None and silent["pleno_minutes_rate"] is None
    assert silent["prevention_documented_rate"] is None and silent["record_completeness"] is None
    assert silent["prevention_participants"] == 0
    # equal scores share the lowest rank number
    assert sorted(d["rank"] for d in by_code.values()) == [1, 2, 3, 3, 3, 3, 3, 3]


def test_province_row(marts):
    _, province, by_code = marts
    assert (
        province["districts_total"],
        province["districts_reported"],
        province["districts_fully_reported"],
    ) == (8, 2, 1)
    assert province["reporting_rate"] == pytest.approx(3 / 16)
    assert province["on_time_rate"] == pytest.approx(2 / 16)
    assert province["pleno_compliance"] == pytest.approx(8 / 72)
    assert (province["prevention_count"], province["prevention_participants"]) == (4, 75)
    assert province["record_completeness"] == pytest.approx(112 / 114)
    assert province["average_score"] == pytest.approx(sum(d["score"] for d in by_code.values()) / 8)
    assert province["report_path"] == "/r.xlsx"


def test_rerun_is_idempotent_and_score_change(marts):
    settings, province, by_code = marts
    again_province, again = consolidate(settings, "2026-B1")
    assert {d["district_code"]: d["score"] for d in again} == {k: v["score"] for k, v in by_code.items()}
    assert again_province["average_score"] == province["average_score"]
    # 2026-B2: only BA-7 (2 March, W10) of 3603 falls in it; no report of March or April
    _, b2 = consolidate(settings, "2026-B2")
    d = {r["district_code"]: r for r in b2}["3603"]
    assert (d["pleno_count"], d["weeks_with_pleno"], d["reports_received"]) == (1, 1, 0)
    assert d["status"] == "TIDAK MELAPOR"
    expected_b2 = 100 * 0.3 * 1 / 9 + 100 * 0.2 * 1.0  # pleno 1/9, completeness 7/7; nothing else
    assert d["score"] == pytest.approx(expected_b2)
    assert d["score_change"] == pytest.approx(expected_b2 - by_code["3603"]["score"])


def test_previous_period_is_computed_when_missing(tmp_path, warehouse_url):
    root = tmp_path / "drive"
    build_drive(root)
    settings = settings_for(root, warehouse_url)
    ingest(settings)
    _, b2 = consolidate(settings, "2026-B2")  # B1 never consolidated, but it has data
    d = {r["district_code"]: r for r in b2}["3601"]
    assert d["score_change"] == pytest.approx(0 - 100 * (0.1 + 0.05 + 0.3 * 4 / 9 + 0.2 + 0.2))


def test_status_thresholds_are_decided_by_the_mart_sql(tmp_path, warehouse_url):
    """The status of the real mart query at its boundaries. 3603 reports both months, so its
    reporting rate is 1 and a reporting weight of s/100 alone gives the score s."""
    root = tmp_path / "drive"
    drop(root, "3603", "jan.xlsx", datetime(2026, 2, 3, tzinfo=WIB), pleno=[pleno_row(1, date(2026, 1, 5))])
    feb = [pleno_row(1, date(2026, 2, 2))]
    drop(root, "3603", "feb.xlsx", datetime(2026, 3, 3, tzinfo=WIB), month="Februari", pleno=feb)
    settings = settings_for(root, warehouse_url)
    ingest(settings)
    cases = [
        (84.999, "CUKUP"),
        (85, "BAIK"),
        (69.999, "KURANG"),
        (70, "CUKUP"),
        (85 - 1e-10, "BAIK"),  # float noise below 85 does not drop to CUKUP: compared at 9 decimals
        (100, "BAIK"),
    ]
    for score, status in cases:
        with transaction(warehouse_url) as conn:
            compute_marts(
                conn,
                settings.registry.districts,
                "36",
                parse_period("2026-B1"),
                GENERATED,
                None,
                ScoreWeights(score / 100, 0, 0, 0, 0),
            )
            rows = {r["district_code"]: r for r in read_district_mart(conn, "36", "2026-B1")}
        assert rows["3603"]["score"] == pytest.approx(score), score
        assert rows["3603"]["status"] == status, score
        assert rows["3601"]["status"] == "TIDAK MELAPOR"  # no report, whatever the score


def test_weights_change_the_score(tmp_path, sqlite_warehouse):
    root = tmp_path / "drive"
    build_drive(root)
    url = sqlite_warehouse
    settings = settings_for(root, url)
    ingest(settings)
    with transaction(url) as conn:
        compute_marts(
            conn,
            settings.registry.districts,
            "36",
            parse_period("2026-B1"),
            GENERATED,
            None,
            ScoreWeights(1.0, 0, 0, 0, 0),
        )
        rows = {r["district_code"]: r for r in read_district_mart(conn, "36", "2026-B1")}
    assert rows["3603"]["score"] == pytest.approx(100.0) and rows["3601"]["score"] == pytest.approx(50.0)
