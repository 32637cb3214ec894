"""Entry point: run the configured jobs, record each run, exit with a code that says how."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import environ
from vocab import ConfigError, DataSourceStatus, ETLError, JobName

if TYPE_CHECKING:
    from db import Database

logger = logging.getLogger("run_jobs")

EXIT_OK, EXIT_JOB_FAILED, EXIT_CONFIG, EXIT_DATABASE = 0, 1, 2, 3


@dataclass
class JobOutcome:
    job: JobName
    run_id: int
    status: str
    seconds: float
    rows: dict[str, int] = field(default_factory=dict)
    statuses: list[DataSourceStatus] = field(default_factory=list)
    error: str | None = None


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
    # yoyo records the OS user; a container uid without a passwd entry has none to look up.
    os.environ.setdefault("USER", "course-inventory")
    if args.list_jobs:
        width = max(len(job.name) for job in JobName)
        sys.stdout.write("".join(f"{j.name:<{width}}  {j.description}\n" for j in JobName))
        return EXIT_OK
    environ.configure_logging("DEBUG" if args.verbose else "INFO")
    with ExitStack() as stack:
        try:
            settings = _settings(args, stack)
        except ConfigError as err:
            logger.error("%s", err)
            return _finish(EXIT_CONFIG, "configuration invalid")
        level = "DEBUG" if args.verbose else "WARNING" if args.quiet else settings.log_level
        environ.configure_logging(level, settings.log_format)
        return _run(settings, args.check)


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

    from db import Database, engine, lock, migrate

    logger.info("database %s", settings.db.redacted_url())
    started = time.monotonic()
    try:
        db_engine = engine.make_engine(settings.db)
        engine.wait_for_database(db_engine, settings.db_wait_seconds)
        if check_only:
            return _check(settings)
        with lock.run_lock(db_engine, settings.run_lock_wait_seconds):
            migrate.migrate(db_engine)
            outcomes = [_run_job(job, settings, _database(Database, db_engine, settings))
                        for job in settings.job_names]
    except (ETLError, SQLAlchemyError) as err:
        logger.error("%s", environ.redact(str(err)))
        return _finish(EXIT_DATABASE, "database unavailable, locked, or migration failed")
    failed = [o.job.name for o in outcomes if o.status != "succeeded"]
    rows = sum(sum(o.rows.values()) for o in outcomes)
    summary = (f"{len(outcomes)} job(s), {len(outcomes) - len(failed)} succeeded, "
               f"{len(failed)} failed{' (' + ', '.join(failed) + ')' if failed else ''}, "
               f"{rows} rows written in {time.monotonic() - started:.0f} s")
    _write_termination_summary(settings.termination_log_path, outcomes)
    return _finish(EXIT_JOB_FAILED if failed else EXIT_OK, summary)


def _database(cls: type[Database], db_engine: object, settings: environ.Settings) -> Database:
    return cls(db_engine, min_row_ratio=settings.replace_min_row_ratio,
               force_replace=settings.force_replace,
               lock_wait_timeout=settings.lock_wait_timeout_seconds)


def _run_job(job: JobName, settings: environ.Settings, database: Database) -> JobOutcome:
    from db import runs

    run_id = runs.start_job_run(database.engine, job.name)
    started = time.monotonic()
    with environ.log_context(job=job.name, run_id=run_id):
        logger.info("job %s started (run %s)", job.name, run_id)
        try:
            statuses = job.load()(settings, database)
            outcome = JobOutcome(job, run_id, "succeeded", 0.0, statuses=list(statuses))
        except Exception as err:  # the one place that catches everything: the next job runs
            logger.exception("job %s failed", job.name)
            message = environ.redact(f"{type(err).__name__}: {err}")
            outcome = JobOutcome(job, run_id, "failed", 0.0, error=message)
        outcome.seconds = time.monotonic() - started
        outcome.rows = dict(database.rows_written)
        runs.finish_job_run(
            database.engine, run_id, status=outcome.status, rows_written=outcome.rows,
            error=outcome.error, statuses=outcome.statuses,
        )
        logger.info("job %s %s in %.1f s; rows %s", job.name, outcome.status,
                    outcome.seconds, outcome.rows or "none")
    return outcome


def _write_termination_summary(path: Path | None, outcomes: list[JobOutcome]) -> None:
    """Leave a short JSON account of the run where a CronJob monitor can read it."""
    import json

    default = Path("/dev/termination-log")
    target = path or (default if default.exists() else None)
    if target is None:
        return
    jobs = [{**asdict(o), "job": o.job.name, "seconds": round(o.seconds, 1),
             "statuses": {str(s.name): s.data_updated_at.isoformat() for s in o.statuses}}
            for o in outcomes]
    failed = any(o.status != "succeeded" for o in outcomes)
    try:
        target.write_text(json.dumps({"status": "failed" if failed else "succeeded",
                                      "jobs": jobs}, default=str) + "\n", encoding="utf-8")
    except OSError as err:
        logger.warning("cannot write the run summary to %s: %s", target, err)


def _check(settings: environ.Settings) -> int:
    """Reach each selected job's sources without writing anything."""
    problems = 0
    for job in settings.job_names:
        module = __import__(job.value.partition(":")[0], fromlist=["check"])
        probe = getattr(module, "check", None)
        try:
            detail = probe(settings) if probe else "no source check defined"
            logger.info("check %s: ok (%s)", job.name, detail)
        except ETLError as err:
            problems += 1
            logger.error("check %s: %s", job.name, environ.redact(str(err)))
    return _finish(EXIT_JOB_FAILED if problems else EXIT_OK,
                   f"check: {len(settings.job_names)} job(s) would run, {problems} problem(s)")


def _finish(code: int, summary: str) -> int:
    sys.stdout.write(f"course-inventory: exit {code}: {summary}\n")
    return code


if __name__ == "__main__":
    sys.exit(main())
