"""Fixtures for the online-meetings jobs: settings builders around the sandbox emulators."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from db import Database
from environ import CanvasSettings, DbSettings, Secret, Settings, ZoomSettings
from sandbox.web import RunningServer, start_server
from sandbox.zoom import emulator as zoom_api
from sandbox.zoom import meetings as zoom_data
from vocab import JobName


@pytest.fixture
def sqlite_database(sqlite_engine: sa.Engine) -> Database:
    """db.Database on SQLite only, for edge cases that do not depend on the engine."""
    return Database(sqlite_engine)


@pytest.fixture
def job_settings(tmp_path: Path) -> Callable[..., Settings]:
    """Build Settings for one job; keyword arguments replace top-level fields."""

    def build(job: JobName, **overrides: Any) -> Settings:
        base = Settings(
            log_level="INFO", log_format="text", job_names=(job,), create_csvs=False,
            max_req_attempts=3, num_async_workers=4, data_dir=tmp_path, config_dir=tmp_path,
            db=DbSettings("sqlite://"), canvas=None, udw=None, mivideo=None, zoom=None,
        )
        return replace(base, **overrides)

    return build


@pytest.fixture
def canvas_config() -> Callable[..., CanvasSettings]:
    """Build the CANVAS section for an emulator URL and token."""

    def build(url: str, token: str, term_ids: tuple[int, ...],
              add_course_ids: tuple[int, ...] = ()) -> CanvasSettings:
        return CanvasSettings(account_id=1, term_ids=term_ids, add_course_ids=add_course_ids,
                              url=url, token=Secret(token), request_timeout=10.0)

    return build


@pytest.fixture
def zoom_config() -> Callable[..., ZoomSettings]:
    """Build the ZOOM section for emulator URLs and a sandbox account."""

    def build(urls: dict[str, str], account: Any, first_day: date,
              lookback_days: int = 2) -> ZoomSettings:
        return ZoomSettings(
            account_id=account.account_id, client_id=account.client_id,
            client_secret=Secret(account.client_secret), base_url=urls["base_url"],
            token_url=urls["token_url"], first_day=first_day, lookback_days=lookback_days,
        )

    return build


@pytest.fixture
def emulator(account: zoom_data.ZoomAccount) -> zoom_api.ZoomEmulator:
    """A Zoom emulator over the test module's ``account`` fixture."""
    return zoom_api.ZoomEmulator(account)


@pytest.fixture
def server(emulator: zoom_api.ZoomEmulator) -> Iterator[RunningServer]:
    with start_server(emulator, "zoom") as running:
        yield running
