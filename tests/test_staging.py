"""The SQL staging layer (sql/stg_*.sql): what the metrics derive from the records as written.

Real files through the real intake, real SQLite and PostgreSQL; and an old warehouse (before
migration 0004) moved forward to the same figures.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from rekap.consolidation.metrics import insert_by_name, staging_rows
from rekap.intake.flow import ingest
from rekap.registry import load_registry
from rekap.report import vocab
from rekap.warehouse import WarehouseError, as_date, sync_registry, transaction, upgrade
from sqlalchemy import text
from test_intake import make_settings
from workbooks import kelembagaan_row, pencegahan_row, pleno_row, write_report

REQUIRED = {kind: [f.name for f in vocab.required_fields(kind)] for kind in vocab.RECORD_KINDS}


def test_filled_cells_count_every_required_field_by_its_reading(tmp_path, warehouse_url):
    """Row 0 complete; each next row lacks one required cell: filled = required - 1 for it, so
    every required column has its line in the staging SQL and required-ness comes from vocab."""
    root = tmp_path / "drive"
    pleno = [pleno_row(1, date(2026, 1, 5), hadir=3, notulen="Tidak", ba="BA-0")]
    for i, name in enumerate(REQUIRED["pleno"], start=2):
        pleno.append({**pleno_row(i, date(2026, 1, 5 + i), hadir=2, ba=f"BA-{i}"), name: None})
    pencegahan = [pencegahan_row(1, date(2026, 1, 5), bukti="Tidak")]
    for i, name in enumerate(REQUIRED["pencegahan"], start=2):
        pencegahan.append({**pencegahan_row(i, date(2026, 1, 5 + i), lokasi=f"Kec. {i}"), name: None})
    kelembagaan = [kelembagaan_row(program="Program 0")]
    for i, name in enumerate(REQUIRED["kelembagaan"], start=1):
        kelembagaan.append({**kelembagaan_row(program=f"Program {i}"), name: None})
    write_report(
        root / "inbox/3603/Laporan.xlsx",
        members=5,
        pleno=pleno,
        pencegahan=pencegahan,
        kelembagaan=kelembagaan,
    )
    summary = ingest(make_settings(root, warehouse_url))
    assert summary["counts"]["accepted_with_issues"] == 1, summary

    with transaction(warehouse_url) as conn:
        staged = {kind: staging_rows(conn, kind) for kind in vocab.RECORD_KINDS}
    for kind in vocab.RECORD_KINDS:
        required = len(REQUIRED[kind])
        assert [r["required_cells"] for r in staged[kind]] == [required] * (required + 1)
        # "Tidak" is a valid answer: the complete row is filled; each other row lacks one cell
        assert [r["filled_cells"] for r in staged[kind]] == [required] + [required - 1] * required, kind
    plenos = staged["pleno"]
    # 2 x 3 > 5 is quorate, 2 x 2 > 5 is not; "Tidak" is not minutes present, "Ada" is
    assert [(p["is_quorate"], p["has_minutes"]) for p in plenos[:2]] == [(1, 0), (0, 1)]
    undated = plenos[1 + REQUIRED["pleno"].index("date")]
    assert undated["excel_row"] == 3 and as_date(undated["placed_date"]) == date(2026, 1, 1)
    assert [a["has_evidence"] for a in staged["pencegahan"][:2]] == [0, 1]


def test_insert_by_name_fills_columns_by_the_query_names(warehouse_url):
    upgrade(warehouse_url)
    with transaction(warehouse_url) as conn:
        conn.execute(text("CREATE TABLE by_name_probe (a INTEGER, b VARCHAR(10))"))
        insert_by_name(conn, "by_name_probe", "SELECT :bee AS b, 1 AS a", {"bee": "two"})
        assert conn.execute(text("SELECT a, b FROM by_name_probe")).one() == (1, "two")
    with pytest.raises(WarehouseError), transaction(warehouse_url) as conn:
        insert_by_name(conn, "by_name_probe", "SELECT 1 AS a, 2 AS not_a_column", {})


def test_migration_0004_moves_old_records_forward_to_the_same_figures(empty_warehouse_url):
    """Rows as the loader wrote them before 0004 (derived values computed in Python) give, after
    the upgrade, the same placed date, quorum, minutes/evidence and filled cells in staging."""
    warehouse_url = empty_warehouse_url
    upgrade(warehouse_url, until="0003_rejected_bytes_may_return")
    received = datetime(2026, 2, 3, 2, tzinfo=UTC)
    with transaction(warehouse_url) as conn:
        sync_registry(conn, load_registry().in_province("36"))
        conn.execute(
            text(
                "INSERT INTO submissions (sha256, file_name, size_bytes, district_code, claimed_district, year,"
                " month, members, received_at, loaded_at, status, is_current, inbox_path, stored_path)"
                " VALUES ('h1', 'L.xlsx', 1, '3603', '3603', 2026, 1, 5, :t, :t, 'accepted', 1, 'i', 's')"
            ),
            {"t": received},
        )
        sid = conn.execute(text("SELECT submission_id FROM submissions")).scalar_one()
        old_pleno = [
            # row, meeting_date, placed_date, attendance, is_quorate, minutes, has_minutes, filled
            (2, date(2026, 1, 5), date(2026, 1, 5), 3, 1, "https://x/n1", 1, 7),
            (3, None, date(2026, 1, 1), None, 0, "Tidak", 0, 5),
            (4, date(2026, 1, 12), date(2026, 1, 12), 2, 0, None, 0, 6),
        ]
        for row, md, pd, at, q, mi, hm, fi in old_pleno:
            conn.execute(
                text(
                    "INSERT INTO pleno_records (submission_id, sheet, excel_row, meeting_date, placed_date, iso_year,"
                    " iso_week, pleno_type, minutes_number, minutes_number_key, attendance, members, is_quorate,"
                    " agenda, decision, minutes, has_minutes, remarks, required_cells, filled_cells) VALUES (:s,"
                    " 'Pleno', :r, :md, :pd, 2026, 2, 'Rutin', :ba, :ba, :at, 5, :q, 'a', 'd', :mi, :hm, NULL, 7,"
                    " :fi)"
                ),
                {
                    "s": sid,
                    "r": row,
                    "md": md,
                    "pd": pd,
                    "ba": f"ba-{row}",
                    "at": at,
                    "q": q,
                    "mi": mi,
                    "hm": hm,
                    "fi": fi,
                },
            )
        conn.execute(
            text(
                "INSERT INTO pencegahan_records (submission_id, sheet, excel_row, activity_date, placed_date,"
                " iso_year, iso_week, activity_type, activity_name, activity_name_key, location, location_key,"
                " target_group, participants, result, evidence, has_evidence, remarks, required_cells,"
                " filled_cells) VALUES (:s, 'Pencegahan', 2, :d, :d, 2026, 3, 'Sosialisasi', 'n', 'n', 'l', 'l',"
                " 't', NULL, 'r', 'Tidak', 0, NULL, 8, 7)"
            ),
            {"s": sid, "d": date(2026, 1, 14)},
        )
        conn.execute(
            text(
                "INSERT INTO kelembagaan_records (submission_id, sheet, excel_row, aspect, program, program_key,"
                " target, progress, output, evidence, has_evidence, required_cells, filled_cells) VALUES (:s,"
                " 'Kelembagaan', 2, 'Pengolahan Data', 'p', 'p', 't', 50, 'o', NULL, 0, 6, 5)"
            ),
            {"s": sid},
        )
        conn.execute(
            text(
                "INSERT INTO int_counted_pleno (period_id, district_code, submission_id, excel_row, placed_date,"
                " iso_year, iso_week, pleno_type, is_quorate, has_minutes, required_cells, filled_cells,"
                " dated_in_period, week_in_period) VALUES ('2025-B6', '3603', :s, 2, :d, 2026, 2, 'Rutin', 1,"
                " 1, 7, 7, 0, 0)"
            ),
            {"s": sid, "d": date(2026, 1, 5)},
        )

    assert "0004_staging" in upgrade(warehouse_url)

    with transaction(warehouse_url) as conn:
        month_start = conn.execute(text("SELECT month_start FROM submissions")).scalar_one()
        staged = {kind: staging_rows(conn, kind) for kind in vocab.RECORD_KINDS}
        counted = conn.execute(text("SELECT iso_year, iso_week FROM int_counted_pleno")).one()
    assert as_date(month_start) == date(2026, 1, 1)  # from the undated pleno's placed_date
    assert [
        (p["excel_row"], as_date(p["placed_date"]), p["is_quorate"], p["has_minutes"], p["filled_cells"])
        for p in staged["pleno"]
    ] == [(row, pd, q, hm, fi) for row, _md, pd, _at, q, _mi, hm, fi in old_pleno]
    [activity] = staged["pencegahan"]
    assert (activity["has_evidence"], activity["filled_cells"], activity["required_cells"]) == (0, 7, 8)
    [programme] = staged["kelembagaan"]
    assert (programme["has_evidence"], programme["filled_cells"], programme["required_cells"]) == (0, 5, 6)
    assert tuple(counted) == (None, None)  # outside the period's weeks: no week is claimed
