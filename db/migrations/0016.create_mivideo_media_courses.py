"""Create mivideo_media_courses: links from Kaltura media to Canvas courses."""

from __future__ import annotations

from yoyo import step

from db.ddl import create_table

__depends__ = {"0015.create_mivideo_media_created"}

step(
    *create_table(
        "mivideo_media_courses",
        """
    media_id VARCHAR(20){binary} NOT NULL,
    course_id BIGINT NOT NULL,
    in_context BOOLEAN NOT NULL DEFAULT 0,
    PRIMARY KEY (media_id, course_id, in_context)
""",
    )
)
