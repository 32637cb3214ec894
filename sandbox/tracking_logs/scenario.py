"""The sandbox courses' learners and what each did, as tracking-log events with known timing.

Every session lies inside one local day, its gaps are drawn from known ranges and sessions are
at least four hours apart, so each time-spent definition has a closed-form expected value.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

COURSES = ("course-v1:SandboxU+DATA101+2024_T1", "SandboxU/HIST200/2024_Spring")
START = date(2024, 3, 4)  # a Monday
GAP_KINDS = ((20, 110), (130, 590), (620, 1700))
STAFF = "prof_rivera"
EXCLUDED = "audit_bot"


@dataclass
class Event:
    """One learner event: what the line says, and what it counts as."""

    course: str
    username: str
    user_id: int
    when: datetime  # aware
    event_type: str
    source: str
    session: str = ""
    page: str = ""
    event: Any = field(default_factory=dict)  # an object, or the string a browser sends
    referer: str = ""
    timed: bool = True  # part of a session's gap sequence


@dataclass
class Session:
    course: str
    username: str
    day: date  # local
    gaps: list[float]
    session_id: str
    ends_with_close: bool


@dataclass
class Scenario:
    time_zone: str
    days: int
    events: list[Event] = field(default_factory=list)
    sessions: list[Session] = field(default_factory=list)
    learners: dict[str, int] = field(default_factory=dict)


def build(seed: int = 7, learners: int = 6, days: int = 3, time_zone: str = "UTC") -> Scenario:
    """A deterministic scenario for `learners` per course over `days` local days."""
    rng = random.Random(seed)
    scenario = Scenario(time_zone, days)
    zone = ZoneInfo(time_zone)
    names = [f"learner{n:03d}" for n in range(learners)] + [STAFF, EXCLUDED]
    scenario.learners = {name: 1000 + k for k, name in enumerate(names)}
    for course in COURSES:
        for k, name in enumerate(names):
            _learner(scenario, rng, zone, course, name, k)
    scenario.events.sort(key=lambda e: (e.when, e.username, e.event_type))
    return scenario


def _learner(
    scenario: Scenario, rng: random.Random, zone: ZoneInfo, course: str, name: str, k: int
) -> None:
    uid = scenario.learners[name]
    mode = "verified" if k % 3 == 0 else "audit"
    enroll_day = START
    if k == 1:  # enrolled, never started
        when = datetime.combine(START, datetime.min.time(), zone) + timedelta(hours=9)
        _add(
            scenario,
            Event(
                course,
                name,
                uid,
                when,
                "edx.course.enrollment.activated",
                "server",
                event={"course_id": course, "user_id": uid, "mode": mode},
                timed=False,
            ),
            lone=True,
        )
        return
    for day_offset in range(scenario.days):
        day = START + timedelta(days=day_offset)
        count = rng.choice((1, 1, 2)) if (k + day_offset) % 4 else 0
        starts = sorted(rng.sample(range(7 * 4, 22 * 4), count))  # quarter hours
        for n, quarter in enumerate(starts):
            if n and quarter - starts[n - 1] < 24:  # sessions end 4.4 h or more apart
                continue
            first = day == enroll_day and n == 0
            _session(scenario, rng, zone, course, name, uid, day, quarter, first, mode, k)
    if k == 2:
        _enrollment_change(scenario, zone, course, name, uid, "deactivated", mode)
    if k == 3:
        _enrollment_change(scenario, zone, course, name, uid, "mode_changed", "verified")


def _enrollment_change(
    scenario: Scenario, zone: ZoneInfo, course: str, name: str, uid: int, kind: str, mode: str
) -> None:
    """A lone event at noon of the day after the last one: a session of its own."""
    after = START + timedelta(days=scenario.days)
    when = datetime.combine(after, datetime.min.time(), zone) + timedelta(hours=12)
    event = Event(
        course,
        name,
        uid,
        when,
        f"edx.course.enrollment.{kind}",
        "server",
        event={"course_id": course, "user_id": uid, "mode": mode},
        timed=False,
    )
    _add(scenario, event, lone=True)


def _add(scenario: Scenario, event: Event, lone: bool = False) -> None:
    scenario.events.append(event)
    if lone:
        scenario.sessions.append(
            Session(event.course, event.username, event.when.date(), [], "", False)
        )


def _session(
    scenario: Scenario,
    rng: random.Random,
    zone: ZoneInfo,
    course: str,
    name: str,
    uid: int,
    day: date,
    quarter: int,
    first: bool,
    mode: str,
    k: int,
) -> None:
    size = rng.randint(3, 9)
    # At most one long gap: a session lasts under 1.7 h and ends before local midnight.
    ranges = [rng.choice(GAP_KINDS[:2]) for _ in range(size - 1)]
    if size > 3 and rng.random() < 0.5:
        ranges[rng.randrange(size - 1)] = GAP_KINDS[2]
    gaps = [float(rng.randint(*bounds)) for bounds in ranges]
    session_id = uuid.UUID(int=rng.getrandbits(128)).hex if rng.random() < 0.85 else ""
    close = rng.random() < 0.3
    when = datetime.combine(day, datetime.min.time(), zone) + timedelta(minutes=15 * quarter)
    scenario.sessions.append(Session(course, name, day, gaps, session_id, close))
    kinds = _kinds(rng, size, first, close, name, k)
    for n, kind in enumerate(kinds):
        scenario.events.append(_event(rng, course, name, uid, when, kind, session_id, mode, n))
        if n < len(gaps):
            when += timedelta(seconds=gaps[n])
    if rng.random() < 0.5:  # system work on the learner's behalf, not activity
        scenario.events.append(
            Event(
                course,
                name,
                uid,
                when + timedelta(seconds=5),
                "edx.grades.subsection.grade_calculated",
                "task",
                timed=False,
            )
        )


def _kinds(
    rng: random.Random, size: int, first: bool, close: bool, name: str, k: int
) -> list[str]:
    pool = [
        "page",
        "page",
        "play",
        "pause",
        "problem",
        "browser_problem",
        "forum",
        "seq",
        "mobile_play",
    ]
    kinds = [rng.choice(pool) for _ in range(size)]
    if first:
        kinds[0] = "enroll"
    if name == STAFF:
        kinds[-1 if not close else 0] = "instructor"
    if k == 4 and not first:
        kinds[1] = "exam"
    if close:
        kinds[-1] = "close"
    return kinds


def _event(
    rng: random.Random,
    course: str,
    name: str,
    uid: int,
    when: datetime,
    kind: str,
    session: str,
    mode: str,
    n: int,
) -> Event:
    base = f"/courses/{course}"
    vertical = f"{base}/courseware/week{n % 2 + 1}/seq{n % 3 + 1}/{n % 4 + 1}"
    video = f"block-v1:{_key(course)}+type@video+block@v{n % 2}"
    problem = f"block-v1:{_key(course)}+type@problem+block@p{rng.randint(1, 4)}"
    make = {
        "enroll": (
            "edx.course.enrollment.activated",
            "server",
            "",
            {"course_id": course, "user_id": uid, "mode": mode},
        ),
        "page": (vertical, "server", "", {}),
        "play": (
            "play_video",
            "browser",
            vertical,
            {"id": video, "currentTime": 12.5, "code": "html5"},
        ),
        "mobile_play": (
            "play_video",
            "mobile",
            "",
            {"id": video, "currentTime": 3.0, "code": "mobile"},
        ),
        "pause": ("pause_video", "browser", vertical, {"id": video, "currentTime": 40.0}),
        "problem": (
            "problem_check",
            "server",
            "",
            {"problem_id": problem, "success": rng.choice(("correct", "incorrect"))},
        ),
        "browser_problem": ("problem_check", "browser", vertical, "input_p1=2"),
        "forum": ("edx.forum.thread.created", "server", "", {"title": "A question"}),
        "seq": ("seq_goto", "browser", vertical, {"old": 1, "new": 2, "id": video}),
        "exam": ("edx.special_exam.timed.attempt.started", "server", "", {}),
        "instructor": (f"{base}/instructor/api/list_course_role_members", "server", "", {}),
        "close": ("page_close", "browser", vertical, ""),
    }[kind]
    event_type, source, page, payload = make
    return Event(
        course,
        name,
        uid,
        when,
        event_type,
        source,
        session,
        f"https://lms.sandbox.edu{page}" if page else "",
        payload,
    )


def _key(course: str) -> str:
    if course.startswith("course-v1:"):
        return course.split(":", 1)[1]
    return course.replace("/", "+")
