"""Benchmark: the Canvas client's own CPU per 1,000 requests, with and without its shortcuts.

Usage: .venv/bin/python -m bench.client [--size demo] [--workers 12] [--repeat 3]

The Canvas emulator runs in a process of its own at 0 ms latency with throttling off, so the
CPU time of this process (``getrusage``) is the client's: HTTP stack, JSON decoding, throttle
governor and worker threads. Interleaved, each round reads every course's enrollments with

- **current**: the session as built (environment read once) and the governor waking the
  head of its queue only;
- **previous**: the same client with requests consulting the environment on every request
  (``trust_env``) and a governor that wakes every waiting thread on each change.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from dataclasses import dataclass, field

from bench.common import interleaved, load_average, spread
from bench.inventory import TOKEN, emulator
from redaction import Secret
from settings import CanvasSettings
from sources.canvas import CanvasClient
from sources.throttle import ThrottleGovernor

VARIANTS = ("current", "previous")


class BroadcastGovernor(ThrottleGovernor):
    """The governor as it was: every change wakes every waiting thread."""

    def _wake(self) -> None:
        for _, _, waiter in self._queue:
            waiter.notify()


@dataclass
class Runs:
    cpu_per_1000: list[float] = field(default_factory=list)
    wall: list[float] = field(default_factory=list)
    requests: list[int] = field(default_factory=list)


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def client_for(url: str, workers: int, variant: str) -> CanvasClient:
    settings = CanvasSettings(
        account_id=1, term_ids=(), add_course_ids=(), url=url, token=Secret(TOKEN)
    )
    client = CanvasClient(settings, workers=workers)
    if variant == "previous":
        client.session.trust_env = True
        client.session.verify = True
        client.governor = BroadcastGovernor(workers)
    return client


def read_enrollments(client: CanvasClient, course_ids: list[int]) -> int:
    """Every course's enrollment pages on the client's worker threads; returns the rows."""

    def course(course_id: int) -> int:
        pages = client.paginate(f"courses/{course_id}/enrollments", {"state[]": "active"})
        return sum(len(page) for page in pages)

    return sum(rows for _, rows in client.map(course, course_ids, desc="enrollments"))


def course_ids(client: CanvasClient) -> list[int]:
    pages = client.paginate("accounts/1/courses", {"with_enrollments": "true"})
    return [course["id"] for page in pages for course in page]


def measure(url: str, workers: int, repeat: int) -> dict[str, Runs]:
    with client_for(url, workers, "current") as client:
        ids = course_ids(client)
    runs = {variant: Runs() for variant in VARIANTS}
    for _, variant in interleaved(VARIANTS, repeat):
        with client_for(url, workers, variant) as client:
            cpu, started = _cpu_seconds(), time.monotonic()
            read_enrollments(client, ids)
            wall, cpu = time.monotonic() - started, _cpu_seconds() - cpu
            sent = client.stats.requests
        runs[variant].cpu_per_1000.append(1000 * cpu / sent)
        runs[variant].wall.append(wall)
        runs[variant].requests.append(sent)
    return runs


def report(runs: dict[str, Runs], repeat: int) -> str:
    lines = [
        f"{repeat} interleaved rounds; min / median / max",
        "",
        "| client | CPU s per 1,000 requests | wall s | requests |",
        "| --- | ---: | ---: | ---: |",
    ]
    for variant, result in runs.items():
        lines.append(
            f"| {variant} | {spread(result.cpu_per_1000)} | {spread(result.wall)} "
            f"| {result.requests[0]:,} |"
        )
    current = sorted(runs["current"].cpu_per_1000)[len(runs["current"].cpu_per_1000) // 2]
    previous = sorted(runs["previous"].cpu_per_1000)[len(runs["previous"].cpu_per_1000) // 2]
    lines.append("")
    lines.append(f"current / previous CPU per request (medians): {current / previous:.2f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="demo", choices=("tiny", "demo", "large", "xlarge"))
    parser.add_argument("--workers", type=int, default=12)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    print(f"load average before: {load_average()}")
    with emulator(args.size, 1, 0.0, False) as pipe:
        url = pipe.recv()
        runs = measure(url, args.workers, args.repeat)
    print(report(runs, args.repeat))
    print(f"load average after: {load_average()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
