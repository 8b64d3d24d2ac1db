"""`make lab` opens the series: JupyterLab starts on the notebooks folder, serves every notebook, and
stays offline (no news feed, no update check: `jupyter_config/`, which `make lab` puts on JUPYTER_CONFIG_PATH)."""

from __future__ import annotations

import json
import os
import sys
import urllib.request
from pathlib import Path

import pytest

from shared.paths import PROJECT_ROOT
from shared.processes import BackgroundProcess, free_port

TOKEN = "series-test"


def _get_json(url: str) -> dict:
    with urllib.request.urlopen(url) as response:
        return json.load(response)


@pytest.mark.slow
def test_jupyterlab_starts_on_the_notebooks_folder(tmp_path):
    port = free_port()
    jupyter = Path(sys.executable).with_name("jupyter")
    command = [str(jupyter), "lab", "notebooks/", "--no-browser", f"--port={port}", f"--IdentityProvider.token={TOKEN}"]
    if os.geteuid() == 0:
        command.append("--allow-root")
    env = {
        "JUPYTER_RUNTIME_DIR": str(tmp_path),
        "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
        "JUPYTER_CONFIG_PATH": str(PROJECT_ROOT / "jupyter_config"),  # as `make lab` sets it
    }
    with BackgroundProcess(command, health_url=f"http://127.0.0.1:{port}/api/status?token={TOKEN}", env=env):
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/contents?token={TOKEN}") as response:
            listed = {entry["name"] for entry in json.load(response)["content"]}
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/lab?token={TOKEN}") as response:
            page = response.read().decode()
        news = _get_json(f"http://127.0.0.1:{port}/lab/api/news?token={TOKEN}")
        update = _get_json(f"http://127.0.0.1:{port}/lab/api/update?token={TOKEN}")
    expected = {path.name for path in (PROJECT_ROOT / "notebooks").glob("*.ipynb")}
    assert len(expected) == 6
    assert expected <= listed
    assert "JupyterLab" in page
    assert '"news": {"disabled": true}' in page  # no "would you like to receive news?" pop-up
    assert news["news"] == []
    assert update["notification"] is None
