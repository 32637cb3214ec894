"""Fixtures for the source clients: the Canvas emulator on a tiny university, fast clients."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from redaction import Secret
from sandbox import canvas as canvas_api
from sandbox.canvas import ThrottleSettings
from settings import CanvasSettings
from sources.canvas import CanvasClient
from sources.retry import RetryPolicy


@pytest.fixture
def canvas_throttle() -> ThrottleSettings:
    """Client tests switch throttling on only where they test it."""
    return ThrottleSettings(enabled=False)


@pytest.fixture
def make_client(canvas_token: str) -> Iterator[Callable[..., CanvasClient]]:
    """A Canvas client for a running emulator, with short backoff so tests stay quick."""
    clients: list[CanvasClient] = []

    def make(server: canvas_api.CanvasServer, **options: Any) -> CanvasClient:
        settings = CanvasSettings(
            account_id=1,
            term_ids=(164,),
            add_course_ids=(),
            url=server.url,
            token=Secret(canvas_token),
            request_timeout=5.0,
        )
        retry = RetryPolicy(
            attempts=options.pop("max_attempts", 5), factor=0.01, maximum=0.5, jitter=0.01
        )
        client = CanvasClient(settings, retry=retry, **{"workers": 4, **options})
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()
