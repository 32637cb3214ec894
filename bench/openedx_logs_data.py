"""Synthetic tracking logs for the OPENEDX_LOGS benchmark: about 1 KB a line, daily files."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import orjson
from isal import igzip

START = date(2024, 1, 1)
AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36"
)
MIX = (
    ("play_video", 28),
    ("pause_video", 20),
    ("seek_video", 10),
    ("page_close", 12),
    ("browser_problem", 5),
    ("problem_check", 10),
    ("enrollment", 3),
    ("courseware", 12),
)
KINDS = [kind for kind, weight in MIX for _ in range(weight)]


def _course(n: int) -> str:
    return f"course-v1:BenchU+C{n:03d}+2024_T1"


def _line(
    rng: random.Random, when: datetime, learner: int, course: str, session: str, unit: int
) -> bytes:
    kind = rng.choice(KINDS)
    # A session moves through a few units of the course, several events on each.
    page = (
        f"https://lms.bench.edu/courses/{course}/courseware/ch{unit // 54 % 9 + 1}/"
        f"seq{unit // 6 % 9 + 1}/{unit % 6 + 1}"
    )
    record: dict = {
        "username": f"u{learner:06d}",
        "event_source": "browser",
        "name": kind,
        "context": {
            "user_id": learner,
            "org_id": "BenchU",
            "course_id": course,
            "path": "/event",
            "user_agent": AGENT,
        },
        "time": when.isoformat(),
        "page": page,
        "session": session,
        "host": "lms.bench.edu",
        "ip": "10.1.2.3",
        "agent": AGENT,
        "referer": page,
        "accept_language": "en-US,en;q=0.9",
    }
    video = f"block-v1:BenchU+{course[-12:-8]}+2024_T1+type@video+block@{rng.randint(1, 40)}"
    if kind in ("play_video", "pause_video"):
        record["event"] = orjson.dumps(
            {"id": video, "currentTime": rng.random() * 600, "code": "html5", "duration": 612.0}
        ).decode()
    elif kind == "seek_video":
        record["event"] = orjson.dumps(
            {
                "id": video,
                "old_time": 10.5,
                "new_time": 55.0,
                "type": "onSlideSeek",
                "code": "html5",
            }
        ).decode()
    elif kind == "page_close":
        record["event"] = ""
    elif kind == "browser_problem":
        kind = "problem_check"
        record["event"] = "input_abc_2_1=choice_1&input_abc_3_1=choice_2"
    else:
        record["event_source"] = "server"
        record["event"], kind = _server_event(rng, kind, course, learner, page)
    record["event_type"] = kind
    return orjson.dumps(record) + b"\n"


def _server_event(
    rng: random.Random, kind: str, course: str, learner: int, page: str
) -> tuple[dict, str]:
    if kind == "problem_check":
        problem = f"block-v1:BenchU+X+2024+type@problem+block@{rng.randint(1, 60)}"
        return (
            {
                "problem_id": problem,
                "attempts": rng.randint(1, 3),
                "success": rng.choice(("correct", "incorrect")),
                "grade": 1,
                "max_grade": 2,
                "answers": {f"{problem}_2_1": "choice_1"},
                "state": {"seed": 1},
            },
            kind,
        )
    if kind == "enrollment":
        return (
            {"course_id": course, "user_id": learner, "mode": rng.choice(("audit", "verified"))},
            "edx.course.enrollment.activated",
        )
    return {}, page.split("lms.bench.edu", 1)[1]


def day_lines(
    day: int, events: int, learners: int, courses: int, seed: int = 1
) -> Iterator[bytes]:
    """Sessions of ~12 events a few minutes apart, in time order, for one day."""
    rng = random.Random(seed * 100_003 + day)
    base = datetime.combine(START + timedelta(days=day), datetime.min.time(), UTC)
    stamped: list[tuple[datetime, int, str, str, int]] = []
    while len(stamped) < events:
        learner = rng.randrange(learners)
        course = _course(learner % courses)
        when = base + timedelta(seconds=rng.randint(0, 80_000))
        session = f"{rng.getrandbits(64):016x}"
        unit = rng.randrange(486)
        for _ in range(min(rng.randint(4, 20), events - len(stamped))):
            stamped.append((when, learner, course, session, unit))
            when += timedelta(seconds=rng.randint(5, 400))
            unit += int(rng.random() < 0.3)
    stamped.sort()
    for when, learner, course, session, unit in stamped:
        yield _line(rng, when, learner, course, session, unit)


def write_days(
    folder: Path,
    days: range,
    events_per_day: int,
    learners: int = 20_000,
    courses: int = 20,
    gzipped: bool = False,
) -> list[Path]:
    """One file per day; `.gz` files when asked (ISA-L level 2, read as any gzip)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for day in days:
        stamp = (START + timedelta(days=day)).strftime("%Y%m%d")
        data = b"".join(day_lines(day, events_per_day, learners, courses))
        path = folder / f"tracking.log-{stamp}{'.gz' if gzipped else ''}"
        path.write_bytes(igzip.compress(data, 2) if gzipped else data)
        paths.append(path)
    return paths


def write_big(path: Path, events: int, chunk: int = 50_000) -> int:
    """One big plain file streamed to disk (never held in memory); returns its size."""
    with open(path, "wb") as out:
        day = 0
        while events > 0:
            count = min(chunk, events)
            out.writelines(day_lines(day % 365, count, 50_000, 20, seed=day))
            events -= count
            day += 1
    return path.stat().st_size
