"""Per-course details built lazily and deterministically: audit events, daily activity, tabs."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from typing import Any, Protocol


class University(Protocol):
    """What the details are built from (``model.University`` is one; no import, no circle)."""

    seed: int
    now: datetime
    showcase_course_id: int
    long_audit_course_id: int
    course_by_id: dict[int, dict[str, Any]]
    course_states: dict[int, str]

    def total_students(self, course_id: int) -> int: ...


ZOOM_TOOL_ID = 25194
BLUEJEANS_TOOL_ID = 4352
OTHER_TOOLS = (
    (1234, "Piazza"),
    (5678, "Gradescope"),
    (9012, "Panopto Video"),
    (31415, "Kaltura My Media 🎬"),
)
_INTERNAL_TABS = (
    ("home", "Home", ""),
    ("announcements", "Announcements", "/announcements"),
    ("assignments", "Assignments", "/assignments"),
    ("discussions", "Discussions", "/discussion_topics"),
    ("grades", "Grades", "/grades"),
    ("people", "People", "/users"),
    ("pages", "Pages", "/wiki"),
    ("files", "Files", "/files"),
    ("syllabus", "Syllabus", "/assignments/syllabus"),
    ("quizzes", "Quizzes", "/quizzes"),
    ("modules", "Modules", "/modules"),
)
_SALT = {"audit": 1, "activity": 2, "tabs": 3}


def _rng(uni: University, course_id: int, what: str) -> random.Random:
    return random.Random(uni.seed * 1_000_003 + course_id * 31 + _SALT[what])


def _parse(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


_EASTERN = timezone(timedelta(hours=-4))


def _audit_stamp(moment: datetime, rng: random.Random) -> str:
    """Most audit times end in ``Z``; some carry the instance's offset (``-04:00``)."""
    if rng.random() < 0.3:
        return moment.astimezone(_EASTERN).replace(microsecond=0).isoformat()
    return _iso(moment)


def _audit_story(state: str, rng: random.Random) -> list[str]:
    """The course's event types, oldest first."""
    draw = rng.random()
    stories = {
        "created": ["created"],
        "claimed": ["created", "published", "unpublished"] if draw < 0.25 else ["created"],
        "completed": ["created", "published", "updated", "concluded"],
        "deleted": ["created", "deleted"],
    }
    if state != "available":
        return stories[state]
    if draw < 0.05:
        return ["created"]  # published before audit logging existed: no published event
    if draw < 0.25:
        return ["created", "published", "unpublished", "updated", "published"]
    return ["created", "updated", "published"] if draw < 0.5 else ["created", "published"]


def audit_events(uni: University, course_id: int) -> list[dict[str, Any]]:
    """Course audit events, newest first, as ``GET audit/course/courses/:id`` lists them."""
    rng = _rng(uni, course_id, "audit")
    course = uni.course_by_id[course_id]
    moment = _parse(course["created_at"])
    latest = uni.now - timedelta(hours=1)
    story = _audit_story(uni.course_states[course_id], rng)
    if course_id == uni.long_audit_course_id:
        # Published early, then edited often: the first publish is beyond the first page.
        story = ["created", "published", *["updated"] * 130, "unpublished", "published"]
    step = 1.0 if course_id == uni.long_audit_course_id else 24 * 12
    events = []
    for kind in story:
        source = rng.choice(("manual", "api", "sis")) if kind != "created" else "manual"
        data: dict[str, Any] = {}
        if kind == "created":
            data = {"name": [None, course["name"]], "workflow_state": [None, "created"]}
        elif kind == "updated":
            data = {"syllabus_body": ["", "<p>Welcome!</p>"]}
        events.append(
            {
                "id": f"{rng.getrandbits(128):032x}",
                "created_at": _audit_stamp(moment, rng),
                "event_type": kind,
                "event_data": data,
                "event_source": source,
                "links": {"course": course_id, "user": None, "sis_batch": None, "page_view": None},
            }
        )
        moment = min(moment + timedelta(hours=rng.uniform(0.5, step)), latest)
    events.reverse()
    return events


def activity(uni: University, course_id: int) -> list[dict[str, Any]]:
    """Daily views and participations of an available or completed course, oldest day first."""
    if uni.course_states[course_id] not in ("available", "completed"):
        return []
    rng = _rng(uni, course_id, "activity")
    first = max(
        _parse(uni.course_by_id[course_id]["created_at"]).date(),
        uni.now.date() - timedelta(days=120),
    )
    audience = uni.total_students(course_id) + 2
    days = []
    day = first
    while day < uni.now.date():
        if rng.random() > 0.15:
            views = rng.randint(0, 6 * audience)
            participations = rng.randint(0, views // 4)
            days.append(
                {"date": day.isoformat(), "views": views, "participations": participations}
            )
        day += timedelta(days=1)
    return days


def _tool_choices(uni: University, course_id: int, rng: random.Random) -> list[tuple]:
    if course_id == uni.showcase_course_id:
        return [
            (ZOOM_TOOL_ID, "Zoom", False, "public"),
            (BLUEJEANS_TOOL_ID, "BlueJeans", True, "public"),
            (1234, "Piazza", False, "admins"),
            (5678, "Gradescope", True, "public"),
        ]
    drawn = []
    if rng.random() < 0.35:
        drawn.append((ZOOM_TOOL_ID, "Zoom"))
    if rng.random() < 0.12:
        drawn.append((BLUEJEANS_TOOL_ID, "BlueJeans"))
    drawn += [(tool, label) for tool, label in OTHER_TOOLS if rng.random() < 0.15]
    # A tool may be configured to show its tab to course admins only.
    return [
        (tool, label, rng.random() < 0.2, "admins" if rng.random() < 0.1 else "public")
        for tool, label in drawn
    ]


def tabs(uni: University, course_id: int) -> list[dict[str, Any]]:
    """Navigation tabs, internal and external, in position order; URLs relative to the host."""
    rng = _rng(uni, course_id, "tabs")
    base = f"/courses/{course_id}"
    made = []
    for tab_id, label, suffix in _INTERNAL_TABS:
        draw = rng.random()
        hidden = tab_id != "home" and draw < 0.15
        unused = tab_id != "home" and not hidden and draw < 0.25
        tab = _tab(tab_id, label, base + suffix, "internal", hidden, "public")
        if unused:  # hidden by Canvas because the tab has no content
            tab.update(unused=True, visibility="admins")
        made.append(tab)
    for tool, label, hidden, visibility in _tool_choices(uni, course_id, rng):
        tab = _tab(
            f"context_external_tool_{tool}",
            label,
            f"{base}/external_tools/{tool}",
            "external",
            hidden,
            visibility,
        )
        tab["url"] = (
            f"/api/v1/courses/{course_id}/external_tools/sessionless_launch"
            f"?id={tool}&launch_type=course_navigation"
        )
        made.append(tab)
    made.append(_tab("settings", "Settings", f"{base}/settings", "internal", False, "admins"))
    for position, tab in enumerate(made, start=1):
        tab["position"] = position
    return made


def _tab(
    tab_id: str, label: str, html_url: str, kind: str, hidden: bool, visibility: str
) -> dict[str, Any]:
    tab: dict[str, Any] = {
        "id": tab_id,
        "html_url": html_url,
        "label": label,
        "type": kind,
        "visibility": visibility,
    }
    if hidden:
        # Canvas: a hidden external tab is visible to nobody, a hidden internal one to admins.
        tab["hidden"] = True
        tab["visibility"] = "none" if kind == "external" else "admins"
    return tab
