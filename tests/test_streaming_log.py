"""The event log contract: both backends (SQLite, a real redis-server) pass the same tests.

Also holds the fixtures the other streaming tests import: a throwaway ``redis-server`` and a fresh log
URL on each backend.
"""

from __future__ import annotations

import threading
import time
import uuid

import pytest

from architectures.streaming.log import RedisLog, SQLiteLog, open_log


def payloads(n: int, start: int = 0) -> list[bytes]:
    return [f'{{"n": {i}}}'.encode() for i in range(start, start + n)]


def test_open_log_picks_the_backend(log_url):
    with open_log(log_url) as log:
        assert isinstance(log, SQLiteLog if log_url.startswith("sqlite") else RedisLog)
        assert log.end_offset() == 0
        assert log.read(0) == []


def test_offsets_are_contiguous_from_one_and_reads_keep_order(log_url):
    with open_log(log_url) as log:
        assert log.append(payloads(3)) == 3
        assert log.append(payloads(4, start=3)) == 7
        records = log.read(0, limit=100)
        assert [r.offset for r in records] == list(range(1, 8))
        assert [r.payload for r in records] == payloads(7)
        assert all(r.appended_at > 1e9 for r in records)
        assert log.end_offset() == 7


def test_read_after_an_offset_with_a_limit(log_url):
    with open_log(log_url) as log:
        log.append(payloads(10))
        assert [r.offset for r in log.read(after=4, limit=3)] == [5, 6, 7]
        assert log.read(after=10) == []


def test_bytes_round_trip_even_when_not_json(log_url):
    odd = [b"", b"\x00\xff\xfe not utf-8", b'{"type": "departure", "flight_id": ', "é".encode()]
    with open_log(log_url) as log:
        log.append(odd)
        assert [r.payload for r in log.read(0)] == odd


def test_a_second_connection_sees_the_same_log(log_url):
    with open_log(log_url) as writer:
        writer.append(payloads(5))
    with open_log(log_url) as reader:
        assert reader.end_offset() == 5
        assert [r.payload for r in reader.read(2)] == payloads(3, start=2)


def test_read_waits_for_new_records_up_to_the_timeout(log_url):
    with open_log(log_url) as log:
        assert log.read(0, timeout=0.05) == []  # nothing came: an empty answer, not an error

        def append_later() -> None:
            time.sleep(0.2)
            with open_log(log_url) as other:
                other.append(payloads(1))

        thread = threading.Thread(target=append_later)
        thread.start()
        records = log.read(0, timeout=5.0)
        thread.join()
        assert [r.offset for r in records] == [1]


def test_concurrent_producers_get_distinct_contiguous_offsets(log_url):
    def produce(tag: str) -> None:
        with open_log(log_url) as log:
            for i in range(20):
                log.append([f"{tag}{i}-{j}".encode() for j in range(5)])

    threads = [threading.Thread(target=produce, args=(tag,)) for tag in "ab"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with open_log(log_url) as log:
        records = log.read(0, limit=1000)
        assert [r.offset for r in records] == list(range(1, 201))
        assert len({r.payload for r in records}) == 200
        for tag in "ab":  # each producer's records keep their order
            mine = [r.payload.decode() for r in records if r.payload.startswith(tag.encode())]
            assert mine == [f"{tag}{i}-{j}" for i in range(20) for j in range(5)]


def test_consumer_polls_in_order_and_commits(log_url):
    with open_log(log_url) as log:
        log.append(payloads(10))
        consumer = log.consumer("model")
        first = consumer.poll(limit=4)
        assert [r.offset for r in first] == [1, 2, 3, 4]
        assert consumer.position == 4
        assert [r.offset for r in consumer.poll(limit=100)] == list(range(5, 11))
        assert consumer.poll(limit=100) == []
        assert log.committed("model") == 0
        consumer.commit(4)
        assert log.committed("model") == 4
        assert log.lag("model") == 6


def test_consumer_seeks_back_to_read_again(log_url):
    with open_log(log_url) as log:
        log.append(payloads(6))
        consumer = log.consumer("model")
        consumer.poll(limit=100)
        consumer.seek(2)
        assert [r.offset for r in consumer.poll(limit=100)] == [3, 4, 5, 6]


def test_a_new_consumer_of_a_group_starts_after_its_committed_offset(log_url):
    with open_log(log_url) as log:
        log.append(payloads(6))
        consumer = log.consumer("model")
        consumer.poll(limit=3)
        consumer.commit(3)
    with open_log(log_url) as log:
        again = log.consumer("model")
        assert [r.offset for r in again.poll(limit=100)] == [4, 5, 6]


def test_groups_are_independent(log_url):
    with open_log(log_url) as log:
        log.append(payloads(5))
        model, archive = log.consumer("model"), log.consumer("archive")
        assert [r.offset for r in model.poll(limit=2)] == [1, 2]
        model.commit(2)
        assert [r.offset for r in archive.poll(limit=100)] == [1, 2, 3, 4, 5]
        assert (log.committed("model"), log.committed("archive")) == (2, 0)


def test_consumer_poll_waits_for_new_records(log_url):
    with open_log(log_url) as log:
        consumer = log.consumer("model")

        def append_later() -> None:
            with open_log(log_url) as other:
                other.append(payloads(2))  # one append: both records become visible at once

        timer = threading.Timer(0.2, append_later)
        timer.start()
        records = consumer.poll(limit=10, timeout=5.0)
        timer.join()
        assert [r.offset for r in records] == [1, 2]


def test_redis_acknowledges_what_is_committed(redis_url):
    with open_log(f"{redis_url}?stream=acks-{uuid.uuid4().hex[:8]}") as log:
        log.append(payloads(5))
        consumer = log.consumer("model")
        consumer.poll(limit=5)
        assert log.client.xpending(log.stream, "model")["pending"] == 5
        consumer.commit(3)
        assert log.client.xpending(log.stream, "model")["pending"] == 2
        consumer.seek(3)  # a restart: what was delivered but not acknowledged is cleared, then delivered again
        assert log.client.xpending(log.stream, "model")["pending"] == 0
        assert [r.offset for r in consumer.poll(limit=5)] == [4, 5]


def test_unknown_url_scheme_is_refused():
    with pytest.raises(ValueError, match="unknown log URL"):
        open_log("kafka://broker:9092/flights")
