"""The notebooks' private registry: alias moves stay inside it, and it goes away at exit."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from shared import teaching
from shared.registry import Registry


@pytest.fixture
def private(trained_registry, monkeypatch):
    """A private copy of the session's trained registry; the variable is restored afterwards."""
    monkeypatch.delenv(teaching.HOME_VARIABLE, raising=False)
    monkeypatch.setattr(teaching.atexit, "register", lambda *args: None)  # cleaned up by the test itself
    registry = teaching.notebook_registry("reference", source=trained_registry)
    yield registry
    teaching._discard(registry.root, None)


def test_copy_holds_the_models_and_is_what_registry_finds(private, trained_registry):
    assert private.root != trained_registry.root
    assert private.versions() == trained_registry.versions()
    assert private.aliases() == trained_registry.aliases()
    assert os.environ[teaching.HOME_VARIABLE] == str(private.root)
    assert Registry().root == private.root  # what the programs a notebook starts will read


def test_moving_an_alias_in_the_copy_leaves_the_project_registry_alone(private, trained_registry):
    before = trained_registry.aliases()
    private.set_alias("staging", private.versions()[0])
    assert "staging" in private.aliases()
    assert trained_registry.aliases() == before


def test_discard_removes_the_copy_and_restores_the_variable(trained_registry, monkeypatch):
    monkeypatch.setenv(teaching.HOME_VARIABLE, "/somewhere/else")
    monkeypatch.setattr(teaching.atexit, "register", lambda *args: None)
    registry = teaching.notebook_registry(source=trained_registry)
    assert registry.root.is_dir()
    teaching._discard(registry.root, "/somewhere/else")
    assert not registry.root.exists()
    assert os.environ[teaching.HOME_VARIABLE] == "/somewhere/else"


@pytest.mark.parametrize(
    ("microseconds", "shown"),
    [
        (2.34, "2.3 µs"),
        (23.1, "23 µs"),
        (952.4, "952 µs"),
        (1_595.0, "1.6 ms"),
        (41_200.0, "41 ms"),
        (4_120_000.0, "4.1 s"),
    ],
)
def test_duration_picks_the_unit_a_reader_expects(microseconds, shown):
    assert teaching.duration(microseconds) == shown


def test_duration_refuses_a_negative_time():
    with pytest.raises(ValueError, match="negative"):
        teaching.duration(-1.0)


def test_a_copy_left_by_a_dead_process_is_removed_and_a_live_one_kept(tmp_path):
    dead = tmp_path / f"{teaching.SCRATCH_PREFIX}dead"
    alive = tmp_path / f"{teaching.SCRATCH_PREFIX}alive"
    foreign = tmp_path / f"{teaching.SCRATCH_PREFIX}foreign"
    for folder in (dead, alive, foreign):
        folder.mkdir()
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    (dead / teaching.OWNER_FILE).write_text(str(process.pid))
    (alive / teaching.OWNER_FILE).write_text(str(os.getpid()))

    assert teaching.remove_orphans(tmp_path) == [dead]
    assert not dead.exists() and alive.exists() and foreign.exists()
