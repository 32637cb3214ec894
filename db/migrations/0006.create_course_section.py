"""Create course_section."""

from __future__ import annotations

from yoyo import step

from db.ddl import create_table

__depends__ = {"0005.index_course_term_id"}

step(
    *create_table(
        "course_section",
        """
    canvas_id BIGINT NOT NULL PRIMARY KEY,
    sis_id VARCHAR(256) NULL,
    name VARCHAR(256) NULL,
    course_id BIGINT NULL
""",
    )
)
