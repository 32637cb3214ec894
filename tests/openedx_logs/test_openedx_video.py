"""Video viewings by the pipeline's rules: the worked case and each rule."""

from __future__ import annotations

import pandas as pd

from openedx_logs import video

T0 = pd.Timestamp("2024-03-04 10:00:00")


def events(*steps: tuple) -> list[tuple]:
    """(seconds after T0, event type, currentTime, old_time, new_time)."""
    return [
        (T0 + pd.Timedelta(seconds=s), kind, cur, old, new) for s, kind, cur, old, new in steps
    ]


def spans(steps: list[tuple], duration: float | None = 100.0) -> list[tuple]:
    return [(v.start, v.end, v.ended_by) for v in video.viewings(steps, duration)]


def test_the_worked_case_credits_the_watched_ranges() -> None:
    steps = events(
        (0, "play_video", 0, None, None),
        (10, "seek_video", None, 10, 50),
        (11, "play_video", 50, None, None),
        (21, "pause_video", 60, None, None),
    )
    found = spans(steps)
    assert found == [(0, 10, "seek"), (50, 60, "pause")]
    unique = video.union_seconds((s, e) for s, e, _ in found)
    assert (unique, unique / 100) == (20, 0.20)


def test_a_play_after_a_seek_starts_at_the_seek_target() -> None:
    steps = events(
        (0, "play_video", 5, None, None),
        (5, "seek_video", None, 10, 40),
        (6, "play_video", 12, None, None),
        (20, "stop_video", 55, None, None),
    )
    assert spans(steps) == [(5, 10, "seek"), (40, 55, "stop")]


def test_short_backwards_unended_and_past_duration_viewings_are_dropped() -> None:
    steps = events(
        (0, "play_video", 10, None, None),
        (1, "pause_video", 10.2, None, None),
        (2, "play_video", 30, None, None),
        (3, "pause_video", 20, None, None),
        (4, "play_video", 90, None, None),
        (20, "pause_video", 102, None, None),
        (30, "play_video", 0, None, None),
        (40, "play_video", 1, None, None),
        (50, "pause_video", 11, None, None),
        (60, "play_video", 3, None, None),
    )
    assert spans(steps) == [(1, 11, "pause")]  # the second play replaced the first


def test_offsets_beyond_ten_hours_and_seeks_without_both_times_are_ignored() -> None:
    steps = events(
        (0, "play_video", 40_000, None, None),
        (1, "pause_video", 40_010, None, None),
        (2, "play_video", 0, None, None),
        (3, "seek_video", None, 5, None),
        (4, "pause_video", None, None, None),
    )
    assert spans(steps, None) == []  # pause without a position ends at 0: shorter than 0.25 s
    steps = events(
        (0, "play_video", 0, None, None),
        (8, "seek_video", None, 8, None),
        (9, "pause_video", 9, None, None),
    )
    assert spans(steps, None) == [(0, 9, "pause")]


def test_unknown_duration_from_the_drop_off_and_segments() -> None:
    users = {0: 100, 1: 90, 2: 50, 3: 6, 4: 5, 5: 1}
    assert video.drop_off_duration(users) == (3 + 1) * 5 - 1
    assert list(video.segments(3.7, 12.2, 5)) == [0, 1, 2]
    assert list(video.segments(3.7, 5.0, 1)) == [3, 4, 5]


def test_aspects_pairs_a_play_with_the_last_event_before_the_next_play() -> None:
    steps = events(
        (0, "play_video", 0, None, None),
        (10, "pause_video", 10, None, None),
        (12, "seek_video", None, 20, 30),
        (14, "play_video", 30, None, None),
        (30, "stop_video", 46, None, None),
    )
    aspects = [(v.start, v.end, v.ended_by) for v in video.aspects_viewings(steps, 100.0)]
    assert aspects == [(0, 20, "seek"), (30, 46, "stop")]
    assert spans(steps) == [(0, 10, "pause"), (30, 46, "stop")]  # the pipeline's pairing


def test_completion_threshold() -> None:
    views = pd.DataFrame(
        {
            "course_id": "c",
            "video_id": "v",
            "username": ["a", "b"],
            "start_time": T0,
            "start_offset": 0.0,
            "end_offset": [91.0, 89.0],
            "ended_by": "pause",
            "duration": 100.0,
        }
    )
    done = video.learner_rows(views, {("c", "v"): 100.0}, 0.90)
    assert done["completed"].tolist() == [1, 0]
    strict = video.learner_rows(views, {("c", "v"): 100.0}, 0.95)
    assert strict["completed"].tolist() == [0, 0]
    unknown = video.learner_rows(views, {}, 0.90)
    assert unknown["coverage"].isna().all() and unknown["completed"].isna().all()
