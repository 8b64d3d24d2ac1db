"""Benchmark results as data: one record per figure, written to the results JSON and read back by id.

A benchmark returns ``Figure`` records; readers (notebook 05, the decision guide, the README table) ask
for a figure by its ``id``, never by its label, so a label can be reworded freely. A figure that is not in
the results is an error (``MissingFigure``), never a silent "n/a"::

    GOAL = at_least(1_000_000)                    # each goal defined once, with its comparison
    figure = figures_for("batch")
    figure("batch_rows_per_s", "batch: read + validate + score + write", rate, "rows/s", GOAL)

    results = Results.load("benchmarks/results/series.json")
    results.value("batch_rows_per_s")             # a float; MissingFigure if that id was not measured
"""

from __future__ import annotations

import json
import math
import operator
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from shared.i18n import _

if TYPE_CHECKING:
    import pandas as pd

Comparison = Literal[">=", "<="]
_COMPARE = {">=": operator.ge, "<=": operator.le}


class MissingFigure(KeyError):
    """A figure was asked for by an id that the results do not hold."""

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class Goal:
    """What a figure is held to: ``value <op> target``, e.g. ``>= 1,000,000``."""

    op: Comparison
    target: float

    def __post_init__(self) -> None:
        if self.op not in _COMPARE:
            raise ValueError(f"a goal compares with >= or <=, not {self.op!r}")

    def met(self, value: float) -> bool:
        """Whether ``value`` meets the goal."""
        return bool(_COMPARE[self.op](value, self.target))

    def ratio(self, value: float) -> float | None:
        """How far ``value`` is from the goal: 1 or more when met (value/target, or target/value for a ceiling).

        None when the ratio has no meaning (a target or value of zero on the dividing side).
        """
        numerator, denominator = (value, self.target) if self.op == ">=" else (self.target, value)
        if denominator == 0:
            return None
        return numerator / denominator

    def describe(self, unit: str = "") -> str:
        """The goal as text, e.g. ``>= 1,000,000 rows/s``."""
        return _("{op} {target:,.10g} {unit}", op=self.op, target=self.target, unit=unit).rstrip()


def at_least(target: float) -> Goal:
    """A floor: the figure must be ``>= target``."""
    return Goal(">=", float(target))


def at_most(target: float) -> Goal:
    """A ceiling: the figure must be ``<= target``."""
    return Goal("<=", float(target))


@dataclass(frozen=True)
class Figure:
    """One measured figure: a stable id, the architecture, what it measures, value and unit, its goal if any."""

    id: str
    architecture: str
    label: str
    value: float
    unit: str
    goal: Goal | None = None

    @property
    def meets(self) -> bool | None:
        """Whether the goal is met (None without a goal)."""
        return None if self.goal is None else self.goal.met(self.value)

    @property
    def ratio(self) -> float | None:
        """The figure against its goal, 1 or more when met (None without a goal)."""
        return None if self.goal is None else self.goal.ratio(self.value)

    def as_dict(self) -> dict[str, object]:
        """The record as JSON-ready data, with the verdict and ratio computed from the goal."""
        record = asdict(self)
        record["value"] = float(self.value)
        record["meets"], record["ratio"] = self.meets, self.ratio
        return record

    @classmethod
    def from_dict(cls, record: Mapping[str, object]) -> Figure:
        """The record written by ``as_dict`` (verdict and ratio are recomputed, not trusted)."""
        goal = record.get("goal")
        return cls(
            id=str(record["id"]),
            architecture=str(record["architecture"]),
            label=str(record["label"]),
            value=float(record["value"]),  # type: ignore[arg-type]
            unit=str(record["unit"]),
            goal=Goal(goal["op"], float(goal["target"])) if goal else None,  # type: ignore[index]
        )


def figures_for(architecture: str) -> Callable[..., Figure]:
    """A maker of one architecture's figures: ``figure = figures_for("batch")``, then
    ``figure("batch_rows_per_s", "what it measures", value, "rows/s", GOAL)``."""

    def figure(figure_id: str, label: str, value: float, unit: str, goal: Goal | None = None) -> Figure:
        return Figure(figure_id, architecture, label, float(value), unit, goal)

    return figure


@dataclass(frozen=True)
class Results:
    """Figures of one benchmark run, by id, and the machine they were measured on."""

    figures: dict[str, Figure]
    machine: dict[str, object] = field(default_factory=dict)
    source: str = "these results"

    @classmethod
    def of(cls, figures: Iterable[Figure], machine: Mapping[str, object] | None = None) -> Results:
        """Results from records; two records with the same id are an error."""
        by_id: dict[str, Figure] = {}
        for figure in figures:
            if figure.id in by_id:
                raise ValueError(f"two figures share the id {figure.id!r}")
            if not math.isfinite(figure.value):
                raise ValueError(f"figure {figure.id!r} is not a finite number: {figure.value!r}")
            by_id[figure.id] = figure
        return cls(by_id, dict(machine or {}))

    def __getitem__(self, figure_id: str) -> Figure:
        try:
            return self.figures[figure_id]
        except KeyError:
            raise MissingFigure(
                f"figure {figure_id!r} is not in {self.source}: run `make bench` (or the benchmark that measures it)"
            ) from None

    def __contains__(self, figure_id: object) -> bool:
        return figure_id in self.figures

    def __iter__(self) -> Iterator[Figure]:
        return iter(self.figures.values())

    def __len__(self) -> int:
        return len(self.figures)

    def value(self, figure_id: str) -> float:
        """The value of the figure ``figure_id``; ``MissingFigure`` if it was not measured."""
        return self[figure_id].value

    def table(self) -> pd.DataFrame:
        """One row a figure: architecture, id, label, value, unit, goal (as text), ratio and verdict."""
        import pandas as pd

        rows = [
            {
                "architecture": f.architecture,
                "id": f.id,
                "label": f.label,
                "value": f.value,
                "unit": f.unit,
                "goal": f.goal.describe(f.unit) if f.goal else "",
                "ratio": f.ratio,
                "meets": f.meets,
            }
            for f in self
        ]
        return pd.DataFrame(rows, columns=["architecture", "id", "label", "value", "unit", "goal", "ratio", "meets"])

    def save(self, path: str | Path, **extra: object) -> Path:
        """Write the results as JSON (machine, figures, and any ``extra`` sections); return the path."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = {"machine": self.machine, "figures": [figure.as_dict() for figure in self], **extra}
        path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
        return path

    @classmethod
    def load(cls, path: str | Path) -> Results:
        """The results saved at ``path``."""
        payload = json.loads(Path(path).read_text())
        results = cls.of((Figure.from_dict(record) for record in payload["figures"]), payload.get("machine"))
        return cls(results.figures, results.machine, source=str(path))
