"""Building district report workbooks for tests, the way districts really fill them.

``write_report`` writes a real .xlsx with openpyxl; every argument is a way real files drift
from the template (title rows, renamed headers, extra columns, text dates...).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

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
