"""The emulated BigQuery project: the UDP event store in DuckDB, queried in BigQuery SQL.

Two tables: the legacy ``events`` (``ed_app`` a string, ``event_time`` a TIMESTAMP, the whole
Caliper JSON in ``event``) and ``expanded`` (``ed_app`` and ``object`` records, ``event_time`` a
DATETIME, day-partitioned, with a required filter on ``event_time``), plus the dataset's
``INFORMATION_SCHEMA.COLUMNS``.

The BigQuery dialect is bridged by a small, explicit set of rewrites; anything else is DuckDB SQL:
- `` `project.dataset.table` `` names a table registered in the :class:`EventStore`;
- ``FORMAT_TIMESTAMP(fmt, ts, tz)``, ``FORMAT_DATETIME(fmt, dt)``, ``JSON_EXTRACT_SCALAR(json,
  path)`` and ``JSON_VALUE(json, path)`` are DuckDB macros;
- ``SAFE_CAST(`` becomes ``TRY_CAST(``, ``TIMESTAMP(@p)`` becomes ``CAST($p AS TIMESTAMPTZ)``;
- named parameters ``@p`` are bound as DuckDB parameters ``$p``, never formatted into the text.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from typing import Any

import duckdb
import pyarrow as pa

from sandbox.bigquery.events import UdpEvent

DEFAULT_TABLE = "udp-umich-prod.event_store.events"
EXPANDED_TABLE = "udp-umich-prod.event_store.expanded"
_DDL = (
    "CREATE TABLE events (id VARCHAR, type VARCHAR, action VARCHAR, ed_app VARCHAR, "
    "event_time TIMESTAMPTZ, event VARCHAR)",
    "CREATE TABLE expanded (id VARCHAR, type VARCHAR, action VARCHAR, "
    "ed_app STRUCT(id VARCHAR, json VARCHAR), object STRUCT(id VARCHAR, extensions VARCHAR), "
    "actor STRUCT(id VARCHAR), event_time TIMESTAMP, extensions_json VARCHAR)",
    "CREATE TABLE bq_columns (table_name VARCHAR, column_name VARCHAR, data_type VARCHAR)",
)
# BigQuery's names for the columns' types, as INFORMATION_SCHEMA.COLUMNS reports them.
_COLUMN_TYPES = {
    "events": {
        "id": "STRING",
        "type": "STRING",
        "action": "STRING",
        "ed_app": "STRING",
        "event_time": "TIMESTAMP",
        "event": "STRING",
    },
    "expanded": {
        "id": "STRING",
        "type": "STRING",
        "action": "STRING",
        "ed_app": "STRUCT<id STRING, json STRING>",
        "object": "STRUCT<id STRING, extensions STRING>",
        "actor": "STRUCT<id STRING>",
        "event_time": "DATETIME",
        "extensions_json": "STRING",
    },
}
_MACROS = (
    "CREATE MACRO format_timestamp(fmt, ts, tz) AS "
    "strftime(timezone(tz, ts), replace(fmt, '%F', '%Y-%m-%d'))",
    "CREATE MACRO format_datetime(fmt, dt) AS strftime(dt, replace(fmt, '%F', '%Y-%m-%d'))",
    "CREATE MACRO json_extract_scalar(j, p) AS json_extract_string(j, p)",
    "CREATE MACRO json_value(j, p) AS json_extract_string(j, p)",
)
PARTITION_FILTER_REQUIRED = (
    "Cannot query over table '{table}' without a filter over column(s) 'event_time' that can be "
    "used for partition elimination"
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

    def __init__(
        self,
        events: Iterable[UdpEvent] = (),
        *,
        table: str = DEFAULT_TABLE,
        expanded_table: str = EXPANDED_TABLE,
    ) -> None:
        self.table = table
        self.expanded_table = expanded_table
        self.requests: list[str] = []
        self.legacy_frozen = False
        self._failures: list[QueryError] = []
        self._lock = threading.Lock()
        self._con = duckdb.connect(":memory:")
        # Results must not depend on the host's zone, exactly like BigQuery.
        self._con.execute("SET TimeZone = 'UTC'")
        for statement in (*_DDL, *_MACROS):
            self._con.execute(statement)
        for name, columns in _COLUMN_TYPES.items():
            for column, kind in columns.items():
                self._con.execute("INSERT INTO bq_columns VALUES (?, ?, ?)", [name, column, kind])
        self.add(events)

    def freeze_legacy(self) -> None:
        """Stop delivering to ``events``, as Unizin did when it retired the table."""
        self.legacy_frozen = True

    def add(self, events: Iterable[UdpEvent]) -> int:
        """Insert events into ``expanded`` (and ``events`` unless frozen); returns how many."""
        events = list(events)
        if not events:
            return 0
        # Both are read by DuckDB through its replacement scan of local variables.
        expanded_rows = pa.Table.from_pylist([e.expanded_row() for e in events])  # noqa: F841
        legacy_rows = pa.Table.from_pylist([e.wire_row() for e in events])  # noqa: F841
        with self._lock:
            self._con.execute("INSERT INTO expanded SELECT * FROM expanded_rows")
            if not self.legacy_frozen:
                self._con.execute("INSERT INTO events SELECT * FROM legacy_rows")
        return len(events)

    def fail_next_query(
        self, reason: str = "accessDenied", message: str = "Access Denied", status: int = 403
    ) -> None:
        """Make the next query fail with this BigQuery error (a non-retried reason by default)."""
        with self._lock:
            self._failures.append(QueryError(status, reason, message))

    def run(
        self, sql: str, params: dict[str, Any], kinds: dict[str, str] | None = None
    ) -> pa.Table:
        """Execute BigQuery-dialect SQL with named parameters; raises QueryError.

        ``kinds`` are the parameters' BigQuery types: GoogleSQL compares a DATETIME column
        with a DATETIME only, where DuckDB would quietly cast a TIMESTAMP.
        """
        with self._lock:
            if self._failures:
                raise self._failures.pop(0)
            duck_sql = self._checked(sql, kinds or {})
            try:
                return self._con.sql(duck_sql, params=params or None).to_arrow_table()
            except duckdb.Error as err:
                raise QueryError(400, "invalidQuery", str(err).splitlines()[0]) from err

    def validate(self, sql: str, kinds: dict[str, str]) -> None:
        """Check a query as a dry run does, without running it; raises QueryError."""
        with self._lock:
            self._checked(sql, kinds)

    def bytes_scanned(self, sql: str, params: dict[str, Any]) -> int:
        """An estimate of what BigQuery would scan: the columns named, in the partitions read.

        Columns count by the size of their values (8 bytes a time, strings by length); on the
        day-partitioned ``expanded`` only the days between the query's time parameters count.
        """
        name = "expanded" if f"`{self.expanded_table}`" in sql else "events"
        columns = [c for c in _COLUMN_TYPES[name] if re.search(rf"\b{c}\b", sql)]
        if not columns:
            return 0
        sizes = " + ".join(_column_size(c, _COLUMN_TYPES[name][c]) for c in columns)
        where, bounds = "TRUE", [v for v in params.values() if isinstance(v, datetime)]
        if name == "expanded" and bounds:
            where = "CAST(event_time AS DATE) BETWEEN CAST($lo AS DATE) AND CAST($hi AS DATE)"
        day = {"lo": _naive_utc(min(bounds)), "hi": _naive_utc(max(bounds))} if bounds else {}
        with self._lock:
            found = self._con.execute(
                f"SELECT COALESCE(SUM({sizes}), 0) FROM {name} WHERE {where}",
                day if where != "TRUE" else None,
            ).fetchall()
        return int(found[0][0]) if found else 0

    def _checked(self, sql: str, kinds: dict[str, str]) -> str:
        tables = {
            self.table: "events",
            self.expanded_table: "expanded",
            f"{self.expanded_table.rpartition('.')[0]}.INFORMATION_SCHEMA.COLUMNS": "bq_columns",
        }
        if f"`{self.expanded_table}`" in sql:
            if not re.search(r"\bevent_time\s*(>=|>|<|<=|BETWEEN)", sql, re.IGNORECASE):
                message = PARTITION_FILTER_REQUIRED.format(table=self.expanded_table)
                raise QueryError(400, "invalidQuery", message)
            if "TIMESTAMP" in kinds.values():
                raise QueryError(
                    400,
                    "invalidQuery",
                    "No matching signature for operator >= for argument types: "
                    "DATETIME, TIMESTAMP",
                )
        return translate_sql(sql, tables)


def _column_size(column: str, kind: str) -> str:
    if kind in ("TIMESTAMP", "DATETIME"):
        return "8"
    if kind.startswith("STRUCT"):
        return f"COALESCE(strlen(CAST({column} AS VARCHAR)), 0)"
    return f"2 + COALESCE(strlen({column}), 0)"


def _naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


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
        "DATETIME": lambda v: datetime.fromisoformat(v).replace(tzinfo=None),
        "DATE": date.fromisoformat,
    }
    if kind not in decoders:
        raise QueryError(400, "invalidQuery", f"sandbox: unsupported parameter type {kind}")
    return decoders[kind](raw)
