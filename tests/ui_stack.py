"""The cheapest real Airflow that serves the Kelengkapan Laporan view: one ``airflow api-server``
process (SQLite metadata, simple auth manager) over the demo drive, whose warehouse was filled
by the real intake and consolidation code (no scheduler needed: the view reads the warehouse)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from rekap.dev.airflow_local import (
    AirflowProcess,
    airflow_env,
    free_port,
    migrate,
    secrets_env,
    simple_auth_env,
    stop_all,
    wait_for_health,
)

ADMIN_USER = "admin"


def demo_warehouse(base: Path) -> dict[str, str]:
    """The demo drive (rekap.dev.demo) taken in and consolidated for 2026-B1; its REKAP_* settings."""
    from rekap.consolidation.consolidate import consolidate_period
    from rekap.dev.demo import DEMO_PROVINCE, generate_demo_drive
    from rekap.intake.flow import ingest
    from rekap.periods import parse_period
    from rekap.registry import load_registry
    from rekap.settings import Settings
    from rekap.warehouse import upgrade

    shared = base / "shared"
    generate_demo_drive(shared, load_registry())
    upgrade(f"sqlite:///{base / 'warehouse.sqlite'}")  # what `rekap db upgrade` does at set-up
    env = {
        "REKAP_SHARED_ROOT": str(shared),
        "REKAP_WAREHOUSE_URL": f"sqlite:///{base / 'warehouse.sqlite'}",
        "REKAP_PROVINCE": DEMO_PROVINCE,
        "REKAP_RECEIVED_AT_SOURCE": "mtime",
        "REKAP_STABLE_SECONDS": "0",
    }
    settings = Settings.from_mapping(env)
    ingest(settings)
    consolidate_period(settings, parse_period("2026-B1"))
    return env


@dataclass
class ApiServer:
    base: Path
    rekap_env: dict[str, str]
    password: str = field(default_factory=lambda: secrets.token_urlsafe(12))
    processes: list[AirflowProcess] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.home = self.base / "airflow-home"
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        env = airflow_env(
            self.home,
            {
                **self.rekap_env,
                **secrets_env(),
                **simple_auth_env(self.home, {ADMIN_USER: self.password}),
                "AIRFLOW__API__PORT": str(self.port),
                "AIRFLOW__API__HOST": "127.0.0.1",
                "AIRFLOW__API__WORKERS": "1",
                "AIRFLOW__API__EXPOSE_CONFIG": "False",
            },
        )
        migrate(env, self.base / "logs" / "db-migrate.log")
        self.processes.append(
            AirflowProcess(
                "api-server",
                ["api-server", "--host", "127.0.0.1", "--port", str(self.port), "--workers", "1"],
                env,
                self.base / "logs" / "api-server.log",
            )
        )
        wait_for_health(self.base_url, self.processes, timeout=240, components=("metadatabase",))

    def stop(self) -> None:
        stop_all(self.processes)

    def token(self) -> str:
        resp = httpx.post(
            f"{self.base_url}/auth/token",
            json={"username": ADMIN_USER, "password": self.password},
            timeout=60,
        )
        assert resp.status_code in (200, 201), f"POST /auth/token: {resp.status_code} {resp.text}"
        return resp.json()["access_token"]

    def log_tail(self, chars: int = 4000) -> str:
        return "\n".join(p.tail(chars) for p in self.processes)
