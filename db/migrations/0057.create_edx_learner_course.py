"""Create edx_learner_course: whole-history figures and status per course and learner."""

from __future__ import annotations

from yoyo import step

from db.ddl import create_table

__depends__ = {"0056.create_edx_enrollment_day"}

step(
    *create_table(
        "edx_learner_course",
        """
    course_id VARCHAR(255){binary} NOT NULL,
    username VARCHAR(150){binary} NOT NULL,
    first_event_at DATETIME NULL,
    last_event_at DATETIME NULL,
    days_active BIGINT NOT NULL,
    enrollment_state VARCHAR(20) NULL,
    enrollment_mode VARCHAR(40) NULL,
    first_enrolled_at DATETIME NULL,
    last_unenrolled_at DATETIME NULL,
    problems_attempted BIGINT NOT NULL,
    seconds DOUBLE NOT NULL,
    method VARCHAR(30) NOT NULL,
    params_hash VARCHAR(16) NOT NULL,
    status VARCHAR(30) NOT NULL,
    PRIMARY KEY (course_id, username)
""",
    )
)
