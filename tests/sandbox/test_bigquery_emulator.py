"""The BigQuery emulator against the real google-cloud-bigquery client (jobs, pages, errors)."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest
from google.api_core import exceptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import bigquery

from sandbox import bigquery as bigquery_api
from sandbox.bigquery.events import KAF_APPS, events_at, generate_events
from sandbox.web import start_server

END = datetime(2024, 3, 10, tzinfo=UTC)
COURSES = [101, 102, 103, 104]


@pytest.fixture
def store() -> bigquery_api.EventStore:
    return bigquery_api.EventStore(generate_events(COURSES, end=END, days=2, count=200))


@pytest.fixture
def client(store: bigquery_api.EventStore) -> Iterator[bigquery.Client]:
    with bigquery_api.start(store, page_rows=3) as server:
        client = bigquery.Client(
            project="p",
            credentials=AnonymousCredentials(),
            client_options={"api_endpoint": server.url},
        )
        yield client
        client.close()


def frame(client: bigquery.Client, sql: str, **params: object) -> pd.DataFrame:
    kinds = {str: "STRING", int: "INT64", datetime: "TIMESTAMP"}
    config = bigquery.QueryJobConfig(
        query_parameters=[
            bigquery.ScalarQueryParameter(name, kinds[type(value)], value)
            for name, value in params.items()
        ]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        return client.query(sql, job_config=config).to_dataframe(create_bqstorage_client=False)


def test_rows_come_back_in_pages_with_the_calls_the_client_makes(client, store):
    result = frame(client, "SELECT id FROM `udp-umich-prod.event_store.events` ORDER BY id")
    assert len(result) == 200
    assert result["id"].is_unique
    queries = [r for r in store.requests if "/queries/" in r]
    assert store.requests[0] == "POST /bigquery/v2/projects/p/jobs"
    assert len(queries) == 1 + 67  # the wait-only call, then 200 rows in pages of 3


def test_timestamps_keep_microseconds_and_utc(client):
    moment = datetime(2024, 3, 9, 23, 59, 59, 123456, tzinfo=UTC)
    result = frame(client, "SELECT @t AS t, FORMAT_TIMESTAMP('%F %H', @t, 'UTC') AS h", t=moment)
    assert str(result["t"].dtype) == "datetime64[us, UTC]"
    assert result["t"][0].to_pydatetime() == moment
    assert result["h"][0] == "2024-03-09 23"


def test_values_of_each_type_and_null_are_encoded(client):
    result = frame(
        client,
        "SELECT 7 AS i, 1.5 AS f, true AS b, 'x' AS s, DATE '2024-01-02' AS d, "
        "CAST(NULL AS BIGINT) AS n",
    )
    row = result.iloc[0]
    assert (row["i"], row["f"], row["b"], row["s"], row["d"]) == (
        7,
        1.5,
        True,
        "x",
        date(2024, 1, 2),
    )
    assert pd.isna(row["n"])


def test_parameters_are_bound_never_spliced(client):
    sql = (
        "SELECT COUNT(*) AS n FROM `udp-umich-prod.event_store.events` "
        "WHERE ed_app = @app AND event_time >= TIMESTAMP(@since)"
    )
    hostile = frame(client, sql, app="x' OR '1'='1", since=END - timedelta(days=9))
    assert hostile["n"][0] == 0
    real = frame(client, sql, app=KAF_APPS[0], since=END - timedelta(days=9))
    assert real["n"][0] > 0


def test_events_added_later_are_visible_to_later_queries(client, store):
    sql = "SELECT COUNT(*) AS n FROM `udp-umich-prod.event_store.events` WHERE event_time < @t"
    before = frame(client, sql, t=END - timedelta(days=1))["n"][0]
    store.add(events_at(COURSES, [END - timedelta(days=1, hours=5)] * 4))
    assert frame(client, sql, t=END - timedelta(days=1))["n"][0] == before + 4


def test_query_and_wait_reads_the_inline_first_page(client):
    rows = list(
        client.query_and_wait(
            "SELECT id FROM `udp-umich-prod.event_store.events` ORDER BY id LIMIT 10"
        )
    )
    assert len(rows) == 10


def test_unknown_table_is_not_found(client):
    with pytest.raises(exceptions.NotFound, match=r"Not found: Table a\.b\.c"):
        client.query("SELECT 1 FROM `a.b.c`").result()


def test_sql_errors_are_bad_requests(client):
    with pytest.raises(exceptions.BadRequest, match="invalidQuery"):
        client.query("SELECT FROM WHERE").result()


def test_an_injected_failure_fails_the_next_query_only(client, store):
    store.fail_next_query(reason="accessDenied", message="Access Denied: no", status=403)
    with pytest.raises(exceptions.Forbidden, match="Access Denied"):
        client.query("SELECT 1 AS x").result()
    assert [tuple(row) for row in client.query("SELECT 1 AS x").result()] == [(1,)]


def test_translation_leaves_string_literals_alone():
    sql = "SELECT '@a `t`', SAFE_CAST(x AS INT64) FROM `p.d.t` WHERE y = TIMESTAMP(@b) AND z = @c"
    assert bigquery_api.translate_sql(sql, {"p.d.t": "events"}) == (
        "SELECT '@a `t`', TRY_CAST(x AS INT64) FROM events "
        "WHERE y = CAST($b AS TIMESTAMPTZ) AND z = $c"
    )


def test_requests_are_counted_by_endpoint(store):
    app = bigquery_api.BigQueryEmulator(store, page_rows=150)
    with start_server(app, "bigquery") as server:
        client = bigquery.Client(
            project="p",
            credentials=AnonymousCredentials(),
            client_options={"api_endpoint": server.url},
        )
        result = frame(client, "SELECT id FROM `udp-umich-prod.event_store.events`")
        client.close()
    pages = app.stats.requests["GET /bigquery/v2/projects/{project}/queries/{job_id}"]
    assert app.stats.requests["POST /bigquery/v2/projects/{project}/jobs"] == 1
    assert pages == 1 + 2  # the wait-only call, then 200 rows in pages of 150
    assert sum(app.stats.items.values()) == len(result) == 200
    assert app.stats.total_requests == len(store.requests)
