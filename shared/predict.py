"""One predictor for every architecture: a flight (dict) or many (DataFrame) in, P(late) out.

Two backends answer the same question:

- ``"sklearn"``: the fitted scikit-learn pipeline, unpickled from the registry (idiomatic, ~ms a row);
- ``"onnx"``: the ONNX export of the same pipeline run by ONNX Runtime (~µs a row). Loading an ONNX
  graph executes no code, so it is also the safe format to accept from elsewhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from shared import features
from shared.registry import DEFAULT_MODEL, ONNX_FILE, ModelVersion, Registry
from shared.schema import InputError, frame_errors, validate_record

BACKENDS = ("onnx", "sklearn")


@dataclass(frozen=True)
class Prediction:
    """The probability of arriving 15+ minutes late (a float, or an array for many flights)."""

    p_late: Any
    model_version: int


class Predictor:
    """Scores flights with one registry version through the chosen backend."""

    def __init__(self, entry: ModelVersion, backend: str, model: Any, strict: bool = False) -> None:
        if backend not in BACKENDS:
            raise ValueError(f"unknown backend {backend!r}; expected one of {BACKENDS}")
        self.entry = entry
        self.version = entry.version
        self.spec = entry.spec
        self.backend = backend
        self.columns = features.feature_columns(self.spec)
        self.known = {
            field["name"]: frozenset(field["categories"])
            for field in entry.manifest["input_schema"]
            if "categories" in field
        }
        self.strict = strict
        self._model = model
        self._int_columns = frozenset(features.CALENDAR)
        self._str_columns = frozenset(features.CATEGORICAL)

    def __repr__(self) -> str:
        return f"Predictor(version={self.version}, spec={self.spec!r}, backend={self.backend!r})"

    @classmethod
    def from_registry(
        cls,
        ref: int | str = "production",
        *,
        backend: str = "onnx",
        registry: Registry | None = None,
        name: str = DEFAULT_MODEL,
        strict: bool = False,
        threads: int | None = None,
    ) -> Predictor:
        """Load version ``ref`` (a number or an alias) with its hash verified.

        ``strict=True`` rejects categories the model never saw (an unknown airport) instead of scoring
        them as the pipeline would (as contributing nothing). ``threads`` caps ONNX Runtime's threads for
        one call (default: one per core); a program that keeps the other cores busy itself sets 1.
        """
        registry = registry or Registry()
        if backend == "sklearn":
            entry, model = registry.load_pipeline(ref, name)
        elif backend == "onnx":
            import onnxruntime

            entry, payload = registry.read_artifact(ref, ONNX_FILE, name)
            options = onnxruntime.SessionOptions()
            options.inter_op_num_threads = 1
            if threads is not None:
                options.intra_op_num_threads = threads
            model = onnxruntime.InferenceSession(payload, options, providers=["CPUExecutionProvider"])
        else:
            raise ValueError(f"unknown backend {backend!r}; expected one of {BACKENDS}")
        return cls(entry, backend, model, strict)

    # -- one flight: the real-time path ------------------------------------------------------
    def validate(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """``record`` checked against this model's input schema (raises ``InputError``)."""
        return validate_record(record, self.spec, self.known if self.strict else None)

    def predict_one(self, record: Mapping[str, Any]) -> float:
        """P(late) of one flight record."""
        row = features.record_features(self.validate(record), self.spec)
        if self.backend == "onnx":
            feeds = {column: self._tensor(column, [row[column]]) for column in self.columns}
            return float(self._model.run(["probabilities"], feeds)[0][0, 1])
        return float(self._model.predict_proba(pd.DataFrame([row], columns=self.columns))[0, 1])

    # -- many flights: the batch path -------------------------------------------------------------
    def predict_many(self, flights: pd.DataFrame) -> np.ndarray:
        """P(late) of every row of ``flights`` (columns: the input fields); raises on the first bad row."""
        reasons = frame_errors(flights, self.spec, self.known if self.strict else None)
        bad = reasons.first_valid_index()
        if bad is not None:
            field, _, message = reasons[bad].partition(": ")
            raise InputError(field, f"{message} (row {bad!r})")
        return self.predict_valid(flights)

    def predict_valid(self, flights: pd.DataFrame) -> np.ndarray:
        """P(late) of rows already known to be valid (see ``shared.schema.frame_errors``)."""
        return self.score_inputs(self.model_inputs(flights))

    def model_inputs(self, flights: pd.DataFrame) -> pd.DataFrame | dict[str, np.ndarray]:
        """What the backend scores, from valid rows: the features (sklearn) or ONNX tensors (onnx).

        The first half of ``predict_valid``; a pipeline can prepare the next rows while the model runs.
        """
        frame = features.frame_features(flights, self.spec)
        if self.backend == "onnx":
            return {column: self._tensor(column, frame[column].to_numpy()) for column in self.columns}
        return frame

    def score_inputs(self, inputs: pd.DataFrame | dict[str, np.ndarray]) -> np.ndarray:
        """P(late) from ``model_inputs`` (ONNX Runtime releases the GIL while it runs)."""
        if self.backend == "onnx":
            return self._model.run(["probabilities"], inputs)[0][:, 1].astype(np.float64)
        return self._model.predict_proba(inputs)[:, 1]

    def predict(self, flights: Mapping[str, Any] | pd.DataFrame) -> Prediction:
        """P(late) with the model version: a float for one flight, an array for a DataFrame."""
        if isinstance(flights, pd.DataFrame):
            return Prediction(self.predict_many(flights), self.version)
        return Prediction(self.predict_one(flights), self.version)

    def _tensor(self, column: str, values: Any) -> np.ndarray:
        if column in self._str_columns:
            return np.asarray(values, dtype=object).reshape(-1, 1)
        if column in self._int_columns:
            return np.asarray(values, dtype=np.int64).reshape(-1, 1)
        return np.asarray(values, dtype=np.float32).reshape(-1, 1)
