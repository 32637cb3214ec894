"""BigQuery REST emulator: the job/query calls google-cloud-bigquery makes, answered by DuckDB.

Supported calls (what ``client.query(...).result()``, ``to_dataframe()`` and ``query_and_wait``
send):
``POST projects/{p}/jobs`` (jobs.insert), ``GET projects/{p}/queries/{id}`` (getQueryResults, with
``maxResults`` and ``pageToken``), ``GET projects/{p}/jobs/{id}`` (jobs.get) and
``POST projects/{p}/queries`` (jobs.query). Every query runs synchronously, so jobs are born DONE.

The BigQuery dialect is bridged by a small, explicit set of rewrites; anything else is DuckDB SQL:
- `` `project.dataset.table` `` names a table registered in the :class:`EventStore`;
- ``FORMAT_TIMESTAMP(fmt, ts, tz)`` and ``JSON_EXTRACT_SCALAR(json, path)`` are DuckDB macros;
- ``SAFE_CAST(`` becomes ``TRY_CAST(``, ``TIMESTAMP(@p)`` becomes ``CAST($p AS TIMESTAMPTZ)``;
- named parameters ``@p`` are bound as DuckDB parameters ``$p``, never formatted into the text.
"""

from __future__ import annotations

import logging
import re
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import duckdb
import pyarrow as pa

from sandbox.server import Faults, Request, Response, RunningServer, start_server
from sandbox.udp_events import UdpEvent

logger = logging.getLogger(__name__)

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
_ROUTE = re.compile(
    r"^/bigquery/v2/projects/(?P<project>[^/]+)/(?P<kind>jobs|queries)(?:/(?P<job>[^/]+))?$"
)


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

    def fail_next_query(self, reason: str = "accessDenied", message: str = "Access Denied",
                        status: int = 403) -> None:
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
    code = re.sub(r"\bTIMESTAMP\s*\(\s*@(\w+)\s*\)", r"CAST($\1 AS TIMESTAMPTZ)", code,
                  flags=re.IGNORECASE)
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
        "STRING": str, "INT64": int, "FLOAT64": float, "NUMERIC": float,
        "BOOL": lambda v: v.lower() == "true", "TIMESTAMP": datetime.fromisoformat,
        "DATETIME": datetime.fromisoformat, "DATE": date.fromisoformat,
    }
    if kind not in decoders:
        raise QueryError(400, "invalidQuery", f"sandbox: unsupported parameter type {kind}")
    return decoders[kind](raw)


@dataclass
class _Result:
    """A finished query: BigQuery schema fields and encoded row cells."""

    job_id: str
    project: str
    fields: list[dict[str, str]]
    rows: list[dict[str, Any]] = field(default_factory=list)

    def reference(self) -> dict[str, str]:
        return {"projectId": self.project, "jobId": self.job_id, "location": "US"}


def encode_result(table: pa.Table, job_id: str, project: str) -> _Result:
    """Convert an Arrow table into BigQuery's schema and ``{"f": [{"v": ...}]}`` rows."""
    fields, columns = [], []
    for column, arrow_field in zip(table.columns, table.schema, strict=True):
        kind, cells = _encode_column(column, arrow_field.type)
        fields.append({"name": arrow_field.name, "type": kind, "mode": "NULLABLE"})
        columns.append(cells)
    rows = [{"f": [{"v": cell} for cell in row]} for row in zip(*columns, strict=True)]
    return _Result(job_id, project, fields, rows)


def _encode_column(column: pa.ChunkedArray, kind: pa.DataType) -> tuple[str, list[Any]]:
    if pa.types.is_timestamp(kind):
        micros = column.cast(pa.timestamp("us", tz=kind.tz)).cast(pa.int64()).to_pylist()
        if kind.tz is None:
            return "DATETIME", [None if v is None else str(_naive(v)) for v in micros]
        return "TIMESTAMP", [None if v is None else str(v) for v in micros]
    values = column.to_pylist()
    if pa.types.is_boolean(kind):
        return "BOOLEAN", [None if v is None else str(v).lower() for v in values]
    if pa.types.is_integer(kind):
        return "INTEGER", [None if v is None else str(v) for v in values]
    if pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        return "FLOAT", [None if v is None else repr(float(v)) for v in values]
    if pa.types.is_date(kind):
        return "DATE", [None if v is None else v.isoformat() for v in values]
    return "STRING", [None if v is None else str(v) for v in values]


def _naive(micros: int) -> str:
    epoch = datetime(1970, 1, 1)  # noqa: DTZ001 - BigQuery DATETIME has no zone
    return (epoch + timedelta(microseconds=micros)).isoformat()


class BigQueryEmulator:
    """The HTTP app: routes the REST calls, keeps finished query results by job id."""

    def __init__(self, store: EventStore, faults: Faults | None = None, page_rows: int = 1000,
                 ) -> None:
        self.store, self.faults, self.page_rows = store, faults, page_rows
        self._results: dict[str, _Result] = {}
        self._lock = threading.Lock()

    def __call__(self, request: Request) -> Response:
        self.store.requests.append(f"{request.method} {request.path}")
        injected = self.faults.apply(request) if self.faults else None
        if injected is not None:
            return injected
        route = _ROUTE.match(request.path)
        if route is None:
            return _error(404, "notFound", f"sandbox: no route for {request.path}")
        project, kind, job_id = route.group("project", "kind", "job")
        if request.method == "POST" and kind == "jobs" and job_id is None:
            return self._insert(project, request.json() or {})
        if request.method == "POST" and kind == "queries" and job_id is None:
            return self._query(project, request.json() or {})
        if request.method == "GET" and job_id and job_id in self._results:
            result = self._results[job_id]
            if kind == "jobs":
                return _job_done(result)
            start = int(request.arg("pageToken") or 0)
            return self._page(result, start, int(request.arg("maxResults") or self.page_rows))
        return _error(404, "notFound", f"Not found: Job {project}:{job_id}")

    def _execute(self, project: str, job_id: str, query: dict[str, Any]) -> _Result:
        if query.get("useLegacySql"):
            raise QueryError(400, "invalidQuery", "sandbox: legacy SQL is not supported")
        params = parameter_values(query.get("queryParameters", []))
        result = encode_result(self.store.run(query["query"], params), job_id, project)
        with self._lock:
            self._results[job_id] = result
        logger.debug("sandbox bigquery job %s: %d rows", job_id, len(result.rows))
        return result

    def _insert(self, project: str, body: dict[str, Any]) -> Response:
        reference = body.get("jobReference") or {}
        job_id = reference.get("jobId") or str(uuid.uuid4())
        try:
            result = self._execute(project, job_id, body["configuration"]["query"])
        except QueryError as err:
            # BigQuery accepts the job and reports the failure in its status.
            error = {"reason": err.reason, "message": err.message}
            status = {"state": "DONE", "errorResult": error, "errors": [error]}
            ref = {"projectId": project, "jobId": job_id, "location": "US"}
            return Response(200, {"jobReference": ref, "status": status})
        return _job_done(result)

    def _query(self, project: str, body: dict[str, Any]) -> Response:
        try:
            result = self._execute(project, str(uuid.uuid4()), body)
        except QueryError as err:
            return _error(err.status, err.reason, err.message)
        return self._page(result, 0, int(body.get("maxResults") or self.page_rows))

    def _page(self, result: _Result, start: int, size: int) -> Response:
        body: dict[str, Any] = {
            "kind": "bigquery#getQueryResultsResponse", "jobReference": result.reference(),
            "jobComplete": True, "totalRows": str(len(result.rows)),
            "schema": {"fields": result.fields},
        }
        if size == 0:
            # A wait-only call: any "rows" key, even empty, would be taken as the first page.
            return Response(200, body)
        body["rows"] = result.rows[start:start + size]
        if start + size < len(result.rows):
            body["pageToken"] = str(start + size)
        return Response(200, body)


def _job_done(result: _Result) -> Response:
    return Response(200, {"kind": "bigquery#job", "id": f"{result.project}:US.{result.job_id}",
                          "jobReference": result.reference(), "status": {"state": "DONE"}})


def _error(status: int, reason: str, message: str) -> Response:
    codes = {400: "INVALID_ARGUMENT", 403: "PERMISSION_DENIED", 404: "NOT_FOUND"}
    error = {"code": status, "message": message, "status": codes.get(status, "INTERNAL"),
             "errors": [{"reason": reason, "message": message, "domain": "global"}]}
    return Response(status, {"error": error})


def start(events: Iterable[UdpEvent] | EventStore = (), faults: Faults | None = None, *,
          table: str = DEFAULT_TABLE, page_rows: int = 1000) -> RunningServer:
    """Serve a BigQuery emulator over ``events`` (or an existing store) on a loopback port.

    Point the client at it with ``client_options={"api_endpoint": server.url}``.
    """
    store = events if isinstance(events, EventStore) else EventStore(events, table=table)
    return start_server(BigQueryEmulator(store, faults, page_rows), "bigquery")
