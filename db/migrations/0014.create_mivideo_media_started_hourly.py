"""Create mivideo_media_started_hourly: media-started events per course and UTC hour."""

from __future__ import annotations

from yoyo import step

from db.ddl import create_table

__depends__ = {"0013.create_data_source_status"}

step(
    *create_table(
        "mivideo_media_started_hourly",
        """
    id {autoinc_pk},
    event_hour_utc VARCHAR(20) NOT NULL,
    course_id BIGINT NOT NULL,
    event_time_utc_latest DATETIME NOT NULL,
    event_count BIGINT NOT NULL,
    UNIQUE (event_hour_utc, course_id)
""",
    )
)
