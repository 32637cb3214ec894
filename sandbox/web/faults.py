"""Injected latency and failures, so tests and benchmarks can exercise the clients' error paths."""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field

from sandbox.web.messages import Request, Response


@dataclass
class Faults:
    """Latency and failures an emulator injects, so tests and benchmarks can exercise clients.

    Rates are probabilities per request. ``fail_first`` makes the first N matching requests
    return 503, which gives tests a deterministic burst of server errors.
    """

    latency_s: float = 0.0
    error_rate: float = 0.0
    timeout_rate: float = 0.0
    timeout_s: float = 5.0
    malformed_rate: float = 0.0
    html_error_rate: float = 0.0
    fail_first: int = 0
    seed: int = 1
    _rng: random.Random = field(init=False, repr=False)
    _lock: threading.Lock = field(init=False, repr=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def _draw(self) -> float:
        with self._lock:
            return self._rng.random()

    def _take_forced_failure(self) -> bool:
        with self._lock:
            if self.fail_first > 0:
                self.fail_first -= 1
                return True
            return False

    def apply(self, request: Request) -> Response | None:
        """Sleep the latency, then maybe return an injected faulty response."""
        if self.latency_s:
            time.sleep(self.latency_s)
        if self._take_forced_failure() or (self.error_rate and self._draw() < self.error_rate):
            return Response(503, {"errors": [{"message": "Service Unavailable"}]})
        if self.timeout_rate and self._draw() < self.timeout_rate:
            time.sleep(self.timeout_s)
            return Response(504, "Gateway Timeout")
        if self.html_error_rate and self._draw() < self.html_error_rate:
            html = "<html><body><h1>502 Bad Gateway</h1></body></html>"
            return Response(502, html, {"Content-Type": "text/html"})
        if self.malformed_rate and self._draw() < self.malformed_rate:
            return Response(200, '{"truncated": [1, 2', {"Content-Type": "application/json"})
        return None
