"""CANVAS_LTI job: external-tool tabs of published Canvas courses into lti_placement."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from online_meetings import transform
from sources.canvas import SOURCE, CanvasClient, check_canvas
from vocab import ConfigError, DataSourceName, DataSourceStatus, FatalSourceError, ResourceNotFound

if TYPE_CHECKING:
    from db import Database
    from environ import CanvasSettings, Settings

logger = logging.getLogger(__name__)

TABLE = "lti_placement"
# The largest placement id ever handed out, so a dropped pair's id is never reused.
HIGH_WATER_CURSOR = "lti_placement.max_id"

Course = dict[str, Any]


def check(settings: Settings) -> str:
    """Reach Canvas with the configured token; write nothing."""
    return check_canvas(_canvas_settings(settings), max_attempts=settings.max_req_attempts)


def run(settings: Settings, db: Database) -> list[DataSourceStatus]:
    """Replace ``lti_placement`` with the visible tabs of known tools; ids stay per pair."""
    canvas = _canvas_settings(settings)
    extracted_at = datetime.now(UTC)
    tool_ids = known_tool_ids(db)
    courses: list[Course] = []
    tabs: dict[int, list[dict[str, Any]]] = {}
    if not tool_ids:
        logger.warning("lti_type is empty: no external tool can match, so no course is read")
    else:
        with CanvasClient(canvas, max_attempts=settings.max_req_attempts,
                          workers=settings.num_async_workers) as client:
            courses = fetch_courses(client, canvas)
            tabs = fetch_tabs(client, [int(course["id"]) for course in courses])
    placements = transform.placements_frame(courses, tabs, tool_ids)
    frame = transform.assign_placement_ids(
        placements, db.query_frame("SELECT id, course_id, placement_type_id FROM lti_placement"),
        high_water=_high_water(db),
    )
    logger.info("CANVAS_LTI: %d placement(s) of %d tool(s) in %d course(s)",
                len(frame), len(tool_ids), len(courses))
    _save_high_water(db, frame)
    db.replace({TABLE: frame})
    return [DataSourceStatus(DataSourceName.CANVAS_LTI, extracted_at)]


def known_tool_ids(db: Database) -> set[int]:
    """Canvas external-tool ids listed in the operator-maintained ``lti_type`` table."""
    frame = db.query_frame("SELECT canvas_id FROM lti_type")
    return {int(value) for value in frame["canvas_id"]}


def fetch_courses(client: CanvasClient, canvas: CanvasSettings) -> list[Course]:
    """Published courses of the configured terms, then the extra configured course ids."""
    courses: dict[int, Course] = {}
    path = f"accounts/{canvas.account_id}/courses"
    for term_id in canvas.term_ids:
        for page in client.paginate(path, {"published": "true", "enrollment_term_id": term_id}):
            for course in page:
                if _usable(course):
                    courses.setdefault(int(course["id"]), course)
    for course_id in canvas.add_course_ids:
        if course_id not in courses and (added := fetch_course(client, course_id)):
            courses[course_id] = added
    return list(courses.values())


def fetch_course(client: CanvasClient, course_id: int) -> Course | None:
    """One course by id, or None (logged) when Canvas has no usable record of it."""
    try:
        course = client.get(f"courses/{course_id}")
    except ResourceNotFound:
        logger.warning("ADD_COURSE_IDS: course %s not found in Canvas; skipped", course_id)
        return None
    return course if _usable(course) else None


def fetch_tabs(client: CanvasClient, course_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """Each course's tabs, external tools included, fetched on the client's worker threads."""
    return dict(client.map(lambda course_id: course_tabs(client, course_id), course_ids,
                           desc="Canvas course tabs"))


def course_tabs(client: CanvasClient, course_id: int) -> list[dict[str, Any]]:
    """``GET courses/:id/tabs?include[]=external``; a course deleted meanwhile has none."""
    try:
        tabs = client.get(f"courses/{course_id}/tabs", {"include[]": "external"})
    except ResourceNotFound:
        logger.warning("course %s disappeared before its tabs were read; skipped", course_id)
        return []
    if not isinstance(tabs, list):
        raise FatalSourceError(f"courses/{course_id}/tabs: expected a list of tabs", SOURCE)
    return tabs


def _usable(course: Any) -> bool:
    if not isinstance(course, dict) or "id" not in course:
        logger.warning("Canvas returned a course without an id; skipped: %r", course)
        return False
    if course.get("access_restricted_by_date") and "name" not in course:
        logger.warning("course %s is restricted by date (no details visible); skipped",
                       course["id"])
        return False
    return True


def _high_water(db: Database) -> int:
    value = db.get_cursor(HIGH_WATER_CURSOR)
    return int(value) if value and value.isdigit() else 0


def _save_high_water(db: Database, frame: Any) -> None:
    # Recorded before the replace: if the replace then fails, the mark is merely high.
    if len(frame) and int(frame["id"].max()) > _high_water(db):
        with db.transaction() as tx:
            tx.set_cursor(HIGH_WATER_CURSOR, str(int(frame["id"].max())))


def _canvas_settings(settings: Settings) -> CanvasSettings:
    if settings.canvas is None:
        raise ConfigError(["CANVAS: this section is required by the CANVAS_LTI job"])
    return settings.canvas
