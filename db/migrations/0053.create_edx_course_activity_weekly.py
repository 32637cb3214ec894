"""Create edx_course_activity_weekly: distinct learners per course, ISO week and activity label."""

from __future__ import annotations

from yoyo import step

from db.ddl import create_table

__depends__ = {"0052.create_edx_learner_day"}

step(
    *create_table(
        "edx_course_activity_weekly",
        """
    course_id VARCHAR(255){binary} NOT NULL,
    week_start DATE NOT NULL,
    label VARCHAR(30) NOT NULL,
    users BIGINT NOT NULL,
    PRIMARY KEY (course_id, week_start, label)
""",
    )
)
