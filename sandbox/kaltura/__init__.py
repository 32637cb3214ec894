"""Kaltura API v3 emulator: ``session.start`` and ``media.list`` over seeded media entries."""

from __future__ import annotations

from sandbox.kaltura.emulator import KalturaEmulator, MediaLibrary, in_categories, start
from sandbox.kaltura.media import MediaEntry, generate_media, same_second_media

__all__ = [
    "KalturaEmulator",
    "MediaEntry",
    "MediaLibrary",
    "generate_media",
    "in_categories",
    "same_second_media",
    "start",
]
