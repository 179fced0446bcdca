"""The consolidation timetable: one run per two-month period, after its deadline.

A run's data interval IS the period (``2026-B1`` = 2026-01-01 00:00 … 2026-03-01 00:00 in
the province's time zone), and it runs at 06:00 local on the day after the deadline of the
period's last month (``2026-B1``: 6 March 06:00 with the default deadline day 5). A plain
cron string cannot express this: its data interval would be zero-wide.

Registered with Airflow by ``plugins/rekap_airflow_plugin.py`` so the scheduler can
deserialize it. The calendar rules themselves are the pure functions of ``rekap.periods``.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pendulum
from airflow.timetables.base import DagRunInfo, DataInterval, TimeRestriction, Timetable

from rekap.periods import Period, consolidation_time, period_of
from rekap.registry import DEFAULT_TIMEZONE
from rekap.settings import DEFAULT_DEADLINE_DAY, check_deadline_day


class BimonthlyPeriodTimetable(Timetable):
    """Two-month consolidation periods in ``timezone``, run after the period's deadline."""

    def __init__(self, timezone: str = DEFAULT_TIMEZONE, deadline_day: int = DEFAULT_DEADLINE_DAY) -> None:
        self.timezone = timezone
        self.deadline_day = check_deadline_day(deadline_day)
        self.zone = ZoneInfo(timezone)
        # What the Dags list shows as the tooltip of the Schedule column: the operator's words
        # and the province's clock (WIB/WITA/WIT), not UTC or a cron line.
        self.description = (
            f"Tiap periode dua bulan (Jan–Feb, Mar–Apr, …): pukul 06:00 {self.zone_abbreviation} tanggal "
            f"{self.deadline_day + 1} bulan berikutnya, sehari setelah batas laporan (tanggal "
            f"{self.deadline_day}) bulan ke-2 periode"
        )

    @property
    def zone_abbreviation(self) -> str:
        """``WIB``/``WITA``/``WIT`` as zoneinfo names the Indonesian zones (no DST there, so any
        date gives the same name); the zone's name where it has no letters (``+07``)."""
        name = datetime(2026, 1, 1, tzinfo=self.zone).tzname() or ""
        return name if name.isalpha() else self.timezone

    # --- the period <-> Airflow's interval -------------------------------------------------

    def _local_midnight(self, day) -> pendulum.DateTime:
        return pendulum.instance(datetime.combine(day, time.min, tzinfo=self.zone))

    def interval_of(self, period: Period) -> DataInterval:
        return DataInterval(self._local_midnight(period.start), self._local_midnight(period.end_exclusive))

    def run_after(self, period: Period) -> pendulum.DateTime:
        return pendulum.instance(consolidation_time(period, self.deadline_day, self.zone))

    def period_at(self, moment: datetime) -> Period:
        """The period that contains ``moment`` (its local date)."""
        return period_of(moment.astimezone(self.zone).date())

    def last_due_period(self, moment: datetime) -> Period:
        """The latest period whose consolidation time is at or before ``moment``."""
        period = self.period_at(moment)
        while self.run_after(period) > moment:
            period = period.previous
        return period

    def info(self, period: Period) -> DagRunInfo:
        return DagRunInfo(run_after=self.run_after(period), data_interval=self.interval_of(period))

    # --- the Timetable protocol ------------------------------------------------------------

    def infer_manual_data_interval(self, *, run_after: pendulum.DateTime) -> DataInterval:
        """A manual run (or ``airflow dags test DAG DATE``) covers the latest period that has
        ended by ``run_after``, as Airflow's cron data-interval timetable does; the DAG's
        ``period`` parameter picks any other one."""
        period = self.period_at(run_after).previous
        return self.interval_of(period)

    def next_dagrun_info(
        self,
        *,
        last_automated_data_interval: DataInterval | None,
        restriction: TimeRestriction,
    ) -> DagRunInfo | None:
        if last_automated_data_interval is not None:
            period = self.period_at(last_automated_data_interval.start).following
        elif restriction.earliest is None:
            return None  # no start_date: nothing to schedule
        else:
            period = self.period_at(restriction.earliest)
            if self._local_midnight(period.start) < restriction.earliest:
                period = period.following  # start_date inside a period: first whole one
            if not restriction.catchup:
                # Without catchup only the latest period already due (or the next one) runs.
                latest_due = self.last_due_period(pendulum.now("UTC"))
                period = max(period, latest_due)
        info = self.info(period)
        if restriction.latest is not None and info.data_interval.start > restriction.latest:
            return None
        return info

    @property
    def summary(self) -> str:
        return f"06:00 {self.zone_abbreviation}, hari setelah batas laporan bulan ke-2 periode"

    def serialize(self) -> dict[str, Any]:
        return {"timezone": self.timezone, "deadline_day": self.deadline_day}

    @classmethod
    def deserialize(cls, data: dict[str, Any]) -> BimonthlyPeriodTimetable:
        return cls(
            timezone=data.get("timezone", DEFAULT_TIMEZONE),
            deadline_day=int(data.get("deadline_day", DEFAULT_DEADLINE_DAY)),
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, BimonthlyPeriodTimetable) and (self.timezone, self.deadline_day) == (
            other.timezone,
            other.deadline_day,
        )

    def __hash__(self) -> int:
        return hash((self.timezone, self.deadline_day))
