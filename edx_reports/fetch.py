"""LMS I/O of trigger mode: start a report task (or find today's file), poll, download."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from edx_reports.filenames import ReportName, parse_report_filename
from settings import EdxReportsSettings
from sources.edx_lms import LmsClient
from vocab import SourceError

logger = logging.getLogger(__name__)


@dataclass
class Obtained:
    """A report file downloaded to ``path``, or why there is none (``status``, ``error``)."""

    course_id: str
    report: str
    name: ReportName | None = None
    path: Path | None = None
    status: str = "collected"
    error: str | None = None


@dataclass
class Waiter:
    """Obtains one report of one course; runs in a worker thread, one LMS task at a time."""

    client: LmsClient
    settings: EdxReportsSettings
    workdir: Path
    sleep: Callable[[float], None] = time.sleep

    def obtain(self, course_id: str, report: str) -> Obtained:
        try:
            return self._obtain(course_id, report)
        except SourceError as err:
            return Obtained(course_id, report, status="failed", error=str(err))

    def _obtain(self, course_id: str, report: str) -> Obtained:
        before = self._listed(course_id, report)
        today = self._today(before)
        if today is not None:
            logger.info(
                "%s %s: %s generated today already; collecting it, no trigger",
                course_id,
                report,
                today[0].name,
            )
            return self._download(course_id, report, *today)
        since = datetime.now(UTC).replace(second=0, microsecond=0)
        started = self.client.trigger(course_id, report)
        logger.info(
            "%s %s: %s",
            course_id,
            report,
            "task started" if started else "already running on the LMS; waiting",
        )
        deadline = time.monotonic() + self.settings.poll_timeout_s
        seen = {name.name for name, _ in before}
        while time.monotonic() < deadline:
            self.sleep(self.settings.poll_interval_s)
            fresh = [
                (n, url)
                for n, url in self._listed(course_id, report)
                if n.name not in seen and (not started or n.generated_at >= since)
            ]
            if fresh:
                return self._download(course_id, report, *fresh[0])
        return Obtained(
            course_id,
            report,
            status="timed out",
            error=f"no new {report} file within {self.settings.poll_timeout_s:g} s",
        )

    def _listed(self, course_id: str, report: str) -> list[tuple[ReportName, str]]:
        """Files of this report, newest generation first."""
        found = []
        for item in self.client.downloads(course_id):
            name = parse_report_filename(item["name"], course_id)
            if name is not None and name.report == report:
                found.append((name, item["url"]))
        return sorted(found, key=lambda pair: pair[0].generated_at, reverse=True)

    def _today(self, listed: list[tuple[ReportName, str]]) -> tuple[ReportName, str] | None:
        zone = self.settings.time_zone
        today = datetime.now(zone).date()
        for name, url in listed:
            if name.generated_at.astimezone(zone).date() == today:
                return name, url
        return None

    def _download(self, course_id: str, report: str, name: ReportName, url: str) -> Obtained:
        target = self.workdir / f"{abs(hash((course_id, name.name)))}-{name.name}"
        self.client.download(url, target)
        return Obtained(course_id, report, name, target)
