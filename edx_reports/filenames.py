"""Report file names as edx-platform writes them: course prefix, report name, UTC minute."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

# The report names (edx-platform's `csv_name`) this job knows, with their error companions.
GRADE_REPORT = "grade_report"
PROBLEM_GRADE_REPORT = "problem_grade_report"
PROFILE_REPORT = "student_profile_info"
REPORT_NAMES = (GRADE_REPORT, PROBLEM_GRADE_REPORT, PROFILE_REPORT)
ERROR_REPORTS = {
    GRADE_REPORT: "grade_report_err",
    PROBLEM_GRADE_REPORT: "problem_grade_report_err",
}
TIMESTAMP_FORMAT = "%Y-%m-%d-%H%M"
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}-\d{4}")
_INVALID = re.compile(r"[^-\w.]")


@dataclass(frozen=True)
class CourseKey:
    """The parts of an Open edX course key that file names and folders are made from."""

    text: str
    org: str
    course: str
    run: str
    ccx: str | None = None

    @property
    def is_ccx(self) -> bool:
        return self.ccx is not None


def parse_course_key(text: str) -> CourseKey:
    """Split ``course-v1:org+course+run``, ``ccx-v1:org+course+run+ccx@N`` or ``org/course/run``.

    Raises:
        ValueError: the text is none of these shapes.
    """
    namespace, colon, rest = text.partition(":")
    if not colon:
        parts = text.split("/")
        if len(parts) != 3 or not all(parts):
            raise ValueError(f"not an Open edX course key: {text!r}")
        return CourseKey(text, *parts)
    fields = rest.split("+")
    if namespace not in ("course-v1", "ccx-v1") or len(fields) < 3 or not all(fields[:3]):
        raise ValueError(f"not an Open edX course key: {text!r}")
    ccx = next((f.removeprefix("ccx@") for f in fields[3:] if f.startswith("ccx@")), None)
    if namespace == "ccx-v1" and not ccx:
        raise ValueError(f"CCX course key without its ccx@ part: {text!r}")
    return CourseKey(text, fields[0], fields[1], fields[2], ccx)


def get_valid_filename(text: str) -> str:
    """Django's rule that edx-platform applies: spaces to ``_``, then drop what is not
    a letter, a digit, ``-``, ``_`` or ``.`` (letters and digits in any script)."""
    return _INVALID.sub("", str(text).strip().replace(" ", "_"))


def course_prefix(course_id: str, *, ccx_suffix: bool = False) -> str:
    """``org_course_run`` of the key, plus ``_ccx_N`` when the LMS has its CCX suffix flag on."""
    key = parse_course_key(course_id)
    parts = [key.org, key.course, key.run]
    if ccx_suffix and key.ccx is not None:
        parts += ["ccx", key.ccx]
    return get_valid_filename("_".join(parts))


def report_filename(
    course_id: str, report: str, moment: datetime, *, ccx_suffix: bool = False
) -> str:
    """The name the LMS gives a report generated at ``moment`` (converted to UTC)."""
    stamp = moment.astimezone(UTC).strftime(TIMESTAMP_FORMAT)
    return f"{course_prefix(course_id, ccx_suffix=ccx_suffix)}_{report}_{stamp}.csv"


@dataclass(frozen=True)
class ReportName:
    """A file name recognised as one report of one course."""

    name: str
    report: str
    generated_at: datetime  # aware, UTC, minute precision


def parse_report_filename(name: str, course_id: str) -> ReportName | None:
    """Recognise ``name`` as a report of ``course_id``; None for anything else.

    The course prefix is matched exactly (with or without the CCX suffix), because report
    names are themselves suffixes of one another (``problem_grade_report`` ends with
    ``grade_report``) and a prefix alone cannot be split off.
    """
    if not name.endswith(".csv"):
        return None
    stem = name.removesuffix(".csv")
    stamp = stem[-15:]
    if not _TIMESTAMP.fullmatch(stamp) or stem[-16:-15] != "_":
        return None
    head = stem[:-16]
    for prefix in {course_prefix(course_id), course_prefix(course_id, ccx_suffix=True)}:
        report = head.removeprefix(prefix + "_") if head.startswith(prefix + "_") else None
        if report is not None and (report in REPORT_NAMES or report in ERROR_REPORTS.values()):
            try:
                moment = datetime.strptime(stamp, TIMESTAMP_FORMAT).replace(tzinfo=UTC)
            except ValueError:
                return None
            return ReportName(name, report, moment)
    return None
