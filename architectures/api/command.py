"""The one command line that starts the service (notebook 02, the tests and the benchmark all use it)."""

from __future__ import annotations

import sys

APP = "architectures.api.service:app"
DEFAULT_HOST = "127.0.0.1"
"""Loopback only: put a reverse proxy in front to serve other machines."""


def uvicorn_command(port: int, workers: int = 1, host: str = DEFAULT_HOST) -> list[str]:
    """``python -m uvicorn …`` for the service on ``host:port`` with ``workers`` processes (uvloop, httptools)."""
    command = [sys.executable, "-m", "uvicorn", APP, "--host", host, "--port", str(port)]
    command += ["--loop", "uvloop", "--http", "httptools", "--no-access-log"]
    if workers > 1:
        command += ["--workers", str(workers)]
    return command
