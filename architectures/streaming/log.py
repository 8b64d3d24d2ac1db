"""The event log: append-only, durable, every record numbered by its offset.

One interface, two backends:

- ``SQLiteLog`` (the default): a single file, no server. Producers and consumers in other processes
  share it safely (WAL mode: readers never block the writer).
- ``RedisLog``: a Redis Stream on a real ``redis-server``, for when producers and consumers live on
  different machines. Consumers read through a **consumer group**, which remembers what it delivered
  and what was acknowledged.

Offsets are integers 1, 2, 3, … in append order, on both backends. A consumer that keeps its offset
together with its own state (the learner's checkpoint) can ``seek`` back to it after a crash and read
again from there: that is what makes "nothing lost, nothing twice" possible. The group's committed
offset is written *after* that state, for monitoring (how far behind is this consumer?).

A log holds several named **streams** (``flights`` by default; the learner publishes its models on
``flights.models``): tables of one SQLite file, or keys of one Redis server. ``sibling(name)`` opens
another stream of the same log.

Run by an operator: ``trim`` applies a retention rule (keep the last N records, or those from an
offset) but never drops a record that a consumer group has not acknowledged; ``group_lag`` says how far
behind a group is; on Redis, ``reclaim`` takes over the records a dead consumer left pending
(XAUTOCLAIM).

Open a log by URL with ``open_log``: ``sqlite:///runs/log.db`` (relative; ``sqlite:////tmp/log.db`` is
absolute), a plain path, or ``redis://127.0.0.1:6379/0``; add ``?stream=name`` for another stream.
"""

from __future__ import annotations

import argparse
import re
import sqlite3
import sys
import time
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from architectures.streaming.events import encode

DEFAULT_STREAM = "flights"
_POLL_SLEEP = 0.005  # seconds between two looks at a SQLite log while waiting for new records


@dataclass(frozen=True)
class Record:
    """One record of the log: its offset, the bytes appended, and when (Unix time, seconds)."""

    offset: int
    payload: bytes
    appended_at: float


class Consumer(ABC):
    """Reads a log in order on behalf of a named group; the group remembers a committed offset."""

    def __init__(self, log: EventLog, group: str, name: str) -> None:
        self.log = log
        self.group = group
        self.name = name
        self.position = 0
        self.reclaimed = 0  # records taken over from a dead consumer at the last seek (Redis)

    @abstractmethod
    def seek(self, offset: int) -> None:
        """Make the next ``poll`` return the records after ``offset``."""

    @abstractmethod
    def poll(self, limit: int = 1000, timeout: float = 0.0) -> list[Record]:
        """Up to ``limit`` records after the current position, waiting up to ``timeout`` s for the first."""

    @abstractmethod
    def commit(self, offset: int) -> None:
        """Record that the group has processed everything up to ``offset``."""


class EventLog(ABC):
    """An append-only sequence of byte records numbered 1, 2, 3, …"""

    url: str
    stream: str

    @abstractmethod
    def append(self, payloads: Sequence[bytes]) -> int:
        """Append ``payloads`` in order, atomically; return the offset of the last one."""

    def append_events(self, events: Iterable[dict[str, Any]]) -> int:
        """Append events (dicts) encoded as JSON; return the offset of the last one."""
        return self.append([encode(event) for event in events])

    @abstractmethod
    def read(self, after: int = 0, limit: int = 1000, timeout: float = 0.0) -> list[Record]:
        """Up to ``limit`` records with offsets above ``after``, waiting up to ``timeout`` s for one."""

    @abstractmethod
    def end_offset(self) -> int:
        """The offset of the last record (0 for an empty log)."""

    @abstractmethod
    def consumer(self, group: str, name: str = "1") -> Consumer:
        """A consumer reading for ``group`` (created if new, starting at the beginning)."""

    @abstractmethod
    def committed(self, group: str) -> int:
        """The last offset ``group`` committed (0 if none)."""

    def lag(self, group: str) -> int:
        """How many records ``group`` has yet to commit."""
        return self.end_offset() - self.committed(group)

    @abstractmethod
    def tail(self, count: int = 1) -> list[Record]:
        """The last ``count`` records, oldest first."""

    @abstractmethod
    def first_offset(self) -> int:
        """The offset of the oldest record kept (``end_offset() + 1`` when none is kept)."""

    @abstractmethod
    def protected_from(self) -> int | None:
        """The lowest offset some consumer group has not acknowledged (``None`` without groups)."""

    @abstractmethod
    def _drop_before(self, offset: int) -> int:
        """Delete the records below ``offset``; return how many were deleted."""

    def trim(self, *, max_len: int | None = None, min_offset: int | None = None) -> int:
        """Apply a retention rule; return how many records were dropped.

        Keep at most ``max_len`` records, or only those from ``min_offset`` on (the stricter of the two
        when both are given), but never a record a consumer group has not acknowledged, and always the
        last record (it carries the end offset).
        """
        end = self.end_offset()
        cut = 0
        if max_len is not None:
            cut = max(cut, end - max(max_len, 1) + 1)
        if min_offset is not None:
            cut = max(cut, min_offset)
        cut = min(cut, end)
        protected = self.protected_from()
        if protected is not None:
            cut = min(cut, protected)
        return self._drop_before(cut) if cut > self.first_offset() else 0

    def sibling(self, stream: str) -> EventLog:
        """Another stream of the same log (same file or same server), opened on its own connection."""
        return open_log(f"{self.url.split('?')[0]}?stream={stream}")

    @abstractmethod
    def close(self) -> None:
        """Release the connection."""

    def __enter__(self) -> EventLog:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


# -- SQLite: the default, a file and no server -------------------------------------------------------
def _table_names(stream: str) -> tuple[str, str]:
    """The tables of ``stream``: its records and its groups (``events`` and ``groups`` for the default)."""
    if stream == DEFAULT_STREAM:
        return "events", "groups"
    if not re.fullmatch(r"[A-Za-z0-9_.:-]{1,100}", stream):
        raise ValueError(f"stream name {stream!r}: use letters, digits and _ . : - (at most 100)")
    suffix = re.sub(r"\W", "_", stream)
    return f"events_{suffix}", f"groups_{suffix}"


class SQLiteLog(EventLog):
    """The log in one SQLite file (WAL mode). One instance per thread; any number of processes."""

    def __init__(self, path: str | Path, stream: str = DEFAULT_STREAM) -> None:
        self.path = Path(path)
        self.stream = stream
        self._events, self._groups = _table_names(stream)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.url = f"sqlite:///{self.path.resolve()}" + ("" if stream == DEFAULT_STREAM else f"?stream={stream}")
        self._db = sqlite3.connect(self.path, isolation_level=None, timeout=30.0)
        self._use_wal()
        self._db.execute("PRAGMA synchronous=NORMAL")  # durable across process crashes; see README
        self._db.execute(
            f"CREATE TABLE IF NOT EXISTS {self._events}"
            " (seq INTEGER PRIMARY KEY, appended_at REAL NOT NULL, payload BLOB NOT NULL)"
        )
        self._db.execute(
            f"CREATE TABLE IF NOT EXISTS {self._groups} (name TEXT PRIMARY KEY, committed INTEGER NOT NULL)"
        )

    def _use_wal(self) -> None:
        """Switch a new file to WAL mode (a setting the file keeps). Switching needs the file to itself,
        and SQLite does not wait for that: when two processes open a new log at once, retry."""
        for attempt in range(200):
            try:
                if self._db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                    self._db.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or attempt == 199:
                    raise
                time.sleep(0.01)

    def append(self, payloads: Sequence[bytes]) -> int:
        if not payloads:
            return self.end_offset()
        now = time.time()
        self._db.execute("BEGIN IMMEDIATE")  # one writer at a time: offsets stay contiguous
        try:
            last = self.end_offset()
            self._db.executemany(
                f"INSERT INTO {self._events} (seq, appended_at, payload) VALUES (?, ?, ?)",
                ((last + i, now, bytes(payload)) for i, payload in enumerate(payloads, start=1)),
            )
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        return last + len(payloads)

    def read(self, after: int = 0, limit: int = 1000, timeout: float = 0.0) -> list[Record]:
        deadline = time.monotonic() + timeout
        while True:
            rows = self._db.execute(
                f"SELECT seq, payload, appended_at FROM {self._events} WHERE seq > ? ORDER BY seq LIMIT ?",
                (after, limit),
            ).fetchall()
            if rows or time.monotonic() >= deadline:
                return [Record(seq, payload, appended_at) for seq, payload, appended_at in rows]
            time.sleep(_POLL_SLEEP)

    def end_offset(self) -> int:
        return self._db.execute(f"SELECT coalesce(max(seq), 0) FROM {self._events}").fetchone()[0]

    def tail(self, count: int = 1) -> list[Record]:
        rows = self._db.execute(
            f"SELECT seq, payload, appended_at FROM {self._events} ORDER BY seq DESC LIMIT ?", (count,)
        ).fetchall()
        return [Record(seq, payload, appended_at) for seq, payload, appended_at in reversed(rows)]

    def first_offset(self) -> int:
        first = self._db.execute(f"SELECT min(seq) FROM {self._events}").fetchone()[0]
        return first if first is not None else self.end_offset() + 1

    def protected_from(self) -> int | None:
        lowest = self._db.execute(f"SELECT min(committed) FROM {self._groups}").fetchone()[0]
        return None if lowest is None else lowest + 1

    def _drop_before(self, offset: int) -> int:
        return self._db.execute(f"DELETE FROM {self._events} WHERE seq < ?", (offset,)).rowcount

    def consumer(self, group: str, name: str = "1") -> Consumer:
        consumer = _SQLiteConsumer(self, group, name)
        consumer.position = self.committed(group)
        return consumer

    def committed(self, group: str) -> int:
        row = self._db.execute(f"SELECT committed FROM {self._groups} WHERE name = ?", (group,)).fetchone()
        return row[0] if row else 0

    def _commit(self, group: str, offset: int) -> None:
        self._db.execute(
            f"INSERT INTO {self._groups} (name, committed) VALUES (?, ?)"
            " ON CONFLICT(name) DO UPDATE SET committed = excluded.committed",
            (group, offset),
        )

    def close(self) -> None:
        self._db.close()


class _SQLiteConsumer(Consumer):
    log: SQLiteLog

    def seek(self, offset: int) -> None:
        self.position = offset

    def poll(self, limit: int = 1000, timeout: float = 0.0) -> list[Record]:
        records = self.log.read(self.position, limit, timeout)
        if records:
            self.position = records[-1].offset
        return records

    def commit(self, offset: int) -> None:
        self.log._commit(self.group, offset)


# -- Redis Streams: a server, consumer groups --------------------------------------------------------
# Appends number the entries ``<offset>-0`` from a counter, atomically (one script), so offsets are the
# same integers as on SQLite even with several producers.
_APPEND_SCRIPT = """
local count = (#ARGV - 1)
local last = redis.call('INCRBY', KEYS[2], count)
local offset = last - count
for i = 2, #ARGV do
  offset = offset + 1
  redis.call('XADD', KEYS[1], offset .. '-0', 'p', ARGV[i], 't', ARGV[1])
end
return last
"""


def _offset(entry_id: bytes | str) -> int:
    text = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
    return int(text.partition("-")[0])


class RedisLog(EventLog):
    """The log as a Redis Stream (``stream``) plus a counter that numbers its entries."""

    def __init__(self, url: str = "redis://127.0.0.1:6379/0", stream: str = DEFAULT_STREAM) -> None:
        import redis

        self.stream = stream
        self.url = f"{url.split('?')[0]}?stream={stream}"
        self._redis = redis.Redis.from_url(url.split("?")[0], decode_responses=False)
        self._counter = f"{stream}:offset"
        self._committed = f"{stream}:committed"
        self._append = self._redis.register_script(_APPEND_SCRIPT)

    @property
    def client(self):
        """The ``redis.Redis`` client (for consumers and tests)."""
        return self._redis

    def append(self, payloads: Sequence[bytes]) -> int:
        if not payloads:
            return self.end_offset()
        last = 0
        for start in range(0, len(payloads), 5000):  # bounded script arguments
            chunk = [bytes(payload) for payload in payloads[start : start + 5000]]
            last = int(self._append(keys=[self.stream, self._counter], args=[repr(time.time()), *chunk]))
        return last

    def read(self, after: int = 0, limit: int = 1000, timeout: float = 0.0) -> list[Record]:
        block = int(timeout * 1000) if timeout > 0 else None
        reply = self._redis.xread({self.stream: f"{after}-0"}, count=limit, block=block)
        return _records(reply)

    def end_offset(self) -> int:
        value = self._redis.get(self._counter)
        return int(value) if value else 0

    def consumer(self, group: str, name: str = "1") -> Consumer:
        consumer = _RedisConsumer(self, group, name)
        consumer.seek(self.committed(group))
        return consumer

    def committed(self, group: str) -> int:
        value = self._redis.hget(self._committed, group)
        return int(value) if value else 0

    def tail(self, count: int = 1) -> list[Record]:
        entries = self._redis.xrevrange(self.stream, count=count)
        return _records([(self.stream, list(reversed(entries)))])

    def first_offset(self) -> int:
        first = self._redis.xrange(self.stream, count=1)
        return _offset(first[0][0]) if first else self.end_offset() + 1

    def groups(self) -> list[dict[str, Any]]:
        """XINFO GROUPS: per group, ``name``, ``pending`` (delivered, not acknowledged), ``lag`` (not yet
        delivered; ``None`` when the server cannot tell) and ``last-delivered-id``."""
        import redis

        try:
            groups = self._redis.xinfo_groups(self.stream)
        except redis.ResponseError:  # no such stream yet
            return []
        return [{key: _text(value) for key, value in group.items()} for group in groups]

    def lag(self, group: str) -> int:
        """From the server (XINFO GROUPS): records not yet delivered to ``group`` plus those delivered
        but not acknowledged; ``end - committed`` when the server cannot tell."""
        for info in self.groups():
            if info["name"] == group and info.get("lag") is not None:
                return int(info["lag"]) + int(info["pending"])
        return super().lag(group)

    def protected_from(self) -> int | None:
        lowest = None
        for info in self.groups():
            if int(info["pending"]):
                summary = self._redis.xpending(self.stream, info["name"])
                needed = _offset(summary["min"])
            else:
                needed = _offset(info["last-delivered-id"]) + 1
            lowest = needed if lowest is None else min(lowest, needed)
        return lowest

    def _drop_before(self, offset: int) -> int:
        return int(self._redis.xtrim(self.stream, minid=f"{offset}-0", approximate=False))

    def reclaim(self, group: str, consumer: str, min_idle_ms: int) -> list[Record]:
        """XAUTOCLAIM: make ``consumer`` the owner of every record of ``group`` left pending (delivered,
        never acknowledged) for at least ``min_idle_ms`` by another consumer, a dead one; return them."""
        claimed: list[Record] = []
        start = "0-0"
        while True:
            next_start, entries, *_deleted = self._redis.xautoclaim(
                self.stream, group, consumer, min_idle_ms, start_id=start, count=1000
            )
            claimed += _records([(self.stream, [entry for entry in entries if entry[1]])])
            start = _text(next_start)
            if start == "0-0":
                return claimed

    def close(self) -> None:
        self._redis.close()


def _text(value: Any) -> Any:
    return value.decode() if isinstance(value, bytes) else value


def _records(reply: Any) -> list[Record]:
    records = []
    for _stream, entries in reply or []:
        for entry_id, fields in entries:
            records.append(Record(_offset(entry_id), fields[b"p"], float(fields[b"t"])))
    return records


class _RedisConsumer(Consumer):
    """XREADGROUP on a consumer group; ``seek`` moves the group (XGROUP SETID); ``commit`` XACKs."""

    log: RedisLog

    def __init__(self, log: RedisLog, group: str, name: str) -> None:
        super().__init__(log, group, name)
        self._delivered: list[bytes] = []

    def seek(self, offset: int) -> None:
        import redis

        client, stream = self.log.client, self.log.stream
        try:
            client.xgroup_create(stream, self.group, id=f"{offset}-0", mkstream=True)
        except redis.ResponseError as error:
            if "BUSYGROUP" not in str(error):
                raise
            client.xgroup_setid(stream, self.group, id=f"{offset}-0")
        # Entries a previous incarnation (under any consumer name: XAUTOCLAIM) received but never
        # acknowledged: the caller decides from its own offset what to read again, so clear them; those
        # after ``offset`` are delivered again anyway.
        self.reclaimed = len(self.log.reclaim(self.group, self.name, min_idle_ms=0))
        while pending := client.xpending_range(
            stream, self.group, min="-", max="+", count=1000, consumername=self.name
        ):
            client.xack(stream, self.group, *[entry["message_id"] for entry in pending])
        self._delivered.clear()
        self.position = offset

    def poll(self, limit: int = 1000, timeout: float = 0.0) -> list[Record]:
        block = int(timeout * 1000) if timeout > 0 else None
        reply = self.log.client.xreadgroup(self.group, self.name, {self.log.stream: ">"}, count=limit, block=block)
        records = _records(reply)
        if records:
            self._delivered.extend(f"{record.offset}-0".encode() for record in records)
            self.position = records[-1].offset
        return records

    def commit(self, offset: int) -> None:
        client, stream = self.log.client, self.log.stream
        done = [entry for entry in self._delivered if _offset(entry) <= offset]
        for start in range(0, len(done), 5000):
            client.xack(stream, self.group, *done[start : start + 5000])
        self._delivered = self._delivered[len(done) :]
        client.hset(self.log._committed, self.group, offset)


def open_log(url: str | Path) -> EventLog:
    """The log at ``url``: ``sqlite:///path.db``, a plain file path, or ``redis://host:port/db``, each with
    an optional ``?stream=name`` (default ``flights``)."""
    text = str(url)
    if text.startswith(("redis://", "rediss://", "unix://")):
        query = parse_qs(urlparse(text).query)
        return RedisLog(text, stream=query.get("stream", [DEFAULT_STREAM])[0])
    path, _, query = text.partition("?")
    stream = parse_qs(query).get("stream", [DEFAULT_STREAM])[0]
    if path.startswith("sqlite:///"):
        return SQLiteLog(path[len("sqlite:///") :], stream)  # sqlite:///relative.db, sqlite:////absolute.db
    if "://" in path:
        raise ValueError(f"unknown log URL {text!r}: use sqlite:///path.db or redis://host:port/0?stream=name")
    return SQLiteLog(path, stream)


# -- for the command lines -----------------------------------------------------------------------------
EXIT_LOG = 3
"""Exit code of a program that cannot reach or use its log (2 is argparse's: bad arguments)."""
EXIT_BUSY = 4
"""Exit code of a learner whose store another learner holds."""


def log_url(text: str) -> str:
    """An argparse ``type``: the URL, if ``open_log`` understands its form (nothing is opened)."""
    path = text.partition("?")[0]
    if not text or ("://" in path and not path.startswith(("sqlite:///", "redis://", "rediss://", "unix://"))):
        raise argparse.ArgumentTypeError(f"{text!r}: use sqlite:///path.db, a path, or redis://host:port/0")
    stream = parse_qs(text.partition("?")[2]).get("stream", [DEFAULT_STREAM])[0]
    if not re.fullmatch(r"[A-Za-z0-9_.:-]{1,100}", stream):
        raise argparse.ArgumentTypeError(f"stream {stream!r}: use letters, digits and _ . : -")
    return text


def log_errors() -> tuple[type[BaseException], ...]:
    """The errors that mean "this log cannot be used" (a missing server, an unreadable file)."""
    errors: tuple[type[BaseException], ...] = (OSError, sqlite3.Error)
    try:
        import redis

        errors += (redis.RedisError,)
    except ImportError:  # pragma: no cover - redis is in the requirements
        pass
    return errors


def fail(parser: argparse.ArgumentParser, message: str, code: int) -> int:
    """Print ``prog: error: message`` on one line, as argparse does, and return ``code``."""
    print(f"{parser.prog}: error: {message}", file=sys.stderr)
    return code
