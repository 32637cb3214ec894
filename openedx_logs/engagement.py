"""Engagement segments from the weekly metrics and their ranges (pure)."""

from __future__ import annotations

import numpy as np
import pandas as pd

SEGMENT_COLUMN = "segments"


def with_segments(weeks: pd.DataFrame) -> pd.DataFrame:
    """Name each learner-week's segments, comma-separated (empty: none applies).

    highly_engaged: problems attempted, videos viewed or discussion contributions in the high
    range; struggling: attempts per completed problem in the high range, or attempts with no
    problem completed; disengaging: fewer active days than the week before.
    """
    if weeks.empty:
        return weeks.assign(**{SEGMENT_COLUMN: pd.Series(dtype=object)}).drop(
            columns=["previous_days_active"]
        )
    high = (
        weeks[
            ["problems_attempted_range", "videos_viewed_range", "discussion_contributions_range"]
        ]
        .eq("high")
        .any(axis=1)
    )
    struggling = weeks["problem_attempts_per_completed_range"].eq("high") | (
        (weeks["problem_attempts"] > 0) & (weeks["problems_completed"] == 0)
    )
    disengaging = weeks["days_active"] < weeks["previous_days_active"]
    names = np.array(["highly_engaged", "struggling", "disengaging"], dtype=object)
    flags = np.column_stack([high, struggling, disengaging])
    segments = [",".join(names[row]) for row in flags]
    return weeks.drop(columns=["previous_days_active"]).assign(**{SEGMENT_COLUMN: segments})
