"""Small styled workbooks written straight to xlsx: the district feedback, one per processed file.

openpyxl spends ~5 ms on any workbook, however small (its object model, default stylesheet and
theme are built and serialised each time, write-only mode too): most of what the feedback cost
an intake run. Here the parts that never change (styles, theme, relationships, content types)
are openpyxl's own output, made and compressed once per process from a workbook holding one cell
in each style; each file adds only its sheets, workbook part (defined names) and core properties,
with the elements and attributes openpyxl writes for them. The file is the one openpyxl wrote,
cell for cell and style for style, in well under a millisecond.

Texts are inline strings, never formulas, cleaned as rekap.sheets cleans them.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill
from openpyxl.utils import get_column_letter

from rekap import sheets

WORKBOOK_PART = "xl/workbook.xml"
CORE_PART = "docProps/core.xml"
_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_A4 = 9
_HEADER_FOOTER_MARGIN = 0.5  # openpyxl's default
_TIMESTAMP = re.compile(r"(<dcterms:(?:created|modified)[^>]*>)[^<]*")


@dataclass(frozen=True)
class Style:
    """A cell style from rekap.sheets' openpyxl objects (None: the default)."""

    font: Font | None = None
    fill: PatternFill | None = None
    alignment: Alignment | None = None
    border: Border | None = None


@dataclass
class Sheet:
    """One worksheet: cells by 1-based (row, column), row heights in points, column widths,
    and the print setup of ``sheets.page_setup``."""

    title: str
    widths: list[float] = field(default_factory=list)
    cells: dict[tuple[int, int], tuple[str | int | float | None, str | None]] = field(default_factory=dict)
    heights: dict[int, float] = field(default_factory=dict)
    freeze_header: bool = False  # rows below row 1 scroll, row 1 stays
    autofilter: str | None = None  # "A1:F9"
    landscape: bool = True
    one_page: bool = False  # one page tall too (else as many as needed)
    title_rows: str | None = None  # "1:1": repeated on every printed page

    def text(self, row: int, column: int, value: object, style: str | None = None) -> None:
        """A plain string cell (sheets.text_cell): never a formula; None stays empty."""
        self.cells[(row, column)] = (sheets.clean_text(value), style)

    def number(self, row: int, column: int, value: int | float, style: str | None = None) -> None:
        self.cells[(row, column)] = (value, style)

    def height(self, row: int, points: float) -> None:
        self.heights[row] = points


class Book:
    """The sheet titles and styles of a kind of workbook (cells name their style by a key of
    ``styles``). Its fixed parts are made by openpyxl on the first ``write``, then reused."""

    def __init__(self, titles: tuple[str, ...], styles: dict[str, Style]) -> None:
        self.titles = titles
        self.styles = dict(styles)

    def write(self, path: Path, sheet_list: list[Sheet]) -> Path:
        """Write ``sheet_list`` (one per title, in order) as an xlsx at ``path``. Built in memory
        and written at once: a drive error is a plain OSError from the write."""
        assert tuple(s.title for s in sheet_list) == self.titles, "a Book's sheets are fixed"
        fixed = self._fixed
        buffer = io.BytesIO(fixed.archive)  # the fixed parts, compressed once; the rest appended
        with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive:
            now = f"{datetime.now(UTC):%Y-%m-%dT%H:%M:%SZ}"
            archive.writestr(CORE_PART, _TIMESTAMP.sub(rf"\g<1>{now}", fixed.core))
            archive.writestr(WORKBOOK_PART, _workbook_xml(sheet_list))
            for number, sheet in enumerate(sheet_list, start=1):
                archive.writestr(f"xl/worksheets/sheet{number}.xml", _sheet_xml(sheet, fixed.style_ids))
        path.write_bytes(buffer.getvalue())
        return path

    @cached_property
    def _fixed(self) -> _Fixed:
        return _fixed_parts(self.titles, self.styles)


# --- what never changes: openpyxl's own parts, made once ---------------------------------------


@dataclass(frozen=True)
class _Fixed:
    archive: bytes  # a zip of every part but the core properties, the workbook and the sheets
    core: str  # the core properties, whose times are the writing's
    style_ids: dict[str, int]  # style key -> the cell format index in styles.xml


def _fixed_parts(titles: tuple[str, ...], styles: dict[str, Style]) -> _Fixed:
    """openpyxl's workbook with these sheets and one cell in each style, less what each file has."""
    wb = Workbook()
    wb.active.title = titles[0]
    for title in titles[1:]:
        wb.create_sheet(title)
    ws = wb.active
    ids = {}
    for row, (key, style) in enumerate(styles.items(), start=1):
        cell = ws.cell(row=row, column=1)
        for attribute in ("font", "fill", "alignment", "border"):
            value = getattr(style, attribute)
            if value is not None:
                setattr(cell, attribute, value)
        ids[key] = cell.style_id
    made, fixed = io.BytesIO(), io.BytesIO()
    wb.save(made)
    with zipfile.ZipFile(made) as source, zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            if name not in (CORE_PART, WORKBOOK_PART) and not name.startswith("xl/worksheets/"):
                target.writestr(name, source.read(name))
        core = source.read(CORE_PART).decode("utf-8")
    return _Fixed(fixed.getvalue(), core, ids)


# --- what each file has: the workbook part and the sheets ------------------------------------


def _workbook_xml(sheet_list: list[Sheet]) -> str:
    """openpyxl's workbook part: the sheets, and per sheet its filter range and print titles."""
    entries, names = [], []
    for index, sheet in enumerate(sheet_list):
        entries.append(
            f'<sheet name={quoteattr(sheet.title)} sheetId="{index + 1}" state="visible" r:id="rId{index + 1}" />'
        )
        quoted = "'" + sheet.title.replace("'", "''") + "'"
        if sheet.autofilter:
            first, last = (_absolute(ref) for ref in sheet.autofilter.split(":"))
            names.append(
                f'<definedName name="_xlnm._FilterDatabase" localSheetId="{index}" hidden="1">'
                f"{escape(quoted)}!{first}:{last}</definedName>"
            )
        if sheet.title_rows:
            first, last = sheet.title_rows.split(":")
            names.append(
                f'<definedName name="_xlnm.Print_Titles" localSheetId="{index}">'
                f"{escape(quoted)}!${first}:${last}</definedName>"
            )
    defined = f"<definedNames>{''.join(names)}</definedNames>" if names else ""
    return (
        f'<workbook xmlns:r="{_R_NS}" xmlns="{_NS}"><workbookPr /><workbookProtection />'
        '<bookViews><workbookView visibility="visible" minimized="0" showHorizontalScroll="1" '
        'showVerticalScroll="1" showSheetTabs="1" tabRatio="600" firstSheet="0" activeTab="0" '
        'autoFilterDateGrouping="1" /></bookViews>'
        f"<sheets>{''.join(entries)}</sheets>{defined}"
        '<calcPr calcId="124519" fullCalcOnLoad="1" /></workbook>'
    )


def _absolute(ref: str) -> str:
    """``F9`` -> ``$F$9``."""
    letters = ref.rstrip("0123456789")
    return f"${letters}${ref[len(letters) :]}"


def _sheet_xml(sheet: Sheet, style_ids: dict[str, int]) -> str:
    """The elements openpyxl writes for a sheet, in the order the format requires."""
    rows: dict[int, list[int]] = {}
    for row, column in sorted(sheet.cells):
        rows.setdefault(row, []).append(column)
    for row in sheet.heights:
        rows.setdefault(row, [])
    last_row = max(rows, default=1)
    last_column = max((column for _, column in sheet.cells), default=1)
    out = [
        f'<worksheet xmlns="{_NS}"><sheetPr><outlinePr summaryBelow="1" summaryRight="1" />'
        '<pageSetUpPr fitToPage="1" /></sheetPr>'
        f'<dimension ref="A1:{get_column_letter(last_column)}{last_row}" />'
        '<sheetViews><sheetView workbookViewId="0">'
    ]
    if sheet.freeze_header:
        out.append(
            '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen" />'
            '<selection pane="bottomLeft" activeCell="A1" sqref="A1" />'
        )
    else:
        out.append('<selection activeCell="A1" sqref="A1" />')
    out.append('</sheetView></sheetViews><sheetFormatPr baseColWidth="8" defaultRowHeight="15" />')
    if sheet.widths:
        out.append("<cols>")
        for column, width in enumerate(sheet.widths, start=1):
            out.append(f'<col width="{_number(width)}" customWidth="1" min="{column}" max="{column}" />')
        out.append("</cols>")
    out.append("<sheetData>")
    for row in sorted(rows):
        height = sheet.heights.get(row)
        size = f' ht="{_number(height)}" customHeight="1"' if height is not None else ""
        out.append(f'<row r="{row}"{size}>')
        for column in rows[row]:
            out.append(_cell_xml(row, column, *sheet.cells[(row, column)], style_ids))
        out.append("</row>")
    out.append("</sheetData>")
    if sheet.autofilter:
        out.append(f'<autoFilter ref="{sheet.autofilter}" />')
    side, top = sheets.SIDE_MARGIN, sheets.TOP_MARGIN
    out.append(
        f'<pageMargins left="{side}" right="{side}" top="{top}" bottom="{top}" '
        f'header="{_HEADER_FOOTER_MARGIN}" footer="{_HEADER_FOOTER_MARGIN}" />'
        f'<pageSetup orientation="{"landscape" if sheet.landscape else "portrait"}" paperSize="{_A4}" '
        f'fitToHeight="{1 if sheet.one_page else 0}" fitToWidth="1" /></worksheet>'
    )
    return "".join(out)


def _cell_xml(
    row: int, column: int, value: str | int | float | None, style: str | None, style_ids: dict[str, int]
) -> str:
    ref = f"{get_column_letter(column)}{row}"
    styled = f' s="{style_ids[style]}"' if style is not None and style_ids[style] else ""
    if value is None or value == "":
        return f'<c r="{ref}"{styled} />' if styled else ""
    if isinstance(value, str):
        space = ' xml:space="preserve"' if value.strip() != value else ""
        return f'<c r="{ref}"{styled} t="inlineStr"><is><t{space}>{escape(value)}</t></is></c>'
    return f'<c r="{ref}"{styled} t="n"><v>{_number(value)}</v></c>'


def _number(value: int | float) -> str:
    """``15`` for 15.0, as openpyxl writes it."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))
