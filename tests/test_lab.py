"""`make lab` opens the series: JupyterLab starts on the notebooks folder and serves every notebook."""

from __future__ import annotations

import json
import os
import sys
import urllib.request
from pathlib import Path

from shared.paths import PROJECT_ROOT
from shared.processes import BackgroundProcess, free_port

TOKEN = "series-test"


def test_jupyterlab_starts_on_the_notebooks_folder(tmp_path):
    port = free_port()
    jupyter = Path(sys.executable).with_name("jupyter")
    command = [str(jupyter), "lab", "notebooks/", "--no-browser", f"--port={port}", f"--IdentityProvider.token={TOKEN}"]
    if os.geteuid() == 0:
        command.append("--allow-root")
    env = {"JUPYTER_RUNTIME_DIR": str(tmp_path), "JUPYTER_CONFIG_DIR": str(tmp_path / "config")}
    with BackgroundProcess(command, health_url=f"http://127.0.0.1:{port}/api/status?token={TOKEN}", env=env):
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/contents?token={TOKEN}") as response:
            listed = {entry["name"] for entry in json.load(response)["content"]}
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/lab?token={TOKEN}") as response:
            page = response.read().decode()
    expected = {path.name for path in (PROJECT_ROOT / "notebooks").glob("*.ipynb")}
    assert len(expected) == 6
    assert expected <= listed
    assert "JupyterLab" in page
