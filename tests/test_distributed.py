"""Both DAGs on a real distributed Airflow, and the operator's view of it in a real browser.

The module's stack (tests/airflow_stack.py) is Airflow with the CeleryExecutor as separate
processes: API server, scheduler, DAG processor and two Celery workers (``worker1@<host>``,
``worker2@<host>``, two slots each), the metadata and the warehouse in fresh databases on the
local PostgreSQL, Redis as the broker. The tests drive it through the REST API like an
operator's script would, then log into the UI with Chromium and read the intake summary.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from airflow_stack import ADMIN_USER, DAG_IDS, EXPECTED_SUBMISSIONS, AirflowStack, running_stack, unavailable
from openpyxl import load_workbook
from rekap.dev.airflow_local import PROJECT_ROOT
from sqlalchemy import create_engine, text

pytestmark = [pytest.mark.distributed, pytest.mark.slow]

INGEST = "ingest_district_reports"
CONSOLIDATE = "consolidate_bimonthly"
APPROVE = "approve_laporan"
CHROMIUM = os.environ.get("REKAP_TEST_CHROMIUM", "/usr/bin/chromium")
SCREENSHOT = PROJECT_ROOT / "test-artifacts" / "airflow-ingest-summary.png"
SUMMARY_COUNTS = "diterima 0 | dengan catatan 8 | ditolak 2"


@pytest.fixture(scope="module")
def stack(tmp_path_factory, request):
    yield from running_stack(tmp_path_factory.mktemp("airflow-stack"), request)


@pytest.fixture(scope="module")
def warehouse(stack):
    engine = create_engine(stack.warehouse_url)
    yield engine
    engine.dispose()


def ingest_run(stack: AirflowStack) -> str:
    """Unpause both DAGs, trigger the intake once and wait for it; later tests reuse the run."""
    if INGEST not in stack.runs:
        for dag_id in DAG_IDS:
            stack.unpause(dag_id)
        run_id = stack.trigger(INGEST)
        stack.wait_for_run(INGEST, run_id, timeout=300)
        stack.runs[INGEST] = run_id
    return stack.runs[INGEST]


def test_ingest_runs_on_both_celery_workers(stack, warehouse):
    run_id = ingest_run(stack)

    tis = stack.task_instances(INGEST, run_id)
    assert {ti["state"] for ti in tis} == {"success"}, tis
    mapped = sorted(ti["rendered_map_index"] for ti in tis if ti["task_id"] == "process_batch")
    # six districts, ten files, REKAP_INGEST_TASKS=4: four batches of consecutive codes
    assert mapped == [
        "3601–3602 (2 kab/kota, 3 berkas)",
        "3603–3604 (2 kab/kota, 4 berkas)",
        "3671 Kota Tangerang (2 berkas)",
        "3672 Kota Cilegon (1 berkas)",
    ]
    hosts = {ti["hostname"] for ti in tis}
    # every task ran on a Celery worker, and the six districts kept both workers busy
    assert hosts == set(stack.worker_hostnames.values()), [(ti["task_id"], ti["hostname"]) for ti in tis]

    with warehouse.connect() as conn:
        submissions = conn.execute(
            text("SELECT district_code, status FROM submissions ORDER BY district_code, status")
        ).all()
    assert [tuple(s) for s in submissions] == EXPECTED_SUBMISSIONS
    drive = stack.drive
    assert sorted(p.name for p in (drive / "archive/3671").iterdir() if not p.name.startswith(".")) == [
        "Laporan_3671_2026-01.xlsx",
        "Laporan_3671_2026-02.xlsx",
    ]
    assert (drive / "rejected/3602/salah.xlsx").is_file()
    assert (drive / "rejected/3672/catatan.docx").is_file()
    summary_log = stack.task_log(INGEST, run_id, "summarize")
    assert "RINGKASAN INTAKE: 10 berkas" in summary_log
    assert SUMMARY_COUNTS in summary_log


def test_consolidate_period_on_request(stack, warehouse):
    ingest_run(stack)
    # publish's Asset event starts a consolidation of its own; this run is the operator's
    run_id = stack.trigger(CONSOLIDATE, {"period": "2026-B1"})
    stack.wait_for_run(CONSOLIDATE, run_id, timeout=300)
    # the Asset's run may come before or after the operator's (one at a time): both must be
    # done before the latest draft is known
    wait_for_finished_runs(stack, CONSOLIDATE, at_least=2)
    tis = stack.task_instances(CONSOLIDATE, run_id)
    assert {ti["state"] for ti in tis} == {"success"}, tis
    assert {ti["hostname"] for ti in tis} <= set(stack.worker_hostnames.values())

    with warehouse.connect() as conn:
        marts = {
            r.district_code: r
            for r in conn.execute(
                text(
                    "SELECT district_code, reports_received, status FROM mart_district_period"
                    " WHERE period_id='2026-B1'"
                )
            )
        }
        report_path = conn.execute(
            text("SELECT report_path FROM mart_province_period WHERE period_id='2026-B1'")
        ).scalar_one()
    assert len(marts) == 8  # every Banten district, reported or not
    assert {code for code, r in marts.items() if r.reports_received == 2} == {"3601", "3603", "3604", "3671"}
    assert marts["3602"].status == "TIDAK MELAPOR"
    draft = stack.drive / "reports" / "draf" / "Laporan_Komprehensif_36_2026-B1_DRAF.xlsx"
    assert draft.is_file() and report_path == str(draft)
    assert "Ringkasan" in load_workbook(draft, read_only=True).sheetnames
    assert not (stack.drive / "reports" / "Laporan_Komprehensif_36_2026-B1.xlsx").exists()  # not approved

    # the draft's Asset event started the approval DAG, which waits for a person, not this DAG
    with warehouse.connect() as conn:
        latest = conn.execute(
            text("SELECT MAX(version) FROM report_approvals WHERE period_id='2026-B1'")
        ).scalar()
    waiting = wait_for_waiting_approval(stack, f"(2026-B1), draf versi {latest}")
    assert waiting["task_instance"]["dag_id"] == APPROVE
    # answered through the REST API as the UI does: FINAL written by a Celery worker
    ti = waiting["task_instance"]
    stack.api_json(
        "PATCH",
        f"/dags/{APPROVE}/dagRuns/{ti['dag_run_id']}/taskInstances/approve/{ti['map_index']}/hitlDetails",
        json={"chosen_options": ["Setujui"], "params_input": {"alasan": ""}},
    )
    stack.wait_for_run(APPROVE, ti["dag_run_id"], timeout=300)
    final = stack.drive / "reports" / "Laporan_Komprehensif_36_2026-B1.xlsx"
    assert final.is_file()
    with warehouse.connect() as conn:
        decided = conn.execute(
            text(
                "SELECT decision, final_path FROM report_approvals WHERE period_id='2026-B1' AND decision IS NOT NULL"
            )
        ).all()
    assert [tuple(r) for r in decided] == [("approved", str(final))]


def wait_for_finished_runs(stack: AirflowStack, dag_id: str, at_least: int, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    runs: list[dict] = []
    while time.monotonic() < deadline:
        runs = stack.api_json("GET", f"/dags/{dag_id}/dagRuns")["dag_runs"]
        if len(runs) >= at_least and all(r["state"] in ("success", "failed") for r in runs):
            assert {r["state"] for r in runs} == {"success"}, runs
            return
        time.sleep(3)
    raise AssertionError(f"{dag_id}: not {at_least} finished runs after {timeout:.0f}s: {runs}")


def wait_for_waiting_approval(stack: AirflowStack, draft: str, timeout: float = 180) -> dict:
    """The Required Action the scheduler's asset-triggered approve_laporan run put up for the
    draft named in its body (the intake's own consolidation may have asked about an older one)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        details = stack.api_json("GET", f"/dags/{APPROVE}/dagRuns/~/hitlDetails")["hitl_details"]
        waiting = [d for d in details if not d.get("response_received") and draft in d["body"]]
        if waiting:
            return waiting[0]
        time.sleep(3)
    runs = stack.api_json("GET", f"/dags/{APPROVE}/dagRuns")
    raise AssertionError(f"no Required Action of {APPROVE} after {timeout:.0f}s ({draft}): {runs}")


def test_operator_reads_the_intake_summary_in_the_ui(stack):
    if not Path(CHROMIUM).is_file():
        unavailable(f"no Chromium at {CHROMIUM}: apt-get install chromium")
    from playwright.sync_api import expect, sync_playwright

    run_id = ingest_run(stack)
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.set_default_timeout(60_000)
            expect.set_options(timeout=60_000)  # a busy 2-core machine renders slowly
            # the simple auth manager's login form
            page.goto(f"{stack.base_url}/")
            page.wait_for_url("**/auth/login**")
            page.get_by_label("Username").fill(ADMIN_USER)
            page.get_by_label("Password").fill(stack.password)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(re.compile(r"^(?!.*/auth/login).*$"))

            page.goto(f"{stack.base_url}/dags")
            for dag_id in DAG_IDS:
                expect(page.get_by_role("link", name=dag_id, exact=True).first).to_be_visible()

            # the DAG, its finished run, then the run's summarize task (whose page opens on the log)
            page.get_by_role("link", name=INGEST, exact=True).first.click()
            page.wait_for_url(f"**/dags/{INGEST}**")
            run_url = f"{stack.base_url}/dags/{INGEST}/runs/{quote(run_id, safe='')}"
            page.goto(run_url)
            expect(page.get_by_text(run_id).first).to_be_visible()
            expect(page.get_by_text("Success").first).to_be_visible()
            page.goto(f"{run_url}/tasks/summarize")
            expect(page.get_by_text("RINGKASAN INTAKE: 10 berkas")).to_be_visible()
            # logged through the task logger, the table is in the log's main group: visible
            # without unfolding "Post Execute"
            counts = page.get_by_text(re.compile(r"diterima \d+ \| dengan catatan")).first
            expect(counts).to_be_visible()
            expect(counts).to_contain_text(SUMMARY_COUNTS)
            page.get_by_text("RINGKASAN INTAKE: 10 berkas").scroll_into_view_if_needed()
            page.screenshot(path=str(SCREENSHOT))
        except BaseException:
            if "page" in locals():
                page.screenshot(path=str(SCREENSHOT.with_name("airflow-ingest-summary-failure.png")))
            raise
        finally:
            browser.close()
    assert SCREENSHOT.stat().st_size > 10_000
