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


LABELS = {"product": "course-inventory", "job": "mivideo"}


def job_limits(cfg: MiVideoSettings) -> bigquery.JobLimits:
    """The byte cap and labels every MIVIDEO query job carries."""
    return bigquery.JobLimits(cfg.maximum_bytes_billed, LABELS)


def event_columns(cfg: MiVideoSettings) -> dict[str, str]:
    """The BigQuery types of the columns the event query reads, from INFORMATION_SCHEMA."""
    sql, params = queries.column_types_query(cfg.events_table)
    client = bigquery.make_client(cfg.bigquery)
    try:
        frame = bigquery.query_frame(
            client, sql, params, timeout=cfg.bigquery.request_timeout, limits=job_limits(cfg)
        )
    finally:
        client.close()
    return dict(zip(frame["column_name"], frame["data_type"], strict=True))


def media_started(
    cfg: MiVideoSettings, since: datetime, until: datetime, columns: dict[str, str]
) -> pd.DataFrame:
    """The raw hourly counts (string course ids) of ``[since, until)`` from BigQuery."""
    sql, params = queries.media_started_hourly(
        cfg.events_table, cfg.kaf_app_urls, since, until, columns
    )
    client = bigquery.make_client(cfg.bigquery)
    try:
        return bigquery.query_frame(
            client,
            sql,
            params,
            timeout=cfg.bigquery.request_timeout,
            limits=job_limits(cfg),
            types=queries.parameter_types(columns),
        )
    finally:
        client.close()


def scan_bytes(
    cfg: MiVideoSettings, chunks: list[tuple[datetime, datetime]], columns: dict[str, str]
) -> list[int]:
    """Dry runs of the event query over each chunk: the bytes each would scan."""
    client = bigquery.make_client(cfg.bigquery)
    try:
        return [
            bigquery.dry_run_bytes(
                client,
                *queries.media_started_hourly(
                    cfg.events_table, cfg.kaf_app_urls, since, until, columns
                ),
                timeout=cfg.bigquery.request_timeout,
                limits=job_limits(cfg),
                types=queries.parameter_types(columns),
            )
            for since, until in chunks
        ]
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


def probe_bigquery(cfg: MiVideoSettings, chunk: tuple[datetime, datetime]) -> str:
    """Read the column types and dry-run the event query over ``chunk``, as a run would.

    Raises:
        ConfigError: the table's column types are not what the query reads (named).
    """
    columns = event_columns(cfg)
    queries.table_shape(cfg.events_table, columns)
    scanned = scan_bytes(cfg, [chunk], columns)[0]
    found = ", ".join(f"{name} {kind}" for name, kind in sorted(columns.items()))
    return (
        f"BigQuery {cfg.events_table} ({found}): the nightly query would scan {scanned:,} bytes "
        f"(cap {cfg.maximum_bytes_billed:,})"
    )


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
