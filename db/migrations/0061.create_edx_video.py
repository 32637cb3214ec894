"""Create edx_video: per video: duration and its source, viewers at start and end, totals."""

from __future__ import annotations

from yoyo import step

from db.ddl import create_table

__depends__ = {"0060.create_edx_video_viewing"}

step(
    *create_table(
        "edx_video",
        """
    course_id VARCHAR(255){binary} NOT NULL,
    video_id VARCHAR(255){binary} NOT NULL,
    duration DOUBLE NULL,
    duration_source VARCHAR(20) NULL,
    segment_length INTEGER NOT NULL,
    users_at_start BIGINT NOT NULL,
    users_at_end BIGINT NULL,
    total_viewed_seconds BIGINT NOT NULL,
    viewers BIGINT NOT NULL,
    completers BIGINT NOT NULL,
    PRIMARY KEY (course_id, video_id)
""",
    )
)
