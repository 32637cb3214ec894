"""Video viewings by edx-analytics-pipeline's rules, and the per-video, per-segment and
per-learner figures built on them (pure functions)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import pandas as pd

PLAY = frozenset({"play_video", "edx.video.played"})
PAUSE = frozenset({"pause_video", "edx.video.paused", "stop_video", "edx.video.stopped"})
SEEK = frozenset({"seek_video", "edx.video.position.changed"})
MAX_OFFSET = 36_000.0  # ten hours
MIN_VIEWING_S = 0.25
SEGMENT_S = 5
DROP_OFF = 0.05


@dataclass(frozen=True)
class Viewing:
    start: float
    end: float
    ended_by: str
    started_at: pd.Timestamp


def _offset(value: object) -> float | None:
    if value is None or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    value = float(value)
    return value if 0.0 <= value <= MAX_OFFSET else None


def viewings(events: Iterable[tuple], duration: float | None) -> Iterator[Viewing]:
    """One learner's viewings of one video from (ts, event_type, cur, old, new) in time order.

    A play opens a viewing (a second play replaces an open one) starting at the preceding
    seek's target when the last viewing ended with that seek, else at the play's position;
    pause and stop end it at their position (0 without one), a seek at its origin. Viewings
    ending before they start, lasting under 0.25 s or ending past duration + 1 are dropped.
    """
    open_at: tuple[float, pd.Timestamp] | None = None
    seek_target: float | None = None
    for ts, kind, cur, old, new in events:
        end: float | None = None
        if kind in PLAY:
            position = _offset(cur)
            start = seek_target if seek_target is not None else position
            open_at = None if start is None else (start, ts)
            seek_target = None
        elif kind in PAUSE and open_at is not None:
            end = _offset(cur) if cur is not None else 0.0
            ended_by = "pause" if kind.startswith(("pause", "edx.video.paused")) else "stop"
        elif kind in SEEK and _offset(old) is not None and _offset(new) is not None:
            if open_at is not None:
                end, ended_by = _offset(old), "seek"
                seek_target = _offset(new)
            elif seek_target is not None:
                seek_target = _offset(new)
        if end is None or open_at is None:
            continue
        start, started = open_at
        open_at = None
        if ended_by != "seek":
            seek_target = None
        if end < start or end - start < MIN_VIEWING_S:
            continue
        if duration is not None and end > duration + 1:
            continue
        yield Viewing(start, end, ended_by, started)


def aspects_viewings(events: Iterable[tuple], duration: float | None) -> Iterator[Viewing]:
    """Aspects' pairing: each play runs to the last non-play event before the next play (its
    position: `currentTime`, or a seek's `old_time`); the same viewings are dropped."""
    play: tuple[float, pd.Timestamp] | None = None
    last: tuple[float, str] | None = None
    for ts, kind, cur, old, _new in [*events, (None, "play_video", None, None, None)]:
        if kind in PLAY:
            if play is not None and last is not None:
                viewing = Viewing(play[0], last[0], last[1], play[1])
                if _kept(viewing, duration):
                    yield viewing
            position = _offset(cur)
            play, last = (None if position is None else (position, ts)), None
        elif kind in PAUSE or kind in SEEK:
            position = _offset(old if kind in SEEK else (cur if cur is not None else 0.0))
            if position is not None:
                last = (position, "seek" if kind in SEEK else kind.split("_")[0].split(".")[-1])


def _kept(v: Viewing, duration: float | None) -> bool:
    if v.end < v.start or v.end - v.start < MIN_VIEWING_S:
        return False
    return duration is None or v.end <= duration + 1


def segments(start: float, end: float, size: int) -> range:
    """The segments a viewing covers: int(start) // size to int(end) // size."""
    return range(int(start) // size, int(end) // size + 1)


def drop_off_duration(users_per_segment: dict[int, int]) -> float | None:
    """Duration estimated where viewers drop under 5% of segment 0's (pipeline #96)."""
    first = users_per_segment.get(0, 0)
    if not first:
        return None
    kept = [s for s, users in users_per_segment.items() if users > DROP_OFF * first]
    return float((max(kept) + 1) * SEGMENT_S - 1)


def union_seconds(intervals: Iterable[tuple[float, float]]) -> float:
    """Length of the union of [start, end] intervals."""
    total, reach = 0.0, -math.inf
    for start, end in sorted(intervals):
        if end > reach:
            total += end - max(start, reach)
            reach = end
    return total


def known_durations(events: pd.DataFrame) -> dict[tuple[str, str], float]:
    """The largest positive `duration` that a video's events carry."""
    durations = events[events["duration"].fillna(0) > 0]
    grouped = durations.groupby(["course_id", "item_id"])["duration"].max()
    return {key: float(value) for key, value in grouped.items()}


def all_viewings(
    events: pd.DataFrame, durations: dict[tuple[str, str], float], pairing: str = "pipeline"
) -> pd.DataFrame:
    """edx_video_viewing rows from video events sorted by course, video, learner and time."""
    rows = []
    columns = ["ts", "event_type", "cur_time", "old_time", "new_time"]
    for (course, video, user), group in events.groupby(
        ["course_id", "item_id", "username"], sort=False
    ):
        duration = durations.get((course, video))
        records = group[columns].astype(object).where(group[columns].notna(), None)
        pair = aspects_viewings if pairing == "aspects" else viewings
        for v in pair(records.itertuples(index=False, name=None), duration):
            rows.append(
                {
                    "course_id": course,
                    "video_id": video,
                    "username": user,
                    "start_time": v.started_at,
                    "start_offset": v.start,
                    "end_offset": v.end,
                    "ended_by": v.ended_by,
                    "duration": duration,
                }
            )
    columns = [
        "course_id",
        "video_id",
        "username",
        "start_time",
        "start_offset",
        "end_offset",
        "ended_by",
        "duration",
    ]
    frame = pd.DataFrame(rows, columns=columns)
    # Start times are stored to the second: of two viewings begun in one second, keep the first.
    frame["start_time"] = pd.to_datetime(frame["start_time"]).dt.floor("s")
    return frame.drop_duplicates(["course_id", "video_id", "username", "start_time"])


def segment_rows(views: pd.DataFrame, size: int) -> pd.DataFrame:
    """edx_video_segment rows: per segment, distinct users and viewings."""
    rows = []
    for v in views.itertuples(index=False):
        for segment in segments(v.start_offset, v.end_offset, size):
            rows.append((v.course_id, v.video_id, segment, v.username))
    frame = pd.DataFrame(rows, columns=["course_id", "video_id", "segment", "username"])
    out = frame.groupby(["course_id", "video_id", "segment"], as_index=False).agg(
        users=("username", "nunique"), viewings=("username", "size")
    )
    return out.assign(segment_length=size)


def learner_rows(
    views: pd.DataFrame, durations: dict[tuple[str, str], float], threshold: float
) -> pd.DataFrame:
    """edx_video_learner rows: watched, unique and rewatched seconds, coverage, completion."""
    rows = []
    for (course, video, user), group in views.groupby(["course_id", "video_id", "username"]):
        watched = float((group["end_offset"] - group["start_offset"]).sum())
        unique = union_seconds(zip(group["start_offset"], group["end_offset"], strict=True))
        duration = durations.get((course, video))
        coverage = unique / duration if duration else None
        rows.append(
            {
                "course_id": course,
                "video_id": video,
                "username": user,
                "viewings": len(group),
                "watched_seconds": round(watched, 3),
                "unique_seconds": round(unique, 3),
                "rewatched_seconds": round(watched - unique, 3),
                "coverage": None if coverage is None else round(coverage, 4),
                "completed": None if coverage is None else int(coverage >= threshold),
                "first_viewed_at": group["start_time"].min(),
                "last_viewed_at": group["start_time"].max(),
            }
        )
    return pd.DataFrame(rows)


def video_rows(
    views: pd.DataFrame,
    segs: pd.DataFrame,
    known: dict[tuple[str, str], float],
    learners: pd.DataFrame,
) -> pd.DataFrame:
    """edx_video rows: duration and its source, users at start and end, totals."""
    rows = []
    five = segs[segs["segment_length"] == SEGMENT_S]
    for (course, video), group in five.groupby(["course_id", "video_id"]):
        users = dict(zip(group["segment"], group["users"], strict=True))
        duration, source = known.get((course, video)), "events"
        if duration is None:
            duration, source = drop_off_duration(users), "drop_off"
        end_segment = int(max(duration - 30, 0.95 * duration)) // SEGMENT_S if duration else None
        mine = learners[(learners["course_id"] == course) & (learners["video_id"] == video)]
        rows.append(
            {
                "course_id": course,
                "video_id": video,
                "duration": duration,
                "duration_source": source if duration is not None else None,
                "segment_length": SEGMENT_S,
                "users_at_start": users.get(0, 0),
                "users_at_end": users.get(end_segment, 0) if end_segment is not None else None,
                "total_viewed_seconds": int(group["viewings"].sum()) * SEGMENT_S,
                "viewers": int(mine["username"].nunique()),
                "completers": int(mine["completed"].fillna(0).sum()),
            }
        )
    return pd.DataFrame(rows)
