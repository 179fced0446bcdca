"""The highlighted copy written by editing the xlsx parts (rekap.intake.highlight_xlsx) marks the
same cells, with the same fill and comments, as openpyxl does, keeps everything else of the
district's file byte for byte, and hands what it does not cover to openpyxl."""

from __future__ import annotations

import re
import shutil
import zipfile
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.comments import Comment
from openpyxl.utils import get_column_letter
from rekap.intake import feedback
from rekap.intake.feedback import HIGHLIGHT, highlight_comment, highlight_notes, write_highlighted
from rekap.intake.highlight_xlsx import mark_cells
from rekap.report.check import check_file
from workbooks import write_report

FIXTURES = Path(__file__).parent / "fixtures"
PINK = "FFC7CE"


def marks(path: Path) -> dict[tuple[str, str], tuple]:
    """Every filled or commented cell: its fill colour, comment text, author and size."""
    found = {}
    for ws in load_workbook(path).worksheets:
        for row in ws.iter_rows():
            for c in row:
                pink = c.fill.fill_type == "solid" and str(c.fill.fgColor.rgb).endswith(PINK)
                if pink or c.comment is not None:
                    comment = c.comment
                    found[(ws.title, c.coordinate)] = (
                        pink,
                        comment and (comment.text, comment.author, comment.width, comment.height),
                        c.font.b,
                        c.border.left.style,
                        c.number_format,
                    )
    return found


def values(path: Path) -> dict[tuple[str, str], object]:
    wb = load_workbook(path)
    return {(ws.title, c.coordinate): c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row}


def both_ways(tmp_path: Path, source: Path, notes) -> tuple[Path, Path]:
    direct, by_openpyxl = tmp_path / "direct.xlsx", tmp_path / "openpyxl.xlsx"
    assert mark_cells(source, direct, notes, HIGHLIGHT, highlight_comment)
    assert feedback._highlight_with_openpyxl(source, by_openpyxl, notes) == by_openpyxl
    return direct, by_openpyxl


def _rewrite(source: Path, target: Path, change) -> Path:
    """A copy of ``source`` with ``change(name, data)`` applied to every member."""
    with zipfile.ZipFile(source) as a, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as b:
        for name in a.namelist():
            b.writestr(name, change(name, a.read(name)))
    return target


def issues_report(tmp_path, banten, now):
    """Title rows, reordered columns and an empty required cell the file does not contain."""
    headers = ["Tanggal", "No", "Jenis Pleno", "Nomor Berita Acara", "Jumlah Hadir", "Agenda", "Keputusan",
               "Notulen", "Keterangan"]  # fmt: skip
    rows = [
        [date(2026, 1, 5), 1, "Rutin", "BA-1", 5, "x", "y", "Ada", None],
        [date(2026, 1, 12), 2, "-", "BA-2", 9, None, "y", "Ada", None],
    ]
    path = write_report(tmp_path / "Laporan Januari.xlsx", pleno=rows, pleno_headers=headers, title_rows=2)
    return path, check_file(path, banten, now, folder_district="3603")


@pytest.mark.parametrize("made_by", ["openpyxl", "libreoffice"])
def test_direct_copy_marks_what_openpyxl_marks_and_keeps_the_rest(tmp_path, banten, now, made_by):
    if made_by == "openpyxl":
        source, report = issues_report(tmp_path, banten, now)
        with zipfile.ZipFile(source) as z:
            assert b'r="F5"' not in z.read("xl/worksheets/sheet2.xml")  # Agenda left empty: no cell
    else:  # the template filled and saved by LibreOffice: shared strings, its own styles
        source = tmp_path / "Laporan.xlsx"
        shutil.copy(FIXTURES / "template_issues_libreoffice.xlsx", source)
        report = check_file(source, banten, now, folder_district="3603")
    notes = highlight_notes(report)
    assert notes and len(notes) == len({(i.sheet, i.cell) for i in report.issues})
    direct, by_openpyxl = both_ways(tmp_path, source, notes)

    got = marks(direct)
    assert got == marks(by_openpyxl)
    assert {(sheet.lower(), cell) for sheet, cell in got} == set(notes)
    assert all(pink for pink, *_ in got.values())
    for (sheet, cell), (_, comment, *_) in got.items():
        assert comment[0] == notes[(sheet.lower(), cell)]
    assert values(direct) == values(source)  # nothing the district typed changes

    # every part the marks do not need is the district's own, byte for byte
    with zipfile.ZipFile(source) as a, zipfile.ZipFile(direct) as b:
        marked_sheets = {n for n in b.namelist() if n.startswith("xl/worksheets/sheet")} - {
            n for n in a.namelist() if a.read(n) == b.read(n)
        }
        # only the sheet with problem cells: Pleno (second sheet) or the template's Pencegahan
        assert marked_sheets == {f"xl/worksheets/sheet{2 if made_by == 'openpyxl' else 4}.xml"}
        unchanged = set(a.namelist()) - marked_sheets - {"xl/styles.xml", "[Content_Types].xml"}
        assert unchanged and all(a.read(n) == b.read(n) for n in unchanged)

    # the copy reads back through the intake's own check to the same verdict and issues
    again = check_file(direct, banten, now, folder_district="3603")
    assert again.status == report.status
    assert [(i.sheet, i.cell, i.problem) for i in again.issues] == [
        (i.sheet, i.cell, i.problem) for i in report.issues
    ]


def test_the_template_keeps_its_drop_downs_and_protection(tmp_path, banten, now):
    source = tmp_path / "Laporan.xlsx"
    shutil.copy(FIXTURES / "template_issues_libreoffice.xlsx", source)
    report = check_file(source, banten, now, folder_district="3603")
    direct, _ = both_ways(tmp_path, source, highlight_notes(report))
    before, after = load_workbook(source), load_workbook(direct)
    for ws in before.worksheets:
        assert len(after[ws.title].data_validations.dataValidation) == len(ws.data_validations.dataValidation)
        assert after[ws.title].protection.sheet == ws.protection.sheet
        assert after[ws.title].merged_cells.ranges == ws.merged_cells.ranges


def test_a_merged_cell_is_marked_at_its_top_left_and_missing_rows_are_inserted(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Pleno"
    ws["A1"] = "judul"
    ws.merge_cells("B2:C3")
    ws["B2"] = "gabungan"
    ws["A6"] = "bawah"
    source = tmp_path / "in.xlsx"
    wb.save(source)
    notes = {
        ("pleno", "C3"): "• di sel gabungan",
        ("pleno", "D4"): "• baris yang tidak ada",
        ("pleno", "B7"): "• akhir",
    }
    direct, by_openpyxl = both_ways(tmp_path, source, notes)
    got = marks(direct)
    assert set(got) == {("Pleno", "B2"), ("Pleno", "D4"), ("Pleno", "B7")}
    assert got == marks(by_openpyxl)
    assert values(direct)[("Pleno", "B2")] == "gabungan"
    sheet = zipfile.ZipFile(direct).read("xl/worksheets/sheet1.xml")
    rows = [int(r) for r in re.findall(rb'<row r="([0-9]+)"', sheet)]
    assert rows == sorted(rows) and 4 in rows and 7 in rows  # inserted where they belong
    assert b'<dimension ref="A1:D7"' in sheet


def test_what_the_direct_edit_does_not_cover_goes_through_openpyxl(tmp_path, banten, now):
    """A district's own comment: the direct edit steps aside (writing nothing) and the copy still
    comes, ours above the district's words."""
    source, report = issues_report(tmp_path, banten, now)
    wb = load_workbook(source)
    wb["Pleno"]["C5"].comment = Comment("catatan kami sendiri", "Kab. Tangerang")
    wb.save(source)
    notes = highlight_notes(report)
    target = tmp_path / "direct.xlsx"
    assert not mark_cells(source, target, notes, HIGHLIGHT, highlight_comment)
    assert not target.exists()

    copy = write_highlighted(report, source, tmp_path / "fb", now)
    marked = load_workbook(copy)["Pleno"]
    text = marked["C5"].comment.text
    assert text.index(notes[("pleno", "C5")]) < text.index("---") < text.index("catatan kami sendiri")
    assert {c for (_, c) in marks(copy)} == {cell for _, cell in notes}


def test_a_prefixed_sheet_is_left_to_openpyxl(tmp_path, banten, now):
    """Some writers spell the main namespace with a prefix (``<x:c>``): not byte-edited."""
    source, report = issues_report(tmp_path, banten, now)

    def prefix(name: str, data: bytes) -> bytes:
        if name != "xl/worksheets/sheet2.xml":
            return data
        data = data.replace(b'<worksheet xmlns="', b'<x:worksheet xmlns:x="')
        data = data.replace(b"</worksheet>", b"</x:worksheet>")
        return re.sub(rb"<(/?)(?!x:)([a-zA-Z]+)", rb"<\1x:\2", data)

    prefixed = _rewrite(source, tmp_path / "prefixed.xlsx", prefix)
    assert load_workbook(prefixed)["Pleno"]["B4"].value == 1  # still a workbook openpyxl reads
    assert not mark_cells(
        prefixed, tmp_path / "d.xlsx", highlight_notes(report), HIGHLIGHT, highlight_comment
    )


@pytest.mark.parametrize(
    "oddity",
    ["doctype", "one fill", "duplicate member"],
)
def test_xml_the_byte_edits_cannot_trust_is_left_to_openpyxl(tmp_path, banten, now, oddity):
    source, report = issues_report(tmp_path, banten, now)
    odd = tmp_path / "odd.xlsx"
    if oddity == "doctype":  # entities could hide cells from the offsets
        _rewrite(
            source,
            odd,
            lambda n, d: (
                d.replace(b"<worksheet", b"<!DOCTYPE worksheet>\n<worksheet", 1)
                if n == "xl/worksheets/sheet2.xml"
                else d
            ),
        )
    elif oddity == "one fill":  # fills 0 and 1 are reserved: a new fill at 1 would show grey
        _rewrite(
            source,
            odd,
            lambda n, d: (
                re.sub(
                    rb"<fills[^>]*>.*?</fills>",
                    b'<fills count="1"><fill><patternFill/></fill></fills>',
                    d,
                    flags=re.S,
                )
                if n == "xl/styles.xml"
                else d
            ),
        )
    else:  # two members with one name: readers disagree on which is the sheet
        _rewrite(source, odd, lambda n, d: d)
        with zipfile.ZipFile(odd, "a") as z, zipfile.ZipFile(source) as s:
            z.writestr("XL/worksheets/sheet2.xml", s.read("xl/worksheets/sheet2.xml"))
    assert load_workbook(odd)["Pleno"]["B4"].value == 1
    assert not mark_cells(odd, tmp_path / "d.xlsx", highlight_notes(report), HIGHLIGHT, highlight_comment)
    assert not (tmp_path / "d.xlsx").exists()


def test_a_member_the_reader_never_opens_cannot_stop_the_copy_or_the_intake(tmp_path, banten, now):
    """A corrupt thumbnail (deflate data that does not inflate): the reader accepts the file,
    the direct edit steps aside, and write_highlighted returns a copy or None, never raises."""
    source, report = issues_report(tmp_path, banten, now)
    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(source) as a, zipfile.ZipFile(broken, "w", zipfile.ZIP_DEFLATED) as b:
        for name in a.namelist():
            b.writestr(name, a.read(name))
        b.writestr("docProps/thumbnail.jpeg", b"\x00" * 4096)
    data = bytearray(broken.read_bytes())
    with zipfile.ZipFile(broken) as z:
        info = z.getinfo("docProps/thumbnail.jpeg")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    data[start : start + 8] = b"\xff" * 8  # the member's compressed bytes, not its headers
    broken.write_bytes(bytes(data))
    again = check_file(broken, banten, now, folder_district="3603")
    assert again.status == report.status  # the reader never opens the thumbnail
    assert not mark_cells(broken, tmp_path / "d.xlsx", highlight_notes(again), HIGHLIGHT, highlight_comment)
    copy = write_highlighted(again, broken, tmp_path / "fb", now)
    assert copy is None or {c for (_, c) in marks(copy)} == {c for _, c in highlight_notes(again)}


def test_a_new_drawing_takes_its_own_block_of_shape_ids(tmp_path):
    """The district commented another sheet (its VML reserves shape block 1): our drawing
    reserves block 2, so no two shapes of the workbook share an id."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Identitas"
    ws["A1"] = "x"
    ws["A1"].comment = Comment("catatan kab/kota", "Kab")
    pleno = wb.create_sheet("Pleno")
    pleno["B2"] = "y"
    source = tmp_path / "in.xlsx"
    wb.save(source)
    direct, by_openpyxl = both_ways(tmp_path, source, {("pleno", "B2"): "• perbaiki"})
    assert marks(direct) == marks(by_openpyxl)
    with zipfile.ZipFile(direct) as z:
        drawings = {n: z.read(n) for n in z.namelist() if n.endswith(".vml")}
    assert len(drawings) == 2
    blocks = sorted(re.search(rb'idmap[^>]*data="([0-9]+)"', d).group(1) for d in drawings.values())
    assert blocks == [b"1", b"2"]
    ids = [i for d in drawings.values() for i in re.findall(rb'id="(_x0000_s[0-9]+)"', d)]
    assert len(ids) == len(set(ids)) == 2


def test_many_marks_on_a_big_sheet_are_each_placed(tmp_path):
    """Hundreds of problem cells, some absent from the XML: every one marked as openpyxl marks it."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Pleno"
    for r in range(1, 401):
        ws.append([f"r{r}c{c}" if (r + c) % 3 else None for c in range(1, 13)])
    source = tmp_path / "big.xlsx"
    wb.save(source)
    notes = {
        ("pleno", f"{get_column_letter(c)}{r}"): f"• {r}/{c}" for r in range(2, 401, 2) for c in (2, 5, 9)
    }
    direct, by_openpyxl = both_ways(tmp_path, source, notes)
    assert len(marks(direct)) == len(notes) == 600
    assert marks(direct) == marks(by_openpyxl)
