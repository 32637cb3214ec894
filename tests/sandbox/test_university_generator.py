"""The synthetic university is deterministic and internally consistent."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

import numpy as np
import pytest

from sandbox.university import University, build_university
from sandbox.university.records import ENROLLMENT_STATES, ENROLLMENT_TYPES


def _fingerprint(uni: University) -> tuple:
    table = uni.enrollments
    showcase = uni.showcase_course_id
    return (
        uni.accounts,
        uni.terms,
        uni.courses,
        uni.sections,
        table.id.tolist(),
        table.user_id.tolist(),
        table.state.tolist(),
        uni.audit[showcase],
        uni.tabs[showcase],
        uni.activity[showcase],
        sorted(uni.restricted_course_ids),
    )


def test_same_seed_gives_same_university(tiny_university: University) -> None:
    assert _fingerprint(build_university("tiny", seed=7)) == _fingerprint(tiny_university)


def test_other_seed_gives_other_university(tiny_university: University) -> None:
    assert _fingerprint(build_university("tiny", seed=8)) != _fingerprint(tiny_university)


def test_unknown_size_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown sandbox size"):
        build_university("huge")


def test_sizes() -> None:
    tiny, demo = build_university("tiny"), build_university("demo")
    assert 20 <= len(tiny.courses) <= 40
    assert 200 <= len(demo.courses) <= 500
    assert len(demo.enrollments) > len(tiny.enrollments)


def test_large_size() -> None:
    large = build_university("large")
    assert len(large.courses) == 10_000
    assert 450_000 <= len(large.enrollments) <= 550_000


def test_enrollment_sections_belong_to_their_course(tiny_university: University) -> None:
    table = tiny_university.enrollments
    section_course = {s["id"]: s["course_id"] for s in tiny_university.sections}
    assert all(
        section_course[int(s)] == int(c)
        for s, c in zip(table.section_id, table.course_id, strict=True)
    )


def test_cross_listed_sections(tiny_university: University) -> None:
    moved = [s for s in tiny_university.sections if s["nonxlist_course_id"] is not None]
    assert moved
    for section in moved:
        assert section["nonxlist_course_id"] != section["course_id"]
        assert section["nonxlist_course_id"] in tiny_university.course_by_id


def test_every_type_and_state_occurs(tiny_university: University) -> None:
    rows = list(tiny_university.enrollments)
    assert {r["type"] for r in rows} == set(ENROLLMENT_TYPES)
    assert {r["enrollment_state"] for r in rows} == set(ENROLLMENT_STATES)
    observers = [r for r in rows if r["type"] == "ObserverEnrollment"]
    assert all(r["associated_user_id"] for r in observers)


def test_enrollment_ids_are_unique(tiny_university: University) -> None:
    assert len(np.unique(tiny_university.enrollments.id)) == len(tiny_university.enrollments)


def test_course_edge_cases(tiny_university: University) -> None:
    courses = tiny_university.courses
    states = Counter(c["workflow_state"] for c in courses)
    assert {"unpublished", "available", "completed", "deleted"} <= set(states)
    assert any(c["sis_course_id"] is None for c in courses)
    assert any(not c["name"].isascii() for c in courses)
    live = tiny_university.course_ids
    assert any(tiny_university.total_students(cid) == 0 for cid in live)
    assert tiny_university.restricted_course_ids <= set(live)


def test_account_tree_has_three_levels(tiny_university: University) -> None:
    by_id = tiny_university.account_by_id
    root = [a for a in tiny_university.accounts if a["parent_account_id"] is None]
    assert [a["id"] for a in root] == [1]
    depth = {a["id"]: 1 if a["parent_account_id"] is None else 0 for a in by_id.values()}
    for account in tiny_university.accounts:  # parents precede children
        if account["parent_account_id"] is not None:
            depth[account["id"]] = depth[account["parent_account_id"]] + 1
    assert max(depth.values()) == 3
    assert all(c["account_id"] in by_id for c in tiny_university.courses)


def test_terms_include_an_undated_one(tiny_university: University) -> None:
    undated = [t for t in tiny_university.terms if t["start_at"] is None]
    assert undated and undated[0]["sis_term_id"] is None and undated[0]["end_at"] is None


def test_audit_events_newest_first(tiny_university: University) -> None:
    for course_id in tiny_university.course_ids:
        stamps = [
            datetime.fromisoformat(e["created_at"]) for e in tiny_university.audit[course_id]
        ]
        assert stamps == sorted(stamps, reverse=True)
    republished = [
        cid
        for cid in tiny_university.course_ids
        if tiny_university.published_at(cid, "first") != tiny_university.published_at(cid, "last")
    ]
    assert republished


def test_activity_only_for_available_and_completed_courses(tiny_university: University) -> None:
    for course_id in tiny_university.course_ids:
        days = tiny_university.activity[course_id]
        if tiny_university.course_states[course_id] not in ("available", "completed"):
            assert days == []
        for day in days:
            assert set(day) == {"date", "views", "participations"}
            assert 0 <= day["participations"] <= day["views"]


def test_tabs_hidden_only_when_true(tiny_university: University) -> None:
    for course_id in tiny_university.course_ids:
        tabs = tiny_university.tabs[course_id]
        assert [t["position"] for t in tabs] == list(range(1, len(tabs) + 1))
        assert all(t.get("hidden", True) is True for t in tabs)
    showcase = {t["id"]: t for t in tiny_university.tabs[tiny_university.showcase_course_id]}
    assert "hidden" not in showcase["context_external_tool_25194"]
    assert showcase["context_external_tool_4352"]["hidden"] is True


def test_truth_helpers(tiny_university: University) -> None:
    terms = [t["id"] for t in tiny_university.terms]
    kept = tiny_university.expected_course_ids(terms)
    everything = tiny_university.expected_course_ids(terms, keep_without_students=True)
    assert set(kept) < set(everything)
    assert all(tiny_university.total_students(cid) > 0 for cid in kept)
    enrollments = tiny_university.expected_enrollments(kept)
    assert {e["enrollment_state"] for e in enrollments} == {
        "active",
        "invited",
        "completed",
        "inactive",
    }
    placements = tiny_university.expected_lti_placements([164])
    assert (tiny_university.showcase_course_id, 25194) in placements
    assert (tiny_university.showcase_course_id, 4352) not in placements


def test_sizes_grow_towards_the_largest_canvas_instances() -> None:
    from sandbox.university.generator import SIZES

    courses = [SIZES[name].courses for name in ("tiny", "demo", "large", "xlarge")]
    assert courses == sorted(courses) and courses[-1] == 30_000
