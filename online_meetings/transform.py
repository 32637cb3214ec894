"""Pure DataFrame transforms for the CANVAS_LTI and ONLINE_MEETINGS jobs."""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import date
from typing import Any

import pandas as pd

logger = logging.getLogger(__name__)

PLACEMENT_KEY = ["course_id", "placement_type_id"]
PLACEMENT_COLUMNS = ["id", "course_id", "account_id", "course_name", "placement_type_id"]
MEETING_COLUMNS = [
    "uuid", "meeting_id", "topic", "host_id", "start_time", "end_time", "duration_minutes",
    "participants", "participant_minutes_est", "meeting_day",
]
TOOL_TAB_PREFIX = "context_external_tool_"
COURSE_NAME_MAX = 256
TOPIC_MAX = 300
HOST_ID_MAX = 64


# --- CANVAS_LTI --------------------------------------------------------------------------


def tool_id(tab: Mapping[str, Any]) -> int | None:
    """The external tool id of a ``context_external_tool_<N>`` tab, else None."""
    tab_id = str(tab.get("id") or "")
    suffix = tab_id.removeprefix(TOOL_TAB_PREFIX)
    return int(suffix) if suffix != tab_id and suffix.isdigit() else None


def placements_frame(
    courses: Iterable[Mapping[str, Any]],
    tabs_by_course: Mapping[int, Sequence[Mapping[str, Any]]],
    tool_ids: Collection[int],
) -> pd.DataFrame:
    """One row per (course, known tool) whose tab is visible, without ids yet.

    Tools are matched by their external-tool id, never by the tab label, which instructors
    and admins can rename. Canvas sends ``hidden`` only when it is true.
    """
    rows = [
        {
            "course_id": int(course["id"]),
            "account_id": course.get("account_id"),
            "course_name": _clip(course.get("name"), COURSE_NAME_MAX),
            "placement_type_id": tool,
        }
        for course in courses
        for tab in tabs_by_course.get(int(course["id"]), ())
        if (tool := tool_id(tab)) in tool_ids and not tab.get("hidden")
    ]
    frame = pd.DataFrame(rows, columns=PLACEMENT_COLUMNS[1:])
    return frame.drop_duplicates(PLACEMENT_KEY).astype(
        {"course_id": "int64", "account_id": "Int64", "placement_type_id": "int64"}
    )


def assign_placement_ids(
    placements: pd.DataFrame, existing: pd.DataFrame, *, high_water: int = 0
) -> pd.DataFrame:
    """Give each (course, tool) pair a stable id.

    Pairs already in ``existing`` (columns id, course_id, placement_type_id) keep their id.
    New pairs are numbered above both the largest existing id and ``high_water`` (the largest
    id ever handed out), so an id that disappeared is never given to a different pair.
    """
    known = existing[["id", *PLACEMENT_KEY]].astype("int64")
    keyed = placements.merge(known, on=PLACEMENT_KEY, how="left")
    keyed = keyed.sort_values(PLACEMENT_KEY, kind="stable").reset_index(drop=True)
    new = keyed["id"].isna()
    start = max(int(known["id"].max()) if len(known) else 0, high_water)
    keyed.loc[new, "id"] = range(start + 1, start + 1 + int(new.sum()))
    keyed["id"] = keyed["id"].astype("int64")
    return keyed.sort_values("id").reset_index(drop=True)[PLACEMENT_COLUMNS]


# --- ONLINE_MEETINGS ---------------------------------------------------------------------


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
