"""The glossary: every link into it lands on an entry, and every entry says where it is used."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
GLOSSARY = ROOT / "docs" / "glossary.md"
ANCHOR = re.compile(r'<a id="([a-z0-9-]+)"></a>')
LINK = re.compile(r"glossary\.md#([A-Za-z0-9_-]+)")


def entries() -> dict[str, str]:
    """Each anchor with the text of its entry."""
    text = GLOSSARY.read_text(encoding="utf-8")
    parts = re.split(r"^### ", text, flags=re.M)[1:]
    return {ANCHOR.search(part).group(1): part for part in parts if ANCHOR.search(part)}


def linking_texts() -> list[tuple[str, str]]:
    """(where, text) for the README, the docs and every notebook's markdown."""
    texts = [(path.name, path.read_text(encoding="utf-8")) for path in [ROOT / "README.md", *ROOT.glob("docs/*.md")]]
    for path in sorted(ROOT.glob("notebooks/**/*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        texts.append((path.name, "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")))
    return texts


def test_every_entry_has_an_anchor_and_names_its_notebook():
    text = GLOSSARY.read_text(encoding="utf-8")
    assert text.count("\n### ") == len(entries())
    for anchor, entry in entries().items():
        assert re.search(r"\*Notebooks? \d\d", entry), f"{anchor}: say in which notebook it appears"


def test_every_link_into_the_glossary_lands_on_an_entry():
    known = set(entries()) | {""}
    broken = [f"{where}: #{anchor}" for where, text in linking_texts() for anchor in LINK.findall(text)]
    broken = [link for link in broken if link.split("#")[1] not in known]
    assert not broken, broken
    in_glossary = re.findall(r"\]\(#([a-z0-9-]+)\)", GLOSSARY.read_text(encoding="utf-8"))
    assert set(in_glossary) <= known
