"""
### Two-monthly consolidation (consolidate_bimonthly)

Builds the **laporan komprehensif** of one consolidation period (`2026-B1` = January –
February 2026) for the provincial leadership: one per province served (`REKAP_PROVINCE`, one
code, a list or `all`), each with its own draft, approval and delivery; when several provinces
are served, also the **national** one (`Laporan_Komprehensif_NASIONAL_<periode>.xlsx`: provinces
ranked, provinces × status, the districts needing attention nationwide), approved by the
national approvers.

**When it runs**
* on schedule: 06:00 local time on the day after the deadline of the period's last month
  (the deadline is day `REKAP_DEADLINE_DAY`, default 5, of the next month), so `2026-B1`
  runs on 6 March 2026 06:00 WIB; its data interval is the period itself. Serving provinces
  in several time zones, the schedule is in the zone whose deadline comes last (WIB), so it
  runs after every province's deadline;
* when the intake loaded files (the submissions Asset): it re-runs every period those files
  belong to, so a correction shows up in the figures and the workbook;
* by hand: *Trigger DAG* with the parameter `period` (for example `2026-B1`) re-runs that
  period. The same inputs always give the same figures.

**Tasks**
* **resolve_periods** — which period(s) this run is about.
* **check_inputs** — lists the districts whose reports are still missing; it never fails for
  them (they appear as *TIDAK MELAPOR* / in *Kelengkapan Data*).
* **consolidate** — the Great Expectations completeness check, both marts and the workbook,
  in one transaction per province: a failed run leaves the warehouse and `reports/` as they
  were. With several provinces, then the national mart and workbook from their marts; the
  completeness check of all of them then runs in a second process meanwhile and is recorded
  after the reports. A period
  whose deadline has passed gives a **DRAF** (a new numbered version, in `reports/draf/`); a
  period still open gives a **SEMENTARA** report that is never sent and needs no approval.
* **request_approval** — a DRAF is announced on the drafts Asset (`rekap://reports/drafts`),
  which starts one run of **approve_laporan** for it: the approval (up to
  `REKAP_APPROVAL_TIMEOUT_HOURS`) and the delivery happen there, so a draft waiting for a
  decision never holds the next consolidation (a correction, the schedule, a manual re-run).

A future period, or one before the registry's first reporting month (a typo such as
`2031-B3`), fails *resolve_periods* with one line before anything is computed.

**When something goes wrong** a failed task e-mails the operators (`REKAP_OPERATOR_EMAILS`), and
a run that has not finished `REKAP_CONSOLIDATION_DEADLINE_HOURS` (default 2) hours after it was
queued raises a deadline alert that e-mails them too (the wait for approval is not part of the
run, so the alert means the computation itself is late).
"""

from __future__ import annotations

import logging

import pendulum
from airflow.sdk import Asset, AssetOrTimeSchedule, dag, get_current_context, task
from rekap.airflow.dag_support import (
    DRAFTS_ASSET_URI,
    TAGS,
    TASK_LOGGER,
    consolidation_deadline,
    default_args,
    period_param,
    settings,
    submissions_asset,
)
from rekap.airflow.timetable import BimonthlyPeriodTimetable
from rekap.settings import parse_time_settings

PARSED = parse_time_settings()
DRAFTS = Asset(DRAFTS_ASSET_URI)
log = logging.getLogger(TASK_LOGGER)  # in order in the task log, unlike print


@dag(
    dag_id="consolidate_bimonthly",
    schedule=AssetOrTimeSchedule(
        timetable=BimonthlyPeriodTimetable(timezone=PARSED.timezone, deadline_day=PARSED.deadline_day),
        assets=[submissions_asset()],
    ),
    start_date=pendulum.datetime(2026, 1, 1, tz=PARSED.timezone),
    catchup=False,
    max_active_runs=1,
    default_args=default_args(),
    deadline=consolidation_deadline(),
    tags=[*TAGS, "konsolidasi"],
    doc_md=__doc__,
    params={
        "period": period_param(
            "Periode yang dihitung ulang, misalnya 2026-B1 (kosong: menurut jadwal/Asset)."
        ),
    },
)
def consolidate_bimonthly():
    @task
    def resolve_periods() -> list[str]:
        """An explicit `period` param, else the periods of the loaded files, else the
        data interval of the scheduled run."""
        from airflow.exceptions import AirflowFailException
        from rekap.consolidation.approval import PeriodRefused, check_period
        from rekap.consolidation.consolidate import periods_for_run
        from rekap.periods import parse_period

        context = get_current_context()
        s = settings()
        periods = periods_for_run(
            s,
            param=context["params"].get("period"),
            asset_events=context.get("triggering_asset_events") or {},
            data_interval_start=context.get("data_interval_start"),
        )
        try:
            for period_id in periods:
                check_period(parse_period(period_id), s.registry, s.today())
        except PeriodRefused as exc:  # a wrong parameter: retrying cannot help
            raise AirflowFailException(str(exc)) from None
        log.info("periods: %s", ", ".join(periods) or "(none)")
        return periods

    @task
    def check_inputs(periods: list[str]) -> list[str]:
        from rekap.consolidation.consolidate import check_readiness
        from rekap.periods import parse_period
        from rekap.warehouse import require_schema

        s = settings()
        require_schema(s.warehouse_url)  # created and migrated by `rekap db upgrade` only
        for period_id in periods:
            for line in check_readiness(s, parse_period(period_id)).lines():
                log.info("%s", line)
        return periods

    @task(map_index_template="{{ period_id }}")
    def consolidate(period_id: str) -> list[dict]:
        """Every served province's workbook of the period, then the national one when several
        are served, in one task: the process start and the imports are paid once, not once per
        province."""
        from rekap.consolidation.consolidate import consolidate_served
        from rekap.intake.run_log import quiet_great_expectations
        from rekap.periods import parse_period

        quiet_great_expectations()
        context = get_current_context()
        context["period_id"] = period_id
        s = settings()
        several = len(s.provinces) > 1
        served = consolidate_served(s, parse_period(period_id), run_id=f"{context['run_id']}__{period_id}")
        reports = []
        for result in served.provinces:
            code = result.data.province_code
            whose = f" {code}" if several else ""  # one province: the line operators know
            log.info("LAPORAN KOMPREHENSIF%s (%s): %s", whose, result.state, result.report_path)
            for line in result.score_table():
                log.info("%s", line)
            subject, body = result.approval_request() if result.version else ("", "")
            if several and subject:  # the approver sees whose report it is
                subject = f"{subject} — Provinsi {s.registry.province_name(code)}"
            reports.append(
                {
                    "province_code": code,
                    "period_id": period_id,
                    "state": result.state,
                    "version": result.version,
                    "report_path": str(result.report_path),
                    "missing": len(result.readiness.missing),
                    "districts": len(result.districts),
                    "subject": subject,
                    "body": body,
                }
            )
        national = served.national
        if national is not None:
            log.info("MART NASIONAL (%s): %d provinsi", period_id, national.provinces)
            log.info("LAPORAN KOMPREHENSIF NASIONAL (%s): %s", national.state, national.report_path)
            reports.append(national.announcement())
        return reports

    @task
    def reports(results: list[list[dict]]) -> list[dict]:
        """Every province's report of every period, one item each: one approval request each."""
        return [report for per_period in results for report in per_period]

    @task(outlets=[DRAFTS], map_index_template="{{ draft_label }}")
    def request_approval(result: dict) -> None:
        """A DRAF is announced on the drafts Asset (its extra is the approval request), which
        starts the approval DAG: the wait for a decision happens there, not in this run. A
        SEMENTARA report is written and never sent: no event, no approval asked."""
        from airflow.exceptions import AirflowSkipException

        context = get_current_context()
        several = len(settings().provinces) > 1
        context["draft_label"] = result["period_id"] + (f" {result['province_code']}" if several else "")
        if result["state"] != "DRAF":
            raise AirflowSkipException(
                f"{context['draft_label']}: {result['state']}, not sent and no approval asked"
                f" ({result['report_path']})"
            )
        context["outlet_events"][DRAFTS].extra = {
            k: result[k] for k in ("province_code", "period_id", "version", "report_path", "subject", "body")
        }
        log.info(
            "draft v%s of %s waits for approval (approve_laporan)", result["version"], context["draft_label"]
        )

    request_approval.expand(result=reports(consolidate.expand(period_id=check_inputs(resolve_periods()))))


consolidate_bimonthly()
