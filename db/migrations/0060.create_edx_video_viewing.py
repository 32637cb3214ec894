"""Create edx_video_viewing: video viewings (play to pause, stop or seek), pipeline rules."""

from __future__ import annotations

from yoyo import step

from db.ddl import create_table

__depends__ = {"0059.create_kpi_params"}

step(
    *create_table(
        "edx_video_viewing",
        """
    course_id VARCHAR(255){binary} NOT NULL,
    video_id VARCHAR(255){binary} NOT NULL,
    username VARCHAR(150){binary} NOT NULL,
    start_time DATETIME NOT NULL,
    start_offset DOUBLE NOT NULL,
    end_offset DOUBLE NOT NULL,
    ended_by VARCHAR(10) NOT NULL,
    duration DOUBLE NULL,
    PRIMARY KEY (course_id, video_id, username, start_time)
""",
    )
)
