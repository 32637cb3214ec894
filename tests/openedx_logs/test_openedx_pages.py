"""Pages and time on page: EOL's rules per vertical, the default method, page identity."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pandas as pd

from db import Database
from openedx_logs import job, pages
from settings import TIME_SPENT_DEFAULTS, TimeSpentMethod

DAY = date(2024, 3, 4)
EOL = TimeSpentMethod("eol", TIME_SPENT_DEFAULTS["eol"])
GAP = TimeSpentMethod("session_gap", TIME_SPENT_DEFAULTS["session_gap"])


def frame(times: list[float], pages_: list[str], kinds: list[str] | None = None) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "course_id": "c",
            "username": "u",
            "ts": times,
            "date": DAY,
            "session": "s",
            "referer": None,
            "event_type": kinds or ["x"] * len(times),
            "page_key": pages_,
            "is_nav": [p != "" for p in pages_],
        }
    )


def per_page(out: pd.DataFrame, method: str) -> dict[str, float]:
    rows = out[out["method"] == method]
    return dict(zip(rows["page"], rows["seconds"], strict=True))


def test_the_worked_case_per_vertical_by_eol_and_by_the_default_method() -> None:
    events = frame([0, 40, 70, 2170, 16570], ["V1", "V1", "V2", "V2", "V3"])
    out = pages.time_on_page(events, [EOL, GAP])
    assert per_page(out, "eol") == {"V1": 70, "V2": 1200, "V3": 600}
    assert per_page(out, "session_gap") == {"V1": 70, "V2": 120, "V3": 60}
    visits = out[out["method"] == "eol"].set_index("page")["navigation_visits"].to_dict()
    assert visits == {"V1": 1, "V2": 1, "V3": 1}


def test_short_visits_are_dropped_events_without_a_page_stay_and_page_close_ends_at_zero() -> None:
    events = frame(
        [0, 10, 20, 60, 100],
        ["A", "B", "", "C", "C"],
        ["x", "x", "problem_check", "x", "page_close"],
    )
    out = per_page(pages.time_on_page(events, [EOL]), "eol")
    # A: 10 s (dropped); B: 10 + 40 with the page-less event (kept); C: 40 + 0 (page_close).
    assert out == {"A": 0, "B": 50, "C": 40}


def test_eol_is_always_computed_and_ope_has_no_per_page_form() -> None:
    ope = TimeSpentMethod("ope", {})
    assert [m.name for m in pages.page_methods([ope])] == ["eol"]
    assert [m.name for m in pages.page_methods([GAP, ope])] == ["eol", "session_gap"]


def test_page_identity_from_courseware_urls_and_sequence_events(
    sqlite_db: Database, tmp_path: Path, settings_for: Callable
) -> None:
    course = "course-v1:Uni+P1+2024"
    seq = "block-v1:Uni+P1+2024+type@sequential+block@s1"

    def line(second: int, **fields: object) -> str:
        record = {
            "username": "ana",
            "event_source": "server",
            "time": f"2024-03-04T10:00:{second:02d}+00:00",
            "context": {"user_id": 1, "course_id": course},
            "event": {},
            **fields,
        }
        return json.dumps(record)

    lines = [
        line(0, event_type=f"/courses/{course}/courseware/ch1/s1/"),
        line(10, event_type=f"/courses/{course}/courseware/ch1/s1/2?activate=1"),
        line(
            20,
            event_type="seq_goto",
            event_source="browser",
            event=json.dumps({"old": 2, "new": 3, "id": seq}),
        ),
        line(30, event_type=f"/courses/{course}/about/", page=None),
        line(40, event_type=f"/courses/{course}/progress/7"),
    ]
    folder = tmp_path / "logs"
    folder.mkdir()
    (folder / "tracking.log").write_text("\n".join(lines) + "\n")
    job.read_logs(settings_for([str(folder)], zone="UTC"), sqlite_db)
    views = sqlite_db.query_frame("SELECT page, views FROM edx_page_day ORDER BY page")
    assert views.to_dict("records") == [
        {"page": "s1/1", "views": 1},
        {"page": "s1/2", "views": 1},
        {"page": "s1/3", "views": 1},
    ]
    seconds = sqlite_db.query_frame(
        "SELECT page, seconds FROM edx_time_on_page_day WHERE method = 'session_gap'"
    )
    assert dict(zip(seconds["page"], seconds["seconds"], strict=True)) == {
        "s1/1": 10,
        "s1/2": 10,
        "s1/3": 10,
        f"/courses/{course}/about": 10,
        f"/courses/{course}/progress": 60,
    }
