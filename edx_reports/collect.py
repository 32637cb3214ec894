"""Collect mode: file and parse what an existing report store (regular layout) holds anew."""

from __future__ import annotations

import logging
import posixpath
from pathlib import Path

from edx_reports import queries
from edx_reports.filenames import ERROR_REPORTS, parse_report_filename
from edx_reports.filing import Filing
from edx_reports.layouts import course_hash
from edx_reports.storage import Store
from settings import EdxReportsSettings
from vocab import SourceError

logger = logging.getLogger(__name__)


def run_collect(
    settings: EdxReportsSettings, source: Store, filing: Filing, workdir: Path
) -> dict[str, int]:
    """Every configured course's hashed folder; files already parsed or collected are skipped
    by name, so a nightly run reads only what the LMS wrote since."""
    assert settings.collect_from is not None
    wanted = set(settings.reports) | {
        ERROR_REPORTS[r] for r in settings.reports if r in ERROR_REPORTS
    }
    counts: dict[str, int] = {}
    for course_id in settings.course_ids:
        folder = settings.collect_from.prefix + course_hash(course_id)
        known = filing.db.query_frame(queries.KNOWN_FILES, {"course_id": course_id})
        done = set(known.loc[known["status"].isin(["parsed", "collected"]), "file_name"])
        try:
            listed = list(source.files(folder))
        except SourceError as err:
            for report in settings.reports:
                filing.fail(course_id, report, "failed", str(err))
            counts["failed"] = counts.get("failed", 0) + len(settings.reports)
            continue
        for stored in listed:
            name = parse_report_filename(posixpath.basename(stored.key), course_id)
            if name is None or name.report not in wanted or name.name in done:
                continue
            target = workdir / name.name
            source.fetch(stored.key, target)
            outcome = filing.file(course_id, name, target, triggered=False)
            target.unlink(missing_ok=True)
            counts[outcome] = counts.get(outcome, 0) + 1
    return counts
