"""Create edx_report_file: every Open edX report file seen, where it went and how parsing ended."""

from __future__ import annotations

from yoyo import step

from db.ddl import create_table

__depends__ = {"0022.create_etl_cursor"}

step(
    *create_table(
        "edx_report_file",
        """
    id {autoinc_pk},
    course_id VARCHAR(255){binary} NOT NULL,
    report_type VARCHAR(40) NOT NULL,
    file_name VARCHAR(255){binary} NOT NULL,
    generated_at DATETIME NULL,
    collected_at DATETIME NULL,
    stored_at VARCHAR(1024) NULL,
    layout VARCHAR(10) NULL,
    size_bytes BIGINT NULL,
    sha256 CHAR(64) NULL,
    row_count INT NULL,
    header TEXT NULL,
    status VARCHAR(20) NOT NULL,
    error TEXT NULL,
    run_id VARCHAR(40) NULL,
    UNIQUE (course_id, report_type, file_name)
""",
    )
)
