"""MIVIDEO, part 2: media created in Kaltura and their course links, loaded all-or-nothing."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from mivideo import queries, transform
from sources.kaltura import KalturaSource
from vocab import DataSourceName, DataSourceStatus

if TYPE_CHECKING:
    from db import Database
    from environ import MiVideoSettings

logger = logging.getLogger(__name__)

CURSOR = "mivideo.kaltura.created_at"
CREATED_TABLE, CREATED_KEY = "mivideo_media_created", ("id",)
COURSES_TABLE, COURSES_KEY = "mivideo_media_courses", ("media_id", "course_id", "in_context")


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


def load_media_created(cfg: MiVideoSettings, db: Database, now: datetime, *,
                       max_attempts: int) -> DataSourceStatus:
    """Fetch every new entry, then write media, links and cursor in one transaction.

    Nothing is written until the whole walk succeeded, so a Kaltura failure part-way leaves
    the tables and the cursor as they were.
    """
    since = resume_time(cfg, db)
    source = KalturaSource(cfg, max_attempts=max_attempts)
    entries = transform.media_entries(source.media_created_since(transform.epoch_seconds(since)))
    created = transform.media_created(entries)
    links = transform.media_courses(entries, cfg.kaltura_categories_full_name_in)
    with db.transaction() as tx:
        if len(created):
            tx.merge(CREATED_TABLE, created, CREATED_KEY)
            tx.set_cursor(CURSOR, transform.cursor_value(created["created_at"].max()))
        if len(links):
            tx.merge(COURSES_TABLE, links, COURSES_KEY)
    logger.info("media created: %d entries since %s, %d course links", len(created),
                since.isoformat(), len(links))
    return DataSourceStatus(DataSourceName.KALTURA_API, now)


def probe(cfg: MiVideoSettings) -> str:
    """Start a session and count the media under the configured categories."""
    total = KalturaSource(cfg, max_attempts=1).count_media()
    return f"Kaltura lists {total} media under {cfg.kaltura_categories_full_name_in}"
