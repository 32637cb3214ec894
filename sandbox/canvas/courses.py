"""The filters of ``GET accounts/:id/courses`` and the course object with its optional includes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sandbox.canvas.paging import flag_arg, list_arg
from sandbox.university.model import University
from sandbox.web import Request

_STATES = ("created", "claimed", "available", "completed", "deleted")
_TYPES = {
    "teacher": "TeacherEnrollment",
    "student": "StudentEnrollment",
    "ta": "TaEnrollment",
    "observer": "ObserverEnrollment",
    "designer": "DesignerEnrollment",
}
_TERM_FIELDS = (
    "id",
    "name",
    "start_at",
    "end_at",
    "created_at",
    "workflow_state",
    "grading_period_group_id",
)


@dataclass(frozen=True)
class CourseQuery:
    """The parsed filters; ``key()`` makes equal queries share one cached id list."""

    account_id: int
    term_id: int | None
    published: bool | None
    states: tuple[str, ...]
    with_enrollments: bool | None
    enrollment_types: tuple[str, ...] | None

    @classmethod
    def from_request(cls, uni: University, account_id: int, request: Request) -> CourseQuery:
        """Raises LookupError for an unknown term and ValueError for a bad state or type."""
        return cls(
            account_id=account_id,
            term_id=_term_id(uni, request.arg("enrollment_term_id")),
            published=flag_arg(request, "published"),
            states=_states(list_arg(request, "state")),
            with_enrollments=flag_arg(request, "with_enrollments"),
            enrollment_types=_types(list_arg(request, "enrollment_type")),
        )

    def key(self) -> tuple:
        return (
            self.account_id,
            self.term_id,
            self.published,
            self.states,
            self.with_enrollments,
            self.enrollment_types,
        )

    def course_ids(self, uni: University) -> list[int]:
        return [c["id"] for c in uni.courses_under(self.account_id) if self._keeps(uni, c)]

    def _keeps(self, uni: University, course: dict[str, Any]) -> bool:
        state = uni.course_states[course["id"]]
        if state not in self.states:
            return False
        if self.term_id is not None and course["enrollment_term_id"] != self.term_id:
            return False
        # ``published=true`` is ``available`` only (completed courses are not returned);
        # ``published=false`` is ``created`` and ``claimed``.
        if self.published is True and state != "available":
            return False
        if self.published is False and state not in ("created", "claimed"):
            return False
        if self.enrollment_types and not uni.has_enrollments(course["id"], self.enrollment_types):
            return False
        if self.with_enrollments is not None:
            return uni.has_enrollments(course["id"]) == self.with_enrollments
        return True


def _term_id(uni: University, raw: str | None) -> int | None:
    if raw is None or raw == "":
        return None
    if raw.startswith("sis_term_id:"):
        sis = raw.split(":", 1)[1]
        found = [t["id"] for t in uni.terms if t["sis_term_id"] == sis]
        if not found:
            raise LookupError(raw)
        return found[0]
    if not raw.isdigit() or int(raw) not in uni.term_by_id:
        raise LookupError(raw)
    return int(raw)


def _states(raw: list[str]) -> tuple[str, ...]:
    if not raw:
        return tuple(s for s in _STATES if s != "deleted")
    if "all" in raw:
        return _STATES
    chosen = set()
    for state in raw:
        if state == "unpublished":
            chosen |= {"created", "claimed"}
        elif state in _STATES:
            chosen.add(state)
        else:
            raise ValueError(f"Invalid state {state!r}")
    return tuple(s for s in _STATES if s in chosen)


def _types(raw: list[str]) -> tuple[str, ...] | None:
    unknown = [t for t in raw if t not in _TYPES]
    if unknown:
        raise ValueError(f"Invalid enrollment_type {unknown[0]!r}")
    return tuple(sorted(_TYPES[t] for t in set(raw))) or None


def course_view(uni: University, course: dict[str, Any], includes: set[str]) -> dict[str, Any]:
    """A copy of the course with the requested ``include[]`` extras."""
    view = dict(course)
    if "total_students" in includes:
        view["total_students"] = uni.total_students(course["id"])
    if "term" in includes:
        term = uni.term_by_id[course["enrollment_term_id"]]
        view["term"] = {name: term[name] for name in _TERM_FIELDS}
    if "account_name" in includes:
        view["account_name"] = uni.account_by_id[course["account_id"]]["name"]
    return view
