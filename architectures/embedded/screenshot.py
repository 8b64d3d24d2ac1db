"""Take the README's screenshot of the real app: ``python -m architectures.embedded.screenshot [out.png]``.

Starts ``streamlit run`` on a free port (default registry), enters a flight in headless Chromium, waits
for the probability, and saves the page. ``--language pt-BR`` takes the Portuguese page (``?lang=pt-BR``),
saved by default next to the English one as ``embedded_app.pt-BR.png`` (see ``screenshot_path``).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import datetime
from pathlib import Path

from architectures.embedded.browser import (
    chromium_page,
    enter_flight,
    find_chromium,
    missing_browser_message,
    page_url,
    streamlit_command,
)
from shared.i18n import ENGLISH, LANGUAGES
from shared.model import ensure_model
from shared.paths import PROJECT_ROOT
from shared.processes import BackgroundProcess, free_port

DEFAULT_OUT = PROJECT_ROOT / "docs" / "images" / "embedded_app.png"
EXIT_NO_BROWSER = 5
"""Exit code when Chromium is not installed."""


def screenshot_path(language: str = ENGLISH) -> Path:
    """The committed screenshot of the page in ``language``: ``embedded_app.png``, ``embedded_app.pt-BR.png``."""
    return DEFAULT_OUT if language == ENGLISH else DEFAULT_OUT.with_name(f"{DEFAULT_OUT.stem}.{language}.png")


async def capture(url: str, out: Path, language: str = ENGLISH) -> None:
    async with chromium_page(width=760, height=1120) as page:
        await page.goto(page_url(url, language=language))
        reading = await enter_flight(page, "B6", "JFK", "BOS", datetime(2013, 12, 24, 18, 30), language)
        await page.evaluate("document.activeElement && document.activeElement.blur()")
        await page.screenshot(path=out, full_page=True)
        print(f"P(late) {reading.p_late:.1%} with model version {reading.model_version}")


def main(out: Path | None = None, language: str = ENGLISH) -> None:
    out = out or screenshot_path(language)
    ensure_model("reference")
    out.parent.mkdir(parents=True, exist_ok=True)
    port = free_port()
    command = streamlit_command("architectures/embedded/app.py", port)
    with BackgroundProcess(command, health_url=f"http://127.0.0.1:{port}/_stcore/health"):
        asyncio.run(capture(f"http://127.0.0.1:{port}/", out, language))
    print(f"saved {out} ({out.stat().st_size / 1024:.0f} KB)")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m architectures.embedded.screenshot", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "out", nargs="?", type=Path, help=f"PNG file to write (default: {screenshot_path()} or its pt-BR sibling)"
    )
    parser.add_argument(
        "--language", choices=LANGUAGES, default=ENGLISH, help="the page's language (default: %(default)s)"
    )
    args = parser.parse_args(argv)
    args.out = args.out or screenshot_path(args.language)
    if args.out.suffix.lower() != ".png":
        parser.error(f"out: must be a .png file, got {args.out}")
    return args


if __name__ == "__main__":
    arguments = parse_args()
    if find_chromium() is None:
        print(f"screenshot: {missing_browser_message()}", file=sys.stderr)
        sys.exit(EXIT_NO_BROWSER)
    main(arguments.out, arguments.language)
