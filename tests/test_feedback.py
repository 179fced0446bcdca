"""The district feedback workbook, on real district files read by the real checker."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from rekap.check import check_file
from rekap.feedback import ISSUE_HEADERS, feedback_filename, write_feedback
from rekap.model import ACCEPTED, ACCEPTED_WITH_ISSUES, REJECTED, Report
from workbooks import pencegahan_row, pleno_row, write_report

FORMULA_LIKE = '=HYPERLINK("http://x.example","klik")'


def summary(ws) -> dict[str, object]:
    """Ringkasan as label -> value (column A -> column B)."""
    return {row[0].value: row[1].value for row in ws.iter_rows(min_col=1, max_col=2) if row[0].value}


def all_cells(wb):
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            yield from row


def assert_no_formulas(wb) -> None:
    formulas = [(c.parent.title, c.coordinate, c.value) for c in all_cells(wb) if c.data_type == "f"]
    assert formulas == []


def fill_of(cell) -> str:
    return cell.fill.fgColor.rgb[-6:]


def as_text_in_district_file(path, sheet: str, coordinate: str, text: str) -> None:
    """Put ``text`` in a district file as a typed text cell (as Excel stores '=... typed after an
    apostrophe); openpyxl would otherwise store it as a formula with no value."""
    wb = load_workbook(path)
    cell = wb[sheet][coordinate]
    cell.value = text
    cell.data_type = "s"
    wb.save(path)


@pytest.fixture
def tangerang(banten):
    return banten.get("3603")


def test_filename_pattern_and_unknown_month():
    wib = datetime(2026, 11, 24, 10, 0, 5, tzinfo=ZoneInfo("Asia/Jakarta"))
    assert feedback_filename("3603", 2026, 1, wib) == "Umpan_Balik_3603_2026-01_20261124-100005.xlsx"
    assert (
        feedback_filename("3603", None, None, wib)
        == "Umpan_Balik_3603_bulan-tidak-terbaca_20261124-100005.xlsx"
    )
    assert feedback_filename("7471", 2026, 12, wib.astimezone(ZoneInfo("Asia/Makassar"))) == (
        "Umpan_Balik_7471_2026-12_20261124-110005.xlsx"
    )


def test_accepted_report(tmp_path, banten, tangerang, now):
    path = write_report(
        tmp_path / "in" / "Laporan Januari.xlsx",
        pleno=[pleno_row(1, date(2026, 1, 5)), pleno_row(2, date(2026, 1, 12))],
        pencegahan=[pencegahan_row(1, date(2026, 1, 19))],
    )
    report = check_file(path, banten, now, folder_district="3603")
    assert report.status == ACCEPTED, report.issues

    folder = tmp_path / "feedback" / "3603"  # does not exist yet
    out = write_feedback(report, tangerang, folder, now.astimezone(tangerang.zone), None)
    assert out == folder / "Umpan_Balik_3603_2026-01_20261124-100000.xlsx"
    assert out.exists()

    wb = load_workbook(out)
    assert wb.sheetnames == ["Ringkasan", "Catatan"]
    info = summary(wb["Ringkasan"])
    assert info["Kabupaten/Kota"] == "36.03 – Kabupaten Tangerang"
    assert info["Berkas"] == "Laporan Januari.xlsx"
    assert info["Bulan laporan"] == "Januari 2026"
    assert info["Waktu diproses"] == "24/11/2026 10:00 WIB"
    assert info["Status"] == "DITERIMA"
    assert info["Lembar Pleno"] == 2 and info["Lembar Pencegahan"] == 1 and info["Lembar Kelembagaan"] == 0
    assert info["Catatan per baris"] == 0
    assert "Alasan penolakan" not in info
    assert "Tidak ada yang perlu diperbaiki" in info["Apa yang harus dilakukan"]
    status = next(c for c in all_cells(wb) if c.value == "DITERIMA")
    assert fill_of(status) == "C6EFCE"

    notes = wb["Catatan"]
    assert [c.value for c in notes[1]] == list(ISSUE_HEADERS)
    assert notes["A2"].value.startswith("Tidak ada catatan")
    assert notes.max_row == 2
    assert_no_formulas(wb)


def test_accepted_with_issues_lists_every_issue_as_text(tmp_path, banten, tangerang, now):
    path = write_report(
        tmp_path / "Laporan Januari.xlsx",
        pleno=[pleno_row(1, date(2026, 1, 5)), pleno_row(2, "bukan tanggal", jenis="placeholder")],
        pencegahan=[
            pencegahan_row(1, date(2026, 1, 7), peserta="-5"),
            pencegahan_row(2, date(2026, 1, 8), peserta="@25"),
        ],
    )
    as_text_in_district_file(path, "Pleno", "C3", FORMULA_LIKE)  # Jenis Pleno of the 2nd pleno
    report = check_file(path, banten, now, folder_district="3603")
    assert report.status == ACCEPTED_WITH_ISSUES
    values = {i.value for i in report.issues}
    assert {FORMULA_LIKE, "-5", "@25", "bukan tanggal"} <= values

    out = write_feedback(report, tangerang, tmp_path / "fb", now.astimezone(tangerang.zone), None)
    wb = load_workbook(out)
    info = summary(wb["Ringkasan"])
    assert info["Status"] == "DITERIMA DENGAN CATATAN"
    assert info["Catatan per baris"] == len(report.issues)
    assert "lembar Catatan" in info["Apa yang harus dilakukan"]
    status = next(c for c in all_cells(wb) if c.value == "DITERIMA DENGAN CATATAN")
    assert fill_of(status) == "FFEB9C"

    notes = wb["Catatan"]
    rows = [tuple(c.value for c in row) for row in notes.iter_rows(min_row=2)]
    assert rows == [(i.sheet, i.row, i.column, i.value, i.problem) for i in report.issues]
    assert all(isinstance(r[1], int) for r in rows)  # Excel row numbers stay numbers
    for cell in notes["D"][1:]:
        assert cell.data_type == "s", (cell.coordinate, cell.value)
    formula_like = next(c for c in notes["D"] if c.value == FORMULA_LIKE)
    assert formula_like.data_type != "f"
    assert notes.freeze_panes == "A2"
    assert notes.auto_filter.ref == f"A1:E{len(report.issues) + 1}"
    assert_no_formulas(wb)


def test_rejected_report_gives_reason_and_what_to_do(tmp_path, banten, tangerang, now):
    path = write_report(tmp_path / "r.xlsx", district="36.01", pleno=[pleno_row(1, date(2026, 1, 5))])
    report = check_file(path, banten, now, folder_district="3603")
    assert report.status == REJECTED

    out = write_feedback(report, tangerang, tmp_path / "fb", now.astimezone(tangerang.zone), None)
    wb = load_workbook(out)
    info = summary(wb["Ringkasan"])
    assert info["Status"] == "DITOLAK"
    assert info["Alasan penolakan"] == report.rejection
    assert "folder 3603" in info["Alasan penolakan"]
    assert "unggah kembali" in info["Apa yang harus dilakukan"]
    assert "Lembar Pleno" not in info  # nothing was loaded: no misleading zero counts
    status = next(c for c in all_cells(wb) if c.value == "DITOLAK")
    assert fill_of(status) == "FFC7CE"
    assert wb["Catatan"]["A2"].value.startswith("Berkas tidak dimuat")
    assert_no_formulas(wb)


def test_unreadable_file_is_named_without_a_month(tmp_path, banten, tangerang, now):
    path = tmp_path / "rusak.xlsx"
    path.write_bytes(b"this is not a workbook")
    report = check_file(path, banten, now, folder_district="3603")
    assert report.status == REJECTED and report.identity is None

    out = write_feedback(report, tangerang, tmp_path / "fb", now.astimezone(tangerang.zone), None)
    assert out.name == "Umpan_Balik_3603_bulan-tidak-terbaca_20261124-100000.xlsx"
    info = summary(load_workbook(out)["Ringkasan"])
    assert info["Status"] == "DITOLAK" and info["Bulan laporan"] == "tidak terbaca"
    assert info["Alasan penolakan"]


def test_duplicate_is_not_reloaded_not_rejected(tmp_path, tangerang):
    note = (
        "Berkas ini sama persis (isi identik) dengan berkas 'Laporan Januari.xlsx' yang sudah diproses "
        "pada 24/11/2026 09:58; tidak dimuat ulang."
    )
    report = Report(path=tmp_path / "Laporan Januari (1).xlsx").reject("duplicate", note)
    when = datetime(2026, 11, 24, 3, 5, tzinfo=UTC).astimezone(tangerang.zone)

    out = write_feedback(report, tangerang, tmp_path / "fb", when, note)
    wb = load_workbook(out)
    info = summary(wb["Ringkasan"])
    assert info["Status"] == "TIDAK DIMUAT ULANG"
    assert info["Keterangan"] == note
    assert info["Berkas"] == "Laporan Januari (1).xlsx"
    assert not any(c.value == "DITOLAK" for c in all_cells(wb))
    assert "Alasan penolakan" not in info
    assert re.fullmatch(r"Umpan_Balik_3603_bulan-tidak-terbaca_20261124-100500\.xlsx", out.name)
    assert_no_formulas(wb)


def test_district_text_never_becomes_a_formula(tmp_path, tangerang):
    """File names and warnings come from districts too: '=', '+', '-', '@' stay plain text."""
    tricky = ["=1+1", "+62 812", "-5", "@25", FORMULA_LIKE]
    report = Report(path=tmp_path / "=cmd|'calc'!A0.xlsx")
    report.warnings.extend(tricky)
    now_local = datetime(2026, 11, 24, 10, 0, tzinfo=tangerang.zone)

    wb = load_workbook(write_feedback(report, tangerang, tmp_path / "fb", now_local, None))
    ws = wb["Ringkasan"]
    texts = {c.value: c for c in all_cells(wb) if isinstance(c.value, str)}
    for value in [*tricky, "=cmd|'calc'!A0.xlsx"]:
        assert value in texts, value
        assert texts[value].data_type == "s"
    assert summary(ws)["Berkas"] == "=cmd|'calc'!A0.xlsx"
    assert_no_formulas(wb)
