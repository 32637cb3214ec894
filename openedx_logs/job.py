"""OPENEDX_LOGS job entry points: ``run`` reads new tracking-log content, ``check`` lists it."""

from __future__ import annotations

import logging
import shutil
import time
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from openedx_logs import ingest, kpis, ledger, store, write
from settings import OpenEdxLogsSettings, require
from sources.retry import RetryPolicy
from vocab import DataSourceName, DataSourceStatus, JobName

if TYPE_CHECKING:
    from db import Database
    from settings import Settings

logger = logging.getLogger(__name__)

JOB = JobName.OPENEDX_LOGS


def run(settings: Settings, db: Database) -> list[DataSourceStatus]:
    """Read the configured tracking logs (see ``read_logs``)."""
    cfg = require(settings.openedx_logs, "OPENEDX_LOGS", JOB.name)
    return read_logs(cfg, db, RetryPolicy.from_attempts(settings.max_req_attempts))


def check(settings: Settings) -> str:
    """List the configured sources and say how many files they hold; read nothing."""
    cfg = require(settings.openedx_logs, "OPENEDX_LOGS", JOB.name)
    return describe_sources(cfg, RetryPolicy.from_attempts(settings.max_req_attempts))


def read_logs(
    cfg: OpenEdxLogsSettings, db: Database, retry: RetryPolicy | None = None
) -> list[DataSourceStatus]:
    """Read what is new in the logs, add it to the event store, rewrite the days it touches.

    Ledger rows and the KPI rows they led to commit in one transaction; the event store keeps
    one copy per event, so a run repeated after a failure changes nothing it should not.
    """
    started = time.monotonic()
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    logger.info("OPENEDX_LOGS: starting (store %s, time zone %s)", cfg.store_path, cfg.time_zone)
    files = ingest.list_files(cfg, retry or RetryPolicy())
    staging = cfg.store_path / "_staging" / uuid.uuid4().hex
    staging.mkdir(parents=True)
    try:
        got = ingest.ingest(
            cfg,
            files,
            db.query_frame("SELECT * FROM edx_log_file"),
            db.query_frame("SELECT * FROM edx_log_file_name"),
            staging,
            now,
        )
        con = store.connect(cfg.store_path, threads=cfg.workers)
        touched = kpis.touched_days(con, got.parts, cfg.time_zone)
        added = store.add(con, cfg.store_path, got.parts)
        rows = kpis.compute(con, cfg, touched, lambda d, h: write.old_seconds(db, d, h))
        con.close()
        with db.transaction() as tx:
            write.write(
                tx, ledger.ledger_frame(got.entries, now), ledger.names_frame(got.names, now), rows
            )
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    for warning in rows.warnings:
        logger.warning("OPENEDX_LOGS: %s", warning)
    for failure in got.failed:
        logger.warning("OPENEDX_LOGS: file not read: %s", failure)
    logger.info(
        "OPENEDX_LOGS: finished in %.1f s: %d file(s) read, %d unchanged, %d empty, "
        "%d failed, %d new events, %d day(s) rewritten, rows written %s",
        time.monotonic() - started,
        len(got.entries) - len(got.failed),
        got.unchanged,
        got.empty,
        len(got.failed),
        added,
        len(rows.days),
        db.rows_written,
    )
    return [DataSourceStatus(DataSourceName.OPENEDX_TRACKING_LOGS)]


def describe_sources(cfg: OpenEdxLogsSettings, retry: RetryPolicy | None = None) -> str:
    """How many files the configured folders and bucket hold, and their size."""
    files = ingest.list_files(cfg, retry or RetryPolicy())
    size = sum(f.size for f in files)
    return f"{len(files)} tracking-log file(s), {size / 1e6:.1f} MB"
