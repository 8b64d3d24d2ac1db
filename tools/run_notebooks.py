"""Execute notebooks in place, top to bottom, and strip the metadata that only makes diff noise.

    python tools/run_notebooks.py notebooks/00_data_and_model.ipynb [...]
    python tools/run_notebooks.py --timings cells.csv --no-write notebooks/*.ipynb   # measure only

Keeps outputs (the series is read on the web and nbval compares them), cell tags (``solution``,
``quiz-answer``, ``raises-exception``) and the ``jupyter`` cell metadata that keeps a solution collapsed
in JupyterLab; drops execution timings, widget state and other editor metadata. ``--timings`` writes how
long each cell took (the instructor guide's slow cells come from it).
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from datetime import datetime
from pathlib import Path

import nbformat
from cli import OneLineParser  # tools/ (on the path when a tool runs, and in tests)
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

KEEP_NOTEBOOK_METADATA = ("kernelspec", "language_info")
KEEP_CELL_METADATA = ("tags", "jupyter")


def clean(notebook: nbformat.NotebookNode) -> None:
    """Remove volatile metadata in place."""
    notebook.metadata = {key: notebook.metadata[key] for key in KEEP_NOTEBOOK_METADATA if key in notebook.metadata}
    for cell in notebook.cells:
        cell.metadata = {key: cell.metadata[key] for key in KEEP_CELL_METADATA if cell.metadata.get(key)}
        if cell.cell_type == "code":
            for output in cell.get("outputs", []):
                if "metadata" in output:
                    output["metadata"] = {}


def cell_seconds(cell: nbformat.NotebookNode) -> float | None:
    """How long an executed code cell ran, from the timestamps nbclient records."""
    timing = cell.metadata.get("execution", {})
    start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
    if not (start and end):
        return None
    return (
        datetime.fromisoformat(end.replace("Z", "+00:00")) - datetime.fromisoformat(start.replace("Z", "+00:00"))
    ).total_seconds()


def cell_timings(path: Path, notebook: nbformat.NotebookNode) -> list[dict[str, object]]:
    """One row per executed code cell: notebook, index, id, seconds, first line."""
    rows = []
    for index, cell in enumerate(notebook.cells):
        seconds = cell_seconds(cell) if cell.cell_type == "code" else None
        if seconds is not None:
            first_line = cell.source.splitlines()[0] if cell.source else ""
            rows.append(
                {
                    "notebook": path.name,
                    "cell": index,
                    "id": cell.get("id", ""),
                    "seconds": round(seconds, 2),
                    "first_line": first_line,
                }
            )
    return rows


def run(path: Path, write: bool = True) -> tuple[float, list[dict[str, object]]]:
    """Execute ``path`` in its own folder; return the seconds it took and per-cell timings."""
    notebook = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        record_timing=True,
        resources={"metadata": {"path": str(path.parent)}},
    ).execute()
    elapsed = time.perf_counter() - start
    timings = cell_timings(path, notebook)
    clean(notebook)
    if write:
        nbformat.write(notebook, path)
    return elapsed, timings


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = OneLineParser(description="Execute notebooks top to bottom and save them with outputs.")
    parser.add_argument("notebooks", nargs="+", type=Path, help="the .ipynb files to execute, in order")
    parser.add_argument("--timings", type=Path, metavar="CSV", help="also write each code cell's duration to CSV")
    parser.add_argument("--no-write", action="store_true", help="execute but leave the notebook files unchanged")
    args = parser.parse_args(argv)
    for path in args.notebooks:
        if path.suffix != ".ipynb" or not path.is_file():
            parser.error(f"not a notebook file: {path}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    rows: list[dict[str, object]] = []
    status = 0
    for path in args.notebooks:
        try:
            elapsed, timings = run(path, write=not args.no_write)
        except (CellExecutionError, CellTimeoutError, DeadKernelError) as error:
            summary = str(error).strip().splitlines()[-1] if str(error).strip() else type(error).__name__
            print(f"{path}: failed: {summary}", file=sys.stderr, flush=True)
            status = 1
            continue
        rows += timings
        print(f"{path}: executed in {elapsed:.1f} s", flush=True)
    if args.timings and rows:
        with args.timings.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    return status


if __name__ == "__main__":
    sys.exit(main())
