"""What every benchmark prints alike: the machine's load, interleaved runs, min/median/max."""

from __future__ import annotations

import logging
import statistics
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
logger = logging.getLogger("bench")
PAGE = 4096


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, as /proc/loadavg gives them."""
    try:
        with open("/proc/loadavg", encoding="ascii") as handle:
            return " ".join(handle.read().split()[:3])
    except OSError:
        return "unknown"


def interleaved(variants: Sequence[T], repeat: int) -> Iterable[tuple[int, T]]:
    """Each variant once per round, the order reversed every other round.

    Background load then falls on every variant alike instead of on whichever ran last.
    """
    for round_number in range(repeat):
        order = variants if round_number % 2 == 0 else list(reversed(variants))
        for variant in order:
            yield round_number, variant


def spread(values: Iterable[float], fmt: Callable[[float], str] = "{:.2f}".format) -> str:
    """``min / median / max`` of the runs."""
    ordered = sorted(values)
    if not ordered:
        return "-"
    return " / ".join(fmt(v) for v in (ordered[0], statistics.median(ordered), ordered[-1]))


class RssSampler(threading.Thread):
    """Samples this process's resident set size to find each step's peak."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.02):
            self.peak = max(self.peak, current_rss())

    def reset(self) -> None:
        self.peak = current_rss()


def current_rss() -> int:
    pages = Path("/proc/self/statm").read_text().split()[1]
    return int(pages) * PAGE


@dataclass
class Step:
    name: str
    rows: int
    seconds: list[float] = field(default_factory=list)
    peak_rss: int = 0

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


@contextmanager
def timed(step: Step, sampler: RssSampler) -> Iterator[None]:
    sampler.reset()
    started = time.perf_counter()
    yield
    step.seconds.append(time.perf_counter() - started)
    step.peak_rss = max(step.peak_rss, sampler.peak, current_rss())
    logger.info("%s: %.2f s", step.name, step.seconds[-1])
