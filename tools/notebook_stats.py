"""Words, core path, exercises and quiz questions of each notebook (the figures the instructor guide quotes).

    python tools/notebook_stats.py                       # every numbered notebook
    python tools/notebook_stats.py --timings cells.csv --slow 5      # and the cells that ran 5 s or more
    python tools/notebook_stats.py --guide      # rewrite the instructor guides' timing section (make guide)

Conventions (docs/authoring.md): the core path is everything before the first ``## Going deeper``
heading, without the exercises, the quiz and the recap; words are those of the markdown cells, code
blocks and image links left out. With ``--timings`` (a CSV from ``tools/run_notebooks.py --timings``)
it also estimates class minutes, a rough model stated here so every notebook is judged the same way:

- core path: its words at READING_WPM, CODE_CELL_MINUTES per code cell (read it, run it, look at the
  output), plus the measured run time of its cells;
- whole notebook: the same over every cell except solutions, plus EXERCISE_MINUTES per exercise and
  QUIZ_MINUTES per quiz question.

``--guide`` renders that table, and the cells that ran SLOW_SECONDS or more, from the committed
``docs/cell-timings.csv`` into the generated section of ``docs/instructor.md`` and of its Portuguese
edition (headings and titles from the notebooks of each edition), so no figure there is typed by hand.
"""

from __future__ import annotations

import csv
import math
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
from cli import OneLineParser  # tools/ (on the path when a tool runs, and in tests)

from shared.files import replace_section
from shared.i18n import ENGLISH, Translator

ROOT = Path(__file__).resolve().parent.parent
READING_WPM = 120  # technical prose, read in class with the code next to it
CODE_CELL_MINUTES = 0.75
EXERCISE_MINUTES = 5
QUIZ_MINUTES = 1
CODE_BLOCK = re.compile(r"```.*?```", re.S)
IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
HTML_TAG = re.compile(r"<[^>]+>")
LINK_TARGET = re.compile(r"\]\([^)]*\)")
WORD = re.compile(r"[^\W_](?:[\w'’.,:/+-]*[^\W_])?")
GUIDES = {ENGLISH: ROOT / "docs" / "instructor.md", "pt-BR": ROOT / "docs" / "instructor.pt-BR.md"}
TIMINGS = ROOT / "docs" / "cell-timings.csv"
"""Per-cell seconds of the whole series, measured by ``make timings`` (tools/run_notebooks.py --timings)."""
SECTION = "timing"
SLOW_SECONDS = 1.5
OPTIONAL = ("going deeper",)
CLOSING = ("exercises", "quiz", "in this notebook we")


def words(markdown: str) -> int:
    """Words a reader reads in a markdown text."""
    text = CODE_BLOCK.sub(" ", markdown)
    text = IMAGE.sub(" ", text)
    text = LINK_TARGET.sub("]", text)
    text = HTML_TAG.sub(" ", text)
    return len(WORD.findall(text))


def heading(cell: nbformat.NotebookNode) -> str | None:
    """The text of a level-2 heading that opens a markdown cell, lower-cased."""
    if cell.cell_type != "markdown":
        return None
    match = re.match(r"##\s+(.*)", cell.source.lstrip())
    return match.group(1).strip().lower() if match and not cell.source.lstrip().startswith("###") else None


def part_of_each_cell(notebook: nbformat.NotebookNode) -> list[str]:
    """Label every cell ``core``, ``deeper`` or ``closing`` (exercises, quiz, recap)."""
    part, parts = "core", []
    for cell in notebook.cells:
        title = heading(cell)
        if title is not None:
            if title.startswith(OPTIONAL):
                part = "deeper"
            elif title.startswith(CLOSING):
                part = "closing"
            elif part == "closing":
                part = "deeper" if title.startswith(OPTIONAL) else part
        parts.append(part)
    return parts


def numbered_items(notebook: nbformat.NotebookNode, section: str) -> int:
    """How many top-level numbered items the ``## <section>`` part lists (exercises, quiz questions)."""
    count, inside = 0, False
    for cell in notebook.cells:
        title = heading(cell)
        if title is not None:
            inside = title.startswith(section)
        if inside and cell.cell_type == "markdown" and "quiz-answer" not in cell.metadata.get("tags", []):
            count += len(re.findall(r"^\d+\.\s", CODE_BLOCK.sub("", cell.source), re.M))
    return count


@dataclass
class Stats:
    """What one notebook asks of a class."""

    name: str
    words: int
    core_words: int
    exercises: int
    quiz: int
    code_cells: int
    core_code_cells: int
    core_seconds: float | None = None
    total_seconds: float | None = None

    @property
    def core_share(self) -> float:
        return self.core_words / self.words if self.words else 0.0

    @property
    def core_minutes(self) -> int | None:
        """Estimated class minutes for the core path (needs timings)."""
        if self.core_seconds is None:
            return None
        return math.ceil(
            self.core_words / READING_WPM + self.core_code_cells * CODE_CELL_MINUTES + self.core_seconds / 60
        )

    @property
    def total_minutes(self) -> int | None:
        """Estimated class minutes for the whole notebook, exercises and quiz included (needs timings)."""
        if self.total_seconds is None:
            return None
        return math.ceil(
            self.words / READING_WPM
            + self.code_cells * CODE_CELL_MINUTES
            + self.total_seconds / 60
            + self.exercises * EXERCISE_MINUTES
            + self.quiz * QUIZ_MINUTES
        )


def stats(path: Path, cell_seconds: dict[tuple[str, str], float] | None = None) -> Stats:
    """Count a notebook's words by part; add run times when given per-cell seconds (see read_timings)."""
    notebook = nbformat.read(path, as_version=4)
    parts = part_of_each_cell(notebook)
    counts = [words(cell.source) if cell.cell_type == "markdown" else 0 for cell in notebook.cells]
    code = [cell.cell_type == "code" and "solution" not in cell.metadata.get("tags", []) for cell in notebook.cells]
    result = Stats(
        path.name,
        words=sum(counts),
        core_words=sum(n for n, part in zip(counts, parts, strict=True) if part == "core"),
        exercises=numbered_items(notebook, "exercises"),
        quiz=numbered_items(notebook, "quiz"),
        code_cells=sum(code),
        core_code_cells=sum(c for c, part in zip(code, parts, strict=True) if part == "core"),
    )
    if cell_seconds is not None:
        seconds = [cell_seconds.get((path.name, cell.get("id", "")), 0.0) for cell in notebook.cells]
        result.core_seconds = sum(s for s, part in zip(seconds, parts, strict=True) if part == "core")
        result.total_seconds = sum(seconds)
    return result


def read_timings(path: Path) -> dict[tuple[str, str], float]:
    """Per-cell seconds by (notebook file name, cell id), from a ``run_notebooks.py --timings`` CSV."""
    with path.open(encoding="utf-8") as handle:
        return {(row["notebook"], row["id"]): float(row["seconds"]) for row in csv.DictReader(handle)}


def timed_slow_cells(
    path: Path, notebook: nbformat.NotebookNode, timings: dict[tuple[str, str], float], threshold: float
) -> list[tuple[int, str, float]]:
    """(index, part, seconds) of each code cell of ``notebook`` (``path``'s text, in any edition: the same
    cells) that ran ``threshold`` seconds or more; the part is read from the English headings of ``path``."""
    parts = part_of_each_cell(nbformat.read(path, as_version=4))
    found = []
    for index, (cell, part) in enumerate(zip(notebook.cells, parts, strict=True)):
        seconds = timings.get((path.name, cell.get("id", "")), 0.0)
        if cell.cell_type == "code" and seconds >= threshold:
            found.append((index, part, seconds))
    return found


def slow_cells(path: Path, timings: dict[tuple[str, str], float], threshold: float) -> list[str]:
    """One line per code cell of ``path`` that ran ``threshold`` seconds or more."""
    notebook = nbformat.read(path, as_version=4)
    lines = []
    for index, part, seconds in timed_slow_cells(path, notebook, timings, threshold):
        cell = notebook.cells[index]
        first = cell.source.splitlines()[0][:60] if cell.source else ""
        lines.append(f"  {path.name[:2]} cell {index:>2} ({cell.id}, {part}): {seconds:5.1f} s  {first}")
    return lines


def table_row(cells: list[str]) -> str:
    """One line of a markdown table."""
    return "| " + " | ".join(cells) + " |"


def edition(path: Path, language: str) -> Path:
    """The notebook of ``path`` in ``language``'s edition (the English one is ``path`` itself)."""
    return path if language == ENGLISH else path.parent / language / path.name


def title(notebook: nbformat.NotebookNode) -> str:
    """A notebook's title: its first heading, without the "#" and what follows a colon."""
    return notebook.cells[0].source.splitlines()[0].lstrip("# ").split(":")[0].strip()


def section_of_each_cell(notebook: nbformat.NotebookNode, opening: str = "") -> list[str]:
    """The level-2 or level-3 heading each cell sits under (a heading may stand anywhere in a markdown
    cell; ``opening`` for the cells before the first)."""
    current, sections = opening, []
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            found = re.findall(r"^#{2,3}\s+(.*)$", cell.source, re.M)
            current = found[-1].strip() if found else current
        sections.append(current)
    return sections


def guide_section(paths: list[Path], timings: dict[tuple[str, str], float], language: str = ENGLISH) -> str:
    """The instructor guide's timing tables in ``language``, rendered from ``timings`` and the notebooks."""
    _ = Translator(language)
    headers = [_("notebook"), _("core path (min)"), _("whole notebook (min)"), _("cell run time (s)"), _("words")]
    headers += [_("core share"), _("exercises"), _("quiz")]
    rows = [table_row(headers), "|---|---|---|---|---|---|---|---|"]
    slow, total = [], 0.0
    part_names = {"core": _("core"), "deeper": _("going deeper"), "closing": _("exercises"), "solution": _("solution")}
    for path in paths:
        s = stats(path, timings)
        total += s.total_seconds
        shown = nbformat.read(edition(path, language), as_version=4)
        link = f"[{title(shown)}](../notebooks/{edition(path, language).relative_to(path.parent).as_posix()})"
        minutes = [str(s.core_minutes), str(s.total_minutes), _.number(s.total_seconds, ",.0f")]
        counts = [_.number(s.words, ","), _.number(s.core_share, ".0%"), str(s.exercises), str(s.quiz)]
        rows.append(table_row([link, *minutes, *counts]))
        sections = section_of_each_cell(shown, _("opening"))
        for index, part, seconds in timed_slow_cells(path, shown, timings, SLOW_SECONDS):
            cell = shown.cells[index]
            kind = "solution" if "solution" in cell.metadata.get("tags", []) else part
            slow.append(
                table_row([path.name[:2], sections[index], f"`{cell.id}`", part_names[kind], _.number(seconds, ",.1f")])
            )
    lines = [
        *rows,
        "",
        _(
            "Cell run time of the whole series: {seconds:,.0f} s. The cells that ran {slow:g} s or more:",
            seconds=total,
            slow=SLOW_SECONDS,
        ),
        "",
        table_row([_("notebook"), _("section"), _("cell"), _("part"), _("seconds")]),
        "|---|---|---|---|---|",
        *slow,
    ]
    return "\n".join(lines)


def numbered_notebooks() -> list[Path]:
    """The English notebooks of the series, in order."""
    return sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def main(argv: list[str] | None = None) -> int:
    parser = OneLineParser(description="Words, core-path share, exercises and quiz of each notebook.")
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: notebooks/NN_*.ipynb")
    parser.add_argument("--timings", type=Path, metavar="CSV", help="per-cell seconds from run_notebooks.py")
    parser.add_argument("--slow", type=float, metavar="SECONDS", help="with --timings, list cells this slow or slower")
    parser.add_argument(
        "--guide", action="store_true", help=f"rewrite the instructor guides' timing section from {TIMINGS.name}"
    )
    args = parser.parse_args(argv)
    if args.guide:
        source = args.timings or TIMINGS
        if not source.is_file():
            print(f"notebook_stats: no such file: {source} (make timings measures it)", file=sys.stderr)
            return 2
        timings = read_timings(source)
        for language, guide in GUIDES.items():
            replace_section(guide, SECTION, guide_section(numbered_notebooks(), timings, language))
            print(f"{guide.relative_to(ROOT)}: timing section rendered from {source.name}")
        return 0
    paths = args.notebooks or numbered_notebooks()
    missing = [str(path) for path in [*paths, *([args.timings] if args.timings else [])] if not path.is_file()]
    if missing:
        print(f"notebook_stats: no such file: {', '.join(missing)}", file=sys.stderr)
        return 2
    timings = read_timings(args.timings) if args.timings else None
    print(
        f"{'notebook':28} {'words':>6} {'core':>6} {'core %':>7} {'ex.':>4} {'quiz':>5} {'core min':>9} {'all min':>8}"
    )
    for path in paths:
        s = stats(path, timings)
        core_min, all_min = s.core_minutes, s.total_minutes
        print(
            f"{s.name:28} {s.words:6} {s.core_words:6} {s.core_share:7.0%} {s.exercises:4} {s.quiz:5} "
            f"{core_min if core_min is not None else '-':>9} {all_min if all_min is not None else '-':>8}"
        )
    if timings is not None and args.slow is not None:
        print(f"\ncells that ran {args.slow:g} s or more:")
        for path in paths:
            print("\n".join(slow_cells(path, timings, args.slow)) or f"  {path.name[:2]} none")
    return 0


if __name__ == "__main__":
    sys.exit(main())
