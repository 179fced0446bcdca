"""The leadership workbook (laporan komprehensif) written from hand-made LeadershipData."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from rekap.consolidation.leadership_workbook import PERFORMANCE_COLUMNS, write_leadership_workbook
from rekap.consolidation.prevention_forms import FORMS, load_prevention_forms
from rekap.consolidation.report_data import LATE, MISSING, ON_TIME, LeadershipData
from rekap.consolidation.report_sheets import keep_previous_version, leadership_filename
from rekap.periods import Period, week_monday, weeks_of_period

WIB = ZoneInfo("Asia/Jakarta")
PERIOD = Period(2026, 1)
FORMULA_LIKE = '=HYPERLINK("http://x.example")'


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


def reporting(code, name, month, state, received=None, late=None) -> dict:
    return {
        "district_code": code,
        "district_name": name,
        "year": 2026,
        "month": month,
        "state": state,
        "received_at": received,
        "days_late": late,
    }


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
        prevention={
            "3603": {
                "Sosialisasi": {"activities": 3, "participants": 1000, "documented": 2},
                "Patroli Pengawasan": {"activities": 1, "participants": 250, "documented": 1},
            },
            "3601": {"Imbauan": {"activities": 4, "participants": 1250, "documented": 3}},
        },
        forms=load_prevention_forms(),
        deadline=datetime(2026, 3, 5, 23, 59, 59, tzinfo=WIB),
        reporting=[
            reporting("3603", "Kabupaten Tangerang", 1, LATE, datetime(2026, 2, 9, 10, tzinfo=WIB), 4),
            reporting("3603", "Kabupaten Tangerang", 2, ON_TIME, datetime(2026, 3, 4, 10, tzinfo=WIB)),
            reporting("3601", "Kabupaten Pandeglang", 1, ON_TIME, datetime(2026, 2, 2, 10, tzinfo=WIB)),
            reporting("3601", "Kabupaten Pandeglang", 2, ON_TIME, datetime(2026, 3, 2, 10, tzinfo=WIB)),
            reporting("3672", "Kota Cilegon", 1, MISSING),
            reporting("3672", "Kota Cilegon", 2, MISSING),
        ],
        kelembagaan_by_aspect={"3603": {"Pengolahan Data": 75.0, "Modernisasi Birokrasi": 50.0}},
        issues=[
            {
                "district_code": "3603",
                "district_name": "Kabupaten Tangerang",
                "file_name": "@Laporan Januari.xlsx",
                "sheet": "Pleno",
                "cell": "D5",
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
        "Kelengkapan Laporan",
        "Pleno Mingguan",
        "Pencegahan",
        "Kelembagaan",
        "Catatan Data",
        "Metode",
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
    cells = {c.value: c for row in book["Catatan Data"].iter_rows() for c in row if c.value is not None}
    assert cells[FORMULA_LIKE].data_type == "s"
    assert cells["@Laporan Januari.xlsx"].data_type == "s"


def test_every_sheet_has_title_block_and_prints_a4_landscape_one_page_wide(book):
    for ws in book.worksheets:
        assert ws["A1"].value.startswith("LAPORAN KOMPREHENSIF"), ws.title
        assert "Banten" in ws["A2"].value and "Januari – Februari 2026" in ws["A2"].value, ws.title
        assert ws["A3"].value.startswith("DRAF"), ws.title
        assert (
            int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4) and ws.page_setup.orientation == "landscape"
        )
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
        assert ws.page_setup.fitToHeight == 0, ws.title
        assert "&P" in ws.oddFooter.center.text and "2026-B1" in ws.oddFooter.left.text
        assert "06/03/2026 06:00 WIB" in ws.oddFooter.right.text
        if ws.title != "Ringkasan":
            assert ws.print_title_rows, ws.title
    # Ringkasan prints its content columns only, not the chart's hidden data (AA:AD)
    summary = book["Ringkasan"]
    assert summary.print_area == f"'Ringkasan'!$A$1:$D${summary.max_row}"
    assert all(summary.column_dimensions[c].hidden for c in ("AA", "AB", "AC", "AD"))


def test_summary_names_every_missing_late_and_kurang_district(book):
    ws = book["Ringkasan"]
    rows = [[c.value for c in r[:4]] for r in ws.iter_rows()]
    attention = [r for r in rows if r[0] in ("3672", "3601", "3603")]
    topics = {(r[0], r[2]) for r in attention}
    assert ("3672", "TIDAK MELAPOR") in topics and ("3672", "BELUM MASUK") in topics
    assert ("3601", "KURANG") in topics and ("3603", "TERLAMBAT") in topics
    texts = [c for r in rows for c in r if isinstance(c, str)]
    assert not any("telah melapor" in t for t in texts)
    assert any("Laporan Februari 2026 belum masuk" in t for t in texts)
    headline = next(r for r in rows if r[0] == "Tingkat pelaporan")
    assert headline[2] == pytest.approx(4 / 6) and "periode pertama" in headline[3]
    assert len(ws._charts) == 1
    chart = ws._charts[0]
    colours = [str(p.graphicalProperties.solidFill.srgbClr) for p in chart.series[0].dPt]
    assert colours == ["63BE7B", "F8696B", "A6A6A6"]  # BAIK, KURANG, TIDAK MELAPOR in rank order


def test_performance_sheet_has_no_constant_columns_and_colours_rates(book):
    ws = book["Kinerja Kab-Kota"]
    keys = [c[0] for c in PERFORMANCE_COLUMNS]
    header = next(r for r in ws.iter_rows() if r[0].value == "Peringkat")
    assert [c.value for c in header][:6] == [
        "Peringkat",
        "Kode",
        "Kabupaten/Kota",
        "Skor (0–100)",
        "Status",
        "Perubahan Skor (poin)",
    ]
    body = [r for r in ws.iter_rows(min_row=header[0].row + 1) if isinstance(r[0].value, int)]
    col = {key: i for i, key in enumerate(keys)}
    assert [r[col["district_code"]].value for r in body] == ["3603", "3601", "3672"]
    for key in keys:  # no column repeats one value for every row
        assert len({r[col[key]].value for r in body}) > 1 or key in ("reports_received",), key
    first = body[0]
    assert first[col["pleno_compliance"]].value == pytest.approx(2 / 9)
    assert fill_of(first[col["pleno_compliance"]]) == "FFC7CE"  # 22 % is red, whatever the status
    assert fill_of(first[col["reporting_rate"]]) == "C6EFCE"
    assert body[2][col["score_change"]].value == "–"


def test_reporting_and_pleno_grids(book):
    ws = book["Kelengkapan Laporan"]
    rows = {r[0].value: [c.value for c in r] for r in ws.iter_rows() if r[0].value in ("3603", "3672")}
    assert (
        rows["3603"][2] == "09/02/2026 · terlambat 4 hari" and rows["3603"][3] == "04/03/2026 · tepat waktu"
    )
    assert rows["3672"][2:4] == ["BELUM MASUK", "BELUM MASUK"]
    ws = book["Pleno Mingguan"]
    header = next(r for r in ws.iter_rows() if r[0].value == "Kode")
    assert header[2].value == "Minggu 1\n29/12–04/01"
    grid = {r[0].value: [c.value for c in r[2:11]] for r in ws.iter_rows() if r[0].value in ("3603", "3672")}
    assert grid["3603"] == ["✗", "✓", "✓", "✗", "✗", "✗", "✗", "✗", "✗"]
    assert grid["3672"] == ["–"] * 9  # no report: unknown, not "no pleno"


def test_prevention_by_form_and_jenis(book):
    ws = book["Pencegahan"]
    header = next(r for r in ws.iter_rows() if r[0].value == "Kode")
    assert [c.value for c in header][2:10] == list(FORMS)
    tangerang = next([c.value for c in r] for r in ws.iter_rows() if r[0].value == "3603")
    # Sosialisasi 3 -> Pendidikan; Patroli Pengawasan 1 -> Partisipasi Masyarakat
    assert tangerang[2:10] == [0, 3, 1, 0, 0, 0, 0, 0] and tangerang[10:13] == [4, 1250, 0.75]
    jenis_header = [r for r in ws.iter_rows() if r[0].value == "Kode"][1]
    names = [c.value for c in jenis_header if c.value]
    assert "Naskah Dinas" in names and "Partisipasi Masyarakat" in names


def test_issues_name_their_cell_and_old_issues_their_row(data, tmp_path):
    """Catatan Data shows the cell (metrics.md: e.g. ``I5``); an issue loaded before the
    warehouse kept cells (NULL) shows its row, its column header beside it."""
    old = {**data.issues[0], "cell": None, "excel_row": 7, "value": "Rapat"}
    book = load_workbook(
        write_leadership_workbook(replace(data, issues=[data.issues[0], old]), tmp_path / "o.xlsx")
    )
    rows = [r for r in rows_of(book["Catatan Data"]) if r[0] == "3603"]
    assert [r[3:6] for r in rows] == [["Pleno", "D5", "Jenis Pleno"], ["Pleno", "baris 7", "Jenis Pleno"]]
    header = next(r for r in rows_of(book["Catatan Data"]) if r[0] == "Kode")
    assert header[4] == "Sel"


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


def test_the_chair_reads_the_headline_figures_first_and_status_with_chart_on_a_page(data, tmp_path):
    """Ringkasan: the headline figures above everything that needs attention (on page 1
    whatever the province's size), then a page break, then the status counts with the chart."""
    many = [
        district_row(f"35{n:02d}", f"Kabupaten {n}", n, 90 - n / 2, "BAIK" if n < 10 else "CUKUP")
        for n in range(1, 39)
    ]  # a province of 38 districts
    for districts, labelled in ((data.districts, True), (many, False)):
        path = write_leadership_workbook(
            replace(data, districts=districts), tmp_path / f"{len(districts)}.xlsx"
        )
        ws = load_workbook(path)["Ringkasan"]
        titles = {c.value: c.row for c in ws["A"] if c.value in ("ANGKA UTAMA PROVINSI", "STATUS KAB/KOTA")}
        attention = next(c.row for c in ws["A"] if str(c.value).startswith("PERLU PERHATIAN"))
        assert titles["ANGKA UTAMA PROVINSI"] < attention < titles["STATUS KAB/KOTA"]
        assert [b.id for b in ws.row_breaks.brk] == [titles["STATUS KAB/KOTA"] - 1]
        (chart,) = ws._charts
        # score labels above 38 bars overlap on A4: the Kinerja sheet has the numbers
        assert (chart.series[0].dLbls is not None) is labelled
