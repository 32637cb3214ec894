"""MIVIDEO job: media starts per course and hour (UDP events) and media created (Kaltura)."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from mivideo import fetch, queries, transform
from settings import require
from vocab import ConfigError, DataSourceName, DataSourceStatus, JobName

if TYPE_CHECKING:
    import pandas as pd

    from db import Database, Tx
    from settings import MiVideoSettings, Settings

logger = logging.getLogger(__name__)

JOB = JobName.MIVIDEO
CURSOR = "mivideo.kaltura.updated_at"
# Where releases that walked by creation time left off; read once, when CURSOR is absent.
CREATED_CURSOR = "mivideo.kaltura.created_at"
LINK_DELETE_CHUNK = 500
STARTED_TABLE, STARTED_KEY = "mivideo_media_started_hourly", ("event_hour_utc", "course_id")
CREATED_TABLE, CREATED_KEY = "mivideo_media_created", ("id",)
COURSES_TABLE, COURSES_KEY = "mivideo_media_courses", ("media_id", "course_id", "in_context")
# A first load from default_last_timestamp may span years: BigQuery is asked a month at a time
# so that each answer stays small. The rows are only written once every chunk has arrived.
CHUNK_DAYS = 31


@dataclass(frozen=True)
class MediaRows:
    """Everything one Kaltura walk found: rows for both tables, not yet written."""

    since: datetime
    created: pd.DataFrame
    links: pd.DataFrame
    resume_at: datetime | None = None


def run(settings: Settings, db: Database) -> list[DataSourceStatus]:
    """Load media starts (UDP events) and media created (Kaltura); return their freshness.

    Both sources are read in full before anything is written, then the hourly counts, the media
    tables and the Kaltura cursor are committed in one transaction: a BigQuery or Kaltura error
    fails the job with nothing half-written.
    """
    cfg = _config(settings)
    started = time.monotonic()
    logger.info(
        "MIVIDEO: starting (events table %s, Kaltura %s)",
        cfg.events_table,
        cfg.kaltura.service_url,
    )
    hourly = media_started(cfg, db, datetime.now(UTC))
    extracted_at = datetime.now(UTC)
    created = media_created(cfg, db, settings.max_req_attempts)
    with db.transaction() as tx:
        _write(tx, hourly, created)
    warn_if_stale(cfg, db, datetime.now(UTC))
    logger.info(
        "MIVIDEO: finished in %.1f s, rows written %s", time.monotonic() - started, db.rows_written
    )
    statuses = (events_freshness(db), DataSourceStatus(DataSourceName.KALTURA_API, extracted_at))
    return [status for status in statuses if status is not None]


def check(settings: Settings) -> str:
    """Reach what a run reaches: column types, a dry run of the nightly chunk, Kaltura pages."""
    cfg = _config(settings)
    now = datetime.now(UTC)
    nightly = transform.events_window(now, now, cfg.events_lookback_hours, now)
    return f"{fetch.probe_bigquery(cfg, nightly)}; {fetch.probe_kaltura(cfg)}"


def media_started(cfg: MiVideoSettings, db: Database, now: datetime) -> pd.DataFrame:
    """Hourly rows for every whole hour of the look-back window, from all of its chunks.

    A first load or a backfill (more than one chunk) is dry-run first and refused past
    ``backfill_max_bytes``, before anything is billed.
    """
    watermark = transform.as_utc(db.scalar(queries.LATEST_EVENT_LOADED))
    since, until = transform.events_window(
        watermark, cfg.default_last_timestamp, cfg.events_lookback_hours, now
    )
    chunks = transform.window_chunks(since, until, CHUNK_DAYS)
    columns = fetch.event_columns(cfg)
    queries.table_shape(cfg.events_table, columns)
    if watermark is None or len(chunks) > 1:
        _refuse_costly_backfill(cfg, chunks, columns)
    frames = []
    for number, (start, end) in enumerate(chunks, start=1):
        frames.append(transform.hourly_counts(fetch.media_started(cfg, start, end, columns)))
        logger.info(
            "media started %d/%d: %d (hour, course) rows for [%s, %s)",
            number,
            len(chunks),
            len(frames[-1]),
            start.isoformat(),
            end.isoformat(),
        )
    return transform.concat_hourly(frames)


def _refuse_costly_backfill(
    cfg: MiVideoSettings, chunks: list[tuple[datetime, datetime]], columns: dict[str, str]
) -> None:
    scanned = fetch.scan_bytes(cfg, chunks, columns)
    logger.info(
        "media started: a dry run of %d chunk(s) would scan %s bytes", len(chunks), sum(scanned)
    )
    if sum(scanned) > cfg.backfill_max_bytes:
        raise ConfigError(
            [
                f"MIVIDEO.backfill_max_bytes: loading from {chunks[0][0].isoformat()} would "
                f"scan {sum(scanned):,} bytes in {len(chunks)} BigQuery jobs, more than "
                f"{cfg.backfill_max_bytes:,}; move default_last_timestamp later or raise "
                f"backfill_max_bytes"
            ]
        )


def warn_if_stale(cfg: MiVideoSettings, db: Database, now: datetime) -> None:
    """Warn when the newest loaded event is older than ``events_stale_hours``.

    A table that stops receiving events still answers every night with nothing new, so the
    job succeeds while its data silently ages (as the retired ``event_store.events`` does).
    """
    latest = transform.as_utc(db.scalar(queries.LATEST_EVENT_LOADED))
    if latest is not None and now - latest > timedelta(hours=cfg.events_stale_hours):
        logger.warning(
            "media started: the newest loaded event is from %s, over %d hours ago; is %s "
            "still receiving events?",
            latest.isoformat(),
            cfg.events_stale_hours,
            cfg.events_table,
        )


def resume_time(cfg: MiVideoSettings, db: Database) -> datetime:
    """Where the Kaltura walk starts: the newest ``updatedAt`` walked, else the default.

    An older creation-time cursor or the newest media stand in when there is no update cursor.
    The walk includes that second again: merging by id makes the overlap harmless, and media
    changed later within the same second are not skipped.
    """
    stored = (db.get_cursor(CURSOR), db.get_cursor(CREATED_CURSOR))
    for value in (*stored, db.scalar(queries.LATEST_MEDIA_CREATED)):
        moment = transform.as_utc(value)
        if moment is not None:
            return moment
    return cfg.default_last_timestamp


def media_created(cfg: MiVideoSettings, db: Database, attempts: int) -> MediaRows:
    """Walk Kaltura's changes from the resume time to the end; writes nothing."""
    since = resume_time(cfg, db)
    raw = fetch.media_updated(cfg, transform.epoch_seconds(since), attempts)
    entries = transform.media_entries(raw)
    rows = MediaRows(
        since,
        transform.media_created(entries),
        transform.media_courses(entries, cfg.categories_full_name_in),
        transform.newest_update(raw),
    )
    logger.info(
        "media changed: %d entries since %s, %d course links",
        len(rows.created),
        since.isoformat(),
        len(rows.links),
    )
    return rows


def _write(tx: Tx, hourly: pd.DataFrame, rows: MediaRows) -> None:
    """Upsert all three tables and move the Kaltura cursor, in the job's one transaction.

    The course links of every entry walked are replaced by what Kaltura lists now, so a link
    removed in Kaltura leaves ``mivideo_media_courses`` on the next run.
    """
    if len(hourly):
        tx.merge(STARTED_TABLE, hourly, STARTED_KEY)
    if len(rows.created):
        tx.merge(CREATED_TABLE, rows.created, CREATED_KEY)
        _delete_links(tx, list(rows.created["id"]))
    if rows.resume_at is not None:
        tx.set_cursor(CURSOR, transform.cursor_value(rows.resume_at))
    if len(rows.links):
        tx.merge(COURSES_TABLE, rows.links, COURSES_KEY)


def _delete_links(tx: Tx, media_ids: list[str]) -> None:
    for start in range(0, len(media_ids), LINK_DELETE_CHUNK):
        chunk = media_ids[start : start + LINK_DELETE_CHUNK]
        where, names = queries.media_ids_in(len(chunk))
        tx.delete_where(COURSES_TABLE, where, dict(zip(names, chunk, strict=True)))


def events_freshness(db: Database) -> DataSourceStatus | None:
    """UNIZIN_DATA_PLATFORM_EVENTS dated with the latest event loaded; None before any event."""
    latest = transform.as_utc(db.scalar(queries.LATEST_EVENT_LOADED))
    if latest is None:
        logger.warning("media started: no UDP event loaded yet, so no freshness to report")
        return None
    return DataSourceStatus(DataSourceName.UNIZIN_DATA_PLATFORM_EVENTS, latest)


def _config(settings: Settings) -> MiVideoSettings:
    return require(settings.mivideo, "MIVIDEO", JOB.name)
