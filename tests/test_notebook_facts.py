"""Facts about the dataset that notebook prose states in words are true of the data.

Measured figures are rendered from values in the notebooks themselves; fixed facts about the committed
dataset (row counts, rates) may be typed, and are listed here. Each fact is rendered from the data and
must appear, word for word, in the notebook's markdown: change the data or the sentence, and this fails.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from shared.features import WEATHER

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
NUMBER_WORDS = {3: "three", 4: "four", 8: "eight", 16: "sixteen"}


def percent(value: float) -> str:
    """The series' way of writing a rate: one decimal, a space before the sign."""
    return f"{value:.1%}".replace("%", " %")


FACTS: dict[str, list[Callable[[pd.DataFrame], str]]] = {
    "00_data_and_model.ipynb": [
        lambda f: f"{len(f):,} flights",
        lambda f: f"{percent(f['late'].mean())} late",
        lambda f: f"the {percent((f['status'] != 'arrived').mean())} that never arrive",
        lambda f: f"the {NUMBER_WORDS[f['origin'].nunique()]} New York airports",
        lambda f: f"{NUMBER_WORDS[f['carrier'].nunique()]} carriers",
    ],
    "01_embedded_app.ipynb": [
        lambda f: f"{quarters(blizzard_day(f)['late'].mean())} flights arrived late or not at all",
        lambda f: f"it asks for {NUMBER_WORDS[len(WEATHER)]} more inputs",
        lambda f: f"model version 2 needs {NUMBER_WORDS[len(WEATHER)]} new inputs",
    ],
    "02_model_api.ipynb": [
        lambda f: f"needs {NUMBER_WORDS[len(WEATHER)]} weather numbers the client does not send",
        lambda f: api_default("Each worker re-reads the alias every {watch:g} s"),
    ],
    "03_streaming.ipynb": [
        lambda f: (
            f"On {day_in_words('2013-12-10')}, {quarters(departures_on(f, '2013-12-10')['late'].mean())} flights out "
            "of New York arrived 15 minutes late or more"
        ),
        lambda f: learner_default("Every {publish:g} s, if it learned something, it **publishes** the model"),
        lambda f: learner_default("Every {checkpoint:g} s, apart, it saves its private checkpoint"),
    ],
    "04_batch.ipynb": [
        lambda f: f"the {NUMBER_WORDS[f['origin'].nunique()]} New York airports",
        lambda f: f"Newark–Anchorage (ANC) on summer Saturdays, starting {first_flight(f, 'EWR', 'ANC'):%-d %B}",
    ],
    "05_choosing.ipynb": [
        lambda f: f"about {round(len(f) / f['sched_dep'].dt.normalize().nunique(), -2):,.0f} flights a day",
    ],
}


def blizzard_day(flights: pd.DataFrame) -> pd.DataFrame:
    """The flights of 8 February 2013, the day of the blizzard in notebook 01."""
    return flights[flights["sched_dep"].dt.strftime("%Y-%m-%d") == "2013-02-08"]


def first_flight(flights: pd.DataFrame, origin: str, dest: str) -> pd.Timestamp:
    """The scheduled departure of the first flight of 2013 from ``origin`` to ``dest``."""
    route = flights[(flights["origin"] == origin) & (flights["dest"] == dest)]
    return route["sched_dep"].min()


def departures_on(flights: pd.DataFrame, day: str) -> pd.DataFrame:
    """The flights scheduled to leave on ``day`` (YYYY-MM-DD)."""
    return flights[flights["sched_dep"].dt.strftime("%Y-%m-%d") == day]


def day_in_words(day: str) -> str:
    """A date as the notebooks write it: "2013-12-10" -> "Tuesday 10 December 2013"."""
    date = pd.Timestamp(day)
    return f"{date:%A} {date.day} {date:%B %Y}"


def learner_default(sentence: str) -> str:
    """A sentence quoting the streaming learner's default intervals (program settings, not data)."""
    from architectures.streaming import learner

    return sentence.format(publish=learner.PUBLISH_INTERVAL, checkpoint=learner.CHECKPOINT_INTERVAL)


def api_default(sentence: str) -> str:
    """A sentence quoting the model API's default alias watch (a program setting, not data)."""
    from architectures.api import service

    return sentence.format(watch=service.WATCH_SECONDS)


def quarters(rate: float) -> str:
    """A rate in words, to the nearest quarter: 0.75 -> "three in four"."""
    return f"{NUMBER_WORDS[round(4 * rate)]} in four"


def markdown_text(name: str) -> str:
    """All markdown of a notebook, whitespace collapsed (a fact may wrap across lines)."""
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    text = " ".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")
    return re.sub(r"\s+", " ", text)


@pytest.mark.parametrize(
    ("name", "index"), [(name, index) for name, facts in FACTS.items() for index in range(len(facts))]
)
def test_fact_in_prose_is_true_of_the_data(flights, name, index):
    fact = FACTS[name][index](flights)
    assert fact in markdown_text(name), f"{name} should say {fact!r} (the data says so)"
