"""Pure DataFrame transforms of the CANVAS_LTI job: visible tool tabs, stable placement ids."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

PLACEMENT_KEY = ["course_id", "placement_type_id"]
PLACEMENT_COLUMNS = [
    "id",
    "course_id",
    "account_id",
    "course_name",
    "placement_type_id",
    "visibility",
]
TOOL_TAB_PREFIX = "context_external_tool_"
COURSE_NAME_MAX = 256


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
    and admins can rename. Canvas sends ``hidden`` only when it is true. A tab that is not
    hidden counts whoever may see it; ``visibility`` says who (``public``, ``members`` or
    ``admins``: a tool shown to course admins only is still placed in the course).
    """
    rows = [
        {
            "course_id": int(course["id"]),
            "account_id": course.get("account_id"),
            "course_name": _clip(course.get("name"), COURSE_NAME_MAX),
            "placement_type_id": tool,
            "visibility": tab.get("visibility"),
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


def _clip(value: Any, limit: int) -> str | None:
    return None if value is None else str(value)[:limit]
