"""File one downloaded report in the destination layout, then parse and load it once."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from db import Database
from edx_reports import queries
from edx_reports.filenames import (
    ERROR_REPORTS,
    PROBLEM_GRADE_REPORT,
    ReportName,
    course_prefix,
    parse_course_key,
)
from edx_reports.headers import HeaderError
from edx_reports.layouts import object_key
from edx_reports.load import FileRecord, load_report, record
from edx_reports.parse import parse_report, sha256_of
from edx_reports.storage import Store
from settings import EdxReportsSettings
from vocab import LoadError

logger = logging.getLogger(__name__)

KNOWN_SUBSECTIONS = """
SELECT assignment_type, subsection_index, subsection_name FROM edx_report_column
WHERE course_id = :course_id AND report_type = 'grade_report' AND kind = 'subsection'
  AND generated_at = (SELECT MAX(generated_at) FROM edx_report_column
                      WHERE course_id = :course_id AND report_type = 'grade_report')
"""


@dataclass
class Filing:
    """What filing needs besides the file: settings, database, destination, run."""

    settings: EdxReportsSettings
    db: Database
    destination: Store
    run_id: str
    run_date: date

    def fail(
        self, course_id: str, report: str, status: str, error: str, file_name: str = ""
    ) -> None:
        """Record a course's report that could not be obtained (no file) or parsed."""
        logger.warning("%s %s %s: %s", course_id, report, status, error)
        record(
            self.db,
            FileRecord(
                course_id,
                report,
                file_name,
                status,
                self.run_id,
                collected_at=datetime.now(UTC),
                error=error[:2000],
            ),
        )

    def file(self, course_id: str, name: ReportName, path: Path, *, triggered: bool) -> str:
        """Store and parse ``path``; returns the status recorded (or 'skipped').

        A file obtained by a trigger goes to the run date's ``by_date`` folder, a collected
        one to its generation date's (both in the configured time zone).
        """
        sha256 = sha256_of(path)
        if self.db.scalar(queries.PARSED_SHA256, {"sha256": sha256}) is not None:
            logger.info("%s %s: these bytes were parsed already; skipped", course_id, name.name)
            return "skipped"
        day = (
            self.run_date
            if triggered
            else name.generated_at.astimezone(self.settings.time_zone).date()
        )
        dest = self.settings.destination
        key = object_key(
            self.settings.layout,
            dest.prefix,
            course_id,
            day,
            stored_name(course_id, name, self.settings.layout),
            self.settings.by_date_format,
        )
        entry = FileRecord(
            course_id,
            _report_of(name.report),
            name.name,
            "collected",
            self.run_id,
            generated_at=name.generated_at,
            collected_at=datetime.now(UTC),
            stored_at=self.destination.put(key, path),
            layout=self.settings.layout,
            size_bytes=path.stat().st_size,
            sha256=sha256,
        )
        file_id = record(self.db, entry)
        if name.report in ERROR_REPORTS.values():
            return "collected"  # error files are kept, not parsed
        return self._parse(entry, name, path, file_id)

    def _parse(self, entry: FileRecord, name: ReportName, path: Path, file_id: int) -> str:
        known = self._known(entry.course_id) if name.report == PROBLEM_GRADE_REPORT else {}
        try:
            parsed = parse_report(path, name.report, entry.course_id, name.generated_at, known)
            entry.header = json.dumps(parsed.header, ensure_ascii=False)
            entry.row_count = parsed.rows
            entry.status = "parsed"
            written = load_report(self.db, parsed, entry, file_id)
        except (HeaderError, duckdb.Error, ValueError, LoadError) as err:
            entry.status = "failed"
            entry.error = f"{type(err).__name__}: {err}"[:2000]
            record(self.db, entry)
            logger.warning("%s %s did not parse: %s", entry.course_id, name.name, entry.error)
            return "failed"
        logger.info("%s %s parsed: %s", entry.course_id, name.name, written)
        return "parsed"

    def _known(self, course_id: str) -> dict[tuple[str, int], str]:
        rows = self.db.query_frame(KNOWN_SUBSECTIONS, {"course_id": course_id})
        return {
            (r.assignment_type, int(r.subsection_index)): r.subsection_name
            for r in rows.itertuples()
        }


def stored_name(course_id: str, name: ReportName, layout: str) -> str:
    """The LMS's file name, with the CCX suffix added where a shared folder needs it.

    Without ENABLE_COURSE_FILENAME_CCX_SUFFIX a CCX course's reports carry its master course's
    name; in the hashed folders of ``regular`` that is harmless, but ``by_date`` and ``flat``
    put every course in one folder, where the CCX's file would overwrite the master's.
    """
    key = parse_course_key(course_id)
    if layout == "regular" or key.ccx is None:
        return name.name
    plain, suffixed = course_prefix(course_id), course_prefix(course_id, ccx_suffix=True)
    if name.name.startswith(suffixed + "_"):
        return name.name
    return suffixed + name.name.removeprefix(plain)


def _report_of(name: str) -> str:
    """Error files are filed under the report they belong to."""
    for report, error in ERROR_REPORTS.items():
        if name == error:
            return report
    return name
