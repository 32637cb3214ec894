"""Bounded concurrent mapping, steps run together, and progress reporting."""

from __future__ import annotations

import logging
import threading
import time

import pytest

from sources import concurrency
from sources.concurrency import Progress, map_concurrently, run_together


def test_every_item_is_mapped_once_with_bounded_concurrency() -> None:
    lock, running, peak = threading.Lock(), [0], [0]

    def square(n: int) -> int:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.005)
        with lock:
            running[0] -= 1
        return n * n

    results = dict(map_concurrently(square, range(40), workers=3, desc="squares"))
    assert results == {n: n * n for n in range(40)}
    assert 1 <= peak[0] <= 3


def test_one_worker_maps_in_order_on_the_calling_thread() -> None:
    threads = set()

    def record(n: int) -> int:
        threads.add(threading.current_thread())
        return n + 1

    assert list(map_concurrently(record, [3, 1, 2], workers=1, desc="inline")) == [
        (3, 4),
        (1, 2),
        (2, 3),
    ]
    assert threads == {threading.current_thread()}


def test_the_first_error_is_raised_and_later_items_are_not_started() -> None:
    started = []

    def fail_on_two(n: int) -> int:
        started.append(n)
        if n == 2:
            raise ValueError("item 2 is bad")
        time.sleep(0.01)
        return n

    with pytest.raises(ValueError, match="item 2 is bad"):
        list(map_concurrently(fail_on_two, range(1000), workers=2, desc="failing"))
    assert len(started) < 1000


def test_run_together_returns_results_by_name_and_stops_the_rest_on_failure() -> None:
    assert run_together({"a": lambda: 1, "b": lambda: "two"}) == {"a": 1, "b": "two"}
    stop, ended = threading.Event(), []

    def slow() -> None:
        ended.append("stopped early" if stop.wait(30) else "ran out")

    def broken() -> None:
        raise RuntimeError("step failed")

    with pytest.raises(RuntimeError, match="step failed"):
        run_together({"slow": slow, "broken": broken}, on_error=stop.set)
    assert ended == ["stopped early"]  # the other step had ended before the error was raised


def test_progress_logs_periodically_without_a_terminal(monkeypatch, caplog) -> None:
    monkeypatch.setattr(concurrency, "LOG_EVERY_SECONDS", 0.0)
    with (
        caplog.at_level(logging.INFO, logger="sources.concurrency"),
        Progress("things", total=2, unit="thing") as progress,
    ):
        progress.update()
        progress.update()
    assert progress.done == 2
    assert "things: 2/2 things in" in caplog.text
