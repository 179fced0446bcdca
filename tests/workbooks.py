"""Building district report workbooks for tests, the way districts really fill them.

``write_report`` writes a real .xlsx with openpyxl; every argument is a way real files drift
from the template (title rows, renamed headers, extra columns, text dates...). A data row is a
dict keyed by field name (``vocab.Field.name``; a header not in the format by its own text),
laid out under whatever headers the sheet has; a list is written as it is, cell by cell.
"""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from rekap.report import vocab

PLENO_HEADERS = [
    "No",
    "Tanggal",
    "Jenis Pleno",
    "Nomor Berita Acara",
    "Jumlah Hadir",
    "Agenda",
    "Keputusan",
    "Notulen",
    "Keterangan",
]
PENCEGAHAN_HEADERS = [
    "No",
    "Tanggal",
    "Jenis Kegiatan",
    "Nama Kegiatan",
    "Lokasi",
    "Sasaran",
    "Jumlah Peserta",
    "Hasil",
    "Bukti Dukung",
    "Keterangan",
]
# The template's Pencegahan columns, Tahapan included (optional: PENCEGAHAN_HEADERS has none).
PENCEGAHAN_FORM_HEADERS = [f.label for f in vocab.SHEET_FIELDS[vocab.PENCEGAHAN]]
KELEMBAGAAN_HEADERS = ["Aspek", "Program", "Target", "Capaian (%)", "Output", "Bukti Dukung"]
# A header of the format -> its field name (the same label means the same field in every sheet).
FIELD_OF_LABEL = {f.label: f.name for fields in vocab.SHEET_FIELDS.values() for f in fields}


def laid_out(row: dict[str, Any] | list[Any], headers: list[str]) -> list[Any]:
    """A row's cells in the order of ``headers``; every key of a dict row must have its column."""
    if not isinstance(row, dict):
        return list(row)
    keys = [FIELD_OF_LABEL.get(h, h) for h in headers]
    unplaced = set(row) - set(keys)
    assert not unplaced, f"no column for {sorted(unplaced)} under headers {headers}"
    return [row.get(k) for k in keys]


def pleno_row(
    n: int, day: date | str, jenis: str = "Rutin", hadir: Any = 5, notulen: str = "Ada", ba: str | None = None
) -> dict[str, Any]:
    return {
        "no": n,
        "date": day,
        "pleno_type": jenis,
        "minutes_number": ba or f"BA-{n:03d}",
        "attendance": hadir,
        "agenda": "Evaluasi pengawasan",
        "decision": "Disetujui",
        "minutes": notulen,
        "remarks": None,
    }


def pencegahan_row(
    n: int,
    day: date | str,
    jenis: str = "Sosialisasi",
    peserta: Any = 40,
    bukti: str = "https://drive.example/bukti",
    lokasi: str = "Kec. Cikupa",
    **extra: Any,
) -> dict[str, Any]:
    """``extra``: other fields by name (``stage`` needs PENCEGAHAN_FORM_HEADERS)."""
    return {
        **extra,
        "no": n,
        "date": day,
        "activity_type": jenis,
        "activity_name": f"Sosialisasi pengawasan {n}",
        "location": lokasi,
        "target_group": "Pemilih pemula",
        "participants": peserta,
        "result": "Peserta memahami pengawasan",
        "evidence": bukti,
        "remarks": None,
    }


def kelembagaan_row(
    aspek: str = "Pengolahan Data", capaian: Any = 75, program: str = "Digitalisasi arsip"
) -> dict[str, Any]:
    return {
        "aspect": aspek,
        "program": program,
        "target": "Seluruh arsip 2025",
        "progress": capaian,
        "output": "Arsip digital",
        "evidence": "https://drive.example/k",
    }


def write_report(
    path: Path,
    district: str = "3603",
    month: Any = "Januari",
    year: Any = 2026,
    members: Any = 5,
    pleno: list[dict[str, Any] | list[Any]] | None = None,
    pencegahan: list[dict[str, Any] | list[Any]] | None = None,
    kelembagaan: list[dict[str, Any] | list[Any]] | None = None,
    pleno_headers: list[str] | None = None,
    pencegahan_headers: list[str] | None = None,
    kelembagaan_headers: list[str] | None = None,
    title_rows: int = 0,
    identity_extra: list[tuple[str, Any]] | None = None,
    sheet_names: dict[str, str] | None = None,
) -> Path:
    names = {
        "Identitas": "Identitas",
        "Pleno": "Pleno",
        "Pencegahan": "Pencegahan",
        "Kelembagaan": "Kelembagaan",
    }
    names.update(sheet_names or {})
    wb = Workbook()
    ws = wb.active
    ws.title = names["Identitas"]
    ws.append(["Kode Kab/Kota", district])
    ws.append(["Nama Kab/Kota", "Kabupaten Tangerang" if district == "3603" else None])
    ws.append(["Bulan", month])
    ws.append(["Tahun", year])
    ws.append(["Jumlah Anggota", members])
    for key, value in identity_extra or []:
        ws.append([key, value])
    for key, headers, rows in (
        ("Pleno", pleno_headers or PLENO_HEADERS, pleno),
        ("Pencegahan", pencegahan_headers or PENCEGAHAN_HEADERS, pencegahan),
        ("Kelembagaan", kelembagaan_headers or KELEMBAGAAN_HEADERS, kelembagaan),
    ):
        if rows is None:
            continue
        sheet = wb.create_sheet(names[key])
        for i in range(title_rows):
            sheet.append([f"LAPORAN {key.upper()} BAWASLU" if i == 0 else None])
        sheet.append(headers)
        for row in rows:
            sheet.append(laid_out(row, headers))
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def drop_two_months(root: Path, code: str, members: int) -> None:
    """January and February 2026 reports of one district in its inbox, each arrived on the 3rd
    of the next month at 09:00 WIB (the file's mtime), with three quorate Rutin plenos and one
    activity whose count "@25" is unreadable (so each file is accepted with one issue, and its
    value is text a spreadsheet could take for a formula)."""
    for month, name in ((1, "Januari"), (2, "Februari")):
        path = write_report(
            root / "inbox" / code / f"Laporan_{code}_2026-{month:02d}.xlsx",
            district=code,
            month=name,
            members=members,
            pleno=[
                pleno_row(i, date(2026, month, 2 + 7 * i), hadir=members, ba=f"{code}-{month}-{i}")
                for i in range(3)
            ],
            pencegahan=[pencegahan_row(1, date(2026, month, 10), peserta="@25")],
        )
        arrived = datetime(2026, month + 1, 3, 9, tzinfo=ZoneInfo("Asia/Jakarta")).timestamp()
        os.utime(path, (arrived, arrived))


def set_up_drive(root: Path, province: str = "36") -> Path:
    """A shared drive as ``rekap drive init`` leaves it (marker and district folders), through
    the same function: runs refuse a drive without the marker."""
    from rekap.drive import init_drive
    from rekap.registry import load_registry

    root.mkdir(parents=True, exist_ok=True)
    init_drive(root, [d.district_code for d in load_registry().in_province(province)])
    return root
