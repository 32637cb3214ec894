"""Benchmark: seconds from SIGTERM to exit of a real run on the large sandbox, at several steps.

Usage: .venv/bin/python -m bench.stop [--size large] [--after 0 3 8] [--repeat 1]
Each trial starts ``run_jobs.py --sandbox SIZE`` on a fresh SQLite file, waits until
COURSE_INVENTORY's per-course reads have begun, waits ``--after`` seconds more, sends one
SIGTERM and times the exit. Prints a Markdown table; the CronJob's grace period relies on it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STARTED_MARK = "publish dates:"  # logged once the per-course reads are about to start


def trial(size: str, after: float) -> tuple[float, int, str]:
    """One stopped run: seconds to exit, exit code, closing line."""
    with tempfile.TemporaryDirectory() as scratch:
        env = {
            **os.environ,
            "INVENTORY_DB": json.dumps({"url": f"sqlite:///{scratch}/inventory.sqlite"}),
            "JOB_NAMES": json.dumps(["COURSE_INVENTORY", "CANVAS_LTI"]),
        }
        log = Path(scratch) / "stderr.log"
        with log.open("wb") as err:
            proc = subprocess.Popen(
                [sys.executable, "run_jobs.py", "--sandbox", size],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=err,
                text=True,
            )
            while STARTED_MARK not in log.read_text(errors="replace"):
                if proc.poll() is not None:
                    raise RuntimeError(f"the run ended before its fetch began: {log.read_text()}")
                time.sleep(0.1)
            time.sleep(after)
            proc.send_signal(signal.SIGTERM)
            sent = time.monotonic()
            out, _ = proc.communicate(timeout=300)
            seconds = time.monotonic() - sent
    return seconds, proc.returncode, out.strip().splitlines()[-1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="large", choices=["tiny", "demo", "large"])
    parser.add_argument("--after", type=float, nargs="+", default=[0.0, 3.0, 8.0])
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args(argv)
    print(f"sandbox {args.size}, {platform.node()}, load {os.getloadavg()[0]:.1f}\n")
    print("| SIGTERM after fetch start | exit after SIGTERM (median) | exit code | closing line |")
    print("|---|---|---|---|")
    for after in args.after:
        results = [trial(args.size, after) for _ in range(args.repeat)]
        seconds = statistics.median(r[0] for r in results)
        print(f"| {after:g} s | {seconds:.1f} s | {results[-1][1]} | {results[-1][2]} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
