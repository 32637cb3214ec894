"""The event store: Parquet files partitioned by UTC event date, one copy of each event."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from pathlib import Path

import duckdb

logger = logging.getLogger(__name__)

PARTITION = "event_date"
MEMORY_LIMIT = "1GB"  # DuckDB spills past this, so a huge file never needs more RAM


def connect(store: Path, threads: int = 2) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB whose spill files go under the store's staging folder."""
    spill = store / "_staging" / "duckdb-spill"
    spill.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
    con.execute(f"SET threads = {int(threads)}")
    con.execute("SET preserve_insertion_order = false")
    con.execute(f"SET temp_directory = '{_quoted(str(spill))}'")
    return con


def _quoted(text: str) -> str:
    return text.replace("'", "''")


def partition_dir(store: Path, day: date) -> Path:
    return store / f"{PARTITION}={day.isoformat()}"


def files_for(store: Path, days: Iterable[date]) -> list[str]:
    """The Parquet files of the given UTC dates (missing dates have none)."""
    files: list[str] = []
    for day in sorted(set(days)):
        files.extend(sorted(str(p) for p in partition_dir(store, day).glob("*.parquet")))
    return files


def all_files(store: Path) -> list[str]:
    return sorted(str(p) for p in store.glob(f"{PARTITION}=*/*.parquet"))


def stored_days(store: Path) -> list[date]:
    return sorted(
        date.fromisoformat(p.name.split("=", 1)[1])
        for p in store.glob(f"{PARTITION}=*")
        if p.is_dir()
    )


def add(con: duckdb.DuckDBPyConnection, store: Path, parts: Sequence[str]) -> int:
    """Append the staged events not stored yet to their date partitions; returns how many.

    An event already stored (same line fingerprint) or staged twice is written once, so a file
    delivered twice, or a run repeated after a failure, never doubles an event.
    """
    if not parts:
        return 0
    days = [
        row[0]
        for row in con.execute(
            "SELECT DISTINCT CAST(ts AS DATE) FROM read_parquet(?)", [list(parts)]
        ).fetchall()
    ]
    existing = files_for(store, days)
    known = (
        "SELECT fp FROM read_parquet(?)"
        if existing
        else "SELECT CAST(NULL AS BIGINT) AS fp WHERE false"
    )
    params: list = [list(parts), *([existing] if existing else [])]
    written = con.execute(
        f"""
        COPY (
            SELECT s.*, CAST(s.ts AS DATE) AS {PARTITION}
            FROM read_parquet(?) s
            WHERE s.fp NOT IN ({known})
            QUALIFY row_number() OVER (PARTITION BY s.fp ORDER BY s.ts) = 1
        ) TO '{_quoted(str(store))}' (FORMAT parquet, PARTITION_BY ({PARTITION}),
            FILENAME_PATTERN 'events-{{uuid}}', APPEND)""",
        params,
    ).fetchone()
    count = int(written[0]) if written else 0
    logger.info("event store: %d new events on %d date(s)", count, len(days))
    return count


def neighbourhood(days: Iterable[date], before: int, after: int) -> set[date]:
    """Every date within [d - before, d + after] of one of `days`."""
    return {d + timedelta(days=k) for d in days for k in range(-before, after + 1)}
