"""Shared fixtures. Tests never read ../shared at run time: the registry is the shipped copy."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from rekap.registry import load_registry


@pytest.fixture(scope="session")
def registry():
    return load_registry()


@pytest.fixture(scope="session")
def banten(registry):
    return registry.for_province("36")


@pytest.fixture
def now():
    """A fixed "now" after the demo months, so tests do not depend on the calendar."""
    return datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


# --- warehouses: the same tests run on SQLite and on the real PostgreSQL ------------------

import os  # noqa: E402
import uuid  # noqa: E402

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

POSTGRES_URL = os.environ.get("REKAP_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _postgres_admin():
    url = make_url(POSTGRES_URL).set(database="postgres")
    return create_engine(url, isolation_level="AUTOCOMMIT")


def postgres_available() -> bool:
    try:
        with _postgres_admin().connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except Exception:
        return False


@pytest.fixture
def postgres_url():
    """A fresh database on the real PostgreSQL for one test, dropped afterwards. In CI
    (CI=true) an unreachable PostgreSQL fails the test instead of skipping it."""
    if not postgres_available():
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL at {POSTGRES_URL} is not reachable (CI must run the PostgreSQL tests)")
        pytest.skip(f"PostgreSQL at {POSTGRES_URL} is not reachable")
    name = f"rekap_t_{uuid.uuid4().hex[:12]}"
    admin = _postgres_admin()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    yield url
    from rekap.warehouse import engine_for

    engine_for(url).dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def upgraded(url: str) -> str:
    """The set-up step (`rekap db upgrade`): only it creates a warehouse, so every test that
    ingests or consolidates starts from one."""
    from rekap.warehouse import upgrade

    upgrade(url)
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_warehouse_url(request, tmp_path):
    """A SQLite file (not yet created) or an empty PostgreSQL database: for tests of the
    migrations themselves."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'warehouse.sqlite'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def warehouse_url(empty_warehouse_url):
    """Each test using this runs twice: on a SQLite file and on a PostgreSQL database, both
    created and migrated as `rekap db upgrade` does."""
    return upgraded(empty_warehouse_url)


@pytest.fixture
def sqlite_warehouse(tmp_path):
    """An upgraded SQLite warehouse in the test's folder."""
    return upgraded(f"sqlite:///{tmp_path / 'w.sqlite'}")


# --- a real SMTP server (aiosmtpd) as Airflow's smtp_default connection -------------------------

import contextlib  # noqa: E402
import email  # noqa: E402
import socket  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from email import policy  # noqa: E402

from aiosmtpd.controller import Controller  # noqa: E402


class Inbox:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 OK"


@contextlib.contextmanager
def running_smtp() -> Iterator[tuple[Inbox, str]]:
    """A real SMTP server on a free port: its inbox, and Airflow's connection URI for it (the
    form an operator sets as AIRFLOW_CONN_SMTP_DEFAULT)."""
    inbox = Inbox()
    with socket.socket() as probe:  # a free port: aiosmtpd's start-up check cannot use port 0
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield (
            inbox,
            f"smtp://127.0.0.1:{port}?disable_ssl=true&disable_tls=true&from_email=rekap%40bawaslu.local",
        )
    finally:
        controller.stop()


@pytest.fixture
def smtp_server(monkeypatch):
    with running_smtp() as (inbox, uri):
        monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", uri)
        yield inbox
