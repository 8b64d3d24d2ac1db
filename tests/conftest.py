"""Fixtures shared by the test suite."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

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


@pytest.fixture(scope="session")
def load_tool() -> Callable[[str], ModuleType]:
    """Import a script from ``tools/`` (not a package) by name: ``load_tool("make_diagrams")``."""

    def load(name: str) -> ModuleType:
        path = Path(__file__).resolve().parent.parent / "tools" / f"{name}.py"
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None, f"no tool {path}"
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    return load
