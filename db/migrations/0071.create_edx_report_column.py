"""Create edx_report_column: each graded column of a parsed report file, as its header names it."""

from __future__ import annotations

from yoyo import step

from db.ddl import create_table

__depends__ = {"0070.create_edx_report_file"}

step(
    *create_table(
        "edx_report_column",
        """
    file_id BIGINT NOT NULL,
    column_index SMALLINT NOT NULL,
    course_id VARCHAR(255){binary} NOT NULL,
    generated_at DATETIME NOT NULL,
    report_type VARCHAR(40) NOT NULL,
    header VARCHAR(1000) NOT NULL,
    kind VARCHAR(20) NOT NULL,
    assignment_type VARCHAR(255) NOT NULL,
    subsection_index SMALLINT NULL,
    subsection_name VARCHAR(255) NULL,
    problem_name VARCHAR(255) NULL,
    PRIMARY KEY (file_id, column_index)
""",
    )
)
