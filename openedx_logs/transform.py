"""Pure table-building functions of OPENEDX_LOGS (time spent, enrollment, learner status)."""

from __future__ import annotations

import json
from collections.abc import Sequence

import numpy as np
import pandas as pd

from openedx_logs.methods import METHODS, params_hash
from settings import TimeSpentMethod

ACTIVATED = "edx.course.enrollment.activated"
DEACTIVATED = "edx.course.enrollment.deactivated"
PAIR = ["course_id", "username"]


def time_spent(events: pd.DataFrame, methods: Sequence[TimeSpentMethod]) -> pd.DataFrame:
    """edx_time_spent_day rows of every method, from events sorted per course and learner."""
    frames = []
    for method in methods:
        out = METHODS[method.name](events, method.params)
        frames.append(
            out.assign(method=method.name, params_hash=params_hash(method.name, method.params))
        )
    if not frames:
        return pd.DataFrame()
    result = pd.concat(frames, ignore_index=True)
    result["seconds"] = result["seconds"].astype("float64").round(3)
    return result


def kpi_params(methods: Sequence[TimeSpentMethod], job: str) -> pd.DataFrame:
    """kpi_params rows: what each parameters hash stands for."""
    return pd.DataFrame(
        [
            {
                "params_hash": params_hash(m.name, m.params),
                "job": job,
                "method": m.name,
                "params": json.dumps(dict(m.params), sort_keys=True),
            }
            for m in methods
        ]
    )


def _states(events: pd.DataFrame) -> pd.DataFrame:
    """Enrollment events (sorted per learner and time) with the state before and after each."""
    ev = events.reset_index(drop=True).copy()
    act = ev["event_type"].map({ACTIVATED: 1.0, DEACTIVATED: 0.0})
    group = ev.groupby(PAIR, sort=False)
    ev["active"] = act.groupby([ev["course_id"], ev["username"]], sort=False).ffill().fillna(0)
    ev["mode_now"] = group["mode"].ffill().fillna("")
    ev["prev_active"] = ev.groupby(PAIR, sort=False)["active"].shift().fillna(0)
    ev["prev_mode"] = ev.groupby(PAIR, sort=False)["mode_now"].shift().fillna("")
    ev["enrolls"] = ((act == 1) & (ev["prev_active"] == 0)).astype("int64")
    ev["unenrolls"] = ((act == 0) & (ev["prev_active"] == 1)).astype("int64")
    return ev


def enrollment_day(events: pd.DataFrame) -> pd.DataFrame:
    """edx_enrollment_day: per course, day and mode, the day's changes and running totals."""
    columns = [
        "course_id",
        "date",
        "mode",
        "enrollments",
        "unenrollments",
        "enrolled_end_of_day",
        "cumulative_enrollments",
    ]
    if events.empty:
        return pd.DataFrame(columns=columns)
    ev = _states(events)
    gained = ev.assign(
        mode=ev["mode_now"],
        enrollments=ev["enrolls"],
        unenrollments=0,
        net=np.where(ev["active"] == 1, 1, 0),
    )
    lost = ev.assign(
        mode=ev["prev_mode"],
        enrollments=0,
        unenrollments=ev["unenrolls"],
        net=np.where(ev["prev_active"] == 1, -1, 0),
    )
    moves = pd.concat([gained, lost])[
        ["course_id", "date", "mode", "enrollments", "unenrollments", "net"]
    ]
    moves = moves[(moves["net"] != 0) | (moves["enrollments"] > 0) | (moves["unenrollments"] > 0)]
    day = moves.groupby(["course_id", "date", "mode"], as_index=False).sum()
    day = day.sort_values(["course_id", "mode", "date"])
    running = day.groupby(["course_id", "mode"])
    day["enrolled_end_of_day"] = running["net"].cumsum()
    day["cumulative_enrollments"] = running["enrollments"].cumsum()
    return day[columns].reset_index(drop=True)


def enrollment_state(events: pd.DataFrame) -> pd.DataFrame:
    """Per learner and course: enrolled or not after the last event, mode, first and last."""
    columns = [
        *PAIR,
        "enrollment_state",
        "enrollment_mode",
        "first_enrolled_at",
        "last_unenrolled_at",
    ]
    if events.empty:
        return pd.DataFrame(columns=columns)
    ev = _states(events)
    ev["enrolled_at"] = ev["event_time"].where(ev["enrolls"] == 1)
    ev["unenrolled_at"] = ev["event_time"].where(ev["unenrolls"] == 1)
    out = ev.groupby(PAIR, as_index=False, sort=False).agg(
        active=("active", "last"),
        enrollment_mode=("mode_now", "last"),
        first_enrolled_at=("enrolled_at", "min"),
        last_unenrolled_at=("unenrolled_at", "max"),
    )
    out["enrollment_state"] = np.where(out["active"] == 1, "enrolled", "unenrolled")
    out["enrollment_mode"] = out["enrollment_mode"].replace("", None)
    return out[columns]


def learner_course(
    history: pd.DataFrame, states: pd.DataFrame, seconds: pd.DataFrame, method: TimeSpentMethod
) -> pd.DataFrame:
    """edx_learner_course rows: whole-history figures, enrollment, time and a status."""
    out = history.merge(states, on=PAIR, how="outer").merge(seconds, on=PAIR, how="left")
    out["days_active"] = out["days_active"].fillna(0).astype("int64")
    out["problems_attempted"] = out["problems_attempted"].fillna(0).astype("int64")
    out["seconds"] = out["seconds"].fillna(0.0).round(3)
    started = out["first_event_at"].notna()
    exam = out["exam"].fillna(0).astype(bool)
    out["status"] = np.select(
        [exam, started], ["attempted_exam", "started"], "enrolled_not_started"
    )
    out["method"] = method.name
    out["params_hash"] = params_hash(method.name, method.params)
    return out.drop(columns=["exam"])
