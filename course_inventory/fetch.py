"""COURSE_INVENTORY reads from Canvas (I/O only): terms, courses, accounts, rosters, usage."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from course_inventory.rights import ANALYTICS_RIGHT, AUDIT_RIGHT, Refusals, requiring
from course_inventory.transform import first_publish_time
from sources.canvas import SOURCE, CanvasClient
from sources.canvas_graphql import Connection, CourseConnectionWalker
from vocab import FatalSourceError, ResourceNotFound

logger = logging.getLogger(__name__)

# Every state except deleted: what Canvas lists by default, spelled out so a changed
# default cannot silently narrow the inventory.
COURSE_STATES = ("created", "claimed", "available", "completed")
ENROLLMENT_STATES = "active, invited, completed, inactive"
# Real people only: the course's test student (StudentViewEnrollment) is left out.
ENROLLMENT_TYPES = (
    "StudentEnrollment, TeacherEnrollment, TaEnrollment, ObserverEnrollment, DesignerEnrollment"
)
ROSTER_RIGHT = (
    "the token's role lacks the roster right (read_roster, view_all_grades or manage_grades) "
    "needed by POST /api/graphql Course.enrollmentsConnection"
)
ROSTER_CONNECTIONS = {
    "sections": Connection("sectionsConnection", "_id name sisId"),
    "enrollments": Connection(
        "enrollmentsConnection",
        "_id state type user { _id } section { _id }",
        arguments=f"filter: {{states: [{ENROLLMENT_STATES}], types: [{ENROLLMENT_TYPES}]}}",
        null_reason=ROSTER_RIGHT,
    ),
}
MAX_ACCOUNT_DEPTH = 20

SectionRow = tuple[int, str | None, str | None, int]
EnrollmentRow = tuple[int, int, int | None, int, str, str]
UsageRow = tuple[int, str | None, int, int]


@dataclass
class Rosters:
    """Sections and enrollments of the collected courses, as compact row tuples."""

    sections: list[SectionRow] = field(default_factory=list)
    enrollments: list[EnrollmentRow] = field(default_factory=list)
    skipped_courses: list[int] = field(default_factory=list)
    skipped_enrollments: int = 0


def fetch_account(client: CanvasClient, account_id: int) -> dict[str, Any]:
    return _object(client.get(f"accounts/{account_id}"), f"account {account_id}")


def fetch_terms(
    client: CanvasClient, root_account_id: int, term_ids: Sequence[int]
) -> list[dict[str, Any]]:
    """The configured terms, read from the root account (Canvas keeps terms there)."""
    return [
        _object(client.get(f"accounts/{root_account_id}/terms/{term_id}"), f"term {term_id}")
        for term_id in term_ids
    ]


def fetch_courses(
    client: CanvasClient, account_id: int, term_ids: Sequence[int]
) -> list[dict[str, Any]]:
    """Every course of the terms under the account, with its number of students."""

    def term_courses(term_id: int) -> list[dict[str, Any]]:
        params = {
            "enrollment_term_id": term_id,
            "include[]": ["total_students"],
            "state[]": list(COURSE_STATES),
        }
        pages = client.paginate(f"accounts/{account_id}/courses", params)
        return [course for page in pages for course in page]

    courses: list[dict[str, Any]] = []
    for term_id, found in client.map(term_courses, term_ids, desc="course lists", unit="term"):
        logger.info("term %s: %d courses listed", term_id, len(found))
        courses.extend(found)
    return courses


def fetch_accounts(
    client: CanvasClient, account: dict[str, Any], owner_ids: Iterable[int]
) -> list[dict[str, Any]]:
    """The accounts owning courses plus their ancestors, from one listing of the tree.

    Accounts outside the configured tree (ancestors of a sub-account) are read one by one;
    one the token may not read is skipped with a warning.
    """
    known = {account["id"]: account}
    for page in client.paginate(f"accounts/{account['id']}/sub_accounts", {"recursive": "true"}):
        known.update((a["id"], a) for a in page if isinstance(a, dict) and "id" in a)
    wanted = {int(i) for i in owner_ids}
    for _ in range(MAX_ACCOUNT_DEPTH):
        _read_missing(client, wanted - known.keys(), known)
        parents = {
            int(known[i]["parent_account_id"])
            for i in wanted
            if i in known and known[i].get("parent_account_id") is not None
        } - wanted
        if not parents:
            break
        wanted |= parents
    return [known[i] for i in sorted(wanted) if i in known]


def _read_missing(client: CanvasClient, missing: set[int], known: dict[int, Any]) -> None:
    def read(account_id: int) -> dict[str, Any] | None:
        try:
            return fetch_account(client, account_id)
        except FatalSourceError as err:
            logger.warning("account %s cannot be read, left out: %s", account_id, err)
            return None

    for account_id, found in client.map(read, sorted(missing), desc="accounts", unit="account"):
        if found is not None:
            known[account_id] = found


def fetch_rosters(client: CanvasClient, course_ids: Sequence[int]) -> Rosters:
    """All sections (with or without students) and enrollments of the courses via GraphQL."""
    # A batch keeps the server busy far longer than a REST call; a few at a time leave the
    # other worker slots to the per-course REST reads that run alongside.
    walker = CourseConnectionWalker(
        client, ROSTER_CONNECTIONS, concurrency=max(2, client.workers // 4)
    )
    rosters = Rosters()
    state_names: dict[str, str] = {}
    for page in walker.walk(course_ids, desc="sections and enrollments"):
        if page.connection == "sections":
            rosters.sections.extend(_section_row(n, page.course_id) for n in page.nodes)
            continue
        for node in page.nodes:
            row = _enrollment_row(node, page.course_id, state_names)
            if row is None:
                rosters.skipped_enrollments += 1
            else:
                rosters.enrollments.append(row)
    rosters.skipped_courses = walker.skipped
    return rosters


def _section_row(node: dict[str, Any], course_id: int) -> SectionRow:
    return int(node["_id"]), node.get("name"), node.get("sisId"), course_id


def _enrollment_row(
    node: dict[str, Any], course_id: int, names: dict[str, str]
) -> EnrollmentRow | None:
    user = node.get("user") or {}
    section = node.get("section") or {}
    if not user.get("_id") or not node.get("state") or not node.get("type"):
        return None
    section_id = int(section["_id"]) if section.get("_id") else None
    # One shared string per distinct state/type keeps 500k rows small in memory.
    state = names.setdefault(node["state"], sys.intern(node["state"]))
    role = names.setdefault(node["type"], sys.intern(node["type"]))
    return int(node["_id"]), course_id, section_id, int(user["_id"]), state, role


def fetch_activity(client: CanvasClient, course_ids: Sequence[int]) -> list[UsageRow]:
    """Daily views and participations per course from course analytics."""

    refusals = Refusals(ANALYTICS_RIGHT)

    def activity(course_id: int) -> list[Any] | None:
        path = f"courses/{course_id}/analytics/activity"
        return refusals.call(lambda: _optional(client.get, path))

    rows: list[UsageRow] = []
    missing = 0
    for course_id, days in client.map(activity, course_ids, desc="course activity"):
        if not isinstance(days, list):
            missing += 1
            continue
        rows.extend(
            (course_id, d.get("date"), d.get("views") or 0, d.get("participations") or 0)
            for d in days
            if isinstance(d, dict) and d.get("date")
        )
    refusals.finish("course activity")
    if missing:
        logger.warning("course activity: %d courses had no analytics (404 or not a list)", missing)
    return rows


def fetch_publish_times(client: CanvasClient, course_ids: Sequence[int]) -> dict[int, str]:
    """When each course was first published, from its audit log (every page, oldest last)."""

    refusals = Refusals(AUDIT_RIGHT)

    def published(course_id: int) -> str | None:
        pages = client.paginate(f"audit/course/courses/{course_id}", key="events")
        try:
            return refusals.call(
                lambda: first_publish_time(event for page in pages for event in page)
            )
        except ResourceNotFound as err:
            logger.warning("course %s: no audit log: %s", course_id, err)
            return None

    found = {}
    for course_id, moment in client.map(published, course_ids, desc="publish dates"):
        if moment is not None:
            found[course_id] = moment
    refusals.finish("publish dates")
    return found


def check_reads(client: CanvasClient, account_id: int, term_ids: Sequence[int]) -> str:
    """After the account and terms: one course page, roster document, analytics and audit
    read, as the nightly run makes them; a refusal fails as the run would."""
    params = {
        "enrollment_term_id": term_ids[0],
        "include[]": ["total_students"],
        "state[]": list(COURSE_STATES),
    }
    listed = next(client.paginate(f"accounts/{account_id}/courses", params, max_pages=1), [])
    courses = [c for c in listed if isinstance(c, dict) and c.get("name")]
    if not courses:
        return f"term {term_ids[0]} lists no course: rosters, usage and audit not checked"
    ids = [int(c["id"]) for c in courses]
    walker = CourseConnectionWalker(client, ROSTER_CONNECTIONS)
    walker.read_once(ids)
    course_id = next(
        (int(c["id"]) for c in courses if c.get("workflow_state") == "available"), ids[0]
    )
    with requiring(ANALYTICS_RIGHT):
        _optional(client.get, f"courses/{course_id}/analytics/activity")
    with requiring(AUDIT_RIGHT):
        next(client.paginate(f"audit/course/courses/{course_id}", key="events", max_pages=1))
    size = min(len(ids), walker.courses_per_request)
    return f"rosters of {size} courses, analytics and audit of course {course_id} readable"


def _optional(get: Any, path: str) -> Any:
    try:
        return get(path)
    except ResourceNotFound as err:
        logger.debug("%s: %s", path, err)
        return None


def _object(body: Any, what: str) -> dict[str, Any]:
    if not isinstance(body, dict) or "id" not in body:
        raise FatalSourceError(f"{what}: expected an object with an id, got {body!r:.100}", SOURCE)
    return body
