"""Canvas's GraphQL refusals: aliases, tokens, depth, complexity, directives, rights."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import Lexer, Source, TokenKind, parse

from sandbox import canvas as canvas_api
from sandbox.canvas.analyzers import GraphLimits, complexity
from sandbox.canvas.graph import CanvasGraph, Rights, canvas_schema
from sandbox.university import University

ALIASES_EXCEEDED = {"errors": [{"message": "max query aliases exceeded"}]}


def _answer(graph: CanvasGraph, query: str, **variables: Any) -> dict[str, Any]:
    import json

    status, payload, _ = graph.answer(
        json.dumps({"query": query, "variables": variables}).encode()
    )
    assert status == 200
    return payload


@pytest.fixture(scope="module")
def graph(tiny_university: University) -> CanvasGraph:
    return CanvasGraph(tiny_university)


def _old_batch(course_ids: list[int]) -> str:
    """The roster document of 25 courses, three aliases each, that Canvas refuses."""
    fields = []
    for index, course_id in enumerate(course_ids):
        fields.append(
            f'c{index}: course(id: "{course_id}") {{ _id '
            "sections: sectionsConnection(first: 100) { nodes { _id name sisId } "
            "pageInfo { endCursor hasNextPage } } "
            "enrollments: enrollmentsConnection(first: 100, filter: {states: [active]}) "
            "{ nodes { _id state type user { _id } section { _id } } "
            "pageInfo { endCursor hasNextPage } } }"
        )
    return "query Courses { " + " ".join(fields) + " }"


def test_the_75_alias_roster_document_is_refused(
    graph: CanvasGraph, tiny_university: University
) -> None:
    query = _old_batch(tiny_university.course_ids[:25])
    assert _answer(graph, query) == ALIASES_EXCEEDED


def test_20_aliases_pass_and_21_are_refused(graph: CanvasGraph) -> None:
    def aliased(count: int) -> str:
        return (
            "{ "
            + " ".join(f'a{i}: course(id: "{500001 + i}") {{ _id }}' for i in range(count))
            + " }"
        )

    assert "data" in _answer(graph, aliased(20))
    assert _answer(graph, aliased(21)) == ALIASES_EXCEEDED


def _token_count(query: str) -> int:
    lexer = Lexer(Source(query))
    count = 0
    while lexer.advance().kind != TokenKind.EOF:
        count += 1
    return count


def test_5000_tokens_pass_and_5001_are_refused(graph: CanvasGraph) -> None:
    def tokens(count: int) -> str:
        template = (
            '{{ course(id: "500001") {{ enrollmentsConnection(filter: {{states: [{}]}}) '
            "{{ nodes {{ _id }} }} }} }}"
        )
        padding = count - _token_count(template.format(""))
        return template.format(" ".join(["active"] * padding))

    assert _token_count(tokens(5_000)) == 5_000
    assert "data" in _answer(graph, tokens(5_000))
    assert _answer(graph, tokens(5_001)) == {
        "errors": [{"message": "This query is too large to execute."}]
    }


def test_depth_15_passes_and_16_is_refused(graph: CanvasGraph) -> None:
    # course > enrollmentsConnection > nodes > user > enrollments > user > ... > _id
    def nested(depth: int) -> str:
        inner = "_id"
        for level in range(depth - 4):
            inner = f"{'user' if level % 2 == (depth - 5) % 2 else 'enrollments'} {{ {inner} }}"
        return (
            f'{{ course(id: "500001") {{ enrollmentsConnection(first: 1) '
            f"{{ nodes {{ {inner} }} }} }} }}"
        )

    assert "data" in _answer(graph, nested(15))
    assert _answer(graph, nested(16)) == {
        "errors": [{"message": "Query has depth of 16, which exceeds max depth of 15"}]
    }


def test_complexity_is_counted_as_graphql_ruby_does() -> None:
    # nodes { _id state type user { _id } section { _id } }: 7 per item; pageInfo + nodes
    # + the two pageInfo fields: 4 once; the connection itself 1; course and its _id 2.
    query = """{ course(id: "1") { _id enrollmentsConnection(first: 100) {
        nodes { _id state type user { _id } section { _id } }
        pageInfo { endCursor hasNextPage } } } }"""
    assert complexity(canvas_schema(), parse(query)) == 2 + 1 + 100 * 7 + 4
    no_first = query.replace("(first: 100)", "")
    assert complexity(canvas_schema(), parse(no_first)) == 2 + 1 + 20 * 7 + 4


def test_a_tightened_complexity_limit_refuses(tiny_university: University) -> None:
    strict = CanvasGraph(tiny_university, GraphLimits(max_complexity=500))
    query = """{ course(id: "500001") { enrollmentsConnection(first: 100) {
        nodes { _id state } } } }"""
    refused = _answer(strict, query)
    assert (
        refused
        == {
            "errors": [
                {"message": "Query has complexity of 203, which exceeds max complexity of 500"}
            ]
        }
        or "data" in refused
    )
    tight = CanvasGraph(tiny_university, GraphLimits(max_complexity=100))
    assert _answer(tight, query) == {
        "errors": [{"message": "Query has complexity of 203, which exceeds max complexity of 100"}]
    }


def test_more_than_5_directives_are_refused(graph: CanvasGraph) -> None:
    fields = " ".join(["_id @include(if: true)"] * 6)
    assert _answer(graph, f'{{ course(id: "500001") {{ {fields} }} }}') == {
        "errors": [{"message": "max query directives exceeded"}]
    }


def test_first_above_100_is_cut_and_no_first_gives_20(
    tiny_university: University,
) -> None:
    big = max(tiny_university.course_ids, key=lambda c: len(tiny_university.enrollments.select(c)))
    graph = CanvasGraph(tiny_university, GraphLimits(max_page_size=3, default_page_size=2))
    query = """query($id: ID!) { course(id: $id) { a: enrollmentsConnection(first: 500) {
        nodes { _id } } b: enrollmentsConnection { nodes { _id } } } }"""
    course = _answer(graph, query, id=str(big))["data"]["course"]
    assert (len(course["a"]["nodes"]), len(course["b"]["nodes"])) == (3, 2)


def test_unknown_fields_fail_validation_with_graphql_wording(graph: CanvasGraph) -> None:
    body = _answer(graph, '{ course(id: "500001") { nope } }')
    assert "data" not in body
    assert body["errors"][0]["message"] == "Field 'nope' doesn't exist on type 'Course'"
    assert body["errors"][0]["extensions"]["code"] == "undefinedField"


def test_without_the_roster_right_enrollments_are_null(tiny_university: University) -> None:
    graph = CanvasGraph(tiny_university, rights=Rights(roster=False))
    query = """{ course(id: "500001") { _id sectionsConnection { nodes { _id } }
        enrollmentsConnection(first: 5) { nodes { _id } } } }"""
    body = _answer(graph, query)
    assert "errors" not in body
    assert body["data"]["course"]["enrollmentsConnection"] is None
    assert body["data"]["course"]["sectionsConnection"]["nodes"]


def test_term_courses_connection_pages(tiny_university: University) -> None:
    graph = CanvasGraph(tiny_university)
    query = """{ term(id: "164") { coursesConnection(first: 100) { nodes { _id }
        pageInfo { hasNextPage } } } }"""
    nodes = _answer(graph, query)["data"]["term"]["coursesConnection"]["nodes"]
    fall = [c["id"] for c in tiny_university.courses if c["enrollment_term_id"] == 164]
    assert [int(n["_id"]) for n in nodes] == fall
    blocked = CanvasGraph(tiny_university, rights=Rights(manage_courses=False))
    assert _answer(blocked, query)["data"]["term"]["coursesConnection"] is None


def test_the_server_refuses_through_http(
    canvas_server: canvas_api.CanvasServer, tiny_university: University
) -> None:
    import requests

    response = requests.post(
        f"{canvas_server.url}/api/graphql",
        json={"query": _old_batch(tiny_university.course_ids[:25])},
        headers={"Authorization": "Bearer sandbox-token"},
    )
    assert response.status_code == 200
    assert response.json() == ALIASES_EXCEEDED
    assert response.headers["X-Request-Context-Id"]
