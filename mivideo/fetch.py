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


def media_updated(cfg: MiVideoSettings, since_epoch: int, attempts: int) -> list[dict[str, Any]]:
    """Every Kaltura entry under the configured categories updated at or after the epoch.

    ``categories`` holds every category of the entry from ``categoryEntry.list``: the entry's
    own field omits categories with a privacy context, as a KAF root often has.
    """
    source = KalturaSource(
        cfg.kaltura, cfg.categories_full_name_in, retry=kaltura.retry_policy(attempts)
    )
    entries = source.media_updated_since(since_epoch)
    links = source.categories_of(entry["id"] for entry in entries)
    return [{**entry, "categories": ",".join(links[entry["id"]])} for entry in entries]


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
    """Start a session, read one media.list page and the categoryEntry.list page of its media."""
    source = KalturaSource(cfg.kaltura, cfg.categories_full_name_in, retry=kaltura.retry_policy(1))
    total, ids = source.first_page()
    links = source.categories_of(ids)
    return (
        f"Kaltura lists {total} media under {cfg.categories_full_name_in}; "
        f"categoryEntry.list gives {sum(map(len, links.values()))} categories "
        f"for the first {len(ids)}"
    )
