"""Pure transforms of the CANVAS_LTI job."""

from __future__ import annotations

import pandas as pd
from pandas.testing import assert_frame_equal

from canvas_lti import transform

ZOOM, BLUEJEANS, OTHER = 25194, 4352, 999


def _tab(tool: int | str, **extra: object) -> dict[str, object]:
    tab_id = tool if isinstance(tool, str) else f"context_external_tool_{tool}"
    return {"id": tab_id, "label": "Meet", "type": "external", **extra}


def test_tool_id_from_tab_id_only() -> None:
    assert transform.tool_id({"id": "context_external_tool_25194", "label": "x"}) == 25194
    assert transform.tool_id({"id": "home", "label": "Zoom"}) is None
    assert transform.tool_id({"id": "context_external_tool_"}) is None
    assert transform.tool_id({}) is None


def test_placements_keep_visible_known_tools() -> None:
    courses = [
        {"id": 1, "account_id": 10, "name": "Algebra"},
        {"id": 2, "account_id": 11, "name": "Biology"},
        {"id": 3, "account_id": 11, "name": "No tabs"},
    ]
    tabs = {
        1: [
            _tab("home"),
            _tab(ZOOM, label="Renamed", visibility="admins"),
            _tab(BLUEJEANS, hidden=True, visibility="none"),
        ],
        2: [_tab(OTHER), _tab(BLUEJEANS, visibility="public"), _tab(BLUEJEANS)],
    }
    frame = transform.placements_frame(courses, tabs, {ZOOM, BLUEJEANS})
    expected = pd.DataFrame(
        {
            "course_id": [1, 2],
            "account_id": pd.array([10, 11], dtype="Int64"),
            "course_name": ["Algebra", "Biology"],
            "placement_type_id": [ZOOM, BLUEJEANS],
            # Not hidden but shown to admins only: still a placement, marked as such.
            "visibility": ["admins", "public"],
        }
    )
    assert_frame_equal(frame.reset_index(drop=True), expected)


def test_placements_empty() -> None:
    frame = transform.placements_frame([], {}, {ZOOM})
    assert list(frame.columns) == transform.PLACEMENT_COLUMNS[1:] and frame.empty
    none = pd.DataFrame(columns=["id", *transform.PLACEMENT_KEY])
    ids = transform.assign_placement_ids(frame, none)
    assert list(ids.columns) == transform.PLACEMENT_COLUMNS and ids.empty


def test_ids_are_kept_and_new_pairs_numbered_above_the_max() -> None:
    placements = pd.DataFrame(
        {
            "course_id": [5, 1, 7, 3],
            "account_id": [1, 1, 1, 1],
            "course_name": list("abcd"),
            "placement_type_id": [ZOOM, ZOOM, ZOOM, BLUEJEANS],
            "visibility": ["public", "public", "admins", "members"],
        }
    )
    existing = pd.DataFrame({"id": [4, 9], "course_id": [1, 2], "placement_type_id": [ZOOM, ZOOM]})
    frame = transform.assign_placement_ids(placements, existing, high_water=12)
    assert frame.set_index("course_id")["id"].to_dict() == {1: 4, 3: 13, 5: 14, 7: 15}
    assert frame["id"].is_monotonic_increasing


def test_ids_without_high_water_start_above_current_max() -> None:
    placements = pd.DataFrame(
        {
            "course_id": [2],
            "account_id": [1],
            "course_name": ["b"],
            "placement_type_id": [ZOOM],
            "visibility": ["public"],
        }
    )
    existing = pd.DataFrame({"id": [9], "course_id": [1], "placement_type_id": [ZOOM]})
    assert transform.assign_placement_ids(placements, existing)["id"].tolist() == [10]
