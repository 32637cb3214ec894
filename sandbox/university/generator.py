"""Seeded generator of a consistent synthetic Canvas university at three sizes."""

from __future__ import annotations

import logging
import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from sandbox.university import naming
from sandbox.university.accounts import (
    DEFAULT_TERM,
    FALL_TERM,
    ROOT_ACCOUNT_ID,
    WINTER_TERM,
    iso,
    make_accounts,
    make_terms,
)
from sandbox.university.enrollments import EnrollmentBuilder
from sandbox.university.model import University
from sandbox.university.records import EnrollmentTable

logger = logging.getLogger(__name__)

NOW = datetime(2026, 11, 20, 3, 14, 15, tzinfo=UTC)
COURSE_ID_BASE = 500_000
SECTION_ID_BASE = 700_000


@dataclass(frozen=True)
class SizeSpec:
    courses: int
    colleges: int
    departments: int  # per college
    mean_students: float
    users: int


SIZES = {
    "tiny": SizeSpec(courses=30, colleges=2, departments=2, mean_students=8.0, users=300),
    "demo": SizeSpec(courses=300, colleges=4, departments=3, mean_students=30.0, users=4_000),
    "large": SizeSpec(
        courses=10_000, colleges=12, departments=6, mean_students=52.0, users=120_000
    ),
    # The scale of the largest Canvas instances: about 30,000 courses, 1.5 million enrollments.
    "xlarge": SizeSpec(
        courses=30_000, colleges=16, departments=8, mean_students=52.0, users=300_000
    ),
}

# The first courses are pinned so every size (and every seed) has each edge case.
_PINNED: dict[int, dict] = {
    0: {"term": FALL_TERM, "state": "available", "students": 14, "showcase": True},
    1: {"term": FALL_TERM, "state": "available", "students": 0, "zero": "teacher_only"},
    2: {"term": FALL_TERM, "state": "available", "students": 0, "zero": "empty"},
    3: {"term": FALL_TERM, "state": "claimed", "students": 5, "sis": False},
    4: {"term": FALL_TERM, "state": "completed", "students": 9},
    5: {"term": FALL_TERM, "state": "available", "students": 12, "xlist_from": 0},
    6: {"term": WINTER_TERM, "state": "available", "students": 7},
    7: {"term": DEFAULT_TERM, "state": "available", "students": 4, "sis": False},
    8: {"term": FALL_TERM, "state": "deleted", "students": 3},
    9: {"term": WINTER_TERM, "state": "created", "students": 0, "zero": "empty"},
}
_TERM_WEIGHTS = ((FALL_TERM, 0.55), (WINTER_TERM, 0.35), (DEFAULT_TERM, 0.10))
_STATE_WEIGHTS = {
    FALL_TERM: (
        ("available", 0.75),
        ("claimed", 0.06),
        ("created", 0.04),
        ("completed", 0.10),
        ("deleted", 0.05),
    ),
    WINTER_TERM: (("available", 0.40), ("claimed", 0.35), ("created", 0.20), ("deleted", 0.05)),
    DEFAULT_TERM: (("available", 0.40), ("completed", 0.40), ("claimed", 0.15), ("deleted", 0.05)),
}
_CREATED_WINDOW = {
    FALL_TERM: (datetime(2026, 4, 1, tzinfo=UTC), 140),
    WINTER_TERM: (datetime(2026, 9, 15, tzinfo=UTC), 60),
    DEFAULT_TERM: (datetime(2025, 1, 1, tzinfo=UTC), 600),
}


def build_university(size: str = "tiny", seed: int = 7) -> University:
    """Build the synthetic university; the same size and seed always give the same data."""
    if size not in SIZES:
        raise ValueError(f"unknown sandbox size {size!r}; expected one of {sorted(SIZES)}")
    spec = SIZES[size]
    rng = random.Random(seed)
    accounts = make_accounts(spec.colleges, spec.departments, rng)
    builder = _CourseBuilder(spec, rng, np.random.default_rng(seed), accounts)
    for index in range(spec.courses):
        builder.add_course(index)
    candidates = [c["id"] for c in builder.courses[10:] if c["workflow_state"] != "deleted"]
    restricted = rng.sample(candidates, min(len(candidates), max(2, spec.courses // 100)))
    logger.debug("sandbox university %s: %d courses", size, len(builder.courses))
    return University(
        size=size,
        seed=seed,
        now=NOW,
        accounts=accounts,
        terms=make_terms(),
        courses=builder.courses,
        sections=builder.sections,
        enrollments=EnrollmentTable(builder.enrollments.columns()),
        course_states=builder.states,
        restricted_course_ids=frozenset(restricted),
        showcase_course_id=COURSE_ID_BASE + 1,
    )


class _CourseBuilder:
    """Appends one course at a time with its sections and enrollments."""

    def __init__(
        self, spec: SizeSpec, rng: random.Random, nprng: np.random.Generator, accounts: list[dict]
    ) -> None:
        self.spec, self.rng = spec, rng
        self.courses: list[dict] = []
        self.sections: list[dict] = []
        self.states: dict[int, str] = {}
        self.enrollments = EnrollmentBuilder(nprng, spec.users)
        leaf = [a["id"] for a in accounts if a["parent_account_id"] not in (None, 1)]
        mid = [a["id"] for a in accounts if a["parent_account_id"] == 1]
        self._owner_pool = leaf * 16 + mid * 3 + [ROOT_ACCOUNT_ID]
        self._by_term: dict[int, list[dict]] = {}

    def add_course(self, index: int) -> None:
        pinned = _PINNED.get(index, {})
        term = pinned.get("term") or _weighted(self.rng, _TERM_WEIGHTS)
        state = pinned.get("state") or _weighted(self.rng, _STATE_WEIGHTS[term])
        course = self._course(index, term, state, pinned.get("sis", self.rng.random() < 0.85))
        self.courses.append(course)
        self.states[course["id"]] = state
        if state != "deleted":
            self._by_term.setdefault(term, []).append(course)
        students = pinned.get("students")
        zero = pinned.get("zero")
        if students is None:
            students, zero = self._student_count()
        xlist = self._xlist_origin(pinned, course, term)
        sections = self._sections(course, students, xlist, showcase="showcase" in pinned)
        self.enrollments.add_course(
            course["id"], state, sections, students, zero, showcase="showcase" in pinned
        )

    def _student_count(self) -> tuple[int, str | None]:
        if self.rng.random() < 0.08:
            return 0, self.rng.choice(("teacher_only", "empty"))
        mean = self.spec.mean_students
        mu = math.log(mean) - 0.32
        return max(1, min(int(self.rng.lognormvariate(mu, 0.8)), 900)), None

    def _course(self, index: int, term: int, state: str, with_sis: bool) -> dict:
        course_id = COURSE_ID_BASE + index + 1
        subject, number, title = naming.course_title(self.rng, index)
        start, days = _CREATED_WINDOW[term]
        created = start + timedelta(days=self.rng.uniform(0, days))
        term_sis = {FALL_TERM: "2310", WINTER_TERM: "2320"}.get(term)
        sis = f"{term_sis or '0000'}{subject}{number}{index:05d}" if with_sis else None
        public_state = "unpublished" if state in ("created", "claimed") else state
        return {
            "id": course_id,
            "name": title,
            "course_code": f"{subject} {number}",
            "sis_course_id": sis,
            "uuid": f"{self.rng.getrandbits(160):040x}",
            "integration_id": None,
            "sis_import_id": None,
            "workflow_state": public_state,
            "account_id": self.rng.choice(self._owner_pool),
            "root_account_id": 1,
            "enrollment_term_id": term,
            "created_at": iso(created),
            "start_at": iso(created + timedelta(days=20)) if self.rng.random() < 0.3 else None,
            "end_at": None,
            "grading_standard_id": None,
            "is_public": False,
            "is_public_to_auth_users": False,
            "public_syllabus": False,
            "public_syllabus_to_auth": False,
            "storage_quota_mb": 500,
            "locale": None,
            "default_view": self.rng.choice(("modules", "wiki", "feed", "syllabus")),
            "apply_assignment_group_weights": False,
            "hide_final_grades": False,
            "license": "private",
            "time_zone": "America/Detroit",
            "blueprint": False,
            "template": False,
            "restrict_enrollments_to_course_dates": False,
            "calendar": {
                "ics": f"https://canvas.sandbox.test/feeds/calendars/course_{course_id}.ics"
            },
        }

    def _xlist_origin(self, pinned: dict, course: dict, term: int) -> dict | None:
        if "xlist_from" in pinned:
            return self.courses[pinned["xlist_from"]]
        peers = self._by_term.get(term, [])
        if len(peers) > 10 and course["workflow_state"] != "deleted" and self.rng.random() < 0.03:
            return self.rng.choice(peers[:-1])
        return None

    def _sections(
        self, course: dict, students: int, xlist: dict | None, showcase: bool
    ) -> list[tuple[int, bool]]:
        """Append the course's sections; returns (section id, takes students) pairs."""
        made = [(self._section(course, course["name"], course["sis_course_id"]), True)]
        for k in range(1, min(5, students // 40) + 1):
            kind = ("LEC", "LAB", "DIS")[k % 3]
            name = f"{course['course_code']} {kind} {k:03d}"
            sis = f"{course['sis_course_id']}{k:03d}" if course["sis_course_id"] else None
            made.append((self._section(course, name, sis), True))
        if xlist is not None:
            sis = f"{xlist['sis_course_id']}X" if xlist["sis_course_id"] else None
            name = f"{xlist['course_code']} XLIST 001"
            made.append((self._section(course, name, sis, origin=xlist["id"]), True))
        if showcase or self.rng.random() < 0.05:
            made.append((self._section(course, "Waitlist (no students) ⏳", None), False))
        return made

    def _section(self, course: dict, name: str, sis: str | None, origin: int | None = None) -> int:
        section_id = SECTION_ID_BASE + len(self.sections) + 1
        if sis is not None and self.rng.random() < 0.1:
            sis = None
        self.sections.append(
            {
                "id": section_id,
                "course_id": course["id"],
                "name": name,
                "sis_section_id": sis,
                "integration_id": None,
                "sis_import_id": None,
                "sis_course_id": course["sis_course_id"],
                "start_at": None,
                "end_at": None,
                "restrict_enrollments_to_section_dates": False,
                "nonxlist_course_id": origin,
                "created_at": course["created_at"],
            }
        )
        return section_id


def _weighted(rng: random.Random, weights: tuple[tuple, ...]) -> Any:
    values = [value for value, _ in weights]
    return rng.choices(values, [weight for _, weight in weights])[0]
