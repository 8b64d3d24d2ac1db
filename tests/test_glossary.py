"""The glossary: every link into it lands on an entry, and every entry says where it is used.

The Portuguese glossary (docs/glossary.pt-BR.md) has exactly the English one's anchors, so a link keeps
its anchor when the Portuguese edition points it at the Portuguese file.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
GLOSSARY = ROOT / "docs" / "glossary.md"
GLOSSARY_PT = ROOT / "docs" / "glossary.pt-BR.md"
ANCHOR = re.compile(r'<a id="([a-z0-9-]+)"></a>')
LINK = re.compile(r"glossary\.md#([A-Za-z0-9_-]+)")
LINK_PT = re.compile(r"glossary\.pt-BR\.md#([A-Za-z0-9_-]+)")
GLOSSARIES = {"en": GLOSSARY, "pt-BR": GLOSSARY_PT}


def entries(glossary: Path = GLOSSARY) -> dict[str, str]:
    """Each anchor with the text of its entry."""
    text = glossary.read_text(encoding="utf-8")
    parts = re.split(r"^### ", text, flags=re.M)[1:]
    return {ANCHOR.search(part).group(1): part for part in parts if ANCHOR.search(part)}


def linking_texts() -> list[tuple[str, str]]:
    """(where, text) for the READMEs, the docs and every notebook's markdown (both editions)."""
    paths = [*ROOT.glob("README*.md"), *ROOT.glob("docs/*.md"), *ROOT.glob("architectures/*/README*.md")]
    texts = [(str(path.relative_to(ROOT)), path.read_text(encoding="utf-8")) for path in sorted(paths)]
    for path in sorted(ROOT.glob("notebooks/**/*.ipynb")):
        if ".ipynb_checkpoints" in path.parts:
            continue
        notebook = nbformat.read(path, as_version=4)
        markdown = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
        texts.append((str(path.relative_to(ROOT)), markdown))
    return texts


@pytest.mark.parametrize("language", GLOSSARIES)
def test_every_entry_has_an_anchor_and_names_its_notebook(language):
    glossary = GLOSSARIES[language]
    text = glossary.read_text(encoding="utf-8")
    assert text.count("\n### ") == len(entries(glossary))
    for anchor, entry in entries(glossary).items():
        assert re.search(r"\*Notebooks? \d\d", entry), f"{glossary.name} #{anchor}: say in which notebook it appears"


def test_the_portuguese_glossary_has_exactly_the_english_anchors():
    english, portuguese = list(entries(GLOSSARY)), list(entries(GLOSSARY_PT))
    assert sorted(set(english) - set(portuguese)) == [], "entries missing from docs/glossary.pt-BR.md"
    assert sorted(set(portuguese) - set(english)) == [], "docs/glossary.pt-BR.md has entries the English lacks"
    assert portuguese == english, "keep the Portuguese entries in the English order"


def test_each_portuguese_entry_gives_the_english_term_beside_it():
    for anchor, entry in entries(GLOSSARY_PT).items():
        heading = entry.splitlines()[0]
        assert re.search(r"\(\*[^*]+\*", heading), f"glossary.pt-BR.md #{anchor}: write the English term as (*term*)"


@pytest.mark.parametrize(("language", "pattern"), [("en", LINK), ("pt-BR", LINK_PT)])
def test_every_link_into_the_glossary_lands_on_an_entry(language, pattern):
    glossary = GLOSSARIES[language]
    known = set(entries(glossary)) | {""}
    links = [(where, anchor) for where, text in linking_texts() for anchor in pattern.findall(text)]
    broken = [f"{where}: {glossary.name}#{anchor}" for where, anchor in links if anchor not in known]
    assert not broken, broken
    in_glossary = re.findall(r"\]\(#([a-z0-9-]+)\)", glossary.read_text(encoding="utf-8"))
    assert set(in_glossary) <= known
