"""Fixtures shared by the test suite."""

from __future__ import annotations

import pytest

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
