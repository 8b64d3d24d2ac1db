"""The decision guide of notebook 05: a use case in, a recommended architecture and its reasons out.

The rules follow the lecture's conclusion (start embedded for a proof of concept; move to a dedicated
API or streaming as needs grow; batch when answers may wait), and each reason quotes a figure measured
by the series' benchmark on this machine, taken by id from its results (a missing figure is an error).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from benchmarks.figures import Results

ARCHITECTURES = {
    "embedded": "Embedded (arquitetura embutida) — notebook 01",
    "api": "Dedicated model API (API dedicada) — notebook 02",
    "streaming": "Model published as data (modelo publicado como dados) — notebook 03",
    "batch": "Batch scoring (processamento em batch) — notebook 04",
}
INTERACTIVE_LIMIT_RPS = 100
"""Above this request rate, predictions are machine traffic, not people clicking in one app."""


@dataclass(frozen=True)
class UseCase:
    """What the learner knows about the problem."""

    freshness_seconds: float  # how old may a prediction be when it is used? (1 = real time, 86400 = next day)
    requests_per_second: float  # interactive prediction requests at peak (0 = nobody asks, lists are read)
    client_apps: int  # applications that need the predictions
    model_updates_per_month: float  # how often a new model version ships (30 = daily, 1000+ = continuously)
    rows_per_day: int  # volume of new data to score per day
    team_size: int  # engineers who will run it


@dataclass
class Recommendation:
    """The architecture to start with, why (with measured figures), and what to move to next."""

    architecture: str
    reasons: list[str] = field(default_factory=list)
    next_step: str = ""

    @property
    def title(self) -> str:
        return ARCHITECTURES[self.architecture]


def recommend(case: UseCase, results: Results) -> Recommendation:
    """Pick an architecture for ``case``, quoting the benchmark ``results`` (see notebook 05)."""

    def fig(figure_id: str, fmt: str = ",.0f") -> str:
        return format(results.value(figure_id), fmt)

    if case.freshness_seconds >= 3600 and case.requests_per_second == 0:
        return Recommendation(
            "batch",
            [
                f"answers may be {case.freshness_seconds / 3600:.0f} h old and nobody waits on a request: "
                "score everything on a schedule",
                f"the batch job scored {fig('batch_rows_per_s')} rows/s here, against "
                f"{fig('batch_one_at_a_time_rows_per_s')} rows/s one flight at a time",
                f"{case.rows_per_day:,} rows a day take about "
                f"{case.rows_per_day / results.value('batch_rows_per_s'):.2g} s of scoring",
            ],
            "if some answers must be fresher than the schedule, add an API for those requests (notebook 02)",
        )
    if case.model_updates_per_month >= 300 and case.freshness_seconds <= 60:
        if case.team_size >= 3:
            return Recommendation(
                "streaming",
                [
                    "the model must follow the data within minutes: learn online and publish it as data",
                    f"the online learner handled {fig('streaming_events_per_s')} events/s, predicting in "
                    f"{fig('streaming_p50_us', ',.1f')} µs p50",
                    f"a new model was published {fig('streaming_freshness_s', ',.2f')} s after an arrival",
                    "the price: an event log, a learner, a model store and their operations (notebook 03)",
                ],
                "scale the log out (Redis Streams, then Kafka) when one machine is not enough",
            )
        return Recommendation(
            "api",
            [
                "the model changes constantly, but a small team cannot yet run a streaming platform",
                f"retrain often and swap versions in the API without downtime "
                f"({fig('api_failed_during_update')} failed requests during an update here)",
            ],
            "move to streaming (notebook 03) when the team can run an event log and an online learner",
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
