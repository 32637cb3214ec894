"""Create edx_learner_day: events and activity labels per course, learner and local day."""

from __future__ import annotations

from yoyo import step

from db.ddl import create_table

__depends__ = {"0051.create_edx_log_file_name"}

step(
    *create_table(
        "edx_learner_day",
        """
    course_id VARCHAR(255){binary} NOT NULL,
    username VARCHAR(150){binary} NOT NULL,
    date DATE NOT NULL,
    events BIGINT NOT NULL,
    active_events BIGINT NOT NULL,
    problem_attempts BIGINT NOT NULL,
    video_plays BIGINT NOT NULL,
    forum_posts BIGINT NOT NULL,
    first_event_at DATETIME NOT NULL,
    last_event_at DATETIME NOT NULL,
    PRIMARY KEY (course_id, username, date)
""",
    )
)
