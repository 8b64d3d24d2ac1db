"""What the API's test modules share: an example flight and a small two-version registry."""

from __future__ import annotations

from pathlib import Path

from shared.data import load_flights, split_by_time
from shared.model import register, train
from shared.registry import Registry

FLIGHT = {"carrier": "UA", "origin": "EWR", "dest": "ORD", "sched_dep": "2013-07-15T17:30:00", "distance": 719.0}


def build_registry(root: Path) -> Registry:
    """Version 1 (reference) and 2 (weather), production -> 1, trained on every 10th flight."""
    registry = Registry(root)
    past, future = split_by_time(load_flights())
    past, future = past.iloc[::10], future.iloc[::50]
    for spec in ("reference", "weather"):
        register(train(past, spec), spec, past, future, registry)
    registry.set_alias("production", 1)
    return registry
