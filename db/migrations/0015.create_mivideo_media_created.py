"""Create mivideo_media_created: Kaltura media entries (ids are case-sensitive)."""

from __future__ import annotations

from yoyo import step

from db.ddl import create_table

__depends__ = {"0014.create_mivideo_media_started_hourly"}

step(
    *create_table(
        "mivideo_media_created",
        """
    id VARCHAR(20){binary} NOT NULL PRIMARY KEY,
    created_at DATETIME NOT NULL,
    name VARCHAR(512) NULL,
    duration BIGINT NULL
""",
    )
)
