"""Walk per-course GraphQL connections for many courses at once, several courses per request.

Every document stays within Canvas's GraphQL limits (``QueryLimits``): one alias per course
(the connections are not aliased), page sizes and courses per request chosen from the
complexity graphql-ruby computes for them.
"""

from __future__ import annotations

import logging
import re
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sources.concurrency import Progress
from vocab import DataSourceName, FatalSourceError

if TYPE_CHECKING:
    from sources.canvas import CanvasClient, GraphQLResult

logger = logging.getLogger(__name__)

SOURCE = DataSourceName.CANVAS_API
PAGE_SIZE = 100  # Canvas's largest page; ``first`` above it is cut to it without a word
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[A-Za-z_][A-Za-z0-9_]*|-?\d+|\.\.\.|[!$&():=@\[\]{|}]')


@dataclass(frozen=True)
class QueryLimits:
    """Canvas's GraphQL defaults (an instance admin may change them)."""

    max_aliases: int = 20
    max_tokens: int = 5_000
    max_complexity: int = 375_000


@dataclass(frozen=True)
class Connection:
    """One Relay connection under ``course``: field, extra arguments, node selection.

    ``null_reason`` explains a null connection (Canvas answers null, without an error, when
    the token's role lacks the right to read it).
    """

    field: str
    selection: str
    arguments: str = ""
    page_size: int = PAGE_SIZE
    null_reason: str = ""

    def complexity(self) -> int:
        """graphql-ruby's complexity: 1 + page size x item fields + nodes, pageInfo and its 2."""
        item_fields = len(re.findall(r"[A-Za-z_]\w*", self.selection))
        return 1 + self.page_size * item_fields + 4


def courses_per_request(connections: Mapping[str, Connection], limits: QueryLimits) -> int:
    """The most courses one document may carry: one alias each, within the complexity."""
    per_course = 2 + sum(spec.complexity() for spec in connections.values())  # course, _id
    return max(1, min(limits.max_aliases, limits.max_complexity // per_course))


def token_count(query: str) -> int:
    """Lexical tokens as GraphQL counts them (commas and whitespace are not tokens)."""
    return len(_TOKEN.findall(query))


@dataclass(frozen=True)
class CoursePage:
    """The nodes of one page of one connection of one course (null nodes dropped)."""

    course_id: int
    connection: str
    nodes: list[dict[str, Any]]


@dataclass
class _Pending:
    """What is left to read for one course: connection name -> cursor (None = first page)."""

    course_id: int
    cursors: dict[str, str | None]


@dataclass
class _BatchResult:
    pages: list[CoursePage] = field(default_factory=list)
    continuing: list[_Pending] = field(default_factory=list)
    finished: int = 0
    skipped: list[int] = field(default_factory=list)


class CourseConnectionWalker:
    """Reads every page of some connections for a list of courses.

    Each request asks for up to ``courses_per_request`` courses through aliases. A course
    with more pages goes back to the queue with its own cursors and is batched again with
    other unfinished courses, so one large course never holds up the others; up to
    ``concurrency`` requests (default: the client's workers) run at once. A course that
    comes back null (deleted, no permission) is skipped with a warning.
    """

    def __init__(
        self,
        client: CanvasClient,
        connections: Mapping[str, Connection],
        *,
        limits: QueryLimits | None = None,
        concurrency: int | None = None,
    ) -> None:
        self.client = client
        self.connections = dict(connections)
        self.limits = limits or QueryLimits()
        self.courses_per_request = courses_per_request(self.connections, self.limits)
        self.concurrency = max(1, min(concurrency or client.workers, client.workers))
        self.skipped: list[int] = []

    def walk(self, course_ids: Sequence[int], desc: str = "GraphQL") -> Iterator[CoursePage]:
        """Yield pages as they arrive, in no particular order."""
        queue = deque(_Pending(cid, dict.fromkeys(self.connections)) for cid in course_ids)
        pool = ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="gql")
        running: set[Future[_BatchResult]] = set()
        progress = Progress(desc, len(course_ids), "course")
        try:
            self._submit(queue, running, pool)
            while running:
                done, running = wait(running, return_when=FIRST_COMPLETED)
                results = [future.result() for future in done]
                for result in results:
                    queue.extendleft(result.continuing)
                # Refill before handing pages over, so requests keep flowing meanwhile.
                self._submit(queue, running, pool)
                for result in results:
                    self.skipped.extend(result.skipped)
                    progress.update(result.finished)
                    yield from result.pages
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            progress.close()

    def _submit(
        self, queue: deque[_Pending], running: set[Future[_BatchResult]], pool: ThreadPoolExecutor
    ) -> None:
        while queue and len(running) < self.concurrency:
            size = min(len(queue), self.courses_per_request)
            running.add(pool.submit(self._fetch, [queue.popleft() for _ in range(size)]))

    def _fetch(self, batch: list[_Pending]) -> _BatchResult:
        query, variables = self.query(batch)
        reply = self.client.graphql(query, variables)
        result = _BatchResult()
        for index, pending in enumerate(batch):
            self._read_course(f"c{index}", pending, reply, result)
        return result

    def _read_course(
        self, alias: str, pending: _Pending, reply: GraphQLResult, result: _BatchResult
    ) -> None:
        course = reply.data.get(alias)
        if not isinstance(course, dict):
            reasons = "; ".join(reply.errors_at(alias)) or "course is null"
            logger.warning("GraphQL: skipping course %s: %s", pending.course_id, reasons)
            result.skipped.append(pending.course_id)
            result.finished += 1
            return
        cursors: dict[str, str | None] = {}
        for name in pending.cursors:
            spec = self.connections[name]
            page, next_cursor = _connection_page(course, spec, name, pending, reply, alias)
            result.pages.append(CoursePage(pending.course_id, name, page))
            if next_cursor is not None:
                cursors[name] = next_cursor
        if cursors:
            result.continuing.append(_Pending(pending.course_id, cursors))
        else:
            result.finished += 1

    def read_once(self, course_ids: Sequence[int]) -> list[CoursePage]:
        """One first-read document for up to a batch of these courses (``--check``)."""
        size = min(len(course_ids), self.courses_per_request)
        batch = [_Pending(cid, dict.fromkeys(self.connections)) for cid in course_ids[:size]]
        return self._fetch(batch).pages

    def first_query(self, course_ids: Sequence[int]) -> tuple[str, dict[str, Any]]:
        """The document of a first read of these courses (``--check`` sends one)."""
        size = min(len(course_ids), self.courses_per_request)
        return self.query(
            [_Pending(cid, dict.fromkeys(self.connections)) for cid in course_ids[:size]]
        )

    def query(self, batch: list[_Pending]) -> tuple[str, dict[str, Any]]:
        declarations: list[str] = []
        fields: list[str] = []
        variables: dict[str, Any] = {}
        for index, pending in enumerate(batch):
            alias = f"c{index}"
            declarations.append(f"${alias}: ID!")
            variables[alias] = str(pending.course_id)
            parts = []
            for name, cursor in pending.cursors.items():
                declarations.append(f"${alias}_{name}: String")
                variables[f"{alias}_{name}"] = cursor
                parts.append(self._connection_field(name, f"${alias}_{name}"))
            fields.append(f"{alias}: course(id: ${alias}) {{ _id {' '.join(parts)} }}")
        query = f"query Courses({', '.join(declarations)}) {{ {' '.join(fields)} }}"
        if token_count(query) > self.limits.max_tokens:
            raise FatalSourceError(
                f"GraphQL: a document of {len(batch)} courses exceeds the instance's "
                f"{self.limits.max_tokens} tokens",
                SOURCE,
            )
        return query, variables

    def _connection_field(self, name: str, cursor_variable: str) -> str:
        # Not aliased: Canvas counts every alias against its limit of 20 per document.
        spec = self.connections[name]
        arguments = f"first: {spec.page_size}, after: {cursor_variable}"
        if spec.arguments:
            arguments = f"{arguments}, {spec.arguments}"
        return (
            f"{spec.field}({arguments}) {{ nodes {{ {spec.selection} }} "
            "pageInfo { endCursor hasNextPage } }"
        )


def _connection_page(
    course: dict[str, Any],
    spec: Connection,
    name: str,
    pending: _Pending,
    reply: GraphQLResult,
    alias: str,
) -> tuple[list[dict[str, Any]], str | None]:
    """Nodes of one connection page and the cursor of the next page (None when done)."""
    connection = course.get(spec.field)
    if not isinstance(connection, dict):
        reasons = "; ".join(reply.errors_at(alias)) or spec.null_reason or "connection is null"
        raise FatalSourceError(
            f"GraphQL: course {pending.course_id} {spec.field} is null: {reasons}", SOURCE
        )
    raw_nodes = connection.get("nodes") or []
    nodes = [node for node in raw_nodes if isinstance(node, dict)]
    if len(nodes) < len(raw_nodes):
        logger.warning(
            "GraphQL: course %s %s: skipped %d null nodes (%s)",
            pending.course_id,
            name,
            len(raw_nodes) - len(nodes),
            "; ".join(reply.errors_at(alias)),
        )
    info = connection.get("pageInfo") or {}
    cursor = info.get("endCursor")
    if not info.get("hasNextPage"):
        return nodes, None
    if not cursor or cursor == pending.cursors.get(name):
        raise FatalSourceError(
            f"GraphQL: course {pending.course_id} {name}: next page has no new cursor", SOURCE
        )
    return nodes, cursor
