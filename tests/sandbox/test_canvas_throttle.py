"""Canvas-style throttling: the leaky bucket itself and the emulator's throttled responses."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import requests

from sandbox import canvas as canvas_api
from sandbox.canvas import LeakyBucket, ThrottleSettings
from sandbox.university import University
from sandbox.web import Faults

TINY = ThrottleSettings(
    bucket=10, high_water=5, refill_per_s=0.0, preflight=1, base_cost=3, item_cost=0.0
)


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_preflight_reservations_fill_the_bucket() -> None:
    bucket = LeakyBucket(ThrottleSettings(), FakeClock())
    admitted = [bucket.reserve() for _ in range(13)]
    assert admitted == [True] * 12 + [False]  # 12 x 50 units reach the 600 high-water mark
    remaining = bucket.settle(0.5, reserved=True)
    assert remaining == 49.5  # 600 - 50 credited back + 0.5 charged
    assert bucket.reserve()  # the finished request's reservation was credited back


def test_bucket_leaks_at_the_refill_rate() -> None:
    clock = FakeClock()
    bucket = LeakyBucket(ThrottleSettings(), clock)
    bucket.settle(700, reserved=False)  # a burst of expensive work
    assert bucket.remaining == 0.0 and not bucket.reserve()
    clock.now = 15.0  # 150 units drained: 550 left, under the 600 mark
    assert bucket.remaining == 50.0
    assert bucket.reserve()


def test_emulator_throttles_with_403(
    tiny_university: University, canvas_session: requests.Session
) -> None:
    with canvas_api.start(tiny_university, throttle=TINY) as server:
        responses = [canvas_session.get(f"{server.url}/api/v1/accounts/1") for _ in range(3)]
        stats = server.stats.snapshot()
    assert [r.status_code for r in responses] == [200, 200, 403]
    assert "Rate Limit Exceeded" in responses[2].text
    assert float(responses[0].headers["X-Request-Cost"]) == 3.0
    assert float(responses[0].headers["X-Rate-Limit-Remaining"]) == 2.0
    assert float(responses[2].headers["X-Rate-Limit-Remaining"]) == 0.0
    assert stats["throttled"] == {"GET accounts/:id": 1}


def test_emulator_throttles_with_429_and_retry_after(
    tiny_university: University, canvas_session: requests.Session
) -> None:
    settings = ThrottleSettings(
        bucket=10,
        high_water=5,
        refill_per_s=0.0,
        preflight=1,
        base_cost=6,
        mode="429",
        retry_after=2,
    )
    with canvas_api.start(tiny_university, throttle=settings) as server:
        first = canvas_session.get(f"{server.url}/api/v1/accounts/1")
        second = canvas_session.get(f"{server.url}/api/v1/accounts/1")
    assert first.status_code == 200
    assert second.status_code == 429 and second.headers["Retry-After"] == "2"


def test_disabled_throttle_still_reports_cost(
    tiny_university: University, canvas_session: requests.Session
) -> None:
    settings = ThrottleSettings(enabled=False)
    with canvas_api.start(tiny_university, throttle=settings) as server:
        response = canvas_session.get(f"{server.url}/api/v1/accounts/1/courses")
    assert response.status_code == 200
    assert float(response.headers["X-Request-Cost"]) > 0
    assert "X-Rate-Limit-Remaining" not in response.headers


def test_graphql_costs_more(
    canvas_server: canvas_api.CanvasServer, canvas_session: requests.Session
) -> None:
    rest = canvas_session.get(f"{canvas_server.url}/api/v1/accounts/1")
    graphql = canvas_session.post(
        f"{canvas_server.url}/api/graphql", json={"query": '{ course(id: "500001") { _id } }'}
    )
    assert float(graphql.headers["X-Request-Cost"]) > float(rest.headers["X-Request-Cost"])


def test_parallel_requests_pay_the_preflight_penalty(tiny_university: University) -> None:
    """16 requests in flight at once need 800 pre-flight units; only 12 fit under 600."""
    no_refill = ThrottleSettings(refill_per_s=0.0)
    with canvas_api.start(tiny_university, Faults(latency_s=0.5), throttle=no_refill) as server:

        def fetch(_: int) -> int:
            headers = {"Authorization": "Bearer sandbox-token"}
            return requests.get(f"{server.url}/api/v1/accounts/1", headers=headers).status_code

        with ThreadPoolExecutor(16) as pool:
            statuses = list(pool.map(fetch, range(16)))
    assert statuses.count(200) == 12 and statuses.count(403) == 4
