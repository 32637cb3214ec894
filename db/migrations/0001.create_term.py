"""Create term: the Canvas terms configured for the inventory."""

from __future__ import annotations

from yoyo import step

from db.ddl import create_table

__depends__: set[str] = set()

step(
    *create_table(
        "term",
        """
    canvas_id BIGINT NOT NULL PRIMARY KEY,
    name VARCHAR(255) NULL,
    sis_id VARCHAR(256) NULL,
    start_at DATETIME NULL,
    end_at DATETIME NULL
""",
    )
)
