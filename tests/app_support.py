"""The Streamlit apps under test, and how the tests run them headless (Streamlit's AppTest)."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "architectures" / "embedded" / "app.py"
APP_WEATHER = ROOT / "architectures" / "embedded" / "app_weather.py"
CLIENT_APP = ROOT / "architectures" / "api" / "client_app.py"


def run_app(script: Path = APP, **query: str) -> AppTest:
    """Run ``script`` once, as a browser opening it with ``query`` in its address would."""
    app = AppTest.from_file(str(script), default_timeout=60)
    app.query_params.update(query)
    return app.run()
