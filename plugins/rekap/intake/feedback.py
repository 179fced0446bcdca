"""The district feedback workbook (metrics.md "The district feedback workbook").

One small workbook per processed file, written back into the district's feedback folder: the
status (also in the file name), when the file arrived against its month's deadline, the month's
own figures, why a file was refused, and every cell to fix with its address and the value as
typed. Beside it, for a file with row-level issues, ``Ditandai_…``: a copy of the district's own
workbook with each problem cell filled and commented.

The wording lives here once: ``rekap validate`` prints the same lines (``verdict_lines``,
``issue_line``, ``what_to_do``) as the workbook shows. Everything the district reads is in
Indonesian; everything that came from its file is written as plain text (rekap.sheets).
"""

from __future__ import annotations

import io
import logging
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO

from openpyxl import load_workbook
from openpyxl.cell.cell import MergedCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, PatternFill

from rekap import sheets
from rekap.intake.files import read_and_hash
from rekap.intake.highlight_xlsx import above, mark_cells
from rekap.intake.small_xlsx import Book, Sheet, Style
from rekap.periods import next_month, report_deadline, week_monday, weeks_of_month
from rekap.registry import District
from rekap.report import cells, vocab
from rekap.report.model import ACCEPTED, ACCEPTED_WITH_ISSUES, REJECTED, STATUS_LABELS, Issue, Report
from rekap.settings import DEFAULT_DEADLINE_DAY

log = logging.getLogger(__name__)

DUPLICATE = "duplicate"
STATUS_DUPLICATE = "TIDAK DIMUAT ULANG"
UNKNOWN_MONTH = "bulan-tidak-terbaca"  # never pretend a file we could not read has a month
EMPTY_VALUE = "(kosong)"  # how an empty cell is quoted; "-" is quoted as "-"
TEMPLATE_WORD = "templat"  # one word for the template, everywhere districts read (KBBI: templat)

ISSUE_HEADERS = ("Lembar", "Sel", "Baris", "Kolom", "Isian tertulis", "Masalah dan yang diharapkan")

# The status as the file name carries it, so a clerk opens the right file.
NAME_STATUS = {
    ACCEPTED: "DITERIMA",
    ACCEPTED_WITH_ISSUES: "CATATAN",
    REJECTED: "DITOLAK",
    DUPLICATE: "DUPLIKAT",
}

HIGHLIGHT = PatternFill("solid", fgColor="FFC7CE")
COMMENT_AUTHOR = "Bawaslu Provinsi"
# The copy is made in memory (its parts, or openpyxl's whole workbook): only for files whose
# sheets unpack to at most this many bytes (a district month is far below; accepted files have
# passed the size limits already, this keeps a worker safe on odd ones).
HIGHLIGHT_MAX_SHEET_BYTES = 25 * 1024 * 1024

_FILLS = {
    ACCEPTED: sheets.GREEN,
    ACCEPTED_WITH_ISSUES: sheets.YELLOW,
    REJECTED: sheets.RED,
    DUPLICATE: sheets.BLUE,
}


@dataclass(frozen=True)
class Timing:
    """When the file arrived (None: not submitted yet, as in ``rekap validate``) and the
    deadline setting (the report of month M is due by this day of M+1)."""

    deadline_day: int = DEFAULT_DEADLINE_DAY
    received_at: datetime | None = None


@dataclass(frozen=True)
class MonthFigures:
    """The month's own figures (metrics.md rules, for this file alone)."""

    weeks: tuple[tuple[int, int], ...]  # ISO weeks whose Thursday lies in the month
    weeks_with_pleno: frozenset[tuple[int, int]]  # ... holding a quorate Rutin pleno
    activities: int  # prevention activities dated in the month, each counted once
    documented: int  # ... whose Bukti Dukung is present

    @property
    def weeks_without_pleno(self) -> list[tuple[int, int]]:
        return [w for w in self.weeks if w not in self.weeks_with_pleno]


# --- names -------------------------------------------------------------------------------


def status_key(report: Report) -> str:
    return DUPLICATE if report.rejection_code == DUPLICATE else report.status


def feedback_filename(district_code: str, report: Report, now_local: datetime) -> str:
    """``Umpan_Balik_3603_2026-01_CATATAN_20261124-100000.xlsx``; ``bulan-tidak-terbaca`` when
    the month is unknown."""
    ident = report.identity
    period = f"{ident.year:04d}-{ident.month:02d}" if ident else UNKNOWN_MONTH
    return (
        f"Umpan_Balik_{district_code}_{period}_{NAME_STATUS[status_key(report)]}_"
        f"{now_local:%Y%m%d-%H%M%S}.xlsx"
    )


def highlighted_filename(source_name: str, now_local: datetime) -> str:
    """``Ditandai_<original stem>_<timestamp>.xlsx``."""
    return f"Ditandai_{Path(source_name).stem}_{now_local:%Y%m%d-%H%M%S}.xlsx"


# --- pure rules ----------------------------------------------------------------------------


def days_late(received_at: datetime, deadline: datetime) -> int:
    """Calendar days after the deadline day, in the deadline's time zone (0: on time)."""
    if received_at <= deadline:
        return 0
    received_day = received_at.astimezone(deadline.tzinfo).date()
    return max(1, (received_day - deadline.date()).days)


def month_figures(report: Report) -> MonthFigures | None:
    """Weeks of the month with a quorate Rutin pleno, activities and documented activities of one
    validated report, by the rules of metrics.md: quorate ⇔ 2 × Jumlah Hadir > Jumlah Anggota
    (an invalid Jumlah Hadir is absent); a record is placed by its date, else on the 1st of the
    month; a pleno counts for the week holding its date; the same activity (date + Jenis + Nama
    + Lokasi) counts once. None for a rejected file."""
    ident = report.identity
    if report.rejection or ident is None:
        return None
    weeks = tuple(weeks_of_month(ident.year, ident.month))
    with_pleno = set()
    for record in report.records.get(vocab.PLENO, []):
        attendance = record.value("attendance") if record.cells["attendance"].readable else None
        quorate = isinstance(attendance, int) and 2 * attendance > ident.members
        if quorate and record.value("pleno_type") == "Rutin":
            iso = report.placed_date(record).isocalendar()
            if (iso[0], iso[1]) in weeks:
                with_pleno.add((iso[0], iso[1]))
    seen: set[tuple] = set()
    activities = documented = 0
    for record in report.records.get(vocab.PENCEGAHAN, []):
        placed = report.placed_date(record)
        if (placed.year, placed.month) != (ident.year, ident.month):
            continue
        parts = (
            record.value("activity_type"),
            cells.normalise_key(record.cells["activity_name"].text),
            cells.normalise_key(record.cells["location"].text),
        )
        key = (placed, *parts) if all(parts) else (placed, "row", record.row)
        if key in seen:
            continue
        seen.add(key)
        activities += 1
        documented += record.value("evidence") is True
    return MonthFigures(weeks, frozenset(with_pleno), activities, documented)


# --- the wording, shared by the workbook and `rekap validate` -------------------------------


def _date_text(moment: datetime) -> str:
    return f"{moment.day} {vocab.month_name(moment.month)} {moment.year}"


def deadline_text(deadline: datetime) -> str:
    """``5 Februari 2026 pukul 23.59 WIB``."""
    return f"{_date_text(deadline)} pukul 23.59 {deadline.tzname()}"


def _deadline(report: Report, district: District | None, timing: Timing) -> datetime | None:
    ident = report.identity
    if ident is None or district is None:
        return None
    return report_deadline(ident.year, ident.month, timing.deadline_day, district.zone)


def _week_text(week: tuple[int, int]) -> str:
    monday = week_monday(*week)
    sunday = monday + timedelta(days=6)
    return f"{monday:%d/%m}–{sunday:%d/%m}"


def figures_lines(figures: MonthFigures) -> list[tuple[str, str]]:
    weeks = len(figures.weeks)
    pleno = f"{len(figures.weeks_with_pleno)} dari {weeks} minggu"
    missing = figures.weeks_without_pleno
    if missing:
        pleno += f" (minggu tanpa pleno Rutin yang kuorum: {', '.join(_week_text(w) for w in missing)})"
    documented = (
        f"{figures.documented} dari {figures.activities} kegiatan "
        f"({round(100 * figures.documented / figures.activities)}%)"
        if figures.activities
        else "tidak ada kegiatan"
    )
    return [
        ("Minggu dengan pleno Rutin kuorum", pleno),
        ("Kegiatan pencegahan", str(figures.activities)),
        ("Kegiatan dengan bukti dukung", documented),
    ]


def timeliness_text(received_at: datetime, deadline: datetime) -> str:
    late = days_late(received_at, deadline)
    return f"TERLAMBAT {late} hari" if late else "Tepat waktu"


def verdict_lines(report: Report, district: District | None, timing: Timing) -> list[tuple[str, str]]:
    """Label/text lines of the verdict, in reading order (the workbook's Ringkasan and the
    output of ``rekap validate``)."""
    key = status_key(report)
    ident = report.identity
    if ident:
        month = f"{vocab.month_name(ident.month)} {ident.year}"
    else:  # a duplicate is not read again; a rejected file may have no readable month
        month = "tidak diperiksa ulang" if key == DUPLICATE else "tidak terbaca"
    if district is not None:
        who = f"{district.dotted_code} – {district.district_name}"
    else:
        who = ident.district_code if ident else "tidak terbaca"
    lines = [("Kabupaten/Kota", who), ("Berkas", report.file_name), ("Bulan laporan", month)]
    deadline = _deadline(report, district, timing)
    if timing.received_at is not None:
        lines.append(("Diterima", sheets.local_time_text(_local(timing.received_at, district))))
    if deadline is not None and key != DUPLICATE:
        lines.append(("Batas waktu", deadline_text(deadline)))
        if timing.received_at is not None and key != REJECTED:
            lines.append(("Ketepatan waktu", timeliness_text(timing.received_at, deadline)))
    lines.append(("Status", _status_text(key)))
    if key == DUPLICATE:
        lines.append(("Keterangan", report.rejection or ""))
    elif key == REJECTED:
        lines.append(("Alasan penolakan", report.rejection or ""))
    figures = month_figures(report)
    if figures is not None:
        lines += figures_lines(figures)
        counts = report.record_counts()
        lines.append(
            (
                "Baris terbaca",
                ", ".join(f"{vocab.SHEET_NAMES[kind]} {n}" for kind, n in counts.items()),
            )
        )
        lines.append(("Catatan per baris", str(len(report.issues))))
    return lines


def _local(moment: datetime, district: District | None) -> datetime:
    return moment.astimezone(district.zone) if district is not None else moment


def _status_text(key: str) -> str:
    return STATUS_DUPLICATE if key == DUPLICATE else STATUS_LABELS[key]


def value_text(issue: Issue) -> str:
    """The value as typed: ``-`` shows ``-``, an empty cell ``(kosong)``."""
    return issue.value if issue.value is not None else EMPTY_VALUE


def where_text(issue: Issue) -> str:
    """``Pleno sel E5 (baris 5, kolom Jumlah Hadir)``."""
    cell = f" sel {issue.cell}" if issue.cell else ""
    return f"{issue.sheet}{cell} (baris {issue.row}, kolom {issue.column})"


def issue_line(issue: Issue) -> str:
    return f"{where_text(issue)}: tertulis {value_text(issue)!s} — {issue.problem}"


def what_to_do(report: Report, district: District | None, timing: Timing, now: datetime | None = None) -> str:
    """What the district should do now, with the deadline where it matters."""
    key = status_key(report)
    deadline = _deadline(report, district, timing)
    code = district.district_code if district else (report.identity.district_code if report.identity else "")
    folder = f"folder inbox/{code}/" if code else "folder kab/kota Anda"
    late = (
        days_late(timing.received_at, deadline)
        if deadline is not None and timing.received_at is not None
        else 0
    )
    late_text = ""
    if late:
        ident = report.identity
        y, m = next_month(ident.year, ident.month)
        following = report_deadline(y, m, timing.deadline_day, district.zone)
        late_text = (
            f" Laporan ini TERLAMBAT {late} hari dari batas waktu {deadline_text(deadline)}; keterlambatan "
            f"tidak dapat diperbaiki lagi. Kirim laporan {vocab.month_name(m)} {y} paling lambat "
            f"{deadline_text(following)}."
        )
    if key == ACCEPTED:
        return (
            "Laporan sudah diterima dan dihitung dalam rekap provinsi. Tidak ada isian yang perlu diperbaiki."
            f"{late_text} Simpan berkas ini sebagai tanda terima."
        )
    if key == ACCEPTED_WITH_ISSUES:
        return (
            "Laporan diterima dan dihitung, tetapi ada isian yang perlu diperbaiki (daftar catatan: lembar, sel, "
            "isian tertulis dan yang diharapkan). Isian yang bermasalah tidak ikut dihitung sehingga dapat "
            "menurunkan nilai kab/kota Anda. Perbaiki isian tersebut pada berkas laporan Anda, lalu unggah "
            f"kembali ke {folder}: berkas baru untuk bulan yang sama menggantikan berkas ini.{late_text}"
        )
    if key == REJECTED:
        if deadline is None:
            when = (
                f"paling lambat tanggal {timing.deadline_day} bulan sesudah bulan laporan (pukul 23.59 waktu "
                "setempat)"
            )
        elif (timing.received_at or now or datetime.now(deadline.tzinfo)) > deadline:
            when = f"secepatnya: batas waktu {deadline_text(deadline)} sudah lewat, laporan akan tercatat terlambat"
        else:
            when = f"paling lambat {deadline_text(deadline)}"
        return (
            "Laporan TIDAK dimuat dan belum dihitung dalam rekap provinsi. Perbaiki berkas sesuai alasan "
            f"penolakan, lalu unggah kembali ke {folder} {when}. Gunakan {TEMPLATE_WORD} laporan resmi untuk "
            f"bulan tersebut; {TEMPLATE_WORD} dikirim oleh operator Bawaslu Provinsi (mintalah kepada operator "
            "bila belum ada)."
        )
    return (
        "Tidak ada yang perlu dilakukan bila berkas ini terkirim dua kali tanpa sengaja: laporan identik "
        "yang sudah diterima sebelumnya tetap berlaku. Bila ingin memperbaiki laporan, ubah isinya lalu "
        "unggah kembali."
    )


# --- the feedback workbook -------------------------------------------------------------------
# Written by small_xlsx, not openpyxl: one is written for every file an intake run processes, and
# openpyxl's fixed cost per workbook (~5 ms, write-only mode too) was most of the feedback's
# cost. The styles are sheets.py's; small_xlsx keeps the file as openpyxl wrote it.

_STATUS_FONT = sheets.font(bold=True, size=13)
_STATUS_ALIGNMENT = Alignment(vertical="center")
_TITLE = "title"
_LABEL = "label"
_TEXT = "text"
_STATUS_LABEL = "status_label"
_LATE = "late"
_SUBTITLE = "subtitle"
_SUBTITLE_LABEL = "subtitle_label"
_HEADER = "header"
_ISSUE = "issue"
_STYLES = {
    _TITLE: Style(font=sheets.TITLE_FONT),
    _LABEL: Style(font=sheets.BOLD, alignment=sheets.WRAP_TOP),
    _TEXT: Style(alignment=sheets.WRAP_TOP),
    _STATUS_LABEL: Style(font=sheets.BOLD),
    **{key: Style(_STATUS_FONT, fill, _STATUS_ALIGNMENT) for key, fill in _FILLS.items()},  # the status
    _LATE: Style(sheets.BOLD, sheets.RED, sheets.WRAP_TOP),
    _SUBTITLE: Style(font=sheets.SUBTITLE_FONT),
    _SUBTITLE_LABEL: Style(font=sheets.SUBTITLE_FONT, alignment=sheets.WRAP_TOP),
    _HEADER: Style(sheets.HEADER_FONT, sheets.HEADER_FILL, sheets.HEADER_ALIGNMENT, sheets.BORDER),
    _ISSUE: Style(alignment=sheets.WRAP_TOP, border=sheets.BORDER),
}
_BOOK = Book(("Ringkasan", "Catatan"), _STYLES)


def write_feedback(
    report: Report,
    district: District,
    folder: Path,
    now_local: datetime,
    note: str | None,
    timing: Timing | None = None,
    highlighted: Path | None = None,
) -> Path:
    """Write the feedback workbook for one processed file into ``folder``; return its path.
    ``highlighted``: the ``Ditandai_…`` copy written beside it, if any.

    The caller (intake) writes into a scratch folder and renames the file into place, so a
    same-second name already in ``folder`` is simply replaced here."""
    timing = timing or Timing()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / feedback_filename(district.district_code, report, now_local)
    summary = _summary_sheet(report, district, now_local, timing, highlighted)
    return _BOOK.write(path, [summary, _issues_sheet(report)])


def _summary_sheet(
    report: Report, district: District, now_local: datetime, timing: Timing, highlighted: Path | None
) -> Sheet:
    ws = Sheet("Ringkasan", widths=[30, 86], landscape=False, one_page=True)
    key = status_key(report)
    ws.text(1, 1, "UMPAN BALIK PEMROSESAN LAPORAN BULANAN", _TITLE)
    ws.text(2, 1, f"Bawaslu Provinsi {district.province_name}")
    row = 4
    lines = verdict_lines(report, district, timing)
    after = next(i for i, (label, _) in enumerate(lines) if label == "Status")  # before the status
    lines.insert(after, ("Waktu diproses", sheets.local_time_text(now_local)))
    for label, text in lines:
        if label == "Status":
            ws.text(row, 1, label, _STATUS_LABEL)
            ws.text(row, 2, text, key)
            ws.height(row, 22)
            row += 1
        elif label == "Ketepatan waktu" and text.startswith("TERLAMBAT"):
            row = _wrapped(ws, row, label, text, _LATE)
        else:
            row = _wrapped(ws, row, label, text)
    if key == ACCEPTED_WITH_ISSUES:
        if highlighted is not None:
            copy = f"{highlighted.name} (di folder yang sama): salinan laporan Anda, sel bermasalah diwarnai merah"
            copy += " dan diberi komentar."
        else:
            copy = "tidak dibuat untuk berkas ini; lihat daftar di lembar Catatan."
        row = _wrapped(ws, row, "Salinan bertanda", copy)
    row += 1
    if report.warnings:
        ws.text(row, 1, "Peringatan", _SUBTITLE)
        row += 1
        for warning in report.warnings:
            row = _wrapped(ws, row, "•", warning)
        row += 1
    todo = what_to_do(report, district, timing, now_local)
    _wrapped(ws, row, "Apa yang harus dilakukan", todo, label_style=_SUBTITLE_LABEL)
    return ws


def _wrapped(
    ws: Sheet, row: int, label: str, text: str | None, style: str = _TEXT, label_style: str = _LABEL
) -> int:
    """A label and a long text (possibly from the district) in a wrapped cell tall enough to read."""
    ws.text(row, 1, label, label_style)
    ws.text(row, 2, text, style)
    # LibreOffice/Excel do not grow rows whose height the file sets: tall enough for the wrapped
    # text (~80 characters a line in column B) and the wrapped bold label (~26 in column A).
    lines = max(wrapped_lines(text or "", 80), wrapped_lines(label, 26))
    ws.height(row, max(15, 15 * lines))
    return row + 1


def wrapped_lines(text: str, per_line: int) -> int:
    """The lines a wrapped cell shows ``text`` in, breaking at spaces as spreadsheets do (a
    word longer than a line is broken inside)."""
    lines = 0
    for paragraph in text.split("\n"):
        lines += 1
        used = 0
        for word in paragraph.split(" "):
            if used and used + 1 + len(word) > per_line:  # the word starts a new line
                lines += 1
                used = 0
            used = used + 1 + len(word) if used else len(word)
            while used > per_line:  # a word longer than a line
                lines += 1
                used -= per_line
    return lines


def issue_rows(report: Report) -> list[tuple[str, str, int, str, str, str]]:
    """The Catatan table: sheet, cell, row, column, value as typed, problem."""
    return [(i.sheet, i.cell, i.row, i.column, value_text(i), i.problem) for i in report.issues]


def _issues_sheet(report: Report) -> Sheet:
    widths = [13, 7, 7, 18, 26, 60]
    # A column is widened when its header's longest word would break (as sheets.header_row does).
    shown = [max(w, sheets.header_width(h)) for w, h in zip(widths, ISSUE_HEADERS, strict=True)]
    ws = Sheet("Catatan", widths=shown, freeze_header=True, title_rows="1:1")
    for column, title in enumerate(ISSUE_HEADERS, start=1):
        ws.text(1, column, title, _HEADER)
    last_column = len(ISSUE_HEADERS)
    if not report.issues:
        message = (
            "Berkas tidak dimuat, sehingga isinya belum diperiksa per baris."
            if report.rejection
            else "Tidak ada catatan: semua baris terbaca dengan benar."
        )
        ws.text(2, 1, message)
        ws.autofilter = sheets.table_ref(1, 1, 1, last_column)
        return ws
    for row, (sheet, cell, excel_row, column, value, problem) in enumerate(issue_rows(report), start=2):
        ws.text(row, 1, sheet, _ISSUE)
        ws.text(row, 2, cell, _ISSUE)
        ws.number(row, 3, excel_row, _ISSUE)
        ws.text(row, 4, column, _ISSUE)
        ws.text(row, 5, value, _ISSUE)
        ws.text(row, 6, problem, _ISSUE)
        # Rows whose height the file sets do not grow: size them for the longest wrapped text.
        lines = max(1 + len(value) // (widths[4] - 2), 1 + len(problem) // (widths[5] - 4))
        ws.height(row, 15 * lines)
    ws.autofilter = sheets.table_ref(1, len(report.issues) + 1, 1, last_column)
    return ws


# --- the highlighted copy --------------------------------------------------------------------


def write_highlighted(
    report: Report, source: Path, folder: Path, now_local: datetime, content: bytes | None = None
) -> Path | None:
    """``Ditandai_<stem>_<timestamp>.xlsx`` in ``folder``: the district's own workbook with every
    problem cell filled and commented with what to fix. Only for an accepted .xlsx with row-level
    issues; None when no copy is made (nothing to mark, not .xlsx, too big, or neither writer can
    make it from what the reader could read), the feedback then says so. ``content``: the file's
    bytes as the intake read and checked them, so the copy marks that version; None: read here,
    never through a link. Written by editing the file's parts (rekap.intake.highlight_xlsx);
    what that does not cover goes through openpyxl, the same marks."""
    if report.rejection or not report.issues or source.suffix.lower() != ".xlsx":
        return None
    path = folder / highlighted_filename(report.file_name, now_local)
    try:
        if content is None:
            _digest, content = read_and_hash(source, keep_up_to=HIGHLIGHT_MAX_SHEET_BYTES)
            if content is None:
                return None
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            sheet_bytes = sum(
                i.file_size for i in archive.infolist() if i.filename.startswith("xl/worksheets/")
            )
        if sheet_bytes > HIGHLIGHT_MAX_SHEET_BYTES:
            return None
        notes = highlight_notes(report)
        folder.mkdir(parents=True, exist_ok=True)
        if mark_cells(io.BytesIO(content), path, notes, HIGHLIGHT, highlight_comment):
            return path
        return _highlight_with_openpyxl(io.BytesIO(content), path, notes)
    except Exception:  # the copy is a courtesy: an odd file gets its feedback without it
        log.warning("no highlighted copy of %s", source, exc_info=True)
        path.unlink(missing_ok=True)
        return None


def highlight_notes(report: Report) -> dict[tuple[str, str], str]:
    """(sheet name stripped and lower-cased, cell) -> the comment: what to fix there."""
    by_cell: dict[tuple[str, str], list[Issue]] = defaultdict(list)
    for issue in report.issues:
        if issue.cell:
            by_cell[(issue.sheet.strip().lower(), issue.cell.upper())].append(issue)
    return {key: "\n".join(f"• {i.column}: {i.problem}" for i in issues) for key, issues in by_cell.items()}


def highlight_comment(text: str) -> Comment:
    """The comment on a problem cell, sized to show its text without opening it."""
    comment = Comment(text, COMMENT_AUTHOR)
    comment.width, comment.height = 320, 40 + 20 * (len(text) // 45 + text.count("\n"))
    return comment


def _highlight_with_openpyxl(source: IO[bytes], path: Path, notes: dict[tuple[str, str], str]) -> Path | None:
    """The same marks through openpyxl, which loads and re-saves the whole workbook: for what
    the direct edit does not cover (a district's own comments are kept below ours)."""
    try:
        wb = load_workbook(source)
    except Exception:  # what openpyxl cannot open gets its feedback without the copy
        return None
    names = {name.strip().lower(): name for name in wb.sheetnames}
    for (sheet, address), text in notes.items():
        name = names.get(sheet)
        if name is None:
            continue
        cell = _top_left(wb[name], address)
        cell.fill = HIGHLIGHT
        if cell.comment is not None:  # keep what the district (or the previous note) wrote there
            text = above(text, cell.comment.text)
        cell.comment = highlight_comment(text)
    wb.save(path)
    return path


def _top_left(ws, address: str):
    """The cell itself, or the top-left cell of the merged range it lies in (whose value the
    reader used)."""
    cell = ws[address]
    if isinstance(cell, MergedCell):
        for merged in ws.merged_cells.ranges:
            if address in merged:
                return ws.cell(row=merged.min_row, column=merged.min_col)
    return cell
