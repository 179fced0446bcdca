"""
### Two-monthly consolidation (consolidate_bimonthly)

Builds the **laporan komprehensif** of one consolidation period (`2026-B1` = January –
February 2026) for the provincial leadership.

**When it runs**
* on schedule: 06:00 local time on the day after the deadline of the period's last month
  (the deadline is day `REKAP_DEADLINE_DAY`, default 5, of the next month), so `2026-B1`
  runs on 6 March 2026 06:00 WIB; its data interval is the period itself;
* when the intake loaded files (the submissions Asset): it re-runs every period those files
  belong to, so a correction shows up in the figures and the workbook;
* by hand: *Trigger DAG* with the parameter `period` (for example `2026-B1`) re-runs that
  period. The same inputs always give the same figures.

**Tasks**
* **resolve_periods** — which period(s) this run is about.
* **check_inputs** — lists the districts whose reports are still missing; it never fails for
  them (they appear as *TIDAK MELAPOR* / in *Kelengkapan Data*).
* **consolidate** — the Great Expectations completeness check, both marts and the workbook,
  in one transaction: a failed run leaves the warehouse and `reports/` as they were.
* **deliver** — the workbook is in `reports/` on the shared drive; when an SMTP connection
  (`smtp_default`) and `REKAP_REPORT_EMAILS` are set, it is also e-mailed to leadership.

**When something goes wrong** a failed task e-mails the operators (`REKAP_OPERATOR_EMAILS`), and
a run that has not finished `REKAP_CONSOLIDATION_DEADLINE_HOURS` (default 2) hours after it was
queued raises a deadline alert that e-mails them too.
"""

from __future__ import annotations

import logging

import pendulum
from airflow.sdk import Asset, AssetOrTimeSchedule, Param, dag, get_current_context, task
from rekap.dag_support import (
    SUBMISSIONS_ASSET_URI,
    TAGS,
    TASK_LOGGER,
    consolidation_deadline,
    deadline_day,
    default_args,
    province_timezone,
    settings,
)
from rekap.timetable import BimonthlyPeriodTimetable

PROVINCE_TIMEZONE = province_timezone()
log = logging.getLogger(TASK_LOGGER)  # in order in the task log, unlike print


@dag(
    dag_id="consolidate_bimonthly",
    schedule=AssetOrTimeSchedule(
        timetable=BimonthlyPeriodTimetable(timezone=PROVINCE_TIMEZONE, deadline_day=deadline_day()),
        assets=[Asset(SUBMISSIONS_ASSET_URI)],
    ),
    start_date=pendulum.datetime(2026, 1, 1, tz=PROVINCE_TIMEZONE),
    catchup=False,
    max_active_runs=1,
    default_args=default_args(),
    deadline=consolidation_deadline(),
    tags=[*TAGS, "konsolidasi"],
    doc_md=__doc__,
    params={
        "period": Param(
            None,
            type=["null", "string"],
            pattern=r"^\d{4}-[Bb][1-6]$",
            description="Periode yang dihitung ulang, misalnya 2026-B1 (kosong: menurut jadwal/Asset).",
        )
    },
)
def consolidate_bimonthly():
    @task
    def resolve_periods() -> list[str]:
        """An explicit `period` param, else the periods of the loaded files, else the
        data interval of the scheduled run."""
        from rekap.consolidate import periods_for_run

        context = get_current_context()
        periods = periods_for_run(
            settings(),
            param=context["params"].get("period"),
            asset_events=context.get("triggering_asset_events") or {},
            data_interval_start=context.get("data_interval_start"),
        )
        log.info("periods: %s", ", ".join(periods) or "(none)")
        return periods

    @task
    def check_inputs(periods: list[str]) -> list[str]:
        from rekap.consolidate import check_readiness
        from rekap.periods import parse_period
        from rekap.warehouse import upgrade

        s = settings()
        upgrade(s.warehouse_url)
        for period_id in periods:
            for line in check_readiness(s, parse_period(period_id)).lines():
                log.info("%s", line)
        return periods

    @task(map_index_template="{{ period_id }}")
    def consolidate(period_id: str) -> dict:
        from rekap.consolidate import consolidate_period
        from rekap.periods import parse_period
        from rekap.run_log import quiet_great_expectations

        quiet_great_expectations()
        context = get_current_context()
        context["period_id"] = period_id
        result = consolidate_period(
            settings(), parse_period(period_id), run_id=f"{context['run_id']}__{period_id}"
        )
        log.info("LAPORAN KOMPREHENSIF: %s", result.report_path)
        for line in result.score_table():
            log.info("%s", line)
        return {
            "period_id": period_id,
            "report_path": str(result.report_path),
            "missing": len(result.readiness.missing),
            "districts": len(result.districts),
        }

    @task(map_index_template="{{ period_id }}")
    def deliver(result: dict) -> str:
        from rekap.delivery import deliver_report

        context = get_current_context()
        context["period_id"] = result["period_id"]
        outcome = deliver_report(settings(), result["period_id"], result["report_path"])
        log.info("%s", outcome)
        return outcome

    deliver.expand(result=consolidate.expand(period_id=check_inputs(resolve_periods())))


consolidate_bimonthly()
