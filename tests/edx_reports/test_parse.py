"""The header grammar on reports generated from several grading policies, parsed into cells."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from db import Database
from edx_reports import headers
from edx_reports.load import FileRecord, load_report, record
from edx_reports.parse import parse_report
from sandbox.lms import reports
from sandbox.lms.courses import LmsCourse, default_courses

AT = datetime(2026, 11, 21, 3, 0, tzinfo=UTC)
COURSES = {course.course_id: course for course in default_courses()}
STATS = "course-v1:SandboxU+STATS101+2026_Fall"
DEMO = "edX/DemoX/Demo_Course"


def _write(tmp_path: Path, course: LmsCourse, task: str) -> Path:
    name, content = reports.render(course, task)
    path = tmp_path / f"{name}.csv"
    path.write_bytes(content)
    return path


def _rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


def test_grade_header_of_a_policy_with_averages_single_types_and_learner_columns() -> None:
    spec = headers.parse_grade_header(reports.grade_header(COURSES[STATS]))
    kinds = [
        (c.kind, c.assignment_type, c.subsection_index, c.subsection_name) for c in spec.columns
    ]
    assert kinds == [
        ("subsection", "Homework", 1, "Week 1: Practice"),
        ("subsection", "Homework", 2, "Week 2: Practice"),
        ("subsection", "Homework", 3, "Week 3: Practice"),
        ("average", "Homework", None, None),
        ("subsection", "Lab", 1, "Lab - Setup"),
        ("subsection", "Lab", 2, "Lab - Regression"),
        ("average", "Lab", None, None),
        ("single", "Final Exam", 1, None),
    ]
    assert spec.cohort == 12
    assert spec.experiments == (("Hint Experiment", 13),)
    assert spec.team == 14


def test_grade_header_without_optional_columns() -> None:
    spec = headers.parse_grade_header(reports.grade_header(COURSES[DEMO]))
    assert [(c.kind, c.header) for c in spec.columns] == [
        ("subsection", "Quiz 1: Quiz 1"),
        ("subsection", "Quiz 2: Quiz 2"),
        ("average", "Quiz (Avg)"),
        ("single", "Midterm Exam"),
    ]
    assert (spec.cohort, spec.experiments, spec.team) == (None, (), None)


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (["Student ID", "Email", "Grade"], "starts"),
        (["Student ID", "Email", "Username", "Grade", "Quiz"], "ends"),
        (["Student ID", "Email", "Username", "Grade", "Quiz (Avg)", *reports.TAIL], "averages no"),
    ],
)
def test_grade_headers_off_the_grammar_are_refused(header: list[str], message: str) -> None:
    with pytest.raises(headers.HeaderError, match=message):
        headers.parse_grade_header(header)


def test_problem_header_split_uses_the_grade_report_subsection_names() -> None:
    course = COURSES[STATS]
    known = headers.known_subsections(
        headers.parse_grade_header(reports.grade_header(course)).columns
    )
    columns = headers.parse_problem_header(reports.problem_header(course), known)
    labs = {(c.subsection_name, c.problem_name) for c in columns if c.assignment_type == "Lab"}
    assert labs == {
        ("Lab - Setup", "Check - Python"),
        ("Lab - Setup", "Check - Data"),
        ("Lab - Regression", "Fit"),
    }
    alone = headers.parse_problem_header(reports.problem_header(course))
    # Without the grade report the grammar is ambiguous; the first shared separator wins.
    assert {c.subsection_name for c in alone if c.assignment_type == "Lab"} == {"Lab"}
    homework = [c for c in alone if c.assignment_type == "Homework"]
    assert (homework[0].subsection_name, homework[0].problem_name) == (
        "Week 1: Practice",
        "Problem 1.1",
    )


def test_problem_header_pairs_must_match() -> None:
    header = [*headers.PROBLEM_HEAD, "HW 1: A - P (Earned)", "HW 1: A - Q (Possible)"]
    with pytest.raises(headers.HeaderError, match="Earned/Possible"):
        headers.parse_problem_header(header)


@pytest.mark.parametrize("course_id", list(COURSES))
def test_grade_report_cells_round_trip(tmp_path: Path, course_id: str) -> None:
    course = COURSES[course_id]
    path = _write(tmp_path, course, "grade_course")
    parsed = parse_report(path, "grade_report", course_id, AT)
    cells = pd.concat(list(parsed.cells), ignore_index=True)
    rows = _rows(path)
    spec = headers.parse_grade_header(rows[0])
    assert len(cells) == len(course.learners) * len(spec.columns)
    expected = {(int(row[0]), c.index): row[c.index] for row in rows[1:] for c in spec.columns}
    for cell in cells.itertuples():
        text = expected[(cell.user_id, cell.column_index)]
        if text in ("Not Attempted", "Not Available"):
            assert (pd.isna(cell.grade), cell.status) == (True, text.lower())
        else:
            assert pd.isna(cell.status)
            assert cell.grade == float(text)
    learners = parsed.frames["edx_grade_report_learner"]
    assert len(learners) == len(course.learners)
    assert set(learners["enrollment_status"]) <= {"enrolled", "unenrolled"}


def test_problem_and_profile_reports_parse(tmp_path: Path) -> None:
    course = COURSES[STATS]
    problems = parse_report(
        _write(tmp_path, course, "grade_problems"), "problem_grade_report", STATS, AT
    )
    cells = pd.concat(list(problems.cells), ignore_index=True)
    assert len(cells) == len(course.learners) * len(course.problems)
    unavailable = cells[cells["status"] == "not available"]
    assert unavailable["possible"].isna().all() and unavailable["earned"].isna().all()
    attempted = cells[cells["status"].isna()]
    assert (attempted["earned"] <= attempted["possible"]).all()
    profile = parse_report(
        _write(tmp_path, course, "profile_info_csv"), "student_profile_info", STATS, AT
    )
    rows = profile.frames["edx_profile_row"]
    assert len(rows) == sum(learner.active for learner in course.learners)
    assert rows["extra"].iloc[0] == '{"employer": "Sandbox Co."}'
    assert rows["goals"].iloc[0] == 'Learn, with "quotes", commas'


def test_load_replaces_a_generation_and_keeps_others(tmp_path: Path, database: Database) -> None:
    course = COURSES[DEMO]
    path = _write(tmp_path, course, "grade_course")
    later = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
    # The same file twice, another file of the same generation, then the next generation.
    for name, at in (("a.csv", AT), ("a.csv", AT), ("a-copy.csv", AT), ("b.csv", later)):
        parsed = parse_report(path, "grade_report", DEMO, at)
        entry = FileRecord(
            DEMO, "grade_report", name, "parsed", "run-1", generated_at=at, row_count=parsed.rows
        )
        load_report(database, parsed, entry, record(database, entry))
    per_generation = database.query_frame(
        "SELECT generated_at, COUNT(*) AS n, MIN(assignment_type) AS first_type, "
        "SUM(is_average) AS averages FROM edx_grade_report_cell GROUP BY generated_at "
        "ORDER BY generated_at"
    )
    cells = len(course.learners) * 4
    assert per_generation["n"].tolist() == [cells, cells]
    assert per_generation["first_type"].tolist() == ["Midterm Exam"] * 2
    assert per_generation["averages"].tolist() == [len(course.learners)] * 2
    assert database.scalar("SELECT COUNT(*) FROM edx_report_file") == 3
    assert database.scalar("SELECT COUNT(*) FROM edx_report_column") == 8
    assert database.scalar("SELECT COUNT(*) FROM edx_grade_report_learner") == 50
