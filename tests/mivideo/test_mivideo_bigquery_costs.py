"""MIVIDEO against the UDP as it is now: `expanded`, byte caps, dry runs, slow and failed jobs."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta

import pytest

from db import Database
from mivideo import fetch, job, queries
from sandbox import bigquery as bigquery_api
from sandbox.bigquery.events import events_at, generate_events
from sandbox.web import RunningServer
from sources import bigquery
from vocab import ConfigError, FatalSourceError, RetriableSourceError


@pytest.fixture
def store(course_ids, hour_now) -> bigquery_api.EventStore:
    events = generate_events(course_ids, end=hour_now - timedelta(hours=1), days=3, count=600)
    return bigquery_api.EventStore(events)


@pytest.fixture
def udp_server(store) -> Iterator[RunningServer]:
    with bigquery_api.start(store) as server:
        yield server


def _emulator(server: RunningServer) -> bigquery_api.BigQueryEmulator:
    assert isinstance(server.app, bigquery_api.BigQueryEmulator)
    return server.app


def _hourly_total(engine) -> int:
    return int(
        Database(engine).scalar("SELECT SUM(event_count) FROM mivideo_media_started_hourly")
    )


def test_a_frozen_legacy_table_is_reported_and_expanded_keeps_counting(
    sqlite_engine, store, udp_server, kaltura_media, make_settings, course_ids, hour_now, caplog
):
    legacy = make_settings(
        udp_server.url,
        kaltura_media.url,
        events_table=bigquery_api.DEFAULT_TABLE,
        events_stale_hours=1,
        default_last_timestamp=hour_now - timedelta(days=4),
    )
    job.run(legacy, Database(sqlite_engine))
    before = _hourly_total(sqlite_engine)
    store.freeze_legacy()
    late = events_at(course_ids, [hour_now - timedelta(minutes=50 - n) for n in range(30)])
    store.add(late)
    caplog.set_level(logging.WARNING)
    job.run(legacy, Database(sqlite_engine))
    assert _hourly_total(sqlite_engine) == before  # nothing new, yet the job succeeds
    assert "still receiving events" in caplog.text
    caplog.clear()
    assert legacy.mivideo is not None
    expanded = make_settings(
        udp_server.url,
        kaltura_media.url,
        events_stale_hours=1,
        default_last_timestamp=hour_now - timedelta(days=4),
    )
    job.run(expanded, Database(sqlite_engine))
    # Only whole hours are loaded; the late events lie in the last one or two.
    assert _hourly_total(sqlite_engine) > before


def test_the_legacy_query_is_refused_on_expanded(udp_server, make_settings, hour_now):
    cfg = make_settings(udp_server.url, "http://127.0.0.1:9").mivideo
    sql, params = queries.media_started_hourly(
        bigquery_api.EXPANDED_TABLE, cfg.kaf_app_urls, hour_now - timedelta(hours=5), hour_now
    )
    client = bigquery.make_client(cfg.bigquery)
    with pytest.raises(FatalSourceError, match=r"No matching signature|invalidQuery"):
        bigquery.query_frame(client, sql, params, timeout=10, limits=fetch.job_limits(cfg))


def test_every_job_carries_the_byte_cap_and_labels(
    sqlite_engine, udp_server, kaltura_media, make_settings
):
    job.run(make_settings(udp_server.url, kaltura_media.url), Database(sqlite_engine))
    jobs = _emulator(udp_server).jobs
    assert len(jobs) >= 3  # column types, dry run, the query
    assert all(j["labels"] == fetch.LABELS for j in jobs)
    assert all(int(j["query"]["maximumBytesBilled"]) == 1024**4 for j in jobs)
    assert any(j.get("dryRun") for j in jobs)


def test_a_job_past_the_byte_cap_is_refused(
    sqlite_engine, udp_server, kaltura_media, make_settings, snapshot
):
    # BigQuery bills at least 10 MiB a query, so a smaller cap refuses every job.
    settings = make_settings(udp_server.url, kaltura_media.url, maximum_bytes_billed=1_000_000)
    with pytest.raises(FatalSourceError, match=r"bytesBilledLimitExceeded|bytes billed"):
        job.run(settings, Database(sqlite_engine))


def test_a_first_load_past_the_dry_run_ceiling_is_refused_before_any_query(
    sqlite_engine, udp_server, kaltura_media, make_settings
):
    settings = make_settings(udp_server.url, kaltura_media.url, backfill_max_bytes=1000)
    with pytest.raises(ConfigError, match="backfill_max_bytes"):
        job.run(settings, Database(sqlite_engine))
    event_queries = [j for j in _emulator(udp_server).jobs if "MediaEvent" in j["query"]["query"]]
    assert event_queries and all(j.get("dryRun") for j in event_queries)


def test_a_job_that_outlives_the_timeout_is_cancelled(store, make_settings):
    with bigquery_api.start(store, running_polls=-1) as server:
        cfg = make_settings(server.url, "http://127.0.0.1:9", request_timeout=2.0).mivideo
        client = bigquery.make_client(cfg.bigquery)
        with pytest.raises(RetriableSourceError, match=r"cancelled|Timeout"):
            bigquery.query_frame(
                client, "SELECT 1 AS ok", {}, timeout=2.0, limits=fetch.job_limits(cfg)
            )
        assert len(_emulator(server).cancelled) == 1


def test_a_job_failed_for_a_transient_reason_is_run_again(store, make_settings):
    with bigquery_api.start(store) as server:
        cfg = make_settings(server.url, "http://127.0.0.1:9").mivideo
        _emulator(server).fail_next_job("jobBackendError")
        client = bigquery.make_client(cfg.bigquery)
        frame = bigquery.query_frame(
            client, "SELECT 1 AS ok", {}, timeout=10, limits=fetch.job_limits(cfg)
        )
        assert frame["ok"].tolist() == [1]
        assert len(_emulator(server).jobs) == 2


def test_check_reports_column_types_and_the_bytes_of_a_nightly_run(
    udp_server, kaltura_media, make_settings
):
    message = job.check(make_settings(udp_server.url, kaltura_media.url))
    assert "event_time DATETIME" in message and "would scan" in message
    assert "categoryEntry.list" in message


def test_check_names_the_column_types_it_cannot_read(udp_server, kaltura_media, make_settings):
    odd = make_settings(
        udp_server.url, kaltura_media.url, events_table="udp-umich-prod.event_store.nothing"
    )
    with pytest.raises(ConfigError, match="found: none"):
        job.check(odd)
