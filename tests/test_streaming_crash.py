"""Kill the learner process (SIGKILL) at random points while the stream flows; restart it each time.

The final model must equal the one of a learner that was never interrupted, and every event must have
been processed exactly once: each departure predicted once, each arrival learned once, each malformed
event dead-lettered once.
"""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest

from architectures.streaming.events import flights_between, iter_events
from architectures.streaming.learner import Learner
from architectures.streaming.log import SQLiteLog, open_log
from architectures.streaming.producer import replay
from architectures.streaming.published import PublishedModel, model_stream_name
from architectures.streaming.store import DEAD_LETTERS, PREDICTIONS, ModelStore
from shared.data import load_flights
from shared.processes import BackgroundProcess, python_command, wait_until

pytestmark = pytest.mark.slow  # real processes, killed

START, END = "2013-01-01", "2013-01-11"  # ten days: about 17,500 events
MALFORMED_EVERY = 997
KILLS = 4
SPEED = 86_400  # one day per second: the stream flows for about ten seconds


@pytest.fixture(scope="module")
def window():
    return flights_between(load_flights(), START, END)


def reference_run(window, tmp_path: Path) -> tuple[ModelStore, int]:
    """The same stream, learned without interruption, in-process."""
    with SQLiteLog(tmp_path / "reference.db") as log:
        replay(log, window, malformed_every=MALFORMED_EVERY)
        end = log.end_offset()
        with Learner(log, tmp_path / "reference") as learner:
            learner.run(until_offset=end)
    return ModelStore(tmp_path / "reference"), end


def learner_command(url: str, store: Path, *extra: str) -> list[str]:
    options = ["--log", url, "--store", str(store), "--publish-interval", "0.05", "--checkpoint-interval", "0.1"]
    return python_command("-m", "architectures.streaming.learner", *options, *extra)


def last_model(url: str) -> PublishedModel:
    """The newest model document on the log's model stream."""
    with open_log(url) as log, log.sibling(model_stream_name(log.stream)) as models:
        return PublishedModel.from_bytes(models.tail(1)[0].payload)


@pytest.mark.slow
def test_killed_learner_restarts_with_nothing_lost_and_nothing_learned_twice(log_url, window, tmp_path):
    reference, end = reference_run(window, tmp_path)
    store = tmp_path / "store"
    rng = random.Random(2013)
    options = ["--log", log_url, "--from", START, "--to", END, "--speed", str(SPEED)]
    options += ["--malformed-every", str(MALFORMED_EVERY), "--batch-size", "200"]
    producer = BackgroundProcess(python_command("-m", "architectures.streaming.producer", *options)).start()
    started_at: list[int] = []
    kills = 0
    try:
        while kills < KILLS and producer.running():
            learner = BackgroundProcess(learner_command(log_url, store)).start()
            try:
                wait_until(lambda log=learner.log: "started at offset" in log(), 60, "the learner did not start")
                time.sleep(rng.uniform(0.1, 0.6))  # somewhere while it reads, learns, publishes, checkpoints
                os.kill(learner.pid, signal.SIGKILL)
                learner.process.wait(10)
                assert learner.process.returncode == -signal.SIGKILL
                kills += 1
                started_at += [
                    int(n.replace(",", "")) for n in re.findall(r"started at offset ([\d,]+)", learner.log())
                ]
            finally:
                learner.stop()
        assert producer.process.wait(60) == 0, producer.log()
    finally:
        producer.stop()
    assert kills >= 2, "the stream ended before the learner could be killed twice (a very slow machine?)"
    with open_log(log_url) as log:
        assert log.end_offset() == end  # the same stream, offset for offset
    finished = subprocess.run(
        learner_command(log_url, store, "--until-offset", str(end)), capture_output=True, timeout=120
    )
    assert finished.returncode == 0, finished.stderr.decode()

    print("learner lives started at offsets", started_at, "of", end)
    # The learner really was killed mid-stream: each life resumed further along, from a checkpoint.
    assert started_at[0] == 0 and started_at == sorted(started_at) and 0 < started_at[-1] < end

    # Exactly once: every event processed once, each output line written once.
    crashed, calm = ModelStore(store).read_checkpoint(), reference.read_checkpoint()
    departures = len(window)
    malformed = end - 2 * departures
    assert malformed == (2 * departures) // MALFORMED_EVERY
    assert (crashed.offset, crashed.processed) == (end, end)
    assert (crashed.online.departures, crashed.online.arrivals, crashed.dead_letters) == (
        departures,
        departures,
        malformed,
    )
    assert crashed.online.pending == {}
    predictions = ModelStore(store).predictions()
    assert len(predictions) == departures == len({p["flight_id"] for p in predictions})
    assert len({d["offset"] for d in ModelStore(store).dead_letters()}) == malformed
    for name in (PREDICTIONS, DEAD_LETTERS):
        assert (store / name).read_bytes() == (reference.root / name).read_bytes(), name

    # The final model is the uninterrupted one: same predictions, same running metrics.
    probe = [event["record"] for event in iter_events(window.tail(300)) if event["type"] == "departure"]
    from shared.features import record_features

    features = [record_features(record) for record in probe]
    assert [crashed.online.predict(f) for f in features] == [calm.online.predict(f) for f in features]
    assert crashed.online.log_loss.get() == calm.online.log_loss.get()
    # And so is the model the predictors get: the last document on the model stream, number for number.
    published, expected = last_model(log_url), last_model(f"sqlite:///{tmp_path / 'reference.db'}")
    assert published.offset == expected.offset == end
    assert (published.weights, published.intercept, published.scaler) == (
        expected.weights,
        expected.intercept,
        expected.scaler,
    )
    assert [published.predict_proba_one(f) for f in features] == [calm.online.predict(f) for f in features]
