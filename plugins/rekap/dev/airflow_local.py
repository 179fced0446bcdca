"""Running the real DAGs on this machine: an AIRFLOW_HOME of its own, SQLite metadata.

Used by ``rekap demo``, ``make airflow`` and the DAG tests, so all three run Airflow the
same way: the project's dags/ and plugins/ folders, no example DAGs, settings as env.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[3]  # plugins/rekap/dev/airflow_local.py


def airflow_env(home: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    home.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(PROJECT_ROOT / "plugins"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
            "GX_ANALYTICS_ENABLED": "False",
            "PYTHONWARNINGS": "ignore::DeprecationWarning",
            # Airflow 3.3.2's `dags test` crashes after a successful run of a DAG that has a
            # deadline alert (DagRun.update_state looks the alerts up with the serialized dicts
            # instead of their ids); the scheduler path is fine. Runs through `dags test`
            # (demo, DAG tests) therefore leave the consolidation's deadline alert off.
            "REKAP_CONSOLIDATION_DEADLINE_HOURS": "0",
        }
    )
    env.update(extra or {})
    return env


def airflow_bin() -> str:
    return str(Path(sys.executable).with_name("airflow"))


def run_airflow(
    args: list[str],
    env: dict[str, str],
    log_path: Path | None = None,
    timeout: float = 900,
    new_session: bool = False,
) -> subprocess.CompletedProcess:
    """``airflow <args>``; output goes to ``log_path`` when given (it is long). ``new_session``:
    the terminal's Ctrl-C reaches only the caller, which ends it (no traceback of the child's)."""
    if log_path is not None:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with log_path.open("a") as fh:
            fh.write(f"\n$ airflow {' '.join(args)}\n")
            fh.flush()
            return subprocess.run(
                [airflow_bin(), *args],
                env=env,
                stdout=fh,
                stderr=subprocess.STDOUT,
                timeout=timeout,
                check=False,
                start_new_session=new_session,
            )
    return subprocess.run(
        [airflow_bin(), *args], env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def migrate(env: dict[str, str], log_path: Path | None = None, new_session: bool = False) -> None:
    result = run_airflow(["db", "migrate"], env, log_path, new_session=new_session)
    if result.returncode != 0:
        raise RuntimeError(f"airflow db migrate failed (see {log_path or result.stderr[-2000:]})")


# --- long-running Airflow processes (``make airflow`` and the distributed tests) ----------------


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def api_server_env(port: int) -> dict[str, str]:
    """One API server on 127.0.0.1:``port``, which the tasks call back (the execution API),
    and free ports for the worker's and the triggerer's log servers: what every local stack
    (``make airflow``, the bench, the test stacks) sets."""
    return {
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API__WORKERS": "1",
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
        "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
    }


def simple_auth_env(home: Path, users: dict[str, str]) -> dict[str, str]:
    """Settings of Airflow's simple auth manager with known admin logins: ``users`` maps a
    user name to its password (written to the passwords file the auth manager reads)."""
    import json

    passwords = home / "simple_auth_manager_passwords.json"
    home.mkdir(parents=True, exist_ok=True)
    passwords.write_text(json.dumps(users) + "\n")
    passwords.chmod(0o600)
    return {
        "AIRFLOW__CORE__AUTH_MANAGER": (
            "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager"
        ),
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": ",".join(f"{user}:admin" for user in users),
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords),
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "False",
    }


def secrets_env() -> dict[str, str]:
    """Fresh secrets every Airflow process of one deployment must share."""
    import secrets

    from cryptography.fernet import Fernet

    return {
        "AIRFLOW__CORE__FERNET_KEY": Fernet.generate_key().decode(),
        "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
        "AIRFLOW__API__SECRET_KEY": secrets.token_urlsafe(32),
    }


class AirflowProcess:
    """One ``airflow <args>`` process in a session of its own, its output in ``log_path``."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], log_path: Path) -> None:
        self.name = name
        self.args = args
        self.log_path = log_path
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = log_path.open("ab")
        self.popen = subprocess.Popen(
            [airflow_bin(), *args],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stop() reaches its children too
        )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def running(self) -> bool:
        return self.popen.poll() is None

    def stop(self, timeout: float = 30) -> None:
        """SIGTERM to the process group, then SIGKILL to whatever is left after ``timeout``."""
        import contextlib
        import signal

        if self.running():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.popen.wait(timeout=timeout)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.popen.pid, signal.SIGKILL)  # the leader may be gone, its children not
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout=10)
        self._log.close()

    def tail(self, chars: int = 4000) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError as exc:
            return f"(no log: {exc})"
        return text[-chars:]


def stop_all(processes: list[AirflowProcess], timeout: float = 30) -> None:
    """Stop processes in reverse start order (workers before the API server they talk to)."""
    for process in reversed(processes):
        process.stop(timeout)


def wait_for_health(
    base_url: str, processes: list[AirflowProcess] = (), timeout: float = 180, components=("metadatabase",)
) -> dict:
    """Poll ``/api/v2/monitor/health`` until the API server answers and ``components`` are
    healthy; fail early when one of ``processes`` died."""
    import json
    import time
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + timeout
    last = "no answer yet"
    while time.monotonic() < deadline:
        for process in processes:
            if not process.running():
                raise RuntimeError(
                    f"airflow {process.name} exited with {process.popen.returncode}:\n{process.tail()}"
                )
        try:
            with urllib.request.urlopen(f"{base_url}/api/v2/monitor/health", timeout=10) as resp:
                health = json.loads(resp.read())
            if all(health.get(c, {}).get("status") == "healthy" for c in components):
                return health
            last = json.dumps(health)
        except (OSError, urllib.error.URLError, ValueError) as exc:
            last = str(exc)
        time.sleep(2)
    raise TimeoutError(f"Airflow at {base_url} not healthy after {timeout:.0f}s: {last}")


# --- Required Actions (human-in-the-loop) through the REST API -------------------------------------


def api_token(base_url: str, user: str, password: str) -> str:
    """A JWT of the simple auth manager for ``user``."""
    import json
    import urllib.request

    request = urllib.request.Request(
        f"{base_url}/auth/token",
        data=json.dumps({"username": user, "password": password}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as resp:
        return json.loads(resp.read())["access_token"]


def _api(
    base_url: str, token: str, method: str, path: str, body: dict | None = None, timeout: float = 30
) -> dict:
    import json
    import urllib.request

    request = urllib.request.Request(
        f"{base_url}/api/v2{path}",
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method=method,
    )
    with urllib.request.urlopen(request, timeout=timeout) as resp:
        return json.loads(resp.read())


def wait_for_required_action(
    base_url: str, token: str, dag_id: str, timeout: float = 300, watch: AirflowProcess | None = None
) -> dict:
    """The first unanswered Required Action of ``dag_id`` (its HITL detail), once it exists;
    fails early when ``watch`` (e.g. the ``dags test`` process) ended without one."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            details = _api(base_url, token, "GET", f"/dags/{dag_id}/dagRuns/~/hitlDetails")["hitl_details"]
        except OSError:
            details = []
        waiting = [d for d in details if not d.get("response_received")]
        if waiting:
            return waiting[0]
        if watch is not None and not watch.running():
            raise RuntimeError(f"airflow {watch.name} ended without a Required Action:\n{watch.tail()}")
        time.sleep(2)
    raise TimeoutError(f"no Required Action of {dag_id} after {timeout:.0f}s")


def answer_required_action(
    base_url: str, token: str, detail: dict, option: str, params: dict | None = None
) -> dict:
    """Respond to a Required Action as the token's user, as the UI's Required Actions page does."""
    ti = detail["task_instance"]
    path = (
        f"/dags/{ti['dag_id']}/dagRuns/{ti['dag_run_id']}/taskInstances/{ti['task_id']}/{ti['map_index']}"
        "/hitlDetails"
    )
    return _api(base_url, token, "PATCH", path, {"chosen_options": [option], "params_input": params or {}})
