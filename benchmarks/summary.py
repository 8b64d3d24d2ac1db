"""The benchmark read as the lecture's trade-offs: one row per architecture, and the README's results.

    python -m benchmarks.summary [--results benchmarks/results/series.json] [--readme]

Every figure is taken from a saved run by its id (``benchmarks.figures``); a figure the run lacks is an
error. ``--readme`` rewrites the results section of ``README.md`` and of ``README.pt-BR.md`` (between
their two ``results`` markers) from the saved run, so neither README carries a number typed by hand. The
Portuguese section is the English one through ``shared.i18n``: its texts come from
``locale/pt_BR/benchmarks.po`` and its numbers are written the Brazilian way.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from architectures.batch.job import RUN_HOUR
from benchmarks.figures import Goal, Results
from shared.files import replace_section, section_markers
from shared.i18n import ENGLISH, PORTUGUESE, Translator
from shared.i18n import language as current_language
from shared.paths import PROJECT_ROOT


@dataclass(frozen=True)
class Architecture:
    """One architecture of the series: its name in the tables and what must run for it to answer."""

    title: str
    moving_parts: tuple[str, ...]

    @property
    def parts(self) -> int:
        """How many processes and stores must run."""
        return len(self.moving_parts)


def title(architecture: str, language: str = ENGLISH) -> str:
    """An architecture's name in the tables (``"embedded (01)"``), in ``language``."""
    _ = Translator(language)
    titles = {
        "embedded": _("embedded (01)"),
        "api": _("dedicated API (02)"),
        "streaming": _("streaming (03)"),
        "batch": _("batch (04)"),
    }
    return titles[architecture]


def part_names(architecture: str, language: str = ENGLISH) -> tuple[str, ...]:
    """What must run for an architecture to answer (processes and stores), in ``language``."""
    _ = Translator(language)
    parts = {
        "embedded": (_("the app"),),
        "api": (_("the model service"), _("its client apps")),
        "streaming": (
            _("the event log and its model stream"),
            _("a producer"),
            _("the learner"),
            _("its checkpoint"),
            _("predictors"),
        ),
        "batch": (_("the job"), _("a scheduler"), _("the parquet files"), _("the warehouse")),
    }
    return parts[architecture]


ARCHITECTURES = {
    name: Architecture(title(name), part_names(name)) for name in ("embedded", "api", "streaming", "batch")
}
"""The four architectures, defined once: the summary, notebook 05's plots and the README use these."""
README = PROJECT_ROOT / "README.md"
READMES = {ENGLISH: README, PORTUGUESE: PROJECT_ROOT / "README.pt-BR.md"}
"""The README of each edition; each has its own results section, rendered from the same run."""
SECTION = "results"
MARKERS = section_markers(SECTION)


def memory_note(language: str = ENGLISH) -> str:
    """How the memory column is measured (said wherever it is shown), in ``language``."""
    _ = Translator(language)
    return _(
        "PSS (proportional set size: shared pages divided among the processes sharing them) of the process tree "
        "for the app and the service, measured while they serve; for the learner and the batch job, the kernel's "
        "high-water mark of the process's resident memory (VmHWM), so a short peak is not missed"
    )


MEMORY_NOTE = memory_note()
"""How the memory column is measured, in English."""


def prediction_age_hours(run_hour: int = RUN_HOUR) -> pd.Series:
    """Batch: hours between a nightly run (``run_hour`` the day before) and each flight's departure."""
    from shared.data import load_flights

    departures = load_flights()["sched_dep"]
    run_at = departures.dt.normalize() - pd.Timedelta(days=1) + pd.Timedelta(hours=run_hour)
    return (departures - run_at).dt.total_seconds() / 3600


def moving_parts(architecture: str, language: str = ENGLISH) -> str:
    """``"3: a, b, c"``: how many processes and stores an architecture runs, and which, in ``language``."""
    names = part_names(architecture, language)
    return f"{len(names)}: {', '.join(names)}"


def summary(results: Results) -> pd.DataFrame:
    """One row per architecture: the trade-offs of the lecture, each with the figure measured for it.

    Its texts are in the notebook's language (``shared.i18n.set_language``), numbers written its way.
    """
    current = current_language()
    _ = Translator(current)
    v = results.value
    age = prediction_age_hours()
    on_request = _("computed on request")
    rows = {
        "embedded": {
            "latency": _("{p50:,.1f} µs in process", p50=v("embedded_p50_us")),
            "throughput": _("{rate:,.0f} flights/s one at a time", rate=v("batch_one_at_a_time_rows_per_s")),
            "freshness": on_request,
            "update": _(
                "change the app, restart every copy (cold start {seconds:,.1f} s each)", seconds=v("embedded_restart_s")
            ),
            "memory": _("{mb:,.0f} MB (app, PSS)", mb=v("embedded_memory_mb")),
        },
        "api": {
            "latency": _("{p50:,.2f} ms over loopback HTTP", p50=v("api_p50_ms")),
            "throughput": _(
                "{rate:,.0f} req/s (1 worker); {batched:,.0f} flights/s batched",
                rate=v("api_requests_per_s"),
                batched=v("api_batch_rows_per_s"),
            ),
            "freshness": on_request,
            "update": _(
                "move an alias: {failed:,.0f} failed requests, no client change", failed=v("api_failed_during_update")
            ),
            "memory": _("{mb:,.0f} MB (service, 1 worker, PSS)", mb=v("api_memory_mb")),
        },
        "streaming": {
            "latency": _("{p50:,.1f} µs in the learner", p50=v("streaming_p50_us")),
            "throughput": _("{rate:,.0f} events/s learned", rate=v("streaming_events_per_s")),
            "freshness": _(
                "model learns each arrival; predictors answer with it {seconds:,.2f} s later (p50)",
                seconds=v("streaming_freshness_s"),
            ),
            "update": _("continuous: every published version is one"),
            "memory": _("{mb:,.0f} MB (learner, peak)", mb=v("streaming_memory_mb")),
        },
        "batch": {
            "latency": _("none on request: answers are read from a table"),
            "throughput": _("{rate:,.0f} flights/s scored and written", rate=v("batch_rows_per_s")),
            "freshness": _(
                "made the night before: {median:.0f} h old at departure (from {first:.0f} to {last:.0f} h)",
                median=age.median(),
                first=age.min(),
                last=age.max(),
            ),
            "update": _("next scheduled run picks up the production alias"),
            "memory": _("{mb:,.0f} MB (job, peak)", mb=v("batch_memory_mb")),
        },
    }
    for architecture, row in rows.items():
        row["parts"] = moving_parts(architecture, current)
    table = pd.DataFrame(rows).T
    table.index = [title(architecture, current) for architecture in table.index]
    columns = {
        "latency": _("one prediction, p50"),
        "throughput": _("throughput"),
        "freshness": _("how fresh an answer is"),
        "update": _("a model update"),
        "parts": _("moving parts"),
        "memory": _("memory"),
    }
    return table[list(columns)].rename(columns=columns)


def _k(value: float, language: str = ENGLISH) -> str:
    """1234567 as ``1.23 M``, 6095 as ``6.1 k`` (``1,23 M``, ``6,1 k`` in pt-BR)."""
    number = Translator(language).number
    if value >= 1e6:
        return f"{number(value / 1e6, '.2f')} M"
    if value >= 1e3:
        return f"{number(value / 1e3, '.1f')} k" if value < 1e5 else f"{number(value / 1e3, '.0f')} k"
    return number(value, ".0f")


def _load(machine: dict[str, object], language: str = ENGLISH) -> str:
    """``, load average 3.2 (other programs were running: noisier figures)`` when the machine was busy."""
    _ = Translator(language)
    load, cores = machine.get("load_average"), machine.get("cores") or 1
    if load is None or float(load) < 0.5 * float(cores):  # type: ignore[arg-type]
        return ""
    return _(", load average {load} (other programs were running: noisier figures)", load=load)


def _goal(goal: Goal, unit: str, language: str = ENGLISH) -> str:
    """A goal as text (``>= 1,000,000 rows/s``), its number written the language's way."""
    return f"{goal.op} {Translator(language).number(goal.target, ',.10g')} {unit}".rstrip()


def _verdict(results: Results, language: str = ENGLISH) -> str:
    """Whether the run meets the series' goals, naming each figure that misses its goal."""
    _ = Translator(language)
    goals = [figure for figure in results if figure.goal is not None]
    missed = [figure for figure in goals if not figure.meets]
    if not missed:
        verdict = _("Every goal set for the series is met in that run")
    else:
        each = [
            _(
                "{label} ({value:,.3g} {unit}, goal {goal})",
                label=_(figure.label),
                value=figure.value,
                unit=figure.unit,
                goal=_goal(figure.goal, figure.unit, language),  # type: ignore[arg-type]
            )
            for figure in missed
        ]
        verdict = _(
            "{met} of {total} goals are met in that run; missed: {missed}",
            met=len(goals) - len(missed),
            total=len(goals),
            missed="; ".join(each),
        )
    return _(
        "{verdict} ({total} goals, each figure against its goal in `benchmarks/results/series.csv`). Memory: {note}.",
        verdict=verdict,
        total=len(goals),
        note=memory_note(language),
    )


def readme_results(results: Results, language: str = ENGLISH) -> str:
    """The README's results section, from a saved run (markdown, between the markers), in ``language``."""
    _ = Translator(language)
    v = results.value
    machine = results.machine
    age = prediction_age_hours()
    header = _(
        "Measured with `make bench` (all four architectures in one run, same flights, same model version) on "
        "{cores} cores ({cpu}) with {memory} GiB of memory, {system}, Python {python}{load}. Your figures will "
        "differ; notebook 05 measures them again on your machine. After `make bench`, "
        "`python -m benchmarks.summary --readme` rewrites this section from its results.",
        cores=machine.get("cores"),
        cpu=machine.get("cpu"),
        memory=machine.get("memory_gib"),
        system=machine.get("system"),
        python=machine.get("python"),
        load=_load(machine, language),
    )
    embedded = _(
        "| {title} | **{p50:.0f} µs** in process (pipeline on a 1-row DataFrame: {pipeline:.1f} ms, {speedup:.0f}× "
        "slower) | {rate} flights/s one at a time | computed on request | change the app, restart every copy (cold "
        "start {restart:.1f} s; {first:.1f} s to a first answer in a browser) | {memory:.0f} MB (app) |",
        title=title("embedded", language),
        p50=v("embedded_p50_us"),
        pipeline=v("embedded_pipeline_p50_us") / 1000,
        speedup=v("embedded_speedup"),
        rate=_k(v("batch_one_at_a_time_rows_per_s"), language),
        restart=v("embedded_restart_s"),
        first=v("embedded_first_answer_s"),
        memory=v("embedded_memory_mb"),
    )
    api = _(
        "| {title} | **{p50:.2f} ms** over loopback HTTP (p99 {p99:.2f} ms) | {rate} req/s on 1 worker, {rate2} on 2; "
        "{batched} flights/s batched | computed on request | move the `production` alias: {failed:.0f} failed "
        "requests out of {requests:,.0f} during the swap, no client change | {memory:.0f} MB (service) |",
        title=title("api", language),
        p50=v("api_p50_ms"),
        p99=v("api_p99_ms"),
        rate=_k(v("api_requests_per_s"), language),
        rate2=_k(v("api_requests_per_s_2_workers"), language),
        batched=_k(v("api_batch_rows_per_s"), language),
        failed=v("api_failed_during_update"),
        requests=v("api_requests_during_update"),
        memory=v("api_memory_mb"),
    )
    streaming = _(
        "| {title} | **{p50:.1f} µs** in the learner ({predictor:.1f} µs in a predictor) | {rate} events/s learned "
        "end to end through the SQLite log | the model includes an arrival **{fresh:.2f} s** later (p50; p99 "
        "{fresh99:.2f} s) | continuous: the learner publishes a new version on a fixed interval | {memory:.0f} MB "
        "(learner, peak) |",
        title=title("streaming", language),
        p50=v("streaming_p50_us"),
        predictor=v("streaming_predictor_p50_us"),
        rate=_k(v("streaming_events_per_s"), language),
        fresh=v("streaming_freshness_s"),
        fresh99=v("streaming_freshness_p99_s"),
        memory=v("streaming_memory_mb"),
    )
    batch = _(
        "| {title} | none on request: answers are read from a table | **{rate} flights/s** read, validated, scored "
        "and written to parquet ({share:.0%} of the model's own rate) | made the night before: {age:.0f} h old at "
        "departure (median) | the next scheduled run uses the new `production` | {memory:.0f} MB (job, peak) |",
        title=title("batch", language),
        rate=_k(v("batch_rows_per_s"), language),
        share=v("batch_share_of_predict"),
        age=age.median(),
        memory=v("batch_memory_mb"),
    )
    columns = _(
        "| architecture | one prediction (p50) | throughput | how fresh an answer is | a model update | memory |"
    )
    return "\n".join(
        [
            header,
            "",
            columns,
            "|---|---|---|---|---|---|",
            embedded,
            api,
            streaming,
            batch,
            "",
            _verdict(results, language),
        ]
    )


def rewrite_readme(results: Results, readme: Path = README, language: str = ENGLISH) -> None:
    """Replace the results section of ``readme`` (written in ``language``) by the one rendered from ``results``."""
    replace_section(readme, SECTION, readme_results(results, language))


def main() -> None:
    from benchmarks.series import RESULTS_FILE

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=RESULTS_FILE, help="a saved run (make bench writes one)")
    parser.add_argument(
        "--readme", action="store_true", help="rewrite the results section of README.md and README.pt-BR.md"
    )
    arguments = parser.parse_args()
    results = Results.load(arguments.results)
    if arguments.readme:
        for language, readme in READMES.items():
            if readme.is_file() or language == ENGLISH:
                rewrite_readme(results, readme, language)
                print(f"{readme.name} results section rewritten from {arguments.results}")
    else:
        with pd.option_context("display.max_colwidth", 80, "display.width", 250):
            print(summary(results).T.to_string())


if __name__ == "__main__":
    main()
