"""Helpers for the notebooks themselves: a private model registry, and prose rendered from values.

A notebook that moves an alias (promotes a model, rolls back) works on its own copy of the registry, so
an interrupted or killed notebook never changes what the other notebooks see:

    registry = notebook_registry("reference", "weather")   # a temporary copy; programs started later use it too
    ...
    registry.set_alias("production", 2)                       # only this notebook sees the move

The copy is removed when the kernel exits normally; a killed kernel leaves only a folder in the
system's temporary directory, never a moved alias in the project's ``models/``, and the next call
removes such leftovers (each copy records the process that made it).

``scratch_folder("streaming-")`` is the same promise for a notebook's own files: a temporary folder
removed at exit, and left over by a killed kernel only until the next run.

A sentence that quotes a measurement is rendered from the value, never typed:

    prose(f"One prediction took **{latency.p50_us:,.0f} µs** at the median.")

``duration`` writes a time in the unit a reader expects (µs, ms or s), so a sentence never says
"milliseconds" of a time that came out in microseconds on another machine.

``crowd`` runs several client processes against a service at once, each calling one request after
another, and reports the throughput and the latency percentiles they saw together:

    crowd("http://127.0.0.1:8000", "/v2/models/flight-delay/predict", body, processes=4, seconds=2)
"""

from __future__ import annotations

import atexit
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from shared.i18n import _, number

if TYPE_CHECKING:  # imported lazily: a client process of ``crowd`` imports this module, and needs no model
    from shared.registry import Registry

HOME_VARIABLE = "SHIPPING_MODELS_HOME"  # read by shared.paths.models_dir(), in this process and its children
SCRATCH_PREFIX = "shipping-models-registry-"
OWNER_FILE = ".owner-pid"


def notebook_registry(*specs: str, source: Registry | None = None) -> Registry:
    """A private, temporary copy of the project's registry holding (at least) the models ``specs``.

    Trains a missing spec once into the project's registry (``ensure_model``: later notebooks reuse it),
    copies that registry to a temporary folder, and points ``SHIPPING_MODELS_HOME`` at the copy so that
    ``Registry()`` and every program the notebook starts afterwards (app, service, job) read the copy.
    The copy starts with the project's aliases; the first spec is made ``production`` if none is set.
    """
    from shared.model import ensure_model
    from shared.registry import Registry

    source = source or Registry()
    entries = [ensure_model(spec, source, verbose=False) for spec in specs or ("reference",)]
    remove_orphans()
    scratch = Path(tempfile.mkdtemp(prefix=SCRATCH_PREFIX))
    registry = source.copy_to(scratch)
    (scratch / OWNER_FILE).write_text(str(os.getpid()))
    previous = os.environ.get(HOME_VARIABLE)
    os.environ[HOME_VARIABLE] = str(scratch)
    atexit.register(_discard, scratch, previous)
    if "production" not in registry.aliases():
        registry.set_alias("production", entries[0].version)
    return registry


def scratch_folder(prefix: str) -> Path:
    """A temporary folder for a notebook's files, removed when the kernel exits.

    A kernel killed before it could remove its folder leaves it behind; the next call with the same
    ``prefix`` removes such leftovers (each folder records the process that made it).
    """
    remove_orphans(prefix=prefix)
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    (folder / OWNER_FILE).write_text(str(os.getpid()))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def remove_orphans(temporary: Path | None = None, prefix: str = SCRATCH_PREFIX) -> list[Path]:
    """Remove private registries (or scratch folders of ``prefix``) left by processes that are gone."""
    import psutil

    removed = []
    for folder in Path(temporary or tempfile.gettempdir()).glob(f"{prefix}*"):
        try:
            owner = int((folder / OWNER_FILE).read_text())
        except (OSError, ValueError):
            continue  # not made by this helper, or still being made: leave it
        if not psutil.pid_exists(owner):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def prose(markdown: str, /, **values: Any) -> None:
    """Show a sentence built from computed values as formatted text, in the notebook's language.

    ``prose("The model answers in {p50}.", p50=duration(p50_us))``: the template is looked up in the
    translations (see ``shared.i18n``), then filled in with numbers written the language's way.
    """
    from IPython.display import Markdown, display

    display(Markdown(_(markdown, **values)))


def duration(microseconds: float) -> str:
    """A time in the unit that suits it: ``"23 µs"``, ``"952 µs"``, ``"1.6 ms"``, ``"41 ms"``, ``"4.1 s"``.

    Numbers are written the notebook's language's way (``"1,6 ms"`` in Portuguese).
    """
    if microseconds < 0:
        raise ValueError(f"a duration cannot be negative: {microseconds}")
    if microseconds < 1_000:
        return number(microseconds, ",.0f" if microseconds >= 10 else ".1f") + " µs"
    milliseconds = microseconds / 1_000
    if milliseconds < 1_000:
        return number(milliseconds, ".1f" if milliseconds < 10 else ",.0f") + " ms"
    seconds = milliseconds / 1_000
    return number(seconds, ".1f" if seconds < 100 else ",.0f") + " s"


@dataclass(frozen=True)
class Crowd:
    """What several client processes calling a service at once got from it."""

    processes: int
    requests: int
    """Answered with 200."""
    failed: int
    """Answered with another status, or not at all."""
    seconds: float
    p50_us: float
    p99_us: float

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds

    def __str__(self) -> str:
        return (
            f"{self.processes} client processes: {self.per_second:,.0f} req/s, p50 {duration(self.p50_us)}, "
            f"p99 {duration(self.p99_us)} ({self.requests:,} requests, {self.failed} failed, {self.seconds:.1f} s)"
        )


def crowd(url: str, path: str, body: bytes, *, processes: int = 4, seconds: float = 2.0) -> Crowd:
    """``processes`` client processes POST ``body`` to ``url + path`` at once for ``seconds``.

    Each process is one client application: one keep-alive connection, one request after another, each
    timed. They connect and send one unmeasured request first, then start together. Raises
    ``ConnectionError`` when a process cannot reach the service.
    """
    import numpy as np

    if processes < 1 or seconds <= 0:
        raise ValueError(f"need at least one process and a positive duration, got {processes} and {seconds}")
    command = [sys.executable, "-c", CLIENT_PROGRAM, url, path, str(seconds)]
    clients = [
        subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(processes)
    ]
    try:
        for client in clients:
            _tell(client, body.hex())
        errors = [error for error in (_hear(client) for client in clients) if error != "ready"]
        for client in clients:
            _tell(client, "stop" if errors else "go")  # every client is connected: start together
        if errors:
            raise ConnectionError(f"a client process could not reach {url}: {errors[0]}")
        outcomes = [json.loads(_hear(client)) for client in clients]
    finally:
        for client in clients:
            _end(client)
    latencies = np.concatenate([np.asarray(outcome["timings"], dtype=float) for outcome in outcomes])
    p50, p99 = np.percentile(latencies, [50, 99]) if latencies.size else (float("nan"), float("nan"))
    return Crowd(
        processes=processes,
        requests=int(latencies.size),
        failed=sum(outcome["failed"] for outcome in outcomes),
        seconds=max(outcome["seconds"] for outcome in outcomes),
        p50_us=float(p50),
        p99_us=float(p99),
    )


CLIENT_PROGRAM = "import sys; from shared.teaching import client_process; client_process(*sys.argv[1:])"
"""What each process of ``crowd`` runs: only the standard library, no model."""


def client_process(url: str, path: str, seconds: str) -> None:
    """One client of ``crowd``, talking on stdin/stdout: body, ``ready``, ``go``, then its timings as JSON."""
    body = bytes.fromhex(sys.stdin.readline())
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80, timeout=30)
    try:
        _post(connection, path, body)  # connect and warm up before the clock starts
        print("ready", flush=True)
    except OSError as error:
        print(f"{type(error).__name__}: {error}", flush=True)
    if sys.stdin.readline().strip() != "go":
        return
    failed, timings, started = 0, [], time.perf_counter()
    while time.perf_counter() - started < float(seconds):
        before = time.perf_counter_ns()
        try:
            ok = _post(connection, path, body) == 200
        except (OSError, http.client.HTTPException):
            ok = False
            connection.close()  # reconnects on the next request
        if ok:
            timings.append((time.perf_counter_ns() - before) / 1_000)
        else:
            failed += 1
    connection.close()
    print(json.dumps({"failed": failed, "timings": timings, "seconds": time.perf_counter() - started}), flush=True)


def _post(connection: http.client.HTTPConnection, path: str, body: bytes) -> int:
    """POST a JSON body on a keep-alive connection, read the whole answer, return its status."""
    connection.request("POST", path, body, {"Content-Type": "application/json"})
    response = connection.getresponse()
    response.read()
    return response.status


def _tell(client: subprocess.Popen, line: str) -> None:
    assert client.stdin is not None
    client.stdin.write(line + "\n")
    client.stdin.flush()


def _hear(client: subprocess.Popen) -> str:
    """The next line a client process prints; raises if it ended instead."""
    assert client.stdout is not None
    line = client.stdout.readline()
    if not line:
        client.wait()
        raise RuntimeError(f"a client process exited with code {client.returncode}: {client.stderr.read()[-500:]}")
    return line.strip()


def _end(client: subprocess.Popen) -> None:
    """Wait for a client process to finish (kill it if it does not), and close its pipes."""
    try:
        client.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        client.kill()
        client.communicate()


def _discard(scratch: Path, previous: str | None) -> None:
    """Remove a private registry and restore the variable that pointed at it."""
    shutil.rmtree(scratch, ignore_errors=True)
    if os.environ.get(HOME_VARIABLE) == str(scratch):
        if previous is None:
            os.environ.pop(HOME_VARIABLE, None)
        else:
            os.environ[HOME_VARIABLE] = previous
