"""The reader and the GX rules on real workbook files: the common cases end to end."""

from __future__ import annotations

from datetime import date

from rekap.report.check import check_file
from rekap.report.model import ACCEPTED, ACCEPTED_WITH_ISSUES, REJECTED
from workbooks import pencegahan_row, pleno_row, write_report


def test_clean_report_is_accepted_with_typed_records(tmp_path, banten, now):
    path = write_report(
        tmp_path / "r.xlsx",
        pleno=[pleno_row(1, date(2026, 1, 5)), pleno_row(2, "12/01/2026", hadir="3 orang")],
        pencegahan=[pencegahan_row(1, "Senin, 19 Januari 2026", peserta="1.250")],
    )
    report = check_file(path, banten, now, folder_district="3603")
    assert report.status == ACCEPTED, report.issues
    assert report.identity.district_code == "3603" and (report.identity.year, report.identity.month) == (
        2026,
        1,
    )
    pleno = report.records["pleno"]
    assert [r.row for r in pleno] == [2, 3]
    assert pleno[1].value("date") == date(2026, 1, 12)
    assert pleno[1].value("attendance") == 3
    assert report.records["pencegahan"][0].value("participants") == 1250
    assert report.records["pencegahan"][0].value("date") == date(2026, 1, 19)


def test_row_problems_come_from_the_gx_suite_with_excel_rows(tmp_path, banten, now):
    path = write_report(
        tmp_path / "r.xlsx",
        title_rows=2,
        pleno=[
            pleno_row(1, date(2026, 1, 5), hadir=7),  # more than 5 members
            pleno_row(2, "bukan tanggal", jenis="Harian"),
            pleno_row(3, date(2026, 2, 2)),  # outside January
        ],
    )
    report = check_file(path, banten, now, folder_district="3603")
    assert report.status == ACCEPTED_WITH_ISSUES
    found = {(i.row, i.column, i.rule) for i in report.issues}
    # header on row 3 (after two title rows): data rows 4, 5, 6
    assert found == {
        (4, "Jumlah Hadir", "attendance_within_members"),
        (5, "Tanggal", "readable"),
        (5, "Jenis Pleno", "enumeration"),
        (6, "Tanggal", "date_in_month"),
    }
    over = next(i for i in report.issues if i.row == 4)
    assert over.value == "7" and over.sheet == "Pleno"
    # hadir > anggota makes the value absent everywhere downstream
    assert report.records["pleno"][0].value("attendance") is None


def test_wrong_district_is_rejected_with_instructions(tmp_path, banten, now):
    path = write_report(tmp_path / "r.xlsx", district="36.03", pleno=[pleno_row(1, date(2026, 1, 5))])
    report = check_file(path, banten, now, folder_district="3601")
    assert report.status == REJECTED
    assert "folder 3601" in report.rejection and "3603" in report.rejection
    assert report.records == {}
