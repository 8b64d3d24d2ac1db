"""Shipping Models: the small package every notebook and program of the series imports.

Modules:

- ``paths``: where the dataset and the model registry live;
- ``data``: the prepared flights and airports, and the time split;
- ``features``: the one feature preparation (input fields, model columns);
- ``schema``: input validation, one reason per bad record or row;
- ``model``: train and register the model (``python -m shared.model``);
- ``onnx_export``: a fitted pipeline as an ONNX graph;
- ``registry``: the versioned model store, hashes checked before loading;
- ``predict``: one predictor, two backends (scikit-learn, ONNX Runtime);
- ``evaluate``: classification metrics, latency and throughput of any callable;
- ``files``: files written all or nothing, their hashes, and the generated sections of documents;
- ``processes``: run, measure and stop real background processes;
- ``plots``: notebook figures as small PNG files;
- ``i18n``: the series in English or Brazilian Portuguese (texts looked up, numbers formatted);
- ``teaching``: notebook helpers (a private model registry, prose rendered from values).

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
