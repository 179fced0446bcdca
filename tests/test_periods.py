"""Periods, weeks, deadlines (metrics.md) and the consolidation timetable built on them.

The timetable is Airflow's own protocol (next_dagrun_info / infer_manual_data_interval),
called here exactly as the scheduler calls it, for a whole year and across the year end."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pendulum
import pytest
from airflow.timetables.base import DataInterval, TimeRestriction
from rekap.airflow.timetable import BimonthlyPeriodTimetable
from rekap.periods import (
    Period,
    consolidation_time,
    parse_period,
    period_containing_month,
    period_of,
    report_deadline,
    weeks_of_period,
)

WIB = ZoneInfo("Asia/Jakarta")
WITA = ZoneInfo("Asia/Makassar")


def test_period_ids_months_and_bounds():
    p = parse_period("2026-b1")
    assert p == Period(2026, 1) and p.period_id == "2026-B1"
    assert p.months == ((2026, 1), (2026, 2))
    assert (p.start, p.end, p.end_exclusive) == (date(2026, 1, 1), date(2026, 2, 28), date(2026, 3, 1))
    assert Period(2028, 1).end == date(2028, 2, 29)  # leap year
    assert Period(2026, 6).following == Period(2027, 1) and Period(2027, 1).previous == Period(2026, 6)
    assert p.label_id == "Januari – Februari 2026"
    assert Period(2026, 6).label_id == "November – Desember 2026"
    for month in range(1, 13):
        assert period_containing_month(2026, month).index == (month + 1) // 2
    assert period_of(date(2026, 4, 30)) == Period(2026, 2)
    for bad in ("2026-B7", "2026-B0", "26-B1", "2026B1", ""):
        with pytest.raises(ValueError, match="2026-B1"):
            parse_period(bad)


def test_weeks_are_iso_weeks_whose_thursday_is_in_the_period():
    assert weeks_of_period(Period(2026, 1)) == [(2026, w) for w in range(1, 10)]  # 9 weeks, W01..W09
    # every ISO week from 2025 to 2028 belongs to exactly one period
    seen: list[tuple[int, int]] = []
    for year in (2025, 2026, 2027, 2028):
        for index in range(1, 7):
            seen += weeks_of_period(Period(year, index))
    assert len(seen) == len(set(seen))
    monday = date.fromisocalendar(2025, 1, 1)
    expected = []
    while monday.isocalendar()[0] <= 2028:
        expected.append(monday.isocalendar()[:2])
        monday += timedelta(days=7)
    assert [tuple(w) for w in seen] == [tuple(w) for w in expected]
    # 2026-W53 (Thursday 31 Dec 2026) belongs to 2026-B6; 2027-B1 starts with 2027-W01
    assert weeks_of_period(Period(2026, 6))[-1] == (2026, 53)
    assert weeks_of_period(Period(2027, 1))[0] == (2027, 1)


def test_deadline_is_the_end_of_day_five_of_the_next_month_in_local_time():
    deadline = report_deadline(2026, 1, 5, WIB)
    assert deadline.astimezone(WIB).date() == date(2026, 2, 5)
    assert datetime(2026, 2, 5, 23, 59, 59, tzinfo=WIB) <= deadline
    assert datetime(2026, 2, 6, 0, 0, 0, tzinfo=WIB) > deadline
    # December's report is due in January of the next year
    assert report_deadline(2026, 12, 5, WIB).date() == date(2027, 1, 5)
    # a later deadline day is honoured; WITA is one hour ahead of WIB
    assert report_deadline(2026, 3, 10, WITA) == datetime(2026, 4, 10, 23, 59, 59, 999999, tzinfo=WITA)
    assert consolidation_time(Period(2026, 1), 5, WIB) == datetime(2026, 3, 6, 6, 0, tzinfo=WIB)


def restriction(earliest: datetime, catchup: bool = True, latest: datetime | None = None) -> TimeRestriction:
    return TimeRestriction(earliest=pendulum.instance(earliest), latest=latest, catchup=catchup)


def schedule(timetable: BimonthlyPeriodTimetable, start: datetime, runs: int) -> list:
    """What the scheduler would create, run after run, from ``start`` with catchup."""
    infos, last = [], None
    for _ in range(runs):
        info = timetable.next_dagrun_info(last_automated_data_interval=last, restriction=restriction(start))
        infos.append(info)
        last = info.data_interval
    return infos


@pytest.mark.parametrize("zone_name", ["Asia/Jakarta", "Asia/Makassar"])
def test_a_whole_year_of_runs_and_the_year_boundary(zone_name):
    zone = ZoneInfo(zone_name)
    timetable = BimonthlyPeriodTimetable(timezone=zone_name, deadline_day=5)
    infos = schedule(timetable, datetime(2026, 1, 1, tzinfo=zone), runs=8)
    starts = [
        (i.data_interval.start.astimezone(zone).date(), i.data_interval.end.astimezone(zone).date())
        for i in infos
    ]
    assert starts == [
        (date(2026, 1, 1), date(2026, 3, 1)),
        (date(2026, 3, 1), date(2026, 5, 1)),
        (date(2026, 5, 1), date(2026, 7, 1)),
        (date(2026, 7, 1), date(2026, 9, 1)),
        (date(2026, 9, 1), date(2026, 11, 1)),
        (date(2026, 11, 1), date(2027, 1, 1)),  # 2026-B6 ends at the year boundary
        (date(2027, 1, 1), date(2027, 3, 1)),
        (date(2027, 3, 1), date(2027, 5, 1)),
    ]
    # the interval really spans the period: local midnight to local midnight, not zero-width
    first = infos[0].data_interval
    assert first.start == datetime(2026, 1, 1, tzinfo=zone) and first.end == datetime(2026, 3, 1, tzinfo=zone)
    assert first.end - first.start == timedelta(days=59)
    runs = [i.run_after.astimezone(zone).replace(tzinfo=None) for i in infos]
    assert runs == [
        datetime(2026, 3, 6, 6),
        datetime(2026, 5, 6, 6),
        datetime(2026, 7, 6, 6),
        datetime(2026, 9, 6, 6),
        datetime(2026, 11, 6, 6),
        datetime(2027, 1, 6, 6),  # Nov–Dec 2026 runs in January 2027
        datetime(2027, 3, 6, 6),
        datetime(2027, 5, 6, 6),
    ]
    # in absolute time, WITA runs one hour before WIB
    expected_utc_hour = 23 if zone_name == "Asia/Jakarta" else 22
    assert infos[0].run_after.astimezone(UTC) == datetime(2026, 3, 5, expected_utc_hour, tzinfo=UTC)
    # the logical date Airflow shows is the period's start
    assert infos[0].logical_date == datetime(2026, 1, 1, tzinfo=zone)


def test_deadline_day_setting_moves_the_run():
    timetable = BimonthlyPeriodTimetable(timezone="Asia/Jakarta", deadline_day=10)
    info = schedule(timetable, datetime(2026, 1, 1, tzinfo=WIB), 1)[0]
    assert info.run_after == datetime(2026, 3, 11, 6, tzinfo=WIB)


def test_start_inside_a_period_waits_for_the_next_whole_one_and_end_date_stops():
    timetable = BimonthlyPeriodTimetable()
    info = timetable.next_dagrun_info(
        last_automated_data_interval=None, restriction=restriction(datetime(2026, 1, 15, tzinfo=WIB))
    )
    assert info.data_interval.start == datetime(2026, 3, 1, tzinfo=WIB)
    stopped = timetable.next_dagrun_info(
        last_automated_data_interval=DataInterval(
            pendulum.instance(datetime(2026, 11, 1, tzinfo=WIB)),
            pendulum.instance(datetime(2027, 1, 1, tzinfo=WIB)),
        ),
        restriction=restriction(datetime(2026, 1, 1, tzinfo=WIB), latest=pendulum.datetime(2026, 12, 31)),
    )
    assert stopped is None


def test_without_catchup_the_first_run_is_the_latest_period_already_due():
    timetable = BimonthlyPeriodTimetable()
    info = timetable.next_dagrun_info(
        last_automated_data_interval=None,
        restriction=restriction(datetime(2020, 1, 1, tzinfo=WIB), catchup=False),
    )
    now = datetime.now(UTC)
    assert info.run_after <= now  # due already: it runs at once
    following = timetable.period_at(info.data_interval.start).following
    assert timetable.run_after(following) > now  # and it is the latest one due


def test_manual_run_covers_the_latest_period_that_has_ended():
    timetable = BimonthlyPeriodTimetable(timezone="Asia/Makassar")
    before = timetable.infer_manual_data_interval(
        run_after=pendulum.datetime(2026, 2, 28, 23, 59, tz="Asia/Makassar")
    )
    after = timetable.infer_manual_data_interval(
        run_after=pendulum.datetime(2026, 3, 6, 6, 0, tz="Asia/Makassar")
    )
    assert before.start == datetime(2025, 11, 1, tzinfo=WITA)  # 2026-B1 has not ended yet
    assert before.end == datetime(2026, 1, 1, tzinfo=WITA)  # across the year boundary
    assert after.start == datetime(2026, 1, 1, tzinfo=WITA) and after.end == datetime(2026, 3, 1, tzinfo=WITA)


def test_serialization_round_trip():
    timetable = BimonthlyPeriodTimetable(timezone="Asia/Makassar", deadline_day=7)
    again = BimonthlyPeriodTimetable.deserialize(timetable.serialize())
    assert again == timetable and again.summary == timetable.summary


def test_the_schedule_reads_in_the_provinces_words_and_clock():
    """What the Dags list shows: the summary in the Schedule column, the description as its tooltip."""
    banten = BimonthlyPeriodTimetable(timezone="Asia/Jakarta", deadline_day=5)
    assert banten.summary == "06:00 WIB, hari setelah batas laporan bulan ke-2 periode"
    assert banten.description == (
        "Tiap periode dua bulan (Jan–Feb, Mar–Apr, …): pukul 06:00 WIB tanggal 6 bulan berikutnya, "
        "sehari setelah batas laporan (tanggal 5) bulan ke-2 periode"
    )
    sulawesi = BimonthlyPeriodTimetable(timezone="Asia/Makassar", deadline_day=7)
    assert sulawesi.summary.startswith("06:00 WITA,") and "tanggal 8 bulan" in sulawesi.description
    assert BimonthlyPeriodTimetable(timezone="Asia/Jayapura").summary.startswith("06:00 WIT,")
    # a zone without letters says its name rather than "+07"
    assert BimonthlyPeriodTimetable(timezone="Asia/Ho_Chi_Minh").summary.startswith("06:00 Asia/Ho_Chi_Minh,")
