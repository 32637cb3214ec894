"""The emulated BigQuery project: the UDP ``events`` table in DuckDB, queried in BigQuery SQL.

The BigQuery dialect is bridged by a small, explicit set of rewrites; anything else is DuckDB SQL:
- `` `project.dataset.table` `` names a table registered in the :class:`EventStore`;
- ``FORMAT_TIMESTAMP(fmt, ts, tz)`` and ``JSON_EXTRACT_SCALAR(json, path)`` are DuckDB macros;
- ``SAFE_CAST(`` becomes ``TRY_CAST(``, ``TIMESTAMP(@p)`` becomes ``CAST($p AS TIMESTAMPTZ)``;
- named parameters ``@p`` are bound as DuckDB parameters ``$p``, never formatted into the text.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any

import duckdb
import pyarrow as pa

from sandbox.bigquery.events import UdpEvent

DEFAULT_TABLE = "udp-umich-prod.event_store.events"
_EVENTS_DDL = (
    "CREATE TABLE events (id VARCHAR, type VARCHAR, action VARCHAR, ed_app VARCHAR, "
    "event_time TIMESTAMPTZ, event VARCHAR)"
)
_MACROS = (
    "CREATE MACRO format_timestamp(fmt, ts, tz) AS "
    "strftime(timezone(tz, ts), replace(fmt, '%F', '%Y-%m-%d'))",
    "CREATE MACRO json_extract_scalar(j, p) AS json_extract_string(j, p)",
)
_LITERAL = re.compile(r"('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")")


class QueryError(Exception):
    """A query error reported the way BigQuery does (HTTP status, reason, message)."""

    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.status, self.reason, self.message = status, reason, message


class EventStore:
    """The emulated project: the UDP ``events`` table in DuckDB, plus hooks for tests.

    ``add()`` may be called while the server runs, e.g. to deliver events late.
    """

    def __init__(self, events: Iterable[UdpEvent] = (), *, table: str = DEFAULT_TABLE) -> None:
        self.table = table
        self.requests: list[str] = []
        self._failures: list[QueryError] = []
        self._lock = threading.Lock()
        self._con = duckdb.connect(":memory:")
        # Results must not depend on the host's zone, exactly like BigQuery.
        self._con.execute("SET TimeZone = 'UTC'")
        self._con.execute(_EVENTS_DDL)
        for macro in _MACROS:
            self._con.execute(macro)
        self.add(events)

    def add(self, events: Iterable[UdpEvent]) -> int:
        """Insert events into the table; returns how many."""
        rows = [event.wire_row() for event in events]
        if not rows:
            return 0
        incoming = pa.Table.from_pylist(rows)  # noqa: F841 - read by DuckDB via replacement scan
        with self._lock:
            self._con.execute("INSERT INTO events SELECT * FROM incoming")
        return len(rows)

    def fail_next_query(
        self, reason: str = "accessDenied", message: str = "Access Denied", status: int = 403
    ) -> None:
        """Make the next query fail with this BigQuery error (a non-retried reason by default)."""
        with self._lock:
            self._failures.append(QueryError(status, reason, message))

    def run(self, sql: str, params: dict[str, Any]) -> pa.Table:
        """Execute BigQuery-dialect SQL with named parameters; raises QueryError."""
        with self._lock:
            if self._failures:
                raise self._failures.pop(0)
            duck_sql = translate_sql(sql, {self.table: "events"})
            try:
                return self._con.sql(duck_sql, params=params or None).to_arrow_table()
            except duckdb.Error as err:
                raise QueryError(400, "invalidQuery", str(err).splitlines()[0]) from err


def translate_sql(sql: str, tables: dict[str, str]) -> str:
    """Rewrite the few BigQuery-only spellings outside string literals (see module docstring)."""
    parts = _LITERAL.split(sql)
    for index in range(0, len(parts), 2):
        parts[index] = _translate_code(parts[index], tables)
    return "".join(parts)


def _translate_code(code: str, tables: dict[str, str]) -> str:
    def table(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in tables:
            raise QueryError(404, "notFound", f"Not found: Table {name} was not found")
        return tables[name]

    code = re.sub(r"`([^`]+)`", table, code)
    code = re.sub(r"\bSAFE_CAST\s*\(", "TRY_CAST(", code, flags=re.IGNORECASE)
    code = re.sub(
        r"\bTIMESTAMP\s*\(\s*@(\w+)\s*\)", r"CAST($\1 AS TIMESTAMPTZ)", code, flags=re.IGNORECASE
    )
    return re.sub(r"@(\w+)", r"$\1", code)


def parameter_values(parameters: list[dict[str, Any]]) -> dict[str, Any]:
    """Decode ``queryParameters`` of the request into Python values for DuckDB."""
    values = {}
    for param in parameters:
        kind = param["parameterType"]["type"]
        raw = param.get("parameterValue", {}).get("value")
        values[param["name"]] = None if raw is None else _decode_parameter(kind, raw)
    return values


def _decode_parameter(kind: str, raw: str) -> Any:
    decoders: dict[str, Callable[[str], Any]] = {
        "STRING": str,
        "INT64": int,
        "FLOAT64": float,
        "NUMERIC": float,
        "BOOL": lambda v: v.lower() == "true",
        "TIMESTAMP": datetime.fromisoformat,
        "DATETIME": datetime.fromisoformat,
        "DATE": date.fromisoformat,
    }
    if kind not in decoders:
        raise QueryError(400, "invalidQuery", f"sandbox: unsupported parameter type {kind}")
    return decoders[kind](raw)
