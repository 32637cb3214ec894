"""The command line of run_jobs.py: commands, options, and the help that explains exit codes."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

DESCRIPTION = "Run the configured jobs, record each run, exit with a code that says how."
EPILOG = """\
commands:
  run (default)   run the jobs of JOB_NAMES (or --jobs)
  status          print each job's last run and each source's freshness; with --max-age,
                  exit 1 when a source is older than its limit (for alerting)

exit codes:
  0  every selected job succeeded (status: every source within its --max-age)
  1  a job failed (the others still ran), or the run was stopped by SIGTERM/Ctrl-C
     (status: a source is older than its --max-age)
  2  the configuration is invalid: nothing ran; the log names each problem and its place
  3  the database is unreachable, locked by another run, lacks a privilege, or a
     migration failed

examples:
  python run_jobs.py --config config/secrets/env.hjson --check
  python run_jobs.py --retry-failed
  python run_jobs.py status --max-age CANVAS_API=36 --max-age ZOOM_API=48
"""


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="run_jobs.py",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("command", nargs="?", choices=["run", "status"], default="run")
    parser.add_argument("--config", help="config file (default $ENV_DIR/$ENV_FILE)")
    parser.add_argument("--jobs", help="comma-separated jobs to run instead of JOB_NAMES")
    parser.add_argument(
        "--retry-failed",
        action="store_true",
        help="run only the selected jobs whose last run failed",
    )
    parser.add_argument("--list-jobs", action="store_true", help="list the known jobs and exit")
    parser.add_argument(
        "--check",
        action="store_true",
        help="validate config, reach the database and sources; write nothing",
    )
    parser.add_argument(
        "--max-age",
        action="append",
        default=[],
        metavar="SOURCE=HOURS",
        help="status: the oldest acceptable data of SOURCE (repeatable)",
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
