"""Every roster document the client builds passes Canvas's analyzers, at Canvas's defaults."""

from __future__ import annotations

from graphql import parse

from course_inventory.fetch import ROSTER_CONNECTIONS
from sandbox.canvas.analyzers import GraphLimits, complexity, refusal
from sandbox.canvas.graph import canvas_schema
from sources.canvas_graphql import (
    Connection,
    CourseConnectionWalker,
    QueryLimits,
    _Pending,
    courses_per_request,
    token_count,
)


class _NoClient:
    workers = 4


def _walker() -> CourseConnectionWalker:
    return CourseConnectionWalker(_NoClient(), ROSTER_CONNECTIONS)  # type: ignore[arg-type]


def _refusal(query: str, variables: dict) -> str | None:
    return refusal(canvas_schema(), parse(query), GraphLimits(), variables)


def test_a_full_batch_is_20_courses_and_passes() -> None:
    walker = _walker()
    assert walker.courses_per_request == 20
    query, variables = walker.first_query(list(range(500001, 500031)))
    assert query.count(": course(") == 20
    assert _refusal(query, variables) is None
    assert token_count(query) < 5_000


def test_one_course_and_continuations_pass() -> None:
    walker = _walker()
    single, variables = walker.first_query([500001])
    assert _refusal(single, variables) is None
    pending = [_Pending(500001 + i, {"enrollments": "MTAw"}) for i in range(20)]
    continuation, variables = walker.query(pending)
    assert "sectionsConnection" not in continuation
    assert _refusal(continuation, variables) is None


def test_the_client_computes_complexity_as_graphql_ruby_does() -> None:
    walker = _walker()
    query, variables = walker.first_query([500001])
    per_course = 2 + sum(spec.complexity() for spec in ROSTER_CONNECTIONS.values())
    assert complexity(canvas_schema(), parse(query), variables=variables) == per_course


def test_the_batch_shrinks_to_fit_a_tighter_complexity() -> None:
    wide = {"e": Connection("enrollmentsConnection", "_id state type user { _id }")}
    per_course = 2 + wide["e"].complexity()
    limits = QueryLimits(max_complexity=per_course * 3 + 1)
    assert courses_per_request(wide, limits) == 3
    assert courses_per_request(wide, QueryLimits(max_aliases=7)) == 7


def test_token_count_matches_graphql_core() -> None:
    from graphql import Lexer, Source, TokenKind

    query, _ = _walker().first_query([500001, 500002])
    lexer = Lexer(Source(query))
    count = 0
    while lexer.advance().kind != TokenKind.EOF:
        count += 1
    assert token_count(query) == count
