"""Committed notebooks stay light to review: each under its size budget, the six together under 700 KB."""

from __future__ import annotations

from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
BUDGET_KB = {
    "00_data_and_model.ipynb": 130,
    "01_embedded_app.ipynb": 85,  # prints app.py, longer since its texts became translatable
    "02_model_api.ipynb": 80,
    "03_streaming.ipynb": 160,
    "04_batch.ipynb": 180,
    "05_choosing.ipynb": 70,
}
"""Per notebook, in KB: text outputs, and figures stored as small PNG files (``shared.plots``)."""
TOTAL_KB = 700
"""The six solved notebooks together: half of what they weighed (1.4 MB) before their figures were compacted."""


def size_kb(path: Path) -> float:
    return path.stat().st_size / 1000


@pytest.mark.parametrize("name", BUDGET_KB)
def test_each_notebook_is_under_its_budget(name):
    assert size_kb(NOTEBOOKS / name) <= BUDGET_KB[name], f"{name}: {size_kb(NOTEBOOKS / name):.0f} KB"


def test_every_numbered_notebook_has_a_budget():
    assert {path.name for path in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")} == set(BUDGET_KB)


def test_the_notebooks_together_weigh_under_half_of_what_they_did():
    total = sum(size_kb(NOTEBOOKS / name) for name in BUDGET_KB)
    assert total <= TOTAL_KB, f"{total:.0f} KB"


@pytest.mark.parametrize("path", sorted((NOTEBOOKS / "exercises").glob("*.ipynb")), ids=lambda path: path.name)
def test_each_student_copy_is_within_its_notebooks_budget(path):
    assert size_kb(path) <= BUDGET_KB[path.name], f"{path.name}: {size_kb(path):.0f} KB"
