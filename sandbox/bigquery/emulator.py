"""BigQuery REST emulator: the job/query calls google-cloud-bigquery makes, answered by DuckDB.

Supported calls (what ``client.query(...).result()``, ``to_dataframe()`` and ``query_and_wait``
send):
``POST projects/{p}/jobs`` (jobs.insert), ``GET projects/{p}/queries/{id}`` (getQueryResults, with
``maxResults`` and ``pageToken``), ``GET projects/{p}/jobs/{id}`` (jobs.get) and
``POST projects/{p}/queries`` (jobs.query) and ``POST projects/{p}/jobs/{id}/cancel``.

Like BigQuery, a job reports ``statistics.query.totalBytesProcessed`` (estimated from the data it
scans) and ``totalBytesBilled`` (at least 10 MiB); ``dryRun`` answers the statistics without
running; a job past ``maximumBytesBilled`` fails with ``bytesBilledLimitExceeded``. A job can be
kept RUNNING for ``running_polls`` status checks (``jobComplete: false``), or for ever until
cancelled (``running_polls=-1``); ``fail_next_job(reason)`` fails the next finished job with a
transient reason such as ``jobBackendError``, which the library's job retry re-runs.

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

from sandbox.bigquery.engine import (
    DEFAULT_TABLE,
    EXPANDED_TABLE,
    EventStore,
    QueryError,
    parameter_values,
)
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

__all__ = [
    "DEFAULT_TABLE",
    "EXPANDED_TABLE",
    "BigQueryEmulator",
    "EventStore",
    "QueryError",
    "start",
]

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
    bytes_processed: int = 0
    polls_left: int = 0
    error: dict[str, str] | None = None

    def reference(self) -> dict[str, str]:
        return {"projectId": self.project, "jobId": self.job_id, "location": "US"}

    def statistics(self) -> dict[str, Any]:
        billed = bytes_billed(self.bytes_processed)
        query = {"totalBytesProcessed": str(self.bytes_processed), "totalBytesBilled": str(billed)}
        return {"totalBytesProcessed": str(self.bytes_processed), "query": query}


# BigQuery bills at least 10 MiB per query; a cap below what a job would bill refuses the job.
MIN_BILLED = 10 * 1024 * 1024


def bytes_billed(processed: int) -> int:
    """What BigQuery bills for a scan: at least 10 MiB, in whole MiB."""
    mib = 1024 * 1024
    return max(MIN_BILLED, -(-processed // mib) * mib)


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
        self,
        store: EventStore,
        faults: Faults | None = None,
        page_rows: int = 1000,
        *,
        running_polls: int = 0,
    ) -> None:
        super().__init__(faults)
        self.store = store
        self.page_rows = page_rows
        self.running_polls = running_polls
        self.cancelled: list[str] = []
        self.jobs: list[dict[str, Any]] = []
        self._job_failures: list[str] = []
        self._results: dict[str, _Result] = {}
        self._lock = threading.Lock()

    def fail_next_job(self, reason: str = "jobBackendError") -> None:
        """Fail the next job once it has run, with a reason BigQuery gives for passing trouble."""
        with self._lock:
            self._job_failures.append(reason)

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
        configuration = body.get("configuration") or {}
        with self._lock:
            self.jobs.append(configuration)
        try:
            result = self._execute(project, job_id, configuration)
        except QueryError as err:
            # BigQuery accepts the job and reports the failure in its status.
            error = {"reason": err.reason, "message": err.message}
            status = {"state": "DONE", "errorResult": error, "errors": [error]}
            ref = {"projectId": project, "jobId": job_id, "location": "US"}
            return Response(200, {"jobReference": ref, "status": status})
        return _job_status(result)

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
        if result is None:
            return _unknown_job(project, job_id)
        self._poll(result)
        return _job_status(result)

    @routes.post(_PROJECT + "/jobs/{job_id}/cancel")
    def _cancel(self, request: Request, project: str, job_id: str) -> Response:
        result = self._results.get(job_id)
        if result is None:
            return _unknown_job(project, job_id)
        with self._lock:
            self.cancelled.append(job_id)
            result.polls_left = 0
            result.error = {"reason": "stopped", "message": "Job execution was cancelled"}
        return Response(200, {"kind": "bigquery#jobCancelResponse", "job": _job_body(result)})

    @routes.get(_PROJECT + "/queries/{job_id}")
    def _results_page(self, request: Request, project: str, job_id: str) -> Response:
        result = self._results.get(job_id)
        if result is None:
            return _unknown_job(project, job_id)
        if self._poll(result):
            # getQueryResults holds until its timeout, then answers that the job is not done.
            return Response(200, {"jobReference": result.reference(), "jobComplete": False})
        if result.error is not None:
            return _error(400, result.error["reason"], result.error["message"])
        start = int(request.arg("pageToken") or 0)
        return self._page(result, start, int(request.arg("maxResults") or self.page_rows))

    def _poll(self, result: _Result) -> bool:
        """Count one status check; True while the job is still running."""
        with self._lock:
            if result.polls_left == 0:
                return False
            result.polls_left -= 1 if result.polls_left > 0 else 0
            if result.polls_left == 0 and self._job_failures and result.error is None:
                reason = self._job_failures.pop(0)
                result.error = {"reason": reason, "message": f"sandbox: the job hit {reason}"}
            return True

    def _execute(self, project: str, job_id: str, configuration: dict[str, Any]) -> _Result:
        # jobs.insert nests the query config under "query"; jobs.query sends it flat.
        nested = configuration.get("query")
        query = nested if isinstance(nested, dict) else configuration
        if query.get("useLegacySql"):
            raise QueryError(400, "invalidQuery", "sandbox: legacy SQL is not supported")
        parameters = query.get("queryParameters", [])
        params = parameter_values(parameters)
        kinds = {p["name"]: p["parameterType"]["type"] for p in parameters}
        scanned = self.store.bytes_scanned(query["query"], params)
        cap = query.get("maximumBytesBilled") or configuration.get("maximumBytesBilled")
        if (
            cap is not None
            and not configuration.get("dryRun")
            and bytes_billed(scanned) > int(cap)
        ):
            raise QueryError(
                400,
                "bytesBilledLimitExceeded",
                f"Query exceeded limit for bytes billed: {cap}. "
                f"{bytes_billed(scanned)} or higher required.",
            )
        if configuration.get("dryRun"):
            self.store.validate(query["query"], kinds)
            table = pa.table({})
        else:
            table = self.store.run(query["query"], params, kinds)
        result = encode_result(table, job_id, project)
        result.bytes_processed = scanned
        with self._lock:
            result.polls_left = self.running_polls
            if self._job_failures and not configuration.get("dryRun") and not self.running_polls:
                reason = self._job_failures.pop(0)
                result.error = {"reason": reason, "message": f"sandbox: the job hit {reason}"}
            self._results[job_id] = result
        logger.debug("sandbox bigquery job %s: %d rows", job_id, len(result.rows))
        return result

    def _page(self, result: _Result, start: int, size: int) -> Response:
        body: dict[str, Any] = {
            "kind": "bigquery#getQueryResultsResponse",
            "jobReference": result.reference(),
            "jobComplete": True,
            "totalRows": str(len(result.rows)),
            "totalBytesProcessed": str(result.bytes_processed),
            "schema": {"fields": result.fields},
        }
        if size == 0:
            # A wait-only call: any "rows" key, even empty, would be taken as the first page.
            return Response(200, body)
        body["rows"] = result.rows[start : start + size]
        if start + size < len(result.rows):
            body["pageToken"] = str(start + size)
        return Response(200, body, items=len(body["rows"]))


def _job_status(result: _Result) -> Response:
    return Response(200, _job_body(result))


def _job_body(result: _Result) -> dict[str, Any]:
    status: dict[str, Any] = {"state": "RUNNING" if result.polls_left else "DONE"}
    if result.error is not None and not result.polls_left:
        status.update(errorResult=result.error, errors=[result.error])
    return {
        "kind": "bigquery#job",
        "id": f"{result.project}:US.{result.job_id}",
        "jobReference": result.reference(),
        "status": status,
        "statistics": result.statistics(),
    }


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
    expanded_table: str = EXPANDED_TABLE,
    page_rows: int = 1000,
    running_polls: int = 0,
) -> RunningServer:
    """Serve a BigQuery emulator over ``events`` (or an existing store) on a loopback port.

    Point the client at it with ``client_options={"api_endpoint": server.url}``.
    """
    store = (
        events
        if isinstance(events, EventStore)
        else EventStore(events, table=table, expanded_table=expanded_table)
    )
    emulator = BigQueryEmulator(store, faults, page_rows, running_polls=running_polls)
    return start_server(emulator, "bigquery")
