"""Student notebooks: generated from the solved ones, current, and showing no solution."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from tool_support import import_tool

ROOT = Path(__file__).resolve().parent.parent


tool = import_tool("make_exercises")
SOURCES = tool.default_sources()
NAME = lambda path: path.relative_to(ROOT / "notebooks").with_suffix("").as_posix()  # noqa: E731


def hidden_lines(notebook: nbformat.NotebookNode) -> list[str]:
    """The substantial lines of every solution and quiz answer (what a student must not see)."""
    lines = []
    for cell in notebook.cells:
        if {tool.SOLUTION, tool.QUIZ_ANSWER} & set(tool.tags(cell)):
            lines += [line.strip() for line in cell.source.splitlines() if len(line.strip()) > 25]
    return lines


@pytest.mark.parametrize("folder", list(tool.EDITIONS.values()), ids=list(tool.EDITIONS))
def test_every_notebook_with_a_quiz_has_a_student_copy(folder):
    for path in sorted(folder.glob("[0-9][0-9]_*.ipynb")):
        if tool.in_classroom_form(nbformat.read(path, as_version=4)):
            assert tool.target_of(path).is_file(), f"run `make exercises`: no student copy of {path}"
    for copy in (folder / "exercises").glob("*.ipynb"):
        assert (folder / copy.name).is_file(), f"{copy} has no solved notebook"


@pytest.mark.parametrize("source", SOURCES, ids=NAME)
def test_student_copy_is_current(source):
    assert tool.build([source], check=True) == [], f"run `make exercises`: the copy of {source.name} is stale"


@pytest.mark.parametrize("source", SOURCES, ids=NAME)
def test_student_copy_shows_no_solution(source):
    solved = nbformat.read(source, as_version=4)
    student = nbformat.read(tool.target_of(source), as_version=4)
    assert any({tool.SOLUTION, tool.QUIZ_ANSWER} & set(tool.tags(cell)) for cell in solved.cells)
    text = "\n".join(cell.source for cell in student.cells)
    leaked = [line for line in hidden_lines(solved) if line in text]
    assert not leaked, leaked
    solved_cells = {cell.id: cell for cell in solved.cells}
    for cell in student.cells:
        assert not tool.tags(cell)
        if cell.cell_type != "code":
            continue
        if tool.SOLUTION in tool.tags(solved_cells[cell.id]):  # an answer cell: nothing of the solution shows
            assert cell.outputs == [] and cell.execution_count is None
        else:  # the solved run's outputs, so the copy reads on the web as the solved notebook does
            assert cell.outputs == solved_cells[cell.id].outputs


@pytest.mark.parametrize("source", SOURCES, ids=NAME)
def test_teacher_copy_keeps_answers_folded(source):
    solved = nbformat.read(source, as_version=4)
    for cell in solved.cells:
        if tool.SOLUTION in tool.tags(cell):
            assert cell.metadata.get("jupyter") == tool.COLLAPSED, f"solution cell {cell.id} is not collapsed"
        if tool.QUIZ_ANSWER in tool.tags(cell):
            assert cell.source.lstrip().startswith("<details>"), f"quiz answers {cell.id} not inside <details>"


ONE = nbformat.v4.new_output("stream", text="1")


def test_student_copy_replaces_each_kind_of_hidden_cell():
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_markdown_cell("![d](images/x.svg) [next](01_a.ipynb) [g](../docs/glossary.md#lag)", id="a"),
        nbformat.v4.new_code_cell("x = 1", id="b", outputs=[ONE], execution_count=3),
        nbformat.v4.new_code_cell("answer = 42", id="c", metadata={"tags": ["solution"]}),
        nbformat.v4.new_markdown_cell("because 42", id="d", metadata={"tags": ["solution"]}),
        nbformat.v4.new_markdown_cell("<details>1. yes</details>", id="e", metadata={"tags": ["quiz-answer"]}),
    ]
    student = tool.student_copy(notebook, "00_a.ipynb", {"00_a.ipynb", "01_a.ipynb"})
    sources = [cell.source for cell in student.cells]
    assert sources[0] == "![d](../images/x.svg) [next](01_a.ipynb) [g](../../docs/glossary.md#lag)"
    assert student.cells[1].outputs == notebook.cells[1].outputs and student.cells[1].execution_count == 3
    assert sources[2:4] == ["# your answer here", "*Your answer here.*"]
    assert "42" not in sources[4] and "../00_a.ipynb" in sources[4]
    assert [cell.id for cell in student.cells] == ["a", "b", "c", "d", "e"]
    assert notebook.cells[2].source == "answer = 42"  # the solved notebook is untouched


def test_bad_argument_is_one_line(capsys):
    with pytest.raises(SystemExit) as exit_info:
        tool.main(["no-such.ipynb"])
    assert exit_info.value.code == 2
    assert capsys.readouterr().err.strip().count("\n") == 0
