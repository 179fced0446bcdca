"""Files that try the reader's limits (issue 9): sheets that declare or hold cells far out at
XFD1048576, and text with control characters. Real files: written by openpyxl, then the sheet
XML edited inside the zip where openpyxl cannot make the case."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
import zipfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from rekap.intake.feedback import write_feedback
from rekap.intake.flow import ingest
from rekap.report import cells
from rekap.report.check import check_file
from rekap.report.model import ACCEPTED, ACCEPTED_WITH_ISSUES, REJECTED, Issue, Report
from rekap.report.opening import Limits, column_letters
from rekap.report.reader import CONTROL_CHARACTERS_RULE, read_report
from test_intake import make_settings, rows
from workbooks import kelembagaan_row, pencegahan_row, pleno_row, write_report

FIXTURES = Path(__file__).parent / "fixtures"
ODS = FIXTURES / "report_libreoffice.ods"
# openpyxl writes the sheets in this order: xl/worksheets/sheet1.xml is Identitas, and so on.
SHEETS = {"Identitas": 1, "Pleno": 2, "Pencegahan": 3, "Kelembagaan": 4, "Lampiran": 5}
ODS_EMPTY_RUN = re.compile(
    r'(<table:table-row [^>]*table:number-rows-repeated="\d+">)'
    r'<table:table-cell table:number-columns-repeated="16384"/></table:table-row>'
)
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def report_file(path: Path, **kwargs) -> Path:
    """A good report with all four sheets and an extra sheet the reader ignores."""
    kwargs.setdefault("pleno", [pleno_row(1, date(2026, 1, 5)), pleno_row(2, date(2026, 1, 12))])
    kwargs.setdefault("pencegahan", [pencegahan_row(1, date(2026, 1, 8))])
    kwargs.setdefault("kelembagaan", [kelembagaan_row(capaian=0.85)])
    write_report(path, **kwargs)
    book = load_workbook(path)
    book["Kelembagaan"]["D2"].number_format = "0%"  # Capaian 0.85 shown as 85%
    book.create_sheet("Lampiran")["A1"] = "Catatan tambahan"
    book.save(path)
    return path


def edit_zip(src: Path, dst: Path, edit: Callable[[str, bytes], bytes]) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            zout.writestr(item.filename, edit(item.filename, zin.read(item)))
    return dst


def edit_sheet(src: Path, dst: Path, sheet: str, edit: Callable[[str], str]) -> Path:
    part = f"xl/worksheets/sheet{SHEETS[sheet]}.xml"
    return edit_zip(src, dst, lambda name, data: edit(data.decode()).encode() if name == part else data)


def add_cell(xml: str, ref: str, value: str | None = "x", style: str = "") -> str:
    """A cell appended after the sheet's rows (its row is beyond them); None: no value, only a style."""
    row = re.fullmatch(r"[A-Z]+(\d+)", ref)[1]
    content = f' t="inlineStr"><is><t>{value}</t></is></c>' if value is not None else "/>"
    return xml.replace("</sheetData>", f'<row r="{row}"><c r="{ref}"{style}{content}</row></sheetData>')


def declare(xml: str, ref: str = "A1:XFD1048576") -> str:
    return re.sub(r'<dimension ref="[^"]*"\s*/>', f'<dimension ref="{ref}"/>', xml)


def verdict(path: Path, banten, now, limits: Limits | None = None) -> Report:
    return check_file(path, banten, now, folder_district="3603", limits=limits)


def refused(report: Report, code: str, *phrases: str) -> str:
    assert report.status == REJECTED and report.rejection_code == code, report.rejection
    for phrase in (*phrases, "unggah kembali"):
        assert phrase in report.rejection, report.rejection
    return report.rejection


# --- limits: from the cells the sheet really holds, before any grid ------------------------------


@pytest.mark.parametrize("sheet", list(SHEETS))
def test_a_value_at_XFD1048576_in_any_sheet_is_refused(tmp_path, banten, now, sheet):
    good = report_file(tmp_path / "good.xlsx")
    path = edit_sheet(good, tmp_path / "r.xlsx", sheet, lambda xml: add_cell(xml, "XFD1048576"))
    assert path.stat().st_size < 20 * 1024  # a small file that would cost 512 GB as a dense grid
    refused(verdict(path, banten, now), "too_many_rows", repr(sheet), "XFD1048576", "5000")


@pytest.mark.parametrize("sheet", ["Identitas", "Pleno", "Kelembagaan", "Lampiran"])
def test_columns_up_to_100_are_read_and_beyond_refused(tmp_path, banten, now, sheet):
    good = report_file(tmp_path / "good.xlsx")
    last = column_letters(100)
    assert (last, column_letters(101), column_letters(16384)) == ("CV", "CW", "XFD")
    within = edit_sheet(good, tmp_path / "in.xlsx", sheet, lambda xml: add_cell(xml, f"{last}40"))
    assert verdict(within, banten, now).status == ACCEPTED
    for ref in ("CW40", "XFD5000"):  # XFD5000 was accepted after 4 GB and 15 s
        path = edit_sheet(good, tmp_path / f"{ref}.xlsx", sheet, lambda xml, ref=ref: add_cell(xml, ref))
        message = refused(verdict(path, banten, now), "too_many_columns", repr(sheet), ref, "100 kolom")
        assert "Hapus kolom" in message


def test_row_limit_counts_the_rows_the_sheet_really_holds(tmp_path, banten, now):
    good = report_file(tmp_path / "good.xlsx")
    limits = Limits(max_rows_per_sheet=20)  # + 50 rows of titles and header
    within = edit_sheet(good, tmp_path / "in.xlsx", "Lampiran", lambda xml: add_cell(xml, "A70"))
    assert verdict(within, banten, now, limits).status == ACCEPTED
    beyond = edit_sheet(good, tmp_path / "out.xlsx", "Lampiran", lambda xml: add_cell(xml, "A71"))
    refused(verdict(beyond, banten, now, limits), "too_many_rows", "baris 71", "20 baris")


def test_declared_size_and_formatted_empty_cells_cost_nothing(tmp_path, banten, now):
    """Decision: a sheet's declaration alone (``<dimension>``, a formatted empty cell or row at
    XFD1048576) is ignored, not refused: tools write such things for small sheets, calamine
    does not use them, and nothing is allocated for them here."""
    good = report_file(tmp_path / "good.xlsx")

    def declared(name: str, data: bytes) -> bytes:
        if not name.startswith("xl/worksheets/sheet"):
            return data
        xml = add_cell(declare(data.decode()), "XFD1048575", value=None, style=' s="0"')
        return xml.replace("</sheetData>", '<row r="1048576" ht="30" customHeight="1"/></sheetData>').encode()

    path = edit_zip(good, tmp_path / "declared.xlsx", declared)
    expected, report = verdict(good, banten, now), verdict(path, banten, now)
    assert report.status == ACCEPTED, report.rejection
    assert (
        report.record_counts() == expected.record_counts() == {"pleno": 2, "pencegahan": 1, "kelembagaan": 1}
    )
    # the percent format of Capaian is still found (it no longer needs openpyxl, which would pad
    # every row it reads to the declared 16,384 columns)
    assert report.records["kelembagaan"][0].value("progress") == 85


def test_ods_trailing_empty_runs_are_accepted_content_runs_refused(tmp_path, banten, now):
    assert verdict(ODS, banten, now).status == ACCEPTED  # LibreOffice's runs to row 1048576 and XFD
    empty_run = (
        '<table:table-row table:style-name="ro1" table:number-rows-repeated="1048571">'
        '<table:table-cell table:number-columns-repeated="16384"/></table:table-row>'
    )
    value = 'office:value-type="string"><text:p>x</text:p></table:table-cell>'
    cases = {
        # the run of rows after the data holds a value in column A
        "rows": (
            '<table:table-row table:style-name="ro1" table:number-rows-repeated="1048571">'
            f'<table:table-cell {value}<table:table-cell table:number-columns-repeated="16383"/>'
            "</table:table-row>",
            "too_many_rows",
        ),
        # one row whose value repeats across all 16,384 columns
        "columns": (
            f'<table:table-row table:style-name="ro1"><table:table-cell table:number-columns-repeated="16384" {value}'
            "</table:table-row>" + empty_run.replace("1048571", "1048570"),
            "too_many_columns",
        ),
        # a value in the row after the million empty ones
        "after": (
            empty_run + f"<table:table-row><table:table-cell {value}</table:table-row>",
            "too_many_rows",
        ),
    }
    content = zipfile.ZipFile(ODS).read("content.xml").decode()
    pleno = content.index('table:name="Pleno"')
    start = content.index(empty_run, pleno)
    for case, (replacement, code) in cases.items():
        changed = content[:start] + replacement + content[start + len(empty_run) :]
        path = edit_zip(
            ODS, tmp_path / f"{case}.ods", lambda n, d, c=changed: c.encode() if n == "content.xml" else d
        )
        refused(verdict(path, banten, now), code, "'Pleno'")


def test_zip_bomb_in_the_sheet_itself_is_refused_before_it_is_parsed(tmp_path, banten, now):
    good = report_file(tmp_path / "good.xlsx")
    padding = "<row/>" * 1_000_000  # 6 MB of XML that compresses to almost nothing
    path = edit_sheet(
        good,
        tmp_path / "bomb.xlsx",
        "Lampiran",
        lambda xml: xml.replace("</sheetData>", padding + "</sheetData>"),
    )
    assert path.stat().st_size < 100 * 1024
    refused(
        verdict(path, banten, now, Limits(max_unpacked_bytes=5 * 1024 * 1024)), "too_large", "setelah dibuka"
    )


def test_reading_the_worst_files_stays_under_256_mb_and_a_few_seconds(tmp_path):
    """Each file is read in a fresh process (a dense grid would kill it, not fail a test), whose
    peak RSS is measured."""
    good = report_file(tmp_path / "good.xlsx")
    far = edit_sheet(good, tmp_path / "far.xlsx", "Pleno", lambda xml: add_cell(declare(xml), "XFD1048576"))
    wide = edit_sheet(good, tmp_path / "wide.xlsx", "Lampiran", lambda xml: add_cell(xml, "XFD5000"))
    declared = edit_zip(
        good,
        tmp_path / "declared.xlsx",
        lambda n, d: declare(d.decode()).encode() if n.startswith("xl/worksheets/sheet") else d,
    )
    # every sheet's run of rows after the data holds a value in all 16,384 columns
    bomb = ODS_EMPTY_RUN.sub(
        r'\1<table:table-cell table:number-columns-repeated="16384" office:value-type="float" office:value="1">'
        r"<text:p>1</text:p></table:table-cell></table:table-row>",
        zipfile.ZipFile(ODS).read("content.xml").decode(),
    )
    ods_bomb = edit_zip(ODS, tmp_path / "bomb.ods", lambda n, d: bomb.encode() if n == "content.xml" else d)
    # the largest sheet accepted: 5,050 rows x 100 columns of values, in a sheet the reader ignores
    full_rows = "".join(
        f'<row r="{r}">'
        + "".join(f'<c r="{column_letters(c)}{r}"><v>{r}</v></c>' for c in range(1, 101))
        + "</row>"
        for r in range(1, 5051)
    )
    full = edit_sheet(
        good,
        tmp_path / "full.xlsx",
        "Lampiran",
        lambda xml: re.sub(r"<sheetData>.*</sheetData>", f"<sheetData>{full_rows}</sheetData>", xml),
    )
    files = {far: REJECTED, wide: REJECTED, declared: ACCEPTED, ods_bomb: REJECTED, full: ACCEPTED}
    script = textwrap.dedent(
        """
        import json, re, sys, time
        from datetime import UTC, datetime
        from rekap.report.reader import read_report
        from rekap.registry import load_registry
        banten = load_registry().for_province("36")
        out = []
        for path in sys.argv[1:]:
            start = time.process_time()  # CPU seconds: the work, whatever else the machine runs
            report = read_report(path, banten, datetime(2026, 11, 24, tzinfo=UTC), "3603")
            out.append([report.status, report.rejection_code, time.process_time() - start])
        # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent (pytest) through exec
        status = open("/proc/self/status").read()
        print(json.dumps({"reads": out, "peak_kb": int(re.search(r"VmHWM:\\s*(\\d+) kB", status)[1])}))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script, *map(str, files)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"\npeak RSS {result['peak_kb'] / 1024:.0f} MB; reads {result['reads']}")
    assert [status for status, _, _ in result["reads"]] == list(files.values())
    assert [code for _, code, _ in result["reads"]][:4] == [
        "too_many_rows",
        "too_many_columns",
        None,
        "too_many_rows",
    ]
    assert result["peak_kb"] < 256 * 1024
    *hostile, (_, _, full_seconds) = result["reads"]
    assert all(seconds < 1 for _, _, seconds in hostile)  # XFD5000 took 15 s and 4 GB before
    assert full_seconds < 5  # 505,000 values: the XML is streamed once before calamine reads it


# --- control characters ------------------------------------------------------------------------


def test_clean_text_removes_control_characters_but_tab_and_line_breaks():
    raw = "a\x00b\x07c\x1bd\te\nf\rg\x7fh\x85i\ufffej\ud800k"
    assert cells.clean_text(raw) == "abcd\te\nf\rghij\ufffdk"
    assert cells.removed_characters(raw) == [
        "U+0000",
        "U+0007",
        "U+001B",
        "U+007F",
        "U+0085",
        "U+FFFE",
        "U+D800",
    ]
    assert cells.clean_text("Rapat pleno – ruang 2") == "Rapat pleno – ruang 2"
    assert cells.removed_characters("biasa\n") == []


def control_report(path: Path) -> Path:
    """Control characters as Excel stores them (``_x0000_`` escapes, decoded by every reader)
    in a cell of each sheet, and one as a raw character reference, which XML forbids but
    calamine reads."""
    first = pleno_row(1, date(2026, 1, 5))
    agenda = pleno_row(2, date(2026, 1, 12))
    agenda["agenda"] = "Evaluasi_x0000_ pengawasan_x0007_"
    for row in (first, agenda):  # Keterangan's header carries a NUL below: its column stays empty
        row.pop("remarks", None)
    activity = pencegahan_row(1, date(2026, 1, 8))
    activity["location"] = "Kec._x001B_ Cikupa"
    programme = kelembagaan_row(program="Digitalisasi_x0000_ arsip")
    report_file(
        path,
        pleno=[first, agenda],
        pencegahan=[activity],
        kelembagaan=[programme],
        identity_extra=[("Disusun Oleh", "Siti_x0007_ Aminah")],
        pleno_headers=[
            "No",
            "Tanggal",
            "Jenis Pleno",
            "Nomor Berita Acara",
            "Jumlah Hadir",
            "Agenda",
            "Keputusan",
            "Notulen",
            "Keterangan_x0000_",
        ],
    )
    raw = path.with_suffix(".tmp")
    path.rename(raw)
    # Hasil of the Pencegahan row: an ESC as a character reference
    edit_sheet(raw, path, "Pencegahan", lambda xml: xml.replace("Peserta memahami", "Peserta&#27; memahami"))
    raw.unlink()
    return path


EXPECTED_ISSUES = [
    ("Pleno", 1, "Keterangan", "Keterangan", ["U+0000"]),
    ("Pleno", 3, "Agenda", "Evaluasi pengawasan", ["U+0000", "U+0007"]),
    ("Pencegahan", 2, "Lokasi", "Kec. Cikupa", ["U+001B"]),
    ("Pencegahan", 2, "Hasil", "Peserta memahami pengawasan", ["U+001B"]),
    ("Kelembagaan", 2, "Program", "Digitalisasi arsip", ["U+0000"]),
    ("Identitas", 6, "Disusun Oleh", "Siti Aminah", ["U+0007"]),
]


def test_control_characters_are_removed_with_a_row_warning(tmp_path, banten, now):
    report = verdict(control_report(tmp_path / "r.xlsx"), banten, now)
    assert report.status == ACCEPTED_WITH_ISSUES, report.rejection
    warnings = [i for i in report.issues if i.rule == CONTROL_CHARACTERS_RULE]
    assert len(warnings) == len(report.issues)  # nothing else is wrong with the file
    assert sorted((i.sheet, i.row, i.column, i.value) for i in warnings) == sorted(
        e[:4] for e in EXPECTED_ISSUES
    )
    for issue in warnings:
        removed = next(e[4] for e in EXPECTED_ISSUES if e[:3] == (issue.sheet, issue.row, issue.column))
        assert all(code in issue.problem for code in removed), issue.problem
        assert "dihapus" in issue.problem and "Tidak ada yang perlu diperbaiki" in issue.problem
    assert report.identity.prepared_by == "Siti Aminah"
    texts = [c.text for r in report.all_records() for c in r.cells.values() if c.text]
    assert "Evaluasi pengawasan" in texts and not any(CONTROL.search(t) for t in texts)


def test_a_sheet_name_with_a_control_character_is_matched_without_it(tmp_path, banten, now):
    good = report_file(tmp_path / "good.xlsx")
    path = edit_zip(
        good,
        tmp_path / "r.xlsx",
        lambda n, d: d.replace(b'name="Pleno"', b'name="Pl&#7;eno"') if n == "xl/workbook.xml" else d,
    )
    report = read_report(path, banten, now, "3603")
    assert report.rejection is None and len(report.records["pleno"]) == 2


def test_control_characters_load_on_the_warehouse_and_in_the_feedback(tmp_path, warehouse_url):
    root = tmp_path / "drive"
    # the file name holds a control character too: it is stored without it
    control_report(root / "inbox/3603/Laporan\x07_3603_2026-01.xlsx")
    settings = make_settings(root, warehouse_url)
    summary = ingest(settings)
    assert summary["counts"]["accepted_with_issues"] == 1 and summary["loaded"] == 1, summary
    sub = rows(warehouse_url, "SELECT submission_id, file_name, status, warnings FROM submissions")
    assert [(s.file_name, s.status) for s in sub] == [("Laporan_3603_2026-01.xlsx", "accepted_with_issues")]
    stored = [
        *rows(warehouse_url, "SELECT agenda, decision, minutes, remarks FROM pleno_records"),
        *rows(
            warehouse_url,
            "SELECT activity_name, location, target_group, result, evidence FROM pencegahan_records",
        ),
        *rows(warehouse_url, "SELECT program, target, output, evidence FROM kelembagaan_records"),
        *rows(warehouse_url, "SELECT sheet, column_name, value, problem FROM row_issues"),
        *sub,
    ]
    values = [str(v) for row in stored for v in row if v is not None]
    assert "Evaluasi pengawasan" in values and "Kec. Cikupa" in values
    assert not any(CONTROL.search(v) for v in values)
    issues = rows(
        warehouse_url, "SELECT sheet, excel_row, column_name, rule FROM row_issues ORDER BY issue_no"
    )
    assert sorted((i.sheet, i.excel_row, i.column_name) for i in issues) == sorted(
        e[:3] for e in EXPECTED_ISSUES
    )
    assert {i.rule for i in issues} == {CONTROL_CHARACTERS_RULE}
    (feedback,) = (root / "feedback/3603").glob("Umpan_Balik_3603_2026-01_*.xlsx")
    book = load_workbook(feedback)
    header, *notes = book["Catatan"].iter_rows(values_only=True)
    at = {h: header.index(h) for h in ("Lembar", "Baris", "Kolom")}
    assert sorted((n[at["Lembar"]], n[at["Baris"]], n[at["Kolom"]]) for n in notes) == sorted(
        e[:3] for e in EXPECTED_ISSUES
    )
    assert book["Ringkasan"]["B5"].value == "Laporan_3603_2026-01.xlsx"


def test_feedback_survives_text_no_xlsx_can_hold(tmp_path, registry):
    """openpyxl raises IllegalCharacterError on control characters, and no encoder takes a
    lone surrogate (a file name with non-UTF-8 bytes): the feedback is written all the same."""
    report = Report(path=tmp_path / "Laporan_\udcff\x1b.xlsx")
    report.reject("unreadable", "Berkas rusak\x00")
    report.warnings.append("Nama\x07 Kab/Kota")
    report.issues.append(Issue("Pleno", 3, "Agenda", "x\x00\ud800", "masalah\x1b"))
    path = write_feedback(report, registry.get("3603"), tmp_path / "fb", _local_now(), "catatan\x00")
    book = load_workbook(path)
    values = [str(v) for ws in book for row in ws.iter_rows(values_only=True) for v in row if v is not None]
    assert "Laporan_\ufffd.xlsx" in values
    assert not any(CONTROL.search(v) for v in values)


def _local_now():
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return datetime(2026, 2, 3, 10, 0, tzinfo=ZoneInfo("Asia/Jakarta"))


def test_the_plain_sheet_scan_agrees_with_the_exact_scan_or_leaves_it_to_it(tmp_path):
    """The regex fast path of the limit scan (opening._scan_xlsx_sheet_plain) decides only
    what the element-by-element scan would decide the same way: on the demo drive, the
    fixtures and sheets with content or formats beyond the limits, with prefixes, or
    without cell positions, it either returns the exact scan's answer or steps aside."""
    import zipfile

    from rekap.dev.demo import generate_demo_drive
    from rekap.registry import load_registry
    from rekap.report import opening

    generate_demo_drive(tmp_path / "demo", load_registry())
    files = sorted((tmp_path / "demo" / "inbox").rglob("*.xlsx"))
    files += sorted((Path(__file__).parent / "fixtures").glob("*.xlsx"))
    limits = opening.Limits()
    decided = stepped_aside = 0
    for path in files:
        if not zipfile.is_zipfile(path):
            continue
        with zipfile.ZipFile(path) as zf:
            styles = next((n for n in zf.namelist() if n.endswith("styles.xml")), "")
            percent = opening._percent_styles(zf, styles) if styles else set()
            for part in (n for n in zf.namelist() if n.startswith("xl/worksheets/sheet")):
                plain = opening._scan_xlsx_sheet_plain(zf, part, percent, limits)
                if plain is None:
                    stepped_aside += 1
                    continue
                decided += 1
                assert plain == opening._scan_xlsx_sheet(zf, part, part, percent, limits), (path, part)
    assert decided > 20
    for name, body in {
        "beyond": '<c r="A9000"><v>1</v></c>',  # content beyond the rows: the exact scan refuses
        "formatted": '<c r="XFD5" s="1"/>',  # only a format beyond the columns: the exact scan allows
        "prefixed": '<x:c r="A1"><x:v>1</x:v></x:c>',
        "unpositioned": "<c><v>1</v></c>",
    }.items():
        sheet = f'<worksheet><sheetData><row r="1">{body}</row></sheetData></worksheet>'.encode()
        target = tmp_path / f"{name}.zip"
        with zipfile.ZipFile(target, "w") as zf:
            zf.writestr("xl/worksheets/sheet1.xml", sheet)
        with zipfile.ZipFile(target) as zf:
            assert opening._scan_xlsx_sheet_plain(zf, "xl/worksheets/sheet1.xml", set(), limits) is None, name
