"""Create edx_enrollment_event: enrollment activations, deactivations and mode changes."""

from __future__ import annotations

from yoyo import step

from db.ddl import create_table

__depends__ = {"0054.create_edx_event_type_day"}

step(
    *create_table(
        "edx_enrollment_event",
        """
    course_id VARCHAR(255){binary} NOT NULL,
    username VARCHAR(150){binary} NOT NULL,
    event_time DATETIME NOT NULL,
    date DATE NOT NULL,
    event_type VARCHAR(60) NOT NULL,
    mode VARCHAR(40) NULL,
    PRIMARY KEY (course_id, username, event_time, event_type)
""",
    )
)
