"""The Portuguese edition keeps step with the English one: every text translated and current, same code.

The English notebooks are the one source; ``tools/translate.py`` builds the Portuguese ones from them
and the catalogs in ``locale/pt_BR/`` (see docs/authoring.md). nbval executes the English notebooks;
the Portuguese ones run the same code but for the language line (proved here), were executed when they
were built, and every text their code looks up has a Portuguese translation with the same fields.
"""

from __future__ import annotations

import nbformat
import pytest


@pytest.fixture
def tool(load_tool):
    return load_tool("translate")


def test_every_text_is_translated_and_current(tool):
    problems = tool.check()
    assert not problems, "the Portuguese edition is behind the English one:\n" + "\n".join(problems)


def test_portuguese_notebooks_run_the_english_code_but_for_the_language_line(tool):
    for english in tool.numbered_notebooks():
        portuguese = nbformat.read(tool.TARGET / english.name, as_version=4)
        source = nbformat.read(english, as_version=4)
        assert [c.id for c in portuguese.cells] == [c.id for c in source.cells], english.name
        assert sum(tool.LANGUAGE_LINE in c.source for c in source.cells if c.cell_type == "code") == 1, (
            f"{english.name}: its setup cell must call {tool.LANGUAGE_LINE} once"
        )
        for ours, theirs in zip(portuguese.cells, source.cells, strict=True):
            if theirs.cell_type == "code":
                expected = theirs.source.replace(tool.LANGUAGE_LINE, 'set_language("pt-BR")')
                assert ours.source == expected, f"{english.name} cell {theirs.id}: code differs from the English"


def test_portuguese_notebooks_were_executed(tool):
    for english in tool.numbered_notebooks():
        portuguese = nbformat.read(tool.TARGET / english.name, as_version=4)
        code = [c for c in portuguese.cells if c.cell_type == "code" and c.source.strip()]
        unexecuted = [c.id for c in code if c.execution_count is None]
        assert not unexecuted, f"notebooks/pt-BR/{english.name}: cells never run {unexecuted}: make notebooks-pt-BR"
