"""Bounded concurrent mapping with visible progress, and the stop every worker obeys."""

from __future__ import annotations

import contextvars
import logging
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, as_completed, wait
from types import TracebackType
from typing import Any, TypeVar

logger = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

LOG_EVERY_SECONDS = 15.0
# How often a waiting loop looks at the stop flag.
STOP_POLL_SECONDS = 0.2

_stop = threading.Event()
_stop_reason = ["stopped"]


class Stopped(KeyboardInterrupt):
    """Raised where work notices that the run is stopping (SIGTERM, Ctrl-C)."""


def request_stop(reason: str) -> None:
    """Make every worker, request and wait of this process end at its next check."""
    _stop_reason[0] = reason
    _stop.set()


def clear_stop() -> None:
    """Forget an earlier stop (a new run in the same process starts clean)."""
    _stop.clear()


def stop_requested() -> bool:
    return _stop.is_set()


def stop_reason() -> str:
    """Why the run is stopping, e.g. ``stopped by signal 15 (SIGTERM)``."""
    return _stop_reason[0]


def raise_if_stopped() -> None:
    """Raise Stopped when a stop was requested."""
    if _stop.is_set():
        raise Stopped(_stop_reason[0])


def pause(seconds: float) -> None:
    """Sleep, but end early (raising Stopped) when the run is stopped meanwhile."""
    if _stop.wait(max(seconds, 0.0)):
        raise Stopped(_stop_reason[0])


class Progress:
    """Counts finished units of a long step: tqdm on a TTY, periodic INFO lines otherwise."""

    def __init__(self, desc: str, total: int | None = None, unit: str = "item") -> None:
        self.desc = desc
        self.total = total
        self.unit = unit
        self.done = 0
        self._started = time.monotonic()
        self._last_log = self._started
        self._bar: Any = None
        if sys.stderr.isatty():
            from tqdm import tqdm

            _redirect_logging(+1)
            self._bar = tqdm(total=total, desc=desc, unit=unit, leave=False)

    def update(self, n: int = 1) -> None:
        self.done += n
        if self._bar is not None:
            self._bar.update(n)
            return
        now = time.monotonic()
        if now - self._last_log >= LOG_EVERY_SECONDS:
            self._last_log = now
            logger.info("%s: %s", self.desc, self._summary(now))

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
            _redirect_logging(-1)
        logger.debug("%s: %s", self.desc, self._summary(time.monotonic()))

    def _summary(self, now: float) -> str:
        of_total = f"/{self.total}" if self.total is not None else ""
        return f"{self.done}{of_total} {self.unit}s in {now - self._started:.0f} s"

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


_redirect_lock = threading.Lock()
_redirect: list[Any] = [0, None]  # open bars, and the active tqdm logging redirect


def _redirect_logging(change: int) -> None:
    """While any bar is open, log lines go through tqdm.write and never break a bar.

    Bars open and close in several threads; the redirect (which swaps the root logger's
    handlers) is entered by the first and left by the last.
    """
    from tqdm.contrib.logging import logging_redirect_tqdm

    with _redirect_lock:
        _redirect[0] += change
        if change > 0 and _redirect[0] == 1:
            _redirect[1] = logging_redirect_tqdm()
            _redirect[1].__enter__()
        elif change < 0 and _redirect[0] == 0 and _redirect[1] is not None:
            _redirect[1].__exit__(None, None, None)
            _redirect[1] = None


def map_concurrently(
    func: Callable[[T], R],
    items: Iterable[T],
    *,
    workers: int,
    desc: str,
    total: int | None = None,
    unit: str = "item",
) -> Iterator[tuple[T, R]]:
    """Apply ``func`` to every item with at most ``workers`` calls running at once.

    Yields ``(item, result)`` as calls finish (not in input order). Only about twice
    ``workers`` items are in the queue at a time, so long inputs cost no memory up front.
    The first exception cancels the calls not yet started and is re-raised unchanged.
    """
    items = list(items) if total is None else items
    total = len(items) if total is None else total  # type: ignore[arg-type]
    with Progress(desc, total, unit) as progress:
        if workers <= 1:
            for item in items:
                raise_if_stopped()
                yield item, func(item)
                progress.update()
            return
        yield from _threaded(func, iter(items), workers, progress)


def _threaded(
    func: Callable[[T], R], items: Iterator[T], workers: int, progress: Progress
) -> Iterator[tuple[T, R]]:
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fetch")
    running: dict[Future[R], T] = {}
    try:
        while True:
            for item in items:
                running[pool.submit(_in_context(func), item)] = item
                if len(running) >= 2 * workers:
                    break
            if not running:
                return
            # Short waits: this loop may run in a thread, where no signal interrupts a wait.
            done, _ = wait(running, timeout=STOP_POLL_SECONDS, return_when=FIRST_COMPLETED)
            raise_if_stopped()
            for future in done:
                item = running.pop(future)
                yield item, future.result()
                progress.update()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def run_together(
    steps: Mapping[str, Callable[[], Any]], *, on_error: Callable[[], None] | None = None
) -> dict[str, Any]:
    """Run a few independent steps at once and return their results by name.

    The first step to fail calls ``on_error`` (which should make the others stop early);
    its exception is raised once every step has ended, so no thread outlives the call.
    """
    with ThreadPoolExecutor(max_workers=max(len(steps), 1), thread_name_prefix="step") as pool:
        futures = {pool.submit(_in_context(step)): name for name, step in steps.items()}
        results: dict[str, Any] = {}
        failure: BaseException | None = None
        for future in as_completed(futures):
            error = future.exception()
            if error is None:
                results[futures[future]] = future.result()
            elif failure is None:
                failure = error
                if on_error is not None:
                    on_error()
    if failure is not None:
        raise failure
    return results


def _in_context(func: Callable[..., R]) -> Callable[..., R]:
    """``func`` run in a copy of the caller's context: log lines keep their job and run id."""
    context = contextvars.copy_context()

    def call(*args: Any) -> R:
        return context.copy().run(func, *args)

    return call
