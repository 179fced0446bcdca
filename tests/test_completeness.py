"""Kelengkapan Laporan: the rules of the matrix, and the matrix of a real drive taken in by the
real intake into a real warehouse (SQLite and PostgreSQL), as the view and `rekap status` see it."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from rekap.cli import main
from rekap.consolidation import completeness as kl
from rekap.intake.feedback import feedback_filename
from rekap.intake.flow import ingest
from rekap.periods import Period, parse_period
from rekap.report.model import Identity, Report
from rekap.settings import Settings
from workbooks import drop_two_months, pleno_row, set_up_drive, write_report

WIB = ZoneInfo("Asia/Jakarta")
NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


def arrived(path: Path, when: datetime) -> None:
    os.utime(path, (when.timestamp(), when.timestamp()))


# --- the rules --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2026, 11, 26), "2026-B5"),  # October's reports are due on 5 November: B5 is collected
        (date(2026, 12, 2), "2026-B6"),
        (date(2027, 1, 3), "2026-B6"),  # December's reports are due in January
        (date(2027, 2, 10), "2027-B1"),
    ],
)
def test_the_default_period_is_the_one_being_collected(today, expected):
    assert kl.default_period(today).period_id == expected


def test_a_rejected_files_month_comes_from_its_feedback_file_name():
    at = datetime(2026, 3, 4, 10, tzinfo=WIB)
    wrong_district = Report(path=Path("x.xlsx"), identity=Identity("3671", 2026, 2, 5))
    wrong_district.reject("wrong_district", "x")  # a rejection that could read the month
    name = feedback_filename("3672", wrong_district, at)
    assert "_DITOLAK_" in name
    assert kl.month_of_feedback(f"/drive/feedback/3672/{name}") == (2026, 2)
    unreadable = feedback_filename("3672", Report(path=Path("x.xlsx")).reject("not_a_workbook", "x"), at)
    assert kl.month_of_feedback(unreadable) is None
    assert kl.month_by_arrival(date(2026, 3, 4)) == (2026, 2)
    assert kl.month_by_arrival(date(2027, 1, 4)) == (2026, 12)


def test_days_late_count_calendar_days_after_the_deadline_day():
    deadline = datetime(2026, 2, 5, 23, 59, 59, tzinfo=WIB)
    assert kl.days_late(datetime(2026, 2, 9, 10, tzinfo=WIB), deadline) == 4
    assert kl.days_late(datetime(2026, 2, 6, 0, 1, tzinfo=WIB), deadline) == 1


def test_classify_missing_not_due_and_not_expected(banten):
    cilegon = banten.get("3672")
    jan_deadline_passed = datetime(2026, 2, 6, tzinfo=WIB)
    assert kl.classify(cilegon, 2026, 1, [], [], 5, jan_deadline_passed).status == kl.MISSING
    assert kl.classify(cilegon, 2026, 2, [], [], 5, jan_deadline_passed).status == kl.NOT_DUE
    new_district = replace(cilegon, active_from="2026-02")  # a district created in February
    assert kl.classify(new_district, 2026, 1, [], [], 5, jan_deadline_passed).status == kl.NOT_EXPECTED


# --- a real drive through the real intake -----------------------------------------------------


@pytest.fixture
def taken_in(tmp_path, warehouse_url):
    """3601 and 3603 report January and February on the 3rd (on time), except that 3603's
    January arrives on 9 February (late) and is corrected on the 10th; 3672 sends a Word file
    for February and a January report on time; 3604 sends a January report claiming 3602
    (rejected); a file lies in an unknown folder. Nobody else reports."""
    root = set_up_drive(tmp_path / "drive")
    for code in ("3601", "3603"):
        drop_two_months(root, code, 5)
    arrived(root / "inbox/3603/Laporan_3603_2026-01.xlsx", datetime(2026, 2, 9, 10, tzinfo=WIB))
    correction = write_report(
        root / "inbox/3603/Laporan_3603_2026-01_revisi.xlsx",
        district="3603",
        pleno=[pleno_row(1, date(2026, 1, 5), ba="revisi-1")],
    )
    arrived(correction, datetime(2026, 2, 10, 10, tzinfo=WIB))
    cilegon_jan = write_report(
        root / "inbox/3672/Laporan_3672_2026-01.xlsx", district="3672", pleno=[pleno_row(1, date(2026, 1, 5))]
    )
    arrived(cilegon_jan, datetime(2026, 2, 2, 10, tzinfo=WIB))
    word = root / "inbox/3672/laporan_februari.docx"
    word.write_bytes(b"PK\x03\x04 not a workbook")
    arrived(word, datetime(2026, 3, 4, 10, tzinfo=WIB))
    claims = write_report(
        root / "inbox/3604/titipan.xlsx", district="3602", pleno=[pleno_row(1, date(2026, 1, 5))]
    )
    arrived(claims, datetime(2026, 2, 3, 10, tzinfo=WIB))
    (root / "inbox/3699").mkdir(parents=True)
    (root / "inbox/3699/nyasar.xlsx").write_bytes(b"x")
    settings = Settings.from_mapping(
        {
            "REKAP_SHARED_ROOT": str(root),
            "REKAP_WAREHOUSE_URL": warehouse_url,
            "REKAP_PROVINCE": "36",
            "REKAP_STABLE_SECONDS": "0",
            "REKAP_RECEIVED_AT_SOURCE": "mtime",
        }
    )
    ingest(settings, now=NOW)
    return settings


def test_the_matrix_of_a_real_intake(taken_in):
    data = kl.load_completeness(taken_in, parse_period("2026-B1"), NOW)

    on_time = data.cell("3601", 2026, 1)
    assert on_time.status == kl.ON_TIME and on_time.received_at == datetime(2026, 2, 3, 9, tzinfo=WIB)
    assert on_time.with_issues and on_time.issue_count == 1  # drop_two_months' unreadable "@25"
    assert on_time.text() == "Tepat waktu 03/02"
    late = data.cell("3603", 2026, 1)
    # the first accepted file decides timeliness; the correction is the current one
    assert (late.status, late.days_late, late.corrections) == (kl.LATE, 4, 1)
    assert late.text() == "Terlambat 4 hari"
    assert data.cell("3672", 2026, 1).status == kl.ON_TIME
    rejected = data.cell("3672", 2026, 2)
    assert rejected.status == kl.REJECTED and "Format berkas .docx" in rejected.reason
    assert data.cell("3604", 2026, 1).status == kl.REJECTED  # its month read from its Identitas
    assert data.cell("3604", 2026, 2).status == kl.MISSING
    assert data.cell("3674", 2026, 2).status == kl.MISSING

    assert {r.file_name: (r.year, r.month, r.month_from_arrival, r.replaced) for r in data.rejections} == {
        "laporan_februari.docx": (2026, 2, True, False),  # unreadable: placed by when it came
        "titipan.xlsx": (2026, 1, False, False),
    }
    counts = data.month_counts()
    assert (counts[(2026, 1)]["melapor"], counts[(2026, 1)]["wajib"]) == (3, 8)
    assert counts[(2026, 2)]["melapor"] == 2 and counts[(2026, 2)][kl.REJECTED] == 1
    assert [Path(f.path).name for f in data.left_in_inbox] == ["nyasar.xlsx"]
    assert data.leadership_workbook is None  # not consolidated yet

    # another period: nothing reported, every deadline passed
    later = kl.load_completeness(taken_in, Period(2026, 3), NOW)
    assert {c.status for c in later.cells.values()} == {kl.MISSING}
    assert later.rejections == []


def test_rekap_status_prints_the_matrix(taken_in, monkeypatch, capsys):
    for name, value in (
        ("REKAP_SHARED_ROOT", str(taken_in.shared_root)),
        ("REKAP_WAREHOUSE_URL", taken_in.warehouse_url),
        ("REKAP_PROVINCE", "36"),
    ):
        monkeypatch.setenv(name, value)
    assert main(["status", "--period", "2026-B1"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "KELENGKAPAN LAPORAN 2026-B1 (Januari – Februari 2026)"
    rows = {line[:4]: line for line in out[2:10]}
    assert "TELAT 4 hari" in rows["3603"] and "TEPAT 03/03" in rows["3603"]
    assert "TEPAT 02/02" in rows["3672"] and "DITOLAK" in rows["3672"]
    assert rows["3674"].split()[-2:] == ["KOSONG", "KOSONG"]
    assert any(line.startswith("Melapor") and "3 dari 8" in line for line in out)
    assert any("laporan_februari.docx" in line and "BELUM diganti" in line for line in out)

    assert main(["status", "--period", "2026-B9"]) == 1
    assert "period must look like 2026-B1" in capsys.readouterr().err


def test_the_view_serves_only_files_under_the_drives_own_folders(taken_in, tmp_path):
    """The page's downloads go by id; a path in the warehouse that leads out of feedback/
    (tampered, or a symlink) is refused. Airflow's login is tested against a real API server in
    tests/test_ui_view.py; here the app runs without it to reach the file rules."""
    from fastapi.testclient import TestClient
    from rekap.airflow.ui_app import create_app
    from rekap.warehouse import transaction
    from sqlalchemy import text

    client = TestClient(create_app(lambda: taken_in, now=lambda: NOW, require_login=False))
    page = client.get("/kelengkapan", params={"periode": "2026-B1"})
    assert page.status_code == 200
    assert 'id="sel-3603-2026-01" data-status="terlambat"' in page.text
    assert "4 hari (masuk 09/02/2026)" in page.text
    with transaction(taken_in.warehouse_url) as conn:
        ids = dict(conn.execute(text("SELECT file_name, submission_id FROM submissions")).all())
    ok = client.get(f"/unduh/umpan-balik/{ids['laporan_februari.docx']}")
    assert ok.status_code == 200 and ok.content[:2] == b"PK"
    assert "Umpan_Balik_3672_" in ok.headers["content-disposition"]

    secret = tmp_path / "secret.xlsx"
    secret.write_bytes(b"PK not yours")
    link = taken_in.shared_root / "feedback" / "3601" / "link.xlsx"
    link.symlink_to(secret)
    for outside in (
        str(secret),
        str(link),
        str(taken_in.shared_root / "feedback" / ".." / ".." / "secret.xlsx"),
    ):
        with transaction(taken_in.warehouse_url) as conn:
            conn.execute(
                text("UPDATE submissions SET feedback_path = :p WHERE submission_id = :i"),
                {"p": outside, "i": ids["titipan.xlsx"]},
            )
        assert client.get(f"/unduh/umpan-balik/{ids['titipan.xlsx']}").status_code == 404, outside
    assert client.get("/unduh/laporan/2026-B1").status_code == 404  # not consolidated yet
    assert client.get("/kelengkapan", params={"periode": "2026-B9"}).status_code == 400


# --- several provinces: grouped, filtered, one query ------------------------------------------


@pytest.fixture
def three_provinces(tmp_path, warehouse_url):
    """Banten (WIB), Sulawesi Tenggara (WITA) and Papua (WIT) served together: 3601 reports
    both months, 7401 January; 9103 sends a Word file; a file lies in an unknown 74 folder."""
    from rekap.drive import init_drive
    from rekap.registry import load_registry

    root = tmp_path / "drive"
    root.mkdir()
    served = ("36", "74", "91")
    init_drive(root, [d.district_code for p in served for d in load_registry().in_province(p)])
    drop_two_months(root, "3601", 5)
    sultra = write_report(
        root / "inbox/7401/Laporan_7401_2026-01.xlsx", district="7401", pleno=[pleno_row(1, date(2026, 1, 5))]
    )
    arrived(sultra, datetime(2026, 2, 2, 10, tzinfo=WIB))
    word = root / "inbox/9103/laporan.docx"
    word.write_bytes(b"PK\x03\x04 not a workbook")
    arrived(word, datetime(2026, 2, 4, 10, tzinfo=WIB))
    (root / "inbox/7499").mkdir(parents=True)
    (root / "inbox/7499/nyasar.xlsx").write_bytes(b"x")
    settings = Settings.from_mapping(
        {
            "REKAP_SHARED_ROOT": str(root),
            "REKAP_WAREHOUSE_URL": warehouse_url,
            "REKAP_PROVINCE": ",".join(served),
            "REKAP_STABLE_SECONDS": "0",
            "REKAP_RECEIVED_AT_SOURCE": "mtime",
        }
    )
    ingest(settings, now=NOW)
    return settings


def test_several_provinces_are_one_query_grouped_and_cut_by_province(three_provinces):
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    matrix_queries = []

    def seen(conn, cursor, statement, *args):
        if "FROM submissions s" in statement:
            matrix_queries.append(statement)

    event.listen(Engine, "before_cursor_execute", seen)
    try:
        data = kl.load_completeness(three_provinces, parse_period("2026-B1"), NOW)
    finally:
        event.remove(Engine, "before_cursor_execute", seen)
    assert len(matrix_queries) == 1  # all three provinces in one round trip, not one per province

    groups = data.by_province()
    assert [g.province_codes() for g in groups] == [["36"], ["74"], ["91"]]
    assert [len(g.districts) for g in groups] == [8, 17, 9]
    assert sum(len(g.cells) for g in groups) == len(data.cells) == 2 * 34
    assert [g.totals()["melapor"] for g in groups] == [2, 1, 0]
    assert data.totals()["melapor"] == 3
    assert [r.district_code for r in groups[2].rejections] == ["9103"] and groups[0].rejections == []
    assert [Path(f.path).name for f in groups[1].left_in_inbox] == ["nyasar.xlsx"]
    assert groups[0].left_in_inbox == []
    assert kl.province_heading(groups[1]).startswith("74 Sulawesi Tenggara: 1 dari 34 laporan masuk")

    # the filtered load (the view's ?provinsi=, `rekap status --province`) is the same cut
    sultra = kl.load_completeness(three_provinces, parse_period("2026-B1"), NOW, province="74")
    assert sultra.cells == groups[1].cells and sultra.month_counts() == groups[1].month_counts()
    assert [Path(f.path).name for f in sultra.left_in_inbox] == ["nyasar.xlsx"]
    with pytest.raises(ValueError, match="not served"):
        kl.load_completeness(three_provinces, parse_period("2026-B1"), NOW, province="35")


def _env(monkeypatch, settings: Settings, province: str) -> None:
    for name, value in (
        ("REKAP_SHARED_ROOT", str(settings.shared_root)),
        ("REKAP_WAREHOUSE_URL", settings.warehouse_url),
        ("REKAP_PROVINCE", province),
    ):
        monkeypatch.setenv(name, value)


def test_rekap_status_groups_by_province_and_takes_one(three_provinces, monkeypatch, capsys):
    _env(monkeypatch, three_provinces, "36,74,91")
    assert main(["status", "--period", "2026-B1"]) == 0
    out = capsys.readouterr().out.splitlines()
    headings = [line for line in out if line.startswith("-- ")]
    assert [h.split(":")[0] for h in headings] == ["-- 36 Banten", "-- 74 Sulawesi Tenggara", "-- 91 Papua"]
    assert "2 dari 16 laporan masuk" in headings[0] and "0 dari 18 laporan masuk" in headings[2]
    # each province's districts under its own heading
    assert out.index(headings[1]) < next(i for i, line in enumerate(out) if line.startswith("7401 "))
    assert any(line.startswith("Melapor") and "2 dari 34" in line for line in out)

    assert main(["status", "--period", "2026-B1", "--province", "74"]) == 0
    out = capsys.readouterr().out.splitlines()
    codes = {line[:2] for line in out[2:] if line[:4].isdigit()}
    assert codes == {"74"} and not any(line.startswith("-- ") for line in out)
    assert any("TEPAT 02/02" in line for line in out if line.startswith("7401 "))
    assert any(line.startswith("Melapor") and "1 dari 17" in line for line in out)

    assert main(["status", "--period", "2026-B1", "--province", "35"]) == 1
    err = capsys.readouterr().err.strip()
    assert "province 35 is not served" in err and "\n" not in err


def test_the_view_filters_and_groups_by_province(three_provinces):
    from fastapi.testclient import TestClient
    from rekap.airflow.ui_app import create_app

    client = TestClient(create_app(lambda: three_provinces, now=lambda: NOW, require_login=False))
    overview = client.get("/kelengkapan", params={"periode": "2026-B1"})
    assert overview.status_code == 200
    # several provinces and no choice: the per-province overview, not every district
    assert 'id="provinces"' in overview.text and 'id="matrix"' not in overview.text
    assert all(f'id="prov-{p}"' in overview.text for p in ("36", "74", "91"))
    assert '<option value="" selected>Ringkasan per provinsi</option>' in overview.text
    assert "provinsi=74" in overview.text  # each row links to its province

    every = client.get("/kelengkapan", params={"periode": "2026-B1", "provinsi": "semua"})
    assert every.text.count('class="province"') == 3
    assert (
        every.text.index('id="grp-36"')
        < every.text.index("sel-3601-2026-01")
        < every.text.index('id="grp-74"')
    )
    assert every.text.count('class="cell"') == 2 * 34

    sultra = client.get("/kelengkapan", params={"periode": "2026-B1", "provinsi": "74"})
    assert sultra.status_code == 200
    assert '<option value="74" selected>74 Sulawesi Tenggara</option>' in sultra.text
    assert "Kelengkapan Laporan — Bawaslu Provinsi Sulawesi Tenggara" in sultra.text
    assert sultra.text.count('class="cell"') == 2 * 17 and "sel-3601-" not in sultra.text
    assert 'id="sel-7401-2026-01" data-status="tepat_waktu"' in sultra.text
    assert 'class="province"' not in sultra.text and 'id="provinces"' not in sultra.text
    assert "nyasar.xlsx" in sultra.text and "laporan.docx" not in sultra.text

    refused = client.get("/kelengkapan", params={"periode": "2026-B1", "provinsi": "35"})
    assert refused.status_code == 400 and "provinsi 35 tidak dilayani" in refused.text


def test_the_national_view_stays_one_page_of_514_districts(tmp_path, warehouse_url):
    """REKAP_PROVINCE=all: the overview lists 38 provinces; every district, grouped, renders."""
    from fastapi.testclient import TestClient
    from rekap.airflow.ui_app import create_app

    root = set_up_drive(tmp_path / "drive")
    settings = Settings.from_mapping(
        {"REKAP_SHARED_ROOT": str(root), "REKAP_WAREHOUSE_URL": warehouse_url, "REKAP_PROVINCE": "all"}
    )
    client = TestClient(create_app(lambda: settings, now=lambda: NOW, require_login=False))
    overview = client.get("/kelengkapan", params={"periode": "2026-B1"})
    assert overview.status_code == 200 and overview.text.count('id="prov-') == 38
    every = client.get("/kelengkapan", params={"periode": "2026-B1", "provinsi": "semua"})
    assert every.text.count('class="province"') == 38 and every.text.count('class="cell"') == 2 * 514
    assert "Jumlah melapor</th><th>0 dari 514</th>" in every.text
