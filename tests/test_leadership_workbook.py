"""The leadership workbook (laporan komprehensif) written from hand-made LeadershipData."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from rekap import vocab
from rekap.leadership_workbook import (
    PERFORMANCE_COLUMNS,
    keep_previous_version,
    leadership_filename,
    write_leadership_workbook,
)
from rekap.periods import Period, week_monday, weeks_of_period
from rekap.report_data import LeadershipData

WIB = ZoneInfo("Asia/Jakarta")
PERIOD = Period(2026, 1)
FORMULA_LIKE = '=HYPERLINK("http://x.example")'
MARTS_SQL = Path(__file__).resolve().parents[1] / "sql" / "migrations" / "0002_marts.sql"


def mart_district_columns() -> list[str]:
    """The columns of mart_district_period, read from its DDL (the contract)."""
    ddl = MARTS_SQL.read_text()
    body = re.search(r"CREATE TABLE mart_district_period \((.*?)\n\);", ddl, re.S)[1]
    return [m[1] for m in re.finditer(r"^\s+([a-z_]+)\s+[A-Z{]", body, re.M)]


def district_row(code: str, name: str, rank: int, score: float, status: str, **overrides) -> dict:
    row = {
        "province_code": "36",
        "district_code": code,
        "district_name": name,
        "period_id": "2026-B1",
        "period_start": PERIOD.start,
        "period_end": PERIOD.end,
        "reports_expected": 2,
        "reports_received": 2,
        "reports_on_time": 1,
        "reporting_rate": 1.0,
        "on_time_rate": 0.5,
        "weeks_in_period": 9,
        "weeks_with_pleno": 2,
        "pleno_compliance": 2 / 9,
        "pleno_count": 3,
        "pleno_quorate_rate": 2 / 3,
        "pleno_minutes_rate": 1.0,
        "prevention_count": 4,
        "prevention_participants": 1250,
        "prevention_documented_rate": 0.75,
        "prevention_type_count": 2,
        "kelembagaan_progress": 62.5,
        "record_completeness": 0.9731,
        "issue_count": 1,
        "score": score,
        "status": status,
        "rank": rank,
        "score_change": 3.25,
    }
    row.update(overrides)
    return row


def silent_row() -> dict:
    return district_row(
        "3672",
        "Kota Cilegon",
        3,
        0.0,
        "TIDAK MELAPOR",
        reports_received=0,
        reports_on_time=0,
        reporting_rate=0.0,
        on_time_rate=0.0,
        weeks_with_pleno=0,
        pleno_compliance=0.0,
        pleno_count=0,
        pleno_quorate_rate=None,
        pleno_minutes_rate=None,
        prevention_count=0,
        prevention_participants=0,
        prevention_documented_rate=None,
        prevention_type_count=0,
        kelembagaan_progress=None,
        record_completeness=None,
        issue_count=0,
        score_change=None,
    )


@pytest.fixture
def data() -> LeadershipData:
    weeks = [(y, w, week_monday(y, w)) for y, w in weeks_of_period(PERIOD)]
    districts = [  # deliberately not in rank order
        silent_row(),
        district_row("3601", "Kabupaten Pandeglang", 2, 55.25, "KURANG"),
        district_row("3603", "Kabupaten Tangerang", 1, 90.5, "BAIK"),
    ]
    return LeadershipData(
        province_code="36",
        province_name="Banten",
        period=PERIOD,
        generated_at=datetime(2026, 3, 6, 6, 0, tzinfo=WIB),
        province={
            "province_code": "36",
            "period_id": "2026-B1",
            "districts_total": 3,
            "districts_reported": 2,
            "districts_fully_reported": 2,
            "reporting_rate": 4 / 6,
            "on_time_rate": 2 / 6,
            "pleno_compliance": 4 / 27,
            "prevention_count": 8,
            "prevention_participants": 2500,
            "record_completeness": 0.9731,
            "average_score": 48.583333,
            "generated_at": datetime(2026, 3, 5, 23, 0),
            "report_path": "/x/reports/Laporan_Komprehensif_36_2026-B1.xlsx",
        },
        districts=districts,
        weeks=weeks,
        pleno_weeks={"3603": {(2026, 2), (2026, 3)}, "3601": {(2026, 9)}},
        prevention_by_type={
            "3603": {"Sosialisasi": 3, "Patroli Pengawasan": 1},
            "3601": {"Imbauan": 4},
        },
        kelembagaan_by_aspect={"3603": {"Pengolahan Data": 75.0, "Modernisasi Birokrasi": 50.0}},
        missing_reports=[
            {"district_code": "3672", "district_name": "Kota Cilegon", "year": 2026, "month": 1},
            {"district_code": "3672", "district_name": "Kota Cilegon", "year": 2026, "month": 2},
        ],
        issues=[
            {
                "district_code": "3603",
                "district_name": "Kabupaten Tangerang",
                "file_name": "@Laporan Januari.xlsx",
                "sheet": "Pleno",
                "excel_row": 5,
                "column_name": "Jenis Pleno",
                "value": FORMULA_LIKE,
                "problem": "Jenis Pleno tidak dikenali; pilih salah satu: Rutin, Khusus.",
            }
        ],
    )


@pytest.fixture
def book(data, tmp_path):
    path = write_leadership_workbook(data, tmp_path / "out.xlsx")
    return load_workbook(path)


def rows_of(ws, min_row: int = 1) -> list[list]:
    return [[c.value for c in row] for row in ws.iter_rows(min_row=min_row)]


def fill_of(cell) -> str:
    return cell.fill.fgColor.rgb[-6:]


def test_filename():
    assert leadership_filename("36", "2026-B1") == "Laporan_Komprehensif_36_2026-B1.xlsx"


def test_sheets_in_order(book):
    assert book.sheetnames == [
        "Ringkasan",
        "Kinerja Kab-Kota",
        "Pleno Mingguan",
        "Pencegahan",
        "Kelembagaan",
        "Kelengkapan Data",
    ]


def test_no_formula_anywhere_and_district_text_stays_text(book):
    formulas = [
        (ws.title, c.coordinate)
        for ws in book.worksheets
        for row in ws.iter_rows()
        for c in row
        if c.data_type == "f"
    ]
    assert formulas == []
    ws = book["Kelengkapan Data"]
    cells = {c.value: c for row in ws.iter_rows() for c in row if c.value is not None}
    assert cells[FORMULA_LIKE].data_type == "s"
    assert cells["@Laporan Januari.xlsx"].data_type == "s"


def test_summary(book):
    ws = book["Ringkasan"]
    text = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert "LAPORAN KOMPREHENSIF PENGAWASAN" in text
    assert any("Banten" in t for t in text)
    assert any("Januari – Februari 2026" in t for t in text)
    assert any("06/03/2026 06:00 WIB" in t for t in text)
    pairs = {row[0].value: row[1].value for row in ws.iter_rows(min_col=1, max_col=2) if row[0].value}
    assert pairs["Jumlah kabupaten/kota"] == 3
    assert pairs["Tingkat pelaporan"] == pytest.approx(4 / 6)
    assert pairs["Rata-rata skor kabupaten/kota"] == pytest.approx(48.583333)
    assert pairs["Jumlah peserta kegiatan pencegahan"] == 2500
    assert (pairs["BAIK"], pairs["CUKUP"], pairs["KURANG"], pairs["TIDAK MELAPOR"]) == (1, 0, 1, 1)
    assert pairs["Kota Cilegon"] == "3672"  # listed among the districts that did not report
    rate = next(row[1] for row in ws.iter_rows(min_col=1, max_col=2) if row[0].value == "Tingkat pelaporan")
    assert rate.number_format == "0.0%"
    assert fill_of(next(c for c in ws["A"] if c.value == "TIDAK MELAPOR")) == "D9D9D9"
    assert len(ws._charts) == 1
    chart = ws._charts[0]
    ref = chart.series[0].val.numRef.f
    assert ref.startswith("'Kinerja Kab-Kota'!$D$2") and ref.endswith("$D$4")


def test_performance_sheet(book, data):
    ws = book["Kinerja Kab-Kota"]
    keys = [c[0] for c in PERFORMANCE_COLUMNS]
    assert sorted(keys) == sorted(mart_district_columns())  # every mart column, no more
    headers = [c.value for c in ws[1]]
    assert headers[:6] == ["Peringkat", "Kode", "Kabupaten/Kota", "Skor", "Status", "Perubahan Skor"]
    assert "Tingkat Pelaporan" in headers and "Kepatuhan Pleno Mingguan" in headers
    assert len(headers) == len(keys)

    col = {key: i for i, key in enumerate(keys)}
    body = [list(row) for row in ws.iter_rows(min_row=2)]
    assert [r[col["rank"]].value for r in body] == [1, 2, 3]
    assert [r[col["district_code"]].value for r in body] == ["3603", "3601", "3672"]

    first = body[0]
    assert first[col["reporting_rate"]].value == 1.0
    assert first[col["reporting_rate"]].number_format == "0.0%"
    assert first[col["pleno_compliance"]].value == pytest.approx(2 / 9)  # unrounded
    assert first[col["score"]].value == 90.5 and first[col["score"]].number_format == "0.0"
    assert first[col["period_start"]].value.date() == date(2026, 1, 1)
    numeric = {k for k, _h, kind, _w in PERFORMANCE_COLUMNS if kind not in ("text", "status", "date")}
    for row in body:
        for key in numeric:
            assert row[col[key]].value is None or isinstance(row[col[key]].value, int | float), key
    silent = body[2]
    assert silent[col["pleno_quorate_rate"]].value is None
    assert silent[col["score_change"]].value is None

    fills = {r[col["status"]].value: fill_of(r[col["status"]]) for r in body}
    assert fills == {"BAIK": "C6EFCE", "KURANG": "FFC7CE", "TIDAK MELAPOR": "D9D9D9"}
    assert ws.freeze_panes == "D2"
    assert ws.auto_filter.ref == "A1:AB4"
    assert ws.page_setup.orientation == "landscape"


def test_pleno_grid(book, data):
    ws = book["Pleno Mingguan"]
    header_row = next(r for r in ws.iter_rows() if r[0].value == "Kode")
    headers = [c.value for c in header_row]
    assert headers[2] == "W01\n29/12" and headers[3] == "W02\n05/01"
    assert len(headers) == 2 + 9 + 2
    grid = {
        r[0].value: [c.value for c in r[2:11]]
        for r in ws.iter_rows(min_row=header_row[0].row + 1)
        if r[0].value in ("3603", "3601", "3672")
    }
    assert grid["3603"] == ["✗", "✓", "✓", "✗", "✗", "✗", "✗", "✗", "✗"]
    assert grid["3601"] == ["✗"] * 8 + ["✓"]
    assert grid["3672"] == ["✗"] * 9
    row = next(r for r in ws.iter_rows() if r[0].value == "3603")
    assert fill_of(row[3]) == "C6EFCE" and fill_of(row[2]) == "FFC7CE"
    assert row[11].value == 2 and row[12].value == pytest.approx(2 / 9)


def test_prevention_and_kelembagaan(book):
    ws = book["Pencegahan"]
    header = next(r for r in ws.iter_rows() if r[0].value == "Kode")
    headers = [c.value for c in header]
    assert headers[2:14] == list(vocab.ACTIVITY_TYPES)
    assert headers[14:] == ["Jumlah Kegiatan", "Jumlah Peserta", "Kegiatan Berbukti Dukung"]
    rows = {r[0].value: [c.value for c in r] for r in ws.iter_rows(min_row=header[0].row + 1) if r[0].value}
    tangerang = rows["3603"]
    assert tangerang[2] == 3 and tangerang[5] == 1 and tangerang[3] == 0
    assert tangerang[14:] == [4, 1250, 0.75]
    assert rows["3672"][16] is None  # documented rate null -> empty cell
    total = next(r for r in ws.iter_rows() if r[1].value == "Jumlah provinsi")
    assert total[2].value == 3 and total[3].value == 4 and total[15].value == 2500

    ws = book["Kelembagaan"]
    header = next(r for r in ws.iter_rows() if r[0].value == "Kode")
    assert [c.value for c in header][2:10] == list(vocab.ASPECTS)
    rows = {r[0].value: list(r) for r in ws.iter_rows(min_row=header[0].row + 1) if r[0].value}
    tangerang = rows["3603"]
    data_col = 2 + vocab.ASPECTS.index("Pengolahan Data")
    assert tangerang[data_col].value == 75.0 and tangerang[data_col].number_format == "0.0"
    assert tangerang[2].value is None  # aspect not reported -> empty
    assert tangerang[10].value == 62.5
    assert all(c.value is None for c in rows["3672"][2:11])


def test_completeness_sheet(book):
    ws = book["Kelengkapan Data"]
    values = rows_of(ws)
    assert ["3672", "Kota Cilegon", "Januari 2026"] in [v[:3] for v in values]
    assert ["3672", "Kota Cilegon", "Februari 2026"] in [v[:3] for v in values]
    issue = next(v for v in values if v[0] == "3603")
    assert issue == [
        "3603",
        "Kabupaten Tangerang",
        "@Laporan Januari.xlsx",
        "Pleno",
        5,
        "Jenis Pleno",
        FORMULA_LIKE,
        "Jenis Pleno tidak dikenali; pilih salah satu: Rutin, Khusus.",
    ]
    assert ws.auto_filter.ref is not None and ws.auto_filter.ref.startswith("A")


def test_empty_lists_say_so(data, tmp_path):
    data.missing_reports, data.issues = [], []
    data.districts = [d for d in data.districts if d["status"] != "TIDAK MELAPOR"]
    wb = load_workbook(write_leadership_workbook(data, tmp_path / "x.xlsx"))
    texts = [
        c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)
    ]
    assert "Semua laporan bulanan periode ini sudah masuk." in texts
    assert "Tidak ada catatan per baris." in texts
    assert "Semua kabupaten/kota telah melapor." in texts


def test_keep_previous_version_never_overwrites(tmp_path):
    final = tmp_path / "Laporan_Komprehensif_36_2026-B1.xlsx"
    when = datetime(2026, 3, 6, 6, 0, 1, tzinfo=WIB)
    assert keep_previous_version(final, when) is None

    final.write_bytes(b"first")
    kept = keep_previous_version(final, when)
    assert kept == tmp_path / "Laporan_Komprehensif_36_2026-B1_20260306-060001.xlsx"
    assert kept.read_bytes() == b"first" and not final.exists()

    final.write_bytes(b"second")  # same second again: the kept copy must survive
    kept2 = keep_previous_version(final, when)
    assert kept2 == tmp_path / "Laporan_Komprehensif_36_2026-B1_20260306-060001_2.xlsx"
    assert kept.read_bytes() == b"first" and kept2.read_bytes() == b"second"

    final.write_bytes(b"third")
    assert keep_previous_version(final, when).name.endswith("_3.xlsx")
