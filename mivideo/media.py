"""MIVIDEO, part 2: media created in Kaltura and their course links."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from mivideo import queries, transform
from sources.kaltura import KalturaSource
from vocab import DataSourceName, DataSourceStatus

if TYPE_CHECKING:
    import pandas as pd

    from db import Database, Tx
    from environ import MiVideoSettings

logger = logging.getLogger(__name__)

CURSOR = "mivideo.kaltura.created_at"
CREATED_TABLE, CREATED_KEY = "mivideo_media_created", ("id",)
COURSES_TABLE, COURSES_KEY = "mivideo_media_courses", ("media_id", "course_id", "in_context")


@dataclass(frozen=True)
class MediaRows:
    """Everything one Kaltura walk found: rows for both tables, not yet written."""

    since: datetime
    created: pd.DataFrame
    links: pd.DataFrame


def resume_time(cfg: MiVideoSettings, db: Database) -> datetime:
    """Where the Kaltura walk starts: the stored cursor, else the newest media, else the default.

    The walk includes that second again: merging by id makes the overlap harmless, and media
    created later within the same second are not skipped.
    """
    for value in (db.get_cursor(CURSOR), db.scalar(queries.LATEST_MEDIA_CREATED)):
        moment = transform.as_utc(value)
        if moment is not None:
            return moment
    return cfg.default_last_timestamp


def fetch_media_created(cfg: MiVideoSettings, db: Database, *, max_attempts: int) -> MediaRows:
    """Walk Kaltura from the resume time to the end; writes nothing.

    The caller commits the result with the hourly counts, so a Kaltura failure part-way leaves
    the tables and the cursor as they were.
    """
    since = resume_time(cfg, db)
    source = KalturaSource(cfg, max_attempts=max_attempts)
    entries = transform.media_entries(source.media_created_since(transform.epoch_seconds(since)))
    rows = MediaRows(since, transform.media_created(entries),
                     transform.media_courses(entries, cfg.kaltura_categories_full_name_in))
    logger.info("media created: %d entries since %s, %d course links", len(rows.created),
                since.isoformat(), len(rows.links))
    return rows


def write_media_created(tx: Tx, rows: MediaRows) -> None:
    """Upsert media and course links and move the cursor, inside the job's transaction."""
    if len(rows.created):
        tx.merge(CREATED_TABLE, rows.created, CREATED_KEY)
        tx.set_cursor(CURSOR, transform.cursor_value(rows.created["created_at"].max()))
    if len(rows.links):
        tx.merge(COURSES_TABLE, rows.links, COURSES_KEY)


def freshness(extracted_at: datetime) -> DataSourceStatus:
    """KALTURA_API dated with the time the walk started."""
    return DataSourceStatus(DataSourceName.KALTURA_API, extracted_at)


def probe(cfg: MiVideoSettings) -> str:
    """Start a session and count the media under the configured categories."""
    total = KalturaSource(cfg, max_attempts=1).count_media()
    return f"Kaltura lists {total} media under {cfg.kaltura_categories_full_name_in}"
