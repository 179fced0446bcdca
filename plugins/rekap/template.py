"""The blank district report workbook (report-format.md), written with openpyxl.

The template is what a district is meant to fill: the exact labels of ``vocab`` as headers,
drop-downs for every enumeration, number/date validation, one greyed example row (which the
reader ignores: it carries ``Contoh`` in column A) and a ``Petunjuk`` sheet in Indonesian.
"""

from __future__ import annotations

import calendar
from datetime import date
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from rekap import vocab
from rekap.periods import report_due_date
from rekap.registry import District
from rekap.settings import DEFAULT_DEADLINE_DAY

DATE_FORMAT = "DD/MM/YYYY"
EXAMPLE_MARKER = vocab.EXAMPLE_MARKER
LIST_SHEET = "Daftar"  # hidden sheet holding the drop-down lists
# Validation and formats cover this many rows below the example row: far more than any
# district month, and cheap (validations are ranges, formats are column styles).
DATA_ROWS = 1000
EXCEL_EPOCH = date(1899, 12, 30)

HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
HEADER_FONT = Font(bold=True, color="FFFFFF")
EXAMPLE_FILL = PatternFill("solid", fgColor="D9D9D9")
EXAMPLE_FONT = Font(italic=True, color="7F7F7F")
KEY_FONT = Font(bold=True)
THIN = Side(style="thin", color="A6A6A6")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)

# Column widths by field type (characters); text columns are wide enough to read.
WIDTHS = {
    vocab.DATE: 14,
    vocab.INTEGER: 14,
    vocab.PERCENT: 13,
    vocab.ENUM: 30,
    vocab.PRESENCE: 34,
    vocab.TEXT: 32,
}
NARROW = {"no": 8}

# The enumeration behind each drop-down column.
ENUM_LISTS = vocab.ENUM_VALUES
LIST_NAMES = {
    "pleno_type": "DaftarJenisPleno",
    "activity_type": "DaftarJenisKegiatan",
    "aspect": "DaftarAspek",
}


def template_filename(district_code: str, year: int, month: int) -> str:
    """``Laporan_3603_2026-01.xlsx``."""
    return f"Laporan_{district_code}_{year:04d}-{month:02d}.xlsx"


def write_template(
    path: Path, district: District, year: int, month: int, deadline_day: int = DEFAULT_DEADLINE_DAY
) -> Path:
    """Write the blank report workbook of ``district`` for ``year``-``month`` to ``path``;
    its instructions give the deadline of this deployment (``Settings.deadline_day``)."""
    path = Path(path)
    wb = Workbook()
    identitas = wb.active
    identitas.title = vocab.SHEET_IDENTITAS
    _write_identity(identitas, district, year, month)
    _write_lists(wb)
    for kind in vocab.RECORD_KINDS:
        ws = wb.create_sheet(vocab.SHEET_NAMES[kind])
        _write_data_sheet(ws, kind, year, month)
    _write_instructions(wb.create_sheet(vocab.SHEET_PETUNJUK), district, year, month, deadline_day)
    # The list sheet last and hidden: districts should not edit it, the reader ignores it.
    wb.move_sheet(LIST_SHEET, offset=len(wb.sheetnames))
    wb.active = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


# --- Identitas ---------------------------------------------------------------------------


def _identity_values(district: District, year: int, month: int) -> dict[str, Any]:
    return {
        "district_code": district.district_code,
        "district_name": district.district_name,
        "month": vocab.month_name(month),
        "year": year,
    }


IDENTITY_NOTES = {
    "district_code": "sudah terisi; jangan diubah",
    "district_name": "sudah terisi",
    "month": "bulan laporan; sudah terisi",
    "year": "tahun laporan; sudah terisi",
    "members": "WAJIB diisi: jumlah anggota/pimpinan Bawaslu kab/kota (biasanya 3 atau 5)",
    "prepared_by": "nama penyusun laporan",
    "report_date": "tanggal laporan disusun (dd/mm/yyyy)",
}


def _write_identity(ws: Worksheet, district: District, year: int, month: int) -> None:
    values = _identity_values(district, year, month)
    for row, field in enumerate(vocab.IDENTITY_FIELDS, start=1):
        key = ws.cell(row=row, column=1, value=field.label)
        key.font = KEY_FONT
        key.border = BORDER
        value = ws.cell(row=row, column=2, value=values.get(field.name))
        value.border = BORDER
        if field.name == "district_code":
            value.number_format = "@"  # a code, not a number: keeps "3603" as typed
        if field.type == vocab.DATE:
            value.number_format = DATE_FORMAT
        if field.name not in values:
            value.fill = PatternFill("solid", fgColor="FFF2CC")  # to be filled by the district
        note = ws.cell(row=row, column=3, value=IDENTITY_NOTES.get(field.name, ""))
        note.font = Font(italic=True, color="7F7F7F")
        if field.name == "members":
            dv = _validation(
                "whole",
                "Jumlah Anggota",
                "Isi bilangan bulat 1 sampai 15 (biasanya 3 atau 5).",
                operator="between",
                formula1="1",
                formula2="15",
            )
            ws.add_data_validation(dv)
            dv.add(value.coordinate)
        if field.name == "report_date":
            dv = _validation(
                "date",
                "Tanggal Laporan",
                "Isi tanggal dengan format dd/mm/yyyy.",
                operator="greaterThan",
                formula1="1",
            )
            ws.add_data_validation(dv)
            dv.add(value.coordinate)
    ws.column_dimensions["A"].width = 20
    ws.column_dimensions["B"].width = 30
    ws.column_dimensions["C"].width = 70


# --- lists for the drop-downs ------------------------------------------------------------


def _write_lists(wb: Workbook) -> None:
    """Every enumeration in a column of a hidden sheet, each behind a workbook-level name:
    Excel limits inline lists to 255 characters, and a named range works in every version
    of Excel and LibreOffice."""
    ws = wb.create_sheet(LIST_SHEET)
    for col, (name, values) in enumerate(ENUM_LISTS.items(), start=1):
        letter = get_column_letter(col)
        ws.cell(row=1, column=col, value=LIST_NAMES[name]).font = KEY_FONT
        for row, value in enumerate(values, start=2):
            ws.cell(row=row, column=col, value=value)
        ref = f"'{LIST_SHEET}'!${letter}$2:${letter}${len(values) + 1}"
        wb.defined_names[LIST_NAMES[name]] = DefinedName(LIST_NAMES[name], attr_text=ref)
        ws.column_dimensions[letter].width = 40
    ws.sheet_state = "hidden"


# --- Pleno / Pencegahan / Kelembagaan ----------------------------------------------------


def _example_row(kind: str, year: int, month: int) -> dict[str, Any]:
    """The greyed example row, keyed by field name."""
    day = date(year, month, min(5, calendar.monthrange(year, month)[1]))
    if kind == vocab.PLENO:
        return {
            "no": EXAMPLE_MARKER,
            "date": day,
            "pleno_type": "Rutin",
            "minutes_number": f"001/BA/PL.01/{month:02d}/{year}",
            "attendance": 5,
            "agenda": "Evaluasi pengawasan tahapan",
            "decision": "Menetapkan rencana pengawasan pekan berikutnya",
            "minutes": "https://drive.example/notulen-001 (atau Ada / Tidak)",
            "remarks": "(opsional)",
        }
    if kind == vocab.PENCEGAHAN:
        return {
            "no": EXAMPLE_MARKER,
            "date": day,
            "activity_type": "Sosialisasi",
            "activity_name": "Sosialisasi pengawasan partisipatif",
            "location": "Kec. Contoh",
            "target_group": "Pemilih pemula",
            "participants": 40,
            "result": "Peserta memahami cara melapor dugaan pelanggaran",
            "evidence": "https://drive.example/bukti-001 (atau Tidak)",
            "remarks": "(opsional)",
        }
    # Kelembagaan has no No column: the marker takes the place of Aspek.
    return {
        "aspect": EXAMPLE_MARKER,
        "program": "Digitalisasi arsip pengawasan (Aspek: Pengolahan Data)",
        "target": "Seluruh arsip tahun lalu terdigitalisasi",
        "progress": 75,
        "output": "Arsip digital",
        "evidence": "https://drive.example/bukti-k01 (atau Tidak)",
    }


def _write_data_sheet(ws: Worksheet, kind: str, year: int, month: int) -> None:
    fields = vocab.SHEET_FIELDS[kind]
    header_row, example_row = 1, 2
    first_data, last_data = example_row + 1, example_row + DATA_ROWS
    for col, field in enumerate(fields, start=1):
        cell = ws.cell(row=header_row, column=col, value=field.label)
        cell.fill = HEADER_FILL
        cell.font = HEADER_FONT
        cell.border = BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        letter = get_column_letter(col)
        dim = ws.column_dimensions[letter]
        dim.width = NARROW.get(field.name, WIDTHS[field.type])
        # Column styles apply to whatever the district types later, without writing
        # 1000 empty styled cells the reader would have to walk through.
        if field.type == vocab.DATE:
            dim.number_format = DATE_FORMAT
        elif field.type == vocab.INTEGER:
            dim.number_format = "0"
        elif field.type in (vocab.TEXT, vocab.PRESENCE) and field.name != "no":
            dim.alignment = Alignment(wrap_text=True, vertical="top")
        rng = f"{letter}{first_data}:{letter}{last_data}"
        dv = _field_validation(field, year, month)
        if dv is not None:
            ws.add_data_validation(dv)
            dv.add(rng)
    ws.row_dimensions[header_row].height = 30
    example = _example_row(kind, year, month)
    for col, field in enumerate(fields, start=1):
        value = example.get(field.name)
        cell = ws.cell(row=example_row, column=col, value=value)
        cell.fill = EXAMPLE_FILL
        cell.font = EXAMPLE_FONT
        cell.border = BORDER
        if isinstance(value, date):
            cell.number_format = DATE_FORMAT
    ws.freeze_panes = ws.cell(row=example_row, column=1)  # header stays visible


def _validation(kind: str, title: str, message: str, **kwargs: Any) -> DataValidation:
    return DataValidation(
        type=kind,
        allow_blank=True,
        showErrorMessage=True,
        showInputMessage=True,
        errorTitle=f"{title} tidak sesuai"[:32],  # Excel caps titles at 32 characters
        error=message,
        promptTitle=title[:32],
        prompt=message,
        **kwargs,
    )


def _field_validation(field: vocab.Field, year: int, month: int) -> DataValidation | None:
    if field.type == vocab.ENUM:
        return _validation(
            "list",
            field.label,
            f"Pilih dari daftar ({field.hint or 'lihat lembar Petunjuk'}).",
            formula1=LIST_NAMES[field.name],
        )
    if field.type == vocab.INTEGER:
        if field.name == "attendance":
            return _validation(
                "whole",
                field.label,
                "Isi bilangan bulat 0 sampai Jumlah Anggota (lembar Identitas).",
                operator="between",
                formula1="0",
                formula2="15",
            )
        return _validation(
            "whole",
            field.label,
            "Isi bilangan bulat 0 atau lebih, tanpa satuan.",
            operator="greaterThanOrEqual",
            formula1="0",
        )
    if field.type == vocab.PERCENT:
        return _validation(
            "decimal",
            field.label,
            "Isi angka 0 sampai 100 (persen capaian), misalnya 75.",
            operator="between",
            formula1="0",
            formula2="100",
        )
    if field.type == vocab.DATE:
        first = date(year, month, 1)
        last = date(year, month, calendar.monthrange(year, month)[1])
        dv = _validation(
            "date",
            field.label,
            f"Isi tanggal dd/mm/yyyy dalam bulan laporan ({first:%d/%m/%Y} sampai {last:%d/%m/%Y}). "
            "Tanggal di luar bulan laporan tetap dicatat tetapi diberi catatan.",
            operator="between",
            formula1=str(_serial(first)),
            formula2=str(_serial(last)),
        )
        # A warning, not a stop: a date outside the month is allowed by the format.
        dv.errorStyle = "warning"
        return dv
    return None


def _serial(day: date) -> int:
    return (day - EXCEL_EPOCH).days


# --- Petunjuk ----------------------------------------------------------------------------


def _instruction_lines(
    district: District, year: int, month: int, deadline_day: int = DEFAULT_DEADLINE_DAY
) -> list[tuple[str, str]]:
    """(style, text) lines; style is "title", "head" or "" for body text."""
    period = f"{vocab.month_name(month)} {year}"
    due = report_due_date(year, month, deadline_day)
    lines: list[tuple[str, str]] = [
        ("title", f"Petunjuk Pengisian Laporan Bulanan {district.district_name} — {period}"),
        ("", ""),
        ("head", "1. Cara mengisi"),
        (
            "",
            "• Isi lembar Identitas: Jumlah Anggota wajib diisi; Disusun Oleh dan Tanggal Laporan dianjurkan.",
        ),
        ("", "  Kode Kab/Kota, Nama Kab/Kota, Bulan dan Tahun sudah terisi: jangan diubah."),
        ("", "• Isi lembar Pleno (satu baris per rapat pleno) dan Pencegahan (satu baris per kegiatan)."),
        ("", "  Lembar Kelembagaan diisi bila ada program penguatan kelembagaan (satu baris per program)."),
        ("", "• Mulai mengisi tepat di bawah baris abu-abu bertanda 'Contoh'. Baris contoh tidak dihitung;"),
        ("", "  boleh dibiarkan atau dihapus."),
        ("", "• Jangan mengubah nama lembar dan judul kolom; jangan menyisipkan lembar atau gambar."),
        ("", "• Satu berkas untuk satu bulan laporan."),
        ("", "• Tanggal ditulis dd/mm/yyyy (misalnya 12/01/2026). Jumlah ditulis angka saja (misalnya 25)."),
        ("", "• Notulen dan Bukti Dukung: tautan (link) atau nomor dokumen; tulis Tidak bila tidak ada."),
        ("", ""),
        ("head", "2. Kolom wajib dan isian yang diterima"),
    ]
    for kind in vocab.RECORD_KINDS:
        lines.append(("head", f"Lembar {vocab.SHEET_NAMES[kind]}"))
        for field in vocab.SHEET_FIELDS[kind]:
            need = "wajib" if field.required else "opsional"
            what = field.hint or _type_hint(field.type)
            lines.append(("", f"• {field.label} ({need}): {what}"))
    lines += [
        ("", ""),
        ("head", "Pilihan Jenis Pleno"),
        ("", ", ".join(vocab.PLENO_TYPES)),
        ("head", "Pilihan Jenis Kegiatan"),
        *(("", f"• {v}") for v in vocab.ACTIVITY_TYPES),
        ("head", "Pilihan Aspek (Kelembagaan)"),
        *(("", f"• {v}") for v in vocab.ASPECTS),
        ("", ""),
        ("head", "3. Batas waktu"),
        (
            "",
            f"Laporan bulan M wajib diterima paling lambat tanggal {deadline_day} bulan M+1. "
            f"Laporan {period} paling lambat {due.day} {vocab.month_name(due.month)} {due.year}.",
        ),
        ("", ""),
        ("head", "4. Pengiriman"),
        (
            "",
            f"Unggah berkas .xlsx ini ke folder inbox/{district.district_code}/ di drive bersama "
            "(shared drive) Bawaslu Provinsi. Jangan mengunggah ke folder kab/kota lain.",
        ),
        ("", "Simpan sebagai Excel Workbook (.xlsx); berkas .xls, .csv, .pdf atau foto tidak diterima."),
        ("", "Jangan memberi kata sandi (password) pada berkas."),
        ("", ""),
        ("head", "5. Periksa sebelum mengirim"),
        (
            "",
            f"Jalankan: rekap validate {template_filename(district.district_code, year, month)} "
            f"--district {district.district_code}",
        ),
        ("", "Status DITERIMA atau DITERIMA DENGAN CATATAN berarti berkas dapat diproses; perbaiki"),
        ("", "catatan yang disebutkan. Status DITOLAK berarti berkas tidak dihitung: baca alasannya,"),
        ("", "perbaiki, lalu periksa ulang sebelum mengunggah."),
    ]
    return lines


def _type_hint(kind: str) -> str:
    return {
        vocab.TEXT: "teks",
        vocab.DATE: "tanggal dd/mm/yyyy",
        vocab.INTEGER: "bilangan bulat",
        vocab.PERCENT: "angka 0 sampai 100",
        vocab.ENUM: "pilih dari daftar",
        vocab.PRESENCE: "tautan/nomor dokumen, atau Tidak",
    }[kind]


def _write_instructions(ws: Worksheet, district: District, year: int, month: int, deadline_day: int) -> None:
    for row, (style, text) in enumerate(_instruction_lines(district, year, month, deadline_day), start=1):
        cell = ws.cell(row=row, column=1, value=text or None)
        if style == "title":
            cell.font = Font(bold=True, size=14)
        elif style == "head":
            cell.font = Font(bold=True)
    ws.column_dimensions["A"].width = 110
