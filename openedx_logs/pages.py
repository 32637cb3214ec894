"""Time on page: EOL's credits and the default method's, summed per learner, day and page."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from openedx_logs import methods
from settings import TIME_SPENT_DEFAULTS, TimeSpentMethod

PER_EVENT = {"eol": methods.eol_credits, "session_gap": methods.session_gap_credits}
COLUMNS = [
    "course_id",
    "username",
    "date",
    "page",
    "method",
    "params_hash",
    "seconds",
    "page_views",
    "navigation_visits",
]


def page_methods(configured: Sequence[TimeSpentMethod]) -> list[TimeSpentMethod]:
    """EOL's method (as configured, else its defaults) and the default one, when it credits
    single events (`ope` spans sessions, so it has no per-page form)."""
    chosen = {m.name: m for m in configured if m.name in PER_EVENT}
    chosen.setdefault("eol", TimeSpentMethod("eol", TIME_SPENT_DEFAULTS["eol"]))
    default = configured[0] if configured else None
    keep = ["eol"] + ([default.name] if default and default.name in chosen else [])
    return [chosen[name] for name in dict.fromkeys(keep)]


def time_on_page(events: pd.DataFrame, chosen: Sequence[TimeSpentMethod]) -> pd.DataFrame:
    """edx_time_on_page_day rows from events sorted per course, learner and time.

    `page_views` counts the navigation events that opened the page; `navigation_visits` the
    separate visits (a new visit starts at each change of page or session)."""
    if events.empty:
        return pd.DataFrame(columns=COLUMNS)
    page = methods.current_page(events).str.slice(0, 255)
    frames = []
    for method in chosen:
        result = PER_EVENT[method.name](events, method.params)
        seconds, starts = result[0], result[1].astype(bool)
        visits = result[2].astype(bool) if len(result) > 2 else _visits(page, starts)
        frame = pd.DataFrame(
            {
                "course_id": events["course_id"],
                "username": events["username"],
                "date": events["date"],
                "page": page,
                "seconds": seconds,
                "page_views": events["is_nav"].astype("int64"),
                "navigation_visits": visits.astype("int64"),
            }
        )
        frame = frame[frame["page"] != ""]
        out = frame.groupby(["course_id", "username", "date", "page"], as_index=False).sum()
        frames.append(
            out.assign(
                method=method.name, params_hash=methods.params_hash(method.name, method.params)
            )
        )
    result_frame = pd.concat(frames, ignore_index=True)
    result_frame["seconds"] = result_frame["seconds"].round(3)
    return result_frame[COLUMNS]


def _visits(page: pd.Series, starts: np.ndarray) -> np.ndarray:
    values = page.to_numpy(dtype=object)
    visits = starts.copy()
    visits[1:] |= values[1:] != values[:-1]
    return visits
