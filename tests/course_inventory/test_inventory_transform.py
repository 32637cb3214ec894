"""Unit tests of the COURSE_INVENTORY transforms on tiny hand-written frames."""

from __future__ import annotations

from datetime import date

import pandas as pd
from pandas.testing import assert_frame_equal

from course_inventory import transform


def _ts(*values: str | None) -> pd.Series:
    return pd.Series([pd.Timestamp(v) if v else pd.NaT for v in values], dtype="datetime64[us]")


def _obj(*values: object) -> pd.Series:
    return pd.Series(list(values), dtype="object")


def _course(course_id: int, students: int | None, **extra: object) -> dict:
    course = {
        "id": course_id,
        "name": f"Course {course_id}",
        "sis_course_id": None,
        "account_id": 3,
        "enrollment_term_id": 164,
        "workflow_state": "available",
        "created_at": "2026-04-01T10:00:00Z",
    }
    if students is not None:
        course["total_students"] = students
    return {**course, **extra}


def test_courses_frame_drops_courses_without_students_and_duplicates() -> None:
    listed = [_course(1, 3), _course(2, 0), _course(3, None), _course(1, 4, name="Renamed")]
    frame = transform.courses_frame(listed, keep_without_students=False)
    expected = pd.DataFrame(
        {
            "canvas_id": pd.array([1], dtype="int64"),
            "sis_id": _obj(None),
            "name": _obj("Renamed"),
            "account_id": pd.array([3], dtype="Int64"),
            "term_id": pd.array([164], dtype="Int64"),
            "created_at": _ts("2026-04-01 10:00:00"),
            "published_at": _ts(None),
            "workflow_state": _obj("available"),
        }
    )
    assert_frame_equal(frame, expected)


def test_courses_frame_can_keep_courses_without_students() -> None:
    frame = transform.courses_frame([_course(1, 0), _course(2, None)], keep_without_students=True)
    assert frame["canvas_id"].tolist() == [1, 2]


def test_split_restricted_separates_stubs() -> None:
    stub = {"id": 9, "access_restricted_by_date": True}
    usable, restricted = transform.split_restricted([_course(1, 1), stub])
    assert [c["id"] for c in usable] == [1]
    assert restricted == [stub]


def test_terms_frame_keeps_missing_dates_and_sis_ids() -> None:
    terms = [
        {"id": 107, "name": "Default Term", "sis_term_id": None, "start_at": None, "end_at": None},
        {
            "id": 164,
            "name": "Fall 2026",
            "sis_term_id": "2310",
            "start_at": "2026-08-25T04:00:00Z",
            "end_at": "2026-12-23T05:00:00Z",
        },
    ]
    expected = pd.DataFrame(
        {
            "canvas_id": pd.array([107, 164], dtype="int64"),
            "name": _obj("Default Term", "Fall 2026"),
            "sis_id": _obj(None, "2310"),
            "start_at": _ts(None, "2026-08-25 04:00:00"),
            "end_at": _ts(None, "2026-12-23 05:00:00"),
        }
    )
    assert_frame_equal(transform.terms_frame(terms), expected)


def test_accounts_frame_keeps_parent_ids() -> None:
    accounts = [
        {"id": 1, "name": "U", "parent_account_id": None},
        {"id": 5, "name": "LSA", "sis_account_id": "COLL-5", "parent_account_id": 1},
    ]
    expected = pd.DataFrame(
        {
            "canvas_id": pd.array([1, 5], dtype="int64"),
            "name": _obj("U", "LSA"),
            "sis_id": _obj(None, "COLL-5"),
            "parent_account_id": pd.array([None, 1], dtype="Int64"),
        }
    )
    assert_frame_equal(transform.accounts_frame(accounts), expected)


def test_sections_frame_cuts_long_names_and_dedups() -> None:
    rows = [(7, "x" * 300, "S1", 1), (8, "Lab 😀", None, 1), (7, "again", "S1", 1)]
    frame = transform.sections_frame(rows)
    assert frame["canvas_id"].tolist() == [8, 7]
    assert frame["name"].tolist() == ["Lab 😀", "again"]
    long_name = transform.sections_frame(rows[:1])["name"].iloc[0]
    assert len(long_name) == transform.LONG_NAME_WIDTH


def test_enrollments_frame_one_row_per_id() -> None:
    rows = [
        (1, 10, 100, 1000, "active", "StudentEnrollment"),
        (2, 10, None, 1001, "invited", "TeacherEnrollment"),
        (1, 10, 100, 1000, "completed", "StudentEnrollment"),
    ]
    expected = pd.DataFrame(
        {
            "canvas_id": pd.array([2, 1], dtype="int64"),
            "course_id": pd.array([10, 10], dtype="int64"),
            "course_section_id": pd.array([None, 100], dtype="Int64"),
            "user_id": pd.array([1001, 1000], dtype="int64"),
            "workflow_state": _obj("invited", "completed"),
            "role_type": _obj("TeacherEnrollment", "StudentEnrollment"),
        }
    )
    assert_frame_equal(transform.enrollments_frame(rows), expected)


def test_empty_inputs_give_typed_empty_frames() -> None:
    assert transform.enrollments_frame([]).columns.tolist() == transform.ENROLLMENT_COLUMNS
    assert transform.usage_frame([]).columns.tolist() == transform.USAGE_COLUMNS
    assert transform.sections_frame([]).columns.tolist() == transform.SECTION_COLUMNS


def test_usage_frame_parses_dates_and_dedups_by_course_and_day() -> None:
    rows = [
        (10, "2026-09-01", 5, 1),
        (10, "2026-09-01T00:00:00Z", 6, 2),
        (11, "2026-09-02T00:00:00-04:00", 0, 0),
        (12, "not a date", 1, 1),
    ]
    expected = pd.DataFrame(
        {
            "course_id": pd.array([10, 11], dtype="int64"),
            "views": pd.array([6, 0], dtype="int64"),
            "participations": pd.array([2, 0], dtype="int64"),
            "date": _obj(date(2026, 9, 1), date(2026, 9, 2)),
        }
    )
    assert_frame_equal(transform.usage_frame(rows), expected)


def test_first_publish_time_takes_the_earliest_publish_event() -> None:
    events = [
        {"event_type": "published", "created_at": "2026-09-03T00:00:00Z"},
        {"event_type": "unpublished", "created_at": "2026-09-02T00:00:00Z"},
        {"event_type": "published", "created_at": "2026-09-01T08:00:00Z"},
        {"event_type": "created", "created_at": "2026-08-01T00:00:00Z"},
    ]
    assert transform.first_publish_time(events) == "2026-09-01T08:00:00Z"
    assert transform.first_publish_time([{"event_type": "created"}]) is None


def test_publish_dates_are_carried_and_only_missing_ones_looked_up() -> None:
    courses = transform.courses_frame(
        [_course(1, 1), _course(2, 1), _course(3, 1, workflow_state="unpublished")],
        keep_without_students=False,
    )
    known = pd.DataFrame({"canvas_id": [1, 3], "published_at": _ts("2026-01-01", "2025-05-05")})
    assert transform.courses_needing_publish_date(courses, known) == [2]
    dated = transform.with_published_at(courses, known, {2: "2026-09-01T08:00:00Z", 1: "2027"})
    assert_frame_equal(
        dated[["canvas_id", "published_at"]],
        pd.DataFrame(
            {
                "canvas_id": pd.array([1, 2, 3], dtype="int64"),
                "published_at": _ts("2026-01-01", "2026-09-01 08:00:00", "2025-05-05"),
            }
        ),
    )


def test_section_sis_ids_prefer_the_warehouse() -> None:
    sections = transform.sections_frame(
        [(7, "A", "canvas-7", 1), (8, "B", None, 1), (9, "C", "canvas-9", 1)]
    )
    warehouse = pd.DataFrame({"canvas_id": [7, 8, 9], "sis_id": ["udw-7", "udw-8", None]})
    enriched = transform.with_section_sis_ids(sections, warehouse)
    assert enriched["sis_id"].tolist() == ["udw-7", "udw-8", "canvas-9"]
    assert_frame_equal(transform.with_section_sis_ids(sections, warehouse.iloc[0:0]), sections)
