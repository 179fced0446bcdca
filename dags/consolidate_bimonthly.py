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
  in one transaction: a failed run leaves the warehouse and `reports/` as they were. A period
  whose deadline has passed gives a **DRAF** (a new numbered version, in `reports/draf/`); a
  period still open gives a **SEMENTARA** report that is never sent and needs no approval.
* **approve** — a Required Action (human-in-the-loop) for the approvers (`REKAP_APPROVERS`):
  *Setujui* or *Tolak* (with a reason). The decision is recorded in the warehouse
  (`report_approvals`); a rejection, or no decision within `REKAP_APPROVAL_TIMEOUT_HOURS`,
  sends nothing and e-mails the operators.
* **deliver** — only after approval: the workbook is written **FINAL** (approver and time on
  it) to `reports/` and, when an SMTP connection (`smtp_default`) and `REKAP_REPORT_EMAILS`
  are set, e-mailed to leadership.

A future period, or one before the registry's first reporting month (a typo such as
`2031-B3`), fails *resolve_periods* with one line before anything is computed.

**When something goes wrong** a failed task e-mails the operators (`REKAP_OPERATOR_EMAILS`), and
a run that has not finished `REKAP_CONSOLIDATION_DEADLINE_HOURS` (default 2) hours after it was
queued raises a deadline alert that e-mails them too.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import pendulum
from airflow.sdk import AssetOrTimeSchedule, Param, dag, get_current_context, task
from rekap.airflow.dag_support import (
    TAGS,
    TASK_LOGGER,
    consolidation_deadline,
    default_args,
    settings,
    submissions_asset,
)
from rekap.airflow.hitl import ReportApprovalOperator
from rekap.airflow.timetable import BimonthlyPeriodTimetable
from rekap.settings import parse_time_settings

PARSED = parse_time_settings()
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
    def consolidate(period_id: str) -> dict:
        from rekap.consolidation.consolidate import consolidate_period
        from rekap.intake.run_log import quiet_great_expectations
        from rekap.periods import parse_period

        quiet_great_expectations()
        context = get_current_context()
        context["period_id"] = period_id
        result = consolidate_period(
            settings(), parse_period(period_id), run_id=f"{context['run_id']}__{period_id}"
        )
        log.info("LAPORAN KOMPREHENSIF (%s): %s", result.state, result.report_path)
        for line in result.score_table():
            log.info("%s", line)
        subject, body = result.approval_request() if result.version else ("", "")
        return {
            "period_id": period_id,
            "state": result.state,
            "version": result.version,
            "report_path": str(result.report_path),
            "missing": len(result.readiness.missing),
            "districts": len(result.districts),
            "subject": subject,
            "body": body,
        }

    @task
    def drafts_to_approve(results: list[dict]) -> list[dict]:
        """Only a DRAF asks for approval; a SEMENTARA report is written and never sent."""
        requests = []
        for r in results:
            if r["state"] != "DRAF":
                print(f"{r['period_id']}: {r['state']}, not sent and no approval asked ({r['report_path']})")
                continue
            draft = {k: r[k] for k in ("period_id", "version", "report_path")}
            requests.append({"subject": r["subject"], "body": r["body"], "draft": draft})
        return requests

    approve = ReportApprovalOperator.partial(
        task_id="approve",
        assigned_users=[{"id": n, "name": n} for n in PARSED.approvers] or None,
        response_timeout=timedelta(hours=PARSED.approval_timeout_hours),
        retries=0,  # a decision is recorded once; a retry would ask again for nothing
    ).expand_kwargs(drafts_to_approve(consolidate.expand(period_id=check_inputs(resolve_periods()))))

    @task(map_index_template="{{ period_id }}")
    def deliver(decision: dict) -> str:
        """After approval only: FINAL in reports/, then e-mail to leadership."""
        from airflow.exceptions import AirflowSkipException
        from rekap.consolidation.approval import APPROVED, Approval
        from rekap.consolidation.consolidate import finalize_period
        from rekap.consolidation.delivery import deliver_report
        from rekap.periods import parse_period

        context = get_current_context()
        context["period_id"] = decision["period_id"]
        if decision["decision"] != APPROVED:
            raise AirflowSkipException(
                f"{decision['period_id']} draft v{decision['version']} {decision['decision']}"
                f" by {decision.get('decided_by') or '-'}: nothing sent ({decision.get('reason') or ''})"
            )
        s = settings()
        approval = Approval(
            decision["version"],
            decision["decided_by"],
            datetime.fromisoformat(decision["decided_at"]).astimezone(s.timezone),
        )
        final = finalize_period(s, parse_period(decision["period_id"]), approval)
        log.info("LAPORAN KOMPREHENSIF (FINAL): %s", final)
        outcome = deliver_report(s, decision["period_id"], final, approval)
        log.info("%s", outcome)
        return outcome

    deliver.expand(decision=approve.output)


consolidate_bimonthly()
