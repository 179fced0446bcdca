"""Reading one cell the way districts really type it (report-format.md, "accepted").

Pure functions: every tolerance of the format has its rule here and a direct test.
A parser returns the typed value, or raises ``Unreadable`` with what was expected.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

from rekap.report import vocab

EXCEL_EPOCH = date(1899, 12, 30)  # serial 1 = 1900-01-01, with Excel's 1900 leap-year bug
_SPACES = re.compile(r"\s+")
_TRAILING_HINT = re.compile(r"\s*\([^()]*\)\s*$")


class Unreadable(ValueError):
    """A cell whose content cannot be read as its column's type."""


# --- text that can be stored anywhere --------------------------------------------------

# Control characters (C0, DEL, C1) except tab and line breaks: PostgreSQL refuses NUL in text,
# SQLite cuts text at it, and xlsx (XML 1.0) cannot hold C0 at all. U+FFFE/U+FFFF are not XML
# characters either. All are invisible in a spreadsheet, so removing them loses nothing seen.
_CONTROL = dict.fromkeys(
    [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0), 0xFFFE, 0xFFFF]
)
# Lone surrogates: a file name with non-UTF-8 bytes (surrogateescape); no encoder accepts them.
_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_text(text: str) -> str:
    """Text without the characters the warehouse or an xlsx cannot store (report-format.md, Text)."""
    return _SURROGATE.sub("\ufffd", text.translate(_CONTROL))


def removed_characters(text: str) -> list[str]:
    """The characters ``clean_text`` drops or replaces, as ``U+0000`` codes, each once, in order."""
    found = [c for c in text if ord(c) in _CONTROL or 0xD800 <= ord(c) <= 0xDFFF]
    return [f"U+{ord(c):04X}" for c in dict.fromkeys(found)]


def cell_text(value: Any) -> str | None:
    """The cell as a district sees it, for messages; None for an empty cell."""
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.time() == time(0):
            return value.strftime("%d/%m/%Y")
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    return text or None


def is_blank(value: Any) -> bool:
    """Empty, whitespace, or the "-" districts type for "nothing"."""
    text = cell_text(value)
    return text is None or text in vocab.EMPTY_MARKERS


def normalise_key(value: Any) -> str:
    """A header or enum value compared loosely: case, spaces, line breaks, trailing ``:``/``*``."""
    text = cell_text(value) or ""
    text = _SPACES.sub(" ", text.replace("\n", " ")).strip().lower()
    return text.rstrip(":*").strip()


def is_non_stage(value: Any) -> bool:
    """Tahapan says "Non Tahapan" (also "non-tahapan", "NonTahapan"); anything else given is a stage."""
    squeeze = normalise_key(value).replace("-", "").replace(" ", "")
    return squeeze == normalise_key(vocab.NON_STAGE).replace(" ", "")


def normalise_header(value: Any) -> str:
    """Like normalise_key, also dropping a trailing hint such as ``Tanggal (dd/mm/yyyy)``."""
    if isinstance(value, str):
        return _normalise_header_text(value)
    return _normalise_header(value)


@lru_cache(maxsize=8192)
def _normalise_header_text(value: str) -> str:
    # header searches see the same few texts in every file: computed once each
    return _normalise_header(value)


def _normalise_header(value: Any) -> str:
    text = normalise_key(value)
    previous = None
    while previous != text:
        previous = text
        text = _TRAILING_HINT.sub("", text).rstrip(":*").strip()
    return text


# --- dates -----------------------------------------------------------------------------

_NUMERIC_DATE = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$")
_LONG_DATE = re.compile(r"^(\d{1,2})\s+([a-z]+)\.?\s+(\d{4})$")


def parse_month_word(word: str) -> int | None:
    """``Januari``, ``jan``, ``Agt``, ``Sept``... -> 1..12; None if not a month."""
    key = word.strip().lower().rstrip(".")
    for number, name in enumerate(vocab.MONTH_NAMES, start=1):
        if key == name.lower():
            return number
    return vocab.MONTH_ABBREVIATIONS.get(key)


def excel_serial_to_date(serial: float) -> date:
    if not 1 <= serial < 2958466:  # 2958465 = 9999-12-31
        raise Unreadable("nomor seri tanggal Excel di luar jangkauan")
    return EXCEL_EPOCH + timedelta(days=int(serial))


def parse_date(value: Any) -> date:
    """A real date cell, an Excel serial, or text in one of the accepted forms."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        raise Unreadable("bukan tanggal")
    if isinstance(value, int | float):
        return excel_serial_to_date(float(value))
    text = _SPACES.sub(" ", str(value)).strip().lower()
    # "Senin, 12 Januari 2026": the day name is decoration.
    for day in vocab.DAY_NAMES:
        if text.startswith(day):
            text = text[len(day) :].lstrip(" ,").strip()
            break
    try:
        if m := _NUMERIC_DATE.match(text):
            return date(int(m[3]), int(m[2]), int(m[1]))
        if m := _ISO_DATE.match(text):
            return date(int(m[1]), int(m[2]), int(m[3]))
        if m := _LONG_DATE.match(text):
            month = parse_month_word(m[2])
            if month is None:
                raise Unreadable(f"nama bulan {m[2]!r} tidak dikenal")
            return date(int(m[3]), month, int(m[1]))
        if re.fullmatch(r"\d{5}(\.0+)?", text):  # a serial that arrived as text
            return excel_serial_to_date(float(text))
    except ValueError as exc:  # date(2026, 2, 30)
        raise Unreadable("tanggal tidak ada di kalender") from exc
    raise Unreadable("bukan tanggal yang dikenali")


# --- numbers ---------------------------------------------------------------------------

_INTEGER_TEXT = re.compile(r"^(-?\d{1,3}(?:\.\d{3})+|-?\d+)(?:\s*[a-z]+\.?)?$")
_DECIMAL_TEXT = re.compile(r"^(-?\d+(?:[.,]\d+)?)\s*(%)?$")


def parse_number(value: Any) -> float:
    """Any number, for counts before the integer rule is applied."""
    if isinstance(value, bool):
        raise Unreadable("bukan angka")
    if isinstance(value, int | float):
        return float(value)
    text = _SPACES.sub(" ", str(value)).strip().lower()
    if m := _INTEGER_TEXT.match(text):
        return float(m[1].replace(".", ""))
    if m := _DECIMAL_TEXT.match(text):
        return float(m[1].replace(",", "."))
    raise Unreadable("bukan angka")


def parse_integer(value: Any) -> int | float:
    """Counts: ``12``, ``1.250`` (thousands), ``25 orang``. A fraction is returned as is so
    the integer rule can name it; only text that is no number at all is unreadable."""
    number = parse_number(value)
    return int(number) if number.is_integer() else number


def parse_percent(value: Any, cell_is_percent_formatted: bool = False) -> float:
    """Capaian (%): ``85``, ``85%``, ``85,5``, or a fraction cell formatted as percent."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value) * 100 if cell_is_percent_formatted else float(value)
    text = _SPACES.sub(" ", str(value)).strip()
    m = _DECIMAL_TEXT.match(text)
    if not m:
        raise Unreadable("bukan angka persen")
    return float(m[1].replace(",", "."))


# --- enumerations and presence ---------------------------------------------------------


def match_enum(value: Any, enum: str) -> str | None:
    """Canonical value of an enumeration, or None when not recognised."""
    key = normalise_key(value)
    if not key:
        return None
    for canonical in vocab.ENUM_VALUES[enum]:
        if key == canonical.lower():
            return canonical
    if key in vocab.ENUM_VARIANTS.get(enum, {}):
        return vocab.ENUM_VARIANTS[enum][key]
    # "Rutin Mingguan" and the like: a canonical word at the start.
    compact = key.replace(" / ", "/").replace(" /", "/").replace("/ ", "/")
    for canonical in vocab.ENUM_VALUES[enum]:
        if compact == canonical.lower() or compact.startswith(canonical.lower() + " "):
            return canonical
    return None


def presence(value: Any) -> bool | None:
    """Notulen / Bukti Dukung: True (a link, a reference, "Ada"), False ("Tidak"), None (empty)."""
    if is_blank(value):
        return None
    return normalise_key(value) not in vocab.ABSENT_WORDS


def parse_district_code(value: Any) -> str:
    """``3603``, ``36.03``, ``36 03`` -> ``3603``."""
    text = cell_text(value)
    if text is None:
        raise Unreadable("kosong")
    digits = re.sub(r"[\s.\-]", "", text)
    if not re.fullmatch(r"\d{4}", digits):
        raise Unreadable("kode kab/kota harus 4 angka, misalnya 3603 atau 36.03")
    return digits


def parse_month(value: Any) -> int:
    """``Januari``, ``jan``, ``1``, ``01``, or a date cell (its month)."""
    if isinstance(value, datetime | date):
        return value.month
    if isinstance(value, int | float) and not isinstance(value, bool):
        if float(value).is_integer() and 1 <= int(value) <= 12:
            return int(value)
        raise Unreadable("bulan harus 1 sampai 12")
    text = cell_text(value)
    if text is None:
        raise Unreadable("kosong")
    if text.isdigit() and 1 <= int(text) <= 12:
        return int(text)
    month = parse_month_word(text)
    if month is None:
        raise Unreadable("nama bulan tidak dikenal (tulis misalnya Januari atau 1)")
    return month


def parse_year(value: Any) -> int:
    try:
        number = parse_number(value)
    except Unreadable as exc:
        raise Unreadable("tahun harus 4 angka, misalnya 2026") from exc
    if not number.is_integer() or not 1000 <= number <= 9999:
        raise Unreadable("tahun harus 4 angka, misalnya 2026")
    return int(number)
