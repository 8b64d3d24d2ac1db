"""The shared package's docstring is its table of contents."""

from __future__ import annotations

from pathlib import Path

import pytest

import shared
from shared.files import replace_section, section_markers


def test_the_package_docstring_lists_every_module():
    modules = {path.stem for path in Path(shared.__file__).parent.glob("*.py") if path.stem != "__init__"}
    listed = {module for module in modules if f"``{module}``" in shared.__doc__}
    assert listed == modules, f"not in shared/__init__.py's docstring: {sorted(modules - listed)}"


def test_a_generated_section_is_replaced_between_its_markers_and_nothing_else(tmp_path: Path):
    document = tmp_path / "guide.md"
    begin, end = section_markers("timing")
    document.write_text(f"before\n{begin}\nold\n{end}\nafter {begin} again\n")
    replace_section(document, "timing", "| new |")
    assert document.read_text() == f"before\n{begin}\n| new |\n{end}\nafter {begin} again\n"
    document.write_text("# a document\n\nno section here\n")
    with pytest.raises(ValueError, match="has no section between <!-- timing: begin -->"):
        replace_section(document, "timing", "table")
    assert document.read_text() == "# a document\n\nno section here\n"
