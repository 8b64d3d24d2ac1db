"""Run a program of the series as a real background process, and always stop it.

Used by notebooks, tests and benchmarks to start a Streamlit app, a uvicorn service or a worker on a
free loopback port::

    with BackgroundProcess(["streamlit", "run", "app.py", ...], health_url=...) as proc:
        ...  # the process answers; it is stopped on exit, even when the block fails
"""

from __future__ import annotations

import atexit
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple

from shared.paths import PROJECT_ROOT

_RUNNING: set[subprocess.Popen] = set()
_LOGS: set[Path] = set()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_http(url: str, timeout: float = 30.0, process: subprocess.Popen | None = None) -> float:
    """Poll ``url`` until it answers 200; return the seconds waited. Fails fast if ``process`` dies."""
    start = time.perf_counter()
    while True:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process exited with code {process.returncode} before {url} answered")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return time.perf_counter() - start
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.perf_counter() - start > timeout:
            raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")
        time.sleep(0.05)


def wait_until(condition: Callable[[], object], timeout: float, what: str) -> None:
    """Poll ``condition`` every 20 ms until it is true; ``TimeoutError(what)`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} (after {timeout:g} s)")
        time.sleep(0.02)


def python_command(*args: str) -> list[str]:
    """A command line that runs with this interpreter (the series' environment)."""
    return [sys.executable, *args]


class BackgroundProcess:
    """A child process in its own process group, stopped on ``stop()``, on ``with`` exit, and at exit.

    Its output goes to a log file (``log_path``), so a full pipe never blocks it and a failure can be read.
    ``stop()`` keeps what the process printed (``log()`` still answers) and deletes the file.
    """

    def __init__(
        self,
        command: Sequence[str],
        *,
        health_url: str | None = None,
        env: dict[str, str] | None = None,
        cwd: str | Path = PROJECT_ROOT,
        startup_timeout: float = 60.0,
    ) -> None:
        self.command = list(command)
        self.health_url = health_url
        self.env = {**os.environ, **(env or {})}
        self.cwd = Path(cwd)
        self.startup_timeout = startup_timeout
        self.process: subprocess.Popen | None = None
        self.startup_seconds: float | None = None
        handle, name = tempfile.mkstemp(prefix="shipping-models-", suffix=".log")
        os.close(handle)
        self.log_path = Path(name)
        self._final_log: str | None = None
        _LOGS.add(self.log_path)

    def start(self) -> BackgroundProcess:
        """Start the process and, with a ``health_url``, wait until it answers."""
        started = time.perf_counter()
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                self.command, cwd=self.cwd, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        _RUNNING.add(self.process)
        try:
            if self.health_url:
                wait_for_http(self.health_url, self.startup_timeout, self.process)
        except BaseException:
            self.stop()
            raise RuntimeError(f"{self.command[:3]} failed to start; its log:\n{self.log()}") from None
        self.startup_seconds = time.perf_counter() - started
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None, "not started"
        return self.process.pid

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log(self) -> str:
        """What the process printed so far (all of it, once stopped)."""
        if self._final_log is not None:
            return self._final_log
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self, timeout: float = 10.0) -> int | None:
        """SIGTERM the process group, SIGKILL it after ``timeout`` seconds; return the exit code."""
        if self.process is None:
            return None
        _stop(self.process, timeout)
        _RUNNING.discard(self.process)
        if self._final_log is None:
            self._final_log = self.log()
            _remove_log(self.log_path)
        return self.process.returncode

    def __enter__(self) -> BackgroundProcess:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def _stop(process: subprocess.Popen, timeout: float) -> None:
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        except ProcessLookupError:
            pass


def _remove_log(path: Path) -> None:
    path.unlink(missing_ok=True)
    _LOGS.discard(path)


@atexit.register
def _stop_all() -> None:
    for process in list(_RUNNING):
        _stop(process, 5.0)
    for path in list(_LOGS):
        _remove_log(path)


class Measured(NamedTuple):
    """A program run to completion: wall-clock seconds and its peak memory, two ways."""

    seconds: float
    peak_mb: float
    """The kernel's high-water mark of the program's resident memory (``VmHWM``): a peak between two
    samples is not missed, because the kernel keeps the maximum."""
    peak_pss_mb: float
    """The largest PSS of the whole process tree seen while sampling (shared pages divided, not summed)."""


def memory_mb(pid: int) -> float:
    """Memory of a process and its descendants as the OS accounts it: PSS (proportional set size), in MB.

    PSS divides each shared page among the processes that map it, so a server's workers, which share
    the interpreter and libraries, are not counted twice as summed RSS would.
    """
    import psutil

    root = psutil.Process(pid)
    total = 0
    for process in [root, *root.children(recursive=True)]:
        try:
            total += process.memory_full_info().pss
        except (psutil.NoSuchProcess, psutil.ZombieProcess):
            pass
    return total / 1e6


def peak_resident_mb(pid: int) -> float:
    """The kernel's high-water mark of a process's resident memory since it started its program, in MB.

    Read from ``/proc/<pid>/status`` (``VmHWM``, reset by ``exec``, so the parent's memory a child
    inherited before it became the program is not counted, as ``ru_maxrss`` would count it).
    """
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024 / 1e6
    raise OSError(f"no VmHWM for process {pid}")


def run_measured(command: Sequence[str], cwd: str | Path = PROJECT_ROOT, poll_seconds: float = 0.01) -> Measured:
    """Run ``command`` to completion; return its seconds, its peak resident memory and its peak PSS (MB).

    Both are read every ``poll_seconds`` while it runs; the kernel's high-water mark misses at most the
    growth of the last interval before the program exits.
    """
    import psutil

    started = time.perf_counter()
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(list(command), cwd=cwd, stdout=subprocess.DEVNULL, stderr=errors)
        peak = peak_pss = 0.0
        while process.poll() is None:
            try:
                peak = max(peak, peak_resident_mb(process.pid))
                peak_pss = max(peak_pss, memory_mb(process.pid))
            except (OSError, psutil.Error):  # the process ended between poll() and the sample
                pass
            time.sleep(poll_seconds)
        seconds = time.perf_counter() - started
        if process.returncode != 0:
            errors.seek(0)
            tail = errors.read().decode(errors="replace")[-2000:]
            raise RuntimeError(f"{list(command)} exited with {process.returncode}: {tail}")
    return Measured(seconds, peak, peak_pss)
