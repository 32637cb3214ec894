"""Video viewings by edx-analytics-pipeline's rules, and the per-video, per-segment and
per-learner figures built on them (pure functions)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np
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


def _none(values: list) -> list:
    return [None if isinstance(v, float) and math.isnan(v) else v for v in values]


def _groups(events: pd.DataFrame) -> Iterator[tuple[tuple[str, str, str], list[tuple]]]:
    """(course, video, learner) and that learner's event tuples, in one pass over the rows."""
    keys = zip(events["course_id"], events["item_id"], events["username"], strict=True)
    rows = zip(
        events["ts"],
        events["event_type"],
        _none(events["cur_time"].tolist()),
        _none(events["old_time"].tolist()),
        _none(events["new_time"].tolist()),
        strict=True,
    )
    current: tuple[str, str, str] | None = None
    bucket: list[tuple] = []
    for key, row in zip(keys, rows, strict=True):
        if key != current:
            if current is not None:
                yield current, bucket
            current, bucket = key, []
        bucket.append(row)
    if current is not None:
        yield current, bucket


VIEWING_COLUMNS = [
    "course_id",
    "video_id",
    "username",
    "start_time",
    "start_offset",
    "end_offset",
    "ended_by",
    "duration",
]


def all_viewings(
    events: pd.DataFrame, durations: dict[tuple[str, str], float], pairing: str = "pipeline"
) -> pd.DataFrame:
    """edx_video_viewing rows from video events sorted by course, video, learner and time."""
    pair = aspects_viewings if pairing == "aspects" else viewings
    rows = []
    for (course, video, user), steps in _groups(events):
        duration = durations.get((course, video))
        for v in pair(steps, duration):
            rows.append((course, video, user, v.started_at, v.start, v.end, v.ended_by, duration))
    frame = pd.DataFrame(rows, columns=VIEWING_COLUMNS)
    # Start times are stored to the second: of two viewings begun in one second, keep the first.
    frame["start_time"] = pd.to_datetime(frame["start_time"]).dt.floor("s")
    return frame.drop_duplicates(["course_id", "video_id", "username", "start_time"])


def _merged(
    frame: pd.DataFrame, keys: list[str], start: str, end: str, gap: float
) -> pd.DataFrame:
    """Union of [start, end] intervals per `keys` (touching within `gap` joins them)."""
    ordered = frame.sort_values([*keys, start])
    reach = ordered.groupby(keys, sort=False)[end].cummax()
    before = reach.groupby([ordered[k] for k in keys], sort=False).shift()
    opens = before.isna() | (ordered[start] > before + gap)
    run = opens.cumsum()
    merged = ordered.groupby(run, sort=False).agg(
        **{k: (k, "first") for k in keys}, start=(start, "min"), end=(end, "max")
    )
    return merged.reset_index(drop=True)


def _covered(intervals: pd.DataFrame, column: str) -> pd.DataFrame:
    """Per video and segment, how many of the [start, end] segment intervals cover it."""
    key = ["course_id", "video_id"]
    marks = pd.concat(
        [
            intervals[[*key, "start"]].rename(columns={"start": "segment"}).assign(change=1),
            intervals[[*key, "end"]]
            .rename(columns={"end": "segment"})
            .assign(segment=lambda f: f["segment"] + 1, change=-1),
        ]
    )
    marks = marks.groupby([*key, "segment"], as_index=False)["change"].sum()
    courses, videos, segments, levels = [], [], [], []
    for (course, video), group in marks.groupby(key, sort=False):
        level = np.zeros(int(group["segment"].max()) + 1, dtype=np.int64)
        level[group["segment"].to_numpy()] = group["change"].to_numpy()
        level = np.cumsum(level)[:-1]
        covered = np.nonzero(level)[0]
        courses.append(np.full(len(covered), course, dtype=object))
        videos.append(np.full(len(covered), video, dtype=object))
        segments.append(covered)
        levels.append(level[covered])
    if not segments:
        return pd.DataFrame(columns=[*key, "segment", column])
    return pd.DataFrame(
        {
            "course_id": np.concatenate(courses),
            "video_id": np.concatenate(videos),
            "segment": np.concatenate(segments),
            column: np.concatenate(levels),
        }
    )


def segment_rows(views: pd.DataFrame, size: int) -> pd.DataFrame:
    """edx_video_segment rows: per segment, distinct learners and viewings."""
    key = ["course_id", "video_id"]
    spans = views[[*key, "username"]].assign(
        start=views["start_offset"].astype("int64") // size,
        end=views["end_offset"].astype("int64") // size,
    )
    viewings_per = _covered(spans, "viewings")
    learners = _merged(spans, [*key, "username"], "start", "end", 0)
    users_per = _covered(learners, "users")
    out = users_per.merge(viewings_per, on=[*key, "segment"], how="outer").fillna(0)
    out = out.astype({"segment": "int64", "users": "int64", "viewings": "int64"})
    return out.assign(segment_length=size)


def learner_rows(
    views: pd.DataFrame, durations: dict[tuple[str, str], float], threshold: float
) -> pd.DataFrame:
    """edx_video_learner rows: watched, unique and rewatched seconds, coverage, completion."""
    key = ["course_id", "video_id", "username"]
    if views.empty:
        return pd.DataFrame(
            columns=[
                *key,
                "viewings",
                "watched_seconds",
                "unique_seconds",
                "rewatched_seconds",
                "coverage",
                "completed",
                "first_viewed_at",
                "last_viewed_at",
            ]
        )
    watched = views.assign(length=views["end_offset"] - views["start_offset"])
    out = watched.groupby(key, as_index=False).agg(
        viewings=("length", "size"),
        watched_seconds=("length", "sum"),
        first_viewed_at=("start_time", "min"),
        last_viewed_at=("start_time", "max"),
    )
    union = _merged(views, key, "start_offset", "end_offset", -1e-9)
    union = (
        union.assign(unique_seconds=union["end"] - union["start"])
        .groupby(key, as_index=False)["unique_seconds"]
        .sum()
    )
    out = out.merge(union, on=key)
    duration = pd.Series(
        [durations.get((c, v)) for c, v in zip(out["course_id"], out["video_id"], strict=True)],
        dtype="float64",
    )
    coverage = out["unique_seconds"] / duration
    out["rewatched_seconds"] = (out["watched_seconds"] - out["unique_seconds"]).round(3)
    out["watched_seconds"] = out["watched_seconds"].round(3)
    out["unique_seconds"] = out["unique_seconds"].round(3)
    out["coverage"] = coverage.round(4)
    out["completed"] = (coverage >= threshold).astype("Int64").where(coverage.notna())
    return out


def video_rows(
    views: pd.DataFrame,
    segs: pd.DataFrame,
    known: dict[tuple[str, str], float],
    learners: pd.DataFrame,
) -> pd.DataFrame:
    """edx_video rows: duration and its source, users at start and end, totals."""
    rows = []
    five = segs[segs["segment_length"] == SEGMENT_S]
    per_video = learners.groupby(["course_id", "video_id"]).agg(
        viewers=("username", "nunique"), completers=("completed", "sum")
    )
    for (course, video), group in five.groupby(["course_id", "video_id"]):
        users = dict(zip(group["segment"], group["users"], strict=True))
        duration, source = known.get((course, video)), "events"
        if duration is None:
            duration, source = drop_off_duration(users), "drop_off"
        end_segment = int(max(duration - 30, 0.95 * duration)) // SEGMENT_S if duration else None
        viewers, completers = (
            per_video.loc[(course, video)] if (course, video) in per_video.index else (0, 0)
        )
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
                "viewers": int(viewers),
                "completers": int(completers or 0),
            }
        )
    return pd.DataFrame(rows)
