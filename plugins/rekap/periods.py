"""Periods, weeks and deadlines (metrics.md "Periods and deadlines"): pure calendar rules.

A consolidation period is two calendar months (``2026-B1`` = January–February 2026). Its
weeks are the ISO weeks whose Thursday lies inside it, so every week belongs to exactly one
period. The report of month M is due by the end of day ``deadline_day`` of month M+1, in the
province's time zone; the consolidation runs the day after, at 06:00 local.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from rekap.report import vocab

# Also the trigger form's pattern (rekap.airflow.dag_support.period_param): one rule for both.
PERIOD_ID_PATTERN = r"^\s*(\d{4})-[bB]([1-6])\s*$"
_PERIOD_ID = re.compile(PERIOD_ID_PATTERN)
CONSOLIDATION_HOUR = 6  # local time on the day after the deadline


def next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


@dataclass(frozen=True, order=True)
class Period:
    year: int
    index: int  # 1..6: B1 = Jan–Feb ... B6 = Nov–Dec

    @property
    def period_id(self) -> str:
        return f"{self.year}-B{self.index}"

    @property
    def months(self) -> tuple[tuple[int, int], tuple[int, int]]:
        first = 2 * self.index - 1
        return (self.year, first), (self.year, first + 1)

    @property
    def start(self) -> date:
        return date(self.year, 2 * self.index - 1, 1)

    @property
    def end_exclusive(self) -> date:
        """The first day after the period (the start of the next one)."""
        return self.following.start

    @property
    def end(self) -> date:
        """The last day of the period (inclusive), as the marts show it."""
        return self.end_exclusive - timedelta(days=1)

    @property
    def following(self) -> Period:
        return Period(self.year + 1, 1) if self.index == 6 else Period(self.year, self.index + 1)

    @property
    def previous(self) -> Period:
        return Period(self.year - 1, 6) if self.index == 1 else Period(self.year, self.index - 1)

    @property
    def label_id(self) -> str:
        """The period in words, for leadership: ``Januari – Februari 2026``."""
        (_, first), (_, second) = self.months
        return f"{vocab.month_name(first)} – {vocab.month_name(second)} {self.year}"

    def contains(self, day: date) -> bool:
        return self.start <= day < self.end_exclusive

    def __str__(self) -> str:
        return self.period_id


def parse_period(text: str) -> Period:
    """``2026-B1`` (case-insensitive) -> Period; ValueError says what is expected."""
    m = _PERIOD_ID.match(text or "")
    if not m:
        raise ValueError(
            f"period must look like 2026-B1 (B1 = Januari–Februari ... B6 = November–Desember), not {text!r}"
        )
    return Period(int(m[1]), int(m[2]))


def period_containing_month(year: int, month: int) -> Period:
    return Period(year, (month + 1) // 2)


def period_of(day: date) -> Period:
    return period_containing_month(day.year, day.month)


def week_monday(iso_year: int, iso_week: int) -> date:
    return date.fromisocalendar(iso_year, iso_week, 1)


def weeks_of_period(period: Period) -> list[tuple[int, int]]:
    """ISO (year, week) pairs whose Thursday lies inside the period, in order."""
    return _weeks_with_thursday_in(period.start, period.end_exclusive)


def weeks_of_month(year: int, month: int) -> list[tuple[int, int]]:
    """The month's weeks by the same rule as a period's (ISO weeks whose Thursday lies in the
    month), so the weeks of a period's two months are exactly the weeks of the period."""
    return _weeks_with_thursday_in(date(year, month, 1), date(*next_month(year, month), 1))


def _weeks_with_thursday_in(start: date, end_exclusive: date) -> list[tuple[int, int]]:
    # The first Thursday on or after the start.
    thursday = start + timedelta(days=(3 - start.weekday()) % 7)
    weeks = []
    while thursday < end_exclusive:
        iso = thursday.isocalendar()
        weeks.append((iso[0], iso[1]))
        thursday += timedelta(days=7)
    return weeks


def report_due_date(year: int, month: int, deadline_day: int) -> date:
    """The day by whose end the report of ``year-month`` is due: ``deadline_day`` of the next month."""
    y, m = next_month(year, month)
    return date(y, m, deadline_day)


def report_deadline(year: int, month: int, deadline_day: int, zone: ZoneInfo) -> datetime:
    """The last moment (23:59:59.999999 local) at which the report of ``year-month`` is on time."""
    return datetime.combine(report_due_date(year, month, deadline_day), time.max, tzinfo=zone)


def consolidation_time(period: Period, deadline_day: int, zone: ZoneInfo) -> datetime:
    """When the scheduled consolidation of ``period`` runs: 06:00 local on the day after the
    deadline of its last month."""
    last_year, last_month = period.months[1]
    deadline = report_deadline(last_year, last_month, deadline_day, zone)
    day_after = deadline.date() + timedelta(days=1)
    return datetime.combine(day_after, time(CONSOLIDATION_HOUR), tzinfo=zone)
