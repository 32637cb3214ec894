"""Fixtures for MATOMO_STATISTICS: a Matomo emulator on loopback and settings pointing at it."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

import environ
from sandbox.matomo.api import MatomoEmulator
from sandbox.matomo.api import start as start_matomo
from sandbox.matomo.sites import SiteSpec
from sandbox.web import RunningServer
from settings import MatomoStatisticsSettings, Settings

MATOMO_TOKEN = "matomo-test-token-7c1e93"
TODAY = date(2024, 5, 20)
YESTERDAY = TODAY - timedelta(days=1)
BUSY_COURSES = tuple(range(500001, 500013))


@pytest.fixture
def sites() -> list[SiteSpec]:
    """A busy site (over 100 page URLs a day), a small one created three weeks ago, a tiny one."""
    return [
        SiteSpec(1, visits_per_day=160, course_ids=BUSY_COURSES, pages_per_course=6, seed=3),
        SiteSpec(
            2,
            base_url="https://kurs.sandbox.test",
            created=TODAY - timedelta(days=21),
            visits_per_day=8,
            seed=4,
        ),
        SiteSpec(3, visits_per_day=6, course_ids=(500004, 500005), seed=5),
    ]


@pytest.fixture
def emulator_options() -> dict[str, Any]:
    """Extra MatomoEmulator arguments; a test module may override it."""
    return {}


@pytest.fixture
def emulator(sites: list[SiteSpec], emulator_options: dict[str, Any]) -> MatomoEmulator:
    return MatomoEmulator(sites, MATOMO_TOKEN, today=TODAY, **emulator_options)


@pytest.fixture
def matomo(emulator: MatomoEmulator) -> Iterator[RunningServer]:
    with start_matomo(emulator) as running:
        yield running


def load_matomo_settings(tmp_path: Path, section: dict[str, Any], **top: Any) -> Settings:
    """Settings read, validated and built from a config file holding ``section`` as MATOMO."""
    raw = {
        "JOB_NAMES": ["MATOMO_STATISTICS"],
        "INVENTORY_DB": {"url": f"sqlite:///{tmp_path / 'inventory.sqlite'}"},
        "MATOMO": section,
        **top,
    }
    path = tmp_path / "env.hjson"
    present = {key: value for key, value in raw.items() if value is not None}
    path.write_text(json.dumps(present), encoding="utf-8")
    return environ.load_settings(path, env={})


@pytest.fixture
def matomo_settings(matomo: RunningServer, tmp_path: Path) -> Callable[..., Settings]:
    """Build run Settings for the emulator; keyword arguments override MATOMO keys."""

    def build(**keys: Any) -> Settings:
        section = {
            "URL": matomo.url,
            "TOKEN_AUTH": MATOMO_TOKEN,
            "SITE_IDS": [1, 2],
            "REQUEST_TIMEOUT_SECONDS": 10,
            **keys,
        }
        return load_matomo_settings(tmp_path, section, MAX_REQ_ATTEMPTS=1)

    return build


@pytest.fixture
def matomo_config(
    matomo_settings: Callable[..., Settings],
) -> Callable[..., MatomoStatisticsSettings]:
    """The job's settings alone, from ``matomo_settings``."""

    def build(**keys: Any) -> MatomoStatisticsSettings:
        cfg = matomo_settings(**keys).matomo
        assert cfg is not None
        return cfg

    return build
