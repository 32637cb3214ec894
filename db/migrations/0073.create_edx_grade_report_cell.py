"""Create edx_grade_report_cell: a grade report in long form, one row per learner and column."""

from __future__ import annotations

from yoyo import step

from db.ddl import create_table

__depends__ = {"0072.create_edx_grade_report_learner"}

step(*create_table("edx_grade_report_cell", """
    course_id VARCHAR(255){binary} NOT NULL,
    generated_at DATETIME NOT NULL,
    user_id BIGINT NOT NULL,
    column_index SMALLINT NOT NULL,
    assignment_type VARCHAR(255) NOT NULL,
    subsection_index SMALLINT NULL,
    is_average BOOLEAN NOT NULL,
    grade DOUBLE NULL,
    status VARCHAR(20) NULL,
    PRIMARY KEY (course_id, generated_at, user_id, column_index)
"""))
