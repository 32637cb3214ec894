"""The HTTP layer every sandbox emulator is built on: messages, routes, faults, counts, server."""

from __future__ import annotations

from sandbox.web.counts import EndpointCounts
from sandbox.web.faults import Faults
from sandbox.web.messages import Request, Response
from sandbox.web.routing import Emulator, Route, Routes
from sandbox.web.server import App, RunningServer, start_server

__all__ = [
    "App",
    "Emulator",
    "EndpointCounts",
    "Faults",
    "Request",
    "Response",
    "Route",
    "Routes",
    "RunningServer",
    "start_server",
]
