"""EDX_REPORTS: Open edX grade, problem grade and profile reports, filed and parsed into tables.

Reads the LMS (trigger mode), a report store (collect mode) or both; writes edx_report_file,
edx_report_column, edx_grade_report_learner, edx_grade_report_cell, edx_problem_grade_cell and
edx_profile_row (see docs/edx-reports.md).
"""

from __future__ import annotations

import logging
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from edx_reports import queries
from edx_reports.collect import run_collect
from edx_reports.filing import Filing
from edx_reports.storage import open_store
from edx_reports.trigger import run_trigger
from settings import require
from sources.edx_lms import LmsClient
from sources.retry import RetryPolicy
from vocab import DataSourceName, DataSourceStatus, FatalSourceError, JobName, SourceError

if TYPE_CHECKING:
    from db import Database
    from settings import EdxReportsSettings, Settings

logger = logging.getLogger(__name__)
JOB = JobName.EDX_REPORTS
SOURCE = DataSourceName.OPENEDX_LMS_REPORTS


def run(settings: Settings, db: Database) -> list[DataSourceStatus]:
    """Trigger or collect every configured course's reports; fail at the end if any failed."""
    cfg = require(settings.edx_reports, "EDX_REPORTS", JOB.name)
    retry = RetryPolicy.from_attempts(settings.max_req_attempts)
    started = time.monotonic()
    run_id = uuid.uuid4().hex[:16]
    logger.info(
        "EDX_REPORTS %s of %d course(s), reports %s, run %s",
        cfg.mode,
        len(cfg.course_ids),
        ", ".join(cfg.reports),
        run_id,
    )
    filing = Filing(
        cfg, db, open_store(cfg.destination, retry), run_id, datetime.now(cfg.time_zone).date()
    )
    counts: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="edx-reports-") as tmp:
        if cfg.mode in ("trigger", "both"):
            assert cfg.lms is not None
            client = LmsClient(cfg.lms, retry=retry)
            courses = _courses(cfg, client, filing)
            counts = run_trigger(cfg, client, filing, courses, Path(tmp))
        if cfg.mode in ("collect", "both"):
            assert cfg.collect_from is not None
            source = open_store(cfg.collect_from, retry)
            collected = run_collect(cfg, source, filing, Path(tmp))
            counts = {k: counts.get(k, 0) + collected.get(k, 0) for k in {*counts, *collected}}
    logger.info(
        "EDX_REPORTS finished in %.1f s: %s; rows %s",
        time.monotonic() - started,
        counts,
        db.rows_written,
    )
    failed = db.query_frame(queries.FAILED_THIS_RUN, {"run_id": run_id})
    if len(failed):
        listing = "; ".join(
            f"{r.course_id} {r.report_type} {r.status}: {r.error}" for r in failed.itertuples()
        )
        raise FatalSourceError(f"{len(failed)} course report(s) failed: {listing}", SOURCE)
    return [DataSourceStatus(SOURCE)]


def _courses(cfg: EdxReportsSettings, client: LmsClient, filing: Filing) -> list[str]:
    """The configured courses, with their CCX courses when asked for (as the plugin does)."""
    if not cfg.include_ccx:
        return list(cfg.course_ids)
    courses = [] if cfg.only_ccx else list(cfg.course_ids)
    for master in cfg.course_ids:
        try:
            courses += [c for c in client.ccx_courses(master) if c not in courses]
        except SourceError as err:
            for report in cfg.reports:
                filing.fail(master, report, "failed", f"listing its CCX courses: {err}")
    return courses


def check(settings: Settings) -> str:
    """Reach the LMS (token and one listing) or the report store, writing nothing."""
    cfg = require(settings.edx_reports, "EDX_REPORTS", JOB.name)
    retry = RetryPolicy.from_attempts(settings.max_req_attempts)
    if cfg.mode == "collect":
        assert cfg.collect_from is not None
        store = open_store(cfg.collect_from, retry)
        found = sum(1 for _ in store.files(cfg.collect_from.prefix))
        return f"report store {cfg.collect_from.describe} reachable ({found} files at its root)"
    assert cfg.lms is not None
    client = LmsClient(cfg.lms, retry=retry)
    listed = client.downloads(cfg.course_ids[0])
    return f"LMS {cfg.lms.url} reachable: {len(listed)} report(s) listed for {cfg.course_ids[0]}"
