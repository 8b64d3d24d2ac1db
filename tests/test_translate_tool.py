"""tools/translate.py: catalogs follow the English sources; a changed cell is named, never silently stale."""

from __future__ import annotations

import nbformat
import polib
import pytest


@pytest.fixture
def tool(load_tool):
    return load_tool("translate")


def texts_of(tool, cells):
    return [tool.Text(text, cell_id, f"nb.ipynb cell {i} (id {cell_id})") for i, (cell_id, text) in enumerate(cells)]


def test_a_changed_cell_keeps_its_translation_marked_fuzzy_and_check_names_it(tool, tmp_path):
    path = tmp_path / "nb.po"
    catalog = tool.merge(path, texts_of(tool, [("a1", "# Title"), ("b2", "Old text.")]))
    for entry in catalog:
        entry.msgstr = {"# Title": "# Título", "Old text.": "Texto antigo."}[entry.msgid]
    catalog.save(str(path))
    texts = texts_of(tool, [("a1", "# Title"), ("b2", "New text.")])
    assert tool.catalog_problems(path, texts) == [
        f"nb.ipynb cell 1 (id b2): markdown changed and has no catalog entry: update {path} "
        "(make translations, then translate)"
    ]
    tool.merge(path, texts).save(str(path))
    changed = next(entry for entry in polib.pofile(str(path)) if entry.msgctxt == "b2")
    assert (changed.msgid, changed.msgstr, changed.fuzzy) == ("New text.", "Texto antigo.", True)
    assert changed.previous_msgid == "Old text."
    assert tool.catalog_problems(path, texts) == [
        "nb.ipynb cell 1 (id b2): markdown changed in English since it was translated (fuzzy): "
        f"revise the translation in {path}"
    ]
    changed.flags.remove("fuzzy")
    changed.msgstr = "Texto novo."
    changed.previous_msgid = None
    catalog = polib.pofile(str(path))
    next(entry for entry in catalog if entry.msgctxt == "b2").flags.remove("fuzzy")
    catalog.save(str(path))
    assert tool.catalog_problems(path, texts) == []


def test_a_removed_cell_keeps_its_translation_as_obsolete(tool, tmp_path):
    path = tmp_path / "nb.po"
    catalog = tool.merge(path, texts_of(tool, [("a1", "# Title")]))
    catalog[0].msgstr = "# Título"
    catalog.save(str(path))
    merged = tool.merge(path, [])
    assert [(entry.msgid, entry.obsolete) for entry in merged] == [("# Title", True)]


def test_code_texts_finds_translatable_calls_and_refuses_fstrings_and_bare_sentences(tool):
    source = 'x = 1\nprint(_("{n} rows", n=x))\nprose(f"{x} rows")\nprint("late rate:", x)\nprint("$ uvicorn")\n'
    found = tool.code_texts(source, "cell 3")
    assert [text.msgid for text in found.texts] == ["{n} rows"]
    assert any("f-string cannot be translated" in problem for problem in found.problems)
    assert any("'late rate:' is not wrapped in _()" in problem for problem in found.problems)
    assert not any("uvicorn" in problem for problem in found.problems)


def test_fields_must_match_between_english_and_portuguese(tool):
    assert tool.fields("{rows:,} flights") == tool.fields("{rows:,} voos")
    assert tool.fields("{rows:,} flights") != tool.fields("{linhas:,} voos")


def test_the_built_notebook_differs_only_by_language_line_and_translated_markdown(tool, tmp_path, monkeypatch):
    notebook = nbformat.v4.new_notebook()
    english = "See [the glossary](../docs/glossary.md#p50-p99) and [01](01_embedded_app.ipynb)."
    portuguese = "Veja [o glossário](../docs/glossary.md#p50-p99) e [01](01_embedded_app.ipynb)."
    notebook.cells = [
        nbformat.v4.new_markdown_cell(english, id="m1"),
        nbformat.v4.new_code_cell('from shared.i18n import _, set_language\nset_language("en")', id="c1"),
    ]
    monkeypatch.setattr(tool, "markdown_translations", lambda path: {"m1": portuguese})
    monkeypatch.setattr(tool, "numbered_notebooks", lambda: [tmp_path / "01_embedded_app.ipynb"])
    source = tmp_path / "00_x.ipynb"
    nbformat.write(notebook, source)
    built = tool.expected_notebook(source)
    glossary = "glossary.pt-BR.md" if (tool.ROOT / "docs" / "glossary.pt-BR.md").is_file() else "glossary.md"
    assert built.cells[0].source == f"Veja [o glossário](../../docs/{glossary}#p50-p99) e [01](01_embedded_app.ipynb)."
    assert built.cells[1].source.endswith('set_language("pt-BR")')
