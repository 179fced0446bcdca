"""The leadership workbook, laporan komprehensif (metrics.md "The leadership workbook").

Lays out a ``LeadershipData`` (rekap.consolidation.report_data) in eight sheets, each answering one question
a provincial chair asks; it computes nothing that the warehouse does not already hold. Every
sheet carries the title block (report, province, period, state DRAF/SEMENTARA/FINAL), prints on
A4 landscape one page wide with its header rows repeated, and has a footer with page number,
period and generation time. Numbers are numeric cells with display formats; text from district
files goes through ``sheets.text_cell`` so it can never become a formula.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.chart.label import DataLabelList
from openpyxl.chart.marker import DataPoint
from openpyxl.formatting.rule import ColorScaleRule
from openpyxl.styles import Alignment, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from rekap import sheets
from rekap.consolidation import report_sheets as layout
from rekap.consolidation.approval import FINAL
from rekap.consolidation.metrics import BAIK_MIN, CUKUP_MIN, ScoreWeights
from rekap.consolidation.prevention_forms import FORMS
from rekap.consolidation.report_data import (
    LATE,
    MISSING,
    NO_STAGE,
    ON_TIME,
    REJECTED,
    STAGE_GROUPS,
    LeadershipData,
    attention,
    week_month,
)
from rekap.consolidation.report_sheets import (
    CHANGE_FORMAT,
    DOWN,
    NOT_REPORTED,
    STATUS_COLOURS,
    STATUS_FILLS,
    STATUS_MEANINGS,
    STATUSES,
    UP,
)
from rekap.report import vocab

SHEET_SUMMARY = "Ringkasan"
SHEET_PERFORMANCE = "Kinerja Kab-Kota"
SHEET_REPORTING = "Kelengkapan Laporan"
SHEET_PLENO = "Pleno Mingguan"
SHEET_PREVENTION = "Pencegahan"
SHEET_KELEMBAGAAN = "Kelembagaan"
SHEET_ISSUES = "Catatan Data"
SHEET_METHOD = "Metode"
SHRINK = Alignment(shrink_to_fit=True)  # a long name shrinks into its column, never over the next
SHEETS = (
    SHEET_SUMMARY,
    SHEET_PERFORMANCE,
    SHEET_REPORTING,
    SHEET_PLENO,
    SHEET_PREVENTION,
    SHEET_KELEMBAGAAN,
    SHEET_ISSUES,
    SHEET_METHOD,
)

DARK_RED = PatternFill("solid", fgColor="E6B8B7")
YES, NO = "✓", "✗"

# Kinerja Kab-Kota: (mart column, header, kind, width) grouped under the score component they
# feed. Columns that hold one value for every district (period, expected reports, weeks) are
# not columns: the headers and Metode say them once.
PERFORMANCE_GROUPS: tuple[tuple[str, tuple[tuple[str, str, str, float], ...]], ...] = (
    (
        "Kabupaten/Kota",
        (
            ("rank", "Peringkat", "int", 7.5),
            ("district_code", "Kode", "text", 5.5),
            ("district_name", "Kabupaten/Kota", "text", 22),
        ),
    ),
    (
        "Hasil",
        (
            ("score", "Skor (0–100)", "score", 8.5),
            ("status", "Status", "status", 9.5),
            ("score_change", "Perubahan Skor (poin)", "change", 9.5),
        ),
    ),
    (
        "Pelaporan",
        (
            ("reports_received", "Laporan Masuk (jumlah)", "int", 8.5),
            ("reports_on_time", "Tepat Waktu (jumlah)", "int", 8.5),
            ("reporting_rate", "Tingkat Pelaporan (%)", "rate", 8.5),
            ("on_time_rate", "Ketepatan Waktu (%)", "rate", 8.5),
        ),
    ),
    (
        "Pleno Mingguan",
        (
            ("weeks_with_pleno", "Minggu dengan Pleno (jumlah)", "int", 8.5),
            ("pleno_compliance", "Kepatuhan Pleno (%)", "rate", 8.5),
            ("pleno_count", "Jumlah Pleno", "int", 8.5),
            ("pleno_quorate_rate", "Pleno Kuorum (%)", "rate", 8.5),
            ("pleno_minutes_rate", "Pleno ber-Notulen (%)", "rate", 8.5),
        ),
    ),
    (
        "Kelengkapan Data",
        (
            ("record_completeness", "Isian Lengkap (%)", "rate", 8.5),
            ("issue_count", "Catatan Data (jumlah)", "int", 8.5),
        ),
    ),
    (
        "Pencegahan",
        (
            ("prevention_count", "Kegiatan (jumlah)", "int", 8.5),
            ("prevention_participants", "Peserta (jumlah)", "int", 8.5),
            ("prevention_documented_rate", "Berbukti Dukung (%)", "rate", 8.5),
            ("prevention_type_count", "Ragam Jenis (jumlah)", "int", 8.5),
        ),
    ),
    ("Kelembagaan", (("kelembagaan_progress", "Capaian (%)", "decimal", 10.5),)),
)
PERFORMANCE_COLUMNS = tuple(c for _group, columns in PERFORMANCE_GROUPS for c in columns)

# Ringkasan headline figures from mart_province_period: (column, label, kind).
HEADLINES: tuple[tuple[str, str, str], ...] = (
    ("districts_reported", "Kab/kota yang melapor", "int"),
    ("districts_fully_reported", "Kab/kota yang melapor lengkap (2 bulan)", "int"),
    ("reporting_rate", "Tingkat pelaporan", "rate"),
    ("on_time_rate", "Ketepatan waktu pelaporan", "rate"),
    ("pleno_compliance", "Kepatuhan pleno mingguan", "rate"),
    ("record_completeness", "Kelengkapan isian data", "rate"),
    ("prevention_count", "Kegiatan pencegahan", "int"),
    ("prevention_participants", "Peserta kegiatan pencegahan", "int"),
    ("average_score", "Rata-rata skor kab/kota", "score"),
)

_FORMATS = {
    "int": sheets.INTEGER,
    "rate": sheets.PERCENT,
    "score": sheets.ONE_DECIMAL,
    "decimal": sheets.ONE_DECIMAL,
    "change": CHANGE_FORMAT,
}
CHANGE_POINTS = f'"{UP} "0.0" poin";"{DOWN} "0.0" poin";"= 0"'
CHANGE_COUNT = f'"{UP} "#,##0;"{DOWN} "#,##0;"= 0"'


def write_leadership_workbook(data: LeadershipData, path: Path) -> Path:
    """Write the eight sheets to ``path`` (the caller renames it into place); return ``path``."""
    # Every sheet lists districts in rank order, whoever built the data.
    ranked = sorted(data.districts, key=lambda d: (d.get("rank") or 10**6, d["district_code"]))
    data = replace(data, districts=ranked)
    wb = Workbook()
    summary = wb.active
    summary.title = SHEET_SUMMARY
    builders = (
        (SHEET_PERFORMANCE, _performance_sheet),
        (SHEET_REPORTING, _reporting_sheet),
        (SHEET_PLENO, _pleno_sheet),
        (SHEET_PREVENTION, _prevention_sheet),
        (SHEET_KELEMBAGAAN, _kelembagaan_sheet),
        (SHEET_ISSUES, _issues_sheet),
        (SHEET_METHOD, _method_sheet),
    )
    for title, build in builders:
        build(wb.create_sheet(title), data)
    _summary_sheet(summary, data)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


# --- what every sheet shares ------------------------------------------------------------------


def _colour_scale(ws: Worksheet, ref: str, percent: bool = False) -> None:
    """White (low) to green (high): where the activity is, at a glance, also in grey print."""
    if percent:
        rule = ColorScaleRule(
            start_type="num",
            start_value=0,
            start_color="F8696B",
            end_type="num",
            end_value=100,
            end_color="63BE7B",
        )
    else:
        rule = ColorScaleRule(start_type="min", start_color="FFFFFF", end_type="max", end_color="63BE7B")
    ws.conditional_formatting.add(ref, rule)


# --- Ringkasan ---------------------------------------------------------------------------------


SUMMARY_COLUMNS = 4  # A:D, about 26 cm printed: A4 landscape at full size
CHART_LABELS_UP_TO = 15  # districts whose score labels fit above their bars on A4


def _summary_sheet(ws: Worksheet, data: LeadershipData) -> None:
    """The chair's page: the headline figures first (on the first page whatever the
    province's size), then everything that needs attention; the districts per status and the
    score chart start a page together."""
    sheets.set_widths(ws, [7, 26, 16, 62])
    row = layout.title_block(
        ws,
        data,
        "Ringkasan",
        "Bagaimana kinerja provinsi, dan apa yang perlu perhatian pimpinan?",
        SUMMARY_COLUMNS,
    )
    row = _headline_table(ws, data, row)
    row = _attention_table(ws, data, row + 2)
    row += 2
    ws.row_breaks.append(Break(id=row - 1))  # status and chart start a page, never split across two
    row = _status_table(ws, data, row)
    row = _score_chart(ws, data, row + 2)
    if data.state == FINAL and data.approval is not None:
        row = layout.signature_block(ws, data, row + 1, column=4)
    layout.print_setup(ws, data, None)
    # Only the content columns print: the chart's hidden data in AA:AD would otherwise make
    # the printed width 30 columns (E:Z empty but not hidden), fitted to A4 at ~25 %.
    ws.print_area = f"A1:{get_column_letter(SUMMARY_COLUMNS)}{ws.max_row}"


def _headline_table(ws: Worksheet, data: LeadershipData, row: int) -> int:
    sheets.text_cell(ws, row, 1, "ANGKA UTAMA PROVINSI").font = sheets.SUBTITLE_FONT
    row += 1
    previous = data.previous_province
    layout.header(ws, row, ["", "Indikator", "Periode ini", "Periode sebelumnya · perubahan"])
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
    first = row + 1
    for column, label, kind in HEADLINES:
        row += 1
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
        sheets.text_cell(ws, row, 1, label)
        value = data.province.get(column)
        if column == "districts_reported":
            sheets.text_cell(ws, row, 1, f"{label} (dari {data.province.get('districts_total', 0)})")
        sheets.number_cell(ws, row, 3, value, _FORMATS[kind])
        sheets.text_cell(
            ws, row, 4, _change_text(value, previous.get(column) if previous else None, kind, previous)
        )
    sheets.border_range(ws, first, row, 1, 4)
    return row


def _status_table(ws: Worksheet, data: LeadershipData, row: int) -> int:
    sheets.text_cell(ws, row, 1, "STATUS KAB/KOTA").font = sheets.SUBTITLE_FONT
    row += 1
    layout.header(ws, row, ["Status", "Jumlah", "Arti"], first_column=2)
    first = row + 1
    for status in STATUSES:
        row += 1
        layout.status_cell(ws, row, 2, status)
        sheets.number_cell(
            ws, row, 3, sum(1 for d in data.districts if d.get("status") == status), sheets.INTEGER
        )
        sheets.text_cell(ws, row, 4, STATUS_MEANINGS[status])
    sheets.border_range(ws, first, row, 2, 4)
    return row


def _attention_table(ws: Worksheet, data: LeadershipData, row: int) -> int:
    items = attention(data)
    sheets.text_cell(ws, row, 1, f"PERLU PERHATIAN ({len(items)})").font = sheets.font(
        bold=True, size=12, color="C00000"
    )
    row += 1
    header = row
    layout.header(ws, row, ["Kode", "Kabupaten/Kota", "Hal", "Keterangan"])
    for item in items:
        row += 1
        sheets.text_cell(ws, row, 1, item.district_code)
        sheets.text_cell(ws, row, 2, item.district_name)
        topic = sheets.text_cell(ws, row, 3, item.topic)
        topic.font = sheets.BOLD
        topic.fill = {"TIDAK MELAPOR": sheets.GREY, "KURANG": sheets.RED, "TERLAMBAT": sheets.YELLOW}.get(
            item.topic, DARK_RED if item.topic in (MISSING, REJECTED) else sheets.BLUE
        )
        sheets.text_cell(ws, row, 4, item.detail).alignment = sheets.WRAP_TOP
    if not items:
        row += 1
        sheets.text_cell(
            ws,
            row,
            1,
            "Tidak ada: semua kab/kota melapor lengkap dan tepat waktu, skor CUKUP atau BAIK, pleno tiap minggu.",
        )
    else:
        sheets.border_range(ws, header + 1, row, 1, 4)
    return row


def _change_text(value: Any, before: Any, kind: str, previous: dict | None) -> str:
    """▲/▼ with the change since the previous period, or why there is none."""
    if previous is None:
        return "– (periode pertama: belum ada periode sebelumnya)"
    if value is None or before is None:
        return "– (tidak ada nilai pembanding)"
    if kind == "rate":
        was, delta, unit = f"{100 * float(before):.1f}%", 100 * (float(value) - float(before)), " poin"
    elif kind == "score":
        was, delta, unit = f"{float(before):.1f}", float(value) - float(before), " poin"
    else:
        was, delta, unit = f"{int(before):,}", float(value) - float(before), ""
    if abs(delta) < 0.05:
        arrow = "= tetap"
    else:
        amount = f"{abs(delta):,.1f}" if kind != "int" else f"{abs(int(delta)):,}"
        arrow = f"{UP if delta > 0 else DOWN} {amount}{unit}"
    return f"{was} · {arrow}".replace(",", " ").replace(".", ",")


def _score_chart(ws: Worksheet, data: LeadershipData, anchor_row: int) -> int:
    """Columns of the scores in rank order, coloured by status, with the CUKUP and BAIK lines.
    Its data are hidden helper columns of this sheet (the threshold lines need a value per
    district, which no printed table should repeat)."""
    if not data.districts:
        return anchor_row
    first_col = 27  # AA..AD, hidden
    for offset, title in enumerate(
        ("Kab/Kota", "Skor", f"Batas CUKUP ({CUKUP_MIN:g})", f"Batas BAIK ({BAIK_MIN:g})")
    ):
        sheets.text_cell(ws, 1, first_col + offset, title)
    for i, d in enumerate(data.districts, start=2):
        sheets.text_cell(ws, i, first_col, d["district_name"].replace("Kabupaten ", "Kab. "))
        sheets.number_cell(ws, i, first_col + 1, d.get("score"), sheets.ONE_DECIMAL)
        sheets.number_cell(ws, i, first_col + 2, CUKUP_MIN)
        sheets.number_cell(ws, i, first_col + 3, BAIK_MIN)
    last = len(data.districts) + 1
    for offset in range(4):
        ws.column_dimensions[get_column_letter(first_col + offset)].hidden = True

    bars = BarChart()
    bars.type = "col"
    bars.title = "Skor kab/kota (urut peringkat), warna = status"
    bars.legend = None
    bars.add_data(Reference(ws, min_col=first_col + 1, min_row=1, max_row=last), titles_from_data=True)
    bars.set_categories(Reference(ws, min_col=first_col, min_row=2, max_row=last))
    series = bars.series[0]
    for i, d in enumerate(data.districts):
        point = DataPoint(idx=i)
        point.graphicalProperties.solidFill = STATUS_COLOURS.get(d.get("status") or "", "A6A6A6")
        point.graphicalProperties.line.solidFill = "595959"
        series.dPt.append(point)
    if len(data.districts) <= CHART_LABELS_UP_TO:  # beyond, the labels overlap: Kinerja has the numbers
        series.dLbls = DataLabelList()
        series.dLbls.showVal = True
        for flag in ("showCatName", "showSerName", "showLegendKey", "showPercent"):
            setattr(series.dLbls, flag, False)
        series.dLbls.numFmt = "0"
    bars.y_axis.scaling.min = 0
    bars.y_axis.scaling.max = 100
    bars.y_axis.majorUnit = 10
    bars.y_axis.number_format = "0"
    bars.y_axis.title = "Skor"
    bars.x_axis.delete = False  # openpyxl writes axes as deleted unless told otherwise
    bars.y_axis.delete = False
    bars.gapWidth = 30

    lines = LineChart()
    lines.add_data(
        Reference(ws, min_col=first_col + 2, max_col=first_col + 3, min_row=1, max_row=last),
        titles_from_data=True,
    )
    for line, colour in zip(lines.series, ("FFC000", "00B050"), strict=True):
        line.graphicalProperties.line.solidFill = colour
        line.graphicalProperties.line.width = 28575  # 2.25 pt
        line.graphicalProperties.line.dashStyle = "dash"
        line.marker.symbol = "none"
        line.smooth = False
    bars += lines
    bars.visible_cells_only = False  # the data columns are hidden on purpose
    bars.width = 25  # cm: within A:D (about 26 cm printed), the sheet's print area
    bars.height = 9 if len(data.districts) <= 12 else 11
    ws.add_chart(bars, f"A{anchor_row}")
    note_row = anchor_row + (20 if len(data.districts) <= 12 else 23)
    layout.note(
        ws,
        note_row,
        f"Garis putus-putus: batas CUKUP ({CUKUP_MIN:g}, kuning) dan BAIK ({BAIK_MIN:g}, hijau). "
        "Batang hijau BAIK, kuning CUKUP, merah KURANG, abu-abu TIDAK MELAPOR.",
    )
    return note_row + 1


# --- Kinerja Kab-Kota ---------------------------------------------------------------------------


def _performance_sheet(ws: Worksheet, data: LeadershipData) -> None:
    width = len(PERFORMANCE_COLUMNS)
    sheets.set_widths(ws, [c[3] for c in PERFORMANCE_COLUMNS])
    top = layout.title_block(
        ws, data, "Kinerja Kab-Kota", "Siapa di posisi mana, dan mengapa? (urut peringkat)", width
    )
    weights = ScoreWeights(*data.weights) if data.weights else ScoreWeights()
    group_weights = {
        "Pelaporan": f"bobot {weights.reporting:.0%} + {weights.on_time:.0%}",
        "Pleno Mingguan": f"bobot {weights.pleno:.0%}",
        "Kelengkapan Data": f"bobot {weights.completeness:.0%}",
        "Pencegahan": f"bobot {weights.documented:.0%} (berbukti dukung)",
        "Kelembagaan": "tidak dinilai",
    }
    column = 1
    for group, columns in PERFORMANCE_GROUPS:
        label = f"{group} ({group_weights[group]})" if group in group_weights else group
        layout.header(ws, top, [label] + [""] * (len(columns) - 1), first_column=column)
        if len(columns) > 1:
            ws.merge_cells(
                start_row=top, start_column=column, end_row=top, end_column=column + len(columns) - 1
            )
        column += len(columns)
    header = top + 1
    headers = [c[1] for c in PERFORMANCE_COLUMNS]
    expected = data.districts[0].get("reports_expected") if data.districts else 2
    weeks = data.districts[0].get("weeks_in_period") if data.districts else len(data.weeks)
    headers[headers.index("Laporan Masuk (jumlah)")] = f"Laporan Masuk (dari {expected})"
    headers[headers.index("Minggu dengan Pleno (jumlah)")] = f"Minggu ber-Pleno (dari {weeks})"
    layout.header(ws, header, headers)
    ws.row_dimensions[top].height = 30
    ws.row_dimensions[header].height = 58
    row = header
    for d in data.districts:
        row += 1
        for col, (key, _title, kind, _width) in enumerate(PERFORMANCE_COLUMNS, start=1):
            value = d.get(key)
            if kind == "text":
                sheets.text_cell(ws, row, col, value)
            elif kind == "status":
                layout.status_cell(ws, row, col, value)
            elif kind == "change" and value is None:
                sheets.style(sheets.text_cell(ws, row, col, NOT_REPORTED), alignment=sheets.CENTER)
            else:
                cell = sheets.number_cell(ws, row, col, value, _FORMATS[kind])
                if kind == "rate":
                    sheets.style(cell, fill=layout.rate_fill(value))
                elif kind == "score":
                    sheets.style(
                        cell, fill=STATUS_FILLS.get(d.get("status") or "", sheets.GREY), font=sheets.BOLD
                    )
    sheets.border_range(ws, top, row, 1, width)
    for r in range(header + 1, row + 1):
        sheets.style(ws.cell(row=r, column=3), alignment=SHRINK)
    note = row + 2
    note = layout.note(
        ws,
        note,
        f"Skor = 100 × ({weights.reporting:g}·tingkat pelaporan + {weights.on_time:g}·ketepatan waktu + "
        f"{weights.pleno:g}·kepatuhan pleno + {weights.completeness:g}·isian lengkap + "
        f"{weights.documented:g}·kegiatan berbukti dukung); nilai kosong dihitung 0. Rincian di lembar Metode.",
    )
    note = layout.note(
        ws,
        note,
        f"Warna persentase: hijau ≥ {BAIK_MIN:g}%, kuning {CUKUP_MIN:g}–<{BAIK_MIN:g}%, "
        f"merah < {CUKUP_MIN:g}%; kosong = tidak ada data. Perubahan Skor: {UP} naik, {DOWN} turun, "
        f"{NOT_REPORTED} = tidak ada skor periode sebelumnya.",
    )
    ws.freeze_panes = ws.cell(row=header + 1, column=4)
    layout.print_setup(ws, data, f"{top}:{header}")


# --- Kelengkapan Laporan --------------------------------------------------------------------------


def _reporting_sheet(ws: Worksheet, data: LeadershipData) -> None:
    months = list(data.period.months)
    width = 2 + len(months) + 2
    sheets.set_widths(ws, [7, 26, *[24] * len(months), 12, 12])
    top = layout.title_block(ws, data, "Kelengkapan Laporan", "Siapa melaporkan apa, dan kapan?", width)
    headers = [
        "Kode",
        "Kabupaten/Kota",
        *[f"{vocab.month_name(m)} {y}" for y, m in months],
        f"Masuk (dari {len(months)})",
        "Tepat Waktu",
    ]
    layout.header(ws, top, headers)
    cells = {(r["district_code"], r["year"], r["month"]): r for r in data.reporting}
    codes = sorted({r["district_code"] for r in data.reporting})
    names = {r["district_code"]: r["district_name"] for r in data.reporting}
    row = top
    month_totals = [[0, 0] for _ in months]
    for code in codes:
        row += 1
        sheets.text_cell(ws, row, 1, code)
        sheets.text_cell(ws, row, 2, names[code])
        received = on_time = 0
        for offset, (year, month) in enumerate(months):
            r = cells.get((code, year, month))
            text, fill = _reporting_text(r)
            cell = sheets.text_cell(ws, row, 3 + offset, text)
            sheets.style(cell, fill=fill, alignment=sheets.CENTER)
            if r and r["state"] in (ON_TIME, LATE):
                received += 1
                month_totals[offset][0] += 1
                if r["state"] == ON_TIME:
                    on_time += 1
                    month_totals[offset][1] += 1
        sheets.number_cell(ws, row, 3 + len(months), received, sheets.INTEGER)
        sheets.number_cell(ws, row, 4 + len(months), on_time, sheets.INTEGER)
    row += 1
    sheets.text_cell(ws, row, 2, f"Jumlah provinsi ({len(codes)})").font = sheets.BOLD
    for offset, (got, timely) in enumerate(month_totals):
        cell = sheets.text_cell(ws, row, 3 + offset, f"{got} masuk, {timely} tepat waktu")
        cell.font = sheets.BOLD
        cell.alignment = sheets.CENTER
    sheets.number_cell(
        ws, row, 3 + len(months), sum(t[0] for t in month_totals), sheets.INTEGER
    ).font = sheets.BOLD
    sheets.number_cell(
        ws, row, 4 + len(months), sum(t[1] for t in month_totals), sheets.INTEGER
    ).font = sheets.BOLD
    sheets.border_range(ws, top, row, 1, width)
    deadline = f"hari ke-{data.deadline.day} bulan berikutnya" if data.deadline else "batas waktu"
    layout.note(
        ws,
        row + 2,
        f"Hijau: tepat waktu (tanggal diterima); kuning: terlambat (n hari setelah batas, {deadline}); "
        "merah: belum masuk; merah tua: ditolak dan belum diganti. Ketepatan waktu dinilai dari berkas pertama "
        "yang diterima (perbaikan sesudahnya tidak membuatnya terlambat).",
    )
    ws.freeze_panes = ws.cell(row=top + 1, column=3)
    layout.print_setup(ws, data, f"{top}:{top}")


def _reporting_text(r: dict[str, Any] | None) -> tuple[str, PatternFill]:
    if r is None or r["state"] == MISSING:
        return "BELUM MASUK", sheets.RED
    if r["state"] == REJECTED:
        return "DITOLAK, belum diganti", DARK_RED
    when = f"{r['received_at']:%d/%m/%Y}"
    if r["state"] == LATE:
        return f"{when} · terlambat {r['days_late']} hari", sheets.YELLOW
    return f"{when} · tepat waktu", sheets.GREEN


# --- Pleno Mingguan -----------------------------------------------------------------------------


def _pleno_sheet(ws: Worksheet, data: LeadershipData) -> None:
    n = len(data.weeks)
    width = 2 + n + 2
    sheets.set_widths(ws, [7, 24, *[10] * n, 9.5, 9.5])
    top = layout.title_block(
        ws,
        data,
        "Pleno Mingguan",
        "Apakah setiap kab/kota menggelar pleno rutin yang kuorum setiap minggu?",
        width,
    )
    headers = ["Kode", "Kabupaten/Kota"]
    for i, (_y, _w, monday) in enumerate(data.weeks, start=1):
        sunday = monday.toordinal() + 6
        end = datetime.fromordinal(sunday)
        headers.append(f"Minggu {i}\n{monday:%d/%m}–{end:%d/%m}")
    headers += [f"Minggu ber-Pleno (dari {n})", "Kepatuhan (%)"]
    layout.header(ws, top, headers)
    ws.row_dimensions[top].height = 45
    row = top
    for d in data.districts:
        row += 1
        code = d["district_code"]
        sheets.text_cell(ws, row, 1, code)
        sheets.text_cell(ws, row, 2, d["district_name"])
        held = data.pleno_weeks.get(code, set())
        for offset, (iso_year, iso_week, _monday) in enumerate(data.weeks):
            if (iso_year, iso_week) in held:
                mark, fill = YES, sheets.GREEN
            elif not data.month_reported(code, *week_month(iso_year, iso_week)):
                mark, fill = NOT_REPORTED, sheets.GREY
            else:
                mark, fill = NO, sheets.RED
            cell = sheets.text_cell(ws, row, 3 + offset, mark)
            sheets.style(cell, fill=fill, alignment=sheets.CENTER)
        weeks_held = sum(1 for y, w, _m in data.weeks if (y, w) in held)
        sheets.number_cell(ws, row, 3 + n, weeks_held, sheets.INTEGER)
        cell = sheets.number_cell(ws, row, 4 + n, d.get("pleno_compliance"), sheets.PERCENT)
        sheets.style(cell, fill=layout.rate_fill(d.get("pleno_compliance")))
    sheets.border_range(ws, top, row, 1, width)
    first, last = data.weeks[0][2] if data.weeks else None, data.weeks[-1][2] if data.weeks else None
    span = (
        f"Minggu 1 = Senin {first:%d/%m/%Y} s.d. Minggu {n} = Minggu {datetime.fromordinal(last.toordinal() + 6):%d/%m/%Y}"
        if first and last
        else ""
    )
    layout.note(
        ws,
        row + 2,
        f"{YES} = ada pleno Rutin yang kuorum pada minggu itu; {NO} = tidak ada; {NOT_REPORTED} (abu-abu) = laporan "
        f"bulan minggu itu belum masuk, jadi tidak diketahui. Minggu Senin–Minggu (ISO); {span}.",
    )
    ws.freeze_panes = ws.cell(row=top + 1, column=3)
    layout.print_setup(ws, data, f"{top}:{top}")


# --- Pencegahan ----------------------------------------------------------------------------------


def _jenis_columns(data: LeadershipData) -> list[str]:
    """Every Jenis Kegiatan of the mapping (national order of its form), then any other in the data."""
    order = sorted(data.forms, key=lambda j: (FORMS.index(data.forms[j]), j)) if data.forms else []
    order = order or list(vocab.ACTIVITY_TYPES)
    seen = {j for per in data.prevention.values() for j in per}
    return order + sorted(seen - set(order))


def _prevention_sheet(ws: Worksheet, data: LeadershipData) -> None:
    jenis = _jenis_columns(data)
    width = 2 + max(len(FORMS), len(jenis)) + 3
    sheets.set_widths(ws, [7, 24, *[10.5] * (width - 2)])
    row = layout.title_block(
        ws,
        data,
        "Pencegahan",
        "Kegiatan pencegahan apa yang dilakukan, menurut bentuk nasional dan jenis?",
        width,
    )

    sheets.text_cell(
        ws, row, 1, "A. Menurut Bentuk (Form Pencegahan Bawaslu RI): jumlah kegiatan"
    ).font = sheets.SUBTITLE_FONT
    row += 1
    top = row
    sheets.header_row(
        ws,
        row,
        [
            "Kode",
            "Kabupaten/Kota",
            *FORMS,
            "Jumlah Kegiatan",
            "Jumlah Peserta",
            "Berbukti Dukung (%)",
            *STAGE_GROUPS,
        ],
    )
    stage_column = 3 + len(FORMS) + 3  # the split by Tahapan, right of the documented rate
    ws.row_dimensions[row].height = 45
    totals = [0] * (len(FORMS) + 2)
    stage_totals = dict.fromkeys(STAGE_GROUPS, 0)
    documented_total = 0
    for d in data.districts:
        row += 1
        code = d["district_code"]
        sheets.text_cell(ws, row, 1, code)
        sheets.text_cell(ws, row, 2, d["district_name"])
        by_form = data.prevention_by_form(code)
        values = [by_form.get(f, {}).get("activities", 0) for f in FORMS]
        values += [d.get("prevention_count") or 0, d.get("prevention_participants") or 0]
        for offset, value in enumerate(values):
            sheets.number_cell(ws, row, 3 + offset, value, sheets.INTEGER)
            totals[offset] += value
        documented_total += sum(f.get("documented", 0) for f in by_form.values())
        cell = sheets.number_cell(
            ws, row, 3 + len(FORMS) + 2, d.get("prevention_documented_rate"), sheets.PERCENT
        )
        sheets.style(cell, fill=layout.rate_fill(d.get("prevention_documented_rate")))
        for offset, g in enumerate(STAGE_GROUPS):
            value = sum(groups[g] for groups in data.stages_by_form(code).values())
            sheets.number_cell(ws, row, stage_column + offset, value, sheets.INTEGER)
            stage_totals[g] += value
    if data.districts:
        _colour_scale(ws, sheets.table_ref(top + 1, row, 3, 2 + len(FORMS)))
    row += 1
    sheets.text_cell(ws, row, 2, "Jumlah provinsi").font = sheets.BOLD
    for offset, value in enumerate(totals):
        sheets.number_cell(ws, row, 3 + offset, value, sheets.INTEGER).font = sheets.BOLD
    counted = totals[len(FORMS)]
    rate = documented_total / counted if counted else None
    sheets.number_cell(ws, row, 3 + len(FORMS) + 2, rate, sheets.PERCENT).font = sheets.BOLD
    for offset, value in enumerate(stage_totals.values()):
        sheets.number_cell(ws, row, stage_column + offset, value, sheets.INTEGER).font = sheets.BOLD
    sheets.border_range(ws, top, row, 1, 2 + len(FORMS) + 3 + len(STAGE_GROUPS))

    row += 2
    sheets.text_cell(ws, row, 1, "B. Menurut Jenis Kegiatan: jumlah kegiatan").font = sheets.SUBTITLE_FONT
    row += 1
    second = row
    layout.header(ws, row, ["Kode", "Kabupaten/Kota", *[j.replace("/", "/ ") for j in jenis]])
    ws.row_dimensions[row].height = 58
    jenis_totals = [0] * len(jenis)
    for d in data.districts:
        row += 1
        code = d["district_code"]
        sheets.text_cell(ws, row, 1, code)
        sheets.text_cell(ws, row, 2, d["district_name"])
        per = data.prevention.get(code, {})
        for offset, j in enumerate(jenis):
            value = per.get(j, {}).get("activities", 0)
            sheets.number_cell(ws, row, 3 + offset, value, sheets.INTEGER)
            jenis_totals[offset] += value
    if data.districts:
        _colour_scale(ws, sheets.table_ref(second + 1, row, 3, 2 + len(jenis)))
    row += 1
    sheets.text_cell(ws, row, 2, "Jumlah provinsi").font = sheets.BOLD
    for offset, value in enumerate(jenis_totals):
        sheets.number_cell(ws, row, 3 + offset, value, sheets.INTEGER).font = sheets.BOLD
    sheets.border_range(ws, second, row, 1, 2 + len(jenis))
    row = _stage_table(ws, row + 2, data)
    row += 2
    row = layout.note(
        ws,
        row,
        "Bentuk menurut pemetaan Jenis Kegiatan → Bentuk (konfigurasi, lihat Metode). Warna: makin hijau makin banyak "
        f"kegiatan. Tahapan: kolom Tahapan laporan kab/kota; '{vocab.NON_STAGE}' atau tahapan yang diawasi; "
        f"'{NO_STAGE}' = kolom kosong atau tidak ada.",
    )
    layout.print_setup(ws, data, f"{top}:{top}")


def _stage_table(ws: Worksheet, row: int, data: LeadershipData) -> int:
    """C. the province's counted activities per Bentuk, split Tahapan / Non Tahapan / not given
    (per district: the right of table A); returns the last row."""
    headers = [*STAGE_GROUPS, "Jumlah Kegiatan"]
    sheets.text_cell(
        ws, row, 1, "C. Menurut Bentuk dan Tahapan (provinsi): jumlah kegiatan"
    ).font = sheets.SUBTITLE_FONT
    row += 1
    top = row
    sheets.header_row(ws, row, ["", "Bentuk", *headers], widen=False)
    ws.row_dimensions[row].height = 45
    by_form: dict[str, dict[str, int]] = {f: dict.fromkeys(STAGE_GROUPS, 0) for f in FORMS}
    for d in data.districts:
        for form, groups in data.stages_by_form(d["district_code"]).items():
            for g, n in groups.items():
                by_form.setdefault(form, dict.fromkeys(STAGE_GROUPS, 0))[g] += n
    for form, groups in by_form.items():
        row += 1
        sheets.text_cell(ws, row, 2, form)
        for offset, value in enumerate([*groups.values(), sum(groups.values())]):
            sheets.number_cell(ws, row, 3 + offset, value, sheets.INTEGER)
    sheets.border_range(ws, top, row, 1, 2 + len(headers))
    return row


# --- Kelembagaan ---------------------------------------------------------------------------------


def _kelembagaan_sheet(ws: Worksheet, data: LeadershipData) -> None:
    width = 2 + len(vocab.ASPECTS) + 1
    sheets.set_widths(ws, [7, 24, *[11.5] * len(vocab.ASPECTS), 10])
    top = layout.title_block(
        ws,
        data,
        "Kelembagaan",
        "Sejauh mana capaian 8 aspek penguatan kelembagaan? (capaian %, rata-rata program)",
        width,
    )
    layout.header(ws, top, ["Kode", "Kabupaten/Kota", *vocab.ASPECTS, "Rata-rata (%)"])
    ws.row_dimensions[top].height = 60
    row = top
    for d in data.districts:
        row += 1
        sheets.text_cell(ws, row, 1, d["district_code"])
        sheets.text_cell(ws, row, 2, d["district_name"])
        progress = data.kelembagaan_by_aspect.get(d["district_code"], {})
        for offset, aspect in enumerate(vocab.ASPECTS):
            sheets.number_cell(ws, row, 3 + offset, progress.get(aspect), sheets.ONE_DECIMAL)
        sheets.number_cell(
            ws, row, 3 + len(vocab.ASPECTS), d.get("kelembagaan_progress"), sheets.ONE_DECIMAL
        ).font = sheets.BOLD
    if data.districts:
        _colour_scale(ws, sheets.table_ref(top + 1, row, 3, width), percent=True)
    sheets.border_range(ws, top, row, 1, width)
    layout.note(
        ws,
        row + 2,
        "Angka = rata-rata Capaian (%) program per aspek (0 merah – 100 hijau); kosong = aspek tidak dilaporkan.",
    )
    ws.freeze_panes = ws.cell(row=top + 1, column=3)
    layout.print_setup(ws, data, f"{top}:{top}")


# --- Catatan Data --------------------------------------------------------------------------------

ISSUE_COLUMNS = (
    ("Kode", 6),
    ("Kabupaten/Kota", 18),
    ("Berkas", 24),
    ("Lembar", 11),
    ("Sel", 8),
    ("Kolom", 16),
    ("Isian", 18),
    ("Masalah", 50),
)


def issue_cell_text(cell: str | None, excel_row: int) -> str:
    """``I5`` as the district's feedback names it; issues loaded before the warehouse kept the
    address (migration 0006) show ``baris 5``, their column header standing beside it."""
    return cell or f"baris {excel_row}"


def _issues_sheet(ws: Worksheet, data: LeadershipData) -> None:
    width = len(ISSUE_COLUMNS)
    sheets.set_widths(ws, [w for _h, w in ISSUE_COLUMNS])
    top = layout.title_block(
        ws,
        data,
        "Catatan Data",
        f"Baris mana pada laporan yang dihitung bermasalah? ({len(data.issues)} catatan)",
        width,
    )
    layout.header(ws, top, [h for h, _w in ISSUE_COLUMNS])
    row = top
    for issue in data.issues:
        row += 1
        values = [
            issue["district_code"],
            issue["district_name"],
            issue["file_name"],
            issue["sheet"],
            issue_cell_text(issue.get("cell"), issue["excel_row"]),
            issue["column_name"],
            issue["value"],
            issue["problem"],
        ]
        for column, value in enumerate(values, start=1):
            sheets.text_cell(ws, row, column, value).alignment = sheets.WRAP_TOP
        ws.row_dimensions[row].height = layout.row_height(
            [(v, w) for v, (_h, w) in zip(values, ISSUE_COLUMNS, strict=True)]
        )
    if data.issues:
        sheets.border_range(ws, top, row, 1, width)
        ws.auto_filter.ref = sheets.table_ref(top, row, 1, width)
    else:
        row += 1
        sheets.text_cell(ws, row, 1, "Tidak ada catatan per baris pada laporan yang dihitung.")
    ws.freeze_panes = ws.cell(row=top + 1, column=1)
    layout.print_setup(ws, data, f"{top}:{top}")


# --- Metode --------------------------------------------------------------------------------------


def _method_sheet(ws: Worksheet, data: LeadershipData) -> None:
    w = ScoreWeights(*data.weights) if data.weights else ScoreWeights()
    deadline = sheets.local_time_text(data.deadline) if data.deadline else "-"
    entries: list[tuple[str, str]] = [
        layout.REPORT_STATES_ENTRY,
        (
            "Periode",
            f"{data.period.label_id} ({data.period.period_id}), {len(data.weeks)} minggu ISO (Senin–Minggu) "
            "yang hari Kamisnya jatuh dalam periode.",
        ),
        (
            "Batas waktu laporan",
            f"Laporan bulan M paling lambat akhir hari ke-{data.deadline.day if data.deadline else 5} "
            f"bulan M+1 (waktu provinsi); bulan terakhir periode ini: {deadline}.",
        ),
        (
            "Laporan yang dihitung",
            "Per kab/kota dan bulan hanya berkas terakhir yang diterima (perbaikan menggantikan yang "
            "lama); ketepatan waktu dari berkas pertama. Pleno/kegiatan yang sama dalam beberapa berkas dihitung sekali.",
        ),
        layout.score_entry(w),
        layout.STATUS_ENTRY,
        ("Peringkat", "1 = skor tertinggi di provinsi; skor sama berbagi peringkat terendah."),
        ("Perubahan skor", "Skor periode ini dikurangi skor periode sebelumnya; – bila belum ada."),
        ("Tingkat pelaporan", "Bulan yang laporannya diterima ÷ bulan dalam periode (2)."),
        ("Ketepatan waktu", "Bulan yang berkas pertamanya diterima sebelum batas waktu ÷ 2."),
        (
            "Kepatuhan pleno",
            "Minggu dengan sedikitnya satu pleno Rutin yang kuorum ÷ jumlah minggu periode. Kuorum: "
            "2 × jumlah hadir > jumlah anggota.",
        ),
        ("Jumlah pleno", "Pleno (Rutin dan Khusus) yang tanggalnya dalam periode."),
        (
            "Pleno kuorum / ber-notulen",
            "Pleno kuorum ÷ jumlah pleno; pleno dengan Notulen terisi (bukan kosong, -, Tidak) "
            "÷ jumlah pleno; kosong bila tidak ada pleno.",
        ),
        ("Kegiatan pencegahan / peserta", "Kegiatan bertanggal dalam periode; jumlah Peserta yang terbaca."),
        (
            "Kegiatan berbukti dukung",
            "Kegiatan dengan Bukti Dukung terisi ÷ jumlah kegiatan; kosong bila tidak ada kegiatan.",
        ),
        ("Ragam jenis", "Jumlah Jenis Kegiatan berbeda yang dikenali."),
        (
            "Bentuk pencegahan",
            "Setiap Jenis Kegiatan masuk satu Bentuk Form Pencegahan Bawaslu RI: "
            + "; ".join(
                f"{j} → {f}" for j, f in sorted(data.forms.items(), key=lambda x: (FORMS.index(x[1]), x[0]))
            )
            + ".",
        ),
        (
            "Capaian kelembagaan",
            "Rata-rata Capaian (%) program; tiap program (Aspek + Program) diambil dari bulan "
            "terakhir periode yang melaporkannya. Tidak masuk skor.",
        ),
        (
            "Isian lengkap",
            "Sel wajib yang terisi dan sah ÷ seluruh sel wajib (pleno 7, pencegahan 8, kelembagaan 6 per "
            "baris); 'Tidak' adalah jawaban sah, kosong dan '-' tidak.",
        ),
        ("Catatan data", "Masalah per baris pada berkas yang dihitung (lembar Catatan Data)."),
        (
            "Angka provinsi",
            "Jumlah/rasio atas seluruh kab/kota (bukan rata-rata persentase), kecuali rata-rata skor.",
        ),
        (
            "Sumber data",
            "Berkas laporan bulanan kab/kota di drive bersama (arsip), gudang data rekap "
            "(mart_district_period, mart_province_period); setiap angka dapat ditelusuri ke berkas dan baris Excel.",
        ),
        (
            "Dibuat",
            f"{sheets.local_time_text(data.generated_at)} oleh rekap (Airflow: konsolidasi dua bulanan).",
        ),
    ]
    layout.method_sheet(ws, data, entries)
