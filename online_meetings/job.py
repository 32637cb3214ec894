"""ONLINE_MEETINGS job: Zoom past meetings per UTC day, merged into zoom_meeting by uuid."""

from __future__ import annotations

import calendar
import logging
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from online_meetings import fetch, queries, transform
from settings import require
from sources.retry import RetryPolicy
from sources.zoom import ZoomClient
from vocab import DataSourceName, DataSourceStatus, JobName

if TYPE_CHECKING:
    from db import Database
    from settings import Settings, ZoomSettings

logger = logging.getLogger(__name__)

TABLE = "zoom_meeting"
CURSOR_NAME = "zoom_meeting.last_day"


# Zoom's Dashboard serves "the last six months" (Dashboard API reference).
WINDOW_MONTHS = 6


def check(settings: Settings) -> str:
    """Obtain a token and read one page of yesterday's meetings, as a run would; write nothing."""
    zoom = _zoom_settings(settings)
    client = ZoomClient(zoom, retry=RetryPolicy.from_attempts(settings.max_req_attempts))
    client.access_token()
    yesterday = utc_today() - timedelta(days=1)
    page = next(client.past_meetings(yesterday))
    return (
        f"Zoom OAuth token obtained from {zoom.token_url}; "
        f"{len(page)} meeting(s) on the first page of {yesterday}"
    )


def run(settings: Settings, db: Database) -> list[DataSourceStatus]:
    """Fetch every day from the cursor (minus the look-back) to yesterday, then load at once.

    Nothing is written until every day has been fetched, and the meetings and the cursor are
    committed together, so a Zoom failure leaves ``zoom_meeting`` and its cursor untouched.
    """
    zoom = _zoom_settings(settings)
    last_loaded = last_loaded_day(db)
    days = days_to_load(last_loaded, zoom, today=utc_today())
    if not days:
        logger.info("Zoom: no complete day to load since %s", last_loaded or zoom.first_day)
        return [_status(last_loaded)] if last_loaded else []
    logger.info("Zoom: loading %d day(s), %s to %s", len(days), days[0], days[-1])
    client = ZoomClient(zoom, retry=RetryPolicy.from_attempts(settings.max_req_attempts))
    frame = transform.meetings_frame(fetch.fetch_days(client, days))
    with db.transaction() as tx:
        tx.merge(TABLE, frame, key=["uuid"])
        tx.set_cursor(CURSOR_NAME, days[-1].isoformat())
    logger.info("Zoom: %d meeting(s) over %d day(s) merged", len(frame), len(days))
    return [_status(days[-1])]


def utc_today() -> date:
    """Today's date in UTC, whatever the container's time zone."""
    return datetime.now(UTC).date()


def days_to_load(last_loaded: date | None, zoom: ZoomSettings, *, today: date) -> list[date]:
    """UTC days to (re)fetch: from the look-back before the last loaded day up to yesterday.

    Re-reading the last ``lookback_days`` picks up meetings Zoom reports late; a first run
    starts at ``first_day``. Today is never loaded, because it is not over yet. A start older
    than Zoom's six-month window, which Zoom refuses, is moved up to the window's first day.
    """
    start = zoom.first_day
    if last_loaded is not None:
        start = max(start, last_loaded - timedelta(days=zoom.lookback_days))
    oldest = window_start(today)
    if start < oldest:
        logger.warning(
            "Zoom serves only the last %d months of Dashboard data: starting at %s, not %s",
            WINDOW_MONTHS,
            oldest,
            start,
        )
        start = oldest
    count = (today - start).days
    return [start + timedelta(days=offset) for offset in range(max(count, 0))]


def window_start(today: date) -> date:
    """The oldest day Zoom's Dashboard serves: the same day six calendar months back.

    The day after is used when the month is shorter, so the start is never outside the window.
    """
    year, month = divmod(today.year * 12 + today.month - 1 - WINDOW_MONTHS, 12)
    last_day = calendar.monthrange(year, month + 1)[1]
    if today.day > last_day:
        return date(year, month + 2, 1) if month < 11 else date(year + 1, 1, 1)
    return date(year, month + 1, today.day)


def last_loaded_day(db: Database) -> date | None:
    """The cursor, or the newest ``meeting_day`` when the cursor row is missing."""
    value: Any = db.get_cursor(CURSOR_NAME)
    if value is None:
        value = db.scalar(queries.LATEST_MEETING_DAY)
    if value is None:
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _zoom_settings(settings: Settings) -> ZoomSettings:
    return require(settings.zoom, "ZOOM", JobName.ONLINE_MEETINGS.name)


def _status(last_day: date) -> DataSourceStatus:
    # The data is complete up to the end of the last loaded UTC day.
    end_of_day = datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=UTC)
    return DataSourceStatus(DataSourceName.ZOOM_API, end_of_day)
