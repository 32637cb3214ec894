"""Entry point: run the configured jobs, record each run, exit with a code that says how."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import environ
from logs import configure_logging
from runner import status
from runner.cli import parse_args
from runner.run import EXIT_CONFIG, EXIT_DATABASE, EXIT_OK, finish, run
from sources import concurrency
from vocab import ConfigError, JobName

if TYPE_CHECKING:
    from settings import Settings

logger = logging.getLogger("run_jobs")


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.list_jobs:
        sys.stdout.write(list_jobs())
        return EXIT_OK
    # yoyo records the OS user; a container uid without a passwd entry has none to look up.
    os.environ.setdefault("USER", "course-inventory")
    configure_logging(_level(args, "INFO"), os.environ.get("LOG_FORMAT", "text"))
    concurrency.clear_stop()
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)
    with ExitStack() as stack:
        try:
            settings = _settings(args, stack)
            max_ages = status.parse_max_ages(args.max_age)
        except ConfigError as err:
            logger.error("%s", err)
            return finish(EXIT_CONFIG, "configuration invalid", None, "config_invalid", err)
        configure_logging(_level(args, settings.log_level), settings.log_format)
        if args.command == "status":
            return _status(settings, max_ages)
        return run(settings, args.check, retry_failed=args.retry_failed)


def _status(settings: Settings, max_ages: dict[str, float]) -> int:
    """The status command; a database it cannot read is exit 3, like a run's."""
    from sqlalchemy.exc import SQLAlchemyError

    from vocab import ETLError

    try:
        return status.report(settings, max_ages)
    except (ETLError, SQLAlchemyError) as err:
        logger.error("%s", err)
        sys.stdout.write(f"course-inventory status: exit {EXIT_DATABASE}: database unreadable\n")
        return EXIT_DATABASE


def list_jobs() -> str:
    """One line per job: its name, description, and the tables it writes and how."""
    width = max(len(job.name) for job in JobName)
    lines = []
    for job in JobName:
        tables = ", ".join(str(table) for table in job.tables)
        lines.append(f"{job.name:<{width}}  {job.description}; writes {tables}\n")
    return "".join(lines)


def _level(args: argparse.Namespace, configured: str) -> str:
    if args.verbose:
        return "DEBUG"
    return "WARNING" if args.quiet else configured


def _interrupt(signum: int, frame: Any) -> None:
    """Kubernetes stops a pod with SIGTERM: stop every worker, record the job, start no other."""
    if concurrency.stop_requested():
        # Already stopping: let the job be recorded rather than cut its cleanup short too.
        logger.warning(
            "signal %s again: already stopping (SIGQUIT or SIGKILL end at once)", signum
        )
        return
    reason = f"stopped by signal {signum} ({signal.Signals(signum).name})"
    concurrency.request_stop(reason)
    raise concurrency.Stopped(reason)


def _settings(args: argparse.Namespace, stack: ExitStack) -> Settings:
    jobs = [name.strip().upper() for name in args.jobs.split(",")] if args.jobs else None
    path, placeholders, env = args.config, None, dict(os.environ)
    if args.sandbox:
        import sandbox

        local = stack.enter_context(sandbox.running(args.sandbox))
        placeholders, env = local.placeholders, {**local.env, **os.environ}
        path = path or environ.SANDBOX_CONFIG_PATH
    settings = environ.load_settings(path, env=env, jobs=jobs, placeholders=placeholders)
    return replace(settings, force_replace=True) if args.force_replace else settings


if __name__ == "__main__":
    sys.exit(main())
