"""The real thing: uvicorn in its own process, two workers, called over loopback by the clients.

The key test moves the ``production`` alias while clients keep calling: zero failed requests, and each
client sees the version change once (old, old, …, new, new), without a restart or a client change.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
import pandas as pd
import pytest
from api_support import FLIGHT

from architectures.api.client import ApiError, FlightDelayClient
from architectures.api.command import uvicorn_command
from shared.paths import PROJECT_ROOT
from shared.processes import BackgroundProcess, free_port, wait_until
from shared.registry import Registry

pytestmark = pytest.mark.slow  # real uvicorn processes

CLIENT_APP = PROJECT_ROOT / "architectures" / "api" / "client_app.py"


@pytest.fixture(scope="module")
def registry(two_version_registry: Registry, tmp_path_factory: pytest.TempPathFactory) -> Registry:
    return two_version_registry.copy_to(tmp_path_factory.mktemp("registry"))


@pytest.fixture(scope="module")
def service(registry: Registry):
    """The documented command, on a free port, with two worker processes watching the alias."""
    port = free_port()
    env = {"SHIPPING_MODELS_HOME": str(registry.root), "API_WATCH_SECONDS": "0.1"}
    url = f"http://127.0.0.1:{port}"
    with BackgroundProcess(uvicorn_command(port, workers=2), health_url=f"{url}/v2/health/ready", env=env) as process:
        # one worker answered ready; the other may still be loading: a new connection each time reaches either
        wait_until(lambda: all(_ready(url) for _ in range(20)), 60, "both workers ready")
        yield url, process
    assert not process.running()


def _ready(url: str) -> bool:
    """One readiness check on a new connection."""
    return httpx.get(f"{url}/v2/health/ready", timeout=5).status_code == 200


def call_until(url: str, stop: threading.Event, seen: list, failures: list) -> None:
    """One client application: call, record the version answered, never give up on an error."""
    with FlightDelayClient(url, timeout=5) as api:
        while not stop.is_set():
            try:
                seen.append(api.predict(FLIGHT).model_version)
            except Exception as error:  # a failed request is what this test counts
                failures.append(repr(error))


def test_swap_versions_under_load_without_a_failed_request(service, registry: Registry) -> None:
    url, process = service
    stop = threading.Event()
    seen: list[list[int]] = [[] for _ in range(4)]
    failures: list[str] = []
    threads = [threading.Thread(target=call_until, args=(url, stop, seen[i], failures)) for i in range(4)]
    try:
        for thread in threads:
            thread.start()
        time.sleep(0.5)
        registry.set_alias("production", 2)  # the whole update: one file, atomically replaced
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not all(calls and calls[-1] == 2 for calls in seen):
            time.sleep(0.1)
        time.sleep(0.3)
    finally:
        stop.set()
        for thread in threads:
            thread.join(10)
        registry.set_alias("production", 1)
    assert failures == []
    for calls in seen:
        flips = sum(1 for before, after in zip(calls, calls[1:], strict=False) if before != after)
        assert (calls[0], calls[-1], flips) == (1, 2, 1), f"{len(calls)} calls"
    assert process.running()
    deadline = time.monotonic() + 10  # both workers follow the alias back
    with FlightDelayClient(url) as api:
        while time.monotonic() < deadline and {api.predict(FLIGHT).model_version for _ in range(20)} != {1}:
            time.sleep(0.1)
        assert {api.predict(FLIGHT).model_version for _ in range(20)} == {1}


def test_python_client(service, registry: Registry) -> None:
    url, _ = service
    with FlightDelayClient(url) as api:
        assert api.ready()
        answer = api.predict(FLIGHT, request_id="trip-1")
        assert (answer.model_version, answer.request_id) == (1, "trip-1") and 0 < answer.p_late < 1
        flights = pd.DataFrame([FLIGHT, {**FLIGHT, "sched_dep": pd.Timestamp("2013-07-15 06:00")}])
        batch = api.predict_many(flights)
        assert batch.model_version == 1 and batch.p_late.shape == (2,)
        assert batch.p_late[0] == pytest.approx(answer.p_late)
        assert api.models()["versions"] == ["1", "2"]
        assert (
            api.metadata()["parameters"]["spec"] == "reference" and api.metadata(2)["parameters"]["spec"] == "weather"
        )
        with pytest.raises(ApiError) as refused:
            api.predict({**FLIGHT, "dest": "XXX"})
        assert (refused.value.status, refused.value.field) == (422, "dest")
    with FlightDelayClient(url, version=2) as pinned:
        assert pinned.predict(FLIGHT).model_version == 2
        assert pinned.predict_many(flights).model_version == 2
    assert not FlightDelayClient(f"http://127.0.0.1:{free_port()}").ready()


def test_streamlit_client_app_calls_the_api(service, monkeypatch: pytest.MonkeyPatch) -> None:
    from streamlit.testing.v1 import AppTest

    url, _ = service
    monkeypatch.setenv("API_URL", url)
    app = AppTest.from_file(str(CLIENT_APP), default_timeout=30).run()
    assert not app.exception
    app.button[0].click().run()
    assert not app.exception
    assert app.metric[0].value.endswith("%")
    assert "model version 1" in app.caption[-1].value


def test_streamlit_client_app_says_when_the_api_is_down(monkeypatch: pytest.MonkeyPatch) -> None:
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("API_URL", f"http://127.0.0.1:{free_port()}")
    app = AppTest.from_file(str(CLIENT_APP), default_timeout=30).run()
    assert not app.exception and "not answering" in app.error[0].value


def test_client_app_holds_no_model() -> None:
    source = Path(CLIENT_APP).read_text()
    assert not any(name in source for name in ("sklearn", "onnx", "Predictor", "Registry", "joblib"))
