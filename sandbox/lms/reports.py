"""Rows of the three reports, built the way edx-platform's report tasks build them."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

import numpy as np

from sandbox.lms.courses import ATTEMPTED, NOT_ATTEMPTED, LmsCourse

TAIL = [
    "Enrollment Track",
    "Verification Status",
    "Certificate Eligible",
    "Certificate Delivered",
    "Certificate Type",
    "Enrollment Status",
]
# A newer release's profile features (year_of_birth excluded), with one extra site attribute.
PROFILE_FEATURES = [
    "id",
    "username",
    "name",
    "email",
    "language",
    "location",
    "gender",
    "level_of_education",
    "mailing_address",
    "goals",
    "enrollment_mode",
    "last_login",
    "date_joined",
    "external_user_key",
    "enrollment_date",
    "employer",
]


def grade_header(course: LmsCourse) -> list[str]:
    header = ["Student ID", "Email", "Username", "Grade"]
    for kind in course.policy:
        if len(kind.subsections) > 1:
            header += [f"{kind.name} {i}: {s.name}" for i, s in enumerate(kind.subsections, 1)]
            header.append(f"{kind.name} (Avg)")
        else:
            header.append(kind.name)
    header += ["Cohort Name"] if course.cohorts else []
    header += [f"Experiment Group ({name})" for name, _ in course.partitions]
    header += ["Team Name"] if course.teams else []
    return header + TAIL


def _subsection_percents(course: LmsCourse) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """learners x subsections: graded percent, attempted flag; and each subsection's type."""
    columns, attempted, owners = [], [], []
    start = 0
    for t, kind in enumerate(course.policy):
        for sub in kind.subsections:
            stop = start + len(sub.problems)
            possible = sum(p for _, p in sub.problems)
            columns.append(course.earned[:, start:stop].sum(axis=1) / possible)
            attempted.append((course.states[:, start:stop] == ATTEMPTED).any(axis=1))
            owners.append(t)
            start = stop
    return np.column_stack(columns), np.column_stack(attempted), owners


def grade_rows(course: LmsCourse) -> Iterator[list[object]]:
    percents, attempted, owners = _subsection_percents(course)
    any_attempt: np.ndarray = np.asarray(attempted.any(axis=1))
    for row, learner in enumerate(course.learners):
        cells: list[object] = []
        total = 0.0
        for t, kind in enumerate(course.policy):
            mine = [i for i, owner in enumerate(owners) if owner == t]
            values = [float(percents[row, i]) for i in mine]
            cells += [
                v if attempted[row, i] else "Not Attempted"
                for v, i in zip(values, mine, strict=True)
            ]
            kept = sorted(values)[kind.drop :] if len(values) > kind.drop else values
            average = sum(kept) / len(kept) if any_attempt[row] else 0.0
            if len(mine) > 1:
                cells.append(average)
            total += kind.weight * average
        yield [
            learner.id,
            learner.email,
            learner.username,
            round(total, 2),
            *cells,
            *([learner.cohort] if course.cohorts else []),
            *learner.groups,
            *([learner.team] if course.teams else []),
            learner.mode,
            "N/A" if learner.mode == "audit" else "Not ID Verified",
            "Y" if total >= 0.5 else "N",
            "N",
            "N/A" if total < 0.5 else learner.mode,
            "enrolled" if learner.active else "unenrolled",
        ]


def problem_header(course: LmsCourse) -> list[str]:
    header = ["Student ID", "Email", "Username", "Enrollment Status", "Grade"]
    for kind, number, sub, name, _ in course.problems:
        base = f"{kind.name} {number}: {sub.name} - {name}"
        header += [f"{base} (Earned)", f"{base} (Possible)"]
    return header


def problem_rows(course: LmsCourse) -> Iterator[list[object]]:
    grades = [row[3] for row in grade_rows(course)]
    possible = [p[4] for p in course.problems]
    for row, learner in enumerate(course.learners):
        cells: list[object] = []
        for col, state in enumerate(course.states[row]):
            if state == ATTEMPTED:
                cells += [float(course.earned[row, col]), possible[col]]
            elif state == NOT_ATTEMPTED:
                cells += ["Not Attempted", possible[col]]
            else:
                cells += ["Not Available", "Not Available"]
        status = "enrolled" if learner.active else "unenrolled"
        yield [learner.id, learner.email, learner.username, status, grades[row], *cells]


def profile_header(course: LmsCourse) -> list[str]:
    return (
        PROFILE_FEATURES
        + (["cohort"] if course.cohorts else [])
        + (["team"] if course.teams else [])
        + ["city", "country"]
    )


def profile_rows(course: LmsCourse) -> Iterator[list[object]]:
    for learner in course.learners:
        if not learner.active:
            continue
        yield [
            learner.id,
            learner.username,
            learner.name,
            learner.email,
            "en",
            "",
            "f" if learner.id % 2 else "m",
            "b",
            "",
            'Learn, with "quotes", commas',
            learner.mode,
            "2026-11-20 10:00:00+00:00",
            "2026-01-05 09:30:00+00:00",
            "",
            "2026-09-01 12:00:00+00:00",
            "Sandbox Co.",
            *([learner.cohort] if course.cohorts else []),
            *([learner.team] if course.teams else []),
            "Ann Arbor",
            "US",
        ]


def render_csv(header: list[str], rows: Iterator[list[object]]) -> bytes:
    """CSV as the report store writes it: comma, CRLF, minimal quoting, every cell str()-ed."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([str(cell) for cell in row] for row in rows)
    return buffer.getvalue().encode("utf-8")


REPORTS = {
    "grade_course": ("grade_report", grade_header, grade_rows),
    "grade_problems": ("problem_grade_report", problem_header, problem_rows),
    "profile_info_csv": ("student_profile_info", profile_header, profile_rows),
}


def render(course: LmsCourse, task_type: str) -> tuple[str, bytes]:
    """(csv_name, file content) of one report of a course."""
    csv_name, header, rows = REPORTS[task_type]
    return csv_name, render_csv(header(course), rows(course))


def valid_filename(text: str) -> str:
    return re.sub(r"[^-\w.]", "", text.strip().replace(" ", "_"))


def filename_prefix(course_id: str) -> str:
    """``org_course_run`` of a course key (the CCX suffix flag is off, as by default)."""
    if ":" not in course_id:
        org, number, run = course_id.split("/")
    else:
        org, number, run = course_id.partition(":")[2].split("+")[:3]
    return valid_filename(f"{org}_{number}_{run}")
