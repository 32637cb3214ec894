"""Fixtures for the source clients: the Canvas emulator on a tiny university, fast clients."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from environ import CanvasSettings, Secret
from sandbox import canvas as canvas_api
from sandbox.canvas import ThrottleSettings
from sources.canvas import CanvasClient


@pytest.fixture
def canvas_throttle() -> ThrottleSettings:
    """Client tests switch throttling on only where they test it."""
    return ThrottleSettings(enabled=False)


@pytest.fixture
def make_client(canvas_token: str) -> Iterator[Callable[..., CanvasClient]]:
    """A Canvas client for a running emulator, with short backoff so tests stay quick."""
    clients: list[CanvasClient] = []

    def make(server: canvas_api.CanvasServer, **options: Any) -> CanvasClient:
        settings = CanvasSettings(account_id=1, term_ids=(164,), add_course_ids=(),
                                  url=server.url, token=Secret(canvas_token), request_timeout=5.0)
        options = {"max_attempts": 5, "workers": 4, "backoff_factor": 0.01,
                   "backoff_max": 0.5, **options}
        client = CanvasClient(settings, **options)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()
