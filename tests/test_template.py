"""``rekap template``: the blank report workbook, opened with openpyxl and read back."""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from rekap.cli import main
from rekap.dev.demo import fill_template
from rekap.report import vocab
from rekap.report.check import check_file
from rekap.report.model import ACCEPTED, REJECTED
from rekap.report.template import FIRST_DATA_ROW, FORM_ROWS, HEADER_ROW, template_filename
from workbooks import kelembagaan_row, pencegahan_row, pleno_row

DATA_SHEETS = ("Pleno", "Pencegahan", "Kelembagaan")


@pytest.fixture
def template(tmp_path, capsys) -> Path:
    out = tmp_path / "t.xlsx"
    assert main(["template", "--district", "3603", "--month", "2026-01", "-o", str(out)]) == 0
    assert capsys.readouterr().out.strip() == str(out)
    return out


def test_filename():
    assert template_filename("3603", 2026, 1) == "Laporan_3603_2026-01.xlsx"
    assert template_filename("3671", 2025, 12) == "Laporan_3671_2025-12.xlsx"


def test_default_output_name_and_dotted_district(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["template", "--district", "36.03", "--month", "2026-02"]) == 0
    assert (tmp_path / "Laporan_3603_2026-02.xlsx").is_file()
    assert capsys.readouterr().out.strip() == "Laporan_3603_2026-02.xlsx"


@pytest.mark.parametrize(
    "args", [["--district", "9999", "--month", "2026-01"], ["--district", "3603", "--month", "2026-13"]]
)
def test_bad_arguments_are_usage_errors(tmp_path, args, capsys):
    assert main(["template", *args, "-o", str(tmp_path / "x.xlsx")]) == 1
    assert "rekap:" in capsys.readouterr().err
    assert not (tmp_path / "x.xlsx").exists()


def test_sheets_and_headers(template):
    wb = load_workbook(template)
    visible = [ws.title for ws in wb.worksheets if ws.sheet_state == "visible"]
    assert visible == ["Petunjuk", "Identitas", "Pleno", "Pencegahan", "Kelembagaan"]
    assert wb.active.title == "Petunjuk"  # it opens on the instructions
    for kind in vocab.RECORD_KINDS:
        ws = wb[vocab.SHEET_NAMES[kind]]
        labels = [f.label + (" *" if f.required else "") for f in vocab.SHEET_FIELDS[kind]]
        header = [c.value for c in ws[HEADER_ROW]][: len(labels)]
        assert header == labels  # required columns marked, and the legend says what * means
        assert "bertanda * wajib diisi" in ws.cell(row=2, column=1).value
        assert ws.max_column == len(labels)  # nothing after the last column
        assert ws.freeze_panes == "A5"  # header and example stay visible
        for col in range(1, len(labels) + 1):
            letter = get_column_letter(col)
            assert ws.column_dimensions[letter].width >= 8


def test_one_greyed_locked_example_row_marked_contoh(template):
    wb = load_workbook(template)
    for name in DATA_SHEETS:
        ws = wb[name]
        assert ws.max_row == FIRST_DATA_ROW + FORM_ROWS - 1, name  # the bordered blank form, nothing more
        example = ws[4]
        assert example[0].value == "Contoh"
        assert example[0].fill.fgColor.rgb.endswith("D9D9D9")
        assert example[0].font.italic
        assert all(c.protection.locked for c in example)


def test_identity_prefill(template):
    ws = load_workbook(template)["Identitas"]
    rows = {ws.cell(row=r, column=1).value: ws.cell(row=r, column=2).value for r in range(4, ws.max_row + 1)}
    assert list(rows) == [f.label + (" *" if f.required else "") for f in vocab.IDENTITY_FIELDS]
    assert rows["Kode Kab/Kota *"] == "3603"
    assert rows["Nama Kab/Kota"] == "Kabupaten Tangerang"
    assert rows["Bulan *"] == "Januari"
    assert rows["Tahun *"] == 2026
    assert rows["Jumlah Anggota *"] is None
    assert rows["Disusun Oleh"] is None
    assert rows["Tanggal Laporan"] is None


def test_protection_without_password_locks_what_is_given(template):
    """Identity and headers are locked, what the district fills is not; no password, so a clerk
    can unprotect knowingly."""
    wb = load_workbook(template)
    for ws in (wb[n] for n in ("Petunjuk", "Identitas", *DATA_SHEETS)):
        assert ws.protection.sheet is True, ws.title
        assert not ws.protection.password, ws.title
    ident = wb["Identitas"]
    keys = {ident.cell(row=r, column=1).value: r for r in range(4, ident.max_row + 1)}
    for locked in ("Kode Kab/Kota *", "Nama Kab/Kota", "Bulan *", "Tahun *"):
        assert ident.cell(row=keys[locked], column=2).protection.locked, locked
        assert ident.cell(row=keys[locked], column=1).protection.locked, locked
    for free in ("Jumlah Anggota *", "Disusun Oleh", "Tanggal Laporan"):
        assert not ident.cell(row=keys[free], column=2).protection.locked, free
    for name in DATA_SHEETS:
        ws = wb[name]
        assert all(c.protection.locked for c in ws[HEADER_ROW]), name
        assert not any(c.protection.locked for c in ws[FIRST_DATA_ROW]), name
        # below the bordered form the column style keeps typing possible
        for col in range(1, ws.max_column + 1):
            assert ws.column_dimensions[get_column_letter(col)].protection.locked is False


def test_page_setup_a4_landscape_one_page_wide(template):
    wb = load_workbook(template)
    for ws in (wb[n] for n in ("Petunjuk", "Identitas", *DATA_SHEETS)):
        assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4)
        assert ws.page_setup.orientation == "landscape"
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
    for name in DATA_SHEETS:
        assert wb[name].print_title_rows == "$3:$3"


def _validations(ws) -> dict[str, object]:
    """Column letter -> the data validation covering its first data row."""
    found = {}
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            if rng.min_row <= FIRST_DATA_ROW <= rng.max_row:
                for col in range(rng.min_col, rng.max_col + 1):
                    found[ws.cell(row=FIRST_DATA_ROW, column=col).column_letter] = dv
    return found


def _letter(kind: str, name: str) -> str:
    index = next(i for i, f in enumerate(vocab.SHEET_FIELDS[kind], start=1) if f.name == name)
    return chr(ord("A") + index - 1)


def _list_values(wb, formula: str) -> list[str]:
    """The values behind a list validation that names a defined range."""
    defined = wb.defined_names[formula]
    sheet, ref = next(iter(defined.destinations))
    return [row[0].value for row in wb[sheet][ref.replace("$", "")]]


@pytest.mark.parametrize(
    ("kind", "name", "values"),
    [
        (vocab.PLENO, "pleno_type", vocab.PLENO_TYPES),
        (vocab.PENCEGAHAN, "activity_type", vocab.ACTIVITY_TYPES),
        (vocab.KELEMBAGAAN, "aspect", vocab.ASPECTS),
    ],
)
def test_drop_down_for_every_enumeration(template, kind, name, values):
    wb = load_workbook(template)
    dv = _validations(wb[vocab.SHEET_NAMES[kind]])[_letter(kind, name)]
    assert dv.type == "list"
    assert _list_values(wb, dv.formula1) == list(values)
    assert wb["Daftar"].sheet_state == "hidden"
    # the example row is outside the validated range (its "Contoh" is not a valid Aspek)
    assert all(rng.min_row >= FIRST_DATA_ROW for rng in dv.sqref.ranges)


def test_number_validations_and_formats(template):
    wb = load_workbook(template)
    pleno, pencegahan, kelembagaan = (wb[n] for n in DATA_SHEETS)
    hadir = _validations(pleno)[_letter(vocab.PLENO, "attendance")]
    # at most the Jumlah Anggota the district gives on Identitas
    ident = wb["Identitas"]
    members_row = next(r for r in range(1, 20) if ident.cell(row=r, column=1).value == "Jumlah Anggota *")
    assert (hadir.type, hadir.operator, hadir.formula1) == ("whole", "between", "0")
    assert hadir.formula2 == f"Identitas!$B${members_row}"
    peserta = _validations(pencegahan)[_letter(vocab.PENCEGAHAN, "participants")]
    assert (peserta.type, peserta.operator, peserta.formula1) == ("whole", "greaterThanOrEqual", "0")
    capaian = _validations(kelembagaan)[_letter(vocab.KELEMBAGAAN, "progress")]
    assert (capaian.type, capaian.operator, capaian.formula1, capaian.formula2) == (
        "decimal",
        "between",
        "0",
        "100",
    )
    for ws, kind in ((pleno, vocab.PLENO), (pencegahan, vocab.PENCEGAHAN)):
        letter = _letter(kind, "date")
        tanggal = _validations(ws)[letter]
        assert tanggal.type == "date"
        # January 2026 as Excel serials: 46023 = 01/01/2026, 46053 = 31/01/2026
        assert (tanggal.formula1, tanggal.formula2) == ("46023", "46053")
        assert ws.column_dimensions[letter].number_format == "DD/MM/YYYY"
        assert ws[f"{letter}{FIRST_DATA_ROW}"].number_format == "DD/MM/YYYY"
        assert ws[f"{letter}4"].number_format == "DD/MM/YYYY"
        assert ws[f"{letter}4"].value.date() == date(2026, 1, 5)


def _instructions(path: Path) -> str:
    return "\n".join(str(c.value) for c in load_workbook(path)["Petunjuk"]["A"] if c.value)


def test_instructions_in_plain_indonesian_without_a_command_line(template):
    text = _instructions(template)
    assert "Laporan Bulanan Kabupaten Tangerang — Januari 2026" in text
    assert "Contoh" in text and "bertanda * wajib diisi" in text
    assert "paling lambat diterima 5 Februari 2026 pukul 23.59 WIB" in text  # due by day 5 of M+1
    assert "inbox/3603/" in text and "feedback/3603/" in text
    assert "rekap" not in text.lower().replace("rekap provinsi", "")  # no command line
    assert "template" not in text.lower()  # one word: templat
    for value in (*vocab.PLENO_TYPES, *vocab.ACTIVITY_TYPES, *vocab.ASPECTS):
        assert value in text


def test_december_deadline_is_in_january(tmp_path, capsys):
    out = tmp_path / "des.xlsx"
    assert main(["template", "--district", "3603", "--month", "2025-12", "-o", str(out)]) == 0
    assert "paling lambat diterima 5 Januari 2026" in _instructions(out)


def test_deadline_day_is_the_setting(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("REKAP_DEADLINE_DAY", "10")
    out = tmp_path / "t.xlsx"
    assert main(["template", "--district", "3603", "--month", "2026-01", "-o", str(out)]) == 0
    text = _instructions(out)
    assert "paling lambat diterima 10 Februari 2026" in text and "tanggal 10 bulan berikutnya" in text


def test_all_writes_one_template_per_district_of_the_province(tmp_path, monkeypatch, capsys, banten):
    monkeypatch.setenv("REKAP_PROVINCE", "36")
    folder = tmp_path / "kirim"
    assert main(["template", "--all", "--month", "2026-03", "-o", str(folder)]) == 0
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted(template_filename(d.district_code, 2026, 3) for d in banten.districts)
    assert capsys.readouterr().out.strip() == f"{len(names)} templates for 2026-03 written to {folder}"
    ident = load_workbook(folder / "Laporan_3671_2026-03.xlsx")["Identitas"]
    assert ident["B4"].value == "3671" and ident["B6"].value == "Maret"


def test_district_or_all_is_required(tmp_path, capsys):
    assert main(["template", "--month", "2026-01", "-o", str(tmp_path / "x.xlsx")]) == 1
    assert main(["template", "--all", "--district", "3603", "--month", "2026-01"]) == 1


def test_deadline_is_the_configured_deadline_day(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("REKAP_DEADLINE_DAY", "10")
    out = tmp_path / "jan.xlsx"
    assert main(["template", "--district", "3603", "--month", "2026-01", "-o", str(out)]) == 0
    text = "\n".join(str(c.value) for c in load_workbook(out)["Petunjuk"]["A"] if c.value)
    assert "paling lambat diterima 10 Februari 2026 pukul 23.59 WIB" in text
    assert "(setiap bulan: tanggal 10 bulan berikutnya)" in text


def test_filled_template_is_accepted_with_exactly_the_data_rows(tmp_path, banten, now):
    path = fill_template(
        tmp_path / "isi.xlsx",
        banten.get("3603"),
        2026,
        1,
        5,
        [pleno_row(1, date(2026, 1, 5)), pleno_row(2, date(2026, 1, 12), jenis="Khusus", hadir=3)],
        [pencegahan_row(1, date(2026, 1, 19))],
        [kelembagaan_row(), kelembagaan_row(aspek="PPID", capaian=40, program="Layanan PPID")],
    )
    report = check_file(path, banten, now, folder_district="3603")
    assert report.status == ACCEPTED, (report.rejection, report.issues)
    assert report.record_counts() == {"pleno": 2, "pencegahan": 1, "kelembagaan": 2}
    assert [r.row for r in report.records["pleno"]] == [5, 6]  # the example row 4 is not a record
    assert report.records["kelembagaan"][1].value("aspect") == "Pelayanan Informasi Hukum dan PPID"
    assert report.identity.members == 5 and report.warnings == []


def test_template_with_only_identity_filled_is_an_empty_report(tmp_path, banten, now):
    path = fill_template(tmp_path / "kosong.xlsx", banten.get("3603"), 2026, 1, 5, [], [], [])
    report = check_file(path, banten, now, folder_district="3603")
    assert report.status == REJECTED
    assert report.rejection_code == "empty_report"
    assert "Templat kosong tidak dihitung" in report.rejection


def test_untouched_template_is_rejected(template, banten, now):
    # Jumlah Anggota is the district's to fill, so an untouched template fails on Identitas
    # before the empty-report rule; either way it never counts as received.
    report = check_file(template, banten, now, folder_district="3603")
    assert report.status == REJECTED
    assert report.rejection_code == "identity_incomplete"
    assert "Jumlah Anggota wajib diisi" in report.rejection


def test_typed_over_example_row_is_a_record(tmp_path, banten, now):
    """A clerk who types a real pleno over the grey example row (after unprotecting, or in a
    program that ignores protection) gets it read, not silently dropped."""
    path = fill_template(
        tmp_path / "isi.xlsx", banten.get("3603"), 2026, 1, 5, [pleno_row(1, date(2026, 1, 12))], [], []
    )
    wb = load_workbook(path)
    ws = wb["Pleno"]
    ws["B4"].value = datetime(2026, 1, 5)  # the example's own date kept...
    ws["D4"].value = "007/BA/PL.01/01/2026"  # ...but a real Berita Acara typed over it
    wb.save(path)
    report = check_file(path, banten, now, folder_district="3603")
    assert [r.row for r in report.records["pleno"]] == [4, 5]
    assert report.records["pleno"][0].cells["minutes_number"].text == "007/BA/PL.01/01/2026"


def soffice() -> str:
    """LibreOffice's binary. Without it the test is skipped on a workstation, but fails in CI
    (CI=true): .ci/run installs libreoffice-calc-nogui, so a missing soffice is a broken CI."""
    found = shutil.which("soffice")
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("soffice (LibreOffice) is not installed: CI must run the LibreOffice round trip")
        pytest.skip("soffice (LibreOffice) is not installed")
    return found


def test_template_survives_a_libreoffice_round_trip(tmp_path, banten, now):
    """Saved again by LibreOffice (as a clerk does): protection, validations, drop-downs and the
    unlocked input cells are intact, and the example row still reads as no record."""
    filled = fill_template(
        tmp_path / "Laporan_3603_2026-01.xlsx",
        banten.get("3603"),
        2026,
        1,
        5,
        [pleno_row(1, date(2026, 1, 12))],
        [],
        [kelembagaan_row()],
    )
    out = tmp_path / "lo"
    subprocess.run(
        [
            soffice(),
            f"-env:UserInstallation=file://{tmp_path / 'profile'}",
            "--headless",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(out),
            str(filled),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    saved = out / filled.name
    wb = load_workbook(saved)
    assert wb.active.title == "Petunjuk"
    for name in ("Identitas", *DATA_SHEETS):
        assert wb[name].protection.sheet is True and not wb[name].protection.password, name
    ident = wb["Identitas"]
    assert ident["B4"].protection.locked and not ident["B8"].protection.locked
    pleno = wb["Pleno"]
    assert all(c.protection.locked for c in pleno[HEADER_ROW]) and all(c.protection.locked for c in pleno[4])
    assert not any(c.protection.locked for c in pleno[FIRST_DATA_ROW + 1])
    hadir = _validations(pleno)[_letter(vocab.PLENO, "attendance")]
    assert (hadir.type, hadir.formula2) == ("whole", "Identitas!$B$8")
    jenis = _validations(pleno)[_letter(vocab.PLENO, "pleno_type")]
    assert jenis.type == "list" and _list_values(wb, jenis.formula1) == list(vocab.PLENO_TYPES)
    aspek = _validations(wb["Kelembagaan"])[_letter(vocab.KELEMBAGAAN, "aspect")]
    assert _list_values(wb, aspek.formula1) == list(vocab.ASPECTS)
    assert pleno.column_dimensions["B"].number_format.lower() == "dd/mm/yyyy"

    report = check_file(saved, banten, now, folder_district="3603")
    assert report.status == ACCEPTED, (report.rejection, report.issues)
    assert report.record_counts() == {"pleno": 1, "pencegahan": 0, "kelembagaan": 1}
    assert [r.row for r in report.records["pleno"]] == [FIRST_DATA_ROW]
