"""Fill a PostgreSQL database with the Unizin Data Warehouse tables the inventory job reads."""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from sandbox.university.model import University

logger = logging.getLogger(__name__)

# Canvas Data surrogate ids are the Canvas id plus a shard-like offset.
WAREHOUSE_ID_OFFSET = 17_700_000_000_000_000
_SECTION_COLUMNS = (
    "id",
    "canvas_id",
    "name",
    "course_id",
    "enrollment_term_id",
    "default_section",
    "accepting_enrollments",
    "can_manually_enroll",
    "start_at",
    "end_at",
    "created_at",
    "updated_at",
    "workflow_state",
    "restrict_enrollments_to_section_dates",
    "nonxlist_course_id",
    "sis_source_id",
)
_DDL = (
    "DROP TABLE IF EXISTS course_section_dim",
    "DROP TABLE IF EXISTS unizin_metadata",
    """CREATE TABLE course_section_dim (
        id BIGINT PRIMARY KEY, canvas_id BIGINT NOT NULL, name VARCHAR(256),
        course_id BIGINT, enrollment_term_id BIGINT, default_section BOOLEAN,
        accepting_enrollments BOOLEAN, can_manually_enroll BOOLEAN, start_at TIMESTAMP,
        end_at TIMESTAMP, created_at TIMESTAMP, updated_at TIMESTAMP,
        workflow_state VARCHAR(256), restrict_enrollments_to_section_dates BOOLEAN,
        nonxlist_course_id BIGINT, sis_source_id VARCHAR(256))""",
    "CREATE INDEX course_section_dim_canvas_id ON course_section_dim (canvas_id)",
    "CREATE TABLE unizin_metadata (key VARCHAR(256) PRIMARY KEY, value VARCHAR(256))",
)


def canvas_data_date(university: University) -> str:
    """The ``canvasdatadate`` value, e.g. '2026-11-18 23:14:15.000000+00:00'."""
    return university.warehouse_date.isoformat(sep=" ", timespec="microseconds")


def _warehouse(canvas_id: int | None) -> int | None:
    return None if canvas_id is None else WAREHOUSE_ID_OFFSET + canvas_id


def _section_rows(university: University) -> Iterator[tuple[Any, ...]]:
    defaults: dict[int, int] = {}
    for section in university.sections:
        if section["nonxlist_course_id"] is None:
            defaults.setdefault(section["course_id"], section["id"])
    for section in university.sections:
        course = university.course_by_id[section["course_id"]]
        deleted = course["workflow_state"] == "deleted"
        stamp = section["created_at"].replace("T", " ").rstrip("Z")
        yield (
            _warehouse(section["id"]),
            section["id"],
            section["name"],
            _warehouse(course["id"]),
            _warehouse(course["enrollment_term_id"]),
            defaults.get(course["id"]) == section["id"],
            not deleted,
            True,
            None,
            None,
            stamp,
            stamp,
            "deleted" if deleted else "active",
            False,
            _warehouse(section["nonxlist_course_id"]),
            section["sis_section_id"],
        )


def _copy_csv(
    cursor: Any, table: str, columns: tuple[str, ...], rows: Iterator[tuple[Any, ...]]
) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        # An unquoted empty field is NULL to COPY ... CSV; a quoted "" stays an empty string.
        writer.writerow(["" if value is None else value for value in row])
    buffer.seek(0)
    cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv)", buffer)


def fill_udw(pg_url: str, university: University) -> int:
    """(Re)create ``course_section_dim`` and ``unizin_metadata``; returns sections written."""
    engine = sa.create_engine(pg_url)
    try:
        with engine.begin() as conn:
            for statement in _DDL:
                conn.exec_driver_sql(statement)
            cursor = conn.connection.cursor()
            _copy_csv(cursor, "course_section_dim", _SECTION_COLUMNS, _section_rows(university))
            conn.execute(
                sa.text("INSERT INTO unizin_metadata (key, value) VALUES (:k, :v)"),
                [
                    {"k": "canvasdatadate", "v": canvas_data_date(university)},
                    {"k": "schemaversion", "v": "3.1.0"},
                ],
            )
    finally:
        engine.dispose()
    logger.info("sandbox UDW filled with %d sections", len(university.sections))
    return len(university.sections)


def udw_reachable(url: str, timeout_s: int = 3) -> bool:
    """Whether a PostgreSQL server answers at ``url`` within the timeout."""
    engine = sa.create_engine(url, connect_args={"connect_timeout": timeout_s})
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        return True
    except SQLAlchemyError as err:
        logger.debug("UDW not reachable: %s", type(err).__name__)
        return False
    finally:
        engine.dispose()
