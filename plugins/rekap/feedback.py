"""The district feedback workbook (metrics.md "The district feedback workbook").

One small workbook per processed file, written back into the district's feedback folder:
was the file accepted, why not, and which cells to fix. Everything the district reads is in
Indonesian; everything that came from its file is written as plain text (rekap.sheets).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment

from rekap import sheets, vocab
from rekap.model import ACCEPTED, ACCEPTED_WITH_ISSUES, REJECTED, STATUS_LABELS, Report
from rekap.registry import District

DUPLICATE = "duplicate"
STATUS_DUPLICATE = "TIDAK DIMUAT ULANG"
UNKNOWN_MONTH = "bulan-tidak-terbaca"  # never pretend a file we could not read has a month

ISSUE_HEADERS = ("Lembar", "Baris", "Kolom", "Isian", "Masalah dan yang diharapkan")

_FILLS = {
    ACCEPTED: sheets.GREEN,
    ACCEPTED_WITH_ISSUES: sheets.YELLOW,
    REJECTED: sheets.RED,
    DUPLICATE: sheets.BLUE,
}

_WHAT_TO_DO = {
    ACCEPTED: (
        "Laporan sudah diterima dan dihitung dalam rekap provinsi. Tidak ada yang perlu diperbaiki. "
        "Simpan berkas ini sebagai tanda terima."
    ),
    ACCEPTED_WITH_ISSUES: (
        "Laporan diterima dan dihitung, tetapi ada isian yang perlu diperbaiki (lihat lembar Catatan: "
        "lembar, baris dan kolom yang dimaksud). Isian yang bermasalah tidak ikut dihitung sehingga dapat "
        "menurunkan nilai kab/kota Anda. Perbaiki isian tersebut pada berkas laporan yang sama, lalu unggah "
        "kembali ke folder kab/kota Anda: berkas baru untuk bulan yang sama menggantikan berkas ini."
    ),
    REJECTED: (
        "Laporan TIDAK dimuat dan belum dihitung dalam rekap provinsi. Perbaiki berkas sesuai alasan "
        "penolakan di atas, lalu unggah kembali ke folder kab/kota Anda sebelum batas waktu pelaporan. "
        "Gunakan templat laporan resmi agar berkas dapat dibaca."
    ),
    DUPLICATE: (
        "Tidak ada yang perlu dilakukan bila berkas ini terkirim dua kali tanpa sengaja: laporan identik "
        "yang sudah diterima sebelumnya tetap berlaku. Bila ingin memperbaiki laporan, ubah isinya lalu "
        "unggah kembali."
    ),
}


def feedback_filename(district_code: str, year: int | None, month: int | None, now_local: datetime) -> str:
    """``Umpan_Balik_3603_2026-01_20261124-100000.xlsx``; ``bulan-tidak-terbaca`` when unknown."""
    period = f"{year:04d}-{month:02d}" if year and month else UNKNOWN_MONTH
    return f"Umpan_Balik_{district_code}_{period}_{now_local:%Y%m%d-%H%M%S}.xlsx"


def _status_key(report: Report) -> str:
    return DUPLICATE if report.rejection_code == DUPLICATE else report.status


def _status_text(key: str) -> str:
    return STATUS_DUPLICATE if key == DUPLICATE else STATUS_LABELS[key]


def write_feedback(
    report: Report, district: District, folder: Path, now_local: datetime, note: str | None
) -> Path:
    """Write the feedback workbook for one processed file into ``folder``; return its path.

    The caller (intake) writes into a scratch folder and renames the file into place, so a
    same-second name already in ``folder`` is simply replaced here."""
    folder.mkdir(parents=True, exist_ok=True)
    ident = report.identity
    path = folder / feedback_filename(
        district.district_code, ident.year if ident else None, ident.month if ident else None, now_local
    )
    wb = Workbook()
    _summary_sheet(wb.active, report, district, now_local, note)
    _issues_sheet(wb.create_sheet("Catatan"), report)
    wb.save(path)
    return path


def _summary_sheet(ws, report: Report, district: District, now_local: datetime, note: str | None) -> None:
    ws.title = "Ringkasan"
    key = _status_key(report)
    ident = report.identity
    sheets.set_widths(ws, [26, 90])
    sheets.text_cell(ws, 1, 1, "UMPAN BALIK PEMROSESAN LAPORAN BULANAN").font = sheets.TITLE_FONT
    sheets.text_cell(ws, 2, 1, f"Bawaslu Provinsi {district.province_name}")
    if ident:
        month = f"{vocab.month_name(ident.month)} {ident.year}"
    else:  # a duplicate is not read again; a rejected file may have no readable month
        month = "tidak diperiksa ulang" if key == DUPLICATE else "tidak terbaca"
    row = sheets.label_value_rows(
        ws,
        4,
        [
            ("Kabupaten/Kota", f"{district.dotted_code} – {district.district_name}"),
            ("Berkas", report.file_name),
            ("Bulan laporan", month),
            ("Waktu diproses", sheets.local_time_text(now_local)),
        ],
    )
    sheets.text_cell(ws, row, 1, "Status").font = sheets.BOLD
    status = sheets.text_cell(ws, row, 2, _status_text(key))
    status.font = sheets.font(bold=True, size=13)
    status.fill = _FILLS[key]
    status.alignment = Alignment(vertical="center")
    ws.row_dimensions[row].height = 22
    row += 1
    if key == DUPLICATE:
        row = _wrapped(ws, row, "Keterangan", note or report.rejection)
    elif key == REJECTED:
        row = _wrapped(ws, row, "Alasan penolakan", report.rejection)
    row += 1
    if report.rejection is None:
        sheets.text_cell(ws, row, 1, "Jumlah baris terbaca").font = sheets.SUBTITLE_FONT
        row += 1
        for kind, count in report.record_counts().items():
            sheets.text_cell(ws, row, 1, f"Lembar {vocab.SHEET_NAMES[kind]}")
            sheets.number_cell(ws, row, 2, count).alignment = Alignment(horizontal="left")
            row += 1
        sheets.text_cell(ws, row, 1, "Catatan per baris")
        sheets.number_cell(ws, row, 2, len(report.issues)).alignment = Alignment(horizontal="left")
        row += 2
    if report.warnings:
        sheets.text_cell(ws, row, 1, "Peringatan").font = sheets.SUBTITLE_FONT
        row += 1
        for warning in report.warnings:
            row = _wrapped(ws, row, "•", warning)
        row += 1
    _wrapped(ws, row, "Apa yang harus dilakukan", _WHAT_TO_DO[key])
    ws.cell(row=row, column=1).font = sheets.SUBTITLE_FONT
    sheets.page_setup(ws, landscape=False)


def _wrapped(ws, row: int, label: str, text: str | None) -> int:
    """A label and a long text (possibly from the district) in a wrapped cell tall enough to read."""
    sheets.text_cell(ws, row, 1, label).font = sheets.BOLD
    ws.cell(row=row, column=1).alignment = sheets.WRAP_TOP
    sheets.text_cell(ws, row, 2, text).alignment = sheets.WRAP_TOP
    # LibreOffice/Excel do not grow rows written by openpyxl: estimate ~85 characters a line.
    lines = sum(1 + len(part) // 85 for part in (text or "").split("\n"))
    ws.row_dimensions[row].height = max(15, 15 * lines)
    return row + 1


def _issues_sheet(ws, report: Report) -> None:
    sheets.set_widths(ws, [16, 8, 22, 30, 70])
    sheets.header_row(ws, 1, ISSUE_HEADERS)
    ws.freeze_panes = "A2"
    if not report.issues:
        message = (
            "Berkas tidak dimuat, sehingga isinya belum diperiksa per baris."
            if report.rejection
            else "Tidak ada catatan: semua baris terbaca dengan benar."
        )
        sheets.text_cell(ws, 2, 1, message)
        ws.auto_filter.ref = "A1:E1"
        sheets.page_setup(ws, title_rows="1:1")
        return
    for row, issue in enumerate(report.issues, start=2):
        sheets.text_cell(ws, row, 1, issue.sheet)
        sheets.number_cell(ws, row, 2, issue.row)
        sheets.text_cell(ws, row, 3, issue.column)
        sheets.text_cell(ws, row, 4, issue.value)
        sheets.text_cell(ws, row, 5, issue.problem)
        for column in range(1, 6):
            ws.cell(row=row, column=column).alignment = sheets.WRAP_TOP
    last = len(report.issues) + 1
    sheets.border_range(ws, 2, last, 1, 5)
    ws.auto_filter.ref = sheets.table_ref(1, last, 1, 5)
    sheets.page_setup(ws, title_rows="1:1")
