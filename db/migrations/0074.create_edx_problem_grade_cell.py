"""Create edx_problem_grade_cell: a problem grade report in long form, one row per problem."""

from __future__ import annotations

from yoyo import step

from db.ddl import create_table

__depends__ = {"0073.create_edx_grade_report_cell"}

step(*create_table("edx_problem_grade_cell", """
    course_id VARCHAR(255){binary} NOT NULL,
    generated_at DATETIME NOT NULL,
    user_id BIGINT NOT NULL,
    column_index SMALLINT NOT NULL,
    assignment_type VARCHAR(255) NOT NULL,
    subsection_index SMALLINT NOT NULL,
    subsection_name VARCHAR(255) NULL,
    problem_name VARCHAR(255) NULL,
    earned DOUBLE NULL,
    possible DOUBLE NULL,
    status VARCHAR(20) NULL,
    PRIMARY KEY (course_id, generated_at, user_id, column_index)
"""))
