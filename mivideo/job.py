"""MIVIDEO job entry points: ``run`` loads both MiVideo sources, ``check`` only reaches them."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from mivideo import events, media
from vocab import ConfigError

if TYPE_CHECKING:
    from db import Database
    from environ import MiVideoSettings, Settings
    from vocab import DataSourceStatus

logger = logging.getLogger(__name__)


def run(settings: Settings, db: Database) -> list[DataSourceStatus]:
    """Load media starts (UDP events) and media created (Kaltura); return their freshness.

    Both sources are read in full before anything is written, then the hourly counts, the media
    tables and the Kaltura cursor are committed in one transaction: a BigQuery or Kaltura error
    fails the job with nothing half-written.
    """
    cfg = _config(settings)
    started = time.monotonic()
    logger.info("MIVIDEO: starting (events table %s, Kaltura %s)", cfg.events_table,
                cfg.kaltura_service_url)
    hourly = events.fetch_media_started(cfg, db, datetime.now(UTC))
    extracted_at = datetime.now(UTC)
    created = media.fetch_media_created(cfg, db, max_attempts=settings.max_req_attempts)
    with db.transaction() as tx:
        events.write_media_started(tx, hourly)
        media.write_media_created(tx, created)
    logger.info("MIVIDEO: finished in %.1f s, rows written %s", time.monotonic() - started,
                db.rows_written)
    statuses = (events.freshness(db), media.freshness(extracted_at))
    return [status for status in statuses if status is not None]


def check(settings: Settings) -> str:
    """Reach BigQuery and Kaltura with the configured credentials; write nothing."""
    cfg = _config(settings)
    return f"{events.probe(cfg)}; {media.probe(cfg)}"


def _config(settings: Settings) -> MiVideoSettings:
    if settings.mivideo is None:
        raise ConfigError(["MIVIDEO: the section is required by the MIVIDEO job"])
    return settings.mivideo
