"""A predictor that follows the model store: it picks up each new snapshot without restarting.

    python -m architectures.streaming.predictor --store runs/streaming/store --watch

``--watch`` prints one line per snapshot it picks up, with the probability it now gives a probe
flight; without it, the predictor reads flight records as JSON lines on stdin and answers each with
``{"p_late": …, "version": …, "offset": …}``.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from architectures.streaming.online import SPEC
from architectures.streaming.store import ModelStore, Snapshot
from shared.features import record_features
from shared.schema import validate_record

CHECK_INTERVAL = 0.1
"""Seconds between two looks at ``LATEST.json`` (a predictor never waits on the learner)."""
PROBE = {"carrier": "UA", "origin": "EWR", "dest": "ORD", "sched_dep": "2013-01-15T18:00:00", "distance": 719}


class NoSnapshotError(LookupError):
    """The learner has published nothing yet."""


class SnapshotPredictor:
    """Scores flights with the newest published snapshot, checking for a newer one at most every
    ``check_interval`` seconds (reading a small JSON file; the model is loaded only when it changed)."""

    def __init__(self, store: ModelStore | str | Path, check_interval: float = CHECK_INTERVAL) -> None:
        self.store = store if isinstance(store, ModelStore) else ModelStore(store)
        self.check_interval = check_interval
        self.snapshot: Snapshot | None = None
        self.loads = 0
        self._next_check = 0.0

    @property
    def version(self) -> int | None:
        return self.snapshot.version if self.snapshot else None

    @property
    def offset(self) -> int | None:
        return self.snapshot.offset if self.snapshot else None

    def refresh(self) -> bool:
        """Load the published snapshot if it is newer than ours; ``True`` if we switched."""
        self._next_check = time.monotonic() + self.check_interval
        info = self.store.latest_info()
        if info is None or (self.snapshot is not None and info["version"] == self.snapshot.version):
            return False
        snapshot = self.store.load_latest()
        if snapshot is None or (self.snapshot is not None and snapshot.version == self.snapshot.version):
            return False
        self.snapshot = snapshot  # one assignment: a prediction sees the old model or the new one
        self.loads += 1
        return True

    def wait_for_snapshot(self, timeout: float = 30.0, newer_than: int = 0) -> Snapshot:
        """Block until a snapshot newer than version ``newer_than`` is published."""
        deadline = time.monotonic() + timeout
        while True:
            self.refresh()
            if self.snapshot is not None and self.snapshot.version > newer_than:
                return self.snapshot
            if time.monotonic() > deadline:
                raise TimeoutError(f"no snapshot newer than v{newer_than} in {self.store.root} after {timeout} s")
            time.sleep(0.02)

    def predict_one(self, record: Mapping[str, Any]) -> float:
        """P(late) of one flight record (validated as every architecture does) with the newest snapshot."""
        if time.monotonic() >= self._next_check:
            self.refresh()
        if self.snapshot is None:
            raise NoSnapshotError(f"nothing published yet in {self.store.root}")
        return self.snapshot.predict_proba_one(record_features(validate_record(record, SPEC), SPEC))


def watch(predictor: SnapshotPredictor, probe: Mapping[str, Any], duration: float | None = None) -> None:
    """Print one line per snapshot picked up, with the probe flight's probability."""
    deadline = None if duration is None else time.monotonic() + duration
    print(f"watching {predictor.store.root} (probe: {json.dumps(probe)})", flush=True)
    while deadline is None or time.monotonic() < deadline:
        if predictor.refresh():
            info = predictor.snapshot.info
            print(
                f"v{predictor.version}: offset {predictor.offset:,}, learned {info['learned']:,}, "
                f"P(late) of the probe {predictor.predict_one(probe):.3f}",
                flush=True,
            )
        time.sleep(predictor.check_interval)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", required=True, help="the learner's model store folder")
    parser.add_argument("--watch", action="store_true", help="print each new snapshot as it is published")
    parser.add_argument("--probe", default=json.dumps(PROBE), help="flight record (JSON) scored at each snapshot")
    parser.add_argument("--duration", type=float, help="with --watch: stop after this many seconds")
    args = parser.parse_args(argv)
    predictor = SnapshotPredictor(args.store)
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))  # a plain stop, not an error
    if args.watch:
        try:
            watch(predictor, json.loads(args.probe), args.duration)
        except KeyboardInterrupt:
            pass
        return 0
    predictor.wait_for_snapshot()
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            answer = {"p_late": predictor.predict_one(json.loads(line)), "version": predictor.version}
            answer["offset"] = predictor.offset
        except (ValueError, NoSnapshotError) as error:
            answer = {"error": str(error)}
        print(json.dumps(answer), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
