"""CANVAS_LTI job: external-tool tabs of published Canvas courses into lti_placement."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from canvas_lti import fetch, queries, transform
from settings import require
from sources.canvas import CanvasClient, check_canvas
from sources.retry import RetryPolicy
from vocab import DataSourceName, DataSourceStatus, JobName

if TYPE_CHECKING:
    from db import Database
    from settings import CanvasSettings, Settings

logger = logging.getLogger(__name__)

JOB = JobName.CANVAS_LTI
TABLE = "lti_placement"
# The largest placement id ever handed out, so a dropped pair's id is never reused.
HIGH_WATER_CURSOR = "lti_placement.max_id"


def check(settings: Settings) -> str:
    """One Canvas request of every kind the run makes (account, terms, courses, tabs)."""
    retry = RetryPolicy.from_attempts(settings.max_req_attempts)
    canvas = _canvas(settings)
    reached = check_canvas(canvas, retry=retry)
    with CanvasClient(canvas, retry=retry, workers=1) as client:
        return f"{reached}; {fetch.check_reads(client, canvas)}"


def run(settings: Settings, db: Database) -> list[DataSourceStatus]:
    """Replace ``lti_placement`` with the visible tabs of known tools; ids stay per pair."""
    canvas = _canvas(settings)
    extracted_at = datetime.now(UTC)
    tool_ids = known_tool_ids(db)
    courses: list[fetch.Course] = []
    tabs: dict[int, list[dict[str, Any]]] = {}
    if not tool_ids:
        logger.warning("lti_type is empty: no external tool can match, so no course is read")
    else:
        courses, tabs = _fetch(settings, canvas)
    placements = transform.placements_frame(courses, tabs, tool_ids)
    frame = transform.assign_placement_ids(
        placements, db.query_frame(queries.EXISTING_PLACEMENTS), high_water=_high_water(db)
    )
    logger.info(
        "CANVAS_LTI: %d placement(s) of %d tool(s) in %d course(s)",
        len(frame),
        len(tool_ids),
        len(courses),
    )
    _save_high_water(db, frame)
    db.replace({TABLE: frame})
    return [DataSourceStatus(DataSourceName.CANVAS_LTI, extracted_at)]


def _fetch(
    settings: Settings, canvas: CanvasSettings
) -> tuple[list[fetch.Course], dict[int, list[dict[str, Any]]]]:
    retry = RetryPolicy.from_attempts(settings.max_req_attempts)
    with CanvasClient(canvas, retry=retry, workers=settings.num_async_workers) as client:
        courses = fetch.fetch_courses(client, canvas)
        tabs = fetch.fetch_tabs(client, [int(course["id"]) for course in courses])
    return courses, tabs


def known_tool_ids(db: Database) -> set[int]:
    """Canvas external-tool ids listed in the operator-maintained ``lti_type`` table."""
    frame = db.query_frame(queries.KNOWN_TOOL_IDS)
    return {int(value) for value in frame["canvas_id"]}


def _high_water(db: Database) -> int:
    value = db.get_cursor(HIGH_WATER_CURSOR)
    return int(value) if value and value.isdigit() else 0


def _save_high_water(db: Database, frame: Any) -> None:
    # Recorded before the replace: if the replace then fails, the mark is merely high.
    if len(frame) and int(frame["id"].max()) > _high_water(db):
        with db.transaction() as tx:
            tx.set_cursor(HIGH_WATER_CURSOR, str(int(frame["id"].max())))


def _canvas(settings: Settings) -> CanvasSettings:
    return require(settings.canvas, "CANVAS", JOB.name)
