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
    """Load media starts (UDP events) and media created (Kaltura); return their freshness."""
    cfg = _config(settings)
    started = time.monotonic()
    logger.info("MIVIDEO: starting (events table %s, Kaltura %s)", cfg.events_table,
                cfg.kaltura_service_url)
    events_status = events.load_media_started(cfg, db, datetime.now(UTC))
    media_status = media.load_media_created(cfg, db, datetime.now(UTC),
                                            max_attempts=settings.max_req_attempts)
    logger.info("MIVIDEO: finished in %.1f s, rows written %s", time.monotonic() - started,
                db.rows_written)
    return [status for status in (events_status, media_status) if status is not None]


def check(settings: Settings) -> str:
    """Reach BigQuery and Kaltura with the configured credentials; write nothing."""
    cfg = _config(settings)
    return f"{events.probe(cfg)}; {media.probe(cfg)}"


def _config(settings: Settings) -> MiVideoSettings:
    if settings.mivideo is None:
        raise ConfigError(["MIVIDEO: the section is required by the MIVIDEO job"])
    return settings.mivideo
