"""Create edx_video_segment: learners and viewings per video segment (5 s and 1 s)."""

from __future__ import annotations

from yoyo import step

from db.ddl import create_table

__depends__ = {"0061.create_edx_video"}

step(
    *create_table(
        "edx_video_segment",
        """
    course_id VARCHAR(255){binary} NOT NULL,
    video_id VARCHAR(255){binary} NOT NULL,
    segment_length INTEGER NOT NULL,
    segment INTEGER NOT NULL,
    users BIGINT NOT NULL,
    viewings BIGINT NOT NULL,
    PRIMARY KEY (course_id, video_id, segment_length, segment)
""",
    )
)
