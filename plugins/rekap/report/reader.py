"""Reading one district file into a typed Report (report-format.md).

``read_report`` applies every tolerance of the format and every file-level rejection.
Row-level rules are not here: they are the GX suites (see ``validation``), run on the
records this module produces.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from rekap.registry import Registry
from rekap.report import cells, vocab
from rekap.report.model import Cell, Identity, Issue, Record, Report
from rekap.report.opening import (
    FileRejected,
    Limits,
    RawSheet,
    RawWorkbook,
    column_letters,
    read_workbook,
)

HEADER_SEARCH_ROWS = 15
IDENTITY_SEARCH_ROWS = 30

FIX_AND_RESEND = "Perbaiki lalu unggah kembali berkas ke folder kab/kota Anda."


@dataclass
class HeaderMatch:
    row: int  # Excel row of the header
    columns: dict[str, int]  # field name -> 1-based column
    unknown: list[str]  # headers of extra columns (ignored, warned)


@cache
def _labels(field: vocab.Field) -> frozenset[str]:
    """The header texts that name ``field`` (its label and aliases, normalised); computed once."""
    return frozenset(
        {cells.normalise_header(field.label), *(cells.normalise_header(a) for a in field.aliases)}
    )


def match_header_row(values: list[Any], fields: tuple[vocab.Field, ...]) -> tuple[dict[str, int], list[str]]:
    """Which field each header cell names; unknown non-empty headers are listed."""
    columns: dict[str, int] = {}
    unknown: list[str] = []
    for col, value in enumerate(values, start=1):
        key = cells.normalise_header(value)
        if not key:
            continue
        for field in fields:
            if field.name not in columns and key in _labels(field):
                columns[field.name] = col
                break
        else:
            unknown.append(cells.cell_text(value) or "")
    return columns, unknown


def find_header(sheet: RawSheet, kind: str) -> HeaderMatch | list[str]:
    """The first row within the first 15 naming all required columns, or the labels of the
    required columns missing from the best candidate row."""
    fields = vocab.SHEET_FIELDS[kind]
    required = [f for f in fields if f.required]
    best_missing: list[str] | None = None
    for row_number, values in enumerate(sheet.rows[:HEADER_SEARCH_ROWS], start=1):
        columns, unknown = match_header_row(values, fields)
        missing = [f.label for f in required if f.name not in columns]
        if not missing:
            return HeaderMatch(row_number, columns, unknown)
        if len(missing) < len(required) - 1 and (best_missing is None or len(missing) < len(best_missing)):
            best_missing = missing
    return best_missing or [f.label for f in required]


def read_cell(field: vocab.Field, raw: Any, percent_cell: bool = False) -> Cell:
    """One cell typed by its field; unreadable content is kept as text, value None."""
    cell = _typed_cell(field, raw, percent_cell)
    cell.typed = cells.cell_text(raw)  # as the district sees it: "-" stays "-" in messages
    return cell


def _typed_cell(field: vocab.Field, raw: Any, percent_cell: bool) -> Cell:
    if cells.is_blank(raw):
        return Cell(text=None)
    text = cells.cell_text(raw)
    try:
        if field.type == vocab.DATE:
            return Cell(text, cells.parse_date(raw))
        if field.type == vocab.INTEGER:
            return Cell(text, cells.parse_integer(raw))
        if field.type == vocab.PERCENT:
            return Cell(text, cells.parse_percent(raw, percent_cell))
        if field.type == vocab.ENUM:
            canonical = cells.match_enum(raw, field.name)
            return Cell(text, canonical, readable=canonical is not None)
        if field.type == vocab.PRESENCE:
            return Cell(text, cells.presence(raw))
    except cells.Unreadable:
        return Cell(text, None, readable=False)
    return Cell(text, text)


_RUNNING_NUMBER = re.compile(r"^\d{1,6}[.)]?$")


def is_running_number(value: Any) -> bool:
    """A whole number as pre-numbered tables hold it: ``4``, ``4.0``, ``"4"``, ``"4."``."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return value >= 0
    if isinstance(value, float):
        return value.is_integer() and value >= 0
    return isinstance(value, str) and bool(_RUNNING_NUMBER.match(value.strip()))


def is_example_row(values: dict[str, Any], example: dict[str, Any]) -> bool:
    """The template's example row, untouched: its first cell says ``Contoh`` and every other
    filled cell still holds the example's value. A cell the district typed over makes the row a
    record (report-format.md: no filled row is dropped without a word); a cell it only cleared
    does not, since nothing was filled in."""
    marker = cells.normalise_key(vocab.EXAMPLE_MARKER)
    first = next(iter(example))
    if cells.normalise_key(values.get(first)) != marker:
        return False
    for name, raw in values.items():
        if name == first or cells.is_blank(raw):
            continue
        if not _same_value(raw, example.get(name)):
            return False
    return True


def _same_value(raw: Any, expected: Any) -> bool:
    if isinstance(expected, date):
        try:
            return cells.parse_date(raw) == expected
        except cells.Unreadable:
            return False
    return cells.normalise_key(raw) == cells.normalise_key(expected)


def is_numbered_empty_row(values: dict[str, Any], header: HeaderMatch) -> bool:
    """Only a running number, in ``No`` or, on a sheet without ``No`` (Kelembagaan), in the
    table's first column: a pre-numbered empty row, not a record."""
    filled = [name for name, v in values.items() if not cells.is_blank(v)]
    if len(filled) != 1:
        return False
    number_column = "no" if "no" in header.columns else min(header.columns, key=header.columns.__getitem__)
    return filled[0] == number_column and is_running_number(values[number_column])


def read_records(
    sheet: RawSheet,
    kind: str,
    header: HeaderMatch,
    percent_cells: set[tuple[int, int]],
    year: int,
    month: int,
) -> list[Record]:
    from rekap.report.template import example_values

    fields = {f.name: f for f in vocab.SHEET_FIELDS[kind]}
    example = example_values(kind, year, month)
    records: list[Record] = []
    for row_number in range(header.row + 1, len(sheet.rows) + 1):
        values = {name: sheet.cell(row_number, col) for name, col in header.columns.items()}
        if all(cells.is_blank(v) for v in values.values()) or is_numbered_empty_row(values, header):
            continue  # blank row, or a pre-numbered empty row
        if is_example_row(values, example):
            continue
        record_cells = {
            name: read_cell(
                fields[name],
                values.get(name),
                (row_number, header.columns.get(name, 0)) in percent_cells,
            )
            for name in fields
        }
        # Issues and the warehouse name the sheet as the format does, whatever its spelling here.
        records.append(Record(kind, vocab.SHEET_NAMES[kind], row_number, record_cells, dict(header.columns)))
    return records


def _percent_candidates(sheet: RawSheet, header: HeaderMatch) -> list[tuple[int, int]]:
    """Capaian cells holding a fraction (0 < v <= 1): only these need the number format."""
    col = header.columns.get("progress")
    if col is None:
        return []
    found = []
    for row_number in range(header.row + 1, len(sheet.rows) + 1):
        v = sheet.cell(row_number, col)
        if isinstance(v, float) and 0 < v <= 1:
            found.append((row_number, col))
    return found


def identity_rows(sheet: RawSheet) -> dict[str, int]:
    """The Excel row of each Identitas key found in column A (the first match counts)."""
    found: dict[str, int] = {}
    for row_number, row in enumerate(sheet.rows[:IDENTITY_SEARCH_ROWS], start=1):
        if not row:
            continue
        key = cells.normalise_header(row[0])
        for field in vocab.IDENTITY_FIELDS:
            if field.name not in found and key in _labels(field):
                found[field.name] = row_number
                break
    return found


def read_identity(sheet: RawSheet) -> tuple[dict[str, Any], list[str]]:
    """Key/value pairs of Identitas (key in column A, value in B); missing required keys."""
    found = {name: sheet.cell(row, 2) for name, row in identity_rows(sheet).items()}
    missing = [f.label for f in vocab.IDENTITY_FIELDS if f.required and cells.is_blank(found.get(f.name))]
    return found, missing


CONTROL_CHARACTERS_RULE = "control_characters"


def control_character_issue(
    sheet: str, row: int, column: str, value: str | None, removed: list[str], col: int
) -> Issue:
    """The row-level warning for a cell whose invisible control characters were removed."""
    return Issue(
        sheet=sheet,
        row=row,
        column=column,
        cell=f"{column_letters(col)}{row}",
        value=value,
        problem=(
            f"Isian mengandung karakter tak terlihat (karakter kontrol {', '.join(removed)}) yang sudah dihapus; "
            "isian dibaca dan dimuat tanpa karakter tersebut. Tidak ada yang perlu diperbaiki, kecuali isian "
            "yang tercantum di sini berbeda dari yang dimaksud."
        ),
        rule=CONTROL_CHARACTERS_RULE,
    )


def identity_control_issues(sheet: RawSheet) -> list[Issue]:
    """Identitas values (column B) that were cleaned: they reach the warehouse and the feedback."""
    labels = {f.name: f.label for f in vocab.IDENTITY_FIELDS}
    return [
        control_character_issue(
            vocab.SHEET_IDENTITAS,
            row,
            labels[name],
            cells.cell_text(sheet.cell(row, 2)),
            sheet.cleaned[(row, 2)],
            2,
        )
        for name, row in identity_rows(sheet).items()
        if (row, 2) in sheet.cleaned
    ]


def record_control_issues(
    sheet: RawSheet, kind: str, header: HeaderMatch, records: list[Record]
) -> list[Issue]:
    """Header cells and the cells of records that were cleaned, named as the format names them."""
    if not sheet.cleaned:
        return []
    labels = {f.name: f.label for f in vocab.SHEET_FIELDS[kind]}
    by_column = {col: labels[name] for name, col in header.columns.items()}
    issues = []
    for col, value in enumerate(sheet.rows[header.row - 1], start=1):
        if (header.row, col) in sheet.cleaned:
            column = by_column.get(col) or cells.cell_text(value) or column_letters(col)
            issues.append(
                control_character_issue(
                    vocab.SHEET_NAMES[kind],
                    header.row,
                    column,
                    cells.cell_text(value),
                    sheet.cleaned[(header.row, col)],
                    col,
                )
            )
    for record in records:
        for name, col in header.columns.items():
            if (record.row, col) in sheet.cleaned:
                issues.append(
                    control_character_issue(
                        record.sheet,
                        record.row,
                        labels[name],
                        record.cells[name].text,
                        sheet.cleaned[(record.row, col)],
                        col,
                    )
                )
    return issues


def parse_identity(values: dict[str, Any]) -> Identity:
    """Raises FileRejected naming the key that cannot be read."""

    def fail(label: str, why: str) -> FileRejected:
        return FileRejected(
            "identity_unreadable",
            f"Lembar Identitas: isian {label!r} ({cells.cell_text(values.get(_name(label)))!r}) tidak dapat "
            f"dibaca: {why}. {FIX_AND_RESEND}",
        )

    try:
        code = cells.parse_district_code(values["district_code"])
    except cells.Unreadable as exc:
        raise fail("Kode Kab/Kota", str(exc)) from exc
    try:
        month = cells.parse_month(values["month"])
    except cells.Unreadable as exc:
        raise fail("Bulan", str(exc)) from exc
    try:
        year = cells.parse_year(values["year"])
    except cells.Unreadable as exc:
        raise fail("Tahun", str(exc)) from exc
    try:
        members = cells.parse_number(values["members"])
    except cells.Unreadable as exc:
        raise fail("Jumlah Anggota", "harus bilangan bulat, biasanya 3 atau 5") from exc
    if not members.is_integer() or not 1 <= members <= 15:
        raise fail("Jumlah Anggota", "harus bilangan bulat, biasanya 3 atau 5")
    report_date = None
    if not cells.is_blank(values.get("report_date")):
        try:
            report_date = cells.parse_date(values["report_date"])
        except cells.Unreadable:
            report_date = None  # informational only
    return Identity(
        district_code=code,
        year=year,
        month=month,
        members=int(members),
        district_name=cells.cell_text(values.get("district_name")),
        prepared_by=cells.cell_text(values.get("prepared_by")),
        report_date=report_date,
    )


def _name(label: str) -> str:
    return next(f.name for f in vocab.IDENTITY_FIELDS if f.label == label)


def check_identity(
    identity: Identity, registry: Registry, folder_district: str | None, now: datetime
) -> list[str]:
    """File-level identity rules; returns warnings, raises FileRejected."""
    district = registry.get(identity.district_code)
    if district is None:
        raise FileRejected(
            "unknown_district",
            f"Kode Kab/Kota {identity.district_code} tidak terdaftar di provinsi ini. Isi Kode Kab/Kota "
            "dengan kode kab/kota Anda (4 angka, misalnya 3603) lalu unggah kembali.",
        )
    if folder_district is not None and identity.district_code != folder_district:
        raise FileRejected(
            "wrong_district",
            f"Berkas ini menyatakan Kode Kab/Kota {identity.district_code} tetapi diunggah ke folder "
            f"{folder_district}. Satu kab/kota tidak dapat melapor untuk kab/kota lain: perbaiki Kode "
            "Kab/Kota di lembar Identitas, atau unggah berkas ke folder kab/kota yang benar.",
        )
    today = now.astimezone(district.zone).date()  # "the current month" is the district's own
    period = (identity.year, identity.month)
    if period > (today.year, today.month):
        raise FileRejected(
            "period_in_future",
            f"Laporan untuk {vocab.month_name(identity.month)} {identity.year} belum dapat diterima karena "
            "bulan tersebut belum tiba. Periksa isian Bulan dan Tahun di lembar Identitas.",
        )
    first = district.first_month
    if period < first:
        raise FileRejected(
            "period_before_start",
            f"Laporan untuk {vocab.month_name(identity.month)} {identity.year} mendahului awal pelaporan "
            f"{district.district_name} ({vocab.month_name(first[1])} {first[0]}). Periksa isian Bulan dan "
            "Tahun di lembar Identitas.",
        )
    warnings = []
    if identity.district_name and cells.normalise_key(identity.district_name) not in {
        cells.normalise_key(district.district_name),
        cells.normalise_key(district.district_name.split(" ", 1)[-1]),
    }:
        warnings.append(
            f"Nama Kab/Kota {identity.district_name!r} berbeda dengan nama terdaftar "
            f"{district.district_name!r} (hanya peringatan; kode yang dipakai)."
        )
    return warnings


def read_report(
    path: str | Path,
    registry: Registry,
    now: datetime | None = None,
    folder_district: str | None = None,
    limits: Limits | None = None,
    content: bytes | None = None,
) -> Report:
    """Read one file. ``now`` (aware; default the current time) decides the "future month"
    rule in the district's time zone; ``folder_district`` is the folder the file is in;
    ``content`` its bytes when the caller has them (see ``read_workbook``)."""
    path = Path(path)
    report = Report(path=path)
    limits = limits or Limits()
    try:
        book = read_workbook(path, limits, content)
        _read_into(report, book, registry, now or datetime.now(UTC), folder_district, limits)
    except FileRejected as rejected:
        report.reject(rejected.code, rejected.message)
    return report


def _read_into(
    report: Report,
    book: RawWorkbook,
    registry: Registry,
    now: datetime,
    folder_district: str | None,
    limits: Limits,
) -> None:
    identitas = book.find_sheet(vocab.SHEET_IDENTITAS)
    if identitas is None:
        raise FileRejected(
            "identity_missing",
            "Lembar 'Identitas' tidak ditemukan. Gunakan templat laporan dan isi lembar Identitas "
            "(Kode Kab/Kota, Bulan, Tahun, Jumlah Anggota).",
        )
    values, missing = read_identity(identitas)
    report.issues.extend(identity_control_issues(identitas))
    if missing:
        raise FileRejected(
            "identity_incomplete",
            f"Lembar Identitas belum lengkap: {', '.join(missing)} wajib diisi (kunci di kolom A, isian di "
            f"kolom B). {FIX_AND_RESEND}",
        )
    identity = parse_identity(values)
    report.identity = identity  # kept on rejection too: the file's claim helps the operator
    report.warnings.extend(check_identity(identity, registry, folder_district, now))

    present = {kind: book.find_sheet(vocab.SHEET_NAMES[kind]) for kind in vocab.RECORD_KINDS}
    if present[vocab.PLENO] is None and present[vocab.PENCEGAHAN] is None:
        raise FileRejected(
            "sheets_missing",
            "Lembar 'Pleno' dan 'Pencegahan' tidak ditemukan; minimal salah satu harus ada. Gunakan "
            "templat laporan (nama lembar tidak boleh diubah) lalu unggah kembali.",
        )
    for kind, sheet in present.items():
        if sheet is None:
            continue
        header = find_header(sheet, kind)
        if isinstance(header, list):
            raise FileRejected(
                "columns_missing",
                f"Lembar '{sheet.name}': kolom wajib tidak ditemukan: {', '.join(header)}. Baris judul kolom "
                f"harus berada di 15 baris pertama dan memuat semua kolom wajib seperti di templat. "
                f"{FIX_AND_RESEND}",
            )
        if header.unknown:
            report.warnings.append(
                f"Lembar '{sheet.name}': kolom tidak dikenal diabaikan: {', '.join(header.unknown)}."
            )
        percent = set(_percent_candidates(sheet, header)) & sheet.percent_cells
        records = read_records(sheet, kind, header, percent, identity.year, identity.month)
        if len(records) > limits.max_rows_per_sheet:
            raise FileRejected(
                "too_many_rows",
                f"Lembar '{sheet.name}' berisi {len(records)} baris data, melebihi batas "
                f"{limits.max_rows_per_sheet}. Pisahkan atau periksa isi lembar lalu unggah kembali.",
            )
        report.records[kind] = records
        report.issues.extend(record_control_issues(sheet, kind, header, records))
    if not any(report.records.values()):
        raise FileRejected(
            "empty_report",
            "Laporan kosong: tidak ada baris data di lembar Pleno, Pencegahan, maupun Kelembagaan. "
            "Templat kosong tidak dihitung sebagai laporan; isi kegiatan bulan ini lalu unggah kembali.",
        )
