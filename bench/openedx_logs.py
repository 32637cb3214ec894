"""Benchmark: the OPENEDX_LOGS job end to end (read, store, every table, MariaDB) on ~1 GB.

Usage: .venv/bin/python -m bench.openedx_logs [--events 1000000] [--days 100] [--repeat 3]
       [--big-gb 5]   (the peak-memory run on one big file; 0 skips it)
Prints the load average before and after, and min / median / max of interleaved runs of:
the job on plain files, the job on the same files gzipped, a bare DuckDB scan-and-group and a
single-core orjson parse; then one new day on top of the full history; then peak memory.
"""

from __future__ import annotations

import argparse
import logging
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import orjson

from bench.load import scratch_database
from bench.openedx_logs_data import write_big, write_days
from db import Database
from openedx_logs import job
from settings import build_openedx_logs

logger = logging.getLogger("bench.openedx_logs")
SERVER = "mysql+pymysql://root@127.0.0.1:3306/?local_infile=1"


def loadavg() -> str:
    return Path("/proc/loadavg").read_text().split(" ", 3)[:3].__str__()


def run_job(folder: Path, store: Path, methods: list[str]) -> float:
    """One full run into a fresh MariaDB database and a fresh store; returns seconds."""
    shutil.rmtree(store, ignore_errors=True)
    cfg = build_openedx_logs(
        {"STORE_PATH": str(store), "PATHS": [str(folder)], "TIME_SPENT_METHODS": methods}, folder
    )
    with scratch_database(SERVER) as engine:
        started = time.perf_counter()
        job.read_logs(cfg, Database(engine))
        return time.perf_counter() - started


def duckdb_scan(folder: Path) -> float:
    started = time.perf_counter()
    con = duckdb.connect()
    con.execute("SET threads = 2")
    con.execute(f"""SELECT username, event_type, COUNT(*) FROM read_json('{folder}/*',
        format='newline_delimited', columns={{username: 'VARCHAR', event_type: 'VARCHAR'}})
        GROUP BY ALL""").fetchall()
    return time.perf_counter() - started


def orjson_parse(folder: Path) -> float:
    started = time.perf_counter()
    counts: dict[tuple, int] = {}
    for path in sorted(folder.iterdir()):
        with open(path, "rb") as stream:
            for line in stream:
                obj = orjson.loads(line)
                key = (obj["username"], obj["event_type"])
                counts[key] = counts.get(key, 0) + 1
    return time.perf_counter() - started


def summary(name: str, seconds: list[float], megabytes: float, events: int) -> str:
    low, mid, high = min(seconds), statistics.median(seconds), max(seconds)
    return (
        f"| {name} | {mid:.2f} | {low:.2f} / {high:.2f} | {megabytes / mid:.0f} | "
        f"{events / mid:,.0f} |"
    )


def incremental(folder: Path, store: Path, days: int, per_day: int) -> tuple[float, float]:
    """Full run of `days` days, then one more day: (full seconds, one-day seconds)."""
    shutil.rmtree(store, ignore_errors=True)
    cfg = build_openedx_logs({"STORE_PATH": str(store), "PATHS": [str(folder)]}, folder)
    with scratch_database(SERVER) as engine:
        db = Database(engine)
        started = time.perf_counter()
        job.read_logs(cfg, db)
        full = time.perf_counter() - started
        write_days(folder, range(days, days + 1), per_day)
        started = time.perf_counter()
        job.read_logs(cfg, db)
        return full, time.perf_counter() - started


def peak_memory(work: Path, gigabytes: float) -> str:
    """Run the job on one big plain file in a child process; report its peak RSS."""
    big = work / "big"
    big.mkdir()
    size = write_big(big / "tracking.log", int(gigabytes * 1e9 / 875))
    code = (
        "import sys; from bench.openedx_logs import run_job; from pathlib import Path; "
        "print(run_job(Path(sys.argv[1]), Path(sys.argv[2]), ['session_gap']))"
    )
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", code, str(big), str(work / "big-store")],
        check=True,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    shutil.rmtree(big)
    return (
        f"one {size / 1e9:.2f} GB plain file: job {float(out.stdout.split()[-1]):.1f} s "
        f"({size / 1e6 / wall:.0f} MB/s incl. start-up), peak RSS of the largest process "
        f"{peak:.0f} MB"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--big-gb", type=float, default=5.0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    per_day = args.events // args.days
    work = Path(tempfile.mkdtemp(prefix="bench-openedx-"))
    try:
        print(f"load average before: {loadavg()}, cpus {os.cpu_count()}")
        plain = write_days(work / "plain", range(args.days), per_day)
        gz = write_days(work / "gz", range(args.days), per_day, gzipped=True)
        megabytes = sum(p.stat().st_size for p in plain) / 1e6
        print(
            f"{args.events:,} events, {megabytes:.0f} MB plain, "
            f"{sum(p.stat().st_size for p in gz) / 1e6:.0f} MB gzipped, {args.days} files"
        )
        runs: dict[str, list[float]] = {}
        steps: dict[str, Callable[[], float]] = {
            "job, plain files": lambda: run_job(work / "plain", work / "store", ["session_gap"]),
            "job, gzipped files": lambda: run_job(work / "gz", work / "store", ["session_gap"]),
            "bare DuckDB read_json scan-and-group (2 threads)": lambda: duckdb_scan(
                work / "plain"
            ),
            "orjson parse + group, 1 core": lambda: orjson_parse(work / "plain"),
        }
        for _ in range(args.repeat):  # interleaved, so load changes hit every step alike
            for name, step in steps.items():
                runs.setdefault(name, []).append(step())
        print("| step | median s | min / max s | MB/s | events/s |\n|---|---:|---:|---:|---:|")
        for name, seconds in runs.items():
            print(summary(name, seconds, megabytes, args.events))
        full, one_day = incremental(work / "plain", work / "store", args.days, per_day)
        print(
            f"one new day on {args.days} days of history: {one_day:.2f} s, "
            f"{100 * one_day / full:.1f}% of the full run ({full:.2f} s)"
        )
        shutil.rmtree(work / "gz")
        if args.big_gb > 0:
            print(peak_memory(work, args.big_gb))
        print(f"load average after: {loadavg()}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
