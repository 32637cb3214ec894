"""Create edx_log_file_name: each log name seen, its size and time, and the content it holds."""

from __future__ import annotations

from yoyo import step

from db.ddl import create_table

__depends__ = {"0050.create_edx_log_file"}

step(
    *create_table(
        "edx_log_file_name",
        """
    path VARCHAR(700){binary} NOT NULL PRIMARY KEY,
    fingerprint VARCHAR(64) NOT NULL,
    size_bytes BIGINT NOT NULL,
    modified_at DATETIME NOT NULL,
    seen_at DATETIME NOT NULL
""",
    )
)
