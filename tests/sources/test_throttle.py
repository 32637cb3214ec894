"""Unit tests of the Canvas throttle governor's reactions to rate-limit headers."""

from __future__ import annotations

import threading

from sources.throttle import ThrottleGovernor


def _reply(governor: ThrottleGovernor, remaining: float, cost: float = 0.01) -> None:
    with governor.slot():
        governor.observe({"X-Rate-Limit-Remaining": str(remaining), "X-Request-Cost": str(cost)})


def test_allowance_grows_with_room_and_shrinks_without() -> None:
    governor = ThrottleGovernor(12, refill_per_second=1000.0)
    assert governor.limit == 8  # starts below Canvas's twelve and probes upwards
    for _ in range(30):
        _reply(governor, remaining=600)
    assert governor.limit == 12
    _reply(governor, remaining=40)  # not one more reservation fits
    assert governor.limit == 11
    _reply(governor, remaining=0)  # quota used up
    assert governor.limit == 5


def test_no_rate_limit_headers_change_nothing() -> None:
    governor = ThrottleGovernor(4)
    with governor.slot():
        governor.observe({})
    assert governor.limit == 4 and governor.pauses == 0


def test_empty_bucket_with_nothing_running_pauses_new_requests() -> None:
    governor = ThrottleGovernor(4, refill_per_second=1000.0)
    _reply(governor, remaining=5)
    assert governor.pauses == 1
    _reply(governor, remaining=600)  # admitted once the short pause is over


def test_a_refusal_caps_the_allowance_below_what_failed() -> None:
    governor = ThrottleGovernor(16)
    for _ in range(30):
        _reply(governor, remaining=600)
    assert governor.limit == 16
    held = [threading.Event() for _ in range(5)]
    entered = threading.Barrier(6)

    def hold(event: threading.Event) -> None:
        with governor.slot():
            entered.wait()
            event.wait(5)

    threads = [threading.Thread(target=hold, args=(e,)) for e in held]
    for thread in threads:
        thread.start()
    entered.wait()
    with governor.slot():  # the sixth request in flight is refused
        governor.penalize()
    for event in held:
        event.set()
    for thread in threads:
        thread.join()
    assert governor.limit == 5
    for _ in range(30):
        _reply(governor, remaining=600)
    assert governor.limit == 5


def test_higher_priority_is_admitted_first() -> None:
    governor = ThrottleGovernor(1)
    order: list[str] = []
    gate = threading.Event()

    def request(name: str, priority: int) -> None:
        with governor.slot(priority):
            order.append(name)

    with governor.slot():
        rest = threading.Thread(target=request, args=("rest", 1))
        rest.start()
        while not governor._queue:  # wait until the REST call is queued
            gate.wait(0.001)
        graphql = threading.Thread(target=request, args=("graphql", 0))
        graphql.start()
        while len(governor._queue) < 2:
            gate.wait(0.001)
    rest.join()
    graphql.join()
    assert order == ["graphql", "rest"]


def test_queued_requests_are_all_admitted_in_arrival_order() -> None:
    governor = ThrottleGovernor(1)
    order: list[int] = []
    gate = threading.Event()

    def request(number: int) -> None:
        with governor.slot():
            order.append(number)

    threads = []
    with governor.slot():
        for number in range(8):
            threads.append(threading.Thread(target=request, args=(number,)))
            threads[-1].start()
            while len(governor._queue) <= number:  # queue them one after another
                gate.wait(0.001)
    for thread in threads:
        thread.join(5)
    assert order == list(range(8))
    assert governor.in_flight == 0
