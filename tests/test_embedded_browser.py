"""The embedded app for real: ``streamlit run`` on a free port, driven by a headless Chromium like a user.

The finder's tests run everywhere; the browser's are skipped, with the install hint, when none is found.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from architectures.embedded.browser import (
    CHROMIUM_ENV,
    CHROMIUM_NAMES,
    INSTALL_HINT,
    BrowserNotFoundError,
    chromium_page,
    enter_flight,
    find_chromium,
    missing_browser_message,
    page_url,
    read_error,
    read_prediction,
    streamlit_command,
)
from shared.predict import Predictor
from shared.processes import BackgroundProcess, free_port
from shared.registry import Registry

needs_browser = pytest.mark.skipif(find_chromium() is None, reason=missing_browser_message())


def _executable(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)
    return path


@pytest.mark.parametrize("name", CHROMIUM_NAMES)
def test_the_browser_is_found_on_the_path_under_each_name(tmp_path: Path, name: str) -> None:
    browser = _executable(tmp_path / "bin" / name)
    assert find_chromium({"PATH": f"{tmp_path / 'empty'}:{browser.parent}"}, apps=()) == str(browser)


def test_the_environment_variable_wins_over_the_path(tmp_path: Path) -> None:
    on_path = _executable(tmp_path / "bin" / "chromium")
    chosen = _executable(tmp_path / "opt" / "my chrome")
    assert find_chromium({"PATH": str(on_path.parent), CHROMIUM_ENV: str(chosen)}, apps=()) == str(chosen)
    assert find_chromium({"PATH": str(on_path.parent), CHROMIUM_ENV: "chromium"}, apps=()) == str(on_path)


def test_a_wrong_environment_variable_finds_nothing_and_says_so(tmp_path: Path) -> None:
    _executable(tmp_path / "bin" / "chromium")
    environ = {"PATH": str(tmp_path / "bin"), CHROMIUM_ENV: str(tmp_path / "missing")}
    assert find_chromium(environ, apps=()) is None
    assert f"{CHROMIUM_ENV}={tmp_path / 'missing'}" in missing_browser_message(environ)


def test_the_macos_app_is_found_when_nothing_is_on_the_path(tmp_path: Path) -> None:
    app = _executable(tmp_path / "Chromium.app" / "Contents" / "MacOS" / "Chromium")
    assert find_chromium({"PATH": str(tmp_path / "empty")}, apps=(str(tmp_path / "absent"), str(app))) == str(app)


def test_no_browser_at_all_gives_the_install_hint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv(CHROMIUM_ENV, raising=False)
    monkeypatch.setattr("architectures.embedded.browser.MACOS_APPS", ())
    assert find_chromium(apps=()) is None
    assert INSTALL_HINT in missing_browser_message()

    async def open_page() -> None:
        async with chromium_page():
            pass

    with pytest.raises(BrowserNotFoundError, match="apt install chromium"):
        asyncio.run(open_page())


@pytest.fixture(scope="module")
def app_url(app_registry: Registry):
    """The app served by a real ``streamlit run`` process, stopped after the tests."""
    port = free_port()
    with BackgroundProcess(
        streamlit_command("architectures/embedded/app.py", port),
        health_url=f"http://127.0.0.1:{port}/_stcore/health",
        env={"SHIPPING_MODELS_HOME": str(app_registry.root)},
    ) as app:
        yield f"http://127.0.0.1:{port}/"
        assert app.running(), app.log()
    assert not app.running()
    assert app.log().count("embedded app: loaded model version 1") == 1  # one load for every page view


@pytest.mark.slow
@needs_browser
def test_a_user_enters_a_flight_and_sees_the_probability(
    app_url: str, app_registry: Registry, tmp_path: Path, christmas_eve_flight: dict
) -> None:
    async def scenario():
        async with chromium_page() as page:
            await page.goto(app_url)
            first = await read_prediction(page)
            entered = await enter_flight(
                page, *(christmas_eve_flight[key] for key in ("carrier", "origin", "dest", "sched_dep"))
            )
            await page.screenshot(path=tmp_path / "embedded_app.png", full_page=True)
            return first, entered

    first, entered = asyncio.run(scenario())
    record = christmas_eve_flight
    expected = Predictor.from_registry(registry=app_registry).predict_one(record)
    assert entered.model_version == first.model_version == 1
    assert entered.p_late == pytest.approx(round(expected, 3), abs=1e-9)  # shown as a percentage with one decimal
    assert entered.p_late != first.p_late
    assert (tmp_path / "embedded_app.png").stat().st_size > 10_000


@pytest.mark.slow
@needs_browser
def test_a_bad_link_shows_a_message_in_the_page(app_url: str) -> None:
    async def scenario():
        async with chromium_page() as page:
            await page.goto(f"{app_url}?origin=JFK&dest=JFK")
            return await read_error(page), await page.get_by_test_id("stMetricValue").count()

    message, metrics = asyncio.run(scenario())
    assert "Origin and destination are the same airport (JFK)" in message
    assert "Traceback" not in message
    assert metrics == 0


@pytest.mark.slow
@needs_browser
def test_a_user_reads_the_page_in_portuguese(app_url: str, app_registry: Registry, christmas_eve_flight: dict) -> None:
    async def scenario():
        async with chromium_page() as page:
            await page.goto(page_url(app_url, language="pt-BR"))
            await page.get_by_text("Meu voo vai atrasar?").first.wait_for()
            entered = await enter_flight(
                page, *(christmas_eve_flight[key] for key in ("carrier", "origin", "dest", "sched_dep")), "pt-BR"
            )
            shown = await page.get_by_test_id("stMetricValue").inner_text()
            return entered, shown

    entered, shown = asyncio.run(scenario())
    expected = Predictor.from_registry(registry=app_registry).predict_one(christmas_eve_flight)
    assert shown == f"{expected:.1%}".replace(".", ",")  # the Brazilian decimal comma, read back as a number
    assert entered.p_late == pytest.approx(round(expected, 3), abs=1e-9)
    assert entered.model_version == 1


@pytest.mark.slow
@needs_browser
def test_a_bad_link_is_explained_in_portuguese_in_the_page(app_url: str) -> None:
    async def scenario():
        async with chromium_page() as page:
            await page.goto(page_url(app_url, "origin=JFK&dest=JFK", "pt-BR"))
            return await read_error(page)

    assert "Origem e destino são o mesmo aeroporto (JFK)" in asyncio.run(scenario())
