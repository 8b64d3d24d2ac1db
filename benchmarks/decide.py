"""The decision guide of notebook 05: a use case in, a recommended architecture and its reasons out.

The guide takes the four inputs the lecture's conclusion names: the **use case** (client apps, model
updates, team), the **type of data** (one request at a time, a continuous event stream, or a daily table,
and how many rows a day), the **compute resources available** (cores) and the **need for real-time
answers** (how old an answer may be, requests per second). Its rules follow the lecture: start embedded
for a proof of concept; move to a dedicated API or streaming as needs grow; batch when answers may wait.
Each reason quotes a figure measured by the series' benchmark, taken by id from its results (a missing
figure is an error, never an invented value).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Literal

from benchmarks.figures import Results

ARCHITECTURES = {
    "embedded": "Embedded (arquitetura embutida) — notebook 01",
    "api": "Dedicated model API (API dedicada) — notebook 02",
    "streaming": "Model published as data (modelo publicado como dados) — notebook 03",
    "batch": "Batch scoring (processamento em batch) — notebook 04",
}
DataKind = Literal["requests", "stream", "table"]
DATA_KINDS: dict[str, DataKind] = {
    "one request at a time": "requests",
    "a continuous event stream": "stream",
    "a daily table": "table",
}
"""The type of data, as the notebook's control names it."""
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
        if self.data not in DATA_KINDS.values():
            raise ValueError(f"data must be one of {sorted(DATA_KINDS.values())}, not {self.data!r}")
        if self.cores < 1:
            raise ValueError(f"cores must be at least 1, not {self.cores}")


@dataclass
class Recommendation:
    """The architecture to start with, why (with measured figures), and what to move to next."""

    architecture: str
    reasons: list[str] = field(default_factory=list)
    next_step: str = ""

    @property
    def title(self) -> str:
        return ARCHITECTURES[self.architecture]

    def markdown(self) -> str:
        """The advice as Markdown: static output that reads without a kernel."""
        reasons = "\n".join(f"- {reason}" for reason in self.reasons)
        return f"**Start with: {self.title}**\n\n{reasons}\n\n*Next step:* {self.next_step}"


def on_request_cores(case: UseCase, results: Results) -> float:
    """Cores needed to score the day's rows one request at a time, at the API's measured rate per worker."""
    per_core_day = results.value("api_requests_per_s") * 86_400 * SERVING_SHARE
    return case.rows_per_day / per_core_day


def recommend(case: UseCase, results: Results) -> Recommendation:
    """Pick an architecture for ``case``, quoting the benchmark ``results`` (see notebook 05)."""

    def fig(figure_id: str, fmt: str = ",.0f") -> str:
        return format(results.value(figure_id), fmt)

    may_wait = case.freshness_seconds >= MAY_WAIT_S
    needed = on_request_cores(case, results)
    if may_wait and (case.requests_per_second == 0 or case.data == "table" or needed > case.cores):
        why = (
            "nobody waits on a request"
            if case.requests_per_second == 0
            else "the data comes as a daily table"
            if case.data == "table"
            else f"scoring {case.rows_per_day:,} rows a day one request at a time needs about "
            f"{math.ceil(needed)} cores, you have {case.cores}"
        )
        return Recommendation(
            "batch",
            [
                f"answers may be {case.freshness_seconds / 3600:.0f} h old and {why}: score everything on a schedule",
                f"the batch job scored {fig('batch_rows_per_s')} rows/s here, against "
                f"{fig('batch_one_at_a_time_rows_per_s')} rows/s one flight at a time",
                f"{case.rows_per_day:,} rows a day take about "
                f"{case.rows_per_day / results.value('batch_rows_per_s'):,.2g} s of scoring, then the cores are free",
            ],
            "if some answers must be fresher than the schedule, add an API for those requests (notebook 02)",
        )
    if case.model_updates_per_month >= CONTINUOUS_UPDATES and case.freshness_seconds <= FOLLOW_DATA_S:
        return _follow_the_data(case, fig)
    if needed > case.cores:
        return Recommendation(
            "api",
            [
                f"{case.rows_per_day:,} rows a day, answered now, need about {math.ceil(needed)} cores "
                f"at {fig('api_requests_per_s')} requests/s per worker; you have {case.cores}",
                "a service scales out by adding workers and replicas on more cores (here 2 workers served "
                f"{fig('api_requests_per_s_2_workers')} requests/s on {results.machine.get('cores', '?')} cores), "
                "an embedded app only by copying the whole app",
            ],
            "get the cores (replicas behind a load balancer), or let answers wait and score in batch",
        )
    needs_api = (
        case.client_apps >= 2 or case.model_updates_per_month > 4 or case.requests_per_second > INTERACTIVE_LIMIT_RPS
    )
    if needs_api:
        return Recommendation(
            "api",
            [
                f"{case.client_apps} client app(s) share one model, updated {case.model_updates_per_month:g}× a month "
                "without redeploying any client",
                f"the network hop costs {fig('api_p50_ms', ',.2f')} ms p50 against "
                f"{fig('embedded_p50_us', ',.1f')} µs in process",
                f"one worker served {fig('api_requests_per_s')} requests/s here",
            ],
            "add workers or replicas behind a load balancer; stream if the model must learn continuously",
        )
    return Recommendation(
        "embedded",
        [
            "one app, a small team, a model that rarely changes: the simplest thing that works",
            f"a prediction costs {fig('embedded_p50_us', ',.1f')} µs in process, with no network hop",
            "but every model update means changing and restarting the app "
            f"({fig('embedded_restart_s', ',.1f')} s here)",
        ],
        "move the model behind a dedicated API (notebook 02) when a second app needs it or it changes often",
    )


def _follow_the_data(case: UseCase, fig) -> Recommendation:  # noqa: ANN001 - the formatter of recommend
    """A model that must follow the data within a minute: streaming when data, team and cores allow it."""
    missing = [
        reason
        for reason, lacking in (
            (
                "your data arrives as requests or a table, not as a stream of outcomes to learn from",
                case.data != "stream",
            ),
            (f"a team of {case.team_size} cannot yet run a streaming platform", case.team_size < STREAMING_TEAM),
            (
                f"{case.cores} cores leave no room for the log, the learner and the predictors",
                case.cores < STREAMING_CORES,
            ),
        )
        if lacking
    ]
    if not missing:
        return Recommendation(
            "streaming",
            [
                "the model must follow the data within a minute: learn online and publish it as data",
                f"the online learner handled {fig('streaming_events_per_s')} events/s, predicting in "
                f"{fig('streaming_p50_us', ',.1f')} µs p50",
                f"a new model was published {fig('streaming_freshness_s', ',.2f')} s after an arrival",
                "the price: an event log, a learner, predictors and their operations (notebook 03)",
            ],
            "scale the log out (Redis Streams, then Kafka) when one machine is not enough",
        )
    return Recommendation(
        "api",
        [
            "the model changes constantly, but " + "; ".join(missing),
            f"retrain often and swap versions in the API without downtime "
            f"({fig('api_failed_during_update')} failed requests during an update here)",
        ],
        "move to streaming (notebook 03) when the outcomes flow as events and a team and cores can run it",
    )


def grow(case: UseCase, **changes: object) -> UseCase:
    """The same use case with some inputs changed (the evolution path: one need grows at a time)."""
    return replace(case, **changes)
