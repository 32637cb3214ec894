"""CanvasClient against the Canvas emulator: paging, throttling, retries, errors, secrecy."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable

import pytest

from sandbox.canvas import CanvasServer, ThrottleSettings
from sandbox.university import University
from sandbox.web import Faults, Request, Response, start_server
from sources.canvas import CanvasClient
from vocab import FatalSourceError, ResourceNotFound, RetriableSourceError

Start = Callable[..., CanvasServer]
Make = Callable[..., CanvasClient]
DENIED = {"errors": [{"message": "user not authorized to perform that action"}]}


def test_paginate_follows_every_next_link(
    start_canvas: Start, make_client: Make, tiny_university: University
) -> None:
    server = start_canvas()
    client = make_client(server)
    pages = list(client.paginate("accounts/1/courses", {"enrollment_term_id": 164}, per_page=2))
    listed = [course["id"] for page in pages for course in page]
    expected = [
        c["id"]
        for c in tiny_university.courses_under(1)
        if c["enrollment_term_id"] == 164 and c["workflow_state"] != "deleted"
    ]
    assert sorted(listed) == sorted(expected)
    assert len(listed) == len(set(listed))
    assert len(pages) == math.ceil(len(expected) / 2)


def test_paginate_unwraps_objects_and_stops_at_max_pages(
    start_canvas: Start, make_client: Make
) -> None:
    client = make_client(start_canvas())
    terms = list(client.paginate("accounts/1/terms", key="enrollment_terms", per_page=1))
    assert sorted(t[0]["id"] for t in terms) == [107, 164, 165]
    assert len(list(client.paginate("accounts/1/courses", per_page=2, max_pages=2))) == 2
    with pytest.raises(FatalSourceError, match="expected a list"):
        list(client.paginate("accounts/1/terms"))


@pytest.mark.parametrize("mode", ["403", "429"])
def test_tiny_bucket_is_throttled_then_completes(
    start_canvas: Start, make_client: Make, tiny_university: University, mode: str
) -> None:
    # Room for three requests in flight; eight workers must back off and slow down.
    throttle = ThrottleSettings(
        bucket=200, high_water=150, preflight=50, refill_per_s=200, mode=mode
    )
    server = start_canvas(throttle=throttle, faults=Faults(latency_s=0.02))
    client = make_client(server, workers=8, max_attempts=8)
    ids = tiny_university.course_ids
    results = dict(client.map(lambda cid: client.get(f"courses/{cid}/tabs"), ids, desc="tabs"))
    assert sorted(results) == sorted(ids)
    assert server.stats.total_throttled > 0
    assert client.stats.throttled == server.stats.total_throttled
    assert client.stats.retries >= server.stats.total_throttled
    assert client.governor.limit < 8


def test_burst_of_server_errors_is_retried(start_canvas: Start, make_client: Make) -> None:
    server = start_canvas(faults=Faults(fail_first=3))
    client = make_client(server, workers=1)
    assert client.get("accounts/1")["id"] == 1
    assert client.stats.retries == 3
    assert server.stats.statuses[503] == 3


def test_server_errors_beyond_max_attempts_fail_retriably(
    start_canvas: Start, make_client: Make
) -> None:
    server = start_canvas(faults=Faults(error_rate=1.0))
    client = make_client(server, max_attempts=3)
    with pytest.raises(RetriableSourceError, match=r"GET /api/v1/accounts/1: HTTP 503"):
        client.get("accounts/1")
    assert server.stats.total_requests == 3


def test_permission_403_is_not_retried_and_says_why(
    start_canvas: Start, make_client: Make
) -> None:
    path = "/api/v1/courses/500001/analytics/activity"
    server = start_canvas(fault_paths={path: Response(403, DENIED)})
    client = make_client(server)
    with pytest.raises(FatalSourceError) as caught:
        client.get("courses/500001/analytics/activity")
    assert not isinstance(caught.value, RetriableSourceError)
    assert "HTTP 403" in str(caught.value) and path in str(caught.value)
    assert "not authorized" in str(caught.value)
    assert server.stats.total_requests == 1


def test_404_is_not_retried(start_canvas: Start, make_client: Make) -> None:
    server = start_canvas()
    client = make_client(server)
    with pytest.raises(ResourceNotFound, match="does not exist"):
        client.get("courses/42/analytics/activity")
    assert server.stats.total_requests == 1


@pytest.mark.parametrize(
    ("body", "headers", "message"),
    [
        (
            "<html><body>Canvas is down for maintenance</body></html>",
            {"Content-Type": "text/html"},
            "HTML page",
        ),
        ('{"truncated": [1, 2', {"Content-Type": "application/json"}, "malformed JSON"),
    ],
)
def test_surprising_bodies_are_clear_fatal_errors(
    start_canvas: Start, make_client: Make, body: str, headers: dict, message: str
) -> None:
    server = start_canvas(fault_paths={"/api/v1/accounts/1": Response(200, body, headers)})
    with pytest.raises(FatalSourceError, match=message):
        make_client(server).get("accounts/1")


def test_token_never_appears_in_logs_or_errors(
    start_canvas: Start, make_client: Make, caplog: pytest.LogCaptureFixture, canvas_token: str
) -> None:
    caplog.set_level(logging.DEBUG)
    server = start_canvas(
        faults=Faults(fail_first=1), fault_paths={"/api/v1/accounts/2": Response(403, DENIED)}
    )
    client = make_client(server)
    client.get("accounts/1")
    with pytest.raises(FatalSourceError) as caught:
        client.get("accounts/2")
    assert canvas_token not in caplog.text
    assert canvas_token not in str(caught.value)
    assert "/api/v1/accounts/1" in caplog.text  # requests are logged, just without secrets


def test_restricted_course_stub_comes_back_as_is(
    start_canvas: Start, make_client: Make, tiny_university: University
) -> None:
    restricted = sorted(tiny_university.restricted_course_ids)[0]
    course = make_client(start_canvas()).get(f"courses/{restricted}")
    assert course == {"id": restricted, "access_restricted_by_date": True}


def test_next_link_to_another_host_is_refused(make_client: Make) -> None:
    def app(request: Request) -> Response:
        return Response(200, [{"id": 1}], {"Link": '<http://evil.example/x?page=2>; rel="next"'})

    with start_server(app, "links") as server:
        pages = make_client(server).paginate("accounts/1/courses")
        assert next(pages) == [{"id": 1}]
        with pytest.raises(FatalSourceError, match="another host"):
            next(pages)


def test_stopped_client_sends_nothing(start_canvas: Start, make_client: Make) -> None:
    server = start_canvas()
    client = make_client(server)
    client.stop()
    with pytest.raises(FatalSourceError, match="stopped"):
        client.get("accounts/1")
    assert server.stats.total_requests == 0
