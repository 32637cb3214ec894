"""Create etl_cursor: where each incremental source resumes."""

from __future__ import annotations

from yoyo import step

from db.ddl import create_table

__depends__ = {"0021.index_zoom_meeting_day"}

step(
    *create_table(
        "etl_cursor",
        """
    name VARCHAR(100) NOT NULL PRIMARY KEY,
    value VARCHAR(100) NOT NULL,
    updated_at DATETIME NOT NULL
""",
    )
)
