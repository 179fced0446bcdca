"""The approval of a laporan komprehensif with the real DAGs: `airflow dags test` runs the
consolidation, which writes the DRAF and announces it on the drafts Asset, then the approval DAG
(approve_laporan), which reads that Asset event (its inlet events; triggered by hand with the
period, as `dags test` cannot replay a scheduler's asset trigger) while a real API server (same
metadata DB) takes the approver's answer through Airflow's HITL REST API, and a real SMTP server
(aiosmtpd) receives whatever is sent.

Proves: nothing reaches the SMTP server before approval; approval sends exactly one mail, of
the FINAL workbook; a rejection sends nothing to leadership and records the reason; an open
period sends nothing and asks nothing; a bad period fails in one line."""

from __future__ import annotations

import contextlib
import json
import time

import pytest
from airflow_stack import finish
from conftest import running_smtp
from openpyxl import load_workbook
from rekap.dev.airflow_local import (
    AirflowProcess,
    _api,
    airflow_env,
    answer_required_action,
    api_token,
    free_port,
    migrate,
    run_airflow,
    secrets_env,
    simple_auth_env,
    wait_for_health,
    wait_for_required_action,
)
from rekap.warehouse import engine_for, upgrade
from sqlalchemy import text
from workbooks import drop_two_months, set_up_drive

pytestmark = [pytest.mark.airflow, pytest.mark.slow]
CONSOLIDATE, APPROVE = "consolidate_bimonthly", "approve_laporan"
APPROVER, OPERATOR = "ketua", "operator"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """A drive with 2026-B1 reports of two districts, an SMTP server, an Airflow home with an
    API server; each test runs `dags test` against it."""
    base = tmp_path_factory.mktemp("approval")
    root = set_up_drive(base / "drive")  # as `rekap drive init` and `rekap db upgrade` leave them
    upgrade(f"sqlite:///{base / 'warehouse.sqlite'}")
    for code, members in (("3601", 5), ("3603", 3)):
        drop_two_months(root, code, members)
    smtp = contextlib.ExitStack()
    inbox, smtp_uri = smtp.enter_context(running_smtp())
    home = base / "airflow"
    passwords = {APPROVER: "pw-ketua-1", OPERATOR: "pw-operator-1"}
    port = free_port()
    env = airflow_env(
        home,
        {
            **secrets_env(),
            **simple_auth_env(home, passwords),
            "AIRFLOW__API__PORT": str(port),
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__WORKERS": "1",
            "AIRFLOW_CONN_SMTP_DEFAULT": smtp_uri,
            "REKAP_SHARED_ROOT": str(root),
            "REKAP_WAREHOUSE_URL": f"sqlite:///{base / 'warehouse.sqlite'}",
            "REKAP_PROVINCE": "36",
            "REKAP_STABLE_SECONDS": "0",
            "REKAP_RECEIVED_AT_SOURCE": "mtime",
            "REKAP_TASK_RETRIES": "0",
            "REKAP_APPROVERS": APPROVER,
            "REKAP_REPORT_EMAILS": "pimpinan@bawaslu.local",
            "REKAP_OPERATOR_EMAILS": "operator@bawaslu.local",
        },
    )
    migrate(env, base / "migrate.log")
    result = run_airflow(["dags", "test", "ingest_district_reports"], env, base / "ingest.log")
    assert result.returncode == 0, (base / "ingest.log").read_text()[-3000:]
    api = AirflowProcess(
        "api-server", ["api-server", "--host", "127.0.0.1", "--port", str(port)], env, base / "api.log"
    )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for_health(url, [api], timeout=240)
        yield {
            "env": env,
            "base": base,
            "root": root,
            "url": url,
            "inbox": inbox,
            "passwords": passwords,
            "warehouse": env["REKAP_WAREHOUSE_URL"],
        }
    finally:
        api.stop()
        smtp.close()


def start_run(stack, dag_id: str, conf: dict, name: str) -> AirflowProcess:
    return AirflowProcess(
        f"dags-test-{name}",
        ["dags", "test", dag_id, "-c", json.dumps(conf)],
        stack["env"],
        stack["base"] / f"{name}.log",
    )


def consolidate(stack, period: str, name: str) -> str:
    """A whole consolidation run: it ends once the draft is written, whatever waits for approval."""
    return finish(start_run(stack, CONSOLIDATE, {"period": period}, name), timeout=300)


def draft_events(stack, token: str) -> list[dict]:
    """The extras of the drafts Asset events the consolidation emitted, as Airflow stored them."""
    events = _api(stack["url"], token, "GET", "/assets/events?source_dag_id=consolidate_bimonthly&limit=100")
    return [e["extra"] for e in events["asset_events"]]


def approvals(stack) -> list:
    with engine_for(stack["warehouse"]).connect() as conn:
        return conn.execute(
            text(
                "SELECT version, decision, decided_by, reason, final_path FROM report_approvals"
                " WHERE period_id='2026-B1' ORDER BY version"
            )
        ).all()


def to(stack, address: str) -> list:
    return [m for _sender, rcpt, m in stack["inbox"].messages if address in rcpt]


def test_approval_sends_exactly_one_final_report(stack):
    log = consolidate(stack, "2026-B1", "consolidate-1")
    assert "draft v1 of 2026-B1 waits for approval" in log, log[-4000:]
    draft = stack["root"] / "reports/draf/Laporan_Komprehensif_36_2026-B1_DRAF.xlsx"
    assert draft.is_file() and not (stack["root"] / "reports/Laporan_Komprehensif_36_2026-B1.xlsx").exists()
    token = api_token(stack["url"], APPROVER, stack["passwords"][APPROVER])
    (event,) = draft_events(stack, token)
    assert (event["province_code"], event["period_id"], event["version"]) == ("36", "2026-B1", 1)
    assert event["report_path"] == str(draft) and "Kab/kota melapor: 2 dari 8" in event["body"]

    run = start_run(stack, APPROVE, {"period": "2026-B1"}, "approve")
    detail = wait_for_required_action(stack["url"], token, APPROVE, watch=run)
    assert "Kab/kota melapor: 2 dari 8" in detail["body"] and "reports/draf/" in detail["body"]
    assert "Kota Cilegon" in detail["body"]  # the attention list names the silent districts
    assert [u["id"] for u in detail["assigned_users"]] == [APPROVER]
    time.sleep(3)
    assert stack["inbox"].messages == []  # nothing before the decision

    # an operator who is not an approver cannot decide
    other = api_token(stack["url"], OPERATOR, stack["passwords"][OPERATOR])
    with pytest.raises(OSError, match="403"):
        answer_required_action(stack["url"], other, detail, "Setujui")
    answer_required_action(stack["url"], token, detail, "Setujui", {"alasan": ""})
    log = finish(run)

    mails = to(stack, "pimpinan@bawaslu.local")
    assert len(mails) == 1, log[-4000:]
    assert mails[0]["Subject"] == "Laporan Komprehensif Banten Januari – Februari 2026 (FINAL)"
    (attachment,) = list(mails[0].iter_attachments())
    saved = stack["base"] / "received.xlsx"
    saved.write_bytes(attachment.get_content())
    book = load_workbook(saved)
    assert book["Ringkasan"]["A3"].value.startswith(f"FINAL — disetujui oleh {APPROVER}")
    final = stack["root"] / "reports/Laporan_Komprehensif_36_2026-B1.xlsx"
    assert final.read_bytes() == saved.read_bytes()
    assert [tuple(r)[:3] for r in approvals(stack)] == [(1, "approved", APPROVER)]


def test_rejection_sends_nothing_and_keeps_the_reason(stack):
    before = len(to(stack, "pimpinan@bawaslu.local"))
    final = stack["root"] / "reports/Laporan_Komprehensif_36_2026-B1.xlsx"
    final_bytes = final.read_bytes()
    consolidate(stack, "2026-B1", "consolidate-2")
    run = start_run(stack, APPROVE, {"period": "2026-B1"}, "reject")
    token = api_token(stack["url"], APPROVER, stack["passwords"][APPROVER])
    detail = wait_for_required_action(stack["url"], token, APPROVE, watch=run)
    assert "draf versi 2" in detail["body"]  # a re-consolidation is a new draft to approve
    answer_required_action(stack["url"], token, detail, "Tolak", {"alasan": "Laporan Cilegon belum masuk"})
    finish(run)
    assert len(to(stack, "pimpinan@bawaslu.local")) == before
    assert final.read_bytes() == final_bytes  # the approved FINAL stays
    rows = approvals(stack)
    assert tuple(rows[-1])[:4] == (2, "rejected", APPROVER, "Laporan Cilegon belum masuk")
    (notice,) = to(stack, "operator@bawaslu.local")
    assert "DITOLAK" in notice["Subject"] and "Laporan Cilegon belum masuk" in notice.get_body().get_content()


def test_a_draft_waiting_for_approval_holds_no_consolidation(stack):
    """While draft v3 waits, a correction's consolidation runs to the end and makes v4; an answer
    to v3 is then refused (nothing sent), and v4 waits for its own decision."""
    sent = len(to(stack, "pimpinan@bawaslu.local"))
    consolidate(stack, "2026-B1", "consolidate-3")
    token = api_token(stack["url"], APPROVER, stack["passwords"][APPROVER])
    run = start_run(stack, APPROVE, {"period": "2026-B1"}, "obsolete")
    detail = wait_for_required_action(stack["url"], token, APPROVE, watch=run)
    assert "draf versi 3" in detail["body"]
    log = consolidate(stack, "2026-B1", "consolidate-4")
    assert "draft v4 of 2026-B1 waits for approval" in log, log[-4000:]
    answer_required_action(stack["url"], token, detail, "Setujui", {"alasan": ""})
    log = finish(run)
    assert "draft v3 of 2026-B1 is obsolete: the latest draft is v4" in log, log[-4000:]
    assert len(to(stack, "pimpinan@bawaslu.local")) == sent
    assert [tuple(r)[:2] for r in approvals(stack)][-2:] == [(3, None), (4, None)]
    assert sorted(e["version"] for e in draft_events(stack, token) if e["period_id"] == "2026-B1") == [
        1,
        2,
        3,
        4,
    ]


def test_open_period_is_provisional_and_never_sent(stack):
    sent = len(stack["inbox"].messages)
    log = consolidate(stack, "2026-B6", "open")  # today is inside or before B6's deadline
    assert "LAPORAN KOMPREHENSIF (SEMENTARA)" in log
    token = api_token(stack["url"], APPROVER, stack["passwords"][APPROVER])
    assert all(e["period_id"] != "2026-B6" for e in draft_events(stack, token))  # no approval asked
    assert (stack["root"] / "reports/draf/Laporan_Komprehensif_36_2026-B6_SEMENTARA.xlsx").is_file()
    assert len(stack["inbox"].messages) == sent


def test_a_bad_period_fails_in_one_line(stack):
    sent = len(to(stack, "pimpinan@bawaslu.local"))
    log = consolidate(stack, "2031-B3", "bad")
    lines = [line for line in log.splitlines() if "periode 2031-B3" in line and "belum dimulai" in line]
    assert lines, log[-3000:]
    assert not list((stack["root"] / "reports/draf").glob("*2031-B3*"))
    assert len(to(stack, "pimpinan@bawaslu.local")) == sent
    failure = to(stack, "operator@bawaslu.local")[-1]  # the operators are told, as for any failed task
    assert failure["Subject"] == "[rekap] GAGAL: consolidate_bimonthly.resolve_periods"
