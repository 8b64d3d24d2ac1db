"""The stream, the online model, the learner's outputs and recovery, the predictor, the producer."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from architectures.streaming import predictor as predictor_cli
from architectures.streaming.events import ARRIVAL, DEPARTURE, encode, event_order, flights_between, iter_events
from architectures.streaming.learner import Learner, StoreLockedError
from architectures.streaming.log import SQLiteLog, open_log
from architectures.streaming.online import DeadLetter, OnlineModel, build_model
from architectures.streaming.predictor import PROBE, NoModelError, StreamPredictor
from architectures.streaming.producer import MALFORMED, replay
from architectures.streaming.published import PublishedModel, model_stream_name
from architectures.streaming.store import ModelStore
from shared.data import load_flights
from shared.features import INPUT_FIELDS, record_features
from shared.schema import validate_record


@pytest.fixture(scope="module")
def flights():
    return load_flights()


@pytest.fixture(scope="module")
def day(flights):
    """The flights of 2 January 2013 (about 940), and their events."""
    window = flights_between(flights, "2013-01-02", "2013-01-03")
    return window, list(iter_events(window))


# -- the stream --------------------------------------------------------------------------------------------
def test_each_flight_gives_a_departure_then_an_arrival_in_time_order(day):
    window, events = day
    assert len(events) == 2 * len(window)
    times = [event["at"] for event in events]
    assert times == sorted(times)
    seen: set[int] = set()
    for event in events:
        if event["type"] == DEPARTURE:
            seen.add(event["flight_id"])
        else:
            assert event["flight_id"] in seen, "an arrival before its departure"
    assert seen == set(window["flight_id"])


def test_departures_carry_the_input_fields_and_arrivals_the_label(day):
    window, events = day
    departure = next(e for e in events if e["type"] == DEPARTURE)
    assert set(departure["record"]) == {field.name for field in INPUT_FIELDS["reference"]}
    validate_record(departure["record"], "reference")  # a valid record, as any client would send
    row = window.set_index("flight_id").loc[departure["flight_id"]]
    assert departure["at"] == departure["record"]["sched_dep"] == row["sched_dep"].isoformat()
    arrivals = {e["flight_id"]: e for e in events if e["type"] == ARRIVAL}
    assert set(arrivals[departure["flight_id"]]) == {"type", "flight_id", "at", "late"}
    late = window.set_index("flight_id")["late"]
    assert all(arrival["late"] == bool(late[fid]) for fid, arrival in arrivals.items())
    outcome_at = window.set_index("flight_id")["outcome_at"]
    assert all(arrival["at"] == outcome_at[fid].isoformat() for fid, arrival in arrivals.items())


def test_an_arrival_at_the_same_minute_comes_before_a_departure(flights):
    sample = flights.iloc[:2].copy()
    sample.loc[sample.index[1], "sched_dep"] = sample["outcome_at"].iloc[0]
    order = event_order(sample)
    same = order[order["at"] == sample["outcome_at"].iloc[0]]
    assert same["type"].tolist() == [ARRIVAL, DEPARTURE]


def test_events_encode_as_json_with_no_pandas_types(day):
    _, events = day
    assert json.loads(encode(events[0])) == events[0]


# -- the online model ---------------------------------------------------------------------------------------
def test_predicts_before_learning_and_learns_from_the_departure_features(day):
    _, events = day
    model = OnlineModel()
    departure = next(e for e in events if e["type"] == DEPARTURE)
    kind, flight_id, first = model.handle(departure)
    assert (kind, flight_id, first) == (DEPARTURE, departure["flight_id"], 0.5)  # knows nothing yet
    features = record_features(departure["record"])
    assert model.pending[flight_id][0] == features
    assert model.handle({"type": ARRIVAL, "flight_id": flight_id, "late": True}) == (ARRIVAL, flight_id, 0.5)
    assert model.predict(features) > 0.5  # learned that this flight was late
    assert model.pending == {} and (model.departures, model.arrivals) == (1, 1)


def test_prequential_metrics_are_computed_from_predictions_made_before_learning(day):
    _, events = day
    model = OnlineModel()
    for event in events:
        model.handle(event)
    metrics = model.metrics()
    assert metrics["learned"] == metrics["departures"] == len(events) // 2
    assert metrics["waiting"] == 0
    assert 0.3 < metrics["log_loss"] < 0.7
    assert 0.5 < metrics["roc_auc_last_5000"] < 1.0


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        ([1, 2], "event: must be a JSON object"),
        ({"type": "departure", "flight_id": "7"}, "flight_id: must be an integer"),
        ({"type": "departure", "flight_id": True}, "flight_id: must be an integer"),
        ({"type": "departure", "flight_id": 7}, "record: must be a JSON object"),
        (
            {"type": "departure", "flight_id": 7, "record": {**PROBE, "distance": "far"}},
            "record.distance: must be a number",
        ),
        ({"type": "departure", "flight_id": 7, "record": {**PROBE, "sched_dep": "soon"}}, "record.sched_dep"),
        ({"type": "departure", "flight_id": 7, "record": {"carrier": "UA"}}, "record.origin: is required"),
        ({"type": "arrival", "flight_id": 7, "late": 1}, "late: must be true or false"),
        ({"type": "arrival", "flight_id": 7, "late": True}, "departure was never seen"),
        ({"type": "boarding", "flight_id": 7}, "type: must be"),
    ],
)
def test_malformed_events_are_refused_with_their_reason_and_change_nothing(event, reason):
    model = OnlineModel()
    with pytest.raises(DeadLetter, match=reason.replace(".", r"\.")):
        model.handle(event)
    assert (model.departures, model.arrivals, model.pending) == (0, 0, {})


def test_a_departure_seen_twice_is_refused():
    model = OnlineModel()
    model.handle({"type": "departure", "flight_id": 7, "record": PROBE})
    with pytest.raises(DeadLetter, match="seen twice"):
        model.handle({"type": "departure", "flight_id": 7, "record": PROBE})
    assert model.departures == 1


def test_dot_product_is_rivers_summed_in_a_fixed_order(day):
    """Our one change to river's logistic regression: the order of the sum, not its value."""
    _, events = day
    model = OnlineModel()
    for event in events:
        model.handle(event)
    union, regression = model.model.steps.values()
    x = union.transform_one(record_features(PROBE))
    assert regression._raw_dot_one(x) == pytest.approx(regression._weights.dot(x) + regression.intercept, abs=1e-12)


@pytest.mark.slow
def test_the_model_is_the_same_in_every_process(tmp_path):
    """Python's string hashes change per process; the learned model must not."""
    script = (
        "from architectures.streaming.events import flights_between, iter_events\n"
        "from architectures.streaming.online import OnlineModel\n"
        "from shared.data import load_flights\n"
        "model = OnlineModel()\n"
        "events = iter_events(flights_between(load_flights(), '2013-01-02', '2013-01-03'))\n"
        "outs = [model.handle(e)[2] for e in events]\n"
        "print(repr(sum(outs)), repr(outs[-1]))\n"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2")
    }
    assert len(outputs) == 1, outputs


# -- the learner --------------------------------------------------------------------------------------------
def fill(log, window, malformed_every: int = 0) -> int:
    replay(log, window, malformed_every=malformed_every)
    return log.end_offset()


def test_learner_predicts_each_departure_once_and_dead_letters_malformed_events(log_url, day, tmp_path):
    window, _ = day
    with open_log(log_url) as log:
        end = fill(log, window, malformed_every=400)
        with Learner(log, tmp_path / "store") as learner:
            state = learner.run(until_offset=end)
        assert log.committed("learner") == end
    store = ModelStore(tmp_path / "store")
    malformed = end - 2 * len(window)
    assert malformed == (2 * len(window)) // 400 > 0
    assert (state.online.departures, state.online.arrivals, state.dead_letters) == (len(window), len(window), malformed)
    predictions = store.predictions()
    assert sorted(p["flight_id"] for p in predictions) == sorted(window["flight_id"])
    assert all(0 < p["p_late"] < 1 for p in predictions)
    letters = store.dead_letters()
    assert [letter["offset"] for letter in letters] == [401 * k for k in range(1, malformed + 1)]
    assert {letter["payload"].encode() for letter in letters} <= set(MALFORMED)
    assert all(letter["reason"] for letter in letters)
    with open_log(log_url) as log:
        latest = published(log)[-1]
    assert latest.offset == end and latest.version == state.published_version
    assert latest.summary["learned"] == len(window) and latest.summary["dead_letters"] == malformed


def published(log) -> list[PublishedModel]:
    """Every model document on the model stream of ``log``, oldest first."""
    with log.sibling(model_stream_name(log.stream)) as models:
        return [PublishedModel.from_bytes(record.payload) for record in models.read(0, limit=100_000)]


def test_both_backends_give_the_same_predictions(redis_url, day, tmp_path):
    window, _ = day
    lines = []
    for name, url in [
        ("sqlite", f"sqlite:///{tmp_path}/log.db"),
        ("redis", f"{redis_url}?stream=same-{time.time_ns()}"),
    ]:
        with open_log(url) as log:
            end = fill(log, window, malformed_every=300)
            with Learner(log, tmp_path / name) as learner:
                learner.run(until_offset=end)
        lines.append((tmp_path / name / "predictions.jsonl").read_bytes())
    assert lines[0] == lines[1]


def test_a_stopped_learner_resumes_where_it_stopped(day, tmp_path):
    window, _ = day
    with SQLiteLog(tmp_path / "log.db") as log:
        end = fill(log, window, malformed_every=250)
        with Learner(log, tmp_path / "calm") as learner:
            learner.run(until_offset=end)
        for stop_at in (300, 301, 1000, end):  # three stops and restarts mid-stream
            with Learner(log, tmp_path / "stops", batch_size=64) as learner:
                learner.run(until_offset=stop_at)
    assert_same_outcome(tmp_path / "calm", tmp_path / "stops")


@pytest.mark.parametrize("crash_in", ["write_checkpoint", "publish"])
def test_a_crash_between_publication_and_checkpoint_is_recovered(crash_in, day, tmp_path, monkeypatch):
    """Crash after a version is published but before the checkpoint, or while publishing: the restarted
    learner goes on from the newest version on the stream and ends with the same model."""
    window, _ = day
    with SQLiteLog(tmp_path / "log.db") as log:
        end = fill(log, window)
        with SQLiteLog(tmp_path / "calm.db") as calm_log:
            fill(calm_log, window)
            with Learner(calm_log, tmp_path / "calm") as learner:
                learner.run(until_offset=end)
            calm_models = published(calm_log)
        with Learner(log, tmp_path / "store", batch_size=100) as learner:
            learner.run(until_offset=600)
        options = {"publish_interval": 3600, "checkpoint_interval": 3600, "batch_size": 300}
        crashing = Learner(log, tmp_path / "store", **options).open()
        crashing.step()  # publishes at once (nothing was due), then waits an hour to publish again
        crashing.step()  # learns more than the checkpoint and the stream know

        def power_cut(*args, **kwargs):
            raise KeyboardInterrupt("the power went out")

        if crash_in == "write_checkpoint":
            crashing.publish()
            monkeypatch.setattr(ModelStore, "write_checkpoint", power_cut)
            with pytest.raises(KeyboardInterrupt):
                crashing.checkpoint()
        else:
            monkeypatch.setattr(crashing.models, "append", power_cut)
            with pytest.raises(KeyboardInterrupt):
                crashing.publish()
        monkeypatch.undo()
        crashing._lock.close()  # what the OS does when a process dies
        store = ModelStore(tmp_path / "store")
        before = published(log)
        assert before[-1].version >= store.read_checkpoint().published_version
        with Learner(log, tmp_path / "store") as learner:
            assert learner.state.published_version == before[-1].version  # continues from the stream
            learner.run(until_offset=end)
        models = published(log)
    assert [m.version for m in models] == list(range(1, len(models) + 1))
    offsets = [m.offset for m in models]
    assert offsets == sorted(set(offsets)) and offsets[-1] == end == calm_models[-1].offset
    assert_same_outcome(tmp_path / "calm", tmp_path / "store")
    assert same_model(models[-1], calm_models[-1])


def same_model(a: PublishedModel, b: PublishedModel) -> bool:
    """The same numbers: weights, intercept, scaler, and the offset they include."""
    return (a.offset, a.weights, a.intercept, a.scaler) == (b.offset, b.weights, b.intercept, b.scaler)


def assert_same_outcome(expected: Path, actual: Path) -> None:
    calm, other = ModelStore(expected), ModelStore(actual)
    for name in ("predictions.jsonl", "dead_letters.jsonl"):
        assert (actual / name).read_bytes() == (expected / name).read_bytes(), name
    a, b = calm.read_checkpoint(), other.read_checkpoint()
    assert (a.offset, a.processed, a.dead_letters) == (b.offset, b.processed, b.dead_letters)
    features = record_features(PROBE)
    assert a.online.predict(features) == b.online.predict(features)


def test_two_learners_cannot_share_a_store(tmp_path):
    with SQLiteLog(tmp_path / "log.db") as log, Learner(log, tmp_path / "store"):
        with pytest.raises(StoreLockedError):
            Learner(log, tmp_path / "store").open()


def test_an_output_cut_behind_the_checkpoints_back_is_refused_and_the_store_unlocked(day, tmp_path):
    _, events = day
    with SQLiteLog(tmp_path / "log.db") as log:
        log.append_events(events[:500])
        with Learner(log, tmp_path / "store") as learner:
            learner.run(until_offset=500)
        (tmp_path / "store" / "predictions.jsonl").write_bytes(b"")  # someone emptied it
        with pytest.raises(RuntimeError, match="shorter than its checkpoint"):
            Learner(log, tmp_path / "store").open()
        (tmp_path / "store" / "checkpoint.pkl").unlink()  # start over: allowed, and not locked
        with Learner(log, tmp_path / "store") as learner:
            assert learner.state.published_version == published(log)[-1].version  # versions go on
            assert learner.run(until_offset=500).online.departures == 500 - sum(
                e["type"] == ARRIVAL for e in events[:500]
            )


def test_publishes_every_n_events_and_keeps_the_newest_documents(day, tmp_path):
    window, events = day
    with SQLiteLog(tmp_path / "log.db") as log:
        end = fill(log, window)
        options = {"publish_interval": 3600, "publish_every": 200, "batch_size": 50, "keep_models": 3}
        with Learner(log, tmp_path / "store", **options) as learner:
            learner.run(until_offset=end)
            count = learner.published_here
        models = published(log)
    assert count >= 4
    assert [m.version for m in models] == list(range(count - 2, count + 1))  # the newest three
    assert models[1].offset - models[0].offset == 200 and models[-1].offset == end  # every 200 events
    assert [m.summary["learned"] for m in models] == sorted({m.summary["learned"] for m in models})
    assert all(m.summary["freshness_s"] >= 0 for m in models)


def test_a_published_model_gives_the_learners_probabilities_bit_for_bit(day, tmp_path):
    """The document is all a predictor gets: rebuilt from JSON, it must be the learner's model exactly."""
    window, events = day
    records = [event["record"] for event in events if event["type"] == DEPARTURE]
    with SQLiteLog(tmp_path / "log.db") as log:
        log.append_events(events[: len(events) // 2])
        with Learner(log, tmp_path / "store") as learner:
            learner.run(until_offset=log.end_offset())
            own = [learner.state.online.predict(record_features(record)) for record in records]
        rebuilt = published(log)[-1]
    assert rebuilt.offset == len(events) // 2
    assert [rebuilt.predict_proba_one(record_features(record)) for record in records] == own
    assert len(set(own)) > 100  # a model that learned, not a constant


# -- the predictor ------------------------------------------------------------------------------------------
def test_predictor_picks_up_new_versions_without_restarting(day, tmp_path):
    window, events = day
    with SQLiteLog(tmp_path / "log.db") as log:
        predictor = StreamPredictor(log, check_interval=0.0)
        with pytest.raises(NoModelError):
            predictor.predict_one(PROBE)
        with Learner(log, tmp_path / "store") as learner:
            log.append_events(events[: len(events) // 2])
            learner.run(until_offset=log.end_offset())
            first = predictor.predict_one(PROBE)
            assert (predictor.version, predictor.loads) == (1, 1)
            log.append_events(events[len(events) // 2 :])
            learner.run(until_offset=log.end_offset())
        second = predictor.predict_one(PROBE)
        assert (predictor.version, predictor.loads, predictor.offset) == (2, 2, len(events))
        assert second != first
        with pytest.raises(ValueError, match="distance"):
            predictor.predict_one({**PROBE, "distance": None})
        predictor.close()


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        (b'{"format": "online-logistic', "not valid JSON"),
        (b"[1, 2]", "must be a JSON object"),
        ("schema_version", "schema_version: must be 1"),
        ("weights", "weights.carrier_UA: must be a finite number"),
        ("scaler", "scaler.distance.var: must not be negative"),
        ("version", "is not newer than"),
        ("pickle", "not valid JSON"),
    ],
)
def test_a_malformed_model_message_is_dead_lettered_and_the_last_good_version_serves(message, reason, day, tmp_path):
    _, events = day
    with SQLiteLog(tmp_path / "log.db") as log:
        log.append_events(events)
        with Learner(log, tmp_path / "store") as learner:
            learner.run(until_offset=log.end_offset())
            document = learner.last_document
        predictor = StreamPredictor(log, check_interval=0.0)
        good = predictor.predict_one(PROBE)
        broken = json.loads(json.dumps(document))
        if message == "schema_version":
            broken["schema_version"] = 99
        elif message == "weights":
            broken["weights"]["carrier_UA"] = "NaN"
        elif message == "scaler":
            broken["scaler"]["distance"]["var"] = -1.0
        elif message == "pickle":
            message = b"\x80\x05\x95 a pickle, never loaded"
        if not isinstance(message, bytes):
            message = json.dumps(broken).encode()
        with log.sibling(model_stream_name(log.stream)) as models:
            bad_offset = models.append([message])
        assert predictor.predict_one(PROBE) == good  # still served, by the last good version
        assert predictor.version == document["version"]
        [letter] = predictor.dead_letters
        assert letter["offset"] == bad_offset and reason in letter["reason"]
        predictor.close()


def test_predictor_command_answers_json_lines(day, tmp_path, monkeypatch, capsys):
    _, events = day
    with SQLiteLog(tmp_path / "log.db") as log, Learner(log, tmp_path / "store") as learner:
        log.append_events(events)
        learner.run(until_offset=log.end_offset())
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps(PROBE) + "\n" + json.dumps({"carrier": "UA"}) + "\n"))
    assert predictor_cli.main(["--log", str(tmp_path / "log.db")]) == 0
    good, bad = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    with SQLiteLog(tmp_path / "log.db") as log:
        newest = published(log)[-1]
    assert (good["version"], good["offset"]) == (newest.version, newest.offset) == (newest.version, len(events))
    assert 0 < good["p_late"] < 1
    assert bad == {"error": "origin: is required"}


# -- the producer ---------------------------------------------------------------------------------------------
def test_producer_compresses_time_and_keeps_order(flights, tmp_path):
    window = flights_between(flights, "2013-01-02 06:00", "2013-01-02 08:00")  # events span about 7 hours
    span = (window["outcome_at"].max() - window["sched_dep"].min()).total_seconds()
    speed = span / 0.6
    with SQLiteLog(tmp_path / "log.db") as log:
        appended = replay(log, window, speed=speed, batch_size=50)
        records = log.read(0, limit=10_000)
    assert appended == len(records) == 2 * len(window)
    assert [json.loads(r.payload) for r in records] == list(iter_events(window))
    stamps = [r.appended_at for r in records]
    assert stamps == sorted(stamps)
    assert len(set(stamps)) > 10  # appended as the compressed time came, in many small appends, not at once


def test_model_is_rebuilt_identically():
    assert str(build_model()) == str(build_model())
