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
from runner.run import EXIT_CONFIG, EXIT_OK, finish, run
from vocab import ConfigError, JobName

if TYPE_CHECKING:
    from settings import Settings

logger = logging.getLogger("run_jobs")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="run_jobs.py", description=__doc__)
    parser.add_argument("--config", help="config file (default $ENV_DIR/$ENV_FILE)")
    parser.add_argument("--jobs", help="comma-separated jobs to run instead of JOB_NAMES")
    parser.add_argument("--list-jobs", action="store_true", help="list the known jobs and exit")
    parser.add_argument(
        "--check",
        action="store_true",
        help="validate config, reach the database and sources; write nothing",
    )
    parser.add_argument(
        "--sandbox",
        nargs="?",
        const="demo",
        choices=["tiny", "demo", "large", "xlarge"],
        help="run against the local sandbox sources (default size: demo)",
    )
    parser.add_argument(
        "--force-replace",
        action="store_true",
        help="replace tables even when the row count drops sharply",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log at DEBUG")
    parser.add_argument("-q", "--quiet", action="store_true", help="log warnings and errors only")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.list_jobs:
        sys.stdout.write(list_jobs())
        return EXIT_OK
    # yoyo records the OS user; a container uid without a passwd entry has none to look up.
    os.environ.setdefault("USER", "course-inventory")
    configure_logging(_level(args, "INFO"), os.environ.get("LOG_FORMAT", "text"))
    signal.signal(signal.SIGTERM, _interrupt)
    with ExitStack() as stack:
        try:
            settings = _settings(args, stack)
        except ConfigError as err:
            logger.error("%s", err)
            return finish(EXIT_CONFIG, "configuration invalid", None, "config_invalid", err)
        configure_logging(_level(args, settings.log_level), settings.log_format)
        return run(settings, args.check)


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
    """Kubernetes stops a pod with SIGTERM: end like Ctrl-C, so the run is recorded."""
    raise KeyboardInterrupt(f"stopped by signal {signum}")


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
