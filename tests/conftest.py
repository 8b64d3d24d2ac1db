"""Fixtures shared by the test suite."""

from __future__ import annotations

import fcntl
import functools
import os
import shutil
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


def run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This run's temporary folder, shared by its parallel workers (pytest-xdist gives each a folder below it)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@pytest.fixture(autouse=True)
def language_restored() -> Iterator[None]:
    """Each test starts in the language the previous one started in: ``set_language`` changes this process
    and exports ``$SHIPPING_MODELS_LANGUAGE`` to the programs it starts, so a test that switches to pt-BR
    must not leave the next test of its worker (which one that is varies with the parallel run) in pt-BR."""
    from shared import i18n

    before, exported = i18n._current, os.environ.get(i18n.LANGUAGE_ENV)
    yield
    i18n._current = before
    if exported is None:
        os.environ.pop(i18n.LANGUAGE_ENV, None)
    else:
        os.environ[i18n.LANGUAGE_ENV] = exported


@pytest.fixture(scope="session", autouse=True)
def each_model_trained_once_per_run(tmp_path_factory) -> Iterator[None]:
    """Parallel workers train each model spec once per run between them, not once each.

    ``ensure_model`` trains through ``shared.model._fitted``, which keeps one fitted pipeline per spec in
    its process. Under pytest-xdist that is wrapped: the first worker to need a spec trains it and saves
    the fitted pipeline in the run's folder; the others wait for it, then load it.
    """
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        yield
        return
    import joblib

    from shared import model

    folder = run_folder(tmp_path_factory) / "fitted-pipelines"
    folder.mkdir(exist_ok=True)
    train_here = model._fitted

    @functools.lru_cache(maxsize=4)
    def fitted(spec: str, data_sha256: str, sklearn_version: str):
        saved = folder / f"{spec}-{data_sha256[:16]}-sklearn-{sklearn_version}.joblib"
        with open(saved.with_suffix(".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if saved.exists():
                return joblib.load(saved)
            pipeline = train_here(spec, data_sha256, sklearn_version)
            joblib.dump(pipeline, saved.with_suffix(".partial"))
            os.replace(saved.with_suffix(".partial"), saved)  # a worker killed halfway leaves no half file
            return pipeline

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(model, "_fitted", fitted)
        yield


@pytest.fixture(scope="session")
def trained_registry(tmp_path_factory) -> Registry:
    """A temporary registry holding the reference model as version 1 (``production``); tests only read it.

    The parallel workers of one run share it: ``ensure_model`` locks the registry, so the first worker
    trains and saves the model and the others wait, then read it.
    """
    registry = Registry(run_folder(tmp_path_factory) / "trained-registry")
    ensure_model("reference", registry, verbose=False)
    return registry


@pytest.fixture(scope="session")
def two_version_registry(tmp_path_factory) -> Registry:
    """The API tests' registry (``api_support.build_registry``), built once per run: copy it before use.

    A module gets its own copy (``two_version_registry.copy_to(...)``) to move aliases in. The parallel
    workers share this one: the first builds it under a lock, the others wait, then copy it.
    """
    from api_support import build_registry

    folder = run_folder(tmp_path_factory)
    root, built = folder / "two-version-registry", folder / "two-version-registry.built"
    with open(folder / "two-version-registry.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not built.exists():
            shutil.rmtree(root, ignore_errors=True)  # what a worker that failed halfway left
            build_registry(root)
            built.touch()
    return Registry(root)


@pytest.fixture(scope="module")
def app_registry(tmp_path_factory) -> Iterator[Registry]:
    """A module's registry for the apps, holding the reference model (version 1, ``production``).

    The apps find it through ``$SHIPPING_MODELS_HOME``, set for the module (with no language exported).
    """
    from shared.i18n import LANGUAGE_ENV

    root = tmp_path_factory.mktemp("app-registry")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SHIPPING_MODELS_HOME", str(root))
        patch.delenv(LANGUAGE_ENV, raising=False)
        ensure_model("reference", Registry(root), verbose=False)
        yield Registry(root)


@pytest.fixture
def restart(app_registry: Registry) -> Iterator[None]:
    """A new app process, as far as Streamlit's caches go: nothing loaded yet."""
    import streamlit as st

    st.cache_resource.clear()
    yield
    st.cache_resource.clear()


@pytest.fixture
def weather_in_production(app_registry: Registry):
    """Model version 2 (weather) promoted to production in ``app_registry``; put back afterwards."""
    entry = ensure_model("weather", app_registry, verbose=False)
    before = app_registry.resolve("production")
    app_registry.set_alias("production", entry.version)
    yield entry
    app_registry.set_alias("production", before)


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
