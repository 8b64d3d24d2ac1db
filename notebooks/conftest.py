"""pytest settings for the notebooks folder.

The Portuguese notebooks in ``pt-BR/`` run the same code as the English ones but for the language line
(``tests/test_translations.py`` proves it), so nbval runs the English ones only.

The student copies in ``exercises/`` are generated from the solved notebooks and differ from them only
by removed solutions and quiz answers (the other cells keep the solved run's outputs): running them
again under nbval would double the suite's time. ``tests/test_exercises.py`` proves instead that they are current.

``make test`` runs the suite on parallel workers, one whole file per worker at a time (``--dist loadfile``
in pyproject.toml: a notebook's cells share one kernel, in order). The notebooks are the longest files, so
they start first, the longest first, and the unit tests fill the gaps.
"""

from __future__ import annotations

import pytest

collect_ignore = ["exercises", "pt-BR"]

# The notebooks from the longest to the shortest under nbval (any other notebook comes after them).
# Only an order to start them in: a stale order costs some minutes, never a result.
LONGEST_FIRST = (
    "05_choosing.ipynb",
    "01_embedded_app.ipynb",
    "02_model_api.ipynb",
    "03_streaming.ipynb",
    "04_batch.ipynb",
    "00_data_and_model.ipynb",
)


def _start_rank(item: pytest.Item) -> int:
    """Where an item's file starts: the notebooks in ``LONGEST_FIRST`` order, then every other file."""
    if item.path.suffix != ".ipynb":
        return len(LONGEST_FIRST) + 1
    return LONGEST_FIRST.index(item.path.name) if item.path.name in LONGEST_FIRST else len(LONGEST_FIRST)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Put the notebooks first, longest first; the sort is stable, so each notebook's cells keep their order."""
    items.sort(key=_start_rank)
