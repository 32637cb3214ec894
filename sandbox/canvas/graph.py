"""Canvas GraphQL (``POST /api/graphql``) on Canvas's own schema, with Canvas's query limits.

Everything GraphQL happens behind ``CanvasGraph.answer``: decoding the body, the token limit,
parsing, validation against ``canvas-schema.graphql`` (Canvas's introspected schema), the
analyzers (aliases, directives, depth, complexity), then execution. Only the fields the
university can answer have values; every other field of the schema resolves to null.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graphql import (
    DocumentNode,
    GraphQLError,
    GraphQLResolveInfo,
    GraphQLSchema,
    build_schema,
    execute_sync,
    parse,
    validate,
)

from sandbox.canvas.analyzers import TOO_MANY_TOKENS, GraphLimits, refusal
from sandbox.university.model import University
from sandbox.university.naming import user_names

logger = logging.getLogger(__name__)

SCHEMA_FILE = Path(__file__).with_name("canvas-schema.graphql")
# Canvas lists every enrollment state but deleted when no state filter is given.
_LISTED_STATES = ("active", "invited", "creation_pending", "completed", "inactive", "rejected")


@dataclass(frozen=True)
class Rights:
    """What the token's role may do; each missing right is answered as Canvas answers it."""

    roster: bool = True  # read_roster, view_all_grades or manage_grades
    analytics: bool = True  # view_analytics
    audit: bool = True  # view_course_changes
    manage_courses: bool = True  # Term.coursesConnection needs it on the root account


@functools.lru_cache(maxsize=1)
def canvas_schema() -> GraphQLSchema:
    """Canvas's schema, built once per process (about a second)."""
    return build_schema(SCHEMA_FILE.read_text(encoding="utf-8"))


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


def _rest_id(value: str | None, kind: str) -> int | None:
    """An id given as the REST id or as a Relay global id of the given kind."""
    if value is None:
        return None
    if value.isdigit():
        return int(value)
    try:
        found, _, number = (
            base64.b64decode(value + "=" * (-len(value) % 4)).decode().partition("-")
        )
    except (binascii.Error, UnicodeDecodeError):
        return None
    return int(number) if found == kind and number.isdigit() else None


class CanvasGraph:
    """Resolvers over the university; ``answer`` serves one POST body.

    Objects are dicts; a field whose value is callable is resolved by calling it with the
    field's arguments (graphql-core's default resolver), so one shared schema serves every
    emulator with its own data, limits and rights.
    """

    def __init__(
        self,
        university: University,
        limits: GraphLimits | None = None,
        rights: Rights | None = None,
    ) -> None:
        self.uni = university
        self.limits = limits or GraphLimits()
        self.rights = rights or Rights()
        self.schema = canvas_schema()
        self._prepare = functools.lru_cache(maxsize=256)(self._parse_and_validate)

    def _parse_and_validate(self, query: str) -> tuple[DocumentNode | None, list[dict]]:
        try:
            document = parse(query, max_tokens=self.limits.max_tokens)
        except GraphQLError as err:
            if "tokens. Parsing aborted" in err.message:
                return None, [{"message": TOO_MANY_TOKENS}]
            return None, [dict(err.formatted)]
        return document, [_ruby_wording(e) for e in validate(self.schema, document)]

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
            return 200, {"errors": errors}, 0
        refused = refusal(self.schema, document, self.limits, variables)
        if refused is not None:
            return 200, {"errors": [{"message": refused}]}, 0
        context = {"items": 0}
        result = execute_sync(
            self.schema,
            document,
            root_value={"course": self._course, "term": self._term},
            variable_values=variables,
            operation_name=request.get("operationName"),
            context_value=context,
        )
        payload: dict[str, Any] = {"data": result.data}
        if result.errors:
            payload["errors"] = [e.formatted for e in result.errors]
        return 200, payload, context["items"]

    # ----- objects -----------------------------------------------------------------------

    def _course(self, info: GraphQLResolveInfo, **args: Any) -> dict[str, Any] | None:
        course_id = _rest_id(args.get("id"), "Course")
        if course_id is None and args.get("sisId"):
            found = [c["id"] for c in self.uni.courses if c["sis_course_id"] == args["sisId"]]
            course_id = found[0] if found else None
        if course_id is None or not self.uni.has_course(course_id):
            return None  # Canvas: null, no error, for unknown or unreadable courses
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
            "term": lambda info: self._term_node(course["enrollment_term_id"]),
            "sectionsConnection": functools.partial(self._sections, course_id),
            "enrollmentsConnection": functools.partial(self._enrollments, course_id),
        }

    def _term(self, info: GraphQLResolveInfo, **args: Any) -> dict[str, Any] | None:
        term_id = _rest_id(args.get("id"), "Term")
        if term_id is None and args.get("sisId"):
            found = [t["id"] for t in self.uni.terms if t["sis_term_id"] == args["sisId"]]
            term_id = found[0] if found else None
        if term_id is None or term_id not in self.uni.term_by_id:
            return None
        info.context["items"] += 1
        return self._term_node(term_id)

    def _term_node(self, term_id: int) -> dict[str, Any]:
        term = self.uni.term_by_id[term_id]
        return {
            "id": _global_id("Term", term_id),
            "_id": str(term_id),
            "name": term["name"],
            "sisTermId": term["sis_term_id"],
            "startAt": term["start_at"],
            "endAt": term["end_at"],
            "coursesConnection": functools.partial(self._term_courses, term_id),
        }

    def _section_node(self, section_id: int) -> dict[str, Any]:
        section = self.uni.section_by_id[section_id]
        return {
            "id": _global_id("Section", section_id),
            "_id": str(section_id),
            "name": section["name"],
            "sisId": section["sis_section_id"],
        }

    # ----- connections -------------------------------------------------------------------

    def _window(self, total: int, first: int | None, after: str | None) -> tuple[int, int]:
        if first is not None and first < 0:
            raise GraphQLError("Argument 'first' on Field must be non-negative")
        start = min(_position(after), total)
        # Canvas cuts ``first`` to the maximum page size without a word; no ``first``: 20.
        wanted = self.limits.default_page_size if first is None else first
        return start, min(start + min(wanted, self.limits.max_page_size), total)

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

    def _term_courses(
        self, term_id: int, info: GraphQLResolveInfo, **args: Any
    ) -> dict[str, Any] | None:
        if not self.rights.manage_courses:
            return None
        ids = [c["id"] for c in self.uni.courses if c["enrollment_term_id"] == term_id]
        start, stop = self._window(len(ids), args.get("first"), args.get("after"))
        nodes = [self._course_node(cid) for cid in ids[start:stop]]
        return self._connection(nodes, start, len(ids), info)

    def _sections(self, course_id: int, info: GraphQLResolveInfo, **args: Any) -> dict[str, Any]:
        sections = self.uni.sections_by_course.get(course_id, [])
        start, stop = self._window(len(sections), args.get("first"), args.get("after"))
        nodes = [self._section_node(s["id"]) for s in sections[start:stop]]
        return self._connection(nodes, start, len(sections), info)

    def _enrollments(
        self, course_id: int, info: GraphQLResolveInfo, **args: Any
    ) -> dict[str, Any] | None:
        if not self.rights.roster:
            return None  # Canvas: a null connection, no error, without the roster right
        chosen = args.get("filter") or {}
        states = chosen.get("states") or _LISTED_STATES
        rows = self.uni.enrollments.select(course_id, states, chosen.get("types") or None)
        start, stop = self._window(len(rows), args.get("first"), args.get("after"))
        nodes = [self._enrollment_node(int(i)) for i in rows[start:stop]]
        return self._connection(nodes, start, len(rows), info)

    def _enrollment_node(self, index: int) -> dict[str, Any]:
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
            "course": lambda info: self._course_node(row["course_id"]),
        }


_UNDEFINED_FIELD = re.compile(r"Cannot query field '(\w+)' on type '(\w+)'\.")


def _ruby_wording(error: GraphQLError) -> dict[str, Any]:
    """graphql-ruby's wording for an unknown field, which clients may match on."""
    formatted = dict(error.formatted)
    found = _UNDEFINED_FIELD.match(error.message)
    if found:
        field, type_name = found.groups()
        formatted["message"] = f"Field '{field}' doesn't exist on type '{type_name}'"
        formatted["extensions"] = {
            "code": "undefinedField",
            "typeName": type_name,
            "fieldName": field,
        }
    return formatted


def _user_node(user_id: int) -> dict[str, Any]:
    names = user_names(user_id)
    return {
        "id": _global_id("User", user_id),
        "_id": str(user_id),
        "name": names["name"],
        "sortableName": names["sortable_name"],
        "shortName": names["short_name"],
    }
