"""Create edx_grade_cell: graded cells of grade reports by file (read edx_grade_report_cell).

Narrow on purpose: a large course's report is ten million cells, and the course, generation,
assignment type and subsection of each come from edx_report_file and edx_report_column.
"""

from __future__ import annotations

from yoyo import step

from db.ddl import create_table

__depends__ = {"0072.create_edx_grade_report_learner"}

step(
    *create_table(
        "edx_grade_cell",
        """
    file_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    column_index SMALLINT NOT NULL,
    grade DOUBLE NULL,
    status VARCHAR(20) NULL,
    PRIMARY KEY (file_id, user_id, column_index)
""",
    )
)
