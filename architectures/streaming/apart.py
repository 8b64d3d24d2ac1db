"""Beyond one machine: the programs run apart, sharing nothing but a Redis server.

Used by notebook 03 and the tests: a throwaway ``redis-server``, and a producer, a learner and
predictors started as separate processes, each in an empty folder of its own (as on separate machines),
with the predictors answering a probe flight a few times a second until they serve the model of the
whole stream.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from architectures.streaming.log import open_log
from architectures.streaming.predictor import PROBE
from architectures.streaming.published import PublishedModel, model_stream_name
from shared.processes import BackgroundProcess, free_port, python_command, wait_until

REDIS_SERVER = shutil.which("redis-server")
INSTALL_REDIS = "install redis-server (apt-get install redis-server, or brew install redis)"


@contextmanager
def throwaway_redis() -> Iterator[str]:
    """A ``redis-server`` on a free port, without persistence, stopped on exit; yields its URL."""
    if REDIS_SERVER is None:
        raise FileNotFoundError(f"redis-server is not installed: {INSTALL_REDIS}")
    import redis

    port = free_port()
    options = ["--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    with BackgroundProcess([REDIS_SERVER, *options]):
        url = f"redis://127.0.0.1:{port}/0"
        client = redis.Redis.from_url(url)

        def answers() -> bool:
            try:
                return bool(client.ping())
            except redis.ConnectionError:
                return False

        wait_until(answers, 10, "redis-server did not start")
        client.close()
        yield url


@dataclass
class RunApart:
    """What happened: each predictor's answers, the versions on the model stream, each folder's files."""

    answers: dict[str, list[dict[str, Any]]]
    published: set[tuple[int, int]]
    end: int
    files: dict[str, list[str]]
    lag: int
    groups: list[dict[str, Any]]
    kept: tuple[int, int]


def run_apart(
    url: str,
    root: Path,
    producer_options: list[str],
    learner_options: list[str] = (),
    predictors: int = 2,
    timeout: float = 120.0,
) -> RunApart:
    """Run producer, learner and ``predictors`` predictors on the log ``url``, each in its own folder
    under ``root``, until the producer is done and every predictor serves the model of the whole log."""
    names = ["producer", "learner", *[f"predictor-{i}" for i in range(1, predictors + 1)]]
    folders = {name: root / name for name in names}
    for folder in folders.values():
        folder.mkdir(parents=True)

    def program(name: str, *options: str) -> list[str]:
        return python_command("-m", f"architectures.streaming.{name}", "--log", url, *options)

    learner = BackgroundProcess(program("learner", "--store", "store", *learner_options), cwd=folders["learner"])
    producer = BackgroundProcess(program("producer", *producer_options), cwd=folders["producer"])
    serving: dict[str, subprocess.Popen] = {}
    answers: dict[str, list[dict[str, Any]]] = {name: [] for name in names[2:]}
    try:
        learner.start()
        for name in answers:
            serving[name] = subprocess.Popen(
                program("predictor"), cwd=folders[name], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
            )
        wait_until(lambda: "started at offset" in learner.log(), 60, "the learner did not start")
        producer.start()
        with open_log(url) as log:

            def ask_each() -> bool:
                for name, process in serving.items():
                    process.stdin.write(json.dumps(PROBE) + "\n")
                    process.stdin.flush()
                    answers[name].append(json.loads(process.stdout.readline()))
                done = not producer.running() and log.lag("learner") == 0
                return done and all(found[-1].get("offset") == log.end_offset() for found in answers.values())

            wait_until(ask_each, timeout, "the predictors did not catch up with the stream")
            if producer.stop() != 0:
                raise RuntimeError(f"the producer failed:\n{producer.log()}")
            with log.sibling(model_stream_name(log.stream)) as models:
                documents = (PublishedModel.from_bytes(record.payload) for record in models.read(0, limit=100_000))
                published = {(model.version, model.offset) for model in documents}
            return RunApart(
                answers=answers,
                published=published,
                end=log.end_offset(),
                files={name: sorted(path.name for path in folder.iterdir()) for name, folder in folders.items()},
                lag=log.lag("learner"),
                groups=log.groups() if hasattr(log, "groups") else [],
                kept=(log.first_offset(), log.end_offset()),
            )
    finally:
        for process in serving.values():
            process.terminate()
            process.wait(10)
        producer.stop()
        learner.stop()
