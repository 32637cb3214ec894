"""Benchmark: parse and load a large Open edX grade report into MariaDB (EDX_REPORTS).

Usage: .venv/bin/python -m bench.edx_reports [--learners 50000] [--graded 200] [--repeat 3]
Writes a synthetic grade report (the emulator's header grammar, numpy-made cells), creates a
throwaway MariaDB database per run, migrates it, and times edx_reports.parse + load in a child
process so its peak RSS is the parse and load alone. Prints load averages, min/median/max.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pymysql

COURSE = "course-v1:BenchU+BIG101+2026_Fall"
GENERATED = datetime(2026, 11, 21, 3, 0, tzinfo=UTC)
TAIL = [
    "Enrollment Track",
    "Verification Status",
    "Certificate Eligible",
    "Certificate Delivered",
    "Certificate Type",
    "Enrollment Status",
]


def grade_header(graded: int) -> list[str]:
    """Types of 12 subsections plus an average, and one single-subsection final exam."""
    header = ["Student ID", "Email", "Username", "Grade"]
    kind = 0
    while len(header) - 4 < graded - 14:
        kind += 1
        header += [f"Type{kind} {i}: Unit {i} of {kind}" for i in range(1, 13)]
        header.append(f"Type{kind} (Avg)")
    header += [f"Quiz {i}: Check {i}" for i in range(1, graded - (len(header) - 4))]
    header += ["Quiz (Avg)", "Cohort Name", "Experiment Group (A/B)", "Team Name", *TAIL]
    return header


def write_report(path: Path, learners: int, graded: int, seed: int = 5) -> int:
    """A grade report with ``graded`` graded columns; returns the number of graded cells."""
    header = grade_header(graded)
    graded = len(header) - 13
    rng = np.random.default_rng(seed)
    ids = np.arange(100_000, 100_000 + learners)
    data: dict[str, pa.Array] = {
        "Student ID": pa.array(ids.astype(str)),
        "Email": pa.array([f"u{i}@bench.example.edu" for i in ids]),
        "Username": pa.array([f"u{i}" for i in ids]),
        "Grade": pa.array(np.round(rng.random(learners), 2).astype(str)),
    }
    for position in range(4, 4 + graded):
        values = np.round(rng.random(learners), 4).astype(str).astype(object)
        values[rng.random(learners) < 0.2] = "Not Attempted"
        data[header[position]] = pa.array(values.astype(str))
    for name, choices in (
        ("Cohort Name", ["A", "B"]),
        ("Experiment Group (A/B)", ["x", "y"]),
        ("Team Name", ["", "Red"]),
        ("Enrollment Track", ["audit"]),
        ("Verification Status", ["N/A"]),
        ("Certificate Eligible", ["N"]),
        ("Certificate Delivered", ["N"]),
        ("Certificate Type", ["N/A"]),
        ("Enrollment Status", ["enrolled"]),
    ):
        data[name] = pa.array(rng.choice(choices, learners))
    table = pa.table({f"c{i}": data[name] for i, name in enumerate(header)})
    options = pacsv.WriteOptions(include_header=False, quoting_style="none", eol="\r\n")
    with path.open("wb") as handle:
        handle.write((",".join(header) + "\r\n").encode())
        pacsv.write_csv(table, handle, options)
    return graded * learners


def run_once(path: Path, url: str) -> dict[str, float]:
    """Parse and load the report into a migrated database; runs in the child process."""
    from db import Database
    from db.engine import make_engine
    from db.migrate import migrate
    from edx_reports.load import FileRecord, load_report, record
    from edx_reports.parse import parse_report, sha256_of
    from settings import DbSettings

    engine = make_engine(DbSettings(url))
    migrate(engine)
    started = time.monotonic()
    parsed = parse_report(path, "grade_report", COURSE, GENERATED)
    entry = FileRecord(
        COURSE,
        "grade_report",
        path.name,
        "parsed",
        "bench",
        generated_at=GENERATED,
        sha256=sha256_of(path),
        row_count=parsed.rows,
    )
    database = Database(engine)
    written = load_report(database, parsed, entry, record(database, entry))
    seconds = time.monotonic() - started
    engine.dispose()
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "seconds": seconds,
        "peak_mib": peak_mib,
        "cells": written.get("edx_grade_cell", 0),
    }


def measure(path: Path, server: str) -> dict[str, float]:
    name = f"bench_{uuid.uuid4().hex[:10]}"
    admin = pymysql.connect(host="127.0.0.1", port=3306, user="root", autocommit=True)
    admin.cursor().execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    try:
        child = subprocess.run(
            [sys.executable, "-m", "bench.edx_reports", "--child", str(path), server + name],
            check=False,
            capture_output=True,
            text=True,
        )
        if child.returncode:
            raise SystemExit(f"benchmark run failed:\n{child.stderr[-3000:]}")
        return json.loads(child.stdout.strip().splitlines()[-1])
    finally:
        admin.cursor().execute(f"DROP DATABASE IF EXISTS `{name}`")
        admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=50_000)
    parser.add_argument("--graded", type=int, default=200, help="graded columns")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--server", default="mysql+pymysql://root@127.0.0.1:3306/")
    parser.add_argument("--child", nargs=2, metavar=("CSV", "URL"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_once(Path(args.child[0]), args.child[1])))
        return
    with tempfile.TemporaryDirectory(prefix="bench-edx-") as tmp:
        path = Path(tmp) / "BenchU_BIG101_2026_Fall_grade_report_2026-11-21-0300.csv"
        cells = write_report(path, args.learners, args.graded)
        size = path.stat().st_size / 2**20
        print(
            f"grade report: {args.learners:,} learners x {args.graded} graded columns, "
            f"{cells:,} graded cells, {size:.0f} MiB"
        )
        print(f"load average before: {' '.join(os.getloadavg().__repr__()[1:-1].split(', '))}")
        runs = [measure(path, args.server) for _ in range(args.repeat)]
        print(f"load average after:  {' '.join(os.getloadavg().__repr__()[1:-1].split(', '))}")
    seconds = sorted(r["seconds"] for r in runs)
    print(
        f"parse+load seconds: min {seconds[0]:.1f}  median {statistics.median(seconds):.1f}  "
        f"max {seconds[-1]:.1f}  ({cells / statistics.median(seconds):,.0f} cells/s)"
    )
    print(
        f"peak RSS of the parse+load process: {max(r['peak_mib'] for r in runs):.0f} MiB; "
        f"cells loaded per run: {int(runs[0]['cells']):,}"
    )


if __name__ == "__main__":
    main()
