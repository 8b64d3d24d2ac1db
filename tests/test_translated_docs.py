"""The Portuguese documents (x.pt-BR.md beside x.md): current with their English, linked both ways.

A translation records the English version it follows (``<!-- translation of x.md sha256:… -->``); when the
English changes, the test names the document. After revising the translation, record it with
``python tools/translated_docs.py stamp x.pt-BR.md``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from benchmarks import summary
from benchmarks.figures import Figure, Results, at_least

ROOT = Path(__file__).resolve().parent.parent
EXPECTED = [
    "README.md",
    "docs/glossary.md",
    "docs/instructor.md",
    *sorted(str(path.relative_to(ROOT)) for path in ROOT.glob("architectures/*/README.md")),
]
"""The English documents that have a Portuguese edition."""
RELATIVE_LINK = re.compile(r"\]\((?![a-zA-Z][a-zA-Z0-9+.-]*:|#)([^)\s]+)\)")
SECTION = re.compile(r"<!-- results: begin -->\n(.*?)\n<!-- results: end -->", re.DOTALL)


@pytest.fixture(scope="module")
def tool(load_tool):
    return load_tool("translated_docs")


def documents() -> list[Path]:
    return (
        sorted(ROOT.glob("*.pt-BR.md"))
        + sorted(ROOT.glob("docs/*.pt-BR.md"))
        + sorted(ROOT.glob("architectures/*/*.pt-BR.md"))
    )


def test_every_english_document_listed_has_its_translation(tool):
    translated = {str(tool.english_of(path).relative_to(ROOT)) for path in tool.translated_documents()}
    assert sorted(set(EXPECTED) - translated) == [], "these English documents have no .pt-BR.md beside them"
    assert tool.translated_documents() == sorted(documents())


@pytest.mark.parametrize("document", documents(), ids=lambda path: str(path.relative_to(ROOT)))
def test_each_translation_follows_the_current_english(tool, document):
    assert tool.problem(document) is None, tool.problem(document)


def test_a_change_to_the_english_makes_its_translation_stale_until_stamped(tool, tmp_path):
    english, portuguese = tmp_path / "guide.md", tmp_path / "guide.pt-BR.md"
    english.write_text("# Guide\n\nRun it.\n\n<!-- results: begin -->\n1.5 s\n<!-- results: end -->\n")
    portuguese.write_text("# Guia\n\nRode.\n")
    assert "needs one" in tool.problem(portuguese) and "stamp" in tool.problem(portuguese)
    tool.stamp(portuguese)
    assert tool.problem(portuguese) is None
    assert portuguese.read_text().splitlines()[1].startswith("<!-- translation of guide.md sha256:")
    english.write_text(english.read_text().replace("1.5 s", "2.5 s"))  # re-rendered figures: still current
    assert tool.problem(portuguese) is None
    english.write_text(english.read_text().replace("Run it.", "Run it twice."))
    message = tool.problem(portuguese)
    assert message and "guide.md changed since it was translated" in message
    assert f"python tools/translated_docs.py stamp {portuguese}" in message
    tool.stamp(portuguese)
    assert tool.problem(portuguese) is None
    assert portuguese.read_text().count("<!-- translation of") == 1


def test_the_command_line_reports_stale_translations_and_refuses_a_bad_stamp(tool, tmp_path, capsys):
    assert tool.main(["stamp", str(tmp_path / "nothing.pt-BR.md")]) == 2
    assert "not a Portuguese document" in capsys.readouterr().err


def built_from_english(target: Path) -> Path:
    """For a path in notebooks/pt-BR/ (built by make notebooks-pt-BR), the English path it is built from."""
    parts = target.relative_to(ROOT).parts if target.is_relative_to(ROOT) else ()
    if parts[:2] == ("notebooks", "pt-BR"):
        return ROOT.joinpath("notebooks", *parts[2:])
    return target


@pytest.mark.parametrize("document", documents(), ids=lambda path: str(path.relative_to(ROOT)))
def test_links_land_and_prefer_portuguese_documents(tool, document):
    """Relative links exist; a link to a document with a Portuguese edition goes to that edition.

    The pt-BR notebooks are built from the English ones (make notebooks-pt-BR), so a link to
    notebooks/pt-BR/x.ipynb lands when notebooks/x.ipynb exists.
    """
    text = re.sub(r"```.*?```|`[^`\n]*`", " ", document.read_text(encoding="utf-8"), flags=re.S)
    broken, english = [], []
    for link in RELATIVE_LINK.findall(text):
        target = (document.parent / link.split("#")[0]).resolve()
        if not target.exists() and not built_from_english(target).exists():
            broken.append(link)
        translation = target.with_name(target.name.removesuffix(".md") + ".pt-BR.md")
        if target.suffix == ".md" and translation.is_file() and target != tool.english_of(document):
            english.append(link)
    assert not broken, f"{document.name}: links to nothing: {broken}"
    assert not english, f"{document.name}: link the Portuguese edition instead of {english}"


@pytest.mark.parametrize("document", documents(), ids=lambda path: str(path.relative_to(ROOT)))
def test_each_translation_links_its_english_in_its_first_lines(tool, document):
    head = "\n".join(document.read_text(encoding="utf-8").splitlines()[:5])
    assert f"]({tool.english_of(document).name})" in head, f"{document.name}: link back to the English version"


def test_the_readme_links_its_portuguese_edition_in_its_first_lines():
    head = "\n".join((ROOT / "README.md").read_text(encoding="utf-8").splitlines()[:5])
    assert "](README.pt-BR.md)" in head


def test_both_readmes_give_the_same_commands():
    english, portuguese = ((ROOT / name).read_text(encoding="utf-8") for name in ("README.md", "README.pt-BR.md"))
    blocks = re.compile(r"```bash\n.*?```", re.DOTALL)
    assert blocks.findall(english) == blocks.findall(portuguese)


def digits(text: str) -> list[str]:
    """Every number of a text with its separators dropped, sorted: the same run gives the same list."""
    return sorted(re.sub(r"[.,]", "", number) for number in re.findall(r"\d[\d.,]*\d|\d", text))


def test_both_readmes_show_the_same_run():
    english, portuguese = (
        SECTION.search((ROOT / name).read_text(encoding="utf-8")).group(1) for name in ("README.md", "README.pt-BR.md")
    )
    assert english != portuguese, (
        "README.pt-BR.md's results are the English ones: run python -m benchmarks.summary --readme"
    )
    assert digits(english) == digits(portuguese), "render both with python -m benchmarks.summary --readme"


def a_run() -> Results:
    """Every figure the README quotes, one of them missing its goal."""
    ids = re.findall(r"v\(\"([a-z0-9_]+)\"\)", Path(summary.__file__).read_text(encoding="utf-8"))
    figures = [Figure(figure_id, figure_id.split("_")[0], figure_id, 1234.25, "x") for figure_id in dict.fromkeys(ids)]
    figures.append(Figure("goal", "batch", "a ratio", 0.5, "×", at_least(0.8)))
    machine = {"cores": 2, "cpu": "cpu", "memory_gib": 7.5, "system": "Linux", "python": "3.12", "load_average": 1.5}
    return Results.of(figures, machine)


def test_the_portuguese_results_are_the_english_ones_in_portuguese():
    run = a_run()
    english, portuguese = summary.readme_results(run), summary.readme_results(run, "pt-BR")
    assert "| architecture | one prediction (p50) |" in english and "1234 failed requests out of 1,234" in english
    assert "| arquitetura | uma predição (p50) |" in portuguese
    assert "1234 de 1.234 requisições falharam" in portuguese and "7,5 GiB de memória" in portuguese
    assert "carga média 1,5" in portuguese and "meta >= 0,8 ×" in portuguese
    assert "embutida (01)" in portuguese and "API dedicada (02)" in portuguese
    assert digits(english) == digits(portuguese)
    assert len(english.splitlines()) == len(portuguese.splitlines())


def test_the_readme_command_rewrites_both_editions(tmp_path):
    begin, end = summary.MARKERS
    readme = tmp_path / "README.pt-BR.md"
    readme.write_text(f"# Título\n\n{begin}\nvelho\n{end}\n\nresto\n", encoding="utf-8")
    summary.rewrite_readme(a_run(), readme, "pt-BR")
    text = readme.read_text(encoding="utf-8")
    assert "velho" not in text and text.endswith("resto\n") and "Medido com `make bench`" in text
    assert set(summary.READMES) == {"en", "pt-BR"} and summary.READMES["pt-BR"].name == "README.pt-BR.md"
