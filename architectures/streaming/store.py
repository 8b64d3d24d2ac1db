"""The learner's private folder: its checkpoint and its outputs. No other process reads the model here.

::

    store/
      checkpoint.pkl       the learner's state (model, offset, waiting departures, outputs' sizes)
      predictions.jsonl    the prediction made at each departure (one line per departure, exactly once)
      dead_letters.jsonl   the events that could not be processed, with their reason
      .learner.lock        held by the one learner writing here

The checkpoint is a pickle: it holds the whole river pipeline and the departures in the air, and only
this learner reads it back. What other processes read is the model *document* on the log's model
stream (``published.py``): plain JSON, no code. The checkpoint is written whole to a temporary file,
then renamed over the old one (``os.replace`` is atomic): a learner restarting after a crash sees the
old checkpoint or the new one, never half of one.
"""

from __future__ import annotations

import json
import pickle
from pathlib import Path
from typing import Any

from shared.files import atomic_write

CHECKPOINT = "checkpoint.pkl"
PREDICTIONS = "predictions.jsonl"
DEAD_LETTERS = "dead_letters.jsonl"
LOCK = ".learner.lock"


class ModelStore:
    """The learner's folder: checkpoint and outputs."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def create(self) -> ModelStore:
        self.root.mkdir(parents=True, exist_ok=True)
        return self

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
