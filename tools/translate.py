"""The Portuguese edition: PO catalogs kept in step with the English sources, and the pt-BR notebooks.

    python tools/translate.py update        # English sources -> locale/pt_BR/*.po (new, changed, removed texts)
    python tools/translate.py build         # English notebooks + catalogs -> notebooks/pt-BR/ (sources only)
    python tools/translate.py check         # exit 1, naming each text, if a translation is missing or stale

`make translations` runs ``update``; `make notebooks-pt-BR` runs ``build``, executes the built notebooks
and makes their student copies. The English notebooks are the one source of truth:

- each markdown cell is one catalog entry whose context is the cell's id and whose message id is the
  cell's English text: when the English cell changes, ``update`` keeps the old translation, marks it
  fuzzy and records the previous English text, so a translator's tool (Poedit, Lokalize, VS Code) shows
  what changed; ``check`` fails until the translation is revised (the fuzzy mark removed);
- the texts that code shows (the first argument of ``_()`` and ``prose()``, in notebook cells and in the
  package, the apps and the tools) are entries without a context, looked up at run time by
  ``shared.i18n``;
- a pt-BR notebook is its English notebook with each markdown cell translated, relative links pointing
  at the Portuguese file where there is one (``README.pt-BR.md`` for ``README.md``), and one changed line
  of code: ``set_language("en")`` becomes ``set_language("pt-BR")``.
"""

from __future__ import annotations

import ast
import copy
import re
import string
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import polib
from cli import OneLineParser  # tools/ (on the path when a tool runs, and in tests)
from make_exercises import RELATIVE_LINK

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
LANGUAGE = "pt-BR"
CATALOGS = ROOT / "locale" / "pt_BR"
NOTEBOOK_CATALOGS = CATALOGS / "notebooks"
TARGET = NOTEBOOKS / LANGUAGE
# the Python files whose texts reach a learner: the package, the programs, the guide, the tools
PACKAGE_SOURCES = ("shared", "architectures", "benchmarks", "tools")
LANGUAGE_LINE = 'set_language("en")'
TRANSLATED_CALLS = ("_", "prose", "marked")  # marked(): a text for the catalog, translated where shown
PRINTING_CALLS = ("print", "Markdown")
# a string printed as it is, with two or more words: a sentence a learner reads
SENTENCE = re.compile(r"[A-Za-z]{2,}\W+[A-Za-z]{2,}")
HEADER = {
    "Project-Id-Version": "shipping-models",
    "Language": "pt_BR",
    "MIME-Version": "1.0",
    "Content-Type": "text/plain; charset=UTF-8",
    "Content-Transfer-Encoding": "8bit",
    "Plural-Forms": "nplurals=2; plural=(n > 1);",
}


@dataclass(frozen=True)
class Text:
    """One text to translate: a markdown cell (context = cell id) or a text shown by code (no context)."""

    msgid: str
    context: str | None
    where: str
    """A cell ("cell 12, id 3fa33752") or a file and line, for the catalog's comments and the messages."""


@dataclass
class Found:
    """The texts of one source, and what in it cannot be translated."""

    texts: list[Text] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def numbered_notebooks() -> list[Path]:
    """The English notebooks, 00 to 05."""
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def catalog_path(notebook: Path) -> Path:
    """The catalog of one English notebook."""
    return NOTEBOOK_CATALOGS / f"{notebook.stem}.po"


def python_source(cell_source: str) -> str:
    """A code cell as plain Python (IPython's ``%magic`` and ``!command`` lines made into calls)."""
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(cell_source)


def code_texts(source: str, where: str) -> Found:
    """The texts code shows (first arguments of ``_()``, ``prose()``); f-strings there and bare printed sentences."""
    found = Found()
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name | ast.Attribute):
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else node.func.attr  # _() or i18n._()
        line = f"{where}, line {node.lineno}"  # catalog comments; messages name the line
        if name in TRANSLATED_CALLS and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.texts.append(Text(first.value, None, line))
            elif isinstance(first, ast.JoinedStr):
                found.problems.append(f"{line}: {name}() of an f-string cannot be translated; pass the values by name")
        elif name in PRINTING_CALLS:
            for argument in node.args:
                if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                    if SENTENCE.search(argument.value):
                        found.problems.append(f"{line}: printed text {argument.value[:40]!r} is not wrapped in _()")
                elif isinstance(argument, ast.JoinedStr):
                    literal = "".join(v.value for v in argument.values if isinstance(v, ast.Constant))
                    if SENTENCE.search(literal):
                        found.problems.append(f"{line}: printed f-string {literal[:40]!r} is not wrapped in _()")
    return found


def notebook_texts(path: Path) -> Found:
    """Every text of one English notebook: its markdown cells, then the texts its code shows."""
    notebook = nbformat.read(path, as_version=4)
    found = Found()
    for index, cell in enumerate(notebook.cells):
        where = f"{path.relative_to(ROOT)} cell {index} (id {cell.id})"
        if cell.cell_type == "markdown":
            found.texts.append(Text(cell.source, cell.id, where))
        elif cell.cell_type == "code":
            in_code = code_texts(python_source(cell.source), where)
            found.texts += in_code.texts
            found.problems += in_code.problems
    return found


def package_catalog(folder: str) -> Path:
    """The catalog of the texts shown by one folder's Python files (``locale/pt_BR/shared.po``...)."""
    return CATALOGS / f"{folder}.po"


def package_texts(folder: str) -> Found:
    """The texts shown by one folder of the package, the programs or the tools (``_()``/``prose()`` calls)."""
    found = Found()
    for path in sorted((ROOT / folder).rglob("*.py")):
        in_file = code_texts(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
        found.texts += in_file.texts  # print() in programs writes logs and CLI messages: not checked here
    return found


def unique(texts: Iterable[Text]) -> dict[tuple[str | None, str], list[Text]]:
    """Texts by (context, message id), in order of first appearance."""
    grouped: dict[tuple[str | None, str], list[Text]] = {}
    for text in texts:
        grouped.setdefault((text.context, text.msgid), []).append(text)
    return grouped


def new_catalog() -> polib.POFile:
    catalog = polib.POFile(wrapwidth=0)
    catalog.metadata = dict(HEADER)
    return catalog


def merge(path: Path, texts: list[Text]) -> polib.POFile:
    """The catalog at ``path`` brought in step with ``texts``; nothing is written.

    A text already translated keeps its translation. A markdown cell whose English changed keeps the
    old translation, marked fuzzy with the previous English text. A text no longer in the source is kept
    as obsolete (``#~``), so a translation is never lost.
    """
    old = polib.pofile(str(path), wrapwidth=0) if path.is_file() else new_catalog()
    by_key = {(entry.msgctxt, entry.msgid): entry for entry in old if not entry.obsolete}
    by_context = {entry.msgctxt: entry for entry in old if entry.msgctxt is not None and not entry.obsolete}
    merged = new_catalog()
    merged.metadata = old.metadata or dict(HEADER)
    used: set[int] = set()
    for (context, msgid), places in unique(texts).items():
        entry = polib.POEntry(msgid=msgid, msgstr="", msgctxt=context)
        entry.comment = "; ".join(dict.fromkeys(place.where.split(", line")[0] for place in places))
        if context is None and re.search(r"\{[^{}]*\}", msgid):
            entry.flags.append("python-brace-format")
        previous = by_key.get((context, msgid))
        if previous is None and context is not None:
            previous = by_context.get(context)
            if previous is not None and previous.msgstr:
                entry.previous_msgid = previous.msgid if "fuzzy" not in previous.flags else previous.previous_msgid
                entry.flags.append("fuzzy")
        if previous is not None:
            entry.msgstr = previous.msgstr
            entry.tcomment = previous.tcomment
            if "fuzzy" in previous.flags and "fuzzy" not in entry.flags:
                entry.flags.append("fuzzy")
                entry.previous_msgid = previous.previous_msgid
            used.add(id(previous))
        merged.append(entry)
    for entry in old:
        if id(entry) not in used and entry.msgstr and not entry.obsolete:
            entry.obsolete = True
            merged.append(entry)
        elif entry.obsolete:
            merged.append(entry)
    return merged


def update() -> list[Path]:
    """Bring every catalog in step with its English source; return the catalogs written."""
    written = []
    jobs = [(catalog_path(path), notebook_texts(path).texts) for path in numbered_notebooks()]
    jobs += [(package_catalog(folder), package_texts(folder).texts) for folder in PACKAGE_SOURCES]
    for path, texts in jobs:
        catalog = merge(path, texts)
        text = str(catalog) + "\n"
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            written.append(path)
    return written


def fields(template: str) -> set[str]:
    """The replacement fields of a ``str.format`` template (with their format specs)."""
    try:
        return {f"{name}:{spec}" for _, name, spec, _ in string.Formatter().parse(template) if name is not None}
    except ValueError as error:
        return {f"<unparsable: {error}>"}


def shown(path: Path) -> str:
    """A path as messages show it: relative to the project when it is inside it."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def quoted(text: Text) -> str:
    """The start of a code text, to name it in a message (a markdown cell is named by its id)."""
    return "" if text.context else f" {text.msgid[:50]!r}"


def entry_problems(entry: polib.POEntry | None, text: Text, catalog: Path) -> Iterator[str]:
    """Why one text's translation cannot be used, if it cannot."""
    where = f"{text.where}: {'markdown' if text.context else 'text'}"
    fix = f"update {shown(catalog)} (make translations, then translate)"
    if entry is None:
        stale = text.context is not None
        yield f"{where}{quoted(text)} {'changed and has no catalog entry' if stale else 'is not in the catalog'}: {fix}"
    elif not entry.msgstr:
        yield f"{where}{quoted(text)} has no Portuguese translation: {fix}"
    elif entry.fuzzy:
        yield f"{where} changed in English since it was translated (fuzzy): revise the translation in {shown(catalog)}"
    elif text.context is None and fields(entry.msgid) != fields(entry.msgstr):
        yield f"{where} {entry.msgid[:40]!r}: the translation's {{fields}} differ from the English ones"


def catalog_problems(path: Path, texts: list[Text]) -> list[str]:
    """What is missing or stale in the catalog at ``path`` for ``texts``."""
    if not path.is_file():
        return [f"{shown(path)} is missing: run make translations"]
    catalog = polib.pofile(str(path), wrapwidth=0)
    entries = {(entry.msgctxt, entry.msgid): entry for entry in catalog if not entry.obsolete}
    fuzzy_by_context = {e.msgctxt: e for e in catalog if e.msgctxt and e.fuzzy and not e.obsolete}
    problems = []
    for (context, msgid), places in unique(texts).items():
        entry = entries.get((context, msgid))
        if entry is None and context in fuzzy_by_context:
            entry = fuzzy_by_context[context]
        problems += entry_problems(entry, places[0], path)
    return problems


def check() -> list[str]:
    """Every problem of the Portuguese edition: missing, stale or broken translations, stale built notebooks."""
    problems = []
    all_code_texts: dict[str, str] = {}
    for path in numbered_notebooks():
        found = notebook_texts(path)
        problems += found.problems
        problems += catalog_problems(catalog_path(path), found.texts)
        problems += built_problems(path)
    for folder in PACKAGE_SOURCES:
        problems += catalog_problems(package_catalog(folder), package_texts(folder).texts)
    for catalog in sorted(CATALOGS.rglob("*.po")):
        for entry in polib.pofile(str(catalog), wrapwidth=0):
            if entry.msgctxt is None and entry.msgstr and not entry.obsolete:
                other = all_code_texts.setdefault(entry.msgid, entry.msgstr)
                if other != entry.msgstr:
                    problems.append(f"{catalog.relative_to(ROOT)}: {entry.msgid[:40]!r} is translated two ways")
    return problems


def portuguese_counterpart(target: str, base: Path) -> str:
    """``target`` (relative to ``base``) or its Portuguese sibling (``x.pt-BR.md`` for ``x.md``) when it exists."""
    path, _, anchor = target.partition("#")
    candidate = Path(path)
    translated = candidate.with_name(f"{candidate.stem}.{LANGUAGE}{candidate.suffix}")
    if candidate.suffix and (base / translated).resolve().is_file():
        path = translated.as_posix()
    return path + ("#" + anchor if anchor else "")


def relink_for_translation(markdown: str, sibling_names: set[str]) -> str:
    """Links of a translated cell, for a notebook one folder down: Portuguese files where there are some."""

    def fix(match: re.Match[str]) -> str:
        prefix, target = match.groups()
        if target.split("#")[0] in sibling_names:
            return prefix + target
        return prefix + "../" + portuguese_counterpart(target, NOTEBOOKS)

    return RELATIVE_LINK.sub(fix, markdown)


def translated_cell(
    cell: nbformat.NotebookNode, translations: dict[str, str], siblings: set[str]
) -> nbformat.NotebookNode:
    """One cell of the pt-BR notebook (outputs are not copied: the built notebook is executed)."""
    cell = copy.deepcopy(cell)
    if cell.cell_type == "markdown":
        cell.source = relink_for_translation(translations.get(cell.id) or cell.source, siblings)
    elif cell.cell_type == "code":
        cell.source = cell.source.replace(LANGUAGE_LINE, f'set_language("{LANGUAGE}")')
        cell.outputs, cell.execution_count = [], None
    return cell


def markdown_translations(path: Path) -> dict[str, str]:
    """Cell id -> Portuguese text, for the cells whose translation is current."""
    catalog_file = catalog_path(path)
    if not catalog_file.is_file():
        return {}
    catalog = polib.pofile(str(catalog_file), wrapwidth=0)
    return {e.msgctxt: e.msgstr for e in catalog if e.msgctxt and e.msgstr and not e.fuzzy and not e.obsolete}


def expected_notebook(path: Path) -> nbformat.NotebookNode:
    """The pt-BR notebook built from the English one at ``path`` (sources only, no outputs)."""
    notebook = nbformat.read(path, as_version=4)
    translations = markdown_translations(path)
    siblings = {p.name for p in numbered_notebooks()}
    built = copy.deepcopy(notebook)
    built.cells = [translated_cell(cell, translations, siblings) for cell in notebook.cells]
    return built


def sources(notebook: nbformat.NotebookNode) -> list[tuple[str, str, str, list[str]]]:
    """What a build decides in a notebook: each cell's id, type, source and tags."""
    return [(c.id, c.cell_type, c.source, list(c.metadata.get("tags", []))) for c in notebook.cells]


def built_problems(path: Path) -> list[str]:
    """Whether the committed pt-BR notebook of ``path`` is the one its English source and catalog build."""
    built = TARGET / path.name
    if not built.is_file():
        return [f"{shown(built)} is missing: run make notebooks-pt-BR"]
    if sources(nbformat.read(built, as_version=4)) != sources(expected_notebook(path)):
        return [f"{shown(built)} is out of date with its English source or catalog: run make notebooks-pt-BR"]
    return []


def build(paths: list[Path]) -> list[Path]:
    """Write the pt-BR notebooks of ``paths``; a cell whose source is unchanged keeps its last outputs."""
    written = []
    for path in paths:
        destination = TARGET / path.name
        notebook = expected_notebook(path)
        if destination.is_file():
            previous = {c.id: c for c in nbformat.read(destination, as_version=4).cells}
            for cell in notebook.cells:
                old = previous.get(cell.id)
                if cell.cell_type == "code" and old is not None and old.source == cell.source:
                    cell.outputs, cell.execution_count = old.outputs, old.execution_count
        destination.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, destination)
        written.append(destination)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = OneLineParser(description="Keep the Portuguese catalogs and notebooks in step with the English ones.")
    parser.add_argument("command", choices=("update", "build", "check"), help="what to do (see the module's help)")
    parser.add_argument("notebooks", nargs="*", type=Path, help="build: English notebooks (default: all)")
    args = parser.parse_args(argv)
    if args.command == "update":
        for path in update():
            print(path.relative_to(ROOT))
        return 0
    if args.command == "build":
        paths = [path.resolve() for path in args.notebooks] or numbered_notebooks()
        for path in paths:
            if path.parent != NOTEBOOKS or not path.is_file():
                parser.error(f"not an English notebook of the series: {path}")
        for path in build(paths):
            print(path.relative_to(ROOT))
        return 0
    problems = check()
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
