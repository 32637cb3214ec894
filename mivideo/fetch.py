"""Reads of the MIVIDEO job: UDP media starts from BigQuery, media created from Kaltura."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

from mivideo import queries
from sources import bigquery, kaltura
from sources.kaltura import KalturaSource

if TYPE_CHECKING:
    import pandas as pd

    from settings import MiVideoSettings

logger = logging.getLogger(__name__)


def media_started(cfg: MiVideoSettings, since: datetime, until: datetime) -> pd.DataFrame:
    """The raw hourly counts (string course ids) of ``[since, until)`` from BigQuery."""
    sql, params = queries.media_started_hourly(cfg.events_table, cfg.kaf_app_urls, since, until)
    client = bigquery.make_client(cfg.bigquery)
    try:
        return bigquery.query_frame(client, sql, params, timeout=cfg.bigquery.request_timeout)
    finally:
        client.close()


def media_created(cfg: MiVideoSettings, since_epoch: int, attempts: int) -> list[dict[str, Any]]:
    """Every Kaltura entry under the configured categories created at or after the epoch."""
    source = KalturaSource(
        cfg.kaltura, cfg.categories_full_name_in, retry=kaltura.retry_policy(attempts)
    )
    return source.media_created_since(since_epoch)


def probe_bigquery(cfg: MiVideoSettings) -> str:
    """Run a trivial query to prove the endpoint and credentials work."""
    client = bigquery.make_client(cfg.bigquery)
    try:
        bigquery.query_frame(
            client, queries.BIGQUERY_PROBE, {}, timeout=cfg.bigquery.request_timeout
        )
    finally:
        client.close()
    return f"BigQuery project {client.project} answers"


def probe_kaltura(cfg: MiVideoSettings) -> str:
    """Start a session and count the media under the configured categories."""
    source = KalturaSource(cfg.kaltura, cfg.categories_full_name_in, retry=kaltura.retry_policy(1))
    total = source.count_media()
    return f"Kaltura lists {total} media under {cfg.categories_full_name_in}"
