"""COURSE_INVENTORY: Canvas terms, accounts, courses, rosters and usage, replaced as one set."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pandas as pd

from course_inventory import fetch, queries, transform
from outputs.csvs import staged_csvs
from settings import require
from sources.canvas import CanvasClient, check_canvas
from sources.concurrency import run_together
from sources.retry import RetryPolicy
from sources.udw import UdwClient
from vocab import DataSourceName, DataSourceStatus, JobName

if TYPE_CHECKING:
    from db import Database
    from settings import CanvasSettings, Settings, UdwSettings

logger = logging.getLogger(__name__)

JOB = JobName.COURSE_INVENTORY


def run(settings: Settings, db: Database) -> list[DataSourceStatus]:
    """Refresh the inventory tables for the configured account and terms."""
    retry = RetryPolicy.from_attempts(settings.max_req_attempts)
    with CanvasClient(
        _canvas(settings), retry=retry, workers=settings.num_async_workers
    ) as client:
        return refresh(settings, db, client)


def check(settings: Settings) -> str:
    """One Canvas request of every kind the run makes, and UDW if set; write nothing."""
    retry = RetryPolicy.from_attempts(settings.max_req_attempts)
    canvas = _canvas(settings)
    reached = check_canvas(canvas, retry=retry)
    with CanvasClient(canvas, retry=retry, workers=1) as client:
        reads = fetch.check_reads(client, canvas.account_id, canvas.term_ids)
    reached = f"{reached}; {reads}"
    if settings.udw is None:
        return f"{reached}; UDW not configured"
    with UdwClient(settings.udw) as warehouse:
        return f"{reached}; UDW data as of {warehouse.canvas_data_date().isoformat()}"


def refresh(settings: Settings, db: Database, client: CanvasClient) -> list[DataSourceStatus]:
    """``run`` with a given Canvas client (benchmarks and tests tune its backoff)."""
    canvas = _canvas(settings)
    started, extracted_at = time.monotonic(), datetime.now(UTC)
    logger.info(
        "COURSE_INVENTORY starting: account %s, terms %s, %d workers, UDW %s",
        canvas.account_id,
        list(canvas.term_ids),
        client.workers,
        "on" if settings.udw else "off",
    )
    frames = collect(canvas, client, db.query_frame(queries.KNOWN_PUBLISH_DATES))
    statuses = [DataSourceStatus(DataSourceName.CANVAS_API, extracted_at)]
    if settings.udw is not None:
        frames["course_section"], data_date = enrich_from_udw(
            settings.udw, frames["course_section"]
        )
        statuses.append(DataSourceStatus(DataSourceName.UNIZIN_DATA_WAREHOUSE, data_date))
    else:
        logger.info(
            "UDW not configured: section SIS ids as Canvas gives them, "
            "no UNIZIN_DATA_WAREHOUSE status"
        )
    # The CSVs are written before the swap and put in place after it: all of them or none.
    with staged_csvs(frames if settings.create_csvs else {}, settings.data_dir):
        written = db.replace(frames)
    logger.info(
        "COURSE_INVENTORY finished in %.1f s: rows %s; Canvas %s",
        time.monotonic() - started,
        written,
        client.stats.as_dict(),
    )
    return statuses


def collect(
    canvas: CanvasSettings, client: CanvasClient, known_dates: pd.DataFrame
) -> dict[str, pd.DataFrame]:
    """Read everything from Canvas and shape it into the six tables."""
    account = fetch.fetch_account(client, canvas.account_id)
    root_id = account.get("root_account_id") or account["id"]
    terms = fetch.fetch_terms(client, root_id, canvas.term_ids)
    courses = _courses(client, canvas)
    course_ids = courses["canvas_id"].tolist()
    available = courses.loc[courses["workflow_state"] == "available", "canvas_id"].tolist()
    undated = transform.courses_needing_publish_date(courses, known_dates)
    logger.info(
        "publish dates: %d known, %d available courses to look up", len(known_dates), len(undated)
    )
    # The per-course reads are independent: running them side by side keeps the worker
    # slots busy while GraphQL batches (slow, few) and REST calls (fast, many) interleave.
    found = run_together(
        {
            "accounts": lambda: fetch.fetch_accounts(
                client, account, courses["account_id"].dropna()
            ),
            "rosters": lambda: fetch.fetch_rosters(client, course_ids),
            "usage": lambda: fetch.fetch_activity(client, available),
            "published": lambda: fetch.fetch_publish_times(client, undated),
        },
        on_error=client.stop,
    )
    rosters: fetch.Rosters = found["rosters"]
    if rosters.skipped_courses or rosters.skipped_enrollments:
        logger.warning(
            "GraphQL: %d courses and %d enrollments skipped (see warnings above)",
            len(rosters.skipped_courses),
            rosters.skipped_enrollments,
        )
    return {
        "term": transform.terms_frame(terms),
        "account": transform.accounts_frame(found["accounts"]),
        "course": transform.with_published_at(courses, known_dates, found["published"]),
        "course_section": transform.sections_frame(rosters.sections),
        "enrollment": transform.enrollments_frame(rosters.enrollments),
        "canvas_course_usage": transform.usage_frame(found["usage"]),
    }


def enrich_from_udw(udw: UdwSettings, sections: pd.DataFrame) -> tuple[pd.DataFrame, datetime]:
    """Section SIS ids from the warehouse, and the warehouse's own data date."""
    with UdwClient(udw) as warehouse:
        sis_ids = warehouse.section_sis_ids(sections["canvas_id"].tolist())
        data_date = warehouse.canvas_data_date()
    logger.info(
        "UDW: %d of %d sections have a warehouse SIS id; data as of %s",
        sis_ids["sis_id"].notna().sum(),
        len(sections),
        data_date.isoformat(),
    )
    return transform.with_section_sis_ids(sections, sis_ids), data_date


def _courses(client: CanvasClient, canvas: CanvasSettings) -> pd.DataFrame:
    listed = fetch.fetch_courses(client, canvas.account_id, canvas.term_ids)
    usable, restricted = transform.split_restricted(listed)
    if restricted:
        logger.warning(
            "skipped %d restricted course stubs without details (ids %s)",
            len(restricted),
            [c.get("id") for c in restricted[:10]],
        )
    courses = transform.courses_frame(
        usable, keep_without_students=canvas.keep_courses_without_students
    )
    logger.info("courses: %d listed, %d kept", len(listed), len(courses))
    return courses


def _canvas(settings: Settings) -> CanvasSettings:
    return require(settings.canvas, "CANVAS", JOB.name)
