"""Opening a district's file: format checks, size limits, and the raw cell grid of each sheet.

Values are read with python-calamine (fast; reads .xlsx and .ods, gives formulas' cached
values and real dates). openpyxl is opened only where calamine cannot tell something the
format needs: the number format of a Capaian cell (a fraction formatted as percent).
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ACCEPTED_SUFFIXES = (".xlsx", ".ods")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, or an encrypted .xlsx
ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = 20 * 1024 * 1024
    max_unpacked_bytes: int = 200 * 1024 * 1024
    max_rows_per_sheet: int = 5000


class FileRejected(Exception):
    """The whole file is refused; ``message`` is for the district, in Indonesian."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class RawSheet:
    name: str
    rows: list[list[Any]]  # rows[i][j] is Excel row i+1, column j+1; empty cells are None
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)

    def cell(self, row: int, col: int) -> Any:
        """1-based, like Excel."""
        if row - 1 < len(self.rows) and col - 1 < len(self.rows[row - 1]):
            return self.rows[row - 1][col - 1]
        return None


@dataclass
class RawWorkbook:
    path: Path
    sheets: dict[str, RawSheet]  # by the sheet's own name

    def find_sheet(self, wanted: str) -> RawSheet | None:
        """Sheet names match case-insensitively after trimming."""
        key = wanted.strip().lower()
        for name, sheet in self.sheets.items():
            if name.strip().lower() == key:
                return sheet
        return None


SAVE_AS_XLSX = (
    'Simpan ulang laporan sebagai .xlsx (Excel Workbook / LibreOffice "Excel 2007-365") '
    "dari templat laporan, lalu unggah kembali."
)


def check_file(path: Path, limits: Limits) -> None:
    """File-level checks that need no parsing: type, size, encryption, zip bomb."""
    suffix = path.suffix.lower()
    size = path.stat().st_size
    if suffix not in ACCEPTED_SUFFIXES:
        raise FileRejected(
            "wrong_format",
            f"Format berkas {suffix or '(tanpa ekstensi)'} tidak diterima. {SAVE_AS_XLSX}",
        )
    if size == 0:
        raise FileRejected("unreadable", f"Berkas kosong (0 byte). {SAVE_AS_XLSX}")
    if size > limits.max_file_bytes:
        raise FileRejected(
            "too_large",
            f"Berkas {size / 1048576:.1f} MB melebihi batas {limits.max_file_bytes / 1048576:.0f} MB. "
            "Hapus gambar/lampiran dari workbook (bukti dukung cukup berupa tautan) lalu unggah kembali.",
        )
    with path.open("rb") as fh:
        head = fh.read(8)
    if head == OLE_MAGIC:
        data = path.read_bytes()
        if ENCRYPTED_PACKAGE in data:
            raise FileRejected(
                "encrypted",
                "Berkas dilindungi kata sandi (terenkripsi) sehingga tidak dapat dibaca. "
                "Buka berkas, hapus kata sandinya (File > Info > Protect Workbook), simpan, lalu unggah kembali.",
            )
        raise FileRejected(
            "wrong_format",
            f"Berkas ini format Excel lama (.xls) yang diberi nama {suffix}. {SAVE_AS_XLSX}",
        )
    if not zipfile.is_zipfile(path):
        raise FileRejected(
            "unreadable",
            f"Berkas bukan workbook yang dapat dibaca (rusak atau bukan spreadsheet, misalnya CSV/PDF "
            f"yang diganti namanya). {SAVE_AS_XLSX}",
        )
    try:
        with zipfile.ZipFile(path) as zf:
            unpacked = sum(info.file_size for info in zf.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise FileRejected("unreadable", f"Berkas rusak dan tidak dapat dibuka. {SAVE_AS_XLSX}") from exc
    if unpacked > limits.max_unpacked_bytes:
        raise FileRejected(
            "too_large",
            f"Isi berkas setelah dibuka ({unpacked / 1048576:.0f} MB) melebihi batas "
            f"{limits.max_unpacked_bytes / 1048576:.0f} MB. Gunakan templat laporan tanpa gambar dan "
            "lembar tambahan, lalu unggah kembali.",
        )


def read_workbook(path: str | Path, limits: Limits | None = None) -> RawWorkbook:
    """Every visible worksheet's grid, or FileRejected with a message for the district."""
    from python_calamine import CalamineWorkbook

    path = Path(path)
    limits = limits or Limits()
    check_file(path, limits)
    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises several types for broken files
        raise FileRejected(
            "unreadable", f"Berkas rusak atau bukan workbook yang dapat dibaca. {SAVE_AS_XLSX}"
        ) from exc
    sheets: dict[str, RawSheet] = {}
    try:
        for meta in book.sheets_metadata:
            if str(meta.typ) != str(type(meta.typ).WorkSheet):
                continue
            sheet = book.get_sheet_by_name(meta.name)
            if sheet.total_height > limits.max_rows_per_sheet + 50:
                raise FileRejected(
                    "too_many_rows",
                    f"Lembar {meta.name!r} memiliki {sheet.total_height} baris, melebihi batas "
                    f"{limits.max_rows_per_sheet} baris per lembar. Hapus baris kosong/berlebih atau "
                    "pisahkan laporan per bulan, lalu unggah kembali.",
                )
            grid = [[None if v == "" else v for v in row] for row in sheet.to_python(skip_empty_area=False)]
            merged = list(getattr(sheet, "merged_cell_ranges", None) or [])
            sheets[meta.name] = RawSheet(meta.name, grid, merged)
    except FileRejected:
        raise
    except Exception as exc:
        raise FileRejected("unreadable", f"Isi berkas rusak dan tidak dapat dibaca. {SAVE_AS_XLSX}") from exc
    finally:
        book.close()
    return RawWorkbook(path, sheets)


def percent_formatted_cells(
    path: Path, sheet_name: str, cells: list[tuple[int, int]]
) -> set[tuple[int, int]]:
    """Which of the given (row, col) cells carry a percent number format (openpyxl fallback)."""
    if not cells:
        return set()
    if path.suffix.lower() == ".ods":
        return _ods_percent_cells(path, sheet_name, set(cells))
    if path.suffix.lower() != ".xlsx":
        return set()
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        ws = book[sheet_name]
        wanted = set(cells)
        max_row = max(r for r, _ in cells)
        found = set()
        for r_idx, row in enumerate(ws.iter_rows(min_row=1, max_row=max_row), start=1):
            for cell in row:
                col = getattr(cell, "column", None)
                if col is not None and (r_idx, col) in wanted and "%" in (cell.number_format or ""):
                    found.add((r_idx, col))
        return found
    finally:
        book.close()


_ODS_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_ODS_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"


def _ods_percent_cells(path: Path, sheet_name: str, wanted: set[tuple[int, int]]) -> set[tuple[int, int]]:
    """The .ods counterpart: a cell typed ``office:value-type="percentage"`` (calamine gives
    only its fraction). Walks content.xml once, honouring row and column repeats."""
    from xml.etree.ElementTree import iterparse

    max_row = max(r for r, _ in wanted)
    found: set[tuple[int, int]] = set()
    in_sheet, last_row, rows, col = False, 0, range(0), 0
    with zipfile.ZipFile(path) as zf, zf.open("content.xml") as fh:
        for event, elem in iterparse(fh, events=("start", "end")):
            tag = elem.tag
            if tag == f"{_ODS_TABLE}table":
                if event == "start":
                    in_sheet = elem.get(f"{_ODS_TABLE}name") == sheet_name
                elif in_sheet:
                    break
            elif event == "end":
                elem.clear()  # keeps memory flat on long sheets
            elif not in_sheet:
                continue
            elif tag == f"{_ODS_TABLE}table-row":
                repeat = int(elem.get(f"{_ODS_TABLE}number-rows-repeated", "1"))
                rows, last_row, col = range(last_row + 1, last_row + repeat + 1), last_row + repeat, 0
                if rows.start > max_row:
                    break
            elif tag in (f"{_ODS_TABLE}table-cell", f"{_ODS_TABLE}covered-table-cell"):
                repeat = int(elem.get(f"{_ODS_TABLE}number-columns-repeated", "1"))
                if elem.get(f"{_ODS_OFFICE}value-type") == "percentage":
                    found.update(
                        (r, c) for r in rows for c in range(col + 1, col + repeat + 1) if (r, c) in wanted
                    )
                col += repeat
    return found
