"""Fixtures of the OPENEDX_LOGS tests: generated logs, settings, table readers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from oe_helpers import fresh_db

# The S3 server fixtures live in a module of their own, shared with the client tests.
from s3_fixtures import s3_bucket, s3_server  # noqa: F401

from db import Database
from sandbox.tracking_logs import files, scenario
from sandbox.tracking_logs.scenario import EXCLUDED, Scenario
from settings import OpenEdxLogsSettings, build_openedx_logs

ALL_METHODS = ["session_gap", "eol", "ope", "window_union", "canvas_like"]


@pytest.fixture(scope="session")
def santiago() -> Scenario:
    """The sandbox scenario with days counted in America/Santiago."""
    return scenario.build(seed=7, learners=6, days=3, time_zone="America/Santiago")


@pytest.fixture
def settings_for(tmp_path: Path) -> Callable[..., OpenEdxLogsSettings]:
    """Settings reading `paths`, with the store in the test's folder."""

    def make(
        paths: list[str], zone: str = "America/Santiago", **extra: Any
    ) -> OpenEdxLogsSettings:
        section = {
            "STORE_PATH": str(tmp_path / "store"),
            "PATHS": paths,
            "TIME_ZONE": zone,
            "EXCLUDE_USERNAMES": [EXCLUDED],
            "EXCLUDE_COURSE_TEAM": True,
            "TIME_SPENT_METHODS": ALL_METHODS,
            "WORKERS": 1,
            **extra,
        }
        return build_openedx_logs(section, tmp_path)

    return make


@pytest.fixture
def log_dir(tmp_path: Path, santiago: Scenario) -> Path:
    """The scenario as rotated, gzipped files with a live plain `tracking.log`."""
    folder = tmp_path / "logs"
    files.render(santiago).write(folder)
    return folder


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Database:
    """A migrated SQLite database (the engine-specific tests use `database` instead)."""
    return fresh_db(tmp_path, "inventory.sqlite")


@pytest.fixture(scope="session")
def small() -> Scenario:
    """A smaller scenario for the ledger and increment tests."""
    return scenario.build(seed=3, learners=4, days=3, time_zone="America/Santiago")
