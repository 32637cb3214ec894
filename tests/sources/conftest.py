"""Fixtures for the source clients: the Canvas emulator on a tiny university, fast clients."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from environ import CanvasSettings, Secret
from sandbox import canvas_api
from sandbox.generator import build_university
from sandbox.throttle import ThrottleSettings
from sandbox.university import University
from sources.canvas import CanvasClient

TOKEN = "test-canvas-token-4f2a"


@pytest.fixture
def canvas_token() -> str:
    """The bearer token the emulator accepts (and that must never be logged)."""
    return TOKEN


@pytest.fixture(scope="session")
def tiny_university() -> University:
    return build_university("tiny")


@pytest.fixture
def start_canvas(tiny_university: University) -> Iterator[Callable[..., canvas_api.CanvasServer]]:
    """Start the emulator with options (faults, throttle, fault_paths); stopped afterwards."""
    servers: list[canvas_api.CanvasServer] = []

    def start(**options: Any) -> canvas_api.CanvasServer:
        options.setdefault("throttle", ThrottleSettings(enabled=False))
        server = canvas_api.start(tiny_university, token=TOKEN, **options)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def make_client() -> Iterator[Callable[..., CanvasClient]]:
    """A Canvas client for a running emulator, with short backoff so tests stay quick."""
    clients: list[CanvasClient] = []

    def make(server: canvas_api.CanvasServer, **options: Any) -> CanvasClient:
        settings = CanvasSettings(account_id=1, term_ids=(164,), add_course_ids=(),
                                  url=server.url, token=Secret(TOKEN), request_timeout=5.0)
        options = {"max_attempts": 5, "workers": 4, "backoff_factor": 0.01,
                   "backoff_max": 0.5, **options}
        client = CanvasClient(settings, **options)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()
