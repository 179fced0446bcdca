"""The blank district report workbook (report-format.md), written with openpyxl.

The template is what a district clerk with little Excel skill fills in: ``Petunjuk`` first, in
plain Indonesian; the exact labels of ``vocab`` as headers, required ones marked ``*``;
drop-downs for every enumeration; number/date validation (Jumlah Hadir against the Jumlah
Anggota the district gives on Identitas); one greyed, locked example row, which the reader
recognises (``example_values``); identity and header cells locked, input cells unlocked, with
sheet protection WITHOUT a password, so a clerk can still unprotect and fix a mistake knowingly;
A4 landscape, one page wide, repeated headers.
"""

from __future__ import annotations

import calendar
from datetime import date
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from rekap.periods import report_deadline
from rekap.registry import District, Registry
from rekap.report import vocab
from rekap.settings import DEFAULT_DEADLINE_DAY

DATE_FORMAT = "DD/MM/YYYY"
LIST_SHEET = "Daftar"  # hidden sheet holding the drop-down lists
# Validation and formats cover this many rows below the example row: far more than any
# district month, and cheap (validations are ranges, formats are column styles).
DATA_ROWS = 1000
EXCEL_EPOCH = date(1899, 12, 30)
REQUIRED_MARK = " *"  # the reader's header matching ignores a trailing "*"

# Data sheets: title, legend, header, example, then the district's rows.
TITLE_ROW, LEGEND_ROW, HEADER_ROW, EXAMPLE_ROW = 1, 2, 3, 4
FIRST_DATA_ROW = EXAMPLE_ROW + 1
FORM_ROWS = 25  # bordered, formatted rows below the example: where the clerk sees to type
# Identitas: title and legend, then one key per row from here.
IDENTITY_FIRST_ROW = 4

FONT = "Calibri"  # a Font() without a name renders as a serif font in LibreOffice
HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
HEADER_FONT = Font(name=FONT, bold=True, color="FFFFFF")
EXAMPLE_FILL = PatternFill("solid", fgColor="D9D9D9")
EXAMPLE_FONT = Font(name=FONT, italic=True, color="595959")
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")  # "type here"
GIVEN_FILL = PatternFill("solid", fgColor="EDEDED")  # filled by the province, locked
KEY_FONT = Font(name=FONT, bold=True)
TITLE_FONT = Font(name=FONT, bold=True, size=14)
LEGEND_FONT = Font(name=FONT, italic=True, color="404040")
BODY_FONT = Font(name=FONT)
THIN = Side(style="thin", color="A6A6A6")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
LOCKED = Protection(locked=True)
UNLOCKED = Protection(locked=False)

# Column widths by field type (characters); text columns are wide enough to read.
WIDTHS = {
    vocab.DATE: 13,
    vocab.INTEGER: 11,
    vocab.PERCENT: 15,
    vocab.ENUM: 24,
    vocab.PRESENCE: 28,
    vocab.TEXT: 26,
}
NARROW = {"no": 8}

# The enumeration behind each drop-down column.
ENUM_LISTS = vocab.ENUM_VALUES
LIST_NAMES = {
    "pleno_type": "DaftarJenisPleno",
    "activity_type": "DaftarJenisKegiatan",
    "aspect": "DaftarAspek",
}

SHEET_TITLES = {
    vocab.PLENO: "satu baris untuk setiap rapat pleno",
    vocab.PENCEGAHAN: "satu baris untuk setiap kegiatan pencegahan",
    vocab.KELEMBAGAAN: "satu baris untuk setiap program penguatan kelembagaan (diisi bila ada)",
}
LEGEND = (
    "Kolom bertanda * wajib diisi. Baris abu-abu bertanda Contoh hanya contoh (terkunci, tidak dihitung): "
    "mulai mengisi di baris putih di bawahnya. Notulen/Bukti Dukung yang memang tidak ada: tulis Tidak."
)


def template_filename(district_code: str, year: int, month: int) -> str:
    """``Laporan_3603_2026-01.xlsx``."""
    return f"Laporan_{district_code}_{year:04d}-{month:02d}.xlsx"


def header_label(field: vocab.Field) -> str:
    """The header as the template shows it: required columns end in ``*``."""
    return field.label + (REQUIRED_MARK if field.required else "")


def write_template(
    path: Path, district: District, year: int, month: int, deadline_day: int = DEFAULT_DEADLINE_DAY
) -> Path:
    """Write the blank report workbook of ``district`` for ``year``-``month`` to ``path``;
    ``deadline_day`` is the setting (the report of M is due by that day of M+1)."""
    path = Path(path)
    wb = Workbook()
    petunjuk = wb.active
    petunjuk.title = vocab.SHEET_PETUNJUK
    _write_instructions(petunjuk, district, year, month, deadline_day)
    members_cell = _write_identity(wb.create_sheet(vocab.SHEET_IDENTITAS), district, year, month)
    for kind in vocab.RECORD_KINDS:
        _write_data_sheet(wb.create_sheet(vocab.SHEET_NAMES[kind]), kind, year, month, members_cell)
    _write_lists(wb)  # last and hidden: districts should not edit it, the reader ignores it
    wb.active = 0  # opens on Petunjuk
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def write_all_templates(
    folder: Path, registry: Registry, year: int, month: int, deadline_day: int = DEFAULT_DEADLINE_DAY
) -> list[Path]:
    """One template per district of ``registry`` into ``folder``, for the operator to send out."""
    return [
        write_template(
            Path(folder) / template_filename(d.district_code, year, month), d, year, month, deadline_day
        )
        for d in registry.districts
    ]


def _protect(ws: Worksheet) -> None:
    """Sheet protection without a password: locked cells cannot be overwritten by accident,
    and a clerk who knows what they are doing can still unprotect (Review > Unprotect)."""
    ws.protection.sheet = True
    # False = allowed: widening columns, taller rows and inserting/deleting rows stay possible.
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    ws.protection.insertRows = False
    ws.protection.deleteRows = False


def _page(ws: Worksheet, title_rows: str | None = None) -> None:
    """A4 landscape, one page wide, as many pages tall as needed, headers on every page."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    if title_rows:
        ws.print_title_rows = title_rows


def _banner(ws: Worksheet, row: int, last_column: int, text: str, font: Font, height: float) -> None:
    """A title or legend line across the table: merged, wrapped, locked."""
    for column in range(1, last_column + 1):
        ws.cell(row=row, column=column).protection = LOCKED  # else the column style unlocks it
    cell = ws.cell(row=row, column=1, value=text)
    cell.font = font
    cell.alignment = Alignment(wrap_text=True, vertical="center")
    if last_column > 1:
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=last_column)
    ws.row_dimensions[row].height = height


# --- Identitas ---------------------------------------------------------------------------


def _identity_values(district: District, year: int, month: int) -> dict[str, Any]:
    return {
        "district_code": district.district_code,
        "district_name": district.district_name,
        "month": vocab.month_name(month),
        "year": year,
    }


IDENTITY_NOTES = {
    "district_code": "sudah diisi oleh Bawaslu Provinsi (terkunci)",
    "district_name": "sudah diisi (terkunci)",
    "month": "bulan laporan; sudah diisi (terkunci)",
    "year": "tahun laporan; sudah diisi (terkunci)",
    "members": "WAJIB diisi: jumlah anggota/pimpinan Bawaslu kab/kota (biasanya 3 atau 5)",
    "prepared_by": "nama penyusun laporan",
    "report_date": "tanggal laporan disusun, misalnya 03/02/2026",
}


def _write_identity(ws: Worksheet, district: District, year: int, month: int) -> str:
    """The Identitas sheet; returns the address of the Jumlah Anggota cell (``$B$8``)."""
    values = _identity_values(district, year, month)
    _banner(
        ws,
        1,
        3,
        f"IDENTITAS LAPORAN — {district.district_name}, {vocab.month_name(month)} {year}",
        TITLE_FONT,
        24,
    )
    _banner(
        ws,
        2,
        3,
        "Isi sel kuning. Sel abu-abu sudah diisi oleh Bawaslu Provinsi dan dikunci. Tanda * = wajib diisi.",
        LEGEND_FONT,
        18,
    )
    members_cell = ""
    for row, field in enumerate(vocab.IDENTITY_FIELDS, start=IDENTITY_FIRST_ROW):
        key = ws.cell(row=row, column=1, value=header_label(field))
        key.font = KEY_FONT
        key.border = BORDER
        value = ws.cell(row=row, column=2, value=values.get(field.name))
        value.border = BORDER
        value.font = BODY_FONT
        value.alignment = Alignment(horizontal="left")
        if field.name == "district_code":
            value.number_format = "@"  # a code, not a number: keeps "3603" as typed
        if field.type == vocab.DATE:
            value.number_format = DATE_FORMAT
        given = field.name in values
        value.fill = GIVEN_FILL if given else INPUT_FILL
        value.protection = LOCKED if given else UNLOCKED
        note = ws.cell(row=row, column=3, value=IDENTITY_NOTES.get(field.name, ""))
        note.font = Font(name=FONT, italic=True, color="595959")
        if field.name == "members":
            members_cell = f"$B${row}"
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
                "Isi tanggal dengan format dd/mm/yyyy, misalnya 03/02/2026.",
                operator="greaterThan",
                formula1="1",
            )
            ws.add_data_validation(dv)
            dv.add(value.coordinate)
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 30
    ws.column_dimensions["C"].width = 72
    _page(ws)
    _protect(ws)
    return members_cell


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
    _protect(ws)


# --- Pleno / Pencegahan / Kelembagaan ----------------------------------------------------


def _example_row(kind: str, year: int, month: int) -> dict[str, Any]:
    """The greyed example row, keyed by field name. These values are also how the reader
    recognises an untouched example row in files made from any version of the template: change
    them only together with a reader test."""
    day = date(year, month, min(5, calendar.monthrange(year, month)[1]))
    if kind == vocab.PLENO:
        return {
            "no": vocab.EXAMPLE_MARKER,
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
            "no": vocab.EXAMPLE_MARKER,
            "date": day,
            "activity_type": "Sosialisasi",
            "stage": f"{vocab.NON_STAGE} (atau tahapan yang diawasi)",
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
        "aspect": vocab.EXAMPLE_MARKER,
        "program": "Digitalisasi arsip pengawasan (Aspek: Pengolahan Data)",
        "target": "Seluruh arsip tahun lalu terdigitalisasi",
        "progress": 75,
        "output": "Arsip digital",
        "evidence": "https://drive.example/bukti-k01 (atau Tidak)",
    }


def example_values(kind: str, year: int, month: int) -> dict[str, Any]:
    """The example row of ``kind`` by field name, first field first (it holds the marker)."""
    example = _example_row(kind, year, month)
    return {f.name: example.get(f.name) for f in vocab.SHEET_FIELDS[kind]}


def _write_data_sheet(ws: Worksheet, kind: str, year: int, month: int, members_cell: str) -> None:
    fields = vocab.SHEET_FIELDS[kind]
    last_data = FIRST_DATA_ROW + DATA_ROWS - 1
    width = len(fields)
    for col, field in enumerate(fields, start=1):
        letter = get_column_letter(col)
        dim = ws.column_dimensions[letter]
        dim.width = NARROW.get(field.name, WIDTHS[field.type])
        # Column styles apply to whatever the district types later, without writing 1000 empty
        # styled cells the reader would have to walk through: unlocked, and formatted by type.
        dim.protection = UNLOCKED
        dim.font = BODY_FONT
        if field.type == vocab.DATE:
            dim.number_format = DATE_FORMAT
        elif field.type == vocab.INTEGER:
            dim.number_format = "0"
        if field.type in (vocab.TEXT, vocab.PRESENCE) and field.name != "no":
            dim.alignment = Alignment(wrap_text=True, vertical="top")
        else:
            dim.alignment = Alignment(vertical="top")
        dv = _field_validation(field, year, month, members_cell)
        if dv is not None:
            ws.add_data_validation(dv)
            dv.add(f"{letter}{FIRST_DATA_ROW}:{letter}{last_data}")
    title = f"{vocab.SHEET_NAMES[kind].upper()} — {SHEET_TITLES[kind]}, {vocab.month_name(month)} {year}"
    _banner(ws, TITLE_ROW, width, title, TITLE_FONT, 24)
    _banner(ws, LEGEND_ROW, width, LEGEND, LEGEND_FONT, 32)
    for col, field in enumerate(fields, start=1):
        cell = ws.cell(row=HEADER_ROW, column=col, value=header_label(field))
        cell.fill = HEADER_FILL
        cell.font = HEADER_FONT
        cell.border = BORDER
        cell.protection = LOCKED
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.row_dimensions[HEADER_ROW].height = 32
    example = _example_row(kind, year, month)
    for col, field in enumerate(fields, start=1):
        cell = ws.cell(row=EXAMPLE_ROW, column=col, value=example.get(field.name))
        cell.fill = EXAMPLE_FILL
        cell.font = EXAMPLE_FONT
        cell.border = BORDER
        cell.protection = LOCKED  # typed over, it would be a record: the row is not for typing
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if isinstance(cell.value, date):
            cell.number_format = DATE_FORMAT
    ws.row_dimensions[EXAMPLE_ROW].height = 45
    # A visible grid where typing starts (and a printable blank form): explicitly unlocked.
    for row in range(FIRST_DATA_ROW, FIRST_DATA_ROW + FORM_ROWS):
        for col in range(1, width + 1):
            cell = ws.cell(row=row, column=col)
            cell.border = BORDER
            cell.protection = UNLOCKED
            cell.font = BODY_FONT
            field = fields[col - 1]
            if field.type == vocab.DATE:
                cell.number_format = DATE_FORMAT
            elif field.type == vocab.INTEGER:
                cell.number_format = "0"
            wrap = field.type in (vocab.TEXT, vocab.PRESENCE) and field.name != "no"
            cell.alignment = Alignment(wrap_text=wrap, vertical="top")
    ws.freeze_panes = ws.cell(row=FIRST_DATA_ROW, column=1)  # header and example stay visible
    _page(ws, title_rows=f"{HEADER_ROW}:{HEADER_ROW}")
    ws.print_area = f"A1:{get_column_letter(width)}{FIRST_DATA_ROW + FORM_ROWS - 1}"
    _protect(ws)


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


def _field_validation(field: vocab.Field, year: int, month: int, members_cell: str) -> DataValidation | None:
    if field.type == vocab.ENUM:
        return _validation(
            "list",
            field.label,
            f"Pilih dari daftar ({field.hint or 'lihat lembar Petunjuk'}).",
            formula1=LIST_NAMES[field.name],
        )
    if field.type == vocab.INTEGER:
        if field.name == "attendance":
            # Against the district's own Jumlah Anggota: hadir > anggota is an error in the feedback.
            return _validation(
                "whole",
                field.label,
                "Isi bilangan bulat 0 sampai Jumlah Anggota. Isi dulu Jumlah Anggota di lembar Identitas.",
                operator="between",
                formula1="0",
                formula2=f"{vocab.SHEET_IDENTITAS}!{members_cell}",
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


def deadline_text(year: int, month: int, deadline_day: int, district: District) -> str:
    """``5 Februari 2026 pukul 23.59 WIB``: the deadline of a month as districts read it."""
    due = report_deadline(year, month, deadline_day, district.zone)
    return f"{due.day} {vocab.month_name(due.month)} {due.year} pukul 23.59 {due.tzname()}"


def _instruction_lines(district: District, year: int, month: int, deadline_day: int) -> list[tuple[str, str]]:
    """(style, text) lines; style is "title", "head" or "" for body text."""
    period = f"{vocab.month_name(month)} {year}"
    code = district.district_code
    lines: list[tuple[str, str]] = [
        ("title", f"Laporan Bulanan {district.district_name} — {period}"),
        (
            "",
            "Baca petunjuk ini dulu. Lembar yang diisi ada di tab bawah: Identitas, Pleno, Pencegahan, "
            "Kelembagaan.",
        ),
        ("", ""),
        ("head", "1. Cara mengisi"),
        (
            "",
            "• Lembar Identitas: isi Jumlah Anggota (wajib), Disusun Oleh dan Tanggal Laporan. Kode, nama, "
            "bulan dan tahun sudah diisi dan dikunci.",
        ),
        (
            "",
            "• Lembar Pleno: satu baris untuk setiap rapat pleno. Lembar Pencegahan: satu baris untuk setiap "
            "kegiatan pencegahan.",
        ),
        ("", "• Lembar Kelembagaan: diisi bila ada program penguatan kelembagaan (satu baris per program)."),
        (
            "",
            "• Kolom bertanda * wajib diisi. Baris abu-abu bertanda Contoh hanya contoh: mulai mengisi di "
            "baris putih tepat di bawahnya.",
        ),
        ("", "• Tanggal ditulis dd/mm/yyyy, misalnya 12/01/2026. Jumlah ditulis angka saja, misalnya 25."),
        ("", "• Jumlah Hadir tidak boleh melebihi Jumlah Anggota di lembar Identitas."),
        (
            "",
            "• Notulen dan Bukti Dukung: tautan (link) atau nomor dokumen; tulis Tidak bila memang tidak ada.",
        ),
        (
            "",
            "• Pilih Jenis Pleno, Jenis Kegiatan dan Aspek dari daftar pilihan (klik sel, lalu panah kecil).",
        ),
        ("", "• Judul kolom dan sel abu-abu dikunci agar tidak terhapus. Jangan mengganti nama lembar."),
        ("", "• Satu berkas untuk satu bulan laporan."),
        ("", ""),
        ("head", "2. Batas waktu"),
        (
            "",
            f"Laporan {period} paling lambat diterima {deadline_text(year, month, deadline_day, district)} "
            f"(setiap bulan: tanggal {deadline_day} bulan berikutnya). Laporan yang masuk sesudahnya tetap "
            "diterima tetapi tercatat terlambat.",
        ),
        ("", ""),
        ("head", "3. Pengiriman"),
        (
            "",
            f"Simpan sebagai Excel Workbook (.xlsx), lalu unggah ke folder inbox/{code}/ di drive bersama "
            "Bawaslu Provinsi. Jangan mengunggah ke folder kab/kota lain.",
        ),
        (
            "",
            "Berkas .xls, .csv, .pdf atau foto tidak diterima. Jangan memberi kata sandi (password) pada berkas.",
        ),
        ("", ""),
        ("head", "4. Umpan balik"),
        (
            "",
            f"Setelah berkas diproses, operator Bawaslu Provinsi menaruh umpan balik di folder feedback/{code}/: "
            "berkas Umpan_Balik_… dengan status DITERIMA, CATATAN (diterima, ada yang perlu diperbaiki) atau "
            "DITOLAK (belum dihitung).",
        ),
        (
            "",
            "Bila ada catatan, berkas Ditandai_… di folder yang sama adalah salinan laporan Anda dengan sel "
            "bermasalah diwarnai dan diberi komentar. Perbaiki di berkas laporan Anda lalu unggah kembali: "
            "berkas baru untuk bulan yang sama menggantikan yang lama.",
        ),
        ("", "Templat kosong untuk bulan lain dapat diminta kepada operator Bawaslu Provinsi."),
        ("", ""),
        ("head", "5. Kolom dan isian yang diterima"),
    ]
    for kind in vocab.RECORD_KINDS:
        lines.append(("head", f"Lembar {vocab.SHEET_NAMES[kind]}"))
        for field in vocab.SHEET_FIELDS[kind]:
            need = "wajib" if field.required else "boleh kosong"
            what = field.hint or _type_hint(field.type)
            lines.append(("", f"• {header_label(field)} ({need}): {what}"))
    lines += [
        ("", ""),
        ("head", "Pilihan Jenis Pleno"),
        ("", ", ".join(vocab.PLENO_TYPES)),
        ("head", "Pilihan Jenis Kegiatan"),
        ("", ", ".join(vocab.ACTIVITY_TYPES)),
        ("head", "Pilihan Aspek (Kelembagaan)"),
        ("", ", ".join(vocab.ASPECTS)),
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


PETUNJUK_WIDTH = 100  # characters in column A; the lines below wrap inside it


def _write_instructions(ws: Worksheet, district: District, year: int, month: int, deadline_day: int) -> None:
    for row, (style, text) in enumerate(_instruction_lines(district, year, month, deadline_day), start=1):
        cell = ws.cell(row=row, column=1, value=text or None)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if style == "title":
            cell.font = TITLE_FONT
            ws.row_dimensions[row].height = 24
        elif style == "head":
            cell.font = KEY_FONT
        else:
            cell.font = BODY_FONT
            # Spreadsheet programs do not grow rows written by openpyxl: size them for the wrap.
            lines = 1 + len(text) // PETUNJUK_WIDTH
            ws.row_dimensions[row].height = 15 * lines
    ws.column_dimensions["A"].width = PETUNJUK_WIDTH
    _page(ws)
    _protect(ws)
