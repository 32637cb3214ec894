"""Fixtures for COURSE_INVENTORY: the Canvas emulator on a tiny university and job settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from redaction import Secret
from sandbox import canvas as canvas_api
from sandbox.university import University
from settings import CanvasSettings, DbSettings, Settings
from vocab import JobName

TERM_IDS = (164, 165, 107)


@pytest.fixture(scope="session")
def university(tiny_university: University) -> University:
    return tiny_university


@pytest.fixture
def inventory_settings(tmp_path: Path, canvas_token: str) -> Callable[..., Settings]:
    """Settings for COURSE_INVENTORY against an emulator; keywords replace top-level fields,
    ``canvas_options`` replaces CanvasSettings fields."""

    def build(
        server: canvas_api.CanvasServer, canvas_options: dict | None = None, **overrides: Any
    ) -> Settings:
        canvas = CanvasSettings(
            account_id=1,
            term_ids=TERM_IDS,
            add_course_ids=(),
            url=server.url,
            token=Secret(canvas_token),
            request_timeout=5.0,
        )
        base = Settings(
            log_level="INFO",
            log_format="text",
            job_names=(JobName.COURSE_INVENTORY,),
            create_csvs=False,
            max_req_attempts=3,
            num_async_workers=4,
            data_dir=tmp_path,
            config_dir=tmp_path,
            db=DbSettings("sqlite://"),
            canvas=replace(canvas, **(canvas_options or {})),
            udw=None,
            mivideo=None,
            zoom=None,
        )
        return replace(base, **overrides)

    return build
