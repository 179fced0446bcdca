"""Registers rekap's consolidation timetable with Airflow.

Airflow's scheduler and API server deserialize a DAG's timetable by import path, and only
accept custom timetables that a plugin registers. The timetable itself lives in the
``rekap`` package (``rekap.timetable``); this file only announces it.
"""

from __future__ import annotations

from typing import ClassVar

from airflow.plugins_manager import AirflowPlugin
from rekap.timetable import BimonthlyPeriodTimetable


class RekapPlugin(AirflowPlugin):
    name = "rekap"
    timetables: ClassVar[list[type]] = [BimonthlyPeriodTimetable]
