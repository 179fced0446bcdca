"""The approval of a laporan komprehensif as an Airflow Required Action (human-in-the-loop).

``ReportApprovalOperator`` asks the approvers (``REKAP_APPROVERS``; for the national report
``REKAP_NATIONAL_APPROVERS``, see ``with_approvers``) to approve or reject one draft; whatever happens it records the decision in the warehouse (rekap.consolidation.approval) and returns
it, so the ``deliver`` task of the approval DAG (``dags/approve_laporan.py``) knows whether to write FINAL and send. A rejection or no decision
within ``REKAP_APPROVAL_TIMEOUT_HOURS`` sends nothing to leadership and e-mails the operators.
Imported by the DAG file at parse time: nothing heavy at module level.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from airflow.providers.standard.operators.hitl import HITLOperator

APPROVE, REJECT = "Setujui", "Tolak"


def assigned_users(names: Sequence[str]) -> list[dict[str, str]] | None:
    """Airflow's HITL users for these user names; None (no names): any user allowed on the DAG."""
    return [{"id": n, "name": n} for n in names] or None


def with_approvers(
    requests: list[dict[str, Any]], approvers: Sequence[str], national_approvers: Sequence[str]
) -> list[dict[str, Any]]:
    """Each approval request (rekap.consolidation.approval.approval_requests) with the users it
    is assigned to: the national approvers for the national report, the approvers for a
    province's. Only they can answer it (Airflow refuses anyone else)."""
    from rekap.consolidation.approval import NATIONAL

    return [
        {
            **r,
            "assigned_users": assigned_users(
                national_approvers if r["draft"]["province_code"] == NATIONAL else approvers
            ),
        }
        for r in requests
    ]


class ReportApprovalOperator(HITLOperator):
    """Approve (Setujui) or reject (Tolak) one draft; the form asks a reason for a rejection."""

    template_fields = ("subject", "body", "draft")

    def __init__(self, *, draft: dict[str, Any] | None = None, **kwargs: Any) -> None:
        from airflow.sdk import Param

        kwargs.setdefault("subject", "Persetujuan Laporan Komprehensif")
        # The form has one field; a mapped task is re-built with params (the DAG's too): not a form.
        kwargs.pop("params", None)
        params = {}
        params["alasan"] = Param(
            "",
            type=["null", "string"],
            title="Alasan (wajib bila menolak)",
            description="Apa yang harus diperbaiki sebelum laporan dapat disetujui.",
        )
        super().__init__(options=[APPROVE, REJECT], multiple=False, params=params, **kwargs)
        self.draft = draft or {}

    def execute(self, context: Any) -> Any:
        if not self.draft.get("version"):
            # Nothing to approve (an open period's SEMENTARA report is never sent).
            from airflow.exceptions import AirflowSkipException

            raise AirflowSkipException("no draft to approve")
        self._skip_when_moot()
        return super().execute(context)

    def _skip_when_moot(self) -> None:
        """A draft superseded (or decided) while its request waited in the queue: ask no one;
        the newer draft has its own request."""
        from airflow.exceptions import AirflowSkipException

        from rekap.airflow.dag_support import settings
        from rekap.consolidation.approval import latest_version, pending_problem
        from rekap.warehouse import engine_for

        s = settings()
        with engine_for(s.warehouse_url).connect() as conn:
            latest = latest_version(conn, self.draft["province_code"], self.draft["period_id"])
        problem = pending_problem(latest, self.draft["period_id"], int(self.draft["version"]))
        if problem:
            raise AirflowSkipException(f"{problem}: not asked")

    def execute_complete(self, context: Any, event: dict[str, Any]) -> dict[str, Any]:
        from rekap.airflow.dag_support import settings
        from rekap.consolidation.approval import APPROVED, EXPIRED, REJECTED, ApprovalError, record_decision
        from rekap.consolidation.delivery import decision_email, notify_operators

        s = settings()
        draft = self.draft
        if "error" in event:
            decision, by, at, reason = EXPIRED, None, datetime.now(UTC), event.get("error")
        else:
            chosen = event["chosen_options"][0]
            who = event.get("responded_by_user") or {}
            by = who.get("name") or who.get("id") or "?"
            at = event.get("responded_at") or datetime.now(UTC)
            if isinstance(at, str):
                at = datetime.fromisoformat(at)
            reason = ((event.get("params_input") or {}).get("alasan") or "").strip() or None
            decision = APPROVED if chosen == APPROVE else REJECTED
            if decision == REJECTED and not reason:
                reason = "(ditolak tanpa alasan)"
        try:
            row = record_decision(
                s.warehouse_url,
                draft["province_code"],  # drafts are per province
                draft["period_id"],
                draft["version"],
                decision,
                by,
                at,
                reason,
            )
        except ApprovalError as exc:  # e.g. a newer draft exists: this decision is moot
            self.log.warning("%s", exc)
            return {**draft, "decision": "obsolete", "decided_by": by, "reason": str(exc)}
        self.log.info("draft v%s of %s: %s by %s", draft["version"], draft["period_id"], decision, by)
        if decision != APPROVED:
            subject, body = decision_email(draft["period_id"], row, draft.get("report_path", "?"))
            try:
                notify_operators(s, subject, body)
            except Exception:  # the decision is recorded; a mail server problem must not undo it
                self.log.exception("could not e-mail the operators")
        return {
            **draft,
            "decision": decision,
            "decided_by": by,
            "decided_at": at.isoformat(),
            "reason": reason,
        }
