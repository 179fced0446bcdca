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
