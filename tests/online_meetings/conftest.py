"""Fixtures for the online-meetings jobs: settings builders around the sandbox emulators."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest

from redaction import Secret
from sandbox.web import RunningServer, start_server
from sandbox.zoom import emulator as zoom_api
from sandbox.zoom import meetings as zoom_data
from settings import ZoomSettings


@pytest.fixture
def zoom_config() -> Callable[..., ZoomSettings]:
    """Build the ZOOM section for emulator URLs and a sandbox account."""

    def build(
        urls: dict[str, str], account: Any, first_day: date, lookback_days: int = 2
    ) -> ZoomSettings:
        return ZoomSettings(
            account_id=account.account_id,
            client_id=account.client_id,
            client_secret=Secret(account.client_secret),
            base_url=urls["base_url"],
            token_url=urls["token_url"],
            first_day=first_day,
            lookback_days=lookback_days,
        )

    return build


@pytest.fixture
def emulator(account: zoom_data.ZoomAccount, zoom_today: date) -> zoom_api.ZoomEmulator:
    """A Zoom emulator over the test module's ``account`` fixture, on ``zoom_today``."""
    return zoom_api.ZoomEmulator(account, today=zoom_today)


@pytest.fixture
def server(emulator: zoom_api.ZoomEmulator) -> Iterator[RunningServer]:
    with start_server(emulator, "zoom") as running:
        yield running
