"""The two ways to install the series (pip and conda) ask for exactly the same packages."""

from __future__ import annotations

import re
from importlib.metadata import version

import yaml

from shared.paths import PROJECT_ROOT

PIN = re.compile(r"^(?P<name>[A-Za-z0-9_.-]+)(?P<extras>\[[^\]]+\])?==(?P<version>[^\s;]+)$")


def _pins(lines: list[str]) -> dict[str, str]:
    pins = {}
    for line in lines:
        line = line.strip()
        if not line or line.startswith("#") or line == "-e .":
            continue
        match = PIN.match(line)
        assert match, f"not an exact pin: {line!r}"
        pins[match["name"].lower()] = match["version"]
    return pins


def _requirements() -> dict[str, str]:
    return _pins((PROJECT_ROOT / "requirements.txt").read_text().splitlines())


def test_every_requirement_is_pinned_exactly():
    assert len(_requirements()) >= 20


def test_environment_yml_mirrors_requirements_txt():
    environment = yaml.safe_load((PROJECT_ROOT / "environment.yml").read_text())
    conda = [entry for entry in environment["dependencies"] if isinstance(entry, str)]
    pip_section = next(entry["pip"] for entry in environment["dependencies"] if isinstance(entry, dict))
    assert "python=3.11" in conda
    assert "-e ." in pip_section
    assert _pins(pip_section) == _requirements()


def test_the_installed_packages_are_the_pinned_ones():
    mismatched = {name: (pin, version(name)) for name, pin in _requirements().items() if version(name) != pin}
    assert not mismatched, f"installed versions differ from requirements.txt: {mismatched}"
