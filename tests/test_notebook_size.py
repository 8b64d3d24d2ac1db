"""Committed notebooks stay light to review: each under its size budget, all of them under 700 KB."""

from __future__ import annotations

from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
BUDGET_KB = {
    "00_data_and_model.ipynb": 130,
    "01_embedded_app.ipynb": 80,
    "02_model_api.ipynb": 80,
    "03_streaming.ipynb": 130,
    "04_batch.ipynb": 180,
    "05_choosing.ipynb": 70,
}
"""Per notebook, in KB: text outputs, and figures stored as small PNG files (``shared.plots``)."""
TOTAL_KB = 700
"""Every committed notebook together, student copies included: half of what they weighed at 1.4 MB."""
NOT_YET_COMPACT = {"03_streaming.ipynb"}
"""Notebooks whose figures are still full-size PNG files (their strict xfail turns red once they shrink)."""


def size_kb(path: Path) -> float:
    return path.stat().st_size / 1000


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(name, marks=pytest.mark.xfail(strict=True, reason="figures not yet compact"))
        if name in NOT_YET_COMPACT
        else name
        for name in BUDGET_KB
    ],
)
def test_each_notebook_is_under_its_budget(name):
    assert size_kb(NOTEBOOKS / name) <= BUDGET_KB[name], f"{name}: {size_kb(NOTEBOOKS / name):.0f} KB"


def test_every_numbered_notebook_has_a_budget():
    assert {path.name for path in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")} == set(BUDGET_KB)


@pytest.mark.xfail(bool(NOT_YET_COMPACT), strict=True, reason="notebook 03's figures are not yet compact")
def test_all_notebooks_together_weigh_under_half_of_what_they_did():
    total = sum(size_kb(path) for path in NOTEBOOKS.rglob("*.ipynb") if ".ipynb_checkpoints" not in path.parts)
    assert total <= TOTAL_KB, f"{total:.0f} KB"
