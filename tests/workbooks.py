"""Building district report workbooks for tests, the way districts really fill them.

``write_report`` writes a real .xlsx with openpyxl; every argument is a way real files drift
from the template (title rows, renamed headers, extra columns, text dates...).
"""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook

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
KELEMBAGAAN_HEADERS = ["Aspek", "Program", "Target", "Capaian (%)", "Output", "Bukti Dukung"]


def pleno_row(
    n: int, day: date | str, jenis: str = "Rutin", hadir: Any = 5, notulen: str = "Ada", ba: str | None = None
) -> list[Any]:
    return [n, day, jenis, ba or f"BA-{n:03d}", hadir, "Evaluasi pengawasan", "Disetujui", notulen, None]


def pencegahan_row(
    n: int,
    day: date | str,
    jenis: str = "Sosialisasi",
    peserta: Any = 40,
    bukti: str = "https://drive.example/bukti",
    lokasi: str = "Kec. Cikupa",
) -> list[Any]:
    return [
        n,
        day,
        jenis,
        f"Sosialisasi pengawasan {n}",
        lokasi,
        "Pemilih pemula",
        peserta,
        "Peserta memahami pengawasan",
        bukti,
        None,
    ]


def kelembagaan_row(aspek: str = "Pengolahan Data", capaian: Any = 75, program: str = "Digitalisasi arsip"):
    return [aspek, program, "Seluruh arsip 2025", capaian, "Arsip digital", "https://drive.example/k"]


def write_report(
    path: Path,
    district: str = "3603",
    month: Any = "Januari",
    year: Any = 2026,
    members: Any = 5,
    pleno: list[list[Any]] | None = None,
    pencegahan: list[list[Any]] | None = None,
    kelembagaan: list[list[Any]] | None = None,
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
            sheet.append(row)
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
