"""Create edx_video_learner: per learner and video: seconds watched and unique, coverage."""

from __future__ import annotations

from yoyo import step

from db.ddl import create_table

__depends__ = {"0062.create_edx_video_segment"}

step(
    *create_table(
        "edx_video_learner",
        """
    course_id VARCHAR(255){binary} NOT NULL,
    video_id VARCHAR(255){binary} NOT NULL,
    username VARCHAR(150){binary} NOT NULL,
    viewings BIGINT NOT NULL,
    watched_seconds DOUBLE NOT NULL,
    unique_seconds DOUBLE NOT NULL,
    rewatched_seconds DOUBLE NOT NULL,
    coverage DOUBLE NULL,
    completed INTEGER NULL,
    first_viewed_at DATETIME NOT NULL,
    last_viewed_at DATETIME NOT NULL,
    PRIMARY KEY (course_id, video_id, username)
""",
    )
)
