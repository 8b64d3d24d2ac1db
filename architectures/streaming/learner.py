"""The online learner process: reads the event log, predicts, learns, and publishes the model as data.

    python -m architectures.streaming.learner --log sqlite:///runs/streaming/log.db --store runs/streaming/store

For each event in log order:

- a departure is predicted at once (the latency is recorded) and its features are kept;
- an arrival is learned from the features kept at its departure;
- a malformed event goes to the dead-letter store with its reason, and the stream goes on.

Every ``snapshot_interval`` seconds the learner writes, in this order: the outputs flushed, a new
snapshot (if it learned something), its checkpoint (model, offset, waiting departures, outputs' sizes)
atomically, then the ``LATEST.json`` pointer predictors follow, then the consumer group's offset.
Killed at any moment, it restarts from the checkpoint: it cuts its outputs back to the checkpoint's
sizes, forgets snapshots written after it, and reads the log again from the checkpoint's offset.
Nothing is lost, nothing is learned twice.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import signal
import sys
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from architectures.streaming.events import DEPARTURE, decode
from architectures.streaming.log import EventLog, Record, open_log
from architectures.streaming.online import LEARNING_RATE, DeadLetter, OnlineModel
from architectures.streaming.store import DEAD_LETTERS, LOCK, PREDICTIONS, ModelStore

SNAPSHOT_INTERVAL = 0.5
"""Default snapshot policy: publish what was learned at most every half second."""
GROUP = "learner"
HISTORY = 1000


@dataclass
class LearnerState:
    """Everything the learner must find again after a crash (its checkpoint)."""

    online: OnlineModel
    offset: int = 0
    dead_letters: int = 0
    published_version: int = 0
    predictions_size: int = 0
    dead_letters_size: int = 0
    history: list[dict[str, Any]] = field(default_factory=list)

    @property
    def processed(self) -> int:
        """Events processed so far: predicted departures + learned arrivals + dead letters."""
        return self.online.departures + self.online.arrivals + self.dead_letters


class StoreLockedError(RuntimeError):
    """Another learner already writes to this store."""


class Learner:
    """Consumes a log for one model store. Use ``with Learner(...) as learner: learner.run(...)``."""

    def __init__(
        self,
        log: EventLog,
        store: ModelStore | str | Path,
        *,
        group: str = GROUP,
        snapshot_interval: float = SNAPSHOT_INTERVAL,
        batch_size: int = 1000,
        keep: int = 20,
        durable: bool = True,
        learning_rate: float = LEARNING_RATE,
        verbose: bool = False,
    ) -> None:
        self.log = log
        self.store = store if isinstance(store, ModelStore) else ModelStore(store)
        self.group = group
        self.snapshot_interval = snapshot_interval
        self.batch_size = batch_size
        self.keep = keep
        self.durable = durable
        self.learning_rate = learning_rate
        self.verbose = verbose
        self.state: LearnerState | None = None
        self.predict_ns: deque[int] = deque(maxlen=100_000)
        self.resumed_from: int | None = None

    # -- start and recovery -------------------------------------------------------------------------------
    def open(self) -> Learner:
        """Lock the store, recover from its checkpoint (if any), position the consumer."""
        self.store.create()
        self._lock = open(self.store.root / LOCK, "w")
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock.close()
            raise StoreLockedError(f"another learner is writing to {self.store.root}") from None
        try:
            self._recover()
            self.consumer = self.log.consumer(self.group)
            self.consumer.seek(self.state.offset)
        except BaseException:
            self._lock.close()  # releases the lock
            self.state = None
            raise
        self._checkpointed_offset = self.state.offset
        self._checkpointed_learned = self.state.online.arrivals
        self._oldest_unpublished: float | None = None
        self._next_checkpoint = time.monotonic() + self.snapshot_interval
        self._started = time.perf_counter()
        self._processed_here = 0
        self._log(f"started at offset {self.state.offset:,} (snapshot v{self.state.published_version})")
        return self

    def _recover(self) -> None:
        """Load the checkpoint, cut the outputs back to it, forget snapshots it never published."""
        state = self.store.read_checkpoint()
        self.state = state if state is not None else LearnerState(OnlineModel(self.learning_rate))
        self.resumed_from = self.state.offset
        self._predictions = _open_output(self.store.root / PREDICTIONS, self.state.predictions_size)
        self._dead_letters = _open_output(self.store.root / DEAD_LETTERS, self.state.dead_letters_size)
        self.store.drop_after(self.state.published_version)  # written, never published: a crash came first
        latest = self.store.latest_info()
        if not self.state.history:
            self.store.unpublish()  # a store started over: no snapshot to point to
        elif latest is None or latest["version"] != self.state.published_version:
            self.store.point_latest(self.state.history[-1], self.durable)

    def __enter__(self) -> Learner:
        return self.open()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Checkpoint what was processed, then release the store."""
        if self.state is None:
            return
        self.checkpoint()
        self._predictions.close()
        self._dead_letters.close()
        fcntl.flock(self._lock, fcntl.LOCK_UN)
        self._lock.close()
        self.state = None

    # -- the loop -------------------------------------------------------------------------------------------
    def run(
        self,
        *,
        until_offset: int | None = None,
        idle_exit: float | None = None,
        should_stop: Callable[[], bool] = lambda: False,
    ) -> LearnerState:
        """Process events until ``until_offset`` is reached, the log is idle for ``idle_exit`` s, or stop."""
        state = self._require_open()
        idle_since = time.monotonic()
        while not should_stop():
            if until_offset is not None and state.offset >= until_offset:
                break
            if self.step():
                idle_since = time.monotonic()
            elif idle_exit is not None and time.monotonic() - idle_since >= idle_exit:
                break
        self.checkpoint()
        return state

    def step(self) -> int:
        """Poll one batch, process it, checkpoint if due; return the number of events processed."""
        state = self._require_open()
        dirty = state.offset != self._checkpointed_offset
        timeout = max(0.0, self._next_checkpoint - time.monotonic()) if dirty else 0.1
        records = self.consumer.poll(self.batch_size, min(timeout, 0.1))
        for record in records:
            self._process(record)
        self._processed_here += len(records)
        if time.monotonic() >= self._next_checkpoint:
            self.checkpoint()
        return len(records)

    def _process(self, record: Record) -> None:
        state = self.state
        try:
            try:
                event = decode(record.payload)
            except ValueError as error:
                raise DeadLetter(f"payload: not valid JSON ({error})") from None
            start = time.perf_counter_ns()
            kind, flight_id, p_late = state.online.handle(event)
            if kind == DEPARTURE:
                self.predict_ns.append(time.perf_counter_ns() - start)
                line = {"offset": record.offset, "flight_id": flight_id, "p_late": p_late}
                self._predictions.write(orjson.dumps(line) + b"\n")
            elif self._oldest_unpublished is None:
                self._oldest_unpublished = record.appended_at
        except DeadLetter as letter:
            text = record.payload.decode("utf-8", errors="replace")[:2000]
            line = {"offset": record.offset, "reason": letter.reason, "payload": text}
            self._dead_letters.write(orjson.dumps(line) + b"\n")
            state.dead_letters += 1
        state.offset = record.offset

    # -- checkpoint and publication -------------------------------------------------------------------------
    def checkpoint(self) -> dict[str, Any] | None:
        """Flush outputs, publish a snapshot if something was learned, write the checkpoint atomically.

        Returns the published snapshot's description, or ``None`` if nothing new was learned.
        """
        state = self._require_open()
        self._next_checkpoint = time.monotonic() + self.snapshot_interval
        if state.offset == self._checkpointed_offset:
            return None
        state.predictions_size = _flush(self._predictions, self.durable)
        state.dead_letters_size = _flush(self._dead_letters, self.durable)
        info = None
        if state.online.arrivals != self._checkpointed_learned:
            info = self._snapshot_info(state.published_version + 1)
            self.store.write_snapshot(info["version"], state.offset, state.online.model, info, self.durable)
            state.published_version = info["version"]
            state.history = [*state.history[-(HISTORY - 1) :], info]
        self.store.write_checkpoint(state, self.durable)  # the commit point
        if info is not None:
            self.store.point_latest(info, self.durable)
            self.store.prune(self.keep)
            self._log(
                f"published v{info['version']} at offset {info['offset']:,}: learned {info['learned']:,}, "
                f"freshness {info['freshness_s']:.3f} s"
            )
        self.consumer.commit(state.offset)
        self._checkpointed_offset = state.offset
        self._checkpointed_learned = state.online.arrivals
        self._oldest_unpublished = None
        return info

    def _snapshot_info(self, version: int) -> dict[str, Any]:
        state = self.state
        now = time.time()
        latencies = np.asarray(self.predict_ns, dtype=np.float64) / 1_000 if self.predict_ns else None
        elapsed = time.perf_counter() - self._started
        return {
            "version": version,
            "file": self.store.snapshot_path(version).name,
            "offset": state.offset,
            "published_at": now,
            **state.online.metrics(),
            "dead_letters": state.dead_letters,
            "freshness_s": now - self._oldest_unpublished if self._oldest_unpublished is not None else None,
            "predict_p50_us": float(np.percentile(latencies, 50)) if latencies is not None else None,
            "predict_p99_us": float(np.percentile(latencies, 99)) if latencies is not None else None,
            "events_per_s": self._processed_here / elapsed if elapsed > 0 else None,
        }

    def _require_open(self) -> LearnerState:
        if self.state is None:
            raise RuntimeError("the learner is not open: use `with Learner(...) as learner:`")
        return self.state

    def _log(self, message: str) -> None:
        if self.verbose:
            print(message, flush=True)


def _open_output(path: Path, size: int):
    """Open an output for appending, cut back to ``size`` bytes (what the checkpoint knew of)."""
    path.touch()
    if path.stat().st_size < size:
        raise RuntimeError(f"{path} is shorter than its checkpoint says ({size} bytes): it was altered")
    os.truncate(path, size)
    return open(path, "ab")


def _flush(handle, durable: bool) -> int:
    handle.flush()
    if durable:
        os.fsync(handle.fileno())
    return handle.tell()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--log", required=True, help="sqlite:///path.db, a path, or redis://host:port/0?stream=name")
    parser.add_argument("--store", required=True, help="model store folder (snapshots, checkpoint, outputs)")
    parser.add_argument("--group", default=GROUP, help="consumer group name (default: %(default)s)")
    parser.add_argument(
        "--snapshot-interval", type=float, default=SNAPSHOT_INTERVAL, help="seconds (default: %(default)s)"
    )
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--keep", type=int, default=20, help="snapshots kept on disk (default: %(default)s)")
    parser.add_argument("--learning-rate", type=float, default=LEARNING_RATE)
    parser.add_argument("--until-offset", type=int, help="stop once this offset is processed")
    parser.add_argument("--idle-exit", type=float, help="stop after this many seconds without events")
    parser.add_argument(
        "--no-fsync", action="store_true", help="skip fsync (survives a process crash, not a power cut)"
    )
    args = parser.parse_args(argv)

    stop = False

    def request_stop(signum: int, frame: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    with open_log(args.log) as log:
        learner = Learner(
            log,
            args.store,
            group=args.group,
            snapshot_interval=args.snapshot_interval,
            batch_size=args.batch_size,
            keep=args.keep,
            durable=not args.no_fsync,
            learning_rate=args.learning_rate,
            verbose=True,
        )
        with learner:
            state = learner.run(until_offset=args.until_offset, idle_exit=args.idle_exit, should_stop=lambda: stop)
            print(
                f"stopped at offset {state.offset:,}: {state.online.departures:,} departures predicted, "
                f"{state.online.arrivals:,} arrivals learned, {state.dead_letters:,} dead letters",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    # Run the package's module, not ``__main__``: the checkpoint pickles ``LearnerState`` by its import path.
    from architectures.streaming import learner as _learner

    sys.exit(_learner.main())
