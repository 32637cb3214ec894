"""The header grammar of the grade, problem grade and profile reports, parsed exactly."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

ColumnKind = Literal["subsection", "average", "single", "earned", "possible"]

GRADE_HEAD = ("Student ID", "Email", "Username", "Grade")
GRADE_TAIL = (
    "Enrollment Track",
    "Verification Status",
    "Certificate Eligible",
    "Certificate Delivered",
    "Certificate Type",
    "Enrollment Status",
)
PROBLEM_HEAD = ("Student ID", "Email", "Username", "Enrollment Status", "Grade")
PROFILE_STANDARD = (
    "id",
    "username",
    "name",
    "email",
    "language",
    "location",
    "year_of_birth",
    "gender",
    "level_of_education",
    "mailing_address",
    "goals",
    "enrollment_mode",
    "verification_status",
    "last_login",
    "date_joined",
    "external_user_key",
    "enrollment_date",
    "cohort",
    "team",
    "city",
    "country",
)
_EXPERIMENT = re.compile(r"Experiment Group \((?P<partition>.*)\)")
_SUBSECTION = re.compile(r"(?P<type>.+?) (?P<index>\d+): (?P<rest>.*)", re.DOTALL)
_AVERAGE_SUFFIX = " (Avg)"
_PROBLEM_SEPARATOR = " - "


class HeaderError(ValueError):
    """A report header that does not follow edx-platform's grammar."""


@dataclass(frozen=True)
class GradeColumn:
    """One graded column of a report (problem columns come as Earned/Possible pairs)."""

    index: int  # position in the header, 0-based
    header: str
    kind: ColumnKind
    assignment_type: str
    subsection_index: int | None
    subsection_name: str | None = None
    problem_name: str | None = None


@dataclass(frozen=True)
class GradeHeader:
    """A parsed grade report header."""

    columns: tuple[GradeColumn, ...]
    cohort: int | None  # column positions of the optional learner columns
    experiments: tuple[tuple[str, int], ...]  # (partition name, position)
    team: int | None
    tail_start: int
    width: int

    @property
    def learner_positions(self) -> list[int]:
        """Positions of the columns that describe the learner rather than grade them."""
        optional = [p for p in (self.cohort, self.team) if p is not None]
        experiments = [position for _, position in self.experiments]
        return sorted([0, 1, 2, 3, *optional, *experiments, *range(self.tail_start, self.width)])


def parse_grade_header(header: Sequence[str]) -> GradeHeader:
    """Parse ``Student ID, Email, Username, Grade, <graded columns>, <learner columns>``.

    A run of ``"{type} {i}: {name}"`` columns closed by ``"{type} (Avg)"`` is a type with several
    graded subsections; any other graded column is a type with exactly one, named ``"{type}"``.
    """
    header = list(header)
    if tuple(header[:4]) != GRADE_HEAD:
        raise HeaderError(f"grade report header starts {header[:4]}, expected {list(GRADE_HEAD)}")
    tail_start = len(header) - len(GRADE_TAIL)
    if tail_start < 4 or tuple(header[tail_start:]) != GRADE_TAIL:
        raise HeaderError(
            f"grade report header ends {header[-len(GRADE_TAIL) :]}, expected {list(GRADE_TAIL)}"
        )
    end = tail_start
    team = end - 1 if end > 4 and header[end - 1] == "Team Name" else None
    end = team if team is not None else end
    experiments: list[tuple[str, int]] = []
    while end > 4 and (match := _EXPERIMENT.fullmatch(header[end - 1])):
        end -= 1
        experiments.insert(0, (match["partition"], end))
    cohort = end - 1 if end > 4 and header[end - 1] == "Cohort Name" else None
    end = cohort if cohort is not None else end
    columns = _graded_columns(header, 4, end)
    return GradeHeader(tuple(columns), cohort, tuple(experiments), team, tail_start, len(header))


def _graded_columns(header: list[str], start: int, end: int) -> list[GradeColumn]:
    columns: list[GradeColumn] = []
    pending: list[int] = []
    for position in range(start, end):
        text = header[position]
        if not text.endswith(_AVERAGE_SUFFIX):
            pending.append(position)
            continue
        kind = text.removesuffix(_AVERAGE_SUFFIX)
        group = _subsection_run(header, pending, kind)
        if not group:
            raise HeaderError(f"column {text!r} averages no {kind!r} subsection columns")
        singles = pending[: len(pending) - len(group)]
        columns += [_single(header, p) for p in singles]
        columns += group
        columns.append(GradeColumn(position, text, "average", kind, None))
        pending = []
    columns += [_single(header, p) for p in pending]
    return columns


def _subsection_run(header: list[str], pending: list[int], kind: str) -> list[GradeColumn]:
    """The longest tail of ``pending`` numbered ``{kind} 1: ...`` up to ``{kind} n: ...``."""
    lead = f"{kind} "
    for size in range(len(pending), 1, -1):
        run = pending[len(pending) - size :]
        names = [_numbered(header[p], lead, i) for i, p in enumerate(run, start=1)]
        if all(name is not None for name in names):
            return [
                GradeColumn(p, header[p], "subsection", kind, i, name)
                for i, (p, name) in enumerate(zip(run, names, strict=True), start=1)
            ]
    return []


def _numbered(text: str, lead: str, number: int) -> str | None:
    marker = f"{lead}{number}: "
    return text[len(marker) :] if text.startswith(marker) else None


def _single(header: list[str], position: int) -> GradeColumn:
    return GradeColumn(position, header[position], "single", header[position], 1)


def parse_problem_header(
    header: Sequence[str], known: Mapping[tuple[str, int], str] | None = None
) -> tuple[GradeColumn, ...]:
    """Parse ``Student ID, Email, Username, Enrollment Status, Grade`` then column pairs
    ``"{type} {i}: {subsection} - {problem} (Earned)"`` / ``"... (Possible)"``.

    Args:
        header: the header row.
        known: subsection names by (type, number), from the same course's grade report; they
            settle where the subsection name ends when names themselves contain ``" - "``.
    """
    header = list(header)
    if tuple(header[:5]) != PROBLEM_HEAD:
        raise HeaderError(
            f"problem grade report header starts {header[:5]}, expected {list(PROBLEM_HEAD)}"
        )
    if (len(header) - 5) % 2:
        raise HeaderError("problem grade report has an odd number of problem columns")
    bases = [_problem_base(header, position) for position in range(5, len(header), 2)]
    subsections = _subsection_names(bases, known or {})
    columns = []
    for position, kind, number, rest in bases:
        subsection = subsections[(kind, number)]
        problem = rest[len(subsection) + len(_PROBLEM_SEPARATOR) :]
        measures: tuple[tuple[int, ColumnKind], ...] = ((0, "earned"), (1, "possible"))
        for offset, measure in measures:
            column = GradeColumn(
                position + offset,
                header[position + offset],
                measure,
                kind,
                number,
                subsection,
                problem,
            )
            columns.append(column)
    return tuple(columns)


def _problem_base(header: list[str], position: int) -> tuple[int, str, int, str]:
    earned, possible = header[position], header[position + 1]
    base = earned.removesuffix(" (Earned)")
    if base == earned or possible != f"{base} (Possible)":
        raise HeaderError(f"columns {earned!r}, {possible!r} are not an Earned/Possible pair")
    match = _SUBSECTION.fullmatch(base)
    if not match or _PROBLEM_SEPARATOR not in match["rest"]:
        raise HeaderError(
            f"problem column {base!r} is not '{{type}} {{i}}: {{subsection}} - {{problem}}'"
        )
    return position, match["type"], int(match["index"]), match["rest"]


def _subsection_names(
    bases: list[tuple[int, str, int, str]], known: Mapping[tuple[str, int], str]
) -> dict[tuple[str, int], str]:
    """Where ``"{subsection} - {problem}"`` splits, per subsection.

    The grade report's name for the subsection wins when every problem column starts with it;
    otherwise the split is at the first separator shared by all the subsection's problems
    (the grammar alone cannot tell ``"A - B" - "C"`` from ``"A" - "B - C"``).
    """
    groups: dict[tuple[str, int], list[str]] = {}
    for _, kind, number, rest in bases:
        groups.setdefault((kind, number), []).append(rest)
    names = {}
    for key, rests in groups.items():
        name = known.get(key)
        if name is not None and all(r.startswith(name + _PROBLEM_SEPARATOR) for r in rests):
            names[key] = name
            continue
        candidates = [_prefixes(rest) for rest in rests]
        common = set(candidates[0]).intersection(*candidates[1:])
        if not common:
            raise HeaderError(
                f"problem columns of {key[0]} {key[1]} share no subsection name: {rests[:3]}"
            )
        names[key] = min(common, key=len)
    return names


def known_subsections(columns: Sequence[GradeColumn]) -> dict[tuple[str, int], str]:
    """Subsection names by (type, number) from a parsed grade report header."""
    return {
        (c.assignment_type, c.subsection_index): c.subsection_name
        for c in columns
        if c.kind == "subsection" and c.subsection_index is not None and c.subsection_name
    }


def _prefixes(rest: str) -> list[str]:
    found, start = [], 0
    while (at := rest.find(_PROBLEM_SEPARATOR, start)) >= 0:
        found.append(rest[:at])
        start = at + 1
    return found


def split_profile_header(header: Sequence[str]) -> tuple[list[str], list[str]]:
    """The profile report's standard feature columns and the site's extra ones, in order."""
    header = list(header)
    if "id" not in header or "username" not in header:
        raise HeaderError(f"profile report header lacks id or username: {header[:6]}")
    if len(set(header)) != len(header):
        raise HeaderError("profile report header repeats a column")
    standard = [c for c in header if c in PROFILE_STANDARD]
    return standard, [c for c in header if c not in PROFILE_STANDARD]
