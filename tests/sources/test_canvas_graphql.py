"""The batched GraphQL connection walker against the emulator and against odd replies."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

import pytest

from sandbox.canvas import CanvasServer
from sandbox.university import University
from sandbox.web import Request, Response, start_server
from sources.canvas import CanvasClient
from sources.canvas_graphql import Connection, CourseConnectionWalker, QueryLimits
from vocab import FatalSourceError

Start = Callable[..., CanvasServer]
Make = Callable[..., CanvasClient]
ENROLLMENTS = Connection(
    "enrollmentsConnection",
    "_id state type user { _id } section { _id }",
    arguments="filter: {states: [active, invited, completed, inactive], types: "
    "[StudentEnrollment, TeacherEnrollment, TaEnrollment, ObserverEnrollment, "
    "DesignerEnrollment]}",
    page_size=3,
)
SECTIONS = Connection("sectionsConnection", "_id name sisId", page_size=2)


def _walk(
    client: CanvasClient, course_ids: list[int], **options: Any
) -> tuple[dict[str, list[tuple[int, dict]]], CourseConnectionWalker]:
    walker = CourseConnectionWalker(
        client, {"enrollments": ENROLLMENTS, "sections": SECTIONS}, **options
    )
    found: dict[str, list[tuple[int, dict]]] = {"enrollments": [], "sections": []}
    for page in walker.walk(course_ids):
        found[page.connection].extend((page.course_id, node) for node in page.nodes)
    return found, walker


def test_every_page_of_every_course_exactly_once(
    start_canvas: Start, make_client: Make, tiny_university: University
) -> None:
    server = start_canvas()
    course_ids = tiny_university.course_ids
    found, walker = _walk(
        make_client(server, workers=3), course_ids, limits=QueryLimits(max_aliases=4)
    )
    got = sorted(
        (cid, int(n["_id"]), int(n["user"]["_id"]), n["state"], n["type"])
        for cid, n in found["enrollments"]
    )
    expected = sorted(
        (e["course_id"], e["id"], e["user_id"], e["enrollment_state"], e["type"])
        for e in tiny_university.expected_enrollments(course_ids)
    )
    assert got == expected
    sections = sorted((cid, int(n["_id"]), n["name"]) for cid, n in found["sections"])
    assert sections == sorted(
        (s["course_id"], s["id"], s["name"]) for s in tiny_university.expected_sections(course_ids)
    )
    assert walker.skipped == []
    # Several courses share each request, so far fewer requests than courses x pages.
    assert server.stats.requests["POST graphql"] < len(got) / ENROLLMENTS.page_size


def test_unknown_course_is_skipped_with_a_warning(
    start_canvas: Start,
    make_client: Make,
    tiny_university: University,
    caplog: pytest.LogCaptureFixture,
) -> None:
    known = tiny_university.showcase_course_id
    found, walker = _walk(make_client(start_canvas()), [known, 42])
    assert walker.skipped == [42]
    assert "skipping course 42" in caplog.text
    assert {cid for cid, _ in found["enrollments"]} == {known}


def test_query_errors_without_data_fail_clearly(start_canvas: Start, make_client: Make) -> None:
    client = make_client(start_canvas())
    with pytest.raises(FatalSourceError, match=r"GraphQL query failed: .*noSuchField") as failed:
        client.graphql('query { course(id: "1") { noSuchField } }')
    # Canvas's request id, for a support ticket.
    assert re.search(r"\(X-Request-Context-Id [0-9a-f-]{36}\)$", str(failed.value))


def _scripted(replies: list[dict]) -> Callable[[Request], Response]:
    def app(request: Request) -> Response:
        return Response(200, replies.pop(0) if len(replies) > 1 else replies[0])

    return app


def _connection(nodes: list[Any], cursor: str | None, more: bool) -> dict:
    return {"nodes": nodes, "pageInfo": {"endCursor": cursor, "hasNextPage": more}}


def test_null_nodes_are_skipped_with_a_warning(
    make_client: Make, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    reply = {
        "data": {
            "c0": {
                "_id": "5",
                "enrollmentsConnection": _connection([{"_id": "1"}, None], "a", False),
            }
        },
        "errors": [
            {"message": "user hidden", "path": ["c0", "enrollmentsConnection", "nodes", 1]}
        ],
    }
    with start_server(_scripted([reply]), "gql") as server:
        walker = CourseConnectionWalker(make_client(server), {"enrollments": ENROLLMENTS})
        pages = list(walker.walk([5]))
    assert [page.nodes for page in pages] == [[{"_id": "1"}]]
    assert "skipped 1 null nodes (user hidden)" in caplog.text


def test_a_cursor_that_does_not_move_fails_instead_of_looping(make_client: Make) -> None:
    stuck = {"data": {"c0": {"_id": "5", "enrollmentsConnection": _connection([], "same", True)}}}
    with start_server(_scripted([stuck]), "gql") as server:
        walker = CourseConnectionWalker(make_client(server), {"enrollments": ENROLLMENTS})
        with pytest.raises(FatalSourceError, match="no new cursor"):
            list(walker.walk([5]))


def test_a_null_connection_names_the_missing_right(make_client: Make) -> None:
    spec = Connection("enrollmentsConnection", "_id", null_reason="no roster right")
    reply = {"data": {"c0": {"_id": "5", "enrollmentsConnection": None}}}
    with start_server(_scripted([reply]), "gql") as server:
        walker = CourseConnectionWalker(make_client(server), {"enrollments": spec})
        with pytest.raises(
            FatalSourceError, match="enrollmentsConnection is null: no roster right"
        ):
            list(walker.walk([5]))
