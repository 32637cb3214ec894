"""Reads of the ONLINE_MEETINGS job: every past meeting of each UTC day from Zoom."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from sources.concurrency import Progress
from sources.zoom import ZoomClient

logger = logging.getLogger(__name__)


def fetch_days(client: ZoomClient, days: list[date]) -> dict[date, list[dict[str, Any]]]:
    """Every meeting of every day, keyed by the day window it was listed in."""
    fetched: dict[date, list[dict[str, Any]]] = {}
    with Progress("Zoom past meetings", total=len(days), unit="day") as progress:
        for day in days:
            fetched[day] = [meeting for page in client.past_meetings(day) for meeting in page]
            logger.debug("Zoom: %d meeting(s) on %s", len(fetched[day]), day)
            progress.update()
    return fetched
