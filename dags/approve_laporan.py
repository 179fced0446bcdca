"""
### Approval and delivery of a laporan komprehensif (approve_laporan)

Leadership receives a two-monthly report only after a person approved it. This DAG asks for
that decision and delivers the approved report; the consolidation (`consolidate_bimonthly`)
only writes the **DRAF** and announces it, so a draft waiting here never holds a later
consolidation.

**When it runs**
* when the consolidation wrote a DRAF (the drafts Asset, `rekap://reports/drafts`): the
  event carries the period, the draft's version and path and the figures for the request. Drafts
  announced together are asked side by side (one mapped *approve* per period and province, and
  for the national report, newest version only); drafts of later runs get runs of their own, so several periods can wait at once;
* by hand: *Trigger DAG* with the parameter `period` asks again for the latest announced draft of
  that period, when it is still undecided (e.g. this DAG was paused when the draft came).

**Tasks**
* **drafts_to_approve** — the approval requests of the announced drafts.
* **approve** — a Required Action (human-in-the-loop) for the approvers (`REKAP_APPROVERS`;
  the national report's, when several provinces are served, for `REKAP_NATIONAL_APPROVERS`):
  *Setujui* or *Tolak* (with a reason), waiting up to `REKAP_APPROVAL_TIMEOUT_HOURS` (default
  72). The decision is recorded in the warehouse (`report_approvals`); a rejection, or no
  decision in time, sends nothing and e-mails the operators. A draft that is no longer the
  latest of its period (a correction made a newer one, which has its own request) is not asked,
  and an answer to it is refused.
* **deliver** — only after approval: the workbook (a province's or the national one) is
  written **FINAL** (approver and time on it) to `reports/` and, when an SMTP connection
  (`smtp_default`) and `REKAP_REPORT_EMAILS` are set, e-mailed to leadership, once.

No deadline alert: waiting for a person is this DAG's normal state; a decision not taken within
the approval timeout is what tells the operators.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import pendulum
from airflow.sdk import Asset, dag, get_current_context, task
from rekap.airflow.dag_support import (
    DRAFTS_ASSET_URI,
    TAGS,
    TASK_LOGGER,
    default_args,
    period_param,
    settings,
)
from rekap.airflow.hitl import ReportApprovalOperator, with_approvers
from rekap.settings import parse_time_settings

PARSED = parse_time_settings()
DRAFTS = Asset(DRAFTS_ASSET_URI)
log = logging.getLogger(TASK_LOGGER)

# Six periods a year, and a correction makes a new draft (the old request then only waits to be
# refused or to expire): room for every draft that can wait within the approval timeout.
MAX_WAITING_RUNS = 32


@dag(
    dag_id="approve_laporan",
    schedule=[DRAFTS],
    start_date=pendulum.datetime(2026, 1, 1, tz=PARSED.timezone),
    catchup=False,
    max_active_runs=MAX_WAITING_RUNS,
    default_args=default_args(),
    tags=[*TAGS, "persetujuan"],
    doc_md=__doc__,
    params={
        "period": period_param(
            "Minta persetujuan lagi untuk draf terakhir periode ini, misalnya 2026-B1"
            " (kosong: draf dari konsolidasi)."
        ),
    },
)
def approve_laporan():
    @task(inlets=[DRAFTS])
    def drafts_to_approve() -> list[dict]:
        """The drafts of the triggering events; by hand, the latest announced draft of `period`."""
        from rekap.consolidation.approval import approval_requests

        context = get_current_context()
        s = settings()
        extras = [e.extra for e in (context["triggering_asset_events"].get(DRAFTS) or [])]
        period = (context["params"].get("period") or "").upper()
        if not extras and period:
            extras = [
                e.extra for e in context["inlet_events"][DRAFTS] if (e.extra or {}).get("period_id") == period
            ]
            if not extras:
                log.warning("no draft of %s was announced: run consolidate_bimonthly for it first", period)
        requests = with_approvers(
            approval_requests(extras, s.provinces), PARSED.approvers, PARSED.national_approvers
        )
        for r in requests:
            log.info(
                "asking approval of %s %s draft v%s (%s) of %s",
                *(r["draft"][k] for k in ("province_code", "period_id", "version", "report_path")),
                ", ".join(u["id"] for u in r["assigned_users"] or []) or "any user of the DAG",
            )
        return requests

    approve = ReportApprovalOperator.partial(
        task_id="approve",
        response_timeout=timedelta(hours=PARSED.approval_timeout_hours),
        retries=0,  # a decision is recorded once; a retry would ask again for nothing
    ).expand_kwargs(drafts_to_approve())

    @task(map_index_template="{{ draft_label }}")
    def deliver(decision: dict) -> str:
        """After approval only: FINAL in reports/, then e-mail to leadership."""
        from airflow.exceptions import AirflowSkipException
        from rekap.consolidation.approval import APPROVED, NATIONAL, Approval
        from rekap.consolidation.delivery import finalize_and_deliver
        from rekap.periods import parse_period

        context = get_current_context()
        s = settings()
        scope = decision["province_code"]
        context["draft_label"] = decision["period_id"] + (f" {scope}" if len(s.provinces) > 1 else "")
        if decision["decision"] != APPROVED:
            raise AirflowSkipException(
                f"{context['draft_label']} draft v{decision['version']} {decision['decision']}"
                f" by {decision.get('decided_by') or '-'}: nothing sent ({decision.get('reason') or ''})"
            )
        if scope != NATIONAL:
            s = s.for_province(scope)  # its own workbook and time zone
        approval = Approval(
            decision["version"],
            decision["decided_by"],
            datetime.fromisoformat(decision["decided_at"]).astimezone(s.timezone),
        )
        final, outcome = finalize_and_deliver(s, scope, parse_period(decision["period_id"]), approval)
        log.info("LAPORAN KOMPREHENSIF%s (FINAL): %s", " NASIONAL" if scope == NATIONAL else "", final)
        log.info("%s", outcome)
        return outcome

    deliver.expand(decision=approve.output)


approve_laporan()
