"""The EDX_REPORTS section of the configuration, validated and built into settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import hjson
import pytest

import environ
from vocab import ConfigError, JobName

ROOT = Path(__file__).resolve().parents[2]


def _config(tmp_path: Path, **changes: Any) -> Path:
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
    section = {k: v for k, v in section.items() if v is not None}
    path = tmp_path / "env.hjson"
    config = {
        "JOB_NAMES": ["EDX_REPORTS"],
        "INVENTORY_DB": {"url": "sqlite:///data/x.sqlite"},
        "EDX_REPORTS": section,
    }
    path.write_text(hjson.dumps(config))
    return path


def _load(path: Path) -> Any:
    return environ.load_settings(path, env={})


def test_a_minimal_section_builds_with_defaults(tmp_path: Path) -> None:
    settings = _load(_config(tmp_path))
    assert settings.job_names == (JobName.EDX_REPORTS,)
    section = settings.edx_reports
    assert section.mode == "trigger"
    assert section.reports == ("grade_report", "problem_grade_report", "student_profile_info")
    assert section.destination.local_dir == environ.ROOT_DIR / "reports"  # like DATA_DIR
    assert section.destination.prefix == "periodic-"
    assert section.lms.url == "https://lms.example.edu"
    assert (section.layout, section.by_date_format, section.max_concurrent_tasks) == (
        "regular",
        "%Y/%m/%d",
        1,
    )
    assert section.time_zone == ZoneInfo("UTC")
    assert "s3cr3t-value" not in repr(settings)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"layout": "nested"}, "EDX_REPORTS.layout"),
        ({"course_ids": []}, "EDX_REPORTS.course_ids"),
        ({"course_ids": ["not a course"]}, "does not match"),
        ({"reports": ["grade_report", "enrollment_report"]}, "is not one of"),
        ({"max_concurrent_tasks": 0}, "EDX_REPORTS.max_concurrent_tasks"),
        ({"destination": {"prefix": "x/"}}, "EDX_REPORTS.destination"),
        ({"lms": None}, "EDX_REPORTS.lms: mode 'trigger' needs the LMS url"),
        ({"time_zone": "Mars/Olympus"}, "unknown time zone 'Mars/Olympus'"),
        ({"only_ccx": True}, "only_ccx: needs include_ccx"),
        ({"mode": "both"}, "EDX_REPORTS.collect_from: mode 'both' needs the report store"),
    ],
)
def test_bad_sections_name_the_problem(
    tmp_path: Path, changes: dict[str, Any], expected: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        _load(_config(tmp_path, **changes))
    assert any(expected in error for error in raised.value.errors), raised.value.errors
    assert "s3cr3t-value" not in str(raised.value)


def test_collect_mode_needs_no_lms_and_reads_a_bucket(tmp_path: Path) -> None:
    bucket = {
        "bucket": "lms-reports",
        "prefix": "grades/",
        "endpoint_url": "http://127.0.0.1:9000",
        "access_key_id": "k",
        "secret_access_key": "bucket-secret-1",
    }
    settings = _load(_config(tmp_path, mode="collect", lms=None, collect_from=bucket))
    section = settings.edx_reports
    assert section.lms is None and section.collect_from is not None
    assert section.collect_from.describe == "s3://lms-reports/grades/"
    assert section.collect_from.bucket.secret_access_key.value == "bucket-secret-1"
    assert "bucket-secret-1" not in repr(settings)
