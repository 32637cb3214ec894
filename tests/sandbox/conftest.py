"""Fixtures for the Canvas sandbox tests: a tiny university and an emulator serving it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from sandbox import canvas as canvas_api
from sandbox.university import University, build_university

TOKEN = "sandbox-token"


@pytest.fixture(scope="session")
def tiny_university() -> University:
    return build_university("tiny", seed=7)


@pytest.fixture(scope="module")
def canvas_server(tiny_university: University) -> Iterator[canvas_api.CanvasServer]:
    with canvas_api.start(tiny_university, token=TOKEN) as server:
        yield server


@pytest.fixture
def canvas_session() -> Iterator[requests.Session]:
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {TOKEN}"
        yield session
