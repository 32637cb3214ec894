"""Seeded synthetic Zoom account: past meetings shaped like Zoom Dashboard API records."""

from __future__ import annotations

import base64
import random
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

SUBJECTS = ("EECS", "MATH", "CHEM", "PSYCH", "ECON", "BIOLOGY", "ENGLISH", "STATS", "PHYSICS")
KINDS = ("Lecture", "Discussion", "Office Hours", "Lab", "Study Group", "Advising")
USER_TYPES = ("Licensed", "Licensed", "Licensed", "Basic", "On-Prem")
HOST_COUNT = 40
# Weekend days are quiet on campus; the rest gives "some days without meetings" at every size.
EMPTY_WEEKDAY_RATE = 0.12
EMPTY_WEEKEND_RATE = 0.6
# Average meetings per non-empty day for each sandbox size (``--sandbox tiny|demo|large|xlarge``).
PER_DAY_BY_SIZE = {"tiny": 4, "demo": 25, "large": 400, "xlarge": 1_200}


@dataclass
class ZoomAccount:
    """One Zoom account: its Server-to-Server OAuth app credentials and its past meetings.

    ``meetings`` holds Dashboard-shaped dicts; ``add_meeting`` lets tests add late arrivals
    while an emulator is serving the account.
    """

    account_id: str = "sandbox-account"
    client_id: str = "sandbox-client"
    client_secret: str = "sandbox-client-secret"
    meetings: list[dict[str, Any]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add_meeting(self, meeting: dict[str, Any]) -> None:
        """Add (or replace, by uuid) one meeting record."""
        with self._lock:
            self.meetings = [m for m in self.meetings if m["uuid"] != meeting["uuid"]]
            self.meetings.append(meeting)

    def meetings_between(self, first: date, last: date) -> list[dict[str, Any]]:
        """Meetings whose UTC start date is within ``first``..``last``, ordered by start."""
        with self._lock:
            chosen = [m for m in self.meetings if first <= meeting_day(m) <= last]
        return sorted(chosen, key=lambda m: (m["start_time"], m["uuid"]))


def meeting_day(meeting: dict[str, Any]) -> date:
    """The UTC calendar day a meeting record started on."""
    return date.fromisoformat(meeting["start_time"][:10])


def build_account(first: date, last: date, *, seed: int = 11, per_day: int = 12) -> ZoomAccount:
    """An account holding the generated meetings of every day from ``first`` to ``last``."""
    return ZoomAccount(meetings=list(generate_meetings(first, last, seed=seed, per_day=per_day)))


def generate_meetings(
    first: date, last: date, *, seed: int = 11, per_day: int = 12
) -> Iterator[dict[str, Any]]:
    """Meetings for each day in the range; a day's meetings depend only on (seed, day).

    Because each day has its own random stream, overlapping ranges agree on shared days, so a
    test can generate "the last week" and a job can load any part of it.
    """
    for day in _days(first, last):
        rng = random.Random(f"zoom:{seed}:{day.isoformat()}")
        empty_rate = EMPTY_WEEKEND_RATE if day.weekday() >= 5 else EMPTY_WEEKDAY_RATE
        if rng.random() < empty_rate:
            continue
        for _ in range(rng.randint(1, max(1, per_day * 2))):
            yield make_meeting(rng, day)


def make_meeting(rng: random.Random, day: date, **overrides: Any) -> dict[str, Any]:
    """One past meeting as ``GET /metrics/meetings`` lists it; ``overrides`` replace fields."""
    start = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(
        seconds=rng.randrange(0, 86_400)
    )
    seconds = rng.choice((rng.randint(40, 600), rng.randint(600, 5400), rng.randint(5400, 14400)))
    host = rng.randrange(HOST_COUNT)
    record = {
        "uuid": base64.b64encode(rng.randbytes(16)).decode("ascii"),
        "id": rng.randint(10**9, 10**11 - 1),
        "topic": f"{rng.choice(SUBJECTS)} {rng.randint(100, 499)} {rng.choice(KINDS)}",
        "host": f"Host {host:03d}",
        "email": f"host{host:03d}@example.edu",
        "user_type": rng.choice(USER_TYPES),
        "start_time": _zoom_time(start),
        "end_time": _zoom_time(start + timedelta(seconds=seconds)),
        "duration": format_duration(seconds),
        "participants": rng.choice((1, 2, rng.randint(3, 40), rng.randint(40, 300))),
        "has_pstn": rng.random() < 0.1,
        "has_voip": True,
        "has_3rd_party_audio": False,
        "has_video": rng.random() < 0.8,
        "has_screen_share": rng.random() < 0.6,
        "has_recording": rng.random() < 0.3,
        "has_sip": False,
        "dept": "",
        "custom_keys": [],
    }
    record.update(overrides)
    return record


def format_duration(seconds: int) -> str:
    """Zoom's Dashboard duration text: ``HH:MM:SS`` from one hour on, ``MM:SS`` below."""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def _zoom_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _days(first: date, last: date) -> Iterable[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)
