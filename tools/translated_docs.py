"""Which English text each Portuguese document translates, and whether that English changed since.

    python tools/translated_docs.py                          # every x.pt-BR.md: current or stale (exit 1)
    python tools/translated_docs.py stamp README.pt-BR.md    # after revising a translation: record its English

A Portuguese document ``x.pt-BR.md`` translates its sibling ``x.md`` and says which version, in a comment
under its title: ``<!-- translation of x.md sha256:<first 12 hex digits> -->``. The hash is taken over the
English file with its generated sections (between ``<!-- name: begin -->`` and ``<!-- name: end -->``, such
as the README's benchmark results) emptied, so re-rendering figures does not make a translation stale;
every other change to the English does, until the translation is revised and stamped again.
"""

from __future__ import annotations

import hashlib
import re
import sys
from pathlib import Path

from cli import OneLineParser  # tools/ (on the path when a tool runs, and in tests)

ROOT = Path(__file__).resolve().parent.parent
SUFFIX = ".pt-BR.md"
STAMP = re.compile(r"<!-- translation of (?P<name>\S+) sha256:(?P<digest>[0-9a-f]{12}) -->")
GENERATED = re.compile(r"(<!-- (?P<name>[\w-]+): begin -->).*?(<!-- (?P=name): end -->)", re.DOTALL)


def translated_documents(root: Path = ROOT) -> list[Path]:
    """Every Portuguese document of the project (the notebooks are checked by tools/translate.py)."""
    found = [*root.glob(f"*{SUFFIX}"), *root.glob(f"docs/*{SUFFIX}"), *root.glob(f"architectures/*/*{SUFFIX}")]
    return sorted(found)


def english_of(document: Path) -> Path:
    """The English document a Portuguese one translates: ``README.md`` for ``README.pt-BR.md``."""
    return document.with_name(document.name.removesuffix(SUFFIX) + ".md")


def digest(english: Path) -> str:
    """The first 12 hex digits of the sha256 of ``english``, its generated sections emptied."""
    text = GENERATED.sub(r"\1\3", english.read_text(encoding="utf-8"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def stamp_line(document: Path) -> str:
    """The comment recording the English version a translation follows now."""
    english = english_of(document)
    return f"<!-- translation of {english.name} sha256:{digest(english)} -->"


def problem(document: Path) -> str | None:
    """Why ``document`` is not a current translation of its English sibling, or None when it is."""
    shown = document.relative_to(ROOT) if document.is_relative_to(ROOT) else document
    english = english_of(document)
    if not english.is_file():
        return f"{shown}: no English {english.name} beside it to translate"
    stamps = STAMP.findall(document.read_text(encoding="utf-8"))
    fix = f"python tools/translated_docs.py stamp {shown}"
    if len(stamps) != 1:
        return f"{shown}: needs one '<!-- translation of {english.name} sha256:… -->' line under its title ({fix})"
    name, recorded = stamps[0]
    if name != english.name:
        return f"{shown}: says it translates {name}, but its English is {english.name} ({fix})"
    if recorded != digest(english):
        return (
            f"{shown}: {english.name} changed since it was translated (sha256 {recorded} -> {digest(english)}): "
            f"bring the translation in step (git diff the English), then run: {fix}"
        )
    return None


def stamp(document: Path) -> None:
    """Record in ``document`` that it translates the current English (replacing an older record)."""
    text = document.read_text(encoding="utf-8")
    line = stamp_line(document)
    if STAMP.search(text):
        text = STAMP.sub(line, text, count=1)
    else:
        title, _, rest = text.partition("\n")
        text = f"{title}\n{line}\n{rest}"
    document.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = OneLineParser(description="Keep the Portuguese documents in step with the English ones.")
    parser.add_argument("command", nargs="?", choices=("check", "stamp"), default="check")
    parser.add_argument("documents", nargs="*", type=Path, help="stamp: the x.pt-BR.md files revised")
    args = parser.parse_args(argv)
    if args.command == "stamp":
        if not args.documents:
            parser.error("stamp needs the Portuguese documents you revised")
        for document in args.documents:
            if not document.name.endswith(SUFFIX) or not document.is_file() or not english_of(document).is_file():
                print(f"translated_docs: not a Portuguese document beside its English: {document}", file=sys.stderr)
                return 2
        for document in args.documents:
            stamp(document)
            print(f"{document}: {stamp_line(document)}")
        return 0
    problems = [text for text in map(problem, translated_documents()) if text]
    for text in problems:
        print(text, file=sys.stderr)
    if not problems:
        print(f"{len(translated_documents())} Portuguese documents, each current with its English")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
