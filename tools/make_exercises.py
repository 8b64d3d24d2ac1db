"""Make the learners' copies of the notebooks: solutions removed, outputs cleared.

    python tools/make_exercises.py            # notebooks/*.ipynb -> exercises/*.ipynb

Exercises are generated from the solved notebooks (cells tagged ``solution`` become empty answer cells),
so questions and solutions never drift apart.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent


def strip_solutions(notebook: nbformat.NotebookNode) -> int:
    """Replace every ``solution`` cell by an empty answer cell and clear outputs; return how many."""
    removed = 0
    for index, cell in enumerate(notebook.cells):
        if "solution" in cell.metadata.get("tags", []):
            notebook.cells[index] = nbformat.v4.new_code_cell("# your answer here")
            removed += 1
        elif cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return removed


def main(sources: list[Path], target: Path) -> None:
    target.mkdir(exist_ok=True)
    for source in sources:
        notebook = nbformat.read(source, as_version=4)
        removed = strip_solutions(notebook)
        nbformat.write(notebook, target / source.name)
        print(f"{target / source.name}: {removed} solution cell(s) removed")


if __name__ == "__main__":
    names = [Path(name) for name in sys.argv[1:]] or sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
    main(names, ROOT / "exercises")
