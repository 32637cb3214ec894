"""Entry point: run the configured jobs, record each run, exit with a code that says how."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import time
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import environ
from db.summary import JobOutcome
from vocab import ConfigError, ETLError, JobName

if TYPE_CHECKING:
    from db import Database

logger = logging.getLogger("run_jobs")

EXIT_OK, EXIT_JOB_FAILED, EXIT_CONFIG, EXIT_DATABASE = 0, 1, 2, 3


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="run_jobs.py", description=__doc__)
    parser.add_argument("--config", help="config file (default $ENV_DIR/$ENV_FILE)")
    parser.add_argument("--jobs", help="comma-separated jobs to run instead of JOB_NAMES")
    parser.add_argument("--list-jobs", action="store_true", help="list the known jobs and exit")
    parser.add_argument("--check", action="store_true",
                        help="validate config, reach the database and sources; write nothing")
    parser.add_argument("--sandbox", nargs="?", const="demo", choices=["tiny", "demo", "large"],
                        help="run against the local sandbox sources (default size: demo)")
    parser.add_argument("--force-replace", action="store_true",
                        help="replace tables even when the row count drops sharply")
    parser.add_argument("-v", "--verbose", action="store_true", help="log at DEBUG")
    parser.add_argument("-q", "--quiet", action="store_true", help="log warnings and errors only")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.list_jobs:
        width = max(len(job.name) for job in JobName)
        sys.stdout.write("".join(f"{j.name:<{width}}  {j.description}\n" for j in JobName))
        return EXIT_OK
    # yoyo records the OS user; a container uid without a passwd entry has none to look up.
    os.environ.setdefault("USER", "course-inventory")
    environ.configure_logging(_level(args, "INFO"), os.environ.get("LOG_FORMAT", "text"))
    signal.signal(signal.SIGTERM, _interrupt)
    with ExitStack() as stack:
        try:
            settings = _settings(args, stack)
        except ConfigError as err:
            logger.error("%s", err)
            return _finish(EXIT_CONFIG, "configuration invalid", None, "config_invalid", err)
        environ.configure_logging(_level(args, settings.log_level), settings.log_format)
        return _run(settings, args.check)


def _level(args: argparse.Namespace, configured: str) -> str:
    return "DEBUG" if args.verbose else "WARNING" if args.quiet else configured


def _interrupt(signum: int, frame: Any) -> None:
    """Kubernetes stops a pod with SIGTERM: end like Ctrl-C, so the run is recorded."""
    raise KeyboardInterrupt(f"stopped by signal {signum}")


def _settings(args: argparse.Namespace, stack: ExitStack) -> environ.Settings:
    jobs = [name.strip().upper() for name in args.jobs.split(",")] if args.jobs else None
    path, placeholders, env = args.config, None, dict(os.environ)
    if args.sandbox:
        import sandbox

        local = stack.enter_context(sandbox.running(args.sandbox))
        placeholders, env = local.placeholders, {**local.env, **os.environ}
        path = path or environ.SANDBOX_CONFIG_PATH
    settings = environ.load_settings(path, env=env, jobs=jobs, placeholders=placeholders)
    return replace(settings, force_replace=True) if args.force_replace else settings


def _run(settings: environ.Settings, check_only: bool) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from db import Database, engine, lock, migrate, runs
    from db.summary import closing_line

    logger.info("database %s", settings.db.redacted_url())
    started, outcomes = time.monotonic(), list[JobOutcome]()
    try:
        if check_only and engine.sqlite_file_missing(settings.db):
            logger.info("the SQLite file does not exist yet; the first run creates it")
            return _check(settings)
        db_engine = engine.make_engine(settings.db)
        engine.wait_for_database(db_engine, settings.db_wait_seconds)
        if check_only:
            return _check(settings)
        with lock.run_lock(db_engine, settings.run_lock_wait_seconds) as held:
            migrate.migrate(db_engine)
            runs.close_abandoned_runs(db_engine)
            for job in settings.job_names:
                held.ensure_held()
                outcomes.append(_run_job(job, settings, Database(
                    db_engine, min_row_ratio=settings.replace_min_row_ratio,
                    force_replace=settings.force_replace,
                    lock_wait_timeout=settings.lock_wait_timeout_seconds)))
    except (ETLError, SQLAlchemyError, OSError) as err:
        logger.error("%s", environ.redact(str(err)))
        done = f"; before that: {closing_line(outcomes, 0)}" if outcomes else ""
        return _finish(EXIT_DATABASE, f"database unavailable, locked, or migration failed{done}",
                       settings, "database_unavailable", err, outcomes)
    except KeyboardInterrupt as err:
        return _finish(EXIT_JOB_FAILED, f"interrupted; {closing_line(outcomes, 0)}",
                       settings, "interrupted", err, outcomes)
    failed = any(o.status != "succeeded" for o in outcomes)
    return _finish(EXIT_JOB_FAILED if failed else EXIT_OK,
                   closing_line(outcomes, time.monotonic() - started), settings,
                   "failed" if failed else "succeeded", None, outcomes)


def _run_job(job: JobName, settings: environ.Settings, database: Database) -> JobOutcome:
    from db import runs

    outcome = JobOutcome(job, runs.start_job_run(database.engine, job.name))
    started = time.monotonic()
    with environ.log_context(job=job.name, run_id=outcome.run_id):
        logger.info("job %s started (run %s)", job.name, outcome.run_id)
        try:
            outcome.statuses = list(job.load()(settings, database))
            outcome.status = "succeeded"
        except BaseException as err:  # the one place that catches everything: the next job runs
            logger.exception("job %s failed", job.name)
            outcome.status = "failed"
            outcome.error = environ.redact(f"{type(err).__name__}: {err}")
            if not isinstance(err, Exception):
                _record(outcome, database, started)
                raise
        _record(outcome, database, started)
        logger.info("job %s %s in %.1f s; rows %s", job.name, outcome.status,
                    outcome.seconds, outcome.rows or "none")
    return outcome


def _record(outcome: JobOutcome, database: Database, started: float) -> None:
    from db import runs

    outcome.seconds = time.monotonic() - started
    outcome.rows = dict(database.rows_written)
    runs.finish_job_run(database.engine, outcome.run_id, status=outcome.status,
                        rows_written=outcome.rows, error=outcome.error,
                        statuses=outcome.statuses)


def _check(settings: environ.Settings) -> int:
    """Reach each selected job's sources without writing anything."""
    problems = 0
    for job in settings.job_names:
        try:
            logger.info("check %s: ok (%s)", job.name, job.check(settings))
        except ETLError as err:
            problems += 1
            logger.error("check %s: %s", job.name, environ.redact(str(err)))
    jobs = ", ".join(job.name for job in settings.job_names) or "none"
    return _finish(EXIT_JOB_FAILED if problems else EXIT_OK,
                   f"check: would run {jobs}; {problems} problem(s)")


def _finish(code: int, summary: str, settings: environ.Settings | None = None,
            status: str | None = None, error: BaseException | None = None,
            outcomes: Sequence[JobOutcome] = ()) -> int:
    if status is not None:
        from db.summary import write_termination_summary

        path = settings.termination_log_path if settings else None
        write_termination_summary(path, status, outcomes, str(error) if error else None)
    sys.stdout.write(f"course-inventory: exit {code}: {summary}\n")
    return code


if __name__ == "__main__":
    sys.exit(main())
