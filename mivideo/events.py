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

    from db import Database
    from environ import MiVideoSettings

logger = logging.getLogger(__name__)

TABLE = "mivideo_media_started_hourly"
KEY = ("event_hour_utc", "course_id")
# A first load from default_last_timestamp may span years: query and commit a month at a time,
# so memory stays bounded and a failure keeps the complete hours already loaded.
CHUNK_DAYS = 31


def load_media_started(cfg: MiVideoSettings, db: Database, now: datetime,
                       ) -> DataSourceStatus | None:
    """Recompute the hours of the look-back window and upsert them by (hour, course).

    Returns the UNIZIN_DATA_PLATFORM_EVENTS status dated with the latest event loaded, or None
    while no event has ever been loaded.
    """
    watermark = transform.as_utc(db.scalar(queries.LATEST_EVENT_LOADED))
    since, until = transform.events_window(
        watermark, cfg.default_last_timestamp, cfg.events_lookback_hours, now)
    chunks = transform.window_chunks(since, until, CHUNK_DAYS)
    for number, (start, end) in enumerate(chunks, start=1):
        hourly = transform.hourly_counts(fetch_hourly(cfg, start, end))
        if len(hourly):
            db.merge(TABLE, hourly, KEY)
        logger.info("media started %d/%d: %d (hour, course) rows for [%s, %s)", number,
                    len(chunks), len(hourly), start.isoformat(), end.isoformat())
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
