"""Create job_run: one row per job per run (naive UTC times)."""

from __future__ import annotations

from yoyo import step

from db.ddl import create_table

__depends__ = {"0011.create_canvas_course_usage"}

step(
    *create_table(
        "job_run",
        """
    id {autoinc_pk},
    job_name VARCHAR(50) NOT NULL,
    started_at DATETIME NOT NULL,
    finished_at DATETIME NULL,
    status VARCHAR(20) NOT NULL,
    error TEXT NULL,
    rows_written BIGINT NULL,
    rows_by_table TEXT NULL
""",
    )
)
