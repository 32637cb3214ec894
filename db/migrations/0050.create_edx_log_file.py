"""Create edx_log_file: tracking-log contents read, keyed by a fingerprint of their first bytes."""

from __future__ import annotations

from yoyo import step

from db.ddl import create_table

__depends__ = {"0022.create_etl_cursor"}

step(
    *create_table(
        "edx_log_file",
        """
    fingerprint VARCHAR(64) NOT NULL PRIMARY KEY,
    head_bytes INTEGER NOT NULL,
    path VARCHAR(1000) NOT NULL,
    size_bytes BIGINT NOT NULL,
    modified_at DATETIME NOT NULL,
    content_bytes BIGINT NOT NULL,
    lines_read BIGINT NOT NULL,
    events_loaded BIGINT NOT NULL,
    mobile_events BIGINT NOT NULL,
    blank_lines BIGINT NOT NULL,
    comment_lines BIGINT NOT NULL,
    not_json_lines BIGINT NOT NULL,
    truncated_lines BIGINT NOT NULL,
    segment_lines BIGINT NOT NULL,
    no_event_type_lines BIGINT NOT NULL,
    bad_time_lines BIGINT NOT NULL,
    no_course_lines BIGINT NOT NULL,
    no_user_lines BIGINT NOT NULL,
    held_back_bytes BIGINT NOT NULL,
    first_event_at DATETIME NULL,
    last_event_at DATETIME NULL,
    status VARCHAR(20) NOT NULL,
    error VARCHAR(1000) NULL,
    tail_sha256 VARCHAR(64) NULL,
    read_at DATETIME NOT NULL
""",
    )
)
