"""The worked time-spent case of the reference, for each of the five methods."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from openedx_logs import methods
from openedx_logs.transform import time_spent
from settings import TIME_SPENT_DEFAULTS as DEFAULT_PARAMS
from settings import TimeSpentMethod

DAY = date(2024, 3, 4)


def worked_case() -> pd.DataFrame:
    """One learner, one session value, one day: t = 0 (V1), 40 (V1), 70 (V2), 2170 (V2),
    16570 (V3); no referers, no page_close."""
    times = [0, 40, 70, 2170, 16570]
    pages = ["V1", "V1", "V2", "V2", "V3"]
    return pd.DataFrame(
        {
            "course_id": "course-v1:Uni+C1+2024",
            "username": "ana",
            "ts": [1_709_539_200.0 + t for t in times],
            "date": DAY,
            "session": "s1",
            "referer": None,
            "event_type": "problem_check",
            "page_key": pages,
        }
    )


@pytest.mark.parametrize(
    ("method", "seconds", "sessions"),
    [
        ("session_gap", 250, 3),
        ("eol", 1870, 2),
        ("ope", 16570, 1),
        ("window_union", 430, 3),
        ("canvas_like", 0, 0),
    ],
)
def test_worked_case(method: str, seconds: float, sessions: int) -> None:
    out = methods.METHODS[method](worked_case(), DEFAULT_PARAMS[method])
    assert out.to_dict("records") == [
        {
            "course_id": "course-v1:Uni+C1+2024",
            "username": "ana",
            "date": DAY,
            "seconds": seconds,
            "sessions": sessions,
            "events": 5,
        }
    ]


def test_eol_drops_short_visits_and_page_close_ends_at_zero() -> None:
    events = pd.DataFrame(
        {
            "course_id": "c",
            "username": "u",
            "ts": [0.0, 10.0, 20.0, 100.0],
            "date": DAY,
            "session": None,
            "referer": None,
            "event_type": ["x", "x", "x", "page_close"],
            "page_key": ["A", "B", "C", "C"],
        }
    )
    out = methods.eol(events, DEFAULT_PARAMS["eol"])
    # A and B are 10-s visits (dropped); C earns 80 s and its page_close ends at 0.
    assert out["seconds"].tolist() == [80.0]


def test_eol_breaks_sooner_before_a_login_referer() -> None:
    events = pd.DataFrame(
        {
            "course_id": "c",
            "username": "u",
            "ts": [0.0, 700.0],
            "date": DAY,
            "session": None,
            "referer": [None, "https://lms.example.edu/login?next=/dashboard"],
            "event_type": "x",
            "page_key": "A",
        }
    )
    out = methods.eol(events, DEFAULT_PARAMS["eol"])
    assert (out["seconds"].tolist(), out["sessions"].tolist()) == ([1200.0], [2])


def test_session_gap_credits_the_earlier_events_day() -> None:
    events = pd.DataFrame(
        {
            "course_id": "c",
            "username": "u",
            "ts": [0.0, 100.0],
            "date": [DAY, date(2024, 3, 5)],
            "session": None,
            "referer": None,
            "event_type": "x",
            "page_key": "A",
        }
    )
    out = methods.session_gap(events, DEFAULT_PARAMS["session_gap"])
    assert out[["date", "seconds", "sessions"]].to_dict("records") == [
        {"date": DAY, "seconds": 100.0, "sessions": 1},
        {"date": date(2024, 3, 5), "seconds": 60.0, "sessions": 0},
    ]


def test_ope_ignores_empty_and_null_sessions() -> None:
    events = pd.DataFrame(
        {
            "course_id": "c",
            "username": "u",
            "ts": [0.0, 50.0, 60.0, 500.0, 900.0],
            "date": DAY,
            "session": ["a", "a", "", "null", None],
            "referer": None,
            "event_type": "x",
            "page_key": "A",
        }
    )
    out = methods.ope(events, DEFAULT_PARAMS["ope"])
    assert out[["seconds", "sessions", "events"]].to_dict("records") == [
        {"seconds": 50.0, "sessions": 1, "events": 5}
    ]


def test_every_method_in_one_pass_carries_method_and_hash() -> None:
    chosen = [TimeSpentMethod(name, DEFAULT_PARAMS[name]) for name in methods.METHODS]
    out = time_spent(worked_case(), chosen)
    assert dict(zip(out["method"], out["seconds"], strict=True)) == {
        "session_gap": 250,
        "eol": 1870,
        "ope": 16570,
        "window_union": 430,
        "canvas_like": 0,
    }
    assert out["params_hash"].nunique() == 5
    changed = [TimeSpentMethod("session_gap", {"SESSION_GAP_S": 3000, "LAST_EVENT_S": 60})]
    again = time_spent(worked_case(), changed)
    assert again["seconds"].tolist() == [40 + 30 + 2100 + 60 + 60]
    assert again["params_hash"].iloc[0] != out["params_hash"].iloc[0]
