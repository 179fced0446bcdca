"""The national report's approval with the real DAGs (issue 14 item 3): two provinces served,
`airflow dags test` runs the consolidation (two provincial drafts and the national one, each
announced on the drafts Asset) and the approval DAG, whose Required Actions a real API server
answers through Airflow's HITL REST API, as the UI's Required Actions page does.

Proves: the national draft is asked of the national approvers (REKAP_NATIONAL_APPROVERS) only,
a province's approver cannot answer it (nor the national approver a province's draft), and its
approval writes the FINAL national workbook and e-mails it, alone."""

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
)
from rekap.drive import init_drive
from rekap.registry import load_registry
from rekap.warehouse import engine_for, upgrade
from sqlalchemy import text
from workbooks import drop_two_months

pytestmark = [pytest.mark.airflow, pytest.mark.slow]
CONSOLIDATE, APPROVE = "consolidate_bimonthly", "approve_laporan"
KETUA, KETUA_RI = "ketua", "ketua_ri"  # a province's approver, the national office's


def run(base, env, dag_id: str, conf: dict, name: str) -> AirflowProcess:
    return AirflowProcess(
        f"dags-test-{name}", ["dags", "test", dag_id, "-c", json.dumps(conf)], env, base / f"{name}.log"
    )


def waiting_actions(
    url: str, token: str, count: int, watch: AirflowProcess, timeout: float = 300
) -> list[dict]:
    """The unanswered Required Actions of the approval DAG, once there are ``count`` of them."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            details = _api(url, token, "GET", f"/dags/{APPROVE}/dagRuns/~/hitlDetails")["hitl_details"]
        except OSError:
            details = []
        waiting = [d for d in details if not d.get("response_received")]
        if len(waiting) >= count:
            return waiting
        assert watch.running(), f"{watch.name} ended with {len(waiting)} Required Action(s):\n{watch.tail()}"
        time.sleep(2)
    raise TimeoutError(f"fewer than {count} Required Actions of {APPROVE} after {timeout:.0f}s")


def test_the_national_draft_is_answered_by_the_national_approvers_only(tmp_path):
    base = tmp_path
    root = base / "drive"
    root.mkdir()
    registry = load_registry()
    init_drive(root, [d.district_code for d in registry.districts if d.province_code in ("36", "74")])
    warehouse = f"sqlite:///{base / 'warehouse.sqlite'}"
    upgrade(warehouse)
    for code in ("3601", "3603", "7401"):
        drop_two_months(root, code, 5)
    smtp = contextlib.ExitStack()
    inbox, smtp_uri = smtp.enter_context(running_smtp())
    home = base / "airflow"
    passwords = {KETUA: "pw-ketua-1", KETUA_RI: "pw-ketua-ri-1"}
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
            "REKAP_WAREHOUSE_URL": warehouse,
            "REKAP_PROVINCE": "36,74",
            "REKAP_STABLE_SECONDS": "0",
            "REKAP_RECEIVED_AT_SOURCE": "mtime",
            "REKAP_TASK_RETRIES": "0",
            "REKAP_APPROVERS": KETUA,
            "REKAP_NATIONAL_APPROVERS": KETUA_RI,
            "REKAP_REPORT_EMAILS": "pimpinan@bawaslu.local",
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
        log = finish(run(base, env, CONSOLIDATE, {"period": "2026-B1"}, "consolidate"), timeout=300)
        assert "LAPORAN KOMPREHENSIF NASIONAL (DRAF)" in log, log[-4000:]
        draft = root / "reports/draf/Laporan_Komprehensif_NASIONAL_2026-B1_DRAF.xlsx"
        assert draft.is_file()

        approving = run(base, env, APPROVE, {"period": "2026-B1"}, "approve")
        ketua = api_token(url, KETUA, passwords[KETUA])
        ketua_ri = api_token(url, KETUA_RI, passwords[KETUA_RI])
        actions = waiting_actions(url, ketua, 3, approving)
        national = [a for a in actions if "Nasional" in a["subject"]]
        provinces = [a for a in actions if "Nasional" not in a["subject"]]
        assert len(national) == 1 and len(provinces) == 2
        (national,) = national
        assert [u["id"] for u in national["assigned_users"]] == [KETUA_RI]
        assert all([u["id"] for u in a["assigned_users"]] == [KETUA] for a in provinces)
        assert str(draft) in national["body"] and "2 provinsi" in national["body"]
        time.sleep(3)
        assert inbox.messages == []  # nothing before a decision

        # a province's approver cannot answer the national draft, nor the national one a province's
        with pytest.raises(OSError, match="403"):
            answer_required_action(url, ketua, national, "Setujui")
        with pytest.raises(OSError, match="403"):
            answer_required_action(url, ketua_ri, provinces[0], "Setujui")
        answer_required_action(url, ketua_ri, national, "Setujui", {"alasan": ""})
        for action in provinces:  # the provinces' drafts are refused here: only the national goes out
            answer_required_action(url, ketua, action, "Tolak", {"alasan": "uji persetujuan nasional"})
        log = finish(approving)

        final = root / "reports/Laporan_Komprehensif_NASIONAL_2026-B1.xlsx"
        assert final.is_file(), log[-4000:]
        assert "LAPORAN KOMPREHENSIF NASIONAL (FINAL)" in log
        assert load_workbook(final)["Peringkat Provinsi"]["A3"].value.startswith(
            f"FINAL — disetujui oleh {KETUA_RI}"
        )
        assert sorted(p.name for p in (root / "reports").glob("*.xlsx")) == [final.name]
        mails = [m for _sender, rcpt, m in inbox.messages if "pimpinan@bawaslu.local" in rcpt]
        assert [m["Subject"] for m in mails] == [
            "Laporan Komprehensif Nasional Januari – Februari 2026 (FINAL)"
        ]
        with engine_for(warehouse).connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT province_code, decision, decided_by FROM report_approvals ORDER BY province_code"
                )
            ).all()
        assert [tuple(r) for r in rows] == [
            ("36", "rejected", KETUA),
            ("74", "rejected", KETUA),
            ("NASIONAL", "approved", KETUA_RI),
        ]
    finally:
        api.stop()
        smtp.close()
