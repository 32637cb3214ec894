"""MIVIDEO, part 1: media starts per course and UTC hour from UDP Caliper events in BigQuery."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from mivideo import queries, transform
from sources import bigquery
from vocab import DataSourceName, DataSourceStatus

if TYPE_CHECKING:
    import pandas as pd

    from db import Database, Tx
    from environ import MiVideoSettings

logger = logging.getLogger(__name__)

TABLE = "mivideo_media_started_hourly"
KEY = ("event_hour_utc", "course_id")
# A first load from default_last_timestamp may span years: BigQuery is asked a month at a time
# so that each answer stays small. The rows are only written once every chunk has arrived.
CHUNK_DAYS = 31


def fetch_media_started(cfg: MiVideoSettings, db: Database, now: datetime) -> pd.DataFrame:
    """Hourly rows for every whole hour of the look-back window, from all of its chunks.

    Writes nothing: the caller commits these rows with the Kaltura ones, so a failure in any
    chunk (or later) leaves the table as it was.
    """
    watermark = transform.as_utc(db.scalar(queries.LATEST_EVENT_LOADED))
    since, until = transform.events_window(
        watermark, cfg.default_last_timestamp, cfg.events_lookback_hours, now)
    chunks = transform.window_chunks(since, until, CHUNK_DAYS)
    frames = []
    for number, (start, end) in enumerate(chunks, start=1):
        frames.append(transform.hourly_counts(fetch_hourly(cfg, start, end)))
        logger.info("media started %d/%d: %d (hour, course) rows for [%s, %s)", number,
                    len(chunks), len(frames[-1]), start.isoformat(), end.isoformat())
    return transform.concat_hourly(frames)


def write_media_started(tx: Tx, hourly: pd.DataFrame) -> None:
    """Upsert the hourly rows by (hour, course) inside the job's transaction."""
    if len(hourly):
        tx.merge(TABLE, hourly, KEY)


def freshness(db: Database) -> DataSourceStatus | None:
    """UNIZIN_DATA_PLATFORM_EVENTS dated with the latest event loaded; None before any event."""
    latest = transform.as_utc(db.scalar(queries.LATEST_EVENT_LOADED))
    if latest is None:
        logger.warning("media started: no UDP event loaded yet, so no freshness to report")
        return None
    return DataSourceStatus(DataSourceName.UNIZIN_DATA_PLATFORM_EVENTS, latest)


def fetch_hourly(cfg: MiVideoSettings, since: datetime, until: datetime) -> pd.DataFrame:
    """The raw hourly counts (string course ids) from BigQuery."""
    sql, params = queries.media_started_hourly(cfg.events_table, cfg.kaf_app_urls, since, until)
    client = bigquery.make_client(cfg)
    try:
        return bigquery.query_frame(client, sql, params, timeout=cfg.request_timeout)
    finally:
        client.close()


def probe(cfg: MiVideoSettings) -> str:
    """Run a trivial query to prove the endpoint and credentials work."""
    client = bigquery.make_client(cfg)
    try:
        bigquery.query_frame(client, queries.BIGQUERY_PROBE, {}, timeout=cfg.request_timeout)
    finally:
        client.close()
    return f"BigQuery project {client.project} answers"
