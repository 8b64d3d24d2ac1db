"""A tiny load generator (in the spirit of ``wrk``): N keep-alive connections sending one request.

It measures the service, not a client library: each connection writes a prebuilt HTTP/1.1 request
and reads the answer, as fast as the service answers. Used by the notebook and the benchmark::

    load = hammer("http://127.0.0.1:8000", "/v2/models/flight-delay/predict", body, connections=8, seconds=2)
    load.per_second, load.failed

From a shell: ``python -m architectures.api.load --url http://127.0.0.1:8000 --seconds 2``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlsplit

EXIT_UNREACHABLE = 4
"""Exit code when no service answers at the URL."""
PREDICT = "/v2/models/flight-delay/predict"
FLIGHT = {"carrier": "UA", "origin": "EWR", "dest": "ORD", "sched_dep": "2013-07-15T17:30:00", "distance": 719}


@dataclass(frozen=True)
class Load:
    """What a load run achieved."""

    requests: int
    failed: int
    seconds: float
    connections: int

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds

    def __str__(self) -> str:
        return (
            f"{self.per_second:,.0f} req/s ({self.requests:,} requests, {self.failed} failed, "
            f"{self.connections} connections, {self.seconds:.1f} s)"
        )


def hammer(url: str, path: str, body: bytes, *, connections: int = 8, seconds: float = 2.0) -> Load:
    """POST ``body`` to ``url + path`` over ``connections`` keep-alive connections for ``seconds``."""
    parts = urlsplit(url)
    request = (
        f"POST {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    run = _run(parts.hostname or "127.0.0.1", parts.port or 80, request, connections, seconds)
    with ThreadPoolExecutor(1) as pool:  # its own event loop, even inside Jupyter's
        return pool.submit(asyncio.run, run).result()


async def _run(host: str, port: int, request: bytes, connections: int, seconds: float) -> Load:
    start = time.perf_counter()
    deadline = start + seconds
    counts = await asyncio.gather(*(_connection(host, port, request, deadline) for _ in range(connections)))
    elapsed = time.perf_counter() - start
    return Load(sum(ok for ok, _ in counts), sum(bad for _, bad in counts), elapsed, connections)


async def _connection(host: str, port: int, request: bytes, deadline: float) -> tuple[int, int]:
    reader, writer = await asyncio.open_connection(host, port)
    writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    ok = bad = 0
    try:
        while time.perf_counter() < deadline:
            writer.write(request)
            status_line = (await reader.readline()).split()
            if len(status_line) < 2:  # the service closed the connection
                bad += 1
                break
            status = int(status_line[1])
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.partition(b":")
                if name.lower() == b"content-length":
                    length = int(value)
            await reader.readexactly(length)
            ok, bad = (ok + 1, bad) if status == 200 else (ok, bad + 1)
    finally:
        writer.close()
    return ok, bad


def main(argv: list[str] | None = None) -> int:
    """Load the service at ``--url`` with one flight and print what it achieved."""
    parser = argparse.ArgumentParser(prog="python -m architectures.api.load", description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="the model API (default: %(default)s)")
    parser.add_argument("--path", default=PREDICT, help="the endpoint (default: %(default)s)")
    parser.add_argument("--connections", type=int, default=8, help="keep-alive connections (default: %(default)s)")
    parser.add_argument("--seconds", type=float, default=2.0, help="how long (default: %(default)s)")
    args = parser.parse_args(argv)
    if args.connections < 1 or args.seconds <= 0:
        parser.error("--connections must be at least 1 and --seconds positive")
    try:
        load = hammer(
            args.url, args.path, json.dumps(FLIGHT).encode(), connections=args.connections, seconds=args.seconds
        )
    except OSError as error:
        print(f"no model API answers at {args.url} ({error.strerror or error}): start it first", file=sys.stderr)
        return EXIT_UNREACHABLE
    print(load)
    return 0


if __name__ == "__main__":
    sys.exit(main())
