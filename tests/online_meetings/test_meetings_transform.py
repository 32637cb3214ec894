"""Pure transforms of the ONLINE_MEETINGS job."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from online_meetings import transform


@pytest.mark.parametrize(
    ("value", "minutes"),
    [
        ("03:55:08", 235),
        ("01:25", 1),
        ("00:20", 0),
        ("29:31", 30),
        ("100:00:00", 6000),
        (45, 45),
        ("45", 45),
        (12.6, 13),
        (None, None),
        ("", None),
        ("soon", None),
        ("1:2:3:4", None),
        (True, None),
    ],
)
def test_parse_duration(value: object, minutes: int | None) -> None:
    assert transform.parse_duration_minutes(value) == minutes


def _meeting(uuid: str, start: str | None, **extra: object) -> dict[str, object]:
    return {
        "uuid": uuid,
        "id": 123,
        "topic": "T",
        "email": "h@example.edu",
        "start_time": start,
        "end_time": None,
        "duration": "01:30:00",
        "participants": 4,
        **extra,
    }


def test_meetings_frame_rows_and_estimate() -> None:
    frame = transform.meetings_frame(
        {
            date(2024, 3, 1): [_meeting("a", "2024-03-01T23:50:00Z"), _meeting("", None)],
            date(2024, 3, 2): [
                _meeting("a", "2024-03-01T23:50:00Z", participants=5),
                _meeting("b", None, duration=None, participants=None),
            ],
        }
    )
    assert list(frame.columns) == transform.MEETING_COLUMNS
    rows = frame.set_index("uuid")
    assert rows.loc["a", "participants"] == 5  # the later listing wins
    assert rows.loc["a", "duration_minutes"] == 90
    assert rows.loc["a", "participant_minutes_est"] == 450
    assert rows.loc["a", "meeting_day"] == date(2024, 3, 1)
    assert rows.loc["a", "start_time"] == pd.Timestamp("2024-03-01T23:50:00Z")
    assert rows.loc["a", "host_id"] == "h@example.edu"
    assert rows.loc["b", "meeting_day"] == date(2024, 3, 2)
    assert pd.isna(rows.loc["b", "participant_minutes_est"])
    assert len(frame) == 2


def test_meetings_frame_empty() -> None:
    frame = transform.meetings_frame({date(2024, 3, 1): []})
    assert frame.empty and list(frame.columns) == transform.MEETING_COLUMNS


def test_long_host_and_topic_are_made_to_fit() -> None:
    frame = transform.meetings_frame(
        {
            date(2024, 3, 1): [
                _meeting(
                    "a", "2024-03-01T10:00:00Z", email="x" * 80 + "@example.edu", topic="t" * 400
                ),
            ]
        }
    )
    assert pd.isna(frame.loc[0, "host_id"])
    assert len(frame.loc[0, "topic"]) == transform.TOPIC_MAX
