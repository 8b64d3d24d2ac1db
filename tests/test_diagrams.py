"""The diagrams: every image the notebooks and docs show exists, and each SVG (English and pt-BR) matches its source."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
IMAGE_LINK = re.compile(r"!\[[^\]]*\]\(([^)\s]+)[^)]*\)|<img[^>]*\bsrc=[\"']([^\"']+)[\"']")


def markdown_sources() -> list[tuple[Path, str]]:
    """(file, markdown text) for every notebook markdown cell, the README and the docs."""
    sources = [(path, path.read_text(encoding="utf-8")) for path in [*ROOT.glob("README*.md"), *ROOT.glob("docs/*.md")]]
    for path in sorted(ROOT.glob("notebooks/**/*.ipynb")):
        if ".ipynb_checkpoints" in path.parts:
            continue
        notebook = nbformat.read(path, as_version=4)
        sources += [(path, cell.source) for cell in notebook.cells if cell.cell_type == "markdown"]
    return sources


def image_links(text: str) -> list[str]:
    """The local image paths a markdown text shows."""
    text = re.sub(r"```.*?```|`[^`\n]*`", " ", text, flags=re.S)  # examples in code are not shown
    links = [a or b for a, b in IMAGE_LINK.findall(text)]
    return [link for link in links if not re.match(r"[a-z]+:", link)]


def test_link_pattern_finds_markdown_and_html_images():
    text = '![a](images/x.svg) and <img src="../docs/y.png" width=3> and ![w](https://example.org/z.png)'
    assert image_links(text) == ["images/x.svg", "../docs/y.png"]
    assert image_links("write `![alt](images/nothing.svg)` to show one") == []


def test_every_image_shown_exists():
    missing = [
        f"{path.relative_to(ROOT)}: {link}"
        for path, text in markdown_sources()
        for link in image_links(text)
        if not (path.parent / link).is_file()
    ]
    assert not missing, missing


def test_notebooks_show_their_diagram_as_an_image_not_mermaid():
    for path, text in markdown_sources():
        assert "```mermaid" not in text, f"{path.relative_to(ROOT)} still has a mermaid block"
    notebooks = sorted(ROOT.glob("notebooks/[0-9]*.ipynb"))
    assert notebooks
    for path in notebooks:
        shown = [link for p, text in markdown_sources() if p == path for link in image_links(text)]
        assert any(link.endswith(".svg") for link in shown), f"{path.name} shows no diagram"


def test_committed_diagrams_match_their_source(tmp_path, load_tool):
    tool = load_tool("make_diagrams")
    fresh = tool.render_all(tmp_path)
    assert fresh, "tools/diagrams.yaml describes no diagram"
    committed = {path.name: tool.TARGET / path.name for path in fresh}
    stale = [
        path.name
        for path in fresh
        if not committed[path.name].is_file() or committed[path.name].read_bytes() != path.read_bytes()
    ]
    assert not stale, f"run `make diagrams` and commit: {stale} differ from tools/diagrams.yaml"


def test_rendering_is_deterministic(tmp_path, load_tool):
    tool = load_tool("make_diagrams")
    first = [path.read_bytes() for path in tool.render_all(tmp_path / "a", names=["embedded"])]
    second = [path.read_bytes() for path in tool.render_all(tmp_path / "b", names=["embedded"])]
    assert len(first) == len(tool.LANGUAGES)
    assert first == second
    assert all(b"<dc:date>" not in svg for svg in first)


def test_every_diagram_has_a_portuguese_edition(load_tool):
    tool = load_tool("make_diagrams")
    for name in tool.load():
        english = (tool.TARGET / f"{name}.svg").read_text(encoding="utf-8")
        portuguese = (tool.TARGET / f"{name}.pt-BR.svg").read_text(encoding="utf-8")
        assert english != portuguese, f"{name}.pt-BR.svg is the English diagram"
        title = re.search(r"<dc:title>(.*?)</dc:title>", portuguese, flags=re.S)
        assert title and title.group(1) != re.search(r"<dc:title>(.*?)</dc:title>", english, flags=re.S).group(1)


def translated_source(tmp_path: Path, labels: str) -> Path:
    """A one-diagram source whose pt-BR labels are ``labels`` (yaml flow mapping)."""
    source = tmp_path / "d.yaml"
    source.write_text(
        "x:\n  nodes:\n    a: {label: app, kind: app, at: [0, 0]}\n    b: {label: model, kind: model, at: [5, 0]}\n"
        f'  edges:\n    - [a, b, "asks"]\n  pt-BR:\n    alt: "um app"\n    labels: {labels}\n',
        encoding="utf-8",
    )
    return source


def test_a_translated_diagram_renders_its_portuguese_labels(tmp_path, load_tool):
    tool = load_tool("make_diagrams")
    source = translated_source(tmp_path, "{app: aplicativo, model: modelo, asks: pede}")
    english, portuguese = tool.render_all(tmp_path, source=source)
    assert (english.name, portuguese.name) == ("x.svg", "x.pt-BR.svg")
    assert "<dc:title>um app</dc:title>" in portuguese.read_text(encoding="utf-8")
    spec = tool.localize("x", tool.load(source)["x"], "pt-BR")
    assert [node["label"] for node in spec["nodes"].values()] == ["aplicativo", "modelo"]
    assert spec["edges"][0][2] == "pede"


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        ("{app: aplicativo, model: modelo}", "no pt-BR label for 'asks'"),
        ("{app: aplicativo, model: modelo, asks: pede, gone: sumiu}", "no longer has: \\['gone'\\]"),
        ("{app: aplicativo com um nome longo demais, model: modelo, asks: pede}", "does not fit its box"),
    ],
)
def test_a_missing_stale_or_too_long_translation_is_a_clear_error(tmp_path, load_tool, labels, message):
    tool = load_tool("make_diagrams")
    with pytest.raises(tool.DiagramError, match=message):
        tool.render_all(tmp_path, source=translated_source(tmp_path, labels))


def test_bad_diagram_source_is_a_clear_error(tmp_path, load_tool):
    tool = load_tool("make_diagrams")
    source = tmp_path / "d.yaml"
    source.write_text(
        "x:\n  nodes:\n    a: {label: a, kind: spaceship, at: [0, 0]}\n  pt-BR: {alt: a, labels: {a: a}}\n"
    )
    with pytest.raises(tool.DiagramError, match="unknown kind 'spaceship'"):
        tool.render_all(tmp_path, source=source)
