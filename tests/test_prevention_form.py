"""Pencegahan as Bawaslu RI counts prevention (report-format.md, issue 13 item 4): the new Jenis,
the optional Tahapan, Jumlah Peserta not applicable to letters, and the leadership workbook
counting by Bentuk and Tahapan. Real files, real warehouses (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from openpyxl import load_workbook
from rekap.consolidation.report_data import NO_STAGE, STAGE_GROUPS
from rekap.intake.flow import ingest
from rekap.report import vocab
from rekap.report.check import check_file
from rekap.warehouse import engine_for
from sqlalchemy import text
from test_leadership_workbook_warehouse import consolidate as consolidate_drive
from test_metrics import WIB, consolidate, drop, settings_for
from test_template import _letter, _list_values, _validations
from workbooks import PENCEGAHAN_FORM_HEADERS, pencegahan_row, write_report

JAN = date(2026, 1, 8)
# Row 2: a letter without participants; 3: an appeal with "-"; 4: a Sosialisasi without them
# (still a missing required cell); 5: a publication with a count; 6: a letter with "banyak".
ROWS = [
    pencegahan_row(1, JAN, jenis="Naskah Dinas", peserta=None, stage="Non Tahapan"),
    pencegahan_row(2, JAN, jenis="Imbauan", peserta="-", stage="Pemutakhiran Data Pemilih"),
    pencegahan_row(3, JAN, jenis="Sosialisasi", peserta=None, stage="non-tahapan"),
    pencegahan_row(4, JAN, jenis="Publikasi", peserta=12),
    pencegahan_row(5, JAN, jenis="surat dinas", peserta="banyak", lokasi="Kec. Balaraja"),
    pencegahan_row(6, JAN, jenis="Partisipasi Masyarakat", peserta=25, stage="Pencalonan"),
]


def first_rows(rows, after, codes=("3601", "3603")):
    """The first row of each district below the header ``after`` (each table repeats them)."""
    found: dict = {}
    for r in rows[rows.index(after) + 1 :]:
        if r[0] in codes:
            found.setdefault(r[0], r)
    return found


def write(path, rows=ROWS, headers=PENCEGAHAN_FORM_HEADERS):
    return write_report(path, pencegahan=rows, pencegahan_headers=headers)


def test_new_jenis_and_tahapan_are_read(tmp_path, banten, now):
    report = check_file(write(tmp_path / "r.xlsx"), banten, now, folder_district="3603")
    assert report.rejection is None, report.rejection
    records = report.records[vocab.PENCEGAHAN]
    assert [r.value("activity_type") for r in records] == [
        "Naskah Dinas",
        "Imbauan",
        "Sosialisasi",
        "Publikasi",
        "Naskah Dinas",  # "surat dinas"
        "Partisipasi Masyarakat",
    ]
    assert [r.value("stage") for r in records] == [
        "Non Tahapan",
        "Pemutakhiran Data Pemilih",
        "non-tahapan",
        None,
        None,
        "Pencalonan",
    ]
    assert not [i for i in report.issues if i.rule == "enumeration"]


def test_tahapan_is_optional(tmp_path, banten, now):
    rows = [pencegahan_row(1, JAN, jenis="Naskah Dinas", peserta=None)]
    report = check_file(
        write_report(tmp_path / "r.xlsx", pencegahan=rows), banten, now, folder_district="3603"
    )
    assert report.rejection is None and report.issues == []
    assert report.records[vocab.PENCEGAHAN][0].value("stage") is None


def test_participants_not_applicable_only_for_letters_appeals_publications(tmp_path, banten, now):
    report = check_file(write(tmp_path / "r.xlsx"), banten, now, folder_district="3603")
    found = [(i.row, i.column, i.rule) for i in report.issues]
    # the Sosialisasi without participants, and the letter's unreadable "banyak"; nothing else
    assert found == [(4, "Jumlah Peserta", "required"), (6, "Jumlah Peserta", "readable")]
    [missing] = [i for i in report.issues if i.rule == "required"]
    assert "Imbauan, Publikasi, Naskah Dinas, Saran Perbaikan" in missing.problem
    assert missing.cell == f"{_column_letter('Jumlah Peserta')}4"


def _column_letter(label: str) -> str:
    return "ABCDEFGHIJKLMNOP"[PENCEGAHAN_FORM_HEADERS.index(label)]


def test_issues_and_completeness_agree(tmp_path, warehouse_url):
    root = tmp_path / "drive"
    drop(
        root,
        "3603",
        "jan.xlsx",
        datetime(2026, 2, 3, 9, 0, tzinfo=WIB),
        pencegahan=ROWS,
        pencegahan_headers=PENCEGAHAN_FORM_HEADERS,
    )
    settings = settings_for(root, warehouse_url)
    ingest(settings)
    _, districts = consolidate(settings, "2026-B1")
    d = next(d for d in districts if d["district_code"] == "3603")
    with engine_for(warehouse_url).connect() as conn:
        issues = conn.execute(text("SELECT excel_row, column_name FROM row_issues ORDER BY excel_row")).all()
        stored = conn.execute(
            text("SELECT excel_row, participants, participants_na FROM pencegahan_records ORDER BY excel_row")
        ).all()
    # Every issue here makes its cell not filled: completeness misses exactly those cells.
    assert [tuple(i) for i in issues] == [(4, "Jumlah Peserta"), (6, "Jumlah Peserta")]
    required = len(vocab.required_fields(vocab.PENCEGAHAN))
    assert d["record_completeness"] == pytest.approx((6 * required - len(issues)) / (6 * required))
    assert [tuple(r) for r in stored] == [
        (2, None, 1),
        (3, None, 1),
        (4, None, 0),
        (5, 12, 0),
        (6, None, 0),
        (7, 25, 0),
    ]
    # not applicable adds no participants: 12 + 25
    assert d["prevention_participants"] == 37 and d["prevention_count"] == 6


def test_leadership_workbook_counts_by_bentuk_and_tahapan(tmp_path, warehouse_url):
    root = tmp_path / "drive"
    drop(
        root,
        "3603",
        "jan.xlsx",
        datetime(2026, 2, 3, 9, 0, tzinfo=WIB),
        pencegahan=ROWS,
        pencegahan_headers=PENCEGAHAN_FORM_HEADERS,
    )
    drop(
        root,
        "3601",
        "jan.xlsx",
        datetime(2026, 2, 3, 9, 0, tzinfo=WIB),
        pencegahan=[pencegahan_row(1, JAN, jenis="Koordinasi"), pencegahan_row(2, JAN, jenis="Kerja Sama")],
    )
    result = consolidate_drive(root, warehouse_url, "36")
    ws = load_workbook(result.report_path)["Pencegahan"]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    with engine_for(warehouse_url).connect() as conn:
        counted = conn.execute(
            text(
                "SELECT district_code, activity_type, stage FROM int_counted_activity WHERE period_id='2026-B1'"
            )
        ).all()
    forms = result.data.forms
    # A. by Bentuk: header row, then one row per district
    header_a = next(r for r in rows if r[0] == "Kode" and "Naskah Dinas" in r)
    by_code = first_rows(rows, header_a)
    for code in ("3601", "3603"):
        for k, form in enumerate(header_a[2:10]):
            expected = sum(1 for c in counted if c[0] == code and forms.get(c[1], "Kegiatan Lainnya") == form)
            assert by_code[code][2 + k] == expected, (code, form)
    assert by_code["3603"][2 + header_a[2:].index("Naskah Dinas")] == 2
    assert by_code["3601"][2 + header_a[2:].index("Kerja Sama")] == 2
    # by Tahapan, right of table A: Tahapan / Non Tahapan / not given, as in the warehouse
    split = header_a.index(STAGE_GROUPS[0])
    assert header_a[split : split + 3] == ["Tahapan", "Non Tahapan", NO_STAGE]
    assert by_code["3603"][split : split + 3] == [
        2,
        2,
        2,
    ]  # two stages; "Non Tahapan", "non-tahapan"; two empty
    assert by_code["3601"][split : split + 3] == [0, 0, 2]
    assert sum(by_code["3603"][split : split + 3]) == sum(1 for c in counted if c[0] == "3603")
    # and per Bentuk for the province
    naskah = next(r for r in rows if r[1] == "Naskah Dinas" and r[0] is None)
    assert naskah[2:6] == [0, 1, 1, 2]
    assert not any("belum dibaca" in str(v) for r in rows for v in r)


def test_template_drop_down_lists_the_new_jenis_and_has_tahapan(tmp_path, capsys):
    from rekap.cli import main

    out = tmp_path / "t.xlsx"
    assert main(["template", "--district", "3603", "--month", "2026-01", "-o", str(out)]) == 0
    wb = load_workbook(out)
    dv = _validations(wb["Pencegahan"])[_letter(vocab.PENCEGAHAN, "activity_type")]
    listed = _list_values(wb, dv.formula1)
    assert {"Naskah Dinas", "Partisipasi Masyarakat"} <= set(listed)
    headers = [str(c.value or "") for row in wb["Pencegahan"].iter_rows(max_row=15) for c in row]
    assert any(h.startswith("Tahapan") for h in headers)
