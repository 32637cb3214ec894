"""COURSE_INVENTORY transforms: pure functions from raw Canvas records to table-shaped frames."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import pandas as pd

TERM_COLUMNS = ["canvas_id", "name", "sis_id", "start_at", "end_at"]
ACCOUNT_COLUMNS = ["canvas_id", "name", "sis_id", "parent_account_id"]
COURSE_COLUMNS = [
    "canvas_id",
    "sis_id",
    "name",
    "account_id",
    "term_id",
    "created_at",
    "published_at",
    "workflow_state",
]
SECTION_COLUMNS = ["canvas_id", "sis_id", "name", "course_id"]
ENROLLMENT_COLUMNS = [
    "canvas_id",
    "course_id",
    "course_section_id",
    "user_id",
    "workflow_state",
    "role_type",
]
USAGE_COLUMNS = ["course_id", "views", "participations", "date"]
# Column widths of the schema; longer Canvas values are cut rather than failing the load.
NAME_WIDTH = 255
LONG_NAME_WIDTH = 256
SIS_WIDTH = 256


def terms_frame(terms: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "canvas_id": pd.array([t["id"] for t in terms], dtype="int64"),
            "name": _text([t.get("name") for t in terms], NAME_WIDTH),
            "sis_id": _text([t.get("sis_term_id") for t in terms], SIS_WIDTH),
            "start_at": _timestamps([t.get("start_at") for t in terms]),
            "end_at": _timestamps([t.get("end_at") for t in terms]),
        }
    )
    return frame.drop_duplicates("canvas_id", keep="last").reset_index(drop=True)


def split_restricted(courses: Iterable[Mapping[str, Any]]) -> tuple[list, list]:
    """Usable courses and stubs such as ``{id, access_restricted_by_date}`` (no state)."""
    usable: list[Mapping[str, Any]] = []
    restricted: list[Mapping[str, Any]] = []
    for course in courses:
        full = "id" in course and course.get("workflow_state") and "account_id" in course
        (usable if full else restricted).append(course)
    return usable, restricted


def courses_frame(
    courses: Sequence[Mapping[str, Any]], *, keep_without_students: bool
) -> pd.DataFrame:
    """One row per course (the last listing wins), without courses that have no students.

    ``published_at`` is left empty; ``with_published_at`` fills it.
    """
    if not keep_without_students:
        courses = [c for c in courses if (c.get("total_students") or 0) > 0]
    frame = pd.DataFrame(
        {
            "canvas_id": pd.array([c["id"] for c in courses], dtype="int64"),
            "sis_id": _text([c.get("sis_course_id") for c in courses], SIS_WIDTH),
            "name": _text([c.get("name") for c in courses], LONG_NAME_WIDTH),
            "account_id": pd.array([c.get("account_id") for c in courses], dtype="Int64"),
            "term_id": pd.array([c.get("enrollment_term_id") for c in courses], dtype="Int64"),
            "created_at": _timestamps([c.get("created_at") for c in courses]),
            "published_at": _timestamps([None] * len(courses)),
            "workflow_state": _text([c["workflow_state"] for c in courses], 25),
        }
    )
    return frame.drop_duplicates("canvas_id", keep="last").reset_index(drop=True)


def accounts_frame(accounts: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "canvas_id": pd.array([a["id"] for a in accounts], dtype="int64"),
            "name": _text([a.get("name") for a in accounts], NAME_WIDTH),
            "sis_id": _text([a.get("sis_account_id") for a in accounts], SIS_WIDTH),
            "parent_account_id": pd.array(
                [a.get("parent_account_id") for a in accounts], dtype="Int64"
            ),
        }
    )
    return frame.drop_duplicates("canvas_id", keep="last").reset_index(drop=True)


def sections_frame(rows: Sequence[tuple[int, str | None, str | None, int]]) -> pd.DataFrame:
    """Rows are ``(id, name, sis_id, course_id)``."""
    ids, names, sis_ids, course_ids = _columns(rows, 4)
    frame = pd.DataFrame(
        {
            "canvas_id": pd.array(ids, dtype="int64"),
            "sis_id": _text(sis_ids, SIS_WIDTH),
            "name": _text(names, LONG_NAME_WIDTH),
            "course_id": pd.array(course_ids, dtype="Int64"),
        }
    )
    return frame.drop_duplicates("canvas_id", keep="last").reset_index(drop=True)


def enrollments_frame(rows: Sequence[tuple]) -> pd.DataFrame:
    """Rows are ``(id, course_id, section_id, user_id, state, type)``; one row per id."""
    ids, courses, sections, users, states, roles = _columns(rows, 6)
    frame = pd.DataFrame(
        {
            "canvas_id": pd.array(ids, dtype="int64"),
            "course_id": pd.array(courses, dtype="int64"),
            "course_section_id": pd.array(sections, dtype="Int64"),
            "user_id": pd.array(users, dtype="int64"),
            "workflow_state": _text(states, 25),
            "role_type": _text(roles, 25),
        }
    )
    return frame.drop_duplicates("canvas_id", keep="last").reset_index(drop=True)


def usage_frame(rows: Sequence[tuple[int, str | None, int, int]]) -> pd.DataFrame:
    """Rows are ``(course_id, date, views, participations)``; one row per course and day."""
    course_ids, dates, views, participations = _columns(rows, 4)
    days = pd.to_datetime(pd.Series([str(d)[:10] for d in dates], dtype="object"), errors="coerce")
    frame = pd.DataFrame(
        {
            "course_id": pd.array(course_ids, dtype="int64"),
            "views": pd.array(views, dtype="int64"),
            "participations": pd.array(participations, dtype="int64"),
            "date": days.dt.date,
        }
    )
    frame = frame[days.notna().to_numpy()]
    return frame.drop_duplicates(["course_id", "date"], keep="last").reset_index(drop=True)


def first_publish_time(events: Iterable[Mapping[str, Any]]) -> str | None:
    """``created_at`` of the earliest ``published`` event (Canvas lists newest first)."""
    earliest: tuple[datetime, str] | None = None
    for event in events:
        stamp = event.get("created_at")
        if event.get("event_type") != "published" or not stamp:
            continue
        try:
            moment = datetime.fromisoformat(stamp)
        except ValueError:
            continue
        if earliest is None or moment < earliest[0]:
            earliest = (moment, stamp)
    return earliest[1] if earliest else None


def courses_needing_publish_date(courses: pd.DataFrame, known: pd.DataFrame) -> list[int]:
    """Available courses whose publish date is not known yet (``known``: canvas_id, date)."""
    dated = set(known.loc[known["published_at"].notna(), "canvas_id"].astype("int64"))
    available = courses.loc[courses["workflow_state"] == "available", "canvas_id"]
    return [int(c) for c in available if int(c) not in dated]


def with_published_at(
    courses: pd.DataFrame, known: pd.DataFrame, fetched: Mapping[int, str]
) -> pd.DataFrame:
    """Publish dates: the one already stored wins, a newly fetched one fills the gap."""
    stored_at = _timestamps(list(known["published_at"]))
    stored = {
        int(c): t for c, t in zip(known["canvas_id"], stored_at, strict=True) if not pd.isna(t)
    }
    new = dict(zip(fetched.keys(), _timestamps(list(fetched.values())), strict=True))
    result = courses.copy()
    result["published_at"] = _timestamps(
        [stored.get(c, new.get(c)) for c in courses["canvas_id"].astype("int64")]
    )
    return result


def with_section_sis_ids(sections: pd.DataFrame, warehouse: pd.DataFrame) -> pd.DataFrame:
    """Section SIS ids from the warehouse where it has one, else what Canvas said."""
    if warehouse.empty:
        return sections
    lookup = warehouse.dropna(subset=["sis_id"]).drop_duplicates("canvas_id", keep="last")
    by_id = pd.Series(lookup["sis_id"].to_numpy(), index=lookup["canvas_id"].astype("int64"))
    result = sections.copy()
    result["sis_id"] = _text(
        list(sections["canvas_id"].map(by_id).combine_first(sections["sis_id"])), SIS_WIDTH
    )
    return result


def _columns(rows: Sequence[tuple], width: int) -> list[list[Any]]:
    if not rows:
        return [[] for _ in range(width)]
    return [list(column) for column in zip(*rows, strict=True)]


def _text(values: Sequence[Any], width: int) -> pd.Series:
    """Strings cut to the column width, None kept as missing."""
    return pd.Series(
        [None if v is None or v != v else str(v)[:width] for v in values], dtype="object"
    )


def _timestamps(values: Sequence[Any]) -> pd.Series:
    """Naive UTC timestamps (the loader stores DATETIME in UTC); unparsable becomes NaT."""
    parsed = pd.to_datetime(
        pd.Series(list(values), dtype="object"), utc=True, errors="coerce", format="mixed"
    )
    return parsed.dt.tz_localize(None).astype("datetime64[us]")
