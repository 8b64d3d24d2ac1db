"""The model API through FastAPI's TestClient: every endpoint and every error a client can cause.

The registry is temporary: version 1 (reference spec) and version 2 (weather spec), trained on a
tenth of the training months so the module starts in a few seconds.
"""

from __future__ import annotations

import json
import math
import shutil
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from api_support import FLIGHT
from fastapi.testclient import TestClient

from architectures.api.model_server import ModelServer
from architectures.api.service import create_app
from shared.data import load_flights, split_by_time
from shared.features import INPUT_FIELDS, WEATHER
from shared.predict import Predictor
from shared.registry import NO_MODEL_HINT, ONNX_FILE, Registry

MODEL = "/v2/models/flight-delay"
BASE = ["carrier", "origin", "dest", "sched_dep", "distance"]
TOKEN = "operator-secret"
ADMIN = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def registry(two_version_registry: Registry, tmp_path_factory: pytest.TempPathFactory) -> Registry:
    return two_version_registry.copy_to(tmp_path_factory.mktemp("registry"))


@pytest.fixture
def client(registry: Registry):
    registry.set_alias("production", 1)
    with TestClient(create_app(registry, load_now=True, watch_seconds=0, admin_token=TOKEN)) as test_client:
        yield test_client
    registry.set_alias("production", 1)


@pytest.fixture
def own_registry(registry: Registry, tmp_path: Path) -> Registry:
    """A private copy of the registry, for tests that add or break versions."""
    shutil.copytree(registry.root, tmp_path / "copy")
    return Registry(tmp_path / "copy")


@pytest.fixture(scope="module")
def flights(registry: Registry) -> pd.DataFrame:
    """Real July flights (with their weather) whose airline and airports both models know."""
    future = split_by_time(load_flights())[1]
    known = Predictor.from_registry(1, registry=registry).known
    ok = np.logical_and.reduce([future[name].isin(known[name]) for name in ("carrier", "origin", "dest")])
    return future[ok].iloc[:200:10].reset_index(drop=True)


def oip(frame: pd.DataFrame) -> dict:
    """An Open Inference Protocol body for ``frame``."""
    inputs = []
    for name in frame.columns:
        if name == "sched_dep":
            data = frame[name].dt.strftime("%Y-%m-%dT%H:%M:%S").tolist()
        else:
            data = frame[name].tolist()
        datatype = "BYTES" if isinstance(data[0], str) else "FP64"
        inputs.append({"name": name, "shape": [len(data)], "datatype": datatype, "data": data})
    return {"inputs": inputs}


def as_records(frame: pd.DataFrame) -> list[dict]:
    records = frame.to_dict("records")
    for record in records:
        record["sched_dep"] = record["sched_dep"].isoformat()
        for name in WEATHER:
            if name in record and isinstance(record[name], float) and math.isnan(record[name]):
                record[name] = None
    return records


# -- health ---------------------------------------------------------------------------------------
def test_live_and_ready(client: TestClient) -> None:
    assert client.get("/v2/health/live").json() == {"live": True}
    ready = client.get("/v2/health/ready")
    assert ready.status_code == 200
    assert ready.json() == {"ready": True, "model_name": "flight-delay", "model_version": "1"}


def test_not_ready_until_a_model_is_loaded(registry: Registry, tmp_path: Path) -> None:
    empty = Registry(tmp_path / "empty")
    with TestClient(create_app(empty, watch_seconds=0, admin_token=TOKEN)) as client:
        ready = client.get("/v2/health/ready")
        assert ready.status_code == 503  # still loading, or loading failed: either way, not ready
        deadline = time.monotonic() + 10
        while "notebook 00" not in ready.json()["reason"] and time.monotonic() < deadline:
            time.sleep(0.05)
            ready = client.get("/v2/health/ready")
        assert ready.status_code == 503 and ready.json()["reason"] == NO_MODEL_HINT  # says what to do
        assert client.get("/v2/health/live").status_code == 200
        assert client.get(f"{MODEL}/ready").status_code == 503
        refused = client.post(f"{MODEL}/predict", json=FLIGHT)
        assert refused.status_code == 503 and "no model loaded" in refused.json()["error"]
        shutil.copytree(registry.root / "flight-delay" / "versions", empty.root / "flight-delay" / "versions")
        empty.set_alias("production", 2)
        assert client.post("/v2/admin/reload", headers=ADMIN).json()["version"] == 2
        assert client.get("/v2/health/ready").json()["model_version"] == "2"


# -- predictions ----------------------------------------------------------------------------------
def test_predict_one_matches_the_embedded_model(client: TestClient, registry: Registry) -> None:
    response = client.post(f"{MODEL}/predict", json=FLIGHT)
    assert response.status_code == 200
    body = response.json()
    assert body["model_version"] == "1" and response.headers["x-model-version"] == "1"
    assert body["p_late"] == pytest.approx(Predictor.from_registry(1, registry=registry).predict_one(FLIGHT), abs=1e-9)


def test_request_id_is_echoed_or_generated(client: TestClient) -> None:
    echoed = client.post(f"{MODEL}/predict", json=FLIGHT, headers={"X-Request-ID": "order-42"})
    assert echoed.headers["x-request-id"] == "order-42" and echoed.json()["id"] == "order-42"
    first, second = (client.post(f"{MODEL}/predict", json=FLIGHT) for _ in range(2))
    assert len(first.headers["x-request-id"]) == 32
    assert first.headers["x-request-id"] == first.json()["id"] != second.json()["id"]
    assert client.get("/v2/models/nope").headers["x-request-id"]  # errors carry one too


def test_pinned_version_looks_the_weather_up(client: TestClient, registry: Registry, flights: pd.DataFrame) -> None:
    """v2 needs weather; the client sends only the base fields, the service fills the rest."""
    embedded = Predictor.from_registry(2, registry=registry)
    for record in as_records(flights[BASE + WEATHER])[:5]:
        client_record = {name: record[name] for name in BASE}
        body = client.post(f"{MODEL}/versions/2/predict", json=client_record).json()
        assert body["model_version"] == "2"
        assert body["p_late"] == pytest.approx(embedded.predict_one(record), abs=1e-6)


def test_sent_weather_wins_over_the_lookup(client: TestClient, registry: Registry) -> None:
    stormy = {**FLIGHT, "wind_speed": 40.0, "visib": 0.5, "precip": 0.5}
    body = client.post(f"{MODEL}/versions/2/predict", json=stormy).json()
    looked_up = client.post(f"{MODEL}/versions/2/predict", json=FLIGHT).json()
    assert body["p_late"] != pytest.approx(looked_up["p_late"], abs=1e-6)
    weather = ModelServer(registry).weather_lookup().weather("EWR", pd.Timestamp(FLIGHT["sched_dep"]).to_pydatetime())
    expected = Predictor.from_registry(2, registry=registry).predict_one({**FLIGHT, **weather, **stormy})
    assert body["p_late"] == pytest.approx(expected, abs=1e-6)


def test_pin_by_alias(client: TestClient) -> None:
    assert client.post(f"{MODEL}/versions/production/predict", json=FLIGHT).json()["model_version"] == "1"


def test_batch_matches_the_embedded_model(client: TestClient, registry: Registry, flights: pd.DataFrame) -> None:
    response = client.post(f"{MODEL}/infer", json=oip(flights[BASE]), headers={"X-Request-ID": "batch-7"})
    assert response.status_code == 200
    body = response.json()
    assert (body["model_version"], body["id"], body["outputs"][0]["shape"]) == ("1", "batch-7", [len(flights)])
    expected = Predictor.from_registry(1, registry=registry).predict_many(flights[BASE])
    np.testing.assert_allclose(body["outputs"][0]["data"], expected, atol=1e-6)


def test_pinned_batch_with_weather_lookup(client: TestClient, registry: Registry, flights: pd.DataFrame) -> None:
    body = client.post(f"{MODEL}/versions/2/infer", json=oip(flights[BASE])).json()
    expected = Predictor.from_registry(2, registry=registry).predict_many(flights[BASE + WEATHER])
    assert body["model_version"] == "2"
    np.testing.assert_allclose(body["outputs"][0]["data"], expected, atol=1e-5)


def test_one_and_batch_agree(client: TestClient, flights: pd.DataFrame) -> None:
    batch = client.post(f"{MODEL}/versions/2/infer", json=oip(flights[BASE])).json()["outputs"][0]["data"]
    ones = [client.post(f"{MODEL}/versions/2/predict", json=r).json()["p_late"] for r in as_records(flights[BASE])]
    np.testing.assert_allclose(batch, ones, atol=1e-6)


# -- models and metadata ---------------------------------------------------------------------------
def test_list_models(client: TestClient) -> None:
    (model,) = client.get("/v2/models").json()["models"]
    assert (model["name"], model["versions"], model["platform"]) == ("flight-delay", ["1", "2"], "onnxruntime_onnx")
    assert [tensor["name"] for tensor in model["inputs"]] == BASE  # the served version's (reference) inputs
    assert [(out["name"], out["datatype"], out["shape"]) for out in model["outputs"]] == [("p_late", "FP64", [-1])]
    details = {key: model["parameters"][key] for key in ("aliases", "serving_version", "last_reload_error")}
    assert details == {"aliases": {"production": 1}, "serving_version": 1, "last_reload_error": None}
    assert client.get(MODEL).json() == model


def test_version_metadata_and_input_schema(client: TestClient) -> None:
    described = client.get(f"{MODEL}/versions/2").json()
    assert (described["versions"], [tensor["name"] for tensor in described["inputs"]]) == (["2"], BASE + WEATHER)
    meta = described["parameters"]
    assert meta["spec"] == "weather" and meta["version"] == 2
    assert meta["client_fields"] == BASE
    assert meta["filled_by_service"] == WEATHER
    origin = next(field for field in meta["input_schema"] if field["name"] == "origin")
    assert origin["categories"] == ["EWR", "JFK", "LGA"]
    assert set(meta["metrics"]) >= {"roc_auc", "log_loss"}


def test_openapi_document_and_docs_page(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {f"{MODEL.replace('flight-delay', '{model}')}/predict", "/v2/health/ready", "/v2/admin/reload"} <= set(paths)
    assert "swagger" in client.get("/docs").text.lower()


@pytest.mark.parametrize(
    "path",
    [
        f"{MODEL}/versions/9",
        f"{MODEL}/versions/staging",
        f"{MODEL}/versions/-1",
        f"{MODEL}/versions/.hidden",
        "/v2/models/other",
    ],
)
def test_unknown_version_or_model_is_a_json_404(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert "no" in response.json()["error"] and "/" not in response.json()["error"].split("'")[-1]


def test_unknown_version_on_predict_is_404(client: TestClient) -> None:
    assert client.post(f"{MODEL}/versions/9/predict", json=FLIGHT).status_code == 404
    one_column = {"inputs": [{"name": "carrier", "shape": [1], "datatype": "BYTES", "data": ["UA"]}]}
    assert client.post(f"{MODEL}/versions/9/infer", json=one_column).status_code == 404
    assert client.post("/v2/models/other/predict", json=FLIGHT).status_code == 404


def test_model_and_version_ready(client: TestClient) -> None:
    assert client.get(f"{MODEL}/ready").json() == {"name": "flight-delay", "ready": True}
    assert client.get(f"{MODEL}/versions/2/ready").status_code == 200
    assert client.get(f"{MODEL}/versions/9/ready").status_code == 404


def test_server_metadata(client: TestClient) -> None:
    assert client.get("/v2").json() == {"name": "flight-delay-api", "version": "1.0.0", "extensions": []}


# -- bad input: 422 naming the field -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"origin": None}, "origin"),  # null
        ("drop:dest", "dest"),  # missing
        ({"distance": "719"}, "distance"),  # wrong type
        ({"distance": -5}, "distance"),  # out of range
        ({"carrier": ""}, "carrier"),  # empty
        ({"carrier": 7}, "carrier"),
        ({"dest": "XXX"}, "dest"),  # unknown airport
        ({"origin": "BOS"}, "origin"),  # not a New York airport
        ({"carrier": "ZZ"}, "carrier"),
        ({"sched_dep": 1373900000}, "sched_dep"),  # a number, not a date
        ({"sched_dep": "next tuesday"}, "sched_dep"),
        ({"temp": "warm"}, "temp"),
        ({"runway": "4L"}, "runway"),  # not a field
    ],
)
def test_bad_flight_is_a_422_naming_the_field(client: TestClient, change, field: str) -> None:
    flight = {k: v for k, v in FLIGHT.items() if k != change[5:]} if isinstance(change, str) else {**FLIGHT, **change}
    response = client.post(f"{MODEL}/predict", json=flight)
    assert response.status_code == 422
    assert response.json()["field"] == field and response.json()["error"].startswith(f"{field}: ")


@pytest.mark.parametrize("literal", ["NaN", "Infinity"])
def test_nan_and_infinity_are_refused(client: TestClient, literal: str) -> None:
    """JSON has no NaN or Infinity: a body carrying them is not JSON."""
    raw = '{"carrier": "UA", "origin": "EWR", "dest": "ORD", "sched_dep": "2013-07-15T17:30:00", "distance": %s}'
    response = client.post(f"{MODEL}/predict", content=raw % literal, headers={"content-type": "application/json"})
    assert response.status_code == 422 and response.json()["field"] == "body"


def test_broken_json_is_a_422(client: TestClient) -> None:
    response = client.post(f"{MODEL}/predict", content=b'{"carrier": ', headers={"content-type": "application/json"})
    assert response.status_code == 422 and response.json()["field"] == "body"


def test_json_without_a_content_type_is_accepted(client: TestClient) -> None:
    """Open Inference Protocol clients (tritonclient) send JSON with no Content-Type header."""
    raw = json.dumps(FLIGHT).encode()
    assert client.post(f"{MODEL}/predict", content=raw, headers={"content-type": ""}).status_code == 200


def test_unknown_airport_in_a_batch_names_field_and_row(client: TestClient, flights: pd.DataFrame) -> None:
    batch = flights[BASE].copy()
    batch.loc[3, "dest"] = "XXX"
    response = client.post(f"{MODEL}/infer", json=oip(batch))
    assert response.status_code == 400  # the protocol's code for a bad request
    assert response.json()["field"] == "dest" and "row 3" in response.json()["error"]


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (lambda b: b["inputs"].append({**b["inputs"][0], "name": "runway"}), "runway"),
        (lambda b: b["inputs"][4]["data"].pop(), "distance"),  # shape mismatch
        (lambda b: b["inputs"][4].update(shape=[1], data=[1.0]), "distance"),  # length mismatch
        (lambda b: b["inputs"][4].update(datatype="BYTES"), "distance"),
        (lambda b: b["inputs"][0].update(datatype="FP64"), "carrier"),
        (lambda b: b["inputs"][4]["data"].__setitem__(2, "far"), "distance"),
        (lambda b: b["inputs"][4]["data"].__setitem__(2, None), "distance"),  # required
        (lambda b: b["inputs"][0]["data"].__setitem__(2, 5), "carrier"),
        (lambda b: b["inputs"][3]["data"].__setitem__(1, "2013-13-45T99:00"), "sched_dep"),
        (lambda b: b["inputs"].pop(1), "origin"),  # missing column
        (lambda b: b["inputs"].append(b["inputs"][0]), "carrier"),  # sent twice
    ],
)
def test_bad_batch_is_a_400_naming_the_field(client: TestClient, flights: pd.DataFrame, edit, field: str) -> None:
    body = oip(flights[BASE])
    edit(body)
    response = client.post(f"{MODEL}/infer", json=body)
    assert response.status_code == 400, response.text
    assert response.json()["field"] == field


def test_infer_takes_the_protocols_optional_members(client: TestClient, flights: pd.DataFrame) -> None:
    body = {**oip(flights[BASE]), "id": "req-1", "parameters": {"binary_data_output": True}}
    body["outputs"] = [{"name": "p_late", "parameters": {"binary_data": False}}]
    body["inputs"][0]["parameters"] = {}
    answer = client.post(f"{MODEL}/infer", json=body, headers={"X-Request-ID": "header-id"}).json()
    assert answer["id"] == "req-1" and answer["outputs"][0]["name"] == "p_late"
    body["outputs"] = [{"name": "p_early"}]
    refused = client.post(f"{MODEL}/infer", json=body)
    assert refused.status_code == 400 and refused.json()["field"] == "outputs"


def test_binary_tensor_data_is_refused_clearly(client: TestClient, flights: pd.DataFrame) -> None:
    raw = json.dumps(oip(flights[BASE])).encode()
    json_only = client.post(f"{MODEL}/infer", content=raw, headers={"Inference-Header-Content-Length": str(len(raw))})
    assert json_only.status_code == 200
    binary = client.post(
        f"{MODEL}/infer", content=raw + b"\0" * 8, headers={"Inference-Header-Content-Length": str(len(raw))}
    )
    assert binary.status_code == 400 and "binary" in binary.json()["error"]


def test_times_with_an_offset_are_read_in_new_york_time(client: TestClient, flights: pd.DataFrame) -> None:
    utc = {**FLIGHT, "sched_dep": "2013-07-15T21:30:00+00:00"}  # 17:30 in New York (EDT)
    naive = client.post(f"{MODEL}/predict", json=FLIGHT).json()["p_late"]
    assert client.post(f"{MODEL}/predict", json=utc).json()["p_late"] == naive
    body = oip(pd.DataFrame([FLIGHT, FLIGHT, FLIGHT]).astype({"sched_dep": "datetime64[s]"}))
    body["inputs"][3]["data"] = ["2013-07-15T21:30:00+00:00", "2013-07-15T17:30:00-04:00", "2013-07-15T17:30:00"]
    data = client.post(f"{MODEL}/infer", json=body).json()["outputs"][0]["data"]
    assert data[0] == data[1] == data[2] == pytest.approx(naive, abs=1e-6)  # (a batch runs in float32 kernels)


def test_oversized_body_is_a_413(registry: Registry) -> None:
    with TestClient(create_app(registry, load_now=True, watch_seconds=0, max_body_bytes=1000)) as client:
        declared = client.post(f"{MODEL}/predict", content=b" " * 2000, headers={"content-type": "application/json"})
        streamed = client.post(
            f"{MODEL}/infer", content=iter([b" " * 600, b" " * 600]), headers={"content-type": "application/json"}
        )
        for response in (declared, streamed):
            assert response.status_code == 413
            assert "1,000 bytes" in response.json()["error"]
        assert client.post(f"{MODEL}/predict", json=FLIGHT).status_code == 200


# -- updates without restart ----------------------------------------------------------------------
def test_admin_reload_swaps_to_the_aliased_version(client: TestClient, registry: Registry) -> None:
    assert client.post("/v2/admin/reload", headers=ADMIN).json()["changed"] is False
    registry.set_alias("production", 2)
    change = client.post("/v2/admin/reload", headers=ADMIN).json()
    assert (change["changed"], change["previous_version"], change["version"]) == (True, 1, 2)
    assert client.post(f"{MODEL}/predict", json=FLIGHT).json()["model_version"] == "2"


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}])
def test_admin_refuses_a_missing_or_wrong_token(client: TestClient, registry: Registry, headers: dict) -> None:
    registry.set_alias("production", 2)
    refused = client.post("/v2/admin/reload", headers=headers)
    assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"
    assert client.post(f"{MODEL}/predict", json=FLIGHT).json()["model_version"] == "1"  # nothing changed


def test_admin_is_off_without_a_configured_token(registry: Registry, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("API_ADMIN_TOKEN", raising=False)
    monkeypatch.delenv("API_ADMIN_TOKEN_FILE", raising=False)
    with TestClient(create_app(registry, load_now=True, watch_seconds=0)) as client:
        for headers in ({}, ADMIN):
            off = client.post("/v2/admin/reload", headers=headers)
            assert off.status_code == 403 and "API_ADMIN_TOKEN" in off.json()["error"]


def test_admin_token_from_a_file(registry: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "token").write_text(TOKEN + "\n")
    monkeypatch.delenv("API_ADMIN_TOKEN", raising=False)
    monkeypatch.setenv("API_ADMIN_TOKEN_FILE", str(tmp_path / "token"))
    with TestClient(create_app(registry, load_now=True, watch_seconds=0)) as client:
        assert client.post("/v2/admin/reload", headers=ADMIN).status_code == 200
        assert client.post("/v2/admin/reload").status_code == 401


def test_openapi_marks_the_admin_routes(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    assert document["components"]["securitySchemes"]["adminToken"]["scheme"] == "bearer"
    for path, operations in document["paths"].items():
        for operation in operations.values():
            assert ("security" in operation) == path.startswith("/v2/admin/"), path


def test_flight_schema_comes_from_the_contract(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    body = document["paths"]["/v2/models/{model}/predict"]["post"]["requestBody"]["content"]["application/json"]
    properties = body["schema"]["properties"]
    for field in INPUT_FIELDS["weather"]:
        schema = properties[field.name].get("anyOf", [properties[field.name]])[0]  # (nullable: anyOf with null)
        assert field.description in (schema.get("description"), properties[field.name].get("description"))
        if field.kind == "number":
            assert (schema["minimum"], schema["maximum"]) == (field.minimum, field.maximum)
        if field.kind == "category":
            assert schema["maxLength"] == field.max_length


def test_watcher_follows_the_alias(registry: Registry) -> None:
    with TestClient(create_app(registry, load_now=True, watch_seconds=0.05)) as client:
        registry.set_alias("production", 2)
        deadline = time.monotonic() + 10
        while client.get(MODEL).json()["parameters"]["serving_version"] != 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert client.post(f"{MODEL}/predict", json=FLIGHT).json()["model_version"] == "2"
    registry.set_alias("production", 1)


def corrupt_copy(registry: Registry, source: int, target: int) -> None:
    """Add version ``target``: a copy of ``source`` whose ONNX file no longer matches its hash."""
    folder = registry.root / "flight-delay" / "versions"
    shutil.copytree(folder / str(source), folder / str(target))
    onnx = folder / str(target) / ONNX_FILE
    onnx.write_bytes(onnx.read_bytes() + b"tampered")


def test_a_version_that_fails_to_load_leaves_the_old_one_serving(own_registry: Registry) -> None:
    corrupt_copy(own_registry, 2, 3)
    with TestClient(create_app(own_registry, load_now=True, watch_seconds=0, admin_token=TOKEN)) as client:
        own_registry.set_alias("production", 3)
        failed = client.post("/v2/admin/reload", headers=ADMIN)
        assert failed.status_code == 409 and "IntegrityError" in failed.json()["error"]
        assert client.post(f"{MODEL}/predict", json=FLIGHT).json()["model_version"] == "1"
        assert client.get("/v2/health/ready").status_code == 200
        assert "IntegrityError" in client.get(MODEL).json()["parameters"]["last_reload_error"]
        assert client.get(f"{MODEL}/versions/3/ready").status_code == 503
        pinned = client.post(f"{MODEL}/versions/3/predict", json=FLIGHT)
        assert pinned.status_code == 503 and "cannot be loaded" in pinned.json()["error"]


def test_pinned_versions_cache_is_bounded(own_registry: Registry) -> None:
    folder = own_registry.root / "flight-delay" / "versions"
    shutil.copytree(folder / "2", folder / "3")
    server = ModelServer(own_registry, cache_size=1)
    server.reload()
    first = server.pinned(2)
    assert server.pinned(2) is first  # cached
    server.pinned(3)
    assert server.cached(2) is None and server.cached(3) is not None
    assert server.cached(1) is server.current()  # production is never in the pinned cache


def test_watcher_logs_a_version_that_fails_to_load_and_keeps_serving(
    own_registry: Registry, caplog: pytest.LogCaptureFixture
) -> None:
    corrupt_copy(own_registry, 2, 3)
    with caplog.at_level("WARNING", logger="architectures.api"):
        with TestClient(create_app(own_registry, load_now=True, watch_seconds=0.05)) as client:
            own_registry.set_alias("production", 3)
            deadline = time.monotonic() + 10
            while "could not load" not in caplog.text and time.monotonic() < deadline:
                time.sleep(0.05)
            assert "version 3, which could not load" in caplog.text and "IntegrityError" in caplog.text
            assert client.post(f"{MODEL}/predict", json=FLIGHT).json()["model_version"] == "1"
