"""Compact containers for the synthetic university: enrollments in numpy, per-course lazy lists."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, overload

import numpy as np

# Alphabetical, because Canvas orders enrollment lists by type first.
ENROLLMENT_TYPES = (
    "DesignerEnrollment",
    "ObserverEnrollment",
    "StudentEnrollment",
    "StudentViewEnrollment",
    "TaEnrollment",
    "TeacherEnrollment",
)
ENROLLMENT_STATES = (
    "active",
    "invited",
    "completed",
    "inactive",
    "deleted",
    "rejected",
    "creation_pending",
)
ROLE_IDS = {
    "StudentEnrollment": 3,
    "StudentViewEnrollment": 3,
    "TeacherEnrollment": 4,
    "TaEnrollment": 5,
    "DesignerEnrollment": 6,
    "ObserverEnrollment": 7,
}
STUDENT = ENROLLMENT_TYPES.index("StudentEnrollment")


def type_codes(names: Iterable[str]) -> list[int]:
    return [ENROLLMENT_TYPES.index(name) for name in names if name in ENROLLMENT_TYPES]


def state_codes(names: Iterable[str]) -> list[int]:
    return [ENROLLMENT_STATES.index(name) for name in names if name in ENROLLMENT_STATES]


class EnrollmentTable(Sequence[dict[str, Any]]):
    """Enrollments as parallel numpy columns, grouped by course and sorted as Canvas lists them.

    Indexing materialises one plain dict, so a 500,000-row table costs a few MB, not a few GB.
    """

    def __init__(self, columns: Mapping[str, np.ndarray]) -> None:
        order = np.lexsort(
            (columns["id"], columns["user_id"], columns["type"], columns["course_id"])
        )
        self.id = columns["id"][order]
        self.course_id = columns["course_id"][order]
        self.section_id = columns["section_id"][order]
        self.user_id = columns["user_id"][order]
        self.type = columns["type"][order]
        self.state = columns["state"][order]
        self.associated_user_id = columns["associated_user_id"][order]
        courses, starts, counts = np.unique(self.course_id, return_index=True, return_counts=True)
        self._ranges = {
            int(c): (int(s), int(s + n)) for c, s, n in zip(courses, starts, counts, strict=True)
        }

    def __len__(self) -> int:
        return len(self.id)

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...

    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any]]: ...

    def __getitem__(self, index: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if isinstance(index, slice):
            return [self.row(i) for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self.row(index)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return (self.row(i) for i in range(len(self)))

    def row(self, i: int) -> dict[str, Any]:
        """The basic Canvas enrollment fields of row ``i``."""
        kind = ENROLLMENT_TYPES[self.type[i]]
        associated = int(self.associated_user_id[i])
        return {
            "id": int(self.id[i]),
            "course_id": int(self.course_id[i]),
            "course_section_id": int(self.section_id[i]),
            "user_id": int(self.user_id[i]),
            "type": kind,
            "role": kind,
            "role_id": ROLE_IDS[kind],
            "enrollment_state": ENROLLMENT_STATES[self.state[i]],
            "associated_user_id": associated or None,
            "root_account_id": 1,
        }

    def course_range(self, course_id: int) -> tuple[int, int]:
        return self._ranges.get(course_id, (0, 0))

    def select(
        self,
        course_id: int,
        states: Iterable[str] | None = None,
        types: Iterable[str] | None = None,
    ) -> np.ndarray:
        """Row indices of one course's enrollments in list order, filtered by state and type."""
        start, stop = self.course_range(course_id)
        mask = np.ones(stop - start, dtype=bool)
        if states is not None:
            mask &= np.isin(self.state[start:stop], state_codes(states))
        if types is not None:
            mask &= np.isin(self.type[start:stop], type_codes(types))
        return np.flatnonzero(mask) + start

    def rows_where(self, mask: np.ndarray) -> list[dict[str, Any]]:
        return [self.row(int(i)) for i in np.flatnonzero(mask)]


class CourseDetails(Mapping[int, list[dict[str, Any]]]):
    """A read-only map course id -> list of dicts, built on first use, kept in a bounded cache."""

    def __init__(
        self,
        course_ids: Iterable[int],
        build: Callable[[int], list[dict[str, Any]]],
        cache_size: int = 4096,
    ) -> None:
        self._ids = frozenset(course_ids)
        self._order = sorted(self._ids)
        self._build = functools.lru_cache(maxsize=cache_size)(build)

    def __getitem__(self, course_id: int) -> list[dict[str, Any]]:
        if course_id not in self._ids:
            raise KeyError(course_id)
        return self._build(course_id)

    def __iter__(self) -> Iterator[int]:
        return iter(self._order)

    def __len__(self) -> int:
        return len(self._order)

    def __contains__(self, course_id: object) -> bool:
        return course_id in self._ids
