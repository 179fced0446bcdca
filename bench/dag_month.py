"""A month of reports through the real ``ingest_district_reports`` DAG, as operators run it.

A local Airflow like ``make airflow``'s (SQLite metadata, LocalExecutor with one worker slot
per core; API server, scheduler and DAG processor as separate processes), its own
AIRFLOW_HOME and warehouse. The DAG is unpaused and triggered once through the REST API, as an
operator's *Trigger DAG*; the measure is the run's duration as the UI shows it (queued to
finished). The schedule is set to a cron that does not come round, so no scheduled run takes
the files first, and the other DAGs stay paused (no consolidation is triggered by the
intake's Asset). A run not finished within ``timeout`` is stopped and reported with how far it
got, never waited for.
"""

from __future__ import annotations

import contextlib
import functools
import secrets
import sqlite3
import statistics
import time
import urllib.error
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bench.measure import TreeSampler

DAG_ID = "ingest_district_reports"
ADMIN = "admin"


@dataclass
class DagMonth:
    files: int
    state: str  # success | failed | timeout
    seconds: float  # queued -> finished (the UI's duration), or the time waited on timeout
    processed: int  # files no longer in the inbox when it ended
    startup_seconds: float  # migrate + start + parse, before the trigger (not in the measure)
    peak_rss_kib: int
    peak_cmd: str
    logs: Path
    mapped_task: str = ""  # the mapped task's name
    mapped_done: int = 0  # its instances finished
    mapped_total: int = 0
    mapped_median_seconds: float | None = None  # one instance, start to end


def inbox_files(root: Path) -> int:
    """Report files still in district folders of inbox/ (hidden lock files aside)."""
    return sum(
        1
        for folder in (root / "inbox").iterdir()
        if folder.is_dir()
        for p in folder.iterdir()
        if p.is_file() and not p.name.startswith(".")
    )


def _duration(run: dict) -> float | None:
    start, end = run.get("queued_at") or run.get("start_date"), run.get("end_date")
    if not (start and end):
        return None
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()


def mapped_tasks(metadata_db: Path, run_id: str) -> tuple[str, int, int, float | None]:
    """The run's mapped task (the intake's boxes, whatever the DAG calls them), from the metadata
    database: its name, how many of its instances finished, how many there are, and the median
    duration of one (where the time goes)."""
    with contextlib.closing(sqlite3.connect(metadata_db)) as conn:
        rows = conn.execute(
            "SELECT task_id, state, duration FROM task_instance"
            " WHERE dag_id = ? AND run_id = ? AND map_index >= 0",
            (DAG_ID, run_id),
        ).fetchall()
    if not rows:
        return "", 0, 0, None
    done = [d for _task, state, d in rows if state == "success" and d is not None]
    names = ", ".join(sorted({task for task, _state, _d in rows}))
    return names, len(done), len(rows), statistics.median(done) if done else None


def run_dag_month(
    drive: Path, warehouse_url: str, base: Path, cores: int, timeout: float, served: str = "all"
) -> DagMonth:
    from rekap.dev.airflow_local import (
        AirflowProcess,
        _api,
        airflow_env,
        api_server_env,
        api_token,
        free_port,
        migrate,
        secrets_env,
        simple_auth_env,
        stop_all,
        wait_for_health,
    )
    from rekap.warehouse import upgrade

    home, logs = base / "airflow-home", base / "airflow-logs"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    password = secrets.token_urlsafe(12)
    env = airflow_env(
        home,
        {
            **api_server_env(port),
            # as `make airflow`: one LocalExecutor worker per core, one parsing process, and the
            # DAG files parsed once rather than every 30 s on a 2-core machine
            "AIRFLOW__CORE__PARALLELISM": str(cores),
            "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES": "1",
            "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "600",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
            "REKAP_SHARED_ROOT": str(drive),
            "REKAP_WAREHOUSE_URL": warehouse_url,
            "REKAP_PROVINCE": served,
            "REKAP_STABLE_SECONDS": "0",
            "REKAP_RECEIVED_AT_SOURCE": "mtime",
            "REKAP_TASK_RETRIES": "0",  # a failure shows at once, not after retry delays
            "REKAP_CONSOLIDATION_DEADLINE_HOURS": "2",  # the scheduler runs deadline alerts fine
            # 29 February 06:00: unpausing must not start a scheduled run besides the measured one
            "REKAP_INGEST_SCHEDULE": "0 6 29 2 *",
            **secrets_env(),
            **simple_auth_env(home, {ADMIN: password}),
        },
    )
    files = inbox_files(drive)
    began = time.perf_counter()
    upgrade(warehouse_url)  # the set-up step: the DAGs refuse a warehouse without the schema
    migrate(env, logs / "db-migrate.log")
    processes: list[AirflowProcess] = []
    with TreeSampler(lambda: [p.pid for p in processes]) as sampler:
        try:
            for name, args in (
                ("api-server", ["api-server", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"]),
                ("scheduler", ["scheduler"]),
                ("dag-processor", ["dag-processor"]),
            ):
                processes.append(AirflowProcess(name, args, env, logs / f"{name}.log"))
            wait_for_health(
                url, processes, timeout=300, components=("metadatabase", "scheduler", "dag_processor")
            )
            # a busy 2-core machine answers slowly while the month runs: 60 s, not the default 30
            api = functools.partial(_api, url, api_token(url, ADMIN, password), timeout=60)
            deadline = time.monotonic() + 300
            while True:
                try:
                    api("GET", f"/dags/{DAG_ID}")
                    break
                except urllib.error.HTTPError as exc:
                    if exc.code != 404 or time.monotonic() > deadline:
                        raise
                time.sleep(2)
            api("PATCH", f"/dags/{DAG_ID}", {"is_paused": False})
            startup = time.perf_counter() - began
            run_id = api("POST", f"/dags/{DAG_ID}/dagRuns", {"logical_date": None, "conf": {}})["dag_run_id"]
            triggered = time.monotonic()
            run: dict = {}
            while time.monotonic() - triggered < timeout:
                run = api("GET", f"/dags/{DAG_ID}/dagRuns/{run_id}")
                if run["state"] in ("success", "failed"):
                    break
                dead = [p.name for p in processes if not p.running()]
                if dead:
                    raise RuntimeError(f"airflow {', '.join(dead)} exited during the run; see {logs}")
                time.sleep(2)
            waited = time.monotonic() - triggered
            state = run.get("state") if run.get("state") in ("success", "failed") else "timeout"
            seconds = (_duration(run) or waited) if state != "timeout" else waited
            processed = files - inbox_files(drive)
        finally:
            stop_all(processes)
    task, done, total, median = mapped_tasks(home / "airflow.db", run_id)
    return DagMonth(
        files,
        state,
        seconds,
        processed,
        startup,
        sampler.peak_kib,
        sampler.peak_cmd,
        logs,
        mapped_task=task,
        mapped_done=done,
        mapped_total=total,
        mapped_median_seconds=median,
    )
