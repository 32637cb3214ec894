"""Create edx_time_spent_day: seconds and sessions per course, learner, local day and method."""

from __future__ import annotations

from yoyo import step

from db.ddl import create_table

__depends__ = {"0057.create_edx_learner_course"}

step(
    *create_table(
        "edx_time_spent_day",
        """
    course_id VARCHAR(255){binary} NOT NULL,
    username VARCHAR(150){binary} NOT NULL,
    date DATE NOT NULL,
    method VARCHAR(30) NOT NULL,
    params_hash VARCHAR(16) NOT NULL,
    seconds DOUBLE NOT NULL,
    sessions BIGINT NOT NULL,
    events BIGINT NOT NULL,
    PRIMARY KEY (course_id, username, date, method, params_hash)
""",
    )
)
