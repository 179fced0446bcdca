"""Registers rekap with Airflow: the consolidation timetable and the Kelengkapan Laporan view.

Airflow's scheduler and API server deserialize a DAG's timetable by import path, and only
accept custom timetables that a plugin registers. The "Kelengkapan Laporan" page is a FastAPI
app the API server mounts under ``/rekap`` (behind Airflow's login), with an entry in the
UI's navigation that shows it inside the Airflow UI. The code lives in the ``rekap`` package
(``rekap.airflow.timetable``, ``rekap.airflow.ui_app``); this file only announces it.
"""

from __future__ import annotations

from typing import ClassVar

from airflow.plugins_manager import AirflowPlugin
from rekap.airflow.timetable import BimonthlyPeriodTimetable
from rekap.airflow.ui_app import PAGE, URL_PREFIX, app


class RekapPlugin(AirflowPlugin):
    name = "rekap"
    timetables: ClassVar[list[type]] = [BimonthlyPeriodTimetable]
    fastapi_apps: ClassVar[list[dict]] = [
        {"app": app, "url_prefix": URL_PREFIX, "name": "Kelengkapan Laporan"}
    ]
    external_views: ClassVar[list[dict]] = [
        {
            # the navigation bar shows ~8 characters: the page itself says "Kelengkapan Laporan"
            "name": "Laporan",
            "href": f"{URL_PREFIX}/{PAGE}",
            "url_route": "kelengkapan-laporan",  # shown inside the Airflow UI, at /plugin/kelengkapan-laporan
            "destination": "nav",
            "nav_top_level": True,
        }
    ]
