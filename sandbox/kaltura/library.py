"""The partner's media entries and the ``media.list`` filter over them."""

from __future__ import annotations

import hashlib
import itertools
import threading
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from sandbox.kaltura.media import PENDING_MODERATION, READY, REJECTED, MediaEntry

# SphinxCriterion::MAX_IN_VALUES: an "in" or "not in" list is cut to its first 150 values.
MAX_IN_VALUES = 150
ORDERS = {"+createdAt", "-createdAt", "+updatedAt", "-updatedAt"}


class KalturaApiError(Exception):
    """An error Kaltura reports inside ``<result><error>``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


class MediaLibrary:
    """The partner's media entries; ``add()`` works while the server runs.

    ``list_calls`` records the filter and pager of every ``media.list`` call, for tests.
    Categories under a root of ``private_roots`` have a privacy context: Kaltura leaves them
    out of the entry's ``categories`` field, but filters and ``categoryEntry.list`` see them.
    """

    def __init__(
        self, entries: Iterable[MediaEntry] = (), *, private_roots: Iterable[str] = ()
    ) -> None:
        self._entries: dict[str, MediaEntry] = {}
        self._lock = threading.Lock()
        self.list_calls: list[dict[str, Any]] = []
        self.private_roots = tuple(private_roots)
        self._category_ids: dict[str, int] = {}
        self._next_id = itertools.count(1001)
        self.add(entries)

    def add(self, entries: Iterable[MediaEntry]) -> None:
        with self._lock:
            self._entries.update((entry.id, entry) for entry in entries)

    def change(self, entry_id: str, at: int, **fields: Any) -> MediaEntry:
        """Change an entry as Kaltura would (status, categories...), moving its updatedAt."""
        with self._lock:
            changed = replace(self._entries[entry_id], updated_at=at, **fields)
            self._entries[entry_id] = changed
        return changed

    def visible_categories(self, entry: MediaEntry) -> list[str]:
        """What the entry's ``categories`` field shows: no category with a privacy context."""
        return [c for c in entry.categories if not in_categories([c], self.private_roots)]

    def category_id(self, full_name: str) -> int:
        with self._lock:
            if full_name not in self._category_ids:
                self._category_ids[full_name] = next(self._next_id)
            return self._category_ids[full_name]

    def category_name(self, category_id: int) -> str | None:
        with self._lock:
            names = {number: name for name, number in self._category_ids.items()}
        return names.get(category_id)

    def links_of(self, entry_ids: Iterable[str]) -> list[tuple[str, str]]:
        """(entry id, category full name) of every category of the given live entries."""
        wanted = set(entry_ids)
        return [
            (entry.id, category)
            for entry in sorted(self.entries(), key=lambda e: e.id)
            if entry.id in wanted and entry.status == READY
            for category in dict.fromkeys(entry.categories)
        ]

    def entries(self) -> list[MediaEntry]:
        with self._lock:
            return list(self._entries.values())

    def search(self, criteria: dict[str, Any]) -> list[MediaEntry]:
        """All entries matching a filter, in the filter's order."""
        names = _split(criteria.get("categoriesFullNameIn"))
        excluded = set(_split(criteria.get("idNotIn"))[:MAX_IN_VALUES])
        low = int(criteria.get("createdAtGreaterThanOrEqual") or 0)
        high = int(criteria.get("createdAtLessThanOrEqual") or 2**62)
        updated_low = int(criteria.get("updatedAtGreaterThanOrEqual") or 0)
        found = [
            entry
            for entry in self.entries()
            if low <= entry.created_at <= high
            and entry.updated >= updated_low
            and _listed_by_default(entry)
            and entry.id not in excluded
            and (not names or in_categories(entry.categories, names))
        ]
        order = criteria.get("orderBy") or "-createdAt"
        if order not in ORDERS:
            raise KalturaApiError("PROPERTY_VALIDATION_ENUM_VALUE", f"Unsupported orderBy {order}")
        found.sort(key=_tiebreak)
        if order.endswith("updatedAt"):
            found.sort(key=lambda entry: entry.updated, reverse=order.startswith("-"))
        else:
            found.sort(key=lambda entry: entry.created_at, reverse=order.startswith("-"))
        return found


def in_categories(categories: Iterable[str], names: Iterable[str]) -> bool:
    """True when a category equals one of ``names`` or is a descendant of one."""
    wanted = tuple(names)
    return any(
        category == name or category.startswith(name + ">")
        for category in categories
        for name in wanted
    )


def _listed_by_default(entry: MediaEntry) -> bool:
    # KalturaBaseEntryFilter::setDefaultStatus / setDefaultModerationStatus: without a status
    # filter only READY entries neither pending nor rejected in moderation are listed.
    return entry.status == READY and entry.moderation_status not in (PENDING_MODERATION, REJECTED)


def _split(value: object) -> list[str]:
    return [part.strip() for part in str(value or "").split(",") if part.strip()]


def _tiebreak(entry: MediaEntry) -> str:
    # Kaltura gives no order among equal createdAt; a hash keeps it stable yet unlike id order.
    return hashlib.md5(entry.id.encode(), usedforsecurity=False).hexdigest()
