"""Everything the leadership workbook shows, read from the warehouse in one place.

The workbook writer (rekap.leadership_workbook) only lays this out; every number comes
from a mart or from the counted-records tables built by the SQL in ``sql/``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, text

from rekap.metrics import read_district_mart, read_province_mart
from rekap.periods import Period, week_monday, weeks_of_period
from rekap.warehouse import as_date, read_sql, split_statements


@dataclass
class LeadershipData:
    province_code: str
    province_name: str
    period: Period
    generated_at: datetime  # aware, in the province's time zone
    province: dict[str, Any]  # the mart_province_period row
    districts: list[dict[str, Any]]  # mart_district_period rows, sorted by rank
    weeks: list[tuple[int, int, date]]  # (iso_year, iso_week, monday) of the period
    pleno_weeks: dict[str, set[tuple[int, int]]] = field(
        default_factory=dict
    )  # district -> weeks with quorate Rutin
    prevention_by_type: dict[str, dict[str, int]] = field(default_factory=dict)  # district -> Jenis -> count
    kelembagaan_by_aspect: dict[str, dict[str, float | None]] = field(
        default_factory=dict
    )  # district -> Aspek -> %
    missing_reports: list[dict[str, Any]] = field(
        default_factory=list
    )  # district_code, district_name, year, month
    issues: list[dict[str, Any]] = field(
        default_factory=list
    )  # district_code, district_name, file_name, sheet,
    # excel_row, column_name, value, problem


def _query(conn: Connection, name: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    (statement,) = split_statements(read_sql(name))
    used = {k: v for k, v in params.items() if f":{k}" in statement}
    return [dict(r) for r in conn.execute(text(statement), used).mappings()]


def load_leadership_data(
    conn: Connection, province_code: str, province_name: str, period: Period, generated_at: datetime
) -> LeadershipData:
    params = {"province_code": province_code, "period_id": period.period_id}
    weeks = [(y, w, week_monday(y, w)) for y, w in weeks_of_period(period)]
    data = LeadershipData(
        province_code=province_code,
        province_name=province_name,
        period=period,
        generated_at=generated_at,
        province=read_province_mart(conn, province_code, period.period_id) or {},
        districts=read_district_mart(conn, province_code, period.period_id),
        weeks=weeks,
    )
    for row in _query(conn, "report_pleno_weeks.sql", params):
        data.pleno_weeks.setdefault(row["district_code"], set()).add((row["iso_year"], row["iso_week"]))
    for row in _query(conn, "report_prevention_types.sql", params):
        data.prevention_by_type.setdefault(row["district_code"], {})[row["activity_type"]] = row["activities"]
    for row in _query(conn, "report_kelembagaan_aspects.sql", params):
        value = row["progress"]
        data.kelembagaan_by_aspect.setdefault(row["district_code"], {})[row["aspect"]] = (
            float(value) if value is not None else None
        )
    data.missing_reports = _query(conn, "report_missing_reports.sql", params)
    data.issues = _query(conn, "report_row_issues.sql", params)
    for row in data.issues:
        row["excel_row"] = int(row["excel_row"])
    for row in data.districts:
        row["period_start"], row["period_end"] = as_date(row["period_start"]), as_date(row["period_end"])
    return data
