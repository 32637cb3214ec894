"""The five time-spent definitions, computed together over events sorted per course and learner.

Input frames hold one row per event, sorted by (course_id, username, ts), with the columns
course_id, username, ts (epoch seconds, float), date (the local day), session, referer,
event_type and page_key. Every function returns one row per (course_id, username, date) with
seconds, sessions and events.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

DAY_KEY = ["course_id", "username", "date"]
OUTPUT_COLUMNS = [*DAY_KEY, "seconds", "sessions", "events"]


def params_hash(method: str, params: Mapping[str, float]) -> str:
    """A stable 16-hex-digit id of a method and its parameters (the kpi_params key)."""
    text = json.dumps({"method": method, "params": dict(params)}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _gaps(events: pd.DataFrame, within: list[str]) -> np.ndarray:
    """Seconds to the next event of the same `within` group; NaN for a group's last event."""
    ts = events["ts"].to_numpy(dtype="float64")
    gap = np.full(len(ts), np.nan)
    if len(ts) > 1:
        same = np.ones(len(ts) - 1, dtype=bool)
        for column in within:
            values = events[column].to_numpy()
            same &= values[1:] == values[:-1]
        gap[:-1] = np.where(same, ts[1:] - ts[:-1], np.nan)
    return gap


def _starts(gap: np.ndarray, breaks: np.ndarray) -> np.ndarray:
    """True where an event opens a session: the first event, or after a break or group end."""
    starts = np.ones(len(gap), dtype=bool)
    if len(gap) > 1:
        starts[1:] = np.isnan(gap[:-1]) | breaks[:-1]
    return starts


def _per_day(events: pd.DataFrame, credit: np.ndarray, starts: np.ndarray) -> pd.DataFrame:
    frame = events[DAY_KEY].assign(seconds=credit, sessions=starts.astype("int64"), events=1)
    out = frame.groupby(DAY_KEY, sort=False, as_index=False).sum()
    return out[OUTPUT_COLUMNS]


def session_gap_credits(events: pd.DataFrame, params: Mapping[str, float]) -> np.ndarray:
    """Seconds credited to each event by `session_gap`, and where sessions start."""
    gap = _gaps(events, ["course_id", "username"])
    breaks = ~(gap <= params["SESSION_GAP_S"])
    return np.stack([np.where(breaks, params["LAST_EVENT_S"], gap), _starts(gap, breaks)])


def session_gap(events: pd.DataFrame, params: Mapping[str, float]) -> pd.DataFrame:
    """Gaps up to SESSION_GAP_S credited to the earlier event; a session's last event gets
    LAST_EVENT_S."""
    credit, starts = session_gap_credits(events, params)
    return _per_day(events, credit, starts.astype(bool))


def window_union(events: pd.DataFrame, params: Mapping[str, float]) -> pd.DataFrame:
    """Length of the union of [t, t + WINDOW_S) over a learner's events in a course."""
    window = params["WINDOW_S"]
    gap = _gaps(events, ["course_id", "username"])
    credit = np.where(np.isnan(gap), window, np.minimum(gap, window))
    return _per_day(events, credit, _starts(gap, ~(gap <= window)))


def canvas_like(events: pd.DataFrame, params: Mapping[str, float]) -> pd.DataFrame:
    """Only gaps in [MIN_GAP_S, MAX_GAP_S) count; a session is a run of credited gaps."""
    gap = _gaps(events, ["course_id", "username"])
    credited = (gap >= params["MIN_GAP_S"]) & (gap < params["MAX_GAP_S"])
    credit = np.where(credited, gap, 0.0)
    previous = np.zeros(len(gap), dtype=bool)
    previous[1:] = credited[:-1]
    return _per_day(events, credit, credited & ~previous)


def ope(events: pd.DataFrame, params: Mapping[str, float]) -> pd.DataFrame:
    """Per learner, day and `session` value (empty and null ignored): last minus first event."""
    counts = events.groupby(DAY_KEY, sort=False, as_index=False).size()
    counts = counts.rename(columns={"size": "events"})
    session = events["session"].fillna("")
    spans = events[(session != "") & (session != "null")]
    spans = spans.groupby([*DAY_KEY, "session"], sort=False)["ts"].agg(["min", "max"])
    spans = (spans["max"] - spans["min"]).rename("seconds").reset_index()
    per_day = spans.groupby(DAY_KEY, sort=False).agg(
        seconds=("seconds", "sum"), sessions=("session", "nunique")
    )
    out = counts.merge(per_day.reset_index(), on=DAY_KEY, how="left")
    out = out.fillna({"seconds": 0.0, "sessions": 0}).astype({"sessions": "int64"})
    return out[OUTPUT_COLUMNS]


def eol_credits(events: pd.DataFrame, params: Mapping[str, float]) -> np.ndarray:
    """EOL's classifier: per day, breaks at long gaps (shorter before login or dashboard
    referers), outlier gaps and session ends credited a fixed amount, page_close ends at 0,
    consecutive events on one page form a visit and visits under MIN_VISIT_S are dropped.

    Returns the seconds kept per event, where sessions start and where page visits start.
    Events without a page stay on the page the learner was on."""
    gap = _gaps(events, DAY_KEY)
    referer = events["referer"].fillna("").to_numpy(dtype=object)
    next_referer = np.append(referer[1:], "").astype(str)
    login = np.char.find(next_referer, "/login") >= 0
    dashboard = np.char.find(next_referer, "/dashboard") >= 0
    breaks = (
        (gap > params["SESSION_BREAK_S"])
        | (login & (gap > params["LOGIN_BREAK_S"]))
        | (dashboard & (gap > params["DASHBOARD_BREAK_S"]))
    )
    ended = np.isnan(gap) | breaks
    closing = (events["event_type"] == "page_close").to_numpy()
    credit = np.where(gap > params["OUTLIER_GAP_S"], params["OUTLIER_CREDIT_S"], gap)
    credit = np.where(ended, np.where(closing, 0.0, params["LAST_EVENT_S"]), credit)
    starts = _starts(gap, breaks)
    page = current_page(events).to_numpy(dtype=object)
    new_visit = starts.copy()
    new_visit[1:] |= page[1:] != page[:-1]
    visit = np.cumsum(new_visit)
    visit_seconds = pd.Series(credit).groupby(visit).transform("sum").to_numpy()
    kept = np.where(visit_seconds >= params["MIN_VISIT_S"], credit, 0.0)
    return np.stack([kept, starts, new_visit])


def eol(events: pd.DataFrame, params: Mapping[str, float]) -> pd.DataFrame:
    """EOL's time on course: the sum of `eol_credits` per day."""
    kept, starts, _ = eol_credits(events, params)
    return _per_day(events, kept, starts.astype(bool))


def current_page(events: pd.DataFrame) -> pd.Series:
    """Each event's page: its own, else the last one the learner opened that day in the course
    (days stand alone, as in EOL, so a day's figures never depend on older days)."""
    pages = events["page_key"].replace("", None)
    keys = [events["course_id"], events["username"], events["date"]]
    return pages.groupby(keys, sort=False).ffill().fillna("")


METHODS: dict[str, Callable[[pd.DataFrame, Mapping[str, float]], pd.DataFrame]] = {
    "session_gap": session_gap,
    "eol": eol,
    "ope": ope,
    "window_union": window_union,
    "canvas_like": canvas_like,
}
