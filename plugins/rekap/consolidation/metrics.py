"""The two-monthly consolidation metrics (metrics.md), computed by the SQL in ``sql/``.

Layers, each a file named after the table it builds:
  periods / period_months / period_weeks   calendar rows, from rekap.periods (Python rules)
  format_fields                            required fields and their columns, from rekap.report.vocab
  sql/stg_pleno.sql, stg_pencegahan.sql,   each record as the metrics read it: placed date, ISO
    stg_kelembagaan.sql                    week, quorum, minutes/evidence, filled cells
  sql/int_counted_records.sql              the records that count, deduplicated
  sql/int_district_period.sql              the counts behind every rate
  sql/mart_district_period.sql             every district metric, score, status, rank
  sql/mart_province_period.sql             the province's headline figures
  sql/mart_national_period.sql             the served provinces side by side (several served)
All of it runs inside the caller's transaction: a failed consolidation changes nothing.

Two conventions of these files, applied by ``run_sql_file``: ``{{stg_<kind>}}`` stands for the
query of ``sql/stg_<kind>.sql`` (one staging definition, embedded where it is used), and
``INSERT INTO <table> BY NAME <query>`` fills each column from the query's column of the same
name, so a SELECT list can never shift a value into its neighbour's column.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, text

from rekap.periods import Period, week_monday, weeks_of_period
from rekap.report import vocab
from rekap.settings import DEFAULT_SCORE_WEIGHTS
from rekap.warehouse import read_sql, split_statements, sync_registry

STATUS_BAIK, STATUS_CUKUP, STATUS_KURANG, STATUS_NONE = "BAIK", "CUKUP", "KURANG", "TIDAK MELAPOR"
# The status thresholds of metrics.md. sql/mart_district_period.sql decides with them (bound as
# :baik_min and :cukup_min); the leadership workbook's legends, colours and Metode print them.
BAIK_MIN, CUKUP_MIN = 85, 70


@dataclass(frozen=True)
class ScoreWeights:
    """score = 100 × Σ weight × rate (metrics.md); configurable (``Settings.score_weights``)."""

    reporting: float = DEFAULT_SCORE_WEIGHTS[0]
    on_time: float = DEFAULT_SCORE_WEIGHTS[1]
    pleno: float = DEFAULT_SCORE_WEIGHTS[2]
    completeness: float = DEFAULT_SCORE_WEIGHTS[3]
    documented: float = DEFAULT_SCORE_WEIGHTS[4]

    def params(self) -> dict[str, float]:
        return {
            "w_reporting": self.reporting,
            "w_on_time": self.on_time,
            "w_pleno": self.pleno,
            "w_completeness": self.completeness,
            "w_documented": self.documented,
        }


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
        monday = week_monday(iso_year, iso_week)
        conn.execute(
            text(
                "INSERT INTO period_weeks (period_id, iso_year, iso_week, week_start, week_end)"
                " VALUES (:p, :y, :w, :s, :e)"
            ),
            {
                "p": period.period_id,
                "y": iso_year,
                "w": iso_week,
                "s": monday,
                "e": monday + timedelta(days=6),
            },
        )


def sync_format_fields(conn: Connection) -> None:
    """``format_fields`` mirrors ``vocab.SHEET_FIELDS``: which fields are required and the column
    holding each one's reading, so the staging SQL counts required cells from the one definition."""
    fields = [(kind, f) for kind in vocab.RECORD_KINDS for f in vocab.SHEET_FIELDS[kind]]
    for kind, f in fields:
        params = {"k": kind, "f": f.name, "c": f.reading_column, "r": int(f.required)}
        updated = conn.execute(
            text("UPDATE format_fields SET column_name=:c, required=:r WHERE kind=:k AND field=:f"), params
        )
        if updated.rowcount == 0:
            conn.execute(
                text(
                    "INSERT INTO format_fields (kind, field, column_name, required) VALUES (:k, :f, :c, :r)"
                ),
                params,
            )
    known = {(kind, f.name) for kind, f in fields}
    for row in conn.execute(text("SELECT kind, field FROM format_fields")).all():
        if (row.kind, row.field) not in known:
            conn.execute(
                text("DELETE FROM format_fields WHERE kind=:k AND field=:f"), {"k": row.kind, "f": row.field}
            )


_STAGING = re.compile(r"\{\{(stg_[a-z]+)\}\}")
_BY_NAME = re.compile(r"^INSERT\s+INTO\s+(\w+)\s+BY\s+NAME\s+(.*)$", re.IGNORECASE | re.DOTALL)


def staging_sql(name: str) -> str:
    """The query of ``sql/<name>.sql`` (a staging layer), ready to embed: comments and the final
    ``;`` dropped."""
    (query,) = split_statements(read_sql(f"{name}.sql"))
    return query


def expand(statement: str) -> str:
    """``{{stg_<kind>}}`` -> the staging query it names."""
    return _STAGING.sub(lambda m: staging_sql(m.group(1)), statement)


def insert_by_name(conn: Connection, table: str, query: str, params: dict[str, Any]) -> None:
    """INSERT the rows of ``query`` into the columns of ``table`` named like the query's columns
    (DuckDB's ``INSERT ... BY NAME``); a query column that the table lacks is an error."""
    names = list(conn.execute(text(f"SELECT * FROM ({query}) q WHERE 1 = 0"), params).keys())
    conn.execute(text(f"INSERT INTO {table} ({', '.join(names)}) {query}"), params)


def run_sql_file(conn: Connection, name: str, params: dict[str, Any]) -> None:
    for statement in split_statements(read_sql(name)):
        statement = expand(statement)
        used = {k: v for k, v in params.items() if f":{k}" in statement}
        by_name = _BY_NAME.match(statement)
        if by_name:
            insert_by_name(conn, by_name.group(1), by_name.group(2), used)
        else:
            conn.execute(text(statement), used)


def staging_rows(conn: Connection, kind: str) -> list[dict[str, Any]]:
    """Every record of ``kind`` as ``sql/stg_<kind>.sql`` derives it (for checks and tests)."""
    sync_format_fields(conn)
    query = staging_sql(f"stg_{kind}")
    return [
        dict(r)
        for r in conn.execute(text(f"SELECT * FROM ({query}) q ORDER BY submission_id, excel_row")).mappings()
    ]


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
    sync_format_fields(conn)
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
        "baik_min": BAIK_MIN,
        "cukup_min": CUKUP_MIN,
        **weights.params(),
    }
    run_sql_file(conn, "int_counted_records.sql", params)
    run_sql_file(conn, "int_district_period.sql", params)
    run_sql_file(conn, "mart_district_period.sql", params)
    run_sql_file(conn, "mart_province_period.sql", params)


def compute_national_mart(
    conn: Connection, province_codes: Sequence[str], period: Period, generated_at: datetime
) -> None:
    """Materialise ``mart_national_period`` for one period from the provinces' marts, which must
    already be computed (a province without them has no row); replaces the period's rows."""
    params = {
        "period_id": period.period_id,
        "generated_at": generated_at,
        "provinces": "," + ",".join(province_codes) + ",",
    }
    run_sql_file(conn, "mart_national_period.sql", params)


def read_national_mart(conn: Connection, period_id: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        text("SELECT * FROM mart_national_period WHERE period_id=:p ORDER BY province_code"), {"p": period_id}
    ).mappings()
    return [dict(r) for r in rows]


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
