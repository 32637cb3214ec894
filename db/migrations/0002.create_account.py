"""Create account: every Canvas account owning a collected course, with its parent."""

from __future__ import annotations

from yoyo import step

from db.ddl import create_table

__depends__ = {"0001.create_term"}

step(
    *create_table(
        "account",
        """
    canvas_id BIGINT NOT NULL PRIMARY KEY,
    name VARCHAR(255) NULL,
    sis_id VARCHAR(256) NULL,
    parent_account_id BIGINT NULL
""",
    )
)
