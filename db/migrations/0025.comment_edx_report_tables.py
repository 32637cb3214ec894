"""Describe the EDX_REPORTS tables in a comment (MySQL), as 0023 does for the others."""

from __future__ import annotations

from typing import Any

from yoyo import step

from db.ddl import dialect_of

# After the EDX_REPORTS tables exist, whichever order the two blocks were applied in.
__depends__ = {"0024.comment_matomo_tables", "0075.create_edx_profile_row"}

COMMENTS = {
    "edx_report_file": "Each Open edX LMS report file loaded: course, type, name (EDX_REPORTS)",
    "edx_report_column": "The columns of each loaded Open edX report (EDX_REPORTS)",
    "edx_grade_report_learner": "Learners of each Open edX grade report (EDX_REPORTS)",
    "edx_grade_cell": "Open edX grade report cells, one per learner and column (EDX_REPORTS)",
    "edx_problem_cell": "Open edX problem grade report cells (EDX_REPORTS)",
    "edx_profile_row": "Open edX student profile report rows (EDX_REPORTS)",
}


def apply(conn: Any) -> None:
    if dialect_of(conn) == "mysql":  # SQLite has no table comments
        cursor = conn.cursor()
        for table, comment in COMMENTS.items():
            cursor.execute(f"ALTER TABLE {table} COMMENT = %s", (comment,))


def rollback(conn: Any) -> None:
    if dialect_of(conn) == "mysql":
        cursor = conn.cursor()
        for table in COMMENTS:
            cursor.execute(f"ALTER TABLE {table} COMMENT = ''")


step(apply, rollback)
