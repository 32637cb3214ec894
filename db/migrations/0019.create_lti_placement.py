"""Create lti_placement: visible LTI tool tabs per course, keyed by (course, tool)."""

from __future__ import annotations

from yoyo import step

from db.ddl import create_table

__depends__ = {"0018.seed_lti_type"}

step(
    *create_table(
        "lti_placement",
        """
    id BIGINT NOT NULL PRIMARY KEY,
    course_id BIGINT NOT NULL,
    account_id BIGINT NULL,
    course_name VARCHAR(256) NULL,
    placement_type_id BIGINT NOT NULL,
    UNIQUE (course_id, placement_type_id)
""",
    )
)
