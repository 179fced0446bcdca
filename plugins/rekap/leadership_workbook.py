"""The leadership workbook, laporan komprehensif (metrics.md "The leadership workbook").

Lays out a ``LeadershipData`` (rekap.report_data) in six sheets; it computes nothing that a
mart does not already hold. Numbers are numeric cells with display formats (rates stay
unrounded 0…1 under a percent format); text from district files goes through the safe text
cell of rekap.sheets so it can never become a formula.
"""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.chart.label import DataLabelList
from openpyxl.styles import Alignment
from openpyxl.worksheet.worksheet import Worksheet

from rekap import sheets, vocab
from rekap.metrics import status_legend
from rekap.report_data import LeadershipData

SHEET_SUMMARY = "Ringkasan"
SHEET_PERFORMANCE = "Kinerja Kab-Kota"
SHEET_PLENO = "Pleno Mingguan"
SHEET_PREVENTION = "Pencegahan"
SHEET_KELEMBAGAAN = "Kelembagaan"
SHEET_COMPLETENESS = "Kelengkapan Data"
SHEETS = (
    SHEET_SUMMARY,
    SHEET_PERFORMANCE,
    SHEET_PLENO,
    SHEET_PREVENTION,
    SHEET_KELEMBAGAAN,
    SHEET_COMPLETENESS,
)

STATUSES = ("BAIK", "CUKUP", "KURANG", "TIDAK MELAPOR")
STATUS_FILLS = {
    "BAIK": sheets.GREEN,
    "CUKUP": sheets.YELLOW,
    "KURANG": sheets.RED,
    "TIDAK MELAPOR": sheets.GREY,
}
YES, NO = "✓", "✗"

# Kinerja Kab-Kota: every mart_district_period column, (column, header, kind, width).
# Who/where/score first, so the sheet reads left to right like the ranking it is.
PERFORMANCE_COLUMNS: tuple[tuple[str, str, str, float], ...] = (
    ("rank", "Peringkat", "int", 10),
    ("district_code", "Kode", "text", 7),
    ("district_name", "Kabupaten/Kota", "text", 26),
    ("score", "Skor", "score", 8),
    ("status", "Status", "status", 17),
    ("score_change", "Perubahan Skor", "change", 11),
    ("reports_expected", "Laporan Wajib", "int", 10),
    ("reports_received", "Laporan Masuk", "int", 10),
    ("reports_on_time", "Laporan Tepat Waktu", "int", 10),
    ("reporting_rate", "Tingkat Pelaporan", "rate", 11),
    ("on_time_rate", "Ketepatan Waktu", "rate", 11),
    ("weeks_in_period", "Jumlah Minggu", "int", 9),
    ("weeks_with_pleno", "Minggu dengan Pleno Rutin", "int", 11),
    ("pleno_compliance", "Kepatuhan Pleno Mingguan", "rate", 11),
    ("pleno_count", "Jumlah Pleno", "int", 9),
    ("pleno_quorate_rate", "Pleno Kuorum", "rate", 10),
    ("pleno_minutes_rate", "Pleno dengan Notulen", "rate", 10),
    ("prevention_count", "Kegiatan Pencegahan", "int", 11),
    ("prevention_participants", "Peserta Pencegahan", "int", 11),
    ("prevention_documented_rate", "Kegiatan Berbukti Dukung", "rate", 11),
    ("prevention_type_count", "Ragam Jenis Kegiatan", "int", 10),
    ("kelembagaan_progress", "Capaian Kelembagaan (%)", "decimal", 12),
    ("record_completeness", "Kelengkapan Data", "rate", 11),
    ("issue_count", "Jumlah Catatan Data", "int", 10),
    ("province_code", "Kode Provinsi", "text", 9),
    ("period_id", "Periode", "text", 10),
    ("period_start", "Awal Periode", "date", 12),
    ("period_end", "Akhir Periode", "date", 12),
)

# Ringkasan headline figures from mart_province_period: (column, label, format).
HEADLINES: tuple[tuple[str, str, str], ...] = (
    ("districts_total", "Jumlah kabupaten/kota", sheets.INTEGER),
    ("districts_reported", "Kabupaten/kota yang melapor", sheets.INTEGER),
    ("districts_fully_reported", "Kabupaten/kota yang melapor lengkap", sheets.INTEGER),
    ("reporting_rate", "Tingkat pelaporan", sheets.PERCENT),
    ("on_time_rate", "Ketepatan waktu pelaporan", sheets.PERCENT),
    ("pleno_compliance", "Kepatuhan pleno mingguan", sheets.PERCENT),
    ("prevention_count", "Jumlah kegiatan pencegahan", sheets.INTEGER),
    ("prevention_participants", "Jumlah peserta kegiatan pencegahan", sheets.INTEGER),
    ("record_completeness", "Kelengkapan data", sheets.PERCENT),
    ("average_score", "Rata-rata skor kabupaten/kota", sheets.ONE_DECIMAL),
)

_FORMATS = {
    "int": sheets.INTEGER,
    "rate": sheets.PERCENT,
    "score": sheets.ONE_DECIMAL,
    "decimal": sheets.ONE_DECIMAL,
    "change": sheets.SIGNED_ONE_DECIMAL,
}


def leadership_filename(province_code: str, period_id: str) -> str:
    return f"Laporan_Komprehensif_{province_code}_{period_id}.xlsx"


def keep_previous_version(final: Path, now_local: datetime) -> Path | None:
    """Move an existing workbook aside as ``<stem>_<YYYYMMDD-HHMMSS><suffix>`` (``_2``, ``_3``...
    when that name is taken); None when there was nothing to keep."""
    if not final.exists():
        return None
    base = f"{final.stem}_{now_local:%Y%m%d-%H%M%S}"
    candidate, n = final.with_name(f"{base}{final.suffix}"), 1
    while candidate.exists():
        n += 1
        candidate = final.with_name(f"{base}_{n}{final.suffix}")
    os.replace(final, candidate)
    return candidate


def write_leadership_workbook(data: LeadershipData, path: Path) -> Path:
    """Write the six sheets to ``path`` (the caller renames it into place); return ``path``."""
    # The mart is read ordered by rank already; sorting again keeps every sheet in rank order
    # whoever built the data.
    ranked = sorted(data.districts, key=lambda d: (d.get("rank") or 10**6, d["district_code"]))
    data = replace(data, districts=ranked)
    wb = Workbook()
    summary = wb.active
    summary.title = SHEET_SUMMARY
    performance = wb.create_sheet(SHEET_PERFORMANCE)
    _performance_sheet(performance, data)
    _summary_sheet(summary, data)
    _pleno_sheet(wb.create_sheet(SHEET_PLENO), data)
    _prevention_sheet(wb.create_sheet(SHEET_PREVENTION), data)
    _kelembagaan_sheet(wb.create_sheet(SHEET_KELEMBAGAAN), data)
    _completeness_sheet(wb.create_sheet(SHEET_COMPLETENESS), data)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


# --- helpers ---------------------------------------------------------------------------


def _title_block(ws: Worksheet, data: LeadershipData, subtitle: str) -> int:
    """Title lines every sheet starts with, so a printed page says what and when; next row."""
    sheets.text_cell(ws, 1, 1, subtitle).font = sheets.TITLE_FONT
    sheets.text_cell(
        ws, 2, 1, f"Bawaslu Provinsi {data.province_name} · Periode {data.period.label_id}"
    ).font = sheets.font(italic=True, color="595959")
    return 4


def _status_cell(ws: Worksheet, row: int, column: int, status: str | None) -> None:
    cell = sheets.text_cell(ws, row, column, status)
    cell.fill = STATUS_FILLS.get(status or "", sheets.GREY)
    cell.font = sheets.BOLD
    cell.alignment = sheets.CENTER


def _district_columns(ws: Worksheet, row: int, d: dict[str, Any]) -> None:
    sheets.text_cell(ws, row, 1, d["district_code"])
    sheets.text_cell(ws, row, 2, d["district_name"])


# --- sheets ----------------------------------------------------------------------------


def _summary_sheet(ws: Worksheet, data: LeadershipData) -> None:
    sheets.set_widths(ws, [38, 16, 3])
    sheets.text_cell(ws, 1, 1, "LAPORAN KOMPREHENSIF PENGAWASAN").font = sheets.font(bold=True, size=16)
    sheets.text_cell(
        ws, 2, 1, f"Bawaslu Provinsi {data.province_name} ({data.province_code})"
    ).font = sheets.SUBTITLE_FONT
    sheets.text_cell(
        ws, 3, 1, f"Periode: {data.period.label_id} ({data.period.period_id})"
    ).font = sheets.BOLD
    sheets.text_cell(ws, 4, 1, f"Dibuat: {sheets.local_time_text(data.generated_at)}")

    row = 6
    sheets.header_row(ws, row, ["Angka utama provinsi", "Nilai"])
    row += 1
    for column, label, number_format in HEADLINES:
        sheets.text_cell(ws, row, 1, label)
        sheets.number_cell(ws, row, 2, data.province.get(column), number_format)
        row += 1
    sheets.border_range(ws, 7, row - 1, 1, 2)

    row += 1
    sheets.header_row(ws, row, ["Status kabupaten/kota", "Jumlah"])
    row += 1
    first = row
    for status in STATUSES:
        _status_cell(ws, row, 1, status)
        ws.cell(row=row, column=1).alignment = Alignment(horizontal="left")
        sheets.number_cell(ws, row, 2, sum(1 for d in data.districts if d.get("status") == status))
        row += 1
    sheets.border_range(ws, first, row - 1, 1, 2)
    note = sheets.text_cell(ws, row, 1, status_legend())
    note.font = sheets.NOTE_FONT

    row += 2
    sheets.header_row(ws, row, ["Kabupaten/kota yang tidak melapor", "Kode"])
    row += 1
    silent = [d for d in data.districts if d.get("status") == "TIDAK MELAPOR"]
    first = row
    for d in silent:
        sheets.text_cell(ws, row, 1, d["district_name"])
        sheets.text_cell(ws, row, 2, d["district_code"])
        row += 1
    if not silent:
        sheets.text_cell(ws, row, 1, "Semua kabupaten/kota telah melapor.")
        row += 1
    sheets.border_range(ws, first, row - 1, 1, 2)

    _score_chart(ws, data)
    # The summary prints on one page; a long chart (many districts) fits better upright.
    sheets.page_setup(ws, landscape=len(data.districts) <= 12, one_page=True)


def _score_chart(ws: Worksheet, data: LeadershipData) -> None:
    """Horizontal bars of the scores, best on top, read from the Kinerja Kab-Kota sheet."""
    if not data.districts:
        return
    source = ws.parent[SHEET_PERFORMANCE]
    keys = [c[0] for c in PERFORMANCE_COLUMNS]
    name_col, score_col = keys.index("district_name") + 1, keys.index("score") + 1
    last = len(data.districts) + 1
    chart = BarChart()
    chart.type = "bar"
    chart.style = 10
    chart.title = "Skor Kabupaten/Kota"
    chart.legend = None
    chart.add_data(Reference(source, min_col=score_col, min_row=1, max_row=last), titles_from_data=True)
    chart.set_categories(Reference(source, min_col=name_col, min_row=2, max_row=last))
    chart.x_axis.scaling.orientation = "maxMin"  # rank 1 at the top, as in the table
    chart.y_axis.scaling.min = 0
    chart.y_axis.scaling.max = 100
    chart.y_axis.majorUnit = 20
    chart.y_axis.number_format = "0"
    chart.y_axis.majorGridlines = None
    # openpyxl 3.1 writes axes as deleted unless told otherwise: the names must show.
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.dataLabels = DataLabelList()
    chart.dataLabels.showVal = True
    # Without these LibreOffice also prints the district and series names on every bar.
    chart.dataLabels.showCatName = False
    chart.dataLabels.showSerName = False
    chart.dataLabels.showLegendKey = False
    chart.dataLabels.showPercent = False
    chart.dataLabels.numFmt = "0.0"
    chart.gapWidth = 40
    chart.width = 18
    chart.height = max(7.5, 0.75 * len(data.districts) + 2.5)
    ws.add_chart(chart, "D6")


def _performance_sheet(ws: Worksheet, data: LeadershipData) -> None:
    sheets.set_widths(ws, [c[3] for c in PERFORMANCE_COLUMNS])
    sheets.header_row(ws, 1, [c[1] for c in PERFORMANCE_COLUMNS])
    ws.row_dimensions[1].height = 45
    for row, d in enumerate(data.districts, start=2):
        for column, (key, _header, kind, _width) in enumerate(PERFORMANCE_COLUMNS, start=1):
            value = d.get(key)
            if kind == "text":
                sheets.text_cell(ws, row, column, value)
            elif kind == "status":
                _status_cell(ws, row, column, value)
            elif kind == "date":
                sheets.date_cell(ws, row, column, value)
            else:
                sheets.number_cell(ws, row, column, value, _FORMATS[kind])
    last = len(data.districts) + 1
    sheets.border_range(ws, 2, last, 1, len(PERFORMANCE_COLUMNS))
    ws.freeze_panes = "D2"  # header and rank/code/name stay visible while scrolling
    ws.auto_filter.ref = sheets.table_ref(1, last, 1, len(PERFORMANCE_COLUMNS))
    sheets.page_setup(ws, title_rows="1:1", a3=True)  # 28 columns: A4 would be unreadable


def _pleno_sheet(ws: Worksheet, data: LeadershipData) -> None:
    top = _title_block(ws, data, "Pleno Rutin Mingguan yang Kuorum")
    weeks = [f"W{week:02d}\n{monday:%d/%m}" for _year, week, monday in data.weeks]
    headers = ["Kode", "Kabupaten/Kota", *weeks, "Minggu dengan Pleno", "Kepatuhan"]
    sheets.set_widths(ws, [7, 26, *[7] * len(weeks), 11, 11])
    sheets.header_row(ws, top, headers)
    ws.row_dimensions[top].height = 45
    first_week = 3
    row = top
    for d in data.districts:
        row += 1
        _district_columns(ws, row, d)
        held = data.pleno_weeks.get(d["district_code"], set())
        for offset, (iso_year, iso_week, _monday) in enumerate(data.weeks):
            mark = (iso_year, iso_week) in held
            cell = sheets.text_cell(ws, row, first_week + offset, YES if mark else NO)
            cell.fill = sheets.GREEN if mark else sheets.RED
            cell.alignment = sheets.CENTER
        count_col = first_week + len(data.weeks)
        weeks_held = sum(1 for y, w, _m in data.weeks if (y, w) in held)
        sheets.number_cell(ws, row, count_col, weeks_held, sheets.INTEGER)
        sheets.number_cell(ws, row, count_col + 1, d.get("pleno_compliance"), sheets.PERCENT)
    sheets.border_range(ws, top + 1, row, 1, len(headers))
    legend = sheets.text_cell(
        ws,
        row + 2,
        1,
        f"{YES} = ada pleno Rutin yang kuorum pada minggu itu (Senin–Minggu; tanggal = hari Senin); "
        f"{NO} = tidak ada.",
    )
    legend.font = sheets.NOTE_FONT
    ws.freeze_panes = ws.cell(row=top + 1, column=3)
    sheets.page_setup(ws, title_rows=f"{top}:{top}")


def _prevention_sheet(ws: Worksheet, data: LeadershipData) -> None:
    top = _title_block(ws, data, "Kegiatan Pencegahan per Jenis Kegiatan")
    headers = [
        "Kode",
        "Kabupaten/Kota",
        *vocab.ACTIVITY_TYPES,
        "Jumlah Kegiatan",
        "Jumlah Peserta",
        "Kegiatan Berbukti Dukung",
    ]
    sheets.set_widths(ws, [7, 26, *[13] * len(vocab.ACTIVITY_TYPES), 11, 11, 12])
    sheets.header_row(ws, top, headers)
    ws.row_dimensions[top].height = 60
    n_types = len(vocab.ACTIVITY_TYPES)
    totals = [0] * (n_types + 2)
    row = top
    for d in data.districts:
        row += 1
        _district_columns(ws, row, d)
        counts = data.prevention_by_type.get(d["district_code"], {})
        values = [counts.get(t, 0) for t in vocab.ACTIVITY_TYPES]
        values += [d.get("prevention_count") or 0, d.get("prevention_participants") or 0]
        for offset, value in enumerate(values):
            sheets.number_cell(ws, row, 3 + offset, value, sheets.INTEGER)
            totals[offset] += value
        sheets.number_cell(ws, row, 3 + n_types + 2, d.get("prevention_documented_rate"), sheets.PERCENT)
    if data.districts:
        row += 1
        sheets.text_cell(ws, row, 2, "Jumlah provinsi").font = sheets.BOLD
        for offset, value in enumerate(totals):
            cell = sheets.number_cell(ws, row, 3 + offset, value, sheets.INTEGER)
            cell.font = sheets.BOLD
    sheets.border_range(ws, top + 1, row, 1, len(headers))
    ws.freeze_panes = ws.cell(row=top + 1, column=3)
    sheets.page_setup(ws, title_rows=f"{top}:{top}")


def _kelembagaan_sheet(ws: Worksheet, data: LeadershipData) -> None:
    top = _title_block(ws, data, "Penguatan Kelembagaan: Capaian per Aspek (%)")
    headers = ["Kode", "Kabupaten/Kota", *vocab.ASPECTS, "Capaian Rata-rata"]
    sheets.set_widths(ws, [7, 26, *[13] * len(vocab.ASPECTS), 12])
    sheets.header_row(ws, top, headers)
    ws.row_dimensions[top].height = 60
    row = top
    for d in data.districts:
        row += 1
        _district_columns(ws, row, d)
        progress = data.kelembagaan_by_aspect.get(d["district_code"], {})
        for offset, aspect in enumerate(vocab.ASPECTS):
            sheets.number_cell(ws, row, 3 + offset, progress.get(aspect), sheets.ONE_DECIMAL)
        cell = sheets.number_cell(
            ws, row, 3 + len(vocab.ASPECTS), d.get("kelembagaan_progress"), sheets.ONE_DECIMAL
        )
        cell.font = sheets.BOLD
    sheets.border_range(ws, top + 1, row, 1, len(headers))
    legend = sheets.text_cell(
        ws, row + 2, 1, "Angka = rata-rata Capaian (%) program per aspek; kosong = tidak dilaporkan."
    )
    legend.font = sheets.NOTE_FONT
    ws.freeze_panes = ws.cell(row=top + 1, column=3)
    sheets.page_setup(ws, title_rows=f"{top}:{top}")


def _completeness_sheet(ws: Worksheet, data: LeadershipData) -> None:
    row = _title_block(ws, data, "Kelengkapan Data")
    sheets.set_widths(ws, [7, 24, 30, 13, 7, 18, 26, 55])

    sheets.text_cell(ws, row, 1, "Laporan bulanan yang belum masuk").font = sheets.SUBTITLE_FONT
    row += 1
    sheets.header_row(ws, row, ["Kode", "Kabupaten/Kota", "Bulan"])
    first = row + 1
    for m in data.missing_reports:
        row += 1
        sheets.text_cell(ws, row, 1, m["district_code"])
        sheets.text_cell(ws, row, 2, m["district_name"])
        sheets.text_cell(ws, row, 3, f"{vocab.month_name(int(m['month']))} {int(m['year'])}")
    if not data.missing_reports:
        row += 1
        sheets.text_cell(ws, row, 1, "Semua laporan bulanan periode ini sudah masuk.")
    else:
        sheets.border_range(ws, first, row, 1, 3)

    row += 2
    sheets.text_cell(ws, row, 1, "Catatan per baris pada laporan yang dihitung").font = sheets.SUBTITLE_FONT
    row += 1
    header = row
    sheets.header_row(
        ws, row, ["Kode", "Kabupaten/Kota", "Berkas", "Lembar", "Baris", "Kolom", "Isian", "Masalah"]
    )
    for issue in data.issues:
        row += 1
        sheets.text_cell(ws, row, 1, issue["district_code"])
        sheets.text_cell(ws, row, 2, issue["district_name"])
        sheets.text_cell(ws, row, 3, issue["file_name"])
        sheets.text_cell(ws, row, 4, issue["sheet"])
        sheets.number_cell(ws, row, 5, issue["excel_row"])
        sheets.text_cell(ws, row, 6, issue["column_name"])
        sheets.text_cell(ws, row, 7, issue["value"])
        sheets.text_cell(ws, row, 8, issue["problem"])
        for column in range(1, 9):
            ws.cell(row=row, column=column).alignment = sheets.WRAP_TOP
    if data.issues:
        sheets.border_range(ws, header + 1, row, 1, 8)
        ws.auto_filter.ref = sheets.table_ref(header, row, 1, 8)
    else:
        row += 1
        sheets.text_cell(ws, row, 1, "Tidak ada catatan per baris.")
    sheets.page_setup(ws)
