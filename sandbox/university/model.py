"""The synthetic university: Canvas-shaped records, indexes, and the truth tests compare to."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from sandbox.university import details
from sandbox.university.records import STUDENT, CourseDetails, EnrollmentTable, state_codes

KEPT_STATES = ("active", "invited", "completed", "inactive")
# Real people's enrollments: the test student (StudentViewEnrollment) is not one.
KEPT_TYPES = (
    "StudentEnrollment",
    "TeacherEnrollment",
    "TaEnrollment",
    "ObserverEnrollment",
    "DesignerEnrollment",
)
LTI_TOOL_IDS = (details.ZOOM_TOOL_ID, details.BLUEJEANS_TOOL_ID)
# Canvas counts a student unless the enrollment is rejected, deleted or inactive.
_COUNTED_STATES = ("active", "invited", "completed")


@dataclass
class University:
    """Everything the Canvas emulator serves. Courses include deleted ones; ``course_ids`` not.

    ``tabs``, ``activity`` and ``audit`` map a (non-deleted) course id to its list of dicts and
    are built on first access.
    """

    size: str
    seed: int
    now: datetime
    accounts: list[dict[str, Any]]
    terms: list[dict[str, Any]]
    courses: list[dict[str, Any]]
    sections: list[dict[str, Any]]
    enrollments: EnrollmentTable
    course_states: dict[int, str]  # internal state: created/claimed/available/completed/deleted
    restricted_course_ids: frozenset[int]
    showcase_course_id: int
    root_account_id: int = 1
    long_audit_course_id: int = 500007  # its first ``published`` event is on page 2
    course_ids: list[int] = field(init=False)
    tabs: CourseDetails = field(init=False, repr=False)
    activity: CourseDetails = field(init=False, repr=False)
    audit: CourseDetails = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.account_by_id = {a["id"]: a for a in self.accounts}
        self.term_by_id = {t["id"]: t for t in self.terms}
        self.course_by_id = {c["id"]: c for c in self.courses}
        self.section_by_id = {s["id"]: s for s in self.sections}
        self.course_ids = [c["id"] for c in self.courses if c["workflow_state"] != "deleted"]
        self.sections_by_course: dict[int, list[dict[str, Any]]] = {}
        for section in sorted(self.sections, key=lambda s: (s["name"], s["id"])):
            self.sections_by_course.setdefault(section["course_id"], []).append(section)
        self._children: dict[int, list[int]] = {}
        for account in self.accounts:
            if account["parent_account_id"] is not None:
                self._children.setdefault(account["parent_account_id"], []).append(account["id"])
        self._students = self._count_students()
        self.tabs = CourseDetails(self.course_ids, functools.partial(details.tabs, self))
        self.activity = CourseDetails(self.course_ids, functools.partial(details.activity, self))
        self.audit = CourseDetails(self.course_ids, functools.partial(details.audit_events, self))

    @property
    def warehouse_date(self) -> datetime:
        """When the warehouse (UDW) last loaded Canvas data, as its metadata table says."""
        return self.now - timedelta(hours=27)

    def _count_students(self) -> dict[int, int]:
        table = self.enrollments
        mask = (table.type == STUDENT) & np.isin(table.state, state_codes(_COUNTED_STATES))
        pairs = np.unique(np.stack([table.course_id[mask], table.user_id[mask]]), axis=1)
        courses, counts = np.unique(pairs[0], return_counts=True)
        return {int(c): int(n) for c, n in zip(courses, counts, strict=True)}

    # ----- lookups the emulator uses -----------------------------------------------------

    def has_course(self, course_id: int) -> bool:
        """Whether a course with this id exists and is not deleted."""
        return course_id in self.tabs

    def total_students(self, course_id: int) -> int:
        return self._students.get(course_id, 0)

    def subaccount_ids(self, account_id: int, recursive: bool = True) -> list[int]:
        """Ids of the account's sub-accounts, depth first, without the account itself."""
        found = []
        for child in self._children.get(account_id, []):
            found.append(child)
            if recursive:
                found.extend(self.subaccount_ids(child))
        return found

    @functools.cached_property
    def _course_ids_by_account(self) -> dict[int, list[int]]:
        owned: dict[int, list[int]] = {}
        for course in self.courses:
            owned.setdefault(course["account_id"], []).append(course["id"])
        return owned

    def courses_under(self, account_id: int) -> list[dict[str, Any]]:
        """Courses (deleted included) of the account and all its sub-accounts, by id."""
        ids = []
        for owner in [account_id, *self.subaccount_ids(account_id)]:
            ids.extend(self._course_ids_by_account.get(owner, []))
        return [self.course_by_id[i] for i in sorted(ids)]

    def has_students(self, course_id: int) -> bool:
        """Whether the course has a non-deleted student enrollment (test students aside)."""
        return self.has_enrollments(course_id, ["StudentEnrollment"])

    def has_enrollments(self, course_id: int, types: Iterable[str] | None = None) -> bool:
        """Whether the course has a non-deleted enrollment (of the given types)."""
        states = ("active", "invited", "completed", "inactive", "rejected")
        return len(self.enrollments.select(course_id, states, types)) > 0

    # ----- truth for tests -----------------------------------------------------------------

    def expected_courses(
        self,
        term_ids: Iterable[int],
        keep_without_students: bool = False,
        account_id: int = 1,
    ) -> list[dict[str, Any]]:
        """Non-deleted courses of these terms under the account, minus those without students."""
        terms = set(term_ids)
        return [
            c
            for c in self.courses_under(account_id)
            if c["enrollment_term_id"] in terms
            and c["workflow_state"] != "deleted"
            and (keep_without_students or self.total_students(c["id"]) > 0)
        ]

    def expected_course_ids(
        self, term_ids: Iterable[int], keep_without_students: bool = False
    ) -> list[int]:
        return [c["id"] for c in self.expected_courses(term_ids, keep_without_students)]

    def expected_sections(self, course_ids: Iterable[int]) -> list[dict[str, Any]]:
        """Sections listed under these courses (cross-listed ones under their new course)."""
        return [s for cid in sorted(set(course_ids)) for s in self.sections_by_course.get(cid, [])]

    def expected_enrollments(
        self,
        course_ids: Iterable[int] | None = None,
        states: Iterable[str] | None = KEPT_STATES,
        types: Iterable[str] | None = KEPT_TYPES,
    ) -> list[dict[str, Any]]:
        """Enrollment rows (id, course_id, course_section_id, user_id, type, enrollment_state)."""
        chosen = self.course_ids if course_ids is None else course_ids
        rows: list[dict[str, Any]] = []
        for course_id in sorted(set(chosen)):
            rows.extend(
                self.enrollments.row(int(i))
                for i in self.enrollments.select(
                    course_id, None if states is None else tuple(states), types
                )
            )
        return rows

    def expected_accounts(self, course_ids: Iterable[int]) -> list[dict[str, Any]]:
        """Accounts that own at least one of these courses."""
        owners = {self.course_by_id[cid]["account_id"] for cid in course_ids}
        return [self.account_by_id[a] for a in sorted(owners)]

    def expected_usage(self, course_ids: Iterable[int]) -> list[dict[str, Any]]:
        """Daily activity rows (course_id, date, views, participations) of available courses."""
        return [
            {"course_id": cid, **day}
            for cid in sorted(set(course_ids))
            if self.course_states.get(cid) == "available" and self.has_students(cid)
            for day in self.activity[cid]
        ]

    def published_at(self, course_id: int, which: str = "first") -> str | None:
        """Timestamp of the first (or "last") ``published`` audit event, or None."""
        stamps = [e["created_at"] for e in self.audit[course_id] if e["event_type"] == "published"]
        if not stamps:
            return None
        # Stamps may carry offsets (``-04:00``): compare instants, not strings.
        pick = min if which == "first" else max
        return pick(stamps, key=datetime.fromisoformat)

    def expected_published_at(
        self, course_ids: Iterable[int], which: str = "first"
    ) -> dict[int, str | None]:
        """Published timestamps of the available courses among ``course_ids``."""
        return {
            cid: self.published_at(cid, which)
            for cid in sorted(set(course_ids))
            if self.course_states.get(cid) == "available"
        }

    def expected_lti_placements(
        self,
        term_ids: Iterable[int],
        add_course_ids: Iterable[int] = (),
        tool_ids: Iterable[int] = LTI_TOOL_IDS,
    ) -> set[tuple[int, int]]:
        """(course_id, tool_id) of visible known-tool tabs in published courses of the terms.

        Published means available, as Canvas' ``published=true`` filter does.
        Added course ids count unless deleted, unknown or access-restricted.
        """
        terms = set(term_ids)
        chosen = {
            c["id"]
            for c in self.courses_under(self.root_account_id)
            if c["enrollment_term_id"] in terms and self.course_states[c["id"]] == "available"
        }
        chosen |= {
            cid
            for cid in add_course_ids
            if self.has_course(cid) and cid not in self.restricted_course_ids
        }
        tools = set(tool_ids)
        prefix = "context_external_tool_"
        return {
            (cid, int(tab["id"][len(prefix) :]))
            for cid in chosen
            for tab in self.tabs[cid]
            if tab["id"].startswith(prefix)
            and int(tab["id"][len(prefix) :]) in tools
            and not tab.get("hidden")
        }
