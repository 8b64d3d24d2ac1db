"""A tiny scheduler that fires the batch job on a fixed rhythm, one logical date per tick.

    python -m architectures.batch.scheduler --start 2013-10-01 --ticks 3 --every 2 [--out DIR] [-- JOB ARGS]

In production, cron does this once a night (see ``job.CRONTAB``): at 22:00 it runs the job for
tomorrow's date. Here a "night" lasts ``--every`` seconds so the rhythm can be watched: tick ``i`` fires
at ``start_time + i * every`` (fixed rate, like cron) and runs the job, as a real child process, for
``start + i`` days. A failed run is logged and the next tick still fires; runs never overlap (a late
run delays the next tick, and the job's own lock refuses a second writer anyway).
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

from architectures.batch.job import DEFAULT_OUT, NO_MODEL_EXIT, logical_date, missing_model
from shared.i18n import _, use_environment_language
from shared.paths import PROJECT_ROOT


def job_command(day: str, out: str | Path, extra: Sequence[str] = ()) -> list[str]:
    """The job's command line for one logical date."""
    return [sys.executable, "-m", "architectures.batch.job", "--date", day, "--out", str(out), *extra]


def serve(start: str | date, ticks: int, every: float, out: str | Path = DEFAULT_OUT, extra: Sequence[str] = ()) -> int:
    """Fire ``ticks`` runs, ``every`` seconds apart; return how many failed."""
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    first = logical_date(start) if isinstance(start, str) else start
    began = time.monotonic()
    failed = 0
    started = _(
        "scheduler: {ticks} ticks every {every:g} s from {first}, writing to {out}",
        ticks=ticks,
        every=every,
        first=first,
        out=out,
    )
    print(started, flush=True)
    for tick in range(ticks):
        time.sleep(max(0.0, began + tick * every - time.monotonic()))
        if stopping:
            print(_("scheduler: stopped"), flush=True)
            break
        day = (first + timedelta(days=tick)).isoformat()
        fired = time.monotonic() - began
        done = subprocess.run(job_command(day, out, extra), cwd=PROJECT_ROOT, capture_output=True, text=True)
        summary = (done.stdout.strip().splitlines() or [""])[0]
        failed += done.returncode != 0
        line = _(
            "tick {tick} at +{fired:.1f} s: job --date {day} exit {code} ({seconds:.1f} s)  {summary}",
            tick=tick + 1,
            fired=fired,
            day=day,
            code=done.returncode,
            seconds=time.monotonic() - began - fired,
            summary=summary,
        )
        print(line, flush=True)
        if done.returncode != 0:
            print(done.stderr.strip()[-2000:], flush=True)
    return failed


def main(argv: Sequence[str] | None = None) -> int:
    """The command line (see the module docstring)."""
    use_environment_language()  # print in the language of whoever started us (a notebook)
    parser = argparse.ArgumentParser(prog="python -m architectures.batch.scheduler", description=__doc__.split("\n")[0])
    parser.add_argument("--start", required=True, type=logical_date, help="logical date of the first tick (YYYY-MM-DD)")
    parser.add_argument("--ticks", type=int, default=3, help="how many runs to fire (default: 3)")
    parser.add_argument("--every", type=float, default=2.0, help="seconds between ticks: one 'night' (default: 2)")
    parser.add_argument("--out", default=str(DEFAULT_OUT), help="the job's output folder (default: runs/batch)")
    parser.add_argument("job_args", nargs=argparse.REMAINDER, help="extra job arguments after --")
    args = parser.parse_args(argv)
    extra = args.job_args[1:] if args.job_args[:1] == ["--"] else args.job_args
    problem = missing_model()
    if problem:
        print(problem, file=sys.stderr)
        return NO_MODEL_EXIT
    return 1 if serve(args.start, args.ticks, args.every, args.out, extra) else 0


if __name__ == "__main__":
    sys.exit(main())
