"""The models one service process serves, with no HTTP in sight.

- The production model sits behind ONE reference (``self._serving``). ``reload()`` loads the version the
  alias names, checks its hash, warms it with a prediction, and only then replaces that reference: a
  single assignment, so a request sees the old model or the new one, never a half-loaded one. If
  anything fails, the old model keeps serving and the error is kept for ``/v2/models``.
- Versions a client pins are loaded on demand and kept in a small LRU cache.
- A version whose model needs weather gets the service's own ``WeatherLookup``.
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from architectures.api.weather import WeatherLookup
from shared.features import INPUT_FIELDS, WEATHER, Field
from shared.predict import Predictor
from shared.registry import DEFAULT_MODEL, NO_MODEL_HINT, ModelNotFoundError, Registry
from shared.schema import validate_record

VERSION_REF = re.compile(r"^[0-9]{1,9}$|^[A-Za-z][A-Za-z0-9_-]{0,63}$")
"""A version number or an alias name (nothing that could walk out of the registry folder)."""


class NotReadyError(RuntimeError):
    """No production model is loaded yet."""


class ReloadError(RuntimeError):
    """The alias points at a version that could not be loaded; the previous version keeps serving."""


class VersionUnavailableError(RuntimeError):
    """A pinned version exists but cannot be loaded (e.g. its file no longer matches its hash)."""


@dataclass(frozen=True)
class LoadedModel:
    """A verified, warmed predictor, with the lookup that completes its inputs (if it needs one)."""

    predictor: Predictor
    lookup: WeatherLookup | None
    load_seconds: float

    @property
    def version(self) -> int:
        return self.predictor.version

    @property
    def name(self) -> str:
        return self.predictor.entry.name

    def predict_one(self, record: dict[str, Any], other_keys: bool = True) -> float:
        """P(late) of one flight; unknown airports and bad fields raise ``InputError`` (the flight contract)."""
        clean = validate_record(record, self.predictor.spec, self.predictor.known, other_keys=other_keys)
        if self.lookup is not None:
            clean = self.lookup.fill(clean)
        return self.predictor.predict_one(clean)

    def predict_frame(self, flights: pd.DataFrame) -> np.ndarray:
        """P(late) of many flights; the first bad row raises ``InputError`` naming field and row."""
        if self.lookup is not None:
            flights = self.lookup.fill_frame(flights)
        return self.predictor.predict_many(flights)


class ModelServer:
    """The production model (swapped atomically) and a bounded cache of pinned versions."""

    def __init__(
        self,
        registry: Registry | None = None,
        *,
        name: str = DEFAULT_MODEL,
        alias: str = "production",
        cache_size: int = 4,
    ) -> None:
        self.registry = registry or Registry()
        self.name = name
        self.alias = alias
        self.cache_size = cache_size
        self._serving: LoadedModel | None = None  # the single reference a swap replaces
        self._pinned: OrderedDict[int, LoadedModel] = OrderedDict()
        self._pinned_lock = threading.Lock()
        self._reload_lock = threading.Lock()
        self._lookup: WeatherLookup | None = None
        self._lookup_lock = threading.Lock()
        self.last_reload_error: str | None = None
        self.swaps: list[dict[str, Any]] = []

    # -- loading -----------------------------------------------------------------------------
    def weather_lookup(self) -> WeatherLookup:
        """The weather table, built once, the first time a model needs it."""
        with self._lookup_lock:
            if self._lookup is None:
                self._lookup = WeatherLookup.from_flights()
            return self._lookup

    def load(self, version: int) -> LoadedModel:
        """Load ``version`` through the registry (hash verified), then warm and check it."""
        start = time.perf_counter()
        predictor = Predictor.from_registry(
            version, backend="onnx", registry=self.registry, name=self.name, strict=True
        )
        lookup = self.weather_lookup() if any(field in WEATHER for field in predictor.columns) else None
        loaded = LoadedModel(predictor, lookup, 0.0)
        p_late = loaded.predict_one(warmup_flight(predictor))  # first run allocates; clients never pay for it
        if not (math.isfinite(p_late) and 0.0 <= p_late <= 1.0):  # (a bad export, not a bad client)
            raise RuntimeError(f"version {version} answered {p_late!r} on its warm-up flight")
        return LoadedModel(predictor, lookup, time.perf_counter() - start)

    def reload(self) -> dict[str, Any]:
        """Serve the version the alias names now: load, verify, warm, then swap. Raises ``ReloadError``."""
        with self._reload_lock:
            previous = self._serving
            try:
                version = self.registry.resolve(self.alias, self.name)
                if previous is not None and previous.version == version:
                    return {"changed": False, "previous_version": version, "version": version, "load_seconds": 0.0}
                loaded = self.load(version)
            except ModelNotFoundError as error:
                self.last_reload_error = NO_MODEL_HINT if not self.registry.versions(self.name) else str(error)
                raise ReloadError(self.last_reload_error) from error
            except Exception as error:  # any failure leaves the previous model serving
                self.last_reload_error = f"{type(error).__name__}: {error}"
                raise ReloadError(self.last_reload_error) from error
            self._serving = loaded  # the swap: one reference assignment
            self.last_reload_error = None
            change = {
                "changed": True,
                "previous_version": None if previous is None else previous.version,
                "version": loaded.version,
                "load_seconds": round(loaded.load_seconds, 4),
            }
            self.swaps.append({**change, "at": datetime.now(UTC).isoformat(timespec="milliseconds")})
            return change

    def alias_moved(self) -> bool:
        """Whether the alias now names another version than the one served (cheap: one small file read)."""
        try:
            version = self.registry.resolve(self.alias, self.name)
        except (ModelNotFoundError, ValueError, OSError):
            return False
        return self._serving is None or version != self._serving.version

    # -- serving -----------------------------------------------------------------------------
    @property
    def serving(self) -> LoadedModel | None:
        return self._serving

    def current(self) -> LoadedModel:
        """The production model (raises ``NotReadyError`` before the first load)."""
        serving = self._serving
        if serving is None:
            raise NotReadyError(self.last_reload_error or "the model is still loading")
        return serving

    def resolve(self, ref: str) -> int:
        """The version number a client's ``ref`` (number or alias) names; ``ModelNotFoundError`` if none."""
        if not VERSION_REF.match(ref):
            raise ModelNotFoundError(f"model {self.name!r} has no version or alias {ref!r}")
        try:
            version = self.registry.resolve(ref, self.name)
        except (ModelNotFoundError, ValueError):  # (the registry's message names server paths)
            raise ModelNotFoundError(f"model {self.name!r} has no version or alias {ref!r}") from None
        if version not in self.registry.versions(self.name):
            raise ModelNotFoundError(f"model {self.name!r} has no version {version}")
        return version

    def cached(self, version: int) -> LoadedModel | None:
        """The loaded model of ``version`` if this process has it (production or pinned), else ``None``."""
        serving = self._serving
        if serving is not None and serving.version == version:
            return serving
        with self._pinned_lock:
            loaded = self._pinned.get(version)
            if loaded is not None:
                self._pinned.move_to_end(version)
            return loaded

    def pinned(self, version: int) -> LoadedModel:
        """The model of ``version``, loading it into the bounded cache if needed (slow: call off the loop)."""
        loaded = self.cached(version)
        if loaded is not None:
            return loaded
        try:
            loaded = self.load(version)
        except ModelNotFoundError:
            raise
        except Exception as error:
            reason = f"{type(error).__name__}: {error}"
            raise VersionUnavailableError(f"version {version} cannot be loaded: {reason}") from error
        with self._pinned_lock:
            self._pinned[version] = loaded
            self._pinned.move_to_end(version)
            while len(self._pinned) > self.cache_size:
                self._pinned.popitem(last=False)
        return loaded

    # -- describing --------------------------------------------------------------------------
    def info(self) -> dict[str, Any]:
        """The model as the protocol describes it: every version, and the inputs of the served one."""
        serving = self._serving
        version = serving.version if serving is not None else self._production_or_none()
        described = self.metadata(version) if version is not None else _empty_metadata(self.name)
        described["versions"] = [str(number) for number in self.registry.versions(self.name)]
        described["parameters"].update(
            aliases=self.registry.aliases(self.name),
            serving_version=None if serving is None else serving.version,
            last_reload_error=self.last_reload_error,
        )
        return described

    def _production_or_none(self) -> int | None:
        try:
            return self.registry.resolve(self.alias, self.name)
        except (ModelNotFoundError, ValueError, OSError):
            return None

    def metadata(self, version: int) -> dict[str, Any]:
        """One version in the protocol's shape; its manifest's details in ``parameters``."""
        manifest = self.registry.get(version, self.name).manifest
        needed = [field["name"] for field in manifest["input_schema"]]
        fields = {field.name: field for field in INPUT_FIELDS[manifest["spec"]]}
        return {
            "name": self.name,
            "versions": [str(version)],
            "platform": PLATFORM,
            "inputs": [input_tensor(fields[name]) for name in needed],
            "outputs": [{"name": "p_late", "datatype": "FP64", "shape": [-1]}],
            "parameters": {
                "version": version,
                "spec": manifest["spec"],
                "created": manifest["created"],
                "metrics": manifest["metrics"],
                "training_data": manifest["training_data"],
                "input_schema": manifest["input_schema"],
                "client_fields": [name for name in needed if name not in WEATHER],
                "filled_by_service": [name for name in needed if name in WEATHER],
            },
        }


PLATFORM = "onnxruntime_onnx"
"""What runs the model, in the protocol's ``platform`` naming."""


def input_tensor(field: Field) -> dict[str, Any]:
    """One flight field as the protocol's tensor metadata (one value per flight)."""
    datatype = "FP64" if field.kind == "number" else "BYTES"
    parameters: dict[str, Any] = {"kind": field.kind, "description": field.description}
    if field.nullable:
        parameters["optional"] = True
    return {"name": field.name, "datatype": datatype, "shape": [-1], "parameters": parameters}


def _empty_metadata(name: str) -> dict[str, Any]:
    """The model's description while the registry has no production version yet."""
    fields = INPUT_FIELDS["reference"]
    outputs = [{"name": "p_late", "datatype": "FP64", "shape": [-1]}]
    inputs = [input_tensor(field) for field in fields]
    return {"name": name, "versions": [], "platform": PLATFORM, "inputs": inputs, "outputs": outputs, "parameters": {}}


def warmup_flight(predictor: Predictor) -> dict[str, Any]:
    """A valid flight for ``predictor``: the first known value of each category, a July morning."""
    record: dict[str, Any] = {name: sorted(values)[0] for name, values in predictor.known.items()}
    return {**record, "sched_dep": datetime(2013, 7, 15, 8, 0), "distance": 500.0}
