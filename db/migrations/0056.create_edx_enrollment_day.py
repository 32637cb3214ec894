"""Create edx_enrollment_day: enrollment changes and totals per course, local day and mode."""

from __future__ import annotations

from yoyo import step

from db.ddl import create_table

__depends__ = {"0055.create_edx_enrollment_event"}

step(
    *create_table(
        "edx_enrollment_day",
        """
    course_id VARCHAR(255){binary} NOT NULL,
    date DATE NOT NULL,
    mode VARCHAR(40) NOT NULL,
    enrollments BIGINT NOT NULL,
    unenrollments BIGINT NOT NULL,
    enrolled_end_of_day BIGINT NOT NULL,
    cumulative_enrollments BIGINT NOT NULL,
    PRIMARY KEY (course_id, date, mode)
""",
    )
)
