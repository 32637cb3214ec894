"""Zoom emulator: Server-to-Server OAuth tokens and the Dashboard past-meetings list."""

from __future__ import annotations

from sandbox.zoom.emulator import MEETINGS_PATH, TOKEN_PATH, ZoomEmulator, start, urls
from sandbox.zoom.meetings import ZoomAccount, build_account, make_meeting, meeting_day

__all__ = [
    "MEETINGS_PATH",
    "TOKEN_PATH",
    "ZoomAccount",
    "ZoomEmulator",
    "build_account",
    "make_meeting",
    "meeting_day",
    "start",
    "urls",
]
