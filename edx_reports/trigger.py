"""Trigger mode: every course and report obtained with a bounded number of LMS tasks, filed."""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from pathlib import Path

from edx_reports.fetch import Obtained, Waiter
from edx_reports.filing import Filing
from settings import EdxReportsSettings
from sources.edx_lms import LmsClient

logger = logging.getLogger(__name__)


def run_trigger(
    settings: EdxReportsSettings,
    client: LmsClient,
    filing: Filing,
    courses: list[str],
    workdir: Path,
) -> dict[str, int]:
    """Obtain every (course, report) with at most ``max_concurrent_tasks`` LMS tasks at once;
    file and parse in this thread as results arrive. Returns counts per outcome."""
    waiter = Waiter(client, settings, workdir)
    counts: dict[str, int] = {}
    with ThreadPoolExecutor(settings.max_concurrent_tasks, "edx-report") as pool:
        futures: list[Future[Obtained]] = [
            pool.submit(waiter.obtain, course, report)
            for course in courses
            for report in settings.reports
        ]
        for future in as_completed(futures):
            got = future.result()
            if got.name is None or got.path is None:
                filing.fail(got.course_id, got.report, got.status, got.error or "")
                outcome = got.status
            else:
                outcome = filing.file(got.course_id, got.name, got.path, triggered=True)
                got.path.unlink(missing_ok=True)
            counts[outcome] = counts.get(outcome, 0) + 1
    return counts
