"""Shipping Models: the small package every notebook and program of the series imports.

Modules: ``data`` (the prepared flights), ``features`` (the one feature preparation), ``model`` (train and
register), ``registry`` (versioned model store), ``schema`` (input validation), ``predict`` (one predictor,
two backends), ``evaluate`` (metrics and timing), ``processes`` (run and stop real background processes).
Importing the package has no side effects.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

SERIES_PACKAGES = ("python", "pandas", "numpy", "scikit-learn", "onnxruntime", "river", "streamlit", "fastapi")


def versions(packages: tuple[str, ...] = SERIES_PACKAGES) -> dict[str, str]:
    """Installed versions of the series' main packages, for a notebook's setup cell."""
    import platform

    found = {}
    for name in packages:
        try:
            found[name] = platform.python_version() if name == "python" else version(name)
        except PackageNotFoundError:
            found[name] = "not installed"
    return found
