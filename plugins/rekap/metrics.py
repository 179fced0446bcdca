"""The two-monthly consolidation metrics (metrics.md), computed by the SQL in ``sql/``.

Layers, each a file named after the table it builds:
  periods / period_months / period_weeks   calendar rows, from rekap.periods (Python rules)
  sql/int_counted_records.sql              the records that count, deduplicated
  sql/int_district_period.sql              the counts behind every rate
  sql/mart_district_period.sql             every district metric, score, status, rank
  sql/mart_province_period.sql             the province's headline figures
All of it runs inside the caller's transaction: a failed consolidation changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text

from rekap.periods import Period, week_monday, weeks_of_period
from rekap.settings import parse_score_weights
from rekap.warehouse import read_sql, split_statements, sync_registry

STATUS_BAIK, STATUS_CUKUP, STATUS_KURANG, STATUS_NONE = "BAIK", "CUKUP", "KURANG", "TIDAK MELAPOR"
# Status thresholds of metrics.md: BAIK from this score, CUKUP from the next, KURANG below.
BAIK_MIN_SCORE, CUKUP_MIN_SCORE = 85.0, 70.0


@dataclass(frozen=True)
class ScoreWeights:
    """score = 100 × Σ weight × rate (metrics.md); configurable, default as specified."""

    reporting: float = 0.20
    on_time: float = 0.10
    pleno: float = 0.30
    completeness: float = 0.20
    documented: float = 0.20

    def params(self) -> dict[str, float]:
        return {
            "w_reporting": self.reporting,
            "w_on_time": self.on_time,
            "w_pleno": self.pleno,
            "w_completeness": self.completeness,
            "w_documented": self.documented,
        }

    @classmethod
    def from_text(cls, text_value: str | None) -> ScoreWeights:
        """``REKAP_SCORE_WEIGHTS=0.2,0.1,0.3,0.2,0.2`` in the order of the formula."""
        return cls(*parse_score_weights(text_value))


def status_for(score: float, reports_received: int) -> str:
    """The status rule of metrics.md, for tests and documentation (the SQL applies it)."""
    if reports_received == 0:
        return STATUS_NONE
    rounded = round(score, 9)
    return (
        STATUS_BAIK
        if rounded >= BAIK_MIN_SCORE
        else STATUS_CUKUP
        if rounded >= CUKUP_MIN_SCORE
        else STATUS_KURANG
    )


def ensure_calendar(conn: Connection, period: Period) -> None:
    """The period, its months and its ISO weeks as rows the SQL can join (idempotent)."""
    exists = conn.execute(text("SELECT 1 FROM periods WHERE period_id=:p"), {"p": period.period_id}).first()
    if exists:
        return
    weeks = weeks_of_period(period)
    conn.execute(
        text(
            "INSERT INTO periods (period_id, period_start, period_end, weeks_in_period, previous_period_id)"
            " VALUES (:p, :s, :e, :w, :prev)"
        ),
        {
            "p": period.period_id,
            "s": period.start,
            "e": period.end,
            "w": len(weeks),
            "prev": period.previous.period_id,
        },
    )
    for year, month in period.months:
        conn.execute(
            text("INSERT INTO period_months (period_id, year, month) VALUES (:p, :y, :m)"),
            {"p": period.period_id, "y": year, "m": month},
        )
    for iso_year, iso_week in weeks:
        conn.execute(
            text(
                "INSERT INTO period_weeks (period_id, iso_year, iso_week, week_start) VALUES (:p, :y, :w, :s)"
            ),
            {"p": period.period_id, "y": iso_year, "w": iso_week, "s": week_monday(iso_year, iso_week)},
        )


def run_sql_file(conn: Connection, name: str, params: dict[str, Any]) -> None:
    for statement in split_statements(read_sql(name)):
        used = {k: v for k, v in params.items() if f":{k}" in statement}
        conn.execute(text(statement), used)


def has_submissions(conn: Connection, period: Period) -> bool:
    clauses = " OR ".join(f"(year={y} AND month={m})" for y, m in period.months)
    return (
        conn.execute(text(f"SELECT 1 FROM submissions WHERE status <> 'rejected' AND ({clauses})")).first()
        is not None
    )


def compute_marts(
    conn: Connection,
    districts,
    province_code: str,
    period: Period,
    generated_at: datetime,
    report_path: str | None,
    weights: ScoreWeights | None = None,
) -> None:
    """Materialise both marts for one period, replacing its rows (a re-run is idempotent).

    score_change needs the previous period's scores: when they were never computed but that
    period has data, they are computed first (one level back), so the change is not lost."""
    weights = weights or ScoreWeights()
    sync_registry(conn, districts)
    previous = period.previous
    ensure_calendar(conn, previous)
    have_previous = conn.execute(
        text("SELECT 1 FROM mart_district_period WHERE period_id=:p AND province_code=:c"),
        {"p": previous.period_id, "c": province_code},
    ).first()
    if not have_previous and has_submissions(conn, previous):
        _compute(conn, province_code, previous, generated_at, None, weights)
    _compute(conn, province_code, period, generated_at, report_path, weights)


def _compute(
    conn: Connection,
    province_code: str,
    period: Period,
    generated_at: datetime,
    report_path: str | None,
    weights: ScoreWeights,
) -> None:
    ensure_calendar(conn, period)
    params = {
        "province_code": province_code,
        "period_id": period.period_id,
        "period_start": period.start,
        "period_end": period.end,
        "generated_at": generated_at,
        "report_path": report_path,
        **weights.params(),
    }
    run_sql_file(conn, "int_counted_records.sql", params)
    run_sql_file(conn, "int_district_period.sql", params)
    run_sql_file(conn, "mart_district_period.sql", params)
    run_sql_file(conn, "mart_province_period.sql", params)


def read_district_mart(conn: Connection, province_code: str, period_id: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        text(
            "SELECT * FROM mart_district_period WHERE province_code=:c AND period_id=:p ORDER BY rank, district_code"
        ),
        {"c": province_code, "p": period_id},
    ).mappings()
    return [dict(r) for r in rows]


def read_province_mart(conn: Connection, province_code: str, period_id: str) -> dict[str, Any] | None:
    row = (
        conn.execute(
            text("SELECT * FROM mart_province_period WHERE province_code=:c AND period_id=:p"),
            {"c": province_code, "p": period_id},
        )
        .mappings()
        .first()
    )
    return dict(row) if row else None
