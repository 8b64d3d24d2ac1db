"""A small Python client of the model API: what an application imports instead of the model.

It knows the service's URL and the flight fields, nothing about the model: no scikit-learn, no ONNX,
no model file. When the service moves to a new model version, this code does not change::

    with FlightDelayClient("http://127.0.0.1:8000") as api:
        answer = api.predict({"carrier": "UA", "origin": "EWR", "dest": "ORD",
                              "sched_dep": "2013-07-15T17:30:00", "distance": 719})
        answer.p_late, answer.model_version

From a shell: ``python -m architectures.api.client --url http://127.0.0.1:8000 '{"carrier": "UA", …}'``
prints P(late); a refused flight or an unreachable service is one line and a distinct exit code.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
import numpy as np
import orjson
import pandas as pd

MODEL = "flight-delay"
EXIT_REFUSED = 3
"""Exit code when the service refuses the flight (the message names the field)."""
EXIT_UNREACHABLE = 4
"""Exit code when no service answers at the URL."""
EXAMPLE = {"carrier": "UA", "origin": "EWR", "dest": "ORD", "sched_dep": "2013-07-15T17:30:00", "distance": 719}
TEXT_FIELDS = ("carrier", "origin", "dest", "sched_dep")
NUMBER_FIELDS = ("distance", "temp", "dewp", "humid", "wind_speed", "wind_gust", "precip", "pressure", "visib")


class ApiError(Exception):
    """The service said no: ``status`` (HTTP code), ``detail`` (its message), ``field`` for a bad input."""

    def __init__(self, status: int, detail: Any, request_id: str | None, field: str | None = None) -> None:
        self.status = status
        self.detail = detail
        self.request_id = request_id
        self.field = field
        super().__init__(f"HTTP {status}: {detail}")


@dataclass(frozen=True)
class Answer:
    """P(late) for one flight, the version that computed it, and the request id to quote in a log."""

    p_late: float
    model_version: int
    request_id: str


@dataclass(frozen=True)
class BatchAnswer:
    """P(late) for many flights (in order), from one model version."""

    p_late: np.ndarray
    model_version: int
    request_id: str


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):  # pandas Timestamps included
        return value.isoformat()
    raise TypeError(f"cannot send a {type(value).__name__} as JSON")


class FlightDelayClient:
    """Calls the model API over HTTP, reusing one keep-alive connection.

    ``version`` pins a model version (a number or an alias); ``None`` lets the service answer with
    its production model.
    """

    def __init__(
        self,
        base_url: str,
        *,
        version: int | str | None = None,
        model: str = MODEL,
        timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.version = version
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout, transport=transport)

    def __enter__(self) -> FlightDelayClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # -- predictions ---------------------------------------------------------------------------
    def predict(self, flight: Mapping[str, Any], request_id: str | None = None) -> Answer:
        """P(late) of one flight (a mapping of field to value)."""
        body = self._post("predict", dict(flight), request_id)
        return Answer(body["p_late"], int(body["model_version"]), body["id"])

    def predict_many(self, flights: pd.DataFrame, request_id: str | None = None) -> BatchAnswer:
        """P(late) of every row of ``flights`` in ONE request (columns: the flight fields)."""
        body = self._post("infer", {"inputs": columns(flights)}, request_id)
        return BatchAnswer(np.asarray(body["outputs"][0]["data"]), int(body["model_version"]), body["id"])

    def _post(self, verb: str, payload: dict[str, Any], request_id: str | None) -> dict[str, Any]:
        pinned = "" if self.version is None else f"/versions/{self.version}"
        headers = {"content-type": "application/json"}
        if request_id:
            headers["x-request-id"] = request_id
        content = orjson.dumps(payload, default=_encode, option=orjson.OPT_SERIALIZE_NUMPY)
        response = self._http.post(f"/v2/models/{self.model}{pinned}/{verb}", content=content, headers=headers)
        return self._json(response)

    # -- the service itself --------------------------------------------------------------------
    def ready(self) -> bool:
        """Whether the service has a model loaded (False while it loads, or if it is down)."""
        try:
            return self._http.get("/v2/health/ready").status_code == 200
        except httpx.TransportError:
            return False

    def models(self) -> dict[str, Any]:
        """The model's metadata: versions, inputs, outputs; aliases and the version served now in ``parameters``."""
        return self._json(self._http.get(f"/v2/models/{self.model}"))

    def metadata(self, version: int | str | None = None) -> dict[str, Any]:
        """One version's metadata; spec, metrics, input schema in ``parameters`` (default: pinned, else production)."""
        ref = version if version is not None else self.version if self.version is not None else "production"
        return self._json(self._http.get(f"/v2/models/{self.model}/versions/{ref}"))

    @staticmethod
    def _json(response: httpx.Response) -> dict[str, Any]:
        body = orjson.loads(response.content) if response.content else {}
        if response.status_code >= 400:
            request_id = response.headers.get("x-request-id")
            raise ApiError(response.status_code, body.get("error", body), request_id, body.get("field"))
        return body


def columns(flights: pd.DataFrame) -> list[dict[str, Any]]:
    """A DataFrame of flights as Open Inference Protocol input tensors, one per flight field."""
    tensors = []
    for name in flights.columns:
        values = flights[name]
        if name == "sched_dep":
            data = np.datetime_as_string(pd.to_datetime(values).to_numpy("datetime64[s]")).tolist()
        elif name in TEXT_FIELDS:
            data = values.astype(str).tolist()
        elif name in NUMBER_FIELDS:
            numbers = values.astype("float64")
            data = numbers.astype(object).where(numbers.notna(), None).tolist()
        else:
            continue  # not a flight field (an id, an outcome): the service would refuse it
        datatype = "BYTES" if name in TEXT_FIELDS else "FP64"
        tensors.append({"name": name, "shape": [len(data)], "datatype": datatype, "data": data})
    return tensors


def main(argv: list[str] | None = None) -> int:
    """Score one flight (JSON) with the service at ``--url`` and print the answer."""
    parser = argparse.ArgumentParser(prog="python -m architectures.api.client", description=__doc__.split("\n")[0])
    parser.add_argument("flight", nargs="?", default=json.dumps(EXAMPLE), help="the flight, as a JSON object")
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="the model API (default: %(default)s)")
    parser.add_argument("--version", help="pin a model version (number or alias)")
    args = parser.parse_args(argv)
    try:
        flight = json.loads(args.flight)
    except json.JSONDecodeError as error:
        parser.error(f"flight: not JSON ({error})")
    if not isinstance(flight, dict):
        parser.error("flight: must be a JSON object of field to value")
    try:
        with FlightDelayClient(args.url, version=args.version) as api:
            answer = api.predict(flight)
    except ApiError as error:
        print(f"refused (HTTP {error.status}): {error.detail}", file=sys.stderr)
        return EXIT_REFUSED
    except httpx.TransportError as error:
        print(f"no model API answers at {args.url} ({type(error).__name__}): start it first", file=sys.stderr)
        return EXIT_UNREACHABLE
    print(f"P(late) = {answer.p_late:.3f} (model version {answer.model_version}, request {answer.request_id})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
