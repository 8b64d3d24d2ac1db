"""Make the learners' copies of the notebooks: solutions and quiz answers removed, every other output kept.

    python tools/make_exercises.py                 # notebooks/NN_*.ipynb -> notebooks/exercises/NN_*.ipynb
                                                   # notebooks/pt-BR/NN_*.ipynb -> notebooks/pt-BR/exercises/
    python tools/make_exercises.py notebooks/00_data_and_model.ipynb
    python tools/make_exercises.py --check         # exit 1 if a committed copy is stale

The solved notebook is the one source (the teacher's copy); the student copy is generated from it, so
questions and solutions never drift apart. The other cells keep the outputs of the solved notebook's run,
so a copy reads on the web as the solved one does. Cell tags (see docs/authoring.md):

- ``solution``: the cell becomes an empty answer cell of the same type (same cell id);
- ``quiz-answer``: the cell becomes a pointer to the solved notebook's answers.

Without arguments it copies every numbered notebook that has a quiz (a ``quiz-answer`` cell: the
classroom form), and any notebook that already has a copy.

In the solved notebook, ``solution`` cells are kept collapsed in JupyterLab (cell metadata
``jupyter.source_hidden`` and ``outputs_hidden``); this tool sets that metadata when it is missing.
"""

from __future__ import annotations

import copy
import re
import sys
from pathlib import Path

import nbformat
from cli import OneLineParser  # tools/ (on the path when a tool runs, and in tests)

from shared.i18n import Translator

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
EDITIONS = {"en": NOTEBOOKS, "pt-BR": NOTEBOOKS / "pt-BR"}  # language -> folder of its solved notebooks
SOLUTION, QUIZ_ANSWER = "solution", "quiz-answer"
COLLAPSED = {"source_hidden": True, "outputs_hidden": True}
# a relative link or image in markdown: ](target) or src="target"
RELATIVE_LINK = re.compile(r"(\]\(|src=[\"'])(?![a-zA-Z][a-zA-Z0-9+.-]*:|#|/)([^)\"'\s]+)")


def tags(cell: nbformat.NotebookNode) -> list[str]:
    """The cell's tags."""
    return list(cell.get("metadata", {}).get("tags", []))


def in_classroom_form(notebook: nbformat.NotebookNode) -> bool:
    """Whether the notebook has a quiz with hidden answers: such a notebook gets a student copy."""
    return any(QUIZ_ANSWER in tags(cell) for cell in notebook.cells)


def relink(markdown: str, sibling_names: set[str]) -> str:
    """Rewrite relative links for a copy one folder down; links to generated siblings stay as they are."""

    def fix(match: re.Match[str]) -> str:
        prefix, target = match.groups()
        if target.split("#")[0] in sibling_names:
            return prefix + target
        return prefix + "../" + target

    return RELATIVE_LINK.sub(fix, markdown)


def language_of(source: Path) -> str:
    """The language of a solved notebook, from its folder."""
    return next((language for language, folder in EDITIONS.items() if source.parent == folder), "en")


def quiz_pointer(source_name: str, _: Translator) -> str:
    """What a student sees where the quiz answers were."""
    return _("*Answers: try first, then see the end of [the solved notebook](../{name}).*", name=source_name)


def student_copy(
    notebook: nbformat.NotebookNode, source_name: str, sibling_names: set[str], language: str = "en"
) -> nbformat.NotebookNode:
    """Return the learner's copy of a solved notebook (the input is left unchanged)."""
    _ = Translator(language)
    student = copy.deepcopy(notebook)
    cells = []
    for cell in student.cells:
        cell_tags = set(tags(cell))
        if cell.cell_type == "markdown":
            cell.source = relink(cell.source, sibling_names)
        if SOLUTION in cell_tags:
            if cell.cell_type == "markdown":
                cell = nbformat.v4.new_markdown_cell(_("*Your answer here.*"), id=cell.id)
            else:
                cell = nbformat.v4.new_code_cell(_("# your answer here"), id=cell.id)
        elif QUIZ_ANSWER in cell_tags:
            cell = nbformat.v4.new_markdown_cell(quiz_pointer(source_name, _), id=cell.id)
        cell.metadata = {key: value for key, value in cell.metadata.items() if key not in ("jupyter", "tags")}
        cells.append(cell)
    student.cells = cells
    return student


def collapse_solutions(notebook: nbformat.NotebookNode) -> bool:
    """Keep ``solution`` cells collapsed in the solved notebook; return whether anything changed."""
    changed = False
    for cell in notebook.cells:
        if SOLUTION in tags(cell) and cell.metadata.get("jupyter") != COLLAPSED:
            cell.metadata["jupyter"] = dict(COLLAPSED)
            changed = True
    return changed


def target_of(source: Path) -> Path:
    """Where the student copy of a solved notebook goes: ``exercises/`` beside it."""
    return source.parent / "exercises" / source.name


def default_sources() -> list[Path]:
    """In every edition, each numbered notebook in classroom form (it has a quiz), and any that has a copy."""
    paths = sorted(path for folder in EDITIONS.values() for path in folder.glob("[0-9][0-9]_*.ipynb"))
    return [path for path in paths if target_of(path).is_file() or in_classroom_form(nbformat.read(path, as_version=4))]


def expected(source: Path, sibling_names: set[str]) -> str:
    """The exact text of the student copy of ``source``."""
    notebook = nbformat.read(source, as_version=4)
    return nbformat.writes(student_copy(notebook, source.name, sibling_names, language_of(source))) + "\n"


def build(sources: list[Path], check: bool = False) -> list[Path]:
    """Write (or, with ``check``, compare) the student copies; return the stale or written paths."""
    touched = []
    for source in sources:
        siblings = {path.name for path in source.parent.glob("[0-9][0-9]_*.ipynb")}  # each gets a student copy
        destination = target_of(source)
        text = expected(source, siblings)
        current = destination.read_text(encoding="utf-8") if destination.is_file() else None
        if check:
            if current != text:
                touched.append(destination)
            continue
        notebook = nbformat.read(source, as_version=4)
        if collapse_solutions(notebook):
            nbformat.write(notebook, source)
        destination.parent.mkdir(parents=True, exist_ok=True)
        if current != text:
            destination.write_text(text, encoding="utf-8")
        touched.append(destination)
    return touched


def main(argv: list[str] | None = None) -> int:
    parser = OneLineParser(description="Generate the student copies of the notebooks (solutions removed).")
    parser.add_argument("notebooks", nargs="*", type=Path, help="solved notebooks (default: every one with a quiz)")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a student copy is stale")
    args = parser.parse_args(argv)
    for path in args.notebooks:
        if path.suffix != ".ipynb" or not path.is_file():
            parser.error(f"not a notebook file: {path}")
    sources = [path.resolve() for path in args.notebooks] or default_sources()
    touched = build(sources, check=args.check)
    if args.check:
        for path in touched:
            print(f"stale: {path.relative_to(ROOT)} (run make exercises)", file=sys.stderr)
        return 1 if touched else 0
    for path in touched:
        print(path.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
