"""Create zoom_meeting: past Zoom meetings; uuid is case-sensitive."""

from __future__ import annotations

from yoyo import step

from db.ddl import create_table

__depends__ = {"0019.create_lti_placement"}

step(
    *create_table(
        "zoom_meeting",
        """
    uuid VARCHAR(64){binary} NOT NULL PRIMARY KEY,
    meeting_id BIGINT NULL,
    topic VARCHAR(300) NULL,
    host_id VARCHAR(64) NULL,
    start_time DATETIME NULL,
    end_time DATETIME NULL,
    duration_minutes INT NULL,
    participants INT NULL,
    participant_minutes_est BIGINT NULL,
    meeting_day DATE NOT NULL
""",
    )
)
