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


@pytest.fixture
def stop_cleared():
    concurrency.clear_stop()
    yield
    concurrency.clear_stop()


def test_a_stop_ends_nested_workers_and_waits_promptly(stop_cleared) -> None:
    started = []

    def slow(n: int) -> int:
        started.append(n)
        concurrency.pause(0.05)
        return n

    def step() -> int:
        return len(list(map_concurrently(slow, range(10_000), workers=4, desc="slow")))

    timer = threading.Timer(0.3, concurrency.request_stop, ["stopped by signal 15 (SIGTERM)"])
    timer.start()
    began = time.monotonic()
    with pytest.raises(concurrency.Stopped, match="SIGTERM"):
        run_together({"a": step, "b": step})
    assert time.monotonic() - began < 5  # generous: without the stop this runs for minutes
    assert len(started) < 1_000
    with pytest.raises(concurrency.Stopped):
        concurrency.pause(60)


def test_workers_log_with_the_callers_context(caplog) -> None:
    import logs

    seen = []

    def work(n: int) -> int:
        seen.append(logs.current_context())
        return n

    with logs.log_context(job="COURSE_INVENTORY", run_id=7):
        list(map_concurrently(work, range(6), workers=3, desc="ctx"))
        run_together({"x": lambda: work(0)})
    assert seen == [{"job": "COURSE_INVENTORY", "run_id": 7}] * 7
