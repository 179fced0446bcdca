"""The national laporan komprehensif (issue 14 item 3): the served provinces side by side.

Lays out a ``NationalData`` (rekap.consolidation.report_data) in four sheets, for a national
chair with 30 seconds and an A4 printer: which provinces rank where (Peringkat Provinsi), how
their districts spread over the statuses (Status per Provinsi), which districts need attention
nationwide (Perlu Perhatian: the lowest KURANG scores, then every district that did not report,
one province per printed page), and where each number comes from (Metode). It prints and reads
like the provincial workbook: the same title block, state line, footer and colours
(rekap.consolidation.report_sheets). It computes nothing the marts do not already hold.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.formatting.rule import ColorScaleRule
from openpyxl.styles import Alignment, PatternFill
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from rekap import sheets
from rekap.consolidation import report_sheets as layout
from rekap.consolidation.approval import FINAL
from rekap.consolidation.metrics import BAIK_MIN, CUKUP_MIN, ScoreWeights
from rekap.consolidation.report_data import NATIONAL_STATUS_COLUMNS, NationalData
from rekap.consolidation.report_sheets import (
    CHANGE_FORMAT,
    DOWN,
    NOT_REPORTED,
    STATUS_FILLS,
    STATUS_MEANINGS,
    STATUSES,
    UP,
)

SHEET_RANKING = "Peringkat Provinsi"
SHEET_STATUS = "Status per Provinsi"
SHEET_ATTENTION = "Perlu Perhatian"
SHEET_METHOD = "Metode"
SHEETS = (SHEET_RANKING, SHEET_STATUS, SHEET_ATTENTION, SHEET_METHOD)

NATION_LABEL = "NASIONAL (semua provinsi)"
NATION_FILL = PatternFill("solid", fgColor="DDEBF7")
PROVINCE_FILL = PatternFill("solid", fgColor="BDD7EE")
_FORMATS = {
    "int": sheets.INTEGER,
    "rate": sheets.PERCENT,
    "score": sheets.ONE_DECIMAL,
    "change": CHANGE_FORMAT,
}

# Peringkat Provinsi: (column of the ranked rows, header, kind, width) under their group.
RANKING_GROUPS: tuple[tuple[str, tuple[tuple[str, str, str, float], ...]], ...] = (
    (
        "Provinsi",
        (
            ("rank", "Peringkat", "int", 8),
            ("province_code", "Kode", "text", 5.5),
            ("province_name", "Provinsi", "text", 25),
        ),
    ),
    (
        "Hasil (skor 0–100)",
        (
            ("average_score", "Rata-rata Skor Kab/Kota", "score", 10.5),
            ("score_change", "Perubahan Skor (poin)", "change", 10),
        ),
    ),
    (
        "Pelaporan",
        (
            ("districts_total", "Kab/Kota (jumlah)", "int", 8.5),
            ("districts_reported", "Kab/Kota Melapor (jumlah)", "int", 9),
            ("reporting_rate", "Tingkat Pelaporan (%)", "rate", 9.5),
            ("on_time_rate", "Ketepatan Waktu (%)", "rate", 9.5),
        ),
    ),
    ("Pleno Mingguan", (("pleno_compliance", "Kepatuhan Pleno (%)", "rate", 9.5),)),
    (
        "Pencegahan",
        (
            ("prevention_count", "Kegiatan (jumlah)", "int", 9.5),
            ("prevention_participants", "Peserta (jumlah)", "int", 10.5),
        ),
    ),
)
RANKING_COLUMNS = tuple(c for _group, columns in RANKING_GROUPS for c in columns)
SIGNATURE_COLUMN = 8  # Kab/Kota Melapor: the FINAL's signature block, right of the notes

# Perlu Perhatian: one table for both parts, so one header row repeats on every printed page.
ATTENTION_COLUMNS: tuple[tuple[str, str, float], ...] = (
    ("province_name", "Provinsi", 21),
    ("district_code", "Kode", 6),
    ("district_name", "Kabupaten/Kota", 28),
    ("status", "Status", 15.5),
    ("score", "Skor (0–100)", 10),
    ("score_change", "Perubahan Skor (poin)", 9.5),
    ("reports_received", "Laporan Masuk (dari 2)", 8.5),
    ("reports_on_time", "Tepat Waktu (dari 2)", 8.5),
    ("pleno_compliance", "Kepatuhan Pleno (%)", 9.5),
    ("record_completeness", "Isian Lengkap (%)", 8.5),
    ("prevention_documented_rate", "Berbukti Dukung (%)", 8.5),
    ("previous_status", "Status Periode Sebelumnya", 15.5),
)
# the columns a district that did not report has no figure for: one merged note instead
FIGURE_COLUMNS = (5, 11)


def write_national_workbook(data: NationalData, path: Path) -> Path:
    """Write the four sheets to ``path`` (the caller renames it into place); return ``path``."""
    wb = Workbook()
    ranking = wb.active
    ranking.title = SHEET_RANKING
    _ranking_sheet(ranking, data)
    _status_sheet(wb.create_sheet(SHEET_STATUS), data)
    _attention_sheet(wb.create_sheet(SHEET_ATTENTION), data)
    _method_sheet(wb.create_sheet(SHEET_METHOD), data)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _value_cell(ws: Worksheet, row: int, column: int, value: Any, kind: str) -> None:
    """One figure as the provincial workbook shows it: rates coloured against the thresholds,
    a score coloured as the status it would give, a missing change as –."""
    if kind == "text":
        sheets.text_cell(ws, row, column, value)
        return
    if kind == "change" and value is None:
        sheets.text_cell(ws, row, column, NOT_REPORTED).alignment = sheets.CENTER
        return
    cell = sheets.number_cell(ws, row, column, value, _FORMATS[kind])
    fill = None
    if kind == "rate":
        fill = layout.rate_fill(value)
    elif kind == "score":
        fill = layout.score_fill(value)
        cell.font = sheets.BOLD
    if fill is not None:
        cell.fill = fill


def _nation_row(ws: Worksheet, row: int, width: int) -> None:
    for column in range(1, width + 1):
        cell = ws.cell(row=row, column=column)
        cell.fill = NATION_FILL
        cell.font = sheets.BOLD


# --- Peringkat Provinsi ----------------------------------------------------------------------


def _ranking_sheet(ws: Worksheet, data: NationalData) -> None:
    width = len(RANKING_COLUMNS)
    sheets.set_widths(ws, [c[3] for c in RANKING_COLUMNS])
    top = layout.title_block(
        ws,
        data,
        "Peringkat Provinsi",
        "Provinsi mana yang baik dan mana yang tertinggal? (urut rata-rata skor kab/kota, tertinggi dulu)",
        width,
    )
    column = 1
    for group, columns in RANKING_GROUPS:
        layout.header(ws, top, [group] + [""] * (len(columns) - 1), first_column=column)
        if len(columns) > 1:
            ws.merge_cells(
                start_row=top, start_column=column, end_row=top, end_column=column + len(columns) - 1
            )
        column += len(columns)
    header = top + 1
    layout.header(ws, header, [c[1] for c in RANKING_COLUMNS])
    ws.row_dimensions[top].height = 30
    ws.row_dimensions[header].height = 45
    row = header + 1
    nation = {**data.total, "province_name": NATION_LABEL}
    for col, (key, _title, kind, _width) in enumerate(RANKING_COLUMNS, start=1):
        if key in ("rank", "province_code", "score_change"):
            continue
        _value_cell(ws, row, col, nation.get(key), kind)
    _nation_row(ws, row, width)
    for p in data.provinces:
        row += 1
        for col, (key, _title, kind, _width) in enumerate(RANKING_COLUMNS, start=1):
            _value_cell(ws, row, col, p.get(key), kind)
    sheets.border_range(ws, top, row, 1, width)
    for r in range(header + 1, row + 1):
        ws.cell(row=r, column=1).alignment = sheets.CENTER  # the rank apart from the code beside it
        ws.cell(row=r, column=3).alignment = Alignment(shrink_to_fit=True)
    first_note = note = row + 2
    final = data.state == FINAL and data.approval is not None
    # on the FINAL the signature stands right of the notes (one short line each, so its lines
    # keep their spacing), and the ranking keeps its size on the page
    narrow = SIGNATURE_COLUMN - 2 if final else None
    for line in (
        "Peringkat: rata-rata skor seluruh kab/kota provinsi (yang tidak melapor bernilai 0); skor sama "
        "berbagi peringkat.",
        f"Warna skor dan persentase: hijau ≥ {BAIK_MIN:g}, kuning {CUKUP_MIN:g}–<{BAIK_MIN:g}, merah < {CUKUP_MIN:g}.",
        f"Perubahan Skor: {UP} naik, {DOWN} turun, {NOT_REPORTED} = periode sebelumnya belum dikonsolidasi.",
        f"Kab/kota yang perlu perhatian ({_count(data, 'districts_kurang')} KURANG, "
        f"{_count(data, 'districts_tidak_melapor')} TIDAK MELAPOR): lembar Perlu Perhatian.",
        "Sebaran status per provinsi: lembar Status per Provinsi; rincian tiap kab/kota: laporan provinsinya.",
    ):
        note = layout.note(ws, note, line, last_column=narrow)
    if final:
        layout.signature_block(ws, data, first_note, column=SIGNATURE_COLUMN)
    ws.freeze_panes = ws.cell(row=header + 1, column=4)
    # the whole ranking on one sheet of paper (38 provinces: about 70 % of full size)
    layout.print_setup(ws, data, f"{top}:{header}", one_page=True)


def _count(data: NationalData, column: str) -> int:
    return int(data.total.get(column) or 0)


# --- Status per Provinsi ---------------------------------------------------------------------


def _status_sheet(ws: Worksheet, data: NationalData) -> None:
    headers = [
        "Peringkat",
        "Kode",
        "Provinsi",
        "Kab/Kota (jumlah)",
        *STATUSES,
        "Perlu Perhatian (KURANG + TIDAK MELAPOR)",
        "Perlu Perhatian (% kab/kota)",
    ]
    width = len(headers)
    sheets.set_widths(ws, [8, 5.5, 25, 9, 10, 10, 10, 10, 13, 11])
    top = layout.title_block(
        ws,
        data,
        "Status per Provinsi",
        "Berapa kab/kota tiap provinsi yang BAIK, CUKUP, KURANG, TIDAK MELAPOR? (urut peringkat provinsi)",
        width,
    )
    layout.header(ws, top, headers)
    for offset, status in enumerate(STATUSES):  # the status headers in their own colours
        cell = ws.cell(row=top, column=5 + offset)
        cell.fill = STATUS_FILLS[status]
        cell.font = sheets.font(bold=True, size=9)
    ws.row_dimensions[top].height = 58
    row = top + 1
    _status_row(ws, row, {**data.total, "province_name": NATION_LABEL}, nation=True)
    _nation_row(ws, row, width)
    for p in data.provinces:
        row += 1
        _status_row(ws, row, p)
    sheets.border_range(ws, top, row, 1, width)
    if data.provinces:
        share = sheets.table_ref(top + 1, row, width, width)
        ws.conditional_formatting.add(
            share,
            ColorScaleRule(
                start_type="num",
                start_value=0,
                start_color="FFFFFF",
                end_type="num",
                end_value=1,
                end_color="F8696B",
            ),
        )
    meanings = "; ".join(f"{s}: {STATUS_MEANINGS[s]}" for s in STATUSES)
    layout.note(
        ws,
        row + 2,
        f"Status kab/kota ({meanings}). Angka berwarna = ada kab/kota berstatus itu. Perlu Perhatian (%): "
        "makin merah makin besar bagian kab/kota provinsi yang KURANG atau TIDAK MELAPOR.",
    )
    ws.freeze_panes = ws.cell(row=top + 1, column=4)
    layout.print_setup(ws, data, f"{top}:{top}", one_page=True)  # beside the ranking, one page too


def _status_row(ws: Worksheet, row: int, p: dict[str, Any], nation: bool = False) -> None:
    if not nation:
        sheets.number_cell(ws, row, 1, p.get("rank"), sheets.INTEGER).alignment = sheets.CENTER
        sheets.text_cell(ws, row, 2, p.get("province_code"))
    sheets.text_cell(ws, row, 3, p.get("province_name")).alignment = Alignment(shrink_to_fit=True)
    total = int(p.get("districts_total") or 0)
    sheets.number_cell(ws, row, 4, total, sheets.INTEGER)
    for offset, status in enumerate(STATUSES):
        count = int(p.get(NATIONAL_STATUS_COLUMNS[status]) or 0)
        cell = sheets.number_cell(ws, row, 5 + offset, count, sheets.INTEGER)
        if count and not nation:
            cell.fill = STATUS_FILLS[status]
    attention = int(p.get("districts_kurang") or 0) + int(p.get("districts_tidak_melapor") or 0)
    sheets.number_cell(ws, row, 9, attention, sheets.INTEGER).font = sheets.BOLD
    sheets.number_cell(ws, row, 10, attention / total if total else None, sheets.PERCENT)


# --- Perlu Perhatian -------------------------------------------------------------------------


def _attention_sheet(ws: Worksheet, data: NationalData) -> None:
    """One table, one header repeated on every printed page: A. the lowest KURANG scores
    nationwide (lowest first); B. every district that did not report, by province, each
    province from a new page (a page can go to that province as it is)."""
    width = len(ATTENTION_COLUMNS)
    sheets.set_widths(ws, [w for _k, _h, w in ATTENTION_COLUMNS])
    kurang, silent = _count(data, "districts_kurang"), _count(data, "districts_tidak_melapor")
    top = layout.title_block(
        ws,
        data,
        "Perlu Perhatian",
        f"Kab/kota mana yang perlu perhatian? ({kurang} KURANG, {silent} TIDAK MELAPOR dari "
        f"{_count(data, 'districts_total')} kab/kota)",
        width,
    )
    layout.header(ws, top, [h for _k, h, _w in ATTENTION_COLUMNS])
    ws.row_dimensions[top].height = 45
    row = top + 1
    shown = len(data.lowest)
    heading = (
        f"A. {shown} kab/kota KURANG dengan skor terendah (dari {kurang} KURANG), terendah dulu"
        if kurang > shown
        else f"A. Kab/kota KURANG ({kurang}), skor terendah dulu"
    )
    _section(ws, row, heading, width)
    for d in data.lowest:
        row += 1
        _district_row(ws, row, d)
    if not data.lowest:
        row += 1
        sheets.text_cell(ws, row, 1, "Tidak ada kab/kota KURANG pada periode ini.")
    row += 1
    ws.row_breaks.append(Break(id=row - 1))  # part B starts a page
    _section(
        ws,
        row,
        f"B. Kab/kota yang TIDAK MELAPOR ({silent}), per provinsi; tiap provinsi mulai di halaman baru",
        width,
    )
    provinces = {p["province_code"]: p for p in data.provinces}
    current = None
    for d in data.not_reported:
        if d["province_code"] != current:
            if current is not None:
                ws.row_breaks.append(Break(id=row))  # the next province starts a page
            current = d["province_code"]
            row += 1
            _province_heading(ws, row, provinces.get(current, d), width)
        row += 1
        _district_row(ws, row, d)
        _silent_note(ws, row)
    if not data.not_reported:
        row += 1
        sheets.text_cell(ws, row, 1, "Semua kab/kota melapor pada periode ini.")
    sheets.border_range(ws, top, row, 1, width)
    ws.freeze_panes = ws.cell(row=top + 1, column=1)
    layout.print_setup(ws, data, f"{top}:{top}")


def _section(ws: Worksheet, row: int, text: str, width: int) -> None:
    cell = sheets.text_cell(ws, row, 1, text)
    cell.font = sheets.font(bold=True, size=11, color="1F4E78")
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
    ws.row_dimensions[row].height = 20


def _province_heading(ws: Worksheet, row: int, p: dict[str, Any], width: int) -> None:
    silent, total = p.get("districts_tidak_melapor"), p.get("districts_total")
    counted = f": {silent} dari {total} kab/kota tidak melapor" if total else ""
    cell = sheets.text_cell(ws, row, 1, f"Provinsi {p['province_name']} ({p['province_code']}){counted}")
    cell.font = sheets.BOLD
    for column in range(1, width + 1):
        ws.cell(row=row, column=column).fill = PROVINCE_FILL
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)


def _district_row(ws: Worksheet, row: int, d: dict[str, Any]) -> None:
    silent = d.get("status") == "TIDAK MELAPOR"
    for column, (key, _h, _w) in enumerate(ATTENTION_COLUMNS, start=1):
        value = d.get(key)
        if key in ("status", "previous_status"):
            if value is None:
                sheets.text_cell(ws, row, column, NOT_REPORTED).alignment = sheets.CENTER
            else:
                layout.status_cell(ws, row, column, value)
        elif key in ("province_name", "district_code", "district_name"):
            cell = sheets.text_cell(ws, row, column, value)
            if key != "district_code":
                cell.alignment = Alignment(shrink_to_fit=True)
        elif silent:
            continue  # no figure: the merged note says why (_silent_note)
        elif key == "score":
            _value_cell(ws, row, column, value, "score")
        elif key == "score_change":
            _value_cell(ws, row, column, value, "change")
        elif key in ("reports_received", "reports_on_time"):
            sheets.number_cell(ws, row, column, value, sheets.INTEGER)
        else:
            _value_cell(ws, row, column, value, "rate")


def _silent_note(ws: Worksheet, row: int) -> None:
    first, last = FIGURE_COLUMNS
    cell = sheets.text_cell(ws, row, first, "Tidak ada laporan diterima periode ini.")
    cell.font = sheets.NOTE_FONT
    ws.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)


# --- Metode ----------------------------------------------------------------------------------


def _method_sheet(ws: Worksheet, data: NationalData) -> None:
    w = ScoreWeights(*data.weights) if data.weights else ScoreWeights()
    day = data.deadline.day if data.deadline else 5
    last = sheets.local_time_text(data.deadline) if data.deadline else "-"
    names = ", ".join(
        f"{p['province_name']} ({p['province_code']})" for p in sorted(data.provinces, key=_code)
    )
    entries: list[tuple[str, str]] = [
        layout.REPORT_STATES_ENTRY,
        (
            "Cakupan",
            f"{len(data.provinces)} provinsi yang dilayani rekap, {_count(data, 'districts_total')} kab/kota "
            f"terdaftar: {names}.",
        ),
        (
            "Periode",
            f"{data.period.label_id} ({data.period.period_id}); minggu ISO (Senin–Minggu) yang hari "
            "Kamisnya jatuh dalam periode.",
        ),
        (
            "Batas waktu laporan",
            f"Laporan bulan M paling lambat akhir hari ke-{day} bulan M+1, waktu setempat kab/kota (WIB, WITA, "
            f"WIT); batas terakhir periode ini: {last}.",
        ),
        layout.score_entry(w),
        layout.STATUS_ENTRY,
        (
            "Rata-rata skor",
            "Provinsi: rata-rata skor seluruh kab/kota terdaftar di provinsi itu, yang TIDAK MELAPOR bernilai 0 "
            "(sama dengan laporan komprehensif provinsi). Nasional: rata-rata skor seluruh kab/kota semua provinsi "
            "(bukan rata-rata angka provinsi).",
        ),
        (
            "Peringkat provinsi",
            "1 = rata-rata skor tertinggi; rata-rata sama berbagi peringkat terendah.",
        ),
        (
            "Perubahan skor",
            "Rata-rata skor periode ini dikurangi rata-rata skor provinsi periode sebelumnya; – bila periode "
            "sebelumnya belum dikonsolidasi. Kab/kota: skornya dikurangi skor periode sebelumnya.",
        ),
        ("Kab/kota melapor", "Kab/kota dengan sedikitnya satu laporan bulanan diterima dalam periode."),
        (
            "Tingkat pelaporan",
            "Laporan bulanan yang diterima ÷ laporan yang diharapkan (kab/kota × 2 bulan), dijumlah per "
            "provinsi atau nasional (bukan rata-rata persentase).",
        ),
        (
            "Ketepatan waktu",
            "Laporan yang berkas pertamanya diterima sebelum batas waktu ÷ laporan yang diharapkan.",
        ),
        (
            "Kepatuhan pleno",
            "Minggu dengan sedikitnya satu pleno Rutin yang kuorum, dijumlah atas kab/kota ÷ (kab/kota × minggu "
            "periode). Kuorum: 2 × jumlah hadir > jumlah anggota.",
        ),
        ("Kegiatan pencegahan / peserta", "Jumlah kegiatan bertanggal dalam periode dan jumlah pesertanya."),
        (
            "Status per provinsi",
            "Jumlah kab/kota per status. Perlu Perhatian = KURANG + TIDAK MELAPOR; persentasenya atas kab/kota "
            "terdaftar provinsi.",
        ),
        (
            "Perlu Perhatian",
            f"A: kab/kota KURANG dengan skor terendah secara nasional (paling banyak {data.lowest_limit}). "
            "B: setiap kab/kota TIDAK MELAPOR, per provinsi (tiap provinsi di halaman sendiri), dengan status "
            "periode sebelumnya. Isian lengkap dan berbukti dukung seperti di laporan provinsi; berkas yang "
            "ditolak: lembar Kelengkapan Laporan provinsinya.",
        ),
        (
            "Sumber data",
            "Gudang data rekap: mart_national_period (satu baris per provinsi dan periode, dari "
            "mart_province_period dan mart_district_period), mart_district_period (kab/kota). Angka setiap "
            "provinsi sama dengan laporan komprehensif provinsinya.",
        ),
        (
            "Dibuat",
            f"{sheets.local_time_text(data.generated_at)} oleh rekap (Airflow: konsolidasi dua bulanan).",
        ),
    ]
    layout.method_sheet(ws, data, entries)


def _code(p: dict[str, Any]) -> str:
    return p["province_code"]
