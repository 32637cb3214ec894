"""BigQuery REST emulator: the job/query calls google-cloud-bigquery makes, answered by DuckDB.

Supported calls (what ``client.query(...).result()``, ``to_dataframe()`` and ``query_and_wait``
send):
``POST projects/{p}/jobs`` (jobs.insert), ``GET projects/{p}/queries/{id}`` (getQueryResults, with
``maxResults`` and ``pageToken``), ``GET projects/{p}/jobs/{id}`` (jobs.get) and
``POST projects/{p}/queries`` (jobs.query). Every query runs synchronously, so jobs are born DONE.

The SQL runs on DuckDB through :mod:`sandbox.bigquery.engine`.
"""

from __future__ import annotations

import logging
import re
import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pyarrow as pa

from sandbox.bigquery.engine import DEFAULT_TABLE, EventStore, QueryError, parameter_values
from sandbox.bigquery.events import UdpEvent
from sandbox.web import (
    Emulator,
    Faults,
    Request,
    Response,
    Route,
    Routes,
    RunningServer,
    start_server,
)

__all__ = ["DEFAULT_TABLE", "BigQueryEmulator", "EventStore", "QueryError", "start"]

logger = logging.getLogger(__name__)

_PROJECT = "/bigquery/v2/projects/{project}"
# Any path under a project's jobs or queries; what no route answers is an unknown job.
_JOB_PATH = re.compile(
    r"^/bigquery/v2/projects/(?P<project>[^/]+)/(jobs|queries)(?:/(?P<job>[^/]+))?$"
)
routes = Routes()


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


class BigQueryEmulator(Emulator):
    """The HTTP app: answers the REST calls, keeps finished query results by job id."""

    routes = routes

    def __init__(
        self, store: EventStore, faults: Faults | None = None, page_rows: int = 1000
    ) -> None:
        super().__init__(faults)
        self.store = store
        self.page_rows = page_rows
        self._results: dict[str, _Result] = {}
        self._lock = threading.Lock()

    def answer(self, request: Request, route: Route | None, params: dict[str, Any]) -> Response:
        self.store.requests.append(f"{request.method} {request.path}")
        return super().answer(request, route, params)

    def not_found(self, request: Request) -> Response:
        job = _JOB_PATH.match(request.path)
        if job is None:
            return _error(404, "notFound", f"sandbox: no route for {request.path}")
        return _unknown_job(job.group("project"), job.group("job"))

    @routes.post(_PROJECT + "/jobs")
    def _insert(self, request: Request, project: str) -> Response:
        body = request.json() or {}
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

    @routes.post(_PROJECT + "/queries")
    def _query(self, request: Request, project: str) -> Response:
        body = request.json() or {}
        try:
            result = self._execute(project, str(uuid.uuid4()), body)
        except QueryError as err:
            return _error(err.status, err.reason, err.message)
        return self._page(result, 0, int(body.get("maxResults") or self.page_rows))

    @routes.get(_PROJECT + "/jobs/{job_id}")
    def _job(self, request: Request, project: str, job_id: str) -> Response:
        result = self._results.get(job_id)
        return _job_done(result) if result else _unknown_job(project, job_id)

    @routes.get(_PROJECT + "/queries/{job_id}")
    def _results_page(self, request: Request, project: str, job_id: str) -> Response:
        result = self._results.get(job_id)
        if result is None:
            return _unknown_job(project, job_id)
        start = int(request.arg("pageToken") or 0)
        return self._page(result, start, int(request.arg("maxResults") or self.page_rows))

    def _execute(self, project: str, job_id: str, query: dict[str, Any]) -> _Result:
        if query.get("useLegacySql"):
            raise QueryError(400, "invalidQuery", "sandbox: legacy SQL is not supported")
        params = parameter_values(query.get("queryParameters", []))
        result = encode_result(self.store.run(query["query"], params), job_id, project)
        with self._lock:
            self._results[job_id] = result
        logger.debug("sandbox bigquery job %s: %d rows", job_id, len(result.rows))
        return result

    def _page(self, result: _Result, start: int, size: int) -> Response:
        body: dict[str, Any] = {
            "kind": "bigquery#getQueryResultsResponse",
            "jobReference": result.reference(),
            "jobComplete": True,
            "totalRows": str(len(result.rows)),
            "schema": {"fields": result.fields},
        }
        if size == 0:
            # A wait-only call: any "rows" key, even empty, would be taken as the first page.
            return Response(200, body)
        body["rows"] = result.rows[start : start + size]
        if start + size < len(result.rows):
            body["pageToken"] = str(start + size)
        return Response(200, body, items=len(body["rows"]))


def _job_done(result: _Result) -> Response:
    return Response(
        200,
        {
            "kind": "bigquery#job",
            "id": f"{result.project}:US.{result.job_id}",
            "jobReference": result.reference(),
            "status": {"state": "DONE"},
        },
    )


def _unknown_job(project: str, job_id: str | None) -> Response:
    return _error(404, "notFound", f"Not found: Job {project}:{job_id}")


def _error(status: int, reason: str, message: str) -> Response:
    codes = {400: "INVALID_ARGUMENT", 403: "PERMISSION_DENIED", 404: "NOT_FOUND"}
    error = {
        "code": status,
        "message": message,
        "status": codes.get(status, "INTERNAL"),
        "errors": [{"reason": reason, "message": message, "domain": "global"}],
    }
    return Response(status, {"error": error})


def start(
    events: Iterable[UdpEvent] | EventStore = (),
    faults: Faults | None = None,
    *,
    table: str = DEFAULT_TABLE,
    page_rows: int = 1000,
) -> RunningServer:
    """Serve a BigQuery emulator over ``events`` (or an existing store) on a loopback port.

    Point the client at it with ``client_options={"api_endpoint": server.url}``.
    """
    store = events if isinstance(events, EventStore) else EventStore(events, table=table)
    return start_server(BigQueryEmulator(store, faults, page_rows), "bigquery")
