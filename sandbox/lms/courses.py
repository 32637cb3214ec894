"""Synthetic Open edX courses: grading policies, learners and their deterministic scores."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from sandbox.university.naming import user_names

# Per-problem states of a learner's score.
ATTEMPTED, NOT_ATTEMPTED, NOT_AVAILABLE = 0, 1, 2


@dataclass(frozen=True)
class Subsection:
    name: str
    problems: tuple[tuple[str, float], ...]  # (display name, possible points)


@dataclass(frozen=True)
class AssignmentType:
    name: str
    weight: float
    drop: int
    subsections: tuple[Subsection, ...]


@dataclass(frozen=True)
class Learner:
    id: int
    username: str
    email: str
    name: str
    active: bool
    mode: str
    cohort: str
    team: str
    groups: tuple[str, ...]


@dataclass
class LmsCourse:
    """One course run and everything its three reports are made from."""

    course_id: str
    policy: tuple[AssignmentType, ...]
    learner_count: int
    seed: int
    cohorts: tuple[str, ...] = ()
    partitions: tuple[tuple[str, tuple[str, ...]], ...] = ()
    teams: tuple[str, ...] = ()
    master_course_id: str | None = None
    first_user_id: int = 1000
    _scores: np.ndarray | None = field(default=None, init=False, repr=False)

    @cached_property
    def problems(self) -> list[tuple[AssignmentType, int, Subsection, str, float]]:
        """Every scorable problem: (type, subsection number, subsection, name, possible)."""
        return [
            (kind, number, sub, name, possible)
            for kind in self.policy
            for number, sub in enumerate(kind.subsections, start=1)
            for name, possible in sub.problems
        ]

    @cached_property
    def learners(self) -> list[Learner]:
        rng = np.random.default_rng(self.seed)
        people = []
        for k in range(self.learner_count):
            user_id = self.first_user_id + k
            picks = rng.integers(0, 1000, size=3 + len(self.partitions))
            groups = tuple(g[picks[3 + i] % len(g)] for i, (_, g) in enumerate(self.partitions))
            people.append(
                Learner(
                    id=user_id,
                    username=f"learner{user_id}",
                    email=f"learner{user_id}@sandbox.example.edu",
                    name=user_names(user_id)["name"],
                    active=k % 17 != 5,
                    mode=("audit", "verified", "honor")[picks[0] % 3],
                    cohort=self.cohorts[picks[1] % len(self.cohorts)] if self.cohorts else "",
                    team=self.teams[picks[2] % len(self.teams)] if self.teams and k % 4 else "",
                    groups=groups,
                )
            )
        return people

    @cached_property
    def states(self) -> np.ndarray:
        """learners x problems: ATTEMPTED, NOT_ATTEMPTED or NOT_AVAILABLE."""
        rng = np.random.default_rng(self.seed + 1)
        draw = rng.random((self.learner_count, len(self.problems)))
        states = np.where(draw < 0.75, ATTEMPTED, NOT_ATTEMPTED)
        states[draw > 0.97] = NOT_AVAILABLE
        return states

    @cached_property
    def earned(self) -> np.ndarray:
        rng = np.random.default_rng(self.seed + 2)
        possible = np.array([p[4] for p in self.problems])
        points = np.round(rng.random((self.learner_count, len(self.problems))) * possible)
        return np.where(self.states == ATTEMPTED, points, 0.0)


def default_courses() -> list[LmsCourse]:
    """The sandbox catalogue: each grading policy exercises a part of the header grammar."""
    homework = AssignmentType(
        "Homework",
        0.4,
        1,
        tuple(
            Subsection(f"Week {w}: Practice", ((f"Problem {w}.1", 2.0), (f"Problem {w}.2", 3.0)))
            for w in range(1, 4)
        ),
    )
    lab = AssignmentType(
        "Lab",
        0.2,
        0,
        (
            Subsection("Lab - Setup", (("Check - Python", 1.0), ("Check - Data", 1.0))),
            Subsection("Lab - Regression", (("Fit", 4.0),)),
        ),
    )
    final = AssignmentType(
        "Final Exam", 0.4, 0, (Subsection("Final Exam", (("Part A", 10.0), ("Part B", 10.0))),)
    )
    midterm = AssignmentType("Midterm Exam", 0.5, 0, (Subsection("Midterm", (("Q1", 5.0),)),))
    quiz = AssignmentType(
        "Quiz",
        0.5,
        0,
        tuple(Subsection(f"Quiz {q}", ((f"Question {q}", 1.0),)) for q in range(1, 3)),
    )
    stats = "course-v1:SandboxU+STATS101+2026_Fall"
    return [
        LmsCourse(
            stats,
            (homework, lab, final),
            40,
            seed=11,
            cohorts=("Section A", "Section B", "Ünïcode Cohort"),
            partitions=(("Hint Experiment", ("control", "hints")),),
            teams=("Team Red", "Team Blue"),
        ),
        LmsCourse("edX/DemoX/Demo_Course", (quiz, midterm), 25, seed=12, first_user_id=3000),
        LmsCourse(
            "course-v1:SandboxU+MATH 201+2026 Spring",
            (homework, midterm),
            15,
            seed=13,
            first_user_id=5000,
            cohorts=("Default Group",),
        ),
        LmsCourse(
            "ccx-v1:SandboxU+STATS101+2026_Fall+ccx@3",
            (homework, final),
            12,
            seed=14,
            first_user_id=1000,
            master_course_id=stats,
        ),
    ]
