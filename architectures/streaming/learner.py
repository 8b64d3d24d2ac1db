"""The online learner process: reads the event log, predicts, learns, and publishes the model as data.

    python -m architectures.streaming.learner --log sqlite:///runs/streaming/log.db --store runs/streaming/store

For each event in log order:

- a departure is predicted at once (the latency is recorded) and its features are kept;
- an arrival is learned from the features kept at its departure;
- a malformed event goes to the dead-letter store with its reason, and the stream goes on.

Every ``publish_interval`` seconds (or ``publish_every`` events, whichever comes first), if it learned
something, the learner appends its model as a JSON document (``published.py``) to the model stream of
the same log (``flights.models``): predictors anywhere follow that stream. Every
``checkpoint_interval`` seconds it flushes its outputs, writes its private checkpoint (model, offset,
waiting departures, outputs' sizes) atomically, then commits the offset to its consumer group and
applies the retention rules. Killed at any moment, it restarts from the checkpoint: it cuts its outputs
back to the checkpoint's sizes and reads the log again from the checkpoint's offset. Nothing is lost,
nothing is learned twice; the model at a given offset is the same in every life, so a version
published before a crash stays true, and the next version continues from the newest on the stream.
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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from architectures.streaming.events import DEPARTURE, decode
from architectures.streaming.log import EXIT_BUSY, EXIT_LOG, EventLog, Record, fail, log_errors, log_url, open_log
from architectures.streaming.online import LEARNING_RATE, DeadLetter, OnlineModel
from architectures.streaming.published import (
    ModelDocumentError,
    PublishedModel,
    encode_document,
    model_document,
    model_stream_name,
)
from architectures.streaming.store import DEAD_LETTERS, LOCK, PREDICTIONS, ModelStore

PUBLISH_INTERVAL = 0.1
"""Default publication policy: what was learned is on the model stream within 100 ms…"""
PUBLISH_EVERY = 10_000
"""…or after this many events, whichever comes first (a backlog is published as it is worked through)."""
CHECKPOINT_INTERVAL = 0.5
"""Seconds between two checkpoints (private state, with fsync), independent of publication."""
KEEP_MODELS = 100
"""Retention of the model stream: the newest documents kept (predictors need only the last one)."""
GROUP = "learner"


@dataclass
class LearnerState:
    """Everything the learner must find again after a crash (its checkpoint)."""

    online: OnlineModel
    offset: int = 0
    dead_letters: int = 0
    published_version: int = 0
    predictions_size: int = 0
    dead_letters_size: int = 0

    @property
    def processed(self) -> int:
        """Events processed so far: predicted departures + learned arrivals + dead letters."""
        return self.online.departures + self.online.arrivals + self.dead_letters


class StoreLockedError(RuntimeError):
    """Another learner already writes to this store."""


class Learner:
    """Consumes a log into one store (checkpoint, outputs): ``with Learner(...) as learner: learner.run(...)``."""

    def __init__(
        self,
        log: EventLog,
        store: ModelStore | str | Path,
        *,
        group: str = GROUP,
        publish_interval: float = PUBLISH_INTERVAL,
        publish_every: int | None = PUBLISH_EVERY,
        checkpoint_interval: float = CHECKPOINT_INTERVAL,
        batch_size: int = 1000,
        keep_models: int = KEEP_MODELS,
        retain: int | None = None,
        durable: bool = True,
        learning_rate: float = LEARNING_RATE,
        verbose: bool = False,
    ) -> None:
        self.log = log
        self.store = store if isinstance(store, ModelStore) else ModelStore(store)
        self.group = group
        self.publish_interval = publish_interval
        self.publish_every = publish_every
        self.checkpoint_interval = checkpoint_interval
        self.batch_size = batch_size
        self.keep_models = keep_models
        self.retain = retain
        self.durable = durable
        self.learning_rate = learning_rate
        self.verbose = verbose
        self.state: LearnerState | None = None
        self.predict_ns: deque[int] = deque(maxlen=10_000)
        self.resumed_from: int | None = None
        self.last_document: dict[str, Any] | None = None
        self.published_here = 0

    # -- start and recovery -------------------------------------------------------------------------------
    def open(self) -> Learner:
        """Lock the store, recover from its checkpoint (if any), find the newest published version."""
        self.store.create()
        self._lock = open(self.store.root / LOCK, "w")
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock.close()
            raise StoreLockedError(f"another learner is writing to {self.store.root}") from None
        try:
            self._recover()
            self.models = self.log.sibling(model_stream_name(self.log.stream))
            self._find_published()
            self.consumer = self.log.consumer(self.group)
            self.consumer.seek(self.state.offset)
        except BaseException:
            self._lock.close()  # releases the lock
            self.state = None
            raise
        self._checkpointed_offset = self.state.offset
        self._oldest_unpublished: float | None = None
        self._next_checkpoint = time.monotonic() + self.checkpoint_interval
        self._next_publish = time.monotonic()
        self._since_publish = 0
        self._latency = (None, None)
        self._started = time.perf_counter()
        self._processed_here = 0
        self._log(f"started at offset {self.state.offset:,} (published v{self.state.published_version})")
        return self

    def _recover(self) -> None:
        """Load the checkpoint and cut the outputs back to it."""
        state = self.store.read_checkpoint()
        self.state = state if state is not None else LearnerState(OnlineModel(self.learning_rate))
        self.resumed_from = self.state.offset
        self._predictions = _open_output(self.store.root / PREDICTIONS, self.state.predictions_size)
        self._dead_letters = _open_output(self.store.root / DEAD_LETTERS, self.state.dead_letters_size)

    def _find_published(self) -> None:
        """The newest version on the model stream (a life before a crash may have published past the
        checkpoint): the next version follows it, once the model has learned more than it had."""
        self._published_learned = 0
        for record in reversed(self.models.tail(20)):
            try:
                newest = PublishedModel.from_bytes(record.payload)
            except ModelDocumentError:
                continue  # not ours to judge here: predictors dead-letter it
            self.state.published_version = max(self.state.published_version, newest.version)
            self._published_learned = newest.document["metrics"].get("learned", 0)
            return

    def __enter__(self) -> Learner:
        return self.open()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Publish and checkpoint what was processed, then release the store."""
        if self.state is None:
            return
        self.publish()
        self.checkpoint()
        self._predictions.close()
        self._dead_letters.close()
        self.models.close()
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
        self.publish()
        self.checkpoint()
        return state

    def step(self) -> int:
        """Poll one batch, process it, publish and checkpoint if due; return the number of events processed."""
        self._require_open()
        now = time.monotonic()
        due = self._next_checkpoint if self._oldest_unpublished is None else self._next_publish
        records = self.consumer.poll(self.batch_size, min(max(0.0, due - now), 0.1))
        for record in records:
            self._process(record)
        self._processed_here += len(records)
        self._since_publish += len(records)
        now = time.monotonic()
        if now >= self._next_publish or (self.publish_every and self._since_publish >= self.publish_every):
            self.publish()
        if now >= self._next_checkpoint:
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

    # -- publication and checkpoint -------------------------------------------------------------------------
    def publish(self) -> dict[str, Any] | None:
        """Append the model to the model stream if it learned something since the last version.

        Returns the published document, or ``None`` if there was nothing new.
        """
        state = self._require_open()
        self._next_publish = time.monotonic() + self.publish_interval
        self._since_publish = 0
        if state.online.arrivals <= self._published_learned:
            return None
        version = state.published_version + 1
        document = model_document(
            state.online, version=version, stream=self.log.stream, offset=state.offset, metrics=self._metrics()
        )
        self.models.append([encode_document(document)])
        state.published_version = version
        self._published_learned = state.online.arrivals
        self._oldest_unpublished = None
        self.last_document = document
        self.published_here += 1
        return document

    def checkpoint(self) -> bool:
        """Flush outputs, write the checkpoint atomically, commit the offset, apply retention.

        Returns ``False`` if nothing was processed since the last checkpoint.
        """
        state = self._require_open()
        self._next_checkpoint = time.monotonic() + self.checkpoint_interval
        if state.offset == self._checkpointed_offset:
            return False
        state.predictions_size = _flush(self._predictions, self.durable)
        state.dead_letters_size = _flush(self._dead_letters, self.durable)
        self.store.write_checkpoint(state, self.durable)  # the commit point
        self.consumer.commit(state.offset)
        if self.retain is not None:
            self.log.trim(max_len=self.retain)  # never drops what a group has not acknowledged
        self.models.trim(max_len=self.keep_models)
        self._checkpointed_offset = state.offset
        if self.predict_ns:
            self._update_latency()
        self._log(f"checkpoint at offset {state.offset:,}: published v{state.published_version}")
        return True

    def _update_latency(self) -> None:
        latencies = np.asarray(self.predict_ns, dtype=np.float64) / 1_000
        self._latency = (float(np.percentile(latencies, 50)), float(np.percentile(latencies, 99)))

    def _metrics(self) -> dict[str, Any]:
        """The figures published with each version: running metrics and the learner's own pace."""
        state = self.state
        elapsed = time.perf_counter() - self._started
        oldest = self._oldest_unpublished
        if self._latency[0] is None and self.predict_ns:  # the first versions, before any checkpoint
            self._update_latency()
        return {
            **state.online.metrics(),
            "dead_letters": state.dead_letters,
            "freshness_s": time.time() - oldest if oldest is not None else None,
            "predict_p50_us": self._latency[0],
            "predict_p99_us": self._latency[1],
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
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], usage="%(prog)s --log URL --store FOLDER [options]"
    )
    parser.add_argument("--log", required=True, type=log_url, help="sqlite:///path.db, a path, or redis://host:port/0")
    parser.add_argument("--store", required=True, help="the learner's private folder (checkpoint, outputs)")
    parser.add_argument("--group", default=GROUP, help="consumer group name (default: %(default)s)")
    parser.add_argument(
        "--publish-interval", type=float, default=PUBLISH_INTERVAL, help="seconds (default: %(default)s)"
    )
    parser.add_argument("--publish-every", type=int, default=PUBLISH_EVERY, help="events (default: %(default)s)")
    parser.add_argument(
        "--checkpoint-interval", type=float, default=CHECKPOINT_INTERVAL, help="seconds (default: %(default)s)"
    )
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--keep-models", type=int, default=KEEP_MODELS, help="documents kept on the model stream")
    parser.add_argument("--retain", type=int, help="keep at most this many events on the log (never unacknowledged)")
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
    try:
        with open_log(args.log) as log:
            learner = Learner(
                log,
                args.store,
                group=args.group,
                publish_interval=args.publish_interval,
                publish_every=args.publish_every,
                checkpoint_interval=args.checkpoint_interval,
                batch_size=args.batch_size,
                keep_models=args.keep_models,
                retain=args.retain,
                durable=not args.no_fsync,
                learning_rate=args.learning_rate,
                verbose=True,
            )
            with learner:
                state = learner.run(until_offset=args.until_offset, idle_exit=args.idle_exit, should_stop=lambda: stop)
                print(
                    f"stopped at offset {state.offset:,}: {state.online.departures:,} departures predicted, "
                    f"{state.online.arrivals:,} arrivals learned, {state.dead_letters:,} dead letters, "
                    f"model v{state.published_version} on {model_stream_name(log.stream)}",
                    flush=True,
                )
    except StoreLockedError as error:
        return fail(parser, str(error), EXIT_BUSY)
    except log_errors() as error:
        return fail(parser, f"cannot use the log {args.log}: {error}", EXIT_LOG)
    return 0


if __name__ == "__main__":
    # Run the package's module, not ``__main__``: the checkpoint pickles ``LearnerState`` by its import path.
    from architectures.streaming import learner as _learner

    sys.exit(_learner.main())
