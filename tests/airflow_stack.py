"""A real distributed Airflow for tests: CeleryExecutor, PostgreSQL metadata, Redis broker.

No containers: every component is its own ``airflow`` process on this machine (API server,
scheduler, DAG processor and two Celery workers), with a temporary AIRFLOW_HOME, a fresh
metadata database and a fresh warehouse database on the local PostgreSQL, and one Redis
database of its own (flushed before and after). Each process logs to a file under the test's
temporary folder; ``diagnostics()`` gives their tails when something goes wrong.
"""

from __future__ import annotations

import os
import secrets
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import httpx
import pytest
from rekap.dev.airflow_local import (
    AirflowProcess,
    airflow_env,
    api_server_env,
    free_port,
    migrate,
    secrets_env,
    simple_auth_env,
    stop_all,
    wait_for_health,
)
from rekap.warehouse import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from workbooks import drop_two_months, pleno_row, set_up_drive, write_report

TESTS_DIR = Path(__file__).resolve().parent
POSTGRES_URL = os.environ.get("REKAP_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_HOST = os.environ.get("REKAP_TEST_REDIS_HOST", "127.0.0.1")
REDIS_PORT = int(os.environ.get("REKAP_TEST_REDIS_PORT", "6379"))
# The broker is one Redis database of its own: REKAP_TEST_REDIS_DB, else the first of 15..1
# that is empty or marked as a rekap test broker and not locked by another running stack
# (other engineers' test runs on this machine). Only that database is ever cleared.
REDIS_DBS = (
    (int(os.environ["REKAP_TEST_REDIS_DB"]),) if os.environ.get("REKAP_TEST_REDIS_DB") else range(15, 0, -1)
)
REDIS_MARK = "rekap:test-airflow-stack"
REDIS_LOCK = "rekap:test-airflow-stack:lock"
ADMIN_USER = "admin"
DAG_IDS = ("ingest_district_reports", "consolidate_bimonthly", "approve_laporan")
WORKERS = ("worker1", "worker2")

# The test drive: four districts that report January and February 2026, a file in the
# wrong district's folder (rejected) and a Word document (rejected): six districts to map
# process_batch over (in four batches, REKAP_INGEST_TASKS' default), so both Celery workers get work.
REPORTING = (("3601", 5), ("3603", 3), ("3604", 5), ("3671", 3))
EXPECTED_SUBMISSIONS = sorted(
    [(code, "accepted_with_issues") for code, _ in REPORTING for _month in (1, 2)]
    + [("3602", "rejected"), ("3672", "rejected")]
)


def make_drive(root: Path) -> None:
    """Like tests/test_dags_end_to_end.py's drive, for more districts."""
    set_up_drive(root)
    for code, members in REPORTING:
        drop_two_months(root, code, members)
    write_report(root / "inbox/3602/salah.xlsx", district="3604", pleno=[pleno_row(1, date(2026, 1, 5))])
    (root / "inbox/3672/catatan.docx").write_bytes(b"PK\x03\x04 not a workbook")


def _admin_engine():
    url = make_url(POSTGRES_URL).set(database="postgres")
    return create_engine(url, isolation_level="AUTOCOMMIT")


def missing_services() -> list[str]:
    """The local services this stack needs that are not reachable (empty: all there)."""
    missing = []
    try:
        engine = _admin_engine()
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:
        missing.append(f"PostgreSQL at {POSTGRES_URL} ({exc.__class__.__name__})")
    try:
        import redis

        redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=0, socket_timeout=5).ping()
    except Exception as exc:
        missing.append(f"Redis at {REDIS_HOST}:{REDIS_PORT} ({exc.__class__.__name__})")
    return missing


def _redis(db: int):
    import redis

    return redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=db, socket_timeout=10)


def _clear_redis_db(client, keep: tuple[str, ...] = ()) -> None:
    for key in client.scan_iter(count=500):
        if key.decode() not in keep:
            client.delete(key)


def claim_redis_db(token: str) -> int:
    """A Redis database for this stack's broker, locked for an hour (released by stop())."""
    for db in REDIS_DBS:
        client = _redis(db)
        try:
            if client.dbsize() and not client.exists(REDIS_MARK):
                continue  # somebody else's data
            if client.set(REDIS_LOCK, token, nx=True, ex=3600):
                _clear_redis_db(client, keep=(REDIS_LOCK,))  # leftovers of a killed run
                client.set(REDIS_MARK, "1")
                return db
        finally:
            client.close()
    raise RuntimeError(f"no free Redis database among {list(REDIS_DBS)} for the test broker")


def release_redis_db(db: int, token: str) -> None:
    client = _redis(db)
    try:
        if (client.get(REDIS_LOCK) or b"").decode() == token:
            _clear_redis_db(client, keep=(REDIS_LOCK,))
            client.delete(REDIS_LOCK)
    finally:
        client.close()


@dataclass
class AirflowStack:
    base: Path
    province: str = "36"  # REKAP_PROVINCE of every process
    drive_maker: Callable[[Path], None] = field(default=lambda root: make_drive(root))
    extra_env: dict[str, str] = field(default_factory=dict)  # further REKAP_* settings
    password: str = field(default_factory=lambda: secrets.token_urlsafe(12))
    processes: list[AirflowProcess] = field(default_factory=list)
    databases: list[str] = field(default_factory=list)
    redis_db: int | None = None
    worker_hostnames: dict[str, str] = field(default_factory=dict)
    runs: dict[str, str] = field(default_factory=dict)  # what a test triggered, for the next ones
    _token: str | None = None

    def __post_init__(self) -> None:
        self.home = self.base / "airflow-home"
        self.logs = self.base / "logs"
        self.drive = self.base / "drive"
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        suffix = uuid.uuid4().hex[:10]
        self.meta_db = f"rekap_af_meta_{suffix}"
        self.warehouse_db = f"rekap_af_wh_{suffix}"
        pg = make_url(POSTGRES_URL)
        self.meta_url = pg.set(database=self.meta_db).render_as_string(hide_password=False)
        self.warehouse_url = pg.set(database=self.warehouse_db).render_as_string(hide_password=False)
        self.http = httpx.Client(base_url=self.base_url, timeout=60)

    # --- lifecycle ---------------------------------------------------------------------------

    def env(self) -> dict[str, str]:
        backend = make_url(self.meta_url).set(drivername="postgresql+psycopg")
        extra = {
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": backend.render_as_string(hide_password=False),
            # psycopg 3 for Airflow's async engine too (its default would be asyncpg)
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC": backend.set(
                drivername="postgresql+psycopg_async"
            ).render_as_string(hide_password=False),
            "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
            "AIRFLOW__CELERY__BROKER_URL": f"redis://{REDIS_HOST}:{REDIS_PORT}/{self.redis_db}",
            "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + backend.render_as_string(hide_password=False),
            "AIRFLOW__CELERY__WORKER_CONCURRENCY": "2",
            **api_server_env(self.port),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",  # the test unpauses them
            "AIRFLOW__CORE__HOSTNAME_CALLABLE": "airflow_hostname.hostname_from_env",
            # the hostname callable is a test helper (tests/airflow_hostname.py), not runtime code
            "PYTHONPATH": os.pathsep.join(p for p in (str(TESTS_DIR), os.environ.get("PYTHONPATH")) if p),
            "AIRFLOW__API__EXPOSE_CONFIG": "False",
            # two cores: parse the two DAG files once, not every 30 seconds
            "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "600",
            "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES": "1",
            "AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME": "1",
            "REKAP_SHARED_ROOT": str(self.drive),
            "REKAP_WAREHOUSE_URL": self.warehouse_url,
            "REKAP_PROVINCE": self.province,
            "REKAP_STABLE_SECONDS": "0",
            "REKAP_RECEIVED_AT_SOURCE": "mtime",
            "REKAP_TASK_RETRIES": "0",  # a failure shows at once instead of after retry delays
            # the real scheduler handles deadline alerts (only `dags test` cannot): keep it on
            "REKAP_CONSOLIDATION_DEADLINE_HOURS": "2",
            # A cron that does not come round before 2028 (29 February): unpausing the DAG must
            # not start a scheduled run that takes the drive's files before the test's run.
            "REKAP_INGEST_SCHEDULE": "0 6 29 2 *",
        }
        extra.update(self.extra_env)
        extra.update(secrets_env())
        extra.update(simple_auth_env(self.home, {ADMIN_USER: self.password}))
        return airflow_env(self.home, extra)

    def start(self) -> None:
        self.redis_db = claim_redis_db(self.meta_db)
        env = self.env()
        admin = _admin_engine()
        with admin.connect() as conn:
            for name in (self.meta_db, self.warehouse_db):
                conn.execute(text(f'CREATE DATABASE "{name}"'))
                self.databases.append(name)
        admin.dispose()
        self.drive_maker(self.drive)
        upgrade(self.warehouse_url)  # the set-up step (`rekap db upgrade`), as the compose init runs it
        migrate(env, self.logs / "db-migrate.log")

        def start(name: str, args: list[str], extra: dict[str, str] | None = None) -> None:
            self.processes.append(
                AirflowProcess(name, args, {**env, **(extra or {})}, self.logs / f"{name}.log")
            )

        start("api-server", ["api-server", "--host", "127.0.0.1", "--port", str(self.port), "--workers", "1"])
        start("scheduler", ["scheduler"])
        start("dag-processor", ["dag-processor"])
        host = socket.gethostname()
        for worker in WORKERS:
            name = f"{worker}@{host}"
            self.worker_hostnames[worker] = name
            start(
                f"celery-{worker}",
                ["celery", "worker", "-H", f"{worker}@%h", "--concurrency", "2", "-q", "default"],
                {
                    "REKAP_AIRFLOW_HOSTNAME": name,  # what its task instances report as hostname
                    "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
                },
            )
        wait_for_health(
            self.base_url,
            self.processes,
            timeout=240,
            components=("metadatabase", "scheduler", "dag_processor"),
        )
        self.wait_for_dags(DAG_IDS, timeout=180)
        self.wait_for_workers(timeout=120)

    def stop(self) -> None:
        """Every process it started, then its databases and its Redis database."""
        try:
            stop_all(self.processes)
            self.http.close()
        finally:
            try:
                admin = _admin_engine()
                with admin.connect() as conn:
                    for name in self.databases:
                        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin.dispose()
            finally:
                if self.redis_db is not None:
                    release_redis_db(self.redis_db, self.meta_db)

    def diagnostics(self, chars: int = 3000) -> str:
        parts = []
        for process in self.processes:
            state = "running" if process.running() else f"exited {process.popen.returncode}"
            parts.append(
                f"===== airflow {process.name} ({state}), {process.log_path} =====\n{process.tail(chars)}"
            )
        return "\n".join(parts)

    # --- the REST API ------------------------------------------------------------------------

    def token(self) -> str:
        if self._token is None:
            resp = self.http.post("/auth/token", json={"username": ADMIN_USER, "password": self.password})
            assert resp.status_code in (200, 201), f"POST /auth/token: {resp.status_code} {resp.text}"
            self._token = resp.json()["access_token"]
        return self._token

    def api(self, method: str, path: str, **kwargs) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token()}"}
        return self.http.request(method, f"/api/v2{path}", headers=headers, **kwargs)

    def api_json(self, method: str, path: str, **kwargs) -> dict:
        resp = self.api(method, path, **kwargs)
        assert resp.is_success, f"{method} /api/v2{path}: {resp.status_code} {resp.text}"
        return resp.json()

    def wait_for_dags(self, dag_ids, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        missing = list(dag_ids)
        while time.monotonic() < deadline:
            missing = [d for d in dag_ids if self.api("GET", f"/dags/{d}").status_code != 200]
            if not missing:
                return
            self._check_alive()
            time.sleep(3)
        raise TimeoutError(f"DAGs {missing} not parsed after {timeout:.0f}s\n{self.diagnostics()}")

    def wait_for_workers(self, timeout: float) -> None:
        """Both Celery workers are connected to the broker and ready for tasks."""
        deadline = time.monotonic() + timeout
        ready: set[str] = set()
        while time.monotonic() < deadline:
            # celery logs "<node name> ready." once it consumes from the broker
            ready = {w for w in WORKERS if " ready." in self._process(f"celery-{w}").tail(200_000)}
            if ready == set(WORKERS):
                return
            self._check_alive()
            time.sleep(2)
        raise TimeoutError(f"Celery workers ready: {sorted(ready)} of {WORKERS}\n{self.diagnostics()}")

    def _process(self, name: str) -> AirflowProcess:
        return next(p for p in self.processes if p.name == name)

    def _check_alive(self) -> None:
        dead = [p for p in self.processes if not p.running()]
        if dead:
            raise RuntimeError(
                f"airflow {', '.join(p.name for p in dead)} exited early\n{self.diagnostics()}"
            )

    def unpause(self, dag_id: str) -> None:
        body = self.api_json("PATCH", f"/dags/{dag_id}", json={"is_paused": False})
        assert body["is_paused"] is False

    def trigger(self, dag_id: str, conf: dict | None = None) -> str:
        body = self.api_json(
            "POST", f"/dags/{dag_id}/dagRuns", json={"logical_date": None, "conf": conf or {}}
        )
        return body["dag_run_id"]

    def wait_for_run(self, dag_id: str, run_id: str, timeout: float = 300) -> dict:
        """Poll the run until it finishes; a failed or timed-out run fails with its task logs."""
        deadline = time.monotonic() + timeout
        run: dict = {}
        while time.monotonic() < deadline:
            run = self.api_json("GET", f"/dags/{dag_id}/dagRuns/{run_id}")
            if run["state"] == "success":
                return run
            if run["state"] == "failed":
                break
            self._check_alive()
            time.sleep(3)
        states = [
            (ti["task_id"], ti["map_index"], ti["state"], ti.get("hostname"))
            for ti in self.task_instances(dag_id, run_id)
        ]
        raise AssertionError(
            f"{dag_id} run {run_id} is {run.get('state')!r} after waiting (timeout {timeout:.0f}s)\n"
            f"task instances: {states}\n{self.task_logs(dag_id, run_id)}\n{self.diagnostics()}"
        )

    def task_instances(self, dag_id: str, run_id: str) -> list[dict]:
        body = self.api_json("GET", f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances", params={"limit": 100})
        return body["task_instances"]

    def task_logs(self, dag_id: str, run_id: str, chars: int = 3000) -> str:
        """The task log files of a run (tails), as the workers wrote them."""
        folder = self.home / "logs" / f"dag_id={dag_id}" / f"run_id={run_id}"
        parts = []
        for path in sorted(folder.rglob("*.log")):
            parts.append(
                f"----- {path.relative_to(folder)} -----\n{path.read_text(errors='replace')[-chars:]}"
            )
        return "\n".join(parts) or f"(no task logs under {folder})"

    def task_log(self, dag_id: str, run_id: str, task_id: str) -> str:
        """The whole log file(s) of one task of a run (every map index and attempt)."""
        folder = self.home / "logs" / f"dag_id={dag_id}" / f"run_id={run_id}" / f"task_id={task_id}"
        return "\n".join(p.read_text(errors="replace") for p in sorted(folder.rglob("*.log")))


def unavailable(reason: str) -> None:
    """In CI (CI=true) a missing service is a failure, elsewhere a skip that says why."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI must run the distributed tests)")
    pytest.skip(reason)


def report_to_terminal(request, title: str, body: str) -> None:
    """Straight to the terminal: fixture teardown output is otherwise captured away."""
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(f"\n{'=' * 20} {title} {'=' * 20}\n{body}")


def running_stack(base: Path, request, **options) -> Iterator[AirflowStack]:
    """A started stack for a module's tests (``options``: AirflowStack's fields), its process
    logs shown when a test of the module failed, stopped and cleaned up afterwards."""
    missing = missing_services()
    if missing:
        unavailable(f"not reachable: {', '.join(missing)}")
    stack = AirflowStack(base, **options)
    failed_before = request.session.testsfailed
    started = time.monotonic()
    try:
        stack.start()
    except BaseException:
        report_to_terminal(request, "Airflow stack did not start: process logs", stack.diagnostics())
        stack.stop()
        raise
    print(f"Airflow stack up in {time.monotonic() - started:.0f}s at {stack.base_url}")
    yield stack
    if request.session.testsfailed > failed_before:
        report_to_terminal(request, "Airflow process logs (tails)", stack.diagnostics())
    stack.stop()


def finish(process, timeout: float = 600) -> str:
    """Wait for a ``dags test`` process (rekap.dev.airflow_local.AirflowProcess) to end; its log."""
    deadline = time.monotonic() + timeout
    while process.running() and time.monotonic() < deadline:
        time.sleep(2)
    assert not process.running(), f"{process.name} still running:\n{process.tail()}"
    process.stop()
    return process.log_path.read_text(errors="replace")
