"""MATOMO_STATISTICS entry points: `run` replaces recent days per site, `check` reaches Matomo."""

from __future__ import annotations

import logging
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from typing import TYPE_CHECKING

from matomo_statistics import fetch, queries, transform
from matomo_statistics.window import Span, covered, cursor_name, spans_to_load
from settings import require
from sources.matomo import MatomoClient
from sources.retry import RetryPolicy
from vocab import DataSourceName, DataSourceStatus, FatalSourceError, JobName

if TYPE_CHECKING:
    import pandas as pd

    from db import Database, Tx
    from settings import MatomoStatisticsSettings, Settings

logger = logging.getLogger(__name__)

JOB = JobName.MATOMO_STATISTICS


def run(settings: Settings, db: Database) -> list[DataSourceStatus]:
    """Load the configured sites; see ``load``."""
    cfg = require(settings.matomo, "MATOMO", JOB.name)
    return load(cfg, db, retry=RetryPolicy.from_attempts(settings.max_req_attempts))


def load(
    cfg: MatomoStatisticsSettings,
    db: Database,
    *,
    retry: RetryPolicy | None = None,
    today: date | None = None,
) -> list[DataSourceStatus]:
    """Read every site's missing and recent days, then replace those days in one transaction.

    Each (site, day) read is deleted and inserted again, with the site's cursor, in the same
    transaction: a rerun never duplicates, a re-archived day is corrected, and a Matomo
    failure leaves the tables and cursors as they were.
    """
    started = time.monotonic()
    yesterday = (today or utc_today()) - timedelta(days=1)
    stored = {site: Span.parse(db.get_cursor(cursor_name(site))) for site in cfg.site_ids}
    logger.info(
        "MATOMO_STATISTICS: starting, sites %s up to %s (look-back %d days)",
        list(cfg.site_ids),
        yesterday,
        cfg.lookback_days,
    )
    client = MatomoClient(cfg.matomo, retry=retry)
    read = [
        fetch.fetch_site(client, site, spans, cfg.days_per_request)
        for site, spans in _plan(cfg, stored, yesterday).items()
        if spans
    ]
    _write(db, cfg, read, stored)
    logger.info(
        "MATOMO_STATISTICS: finished in %.1f s, rows written %s",
        time.monotonic() - started,
        db.rows_written,
    )
    end_of_day = datetime.combine(yesterday + timedelta(days=1), clock.min, tzinfo=UTC)
    return [DataSourceStatus(DataSourceName.MATOMO_API, end_of_day)]


def check(settings: Settings) -> str:
    """Reach Matomo with the token and confirm it can view every configured site."""
    cfg = require(settings.matomo, "MATOMO", JOB.name)
    client = MatomoClient(cfg.matomo, retry=RetryPolicy.from_attempts(settings.max_req_attempts))
    visible = set(client.visible_site_ids())
    hidden = [site for site in cfg.site_ids if site not in visible]
    if hidden:
        raise FatalSourceError(
            f"the token cannot view site(s) {hidden} (it sees {sorted(visible)}): fix "
            f"MATOMO.SITE_IDS, or give the token's user view access",
            DataSourceName.MATOMO_API,
        )
    return f"Matomo {client.version()} at {cfg.matomo.url}: sites {list(cfg.site_ids)} visible"


def utc_today() -> date:
    """Today's date in UTC, whatever the container's time zone."""
    return datetime.now(UTC).date()


def _plan(
    cfg: MatomoStatisticsSettings, stored: dict[int, Span | None], yesterday: date
) -> dict[int, list[Span]]:
    return {
        site: spans_to_load(
            stored[site],
            yesterday=yesterday,
            lookback_days=cfg.lookback_days,
            backfill_start=cfg.backfill_start,
        )
        for site in cfg.site_ids
    }


def _write(
    db: Database,
    cfg: MatomoStatisticsSettings,
    read: list[fetch.SiteReports],
    stored: dict[int, Span | None],
) -> None:
    """Every site's days replaced, and its cursor moved, in one transaction."""
    loaded_at = datetime.now(UTC)
    course_pattern, skip = transform.compile_patterns(cfg.course_id_pattern, cfg.skip_url_patterns)
    with db.transaction() as tx:
        for reports in read:
            visits = transform.visits_frame(
                reports.site_id, reports.summary, reports.frequency, loaded_at
            )
            pages = transform.pages_frame(
                reports.site_id, reports.pages, course_pattern, skip, loaded_at
            )
            span = covered(stored[reports.site_id], reports.spans)
            _replace_site_days(tx, reports, visits, pages, span)


def _replace_site_days(
    tx: Tx,
    reports: fetch.SiteReports,
    visits: pd.DataFrame,
    pages: pd.DataFrame,
    span: Span | None,
) -> None:
    for loaded in reports.spans:
        params = {"site_id": reports.site_id, "first": loaded.first, "last": loaded.last}
        tx.delete_where(queries.VISITS_TABLE, queries.SITE_DAYS, params)
        tx.delete_where(queries.PAGES_TABLE, queries.SITE_DAYS, params)
    if len(visits):
        tx.append(queries.VISITS_TABLE, visits)
    if len(pages):
        tx.append(queries.PAGES_TABLE, pages)
    if span is not None:
        tx.set_cursor(cursor_name(reports.site_id), span.cursor_value())
