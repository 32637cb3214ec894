"""Pure DataFrame transforms of the ONLINE_MEETINGS job: Zoom meetings per UTC day."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import pandas as pd

logger = logging.getLogger(__name__)

MEETING_COLUMNS = [
    "uuid",
    "meeting_id",
    "topic",
    "host_id",
    "start_time",
    "end_time",
    "duration_minutes",
    "participants",
    "participant_minutes_est",
    "meeting_day",
]
TOPIC_MAX = 300
HOST_ID_MAX = 64


def parse_duration_minutes(value: Any) -> int | None:
    """Minutes from a Dashboard ``duration``.

    Zoom documents it as a string: ``"HH:MM:SS"``, or ``"MM:SS"`` under an hour. A bare
    number (as the Report API sends) is taken as minutes. Seconds round to the nearest minute.
    """
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return round(value) if value == value else None  # NaN is not equal to itself
    text = str(value).strip()
    if text.isdigit():
        return int(text)
    parts = text.split(":")
    if not 2 <= len(parts) <= 3 or not all(p.isdigit() for p in parts):
        return None
    seconds = 0
    for part in parts:
        seconds = seconds * 60 + int(part)
    return (seconds + 30) // 60


def meetings_frame(meetings_by_day: Mapping[date, Sequence[Mapping[str, Any]]]) -> pd.DataFrame:
    """``zoom_meeting`` rows from the meetings fetched per UTC day window, unique by uuid.

    ``meeting_day`` is the UTC date the meeting started (the window day if Zoom omits the
    start), so a meeting listed in two windows lands on one row.
    """
    rows = [
        _meeting_row(meeting, day)
        for day, meetings in sorted(meetings_by_day.items())
        for meeting in meetings
        if meeting.get("uuid")
    ]
    frame = pd.DataFrame(rows, columns=MEETING_COLUMNS)
    frame = frame.drop_duplicates("uuid", keep="last").reset_index(drop=True)
    for column in ("start_time", "end_time"):
        frame[column] = pd.to_datetime(frame[column], utc=True, errors="coerce")
    frame["meeting_day"] = [
        start.date() if not pd.isna(start) else day
        for start, day in zip(frame["start_time"], frame["meeting_day"], strict=True)
    ]
    ints = ("meeting_id", "duration_minutes", "participants", "participant_minutes_est")
    return frame.astype(dict.fromkeys(ints, "Int64"))


def _meeting_row(meeting: Mapping[str, Any], day: date) -> dict[str, Any]:
    minutes = parse_duration_minutes(meeting.get("duration"))
    participants = _int_or_none(meeting.get("participants"))
    host = meeting.get("host_id") or meeting.get("email")
    return {
        "uuid": str(meeting["uuid"]),
        "meeting_id": _int_or_none(meeting.get("id")),
        "topic": _clip(meeting.get("topic"), TOPIC_MAX),
        # The Dashboard list has no host user id; the host's email is unique in the account.
        "host_id": host if host and len(host) <= HOST_ID_MAX else None,
        "start_time": meeting.get("start_time") or None,
        "end_time": meeting.get("end_time") or None,
        "duration_minutes": minutes,
        "participants": participants,
        "participant_minutes_est": (
            participants * minutes if participants is not None and minutes is not None else None
        ),
        "meeting_day": day,
    }


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _clip(value: Any, limit: int) -> str | None:
    return None if value is None else str(value)[:limit]
