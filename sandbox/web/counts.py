"""Requests, throttled answers, statuses, records and in-flight peaks, counted by endpoint."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass
class EndpointCounts:
    """What one emulator served, keyed by endpoint label (e.g. ``"GET courses/:id/tabs"``)."""

    requests: Counter[str] = field(default_factory=Counter)
    throttled: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    items: Counter[str] = field(default_factory=Counter)
    in_flight: int = 0
    max_in_flight: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def begin(self, endpoint: str) -> None:
        with self._lock:
            self.requests[endpoint] += 1
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def end(self, endpoint: str, status: int, *, throttled: bool = False, items: int = 0) -> None:
        with self._lock:
            self.in_flight -= 1
            self.statuses[status] += 1
            self.items[endpoint] += items
            if throttled:
                self.throttled[endpoint] += 1

    @property
    def total_requests(self) -> int:
        return sum(self.requests.values())

    @property
    def total_throttled(self) -> int:
        return sum(self.throttled.values())

    def snapshot(self) -> dict[str, Any]:
        """A plain-dict copy, safe to print or compare while the server keeps running."""
        with self._lock:
            return {
                "requests": dict(self.requests),
                "throttled": dict(self.throttled),
                "statuses": dict(self.statuses),
                "items": dict(self.items),
                "total_requests": sum(self.requests.values()),
                "total_throttled": sum(self.throttled.values()),
                "max_in_flight": self.max_in_flight,
            }

    def reset(self) -> None:
        with self._lock:
            for counter in (self.requests, self.throttled, self.statuses, self.items):
                counter.clear()
            self.max_in_flight = self.in_flight
