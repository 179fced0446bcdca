"""Opening a district's file: format checks, size limits, and the raw cell grid of each sheet.

Values are read with python-calamine (fast; reads .xlsx and .ods, gives formulas' cached
values and real dates). calamine builds a dense grid from A1 to the last cell of a sheet, so a
single value at XFD1048576 would cost 512 GB: before calamine sees the file, every sheet's XML is
streamed once (``scan_sheets``, constant memory) to find where its real cells end, and a sheet
beyond the limits is refused. The same pass notes what calamine cannot tell: which cells carry a
percent number format (a Capaian fraction formatted as percent).
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from xml.parsers import expat

from rekap.report import cells

ACCEPTED_SUFFIXES = (".xlsx", ".ods")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, or an encrypted .xlsx
ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = 20 * 1024 * 1024
    max_unpacked_bytes: int = 200 * 1024 * 1024
    max_rows_per_sheet: int = 5000
    max_columns_per_sheet: int = 100


# Rows a sheet may hold beyond the data-row limit: title rows, the header, the example row.
ROW_MARGIN = 50


class FileRejected(Exception):
    """The whole file is refused; ``message`` is for the district, in Indonesian."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class RawSheet:
    name: str  # as in the file, without control characters
    rows: list[list[Any]]  # rows[i][j] is Excel row i+1, column j+1; empty cells are None
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)
    percent_cells: set[tuple[int, int]] = field(default_factory=set)  # (row, col) formatted as percent
    # (row, col) -> characters removed from that cell's text (cells.clean_text), for the warning
    cleaned: dict[tuple[int, int], list[str]] = field(default_factory=dict)

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


def check_file(path: Path, limits: Limits, content: bytes | None = None) -> None:
    """File-level checks that need no parsing: type, size, encryption, zip bomb. ``content``:
    the file's bytes when the caller has read them (the name still gives the type)."""
    suffix = path.suffix.lower()
    size = len(content) if content is not None else path.stat().st_size
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
    if content is not None:
        head = content[:8]
    else:
        with path.open("rb") as fh:
            head = fh.read(8)
    if head == OLE_MAGIC:
        data = content if content is not None else path.read_bytes()
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
    if not zipfile.is_zipfile(_source(path, content)):
        raise FileRejected(
            "unreadable",
            f"Berkas bukan workbook yang dapat dibaca (rusak atau bukan spreadsheet, misalnya CSV/PDF "
            f"yang diganti namanya). {SAVE_AS_XLSX}",
        )
    try:
        with zipfile.ZipFile(_source(path, content)) as zf:
            infos = zf.infolist()
            unpacked = sum(info.file_size for info in infos)
    except (zipfile.BadZipFile, OSError) as exc:
        raise FileRejected("unreadable", f"Berkas rusak dan tidak dapat dibuka. {SAVE_AS_XLSX}") from exc
    if _other_format(suffix, {info.filename.lower() for info in infos}):
        # The scan reads the format its name says, calamine guesses from the contents: a file
        # carrying both could be measured as one and read as the other.
        raise FileRejected(
            "unreadable",
            "Berkas berisi bagian dua format sekaligus (xlsx dan ods), sehingga isinya tidak dapat "
            "dipastikan. Buka berkas, simpan ulang sebagai Excel Workbook (.xlsx), lalu unggah kembali.",
        )
    if unpacked > limits.max_unpacked_bytes:
        raise FileRejected(
            "too_large",
            f"Isi berkas setelah dibuka ({unpacked / 1048576:.0f} MB) melebihi batas "
            f"{limits.max_unpacked_bytes / 1048576:.0f} MB. Gunakan templat laporan tanpa gambar dan "
            "lembar tambahan, lalu unggah kembali.",
        )


def _other_format(suffix: str, names: set[str]) -> bool:
    """Does a zip named ``suffix`` also carry the other accepted format's main parts?"""
    if suffix == ".xlsx":
        return "content.xml" in names or "mimetype" in names
    return "[content_types].xml" in names or any(n.startswith("xl/") for n in names)


def _source(path: Path, content: bytes | None) -> Path | IO[bytes]:
    """What zipfile and calamine open: the bytes already read, else the file."""
    return io.BytesIO(content) if content is not None else path


def read_workbook(
    path: str | Path, limits: Limits | None = None, content: bytes | None = None
) -> RawWorkbook:
    """Every worksheet's grid, or FileRejected with a message for the district. ``content``:
    the file's bytes when the caller read them already (the intake, which hashed those very
    bytes): the file is then not opened again, and what is read is what was hashed."""
    from python_calamine import CalamineWorkbook

    path = Path(path)
    limits = limits or Limits()
    check_file(path, limits, content)
    percent = scan_sheets(path, limits, content)  # before calamine: it would allocate what a sheet declares
    try:
        if content is not None:
            book = CalamineWorkbook.from_filelike(io.BytesIO(content))
        else:
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
            name = cells.clean_text(meta.name)
            if name not in percent:
                raise ValueError(f"sheet {name!r} not seen by the scan")  # never load what was not measured
            sheet = book.get_sheet_by_name(meta.name)
            end_row, end_col = sheet.end or (0, 0)
            check_extent(name, end_row + 1, end_col + 1, limits)  # the scan already did; cheap to confirm
            grid, cleaned = clean_grid(sheet.to_python(skip_empty_area=False))
            merged = list(getattr(sheet, "merged_cell_ranges", None) or [])
            sheets[name] = RawSheet(name, grid, merged, percent[name], cleaned)
    except FileRejected:
        raise
    except Exception as exc:
        raise FileRejected("unreadable", f"Isi berkas rusak dan tidak dapat dibaca. {SAVE_AS_XLSX}") from exc
    finally:
        book.close()
    return RawWorkbook(path, sheets)


def clean_grid(rows: list[list[Any]]) -> tuple[list[list[Any]], dict[tuple[int, int], list[str]]]:
    """The grid with empty strings as None and text without control characters; the cells
    cleaned, with what was removed. Every value from a file enters here, so every text
    downstream (records, identity, headers) is clean and typed from clean text."""
    grid: list[list[Any]] = []
    cleaned: dict[tuple[int, int], list[str]] = {}
    for r, row in enumerate(rows, start=1):
        out = []
        for c, value in enumerate(row, start=1):
            if value == "":
                value = None
            elif isinstance(value, str) and not value.isprintable():  # isprintable: fast pre-filter
                text = cells.clean_text(value)
                if text != value:
                    cleaned[(r, c)] = cells.removed_characters(value)
                    value = text or None
            out.append(value)
        grid.append(out)
    return grid, cleaned


# --- the sheet limits, from the sheet XML, before any grid is built --------------------------


def column_letters(col: int) -> str:
    """1 -> A, 28 -> AB, 16384 -> XFD."""
    letters = ""
    while col > 0:
        col, rest = divmod(col - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def check_extent(sheet: str, row: int, col: int, limits: Limits) -> None:
    """FileRejected when a sheet has content at ``row``/``col`` (1-based) beyond the limits."""
    if row > limits.max_rows_per_sheet + ROW_MARGIN:
        raise FileRejected(
            "too_many_rows",
            f"Lembar {sheet!r} berisi isian sampai baris {row} (sel {column_letters(col)}{row}), melebihi batas "
            f"{limits.max_rows_per_sheet} baris per lembar. Hapus baris berlebih di bawah tabel (termasuk isian "
            "yang tidak terlihat, misalnya spasi) atau pisahkan laporan per bulan, lalu unggah kembali.",
        )
    if col > limits.max_columns_per_sheet:
        raise FileRejected(
            "too_many_columns",
            f"Lembar {sheet!r} berisi isian sampai kolom {column_letters(col)} (sel {column_letters(col)}{row}), "
            f"melebihi batas {limits.max_columns_per_sheet} kolom per lembar. Hapus kolom berlebih di sebelah "
            "kanan tabel (termasuk isian yang tidak terlihat, misalnya spasi), lalu unggah kembali.",
        )


def scan_sheets(path: Path, limits: Limits, content: bytes | None = None) -> dict[str, set[tuple[int, int]]]:
    """Stream every sheet of the file once, in constant memory, refusing one whose real content
    (cells holding a value) lies beyond the limits. Returns each sheet's percent-formatted cells,
    by its cleaned name.

    A sheet's declared size (``<dimension ref="A1:XFD1048576">``, LibreOffice's trailing
    ``number-rows-repeated="1048576"`` of empty rows) is ignored, neither refused nor allocated:
    many tools write it for sheets with a few cells, and calamine does not use it."""
    try:
        with zipfile.ZipFile(_source(path, content)) as zf:
            if path.suffix.lower() == ".ods":
                return _scan_ods(zf, limits)
            return _scan_xlsx(zf, limits)
    except FileRejected:
        raise
    except Exception as exc:  # broken zip member, XML that is not XML, a missing part
        raise FileRejected("unreadable", f"Isi berkas rusak dan tidak dapat dibaca. {SAVE_AS_XLSX}") from exc


# Characters XML 1.0 forbids, raw or as references. calamine tolerates them (and the reader then
# removes them from the text), so the scan must not refuse a file over them: they are dropped
# from the stream it parses. Bytes < 0x20 never occur inside a UTF-8 multi-byte sequence.
_XML_ILLEGAL_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])
_XML_ILLEGAL_REF = re.compile(
    rb"&#(?:[xX]0*(?:[0-8bBcCeEfF]|1[0-9a-fA-F]|[dD][89a-fA-F][0-9a-fA-F]{2}|[fF]{3}[eEfF])"
    rb"|0*(?:[0-8]|1[124-9]|2[0-9]|3[01]));"
)
_CHUNK = 1 << 16


def _parse_member(
    zf: zipfile.ZipFile, member: str, start: Callable[[str, dict[str, str]], None], end=None
) -> None:
    """Run expat over one zip member in chunks. Names reach the handlers as written (``c``,
    ``x:c``, ``table:table-row``): handlers drop the prefix with ``_local``. No namespace
    processing and no wrapper: a sheet can have a million elements, each one a call."""
    parser = expat.ParserCreate()
    parser.StartElementHandler = start
    if end is not None:
        parser.EndElementHandler = end
    with zf.open(member) as fh:
        _feed(parser, fh)


def _feed(parser: Any, fh: IO[bytes]) -> None:
    carry, utf16 = b"", None
    while chunk := fh.read(_CHUNK):
        data = carry + chunk
        if utf16 is None:  # the filter below is for UTF-8 (and ASCII-compatible) text only
            utf16 = data[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in data[:4]
        carry = b""
        if not utf16:
            amp = data.rfind(b"&", max(0, len(data) - 16))
            if amp != -1 and b";" not in data[amp:]:  # a reference cut by the chunk: finish it next time
                data, carry = data[:amp], data[amp:]
            data = _XML_ILLEGAL_REF.sub(b"", data.translate(None, _XML_ILLEGAL_BYTES))
        parser.Parse(data, False)
    parser.Parse(carry, True)


def _local(name: str) -> str:
    """``x:c`` -> ``c``: the prefix a file uses for a namespace is its own choice."""
    return name[name.find(":") + 1 :]


def _attr(attrs: dict[str, str], local: str) -> str | None:
    """An attribute by local name, whatever its prefix (``r:id``, ``table:name``, ``office:value-type``)."""
    for key, value in attrs.items():
        if _local(key) == local:
            return value
    return None


def _column_number(letters: str) -> int:
    """``XFD`` -> 16384; anything that is not letters -> 0 (calamine then refuses the file)."""
    number = 0
    for ch in letters.upper():
        if not "A" <= ch <= "Z":
            return 0
        number = number * 26 + ord(ch) - 64
    return number


_COLUMNS = {column_letters(n): n for n in range(1, 16385)}  # a lookup, not a loop, per cell


def _resolve(base_dir: str, target: str) -> str:
    return posixpath.normpath(
        target.lstrip("/") if target.startswith("/") else posixpath.join(base_dir, target)
    )


def rels_part(part: str) -> str:
    """The zip member holding ``part``'s relationships (``""``: the package's)."""
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", f"{name}.rels")


def _relationships(zf: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """Relationship id -> (type, zip member), from the .rels of ``part`` ("" for the package)."""
    folder = posixpath.dirname(part)
    found: dict[str, tuple[str, str]] = {}
    if rels_part(part) not in zf.NameToInfo:
        return found

    def start(tag: str, attrs: dict[str, str]) -> None:
        if _local(tag) == "Relationship" and attrs.get("TargetMode") != "External":
            found[attrs.get("Id", "")] = (attrs.get("Type", ""), _resolve(folder, attrs.get("Target", "")))

    _parse_member(zf, rels_part(part), start)
    return found


@dataclass
class XlsxParts:
    """Where an xlsx keeps its workbook, styles and sheets, by its relationships."""

    workbook: str
    styles: str  # "" when the workbook names none
    sheets: list[tuple[str, str]]  # (sheet name as written, zip member; "" without its relationship)


def xlsx_parts(zf: zipfile.ZipFile) -> XlsxParts:
    package = _relationships(zf, "").values()
    workbook_part = next((t for k, t in package if k.endswith("/officeDocument")), "xl/workbook.xml")
    parts = _relationships(zf, workbook_part)
    styles_part = next((t for k, t in parts.values() if k.endswith("/styles")), "")
    sheets: list[tuple[str, str]] = []

    def on_sheet(tag: str, attrs: dict[str, str]) -> None:
        if _local(tag) == "sheet":
            sheets.append((attrs.get("name", ""), parts.get(_attr(attrs, "id") or "", ("", ""))[1]))

    _parse_member(zf, workbook_part, on_sheet)
    return XlsxParts(workbook_part, styles_part, sheets)


def _scan_xlsx(zf: zipfile.ZipFile, limits: Limits) -> dict[str, set[tuple[int, int]]]:
    found_parts = xlsx_parts(zf)
    styles_part, sheets = found_parts.styles, found_parts.sheets
    percent_styles = _percent_styles(zf, styles_part) if styles_part in zf.NameToInfo else set()
    result: dict[str, set[tuple[int, int]]] = {}
    for name, part in sheets:
        if part in zf.NameToInfo:  # a sheet without its part: calamine refuses the file
            clean = cells.clean_text(name)
            found = _scan_xlsx_sheet_plain(zf, part, percent_styles, limits)
            if found is None:
                found = _scan_xlsx_sheet(zf, part, clean, percent_styles, limits)
            result[clean] = result.get(clean, set()) | found
    return result


# A sheet as Excel, LibreOffice and openpyxl write it: every cell opens with its position.
_PLAIN_SHEET_BYTES = 4 << 20
_CELL_OPEN = re.compile(rb"<c[ >/]")
_CELL_AT = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"')
_CELL_STYLE = re.compile(rb'<c r="[A-Z]{1,3}[0-9]{1,7}"[^>]*? s="([0-9]+)"')
_PREFIXED_TAG = re.compile(rb"<[A-Za-z_][\w.-]*:(?:c|row|v|is)[ >/]")


def _scan_xlsx_sheet_plain(
    zf: zipfile.ZipFile, part: str, percent_styles: set[int], limits: Limits
) -> set[tuple[int, int]] | None:
    """The common case decided at C speed, for the per-file cost of a national month: a sheet
    of at most a few MB, every cell with its position, nothing (empty or not) beyond the
    limits and no percent-formatted cell holds nothing to refuse and no percent cell. None
    when any of that does not hold: the exact element-by-element scan decides."""
    if zf.getinfo(part).file_size > _PLAIN_SHEET_BYTES:
        return None
    with zf.open(part) as fh:
        data = fh.read(_PLAIN_SHEET_BYTES + 1)
    if len(data) > _PLAIN_SHEET_BYTES or _PREFIXED_TAG.search(data):
        return None
    positions = _CELL_AT.findall(data)
    if len(positions) != len(_CELL_OPEN.findall(data)):
        return None  # a cell without its position: counted by the exact scan
    max_row = max((int(row) for _, row in positions), default=0)
    max_col = max((_COLUMNS.get(c.decode(), 99999) for c in {c for c, _ in positions}), default=0)
    if max_row > limits.max_rows_per_sheet + ROW_MARGIN or max_col > limits.max_columns_per_sheet:
        return None  # perhaps only formatted empty cells: the exact scan tells
    if percent_styles and any(int(s) in percent_styles for s in set(_CELL_STYLE.findall(data))):
        return None
    return set()


_PERCENT_BUILTIN = {9, 10}  # 0% and 0.00%: the built-in formats with a percent sign


def _percent_styles(zf: zipfile.ZipFile, styles_part: str) -> set[int]:
    """Indexes of the cell formats (``s`` of a cell) whose number format shows a percent."""
    custom: dict[int, str] = {}
    xf_formats: list[int] = []
    depth = {"cellXfs": 0}

    def start(tag: str, attrs: dict[str, str]) -> None:
        tag = _local(tag)
        if tag == "numFmt":
            custom[int(attrs.get("numFmtId", "0"))] = attrs.get("formatCode", "")
        elif tag == "cellXfs":
            depth["cellXfs"] += 1
        elif tag == "xf" and depth["cellXfs"]:
            xf_formats.append(int(attrs.get("numFmtId", "0")))

    def end(tag: str) -> None:
        if _local(tag) == "cellXfs":
            depth["cellXfs"] -= 1

    _parse_member(zf, styles_part, start, end)
    return {
        index for index, fmt in enumerate(xf_formats) if fmt in _PERCENT_BUILTIN or "%" in custom.get(fmt, "")
    }


def _scan_xlsx_sheet(
    zf: zipfile.ZipFile, part: str, name: str, percent_styles: set[int], limits: Limits
) -> set[tuple[int, int]]:
    """Check every cell holding a value (``<v>`` or an inline string; calamine skips the rest,
    e.g. formatted empty cells) against the limits, stopping at the first one beyond them."""
    percent: set[tuple[int, int]] = set()
    styles = {str(index) for index in percent_styles}
    max_row, max_col = limits.max_rows_per_sheet + ROW_MARGIN, limits.max_columns_per_sheet
    row = col = 0
    style: str | None = None
    in_cell = False

    def start(tag: str, attrs: dict[str, str]) -> None:
        # Called for every element of the sheet (a million on a full one): kept lean.
        nonlocal row, col, style, in_cell
        if ":" in tag:
            tag = tag[tag.find(":") + 1 :]
        if tag == "c":
            ref = attrs.get("r")
            if ref:
                letters = ref.rstrip("0123456789")
                row, col = int(ref[len(letters) :]), _COLUMNS.get(letters) or _column_number(letters)
            else:  # positions may be left out: the next column
                col += 1
            style, in_cell = attrs.get("s"), True
        elif in_cell and (tag == "v" or tag == "is"):
            # a cell without a value (only a format) is no content: calamine skips it too
            in_cell = False
            if row > max_row or col > max_col:
                check_extent(name, row, col, limits)
            if style in styles:
                percent.add((row, col))
        elif tag == "row":
            number = attrs.get("r")
            row, col, in_cell = (int(number) if number else row + 1), 0, False
        elif tag != "f":  # nothing after a cell's formula and value is its value
            in_cell = False

    _parse_member(zf, part, start)
    return percent


def _scan_ods(zf: zipfile.ZipFile, limits: Limits) -> dict[str, set[tuple[int, int]]]:
    """The .ods counterpart, over content.xml. Rows and cells repeat (``number-rows-repeated``,
    ``number-columns-repeated``): a repeated run counts only if its cell holds a value, so the
    empty runs to row 1048576 and column XFD that LibreOffice writes cost nothing. A cell typed
    ``office:value-type="percentage"`` is a percent cell (calamine gives only its fraction)."""
    result: dict[str, set[tuple[int, int]]] = {}
    name = ""
    rows = range(0)
    last_row = col = annotation = 0
    pending: range | None = None  # the columns of a cell not yet known to hold a value

    def content(columns: range, is_percent: bool) -> None:
        if not rows or not columns:
            return
        check_extent(name, rows[-1], columns[-1], limits)
        if is_percent:
            result[name].update((r, c) for r in rows for c in columns)

    def start(tag: str, attrs: dict[str, str]) -> None:
        nonlocal name, rows, last_row, col, annotation, pending
        tag = _local(tag)
        if tag == "table":
            name, last_row = cells.clean_text(_attr(attrs, "name") or ""), 0
            result.setdefault(name, set())
        elif tag == "table-row":
            repeat = int(_attr(attrs, "number-rows-repeated") or 1)
            rows, last_row, col = range(last_row + 1, last_row + repeat + 1), last_row + repeat, 0
        elif tag in ("table-cell", "covered-table-cell"):
            repeat = int(_attr(attrs, "number-columns-repeated") or 1)
            columns = range(col + 1, col + repeat + 1)
            col += repeat
            value_type = _attr(attrs, "value-type")
            if value_type:
                content(columns, value_type == "percentage")
                pending = None
            else:
                pending = columns
        elif tag == "annotation":
            annotation += 1  # a comment's text is not the cell's value
        elif tag == "p" and pending is not None and not annotation:
            content(pending, False)
            pending = None

    def end(tag: str) -> None:
        nonlocal pending, annotation
        tag = _local(tag)
        if tag in ("table-cell", "covered-table-cell"):
            pending = None
        elif tag == "annotation":
            annotation -= 1

    _parse_member(zf, "content.xml", start, end)
    return result
