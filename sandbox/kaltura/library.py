"""The partner's media entries and the ``media.list`` filter over them."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable
from typing import Any

from sandbox.kaltura.media import MediaEntry


class KalturaApiError(Exception):
    """An error Kaltura reports inside ``<result><error>``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


class MediaLibrary:
    """The partner's media entries; ``add()`` works while the server runs.

    ``list_calls`` records the filter and pager of every ``media.list`` call, for tests.
    """

    def __init__(self, entries: Iterable[MediaEntry] = ()) -> None:
        self._entries: dict[str, MediaEntry] = {}
        self._lock = threading.Lock()
        self.list_calls: list[dict[str, Any]] = []
        self.add(entries)

    def add(self, entries: Iterable[MediaEntry]) -> None:
        with self._lock:
            self._entries.update((entry.id, entry) for entry in entries)

    def entries(self) -> list[MediaEntry]:
        with self._lock:
            return list(self._entries.values())

    def search(self, criteria: dict[str, Any]) -> list[MediaEntry]:
        """All entries matching a filter, in the filter's order."""
        names = _split(criteria.get("categoriesFullNameIn"))
        excluded = set(_split(criteria.get("idNotIn")))
        low = int(criteria.get("createdAtGreaterThanOrEqual") or 0)
        high = int(criteria.get("createdAtLessThanOrEqual") or 2**62)
        found = [
            entry
            for entry in self.entries()
            if low <= entry.created_at <= high
            and entry.id not in excluded
            and (not names or in_categories(entry.categories, names))
        ]
        order = criteria.get("orderBy") or "-createdAt"
        if order not in ("+createdAt", "-createdAt"):
            raise KalturaApiError("PROPERTY_VALIDATION_ENUM_VALUE", f"Unsupported orderBy {order}")
        found.sort(key=_tiebreak)
        found.sort(key=lambda entry: entry.created_at, reverse=order == "-createdAt")
        return found


def in_categories(categories: Iterable[str], names: Iterable[str]) -> bool:
    """True when a category equals one of ``names`` or is a descendant of one."""
    wanted = tuple(names)
    return any(
        category == name or category.startswith(name + ">")
        for category in categories
        for name in wanted
    )


def _split(value: object) -> list[str]:
    return [part.strip() for part in str(value or "").split(",") if part.strip()]


def _tiebreak(entry: MediaEntry) -> str:
    # Kaltura gives no order among equal createdAt; a hash keeps it stable yet unlike id order.
    return hashlib.md5(entry.id.encode(), usedforsecurity=False).hexdigest()
