"""``rekap template``: the blank report workbook, opened with openpyxl and read back."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from rekap import vocab
from rekap.check import check_file
from rekap.cli import main
from rekap.demo import fill_template
from rekap.model import ACCEPTED, REJECTED
from rekap.template import template_filename
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
    assert visible == ["Identitas", "Pleno", "Pencegahan", "Kelembagaan", "Petunjuk"]
    for kind in vocab.RECORD_KINDS:
        ws = wb[vocab.SHEET_NAMES[kind]]
        labels = [f.label for f in vocab.SHEET_FIELDS[kind]]
        header = [c.value for c in ws[1]][: len(labels)]
        assert header == labels
        assert ws.max_column == len(labels)  # nothing after the last column
        assert ws.freeze_panes == "A2"  # header stays visible
        for col in range(1, len(labels) + 1):
            letter = ws.cell(row=1, column=col).column_letter
            assert ws.column_dimensions[letter].width >= 8


def test_one_greyed_example_row_marked_contoh(template):
    wb = load_workbook(template)
    for name in DATA_SHEETS:
        ws = wb[name]
        assert ws.max_row == 2, name  # header + example, nothing else
        example = ws[2]
        assert example[0].value == "Contoh"
        assert example[0].fill.fgColor.rgb.endswith("D9D9D9")
        assert example[0].font.italic


def test_identity_prefill(template):
    ws = load_workbook(template)["Identitas"]
    rows = {ws.cell(row=r, column=1).value: ws.cell(row=r, column=2).value for r in range(1, ws.max_row + 1)}
    assert list(rows) == [f.label for f in vocab.IDENTITY_FIELDS]
    assert rows["Kode Kab/Kota"] == "3603"
    assert rows["Nama Kab/Kota"] == "Kabupaten Tangerang"
    assert rows["Bulan"] == "Januari"
    assert rows["Tahun"] == 2026
    assert rows["Jumlah Anggota"] is None
    assert rows["Disusun Oleh"] is None
    assert rows["Tanggal Laporan"] is None


def _validations(ws) -> dict[str, object]:
    """Column letter -> the data validation covering its first data row (row 3)."""
    found = {}
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            if rng.min_row <= 3 <= rng.max_row:
                for col in range(rng.min_col, rng.max_col + 1):
                    found[ws.cell(row=3, column=col).column_letter] = dv
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
    assert all(rng.min_row >= 3 for rng in dv.sqref.ranges)


def test_number_validations_and_formats(template):
    wb = load_workbook(template)
    pleno, pencegahan, kelembagaan = (wb[n] for n in DATA_SHEETS)
    hadir = _validations(pleno)[_letter(vocab.PLENO, "attendance")]
    assert (hadir.type, hadir.formula1) == ("whole", "0")
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
        assert ws[f"{letter}2"].number_format == "DD/MM/YYYY"
        assert ws[f"{letter}2"].value.date() == date(2026, 1, 5)


def test_instructions_in_indonesian(template):
    ws = load_workbook(template)["Petunjuk"]
    text = "\n".join(str(c.value) for c in ws["A"] if c.value)
    assert "Petunjuk Pengisian" in text
    assert "Contoh" in text
    assert "paling lambat 5 Februari 2026" in text  # report of M due by day 5 of M+1
    assert "inbox/3603/" in text
    assert "rekap validate" in text
    for value in (*vocab.PLENO_TYPES, *vocab.ACTIVITY_TYPES, *vocab.ASPECTS):
        assert value in text


def test_december_deadline_is_in_january(tmp_path, capsys):
    out = tmp_path / "des.xlsx"
    assert main(["template", "--district", "3603", "--month", "2025-12", "-o", str(out)]) == 0
    text = "\n".join(str(c.value) for c in load_workbook(out)["Petunjuk"]["A"] if c.value)
    assert "paling lambat 5 Januari 2026" in text


def test_deadline_is_the_configured_deadline_day(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("REKAP_DEADLINE_DAY", "10")
    out = tmp_path / "jan.xlsx"
    assert main(["template", "--district", "3603", "--month", "2026-01", "-o", str(out)]) == 0
    text = "\n".join(str(c.value) for c in load_workbook(out)["Petunjuk"]["A"] if c.value)
    assert "paling lambat tanggal 10 bulan M+1" in text
    assert "paling lambat 10 Februari 2026" in text


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
    assert [r.row for r in report.records["pleno"]] == [3, 4]  # the example row 2 is not a record
    assert report.records["kelembagaan"][1].value("aspect") == "Pelayanan Informasi Hukum dan PPID"
    assert report.identity.members == 5 and report.warnings == []


def test_template_with_only_identity_filled_is_an_empty_report(tmp_path, banten, now):
    path = fill_template(tmp_path / "kosong.xlsx", banten.get("3603"), 2026, 1, 5, [], [], [])
    report = check_file(path, banten, now, folder_district="3603")
    assert report.status == REJECTED
    assert report.rejection_code == "empty_report"
    assert "Template kosong tidak dihitung" in report.rejection


def test_untouched_template_is_rejected(template, banten, now):
    # Jumlah Anggota is the district's to fill, so an untouched template fails on Identitas
    # before the empty-report rule; either way it never counts as received.
    report = check_file(template, banten, now, folder_district="3603")
    assert report.status == REJECTED
    assert report.rejection_code == "identity_incomplete"
    assert "Jumlah Anggota wajib diisi" in report.rejection
