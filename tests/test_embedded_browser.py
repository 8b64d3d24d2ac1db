"""The embedded app for real: ``streamlit run`` on a free port, driven by a headless Chromium like a user."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

import pytest

from architectures.embedded.browser import (
    CHROMIUM,
    chromium_page,
    enter_flight,
    read_error,
    read_prediction,
    streamlit_command,
)
from shared.model import ensure_model
from shared.predict import Predictor
from shared.processes import BackgroundProcess, free_port
from shared.registry import Registry

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"needs Debian's chromium at {CHROMIUM}")


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Registry:
    registry = Registry(tmp_path_factory.mktemp("registry"))
    ensure_model("reference", registry, verbose=False)
    return registry


@pytest.fixture(scope="module")
def app_url(registry: Registry):
    """The app served by a real ``streamlit run`` process, stopped after the tests."""
    port = free_port()
    with BackgroundProcess(
        streamlit_command("architectures/embedded/app.py", port),
        health_url=f"http://127.0.0.1:{port}/_stcore/health",
        env={"SHIPPING_MODELS_HOME": str(registry.root)},
    ) as app:
        yield f"http://127.0.0.1:{port}/"
        assert app.running(), app.log()
    assert not app.running()
    assert app.log().count("embedded app: loaded model version 1") == 1  # one load for every page view


def test_a_user_enters_a_flight_and_sees_the_probability(app_url: str, registry: Registry, tmp_path: Path) -> None:
    async def scenario():
        async with chromium_page() as page:
            await page.goto(app_url)
            first = await read_prediction(page)
            entered = await enter_flight(page, "B6", "JFK", "BOS", datetime(2013, 12, 24, 18, 30))
            await page.screenshot(path=tmp_path / "embedded_app.png", full_page=True)
            return first, entered

    first, entered = asyncio.run(scenario())
    record = {
        "carrier": "B6",
        "origin": "JFK",
        "dest": "BOS",
        "sched_dep": datetime(2013, 12, 24, 18, 30),
        "distance": 187,
    }
    expected = Predictor.from_registry(registry=registry).predict_one(record)
    assert entered.model_version == first.model_version == 1
    assert entered.p_late == pytest.approx(round(expected, 3), abs=1e-9)  # shown as a percentage with one decimal
    assert entered.p_late != first.p_late
    assert (tmp_path / "embedded_app.png").stat().st_size > 10_000


def test_a_bad_link_shows_a_message_in_the_page(app_url: str) -> None:
    async def scenario():
        async with chromium_page() as page:
            await page.goto(f"{app_url}?origin=JFK&dest=JFK")
            return await read_error(page), await page.get_by_test_id("stMetricValue").count()

    message, metrics = asyncio.run(scenario())
    assert "Origin and destination are the same airport (JFK)" in message
    assert "Traceback" not in message
    assert metrics == 0
