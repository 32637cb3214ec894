"""Seeded synthetic Kaltura media entries with KAF course categories and realistic noise."""

from __future__ import annotations

import random
import string
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

DEFAULT_PREFIX = "Canvas_UMich"
_NAMES = ("Lecture", "Discussion", "Lab walkthrough", "Conférence", "Übung", "講義", "Recap 🎬")


# Kaltura's entry status and moderation status values (KalturaEntryStatus,
# KalturaEntryModerationStatus).
READY, PRECONVERT, DELETED = 2, 1, 3
PENDING_MODERATION, REJECTED, AUTO_APPROVED = 1, 3, 6


@dataclass(frozen=True)
class MediaEntry:
    """One media entry; ``links`` is the generator's truth of (course_id, in_context) pairs.

    ``updated_at`` 0 means "as created"; Kaltura moves it on every change (status,
    categories, moderation).
    """

    id: str
    name: str
    created_at: int
    duration: int
    categories: tuple[str, ...]
    links: frozenset[tuple[int, bool]] = frozenset()
    updated_at: int = 0
    status: int = READY
    moderation_status: int = AUTO_APPROVED

    @property
    def updated(self) -> int:
        return self.updated_at or self.created_at

    @property
    def categories_text(self) -> str:
        """The comma-separated ``categories`` field as Kaltura returns it."""
        return ",".join(self.categories)


def entry_id(rng: random.Random) -> str:
    """A Kaltura-style entry id such as ``1_a8x0k2qz``."""
    return "1_" + "".join(rng.choices(string.ascii_lowercase + string.digits, k=8))


def _noise(rng: random.Random, prefix: str, course_id: int) -> str:
    hex_id = "".join(rng.choices("0123456789abcdef", k=24))
    choices = (
        f"{prefix}>site>channels>{hex_id}",  # a 'Shared Repository' channel, not a course
        f"{prefix}>site>channels>{hex_id}>InContext",
        f"{prefix}>site>galleries>Shared Repository",
        f"{prefix}_Archive>site>channels>{course_id}",  # another root that merely starts alike
        f"MediaSpace>site>galleries>{course_id}",
        f"{prefix}>site>channels>{course_id}>Archive",  # not a channel or its InContext
        f"{prefix}>site>channels>{course_id}a",
    )
    return rng.choice(choices)


def _categories(
    rng: random.Random,
    prefix: str,
    course_ids: Sequence[int],
    min_courses: int,
) -> tuple[list[str], set[tuple[int, bool]]]:
    categories: list[str] = []
    links: set[tuple[int, bool]] = set()
    how_many = min(len(course_ids), max(min_courses, rng.choice((0, 1, 1, 2))))
    for course_id in rng.sample(list(course_ids), k=how_many):
        kinds = rng.choice(((False,), (True,), (False, True)))
        for in_context in kinds:
            suffix = ">InContext" if in_context else ""
            categories.append(f"{prefix}>site>channels>{course_id}{suffix}")
            links.add((course_id, in_context))
    for _ in range(rng.choice((0, 0, 1, 2))):
        categories.append(_noise(rng, prefix, rng.choice(course_ids)))
    if categories and rng.random() < 0.05:
        categories.append(categories[0])  # Kaltura can repeat a category
    rng.shuffle(categories)
    return categories, links


def make_entry(
    rng: random.Random,
    course_ids: Sequence[int],
    created_at: int,
    prefix: str = DEFAULT_PREFIX,
    min_courses: int = 0,
) -> MediaEntry:
    """One random entry created at epoch second ``created_at``."""
    categories, links = _categories(rng, prefix, course_ids, min_courses)
    name = f"{rng.choice(_NAMES)} {rng.randrange(1, 40)}"
    return MediaEntry(
        entry_id(rng),
        name,
        created_at,
        rng.randrange(5, 7200),
        tuple(categories),
        frozenset(links),
    )


def generate_media(
    course_ids: Sequence[int],
    *,
    start: datetime,
    end: datetime,
    count: int = 300,
    seed: int = 3,
    prefix: str = DEFAULT_PREFIX,
) -> list[MediaEntry]:
    """``count`` entries with creation times spread over [start, end), unique ids."""
    rng = random.Random(seed)
    first, last = _epoch(start), _epoch(end)
    entries = [
        make_entry(rng, course_ids, rng.randrange(first, last), prefix) for _ in range(count)
    ]
    return _unique(entries)


def same_second_media(
    course_ids: Sequence[int],
    at: datetime,
    count: int,
    *,
    seed: int = 4,
    prefix: str = DEFAULT_PREFIX,
) -> list[MediaEntry]:
    """``count`` entries all created in the same second (a bulk upload), each in a course."""
    rng = random.Random(seed)
    return _unique(
        [make_entry(rng, course_ids, _epoch(at), prefix, min_courses=1) for _ in range(count)]
    )


def _unique(entries: list[MediaEntry]) -> list[MediaEntry]:
    seen: dict[str, MediaEntry] = {}
    for entry in entries:
        seen.setdefault(entry.id, entry)
    return list(seen.values())


def _epoch(moment: datetime) -> int:
    return int(moment.astimezone(UTC).timestamp())
