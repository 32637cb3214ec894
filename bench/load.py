"""Benchmark: enrollment rows by Database.replace / merge against each backend's plain load.

Usage: .venv/bin/python -m bench.load [--rows 1000000] [--repeat 3] [--alternatives]
       [--backend mariadb|sqlite|both]
MariaDB: a throwaway database on the server (root@127.0.0.1:3306 by default), reference
LOAD DATA. SQLite: a temporary file, reference executemany in one transaction. Prints the
load average before and after and a Markdown table of min / median / max, ratios to the
reference and peak RSS.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import resource
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import pymysql
import sqlalchemy as sa

from bench.common import RssSampler, Step, load_average, spread, timed
from bench.load_sqlite import run_sqlite
from db import Database
from db.engine import make_engine
from db.frames import TableInfo, prepare, reflect_table
from db.migrate import migrate
from db.mysql_bulk import load_csv, load_frame, write_csv
from settings import DbSettings

logger = logging.getLogger("bench.load")

STATES = ["active", "invited", "completed", "inactive"]
ROLES = [
    "StudentEnrollment",
    "TeacherEnrollment",
    "TaEnrollment",
    "DesignerEnrollment",
    "ObserverEnrollment",
]
ROLE_WEIGHTS = [0.9, 0.03, 0.03, 0.02, 0.02]


def enrollment_frame(rows: int, seed: int = 7) -> pd.DataFrame:
    """Enrollment-shaped rows in primary-key order, as a Canvas extract would give them."""
    rng = np.random.default_rng(seed)
    course_id = rng.integers(1, max(rows // 25, 2), rows)
    section = pd.array(course_id * 10 + rng.integers(0, 3, rows), dtype="Int64")
    section[rng.random(rows) < 0.1] = pd.NA
    return pd.DataFrame(
        {
            "canvas_id": np.arange(1, rows + 1, dtype=np.int64),
            "course_id": course_id,
            "course_section_id": section,
            "user_id": rng.integers(1, max(rows // 3, 2), rows),
            "workflow_state": rng.choice(STATES, rows, p=[0.85, 0.05, 0.07, 0.03]),
            "role_type": rng.choice(ROLES, rows, p=ROLE_WEIGHTS),
        }
    )


@contextmanager
def scratch_database(server_url: str) -> Iterator[sa.Engine]:
    url = sa.engine.make_url(server_url)
    name = f"bench_{uuid.uuid4().hex[:8]}"
    admin = pymysql.connect(
        host=url.host,
        port=url.port or 3306,
        user=url.username,
        password=url.password or "",
        autocommit=True,
    )
    admin.cursor().execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    engine = make_engine(DbSettings(url.set(database=name).render_as_string(False)))
    try:
        migrate(engine)
        yield engine
    finally:
        engine.dispose()
        admin.cursor().execute(f"DROP DATABASE `{name}`")
        admin.close()


def reference_load(
    engine: sa.Engine, csv: Path, columns: list[str], rows: int, pk_only: bool
) -> float:
    """LOAD DATA of the already-written CSV into an empty copy of enrollment; returns seconds."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS enrollment_ref")
        conn.exec_driver_sql("CREATE TABLE enrollment_ref LIKE enrollment")
        if pk_only:
            conn.exec_driver_sql(
                "ALTER TABLE enrollment_ref DROP INDEX ix_enrollment_course_id, "
                "DROP INDEX ix_enrollment_user_id"
            )
        started = time.perf_counter()
        load_csv(conn, "enrollment_ref", columns, csv, expected=rows)
        seconds = time.perf_counter() - started
        conn.exec_driver_sql("DROP TABLE enrollment_ref")
    return seconds


REFERENCE = "reference: LOAD DATA of the written CSV into enrollment"
FLOOR = "floor: the same LOAD DATA into a PK-only copy"


def run(engine: sa.Engine, rows: int, repeat: int, alternatives: bool) -> list[Step]:
    """Time each step `repeat` times, interleaved so that server noise hits them alike."""
    sampler = RssSampler()
    sampler.start()
    frame = enrollment_frame(rows)
    changed = frame.assign(workflow_state=np.roll(frame["workflow_state"].to_numpy(), 1))
    db = Database(engine)
    steps = {
        name: Step(name, rows)
        for name in (
            REFERENCE,
            FLOOR,
            "Database.replace, empty table",
            "Database.replace, table holding the rows",
            "Database.merge, rows unchanged",
            "Database.merge, every row changed",
        )
    }
    timers = list(steps.values())
    with tempfile.TemporaryDirectory() as tmp:
        csv = write_reference_csv(engine, frame, Path(tmp))
        with timed(timers[2], sampler):
            db.replace({"enrollment": frame})
        for _ in range(repeat):
            for step, pk_only in ((timers[0], False), (timers[1], True)):
                step.seconds.append(
                    reference_load(engine, csv, list(frame.columns), rows, pk_only)
                )
            with timed(timers[3], sampler):
                db.replace({"enrollment": frame})
            with timed(timers[4], sampler):
                db.merge("enrollment", frame, key=["canvas_id"])
            with timed(timers[5], sampler):
                db.merge("enrollment", changed, key=["canvas_id"])
            changed, frame = frame, changed
    if alternatives:
        steps.update(run_alternatives(engine, frame, sampler))
    sampler.done.set()
    return list(steps.values())


def write_reference_csv(engine: sa.Engine, frame: pd.DataFrame, directory: Path) -> Path:
    """The CSV the loader itself would write, so the reference loads identical bytes."""
    csv = directory / "enrollment.csv"
    with engine.connect() as conn:
        info = reflect_table(conn, "enrollment")
    write_csv(prepare(frame, info), info, csv)
    return csv


def run_alternatives(
    engine: sa.Engine, frame: pd.DataFrame, sampler: RssSampler
) -> dict[str, Step]:
    """The designs not chosen, once each: the figures behind the choice."""
    rows = len(frame)
    fallback = Step("replace via multi-row INSERT (local_infile OFF)", rows)
    with timed(fallback, sampler):
        Database(engine, use_load_data=False).replace({"enrollment": frame})
    in_place = Step("DELETE + LOAD DATA in one transaction (no swap)", rows)
    with engine.connect() as conn, engine.connect() as probe:
        info = reflect_table(probe, "enrollment")
        with timed(in_place, sampler), conn.begin():
            conn.exec_driver_sql("DELETE FROM enrollment")
            load_in_transaction(conn, frame, info)
    return {step.name: step for step in (fallback, in_place)}


def load_in_transaction(conn: sa.Connection, frame: pd.DataFrame, info: TableInfo) -> None:
    load_frame(conn, prepare(frame, info), info, "enrollment")


def report(steps: list[Step], rows: int, repeat: int, floor_index: int | None = 1) -> str:
    reference = steps[0].median
    floor = steps[floor_index].median if floor_index is not None else None
    lines = [
        f"{rows:,} enrollment rows, {repeat} interleaved runs (single runs marked *)",
        "",
        "| step | min / median / max s | rows/s | x reference | x floor | peak RSS MiB |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for step in steps:
        star = "*" if len(step.seconds) == 1 else ""
        rss = f"{step.peak_rss / 2**20:,.0f}" if step.peak_rss else "-"
        to_floor = f"{step.median / floor:.2f}" if floor else "-"
        lines.append(
            f"| {step.name}{star} | {spread(step.seconds)} | {rows / step.median:,.0f} | "
            f"{step.median / reference:.2f} | {to_floor} | {rss} |"
        )
    return "\n".join(lines) + "\n"


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def machine(engine: sa.Engine) -> str:
    with engine.connect() as conn:
        server = conn.exec_driver_sql("SELECT VERSION()").scalar()
        pool = conn.exec_driver_sql("SELECT @@innodb_buffer_pool_size").scalar()
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return (
        f"{os.cpu_count()} x {cpu}; server {server} (buffer pool {int(pool or 0) >> 20} MiB) "
        f"on the same host; Python {platform.python_version()}, pandas {pd.__version__}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--url",
        default="mysql+pymysql://root@127.0.0.1:3306/",
        help="server URL; a scratch database is created and dropped on it",
    )
    parser.add_argument("--backend", choices=("mariadb", "sqlite", "both"), default="both")
    parser.add_argument(
        "--alternatives",
        action="store_true",
        help="also time the INSERT fallback and DELETE+LOAD in one transaction",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(name)s %(message)s", stream=sys.stderr
    )
    logging.getLogger("yoyo").setLevel(logging.WARNING)
    out = sys.stdout
    out.write(f"load average before: {load_average()}\n")
    if args.backend in ("sqlite", "both"):
        steps = run_sqlite(enrollment_frame(args.rows), args.repeat)
        out.write("\nSQLite\n\n" + report(steps, args.rows, args.repeat, floor_index=None))
    if args.backend in ("mariadb", "both"):
        with scratch_database(args.url) as engine:
            steps = run(engine, args.rows, args.repeat, args.alternatives)
            out.write("\nMariaDB\n\n" + report(steps, args.rows, args.repeat))
            out.write(f"machine: {machine(engine)}\n")
    out.write(f"peak RSS of the whole run (ru_maxrss): {peak_rss_mib():,.0f} MiB\n")
    out.write(f"load average after: {load_average()}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
