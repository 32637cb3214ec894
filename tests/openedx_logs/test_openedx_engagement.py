"""Engagement ranges and segments on a hand-made course of twenty learners."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from oe_helpers import snapshot

from db import Database
from openedx_logs import job

COURSE = "course-v1:Uni+E1+2024"


def test_ranges_and_segments(sqlite_db: Database, tmp_path: Path, settings_for: Callable) -> None:
    lines = []
    for k in range(1, 21):  # learner k attempts k distinct problems on Tuesday 2024-03-05
        for n in range(k):
            lines.append(
                json.dumps(
                    {
                        "username": f"l{k:02d}",
                        "event_type": "problem_check",
                        "event_source": "server",
                        "time": f"2024-03-05T10:{n:02d}:00+00:00",
                        "context": {"user_id": k, "course_id": COURSE},
                        "event": {
                            "problem_id": f"block-v1:Uni+E1+2024+type@problem+block@p{n}",
                            "success": "incorrect" if k == 1 else "correct",
                        },
                    }
                )
            )
    folder = tmp_path / "logs"
    folder.mkdir()
    (folder / "tracking.log").write_text("\n".join(lines) + "\n")
    cfg = settings_for([str(folder)], zone="UTC")
    job.read_logs(cfg, sqlite_db)
    rows = sqlite_db.query_frame(
        "SELECT username, week_start, problems_attempted, problems_attempted_range, "
        "problem_attempts_per_completed, segments FROM edx_engagement_week ORDER BY username"
    )
    assert len(rows) == 20 and set(rows["week_start"].astype(str).str[:10]) == {"2024-03-04"}
    ranges = dict(zip(rows["problems_attempted"], rows["problems_attempted_range"], strict=True))
    # p15 = 3.85 and p85 = 17.15 over 1..20 (linear interpolation)
    assert [ranges[k] for k in (1, 3, 4, 17, 18, 20)] == [
        "low",
        "low",
        "normal",
        "normal",
        "high",
        "high",
    ]
    segments = dict(zip(rows["username"], rows["segments"], strict=True))
    assert segments["l01"] == "struggling"
    assert segments["l20"] == "highly_engaged" and segments["l10"] == ""
    assert rows["problem_attempts_per_completed"].iloc[1] == 1.0
    before = snapshot(sqlite_db)
    job.read_logs(cfg, sqlite_db)
    assert snapshot(sqlite_db) == before
