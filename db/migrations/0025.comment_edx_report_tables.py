"""Describe the EDX_REPORTS tables in a comment (MySQL), as 0023 does for the others."""

from __future__ import annotations

from yoyo import step

from db.ddl import comment_tables

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


step(*comment_tables(COMMENTS))
