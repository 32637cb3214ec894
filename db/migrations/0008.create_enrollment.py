"""Create enrollment."""

from __future__ import annotations

from yoyo import step

from db.ddl import create_table

__depends__ = {"0007.index_course_section_course_id"}

step(
    *create_table(
        "enrollment",
        """
    canvas_id BIGINT NOT NULL PRIMARY KEY,
    course_id BIGINT NOT NULL,
    course_section_id BIGINT NULL,
    user_id BIGINT NOT NULL,
    workflow_state VARCHAR(25) NOT NULL,
    role_type VARCHAR(25) NOT NULL
""",
    )
)
