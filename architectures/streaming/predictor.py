"""A predictor that follows the model stream of the log: each new version, without restarting.

    python -m architectures.streaming.predictor --log sqlite:///runs/streaming/log.db --watch

The predictor shares nothing with the learner but the log (on Redis, possibly on another machine). It
reads the model stream (``flights.models``) like any consumer, rebuilds each version from its JSON
document (no code is loaded) and scores with the newest. A malformed model message is refused: it
goes to the predictor's dead letters with its reason, and the last good version keeps serving.

``--watch`` prints one line per version picked up, with the probability it gives a probe flight;
without it, the predictor reads flight records as JSON lines on stdin and answers each with
``{"p_late": …, "version": …, "offset": …}`` (the model version, and the last offset of the event log
that version includes).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from collections.abc import Callable, Mapping
from typing import Any

from architectures.streaming.log import EXIT_LOG, EventLog, Record, fail, log_errors, log_url, open_log
from architectures.streaming.online import SPEC
from architectures.streaming.published import ModelDocumentError, PublishedModel, model_stream_name
from shared.features import record_features
from shared.i18n import _, use_environment_language
from shared.schema import InputError, validate_record

CHECK_INTERVAL = 0.005
"""Seconds between two looks at the model stream while answering (a look is one small read)."""
BACKLOG = 20
"""At start, the predictor reads the last few documents and serves the newest good one."""
PROBE = {"carrier": "UA", "origin": "EWR", "dest": "ORD", "sched_dep": "2013-01-15T18:00:00", "distance": 719}


class NoModelError(LookupError):
    """The learner has published nothing yet."""


def open_model_stream(log: EventLog | str) -> EventLog:
    """The model stream of ``log`` (an open log, or its URL), on its own connection."""
    if isinstance(log, EventLog):
        return log.sibling(model_stream_name(log.stream))
    with open_log(log) as events:
        return events.sibling(model_stream_name(events.stream))


class StreamPredictor:
    """Scores flights with the newest good model on the model stream."""

    def __init__(
        self,
        log: EventLog | str,
        check_interval: float = CHECK_INTERVAL,
        on_dead_letter: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        self.models = open_model_stream(log)
        self.check_interval = check_interval
        self.on_dead_letter = on_dead_letter
        self.model: PublishedModel | None = None
        self.loads = 0
        self.dead_letters: list[dict[str, Any]] = []
        self.position = max(0, self.models.end_offset() - BACKLOG)
        self._next_check = 0.0

    @property
    def version(self) -> int | None:
        return self.model.version if self.model else None

    @property
    def offset(self) -> int | None:
        return self.model.offset if self.model else None

    def refresh(self, timeout: float = 0.0) -> bool:
        """Read the new model messages (waiting up to ``timeout`` s for one); ``True`` if we switched."""
        self._next_check = time.monotonic() + self.check_interval
        records = self.models.read(self.position, limit=1000, timeout=timeout)
        if not records:
            return False
        self.position = records[-1].offset
        newest = self.model
        for record in records:
            try:
                model = PublishedModel.from_bytes(record.payload)
                if newest is not None and model.version <= newest.version:
                    raise ModelDocumentError(f"version: {model.version} is not newer than {newest.version}")
            except ModelDocumentError as error:
                self._dead_letter(record, error.reason)
                continue
            newest = model
        if newest is self.model:
            return False
        self.model = newest  # one assignment: a prediction sees the old model or the new one
        self.loads += 1
        return True

    def _dead_letter(self, record: Record, reason: str) -> None:
        text = record.payload.decode("utf-8", errors="replace")[:200]
        letter = {"stream": self.models.stream, "offset": record.offset, "reason": reason, "payload": text}
        self.dead_letters.append(letter)
        if self.on_dead_letter is not None:
            self.on_dead_letter(letter)

    def wait_for_model(self, timeout: float = 30.0, newer_than: int = 0) -> PublishedModel:
        """Block until a version newer than ``newer_than`` is served."""
        deadline = time.monotonic() + timeout
        while self.model is None or self.model.version <= newer_than:
            if time.monotonic() > deadline:
                raise TimeoutError(f"no model newer than v{newer_than} on {self.models.stream} after {timeout} s")
            self.refresh(timeout=min(0.1, max(0.0, deadline - time.monotonic())))
        return self.model

    def predict_one(self, record: Mapping[str, Any]) -> float:
        """P(late) of one flight record (validated as every architecture does) with the newest model."""
        if time.monotonic() >= self._next_check:
            self.refresh()
        if self.model is None:
            raise NoModelError(f"no model published yet on {self.models.stream}")
        return self.model.predict_proba_one(record_features(validate_record(record, SPEC), SPEC))

    def answer(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """The JSON answer to one request: P(late) with the model's version and offset, or the error."""
        try:
            p_late = self.predict_one(record)
        except (InputError, NoModelError, ValueError, TypeError) as error:
            return {"error": str(error)}
        return {"p_late": p_late, "version": self.version, "offset": self.offset}

    def close(self) -> None:
        self.models.close()


def watch(predictor: StreamPredictor, probe: Mapping[str, Any], duration: float | None = None) -> None:
    """Print one line per version picked up, with the probe flight's probability."""
    deadline = None if duration is None else time.monotonic() + duration
    print(_("following {stream} (probe: {probe})", stream=predictor.models.stream, probe=json.dumps(probe)), flush=True)
    while deadline is None or time.monotonic() < deadline:
        if predictor.refresh(timeout=0.2):
            metrics = predictor.model.document["metrics"]
            line = _(
                "v{version}: offset {offset:,}, learned {learned:,}, P(late) of the probe {p_late:.3f}",
                version=predictor.version,
                offset=predictor.offset,
                learned=metrics["learned"],
                p_late=predictor.predict_one(probe),
            )
            print(line, flush=True)


def _probe(text: str) -> dict[str, Any]:
    """An argparse ``type``: a JSON flight record that validates."""
    try:
        record = json.loads(text)
        validate_record(record, SPEC)
    except json.JSONDecodeError as error:
        raise argparse.ArgumentTypeError(f"not JSON ({error})") from None
    except InputError as error:
        raise argparse.ArgumentTypeError(f"not a flight record ({error})") from None
    return record


def main(argv: list[str] | None = None) -> int:
    use_environment_language()  # print in the language of whoever started us (a notebook)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--log", required=True, type=log_url, help="the event log the learner publishes on")
    parser.add_argument("--watch", action="store_true", help="print each new version as it is published")
    parser.add_argument("--probe", type=_probe, default=PROBE, help="flight record (JSON) scored at each version")
    parser.add_argument("--duration", type=float, help="with --watch: stop after this many seconds")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda signum, frame: os._exit(0))  # a plain stop, not an error

    def report(letter: dict[str, Any]) -> None:
        print(json.dumps({"dead_letter": letter}), file=sys.stderr, flush=True)

    try:
        predictor = StreamPredictor(args.log, on_dead_letter=report)
        if args.watch:
            try:
                watch(predictor, args.probe, args.duration)
            except KeyboardInterrupt:
                pass
            return 0
        for line in sys.stdin:
            if not line.strip():
                continue
            try:
                request = json.loads(line)
            except json.JSONDecodeError as error:
                print(json.dumps({"error": f"not JSON ({error})"}), flush=True)
                continue
            print(json.dumps(predictor.answer(request)), flush=True)
    except log_errors() as error:
        return fail(parser, f"cannot use the log {args.log}: {error}", EXIT_LOG)
    return 0


if __name__ == "__main__":
    sys.exit(main())
