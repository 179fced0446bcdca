"""Every "accepted" tolerance of report-format.md, and every row-level problem, on real files."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from rekap.report import vocab
from rekap.report.check import check_file
from rekap.report.model import ACCEPTED, ACCEPTED_WITH_ISSUES, REJECTED, Report
from rekap.report.reader import is_running_number
from rekap.report.template import example_values
from workbooks import (
    FIELD_OF_LABEL,
    KELEMBAGAAN_HEADERS,
    PENCEGAHAN_HEADERS,
    PLENO_HEADERS,
    kelembagaan_row,
    laid_out,
    pencegahan_row,
    pleno_row,
    write_report,
)

FIXTURES = Path(__file__).parent / "fixtures"
IDENTITY = [
    ("Kode Kab/Kota", "3603"),
    ("Nama Kab/Kota", "Kabupaten Tangerang"),
    ("Bulan", "Januari"),
    ("Tahun", 2026),
    ("Jumlah Anggota", 5),
]


def write_book(
    path: Path,
    sheets: dict[str, list[list[Any]]],
    identity: list[tuple[str, Any]] | None = None,
    identity_sheet: str = "Identitas",
    merges: dict[str, list[str]] | None = None,
    formats: dict[str, dict[str, str]] | None = None,
) -> Path:
    """A workbook cell by cell: ``sheets`` maps a sheet name to its rows from row 1."""
    wb = Workbook()
    ws = wb.active
    ws.title = identity_sheet
    for row in identity or IDENTITY:
        ws.append(list(row))
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        headers: list[Any] = []  # a dict row goes under the first row naming a format header
        for row in rows:
            ws.append(laid_out(row, headers))
            if not headers and isinstance(row, list) and any(h in FIELD_OF_LABEL for h in row):
                headers = row
        for rng in (merges or {}).get(name, []):
            ws.merge_cells(rng)
        for coord, fmt in (formats or {}).get(name, {}).items():
            ws[coord].number_format = fmt
    wb.save(path)
    return path


def check(path: Path, banten, now) -> Report:
    return check_file(path, banten, now, folder_district="3603")


def issues_at(report: Report, sheet: str, row: int, column: str):
    return [i for i in report.issues if (i.sheet, i.row, i.column) == (sheet, row, column)]


def one_issue(report: Report, sheet: str, row: int, column: str, value: str | None, rule: str):
    found = [i for i in issues_at(report, sheet, row, column) if i.rule == rule]
    assert len(found) == 1, (sheet, row, column, rule, report.issues)
    issue = found[0]
    assert issue.value == value
    assert len(issue.problem) > 15  # says what is expected, in Indonesian
    return issue


# --- layout --------------------------------------------------------------------------------


def test_title_rows_and_merged_title_cells_above_the_header(tmp_path, banten, now):
    path = write_book(
        tmp_path / "r.xlsx",
        {
            "Pleno": [
                ["LAPORAN RAPAT PLENO"],
                ["BAWASLU KABUPATEN TANGERANG", None, None, None, "Bulan: Januari 2026"],
                [],
                PLENO_HEADERS,
                pleno_row(1, date(2026, 1, 5)),
            ]
        },
        merges={"Pleno": ["A1:I1", "A2:D2", "E2:I2"]},
    )
    report = check(path, banten, now)
    assert report.status == ACCEPTED, (report.rejection, report.issues)
    assert [r.row for r in report.records["pleno"]] == [5]


def test_header_on_row_15_is_found(tmp_path, banten, now):
    rows = [[f"judul {i}"] for i in range(14)] + [PLENO_HEADERS, pleno_row(1, date(2026, 1, 5))]
    report = check(write_book(tmp_path / "r.xlsx", {"Pleno": rows}), banten, now)
    assert report.status == ACCEPTED
    assert [r.row for r in report.records["pleno"]] == [16]


def test_header_on_row_16_is_rejected_as_columns_missing(tmp_path, banten, now):
    rows = [[f"judul {i}"] for i in range(15)] + [PLENO_HEADERS, pleno_row(1, date(2026, 1, 5))]
    report = check(write_book(tmp_path / "r.xlsx", {"Pleno": rows}), banten, now)
    assert report.status == REJECTED
    assert report.rejection_code == "columns_missing"
    assert "15 baris pertama" in report.rejection


def test_renamed_reordered_headers_and_aliases(tmp_path, banten, now):
    headers = [
        "Keputusan :",
        "NOTULA",
        "TGL",
        "No. Berita Acara",
        "Jenis\nPleno",
        "Jml  Hadir *",
        "Acara",
        "nomor",
    ]
    row = ["Disetujui", "Ada", "12/01/2026", "BA-7", "Khusus", 4, "Evaluasi", 1]
    enc_headers = ["Tanggal (dd/mm/yyyy)", "Bentuk Kegiatan", "Uraian Kegiatan", "Tempat", "Sasaran Kegiatan"]
    enc_headers += ["Jml Peserta", "Output", "Dokumentasi"]
    enc_row = [
        "19/01/2026",
        "Sosialisasi",
        "Sosialisasi pemilih",
        "Kec. Curug",
        "Pemilih pemula",
        30,
        "Ok",
        "Ada",
    ]
    path = write_book(tmp_path / "r.xlsx", {"Pleno": [headers, row], "Pencegahan": [enc_headers, enc_row]})
    report = check(path, banten, now)
    assert report.status == ACCEPTED, (report.rejection, report.issues)
    pleno = report.records["pleno"][0]
    assert pleno.value("date") == date(2026, 1, 12)
    assert pleno.value("pleno_type") == "Khusus"
    assert pleno.value("minutes_number") == "BA-7"
    assert pleno.value("attendance") == 4
    assert pleno.value("decision") == "Disetujui"
    assert pleno.value("agenda") == "Evaluasi"
    assert pleno.value("minutes") is True
    assert pleno.cells["remarks"].text is None  # optional and absent
    activity = report.records["pencegahan"][0]
    assert (activity.value("location"), activity.value("participants")) == ("Kec. Curug", 30)
    assert report.warnings == []


def test_unknown_extra_column_is_ignored_with_a_warning(tmp_path, banten, now):
    headers = [*PLENO_HEADERS[:4], "Foto Kegiatan", *PLENO_HEADERS[4:]]
    row = {**pleno_row(1, date(2026, 1, 5)), "Foto Kegiatan": "foto.jpg"}
    report = check(write_book(tmp_path / "r.xlsx", {"Pleno": [headers, row]}), banten, now)
    assert report.status == ACCEPTED
    assert report.records["pleno"][0].value("attendance") == 5
    assert any("Foto Kegiatan" in w and "diabaikan" in w for w in report.warnings)


def test_blank_rows_and_rows_with_only_no_are_skipped(tmp_path, banten, now):
    rows = [
        PLENO_HEADERS,
        pleno_row(1, date(2026, 1, 5)),
        [],
        [None, "  ", None, "-"],  # blank: whitespace and "-" only
        pleno_row(2, date(2026, 1, 12)),
        [3],  # pre-numbered, never filled
        [4, None, None, None, None, None, None, None, "-"],
        [],
    ]
    report = check(write_book(tmp_path / "r.xlsx", {"Pleno": rows}), banten, now)
    assert report.status == ACCEPTED
    assert [r.row for r in report.records["pleno"]] == [2, 5]


def test_sheet_names_match_case_insensitively_after_trimming(tmp_path, banten, now):
    path = write_report(
        tmp_path / "r.xlsx",
        pleno=[pleno_row(1, date(2026, 1, 5))],
        pencegahan=[pencegahan_row(1, date(2026, 1, 6))],
        kelembagaan=[kelembagaan_row()],
        sheet_names={
            "Identitas": "IDENTITAS ",
            "Pleno": " pleno",
            "Pencegahan": "PENCEGAHAN",
            "Kelembagaan": "kelembagaan ",
        },
    )
    report = check(path, banten, now)
    assert report.status == ACCEPTED, report.rejection
    assert report.record_counts() == {"pleno": 1, "pencegahan": 1, "kelembagaan": 1}
    # issues and the warehouse use the format's sheet names
    assert report.records["pleno"][0].sheet == "Pleno"


def test_kelembagaan_is_optional(tmp_path, banten, now):
    path = write_report(tmp_path / "r.xlsx", pencegahan=[pencegahan_row(1, date(2026, 1, 6))])
    report = check(path, banten, now)
    assert report.status == ACCEPTED
    assert report.record_counts() == {"pleno": 0, "pencegahan": 1, "kelembagaan": 0}


def test_other_sheets_are_ignored(tmp_path, banten, now):
    path = write_book(
        tmp_path / "r.xlsx",
        {
            "Pleno": [PLENO_HEADERS, pleno_row(1, date(2026, 1, 5))],
            "Catatan": [["bebas"], ["No", "apa saja"]],
        },
    )
    assert check(path, banten, now).status == ACCEPTED


# --- cell values ---------------------------------------------------------------------------

DATE_FORMS = [
    date(2026, 1, 12),
    datetime(2026, 1, 12, 10, 0),
    46034,  # a bare Excel serial number (General format)
    "46034",  # the serial as text
    "12/01/2026",
    "12-01-2026",
    "12.01.2026",
    "2026-01-12",
    "12 Januari 2026",
    "12 Jan 2026",
    "Senin, 12 Januari 2026",
]


def test_all_date_forms_in_cells(tmp_path, banten, now):
    rows = [PLENO_HEADERS] + [pleno_row(n, d, ba=f"BA-{n}") for n, d in enumerate(DATE_FORMS, start=1)]
    report = check(write_book(tmp_path / "r.xlsx", {"Pleno": rows}), banten, now)
    assert report.status == ACCEPTED, report.issues
    assert [r.value("date") for r in report.records["pleno"]] == [date(2026, 1, 12)] * len(DATE_FORMS)


def test_numbers_as_text_thousands_and_units(tmp_path, banten, now):
    rows = [
        PENCEGAHAN_HEADERS,
        pencegahan_row(1, date(2026, 1, 5), peserta="40"),
        pencegahan_row(2, date(2026, 1, 6), peserta="1.250"),
        pencegahan_row(3, date(2026, 1, 7), peserta="25 orang"),
        pencegahan_row(4, date(2026, 1, 8), peserta=12.0),
    ]
    pleno = [
        PLENO_HEADERS,
        pleno_row(1, date(2026, 1, 5), hadir="3 orang"),
        pleno_row(2, date(2026, 1, 6), hadir="5"),
    ]
    report = check(write_book(tmp_path / "r.xlsx", {"Pleno": pleno, "Pencegahan": rows}), banten, now)
    assert report.status == ACCEPTED, report.issues
    assert [r.value("participants") for r in report.records["pencegahan"]] == [40, 1250, 25, 12]
    assert [r.value("attendance") for r in report.records["pleno"]] == [3, 5]


def test_enum_variants_in_cells(tmp_path, banten, now):
    pleno = [
        PLENO_HEADERS,
        pleno_row(1, date(2026, 1, 5), jenis="rutin mingguan"),
        pleno_row(2, date(2026, 1, 6), jenis=" KHUSUS "),
    ]
    enc = [
        PENCEGAHAN_HEADERS,
        pencegahan_row(1, date(2026, 1, 5), jenis="P2P"),
        pencegahan_row(2, date(2026, 1, 6), jenis="himbauan"),
        pencegahan_row(3, date(2026, 1, 7), jenis="Kampung / Pojok Pengawasan"),
    ]
    kel = [KELEMBAGAAN_HEADERS, kelembagaan_row(aspek="ppid"), kelembagaan_row(aspek="PENGOLAHAN DATA")]
    report = check(
        write_book(tmp_path / "r.xlsx", {"Pleno": pleno, "Pencegahan": enc, "Kelembagaan": kel}), banten, now
    )
    assert report.status == ACCEPTED, report.issues
    assert [r.value("pleno_type") for r in report.records["pleno"]] == ["Rutin", "Khusus"]
    assert [r.value("activity_type") for r in report.records["pencegahan"]] == [
        "Pendidikan Pengawas Partisipatif",
        "Imbauan",
        "Kampung/Pojok Pengawasan",
    ]
    assert [r.value("aspect") for r in report.records["kelembagaan"]] == [
        "Pelayanan Informasi Hukum dan PPID",
        "Pengolahan Data",
    ]


def test_capaian_as_percent_text_and_as_fraction_formatted_as_percent(tmp_path, banten, now):
    kel = [
        KELEMBAGAAN_HEADERS,
        kelembagaan_row(capaian="85%"),
        kelembagaan_row(capaian=0.85, program="Program B"),
        kelembagaan_row(capaian="85,5", program="Program C"),
        kelembagaan_row(capaian=0.5, program="Program D"),  # fraction without percent format: 0.5
    ]
    path = write_book(
        tmp_path / "r.xlsx",
        {"Pleno": [PLENO_HEADERS, pleno_row(1, date(2026, 1, 5))], "Kelembagaan": kel},
        formats={"Kelembagaan": {"D3": "0%"}},
    )
    report = check(path, banten, now)
    assert report.status == ACCEPTED, report.issues
    assert [r.value("progress") for r in report.records["kelembagaan"]] == pytest.approx([85, 85, 85.5, 0.5])


def test_formula_cells_use_the_cached_value_computed_by_libreoffice(banten, now):
    # formulas_libreoffice.xlsx = formulas_source.xlsx (openpyxl) recalculated and saved by
    # LibreOffice; Jumlah Anggota, dates, text, counts and Capaian are all formulas.
    report = check(FIXTURES / "formulas_libreoffice.xlsx", banten, now)
    assert report.status == ACCEPTED, (report.rejection, report.issues)
    assert report.identity.members == 5
    pleno = report.records["pleno"]
    assert [
        (r.value("no"), r.value("date"), r.value("pleno_type"), r.value("attendance")) for r in pleno
    ] == [
        ("1", date(2026, 1, 5), "Rutin", 4),
        ("2", date(2026, 1, 12), "Khusus", 5),
    ]
    assert pleno[1].value("minutes_number") == "BA-002"
    assert report.records["pencegahan"][0].value("participants") == 45
    assert report.records["kelembagaan"][0].value("progress") == 75


def test_formulas_without_cached_values_read_as_empty(banten, now):
    # The same formulas as written by openpyxl (no cached values): nothing to read, so the
    # LibreOffice fixture above really tests cached values.
    report = check(FIXTURES / "formulas_source.xlsx", banten, now)
    assert report.rejection_code == "identity_incomplete"
    assert "Jumlah Anggota" in report.rejection


def test_merged_cells_in_the_data_area_belong_to_the_top_left_cell(tmp_path, banten, now):
    rows = [
        PLENO_HEADERS,
        pleno_row(1, date(2026, 1, 5), ba="BA-1"),
        pleno_row(2, None, ba="BA-2"),
        pleno_row(3, date(2026, 1, 12), ba="BA-3"),
    ]
    rows[3]["decision"] = None  # Keputusan of row 4 lies under the merge below
    # Tanggal merged over rows 2-3; Keputusan merged over rows 3-4
    path = write_book(tmp_path / "r.xlsx", {"Pleno": rows}, merges={"Pleno": ["B2:B3", "G3:G4"]})
    report = check(path, banten, now)
    pleno = {r.row: r for r in report.records["pleno"]}
    assert pleno[2].value("date") == date(2026, 1, 5)
    assert pleno[3].value("date") is None
    assert pleno[3].value("decision") == "Disetujui"
    assert pleno[4].value("decision") is None
    one_issue(report, "Pleno", 3, "Tanggal", None, "required")
    one_issue(report, "Pleno", 4, "Keputusan", None, "required")


def test_ods_reads_the_same_as_xlsx(banten, now):
    # report_libreoffice.ods = report_source.xlsx saved as .ods by LibreOffice
    ods = check(FIXTURES / "report_libreoffice.ods", banten, now)
    xlsx = check(FIXTURES / "report_source.xlsx", banten, now)
    assert ods.status == xlsx.status == ACCEPTED, (ods.rejection, ods.issues)
    assert ods.identity == xlsx.identity
    for kind in ("pleno", "pencegahan", "kelembagaan"):
        assert len(ods.records[kind]) == 2
        for a, b in zip(ods.records[kind], xlsx.records[kind], strict=True):
            assert a.row == b.row
            assert {n: (c.text, c.value) for n, c in a.cells.items()} == {
                n: (c.text, c.value) for n, c in b.cells.items()
            }
    # the percent-formatted 0.85 is 85 in both
    assert [r.value("progress") for r in ods.records["kelembagaan"]] == [85, 40]
    assert ods.records["pencegahan"][0].value("participants") == 1250


# --- row-level problems --------------------------------------------------------------------


def test_required_cell_empty_or_dash(tmp_path, banten, now):
    empty = pleno_row(1, date(2026, 1, 5))
    empty["agenda"] = None
    dash = pleno_row(2, date(2026, 1, 6))
    dash["minutes"] = "-"
    enc = pencegahan_row(1, date(2026, 1, 5), lokasi="  ")
    path = write_book(
        tmp_path / "r.xlsx", {"Pleno": [PLENO_HEADERS, empty, dash], "Pencegahan": [PENCEGAHAN_HEADERS, enc]}
    )
    report = check(path, banten, now)
    assert report.status == ACCEPTED_WITH_ISSUES
    one_issue(report, "Pleno", 2, "Agenda", None, "required")
    one_issue(report, "Pleno", 3, "Notulen", "-", "required")  # quoted as typed, still not filled
    one_issue(report, "Pencegahan", 2, "Lokasi", None, "required")
    assert report.records["pleno"][1].cells["minutes"].present is False
    assert len(report.issues) == 3


def test_unreadable_values_and_unrecognised_enums(tmp_path, banten, now):
    pleno = [
        PLENO_HEADERS,
        pleno_row(1, "besok", jenis="Harian"),
        pleno_row(2, "31/02/2026", hadir="lima"),
    ]
    enc = [PENCEGAHAN_HEADERS, pencegahan_row(1, date(2026, 1, 5), jenis="Rapat", peserta="banyak")]
    kel = [KELEMBAGAAN_HEADERS, kelembagaan_row(aspek="Keuangan", capaian="tinggi")]
    path = write_book(tmp_path / "r.xlsx", {"Pleno": pleno, "Pencegahan": enc, "Kelembagaan": kel})
    report = check(path, banten, now)
    assert report.status == ACCEPTED_WITH_ISSUES
    one_issue(report, "Pleno", 2, "Tanggal", "besok", "readable")
    one_issue(report, "Pleno", 2, "Jenis Pleno", "Harian", "enumeration")
    one_issue(report, "Pleno", 3, "Tanggal", "31/02/2026", "readable")
    one_issue(report, "Pleno", 3, "Jumlah Hadir", "lima", "readable")
    one_issue(report, "Pencegahan", 2, "Jenis Kegiatan", "Rapat", "enumeration")
    one_issue(report, "Pencegahan", 2, "Jumlah Peserta", "banyak", "readable")
    one_issue(report, "Kelembagaan", 2, "Aspek", "Keuangan", "enumeration")
    one_issue(report, "Kelembagaan", 2, "Capaian (%)", "tinggi", "readable")
    # the unreadable cells count as not filled and have no value
    record = report.records["pleno"][0]
    assert record.cells["date"].readable is False and record.value("date") is None
    assert record.value("pleno_type") is None


def test_counts_negative_fractional_or_above_members(tmp_path, banten, now):
    pleno = [
        PLENO_HEADERS,
        pleno_row(1, date(2026, 1, 5), hadir=6),  # 5 members
        pleno_row(2, date(2026, 1, 6), hadir=-1),
        pleno_row(3, date(2026, 1, 7), hadir=2.5),
        pleno_row(4, date(2026, 1, 8), hadir=5),
    ]
    enc = [
        PENCEGAHAN_HEADERS,
        pencegahan_row(1, date(2026, 1, 5), peserta=-3),
        pencegahan_row(2, date(2026, 1, 6), peserta="12,5"),
    ]
    path = write_book(tmp_path / "r.xlsx", {"Pleno": pleno, "Pencegahan": enc})
    report = check(path, banten, now)
    one_issue(report, "Pleno", 2, "Jumlah Hadir", "6", "attendance_within_members")
    one_issue(report, "Pleno", 3, "Jumlah Hadir", "-1", "range")
    one_issue(report, "Pleno", 4, "Jumlah Hadir", "2.5", "readable")
    assert issues_at(report, "Pleno", 5, "Jumlah Hadir") == []
    one_issue(report, "Pencegahan", 2, "Jumlah Peserta", "-3", "range")
    one_issue(report, "Pencegahan", 3, "Jumlah Peserta", "12,5", "readable")
    # values outside their rule are absent everywhere downstream
    assert [r.value("attendance") for r in report.records["pleno"]] == [None, None, None, 5]
    assert [r.value("participants") for r in report.records["pencegahan"]] == [None, None]


def test_capaian_outside_0_to_100(tmp_path, banten, now):
    kel = [
        KELEMBAGAAN_HEADERS,
        kelembagaan_row(capaian=150),
        kelembagaan_row(capaian="-5", program="B"),
        kelembagaan_row(capaian=100, program="C"),
        kelembagaan_row(capaian=0, program="D"),
    ]
    path = write_book(
        tmp_path / "r.xlsx", {"Pleno": [PLENO_HEADERS, pleno_row(1, date(2026, 1, 5))], "Kelembagaan": kel}
    )
    report = check(path, banten, now)
    one_issue(report, "Kelembagaan", 2, "Capaian (%)", "150", "range")
    one_issue(report, "Kelembagaan", 3, "Capaian (%)", "-5", "range")
    assert len(report.issues) == 2
    assert [r.value("progress") for r in report.records["kelembagaan"]] == [None, None, 100, 0]


def test_date_outside_the_report_month_is_kept_and_counts_as_filled(tmp_path, banten, now):
    rows = [
        PLENO_HEADERS,
        pleno_row(1, date(2025, 12, 29)),
        pleno_row(2, "02/02/2026"),
        pleno_row(3, date(2026, 1, 31)),
    ]
    report = check(write_book(tmp_path / "r.xlsx", {"Pleno": rows}), banten, now)
    assert report.status == ACCEPTED_WITH_ISSUES
    one_issue(report, "Pleno", 2, "Tanggal", "29/12/2025", "date_in_month")
    one_issue(report, "Pleno", 3, "Tanggal", "02/02/2026", "date_in_month")
    assert len(report.issues) == 2
    first, second, _ = report.records["pleno"]
    assert first.value("date") == date(2025, 12, 29) and first.cells["date"].readable
    assert second.value("date") == date(2026, 2, 2) and second.cells["date"].readable


def test_duplicate_pleno_and_duplicate_activity(tmp_path, banten, now):
    pleno = [
        PLENO_HEADERS,
        pleno_row(1, date(2026, 1, 5), ba="001/BA/2026"),
        pleno_row(2, "05/01/2026", ba=" 001/ba/2026 "),  # same date and number, typed differently
        pleno_row(3, date(2026, 1, 6), ba="001/BA/2026"),  # another day: not a duplicate
    ]
    enc = [
        PENCEGAHAN_HEADERS,
        pencegahan_row(1, date(2026, 1, 7)),
        pencegahan_row(1, date(2026, 1, 7)),  # same date, Jenis, Nama, Lokasi
        pencegahan_row(1, date(2026, 1, 7), lokasi="Kec. Legok"),  # another place
    ]
    report = check(write_book(tmp_path / "r.xlsx", {"Pleno": pleno, "Pencegahan": enc}), banten, now)
    assert report.status == ACCEPTED_WITH_ISSUES
    duplicate_rows = {(i.sheet, i.row) for i in report.issues if i.rule == "duplicate"}
    assert ("Pleno", 3) in duplicate_rows and ("Pencegahan", 3) in duplicate_rows
    assert ("Pleno", 4) not in duplicate_rows and ("Pencegahan", 4) not in duplicate_rows
    pleno_dup = one_issue(report, "Pleno", 3, "Nomor Berita Acara", "001/ba/2026", "duplicate")
    assert "ganda" in pleno_dup.problem
    enc_dup = one_issue(report, "Pencegahan", 3, "Nama Kegiatan", "Sosialisasi pengawasan 1", "duplicate")
    assert "ganda" in enc_dup.problem
    # both records are kept (counting once is the metrics' job)
    assert len(report.records["pleno"]) == 3 and len(report.records["pencegahan"]) == 3


def test_untouched_example_rows_are_not_records_wherever_no_is(tmp_path, banten, now):
    """The template's example (its exact values, as a cell, text or number) is skipped even with
    No elsewhere than column A; a row marked Contoh that holds other values is a record, since a
    district typed it (report-format.md: no filled row is dropped without a word)."""
    pleno_example = example_values(vocab.PLENO, 2026, 1)
    headers = ["Tanggal", "Jenis Pleno", "No", *PLENO_HEADERS[3:]]  # No is not column A here
    order = ["date", "pleno_type", "no", *[f.name for f in vocab.SHEET_FIELDS[vocab.PLENO]][3:]]
    example = [pleno_example[name] for name in order]
    example[2] = " CONTOH "  # the marker, loosely typed
    example[4] = str(example[4])  # Jumlah Hadir as text: still the example's value
    typed_over = [date(2026, 1, 6), "Rutin", "Contoh", "BA-9", 5, "x", "y", "Ada", None]
    real = [date(2026, 1, 7), "Rutin", 1, "BA-1", 5, "x", "y", "Ada", None]
    kel_example = list(example_values(vocab.KELEMBAGAAN, 2026, 1).values())
    kel = [KELEMBAGAAN_HEADERS, kel_example, kelembagaan_row()]
    path = write_book(
        tmp_path / "r.xlsx", {"Pleno": [headers, example, typed_over, real], "Kelembagaan": kel}
    )
    report = check(path, banten, now)
    assert report.status == ACCEPTED, report.issues
    assert [r.row for r in report.records["pleno"]] == [3, 4]
    assert report.records["pleno"][0].cells["minutes_number"].text == "BA-9"
    assert [r.row for r in report.records["kelembagaan"]] == [3]


def test_numbered_empty_rows_are_skipped_in_every_sheet(tmp_path, banten, now):
    """A pre-numbered empty table: only a running number in No, or in the first column of a
    sheet without No (Kelembagaan: Aspek), is no record, however the number is typed."""
    kel = [KELEMBAGAAN_HEADERS, kelembagaan_row(), *[[n] for n in (2, 3.0, "4", "5.")]]
    pleno = [PLENO_HEADERS, pleno_row(1, date(2026, 1, 5)), [2], ["3"]]
    enc = [PENCEGAHAN_HEADERS, [1], [2.0]]
    path = write_book(tmp_path / "r.xlsx", {"Pleno": pleno, "Pencegahan": enc, "Kelembagaan": kel})
    report = check(path, banten, now)
    assert report.status == ACCEPTED, report.issues
    assert report.record_counts() == {"pleno": 1, "pencegahan": 0, "kelembagaan": 1}


def test_numbered_empty_kelembagaan_table_alone_yields_no_records(tmp_path, banten, now):
    kel = [KELEMBAGAAN_HEADERS, *[[n] for n in range(1, 9)]]
    path = write_book(
        tmp_path / "r.xlsx", {"Pleno": [PLENO_HEADERS, pleno_row(1, date(2026, 1, 5))], "Kelembagaan": kel}
    )
    report = check(path, banten, now)
    assert report.status == ACCEPTED, report.issues
    assert report.records["kelembagaan"] == []


def test_a_lone_value_that_is_not_a_running_number_is_a_record(tmp_path, banten, now):
    """Only whole numbers are running numbers: a lone aspect, or a lone "2a", is something the
    district filled, so it is a record with its missing cells listed, never dropped."""
    kel = [KELEMBAGAAN_HEADERS, ["Pengolahan Data"], ["1,5"]]
    pleno = [PLENO_HEADERS, ["2a"]]
    report = check(write_book(tmp_path / "r.xlsx", {"Pleno": pleno, "Kelembagaan": kel}), banten, now)
    assert report.record_counts() == {"pleno": 1, "pencegahan": 0, "kelembagaan": 2}
    assert report.status == ACCEPTED_WITH_ISSUES


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        *[(4, True), (4.0, True), ("4", True), (" 12. ", True), ("3)", True), (0, True)],
        *[
            (4.5, False),
            (-1, False),
            ("4a", False),
            ("", False),
            (True, False),
            (None, False),
            ("Contoh", False),
        ],
    ],
)
def test_running_number(value, expected):
    assert is_running_number(value) is expected
