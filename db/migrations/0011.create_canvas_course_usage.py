"""Create canvas_course_usage: daily views and participations per course."""

from __future__ import annotations

from yoyo import step

from db.ddl import create_table

__depends__ = {"0010.index_enrollment_user_id"}

step(
    *create_table(
        "canvas_course_usage",
        """
    id {autoinc_pk},
    course_id BIGINT NOT NULL,
    views INT NOT NULL,
    participations INT NOT NULL,
    date DATE NOT NULL,
    UNIQUE (course_id, date)
""",
    )
)
