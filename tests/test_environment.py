"""Every way to install the series asks for the same packages: requirements.txt (the direct pins),
requirements-lock.txt (every package, with hashes), pyproject.toml (ranges) and environment.yml (conda)."""

from __future__ import annotations

import re
import sys
import tomllib
from importlib.metadata import version

import yaml
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from shared.paths import PROJECT_ROOT

PIN = re.compile(r"^(?P<name>[A-Za-z0-9_.-]+)(?P<extras>\[[^\]]+\])?==(?P<version>[^\s;]+)$")
LOCK_ENTRY = re.compile(r"^(?P<name>[A-Za-z0-9_.-]+)==(?P<version>[^\s;]+)(\s*;\s*(?P<marker>[^\\]+?))?\s*\\?$")
SUPPORTED = ("3.11", "3.12", "3.13")


def _pins(lines: list[str]) -> dict[str, str]:
    pins = {}
    for line in lines:
        line = line.strip()
        if not line or line.startswith("#") or line == "-e .":
            continue
        match = PIN.match(line)
        assert match, f"not an exact pin: {line!r}"
        pins[canonicalize_name(match["name"])] = match["version"]
    return pins


def _requirements() -> dict[str, str]:
    return _pins((PROJECT_ROOT / "requirements.txt").read_text().splitlines())


def _lock() -> list[tuple[str, str, str | None, int]]:
    """(name, version, marker, number of hashes) for every entry of the lock."""
    entries: list[list] = []
    for line in (PROJECT_ROOT / "requirements-lock.txt").read_text().splitlines():
        if match := LOCK_ENTRY.match(line):
            entries.append([canonicalize_name(match["name"]), match["version"], match["marker"], 0])
        elif line.strip().startswith("--hash=sha256:"):
            entries[-1][3] += 1
    return [tuple(entry) for entry in entries]


def _lock_for(python: str) -> dict[str, str]:
    """The lock's versions that apply to ``python`` ("3.12") on this platform."""
    environment = {"python_version": python, "python_full_version": f"{python}.0"}
    return {
        name: pinned for name, pinned, marker, _ in _lock() if marker is None or Marker(marker).evaluate(environment)
    }


def _pyproject() -> dict:
    return tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())


def test_every_requirement_is_pinned_exactly():
    assert len(_requirements()) >= 20


def test_environment_yml_mirrors_requirements_txt():
    environment = yaml.safe_load((PROJECT_ROOT / "environment.yml").read_text())
    conda = [entry for entry in environment["dependencies"] if isinstance(entry, str)]
    pip_section = next(entry["pip"] for entry in environment["dependencies"] if isinstance(entry, dict))
    assert "python>=3.11,<3.14" in conda
    assert "-e ." in pip_section
    assert _pins(pip_section) == _requirements()


def test_every_lock_entry_carries_hashes():
    entries = _lock()
    assert len(entries) > len(_requirements())
    assert [name for name, _, _, hashes in entries if hashes == 0] == []


def test_the_lock_pins_each_direct_requirement_at_its_version_on_every_python():
    for python in SUPPORTED:
        locked = _lock_for(python)
        differing = {name: (pin, locked.get(name)) for name, pin in _requirements().items() if locked.get(name) != pin}
        assert not differing, f"Python {python}: requirements.txt and the lock differ (run `make lock`): {differing}"


def test_pyproject_ranges_admit_the_pins_and_name_the_same_packages():
    project = _pyproject()["project"]
    declared = [Requirement(line) for line in project["dependencies"] + project["optional-dependencies"]["test"]]
    assert {canonicalize_name(requirement.name) for requirement in declared} == set(_requirements())
    refused = {
        r.name: str(r.specifier) for r in declared if _requirements()[canonicalize_name(r.name)] not in r.specifier
    }
    assert not refused, f"pyproject.toml's ranges refuse the pinned versions: {refused}"


def test_requires_python_admits_exactly_the_supported_versions():
    requires = SpecifierSet(_pyproject()["project"]["requires-python"])
    assert [python for python in ("3.10", *SUPPORTED, "3.14") if f"{python}.0" in requires] == list(SUPPORTED)
    assert f"{sys.version_info.major}.{sys.version_info.minor}" in SUPPORTED


def test_the_installed_packages_are_the_locked_ones_for_this_python():
    running = f"{sys.version_info.major}.{sys.version_info.minor}"
    environment = {"python_version": running, "python_full_version": ".".join(map(str, sys.version_info[:3]))}
    locked = {
        name: pinned for name, pinned, marker, _ in _lock() if marker is None or Marker(marker).evaluate(environment)
    }
    mismatched = {name: (pin, version(name)) for name, pin in locked.items() if version(name) != pin}
    assert not mismatched, f"installed versions differ from the lock for Python {running}: {mismatched}"
