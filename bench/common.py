"""What every benchmark prints alike: the machine's load, interleaved runs, min/median/max."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

T = TypeVar("T")


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
