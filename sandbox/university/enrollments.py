"""Vectorised generation of one course's enrollments (every type and state) for the generator."""

from __future__ import annotations

import numpy as np

from sandbox.university.records import ENROLLMENT_STATES, ENROLLMENT_TYPES

USER_ID_BASE = 3_000_000
ENROLLMENT_ID_BASE = 9_000_000

_T = {name: code for code, name in enumerate(ENROLLMENT_TYPES)}
_S = {name: code for code, name in enumerate(ENROLLMENT_STATES)}
# Probabilities over the first six ENROLLMENT_STATES (active, invited, completed, inactive,
# deleted, rejected); creation_pending students are added apart, a few per university.
_STUDENT_STATE_P = {
    "available": (0.82, 0.04, 0.03, 0.05, 0.04, 0.02),
    "completed": (0.30, 0.0, 0.55, 0.09, 0.04, 0.02),
    "claimed": (0.45, 0.45, 0.0, 0.03, 0.05, 0.02),
    "created": (0.30, 0.60, 0.0, 0.03, 0.05, 0.02),
    "deleted": (0.0, 0.0, 0.0, 0.0, 1.0, 0.0),
}
_STAFF_STATE = {
    "available": "active",
    "completed": "completed",
    "claimed": "active",
    "created": "invited",
    "deleted": "deleted",
}
_STRIDES = (7919, 104_729, 1_299_709)
_COLUMNS = ("course_id", "section_id", "user_id", "type", "state", "associated_user_id")


class EnrollmentBuilder:
    """Collects enrollment columns course by course; ``columns()`` gives the finished arrays."""

    def __init__(self, rng: np.random.Generator, users: int) -> None:
        self.rng = rng
        self.pool = users
        self.staff_start = users
        self.staff_size = users // 5 + 50
        self.observer_start = self.staff_start + self.staff_size
        self._parts: dict[str, list[np.ndarray]] = {name: [] for name in _COLUMNS}

    def add_course(
        self,
        course_id: int,
        state: str,
        sections: list[tuple[int, bool]],
        students: int,
        zero: str | None,
        *,
        showcase: bool = False,
    ) -> None:
        takers = [section_id for section_id, takes in sections if takes]
        if students:
            self._students(course_id, state, takers, students, showcase)
        if zero == "empty":
            return
        self._staff(course_id, state, takers[0], students)
        if showcase:
            self._showcase(course_id, takers)
        if students and (showcase or self.rng.random() < 0.3):
            self._test_student(course_id, takers[0])

    def columns(self) -> dict[str, np.ndarray]:
        cols = {
            name: np.concatenate(parts) if parts else np.zeros(0, np.int64)
            for name, parts in self._parts.items()
        }
        cols["id"] = ENROLLMENT_ID_BASE + 1 + np.arange(len(cols["course_id"]), dtype=np.int64)
        return cols

    def _append(
        self,
        course_id: int,
        sections: np.ndarray,
        users: np.ndarray,
        kind: str,
        states: np.ndarray,
        associated: np.ndarray | None = None,
    ) -> None:
        count = len(users)
        self._parts["course_id"].append(np.full(count, course_id, np.int64))
        self._parts["section_id"].append(np.asarray(sections, np.int64))
        self._parts["user_id"].append(USER_ID_BASE + np.asarray(users, np.int64))
        self._parts["type"].append(np.full(count, _T[kind], np.int8))
        self._parts["state"].append(np.asarray(states, np.int8))
        linked = np.zeros(count, np.int64) if associated is None else associated
        self._parts["associated_user_id"].append(np.asarray(linked, np.int64))

    def _distinct(self, start: int, size: int, count: int) -> np.ndarray:
        """``count`` distinct user offsets inside [start, start + size)."""
        count = min(count, size)
        first = int(self.rng.integers(size))
        stride = next(s for s in _STRIDES if np.gcd(s, size) == 1)
        return start + (first + np.arange(count, dtype=np.int64) * stride) % size

    def _students(
        self, course_id: int, state: str, takers: list[int], count: int, showcase: bool
    ) -> None:
        users = self._distinct(0, self.pool, count)
        chances = _STUDENT_STATE_P[state]
        states = self.rng.choice(len(chances), len(users), p=chances)
        if self.rng.random() < 0.05:
            states[0] = _S["creation_pending"]  # added by SIS, the user not yet created
        sections = np.asarray(takers)[self.rng.integers(0, len(takers), len(users))]
        self._append(course_id, sections, users, "StudentEnrollment", states)
        if showcase or self.rng.random() < 0.05:
            watched = self.rng.choice(users, size=min(2, len(users)), replace=False)
            observers = self._distinct(self.observer_start, self.pool, len(watched))
            linked = USER_ID_BASE + watched
            self._append(
                course_id,
                np.full(len(watched), takers[0]),
                observers,
                "ObserverEnrollment",
                np.full(len(watched), _S["active"]),
                linked,
            )

    def _staff(self, course_id: int, state: str, section: int, students: int) -> None:
        code = _S[_STAFF_STATE[state]]
        teachers = 1 + int(self.rng.random() < 0.3)
        tas = min(4, students // 25)
        designers = int(self.rng.random() < 0.1)
        users = self._distinct(self.staff_start, self.staff_size, teachers + tas + designers)
        kinds = (
            ("TeacherEnrollment", users[:teachers]),
            ("TaEnrollment", users[teachers : teachers + tas]),
            ("DesignerEnrollment", users[teachers + tas :]),
        )
        for kind, group in kinds:
            if len(group):
                self._append(
                    course_id, np.full(len(group), section), group, kind, np.full(len(group), code)
                )

    def _test_student(self, course_id: int, section: int) -> None:
        """The course's test student ("Student View"), a user of its own."""
        user = np.array([self.observer_start + 2 * self.pool + course_id % 1_000_000])
        self._append(
            course_id, np.array([section]), user, "StudentViewEnrollment", np.array([_S["active"]])
        )

    def _showcase(self, course_id: int, takers: list[int]) -> None:
        """One student in every state plus one TA and designer, whatever the random draws."""
        count = len(ENROLLMENT_STATES)
        users = self.observer_start + self.pool + np.arange(count + 2)
        sections = np.asarray(takers)[np.arange(count) % len(takers)]
        self._append(course_id, sections, users[:count], "StudentEnrollment", np.arange(count))
        for offset, kind in ((count, "TaEnrollment"), (count + 1, "DesignerEnrollment")):
            self._append(
                course_id,
                np.array([takers[-1]]),
                users[offset : offset + 1],
                kind,
                np.array([_S["active"]]),
            )
