"""The model as data: the document the learner publishes on the model stream, and predictors rebuild.

A published model is a small JSON document, readable by a person and by any language: no pickle, no
code. Everything a predictor needs to score a flight travels in it::

    {"format": "online-logistic-regression", "schema_version": 1, "version": 12,
     "created_at": "2013-…Z", "source": {"stream": "flights", "offset": 17433},
     "features": {"spec": "reference", "one_hot": ["carrier", …], "scaled": ["distance"]},
     "scaler": {"distance": {"mean": 1040.2, "var": 537.1, "count": 8123}},
     "weights": {"carrier_UA": 0.0123, …, "distance": -0.0081}, "intercept": -1.07,
     "metrics": {"learned": 8123, "log_loss": 0.52, …}}

``source.offset`` is the last offset of the event log the model has processed: the model includes
every event up to it. ``PublishedModel.predict_proba_one`` computes exactly what the learner's river
pipeline computes (same operations, same order), so the probabilities are the same bit for bit.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from architectures.streaming.online import SPEC, OnlineModel
from shared.features import CALENDAR, CATEGORICAL, NUMERIC

FORMAT = "online-logistic-regression"
SCHEMA_VERSION = 1
MODELS_SUFFIX = ".models"
"""The model stream of a log's stream ``flights`` is ``flights.models``, on the same log."""
ONE_HOT = sorted(CATEGORICAL + CALENDAR)
MAX_BYTES = 1_000_000
"""A model message larger than this is refused (a few kB are expected)."""


def model_stream_name(stream: str) -> str:
    """The name of the stream that carries the models learned from ``stream``."""
    return f"{stream}{MODELS_SUFFIX}"


class ModelDocumentError(ValueError):
    """A model message that cannot be used; ``reason`` names the field and the problem."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def model_document(
    online: OnlineModel, *, version: int, stream: str, offset: int, metrics: Mapping[str, Any]
) -> dict[str, Any]:
    """The document describing ``online``'s model after it processed ``stream`` up to ``offset``."""
    union, regression = online.model.steps.values()
    categories, numbers = union.transformers.values()
    one_hot = list(categories.steps.values())[0].keys
    scaled = list(numbers.steps.values())[0].keys
    scaler = list(numbers.steps.values())[1]
    return {
        "format": FORMAT,
        "schema_version": SCHEMA_VERSION,
        "version": version,
        "created_at": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "source": {"stream": stream, "offset": offset},
        "features": {"spec": SPEC, "one_hot": sorted(one_hot), "scaled": sorted(scaled)},
        "scaler": {
            name: {"mean": scaler.means[name], "var": scaler.vars[name], "count": scaler.counts[name]}
            for name in sorted(scaled)
        },
        "weights": dict(sorted(dict(regression._weights).items())),
        "intercept": regression.intercept,
        "metrics": dict(metrics),
    }


def encode_document(document: Mapping[str, Any]) -> bytes:
    """The bytes of a model message (compact JSON)."""
    return orjson.dumps(document)


@dataclass(frozen=True)
class PublishedModel:
    """A model rebuilt from its document: plain numbers, scored with plain arithmetic."""

    version: int
    offset: int
    one_hot: tuple[str, ...]
    scaler: dict[str, tuple[float, float]]
    weights: dict[str, float]
    intercept: float
    document: dict[str, Any]

    @classmethod
    def from_bytes(cls, payload: bytes) -> PublishedModel:
        """Parse and check a model message; raise ``ModelDocumentError`` naming what is wrong."""
        if len(payload) > MAX_BYTES:
            raise ModelDocumentError(f"message: {len(payload):,} bytes, more than {MAX_BYTES:,}")
        try:
            document = orjson.loads(payload)
        except orjson.JSONDecodeError as error:
            raise ModelDocumentError(f"message: not valid JSON ({error})") from None
        return cls.from_document(document)

    @classmethod
    def from_document(cls, document: Any) -> PublishedModel:
        """Check a decoded document and rebuild the model it describes."""
        if not isinstance(document, dict):
            raise ModelDocumentError(f"message: must be a JSON object, got {type(document).__name__}")
        _expect(document.get("format") == FORMAT, f"format: must be {FORMAT!r}")
        _expect(document.get("schema_version") == SCHEMA_VERSION, f"schema_version: must be {SCHEMA_VERSION}")
        version = _count(document.get("version"), "version", minimum=1)
        source = _object(document.get("source"), "source")
        offset = _count(source.get("offset"), "source.offset", minimum=0)
        features = _object(document.get("features"), "features")
        _expect(features.get("spec") == SPEC, f"features.spec: must be {SPEC!r}")
        one_hot = features.get("one_hot")
        _expect(one_hot == ONE_HOT, f"features.one_hot: must be {ONE_HOT}")
        _expect(features.get("scaled") == sorted(NUMERIC), f"features.scaled: must be {sorted(NUMERIC)}")
        scaler_doc = _object(document.get("scaler"), "scaler")
        scaler = {}
        for name in NUMERIC:
            stats = _object(scaler_doc.get(name), f"scaler.{name}")
            variance = _number(stats.get("var"), f"scaler.{name}.var")
            _expect(variance >= 0, f"scaler.{name}.var: must not be negative")
            scaler[name] = (_number(stats.get("mean"), f"scaler.{name}.mean"), variance)
        weights = _object(document.get("weights"), "weights")
        for key, weight in weights.items():
            _number(weight, f"weights.{key}")
        intercept = _number(document.get("intercept"), "intercept")
        _object(document.get("metrics"), "metrics")
        return cls(version, offset, tuple(one_hot), scaler, weights, intercept, document)

    def predict_proba_one(self, features: Mapping[str, Any]) -> float:
        """P(late) for one flight's features (``shared.features.record_features``).

        The learner's river pipeline, step by step: one-hot keys ``name_value`` worth 1, standard
        scaling, the dot product summed over the sorted feature names, the intercept, the sigmoid.
        """
        x: dict[str, Any] = {f"{name}_{features[name]}": 1 for name in self.one_hot}
        for name, (mean, variance) in self.scaler.items():
            x[name] = (features[name] - mean) / variance**0.5 if variance else 0.0
        weights = self.weights
        total = 0.0
        for key in sorted(x):
            if key in weights:
                total += weights[key] * x[key]
        return _sigmoid(total + self.intercept)

    @property
    def summary(self) -> dict[str, Any]:
        """Version, offset and metrics: what a monitoring screen shows of a model."""
        return {"version": self.version, "offset": self.offset, **self.document["metrics"]}


def _sigmoid(z: float) -> float:
    """river's sigmoid (``river.utils.math.sigmoid``), clipped the same way."""
    if z < -30:
        return 0
    if z > 30:
        return 1
    return 1 / (1 + math.exp(-z))


def _expect(condition: bool, reason: str) -> None:
    if not condition:
        raise ModelDocumentError(reason)


def _object(value: Any, field: str) -> dict[str, Any]:
    _expect(isinstance(value, dict), f"{field}: must be a JSON object")
    return value


def _count(value: Any, field: str, minimum: int) -> int:
    ok = isinstance(value, int) and not isinstance(value, bool) and value >= minimum
    _expect(ok, f"{field}: must be an integer >= {minimum}")
    return value


def _number(value: Any, field: str) -> float:
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    _expect(ok, f"{field}: must be a finite number")
    return value
