"""Create data_source_status: freshness of each source per successful job run."""

from __future__ import annotations

from yoyo import step

from db.ddl import create_table

__depends__ = {"0012.create_job_run"}

step(
    *create_table(
        "data_source_status",
        """
    id {autoinc_pk},
    data_source_name VARCHAR(50) NOT NULL,
    data_updated_at DATETIME NOT NULL,
    job_run_id BIGINT NOT NULL,
    FOREIGN KEY (job_run_id) REFERENCES job_run (id) ON DELETE CASCADE
""",
    )
)
