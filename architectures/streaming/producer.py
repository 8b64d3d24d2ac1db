r"""The producer: replays 2013 into the event log, in time order, as fast as asked.

    python -m architectures.streaming.producer --log sqlite:///runs/streaming/log.db \
        --from 2013-01-01 --to 2013-01-08 --speed 86400

``--speed 86400`` plays one day of flights per second (event time compressed, order kept); without
``--speed`` events are appended as fast as the log takes them. ``--malformed-every N`` slips a broken
event in after every N good ones (to watch the dead-letter store at work).
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pandas as pd

from architectures.streaming.events import encode, flights_between, iter_events
from architectures.streaming.log import EXIT_LOG, EventLog, fail, log_errors, log_url, open_log

MALFORMED: tuple[bytes, ...] = (
    b'{"type": "departure", "flight_id": ',  # cut off: not JSON
    encode({"type": "departure", "flight_id": -1, "at": "2013-01-01T00:00:00", "record": {"carrier": "UA"}}),
    encode({"type": "arrival", "flight_id": -2, "at": "2013-01-01T00:00:00", "late": "maybe"}),
    encode({"type": "boarding", "flight_id": -3, "at": "2013-01-01T00:00:00"}),
)
"""Broken events, one of each kind a real stream sees: truncated bytes, missing field, wrong type, unknown type."""


def _payloads(events: Iterator[dict[str, Any]], malformed_every: int) -> Iterator[tuple[str, bytes]]:
    """(event time, bytes) for each event, with a malformed one after every ``malformed_every`` events."""
    broken = itertools.cycle(MALFORMED)
    for count, event in enumerate(events, start=1):
        yield event["at"], encode(event)
        if malformed_every and count % malformed_every == 0:
            yield event["at"], next(broken)


def replay(
    log: EventLog,
    flights: pd.DataFrame,
    *,
    speed: float | None = None,
    batch_size: int = 500,
    malformed_every: int = 0,
) -> int:
    """Append the events of ``flights`` to ``log``; return how many records were appended.

    With ``speed`` (event seconds per wall-clock second) each event is appended when its compressed
    time comes; without it, in batches of ``batch_size`` as fast as possible.
    """
    payloads = _payloads(iter_events(flights), malformed_every)
    appended = 0
    if speed is None:
        plain = (payload for _, payload in payloads)
        while batch := list(itertools.islice(plain, batch_size)):
            log.append(batch)
            appended += len(batch)
        return appended
    start_wall = time.monotonic()
    start_event: datetime | None = None
    batch: list[bytes] = []
    for at, payload in payloads:
        when = datetime.fromisoformat(at)
        start_event = start_event if start_event is not None else when
        due = start_wall + (when - start_event).total_seconds() / speed
        wait = due - time.monotonic()
        if batch and (wait > 0 or len(batch) >= batch_size):
            log.append(batch)
            appended += len(batch)
            batch = []
        if wait > 0:
            time.sleep(wait)
        batch.append(payload)
    if batch:
        log.append(batch)
        appended += len(batch)
    return appended


def _day(text: str) -> str:
    """An argparse ``type``: a date such as 2013-01-08 (or a timestamp)."""
    try:
        pd.Timestamp(text)
    except (ValueError, TypeError):
        raise argparse.ArgumentTypeError(f"{text!r} is not a date such as 2013-01-08") from None
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--log", required=True, type=log_url, help="sqlite:///path.db, a path, or redis://host:port/0")
    parser.add_argument("--from", dest="start", type=_day, help="first scheduled departure day (default: 2013-01-01)")
    parser.add_argument("--to", dest="end", type=_day, help="replay flights scheduled before this day (default: all)")
    parser.add_argument("--speed", type=float, help="event seconds per second, e.g. 86400 = a day per second")
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--malformed-every", type=int, default=0, help="add a broken event after every N events")
    args = parser.parse_args(argv)

    from shared.data import load_flights

    flights = flights_between(load_flights(), args.start, args.end)
    started = time.perf_counter()
    try:
        with open_log(args.log) as log:
            appended = replay(
                log, flights, speed=args.speed, batch_size=args.batch_size, malformed_every=args.malformed_every
            )
            end = log.end_offset()
    except log_errors() as error:
        return fail(parser, f"cannot use the log {args.log}: {error}", EXIT_LOG)
    elapsed = time.perf_counter() - started
    print(
        f"appended {appended:,} events of {len(flights):,} flights in {elapsed:.1f} s; log ends at offset {end:,}",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
