"""The retry policy as data: attempts, exponential waits, jitter, retried statuses, Retry-After."""

from __future__ import annotations

import email.utils
import random
from dataclasses import dataclass, replace
from datetime import UTC, datetime

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
DEFAULT_ATTEMPTS = 5
DEFAULT_FACTOR_S = 0.5
DEFAULT_MAXIMUM_S = 30.0
# A server's Retry-After is honoured up to this many times the longest wait of our own.
RETRY_AFTER_CAP_FACTOR = 4


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a client repeats a request that failed for a passing reason.

    ``attempts`` counts every try, the first one included (MAX_REQ_ATTEMPTS). Retry number
    ``n`` waits ``factor * 2**(n-1)`` seconds, at most ``maximum``, plus up to ``jitter``
    seconds chosen at random; a Retry-After header from the server takes precedence.
    """

    attempts: int = DEFAULT_ATTEMPTS
    factor: float = DEFAULT_FACTOR_S
    maximum: float = DEFAULT_MAXIMUM_S
    jitter: float = DEFAULT_FACTOR_S
    statuses: frozenset[int] = RETRY_STATUSES

    def __post_init__(self) -> None:
        object.__setattr__(self, "attempts", max(1, int(self.attempts)))

    @classmethod
    def from_attempts(cls, max_req_attempts: int, **overrides: object) -> RetryPolicy:
        """The product's policy for the configured MAX_REQ_ATTEMPTS."""
        return replace(cls(attempts=max_req_attempts), **overrides)  # type: ignore[arg-type]

    @property
    def retries(self) -> int:
        """Tries after the first one."""
        return self.attempts - 1

    @property
    def retry_after_max(self) -> float:
        """The longest Retry-After this policy waits for."""
        return self.maximum * RETRY_AFTER_CAP_FACTOR

    def delay(self, attempt: int, retry_after: str | None = None) -> float:
        """Seconds to wait before retry number ``attempt`` (1-based); Retry-After wins."""
        hinted = parse_retry_after(retry_after)
        if hinted is not None:
            return min(hinted, self.retry_after_max)
        return min(self.factor * (2 ** (attempt - 1)), self.maximum) + random.uniform(
            0, self.jitter
        )


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds, HTTP date or ISO-8601), or None."""
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    when = retry_after_instant(value)
    if when is None:
        return None
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)


def retry_after_instant(value: str | None) -> datetime | None:
    """The moment a Retry-After names: an HTTP date, or an ISO-8601 instant as Zoom sends."""
    if not value:
        return None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        try:
            when = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)
