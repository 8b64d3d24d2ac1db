"""The model store: where the learner publishes its model as data, and keeps its checkpoint.

A folder that any number of processes read::

    store/
      LATEST.json          the published version (a small JSON: version, offset, metrics, file)
      snapshots/v000042.pkl  one published snapshot: the river model, its offset and metrics
      checkpoint.pkl       the learner's private state (model, offset, waiting departures, outputs' sizes)
      predictions.jsonl    the prediction made at each departure (one line per departure, exactly once)
      dead_letters.jsonl   the events that could not be processed, with their reason

Every file the learner replaces is written whole to a temporary file, then renamed over the old one
(``os.replace`` is atomic): a reader, or a learner restarting after a crash, sees the old file or the
new one, never half of one. Snapshots are pickles of river objects: load only a store you trust (the
one your own learner writes).
"""

from __future__ import annotations

import json
import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shared.files import atomic_write

LATEST = "LATEST.json"
CHECKPOINT = "checkpoint.pkl"
PREDICTIONS = "predictions.jsonl"
DEAD_LETTERS = "dead_letters.jsonl"
SNAPSHOTS = "snapshots"
LOCK = ".learner.lock"


@dataclass(frozen=True)
class Snapshot:
    """One published version of the online model."""

    version: int
    offset: int
    model: Any
    info: dict[str, Any]

    def predict_proba_one(self, features: dict[str, Any]) -> float:
        """P(late) for one flight's features."""
        return self.model.predict_proba_one(features).get(True, 0.0)


class ModelStore:
    """A folder of published snapshots plus the learner's checkpoint and outputs."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.snapshot_dir = self.root / SNAPSHOTS

    def create(self) -> ModelStore:
        self.snapshot_dir.mkdir(parents=True, exist_ok=True)
        return self

    # -- published snapshots: what predictors read ----------------------------------------------------
    def snapshot_path(self, version: int) -> Path:
        return self.snapshot_dir / f"v{version:06d}.pkl"

    def write_snapshot(self, version: int, offset: int, model: Any, info: dict[str, Any], durable: bool = True) -> None:
        """Write snapshot ``version`` (not yet visible to predictors: see ``point_latest``)."""
        payload = {"version": version, "offset": offset, "info": info, "model": model}
        atomic_write(self.snapshot_path(version), pickle.dumps(payload, protocol=5), durable)

    def point_latest(self, info: dict[str, Any], durable: bool = True) -> None:
        """Make the snapshot described by ``info`` the one predictors load."""
        atomic_write(self.root / LATEST, json.dumps(info, indent=1).encode(), durable)

    def unpublish(self) -> None:
        """Remove the pointer: predictors see no snapshot until the next is published."""
        (self.root / LATEST).unlink(missing_ok=True)

    def latest_info(self) -> dict[str, Any] | None:
        """The published version's description (no model loaded), or ``None`` before the first."""
        try:
            return json.loads((self.root / LATEST).read_bytes())
        except FileNotFoundError:
            return None

    def load(self, version: int) -> Snapshot:
        """Snapshot ``version`` (raises ``FileNotFoundError`` if it was never written or was pruned)."""
        payload = pickle.loads(self.snapshot_path(version).read_bytes())
        return Snapshot(payload["version"], payload["offset"], payload["model"], payload["info"])

    def load_latest(self) -> Snapshot | None:
        """The published snapshot, or ``None`` before the first one."""
        for _ in range(5):  # the learner may prune a file between our two reads: read the pointer again
            info = self.latest_info()
            if info is None:
                return None
            try:
                return self.load(info["version"])
            except FileNotFoundError:
                continue
        raise FileNotFoundError(f"snapshot of {self.root / LATEST} keeps disappearing")

    def versions(self) -> list[int]:
        """The snapshot versions on disk, oldest first."""
        return sorted(int(path.stem[1:]) for path in self.snapshot_dir.glob("v*.pkl"))

    def prune(self, keep: int) -> None:
        """Delete all but the ``keep`` newest snapshots."""
        for version in self.versions()[:-keep]:
            self.snapshot_path(version).unlink(missing_ok=True)

    def drop_after(self, version: int) -> list[int]:
        """Delete snapshots newer than ``version`` (written before a crash, never published)."""
        orphans = [v for v in self.versions() if v > version]
        for orphan in orphans:
            self.snapshot_path(orphan).unlink(missing_ok=True)
        return orphans

    # -- the learner's private files -----------------------------------------------------------------
    def write_checkpoint(self, state: Any, durable: bool = True) -> None:
        atomic_write(self.root / CHECKPOINT, pickle.dumps(state, protocol=5), durable)

    def read_checkpoint(self) -> Any | None:
        try:
            return pickle.loads((self.root / CHECKPOINT).read_bytes())
        except FileNotFoundError:
            return None

    def read_lines(self, name: str) -> list[dict[str, Any]]:
        """The JSON lines of an output file (``PREDICTIONS`` or ``DEAD_LETTERS``)."""
        try:
            with open(self.root / name, "rb") as handle:
                return [json.loads(line) for line in handle]
        except FileNotFoundError:
            return []

    def dead_letters(self) -> list[dict[str, Any]]:
        """The events the learner could not process: offset, reason, payload."""
        return self.read_lines(DEAD_LETTERS)

    def predictions(self) -> list[dict[str, Any]]:
        """The learner's prediction for each departure: offset, flight_id, p_late."""
        return self.read_lines(PREDICTIONS)
