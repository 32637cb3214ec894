"""Create edx_event_type_day: events and learners per course, local day, event source and type."""

from __future__ import annotations

from yoyo import step

from db.ddl import create_table

__depends__ = {"0053.create_edx_course_activity_weekly"}

step(
    *create_table(
        "edx_event_type_day",
        """
    course_id VARCHAR(255){binary} NOT NULL,
    date DATE NOT NULL,
    event_source VARCHAR(20) NOT NULL,
    event_type VARCHAR(200){binary} NOT NULL,
    events BIGINT NOT NULL,
    users BIGINT NOT NULL,
    PRIMARY KEY (course_id, date, event_source, event_type)
""",
    )
)
