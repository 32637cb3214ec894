"""The retry policy: exponential waits, capped, jittered, Retry-After first, from attempts."""

from __future__ import annotations

import time

import pytest

from sources.retry import RETRY_STATUSES, RetryPolicy, parse_retry_after


def test_backoff_grows_is_capped_and_follows_retry_after() -> None:
    policy = RetryPolicy(factor=1.0, maximum=5.0, jitter=0.0)
    assert [policy.delay(n) for n in (1, 2, 3, 9)] == [1.0, 2.0, 4.0, 5.0]
    assert policy.delay(1, retry_after="3") == 3.0
    jittered = RetryPolicy(factor=1.0, maximum=5.0, jitter=0.5).delay(1)
    assert 1.0 <= jittered <= 1.5
    future = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 2))
    assert 0 < parse_retry_after(future) <= 2.5


def test_retry_after_is_capped_and_garbage_is_ignored() -> None:
    policy = RetryPolicy(factor=1.0, maximum=5.0, jitter=0.0)
    assert policy.delay(1, retry_after="3600") == policy.retry_after_max == 20.0
    assert policy.delay(2, retry_after="soon") == 2.0
    assert parse_retry_after("-5") == 0.0
    assert parse_retry_after(None) is None


@pytest.mark.parametrize(("configured", "attempts", "retries"), [(5, 5, 4), (1, 1, 0), (0, 1, 0)])
def test_policy_from_max_req_attempts(configured: int, attempts: int, retries: int) -> None:
    policy = RetryPolicy.from_attempts(configured)
    assert (policy.attempts, policy.retries) == (attempts, retries)
    assert policy.statuses == RETRY_STATUSES == {429, 500, 502, 503, 504}


def test_overrides_keep_the_attempts() -> None:
    policy = RetryPolicy.from_attempts(3, factor=1.0, jitter=0.5)
    assert (policy.attempts, policy.factor, policy.jitter, policy.maximum) == (3, 1.0, 0.5, 30.0)
