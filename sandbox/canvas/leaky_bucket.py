"""Canvas-style request throttling: a leaky bucket per token, with Canvas' documented numbers."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class ThrottleSettings:
    """How the emulator throttles; the defaults are Canvas' documented numbers.

    Each request reserves ``preflight`` units while it runs and is charged its cost when it
    finishes; the bucket drains at ``refill_per_s``. A request that arrives while the bucket
    is at or above ``high_water`` is refused with a 403 (or 429 when ``mode`` is "429").
    """

    bucket: float = 800.0
    high_water: float = 600.0
    refill_per_s: float = 10.0
    preflight: float = 50.0
    mode: str = "403"
    enabled: bool = True
    retry_after: float | None = None
    # Small enough that 8 well-behaved workers walk the large university unthrottled, so
    # throttling comes mostly from too many requests in flight (pre-flight holds).
    base_cost: float = 0.005
    item_cost: float = 0.0002
    graphql_factor: float = 3.0

    def __post_init__(self) -> None:
        if self.mode not in ("403", "429"):
            raise ValueError(f"throttle mode must be '403' or '429', not {self.mode!r}")

    def cost(self, items: int, graphql: bool = False) -> float:
        """Units charged for a response that returned ``items`` records."""
        units = self.base_cost + self.item_cost * items
        return units * self.graphql_factor if graphql else units


class LeakyBucket:
    """One token's bucket. Thread-safe; the clock is injectable for tests."""

    def __init__(
        self, settings: ThrottleSettings, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.settings = settings
        self._clock = clock
        self._level = 0.0
        self._last = clock()
        self._lock = threading.Lock()

    def _leak(self) -> None:
        now = self._clock()
        self._level = max(0.0, self._level - (now - self._last) * self.settings.refill_per_s)
        self._last = now

    @property
    def remaining(self) -> float:
        with self._lock:
            self._leak()
            return max(0.0, self.settings.high_water - self._level)

    def reserve(self) -> bool:
        """Admit a request and hold its pre-flight units, or refuse it (False) when full."""
        with self._lock:
            self._leak()
            if self._level >= self.settings.high_water:
                return False
            self._level += self.settings.preflight
            return True

    def settle(self, cost: float, reserved: bool) -> float:
        """Credit back the pre-flight hold, charge ``cost``; returns the units remaining."""
        with self._lock:
            self._leak()
            held = self.settings.preflight if reserved else 0.0
            self._level = min(self.settings.bucket, max(0.0, self._level - held + cost))
            return max(0.0, self.settings.high_water - self._level)


class Throttle:
    """Buckets by token."""

    def __init__(
        self, settings: ThrottleSettings, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.settings = settings
        self._clock = clock
        self._buckets: dict[str, LeakyBucket] = {}
        self._lock = threading.Lock()

    def bucket(self, token: str) -> LeakyBucket:
        with self._lock:
            if token not in self._buckets:
                self._buckets[token] = LeakyBucket(self.settings, self._clock)
            return self._buckets[token]
