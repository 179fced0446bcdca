"""What every sheet of a laporan komprehensif shares, provincial (rekap.consolidation.leadership_workbook)
and national (rekap.consolidation.national_workbook): the file names, the title block with the state
line, the A4 print setup and footer, header cells, status cells and rate colours, notes, the Metode
table and the FINAL signature block. One definition, so both reports print and read alike.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from openpyxl.styles import PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from rekap import sheets
from rekap.consolidation.approval import DRAF, FINAL, SEMENTARA
from rekap.consolidation.metrics import BAIK_MIN, CUKUP_MIN, ScoreWeights
from rekap.drive import unique_path
from rekap.periods import Period

STATUSES = ("BAIK", "CUKUP", "KURANG", "TIDAK MELAPOR")
STATUS_FILLS = {
    "BAIK": sheets.GREEN,
    "CUKUP": sheets.YELLOW,
    "KURANG": sheets.RED,
    "TIDAK MELAPOR": sheets.GREY,
}
STATUS_COLOURS = {"BAIK": "63BE7B", "CUKUP": "FFC000", "KURANG": "F8696B", "TIDAK MELAPOR": "A6A6A6"}
STATUS_MEANINGS = {
    "BAIK": f"skor ≥ {BAIK_MIN:g}",
    "CUKUP": f"{CUKUP_MIN:g} ≤ skor < {BAIK_MIN:g}",
    "KURANG": f"skor < {CUKUP_MIN:g}",
    "TIDAK MELAPOR": "tidak ada laporan diterima pada periode ini",
}
STATE_FILLS = {
    DRAF: PatternFill("solid", fgColor="F4B183"),
    SEMENTARA: sheets.YELLOW,
    FINAL: sheets.GREEN,
}
UP, DOWN = "▲", "▼"
NOT_REPORTED = "–"
CHANGE_FORMAT = f'"{UP} "0.0;"{DOWN} "0.0;"= "0.0'


class Stamp(Protocol):
    """What a sheet's title block, state line and footer say, from either report's data."""

    period: Period
    generated_at: datetime  # aware, local
    state: str  # DRAF | SEMENTARA | FINAL
    approval: Any  # rekap.consolidation.approval.Approval on the FINAL version
    deadline: datetime | None

    @property
    def report_title(self) -> str: ...  # LAPORAN KOMPREHENSIF (NASIONAL)

    @property
    def issuer(self) -> str: ...  # the office: Bawaslu Provinsi Banten, Bawaslu Republik Indonesia

    @property
    def coverage(self) -> str: ...  # what the report covers beyond the office ("" when the office says it)


def leadership_filename(scope: str, period_id: str, state: str = FINAL) -> str:
    """The FINAL report keeps the plain name leadership knows; drafts say what they are.
    ``scope``: a province code, or ``NASIONAL`` for the national report."""
    suffix = "" if state == FINAL else f"_{state}"
    return f"Laporan_Komprehensif_{scope}_{period_id}{suffix}.xlsx"


def keep_previous_version(final: Path, now_local: datetime) -> Path | None:
    """Move an existing workbook aside as ``<stem>_<YYYYMMDD-HHMMSS><suffix>`` (``_2``, ``_3``...
    when that name is taken); None when there was nothing to keep."""
    if not final.exists():
        return None
    candidate = unique_path(final.with_name(f"{final.stem}_{now_local:%Y%m%d-%H%M%S}{final.suffix}"))
    os.replace(final, candidate)
    return candidate


def state_line(data: Stamp) -> str:
    if data.state == FINAL and data.approval is not None:
        a = data.approval
        return (
            f"FINAL — disetujui oleh {a.approved_by} pada {sheets.local_time_text(a.approved_at)}"
            f" (draf versi {a.version})"
        )
    if data.state == SEMENTARA:
        until = sheets.local_time_text(data.deadline) if data.deadline else "batas waktu"
        return f"SEMENTARA — periode belum selesai (batas laporan {until}); angka masih dapat berubah, tidak dikirim"
    return "DRAF — menunggu persetujuan pimpinan; jangan diedarkan"


def title_block(ws: Worksheet, data: Stamp, title: str, question: str, width: int) -> int:
    """Report, sheet, office, period and state, so a printed page says what and when; next row."""
    sheets.text_cell(ws, 1, 1, f"{data.report_title} — {title.upper()}").font = sheets.TITLE_FONT
    parts = [data.issuer, data.coverage, f"Periode {data.period.label_id} ({data.period.period_id})"]
    sheets.text_cell(ws, 2, 1, " · ".join(p for p in parts if p)).font = sheets.SUBTITLE_FONT
    state = sheets.text_cell(ws, 3, 1, state_line(data))
    state.font = sheets.BOLD
    for column in range(1, width + 1):
        ws.cell(row=3, column=column).fill = STATE_FILLS.get(data.state, sheets.GREY)
    sheets.text_cell(ws, 4, 1, question).font = sheets.NOTE_FONT
    return 6


def print_setup(ws: Worksheet, data: Stamp, header_rows: str | None, one_page: bool = False) -> None:
    """A4 landscape, one page wide (``one_page``: and one page tall), header rows repeated;
    header: report and office, state; footer: period, sheet and page, generation time."""
    sheets.page_setup(ws, landscape=True, title_rows=header_rows, one_page=one_page)
    # a page taken out of the pile still says which report it belongs to
    ws.oddHeader.left.text = f"{data.report_title.title()} · {data.issuer}"
    ws.oddHeader.left.size = 8
    ws.oddHeader.right.text = f"{data.state}"
    ws.oddHeader.right.font = "Calibri,Bold"
    ws.oddFooter.left.text = f"Periode {data.period.period_id} ({data.period.label_id})"
    ws.oddFooter.center.text = f"{ws.title} — halaman &P dari &N"
    ws.oddFooter.right.text = f"Dibuat {sheets.local_time_text(data.generated_at)} · {data.state}"
    for part in (ws.oddFooter.left, ws.oddFooter.center, ws.oddFooter.right):
        part.size = 8


SMALL_HEADER_FONT = sheets.font(bold=True, color="FFFFFF", size=9)


def header(ws: Worksheet, row: int, headers: list[str], first_column: int = 1) -> None:
    """Header cells in 9 pt bold on the column widths chosen here (not widened per word), so
    the wide tables still fit one A4 page wide at a readable scale."""
    sheets.header_row(ws, row, headers, first_column, widen=False)
    for offset in range(len(headers)):
        sheets.style(ws.cell(row=row, column=first_column + offset), font=SMALL_HEADER_FONT)


def status_cell(ws: Worksheet, row: int, column: int, status: str | None) -> None:
    cell = sheets.text_cell(ws, row, column, status)
    sheets.style(
        cell, fill=STATUS_FILLS.get(status or "", sheets.GREY), font=sheets.BOLD, alignment=sheets.CENTER
    )


def score_fill(score: float | None) -> PatternFill | None:
    """A score (0–100) against the status thresholds: the colour of the status it would give."""
    if score is None:
        return None
    value = round(float(score), 9)
    if value >= BAIK_MIN:
        return sheets.GREEN
    if value >= CUKUP_MIN:
        return sheets.YELLOW
    return sheets.RED


def rate_fill(rate: float | None) -> PatternFill | None:
    """A rate against the status thresholds (as fractions): the same colours as the status."""
    return None if rate is None else score_fill(100 * float(rate))


def row_height(texts: list[tuple[str | None, float]], line_height: float = 12.75) -> float:
    """Height that shows wrapped text whole: the most lines any cell needs at its width
    (about 1.1 characters of Calibri 11 per width unit), so a row never overprints the next."""
    lines = 1
    for text, width in texts:
        if not text:
            continue
        per_line = max(1.0, (width - 1) * 1.1)
        needed = sum(max(1, math.ceil(len(part) / per_line)) for part in str(text).split("\n"))
        lines = max(lines, needed)
    return lines * line_height + 2


def note(ws: Worksheet, row: int, text: str, last_column: int | None = None) -> int:
    """A note across the sheet's table width (or up to ``last_column``), wrapped, so it never
    runs off the printed page."""
    last = last_column or max(2, min(ws.max_column, 26))
    cell = sheets.text_cell(ws, row, 1, text)
    sheets.style(cell, font=sheets.NOTE_FONT, alignment=sheets.WRAP_TOP)
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=last)
    width = sum(ws.column_dimensions[get_column_letter(c)].width or 8.43 for c in range(1, last + 1))
    ws.row_dimensions[row].height = row_height([(text, width * 1.2)], line_height=11.5)  # 9 pt text
    return row + 1


# --- Metode ---------------------------------------------------------------------------------------

REPORT_STATES_ENTRY = (
    "Status laporan",
    "DRAF: belum disetujui, tidak dikirim. SEMENTARA: periode belum selesai, tidak dikirim dan "
    "tidak dimintakan persetujuan. FINAL: disetujui pimpinan (nama dan waktu tercantum), lalu dikirim.",
)


def score_entry(weights: ScoreWeights) -> tuple[str, str]:
    w = weights
    return (
        "Skor",
        f"100 × ({w.reporting:g} × tingkat pelaporan + {w.on_time:g} × ketepatan waktu + {w.pleno:g} × kepatuhan "
        f"pleno + {w.completeness:g} × isian lengkap + {w.documented:g} × kegiatan berbukti dukung); nilai kosong = 0.",
    )


STATUS_ENTRY = (
    "Status kab/kota",
    f"TIDAK MELAPOR bila tidak ada laporan diterima; selain itu BAIK bila skor ≥ {BAIK_MIN:g}, "
    f"CUKUP bila {CUKUP_MIN:g} ≤ skor < {BAIK_MIN:g}, KURANG bila skor < {CUKUP_MIN:g}.",
)


def method_sheet(ws: Worksheet, data: Stamp, entries: Sequence[tuple[str, str]]) -> None:
    """The Metode sheet: one row per term, its definition wrapped beside it."""
    sheets.set_widths(ws, [30, 100])
    top = title_block(ws, data, "Metode", "Dari mana setiap angka berasal?", 2)
    header(ws, top, ["Istilah", "Definisi"])
    row = top
    for term, definition in entries:
        row += 1
        sheets.text_cell(ws, row, 1, term).font = sheets.BOLD
        cell = sheets.text_cell(ws, row, 2, definition)
        cell.alignment = sheets.WRAP_TOP
        ws.cell(row=row, column=1).alignment = sheets.WRAP_TOP
        ws.row_dimensions[row].height = row_height([(term, 30), (definition, 100)])
    sheets.border_range(ws, top, row, 1, 2)
    print_setup(ws, data, f"{top}:{top}")


def signature_block(ws: Worksheet, data: Stamp, row: int, column: int) -> int:
    """Mengetahui, the chair of the office, and the electronic approval (FINAL only); next row."""
    a = data.approval
    lines = [
        ("Mengetahui,", sheets.BOLD),
        (f"Ketua {data.issuer}", sheets.BOLD),
        (f"Disetujui secara elektronik oleh {a.approved_by}", None),
        (f"pada {sheets.local_time_text(a.approved_at)} (draf versi {a.version})", None),
        ("", None),
        ("( ...................................................... )", None),
        (f"Tanggal: {a.approved_at:%d/%m/%Y}", None),
    ]
    for text, font in lines:
        cell = sheets.text_cell(ws, row, column, text)
        if font is not None:
            cell.font = font
        row += 1
    return row
