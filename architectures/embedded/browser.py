"""Drive the running app like a user would: a real headless Chromium, through Playwright.

Streamlit draws the page in the browser over a websocket, and runs the script (and loads the model) only
when a browser session connects: an HTTP check alone never sees a prediction. Used by the browser test,
the notebook, the benchmark and ``python -m architectures.embedded.screenshot``.

Async, because Jupyter already runs an event loop (Playwright's sync API refuses to run inside one); from
a plain script use ``asyncio.run(...)``.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime

from playwright.async_api import Page, async_playwright

CHROMIUM = "/usr/bin/chromium"  # Debian's package; Playwright never downloads a browser here
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def streamlit_command(script: str, port: int) -> list[str]:
    """``streamlit run`` for ``script`` (a path from the project root), headless, on 127.0.0.1:``port``."""
    from shared.processes import python_command

    return python_command(
        "-m", "streamlit", "run", script,
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false",
        "--client.toolbarMode", "viewer",
    )  # fmt: skip


@asynccontextmanager
async def chromium_page(width: int = 820, height: int = 1100, timeout: float = 30.0) -> AsyncIterator[Page]:
    """A fresh page in a headless Chromium that is closed on exit, even when the block fails."""
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page(viewport={"width": width, "height": height})
            page.set_default_timeout(timeout * 1000)
            yield page
        finally:
            await browser.close()


@dataclass(frozen=True)
class Reading:
    """What the page shows for the flight on the form."""

    p_late: float
    model_version: int


async def read_prediction(page: Page, query: str | None = None) -> Reading:
    """Wait for the page to show a probability (for the flight of link ``query``, if given) and read it."""
    if query is not None:
        # the script's last line is the link to the flight: once it shows, the run has drawn all above it
        await page.get_by_text(f"?{query}", exact=False).wait_for()
    else:
        await page.get_by_text("Link to this flight").wait_for()
    value = await page.get_by_test_id("stMetricValue").inner_text()
    caption = await page.get_by_text(re.compile(r"Model version \d+")).inner_text()
    return Reading(float(value.strip().rstrip("%")) / 100, int(re.search(r"Model version (\d+)", caption)[1]))


async def read_error(page: Page) -> str:
    """Wait for the page to show an error message and return its text."""
    alert = page.get_by_test_id("stAlertContentError")
    await alert.wait_for()
    return (await alert.inner_text()).strip()


async def choose(page: Page, label: str, code: str) -> None:
    """Pick the option starting with ``code`` in the select box labelled ``label``."""
    box = page.get_by_role("combobox", name=label, exact=True)
    await box.click()
    await box.fill(code)
    await page.get_by_role("option", name=re.compile(rf"^{re.escape(code)} ")).first.click()


async def type_into(page: Page, part: str, label: str, value: str) -> None:
    """Type ``value`` into one part (``"hour"``, ``"month"``…) of the date or time input labelled ``label``."""
    await page.get_by_role("spinbutton", name=f"{part}, {label}", exact=True).click()
    await page.keyboard.type(value)


async def enter_flight(page: Page, carrier: str, origin: str, dest: str, when: datetime) -> Reading:
    """Fill the form like a user (the date input offers 2013 only) and read the probability shown."""
    await page.get_by_text("Link to this flight").wait_for()  # the first run has drawn the form
    await choose(page, "From", origin)
    await choose(page, "To", dest)
    await choose(page, "Airline", carrier)
    await type_into(page, "month", "Date", f"{when:%m}")
    await type_into(page, "day", "Date", f"{when:%d}")
    await page.keyboard.press("Enter")
    await type_into(page, "hour", "Scheduled departure (New York time)", f"{when:%H}")
    await type_into(page, "minute", "Scheduled departure (New York time)", f"{when:%M}")
    await page.keyboard.press("Enter")
    query = f"carrier={carrier}&origin={origin}&dest={dest}&date={when:%Y-%m-%d}&time={when:%H:%M}"
    return await read_prediction(page, query)
