"""The exact table contents a correct reader of a scenario's logs produces (ground truth).

Computed from how the scenario was built (its sessions' gaps, who enrolled when), not by
replaying events through a second implementation of the product's rules.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sandbox.tracking_logs.scenario import EXCLUDED, STAFF, Event, Scenario, Session

LABELS = ("ACTIVE", "ATTEMPTED_PROBLEM", "PLAYED_VIDEO", "POSTED_FORUM")
Row = dict[str, Any]


def kept(
    scenario: Scenario, exclude_team: bool = True, excluded: tuple[str, ...] = (EXCLUDED,)
) -> list[Event]:
    drop = set(excluded) | ({STAFF} if exclude_team else set())
    return [e for e in scenario.events if e.username not in drop]


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def _labels(e: Event) -> dict[str, bool]:
    return {
        "ACTIVE": e.source != "task" and not e.event_type.startswith("edx.course.enrollment."),
        "ATTEMPTED_PROBLEM": e.source == "server" and e.event_type == "problem_check",
        "PLAYED_VIDEO": e.source in ("browser", "mobile") and e.event_type == "play_video",
        "POSTED_FORUM": e.source == "server"
        and e.event_type.startswith("edx.forum.")
        and e.event_type.endswith(".created"),
    }


def learner_day(events: list[Event]) -> list[Row]:
    rows: dict[tuple, Row] = {}
    for e in events:
        if e.source == "task":
            continue
        key = (e.course, e.username, e.when.date())
        row = rows.setdefault(
            key,
            {
                "course_id": e.course,
                "username": e.username,
                "date": e.when.date(),
                "events": 0,
                "active_events": 0,
                "problem_attempts": 0,
                "video_plays": 0,
                "forum_posts": 0,
                "first_event_at": _utc(e.when),
                "last_event_at": _utc(e.when),
            },
        )
        labels = _labels(e)
        row["events"] += 1
        for column, label in (
            ("active_events", "ACTIVE"),
            ("problem_attempts", "ATTEMPTED_PROBLEM"),
            ("video_plays", "PLAYED_VIDEO"),
            ("forum_posts", "POSTED_FORUM"),
        ):
            row[column] += int(labels[label])
        row["first_event_at"] = min(row["first_event_at"], _utc(e.when))
        row["last_event_at"] = max(row["last_event_at"], _utc(e.when))
    return list(rows.values())


def event_type_day(events: list[Event]) -> list[Row]:
    groups: dict[tuple, set[str]] = defaultdict(set)
    counts: dict[tuple, int] = defaultdict(int)
    for e in events:
        key = (e.course, e.when.date(), e.source, e.event_type)
        groups[key].add(e.username)
        counts[key] += 1
    return [
        {
            "course_id": c,
            "date": d,
            "event_source": s,
            "event_type": t,
            "events": counts[(c, d, s, t)],
            "users": len(users),
        }
        for (c, d, s, t), users in groups.items()
    ]


def activity_weekly(events: list[Event]) -> list[Row]:
    users: dict[tuple, set[str]] = defaultdict(set)
    for e in events:
        day = e.when.date()
        week = day - timedelta(days=day.weekday())
        for label, on in _labels(e).items():
            if on:
                users[(e.course, week, label)].add(e.username)
    return [
        {"course_id": c, "week_start": w, "label": label, "users": len(names)}
        for (c, w, label), names in users.items()
    ]


def _enrollments(events: list[Event]) -> list[Event]:
    return [e for e in events if e.event_type.startswith("edx.course.enrollment.")]


def enrollment_event(events: list[Event]) -> list[Row]:
    return [
        {
            "course_id": e.course,
            "username": e.username,
            "event_time": _utc(e.when),
            "date": e.when.date(),
            "event_type": e.event_type,
            "mode": e.event.get("mode"),
        }
        for e in _enrollments(events)
    ]


def enrollment_day(events: list[Event]) -> list[Row]:
    state: dict[tuple, tuple[bool, str]] = {}
    changes: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])
    for e in sorted(_enrollments(events), key=lambda e: e.when):
        pair, day, mode = (e.course, e.username), e.when.date(), e.event["mode"]
        active, old_mode = state.get(pair, (False, ""))
        now_active = {"activated": True, "deactivated": False}.get(
            e.event_type.rsplit(".", 1)[1], active
        )
        if active:
            changes[(e.course, day, old_mode)][2] -= 1
            changes[(e.course, day, old_mode)][1] += int(not now_active)
        if now_active:
            changes[(e.course, day, mode)][2] += 1
            changes[(e.course, day, mode)][0] += int(not active)
        state[pair] = (now_active, mode)
    rows: list[Row] = []
    running: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for (course, day, mode), (enrolls, unenrolls, net) in sorted(changes.items()):
        total = running[(course, mode)]
        total[0] += net
        total[1] += enrolls
        rows.append(
            {
                "course_id": course,
                "date": day,
                "mode": mode,
                "enrollments": enrolls,
                "unenrollments": unenrolls,
                "enrolled_end_of_day": total[0],
                "cumulative_enrollments": total[1],
            }
        )
    return rows


def _credits(session: Session) -> dict[str, tuple[float, int]]:
    """(seconds, sessions) of one session under each method's default parameters."""
    gaps = session.gaps
    runs, previous = 0, False
    for g in gaps:
        credited = 120 <= g < 600
        runs += int(credited and not previous)
        previous = credited
    return {
        "session_gap": (sum(gaps) + 60, 1),
        "eol": (sum(gaps) + (0 if session.ends_with_close else 600), 1),
        "ope": (sum(gaps), 1) if session.session_id else (0.0, 0),
        "window_union": (sum(min(g, 120) for g in gaps) + 120, 1 + sum(g > 120 for g in gaps)),
        "canvas_like": (sum(g for g in gaps if 120 <= g < 600), runs),
    }


def time_spent_day(scenario: Scenario, names: set[str]) -> list[Row]:
    rows: dict[tuple, Row] = {}
    for session in scenario.sessions:
        if session.username not in names:
            continue
        for method, (seconds, count) in _credits(session).items():
            key = (session.course, session.username, session.day, method)
            row = rows.setdefault(
                key,
                {
                    "course_id": session.course,
                    "username": session.username,
                    "date": session.day,
                    "method": method,
                    "seconds": 0.0,
                    "sessions": 0,
                    "events": 0,
                },
            )
            row["seconds"] += seconds
            row["sessions"] += count
            row["events"] += len(session.gaps) + 1
    return list(rows.values())


def learner_course(scenario: Scenario, events: list[Event]) -> list[Row]:
    names = {e.username for e in events}
    spent: dict[tuple, float] = defaultdict(float)
    for row in time_spent_day(scenario, names):
        if row["method"] == "session_gap":
            spent[(row["course_id"], row["username"])] += row["seconds"]
    out: dict[tuple, Row] = {}
    for e in sorted((e for e in events if e.source != "task"), key=lambda e: e.when):
        row = out.setdefault(
            (e.course, e.username),
            {
                "course_id": e.course,
                "username": e.username,
                "first_event_at": None,
                "last_event_at": None,
                "days": set(),
                "problems": set(),
                "exam": False,
                "enrollment_state": None,
                "enrollment_mode": None,
                "first_enrolled_at": None,
                "last_unenrolled_at": None,
            },
        )
        _learner_event(row, e)
    for (course, name), row in out.items():
        row["days_active"] = len(row.pop("days"))
        row["problems_attempted"] = len(row.pop("problems"))
        exam = row.pop("exam")
        row["status"] = (
            "attempted_exam"
            if exam
            else "started"
            if row["first_event_at"]
            else "enrolled_not_started"
        )
        row["seconds"] = spent[(course, name)]
    return list(out.values())


def _learner_event(row: Row, e: Event) -> None:
    if _labels(e)["ACTIVE"]:
        row["first_event_at"] = row["first_event_at"] or _utc(e.when)
        row["last_event_at"] = _utc(e.when)
        row["days"].add(e.when.date())
    if _labels(e)["ATTEMPTED_PROBLEM"]:
        row["problems"].add(e.event["problem_id"])
    row["exam"] = row["exam"] or e.event_type.startswith("edx.special_exam.")
    kind = e.event_type.rsplit(".", 1)[1] if e.event_type.startswith("edx.course.enr") else ""
    if kind == "activated":
        if row["enrollment_state"] != "enrolled":
            row["first_enrolled_at"] = row["first_enrolled_at"] or _utc(e.when)
        row["enrollment_state"], row["enrollment_mode"] = "enrolled", e.event["mode"]
    elif kind == "deactivated":
        if row["enrollment_state"] == "enrolled":
            row["last_unenrolled_at"] = _utc(e.when)
        row["enrollment_state"], row["enrollment_mode"] = "unenrolled", e.event["mode"]
    elif kind == "mode_changed":
        row["enrollment_mode"] = e.event["mode"]


def tables(
    scenario: Scenario, exclude_team: bool = True, excluded: tuple[str, ...] = (EXCLUDED,)
) -> dict[str, list[Row]]:
    """Every table's expected rows (time spent without its parameters hash)."""
    events = kept(scenario, exclude_team, excluded)
    names = {e.username for e in events}
    return {
        "edx_learner_day": learner_day(events),
        "edx_event_type_day": event_type_day(events),
        "edx_course_activity_weekly": activity_weekly(events),
        "edx_enrollment_event": enrollment_event(events),
        "edx_enrollment_day": enrollment_day(events),
        "edx_learner_course": learner_course(scenario, events),
        "edx_time_spent_day": time_spent_day(scenario, names),
    }


def first_day(scenario: Scenario) -> date:
    return min(e.when.date() for e in scenario.events)
