"""tools/run_notebooks.py: what it keeps, what it strips, how it reports timings and bad arguments."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from tool_support import import_tool

ROOT = Path(__file__).resolve().parent.parent
tool = import_tool("run_notebooks")
KERNEL = {"name": "python3", "display_name": "Python 3", "language": "python"}


def test_clean_keeps_tags_and_collapsed_state_only():
    notebook = nbformat.v4.new_notebook(metadata={"kernelspec": KERNEL, "widgets": {"state": 1}})
    cell = nbformat.v4.new_code_cell("x", id="a")
    cell.metadata = {"tags": ["solution"], "jupyter": {"source_hidden": True}, "execution": {"x": 1}, "scrolled": True}
    cell.outputs = [nbformat.v4.new_output("display_data", data={"text/plain": "1"}, metadata={"isolated": True})]
    notebook.cells = [cell, nbformat.v4.new_markdown_cell("m", id="b", metadata={"editable": False})]
    tool.clean(notebook)
    assert notebook.metadata == {"kernelspec": KERNEL}
    assert cell.metadata == {"tags": ["solution"], "jupyter": {"source_hidden": True}}
    assert cell.outputs[0]["metadata"] == {}
    assert notebook.cells[1].metadata == {}


def test_cell_seconds_from_nbclient_timestamps():
    cell = nbformat.v4.new_code_cell("x", id="a")
    cell.metadata["execution"] = {
        "iopub.execute_input": "2026-01-01T10:00:00.250000Z",
        "shell.execute_reply": "2026-01-01T10:00:02.000000Z",
    }
    assert tool.cell_seconds(cell) == pytest.approx(1.75)
    assert tool.cell_seconds(nbformat.v4.new_code_cell("y", id="b")) is None


def test_bad_argument_is_one_line(capsys, tmp_path):
    with pytest.raises(SystemExit) as exit_info:
        tool.main([str(tmp_path / "missing.ipynb")])
    assert exit_info.value.code == 2
    error = capsys.readouterr().err.strip()
    assert "missing.ipynb" in error and "\n" not in error
