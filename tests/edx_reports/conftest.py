"""Fixtures for EDX_REPORTS: the LMS emulator on loopback and settings pointing at it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from redaction import Secret
from sandbox.lms import server
from settings import EdxReportsSettings, OpenEdxLmsSettings, ReportStoreSettings, Settings
from tests.s3_fixtures import S3_KEY_ID, S3_SECRET, s3_bucket, s3_server  # noqa: F401
from vocab import JobName

STATS = "course-v1:SandboxU+STATS101+2026_Fall"
DEMO = "edX/DemoX/Demo_Course"
MATH = "course-v1:SandboxU+MATH 201+2026 Spring"
CCX = "ccx-v1:SandboxU+STATS101+2026_Fall+ccx@3"


@pytest.fixture
def lms_store(tmp_path: Path) -> Path:
    """The emulator's own report store (regular layout)."""
    return tmp_path / "lms-store"


@pytest.fixture
def start_lms(lms_store: Path) -> Iterator[Callable[..., server.LmsServer]]:
    """Start the LMS emulator (options: LmsState fields); stopped after the test."""
    running: list[server.LmsServer] = []

    def start(**options: Any) -> server.LmsServer:
        lms = server.start(lms_store, **options)
        running.append(lms)
        return lms

    yield start
    for lms in running:
        lms.stop()


@pytest.fixture
def make_settings(
    tmp_path: Path, job_settings: Callable[..., Settings]
) -> Callable[..., Settings]:
    """Run settings whose EDX_REPORTS section triggers into a local destination; keyword
    arguments replace the section's fields."""

    def make(url: str = "", secret: str = server.CLIENT_SECRET, **fields: Any) -> Settings:
        base: dict[str, Any] = {
            "mode": "trigger",
            "course_ids": (STATS, DEMO),
            "reports": ("grade_report", "problem_grade_report", "student_profile_info"),
            "destination": ReportStoreSettings(local_dir=tmp_path / "filed"),
            "lms": OpenEdxLmsSettings(url, server.CLIENT_ID, Secret(secret)) if url else None,
            "poll_interval_s": 0.01,
            "poll_timeout_s": 5.0,
        }
        base.update(fields)
        return job_settings(JobName.EDX_REPORTS, edx_reports=EdxReportsSettings(**base))

    return make
