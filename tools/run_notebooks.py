"""Execute notebooks in place, top to bottom, and strip the metadata that only makes diff noise.

    python tools/run_notebooks.py notebooks/00_data_and_model.ipynb [...]

Keeps outputs (the series is read on the web and nbval compares them) and cell tags (``solution``,
``raises-exception``); drops execution timings, widget state and other editor metadata.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

KEEP_NOTEBOOK_METADATA = ("kernelspec", "language_info")


def clean(notebook: nbformat.NotebookNode) -> None:
    """Remove volatile metadata in place."""
    notebook.metadata = {key: notebook.metadata[key] for key in KEEP_NOTEBOOK_METADATA if key in notebook.metadata}
    for cell in notebook.cells:
        tags = cell.metadata.get("tags")
        cell.metadata = {"tags": tags} if tags else {}
        if cell.cell_type == "code":
            for output in cell.get("outputs", []):
                if "metadata" in output:
                    output["metadata"] = {}


def run(path: Path) -> float:
    """Execute ``path`` in its own folder; return the seconds it took."""
    notebook = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    ).execute()
    elapsed = time.perf_counter() - start
    clean(notebook)
    nbformat.write(notebook, path)
    return elapsed


if __name__ == "__main__":
    for name in sys.argv[1:]:
        print(f"{name}: executed in {run(Path(name)):.1f} s", flush=True)
