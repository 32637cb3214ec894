"""Canvas GraphQL (``POST /api/graphql``): a course/section/enrollment subset on graphql-core.

Everything GraphQL happens behind ``CanvasGraph.answer``: decoding the body, parsing and
validating the query (where query limits belong), executing it, counting the records.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import logging
from typing import Any

from graphql import (
    DocumentNode,
    GraphQLError,
    GraphQLResolveInfo,
    build_schema,
    execute_sync,
    parse,
    validate,
)

from sandbox.university.model import University
from sandbox.university.naming import user_names

logger = logging.getLogger(__name__)

SDL = """
type Query {
  course(id: ID!): Course
}
type Course {
  id: ID!
  _id: ID!
  name: String!
  courseCode: String
  sisId: String
  state: CourseWorkflowState!
  sectionsConnection(first: Int, after: String): SectionConnection
  enrollmentsConnection(first: Int, after: String, filter: EnrollmentFilterInput):
    EnrollmentConnection
}
enum CourseWorkflowState { created claimed available completed deleted }
input EnrollmentFilterInput {
  states: [EnrollmentWorkflowState!]
  types: [EnrollmentType!]
}
enum EnrollmentWorkflowState {
  invited creation_pending active deleted rejected completed inactive
}
enum EnrollmentType {
  StudentEnrollment TeacherEnrollment TaEnrollment ObserverEnrollment DesignerEnrollment
  StudentViewEnrollment
}
type User { id: ID! _id: ID! name: String sortableName: String shortName: String }
type Section { id: ID! _id: ID! name: String! sisId: String }
type Enrollment {
  id: ID!
  _id: ID!
  state: EnrollmentWorkflowState!
  type: EnrollmentType!
  user: User
  associatedUser: User
  section: Section
  course: Course
}
type PageInfo {
  startCursor: String
  endCursor: String
  hasNextPage: Boolean!
  hasPreviousPage: Boolean!
}
type SectionEdge { node: Section cursor: String! }
type SectionConnection { nodes: [Section] edges: [SectionEdge] pageInfo: PageInfo! }
type EnrollmentEdge { node: Enrollment cursor: String! }
type EnrollmentConnection { nodes: [Enrollment] edges: [EnrollmentEdge] pageInfo: PageInfo! }
"""
_LISTED_STATES = ("active", "invited", "completed", "inactive", "rejected")


def _global_id(kind: str, rest_id: int) -> str:
    return base64.b64encode(f"{kind}-{rest_id}".encode()).decode()


def _cursor(position: int) -> str:
    return base64.b64encode(str(position).encode()).decode().rstrip("=")


def _position(cursor: str | None) -> int:
    if cursor is None:
        return 0
    try:
        return int(base64.b64decode(cursor + "=" * (-len(cursor) % 4)).decode())
    except (binascii.Error, ValueError, UnicodeDecodeError) as err:
        raise GraphQLError(f"Invalid cursor: {cursor!r}") from err


def _rest_id(value: str) -> int | None:
    """A course id given as the REST id or as a Relay global id."""
    if value.isdigit():
        return int(value)
    try:
        kind, _, number = base64.b64decode(value + "=" * (-len(value) % 4)).decode().partition("-")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return int(number) if kind == "Course" and number.isdigit() else None


class CanvasGraph:
    """Resolvers over the university; ``answer`` serves one POST body."""

    def __init__(self, university: University, max_page_size: int = 100) -> None:
        self.uni = university
        self.max_page_size = max_page_size
        self.schema = build_schema(SDL)
        fields = self.schema.type_map
        fields["Query"].fields["course"].resolve = self._course  # type: ignore[attr-defined]
        course_fields = fields["Course"].fields  # type: ignore[attr-defined]
        course_fields["sectionsConnection"].resolve = self._sections
        course_fields["enrollmentsConnection"].resolve = self._enrollments

    @functools.lru_cache(maxsize=256)  # noqa: B019 - one instance per server, few queries
    def _prepare(self, query: str) -> tuple[DocumentNode | None, list[GraphQLError]]:
        try:
            document = parse(query)
        except GraphQLError as err:
            return None, [err]
        return document, validate(self.schema, document)

    def answer(self, body: bytes) -> tuple[int, dict[str, Any], int]:
        """The HTTP status, the JSON payload and the number of records for one request body."""
        try:
            request = (json.loads(body) if body else None) or {}
            variables = request.get("variables") or {}
            if isinstance(variables, str):
                variables = json.loads(variables)
        except (ValueError, AttributeError):
            return 400, {"errors": [{"message": "Invalid JSON in request body"}]}, 0
        query = request.get("query")
        if not isinstance(query, str) or not query.strip():
            return 200, {"errors": [{"message": "No query string was present"}]}, 0
        document, errors = self._prepare(query)
        if document is None or errors:
            return 200, {"errors": [e.formatted for e in errors]}, 0
        context = {"items": 0}
        result = execute_sync(
            self.schema,
            document,
            variable_values=variables,
            operation_name=request.get("operationName"),
            context_value=context,
        )
        payload: dict[str, Any] = {"data": result.data}
        if result.errors:
            payload["errors"] = [e.formatted for e in result.errors]
        return 200, payload, context["items"]

    # ----- resolvers ---------------------------------------------------------------------

    def _course(self, _root: Any, info: GraphQLResolveInfo, id: str) -> dict[str, Any]:
        course_id = _rest_id(id)
        if course_id is None or not self.uni.has_course(course_id):
            raise GraphQLError(f"not found: no course with id {id}")
        info.context["items"] += 1
        return self._course_node(course_id)

    def _course_node(self, course_id: int) -> dict[str, Any]:
        course = self.uni.course_by_id[course_id]
        return {
            "id": _global_id("Course", course_id),
            "_id": str(course_id),
            "name": course["name"],
            "courseCode": course["course_code"],
            "sisId": course["sis_course_id"],
            "state": self.uni.course_states[course_id],
        }

    def _section_node(self, section_id: int) -> dict[str, Any]:
        section = self.uni.section_by_id[section_id]
        return {
            "id": _global_id("Section", section_id),
            "_id": str(section_id),
            "name": section["name"],
            "sisId": section["sis_section_id"],
        }

    def _window(self, total: int, first: int | None, after: str | None) -> tuple[int, int]:
        if first is not None and first < 0:
            raise GraphQLError("Argument 'first' on Field must be non-negative")
        start = min(_position(after), total)
        size = self.max_page_size if first is None else min(first, self.max_page_size)
        return start, min(start + size, total)

    def _connection(
        self, nodes: list[dict[str, Any]], start: int, total: int, info: GraphQLResolveInfo
    ) -> dict[str, Any]:
        info.context["items"] += len(nodes)
        cursors = [_cursor(start + offset + 1) for offset in range(len(nodes))]
        return {
            "nodes": nodes,
            "edges": [{"node": n, "cursor": c} for n, c in zip(nodes, cursors, strict=True)],
            "pageInfo": {
                "startCursor": cursors[0] if cursors else None,
                "endCursor": cursors[-1] if cursors else None,
                "hasNextPage": start + len(nodes) < total,
                "hasPreviousPage": start > 0,
            },
        }

    def _sections(
        self,
        course: dict[str, Any],
        info: GraphQLResolveInfo,
        first: int | None = None,
        after: str | None = None,
    ) -> dict[str, Any]:
        sections = self.uni.sections_by_course.get(int(course["_id"]), [])
        start, stop = self._window(len(sections), first, after)
        nodes = [self._section_node(s["id"]) for s in sections[start:stop]]
        return self._connection(nodes, start, len(sections), info)

    def _enrollments(
        self,
        course: dict[str, Any],
        info: GraphQLResolveInfo,
        first: int | None = None,
        after: str | None = None,
        filter: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        table = self.uni.enrollments
        states = (filter or {}).get("states") or _LISTED_STATES
        rows = table.select(int(course["_id"]), states, (filter or {}).get("types") or None)
        start, stop = self._window(len(rows), first, after)
        nodes = [self._enrollment_node(int(i), course) for i in rows[start:stop]]
        return self._connection(nodes, start, len(rows), info)

    def _enrollment_node(self, index: int, course: dict[str, Any]) -> dict[str, Any]:
        row = self.uni.enrollments.row(index)
        associated = row["associated_user_id"]
        return {
            "id": _global_id("Enrollment", row["id"]),
            "_id": str(row["id"]),
            "state": row["enrollment_state"],
            "type": row["type"],
            "user": _user_node(row["user_id"]),
            "associatedUser": _user_node(associated) if associated else None,
            "section": self._section_node(row["course_section_id"]),
            "course": course,
        }


def _user_node(user_id: int) -> dict[str, Any]:
    names = user_names(user_id)
    return {
        "id": _global_id("User", user_id),
        "_id": str(user_id),
        "name": names["name"],
        "sortableName": names["sortable_name"],
        "shortName": names["short_name"],
    }
