"""The national mart (issue 14 item 3): the served provinces per period, computed in sql/ from
the district and province marts when more than one province is served, checked against an
independent recomputation from mart_district_period."""

from __future__ import annotations

import logging
import os
from datetime import date, datetime
from statistics import mean
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from rekap.cli import main
from rekap.drive import init_drive
from rekap.intake.flow import ingest
from rekap.registry import load_registry
from rekap.settings import Settings
from rekap.warehouse import engine_for
from sqlalchemy import text
from workbooks import pencegahan_row, pleno_row, write_report

WIB, WITA, WIT = ZoneInfo("Asia/Jakarta"), ZoneInfo("Asia/Makassar"), ZoneInfo("Asia/Jayapura")
COUNTS = (
    "reports_expected",
    "reports_received",
    "reports_on_time",
    "weeks_with_pleno",
    "prevention_count",
    "prevention_participants",
)
STATUS_COLUMNS = {
    "BAIK": "districts_baik",
    "CUKUP": "districts_cukup",
    "KURANG": "districts_kurang",
    "TIDAK MELAPOR": "districts_tidak_melapor",
}


def drop_month(root, code: str, month: int, arrived: datetime, plenos: int, peserta: int) -> None:
    name = {1: "Januari", 2: "Februari"}[month]
    path = write_report(
        root / "inbox" / code / f"Laporan_{code}_2026-{month:02d}.xlsx",
        district=code,
        month=name,
        pleno=[pleno_row(i, date(2026, month, 2 + 7 * i), ba=f"{code}-{month}-{i}") for i in range(plenos)],
        pencegahan=[pencegahan_row(1, date(2026, month, 10), peserta=peserta)],
    )
    os.utime(path, (arrived.timestamp(), arrived.timestamp()))


def deploy(tmp_path, warehouse_url: str, province: str, monkeypatch) -> Any:
    root = tmp_path / "drive"
    root.mkdir()
    init_drive(root, [d.district_code for d in load_registry().districts])
    env = {
        "REKAP_SHARED_ROOT": str(root),
        "REKAP_WAREHOUSE_URL": warehouse_url,
        "REKAP_PROVINCE": province,
        "REKAP_STABLE_SECONDS": "0",
        "REKAP_RECEIVED_AT_SOURCE": "mtime",
    }
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    return root


def fill(root) -> None:
    """Districts of three zones that score differently: a full, on-time one; one late with
    fewer plenos; one with January only (February missing)."""
    drop_month(root, "3603", 1, datetime(2026, 2, 3, 9, tzinfo=WIB), 4, 40)
    drop_month(root, "3603", 2, datetime(2026, 3, 3, 9, tzinfo=WIB), 4, 25)
    drop_month(root, "3671", 1, datetime(2026, 2, 7, 9, tzinfo=WIB), 2, 10)  # late
    drop_month(root, "3671", 2, datetime(2026, 3, 3, 9, tzinfo=WIB), 1, 12)
    drop_month(root, "7401", 1, datetime(2026, 2, 3, 9, tzinfo=WITA), 4, 30)
    drop_month(root, "7401", 2, datetime(2026, 3, 3, 9, tzinfo=WITA), 3, 33)
    drop_month(root, "9103", 1, datetime(2026, 2, 3, 9, tzinfo=WIT), 4, 7)


def _rows(url: str, query: str) -> list[dict[str, Any]]:
    with engine_for(url).connect() as conn:
        return [dict(r) for r in conn.execute(text(query)).mappings()]


def recompute(districts: list[dict[str, Any]], registry) -> dict[str, dict[str, Any]]:
    """The national mart as metrics.md defines it, in plain Python from the district rows:
    a province's rates are its sums over its sums, its score the mean of its districts'."""
    by_province: dict[str, list[dict[str, Any]]] = {}
    for d in districts:
        by_province.setdefault(d["province_code"], []).append(d)
    expected = {}
    for code, ds in by_province.items():
        total = {c: sum(d[c] for d in ds) for c in COUNTS}
        weeks = sum(d["weeks_in_period"] for d in ds)
        row = {
            "province_name": registry.province_name(code),
            "districts_total": len(ds),
            "districts_reported": sum(1 for d in ds if d["reports_received"] > 0),
            **total,
            "reporting_rate": total["reports_received"] / total["reports_expected"],
            "on_time_rate": total["reports_on_time"] / total["reports_expected"],
            "weeks_expected": weeks,
            "pleno_compliance": total["weeks_with_pleno"] / weeks,
            "average_score": mean(d["score"] for d in ds),
        }
        for status, column in STATUS_COLUMNS.items():
            row[column] = sum(1 for d in ds if d["status"] == status)
        expected[code] = row
    return expected


def _assert_agrees(url: str, period_id: str) -> list[dict[str, Any]]:
    districts = _rows(url, f"SELECT * FROM mart_district_period WHERE period_id='{period_id}'")
    national = _rows(url, f"SELECT * FROM mart_national_period WHERE period_id='{period_id}'")
    expected = recompute(districts, load_registry())
    assert {n["province_code"] for n in national} == set(expected)
    for n in national:
        want = expected[n["province_code"]]
        assert n["province_name"] == want.pop("province_name")
        got = {k: n[k] for k in want}
        assert got == pytest.approx(want, rel=1e-12), n["province_code"]
        assert n["generated_at"] is not None
    return national


def test_an_all_deployment_has_38_national_rows_agreeing_with_the_district_marts(
    tmp_path, warehouse_url, monkeypatch, capsys
):
    root = deploy(tmp_path, warehouse_url, "all", monkeypatch)
    fill(root)
    ingest(Settings.from_env())
    assert main(["consolidate", "--period", "2026-B1"]) == 0
    assert "mart nasional 2026-B1: 38 provinsi" in capsys.readouterr().out

    national = _assert_agrees(warehouse_url, "2026-B1")
    assert len(national) == 38
    by_code = {n["province_code"]: n for n in national}
    # the drops really differ, so the comparison above is not between zeros
    assert by_code["36"]["reports_received"] == 4 and by_code["36"]["reports_on_time"] == 3
    assert by_code["91"]["reports_received"] == 1 and by_code["74"]["districts_reported"] == 1
    assert by_code["11"]["districts_tidak_melapor"] == by_code["11"]["districts_total"] > 0
    assert sum(n["districts_total"] for n in national) == 514
    statuses = {s for n in national for s, c in STATUS_COLUMNS.items() if n[c] and s != "TIDAK MELAPOR"}
    assert len(statuses) >= 2, statuses

    # re-consolidating one province recomputes the period's national rows, none doubled
    assert main(["consolidate", "--period", "2026-B1", "--province", "36"]) == 0
    assert len(_assert_agrees(warehouse_url, "2026-B1")) == 38


def test_a_one_province_deployment_computes_no_national_mart(tmp_path, warehouse_url, monkeypatch, capsys):
    root = deploy(tmp_path, warehouse_url, "36", monkeypatch)
    fill(root)  # the other provinces' files stay in inbox/: not this deployment's districts
    ingest(Settings.from_env())
    assert main(["consolidate", "--period", "2026-B1"]) == 0
    assert "mart nasional" not in capsys.readouterr().out
    assert _rows(warehouse_url, "SELECT COUNT(*) AS n FROM mart_province_period") == [{"n": 1}]
    assert _rows(warehouse_url, "SELECT COUNT(*) AS n FROM mart_national_period") == [{"n": 0}]


def test_several_provinces_get_one_row_each(tmp_path, warehouse_url, monkeypatch):
    root = deploy(tmp_path, warehouse_url, "91,74,36", monkeypatch)
    fill(root)
    ingest(Settings.from_env())
    assert main(["consolidate", "--period", "2026-B1"]) == 0
    national = _assert_agrees(warehouse_url, "2026-B1")
    assert sorted(n["province_code"] for n in national) == ["36", "74", "91"]


def test_the_period_check_of_all_provinces_at_once_equals_each_province_alone(
    tmp_path, warehouse_url, monkeypatch
):
    """period_quality_by_province runs the period-completeness suite once for every served
    province; each province's answer is what checking its own readiness rows gives."""
    from rekap.consolidation.consolidate import (
        period_check_input,
        period_quality,
        period_quality_by_province,
        readiness_rows,
    )
    from rekap.periods import parse_period
    from rekap.warehouse import transaction

    root = deploy(tmp_path, warehouse_url, "91,74,36", monkeypatch)
    fill(root)
    settings = Settings.from_env()
    ingest(settings)
    period = parse_period("2026-B1")
    with transaction(settings.warehouse_url) as conn:
        served = readiness_rows(conn, settings, period)
    together = period_quality_by_province(*period_check_input(settings, served))
    assert sorted(together) == ["36", "74", "91"]
    for code in ("36", "74", "91"):
        one = settings.for_province(code)
        with transaction(one.warehouse_url) as conn:
            summaries, failures = period_quality(readiness_rows(conn, one, period))
        got_summaries, got_failures = together[code]
        assert _counts(got_summaries) == _counts(summaries), code
        assert sorted(map(repr, got_failures)) == sorted(map(repr, failures)), code
        assert any(not r.success for r in got_summaries)  # every province misses reports in B1


def _counts(results) -> list[tuple]:
    return sorted(
        (r.expectation, r.column, r.rule, r.success, r.element_count, r.unexpected_count) for r in results
    )


def test_a_national_run_records_each_provinces_period_check_from_the_second_process(
    tmp_path, warehouse_url, monkeypatch
):
    """``rekap consolidate`` of several provinces runs the period check in a second process
    (PeriodCheck) and records it after the reports: each province's run holds the results
    checking that province alone in this process gives, with its own missing reports."""
    from rekap.consolidation.consolidate import missing_details, period_quality, readiness_rows
    from rekap.periods import parse_period
    from rekap.warehouse import transaction

    root = deploy(tmp_path, warehouse_url, "91,74,36", monkeypatch)
    fill(root)
    settings = Settings.from_env()
    ingest(settings)
    assert main(["consolidate", "--period", "2026-B1"]) == 0
    by_province = _period_check_rows(warehouse_url)
    assert sorted(by_province) == ["36", "74", "91"]  # one run per province, each its own
    for code, rows in by_province.items():
        one = settings.for_province(code)
        with transaction(one.warehouse_url) as conn:
            alone = readiness_rows(conn, one, parse_period("2026-B1"))
        summaries, _ = period_quality(alone)
        assert sorted(
            (r["expectation"], r["column_name"], r["rule"], bool(r["success"]), r["element_count"],
             r["unexpected_count"]) for r in rows
        ) == _counts(summaries), code  # fmt: skip
        assert {r["details"] for r in rows} == {missing_details([r for r in alone if not r["received"]])}
        assert {r["status"] for r in rows} == {"success"}  # recorded under the province's own run


def _consolidate_in_worker(period_id: str) -> tuple[list[str], list[str]]:
    """What a Celery task does: consolidate, inside a (daemonic) pool worker process."""
    import multiprocessing

    from rekap.consolidation.consolidate import consolidate_served
    from rekap.periods import parse_period

    assert multiprocessing.current_process().daemon  # as in a Celery prefork worker
    warnings: list[str] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = lambda record: warnings.append(record.getMessage())
    logging.getLogger("rekap.consolidation.consolidate").addHandler(handler)
    served = consolidate_served(Settings.from_env(), parse_period(period_id))
    return [r.report_path.name for r in served.provinces], warnings


def _period_check_rows(url: str) -> dict[str, list[dict]]:
    """The recorded period-check results of 2026-B1 by province (the end of each run id), each
    with its run's status."""
    rows = _rows(
        url,
        "SELECT d.run_id, d.expectation, d.column_name, d.rule, d.success, d.element_count,"
        " d.unexpected_count, d.details, r.status FROM dq_results d JOIN runs r ON r.run_id = d.run_id"
        " WHERE d.suite = 'period_completeness' AND d.scope = '2026-B1'",
    )
    by_province: dict[str, list[dict]] = {}
    for r in rows:
        by_province.setdefault(r.pop("run_id").rsplit("__", 1)[1], []).append(r)
    return by_province


def test_the_period_check_runs_from_a_daemonic_worker_as_celery_runs_tasks(
    tmp_path, warehouse_url, monkeypatch
):
    """Celery's prefork workers are daemon processes, which multiprocessing forbids to have
    children: the period check's second process must start there all the same."""
    import billiard

    root = deploy(tmp_path, warehouse_url, "91,74,36", monkeypatch)
    fill(root)
    ingest(Settings.from_env())
    with billiard.get_context("fork").Pool(1) as pool:
        written, warnings = pool.apply(_consolidate_in_worker, ("2026-B1",))
    assert len(written) == 3
    assert warnings == []  # answered by the second process, not the fallback
    assert sorted(_period_check_rows(warehouse_url)) == ["36", "74", "91"]


def test_when_the_second_process_fails_the_check_runs_in_this_one(
    tmp_path, warehouse_url, monkeypatch, caplog
):
    """The helper process never decides the run: if it dies, the same check runs here and the
    same results are recorded."""
    from rekap.consolidation import consolidate

    root = deploy(tmp_path, warehouse_url, "91,74,36", monkeypatch)
    fill(root)
    ingest(Settings.from_env())
    assert main(["consolidate", "--period", "2026-B1"]) == 0
    normal = {
        code: sorted(tuple(r.values()) for r in rows)
        for code, rows in _period_check_rows(warehouse_url).items()
    }
    with engine_for(warehouse_url).begin() as conn:
        conn.execute(text("DELETE FROM dq_results WHERE suite = 'period_completeness'"))
    monkeypatch.setattr(consolidate.PeriodCheck, "_CODE", "import sys; sys.exit('broken interpreter')")
    with caplog.at_level("WARNING", logger="rekap.consolidation.consolidate"):
        assert main(["consolidate", "--period", "2026-B1"]) == 0
    assert "broken interpreter" in caplog.text and "checking in this one" in caplog.text
    again = _period_check_rows(warehouse_url)
    assert {code: sorted(tuple(r.values()) for r in rows) for code, rows in again.items()} == normal
