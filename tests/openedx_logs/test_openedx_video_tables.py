"""Video tables through the whole job: the worked case, an unknown duration, a rerun."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from oe_helpers import snapshot

from db import Database
from openedx_logs import job

COURSE = "course-v1:Uni+V1+2024"
VIDEO = "block-v1:Uni+V1+2024+type@video+block@intro"


def line(user: str, second: int, kind: str, **event: object) -> str:
    return json.dumps(
        {
            "username": user,
            "event_type": kind,
            "event_source": "browser",
            "time": f"2024-03-04T10:{second // 60:02d}:{second % 60:02d}+00:00",
            "context": {"user_id": 1 if user == "ana" else 2, "course_id": COURSE},
            "event": json.dumps({"id": VIDEO, **event}),
            "page": f"https://lms/courses/{COURSE}/x",
        }
    )


def test_the_worked_video_case_and_per_learner_figures(
    database: Database, tmp_path: Path, settings_for: Callable
) -> None:
    folder = tmp_path / "logs"
    folder.mkdir()
    lines = [
        line("ana", 0, "play_video", currentTime=0, duration=100),
        line("ana", 10, "seek_video", old_time=10, new_time=50, duration=100),
        line("ana", 11, "play_video", currentTime=50, duration=100),
        line("ana", 21, "pause_video", currentTime=60, duration=100),
        line("bo", 30, "play_video", currentTime=0),
        line("bo", 59, "pause_video", currentTime=97),
    ]
    (folder / "tracking.log").write_text("\n".join(lines) + "\n")
    cfg = settings_for([str(folder)], zone="UTC")
    job.read_logs(cfg, database)
    learners = database.query_frame(
        "SELECT username, viewings, watched_seconds, unique_seconds, coverage, completed "
        "FROM edx_video_learner ORDER BY username"
    ).to_dict("records")
    assert learners == [
        {
            "username": "ana",
            "viewings": 2,
            "watched_seconds": 20.0,
            "unique_seconds": 20.0,
            "coverage": 0.2,
            "completed": 0,
        },
        {
            "username": "bo",
            "viewings": 1,
            "watched_seconds": 97.0,
            "unique_seconds": 97.0,
            "coverage": 0.97,
            "completed": 1,
        },
    ]
    videos = database.query_frame("SELECT * FROM edx_video").to_dict("records")
    assert len(videos) == 1
    assert (videos[0]["duration"], videos[0]["duration_source"]) == (100.0, "events")
    assert (videos[0]["users_at_start"], videos[0]["users_at_end"]) == (2, 1)
    assert (videos[0]["viewers"], videos[0]["completers"]) == (2, 1)
    segments = database.query_frame(
        "SELECT segment, users FROM edx_video_segment WHERE segment_length = 5 ORDER BY segment"
    ).to_dict("records")
    assert segments[0] == {"segment": 0, "users": 2}
    assert {"segment": 10, "users": 2} in segments and {"segment": 19, "users": 1} in segments
    assert len(database.query_frame("SELECT * FROM edx_video_viewing")) == 3
    before = snapshot(database)
    job.read_logs(cfg, database)
    assert snapshot(database) == before
