"""The pure cell rules of report-format.md ("What is accepted in cells and layout"), directly."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from rekap.report import cells
from rekap.report.cells import Unreadable


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (date(2026, 1, 12), date(2026, 1, 12)),
        (datetime(2026, 1, 12, 9, 30), date(2026, 1, 12)),
        (46034, date(2026, 1, 12)),  # Excel serial
        (46034.0, date(2026, 1, 12)),
        (46034.75, date(2026, 1, 12)),  # serial with a time part
        ("46034", date(2026, 1, 12)),  # serial that arrived as text
        ("46034.0", date(2026, 1, 12)),
        ("12/01/2026", date(2026, 1, 12)),  # day first
        ("2/1/2026", date(2026, 1, 2)),
        ("12-01-2026", date(2026, 1, 12)),
        ("12.01.2026", date(2026, 1, 12)),
        ("2026-01-12", date(2026, 1, 12)),
        ("2026-01-12 00:00:00", date(2026, 1, 12)),
        ("12 Januari 2026", date(2026, 1, 12)),
        ("12 januari 2026", date(2026, 1, 12)),
        ("12 Jan 2026", date(2026, 1, 12)),
        ("12 Agt 2026", date(2026, 8, 12)),
        ("12 Agust. 2026", date(2026, 8, 12)),
        ("Senin, 12 Januari 2026", date(2026, 1, 12)),
        ("Jumat 16 Januari 2026", date(2026, 1, 16)),
        ("Jum'at, 16 Jan 2026", date(2026, 1, 16)),
        ("  12   Januari  2026 ", date(2026, 1, 12)),
    ],
)
def test_accepted_date_forms(raw, expected):
    assert cells.parse_date(raw) == expected


def test_serial_uses_the_1900_epoch_of_excel():
    assert cells.parse_date(1) == date(1899, 12, 31)
    assert cells.parse_date(61) == date(1900, 3, 1)


@pytest.mark.parametrize(
    "raw",
    [
        "30/02/2026",  # not in the calendar
        "31.04.2026",
        "2026-13-01",
        "29 Februari 2026",
        "12 Foo 2026",  # not a month
        "01/12",  # no year
        "kemarin",
        "12/01/26",  # two-digit year is not an accepted form
        0,
        -5,
        True,
    ],
)
def test_unreadable_dates(raw):
    with pytest.raises(Unreadable):
        cells.parse_date(raw)


def test_invalid_calendar_date_says_so():
    with pytest.raises(Unreadable, match="kalender"):
        cells.parse_date("30/02/2026")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (12, 12),
        (12.0, 12),
        ("12", 12),
        ("1.250", 1250),  # thousands separator
        ("1.250.000", 1250000),
        ("25 orang", 25),
        ("25orang", 25),
        ("1.250 peserta", 1250),
        ("3 org.", 3),
        (" 7 ", 7),
        ("-2", -2),  # readable: the GX range rule names a negative count
    ],
)
def test_integers(raw, expected):
    value = cells.parse_integer(raw)
    assert value == expected and isinstance(value, int)


def test_a_fraction_count_is_returned_as_is_for_the_integer_rule():
    assert cells.parse_integer(2.5) == 2.5
    assert cells.parse_integer("2,5") == 2.5


@pytest.mark.parametrize("raw", ["banyak", "sekitar dua puluh", "12 13", True, ""])
def test_unreadable_integers(raw):
    with pytest.raises(Unreadable):
        cells.parse_integer(raw)


@pytest.mark.parametrize(
    ("raw", "is_percent_cell", "expected"),
    [
        (85, False, 85.0),
        (85.5, False, 85.5),
        ("85", False, 85.0),
        ("85%", False, 85.0),
        ("85 %", False, 85.0),
        ("85,5", False, 85.5),
        ("85,5%", False, 85.5),
        ("85.5", False, 85.5),
        (0.85, True, 85.0),  # a fraction cell formatted as percent
        (1, True, 100.0),
        (0.85, False, 0.85),  # not percent-formatted: taken as typed
    ],
)
def test_percent(raw, is_percent_cell, expected):
    assert cells.parse_percent(raw, is_percent_cell) == pytest.approx(expected)


@pytest.mark.parametrize("raw", ["tinggi", "85 persen", "%", "8 5"])
def test_unreadable_percent(raw):
    with pytest.raises(Unreadable):
        cells.parse_percent(raw)


@pytest.mark.parametrize(
    ("raw", "enum", "expected"),
    [
        ("Rutin", "pleno_type", "Rutin"),
        ("  rutin ", "pleno_type", "Rutin"),
        ("RUTIN", "pleno_type", "Rutin"),
        ("rutin mingguan", "pleno_type", "Rutin"),
        ("Rutin Mingguan", "pleno_type", "Rutin"),
        ("Pleno Khusus", "pleno_type", "Khusus"),
        ("insidentil", "pleno_type", "Khusus"),
        ("P2P", "activity_type", "Pendidikan Pengawas Partisipatif"),
        ("p2p", "activity_type", "Pendidikan Pengawas Partisipatif"),
        ("SKPP", "activity_type", "Pendidikan Pengawas Partisipatif"),
        ("himbauan", "activity_type", "Imbauan"),
        ("Kampung / Pojok Pengawasan", "activity_type", "Kampung/Pojok Pengawasan"),
        ("kampung/pojok pengawasan", "activity_type", "Kampung/Pojok Pengawasan"),
        ("Kerjasama", "activity_type", "Kerja Sama"),
        ("Lain-lain", "activity_type", "Lainnya"),
        ("Sosialisasi tatap muka", "activity_type", "Sosialisasi"),
        ("PPID", "aspect", "Pelayanan Informasi Hukum dan PPID"),
        ("pengolahan  data", "aspect", "Pengolahan Data"),
        ("Tata Kelola & Manajemen Kelembagaan", "aspect", "Tata Kelola dan Manajemen Kelembagaan"),
    ],
)
def test_enum_variants(raw, enum, expected):
    assert cells.match_enum(raw, enum) == expected


@pytest.mark.parametrize(
    ("raw", "enum"),
    [
        ("Harian", "pleno_type"),
        ("Rapat", "activity_type"),
        ("Keuangan", "aspect"),
        ("", "aspect"),
        (None, "aspect"),
    ],
)
def test_unrecognised_enum_values(raw, enum):
    assert cells.match_enum(raw, enum) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://drive.example/notulen", True),
        ("Ada", True),
        ("001/BA/2026", True),
        ("Tidak", False),
        ("tidak ada", False),
        ("TDK", False),
        ("Nihil", False),
        ("-", None),
        ("—", None),
        ("  ", None),
        (None, None),
    ],
)
def test_presence(raw, expected):
    assert cells.presence(raw) is expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Tanggal", "tanggal"),
        ("TANGGAL", "tanggal"),
        ("  Jenis   Pleno  ", "jenis pleno"),
        ("Jenis\nPleno", "jenis pleno"),
        ("Jenis\r\nPleno", "jenis pleno"),
        ("Nomor Berita Acara:", "nomor berita acara"),
        ("Jumlah Hadir*", "jumlah hadir"),
        ("Jumlah Hadir *", "jumlah hadir"),
        ("Tanggal (dd/mm/yyyy)", "tanggal"),
        ("Tanggal (dd/mm/yyyy) *", "tanggal"),
        ("Capaian (%)", "capaian"),
        (None, ""),
    ],
)
def test_header_normalisation(raw, expected):
    assert cells.normalise_header(raw) == expected


def test_normalise_key_keeps_a_parenthesised_part_of_a_value():
    assert cells.normalise_key("Rutin (Mingguan)") == "rutin (mingguan)"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("3603", "3603"), ("36.03", "3603"), ("36 03", "3603"), (3603, "3603"), (3603.0, "3603")],
)
def test_district_codes(raw, expected):
    assert cells.parse_district_code(raw) == expected


@pytest.mark.parametrize("raw", ["36", "360312", "Tangerang", None, "-"])
def test_unreadable_district_codes(raw):
    with pytest.raises(Unreadable):
        cells.parse_district_code(raw)


MONTH_WORDS = {
    "Januari": 1,
    "Februari": 2,
    "Maret": 3,
    "April": 4,
    "Mei": 5,
    "Juni": 6,
    "Juli": 7,
    "Agustus": 8,
    "September": 9,
    "Oktober": 10,
    "November": 11,
    "Desember": 12,
}
# The abbreviations listed in report-format.md.
ABBREVIATIONS = {
    "Jan": 1,
    "Feb": 2,
    "Mar": 3,
    "Apr": 4,
    "Mei": 5,
    "Jun": 6,
    "Jul": 7,
    "Agu": 8,
    "Agt": 8,
    "Agust": 8,
    "Sep": 9,
    "Sept": 9,
    "Okt": 10,
    "Nov": 11,
    "Des": 12,
}


@pytest.mark.parametrize(("word", "number"), [*MONTH_WORDS.items(), *ABBREVIATIONS.items()])
def test_month_words_in_any_case(word, number):
    assert cells.parse_month(word) == number
    assert cells.parse_month(word.upper()) == number
    assert cells.parse_month(word.lower()) == number
    assert cells.parse_month_word(word + ".") == number


@pytest.mark.parametrize(
    ("raw", "expected"), [(1, 1), (12.0, 12), ("1", 1), ("01", 1), ("12", 12), (date(2026, 3, 1), 3)]
)
def test_month_numbers(raw, expected):
    assert cells.parse_month(raw) == expected


@pytest.mark.parametrize("raw", [0, 13, "13", 1.5, "Bulan", None, "Januar"])
def test_unreadable_months(raw):
    with pytest.raises(Unreadable):
        cells.parse_month(raw)


@pytest.mark.parametrize(
    ("raw", "expected"), [(2026, 2026), (2026.0, 2026), ("2026", 2026), (" 2026 ", 2026)]
)
def test_years(raw, expected):
    assert cells.parse_year(raw) == expected


@pytest.mark.parametrize("raw", ["26", "dua ribu", 2026.5, "20266"])
def test_unreadable_years(raw):
    with pytest.raises(Unreadable, match="4 angka"):
        cells.parse_year(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, None),
        ("  ", None),
        (5.0, "5"),
        (5.5, "5.5"),
        (date(2026, 1, 12), "12/01/2026"),
        (datetime(2026, 1, 12), "12/01/2026"),
        (datetime(2026, 1, 12, 9, 30), "12/01/2026 09:30"),
        (" Ada ", "Ada"),
    ],
)
def test_cell_text_is_what_the_district_sees(raw, expected):
    assert cells.cell_text(raw) == expected


@pytest.mark.parametrize("raw", [None, "", " ", "-", "--", "—", "–"])
def test_blank_markers(raw):
    assert cells.is_blank(raw)


def test_zero_is_not_blank():
    assert not cells.is_blank(0)
