"""BigQuery emulator: the REST calls google-cloud-bigquery makes, over the UDP event store."""

from __future__ import annotations

from sandbox.bigquery.emulator import BigQueryEmulator, start
from sandbox.bigquery.engine import (
    DEFAULT_TABLE,
    EXPANDED_TABLE,
    EventStore,
    QueryError,
    translate_sql,
)

__all__ = [
    "DEFAULT_TABLE",
    "EXPANDED_TABLE",
    "BigQueryEmulator",
    "EventStore",
    "QueryError",
    "start",
    "translate_sql",
]
