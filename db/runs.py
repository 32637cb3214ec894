"""Run records: one job_run row per job per run, plus data_source_status rows on success."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

import sqlalchemy as sa

from db.frames import sql_datetime
from redaction import redact
from vocab import DataSourceStatus, LoadError

logger = logging.getLogger(__name__)

ERROR_MAX_CHARS = 2000
FINAL_STATUSES = ("succeeded", "failed")


def utc_now() -> datetime:
    """Current time as naive UTC, whole seconds: what DATETIME columns hold."""
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def naive_utc(moment: datetime) -> datetime:
    """Convert an aware datetime to naive UTC; naive values are taken as UTC already."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.replace(microsecond=0)


def start_job_run(engine: sa.Engine, job_name: str) -> int:
    """Insert a job_run row with status 'running' and return its id (from the insert itself)."""
    sql = sa.text(
        "INSERT INTO job_run (job_name, started_at, status) "
        "VALUES (:job_name, :started_at, 'running')"
    )
    with engine.begin() as conn:
        result = conn.execute(sql, {"job_name": job_name, "started_at": sql_datetime(utc_now())})
        run_id = result.lastrowid
    if not run_id:
        raise LoadError("the database returned no id for the new job_run row")
    return int(run_id)


def finish_job_run(
    engine: sa.Engine,
    run_id: int,
    *,
    status: str,
    rows_written: Mapping[str, int],
    error: str | None,
    statuses: Sequence[DataSourceStatus],
) -> None:
    """Close a job_run row; on success also record when each data source was last updated."""
    if status not in FINAL_STATUSES:
        raise ValueError(f"status must be one of {FINAL_STATUSES}, not {status!r}")
    values = {
        "id": run_id,
        "status": status,
        "finished_at": sql_datetime(utc_now()),
        "rows_written": sum(rows_written.values()),
        "rows_by_table": json.dumps(dict(sorted(rows_written.items()))),
        "error": _summarise(error),
    }
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE job_run SET status = :status, finished_at = :finished_at, error = :error, "
                "rows_written = :rows_written, rows_by_table = :rows_by_table WHERE id = :id"
            ),
            values,
        )
        if status == "succeeded" and statuses:
            conn.execute(
                sa.text(
                    "INSERT INTO data_source_status"
                    " (data_source_name, data_updated_at, job_run_id)"
                    " VALUES (:name, :updated_at, :run_id)"
                ),
                [
                    {
                        "name": s.name.name,
                        "updated_at": sql_datetime(naive_utc(s.data_updated_at)),
                        "run_id": run_id,
                    }
                    for s in statuses
                ],
            )


def _summarise(error: str | None) -> str | None:
    if error is None:
        return None
    error = redact(error)
    if len(error) <= ERROR_MAX_CHARS:
        return error
    return error[: ERROR_MAX_CHARS - 15] + " ...[truncated]"


ABANDONED = "abandoned: the run ended (killed or lost its database) before recording a result"


def close_abandoned_runs(engine: sa.Engine) -> int:
    """Mark 'running' rows left by a run that died as failed; returns how many.

    Call it only while holding the run lock: then no other run can still be writing them.
    """
    with engine.begin() as conn:
        result = conn.execute(
            sa.text(
                "UPDATE job_run SET status = 'failed', finished_at = :now, error = :error "
                "WHERE status = 'running'"
            ),
            {"now": sql_datetime(utc_now()), "error": ABANDONED},
        )
    if result.rowcount:
        logger.warning(
            "marked %d job_run row(s) left running by an earlier run as failed", result.rowcount
        )
    return int(result.rowcount or 0)


def last_runs(engine: sa.Engine) -> dict[str, dict]:
    """The latest job_run row of each job, by job name (status, times, rows, error)."""
    sql = sa.text(
        "SELECT r.job_name, r.status, r.started_at, r.finished_at, r.rows_by_table, r.error "
        "FROM job_run r JOIN (SELECT job_name, MAX(id) AS id FROM job_run GROUP BY job_name) m "
        "ON r.id = m.id ORDER BY r.job_name"
    )
    with engine.connect() as conn:
        rows = conn.execute(sql).mappings().all()
    return {row["job_name"]: dict(row) for row in rows}


def freshness(engine: sa.Engine) -> dict[str, datetime | None]:
    """When each source's data was last updated (naive UTC), None if never: data_freshness."""
    sql = sa.text("SELECT source, last_updated_utc FROM data_freshness ORDER BY source")
    with engine.connect() as conn:
        rows = conn.execute(sql).all()
    return {source: _as_datetime(updated) for source, updated in rows}


def _as_datetime(value: object) -> datetime | None:
    # SQLite returns a view's DATETIME as text; MySQL as a datetime.
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))
