"""Every file-level rejection of report-format.md: the code, and a message that says what to do."""

from __future__ import annotations

import shutil
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from rekap.registry import load_registry
from rekap.report.check import check_file
from rekap.report.model import ACCEPTED, REJECTED, Report
from rekap.report.opening import Limits
from workbooks import KELEMBAGAAN_HEADERS, kelembagaan_row, pencegahan_row, pleno_row, write_report

FIXTURES = Path(__file__).parent / "fixtures"
# Every message tells the district what to do; one of these verbs says it.
ACTIONS = ("unggah", "periksa", "perbaiki", "simpan ulang", "gunakan", "isi ", "hapus")


def rejected(report: Report, code: str, *phrases: str) -> str:
    assert report.status == REJECTED, report.issues
    assert report.rejection_code == code, report.rejection
    assert report.records == {} and report.issues == []  # nothing from the file is loaded
    message = report.rejection
    assert any(action in message.lower() for action in ACTIONS), message
    for phrase in phrases:
        assert phrase in message, message
    return message


def good_report(path: Path, **kwargs) -> Path:
    kwargs.setdefault("pleno", [pleno_row(1, date(2026, 1, 5))])
    return write_report(path, **kwargs)


def check(path: Path, banten, now, folder: str | None = "3603", limits: Limits | None = None) -> Report:
    return check_file(path, banten, now, folder_district=folder, limits=limits)


# --- not a readable workbook ---------------------------------------------------------------


def test_truncated_xlsx_is_unreadable(tmp_path, banten, now):
    whole = good_report(tmp_path / "whole.xlsx").read_bytes()
    path = tmp_path / "r.xlsx"
    path.write_bytes(whole[: len(whole) // 2])
    rejected(check(path, banten, now), "unreadable", "rusak", ".xlsx")


def test_zip_with_broken_workbook_xml_is_unreadable(tmp_path, banten, now):
    src = good_report(tmp_path / "whole.xlsx")
    path = tmp_path / "r.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(path, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename == "xl/workbook.xml":
                data = data[: len(data) // 3]  # cut mid-tag
            zout.writestr(item, data)
    rejected(check(path, banten, now), "unreadable", "rusak")


def test_password_protected_xlsx(tmp_path, banten, now):
    report = check(FIXTURES / "password_protected.xlsx", banten, now)
    rejected(report, "encrypted", "kata sandi", "hapus kata sandinya")


def test_excel97_file_renamed_to_xlsx(banten, now):
    # saved by LibreOffice as "MS Excel 97", then renamed
    rejected(check(FIXTURES / "excel97_renamed.xlsx", banten, now), "wrong_format", ".xls", "Simpan ulang")


def test_csv_renamed_to_xlsx(tmp_path, banten, now):
    path = tmp_path / "laporan.xlsx"
    path.write_text("No;Tanggal;Jenis Pleno\n1;05/01/2026;Rutin\n", encoding="utf-8")
    rejected(check(path, banten, now), "unreadable", "CSV", ".xlsx")


def test_pdf_renamed_to_xlsx(tmp_path, banten, now):
    path = tmp_path / "scan.xlsx"
    path.write_bytes(b"%PDF-1.4\n% scan\n")
    rejected(check(path, banten, now), "unreadable", ".xlsx")


@pytest.mark.parametrize("suffix", [".xls", ".csv", ".pdf", ".jpg", ".docx", ""])
def test_wrong_format_by_extension(tmp_path, banten, now, suffix):
    src = good_report(tmp_path / "r.xlsx")
    path = tmp_path / f"laporan{suffix}"
    shutil.copy(src, path)  # even a real workbook inside: the format is .xlsx or .ods
    rejected(check(path, banten, now), "wrong_format", suffix or "(tanpa ekstensi)", "Simpan ulang")


def test_empty_file(tmp_path, banten, now):
    path = tmp_path / "kosong.xlsx"
    path.touch()
    rejected(check(path, banten, now), "unreadable", "0 byte")


# --- limits --------------------------------------------------------------------------------


def test_larger_than_the_size_limit(tmp_path, banten, now):
    path = good_report(tmp_path / "r.xlsx")
    size = path.stat().st_size
    rejected(check(path, banten, now, limits=Limits(max_file_bytes=size - 1)), "too_large", "melebihi batas")
    assert check(path, banten, now, limits=Limits(max_file_bytes=size)).status == ACCEPTED


def test_zip_bomb_unpacked_size_over_the_limit(tmp_path, banten, now):
    path = good_report(tmp_path / "r.xlsx")
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/media/padding.bin", bytes(30 * 1024 * 1024))  # 30 MB of zeros
    assert path.stat().st_size < 100 * 1024  # compresses to almost nothing
    limits = Limits(max_unpacked_bytes=20 * 1024 * 1024)
    rejected(check(path, banten, now, limits=limits), "too_large", "setelah dibuka", "unggah kembali")


def test_more_rows_than_the_limit(tmp_path, banten, now):
    rows = [pleno_row(n, date(2026, 1, 5), ba=f"BA-{n}") for n in range(1, 81)]
    path = good_report(tmp_path / "r.xlsx", pleno=rows)
    message = rejected(
        check(path, banten, now, limits=Limits(max_rows_per_sheet=20)), "too_many_rows", "melebihi batas"
    )
    assert "20" in message
    assert check(path, banten, now, limits=Limits(max_rows_per_sheet=80)).status == ACCEPTED


def test_more_data_rows_than_the_limit_within_the_sheet_height_margin(tmp_path, banten, now):
    rows = [pleno_row(n, date(2026, 1, 5), ba=f"BA-{n}") for n in range(1, 31)]
    path = good_report(tmp_path / "r.xlsx", pleno=rows)
    rejected(check(path, banten, now, limits=Limits(max_rows_per_sheet=20)), "too_many_rows", "30 baris data")


# --- Identitas -----------------------------------------------------------------------------


def test_identitas_missing(tmp_path, banten, now):
    path = good_report(tmp_path / "r.xlsx", sheet_names={"Identitas": "Data Umum"})
    rejected(check(path, banten, now), "identity_missing", "Identitas")


@pytest.mark.parametrize(
    ("kwargs", "label"),
    [
        ({"month": None}, "Bulan"),
        ({"year": "-"}, "Tahun"),
        ({"members": None}, "Jumlah Anggota"),
        ({"district": "  "}, "Kode Kab/Kota"),
    ],
)
def test_required_identity_key_missing(tmp_path, banten, now, kwargs, label):
    path = good_report(tmp_path / "r.xlsx", **kwargs)
    rejected(check(path, banten, now, folder=None), "identity_incomplete", label, "wajib diisi")


@pytest.mark.parametrize(
    ("kwargs", "label"),
    [
        ({"district": "Tangerang"}, "Kode Kab/Kota"),
        ({"month": "Jnuari"}, "Bulan"),
        ({"month": 13}, "Bulan"),
        ({"year": "dua ribu"}, "Tahun"),
        ({"year": 26}, "Tahun"),
        ({"members": "lima"}, "Jumlah Anggota"),
        ({"members": 0}, "Jumlah Anggota"),
        ({"members": 4.5}, "Jumlah Anggota"),
    ],
)
def test_required_identity_key_unreadable(tmp_path, banten, now, kwargs, label):
    path = good_report(tmp_path / "r.xlsx", **kwargs)
    rejected(check(path, banten, now, folder=None), "identity_unreadable", repr(label), "tidak dapat dibaca")


def test_district_code_unknown(tmp_path, banten, now):
    path = good_report(tmp_path / "r.xlsx", district="3699")
    rejected(check(path, banten, now, folder=None), "unknown_district", "3699", "tidak terdaftar")


def test_district_of_another_province_is_unknown_to_this_deployment(tmp_path, banten, now):
    path = good_report(tmp_path / "r.xlsx", district="3201")
    rejected(check(path, banten, now, folder=None), "unknown_district", "3201")


def test_district_different_from_the_folder(tmp_path, banten, now):
    path = good_report(tmp_path / "r.xlsx", district="36.03")
    rejected(check(path, banten, now, folder="3604"), "wrong_district", "folder 3604", "3603")


# --- period --------------------------------------------------------------------------------


def registry_with_start(tmp_path: Path, active_from: str):
    csv = tmp_path / "districts.csv"
    csv.write_text(
        "province_code,province_name,timezone,district_code,district_name,kind,active_from\n"
        "36,Banten,Asia/Jakarta,3603,Kabupaten Tangerang,kabupaten,\n"
        f"36,Banten,Asia/Jakarta,3604,Kabupaten Serang,kabupaten,{active_from}\n",
        encoding="utf-8",
    )
    return load_registry(csv)


def test_before_the_districts_start(tmp_path, now):
    registry = registry_with_start(tmp_path, "2026-02")
    path = good_report(tmp_path / "r.xlsx", district="3604", month="Januari")
    report = check_file(path, registry, now, folder_district="3604")
    rejected(report, "period_before_start", "Januari 2026", "Februari 2026", "Periksa isian Bulan")
    february = good_report(
        tmp_path / "f.xlsx", district="3604", month="Februari", pleno=[pleno_row(1, date(2026, 2, 2))]
    )
    assert check_file(february, registry, now, folder_district="3604").status == ACCEPTED


def test_before_the_default_start_of_2018(tmp_path, banten, now):
    path = good_report(
        tmp_path / "r.xlsx", year=2017, month="Desember", pleno=[pleno_row(1, date(2017, 12, 4))]
    )
    rejected(check(path, banten, now), "period_before_start", "Desember 2017")


def test_future_month_in_the_provinces_time_zone(tmp_path, banten):
    path = good_report(tmp_path / "r.xlsx", month="Desember", pleno=[pleno_row(1, date(2026, 12, 1))])
    # 30 Nov 2026 16:59 UTC is 23:59 in Asia/Jakarta: December has not begun there
    before = datetime(2026, 11, 30, 16, 59, tzinfo=UTC)
    rejected(check(path, banten, before), "period_in_future", "Desember 2026", "belum tiba", "Periksa")
    # 30 Nov 2026 18:00 UTC is already 1 December 01:00 in Asia/Jakarta
    after = datetime(2026, 11, 30, 18, 0, tzinfo=UTC)
    assert check(path, banten, after).status == ACCEPTED


def test_future_year(tmp_path, banten, now):
    path = good_report(tmp_path / "r.xlsx", year=2027, pleno=[pleno_row(1, date(2027, 1, 4))])
    rejected(check(path, banten, now), "period_in_future", "Januari 2027")


# --- sheets and columns --------------------------------------------------------------------


def test_neither_pleno_nor_pencegahan(tmp_path, banten, now):
    path = write_report(tmp_path / "r.xlsx", kelembagaan=[kelembagaan_row()])
    rejected(check(path, banten, now), "sheets_missing", "Pleno", "Pencegahan")


def test_present_sheet_missing_a_required_column(tmp_path, banten, now):
    headers = [h for h in KELEMBAGAAN_HEADERS if h != "Capaian (%)"]
    row = kelembagaan_row()
    del row["progress"]
    path = good_report(tmp_path / "r.xlsx", kelembagaan=[row], kelembagaan_headers=headers)
    rejected(check(path, banten, now), "columns_missing", "'Kelembagaan'", "Capaian (%)")


def test_pencegahan_missing_two_required_columns_names_both(tmp_path, banten, now):
    from workbooks import PENCEGAHAN_HEADERS

    headers = [h for h in PENCEGAHAN_HEADERS if h not in ("Lokasi", "Sasaran")]
    row = pencegahan_row(1, date(2026, 1, 5))
    del row["location"], row["target_group"]
    path = write_report(tmp_path / "r.xlsx", pencegahan=[row], pencegahan_headers=headers)
    rejected(check(path, banten, now), "columns_missing", "Lokasi", "Sasaran")


def test_empty_report(tmp_path, banten, now):
    path = write_report(tmp_path / "r.xlsx", pleno=[], pencegahan=[[None], [2]], kelembagaan=[])
    rejected(check(path, banten, now), "empty_report", "Laporan kosong", "Templat kosong tidak dihitung")


@pytest.mark.parametrize("name", ["Laporan.ods", "Laporan.xlsx", "LAPORAN.XLSX"])
def test_a_file_carrying_both_formats_is_refused_from_disk_and_from_its_bytes(tmp_path, banten, now, name):
    """An .ods that also holds xlsx parts (or the reverse): the limit scan reads the format its
    name says, calamine may guess the other from the contents, so nothing it holds is trusted."""
    from rekap.report.reader import read_report

    ods = zipfile.ZipFile(FIXTURES / "report_libreoffice.ods")
    xlsx = zipfile.ZipFile(FIXTURES / "report_source.xlsx")
    path = tmp_path / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as both:
        for source in (ods, xlsx) if name.endswith(".ods") else (xlsx, ods):
            for member in source.namelist():
                both.writestr(member, source.read(member))
    for report in (
        read_report(path, banten, now, "3603"),
        read_report(path, banten, now, "3603", content=path.read_bytes()),
    ):
        rejected(report, "unreadable", "dua format sekaligus", "simpan ulang sebagai Excel Workbook (.xlsx)")
