"""The three folder layouts of the periodic-report plugin, and edx-platform's hashed folder."""

from __future__ import annotations

import hashlib
import posixpath
from datetime import date
from typing import Literal

Layout = Literal["regular", "by_date", "flat"]
LAYOUTS: tuple[Layout, ...] = ("regular", "by_date", "flat")
DEFAULT_DATE_FORMAT = "%Y/%m/%d"


def course_hash(course_id: str) -> str:
    """The folder edx-platform's report store keeps a course's reports in."""
    return hashlib.sha1(course_id.encode("utf-8")).hexdigest()


def parent_dir(
    layout: Layout,
    prefix: str,
    course_id: str,
    run_date: date,
    date_format: str = DEFAULT_DATE_FORMAT,
) -> str:
    """The parent directory the plugin passes to the report task.

    The prefix is concatenated as given, with no separator added; an empty result falls back
    to the hashed course folder, as the report store does (``parent_dir or hash``).
    """
    if layout == "regular":
        folder = prefix + course_hash(course_id)
    elif layout == "by_date":
        folder = prefix + run_date.strftime(date_format)
    elif layout == "flat":
        folder = prefix
    else:
        raise ValueError(f"unknown layout {layout!r}; use one of {', '.join(LAYOUTS)}")
    return folder or course_hash(course_id)


def object_key(
    layout: Layout,
    prefix: str,
    course_id: str,
    run_date: date,
    filename: str,
    date_format: str = DEFAULT_DATE_FORMAT,
) -> str:
    """Where a report file lands below the store root: ``join(parent_dir, filename)``."""
    return posixpath.join(parent_dir(layout, prefix, course_id, run_date, date_format), filename)
