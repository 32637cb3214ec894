"""Run or check the selected jobs: the database steps, then each job inside the one boundary."""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from logs import current_format, log_context
from redaction import redact
from runner.summary import JobOutcome, closing_line, rows_by_table, write_termination_summary
from sources import concurrency
from vocab import ETLError, JobName

if TYPE_CHECKING:
    import sqlalchemy as sa

    from db import Database
    from settings import Settings

logger = logging.getLogger("run_jobs")

EXIT_OK, EXIT_JOB_FAILED, EXIT_CONFIG, EXIT_DATABASE = 0, 1, 2, 3


def run(settings: Settings, check_only: bool, *, retry_failed: bool = False) -> int:
    """Migrate under the run lock and run each selected job (or only check them).

    With ``retry_failed`` only the selected jobs whose last run failed run.
    """
    from sqlalchemy.exc import SQLAlchemyError

    from db import engine

    logger.info("database %s", settings.db.redacted_url())
    started, outcomes = time.monotonic(), list[JobOutcome]()
    try:
        if check_only and engine.sqlite_file_missing(settings.db):
            logger.info("the SQLite file does not exist yet; the first run creates it")
        elif check_only:
            _check_database(settings)
        else:
            _run_all(settings, outcomes, retry_failed)
    except (ETLError, SQLAlchemyError, OSError) as err:
        if concurrency.stop_requested():  # a wait or statement the stop cut short
            summary = f"interrupted; {closing_line(outcomes, 0)}"
            reason = concurrency.stop_reason()
            return finish(EXIT_JOB_FAILED, summary, settings, "interrupted", reason, outcomes)
        logger.error("%s", redact(str(err)))
        done = f"; before that: {closing_line(outcomes, 0)}" if outcomes else ""
        summary = f"database unavailable, locked, or migration failed{done}"
        return finish(EXIT_DATABASE, summary, settings, "database_unavailable", err, outcomes)
    except KeyboardInterrupt as err:
        summary = f"interrupted; {closing_line(outcomes, 0)}"
        return finish(EXIT_JOB_FAILED, summary, settings, "interrupted", err, outcomes)
    if check_only:
        return _check_all(settings)
    failed = any(o.status != "succeeded" for o in outcomes)
    summary = closing_line(outcomes, time.monotonic() - started)
    code, status = (EXIT_JOB_FAILED, "failed") if failed else (EXIT_OK, "succeeded")
    return finish(code, summary, settings, status, None, outcomes)


def _run_all(settings: Settings, outcomes: list[JobOutcome], retry_failed: bool) -> None:
    """The database steps (reach, lock, migrate, record) around each job; fills ``outcomes``."""
    from db import Database, engine, lock, migrate, privileges, runs

    db_engine = engine.make_engine(settings.db)
    engine.wait_for_database(db_engine, settings.db_wait_seconds)
    privileges.require_ready(db_engine)
    with lock.run_lock(db_engine, settings.run_lock_wait_seconds) as held:
        migrate.migrate(db_engine, held)
        runs.close_abandoned_runs(db_engine)
        for job in _selected(settings, db_engine, retry_failed):
            concurrency.raise_if_stopped()
            held.ensure_held()
            database = Database(
                db_engine,
                min_row_ratio=settings.replace_min_row_ratio,
                force_replace=settings.force_replace,
                lock_wait_timeout=settings.lock_wait_timeout_seconds,
            )
            run_job(job, settings, database, outcomes)


def _selected(settings: Settings, db_engine: sa.Engine, retry_failed: bool) -> list[JobName]:
    from db import runs

    if not retry_failed:
        return list(settings.job_names)
    last = runs.last_runs(db_engine)
    failed = [
        job for job in settings.job_names if last.get(job.name, {}).get("status") == "failed"
    ]
    logger.info(
        "--retry-failed: %s", ", ".join(j.name for j in failed) or "no job's last run failed"
    )
    return failed


def _check_database(settings: Settings) -> None:
    """Reach the database and make sure its user may do what a run does."""
    from db import engine, privileges

    db_engine = engine.make_engine(settings.db)
    engine.wait_for_database(db_engine, settings.db_wait_seconds)
    for note in privileges.require_ready(db_engine):
        logger.info("database: %s", note)
    logger.info("database: the user holds every privilege a run needs")


def run_job(
    job: JobName, settings: Settings, database: Database, outcomes: list[JobOutcome]
) -> JobOutcome:
    """Run one job inside the boundary: any failure is logged, recorded, and the next job runs.

    The outcome joins ``outcomes`` before the job starts, so a stop names the job it ended.
    """
    from db import runs

    outcome = JobOutcome(job, runs.start_job_run(database.engine, job.name))
    outcomes.append(outcome)
    started = time.monotonic()
    with log_context(job=job.name, run_id=outcome.run_id):
        logger.info("job %s started (run %s)", job.name, outcome.run_id)
        try:
            outcome.statuses = list(job.load()(settings, database))
            outcome.status = "succeeded"
        except BaseException as err:  # the one place that catches everything: the next job runs
            logger.exception("job %s failed", job.name)
            outcome.status = "failed"
            outcome.error = redact(f"{type(err).__name__}: {err}")
            if not isinstance(err, Exception) or concurrency.stop_requested():
                # A stop is the cause whatever error it surfaced as (a statement cut short).
                stopped = concurrency.Stopped(_stop_cause(err))
                outcome.error = redact(f"{type(stopped).__name__}: {stopped}")
                _record(outcome, database, started)
                raise stopped from err
        _record(outcome, database, started)
        logger.info(
            "job %s %s in %.1f s; rows %s",
            job.name,
            outcome.status,
            outcome.seconds,
            ", ".join(f"{t} {n}" for t, n in outcome.rows.items()) or "none",
            extra={
                "status": outcome.status,
                "seconds": round(outcome.seconds, 1),
                "rows": outcome.rows,
            },
        )
    return outcome


def _stop_cause(err: BaseException) -> str:
    """The signal that stopped the job, found in the error or its causes."""
    if concurrency.stop_requested():
        return concurrency.stop_reason()
    cause: BaseException | None = err
    while cause is not None:
        if isinstance(cause, KeyboardInterrupt) and str(cause):
            return str(cause)
        cause = cause.__cause__ or cause.__context__
    return f"stopped (the run was interrupted during {type(err).__name__}: {err})"


def _record(outcome: JobOutcome, database: Database, started: float) -> None:
    from db import runs

    outcome.seconds = time.monotonic() - started
    outcome.rows = dict(database.rows_written)
    runs.finish_job_run(
        database.engine,
        outcome.run_id,
        status=outcome.status,
        rows_written=outcome.rows,
        error=outcome.error,
        statuses=outcome.statuses,
    )


def _check_all(settings: Settings) -> int:
    """Reach each selected job's sources without writing; a failure is reported, never raised."""
    problems: list[str] = []
    for job in settings.job_names:
        with log_context(job=job.name):
            problem = check_job(job, settings)
        if problem:
            problems.append(f"{job.name}: {problem}")
    jobs = ", ".join(job.name for job in settings.job_names) or "none"
    summary = f"check: would run {jobs}; {len(problems)} problem(s)"
    if problems:
        return finish(EXIT_JOB_FAILED, summary, settings, "failed", "; ".join(problems))
    return finish(EXIT_OK, summary, settings, "succeeded")


def check_job(job: JobName, settings: Settings) -> str | None:
    """Check one job inside the boundary; returns the problem, or None when it answered."""
    try:
        logger.info("check %s: ok (%s)", job.name, job.check(settings))
    except ETLError as err:
        logger.error("check %s: %s", job.name, redact(str(err)))
        return redact(str(err))
    except Exception as err:  # the runner's boundary: a bug in a check is reported, not raised
        logger.exception("check %s failed", job.name)
        return redact(f"{type(err).__name__}: {err}")
    return None


def finish(
    code: int,
    summary: str,
    settings: Settings | None = None,
    status: str | None = None,
    error: BaseException | str | None = None,
    outcomes: Sequence[JobOutcome] = (),
) -> int:
    """Write the termination summary (when a status is given) and the closing line."""
    if status is not None:
        path = settings.termination_log_path if settings else None
        write_termination_summary(path, status, outcomes, str(error) if error else None)
    if current_format() == "json":
        line = json.dumps(
            {"exit_code": code, "summary": summary, "jobs": [o.as_dict() for o in outcomes]},
            default=str,
        )
        sys.stdout.write(redact(line) + "\n")
    else:
        sys.stdout.write(rows_by_table(outcomes))
        sys.stdout.write(f"course-inventory: exit {code}: {summary}\n")
    return code
