"""Small openpyxl helpers shared by the workbooks the pipeline writes (feedback, leadership).

One rule matters more than looks: text that came from a district file is written as a
plain string cell, never as a formula. openpyxl turns any string starting with ``=`` into a
formula, and spreadsheet programs treat ``+``, ``-``, ``@`` the same way on edit, so a
district's ``=HYPERLINK(...)`` or ``-5`` must stay exactly what was typed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from rekap.report import cells

# Number formats (display only: values stay unrounded).
PERCENT = "0.0%"
ONE_DECIMAL = "0.0"
SIGNED_ONE_DECIMAL = "+0.0;-0.0;0.0"
INTEGER = "#,##0"
DATE = "DD/MM/YYYY"

# Status colours: soft fills that still print legibly in black and white.
GREEN = PatternFill("solid", fgColor="C6EFCE")
YELLOW = PatternFill("solid", fgColor="FFEB9C")
RED = PatternFill("solid", fgColor="FFC7CE")
GREY = PatternFill("solid", fgColor="D9D9D9")
BLUE = PatternFill("solid", fgColor="DDEBF7")
HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
FONT_NAME = "Calibri"  # openpyxl's default body font; a Font() without a name renders as serif


def font(**kwargs: Any) -> Font:
    return Font(name=FONT_NAME, **kwargs)


HEADER_FONT = font(bold=True, color="FFFFFF")
BOLD = font(bold=True)
TITLE_FONT = font(bold=True, size=14)
SUBTITLE_FONT = font(bold=True, size=11, color="1F4E78")
NOTE_FONT = font(italic=True, size=9, color="595959")
WRAP_TOP = Alignment(wrap_text=True, vertical="top")
CENTER = Alignment(horizontal="center", vertical="center")
HEADER_ALIGNMENT = Alignment(wrap_text=True, horizontal="center", vertical="center")
_THIN = Side(style="thin", color="A6A6A6")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def clean_text(value: Any) -> str | None:
    """Any value as display text without characters xlsx cannot store; None stays None.
    openpyxl raises IllegalCharacterError on control characters: the rule is cells.clean_text."""
    if value is None:
        return None
    return cells.clean_text(str(value))


def text_cell(ws: Worksheet, row: int, column: int, value: Any) -> Cell:
    """Write ``value`` as a plain string cell: never a formula, whatever it starts with."""
    cell = ws.cell(row=row, column=column)
    text = clean_text(value)
    cell.value = text
    if text is not None:
        cell.data_type = "s"  # openpyxl guessed "f" for a leading "="; force a string
    return cell


def number_cell(ws: Worksheet, row: int, column: int, value: Any, number_format: str | None = None) -> Cell:
    """A numeric cell (None -> empty). Decimals/numeric strings from a database become numbers,
    so a figure is never stored as text."""
    cell = ws.cell(row=row, column=column)
    if value is None:
        cell.value = None
    elif isinstance(value, bool):
        cell.value = int(value)
    elif isinstance(value, int | float):
        cell.value = value
    elif isinstance(value, Decimal):
        cell.value = float(value)
    else:
        cell.value = float(str(value))  # raises on non-numbers: a bug upstream, not a display choice
    if number_format:
        cell.number_format = number_format
    return cell


def date_cell(ws: Worksheet, row: int, column: int, value: date | datetime | None) -> Cell:
    cell = ws.cell(row=row, column=column, value=value)
    cell.number_format = DATE
    return cell


def header_row(
    ws: Worksheet, row: int, headers: Sequence[str], first_column: int = 1, widen: bool = True
) -> None:
    """Bold white on dark blue, wrapped, centred: readable when printed. A column is widened
    when its longest header word would otherwise be broken mid-word (``Pencegaha/n``); call
    after ``set_widths``."""
    for offset, title in enumerate(headers):
        column = first_column + offset
        cell = text_cell(ws, row, column, title)
        style(cell, font=HEADER_FONT, fill=HEADER_FILL, alignment=HEADER_ALIGNMENT, border=BORDER)
        if not widen:  # the caller sized the columns for its headers
            continue
        dimension = ws.column_dimensions[get_column_letter(column)]
        needed = header_width(title)
        if (dimension.width or 0) < needed:
            dimension.width = needed


def header_width(title: Any) -> float:
    """The narrowest column that shows a header without breaking its longest word."""
    longest = max((len(word) for word in str(title).split()), default=0)
    # Bold text is wider than the width unit (one "0"): ~1.2 units a letter plus padding.
    return round(longest * 1.2 + 2, 1)


def set_widths(ws: Worksheet, widths: Sequence[float] | dict[int, float], first_column: int = 1) -> None:
    items = widths.items() if isinstance(widths, dict) else enumerate(widths, start=first_column)
    for column, width in items:
        ws.column_dimensions[get_column_letter(column)].width = width


# openpyxl hashes a style object every time a cell is given it (``cell.border = BORDER``): most
# of the time of writing 38 provinces' tables. ``style`` looks each object's index in the
# workbook up once and gives cells the index, as openpyxl's own setter does.
_STYLE_PARTS = {
    "font": ("_fonts", "fontId"),
    "fill": ("_fills", "fillId"),
    "border": ("_borders", "borderId"),
}
_STYLE_PARTS["alignment"] = ("_alignments", "alignmentId")


def style(cell: Cell, **parts: Any) -> None:
    """``style(cell, font=BOLD, fill=GREEN, border=BORDER, alignment=CENTER)``: the same as
    setting each attribute, for style objects that are not changed afterwards."""
    wb = cell.parent.parent
    known: dict[tuple[str, int], tuple[Any, int]] = wb.__dict__.setdefault("_rekap_style_ids", {})
    if not cell._style:
        cell._style = StyleArray()
    for part, value in parts.items():
        if value is None:
            continue
        collection, key = _STYLE_PARTS[part]
        entry = known.get((part, id(value)))
        if entry is None:  # the object is kept with its index, so its id cannot be reused
            entry = known[(part, id(value))] = (value, getattr(wb, collection).add(value))
        setattr(cell._style, key, entry[1])


def border_range(ws: Worksheet, first_row: int, last_row: int, first_column: int, last_column: int) -> None:
    for row in ws.iter_rows(min_row=first_row, max_row=last_row, min_col=first_column, max_col=last_column):
        for cell in row:
            style(cell, border=BORDER)


def table_ref(first_row: int, last_row: int, first_column: int, last_column: int) -> str:
    """``A1:F9`` for an autofilter or a print area."""
    return f"{get_column_letter(first_column)}{first_row}:{get_column_letter(last_column)}{max(last_row, first_row)}"


# Page margins in inches (openpyxl's header/footer margins stay at their 0.5 default).
SIDE_MARGIN = 0.4
TOP_MARGIN = 0.5


def page_setup(
    ws: Worksheet,
    landscape: bool = True,
    title_rows: str | None = None,
    a3: bool = False,
    one_page: bool = False,
) -> None:
    """A4 (A3 for very wide tables), fit to one page wide (as many pages tall as needed, or
    exactly one page with ``one_page``), header rows repeated on every page."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A3 if a3 else ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 1 if one_page else 0
    ws.page_margins.left = ws.page_margins.right = SIDE_MARGIN
    ws.page_margins.top = ws.page_margins.bottom = TOP_MARGIN
    if title_rows:
        ws.print_title_rows = title_rows


def label_value_rows(ws: Worksheet, start_row: int, pairs: Iterable[tuple[str, Any]]) -> int:
    """Two-column ``label | text`` block (both as text); returns the next free row."""
    row = start_row
    for label, value in pairs:
        text_cell(ws, row, 1, label).font = BOLD
        text_cell(ws, row, 2, value).alignment = WRAP_TOP
        ws.cell(row=row, column=1).alignment = WRAP_TOP
        row += 1
    return row


def local_time_text(moment: datetime) -> str:
    """``24/11/2026 10:00 WIB``: zoneinfo names the Indonesian zones WIB / WITA / WIT."""
    zone = moment.tzname() if moment.tzinfo else None
    return f"{moment:%d/%m/%Y %H:%M}" + (f" {zone}" if zone else "")
