"""Where the series keeps its files: the dataset, and the model registry."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"
FLIGHTS_FILE = DATA_DIR / "flights.parquet"
AIRPORTS_FILE = DATA_DIR / "airports.parquet"


def models_dir() -> Path:
    """The model registry's folder: ``$SHIPPING_MODELS_HOME`` or ``<project>/models`` (git-ignored)."""
    return Path(os.environ.get("SHIPPING_MODELS_HOME", PROJECT_ROOT / "models"))
