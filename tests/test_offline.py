"""The series works offline: the app, started as the README says, reaches nothing but this machine.

The server runs under an audit hook that logs every DNS lookup and socket connection to another host;
the page, when a browser is installed, is loaded in Chromium with every request it makes recorded.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from architectures.embedded.browser import chromium_page, find_chromium, read_prediction
from shared.processes import BackgroundProcess, free_port
from shared.registry import Registry

pytestmark = pytest.mark.slow

LOCAL_HOSTS = {"127.0.0.1", "::1", "localhost"}

# Runs `streamlit <args>` with an audit hook that writes each lookup or connection to another host to a file.
AUDITED_STREAMLIT = """
import os, sys
LOCAL = {"127.0.0.1", "::1", "localhost", "0.0.0.0", "::", None}
log = open(os.environ["NETWORK_AUDIT_LOG"], "a", buffering=1)
def audit(event, args):
    if event == "socket.getaddrinfo" and args[0] not in LOCAL:
        log.write(f"lookup {args[0]!r}\\n")
    elif event == "socket.connect" and isinstance(args[1], tuple) and args[1][0] not in LOCAL:
        log.write(f"connect {args[1]!r}\\n")
sys.addaudithook(audit)
from streamlit.web.cli import main
sys.argv = ["streamlit", *sys.argv[1:]]
main()
"""


async def _requests_of_a_page_view(url: str) -> tuple[list[str], float]:
    """Every URL the page asks for while it shows a probability, and that probability."""
    requested: list[str] = []
    async with chromium_page() as page:
        page.on("request", lambda request: requested.append(request.url))
        await page.goto(url)
        reading = await read_prediction(page)
    return requested, reading.p_late


def test_the_app_started_as_the_readme_says_reaches_no_other_host(trained_registry: Registry, tmp_path: Path):
    script = tmp_path / "audited_streamlit.py"
    script.write_text(AUDITED_STREAMLIT)
    audit_log = tmp_path / "network.log"
    audit_log.touch()
    port = free_port()
    env = {
        "NETWORK_AUDIT_LOG": str(audit_log),
        "SHIPPING_MODELS_HOME": str(trained_registry.root),
        "STREAMLIT_SERVER_PORT": str(port),  # the README's command otherwise unchanged: no flags
    }
    assert not any(name.startswith("STREAMLIT_") for name in os.environ), "the settings must come from the file"
    command = [sys.executable, str(script), "run", "architectures/embedded/app.py"]
    with BackgroundProcess(command, health_url=f"http://localhost:{port}/_stcore/health", env=env) as app:
        requested, p_late = (
            asyncio.run(_requests_of_a_page_view(f"http://localhost:{port}/")) if find_chromium() else ([], None)
        )
        output = app.log()
    assert audit_log.read_text() == "", f"the app reached other hosts:\n{audit_log.read_text()}"
    assert "Collecting usage statistics" not in output
    assert "Email" not in output
    assert f"URL: http://localhost:{port}" in output
    if p_late is not None:
        assert 0 < p_late < 1
        assert {urlsplit(url).hostname for url in requested if url.startswith("http")} <= LOCAL_HOSTS
