"""Every command-line program: ``--help`` works, a bad argument gets argparse's message (exit 2, no
traceback), and on a fresh clone (an empty registry) a program says in one line what to do.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from shared.paths import PROJECT_ROOT

pytestmark = pytest.mark.slow  # starts a Python process per case


def tool_param(*args: str, name: str) -> object:
    """A case for ``tools/<name>``."""
    return pytest.param([f"tools/{name}", *args], id=name)


# the scripts of tools/ (tools/cli.py is the module they share, not a command)
TOOLS = sorted(path.name for path in (PROJECT_ROOT / "tools").glob("*.py") if "__main__" in path.read_text("utf-8"))

PROGRAMS = [
    ["-m", "architectures.api.service"],
    ["-m", "architectures.api.client"],
    ["-m", "architectures.api.load"],
    ["-m", "architectures.embedded.screenshot"],
    ["-m", "architectures.streaming.producer"],
    ["-m", "architectures.streaming.learner"],
    ["-m", "architectures.streaming.predictor"],
    ["-m", "architectures.batch.job"],
    ["-m", "architectures.batch.scheduler"],
    *[tool_param(name=name) for name in TOOLS],
]
BAD_ARGUMENTS = [
    pytest.param(["-m", "architectures.api.service", "--port", "eighty"], id="api.service"),
    pytest.param(["-m", "architectures.api.client", "not json"], id="api.client"),
    pytest.param(["-m", "architectures.api.load", "--seconds", "-1"], id="api.load"),
    pytest.param(["-m", "architectures.embedded.screenshot", "page.txt"], id="embedded.screenshot"),
    pytest.param(
        ["-m", "architectures.streaming.producer", "--log", "{tmp}/log.db", "--from", "notaday"],
        id="streaming.producer",
    ),
    pytest.param(
        ["-m", "architectures.streaming.learner", "--log", "ftp://nowhere", "--store", "{tmp}/store"],
        id="streaming.learner",
    ),
    pytest.param(
        ["-m", "architectures.streaming.predictor", "--log", "{tmp}/log.db", "--probe", "not json"],
        id="streaming.predictor",
    ),
    pytest.param(
        ["-m", "architectures.batch.job", "--date", "2013-13-45", "--out", "{tmp}/out"],
        id="batch.job",
    ),
    pytest.param(
        ["-m", "architectures.batch.scheduler", "--start", "2013-13-45", "--out", "{tmp}/out"],
        id="batch.scheduler",
    ),
    *[tool_param("--no-such-option", name=name) for name in TOOLS],
]
FIRST_RUN = [
    pytest.param(["-m", "architectures.api.service", "--port", "8000"], 3, id="api.service"),
    pytest.param(
        ["-m", "architectures.batch.job", "--date", "2013-07-01", "--out", "{tmp}/out"],
        None,
        id="batch.job",
    ),
]


def run(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    """``python <args>`` from the project root ({tmp} in an argument is a scratch folder); at most 60 s."""
    command = [sys.executable, *(arg.replace("{tmp}", str(tmp_path)) for arg in args)]
    environment = {**os.environ, **env}
    return subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60, env=environment)


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda program: program[-1].removeprefix("architectures."))
def test_help(program: list[str], tmp_path: Path) -> None:
    result = run([*program, "--help"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage:") and "Traceback" not in result.stderr


@pytest.mark.parametrize("args", BAD_ARGUMENTS)
def test_a_bad_argument_gets_a_message_not_a_traceback(args: list[str], tmp_path: Path) -> None:
    result = run(args, tmp_path)
    assert result.returncode == 2, result.stderr  # argparse's exit code for a usage error
    message = result.stderr.strip().splitlines()
    assert message and len(message) <= 6 and "Traceback" not in result.stderr, result.stderr


@pytest.mark.parametrize(("args", "code"), FIRST_RUN)
def test_a_fresh_clone_says_what_to_do(args: list[str], code: int | None, tmp_path: Path) -> None:
    """With an empty registry: one line naming notebook 00, a distinct exit code, no traceback."""
    result = run(args, tmp_path, SHIPPING_MODELS_HOME=str(tmp_path / "empty-registry"))
    assert result.returncode not in (0, 1, 2) and (code is None or result.returncode == code), result.stderr
    assert "Traceback" not in result.stderr and "notebook 00" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
