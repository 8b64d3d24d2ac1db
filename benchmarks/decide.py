"""The decision guide of notebook 05: a use case in, a recommended architecture and its reasons out.

The guide takes the four inputs the lecture's conclusion names: the **use case** (client apps, model
updates, team), the **type of data** (one request at a time, a continuous event stream, or a daily table,
and how many rows a day), the **compute resources available** (cores) and the **need for real-time
answers** (how old an answer may be, requests per second). Its rules follow the lecture: start embedded
for a proof of concept; move to a dedicated API or streaming as needs grow; batch when answers may wait.
Each reason quotes a figure measured by the series' benchmark, taken by id from its results (a missing
figure is an error, never an invented value). Its controls' labels, its advice and its reasons are in the
language set with ``shared.i18n.set_language`` (English or Brazilian Portuguese).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Literal

from benchmarks.figures import Results
from shared.i18n import _

DataKind = Literal["requests", "stream", "table"]
DATA_KINDS: tuple[DataKind, ...] = ("requests", "stream", "table")
"""The types of data the guide knows (``data_kinds()`` names them for the notebook's control)."""
INTERACTIVE_LIMIT_RPS = 100
"""Above this request rate, predictions are machine traffic, not people clicking in one app."""
MAY_WAIT_S = 3600
"""Answers that may be an hour old or more can be computed ahead, on a schedule."""
FOLLOW_DATA_S = 60
"""A model that must follow the data within a minute has to learn as the data arrives."""
CONTINUOUS_UPDATES = 300
"""Model updates a month from which retraining and redeploying can no longer keep up (about 10 a day)."""
STREAMING_CORES = 4
"""Cores for the streaming parts to run side by side: the log, the learner, the predictors (notebook 03)."""
STREAMING_TEAM = 3
"""Engineers to operate an event log, a learner and its predictors day and night."""
SERVING_SHARE = 0.5
"""Share of a core's day that on-request serving can use (peaks, idle hours, headroom)."""


def data_kinds() -> dict[str, DataKind]:
    """The types of data as the notebook's control names them, in the current language."""
    return {
        _("one request at a time"): "requests",
        _("a continuous event stream"): "stream",
        _("a daily table"): "table",
    }


def architecture_name(architecture: str) -> str:
    """The short name of an architecture (``"dedicated API"`` for ``"api"``), in the current language."""
    return {
        "embedded": _("embedded"),
        "api": _("dedicated API"),
        "streaming": _("streaming"),
        "batch": _("batch"),
    }[architecture]


def architecture_title(architecture: str) -> str:
    """The heading of the advice for an architecture, with its notebook, in the current language."""
    return {
        "embedded": _("Embedded (arquitetura embutida) — notebook 01"),
        "api": _("Dedicated model API (API dedicada) — notebook 02"),
        "streaming": _("Model published as data (modelo publicado como dados) — notebook 03"),
        "batch": _("Batch scoring (processamento em batch) — notebook 04"),
    }[architecture]


@dataclass(frozen=True)
class UseCase:
    """What the learner knows about the problem: the lecture's four inputs."""

    freshness_seconds: float  # real time: how old may an answer be when used? (1 = now, 86400 = next day)
    requests_per_second: float  # real time: requests someone waits on, at peak (0 = nobody asks, lists are read)
    client_apps: int  # use case: applications that need the predictions
    model_updates_per_month: float  # use case: how often a new model ships (30 = daily, 10,000 = continuously)
    rows_per_day: int  # type of data: rows to score a day (requests, events or table rows)
    team_size: int  # use case: engineers who will run it
    data: DataKind = "requests"  # type of data: "requests", "stream" (events as they happen) or "table" (daily)
    cores: int = 2  # compute resources: CPU cores you can give to serving the model

    def __post_init__(self) -> None:
        if self.data not in DATA_KINDS:
            raise ValueError(f"data must be one of {sorted(DATA_KINDS)}, not {self.data!r}")
        if self.cores < 1:
            raise ValueError(f"cores must be at least 1, not {self.cores}")


@dataclass
class Recommendation:
    """The architecture to start with, why (with measured figures), and what to move to next."""

    architecture: str
    reasons: list[str] = field(default_factory=list)
    next_step: str = ""

    @property
    def name(self) -> str:
        return architecture_name(self.architecture)

    @property
    def title(self) -> str:
        return architecture_title(self.architecture)

    def markdown(self) -> str:
        """The advice as Markdown: static output that reads without a kernel."""
        reasons = "\n".join(f"- {reason}" for reason in self.reasons)
        start = _("**Start with: {title}**", title=self.title)
        return f"{start}\n\n{reasons}\n\n" + _("*Next step:* {step}", step=self.next_step)


def on_request_cores(case: UseCase, results: Results) -> float:
    """Cores needed to score the day's rows one request at a time, at the API's measured rate per worker."""
    per_core_day = results.value("api_requests_per_s") * 86_400 * SERVING_SHARE
    return case.rows_per_day / per_core_day


def recommend(case: UseCase, results: Results) -> Recommendation:
    """Pick an architecture for ``case``, quoting the benchmark ``results`` (see notebook 05)."""
    value = results.value
    may_wait = case.freshness_seconds >= MAY_WAIT_S
    needed = on_request_cores(case, results)
    if may_wait and (case.requests_per_second == 0 or case.data == "table" or needed > case.cores):
        why = (
            _("nobody waits on a request")
            if case.requests_per_second == 0
            else _("the data comes as a daily table")
            if case.data == "table"
            else _(
                "scoring {rows:,} rows a day one request at a time needs about {needed} cores, you have {cores}",
                rows=case.rows_per_day,
                needed=math.ceil(needed),
                cores=case.cores,
            )
        )
        return Recommendation(
            "batch",
            [
                _(
                    "answers may be {hours:.0f} h old and {why}: score everything on a schedule",
                    hours=case.freshness_seconds / 3600,
                    why=why,
                ),
                _(
                    "the batch job scored {batch:,.0f} rows/s here, against {one:,.0f} rows/s one flight at a time",
                    batch=value("batch_rows_per_s"),
                    one=value("batch_one_at_a_time_rows_per_s"),
                ),
                _(
                    "{rows:,} rows a day take about {seconds:,.2g} s of scoring, then the cores are free",
                    rows=case.rows_per_day,
                    seconds=case.rows_per_day / value("batch_rows_per_s"),
                ),
            ],
            _("if some answers must be fresher than the schedule, add an API for those requests (notebook 02)"),
        )
    if case.model_updates_per_month >= CONTINUOUS_UPDATES and case.freshness_seconds <= FOLLOW_DATA_S:
        return _follow_the_data(case, results)
    if needed > case.cores:
        return Recommendation(
            "api",
            [
                _(
                    "{rows:,} rows a day, answered now, need about {needed} cores at {rate:,.0f} requests/s "
                    "per worker; you have {cores}",
                    rows=case.rows_per_day,
                    needed=math.ceil(needed),
                    rate=value("api_requests_per_s"),
                    cores=case.cores,
                ),
                _(
                    "a service scales out by adding workers and replicas on more cores (here 2 workers served "
                    "{rate:,.0f} requests/s on {cores} cores), an embedded app only by copying the whole app",
                    rate=value("api_requests_per_s_2_workers"),
                    cores=results.machine.get("cores", "?"),
                ),
            ],
            _("get the cores (replicas behind a load balancer), or let answers wait and score in batch"),
        )
    needs_api = (
        case.client_apps >= 2 or case.model_updates_per_month > 4 or case.requests_per_second > INTERACTIVE_LIMIT_RPS
    )
    if needs_api:
        return Recommendation(
            "api",
            [
                _(
                    "{apps} client app(s) share one model, updated {updates:g}× a month without redeploying any client",
                    apps=case.client_apps,
                    updates=case.model_updates_per_month,
                ),
                _(
                    "the network hop costs {api:,.2f} ms p50 against {embedded:,.1f} µs in process",
                    api=value("api_p50_ms"),
                    embedded=value("embedded_p50_us"),
                ),
                _("one worker served {rate:,.0f} requests/s here", rate=value("api_requests_per_s")),
            ],
            _("add workers or replicas behind a load balancer; stream if the model must learn continuously"),
        )
    return Recommendation(
        "embedded",
        [
            _("one app, a small team, a model that rarely changes: the simplest thing that works"),
            _(
                "a prediction costs {p50:,.1f} µs in process, with no network hop",
                p50=value("embedded_p50_us"),
            ),
            _(
                "but every model update means changing and restarting the app ({seconds:,.1f} s here)",
                seconds=value("embedded_restart_s"),
            ),
        ],
        _("move the model behind a dedicated API (notebook 02) when a second app needs it or it changes often"),
    )


def _follow_the_data(case: UseCase, results: Results) -> Recommendation:
    """A model that must follow the data within a minute: streaming when data, team and cores allow it."""
    value = results.value
    missing = [
        reason
        for reason, lacking in (
            (
                _("your data arrives as requests or a table, not as a stream of outcomes to learn from"),
                case.data != "stream",
            ),
            (
                _("a team of {team} cannot yet run a streaming platform", team=case.team_size),
                case.team_size < STREAMING_TEAM,
            ),
            (
                _("{cores} cores leave no room for the log, the learner and the predictors", cores=case.cores),
                case.cores < STREAMING_CORES,
            ),
        )
        if lacking
    ]
    if not missing:
        return Recommendation(
            "streaming",
            [
                _("the model must follow the data within a minute: learn online and publish it as data"),
                _(
                    "the online learner handled {rate:,.0f} events/s, predicting in {p50:,.1f} µs p50",
                    rate=value("streaming_events_per_s"),
                    p50=value("streaming_p50_us"),
                ),
                _(
                    "a new model was published {seconds:,.2f} s after an arrival",
                    seconds=value("streaming_freshness_s"),
                ),
                _("the price: an event log, a learner, predictors and their operations (notebook 03)"),
            ],
            _("scale the log out (Redis Streams, then Kafka) when one machine is not enough"),
        )
    return Recommendation(
        "api",
        [
            _("the model changes constantly, but {missing}", missing="; ".join(missing)),
            _(
                "retrain often and swap versions in the API without downtime "
                "({failed:,.0f} failed requests during an update here)",
                failed=value("api_failed_during_update"),
            ),
        ],
        _("move to streaming (notebook 03) when the outcomes flow as events and a team and cores can run it"),
    )


def grow(case: UseCase, **changes: object) -> UseCase:
    """The same use case with some inputs changed (the evolution path: one need grows at a time)."""
    return replace(case, **changes)
