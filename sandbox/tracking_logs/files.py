"""Rendering a scenario as tracking-log files: rotated, gzipped, with every awkward line kind."""

from __future__ import annotations

import gzip
import json
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path

from sandbox.tracking_logs.scenario import Event, Scenario

SYSLOG = "2024-03-04 13:53:13,461 INFO 20 [tracking] [user None] [ip None] logger.py:41 - "


@dataclass
class LogFiles:
    """File names (relative) and their uncompressed content, plus per-file line counts."""

    contents: dict[str, bytes] = field(default_factory=dict)
    noise: dict[str, Counter[str]] = field(default_factory=dict)

    def write(self, folder: Path, gzipped: bool = True) -> list[Path]:
        """Write every file; all but the last (the live `tracking.log`) gzipped if asked."""
        folder.mkdir(parents=True, exist_ok=True)
        paths = []
        for name, data in self.contents.items():
            live = name == "tracking.log"
            path = folder / (name if live or not gzipped else f"{name}.gz")
            path.write_bytes(data if live or not gzipped else gzip.compress(data, 6, mtime=0))
            paths.append(path)
        return paths


def line(e: Event, rng: random.Random) -> str:
    """One event as the LMS writes it (browser `event` as a JSON string)."""
    stamp = e.when.astimezone(UTC).isoformat()
    context: dict[str, object] = {
        "user_id": e.user_id,
        "org_id": "SandboxU",
        "course_id": e.course,
        "path": e.event_type,
    }
    if e.event_type.startswith("/") and rng.random() < 0.3:
        del context["course_id"]  # the course is then only in the URL
    payload: object = e.event
    if e.source in ("browser", "mobile"):
        payload = e.event if isinstance(e.event, str) else json.dumps(e.event)
    record = {
        "username": e.username,
        "event_type": e.event_type,
        "name": e.event_type,
        "event_source": e.source,
        "context": context,
        "event": payload,
        "page": e.page or None,
        "referer": e.referer,
        "session": e.session,
        "host": "lms.sandbox.edu",
        "ip": "10.0.0.1",
        "agent": "Mozilla/5.0",
        "accept_language": "es-CL,es;q=0.9",
    }
    record["timestamp" if rng.random() < 0.05 else "time"] = stamp
    text = json.dumps(record, separators=(",", ":"))
    return SYSLOG + text if rng.random() < 0.1 else text


NOISE = {
    "blank": "",
    "comment": "# tracking log rotated by logrotate",
    "not_json": "Traceback (most recent call last): tracking handler failed",
    "segment": json.dumps(
        {
            "anonymousId": "a1",
            "messageId": "m1",
            "type": "track",
            "event": "Video Played",
            "properties": {"course_id": "x"},
            "timestamp": "2024-03-04T10:00:00Z",
        }
    ),
    "no_course": json.dumps(
        {
            "username": "learner000",
            "event_type": "/dashboard",
            "event_source": "server",
            "time": "2024-03-04T10:00:00+00:00",
            "context": {"user_id": 1000},
            "event": {},
        }
    ),
    "no_user": json.dumps(
        {
            "username": "",
            "event_type": "page_close",
            "event_source": "browser",
            "time": "2024-03-04T10:00:00+00:00",
            "context": {"course_id": "course-v1:SandboxU+DATA101+2024_T1"},
            "event": "",
        }
    ),
}


def render(scenario: Scenario, seed: int = 11, overlap: int = 3) -> LogFiles:
    """One file per UTC day (`tracking.log-YYYYMMDD`, the last day live as `tracking.log`),
    noise lines sprinkled in, the last `overlap` events of a day repeated at the start of the
    next file, and a cut line at the end of the live file."""
    rng = random.Random(seed)
    days: dict[str, list[Event]] = {}
    for e in scenario.events:
        days.setdefault(e.when.astimezone(UTC).strftime("%Y%m%d"), []).append(e)
    out = LogFiles()
    names = sorted(days)
    carried: list[str] = []
    for n, day in enumerate(names):
        name = "tracking.log" if n == len(names) - 1 else f"tracking.log-{day}"
        lines = carried + [line(e, rng) for e in days[day]]
        carried = lines[-overlap:] if overlap else []
        out.noise[name] = Counter()
        for kind, text in NOISE.items():
            lines.insert(rng.randrange(len(lines) + 1), text)
            out.noise[name][kind] += 1
        data = "\n".join(lines) + "\n"
        if name == "tracking.log":
            data += '{"username":"learner000","event_type":"play_video","ti'
        out.contents[name] = data.encode()
    return out


def write_demo(folder: Path, time_zone: str = "America/Santiago") -> list[Path]:
    """The small log set `--sandbox` runs OPENEDX_LOGS over (a second or two)."""
    from sandbox.tracking_logs.scenario import build

    return render(build(seed=7, learners=6, days=3, time_zone=time_zone)).write(folder)
