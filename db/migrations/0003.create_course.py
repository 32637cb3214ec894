"""Create course (no foreign keys: the table is swapped in by RENAME TABLE)."""

from __future__ import annotations

from yoyo import step

from db.ddl import create_table

__depends__ = {"0002.create_account"}

step(
    *create_table(
        "course",
        """
    canvas_id BIGINT NOT NULL PRIMARY KEY,
    sis_id VARCHAR(256) NULL,
    name VARCHAR(256) NULL,
    account_id BIGINT NULL,
    term_id BIGINT NULL,
    created_at DATETIME NULL,
    published_at DATETIME NULL,
    workflow_state VARCHAR(25) NOT NULL
""",
    )
)
