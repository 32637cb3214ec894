"""Canvas LMS emulator: REST and GraphQL over the synthetic university, with Canvas' throttling."""

from __future__ import annotations

from sandbox.canvas.emulator import CanvasEmulator, CanvasServer, start
from sandbox.canvas.leaky_bucket import LeakyBucket, ThrottleSettings

__all__ = ["CanvasEmulator", "CanvasServer", "LeakyBucket", "ThrottleSettings", "start"]
