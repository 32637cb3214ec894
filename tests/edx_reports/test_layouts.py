"""Folder layouts and report file names, edge cases included."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from edx_reports.filenames import (
    course_prefix,
    get_valid_filename,
    parse_course_key,
    parse_report_filename,
    report_filename,
)
from edx_reports.filing import stored_name
from edx_reports.layouts import course_hash, object_key, parent_dir

DEMO = "edX/DemoX/Demo_Course"
DEMO_HASH = "931f2c258d234630b8518670f96b8f81e8e91410"
RUN_DATE = date(2026, 11, 21)


def test_demo_course_hash_is_the_known_sha1() -> None:
    assert course_hash(DEMO) == DEMO_HASH


@pytest.mark.parametrize(
    ("layout", "prefix", "expected"),
    [
        ("regular", "periodic-reports/", f"periodic-reports/{DEMO_HASH}/f.csv"),
        ("regular", "periodic-", f"periodic-{DEMO_HASH}/f.csv"),
        ("regular", "", f"{DEMO_HASH}/f.csv"),
        ("by_date", "periodic-reports/", "periodic-reports/2026/11/21/f.csv"),
        ("by_date", "periodic-", "periodic-2026/11/21/f.csv"),
        ("by_date", "", "2026/11/21/f.csv"),
        ("flat", "periodic-reports/", "periodic-reports/f.csv"),
        # The file is joined to the parent directory with a separator even when the prefix
        # has none, and an empty flat prefix falls back to the hashed folder.
        ("flat", "periodic-", "periodic-/f.csv"),
        ("flat", "", f"{DEMO_HASH}/f.csv"),
    ],
)
def test_layouts(layout: str, prefix: str, expected: str) -> None:
    assert object_key(layout, prefix, DEMO, RUN_DATE, "f.csv") == expected  # type: ignore[arg-type]


def test_by_date_format_is_settable() -> None:
    assert parent_dir("by_date", "r/", DEMO, RUN_DATE, "%Y-%m-%d") == "r/2026-11-21"


def test_unknown_layout_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown layout"):
        parent_dir("nested", "", DEMO, RUN_DATE)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("MATH 201", "MATH_201"),
        ("  a b  ", "a_b"),
        ("x/y:z+w", "xyzw"),
        ("Ünï-cödé_1.0", "Ünï-cödé_1.0"),
        ("it's (draft)!", "its_draft"),
    ],
)
def test_get_valid_filename(text: str, expected: str) -> None:
    assert get_valid_filename(text) == expected


def test_course_keys_of_every_shape() -> None:
    assert course_prefix(DEMO) == "edX_DemoX_Demo_Course"
    assert (
        course_prefix("course-v1:SandboxU+MATH 201+2026 Spring") == "SandboxU_MATH_201_2026_Spring"
    )
    ccx = "ccx-v1:SandboxU+STATS101+2026_Fall+ccx@3"
    assert parse_course_key(ccx).ccx == "3"
    assert course_prefix(ccx) == "SandboxU_STATS101_2026_Fall"
    assert course_prefix(ccx, ccx_suffix=True) == "SandboxU_STATS101_2026_Fall_ccx_3"
    for bad in ("course-v1:a+b", "nonsense", "ccx-v1:a+b+c", "a/b"):
        with pytest.raises(ValueError, match="course key"):
            parse_course_key(bad)


def test_report_file_names_round_trip_in_utc() -> None:
    eastern = timezone(timedelta(hours=-5))
    moment = datetime(2026, 11, 20, 22, 0, tzinfo=eastern)
    name = report_filename(DEMO, "grade_report", moment)
    assert name == "edX_DemoX_Demo_Course_grade_report_2026-11-21-0300.csv"
    parsed = parse_report_filename(name, DEMO)
    assert parsed is not None
    assert (parsed.report, parsed.generated_at) == (
        "grade_report",
        datetime(2026, 11, 21, 3, 0, tzinfo=UTC),
    )


def test_report_names_that_are_suffixes_of_one_another() -> None:
    name = "edX_DemoX_Demo_Course_problem_grade_report_2026-11-21-0300.csv"
    assert parse_report_filename(name, DEMO).report == "problem_grade_report"  # type: ignore[union-attr]
    err = "edX_DemoX_Demo_Course_grade_report_err_2026-11-21-0300.csv"
    assert parse_report_filename(err, DEMO).report == "grade_report_err"  # type: ignore[union-attr]


def test_ccx_names_with_and_without_the_suffix() -> None:
    ccx = "ccx-v1:SandboxU+STATS101+2026_Fall+ccx@3"
    for name in (
        "SandboxU_STATS101_2026_Fall_grade_report_2026-11-21-0300.csv",
        "SandboxU_STATS101_2026_Fall_ccx_3_grade_report_2026-11-21-0300.csv",
    ):
        assert parse_report_filename(name, ccx).report == "grade_report"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "name",
    [
        "edX_DemoX_Demo_Course_grade_report_2026-11-21-0300.txt",
        "edX_DemoX_Other_grade_report_2026-11-21-0300.csv",
        "edX_DemoX_Demo_Course_enrollment_report_2026-11-21-0300.csv",
        "edX_DemoX_Demo_Course_grade_report_2026-13-21-0300.csv",
        "edX_DemoX_Demo_Course_grade_report_2026-11-21.csv",
    ],
)
def test_other_files_are_not_reports_of_the_course(name: str) -> None:
    assert parse_report_filename(name, DEMO) is None


def test_ccx_files_get_their_suffix_only_where_folders_are_shared() -> None:
    ccx = "ccx-v1:SandboxU+STATS101+2026_Fall+ccx@3"
    name = parse_report_filename(
        "SandboxU_STATS101_2026_Fall_grade_report_2026-11-21-0300.csv", ccx
    )
    assert name is not None
    assert stored_name(ccx, name, "regular") == name.name
    for layout in ("by_date", "flat"):
        assert stored_name(ccx, name, layout) == (
            "SandboxU_STATS101_2026_Fall_ccx_3_grade_report_2026-11-21-0300.csv"
        )
    master = "course-v1:SandboxU+STATS101+2026_Fall"
    plain = parse_report_filename(name.name, master)
    assert plain is not None and stored_name(master, plain, "flat") == name.name
