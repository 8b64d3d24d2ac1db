"""Fixtures shared by the test suite."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from types import ModuleType

import pytest
from tool_support import import_tool

from shared.data import load_flights, split_by_time
from shared.model import ensure_model
from shared.registry import Registry


@pytest.fixture(scope="session")
def flights():
    """The prepared table (read once per test session)."""
    return load_flights()


@pytest.fixture(scope="session")
def future(flights):
    """Flights after the training window."""
    return split_by_time(flights)[1]


@pytest.fixture(scope="session")
def trained_registry(tmp_path_factory) -> Registry:
    """A temporary registry holding the reference model as version 1 (``production``)."""
    registry = Registry(tmp_path_factory.mktemp("registry"))
    ensure_model("reference", registry, verbose=False)
    return registry


@pytest.fixture
def registry(tmp_path) -> Registry:
    """An empty temporary registry."""
    return Registry(tmp_path / "models")


@pytest.fixture(scope="session")
def load_tool() -> Callable[[str], ModuleType]:
    """Import a script from ``tools/`` (not a package) by name: ``load_tool("make_diagrams")``."""
    return import_tool


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A redis-server on a free port, without persistence, stopped after the session."""
    from architectures.streaming.apart import INSTALL_REDIS, REDIS_SERVER, throwaway_redis

    if REDIS_SERVER is None:
        pytest.skip(f"redis-server is not installed ({INSTALL_REDIS}): Redis backend not tested")
    with throwaway_redis() as url:
        yield url


@pytest.fixture(params=["sqlite", "redis"])
def log_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of a fresh, empty event log on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/log.db"
    return f"{request.getfixturevalue('redis_url')}?stream=test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def christmas_eve_flight() -> dict:
    """The flight the embedded app's tests enter in its form: JetBlue, JFK to Boston, 24 December 18:30."""
    return {
        "carrier": "B6",
        "origin": "JFK",
        "dest": "BOS",
        "sched_dep": datetime(2013, 12, 24, 18, 30),
        "distance": 187,
    }
