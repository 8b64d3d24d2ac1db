"""Helpers for the notebooks themselves: a private model registry, and prose rendered from values.

A notebook that moves an alias (promotes a model, rolls back) works on its own copy of the registry, so
an interrupted or killed notebook never changes what the other notebooks see:

    registry = notebook_registry("reference", "weather")   # a temporary copy; programs started later use it too
    ...
    registry.set_alias("production", 2)                       # only this notebook sees the move

The copy is removed when the kernel exits normally; a killed kernel leaves only a folder in the
system's temporary directory, never a moved alias in the project's ``models/``, and the next call
removes such leftovers (each copy records the process that made it).

A sentence that quotes a measurement is rendered from the value, never typed:

    prose(f"One prediction took **{latency.p50_us:,.0f} µs** at the median.")

``duration`` writes a time in the unit a reader expects (µs, ms or s), so a sentence never says
"milliseconds" of a time that came out in microseconds on another machine.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

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

    source = source or Registry()
    entries = [ensure_model(spec, source, verbose=False) for spec in specs or ("reference",)]
    remove_orphans()
    scratch = Path(tempfile.mkdtemp(prefix=SCRATCH_PREFIX))
    shutil.copytree(source.root, scratch, dirs_exist_ok=True, ignore=shutil.ignore_patterns(".lock"))
    (scratch / OWNER_FILE).write_text(str(os.getpid()))
    previous = os.environ.get(HOME_VARIABLE)
    os.environ[HOME_VARIABLE] = str(scratch)
    atexit.register(_discard, scratch, previous)
    registry = Registry(scratch)
    if "production" not in registry.aliases():
        registry.set_alias("production", entries[0].version)
    return registry


def remove_orphans(temporary: Path | None = None) -> list[Path]:
    """Remove private registries left by processes that are gone (a killed kernel); return them."""
    import psutil

    removed = []
    for folder in Path(temporary or tempfile.gettempdir()).glob(f"{SCRATCH_PREFIX}*"):
        try:
            owner = int((folder / OWNER_FILE).read_text())
        except (OSError, ValueError):
            continue  # not made by this helper, or still being made: leave it
        if not psutil.pid_exists(owner):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def prose(markdown: str) -> None:
    """Show ``markdown`` as formatted text in the notebook (a sentence built from computed values)."""
    from IPython.display import Markdown, display

    display(Markdown(markdown))


def duration(microseconds: float) -> str:
    """A time in the unit that suits it: ``"23 µs"``, ``"952 µs"``, ``"1.6 ms"``, ``"41 ms"``, ``"4.1 s"``."""
    if microseconds < 0:
        raise ValueError(f"a duration cannot be negative: {microseconds}")
    if microseconds < 1_000:
        return f"{microseconds:,.0f} µs" if microseconds >= 10 else f"{microseconds:.1f} µs"
    milliseconds = microseconds / 1_000
    if milliseconds < 1_000:
        return f"{milliseconds:.1f} ms" if milliseconds < 10 else f"{milliseconds:,.0f} ms"
    seconds = milliseconds / 1_000
    return f"{seconds:.1f} s" if seconds < 100 else f"{seconds:,.0f} s"


def _discard(scratch: Path, previous: str | None) -> None:
    """Remove a private registry and restore the variable that pointed at it."""
    shutil.rmtree(scratch, ignore_errors=True)
    if os.environ.get(HOME_VARIABLE) == str(scratch):
        if previous is None:
            os.environ.pop(HOME_VARIABLE, None)
        else:
            os.environ[HOME_VARIABLE] = previous
