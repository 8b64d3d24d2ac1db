"""Running the log as an operator would, and beyond one machine.

Retention (never past what a consumer group has not acknowledged) on both backends; on a real
redis-server: XAUTOCLAIM of entries left pending by a dead consumer, the lag read from XINFO GROUPS, and
a producer, a learner and two predictors in separate folders sharing nothing but the server.
"""

from __future__ import annotations

import uuid

import pytest
from test_streaming_log import payloads

from architectures.streaming.apart import run_apart
from architectures.streaming.events import flights_between
from architectures.streaming.learner import Learner
from architectures.streaming.log import open_log
from architectures.streaming.producer import replay
from shared.data import load_flights


def test_retention_never_drops_what_a_group_has_not_acknowledged(log_url):
    with open_log(log_url) as log:
        log.append(payloads(10))
        consumer = log.consumer("model")
        consumer.poll(limit=6)
        consumer.commit(4)  # 5 and 6 delivered but not acknowledged, 7 to 10 not even delivered
        assert log.trim(max_len=2) == 4
        assert log.first_offset() == 5 and log.end_offset() == 10
        assert [r.offset for r in log.read(0, limit=100)] == list(range(5, 11))
        consumer.poll(limit=100)
        consumer.commit(10)
        assert log.trim(min_offset=8) == 3
        assert log.first_offset() == 8
        assert log.trim(max_len=0) == 2  # the last record always stays: it carries the end offset
        assert (log.first_offset(), log.end_offset()) == (10, 10)
        assert log.append(payloads(1)) == 11


def test_retention_without_groups_keeps_the_newest(log_url):
    with open_log(log_url) as log:
        log.append(payloads(10))
        assert log.trim(max_len=3) == 7
        assert [r.offset for r in log.read(0, limit=100)] == [8, 9, 10]
        assert [r.offset for r in log.tail(2)] == [9, 10]
        assert log.trim(max_len=3) == 0


def test_learner_applies_retention_and_still_restarts(log_url, tmp_path):
    window = flights_between(load_flights(), "2013-01-02", "2013-01-03")
    with open_log(log_url) as log:
        replay(log, window)
        end = log.end_offset()
        with Learner(log, tmp_path / "store", retain=300, batch_size=200) as learner:
            stopped = learner.run(until_offset=1000)
        # The rule asks for the newest 300 of the log; the group acknowledged only up to the checkpoint.
        assert log.first_offset() == stopped.offset + 1 < end - 300 + 1
        with Learner(log, tmp_path / "store", retain=300) as learner:
            state = learner.run(until_offset=end)
        assert state.online.departures == state.online.arrivals == len(window)
        assert log.first_offset() == end - 300 + 1


def test_xautoclaim_takes_over_what_a_dead_consumer_left_pending(redis_url):
    with open_log(f"{redis_url}?stream=claim-{uuid.uuid4().hex[:8]}") as log:
        log.append(payloads(5))
        dead = log.consumer("model", name="dead")
        assert len(dead.poll(limit=5)) == 5  # delivered, never acknowledged: the consumer died
        assert log.reclaim("model", "heir", min_idle_ms=3_600_000) == []  # not idle for an hour yet
        claimed = log.reclaim("model", "heir", min_idle_ms=0)
        assert [r.offset for r in claimed] == [1, 2, 3, 4, 5]
        assert claimed[0].payload == payloads(1)[0]
        owners = {c["name"].decode(): c["pending"] for c in log.client.xpending(log.stream, "model")["consumers"]}
        assert owners == {"heir": 5}


def test_a_consumer_seeking_clears_what_any_dead_consumer_left_pending(redis_url):
    with open_log(f"{redis_url}?stream=seek-{uuid.uuid4().hex[:8]}") as log:
        log.append(payloads(6))
        log.consumer("model", name="old-host").poll(limit=6)
        successor = log.consumer("model", name="new-host")  # seeks to the committed offset (0)
        assert successor.reclaimed == 6
        assert log.client.xpending(log.stream, "model")["pending"] == 0
        assert [r.offset for r in successor.poll(limit=10)] == list(range(1, 7))


def test_lag_is_read_from_the_server(redis_url):
    with open_log(f"{redis_url}?stream=lag-{uuid.uuid4().hex[:8]}") as log:
        log.append(payloads(10))
        consumer = log.consumer("model")
        consumer.poll(limit=6)
        consumer.commit(4)
        [group] = log.groups()
        assert (group["name"], group["lag"], group["pending"]) == ("model", 4, 2)  # XINFO GROUPS
        assert log.lag("model") == 6 == log.end_offset() - log.committed("model")


@pytest.mark.slow
def test_producer_learner_and_two_predictors_share_nothing_but_redis(redis_url, tmp_path):
    """As on four machines: four empty working folders; every answer names a version on the model stream."""
    url = f"{redis_url}?stream=apart-{uuid.uuid4().hex[:8]}"
    producer_options = ["--from", "2013-01-02", "--to", "2013-01-05", "--speed", str(86_400)]
    run = run_apart(url, tmp_path, producer_options, ["--keep-models", "100000"])
    for name, answers in run.answers.items():
        served = [(answer["version"], answer["offset"]) for answer in answers if "version" in answer]
        assert served and set(served) <= run.published, name  # every prediction names a published version
        assert served[-1][1] == run.end and served == sorted(served), name  # newer and newer, up to the end
        errors = {answer["error"] for answer in answers if "error" in answer}
        assert all(error.startswith("no model published yet") for error in errors), errors
    assert len(run.published) >= 3
    assert run.files == {"producer": [], "learner": ["store"], "predictor-1": [], "predictor-2": []}
