"""A governor that keeps a Canvas token under its rate limit by watching the rate-limit headers."""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

logger = logging.getLogger(__name__)

# Canvas charges every request an up-front reservation while it runs (credited back when it
# finishes) and lets the bucket leak at a fixed rate; both are Canvas defaults, not sent in
# headers, so they are estimates here.
PREFLIGHT_COST = 50.0
REFILL_PER_SECOND = 10.0
MAX_PAUSE_SECONDS = 30.0
CEILING_RECOVERY_SECONDS = 30.0
# Canvas admits 12 parallel requests on a fresh token; start a little below and probe upwards.
INITIAL_CONCURRENCY = 8
# Keep a fifth of a reservation spare so costs that land meanwhile do not tip the bucket over.
SAFETY_MARGIN = 0.2


class ThrottleGovernor:
    """Bounds concurrent requests so the Canvas leaky bucket never overflows.

    ``X-Rate-Limit-Remaining`` is what is left before Canvas refuses, after the reservations
    (``preflight`` each) of the requests still running. The allowance follows it like TCP's
    congestion window, at most one change per round trip because replies arrive in bursts
    and out of order: one more request while two more reservations would fit, one fewer
    when not even one would, half when the quota is used up. With nothing running and not
    even one reservation left, new requests wait for the bucket to leak, which paces a
    sustained load to the refill rate. A throttled reply halves the allowance and caps it
    below the concurrency that was refused. Waiting requests are admitted by priority, then
    first come, first served.

    Only the head of the queue can be admitted, so each waiter sleeps on a condition of its
    own and a change wakes the head alone; waking every waiter on each release costs a
    context switch per thread for one admission.
    """

    def __init__(
        self,
        max_concurrency: int,
        *,
        preflight: float = PREFLIGHT_COST,
        refill_per_second: float = REFILL_PER_SECOND,
    ) -> None:
        self.max_concurrency = max(1, max_concurrency)
        self.preflight = preflight
        self.refill_per_second = refill_per_second
        self.limit = min(self.max_concurrency, INITIAL_CONCURRENCY)
        self.in_flight = 0
        self.pauses = 0
        self._avg_cost = 0.0
        self._round_trip = 0.0
        self._changed_at = 0.0
        self._ceiling = self.max_concurrency
        self._ceiling_at = 0.0
        self._resume_at = 0.0
        self._queue: list[tuple[int, int, threading.Condition]] = []
        self._tickets = itertools.count()
        self._lock = threading.Lock()

    @contextmanager
    def slot(self, priority: int = 1) -> Iterator[None]:
        """Hold one of the allowed concurrent request slots for the duration of a request.

        Lower ``priority`` values are admitted first; equal ones in arrival order.
        """
        self._acquire(priority)
        started = time.monotonic()
        try:
            yield
        finally:
            with self._lock:
                self.in_flight -= 1
                elapsed = time.monotonic() - started
                self._round_trip = (
                    elapsed if not self._round_trip else 0.9 * self._round_trip + 0.1 * elapsed
                )
                self._wake()

    def observe(self, headers: Mapping[str, str]) -> None:
        """Adjust the allowance from a response's rate-limit headers (call inside the slot)."""
        remaining = _float(headers.get("X-Rate-Limit-Remaining"))
        cost = _float(headers.get("X-Request-Cost"))
        with self._lock:
            if cost is not None:
                self._avg_cost = 0.8 * self._avg_cost + 0.2 * cost
            if remaining is None:
                return
            spare = remaining - SAFETY_MARGIN * self.preflight - 2 * self._avg_cost
            if spare < 0:
                self._adjust(self.limit // 2)
            elif spare < self.preflight:
                self._adjust(self.limit - 1)
            elif spare >= 2 * self.preflight:
                self._adjust(self.limit + 1)
            if spare < self.preflight and self.in_flight <= 1:
                self._pause_for((self.preflight - spare) / self.refill_per_second)
            self._wake()

    def penalize(self) -> None:
        """Record a throttled reply: halve the allowance and keep it below what just failed.

        The ceiling (one less than the requests running when Canvas refused) rises again by
        one per ``CEILING_RECOVERY_SECONDS`` without refusals, in case the refusal came from
        a passing burst of expensive requests rather than from too many at once.
        """
        with self._lock:
            self._ceiling = max(1, min(self._ceiling, self.in_flight - 1))
            self._ceiling_at = time.monotonic()
            self._adjust(self.limit // 2, force=True)
            self._wake()

    def _adjust(self, limit: int, *, force: bool = False) -> None:
        now = time.monotonic()
        if (
            self._ceiling < self.max_concurrency
            and now - self._ceiling_at > CEILING_RECOVERY_SECONDS
        ):
            self._ceiling, self._ceiling_at = self._ceiling + 1, now
        limit = min(max(limit, 1), self._ceiling)
        if limit == self.limit or (not force and now - self._changed_at < self._round_trip):
            return
        logger.debug("Canvas throttle: concurrency %d -> %d", self.limit, limit)
        self.limit, self._changed_at = limit, now

    def _acquire(self, priority: int) -> None:
        mine = threading.Condition(self._lock)
        entry = (priority, next(self._tickets), mine)
        with self._lock:
            heapq.heappush(self._queue, entry)
            while True:
                wait = self._resume_at - time.monotonic()
                if self._queue[0] is entry and wait <= 0 and self.in_flight < self.limit:
                    heapq.heappop(self._queue)
                    self.in_flight += 1
                    self._wake()
                    return
                mine.wait(timeout=wait if wait > 0 else None)

    def _wake(self) -> None:
        """Wake the waiter at the head of the queue (call holding the lock)."""
        if self._queue:
            self._queue[0][2].notify()

    def _pause_for(self, seconds: float) -> None:
        seconds = min(max(seconds, 0.0), MAX_PAUSE_SECONDS)
        resume_at = time.monotonic() + seconds
        if resume_at > self._resume_at:
            self.pauses += 1
            logger.debug("Canvas throttle: pausing new requests for %.2f s", seconds)
            self._resume_at = resume_at


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
