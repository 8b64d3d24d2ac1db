"""Drive the running app like a user would: a real headless Chromium, through Playwright.

Streamlit draws the page in the browser over a websocket, and runs the script (and loads the model) only
when a browser session connects: an HTTP check alone never sees a prediction. Used by the browser test,
the notebook, the benchmark and ``python -m architectures.embedded.screenshot``.

Async, because Jupyter already runs an event loop (Playwright's sync API refuses to run inside one); from
a plain script use ``asyncio.run(...)``.

The page's language: ``page_url`` adds ``?lang=``, and the helpers that read the page look for its texts in
that language. Their ``language`` defaults to the process's (``shared.i18n.set_language``; English unless
set), so a notebook's code reads the page of its own edition.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime

from playwright.async_api import Page, async_playwright
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from architectures.embedded.core import LINK_CAPTION, MODEL_CAPTION
from shared import i18n
from shared.i18n import ENGLISH, SEPARATORS, Translator, marked
from shared.i18n import language as current_language

CHROMIUM_ENV = "CHROMIUM_PATH"
"""Environment variable naming the browser to use (a path, or a command on the PATH); checked first."""
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
"""Commands looked up on the PATH, in this order (Debian, Ubuntu and snap, Google's packages)."""
MACOS_APPS = (
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
)
INSTALL_HINT = marked(
    "Install Chromium or Chrome (Debian: `sudo apt install chromium`; Ubuntu: `sudo apt install "
    "chromium-browser`; macOS: `brew install --cask chromium`), or point CHROMIUM_PATH at one "
    "(`export CHROMIUM_PATH=/path/to/chrome`). Playwright never downloads a browser for the series."
)
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


class BrowserNotFoundError(RuntimeError):
    """No Chromium or Chrome on this machine (the message says how to install one)."""


def find_chromium(environ: Mapping[str, str] = os.environ, apps: tuple[str, ...] = MACOS_APPS) -> str | None:
    """The Chromium-family browser to drive: ``$CHROMIUM_PATH``, else the first of ``CHROMIUM_NAMES`` on the
    PATH, else a macOS app; ``None`` when there is none."""
    search_path = environ.get("PATH", os.defpath)
    if named := environ.get(CHROMIUM_ENV):
        return shutil.which(named, path=search_path)  # a path to an executable, or a command name
    for name in CHROMIUM_NAMES:
        if found := shutil.which(name, path=search_path):
            return found
    return next((app for app in apps if os.access(app, os.X_OK)), None)


def missing_browser_message(environ: Mapping[str, str] = os.environ) -> str:
    """Why no browser was found, and how to get one (in the process's language)."""
    hint = i18n._(INSTALL_HINT)
    if named := environ.get(CHROMIUM_ENV):
        return i18n._(
            "{variable}={named} is not an executable browser. {hint}",
            variable=CHROMIUM_ENV,
            named=named,
            hint=hint,
        )
    names = ", ".join(CHROMIUM_NAMES)
    return i18n._("No Chromium or Chrome found (looked for {names} on the PATH). {hint}", names=names, hint=hint)


def require_chromium() -> str:
    """The browser's path, or :class:`BrowserNotFoundError` saying how to install one."""
    if found := find_chromium():
        return found
    raise BrowserNotFoundError(missing_browser_message())


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
async def chromium_page(width: int = 820, height: int = 1100, timeout: float = 60.0) -> AsyncIterator[Page]:
    """A fresh page in a headless Chromium that is closed on exit, even when the block fails.

    Raises :class:`BrowserNotFoundError` when no browser is installed (see :func:`find_chromium`).
    """
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=require_chromium(), args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page(viewport={"width": width, "height": height})
            page.set_default_timeout(timeout * 1000)
            yield page
        finally:
            await browser.close()


def page_url(base_url: str, query: str = "", language: str | None = None) -> str:
    """The app's address for the flight of link ``query`` (may be empty), in ``language``.

    ``page_url("http://127.0.0.1:8501/", "origin=JFK", "pt-BR")`` -> ``"http://127.0.0.1:8501/?origin=JFK&lang=pt-BR"``.
    """
    language = _page_texts(language).language
    parts = [part for part in (query, "" if language == ENGLISH else f"lang={language}") if part]
    return f"{base_url}?{'&'.join(parts)}" if parts else base_url


def _page_texts(language: str | None) -> Translator:
    """The translator of the page's language (the process's when ``language`` is None)."""
    return Translator(language or current_language())


def _before(template: str, field: str) -> str:
    """The words of a translated ``template`` before its ``{field}`` (what a page shows before the value)."""
    return template.split("{" + field)[0]


def link_words(_: Translator) -> str:
    """The words of the page's last line, before the link to the flight: "Link to this flight:"."""
    return _before(_(LINK_CAPTION), "query").rstrip(" `?")


def read_percentage(text: str, language: str) -> float:
    """``"21.9%"`` (English) or ``"21,9%"`` (Brazilian) as a fraction: 0.219."""
    number = text.strip().rstrip("%").strip().translate(SEPARATORS[language]).replace(",", "")
    return float(number) / 100


@dataclass(frozen=True)
class Reading:
    """What the page shows for the flight on the form."""

    p_late: float
    model_version: int


async def read_prediction(page: Page, query: str | None = None, language: str | None = None) -> Reading:
    """Wait for the page to show a probability (for the flight of link ``query``, if given) and read it.

    ``language`` is the page's (default: the process's language, see the module's docstring).
    """
    _ = _page_texts(language)
    if query is not None:
        # the script's last line is the link to the flight: once it shows, the run has drawn all above it
        await page.get_by_text(f"?{query}", exact=False).wait_for()
    else:
        await page.get_by_text(link_words(_)).wait_for()
    value = await page.get_by_test_id("stMetricValue").inner_text()
    version = re.compile(re.escape(_before(_(MODEL_CAPTION), "version")) + r"(\d+)")
    caption = await page.get_by_text(version).inner_text()
    return Reading(read_percentage(value, _.language), int(version.search(caption)[1]))


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


async def enter_flight(
    page: Page, carrier: str, origin: str, dest: str, when: datetime, language: str | None = None
) -> Reading:
    """Fill the form like a user (the date input offers 2013 only) and read the probability shown.

    ``language`` is the page's (default: the process's language, see the module's docstring).
    Each change reruns the app, which redraws the form; a step the page missed while it was redrawing
    (the link to the flight does not show the new value) is done again.
    """
    _ = _page_texts(language)
    await page.get_by_text(link_words(_)).wait_for()  # the form is drawn
    time_label = _("Scheduled departure (New York time)")

    async def date_and_time_typed() -> None:  # the date is taken when the time input gets the focus
        await type_into(page, "month", _("Date"), f"{when:%m}")
        await type_into(page, "day", _("Date"), f"{when:%d}")
        await page.keyboard.press("Enter")
        await type_into(page, "hour", time_label, f"{when:%H}")
        await type_into(page, "minute", time_label, f"{when:%M}")
        await page.keyboard.press("Enter")

    steps = [
        (lambda: choose(page, _("From"), origin), f"origin={origin}&"),
        (lambda: choose(page, _("To"), dest), f"dest={dest}&"),
        (lambda: choose(page, _("Airline"), carrier), f"carrier={carrier}&"),
        (date_and_time_typed, f"date={when:%Y-%m-%d}&time={when:%H:%M}"),
    ]
    for step, shown in steps:
        await _until_link_shows(page, step, shown)
    query = f"carrier={carrier}&origin={origin}&dest={dest}&date={when:%Y-%m-%d}&time={when:%H:%M}"
    return await read_prediction(page, query, _.language)


async def _until_link_shows(
    page: Page, step: Callable[[], Awaitable[None]], shown: str, attempts: int = 3, timeout_ms: float = 15_000
) -> None:
    """Do ``step``, then wait for the link to the flight to contain ``shown``; try again if it never does."""
    link = page.get_by_text(re.compile(r"[?&]" + re.escape(shown)))
    for attempt in range(1, attempts + 1):
        await step()
        try:
            await link.wait_for(timeout=timeout_ms)
            return
        except PlaywrightTimeoutError:
            if attempt == attempts:
                raise
