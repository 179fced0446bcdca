"""Everything the leadership workbook shows, read from the warehouse in one place.

The workbook writer (rekap.consolidation.leadership_workbook) only lays this out; every number comes
from a mart or from the counted-records tables built by the SQL in ``sql/``. What needs the
chair (``attention``) is decided here once, for the workbook and the approval request alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, text

from rekap.consolidation.metrics import (
    STATUS_BAIK,
    STATUS_CUKUP,
    STATUS_KURANG,
    STATUS_NONE,
    read_district_mart,
    read_province_mart,
)
from rekap.consolidation.prevention_forms import form_of
from rekap.periods import Period, week_monday, weeks_of_period
from rekap.report import vocab
from rekap.report.cells import is_non_stage
from rekap.warehouse import as_date, as_datetime, read_sql, split_statements

# Tahapan of a prevention activity, as the leadership workbook splits the counts.
IN_STAGE, NO_STAGE = "Tahapan", "Tahapan tidak diisi"
STAGE_GROUPS = (IN_STAGE, vocab.NON_STAGE, NO_STAGE)

# Kelengkapan Laporan: the state of one district's report for one month.
ON_TIME, LATE, MISSING, REJECTED = "TEPAT WAKTU", "TERLAMBAT", "BELUM MASUK", "DITOLAK"


@dataclass
class LeadershipData:
    province_code: str
    province_name: str
    period: Period
    generated_at: datetime  # aware, in the province's time zone
    province: dict[str, Any]  # the mart_province_period row
    districts: list[dict[str, Any]]  # mart_district_period rows, sorted by rank
    weeks: list[tuple[int, int, date]]  # (iso_year, iso_week, monday) of the period
    state: str = "DRAF"  # DRAF | SEMENTARA | FINAL (rekap.consolidation.approval)
    approval: Any = None  # rekap.consolidation.approval.Approval on the FINAL version
    deadline: datetime | None = None  # deadline of the period's last month
    weights: tuple[float, ...] = ()  # score weights in force (rekap.consolidation.metrics.ScoreWeights order)
    previous_province: dict[str, Any] | None = None  # the previous period's mart row, if any
    pleno_weeks: dict[str, set[tuple[int, int]]] = field(default_factory=dict)  # district -> weeks held
    # district -> Jenis Kegiatan -> {"activities", "participants", "documented"}
    prevention: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)
    forms: dict[str, str] = field(default_factory=dict)  # Jenis Kegiatan -> Bentuk
    # district -> Jenis Kegiatan -> STAGE_GROUPS entry -> counted activities
    prevention_stages: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)
    kelembagaan_by_aspect: dict[str, dict[str, float | None]] = field(default_factory=dict)
    # district x month: district_code, district_name, year, month, state, received_at, days_late
    reporting: list[dict[str, Any]] = field(default_factory=list)
    # district_code, district_name, file_name, sheet, excel_row, column_name, value, problem
    issues: list[dict[str, Any]] = field(default_factory=list)

    report_title = "LAPORAN KOMPREHENSIF"
    coverage = ""  # the office says it: one province

    @property
    def issuer(self) -> str:
        return f"Bawaslu Provinsi {self.province_name}"

    @property
    def missing_reports(self) -> list[dict[str, Any]]:
        return [r for r in self.reporting if r["state"] in (MISSING, REJECTED)]

    def month_reported(self, district_code: str, year: int, month: int) -> bool:
        return any(
            r["state"] in (ON_TIME, LATE)
            for r in self.reporting
            if (r["district_code"], r["year"], r["month"]) == (district_code, year, month)
        )

    def prevention_by_form(self, district_code: str) -> dict[str, dict[str, int]]:
        by_form: dict[str, dict[str, int]] = {}
        for jenis, figures in self.prevention.get(district_code, {}).items():
            target = by_form.setdefault(
                form_of(self.forms, jenis), {"activities": 0, "participants": 0, "documented": 0}
            )
            for key in target:
                target[key] += figures[key]
        return by_form

    def stages_by_form(self, district_code: str) -> dict[str, dict[str, int]]:
        """Bentuk -> STAGE_GROUPS entry -> counted activities of one district."""
        by_form: dict[str, dict[str, int]] = {}
        for jenis, groups in self.prevention_stages.get(district_code, {}).items():
            target = by_form.setdefault(form_of(self.forms, jenis), dict.fromkeys(STAGE_GROUPS, 0))
            for group, n in groups.items():
                target[group] += n
        return by_form


def stage_group(stage: str | None) -> str:
    """Tahapan as the Pencegahan sheet splits it: a stage, Non Tahapan, or not given."""
    if stage is None or not stage.strip():
        return NO_STAGE
    return vocab.NON_STAGE if is_non_stage(stage) else IN_STAGE


def week_month(iso_year: int, iso_week: int) -> tuple[int, int]:
    """The month a week belongs to: the month of its Thursday (as the period owns it)."""
    thursday = week_monday(iso_year, iso_week) + timedelta(days=3)
    return thursday.year, thursday.month


def days_late(received_at: datetime, deadline_at: datetime, zone: Any) -> int:
    """Whole days after the deadline's local day (a report one minute late is 1 day late)."""
    days = (received_at.astimezone(zone).date() - deadline_at.astimezone(zone).date()).days
    return max(days, 1)


@dataclass(frozen=True)
class AttentionItem:
    district_code: str
    district_name: str
    topic: str  # short category: KURANG, TIDAK MELAPOR, BELUM MASUK, DITOLAK, TERLAMBAT, PLENO
    detail: str


def attention(data: LeadershipData) -> list[AttentionItem]:
    """Perlu Perhatian: every KURANG and TIDAK MELAPOR district, every report missing, rejected
    and not replaced, or late, and every district with weeks without a quorate Rutin pleno;
    the gravest first (``ATTENTION_ORDER``), districts in rank order within each."""
    items: list[AttentionItem] = []
    by_district: dict[str, list[dict[str, Any]]] = {}
    for r in data.reporting:
        by_district.setdefault(r["district_code"], []).append(r)
    for d in data.districts:
        code, name = d["district_code"], d["district_name"]
        status = d.get("status")
        if status == STATUS_NONE:
            items.append(
                AttentionItem(code, name, STATUS_NONE, "Tidak ada laporan yang diterima periode ini.")
            )
        elif status == STATUS_KURANG:
            items.append(
                AttentionItem(code, name, STATUS_KURANG, f"Skor {_decimal(d.get('score'))} (< CUKUP).")
            )
        for r in by_district.get(code, []):
            month = f"{vocab.month_name(r['month'])} {r['year']}"
            if r["state"] == MISSING:
                items.append(AttentionItem(code, name, MISSING, f"Laporan {month} belum masuk."))
            elif r["state"] == REJECTED:
                items.append(
                    AttentionItem(code, name, REJECTED, f"Laporan {month} ditolak dan belum diganti.")
                )
            elif r["state"] == LATE:
                items.append(
                    AttentionItem(
                        code,
                        name,
                        LATE,
                        f"Laporan {month} terlambat {r['days_late']} hari"
                        f" (diterima {r['received_at']:%d/%m/%Y}).",
                    )
                )
        weeks, held = d.get("weeks_in_period") or 0, d.get("weeks_with_pleno") or 0
        if status != STATUS_NONE and held < weeks:
            items.append(
                AttentionItem(
                    code, name, "PLENO", f"{weeks - held} dari {weeks} minggu tanpa pleno rutin yang kuorum."
                )
            )
    return sorted(items, key=lambda i: ATTENTION_ORDER.index(i.topic))  # stable: rank order kept


ATTENTION_ORDER = (STATUS_NONE, STATUS_KURANG, MISSING, REJECTED, LATE, "PLENO")


def _decimal(value: Any) -> str:
    return "-" if value is None else f"{float(value):.1f}".replace(".", ",")


def _query(conn: Connection, name: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    (statement,) = split_statements(read_sql(name))
    used = {k: v for k, v in params.items() if f":{k}" in statement}
    return [dict(r) for r in conn.execute(text(statement), used).mappings()]


def reporting_state(row: dict[str, Any], zone: Any) -> dict[str, Any]:
    """One Kelengkapan Laporan cell from its query row."""
    received, deadline = as_datetime(row["received_at"]), as_datetime(row["deadline_at"])
    if received is None:
        state = REJECTED if row["rejected"] else MISSING
        late = None
    elif row["received_on_time"]:
        state, late = ON_TIME, None
    else:
        state, late = LATE, days_late(received, deadline, zone) if deadline else None
    return {
        "district_code": row["district_code"],
        "district_name": row["district_name"],
        "year": int(row["year"]),
        "month": int(row["month"]),
        "state": state,
        "received_at": received,
        "days_late": late,
    }


def load_leadership_data(
    conn: Connection,
    province_code: str,
    province_name: str,
    period: Period,
    generated_at: datetime,
    forms: dict[str, str] | None = None,
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
        previous_province=read_province_mart(conn, province_code, period.previous.period_id),
        forms=dict(forms or {}),
    )
    for row in _query(conn, "report_pleno_weeks.sql", params):
        data.pleno_weeks.setdefault(row["district_code"], set()).add((row["iso_year"], row["iso_week"]))
    for row in _query(conn, "report_prevention_types.sql", params):
        figures = data.prevention.setdefault(row["district_code"], {}).setdefault(
            row["activity_type"], {"activities": 0, "participants": 0, "documented": 0}
        )
        figures["activities"] += int(row["activities"])
        figures["participants"] += int(row["participants"] or 0)
        figures["documented"] += int(row["documented"] or 0)
        groups = data.prevention_stages.setdefault(row["district_code"], {}).setdefault(
            row["activity_type"], dict.fromkeys(STAGE_GROUPS, 0)
        )
        groups[stage_group(row["stage"])] += int(row["activities"])
    for row in _query(conn, "report_kelembagaan_aspects.sql", params):
        value = row["progress"]
        data.kelembagaan_by_aspect.setdefault(row["district_code"], {})[row["aspect"]] = (
            float(value) if value is not None else None
        )
    zone = generated_at.tzinfo
    data.reporting = [reporting_state(r, zone) for r in _query(conn, "report_reporting_status.sql", params)]
    for r in data.reporting:
        if r["received_at"] is not None:
            r["received_at"] = r["received_at"].astimezone(zone)
    data.issues = _query(conn, "report_row_issues.sql", params)
    for row in data.issues:
        row["excel_row"] = int(row["excel_row"])
    for row in data.districts:
        row["period_start"], row["period_end"] = as_date(row["period_start"]), as_date(row["period_end"])
    return data


# --- the national report (several provinces served) ------------------------------------------

# Perlu Perhatian of the national workbook, part A: this many KURANG districts, the lowest
# scores first (part B lists every district that did not report).
NATIONAL_LOWEST = 20
# the national mart's district counts per status, in the status order of the reports
NATIONAL_STATUS_COLUMNS = {
    STATUS_BAIK: "districts_baik",
    STATUS_CUKUP: "districts_cukup",
    STATUS_KURANG: "districts_kurang",
    STATUS_NONE: "districts_tidak_melapor",
}


@dataclass
class NationalData:
    """What the national workbook shows (rekap.consolidation.national_workbook), from the national
    and district marts of the served provinces: nothing is computed again here."""

    period: Period
    generated_at: datetime  # aware, in the deployment's time zone
    provinces: list[dict[str, Any]]  # mart_national_period rows with rank, in rank order
    total: dict[str, Any]  # the nation's row: sums, rates over the sums, mean district score
    lowest: list[dict[str, Any]]  # mart_district_period rows: the lowest KURANG scores
    not_reported: list[dict[str, Any]]  # mart_district_period rows: TIDAK MELAPOR, by province
    lowest_limit: int = NATIONAL_LOWEST
    state: str = "DRAF"  # DRAF | SEMENTARA | FINAL (rekap.consolidation.approval)
    approval: Any = None  # rekap.consolidation.approval.Approval on the FINAL version
    deadline: datetime | None = None  # the last deadline of the period's last month
    weights: tuple[float, ...] = ()  # score weights in force

    report_title = "LAPORAN KOMPREHENSIF NASIONAL"
    issuer = "Bawaslu Republik Indonesia"

    @property
    def coverage(self) -> str:
        return f"{len(self.provinces)} provinsi, {self.total.get('districts_total') or 0} kab/kota"


def load_national_data(
    conn: Connection, period: Period, generated_at: datetime, lowest_limit: int = NATIONAL_LOWEST
) -> NationalData:
    """The national workbook's content for one period; ``mart_national_period`` must be computed."""
    params = {"period_id": period.period_id, "limit": lowest_limit}
    (total,) = _query(conn, "report_national_total.sql", params)
    return NationalData(
        period=period,
        generated_at=generated_at,
        provinces=_query(conn, "report_national_provinces.sql", params),
        total=total,
        lowest=_query(conn, "report_national_lowest.sql", params),
        not_reported=_query(conn, "report_national_not_reported.sql", params),
        lowest_limit=lowest_limit,
    )
