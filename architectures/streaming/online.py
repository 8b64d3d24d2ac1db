"""The online model: predict when a flight leaves, learn when its outcome arrives.

Pure logic, no I/O: the learner process (``learner.py``) feeds it events from the log and checkpoints
it; a notebook can feed it a year of events in memory. The features come from the series' one feature
preparation, ``shared.features.record_features`` (river models eat dicts of features).
"""

from __future__ import annotations

from typing import Any

from river import compose, linear_model, metrics, optim, preprocessing

from architectures.streaming.events import ARRIVAL, DEPARTURE
from shared.features import CALENDAR, CATEGORICAL, NUMERIC, record_features
from shared.schema import InputError, validate_record

SPEC = "reference"
"""The input fields and features the online model uses (the same as the reference model's)."""
LEARNING_RATE = 0.01
RECENT = 5_000
"""Window of the rolling ROC AUC (the last arrivals learned)."""


class LogisticRegression(linear_model.LogisticRegression):
    """river's logistic regression, with its dot product summed in a fixed order (sorted feature names).

    river orders features and weights by Python's string hashes, which change with every process
    (``PYTHONHASHSEED``); summing in that order changes the last bits of a prediction from one process
    to the next. A learner restarted after a crash is a new process: to end with *exactly* the model of
    an uninterrupted run, the sum must not depend on the process. Same maths, fixed order.
    """

    def _raw_dot_one(self, x: dict) -> float:
        weights = self._weights
        total = 0.0
        for key in sorted(x):
            if key in weights:
                total += weights[key] * x[key]
        return total + self.intercept


def build_model(learning_rate: float = LEARNING_RATE) -> compose.Pipeline:
    """One-hot categories and calendar, scaled distance, logistic regression trained by SGD.

    The same features as the reference scikit-learn model, learned one flight at a time. A category
    never seen before (a new route) simply gets its own weight the first time it is learned.
    """
    categories = compose.Select(*CATEGORICAL, *CALENDAR) | preprocessing.OneHotEncoder(drop_zeros=True)
    numbers = compose.Select(*NUMERIC) | preprocessing.StandardScaler()
    return compose.Pipeline(
        compose.TransformerUnion(categories, numbers),
        LogisticRegression(optimizer=optim.SGD(learning_rate)),
    )


class DeadLetter(Exception):
    """An event that cannot be processed; ``reason`` says why. It goes to the dead-letter store."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class OnlineModel:
    """A river model with the departures it is waiting to learn from, and its running metrics.

    Prequential: every flight is predicted before its outcome is learned, so the running metrics are an
    honest test score. The whole object is the learner's state (pickled in its checkpoint).
    """

    def __init__(self, learning_rate: float = LEARNING_RATE) -> None:
        self.model = build_model(learning_rate)
        self.pending: dict[int, tuple[dict[str, Any], float]] = {}
        self.departures = 0
        self.arrivals = 0
        self.log_loss = metrics.LogLoss()
        self.recent_auc = metrics.RollingROCAUC(window_size=RECENT)

    def predict(self, features: dict[str, Any]) -> float:
        """P(late) for one flight's features, with the model as it is now."""
        return self.model.predict_proba_one(features).get(True, 0.0)

    def depart(self, flight_id: int, record: dict[str, Any]) -> float:
        """Predict a flight that leaves now and remember its features until its outcome arrives."""
        if flight_id in self.pending:
            raise DeadLetter(f"flight_id: departure {flight_id} seen twice")
        try:
            features = record_features(validate_record(record, SPEC), SPEC)
        except InputError as error:
            raise DeadLetter(f"record.{error.field}: {error.message}") from None
        p_late = self.predict(features)
        self.pending[flight_id] = (features, p_late)
        self.departures += 1
        return p_late

    def arrive(self, flight_id: int, late: bool) -> float:
        """Learn the outcome of a flight from the features it had at departure; return its prediction."""
        try:
            features, p_late = self.pending.pop(flight_id)
        except KeyError:
            raise DeadLetter(f"flight_id: arrival of {flight_id}, whose departure was never seen") from None
        self.log_loss.update(late, p_late)
        self.recent_auc.update(late, p_late)
        self.model.learn_one(features, late)
        self.arrivals += 1
        return p_late

    def handle(self, event: Any) -> tuple[str, int, float]:
        """Process one decoded event: ``(type, flight_id, p_late)``; raise ``DeadLetter`` if malformed."""
        if not isinstance(event, dict):
            raise DeadLetter(f"event: must be a JSON object, got {type(event).__name__}")
        flight_id = event.get("flight_id")
        if not isinstance(flight_id, int) or isinstance(flight_id, bool):
            raise DeadLetter("flight_id: must be an integer")
        kind = event.get("type")
        if kind == DEPARTURE:
            record = event.get("record")
            if not isinstance(record, dict):
                raise DeadLetter("record: must be a JSON object with the input fields")
            return kind, flight_id, self.depart(flight_id, record)
        if kind == ARRIVAL:
            late = event.get("late")
            if not isinstance(late, bool):
                raise DeadLetter("late: must be true or false")
            return kind, flight_id, self.arrive(flight_id, late)
        raise DeadLetter(f"type: must be {DEPARTURE!r} or {ARRIVAL!r}, got {kind!r}")

    def metrics(self) -> dict[str, Any]:
        """Counts and running metrics (prequential: each flight scored before it was learned)."""
        return {
            "departures": self.departures,
            "learned": self.arrivals,
            "waiting": len(self.pending),
            "log_loss": self.log_loss.get() if self.arrivals else None,
            f"roc_auc_last_{RECENT}": self.recent_auc.get() if self.arrivals else None,
        }
