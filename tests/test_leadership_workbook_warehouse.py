"""The leadership workbook of a real consolidation, checked against the warehouse: the demo
drive (Banten, 8 districts) and a 38-district province (Jawa Timur), and printed through
LibreOffice: every sheet one A4 landscape page wide."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from rekap.consolidation.consolidate import consolidate_period
from rekap.consolidation.leadership_workbook import PERFORMANCE_COLUMNS, SHEETS
from rekap.dev.demo import generate_demo_drive
from rekap.intake.flow import ingest
from rekap.periods import parse_period
from rekap.registry import load_registry
from rekap.settings import Settings
from rekap.warehouse import engine_for, upgrade
from sqlalchemy import text
from workbooks import drop_two_months, set_up_drive

WIB = ZoneInfo("Asia/Jakarta")
NOW = datetime(2026, 3, 6, 6, 0, tzinfo=WIB)


def consolidate(root, url, province):
    set_up_drive(root, province)  # as `rekap drive init` and `rekap db upgrade` leave them
    upgrade(url)
    settings = Settings.from_mapping(
        {
            "REKAP_SHARED_ROOT": str(root),
            "REKAP_WAREHOUSE_URL": url,
            "REKAP_PROVINCE": province,
            "REKAP_STABLE_SECONDS": "0",
            "REKAP_RECEIVED_AT_SOURCE": "mtime",
        }
    )
    ingest(settings)
    return consolidate_period(settings, parse_period("2026-B1"), now=NOW)


def district_rows(ws, codes):
    return {r[1].value: [c.value for c in r] for r in ws.iter_rows() if r[1].value in codes}


def check_against_warehouse(book, url, province, expected_districts):
    with engine_for(url).connect() as conn:
        mart = {
            r["district_code"]: r
            for r in conn.execute(
                text("SELECT * FROM mart_district_period WHERE period_id='2026-B1' AND province_code=:p"),
                {"p": province},
            ).mappings()
        }
        received = conn.execute(
            text(
                "SELECT COUNT(DISTINCT district_code || '-' || CAST(month AS VARCHAR(2))) FROM submissions"
                " WHERE status <> 'rejected' AND year = 2026 AND month IN (1, 2)"
            )
        ).scalar()
        issue_cells = sorted(
            (code, file_name, cell)
            for code, file_name, cell in conn.execute(
                text(
                    "SELECT s.district_code, s.file_name, i.cell FROM row_issues i"
                    " JOIN submissions s USING (submission_id) WHERE s.is_current = 1"
                )
            )
        )
    issues = len(issue_cells)
    assert len(mart) == expected_districts
    keys = [c[0] for c in PERFORMANCE_COLUMNS]
    rows = district_rows(book["Kinerja Kab-Kota"], set(mart))
    assert len(rows) == expected_districts
    for code, row in rows.items():
        m = mart[code]
        assert row[keys.index("score")] == pytest.approx(m["score"]), code
        assert row[keys.index("status")] == m["status"] and row[keys.index("rank")] == m["rank"], code
        assert row[keys.index("reports_received")] == m["reports_received"], code
        assert row[keys.index("weeks_with_pleno")] == m["weeks_with_pleno"], code
        assert row[keys.index("prevention_participants")] == m["prevention_participants"], code
    ranks = [r[0] for r in book["Kinerja Kab-Kota"].iter_rows(values_only=True) if r[1] in mart]
    assert ranks == sorted(ranks)
    # Kelengkapan Laporan: one row per district, reports received as in the warehouse
    reporting = district_rows_by_code(book["Kelengkapan Laporan"], set(mart))
    assert len(reporting) == expected_districts
    assert sum(r[4] for r in reporting.values()) == received
    # Ringkasan: every missing, late and KURANG district is named
    summary = [[c.value for c in r[:4]] for r in book["Ringkasan"].iter_rows()]
    named = {(r[0], r[2]) for r in summary if r[0] in mart}
    for code, m in mart.items():
        if m["reports_received"] == 0:
            assert (code, "TIDAK MELAPOR") in named, code
        elif m["reports_received"] < m["reports_expected"]:
            assert (code, "BELUM MASUK") in named or (code, "DITOLAK") in named, code
        if m["status"] == "KURANG":
            assert (code, "KURANG") in named, code
        if m["reports_on_time"] < m["reports_received"]:
            assert (code, "TERLAMBAT") in named, code
    # Pleno Mingguan / Kelembagaan / Pencegahan: every district; Catatan Data: every issue
    for title in ("Pleno Mingguan", "Kelembagaan"):
        assert len(district_rows_by_code(book[title], set(mart))) == expected_districts, title
    issue_rows = [r for r in book["Catatan Data"].iter_rows(values_only=True) if r[0] in mart]
    assert len(issue_rows) == issues
    # each issue names its cell as the district's feedback does (Kode, ..., Berkas, Lembar, Sel)
    assert sorted((r[0], r[2], r[4]) for r in issue_rows) == issue_cells
    assert all(re.fullmatch(r"[A-Z]{1,3}[1-9][0-9]*", cell) for _c, _f, cell in issue_cells), issue_cells


def district_rows_by_code(ws, codes):
    return {r[0].value: [c.value for c in r] for r in ws.iter_rows() if r[0].value in codes}


def test_demo_workbook_matches_the_warehouse(warehouse_url, tmp_path):
    generate_demo_drive(tmp_path / "drive", load_registry())
    result = consolidate(tmp_path / "drive", warehouse_url, "36")
    book = load_workbook(result.report_path)
    assert book.sheetnames == list(SHEETS)
    check_against_warehouse(book, warehouse_url, "36", 8)


def test_a_38_district_province(warehouse_url, tmp_path):
    root = tmp_path / "drive"
    for code, members in (("3501", 5), ("3578", 5), ("3529", 3)):
        drop_two_months(root, code, members)
    result = consolidate(root, warehouse_url, "35")
    book = load_workbook(result.report_path)
    check_against_warehouse(book, warehouse_url, "35", 38)
    assert book["Ringkasan"]["A2"].value.startswith("Bawaslu Provinsi Jawa Timur")


def libreoffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if not found:
        if os.environ.get("CI") == "true":
            pytest.fail(
                "LibreOffice (soffice) is not installed: CI must print the workbook (.ci/run installs it)"
            )
        pytest.skip("LibreOffice (soffice) is not installed")
    return found


def pdf_pages(pdf) -> list[str]:
    out = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return out.split("\f")[:-1]


@pytest.mark.slow
@pytest.mark.parametrize(
    "province,limits",
    # Jawa Timur with 36 of 38 districts silent: Ringkasan's attention list runs over pages at
    # full size (it used to fit two pages only because it printed at a quarter of its size)
    [("36", {}), ("35", {"Kinerja Kab-Kota": 2, "Pleno Mingguan": 2, "Ringkasan": 5})],
)
def test_every_sheet_prints_one_a4_page_wide(tmp_path, province, limits):
    soffice = libreoffice()
    root = tmp_path / "drive"
    if province == "36":
        generate_demo_drive(root, load_registry())
    else:
        for code in ("3501", "3578"):
            drop_two_months(root, code, 5)
    result = consolidate(root, f"sqlite:///{tmp_path / 'w.sqlite'}", province)
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{tmp_path / 'lo'}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(result.report_path),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    pdf = tmp_path / (result.report_path.stem + ".pdf")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Page size:\s+841\.\d+ x 595\.\d+", info), info  # A4 landscape
    per_sheet: dict[str, int] = {}
    for page in pdf_pages(pdf):
        match = re.search(r"\s{2,}(\S(?:\S| (?! ))*) — halaman \d+ dari \d+", page)  # the footer
        assert match, page[-500:]
        per_sheet[match[1].strip()] = per_sheet.get(match[1].strip(), 0) + 1
    # every sheet printed, one page wide: a sheet spilling sideways would double its pages
    assert set(per_sheet) == set(SHEETS)
    for sheet, pages in per_sheet.items():
        assert pages <= limits.get(sheet, 2), (sheet, pages)
    # ... and Ringkasan, four columns, at full size: its 14 pt title is about 18 pt high on the
    # page; fitted to a wider printed range (hidden chart data in AA:AD) it shrank to 5 pt
    assert 14 <= title_height(pdf, "RINGKASAN") <= 22


def title_height(pdf, word: str) -> float:
    """Height (pt) of ``word`` in the first page's title, from the PDF's word boxes."""
    out = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "1", "-bbox", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    box = re.search(rf'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">{word}</word>', out)
    assert box, out[:2000]
    return float(box[2]) - float(box[1])
