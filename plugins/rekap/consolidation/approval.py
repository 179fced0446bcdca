"""Approval before leadership receives a report (domain.md): the period gate, the states of
the laporan komprehensif, and its audit trail in the warehouse (``report_approvals``).

Every consolidation of a period whose deadline has passed writes a draft (``DRAF``) that is a
new numbered version of that period; only a recorded approval of the *latest* version lets it
be written ``FINAL`` and sent. A period still open yields ``SEMENTARA`` (never sent, no
approval asked). The DAG's Required Action and ``rekap approve`` record decisions the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, text

from rekap.periods import Period, report_deadline
from rekap.registry import Registry
from rekap.warehouse import as_datetime, transaction

DRAF, SEMENTARA, FINAL = "DRAF", "SEMENTARA", "FINAL"
# The scope of the national report (several provinces served) in report_approvals.province_code
# and the drafts' announcements, where a province's report has its code; also in its file name.
NATIONAL = "NASIONAL"
APPROVED, REJECTED, EXPIRED = "approved", "rejected", "expired"
DECISION_LABELS = {APPROVED: "DISETUJUI", REJECTED: "DITOLAK", EXPIRED: "KEDALUWARSA", None: "MENUNGGU"}


class PeriodRefused(ValueError):
    """A period that cannot be consolidated at all; the message is one line."""


class ApprovalError(ValueError):
    """A decision or a delivery the audit trail does not allow; the message is one line."""


def period_deadline(period: Period, deadline_day: int, zone: ZoneInfo) -> datetime:
    """The deadline of the period's last month: after it the period is complete."""
    year, month = period.months[1]
    return report_deadline(year, month, deadline_day, zone)


def earliest_month(registry: Registry) -> tuple[int, int]:
    return min(d.first_month for d in registry.districts)


def check_period(period: Period, registry: Registry, today: date) -> None:
    """Refuse a period that has not started or that ends before any district reports."""
    first_year, first_month = earliest_month(registry)
    if period.start > today:
        raise PeriodRefused(
            f"periode {period.period_id} ({period.label_id}) belum dimulai (hari ini {today:%d/%m/%Y}):"
            " tidak ada yang dikonsolidasi; periksa parameter period"
        )
    if period.months[1] < (first_year, first_month):
        raise PeriodRefused(
            f"periode {period.period_id} ({period.label_id}) sebelum bulan pelaporan pertama registry"
            f" ({first_month:02d}/{first_year}): tidak ada yang dikonsolidasi; periksa parameter period"
        )


def report_state(period: Period, deadline_day: int, zone: ZoneInfo, now: datetime) -> str:
    """``SEMENTARA`` until the deadline of the period's last month has passed, then ``DRAF``."""
    return SEMENTARA if now <= period_deadline(period, deadline_day, zone) else DRAF


# --- the audit trail -------------------------------------------------------------------------


def record_draft(
    conn: Connection, province_code: str, period_id: str, draft_path: str, drafted_at: datetime, run_id: str
) -> int:
    """A new draft version of the period, waiting for a decision (in the caller's transaction)."""
    latest = conn.execute(
        text("SELECT MAX(version) FROM report_approvals WHERE province_code=:c AND period_id=:p"),
        {"c": province_code, "p": period_id},
    ).scalar()
    version = int(latest or 0) + 1
    conn.execute(
        text(
            "INSERT INTO report_approvals (province_code, period_id, version, draft_path, drafted_at, run_id)"
            " VALUES (:c, :p, :v, :d, :t, :r)"
        ),
        {"c": province_code, "p": period_id, "v": version, "d": draft_path, "t": drafted_at, "r": run_id},
    )
    return version


def versions(conn: Connection, province_code: str, period_id: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        text("SELECT * FROM report_approvals WHERE province_code=:c AND period_id=:p ORDER BY version"),
        {"c": province_code, "p": period_id},
    ).mappings()
    result = []
    for row in rows:
        row = dict(row)
        for key in ("drafted_at", "decided_at", "delivered_at"):
            row[key] = as_datetime(row[key])
        result.append(row)
    return result


def latest_version(conn: Connection, province_code: str, period_id: str) -> dict[str, Any] | None:
    rows = versions(conn, province_code, period_id)
    return rows[-1] if rows else None


def record_decision(
    url: str,
    province_code: str,
    period_id: str,
    version: int | None,
    decision: str,
    decided_by: str | None,
    decided_at: datetime,
    reason: str | None = None,
) -> dict[str, Any]:
    """Record a decision on a draft (``version`` None: the latest). Only the latest draft can be
    decided, once: a newer consolidation makes an older draft obsolete."""
    if decision not in (APPROVED, REJECTED, EXPIRED):
        raise ApprovalError(f"unknown decision {decision!r}")
    if decision == REJECTED and not (reason or "").strip():
        raise ApprovalError("a rejection needs a reason (alasan) so the operators know what to fix")
    with transaction(url) as conn:
        latest = latest_version(conn, province_code, period_id)
        if latest is None:
            raise ApprovalError(
                f"periode {period_id} has no draft to decide on: run the consolidation first"
                f" (rekap consolidate --period {period_id})"
            )
        problem = pending_problem(latest, period_id, latest["version"] if version is None else version)
        if problem:
            raise ApprovalError(problem)
        conn.execute(
            text(
                "UPDATE report_approvals SET decision=:d, decided_by=:b, decided_at=:t, reason=:r"
                " WHERE province_code=:c AND period_id=:p AND version=:v"
            ),
            {
                "d": decision,
                "b": decided_by,
                "t": decided_at,
                "r": (reason or "").strip() or None,
                "c": province_code,
                "p": period_id,
                "v": latest["version"],
            },
        )
        return latest_version(conn, province_code, period_id) or {}


def approval_scopes(provinces: Iterable[str]) -> set[str]:
    """Whose reports are approved here: every served province, and the national report when
    several are served."""
    served = set(provinces)
    return served | {NATIONAL} if len(served) > 1 else served


def approval_requests(extras: Iterable[dict[str, Any]], provinces: Iterable[str]) -> list[dict[str, Any]]:
    """The approval requests of the drafts announced by the consolidation (the extras of its
    draft Asset events): one per scope (province, or the national report) and period, its newest
    version only (an older draft of the same period is already obsolete), drafts this deployment
    does not make (``approval_scopes``) ignored; by province, the national report last, then
    oldest period first."""
    served = approval_scopes(provinces)
    newest: dict[tuple[str, str], dict[str, Any]] = {}
    for extra in extras:
        if not extra or extra.get("province_code") not in served or not extra.get("version"):
            continue
        key = (extra["province_code"], extra["period_id"])
        seen = newest.get(key)
        if seen is None or int(extra["version"]) > int(seen["version"]):
            newest[key] = extra
    return [
        {
            "subject": e.get("subject") or f"Persetujuan Laporan Komprehensif {e['period_id']}",
            "body": e.get("body") or f"Draf: `{e['report_path']}`",
            "draft": {
                "province_code": e["province_code"],
                "period_id": e["period_id"],
                "version": int(e["version"]),
                "report_path": e["report_path"],
            },
        }
        for _, e in sorted(newest.items())
    ]


def pending_problem(latest: dict[str, Any] | None, period_id: str, version: int) -> str | None:
    """Why draft ``version`` of the period can no longer be decided (one line), or None when it
    is the latest draft and still waits: no one is asked about a moot draft."""
    if latest is None:
        return f"periode {period_id} has no draft v{version} in the warehouse"
    if latest["version"] != version:
        return (
            f"draft v{version} of {period_id} is obsolete: the latest draft is v{latest['version']}"
            f" ({latest.get('draft_path') or '?'})"
        )
    if latest["decision"] is not None:
        return (
            f"draft v{version} of {period_id} was already decided: {latest['decision']}"
            f" by {latest['decided_by'] or '-'}"
        )
    return None


def approved_draft(conn: Connection, province_code: str, period_id: str) -> dict[str, Any]:
    """The latest draft when it is approved; otherwise one line saying what is missing."""
    latest = latest_version(conn, province_code, period_id)
    if latest is None:
        raise ApprovalError(
            f"periode {period_id} has no draft: run rekap consolidate --period {period_id} first"
        )
    if latest["decision"] != APPROVED:
        state = DECISION_LABELS.get(latest["decision"], latest["decision"])
        raise ApprovalError(
            f"draft v{latest['version']} of {period_id} is {state}, not approved: nothing sent"
            f" (approve it first: rekap approve --period {period_id} --by NAME)"
        )
    return latest


def mark_delivered(
    conn: Connection, province_code: str, period_id: str, version: int, final_path: str, at: datetime
) -> None:
    conn.execute(
        text(
            "UPDATE report_approvals SET final_path=:f, delivered_at=:t"
            " WHERE province_code=:c AND period_id=:p AND version=:v"
        ),
        {"f": final_path, "t": at, "c": province_code, "p": period_id, "v": version},
    )


@dataclass(frozen=True)
class Approval:
    """What the FINAL workbook stamps: who approved which version, and when."""

    version: int
    approved_by: str
    approved_at: datetime  # aware
