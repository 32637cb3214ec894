"""Create edx_problem_cell: problem scores by file (read the view edx_problem_grade_cell)."""

from __future__ import annotations

from yoyo import step

from db.ddl import create_table

__depends__ = {"0073.create_edx_grade_cell"}

step(
    *create_table(
        "edx_problem_cell",
        """
    file_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    column_index SMALLINT NOT NULL,
    earned DOUBLE NULL,
    possible DOUBLE NULL,
    status VARCHAR(20) NULL,
    PRIMARY KEY (file_id, user_id, column_index)
""",
    )
)
