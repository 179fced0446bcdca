"""``make airflow``: the real DAGs in a local Airflow with its UI, on the demo drive, until Ctrl-C.

Airflow's embedded default: SQLite metadata and the LocalExecutor, as four processes (API
server with the UI, scheduler, DAG processor, triggerer) sharing one AIRFLOW_HOME under
``data/airflow-demo/``. The demo shared drive (``rekap.dev.demo``) is generated there when
missing, the warehouse is a SQLite file beside it, and the login is the simple auth
manager's user ``admin`` with a password kept in the Airflow home (so it survives restarts).

    python -m rekap.dev.local_stack [--base DIR] [--port PORT]
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import socket
import sys
import time
from pathlib import Path

from rekap.dev.airflow_local import (
    PROJECT_ROOT,
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
from rekap.settings import local_airflow_port, parse_time_settings

DEFAULT_BASE = PROJECT_ROOT / "data" / "airflow-demo"
DEFAULT_PORT = 8080
ADMIN_USER = "admin"


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _kept_json(path: Path, make) -> dict:
    """The JSON in ``path``, or ``make()`` written there (owner-only) the first time."""
    if path.is_file():
        return json.loads(path.read_text())
    value = make()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=2) + "\n")
    path.chmod(0o600)
    return value


def prepare(base: Path, port: int, cores: int | None = None) -> tuple[dict[str, str], str]:
    """The demo drive (when missing), the Airflow environment and the admin password."""
    from rekap.dev.demo import DEMO_PROVINCE, generate_demo_drive
    from rekap.drive import init_drive
    from rekap.registry import load_registry

    cores = cores or os.cpu_count() or 2

    shared = base / "shared"
    if not shared.is_dir():
        made = generate_demo_drive(shared, load_registry())
        print(f"Demo shared drive generated: {shared} ({len(made)} files in inbox/)")
    else:
        # what `rekap drive init` does; a drive kept from before the marker existed gets it here
        init_drive(shared, [d.district_code for d in load_registry().in_province(DEMO_PROVINCE)])
        print(f"Demo shared drive: {shared}")
    home = base / "airflow"
    # kept across restarts: the login, and the keys that sign sessions and encrypt secrets
    password = _kept_json(home / "admin_login.json", lambda: {ADMIN_USER: secrets.token_urlsafe(12)})[
        ADMIN_USER
    ]
    keys = _kept_json(home / "secrets.json", secrets_env)
    base_url = f"http://127.0.0.1:{port}"
    zone = load_registry().province_timezone(DEMO_PROVINCE).key
    extra = {
        **api_server_env(port),
        "REKAP_SHARED_ROOT": str(shared),
        "REKAP_WAREHOUSE_URL": f"sqlite:///{base / 'warehouse.sqlite'}",
        "REKAP_PROVINCE": DEMO_PROVINCE,
        "REKAP_RECEIVED_AT_SOURCE": "mtime",  # the demo files' times say when they "arrived"
        "REKAP_STABLE_SECONDS": "0",
        # A 2-core machine: the LocalExecutor starts `parallelism` worker processes up front
        # (32 by default, ~4.5 GB idle); one per core, one parsing process.
        "AIRFLOW__CORE__PARALLELISM": str(cores),
        "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES": "1",
        # The province's zone for dates typed without one. Airflow 3.3's UI has no server-side
        # default zone: it shows the browser's (user menu, "Timezone"), WIB on an operator's PC.
        "AIRFLOW__CORE__DEFAULT_TIMEZONE": zone,
        # the scheduler runs deadline alerts fine; only `airflow dags test` cannot (airflow_env)
        "REKAP_CONSOLIDATION_DEADLINE_HOURS": f"{parse_time_settings().consolidation_deadline_hours:g}",
        "REKAP_UI_BASE_URL": base_url,  # failure e-mails link to the task's log here
        **keys,
        **simple_auth_env(home, {ADMIN_USER: password}),
    }
    return airflow_env(home, extra), password


def main(argv: list[str] | None = None) -> int:
    """Ctrl-C at any moment (while the drive is generated, the metadata DB migrated, or Airflow
    runs) ends with a line, never a KeyboardInterrupt traceback."""
    # Ctrl-C stops it even when started from a shell that made it ignore SIGINT
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        return _run(argv)
    except KeyboardInterrupt:
        print("\nStopped.", flush=True)
        return 130


def _run(argv: list[str] | None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m rekap.dev.local_stack",
        description="Local Airflow (SQLite, LocalExecutor) with the rekap DAGs on the demo drive.",
    )
    parser.add_argument(
        "--base", type=Path, default=DEFAULT_BASE, help=f"working folder (default {DEFAULT_BASE})"
    )
    parser.add_argument(
        "--port",
        type=int,
        default=local_airflow_port(DEFAULT_PORT),
        help=f"port of the UI/API (default REKAP_AIRFLOW_PORT or {DEFAULT_PORT}; a free one when taken)",
    )
    args = parser.parse_args(argv)
    base = args.base.resolve()
    port = args.port
    if not _port_is_free(port):
        port = free_port()
        print(f"Port {args.port} is taken: using {port}")
    env, password = prepare(base, port)
    logs = base / "logs"
    from rekap.warehouse import upgrade

    print(f"Preparing the warehouse ({env['REKAP_WAREHOUSE_URL']}: rekap db upgrade) ...")
    upgrade(env["REKAP_WAREHOUSE_URL"])  # the DAGs never create a warehouse: the set-up step does
    print(f"Preparing the Airflow metadata database (SQLite, {base / 'airflow' / 'airflow.db'}) ...")
    migrate(env, logs / "db-migrate.log", new_session=True)

    processes: list[AirflowProcess] = []

    def on_sigterm(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_sigterm)
    try:
        for name, airflow_args in (
            ("api-server", ["api-server", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"]),
            ("scheduler", ["scheduler"]),
            ("dag-processor", ["dag-processor"]),
            ("triggerer", ["triggerer"]),
        ):
            processes.append(AirflowProcess(name, airflow_args, env, logs / f"{name}.log"))
        url = f"http://127.0.0.1:{port}"
        print(f"Starting Airflow (logs in {logs}/) ...")
        wait_for_health(url, processes, timeout=300, components=("metadatabase", "scheduler"))
        print(
            f"\nAirflow is running: {url}\n"
            f"  login    : {ADMIN_USER} / {password}  (kept in {base / 'airflow' / 'admin_login.json'})\n"
            f"  view     : {url}/plugin/kelengkapan-laporan  (menu 'Laporan': Kelengkapan Laporan)\n"
            f"  DAGs     : ingest_district_reports, consolidate_bimonthly (unpaused)\n"
            f"  drive    : {base / 'shared'}\n"
            f"  warehouse: {env['REKAP_WAREHOUSE_URL']}\n"
            f"  logs     : {logs}/\n"
            "Press Ctrl-C to stop.",
            flush=True,
        )
        while True:
            for process in processes:
                if not process.running():
                    print(
                        f"airflow {process.name} exited ({process.popen.returncode}); see {process.log_path}:\n"
                        f"{process.tail(2000)}",
                        file=sys.stderr,
                    )
                    return 1
            time.sleep(1)
    except KeyboardInterrupt:
        print("\nStopping Airflow ...", flush=True)
        return 0
    except (RuntimeError, TimeoutError) as exc:
        print(f"Airflow did not start: {exc}", file=sys.stderr)
        return 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the cleanup short
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stop_all(processes)


if __name__ == "__main__":
    sys.exit(main())
