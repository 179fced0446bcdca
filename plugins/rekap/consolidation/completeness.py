"""Kelengkapan Laporan: which district reported which month of a period, when, and how.

One matrix, districts × the period's months, for the Airflow view (``rekap.airflow.ui_app``) and for
``rekap status``. The rows come from the warehouse (``sql/report_completeness.sql``); the rules
that turn them into cells are the pure functions below:

* on time / late: from the FIRST accepted submission of the (district, month), like
  ``int_district_period.sql``, so a correction never makes a report late (metrics.md);
* accepted with issues: the CURRENT accepted submission has row-level issues;
* rejected: a rejected file for that month and no accepted one (rejected and not replaced);
* missing: nothing accepted and the deadline has passed; before it, "not due yet".

Rejected files have no month in the warehouse: their month is the one in their feedback file's
name (``feedback.feedback_filename`` writes it when the report's month could be read), else
the month whose deadline window they arrived in (the report of M is due in M+1).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from rekap.periods import Period, period_containing_month, report_deadline
from rekap.registry import District
from rekap.report import vocab
from rekap.warehouse import as_datetime

ON_TIME, LATE, REJECTED, MISSING, NOT_DUE, NOT_EXPECTED = (
    "tepat_waktu",
    "terlambat",
    "ditolak",
    "belum_masuk",
    "belum_jatuh_tempo",
    "tidak_wajib",
)
LABELS = {
    ON_TIME: "Tepat waktu",
    LATE: "Terlambat",
    REJECTED: "Ditolak, belum diganti",
    MISSING: "Belum masuk",
    NOT_DUE: "Belum jatuh tempo",
    NOT_EXPECTED: "Tidak wajib",
}
# Short forms for the terminal, one fixed width so the columns line up.
SHORT = {
    ON_TIME: "TEPAT",
    LATE: "TELAT",
    REJECTED: "DITOLAK",
    MISSING: "KOSONG",
    NOT_DUE: "BELUM",
    NOT_EXPECTED: "-",
}
LEFT_IN_INBOX = {"unknown_folder": "Folder tidak dikenal", "waiting": "Masih disalin"}
_FEEDBACK_MONTH = re.compile(r"^Umpan_Balik_\d+_(\d{4})-(\d{2})_")


@dataclass(frozen=True)
class Cell:
    district_code: str
    year: int
    month: int
    status: str
    received_at: datetime | None = None  # local time of the first accepted file
    deadline: datetime | None = None
    days_late: int = 0
    with_issues: bool = False  # the current accepted file has row-level issues
    issue_count: int = 0
    corrections: int = 0  # accepted files after the first one
    submission_id: int | None = None  # the file whose feedback the cell links to
    reason: str | None = None  # a rejection's reason

    @property
    def reported(self) -> bool:
        return self.status in (ON_TIME, LATE)

    def text(self) -> str:
        """The cell in words (Indonesian): ``Tepat waktu 03/02``, ``Terlambat 4 hari``."""
        if self.status == ON_TIME and self.received_at:
            return f"{LABELS[ON_TIME]} {self.received_at:%d/%m}"
        if self.status == LATE:
            return f"{LABELS[LATE]} {self.days_late} hari"
        return LABELS[self.status]


@dataclass(frozen=True)
class Rejection:
    submission_id: int
    district_code: str
    file_name: str
    received_at: datetime  # local
    reason: str
    year: int | None
    month: int | None
    month_from_arrival: bool  # the month is a guess from when it arrived
    replaced: bool  # an accepted report of that month exists


@dataclass(frozen=True)
class LeftFile:
    """A file the latest intake run left in the inbox (wrong folder, or still being copied)."""

    path: str
    district_code: str | None
    outcome: str
    seen_at: datetime | None

    @property
    def folder_code(self) -> str:
        """The district code the file claims: its own, else its inbox folder's name (unknown ones)."""
        return self.district_code or Path(self.path).parent.name


@dataclass
class Completeness:
    period: Period
    districts: list[District]
    cells: dict[tuple[str, int, int], Cell]
    rejections: list[Rejection] = field(default_factory=list)
    left_in_inbox: list[LeftFile] = field(default_factory=list)
    leadership_workbook: str | None = None

    def cell(self, district_code: str, year: int, month: int) -> Cell:
        return self.cells[(district_code, year, month)]

    def month_counts(self) -> dict[tuple[int, int], dict[str, int]]:
        """Per month: how many districts are in each status, and how many reported."""
        out: dict[tuple[int, int], dict[str, int]] = {}
        for year, month in self.period.months:
            counts = {status: 0 for status in LABELS}
            for d in self.districts:
                counts[self.cell(d.district_code, year, month).status] += 1
            counts["melapor"] = counts[ON_TIME] + counts[LATE]
            counts["wajib"] = len(self.districts) - counts[NOT_EXPECTED]
            out[(year, month)] = counts
        return out

    def district_reported(self, district_code: str) -> int:
        return sum(self.cell(district_code, y, m).reported for y, m in self.period.months)

    def province_codes(self) -> list[str]:
        """The provinces of the matrix's districts, in code order."""
        return sorted({d.province_code for d in self.districts})

    def for_province(self, province_code: str) -> Completeness:
        """The same matrix cut to one province: its districts, cells, rejections and left files.
        Kemendagri district codes start with their province's code, which places a left file
        whose folder names no registered district (``inbox/7499/``: Sulawesi Tenggara's)."""
        districts = [d for d in self.districts if d.province_code == province_code]
        codes = {d.district_code for d in districts}
        return Completeness(
            self.period,
            districts,
            {k: c for k, c in self.cells.items() if k[0] in codes},
            [r for r in self.rejections if r.district_code in codes],
            [f for f in self.left_in_inbox if f.folder_code.startswith(province_code)],
            self.leadership_workbook if len(self.province_codes()) == 1 else None,
        )

    def by_province(self) -> list[Completeness]:
        """One matrix per province, in code order (headings and counts of the grouped views)."""
        return [self.for_province(code) for code in self.province_codes()]

    def totals(self) -> dict[str, int]:
        totals = {status: 0 for status in LABELS}
        for c in self.cells.values():
            totals[c.status] += 1
        totals["melapor"] = totals[ON_TIME] + totals[LATE]
        totals["wajib"] = len(self.cells) - totals[NOT_EXPECTED]
        totals["dengan_catatan"] = sum(1 for c in self.cells.values() if c.with_issues)
        return totals


# --- the rules (pure) -----------------------------------------------------------------------


def default_period(today: date) -> Period:
    """The period whose reports are being collected now: the one holding last month, whose
    report is due this month (in January that is the previous year's B6)."""
    year, month = (today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1)
    return period_containing_month(year, month)


def month_of_feedback(feedback_path: str | None) -> tuple[int, int] | None:
    """The report month written into a feedback file's name, when it was readable."""
    if not feedback_path:
        return None
    m = _FEEDBACK_MONTH.match(Path(feedback_path).name)
    return (int(m[1]), int(m[2])) if m else None


def month_by_arrival(received_local: date) -> tuple[int, int]:
    """The report month whose deadline window a file arrived in: the report of M is due in M+1."""
    if received_local.month == 1:
        return received_local.year - 1, 12
    return received_local.year, received_local.month - 1


def days_late(received_local: datetime, deadline: datetime) -> int:
    """Whole calendar days after the deadline's day (the 9th against the 5th: 4 days)."""
    return max(1, (received_local.date() - deadline.astimezone(received_local.tzinfo).date()).days)


def classify(
    district: District,
    year: int,
    month: int,
    accepted: list[dict[str, Any]],
    rejected: list[dict[str, Any]],
    deadline_day: int,
    now: datetime,
) -> Cell:
    """One cell from the submissions of one (district, month); rows as the SQL returns them,
    sorted by arrival."""
    zone = district.zone
    deadline = report_deadline(year, month, deadline_day, zone)
    code = district.district_code
    if accepted:
        first = accepted[0]
        current = next((s for s in accepted if s["is_current"]), accepted[-1])
        received = as_datetime(first["received_at"]).astimezone(zone)
        on_time = bool(first["received_on_time"])
        return Cell(
            code,
            year,
            month,
            ON_TIME if on_time else LATE,
            received_at=received,
            deadline=deadline,
            days_late=0 if on_time else days_late(received, deadline),
            with_issues=current["status"] == "accepted_with_issues",
            issue_count=int(current["issue_count"] or 0),
            corrections=len(accepted) - 1,
            submission_id=current["submission_id"],
        )
    if rejected:
        last = rejected[-1]
        return Cell(
            code,
            year,
            month,
            REJECTED,
            received_at=as_datetime(last["received_at"]).astimezone(zone),
            deadline=deadline,
            submission_id=last["submission_id"],
            reason=last["rejection_reason"],
        )
    if (year, month) < district.first_month:
        return Cell(code, year, month, NOT_EXPECTED, deadline=deadline)
    return Cell(code, year, month, MISSING if now > deadline else NOT_DUE, deadline=deadline)


def build(
    period: Period,
    districts: list[District],
    rows: list[dict[str, Any]],
    deadline_day: int,
    now: datetime,
) -> Completeness:
    """The matrix and the period's rejections from the rows of ``report_completeness.sql``."""
    by_code = {d.district_code: d for d in districts}
    months = set(period.months)
    accepted: dict[tuple[str, int, int], list[dict[str, Any]]] = {}
    rejected: dict[tuple[str, int, int], list[dict[str, Any]]] = {}
    placed: list[tuple[dict[str, Any], tuple[int, int], bool]] = []
    for row in rows:
        district = by_code.get(row["district_code"])
        if district is None:
            continue
        if row["status"] != "rejected":
            accepted.setdefault((row["district_code"], row["year"], row["month"]), []).append(row)
            continue
        local = as_datetime(row["received_at"]).astimezone(district.zone)
        month = month_of_feedback(row["feedback_path"])
        guessed = month is None
        month = month or month_by_arrival(local.date())
        if month in months:
            rejected.setdefault((row["district_code"], *month), []).append(row)
            placed.append((row, month, guessed))
    cells = {
        (d.district_code, y, m): classify(
            d,
            y,
            m,
            accepted.get((d.district_code, y, m), []),
            rejected.get((d.district_code, y, m), []),
            deadline_day,
            now,
        )
        for d in districts
        for y, m in period.months
    }
    rejections = [
        Rejection(
            submission_id=row["submission_id"],
            district_code=row["district_code"],
            file_name=row["file_name"],
            received_at=as_datetime(row["received_at"]).astimezone(by_code[row["district_code"]].zone),
            reason=row["rejection_reason"] or "",
            year=month[0],
            month=month[1],
            month_from_arrival=guessed,
            replaced=(row["district_code"], *month) in accepted,
        )
        for row, month, guessed in placed
    ]
    return Completeness(period, list(districts), cells, rejections)


def left_in_inbox(summary_json: str | None, exists=lambda p: Path(p).is_file()) -> list[LeftFile]:
    """The files the latest intake run left in the inbox that are still there."""
    if not summary_json:
        return []
    summary = json.loads(summary_json)
    return [
        LeftFile(f["inbox_path"], f.get("district_code"), f["outcome"], None)
        for f in summary.get("files", [])
        if f.get("outcome") in LEFT_IN_INBOX and exists(f["inbox_path"])
    ]


def periods_on_offer(months: list[tuple[int, int]], default: Period) -> list[Period]:
    """The periods with any accepted report, and the default one; newest first."""
    return sorted({default, *(period_containing_month(y, m) for y, m in months)}, reverse=True)


def month_label(year: int, month: int) -> str:
    return f"{vocab.month_name(month)} {year}"


def status_lines(data: Completeness) -> list[str]:
    """The matrix for the terminal (``rekap status``)."""
    months = data.period.months
    counts = data.month_counts()
    name_width = max([len(f"{d.district_code} {d.district_name}") for d in data.districts] + [8])
    columns = {
        (d.district_code, y, m): _short(data.cell(d.district_code, y, m))
        for d in data.districts
        for y, m in months
    }
    reported = {ym: f"{counts[ym]['melapor']} dari {counts[ym]['wajib']}" for ym in months}
    width = max([len(v) for v in columns.values()] + [len(month_label(y, m)) for y, m in months]) + 2
    lines = [
        f"KELENGKAPAN LAPORAN {data.period.period_id} ({data.period.label_id})",
        (
            f"{'Kab/Kota':<{name_width}}  " + "".join(f"{month_label(y, m):<{width}}" for y, m in months)
        ).rstrip(),
    ]
    groups = data.by_province()
    for group in groups:
        if len(groups) > 1:  # several provinces: a heading with the province's own count
            lines.append(f"-- {province_heading(group)}")
        for d in group.districts:
            label = f"{d.district_code} {d.district_name}"
            cells = "".join(f"{columns[(d.district_code, y, m)]:<{width}}" for y, m in months)
            lines.append(f"{label:<{name_width}}  {cells}".rstrip())
    lines.append(
        f"{'Melapor':<{name_width}}  " + "".join(f"{reported[ym]:<{width}}" for ym in months).rstrip()
    )
    t = data.totals()
    lines.append(
        f"Tepat waktu {t[ON_TIME]}, terlambat {t[LATE]}, ditolak belum diganti {t[REJECTED]}, "
        f"belum masuk {t[MISSING]}, belum jatuh tempo {t[NOT_DUE]}; {t['dengan_catatan']} laporan dengan catatan"
    )
    lines.append("(TEPAT = tepat waktu, TELAT = terlambat, KOSONG = belum masuk, BELUM = belum jatuh tempo)")
    for r in data.rejections:
        state = "sudah diganti" if r.replaced else "BELUM diganti"
        lines.append(
            f"Ditolak: {r.district_code} {r.file_name} ({month_label(r.year, r.month)}, {state}): {r.reason}"
        )
    for f in data.left_in_inbox:
        lines.append(f"{LEFT_IN_INBOX[f.outcome]}: {f.path}")
    if data.leadership_workbook:
        lines.append(f"Laporan komprehensif: {data.leadership_workbook}")
    return lines


def province_heading(group: Completeness) -> str:
    """``36 Banten: 5 dari 16 laporan masuk (3 tepat waktu, 2 terlambat, 1 belum masuk)``."""
    d = group.districts[0]
    t = group.totals()
    return (
        f"{d.province_code} {d.province_name}: {t['melapor']} dari {t['wajib']} laporan masuk "
        f"({t[ON_TIME]} tepat waktu, {t[LATE]} terlambat, {t[REJECTED]} ditolak belum diganti, "
        f"{t[MISSING]} belum masuk)"
    )


def _short(c: Cell) -> str:
    detail = c.text().removeprefix(LABELS[c.status]).strip()
    text = f"{SHORT[c.status]} {detail}".strip()
    return text + (f" ({c.issue_count} catatan)" if c.with_issues else "")


# --- I/O: the warehouse and the drive ----------------------------------------------------------


def load_completeness(settings, period: Period, now: datetime, province: str | None = None) -> Completeness:
    """The period's matrix from the warehouse, with what the last intake left on the drive;
    ``province`` cuts it to one of the served provinces (SettingsError if it is not served)."""
    from sqlalchemy import bindparam, text

    from rekap.consolidation.report_data import _query
    from rekap.warehouse import read_sql, split_statements, transaction

    if province is not None:
        settings = settings.for_province(province)
    (y1, m1), (y2, m2) = period.months
    params = {"period_id": period.period_id, "year1": y1, "month1": m1, "year2": y2, "month2": m2}
    (statement,) = split_statements(read_sql("report_completeness.sql"))
    matrix = text(statement).bindparams(bindparam("province_codes", expanding=True))
    workbook = []
    with transaction(settings.warehouse_url) as conn:
        # One round trip for all served provinces, however many (514 districts nationally).
        rows = [
            dict(r)
            for r in conn.execute(matrix, {**params, "province_codes": sorted(settings.provinces)}).mappings()
        ]
        latest = _query(conn, "report_latest_ingest.sql", params)
        if len(settings.provinces) == 1:  # one leadership workbook to link; several: one each
            workbook = _query(
                conn, "report_leadership_workbook.sql", {**params, "province_code": settings.province_code}
            )
    districts = sorted(settings.registry.districts, key=lambda d: d.district_code)
    data = build(period, districts, rows, settings.deadline_day, now)
    data.left_in_inbox = left_in_inbox(latest[0]["summary"] if latest else None)
    if workbook and workbook[0]["report_path"]:
        data.leadership_workbook = workbook[0]["report_path"]
    # the intake's summary covers the whole drive: keep the province's own left files
    return data.for_province(province) if province is not None else data


def offered_periods(settings, default: Period) -> list[Period]:
    from rekap.consolidation.report_data import _query
    from rekap.warehouse import transaction

    with transaction(settings.warehouse_url) as conn:
        rows = [
            r
            for code in settings.provinces
            for r in _query(conn, "report_periods_with_reports.sql", {"province_code": code})
        ]
    return periods_on_offer([(r["year"], r["month"]) for r in rows], default)
