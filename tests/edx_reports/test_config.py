"""The EDX_REPORTS schema section and the settings built from it."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import hjson
import pytest
from jsonschema import Draft7Validator

from edx_reports.config import build_settings, semantic_errors

SCHEMA_PATH = Path(__file__).parents[2] / "edx_reports" / "schema_section.hjson"


def _validator() -> Draft7Validator:
    fragment = hjson.loads(SCHEMA_PATH.read_text())
    schema = {**fragment["EDX_REPORTS"], "definitions": fragment["definitions"]}
    return Draft7Validator(schema)


def _section(**changes: Any) -> dict[str, Any]:
    section: dict[str, Any] = {
        "lms": {
            "url": "https://lms.example.edu/",
            "client_id": "reports",
            "client_secret": "s3cr3t-value",
        },
        "course_ids": ["course-v1:UMich+STATS101+2026_Fall", "edX/DemoX/Demo_Course"],
        "destination": {"local_dir": "reports", "prefix": "periodic-"},
    }
    section.update(changes)
    return section


def _errors(section: dict[str, Any]) -> list[str]:
    return [e.message for e in _validator().iter_errors(section)] + semantic_errors(section)


def test_a_minimal_section_validates_and_builds_with_defaults(tmp_path: Path) -> None:
    section = _section()
    assert _errors(section) == []
    settings = build_settings(section, tmp_path)
    assert settings.mode == "trigger"
    assert settings.reports == ("grade_report", "problem_grade_report", "student_profile_info")
    assert settings.destination.local_dir == tmp_path / "reports"
    assert settings.lms is not None and settings.lms.url == "https://lms.example.edu"
    assert (settings.layout, settings.by_date_format, settings.max_concurrent_tasks) == (
        "regular",
        "%Y/%m/%d",
        1,
    )
    assert settings.time_zone == ZoneInfo("UTC")
    assert "s3cr3t-value" not in repr(settings)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"layout": "nested"}, "is not one of"),
        ({"course_ids": []}, "should be non-empty"),
        ({"course_ids": ["not a course"]}, "does not match"),
        ({"reports": ["grade_report", "enrollment_report"]}, "is not one of"),
        ({"max_concurrent_tasks": 0}, "less than the minimum"),
        ({"destination": {"prefix": "x/"}}, "is not valid under any of the given schemas"),
        ({"lms": None, "mode": "collect"}, "is not of type 'object'"),
        ({"time_zone": "Mars/Olympus"}, "unknown time zone 'Mars/Olympus'"),
        ({"only_ccx": True}, "only_ccx needs include_ccx"),
        ({"mode": "both"}, "needs the report store to read at config.EDX_REPORTS.collect_from"),
    ],
)
def test_bad_sections_name_the_problem(changes: dict[str, Any], expected: str) -> None:
    assert any(expected in message for message in _errors(_section(**changes))), _errors(
        _section(**changes)
    )


def test_collect_mode_needs_no_lms(tmp_path: Path) -> None:
    section = _section(
        mode="collect",
        collect_from={
            "bucket": "lms-reports",
            "prefix": "grades/",
            "endpoint_url": "http://127.0.0.1:9000",
            "access_key_id": "k",
            "secret_access_key": "bucket-secret-1",
        },
    )
    del section["lms"]
    assert _errors(section) == []
    settings = build_settings(section, tmp_path)
    assert settings.lms is None and settings.collect_from is not None
    assert settings.collect_from.describe == "s3://lms-reports/grades/"
    assert "bucket-secret-1" not in repr(settings)
