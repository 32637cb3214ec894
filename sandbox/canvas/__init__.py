"""Canvas LMS emulator: REST and GraphQL over the synthetic university, with Canvas' throttling."""

from __future__ import annotations

from sandbox.canvas.analyzers import GraphLimits
from sandbox.canvas.emulator import CanvasEmulator, CanvasServer, start
from sandbox.canvas.graph import Rights
from sandbox.canvas.leaky_bucket import LeakyBucket, ThrottleSettings

__all__ = [
    "CanvasEmulator",
    "CanvasServer",
    "GraphLimits",
    "LeakyBucket",
    "Rights",
    "ThrottleSettings",
    "start",
]
