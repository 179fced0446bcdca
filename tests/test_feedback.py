"""The district feedback workbook, on real district files read by the real checker."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from rekap.intake.feedback import (
    ISSUE_HEADERS,
    Timing,
    feedback_filename,
    figures_lines,
    issue_line,
    month_figures,
    timeliness_text,
    verdict_lines,
    what_to_do,
    write_feedback,
    write_highlighted,
)
from rekap.periods import report_deadline
from rekap.report.check import check_file
from rekap.report.model import ACCEPTED, ACCEPTED_WITH_ISSUES, REJECTED, Identity, Issue, Report
from workbooks import PLENO_HEADERS, pencegahan_row, pleno_row, write_report

FORMULA_LIKE = '=HYPERLINK("http://x.example","klik")'


def summary(ws) -> dict[str, object]:
    """Ringkasan as label -> value (column A -> column B)."""
    return {row[0].value: row[1].value for row in ws.iter_rows(min_col=1, max_col=2) if row[0].value}


def all_cells(wb):
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            yield from row


def assert_no_formulas(wb) -> None:
    formulas = [(c.parent.title, c.coordinate, c.value) for c in all_cells(wb) if c.data_type == "f"]
    assert formulas == []


def fill_of(cell) -> str:
    return cell.fill.fgColor.rgb[-6:]


def as_text_in_district_file(path, sheet: str, coordinate: str, text: str) -> None:
    """Put ``text`` in a district file as a typed text cell (as Excel stores '=... typed after an
    apostrophe); openpyxl would otherwise store it as a formula with no value."""
    wb = load_workbook(path)
    cell = wb[sheet][coordinate]
    cell.value = text
    cell.data_type = "s"
    wb.save(path)


@pytest.fixture
def tangerang(banten):
    return banten.get("3603")


def test_filename_carries_status_and_month(tmp_path):
    wib = datetime(2026, 11, 24, 10, 0, 5, tzinfo=ZoneInfo("Asia/Jakarta"))
    report = Report(path=tmp_path / "x.xlsx", identity=Identity("3603", 2026, 1, 5))
    assert feedback_filename("3603", report, wib) == "Umpan_Balik_3603_2026-01_DITERIMA_20261124-100005.xlsx"
    report.issues.append(Issue("Pleno", 5, "Tanggal", None, "x", cell="B5"))
    assert feedback_filename("3603", report, wib) == "Umpan_Balik_3603_2026-01_CATATAN_20261124-100005.xlsx"
    report.reject("wrong_district", "x")
    assert feedback_filename("3603", report, wib) == "Umpan_Balik_3603_2026-01_DITOLAK_20261124-100005.xlsx"
    unread = Report(path=tmp_path / "x.xlsx").reject("not_a_workbook", "x")
    assert feedback_filename("3603", unread, wib) == (
        "Umpan_Balik_3603_bulan-tidak-terbaca_DITOLAK_20261124-100005.xlsx"
    )
    assert feedback_filename("7471", unread, wib.astimezone(ZoneInfo("Asia/Makassar"))).endswith(
        "_DITOLAK_20261124-110005.xlsx"
    )


def test_accepted_report(tmp_path, banten, tangerang, now):
    path = write_report(
        tmp_path / "in" / "Laporan Januari.xlsx",
        pleno=[pleno_row(1, date(2026, 1, 5)), pleno_row(2, date(2026, 1, 12))],
        pencegahan=[pencegahan_row(1, date(2026, 1, 19))],
    )
    report = check_file(path, banten, now, folder_district="3603")
    assert report.status == ACCEPTED, report.issues

    folder = tmp_path / "feedback" / "3603"  # does not exist yet
    out = write_feedback(report, tangerang, folder, now.astimezone(tangerang.zone), None)
    assert out == folder / "Umpan_Balik_3603_2026-01_DITERIMA_20261124-100000.xlsx"
    assert out.exists()

    wb = load_workbook(out)
    assert wb.sheetnames == ["Ringkasan", "Catatan"]
    info = summary(wb["Ringkasan"])
    assert info["Kabupaten/Kota"] == "36.03 – Kabupaten Tangerang"
    assert info["Berkas"] == "Laporan Januari.xlsx"
    assert info["Bulan laporan"] == "Januari 2026"
    assert info["Waktu diproses"] == "24/11/2026 10:00 WIB"
    assert info["Status"] == "DITERIMA"
    assert info["Baris terbaca"] == "Pleno 2, Pencegahan 1, Kelembagaan 0"
    assert info["Catatan per baris"] == "0"
    assert info["Batas waktu"] == "5 Februari 2026 pukul 23.59 WIB"
    assert "Alasan penolakan" not in info
    assert "Tidak ada isian yang perlu diperbaiki" in info["Apa yang harus dilakukan"]
    status = next(c for c in all_cells(wb) if c.value == "DITERIMA")
    assert fill_of(status) == "C6EFCE"

    notes = wb["Catatan"]
    assert [c.value for c in notes[1]] == list(ISSUE_HEADERS)
    assert notes["A2"].value.startswith("Tidak ada catatan")
    assert notes.max_row == 2
    assert_no_formulas(wb)


def test_accepted_with_issues_lists_every_issue_as_text(tmp_path, banten, tangerang, now):
    path = write_report(
        tmp_path / "Laporan Januari.xlsx",
        pleno=[pleno_row(1, date(2026, 1, 5)), pleno_row(2, "bukan tanggal", jenis="placeholder")],
        pencegahan=[
            pencegahan_row(1, date(2026, 1, 7), peserta="-5"),
            pencegahan_row(2, date(2026, 1, 8), peserta="@25"),
        ],
    )
    as_text_in_district_file(path, "Pleno", "C3", FORMULA_LIKE)  # Jenis Pleno of the 2nd pleno
    report = check_file(path, banten, now, folder_district="3603")
    assert report.status == ACCEPTED_WITH_ISSUES
    values = {i.value for i in report.issues}
    assert {FORMULA_LIKE, "-5", "@25", "bukan tanggal"} <= values

    out = write_feedback(report, tangerang, tmp_path / "fb", now.astimezone(tangerang.zone), None)
    wb = load_workbook(out)
    info = summary(wb["Ringkasan"])
    assert info["Status"] == "DITERIMA DENGAN CATATAN"
    assert info["Catatan per baris"] == str(len(report.issues))
    assert "daftar catatan" in info["Apa yang harus dilakukan"]
    status = next(c for c in all_cells(wb) if c.value == "DITERIMA DENGAN CATATAN")
    assert fill_of(status) == "FFEB9C"

    notes = wb["Catatan"]
    rows = [tuple(c.value for c in row) for row in notes.iter_rows(min_row=2)]
    assert rows == [(i.sheet, i.cell, i.row, i.column, i.value, i.problem) for i in report.issues]
    assert all(isinstance(r[2], int) for r in rows)  # Excel row numbers stay numbers
    for cell in notes["E"][1:]:
        assert cell.data_type == "s", (cell.coordinate, cell.value)
    formula_like = next(c for c in notes["E"] if c.value == FORMULA_LIKE)
    assert formula_like.data_type != "f"
    assert notes.freeze_panes == "A2"
    assert notes.auto_filter.ref == f"A1:F{len(report.issues) + 1}"
    assert_no_formulas(wb)


def test_rejected_report_gives_reason_and_what_to_do(tmp_path, banten, tangerang, now):
    path = write_report(tmp_path / "r.xlsx", district="36.01", pleno=[pleno_row(1, date(2026, 1, 5))])
    report = check_file(path, banten, now, folder_district="3603")
    assert report.status == REJECTED

    out = write_feedback(report, tangerang, tmp_path / "fb", now.astimezone(tangerang.zone), None)
    wb = load_workbook(out)
    info = summary(wb["Ringkasan"])
    assert info["Status"] == "DITOLAK"
    assert info["Alasan penolakan"] == report.rejection
    assert "folder 3603" in info["Alasan penolakan"]
    assert "unggah kembali" in info["Apa yang harus dilakukan"]
    assert "Lembar Pleno" not in info  # nothing was loaded: no misleading zero counts
    status = next(c for c in all_cells(wb) if c.value == "DITOLAK")
    assert fill_of(status) == "FFC7CE"
    assert wb["Catatan"]["A2"].value.startswith("Berkas tidak dimuat")
    assert_no_formulas(wb)


def test_unreadable_file_is_named_without_a_month(tmp_path, banten, tangerang, now):
    path = tmp_path / "rusak.xlsx"
    path.write_bytes(b"this is not a workbook")
    report = check_file(path, banten, now, folder_district="3603")
    assert report.status == REJECTED and report.identity is None

    out = write_feedback(report, tangerang, tmp_path / "fb", now.astimezone(tangerang.zone), None)
    assert out.name == "Umpan_Balik_3603_bulan-tidak-terbaca_DITOLAK_20261124-100000.xlsx"
    info = summary(load_workbook(out)["Ringkasan"])
    assert info["Status"] == "DITOLAK" and info["Bulan laporan"] == "tidak terbaca"
    assert info["Alasan penolakan"]


def test_duplicate_is_not_reloaded_not_rejected(tmp_path, tangerang):
    note = (
        "Berkas ini sama persis (isi identik) dengan berkas 'Laporan Januari.xlsx' yang sudah diproses "
        "pada 24/11/2026 09:58; tidak dimuat ulang."
    )
    report = Report(path=tmp_path / "Laporan Januari (1).xlsx").reject("duplicate", note)
    when = datetime(2026, 11, 24, 3, 5, tzinfo=UTC).astimezone(tangerang.zone)

    out = write_feedback(report, tangerang, tmp_path / "fb", when, note)
    wb = load_workbook(out)
    info = summary(wb["Ringkasan"])
    assert info["Status"] == "TIDAK DIMUAT ULANG"
    assert info["Keterangan"] == note
    assert info["Berkas"] == "Laporan Januari (1).xlsx"
    assert not any(c.value == "DITOLAK" for c in all_cells(wb))
    assert "Alasan penolakan" not in info
    assert re.fullmatch(r"Umpan_Balik_3603_bulan-tidak-terbaca_DUPLIKAT_20261124-100500\.xlsx", out.name)
    assert_no_formulas(wb)


def test_district_text_never_becomes_a_formula(tmp_path, tangerang):
    """File names and warnings come from districts too: '=', '+', '-', '@' stay plain text, and
    markup characters and edge spaces stay exactly as typed."""
    tricky = ["=1+1", "+62 812", "-5", "@25", FORMULA_LIKE, "<b>x</b> & 'y' &amp;", "  tepi  "]
    report = Report(path=tmp_path / "=cmd|'calc'!A0.xlsx")
    report.warnings.extend(tricky)
    now_local = datetime(2026, 11, 24, 10, 0, tzinfo=tangerang.zone)

    wb = load_workbook(write_feedback(report, tangerang, tmp_path / "fb", now_local, None))
    ws = wb["Ringkasan"]
    texts = {c.value: c for c in all_cells(wb) if isinstance(c.value, str)}
    for value in [*tricky, "=cmd|'calc'!A0.xlsx"]:
        assert value in texts, value
        assert texts[value].data_type == "s"
    assert summary(ws)["Berkas"] == "=cmd|'calc'!A0.xlsx"
    assert_no_formulas(wb)


# --- feedback v2: lateness, figures, addresses, the highlighted copy ---------------------------

WIB = ZoneInfo("Asia/Jakarta")


def _issues_report(tmp_path, banten, now):
    """Title rows and reordered columns, so cell addresses are not the template's."""
    headers = ["Tanggal", "No", "Jenis Pleno", "Nomor Berita Acara", "Jumlah Hadir", "Agenda", "Keputusan",
               "Notulen", "Keterangan"]  # fmt: skip
    rows = [
        [date(2026, 1, 5), 1, "Rutin", "BA-1", 5, "x", "y", "Ada", None],
        [date(2026, 1, 12), 2, "-", "BA-2", 9, None, "y", "Ada", None],  # "-", hadir > anggota, empty
    ]
    path = write_report(tmp_path / "Laporan Januari.xlsx", pleno=rows, pleno_headers=headers, title_rows=2)
    return path, check_file(path, banten, now, folder_district="3603")


def test_late_file_says_terlambat_with_the_days(tmp_path, banten, tangerang, now):
    path = write_report(tmp_path / "Laporan.xlsx", pleno=[pleno_row(1, date(2026, 1, 5))])
    report = check_file(path, banten, now, folder_district="3603")
    received = datetime(2026, 2, 9, 10, 0, tzinfo=WIB)  # 3603's January report, deadline 5 Feb
    out = write_feedback(report, tangerang, tmp_path / "fb", received, None, Timing(5, received))
    info = summary(load_workbook(out)["Ringkasan"])
    assert info["Diterima"] == "09/02/2026 10:00 WIB"
    assert info["Batas waktu"] == "5 Februari 2026 pukul 23.59 WIB"
    assert info["Ketepatan waktu"] == "TERLAMBAT 4 hari"
    todo = info["Apa yang harus dilakukan"]
    assert "TERLAMBAT 4 hari" in todo and "Februari 2026 paling lambat 5 Maret 2026" in todo
    assert info["Status"] == "DITERIMA"


@pytest.mark.parametrize(
    ("received", "expected"),
    [
        (datetime(2026, 2, 5, 23, 59, 59, tzinfo=WIB), "Tepat waktu"),
        (datetime(2026, 2, 5, 16, 59, 59, tzinfo=UTC), "Tepat waktu"),  # 23:59:59 WIB
        (datetime(2026, 2, 6, 0, 0, 1, tzinfo=WIB), "TERLAMBAT 1 hari"),
        (datetime(2026, 2, 5, 17, 0, 1, tzinfo=UTC), "TERLAMBAT 1 hari"),  # 00:00:01 WIB on the 6th
        (datetime(2026, 3, 1, 9, 0, tzinfo=WIB), "TERLAMBAT 24 hari"),
    ],
)
def test_timeliness_is_counted_in_the_districts_zone(received, expected):
    deadline = report_deadline(2026, 1, 5, WIB)
    assert timeliness_text(received, deadline) == expected


def test_every_issue_has_its_cell_address_and_value_as_typed(tmp_path, banten, tangerang, now):
    _path, report = _issues_report(tmp_path, banten, now)
    got = {(i.cell, i.column, i.value) for i in report.issues}
    # header on row 3 (two title rows), so the second pleno is row 5; Jenis Pleno is column C
    assert ("C5", "Jenis Pleno", "-") in got
    assert ("E5", "Jumlah Hadir", "9") in got
    assert ("F5", "Agenda", None) in got
    assert all(i.cell for i in report.issues)

    out = write_feedback(report, tangerang, tmp_path / "fb", now.astimezone(tangerang.zone), None)
    notes = load_workbook(out)["Catatan"]
    rows = {(r[0].value, r[1].value, r[4].value) for r in notes.iter_rows(min_row=2)}
    assert ("Pleno", "C5", "-") in rows  # a "-" shows as "-"
    assert ("Pleno", "F5", "(kosong)") in rows  # an empty cell as (kosong)
    assert all(r[1].value for r in notes.iter_rows(min_row=2))


def test_highlighted_copy_marks_exactly_the_problem_cells(tmp_path, banten, tangerang, now):
    path, report = _issues_report(tmp_path, banten, now)
    local = now.astimezone(tangerang.zone)
    copy = write_highlighted(report, path, tmp_path / "fb", local)
    assert copy.name == "Ditandai_Laporan Januari_20261124-100000.xlsx"
    original = load_workbook(path)["Pleno"]
    marked = load_workbook(copy)["Pleno"]
    problem_cells = {i.cell for i in report.issues}
    commented = {c.coordinate for row in marked.iter_rows() for c in row if c.comment is not None}
    filled = {
        c.coordinate for row in marked.iter_rows() for c in row if c.fill.fgColor.rgb.endswith("FFC7CE")
    }
    assert commented == filled == problem_cells
    for issue in report.issues:
        assert issue.problem in marked[issue.cell].comment.text
    # everything else is the district's own workbook, unchanged
    for row in original.iter_rows():
        for cell in row:
            assert marked[cell.coordinate].value == cell.value

    out = write_feedback(report, tangerang, tmp_path / "fb", local, None, highlighted=copy)
    assert copy.name in summary(load_workbook(out)["Ringkasan"])["Salinan bertanda"]


def test_no_highlighted_copy_without_issues_or_for_rejections(tmp_path, banten, now):
    good = write_report(tmp_path / "ok.xlsx", pleno=[pleno_row(1, date(2026, 1, 5))])
    rejected = write_report(tmp_path / "r.xlsx", district="36.01", pleno=[pleno_row(1, date(2026, 1, 5))])
    for path in (good, rejected):
        report = check_file(path, banten, now, folder_district="3603")
        assert write_highlighted(report, path, tmp_path / "fb", now) is None
    assert not (tmp_path / "fb").exists()


def test_month_figures_follow_the_metric_rules(tmp_path, banten, now):
    """January 2026 has five weeks (ISO W01–W05: their Thursdays fall in January, W01 starting on
    29/12/2025). Quorate ⇔ 2 × hadir > anggota; only Rutin counts; the same activity once."""
    path = write_report(
        tmp_path / "r.xlsx",
        members=5,
        pleno=[
            pleno_row(1, date(2026, 1, 2), hadir=3),  # W01, quorate
            pleno_row(2, date(2026, 1, 7), hadir=2),  # W02, 2×2 = 4 ≤ 5: not quorate
            pleno_row(3, date(2026, 1, 14), jenis="Khusus", hadir=5),  # W03, Khusus
            pleno_row(4, date(2026, 2, 1), hadir=5),  # Sunday of W05: still January's week
            pleno_row(5, date(2026, 1, 21), hadir=9),  # hadir > anggota: absent, not quorate
        ],
        pencegahan=[
            pencegahan_row(1, date(2026, 1, 7)),
            pencegahan_row(1, date(2026, 1, 7)),  # the same activity twice
            pencegahan_row(2, date(2026, 1, 8), bukti="Tidak"),
            pencegahan_row(3, date(2026, 2, 8)),  # dated in February: not January's
        ],
    )
    report = check_file(path, banten, now, folder_district="3603")
    figures = month_figures(report)
    assert figures.weeks == ((2026, 1), (2026, 2), (2026, 3), (2026, 4), (2026, 5))
    assert figures.weeks_with_pleno == {(2026, 1), (2026, 5)}
    assert (figures.activities, figures.documented) == (2, 1)
    lines = dict(figures_lines(figures))
    assert lines["Minggu dengan pleno Rutin kuorum"].startswith("2 dari 5 minggu")
    assert "05/01–11/01" in lines["Minggu dengan pleno Rutin kuorum"]
    assert lines["Kegiatan dengan bukti dukung"] == "1 dari 2 kegiatan (50%)"
    assert month_figures(Report(path=path).reject("x", "y")) is None


def test_rejection_gives_the_deadline_and_where_to_get_the_template(tmp_path, banten, tangerang):
    path = write_report(tmp_path / "r.xlsx", district="36.01", pleno=[pleno_row(1, date(2026, 1, 5))])
    early = datetime(2026, 2, 2, 9, 0, tzinfo=WIB)
    report = check_file(path, banten, early, folder_district="3603")
    out = write_feedback(report, tangerang, tmp_path / "fb", early, None, Timing(5, early))
    todo = summary(load_workbook(out)["Ringkasan"])["Apa yang harus dilakukan"]
    assert "paling lambat 5 Februari 2026 pukul 23.59 WIB" in todo
    assert "templat" in todo and "operator Bawaslu Provinsi" in todo
    assert "template" not in todo
    late = datetime(2026, 2, 9, 9, 0, tzinfo=WIB)
    todo = what_to_do(report, tangerang, Timing(5, late))
    assert "sudah lewat" in todo and "5 Februari 2026" in todo


def test_validate_and_feedback_say_the_same(tmp_path, banten, tangerang, now, monkeypatch, capsys):
    """One source for the wording: every verdict line and every issue of the workbook is in the
    output of rekap validate for the same file, word for word."""
    from rekap.cli import main

    for name in ("REKAP_PROVINCE", "REKAP_REGISTRY", "REKAP_DEADLINE_DAY"):
        monkeypatch.delenv(name, raising=False)
    path, report = _issues_report(tmp_path, banten, now)
    assert main(["validate", str(path), "--district", "3603"]) == 0
    printed = capsys.readouterr().out
    out = write_feedback(report, tangerang, tmp_path / "fb", now.astimezone(tangerang.zone), None)
    info = summary(load_workbook(out)["Ringkasan"])
    shared = verdict_lines(report, tangerang, Timing())
    assert shared and all(info[label] == text for label, text in shared)
    for label, text in shared:
        assert re.search(rf"^{re.escape(label)}\s* : {re.escape(text)}$", printed, re.M), label
    for issue in report.issues:
        assert issue_line(issue) in printed
    assert what_to_do(report, tangerang, Timing()) == info["Apa yang harus dilakukan"]
    assert what_to_do(report, tangerang, Timing()) in printed


# --- the look: what a clerk sees on screen and on paper ----------------------------------------


def _row_of(ws, label: str) -> int:
    return next(c.row for c in ws["A"] if c.value == label)


def _fit(ws) -> tuple[int, int]:
    """Pages wide and tall the sheet is fitted to (an absent value is the format's 1)."""
    setup = ws.page_setup
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    return (
        1 if setup.fitToWidth is None else int(setup.fitToWidth),
        1 if setup.fitToHeight is None else int(setup.fitToHeight),
    )


def test_feedback_keeps_its_look(tmp_path, banten, tangerang, now):
    """Widths, fonts, fills, borders, row heights, frozen header and print setup of both sheets,
    on a late file with row issues and a warning (the renders of issue 15 were compared with
    these: the faster writer must not change what a clerk sees or prints)."""
    extra = "Dokumentasi Foto"  # a column the format does not know: a warning
    path = write_report(
        tmp_path / "Laporan Januari.xlsx",
        pleno=[
            {**pleno_row(1, date(2026, 1, 5)), extra: "foto.jpg"},
            {**pleno_row(2, date(2026, 1, 12), hadir="banyak sekali " * 6), extra: None},
        ],
        pleno_headers=[*PLENO_HEADERS, extra],
        pencegahan=[pencegahan_row(1, date(2026, 1, 7), peserta="-5")],
    )
    report = check_file(path, banten, now, folder_district="3603")
    assert report.status == ACCEPTED_WITH_ISSUES and report.warnings
    received = datetime(2026, 2, 9, 10, 0, tzinfo=WIB)
    wb = load_workbook(
        write_feedback(report, tangerang, tmp_path / "fb", received, None, Timing(5, received))
    )
    assert wb.sheetnames == ["Ringkasan", "Catatan"]

    ws = wb["Ringkasan"]
    assert {k: d.width for k, d in ws.column_dimensions.items()} == {"A": 30, "B": 86}
    title = ws["A1"]
    assert (title.font.name, title.font.b, title.font.sz) == ("Calibri", True, 14)
    assert ws["A2"].value == "Bawaslu Provinsi Banten" and not ws["A2"].font.b
    row = _row_of(ws, "Kabupaten/Kota")
    label, text = ws.cell(row, 1), ws.cell(row, 2)
    assert label.font.b and (label.alignment.vertical, label.alignment.wrap_text) == ("top", True)
    assert not text.font.b and (text.alignment.vertical, text.alignment.wrap_text) == ("top", True)
    assert ws.row_dimensions[row].height == 15  # fixed: the row does not grow or shrink
    row = _row_of(ws, "Status")
    status = ws.cell(row, 2)
    assert ws.cell(row, 1).font.b
    assert (status.font.b, status.font.sz, fill_of(status)) == (True, 13, "FFEB9C")
    assert status.alignment.vertical == "center" and ws.row_dimensions[row].height == 22
    late = ws.cell(_row_of(ws, "Ketepatan waktu"), 2)
    assert late.value == "TERLAMBAT 4 hari" and late.font.b and fill_of(late) == "FFC7CE"
    warnings = _row_of(ws, "Peringatan")
    assert ws.cell(warnings, 1).font.color.rgb[-6:] == "1F4E78"
    assert ws.cell(warnings + 1, 1).value == "•" and extra in ws.cell(warnings + 1, 2).value
    todo = _row_of(ws, "Apa yang harus dilakukan")
    assert ws.cell(todo, 1).font.color.rgb[-6:] == "1F4E78" and ws.cell(todo, 1).font.b
    # tall enough for the wrapped text: at least its characters' worth of 80-character lines
    assert ws.row_dimensions[todo].height >= 15 * -(-len(ws.cell(todo, 2).value) // 80) > 15
    assert (ws.page_setup.orientation, ws.page_setup.paperSize, _fit(ws)) == ("portrait", 9, (1, 1))  # A4
    assert ws.freeze_panes is None

    notes = wb["Catatan"]
    widths = {k: d.width for k, d in notes.column_dimensions.items()}
    assert widths == {"A": 13, "B": 7, "C": 8, "D": 18, "E": 26, "F": 60}  # C widened for "Baris"
    for cell in notes[1]:
        assert (cell.font.b, cell.font.color.rgb[-6:], fill_of(cell)) == (True, "FFFFFF", "1F4E78")
        assert (cell.alignment.horizontal, cell.alignment.vertical, cell.alignment.wrap_text) == (
            "center",
            "center",
            True,
        )
        assert cell.border.left.style == cell.border.bottom.style == "thin"
    rows = list(notes.iter_rows(min_row=2))
    assert len(rows) == len(report.issues) >= 2
    for row in rows:
        for cell in row:
            assert cell.border.top.style == cell.border.right.style == "thin"
            assert cell.alignment.wrap_text and cell.alignment.vertical == "top"
            assert cell.fill.fill_type is None
        value, problem = row[4].value, row[5].value
        lines = max(1 + len(value) // 24, 1 + len(problem) // 56)
        assert notes.row_dimensions[row[0].row].height == 15 * lines
    assert any(notes.row_dimensions[r[0].row].height > 15 for r in rows)  # the long value wraps
    assert notes.freeze_panes == "A2" and notes.print_title_rows == "$1:$1"
    setup = notes.page_setup
    assert (setup.orientation, setup.paperSize, _fit(notes)) == ("landscape", 9, (1, 0))  # A4
    for sheet in (ws, notes):
        margins = sheet.page_margins
        assert (margins.left, margins.right, margins.top, margins.bottom) == (0.4, 0.4, 0.5, 0.5)


@pytest.mark.parametrize(
    ("text", "per_line", "lines"),
    [
        ("", 80, 1),
        ("4 dari 4 minggu", 80, 1),
        ("Minggu dengan pleno Rutin kuorum", 26, 2),  # the label that was cut off at 15 pt
        ("Kegiatan pencegahan", 26, 1),
        ("satu dua\ntiga", 80, 2),
        ("x" * 60, 26, 3),  # a long link breaks inside
        ("aaaa bbbb cccc", 9, 2),  # "aaaa bbbb" fits 9, "cccc" goes on
    ],
)
def test_wrapped_lines_break_at_spaces_like_a_spreadsheet(text, per_line, lines):
    from rekap.intake.feedback import wrapped_lines

    assert wrapped_lines(text, per_line) == lines


def test_a_long_label_gets_a_row_tall_enough_for_its_two_lines(tmp_path, banten, tangerang, now):
    """ "Minggu dengan pleno Rutin kuorum" wraps in the bold label column even when its figure
    is short: the row is two lines tall, not cut at one."""
    weekly = [
        pleno_row(i, date(2026, 1, day), ba=f"BA-{i}") for i, day in enumerate((2, 5, 12, 19, 26), start=1)
    ]
    path = write_report(tmp_path / "Laporan.xlsx", pleno=weekly)  # a pleno every week: a short figure
    report = check_file(path, banten, now, folder_district="3603")
    out = write_feedback(report, tangerang, tmp_path / "fb", now.astimezone(tangerang.zone), None)
    ws = load_workbook(out)["Ringkasan"]
    row = _row_of(ws, "Minggu dengan pleno Rutin kuorum")
    assert ws.cell(row, 2).value == "5 dari 5 minggu"
    assert len(ws.cell(row, 2).value) < 80  # one line of text ...
    assert ws.row_dimensions[row].height == 30  # ... but two of label
