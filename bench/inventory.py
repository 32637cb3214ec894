"""Benchmark COURSE_INVENTORY against the Canvas emulator (own process) loading into MariaDB.

    .venv/bin/python -m bench.inventory [--size large] [--workers 8] [--latency 0.05]
        [--baseline-courses 600] [--rerun] [--db-server mysql+pymysql://root@127.0.0.1:3306]

The emulator (Canvas-like throttling, the given latency on every request) runs in a separate
process, so the peak memory reported is the job's alone. Each run loads into a throwaway MariaDB
database, dropped at the end. The baseline is the same job with NUM_ASYNC_WORKERS=1; with
``--baseline-courses N`` it runs on a sample of about N courses and is extrapolated by the
number of requests.
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing as mp
import os
import resource
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa

from bench.common import interleaved, load_average, spread
from course_inventory import job
from db import Database
from db.engine import make_engine
from db.migrate import migrate
from logs import configure_logging
from redaction import Secret
from settings import CanvasSettings, DbSettings, Settings
from sources.canvas import CanvasClient
from sources.retry import RetryPolicy
from vocab import JobName

logger = logging.getLogger("bench.inventory")

TERM_IDS = (164, 165, 107)
TOKEN = "bench-canvas-token"
DB_SERVER = "mysql+pymysql://root@127.0.0.1:3306"


@dataclass
class Outcome:
    """What one job run measured."""

    label: str
    workers: int
    seconds: float = 0.0
    load_seconds: float = 0.0
    rows: dict[str, int] = field(default_factory=dict)
    client: dict[str, int] = field(default_factory=dict)
    requests: int = 0
    throttled: int = 0
    peak_rss_mib: float = 0.0
    cpu_seconds: float = 0.0
    emulator_cpu_seconds: float = 0.0
    roster_requests: int = 0
    latency: float = 0.05

    @property
    def ceiling_seconds(self) -> float:
        """The shortest wall time Canvas's throttle allows for these requests.

        A token has at most high-water / pre-flight (600 / 50 = 12) requests running, each
        taking the latency at least.
        """
        from sandbox.canvas import ThrottleSettings

        model = ThrottleSettings()
        admitted = int(model.high_water // model.preflight)
        return self.requests * self.latency / admitted

    @property
    def courses(self) -> int:
        return self.rows.get("course", 0)


class TimedDatabase(Database):
    """A Database that remembers what the replace wrote and how long it took."""

    load_seconds = 0.0
    counts: Mapping[str, int] = {}

    def replace(self, frames: Mapping[str, pd.DataFrame]) -> dict[str, int]:
        started = time.monotonic()
        counts = super().replace(frames)
        self.load_seconds, self.counts = time.monotonic() - started, counts
        return counts


# ----- the emulator process ------------------------------------------------------------------


def _serve(size: str, every: int, latency: float, throttle: bool, pipe: Connection) -> None:
    from sandbox import canvas as canvas_api
    from sandbox.canvas import ThrottleSettings
    from sandbox.web import Faults

    university = sample_university(size, every)
    with canvas_api.start(
        university,
        Faults(latency_s=latency),
        throttle=ThrottleSettings(enabled=throttle),
        token=TOKEN,
    ) as server:
        pipe.send(server.url)
        while pipe.recv() != "stop":
            snapshot = server.stats.snapshot()
            graphql = snapshot["requests"].get("POST graphql", 0)
            pipe.send(
                (
                    snapshot["total_requests"],
                    snapshot["total_throttled"],
                    _cpu_seconds(),
                    graphql,
                )
            )


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def sample_university(size: str, every: int) -> Any:
    """The generated university, or every ``every``-th course of it (same per-course data)."""
    import numpy as np

    from sandbox.university import University, build_university
    from sandbox.university.records import EnrollmentTable

    full = build_university(size)
    if every <= 1:
        return full
    keep = {c["id"] for i, c in enumerate(full.courses) if i % every == 0}
    table = full.enrollments
    rows = np.isin(table.course_id, sorted(keep))
    names = ("id", "course_id", "section_id", "user_id", "type", "state", "associated_user_id")
    return University(
        size=full.size,
        seed=full.seed,
        now=full.now,
        accounts=full.accounts,
        terms=full.terms,
        courses=[c for c in full.courses if c["id"] in keep],
        sections=[s for s in full.sections if s["course_id"] in keep],
        enrollments=EnrollmentTable({name: getattr(table, name)[rows] for name in names}),
        course_states={k: v for k, v in full.course_states.items() if k in keep},
        restricted_course_ids=full.restricted_course_ids & keep,
        showcase_course_id=full.showcase_course_id,
    )


@contextmanager
def emulator(size: str, every: int, latency: float, throttle: bool) -> Iterator[Connection]:
    """A Canvas emulator in a spawned process; the pipe answers "stats" and takes "stop"."""
    context = mp.get_context("spawn")
    ours, theirs = context.Pipe()
    process = context.Process(
        target=_serve, args=(size, every, latency, throttle, theirs), daemon=True
    )
    process.start()
    try:
        yield ours
    finally:
        ours.send("stop")
        process.join(timeout=30)


# ----- the job ---------------------------------------------------------------------------------


@contextmanager
def throwaway_database(server_url: str) -> Iterator[str]:
    name = f"bench_inventory_{os.getpid()}_{time.time_ns() % 10**6}"
    admin = sa.create_engine(server_url)
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
    try:
        yield f"{server_url.rstrip('/')}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS `{name}`"))
        admin.dispose()


def settings_for(canvas_url: str, db_url: str, workers: int) -> Settings:
    canvas = CanvasSettings(
        account_id=1, term_ids=TERM_IDS, add_course_ids=(), url=canvas_url, token=Secret(TOKEN)
    )
    return Settings(
        log_level="INFO",
        log_format="text",
        job_names=(JobName.COURSE_INVENTORY,),
        create_csvs=False,
        max_req_attempts=5,
        num_async_workers=workers,
        data_dir=Path("data"),
        config_dir=Path("config"),
        db=DbSettings(url=db_url),
        canvas=canvas,
        udw=None,
        mivideo=None,
        zoom=None,
    )


def run_once(label: str, pipe: Connection, settings: Settings) -> Outcome:
    """One job run, timed, with the requests the emulator saw during it."""
    engine = make_engine(settings.db)
    migrate(engine)
    database = TimedDatabase(engine)
    pipe.send("stats")
    requests_before, throttled_before, server_cpu_before, roster_before = pipe.recv()
    assert settings.canvas is not None
    started, cpu_before = time.monotonic(), _cpu_seconds()
    retry = RetryPolicy.from_attempts(settings.max_req_attempts)
    with CanvasClient(settings.canvas, retry=retry, workers=settings.num_async_workers) as client:
        job.refresh(settings, database, client)
    seconds, cpu = time.monotonic() - started, _cpu_seconds() - cpu_before
    pipe.send("stats")
    requests_after, throttled_after, server_cpu_after, roster_after = pipe.recv()
    engine.dispose()
    return Outcome(
        label,
        settings.num_async_workers,
        seconds,
        database.load_seconds,
        dict(database.counts),
        client.stats.as_dict(),
        requests_after - requests_before,
        throttled_after - throttled_before,
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        cpu,
        server_cpu_after - server_cpu_before,
        roster_after - roster_before,
    )


def measure(args: argparse.Namespace, every: int, workers: int, rerun: bool) -> list[Outcome]:
    """First run (and optionally a second run) against a fresh emulator and database."""
    with (
        emulator(args.size, every, args.latency, not args.no_throttle) as pipe,
        throwaway_database(args.db_server) as db_url,
    ):
        settings = settings_for(pipe.recv(), db_url, workers)
        kind = "parallel" if workers > 1 else "sequential"
        sample = "" if every <= 1 else f", sample 1/{every}"
        outcomes = [run_once(f"{kind} first run{sample}", pipe, settings)]
        if rerun:
            outcomes.append(
                run_once(f"{kind} rerun (publish dates known){sample}", pipe, settings)
            )
        for outcome in outcomes:
            outcome.latency = args.latency
        return outcomes


# ----- report ----------------------------------------------------------------------------------


def describe(outcome: Outcome) -> list[str]:
    rows = sum(outcome.rows.values())
    share = 100 * outcome.throttled / max(outcome.requests, 1)
    return [
        f"{outcome.label} (NUM_ASYNC_WORKERS={outcome.workers}):",
        f"  wall time           {outcome.seconds:8.1f} s   (load into MariaDB "
        f"{outcome.load_seconds:.1f} s)",
        f"  requests            {outcome.requests:8d}     "
        f"({outcome.requests / max(outcome.courses, 1):.2f} per course, "
        f"{outcome.courses} courses)",
        f"  roster requests     {outcome.roster_requests:8d}     "
        f"({outcome.roster_requests / max(outcome.courses, 1):.3f} per course)",
        f"  throttle ceiling    {outcome.ceiling_seconds:8.1f} s   (the shortest wall time "
        f"the throttle allows; {100 * outcome.ceiling_seconds / outcome.seconds:.0f} % of "
        "the wall time)",
        f"  throttled responses {outcome.throttled:8d}     ({share:.2f} %)",
        f"  retries             {outcome.client.get('retries', 0):8d}",
        f"  rows loaded         {rows:8d}     ({rows / outcome.seconds:,.0f} rows/s of wall "
        f"time, {rows / max(outcome.load_seconds, 1e-9):,.0f} rows/s in the load)",
        f"  peak memory (job)   {outcome.peak_rss_mib:8.0f} MiB",
        f"  CPU time            {outcome.cpu_seconds:8.1f} s   (job process; emulator process "
        f"{outcome.emulator_cpu_seconds:.1f} s)",
    ]


def speedup_lines(parallel: Outcome, baseline: Outcome, sampled: bool) -> list[str]:
    if not sampled:
        return [
            f"speedup: {baseline.seconds / parallel.seconds:.1f}x "
            f"({baseline.seconds:.0f} s sequential vs {parallel.seconds:.1f} s)"
        ]
    scale = parallel.requests / max(baseline.requests, 1)
    estimate = baseline.seconds * scale
    return [
        f"sequential full run EXTRAPOLATED from the sample: {baseline.seconds:.1f} s x "
        f"{scale:.2f} (full/sample requests) = {estimate:.0f} s",
        f"speedup: {estimate / parallel.seconds:.1f}x (extrapolated {estimate:.0f} s vs "
        f"measured {parallel.seconds:.1f} s)",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", default="large", choices=("tiny", "demo", "large", "xlarge"))
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per request")
    parser.add_argument(
        "--baseline-courses",
        type=int,
        default=0,
        help="time the sequential run on about N courses and extrapolate "
        "(0: run it on everything)",
    )
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--rerun", action="store_true", help="also time a second run")
    parser.add_argument("--no-throttle", action="store_true")
    parser.add_argument("--repeat", type=int, default=3, help="interleaved rounds (>= 3)")
    parser.add_argument("--db-server", default=DB_SERVER)
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    configure_logging("INFO" if args.verbose else "WARNING")
    print(f"load average before: {load_average()}")
    report = [
        f"COURSE_INVENTORY benchmark: size {args.size}, {args.latency * 1000:.0f} ms "
        f"latency per request, throttling {'off' if args.no_throttle else 'on'}, "
        f"{args.repeat} interleaved rounds"
    ]
    runs: dict[str, list[Outcome]] = {}
    every = 1
    variants = ("parallel",) if args.no_baseline else ("parallel", "sequential")
    for _, variant in interleaved(variants, args.repeat):
        if variant == "parallel":
            outcomes = measure(args, 1, args.workers, args.rerun)
            every = _sample_step(args.baseline_courses, outcomes[0].courses)
        else:
            outcomes = measure(args, every, 1, rerun=False)
        for outcome in outcomes:
            runs.setdefault(outcome.label, []).append(outcome)
            report += describe(outcome)
    report += summary_lines(runs)
    if not args.no_baseline:
        labels = list(runs)
        baseline_label = next(label for label in labels if label.startswith("sequential"))
        parallel, baseline = _median_run(runs[labels[0]]), _median_run(runs[baseline_label])
        report += speedup_lines(parallel, baseline, every > 1)
    print("\n".join(report))  # the benchmark's output is its report
    print(f"load average after: {load_average()}")
    return 0


def summary_lines(runs: dict[str, list[Outcome]]) -> list[str]:
    lines = ["", "min / median / max over the rounds:"]
    for label, outcomes in runs.items():
        ratios = [o.seconds / o.ceiling_seconds for o in outcomes if o.ceiling_seconds]
        lines.append(
            f"  {label}: wall {spread(o.seconds for o in outcomes)} s, "
            f"x throttle ceiling {spread(ratios)}, "
            f"emulator CPU {spread(o.emulator_cpu_seconds for o in outcomes)} s"
        )
    return lines


def _median_run(outcomes: list[Outcome]) -> Outcome:
    return sorted(outcomes, key=lambda o: o.seconds)[len(outcomes) // 2]


def _sample_step(wanted: int, kept: int) -> int:
    if wanted <= 0 or wanted >= kept:
        return 1
    return max(2, round(kept / wanted))


if __name__ == "__main__":
    raise SystemExit(main())
