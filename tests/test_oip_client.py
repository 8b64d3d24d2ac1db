"""A client library nobody here wrote: NVIDIA's ``tritonclient`` against the real service (uvicorn).

``tritonclient.http`` speaks the Open Inference Protocol v2 as Triton serves it; if it can check health,
read metadata and infer here, the service drops into a stack built for Triton, KServe or MLServer.
"""

from __future__ import annotations

import numpy as np
import pytest
import tritonclient.http as triton
from api_support import FLIGHT
from tritonclient.utils import InferenceServerException

from architectures.api.command import uvicorn_command
from shared.predict import Predictor
from shared.processes import BackgroundProcess, free_port
from shared.registry import Registry

MODEL = "flight-delay"
FLIGHTS = [FLIGHT, {**FLIGHT, "carrier": "DL", "origin": "LGA", "dest": "ATL", "distance": 762.0}]


@pytest.fixture(scope="module")
def registry(two_version_registry: Registry, tmp_path_factory: pytest.TempPathFactory) -> Registry:
    return two_version_registry.copy_to(tmp_path_factory.mktemp("registry"))


@pytest.fixture(scope="module")
def client(registry: Registry):
    port = free_port()
    env = {"SHIPPING_MODELS_HOME": str(registry.root), "API_WATCH_SECONDS": "0"}
    with BackgroundProcess(uvicorn_command(port), health_url=f"http://127.0.0.1:{port}/v2/health/ready", env=env):
        triton_client = triton.InferenceServerClient(f"127.0.0.1:{port}")
        yield triton_client
        triton_client.close()


def inputs(flights: list[dict], binary: bool = False) -> list[triton.InferInput]:
    """One tensor per field, as a Triton user builds them (JSON data unless ``binary``)."""
    tensors = []
    for name in ("carrier", "origin", "dest", "sched_dep", "distance"):
        values = [flight[name] for flight in flights]
        array = np.array(values, dtype=np.float64 if name == "distance" else object)
        tensor = triton.InferInput(name, [len(values)], "FP64" if name == "distance" else "BYTES")
        tensor.set_data_from_numpy(array, binary_data=binary)
        tensors.append(tensor)
    return tensors


def test_health(client: triton.InferenceServerClient) -> None:
    assert client.is_server_live() and client.is_server_ready()
    assert client.is_model_ready(MODEL) and client.is_model_ready(MODEL, "2")
    assert not client.is_model_ready("other")


def test_server_and_model_metadata(client: triton.InferenceServerClient) -> None:
    assert client.get_server_metadata()["name"] == "flight-delay-api"
    metadata = client.get_model_metadata(MODEL)
    assert (metadata["versions"], metadata["platform"]) == (["1", "2"], "onnxruntime_onnx")
    assert {(tensor["name"], tensor["datatype"]) for tensor in metadata["inputs"]} >= {
        ("carrier", "BYTES"),
        ("sched_dep", "BYTES"),
        ("distance", "FP64"),
    }
    assert metadata["outputs"][0]["name"] == "p_late"
    assert client.get_model_metadata(MODEL, "2")["versions"] == ["2"]
    with pytest.raises(InferenceServerException, match="no version"):
        client.get_model_metadata(MODEL, "9")


@pytest.mark.parametrize("version", ["", "1", "2", "production"])
def test_infer_unpinned_and_pinned(client: triton.InferenceServerClient, registry: Registry, version: str) -> None:
    outputs = [triton.InferRequestedOutput("p_late", binary_data=False)]
    result = client.infer(MODEL, inputs(FLIGHTS), model_version=version, outputs=outputs, request_id="trip-9")
    response = result.get_response()
    expected_version = {"": "1", "production": "1"}.get(version, version)
    assert (response["id"], response["model_version"]) == ("trip-9", expected_version)
    p_late = result.as_numpy("p_late")
    if expected_version == "1":
        predictor = Predictor.from_registry(1, registry=registry)
        np.testing.assert_allclose(p_late, [predictor.predict_one(flight) for flight in FLIGHTS], atol=1e-6)
    assert p_late.shape == (2,) and ((0 < p_late) & (p_late < 1)).all()


def test_infer_without_requested_outputs(client: triton.InferenceServerClient) -> None:
    """With no outputs named, tritonclient asks for binary outputs; the service answers JSON, which it reads."""
    result = client.infer(MODEL, inputs(FLIGHTS))
    assert result.as_numpy("p_late").shape == (2,)


def test_bad_input_is_refused_naming_the_field(client: triton.InferenceServerClient) -> None:
    with pytest.raises(InferenceServerException, match="dest") as refused:
        client.infer(MODEL, inputs([{**FLIGHT, "dest": "XXX"}]))
    assert refused.value.status() == "400"
    with pytest.raises(InferenceServerException, match="distance: must be between"):
        client.infer(MODEL, inputs([{**FLIGHT, "distance": -5.0}]))


def test_binary_tensor_data_is_refused_clearly(client: triton.InferenceServerClient) -> None:
    with pytest.raises(InferenceServerException, match="binary tensor data is not supported") as refused:
        client.infer(MODEL, inputs(FLIGHTS, binary=True))
    assert refused.value.status() == "400"
