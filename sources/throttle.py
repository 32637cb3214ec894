"""A governor that keeps a Canvas token under its rate limit by watching the rate-limit headers."""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import deque
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

logger = logging.getLogger(__name__)

# Canvas charges every request an up-front reservation while it runs (credited back when it
# finishes) and lets the bucket leak at a fixed rate; both are Canvas defaults, not sent in
# headers, so they are estimates here.
PREFLIGHT_COST = 50.0
REFILL_PER_SECOND = 10.0
MAX_PAUSE_SECONDS = 30.0
# Keep a fifth of a reservation spare so costs that land meanwhile do not tip the bucket over.
SAFETY_MARGIN = 0.2


class ThrottleGovernor:
    """Bounds concurrent requests so the Canvas leaky bucket never overflows.

    ``X-Rate-Limit-Remaining`` is what is left before Canvas refuses, after the reservations
    of the requests still running. Adding those back gives the room for reservations in all,
    hence how many requests may run at once. Replies arrive out of order, so the allowance
    drops to that number at once but grows one step per reply. When not even one request
    fits and none is running, new requests wait for the bucket to leak, which paces a
    sustained load to the refill rate. A throttled reply halves the allowance and pauses.
    Waiting requests are admitted first come, first served, so no caller starves.
    """

    def __init__(self, max_concurrency: int, *, preflight: float = PREFLIGHT_COST,
                 refill_per_second: float = REFILL_PER_SECOND) -> None:
        self.max_concurrency = max(1, max_concurrency)
        self.preflight = preflight
        self.refill_per_second = refill_per_second
        self.limit = self.max_concurrency
        self.in_flight = 0
        self.pauses = 0
        self._avg_cost = 0.0
        self._resume_at = 0.0
        self._queue: deque[object] = deque()
        self._cond = threading.Condition()

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one of the allowed concurrent request slots for the duration of a request."""
        self._acquire()
        try:
            yield
        finally:
            with self._cond:
                self.in_flight -= 1
                self._cond.notify_all()

    def observe(self, headers: Mapping[str, str]) -> None:
        """Adjust the allowance from a response's rate-limit headers (call inside the slot)."""
        remaining = _float(headers.get("X-Rate-Limit-Remaining"))
        cost = _float(headers.get("X-Request-Cost"))
        with self._cond:
            if cost is not None:
                self._avg_cost = 0.8 * self._avg_cost + 0.2 * cost
            if remaining is None:
                return
            others = self.in_flight - 1
            margin = SAFETY_MARGIN * self.preflight + 2 * self._avg_cost
            room = remaining + others * self.preflight - margin
            fits = math.floor(room / self.preflight) if room > 0 else 0
            if fits < self.limit:
                self._set_limit(fits)
            elif fits > self.limit:
                self._set_limit(self.limit + 1)
            if fits == 0 and others == 0:
                self._pause_for((self.preflight - room) / self.refill_per_second)
            self._cond.notify_all()

    def penalize(self, wait_seconds: float) -> None:
        """Record a throttled reply: halve the allowance and hold new requests for a while."""
        with self._cond:
            self._set_limit(self.limit // 2)
            self._pause_for(wait_seconds)
            self._cond.notify_all()

    def _acquire(self) -> None:
        ticket = object()
        with self._cond:
            self._queue.append(ticket)
            while True:
                wait = self._resume_at - time.monotonic()
                if self._queue[0] is ticket and wait <= 0 and self.in_flight < self.limit:
                    self._queue.popleft()
                    self.in_flight += 1
                    self._cond.notify_all()
                    return
                self._cond.wait(timeout=wait if wait > 0 else None)

    def _set_limit(self, limit: int) -> None:
        limit = min(max(limit, 1), self.max_concurrency)
        if limit != self.limit:
            logger.debug("Canvas throttle: concurrency %d -> %d", self.limit, limit)
        self.limit = limit

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
