"""Notebooks in classroom form (they have a quiz) follow the anatomy of docs/authoring.md."""

from __future__ import annotations

import math
import re
from pathlib import Path

import nbformat
import pytest
from tool_support import import_tool

from shared.files import section_markers

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
HEADER = re.compile(
    r"> \*\*Time:\*\* core path (\d+) min · whole notebook (\d+) min\n>\n"
    r"> \*\*Prerequisites:\*\* .+\n>\n> \*\*Install:\*\* .+"
)


stats_tool = import_tool("notebook_stats")
CLASSROOM = [
    path
    for path in NOTEBOOKS
    if any("quiz-answer" in cell.metadata.get("tags", []) for cell in nbformat.read(path, as_version=4).cells)
]


def test_words_ignore_code_images_and_link_targets():
    text = "## Title\n\nTwo words ![alt text](images/x.svg) [a link](../docs/glossary.md#lag).\n```python\nx = 1\n```"
    assert stats_tool.words(text) == 5  # Title, Two, words, a, link
    assert stats_tool.words("p50 of 0.55 ms, isn't it") == 6


def test_notebook_00_is_in_classroom_form():
    assert ROOT / "notebooks" / "00_data_and_model.ipynb" in CLASSROOM


@pytest.mark.parametrize("path", CLASSROOM, ids=lambda path: path.stem)
def test_opening_budget_header_objectives_and_diagram(path):
    notebook = nbformat.read(path, as_version=4)
    title = notebook.cells[0].source
    assert title.startswith(f"# {path.name[:2]} · ")
    header = HEADER.search(title)
    assert header, "budget header missing or malformed (see docs/authoring.md)"
    core, whole = map(int, header.groups())
    assert core <= 45 and core <= whole
    measured = stats_tool.stats(path, stats_tool.read_timings(stats_tool.TIMINGS))
    to_five = [5 * math.ceil(minutes / 5) for minutes in (measured.core_minutes, measured.total_minutes)]
    assert [core, whole] == to_five, "the budget is the instructor guide's estimate, rounded up to 5 minutes"
    objectives = title.split("**You will learn**", 1)[1]
    assert 3 <= len(re.findall(r"^- ", objectives, re.M)) <= 5
    opening = "\n".join(cell.source for cell in notebook.cells[:3] if cell.cell_type == "markdown")
    assert re.search(r"!\[[^\]]+\]\(images/[a-z_]+\.svg\)", opening), "no diagram near the top"


@pytest.mark.parametrize("path", CLASSROOM, ids=lambda path: path.stem)
def test_parts_in_order_and_within_budget(path):
    notebook = nbformat.read(path, as_version=4)
    stats = stats_tool.stats(path)
    assert stats.core_share <= 0.60, f"core path holds {stats.core_share:.0%} of the words"
    assert 2 <= stats.exercises <= 3
    assert 3 <= stats.quiz <= 5
    headings = [stats_tool.heading(cell) for cell in notebook.cells]
    headings = [title for title in headings if title is not None]
    order = [title.split(":")[0].split(" ")[0] for title in headings]
    first_deeper = order.index("going") if "going" in order else len(order)
    assert all(not re.match(r"\d", title) for title in headings[first_deeper:]), "a core section after Going deeper"
    assert headings[-3:] == ["exercises", "quiz", "in this notebook we:"]


@pytest.mark.parametrize("path", CLASSROOM, ids=lambda path: path.stem)
def test_closing_recap_links_to_the_next_notebook(path):
    notebook = nbformat.read(path, as_version=4)
    recap = notebook.cells[-1].source
    assert recap.startswith("## In this notebook we:")
    following = [p.name for p in NOTEBOOKS if p.name > path.name]
    if following:
        assert f"]({following[0]})" in recap


@pytest.mark.parametrize("path", CLASSROOM, ids=lambda path: path.stem)
def test_code_cells_labelled_and_outputs_light(path):
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        lines = cell.source.splitlines()
        labels = [line for line in lines[:2] if line.startswith("# extra code")]
        for label in labels:
            assert label.startswith("# extra code – "), f"cell {cell.id}: label is `# extra code – <what>`"
        if len(lines) > 30:
            assert labels or "solution" in cell.metadata.get("tags", []), f"cell {cell.id}: long cell, no label"
        for output in cell.get("outputs", []):
            html = output.get("data", {}).get("text/html", "")
            assert "sk-estimator" not in html, f"cell {cell.id}: scikit-learn's HTML diagram (set display='text')"


def test_every_code_cell_of_the_series_was_timed():
    timed = {(notebook, cell) for notebook, cell in stats_tool.read_timings(stats_tool.TIMINGS)}
    cells = {
        (path.name, cell.id)
        for path in NOTEBOOKS
        for cell in nbformat.read(path, as_version=4).cells
        if cell.cell_type == "code"
    }
    assert cells - timed == set(), "code cells without a measured run time: make timings"
    assert timed - cells == set(), "timings of cells that no longer exist: make timings"


@pytest.mark.parametrize("language", list(stats_tool.GUIDES))
def test_the_instructor_guide_timing_section_is_rendered_from_the_measurement(language):
    guide = stats_tool.GUIDES[language]
    section = stats_tool.guide_section(NOTEBOOKS, stats_tool.read_timings(stats_tool.TIMINGS), language)
    begin, end = section_markers(stats_tool.SECTION)
    assert f"{begin}\n{section}\n{end}" in guide.read_text("utf-8"), f"{guide.name} is stale: make guide"
