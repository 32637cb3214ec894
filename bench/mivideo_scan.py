"""Benchmark: bytes a nightly MIVIDEO run scans in BigQuery, against unpruned scans of the table.

Usage: .venv/bin/python -m bench.mivideo_scan [--size demo] [--seed 7]
Builds the sandbox's UDP event store for the size (events over 14 days), takes the window a
nightly run queries (the last loaded event minus the look-back, to the current hour), and
prints, as a Markdown table, the emulator's estimate of the bytes scanned by that query on
`expanded`, by the same columns over every partition, by every column of `expanded`, and by the
legacy query on `events`. The estimate counts what BigQuery counts: the columns a query names,
in the partitions it reads.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime, timedelta

from mivideo import queries, transform
from sandbox import VOLUMES
from sandbox.bigquery.engine import DEFAULT_TABLE, EXPANDED_TABLE, EventStore
from sandbox.bigquery.events import KAF_APPS, generate_events
from sandbox.university import build_university

LOOKBACK_HOURS = 48
EXPANDED_COLUMNS = {"ed_app": "STRUCT<id STRING>", "object": "STRUCT", "event_time": "DATETIME"}


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    courses = list(build_university(args.size, seed=args.seed).course_ids)
    events = generate_events(
        courses, end=now, days=14, count=VOLUMES[args.size]["events"], seed=args.seed
    )
    store = EventStore(events)
    newest = max(event.event_time for event in events)
    since, until = transform.events_window(newest, newest, LOOKBACK_HOURS, now)
    nightly, params = queries.media_started_hourly(
        EXPANDED_TABLE, KAF_APPS, since, until, EXPANDED_COLUMNS
    )
    legacy, legacy_params = queries.media_started_hourly(DEFAULT_TABLE, KAF_APPS, since, until)
    whole = {"lo": datetime(1970, 1, 1, tzinfo=UTC), "hi": now + timedelta(days=1)}
    rows = [
        ("nightly query on `expanded` (pruned to the window's days)", nightly, params),
        ("the same columns, every partition", nightly, whole),
        ("every column of `expanded`", f"SELECT * FROM `{EXPANDED_TABLE}` {_ALL}", whole),
        ("the legacy query on `events` (whole event JSON)", legacy, legacy_params),
    ]
    reference = store.bytes_scanned(nightly, params)
    out = sys.stdout
    out.write(f"{len(events):,} events over 14 days; window {since:%Y-%m-%d %H:%M} ")
    out.write(f"to {until:%Y-%m-%d %H:%M} UTC\n| scan | bytes | x nightly |\n|---|---:|---:|\n")
    for label, sql, bounds in rows:
        scanned = store.bytes_scanned(sql, bounds)
        out.write(f"| {label} | {scanned:,} | {scanned / reference:.1f} |\n")
    return 0


# Names every column, so the estimate counts them all.
_ALL = "-- id type action ed_app object actor event_time extensions_json"


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="demo", choices=sorted(VOLUMES))
    parser.add_argument("--seed", type=int, default=7)
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(main())
