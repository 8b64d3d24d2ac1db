"""Render the series' diagrams from their declarative source to SVG files.

    python tools/make_diagrams.py                  # tools/diagrams.yaml -> notebooks/images/*.svg
    python tools/make_diagrams.py --out /tmp/x     # somewhere else (the tests compare the two)

Each diagram is drawn once per language: ``<name>.svg`` in English and ``<name>.pt-BR.svg`` from the
diagram's ``pt-BR:`` map (its alt text and a translation of every label). A missing or unused
translation is an error, so the two editions cannot drift apart.

The output is byte-for-byte reproducible (fixed fonts, no date, fixed SVG ids), so a test can render
again and compare with the committed files. Colours and shapes depend only on a node's ``kind``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("svg")

import matplotlib.pyplot as plt  # noqa: E402
import yaml  # noqa: E402
from cli import OneLineParser  # tools/ (on the path when a tool runs, and in tests)
from matplotlib.font_manager import FontProperties  # noqa: E402
from matplotlib.patches import Ellipse, FancyArrowPatch, FancyBboxPatch, Rectangle  # noqa: E402
from matplotlib.textpath import TextPath  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "tools" / "diagrams.yaml"
TARGET = ROOT / "notebooks" / "images"

# One colour per component kind, the same in every image (edge colour, fill colour).
KINDS: dict[str, tuple[str, str]] = {
    "user": ("#5f6368", "#eceff1"),
    "app": ("#0b62a4", "#d8e8f6"),
    "model": ("#b86e00", "#fde9c8"),
    "service": ("#00795c", "#d2efe5"),
    "log": ("#8e3f77", "#f3dcec"),
    "job": ("#b0440a", "#f9dccb"),
    "store": ("#857500", "#f7f1c4"),
}
CYLINDERS = {"store", "log"}
UNIT = 0.62  # inches per grid unit
NODE_WIDTH, NODE_HEIGHT = 3.4, 1.1  # grid units
FONT_SIZE = 15
LINE_SPACING = 1.15
FILL = 0.9  # a node's label may take up to this share of its box's width and height
RC = {
    "svg.hashsalt": "shipping-models",
    "svg.fonttype": "path",
    "font.family": "DejaVu Sans",
    "font.size": FONT_SIZE,
    "path.simplify": False,
}


LANGUAGES = ("en", "pt-BR")  # "en" is the source language: its labels are the yaml's own


class DiagramError(ValueError):
    """The diagram source is not what the renderer expects."""


def english_texts(spec: dict[str, Any]) -> list[str]:
    """Every non-empty label of a diagram: its nodes', groups' and edges'."""
    texts = [node["label"] for node in spec["nodes"].values()]
    texts += [group["label"] for group in spec.get("groups", [])]
    texts += [edge[2] for edge in spec.get("edges", [])]
    return [text for text in texts if text]


def localize(name: str, spec: dict[str, Any], language: str) -> dict[str, Any]:
    """Return the diagram with its alt text and labels in ``language`` (the spec itself for English)."""
    if language == "en":
        return spec
    translation = spec.get(language)
    if not isinstance(translation, dict) or "alt" not in translation:
        raise DiagramError(f"{name}: no {language} map with an alt text and the labels' translations")
    labels: dict[str, str] = translation.get("labels") or {}
    texts = english_texts(spec)
    missing = sorted({text for text in texts if text not in labels})
    if missing:
        raise DiagramError(f"{name}: no {language} label for {', '.join(map(repr, missing))}")
    unused = sorted(set(labels) - set(texts))
    if unused:
        raise DiagramError(f"{name}: {language} labels for texts the diagram no longer has: {unused}")

    def local(text: str) -> str:
        return labels[text] if text else text

    return {
        **spec,
        "alt": translation["alt"],
        "nodes": {key: {**node, "label": local(node["label"])} for key, node in spec["nodes"].items()},
        "groups": [{**group, "label": local(group["label"])} for group in spec.get("groups", [])],
        "edges": [[source, dest, local(label), *rest] for source, dest, label, *rest in spec.get("edges", [])],
    }


def file_name(name: str, language: str) -> str:
    """``api.svg`` for English, ``api.pt-BR.svg`` for another language."""
    return f"{name}.svg" if language == "en" else f"{name}.{language}.svg"


def check_fits(name: str, node: dict[str, Any]) -> None:
    """Raise DiagramError when a node's label would stick out of its box (a translation too long)."""
    _, _, width, height = node_box(node)
    lines = node["label"].splitlines() or [""]
    font = FontProperties(family=RC["font.family"])
    widest = max(TextPath((0, 0), line, size=FONT_SIZE, prop=font).get_extents().width for line in lines)
    tall = len(lines) * FONT_SIZE * LINE_SPACING
    if widest > FILL * width * UNIT * 72 or tall > FILL * height * UNIT * 72:
        raise DiagramError(f"{name}: label {node['label']!r} does not fit its box: shorten it or break the line")


def node_box(node: dict[str, Any]) -> tuple[float, float, float, float]:
    """Return (left, bottom, width, height) of a node in grid units."""
    x, y = node["at"]
    width, height = node.get("width", NODE_WIDTH), node.get("height", NODE_HEIGHT)
    return x - width / 2, y - height / 2, width, height


def draw_node(ax: plt.Axes, node: dict[str, Any]) -> Rectangle:
    """Draw one node; return an invisible rectangle that arrows clip against."""
    kind = node.get("kind", "user")
    if kind not in KINDS:
        raise DiagramError(f"unknown kind {kind!r} (known: {', '.join(KINDS)})")
    edge, fill = KINDS[kind]
    left, bottom, width, height = node_box(node)
    if kind in CYLINDERS:
        cap = 0.22
        ax.add_patch(Rectangle((left, bottom), width, height, facecolor=fill, edgecolor="none", zorder=2))
        ax.plot([left, left], [bottom, bottom + height], color=edge, lw=2, zorder=3)
        ax.plot([left + width] * 2, [bottom, bottom + height], color=edge, lw=2, zorder=3)
        ax.add_patch(Ellipse((left + width / 2, bottom), width, cap, facecolor=fill, edgecolor=edge, lw=2, zorder=2))
        ax.add_patch(Rectangle((left, bottom), width, height, facecolor=fill, edgecolor="none", zorder=2.5))
        ax.add_patch(
            Ellipse((left + width / 2, bottom + height), width, cap, facecolor=fill, edgecolor=edge, lw=2, zorder=3)
        )
    else:
        ax.add_patch(
            FancyBboxPatch(
                (left, bottom),
                width,
                height,
                boxstyle="round,pad=0,rounding_size=0.18",
                facecolor=fill,
                edgecolor=edge,
                lw=2,
                zorder=3,
            )
        )
    ax.text(
        left + width / 2,
        bottom + height / 2,
        node["label"],
        ha="center",
        va="center",
        zorder=4,
        linespacing=LINE_SPACING,
    )
    outline = Rectangle((left, bottom), width, height, fill=False, edgecolor="none")
    ax.add_patch(outline)
    return outline


def draw_group(ax: plt.Axes, label: str, nodes: list[dict[str, Any]]) -> tuple[float, float, float, float]:
    """Draw a dashed frame around ``nodes`` with ``label`` on top; return its extent."""
    boxes = [node_box(node) for node in nodes]
    pad = 0.35
    left = min(b[0] for b in boxes) - pad
    bottom = min(b[1] for b in boxes) - pad
    right = max(b[0] + b[2] for b in boxes) + pad
    top = max(b[1] + b[3] for b in boxes) + pad + 0.45
    frame = FancyBboxPatch(
        (left, bottom),
        right - left,
        top - bottom,
        boxstyle="round,pad=0,rounding_size=0.25",
        facecolor="#fafafa",
        edgecolor="#9e9e9e",
        lw=1.5,
        ls=(0, (5, 3)),
        zorder=1,
    )
    ax.add_patch(frame)
    ax.text(left + 0.2, top - 0.12, label, ha="left", va="top", color="#424242", fontsize=FONT_SIZE - 2, zorder=4)
    return left, bottom, right, top


def draw_edge(ax: plt.Axes, start: Rectangle, end: Rectangle, label: str, options: dict[str, Any]) -> None:
    """Draw an arrow between two nodes' outlines, with an optional label at its middle."""
    (x0, y0), (x1, y1) = start.get_center(), end.get_center()
    bend = float(options.get("bend", 0))
    arrow = FancyArrowPatch(
        (x0, y0),
        (x1, y1),
        patchA=start,
        patchB=end,
        shrinkA=4,
        shrinkB=4,
        arrowstyle="<|-|>" if options.get("both") else "-|>",
        mutation_scale=18,
        connectionstyle=f"arc3,rad={bend}",
        color="#37474f",
        lw=1.8,
        ls=(0, (5, 3)) if options.get("dashed") else "-",
        zorder=2.8,
    )
    ax.add_patch(arrow)
    if label:
        # a quadratic arc3 curve passes `bend / 2` chord lengths off the chord's middle; the label sits
        # just above a mostly horizontal arrow, or just right of a mostly vertical one
        dx, dy = x1 - x0, y1 - y0
        mx, my = (x0 + x1) / 2 + bend * dy / 2, (y0 + y1) / 2 - bend * dx / 2
        horizontal = abs(dx) >= abs(dy)
        # lift the label clear of a sloping arrow: half its estimated width times the slope
        half_width = max(map(len, label.splitlines())) * 0.55 * (FONT_SIZE - 2) / 72 / UNIT / 2
        lift = 0.1 + (abs(dy / dx) * half_width if horizontal else 0)
        ax.text(
            mx if horizontal else mx + 0.15,
            my + lift if horizontal else my,
            label,
            ha="center" if horizontal else "left",
            va="bottom" if horizontal else "center",
            fontsize=FONT_SIZE - 2,
            color="#263238",
            linespacing=1.1,
            zorder=5,
        )


def render(name: str, spec: dict[str, Any], target: Path, language: str = "en") -> Path:
    """Render one diagram in ``language`` to ``target/name.svg`` (``name.pt-BR.svg``...); return the path."""
    spec = localize(name, spec, language)
    nodes: dict[str, dict[str, Any]] = spec["nodes"]
    for node in nodes.values():
        check_fits(name, node)
    with plt.rc_context(RC):
        fig, ax = plt.subplots()
        outlines = {key: draw_node(ax, node) for key, node in nodes.items()}
        extents = [node_box(node) for node in nodes.values()]
        extents = [(b[0], b[1], b[0] + b[2], b[1] + b[3]) for b in extents]
        for group in spec.get("groups", []):
            missing = [key for key in group["nodes"] if key not in nodes]
            if missing:
                raise DiagramError(f"{name}: group {group['label']!r} names unknown nodes {missing}")
            extents.append(draw_group(ax, group["label"], [nodes[key] for key in group["nodes"]]))
        for edge in spec.get("edges", []):
            source, dest, label, *rest = edge
            if source not in outlines or dest not in outlines:
                raise DiagramError(f"{name}: edge {source} → {dest} names an unknown node")
            draw_edge(ax, outlines[source], outlines[dest], label, rest[0] if rest else {})
        margin = 0.3
        left = min(e[0] for e in extents) - margin
        bottom = min(e[1] for e in extents) - margin
        right = max(e[2] for e in extents) + margin
        top = max(e[3] for e in extents) + margin
        ax.set_xlim(left, right)
        ax.set_ylim(bottom, top)
        ax.set_aspect("equal")
        ax.axis("off")
        fig.set_size_inches((right - left) * UNIT, (top - bottom) * UNIT)
        fig.subplots_adjust(0, 0, 1, 1)
        path = target / file_name(name, language)
        fig.savefig(
            path,
            format="svg",
            bbox_inches="tight",  # edge labels may stick out of the nodes' extent
            pad_inches=0.05,
            metadata={"Date": None, "Title": spec.get("alt", name)},
        )
        plt.close(fig)
    return path


def load(source: Path = SOURCE) -> dict[str, dict[str, Any]]:
    """Read the diagram descriptions."""
    return yaml.safe_load(source.read_text(encoding="utf-8"))


def render_all(target: Path = TARGET, source: Path = SOURCE, names: list[str] | None = None) -> list[Path]:
    """Render every diagram (or only ``names``) into ``target``, in every language."""
    diagrams = load(source)
    unknown = sorted(set(names or []) - set(diagrams))
    if unknown:
        raise DiagramError(f"no diagram named {', '.join(unknown)} in {source.name} (known: {', '.join(diagrams)})")
    target.mkdir(parents=True, exist_ok=True)
    return [
        render(name, spec, target, language)
        for name, spec in diagrams.items()
        if not names or name in names
        for language in LANGUAGES
    ]


def main(argv: list[str] | None = None) -> int:
    parser = OneLineParser(description="Render tools/diagrams.yaml to SVG files.")
    parser.add_argument("names", nargs="*", help="diagrams to render (default: all)")
    parser.add_argument("--out", type=Path, default=TARGET, help="folder for the SVG files (default: notebooks/images)")
    args = parser.parse_args(argv)
    try:
        paths = render_all(args.out, names=args.names)
    except (DiagramError, OSError, yaml.YAMLError, KeyError, TypeError, ValueError) as error:
        print(f"make_diagrams: {error}", file=sys.stderr)
        return 2
    for path in paths:
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
