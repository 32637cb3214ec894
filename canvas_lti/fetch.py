"""Reads of the CANVAS_LTI job: published courses of the configured terms and their tabs."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from sources.canvas import SOURCE, CanvasClient
from vocab import FatalSourceError, ResourceNotFound

if TYPE_CHECKING:
    from settings import CanvasSettings

logger = logging.getLogger(__name__)

Course = dict[str, Any]


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
    return dict(
        client.map(
            lambda course_id: course_tabs(client, course_id), course_ids, desc="Canvas course tabs"
        )
    )


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


def check_reads(client: CanvasClient, canvas: CanvasSettings) -> str:
    """One published-course page and one course's tabs, as the run reads them."""
    path = f"accounts/{canvas.account_id}/courses"
    params = {"published": "true", "enrollment_term_id": canvas.term_ids[0]}
    page = next(client.paginate(path, params, max_pages=1), [])
    course_ids = [int(c["id"]) for c in page if isinstance(c, dict) and c.get("name")]
    if not course_ids:
        return f"term {canvas.term_ids[0]} lists no published course: tabs not checked"
    tabs = course_tabs(client, course_ids[0])
    return f"course {course_ids[0]}: {len(tabs)} tabs readable"


def _usable(course: Any) -> bool:
    if not isinstance(course, dict) or "id" not in course:
        logger.warning("Canvas returned a course without an id; skipped: %r", course)
        return False
    if course.get("access_restricted_by_date") and "name" not in course:
        logger.warning(
            "course %s is restricted by date (no details visible); skipped", course["id"]
        )
        return False
    return True
