"""Pure MIVIDEO transforms: category parsing, hourly counts, time windows, UTC handling."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from mivideo import queries, transform
from vocab import ConfigError


def entries(*rows: tuple[str, str | None]) -> pd.DataFrame:
    return transform.media_entries(
        {"id": media_id, "name": "n", "created_at": 0, "duration": 1, "categories": categories}
        for media_id, categories in rows
    )


def links(*rows: tuple[str, int, bool]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=transform.COURSES_COLUMNS)
    return frame.astype({"media_id": "str", "course_id": "int64", "in_context": "bool"})


def test_course_channels_and_their_in_context_categories_become_links():
    media = entries(
        ("1_a", "Canvas_UMich>site>channels>12345,Canvas_UMich>site>channels>12345>InContext"),
        ("1_b", "Canvas_UMich>site>channels>777 , MediaSpace>site>galleries>5"),
    )
    expected = links(("1_a", 12345, False), ("1_a", 12345, True), ("1_b", 777, False))
    assert_frame_equal(transform.media_courses(media, "Canvas_UMich"), expected)


def test_hex_ids_other_roots_and_deeper_paths_are_not_courses():
    media = entries(
        ("1_a", "Canvas_UMich>site>channels>5f3a9c0e11aa22bb33cc44dd"),
        ("1_b", "Canvas_UMich_Archive>site>channels>12,Canvas_UMich>site>galleries>12"),
        ("1_c", "Canvas_UMich>site>channels>12>Archive,Canvas_UMich>site>channels>12a"),
        ("1_d", "Canvas_UMich>site>channels>1234567890123456789"),  # beyond BIGINT
        ("1_e", ""),
        ("1_f", None),
        ("1_g", "Other>Canvas_UMich>site>channels>12"),
    )
    assert_frame_equal(transform.media_courses(media, "Canvas_UMich"), links())


def test_repeated_categories_and_entries_give_one_link():
    media = entries(
        ("1_a", "Canvas_UMich>site>channels>9,Canvas_UMich>site>channels>9"),
        ("1_a", "Canvas_UMich>site>channels>9"),
    )
    assert_frame_equal(transform.media_courses(media, "Canvas_UMich"), links(("1_a", 9, False)))


def test_several_configured_roots_are_all_parsed():
    media = entries(("1_a", "A.B>site>channels>1,C>site>channels>2>InContext,AxB>site>channels>3"))
    assert_frame_equal(
        transform.media_courses(media, "A.B, C"), links(("1_a", 1, False), ("1_a", 2, True))
    )


def test_media_created_rows_are_utc_and_fit_the_table():
    media = transform.media_entries(
        [
            {
                "id": "1_a",
                "name": "x" * 600,
                "created_at": 1_700_000_000,
                "duration": 30,
                "categories": "",
            },
            {
                "id": "1_b",
                "name": None,
                "created_at": 1_700_000_001,
                "duration": None,
                "categories": "",
            },
        ]
    )
    expected = pd.DataFrame(
        {
            "id": ["1_a", "1_b"],
            "created_at": pd.to_datetime(["2023-11-14 22:13:20", "2023-11-14 22:13:21"], utc=True),
            "name": ["x" * 512, None],
            "duration": pd.array([30, None], dtype="Int64"),
        }
    ).astype({"id": "str", "created_at": "datetime64[us, UTC]"})
    assert_frame_equal(transform.media_created(media), expected)


def test_hourly_counts_keep_decimal_course_ids_and_merge_spellings():
    latest = pd.to_datetime(
        [
            "2024-03-01 10:59:00",
            "2024-03-01 10:30:00",
            "2024-03-01 11:00:00",
            "2024-03-01 11:05:00",
            "2024-03-01 11:06:00",
        ],
        utc=True,
    )
    raw = pd.DataFrame(
        {
            "event_hour_utc": [
                "2024-03-01 10",
                "2024-03-01 10",
                "2024-03-01 11",
                "2024-03-01 11",
                "2024-03-01 11",
            ],
            "course_id": ["12", "012", "abc", "", "12 "],
            "event_time_utc_latest": latest,
            "event_count": pd.array([3, 2, 5, 1, 1], dtype="Int64"),
        }
    )
    expected = pd.DataFrame(
        {
            "event_hour_utc": ["2024-03-01 10"],
            "course_id": [12],
            "event_time_utc_latest": pd.to_datetime(["2024-03-01 10:59:00"], utc=True),
            "event_count": [5],
        }
    ).astype({"event_hour_utc": "str", "event_time_utc_latest": "datetime64[us, UTC]"})
    assert_frame_equal(transform.hourly_counts(raw), expected)


def test_hourly_counts_of_an_empty_result_is_an_empty_frame():
    raw = pd.DataFrame({name: [] for name in transform.HOURLY_COLUMNS})
    result = transform.hourly_counts(raw)
    assert list(result.columns) == transform.HOURLY_COLUMNS
    assert result.empty


def test_events_window_recomputes_whole_hours_back_from_the_watermark():
    now = datetime(2024, 3, 10, 14, 25, tzinfo=UTC)
    watermark = datetime(2024, 3, 10, 13, 41, 7, tzinfo=UTC)
    since, until = transform.events_window(watermark, datetime(2020, 1, 1, tzinfo=UTC), 48, now)
    assert (since, until) == (
        datetime(2024, 3, 8, 13, tzinfo=UTC),
        datetime(2024, 3, 10, 14, tzinfo=UTC),
    )


def test_events_window_starts_from_the_default_on_an_empty_table():
    default = datetime(2024, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=-5)))
    since, _ = transform.events_window(None, default, 2, datetime(2024, 3, 1, tzinfo=UTC))
    assert since == datetime(2024, 1, 1, 3, tzinfo=UTC)


def test_long_windows_are_cut_into_consecutive_chunks():
    since, until = datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 3, 5, 7, tzinfo=UTC)
    chunks = transform.window_chunks(since, until, 31)
    assert chunks == [
        (since, datetime(2024, 2, 1, tzinfo=UTC)),
        (datetime(2024, 2, 1, tzinfo=UTC), datetime(2024, 3, 3, tzinfo=UTC)),
        (datetime(2024, 3, 3, tzinfo=UTC), until),
    ]
    assert transform.window_chunks(until, until, 31) == []


@pytest.mark.parametrize(
    "value",
    [
        datetime(2024, 3, 10, 5, 6, 7),  # noqa: DTZ001 - MariaDB gives naive UTC
        "2024-03-10 05:06:07",  # SQLite gives text
        "2024-03-10T05:06:07+00:00",  # the cursor
        datetime(2024, 3, 10, 0, 6, 7, tzinfo=timezone(timedelta(hours=-5))),
    ],
)
def test_database_times_are_read_as_utc(value):
    assert transform.as_utc(value) == datetime(2024, 3, 10, 5, 6, 7, tzinfo=UTC)
    assert transform.as_utc(value).utcoffset() == timedelta(0)


def test_as_utc_of_nothing_is_none():
    assert transform.as_utc(None) is None


def test_epoch_seconds_refuse_naive_datetimes():
    assert transform.epoch_seconds(datetime(1970, 1, 2, tzinfo=UTC)) == 86_400
    with pytest.raises(ValueError, match="naive"):
        transform.epoch_seconds(datetime(1970, 1, 2))  # noqa: DTZ001 - the point of the test


def test_the_event_query_binds_every_value():
    since, until = datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 1, 2, tzinfo=UTC)
    sql, params = queries.media_started_hourly("p.d.events", ("app-a", "app-b"), since, until)
    assert "`p.d.events`" in sql
    assert "ed_app IN (@kaf_app_0, @kaf_app_1)" in sql
    assert "app-a" not in sql
    assert params == {"kaf_app_0": "app-a", "kaf_app_1": "app-b", "since": since, "until": until}


@pytest.mark.parametrize("table", ["p.d.t`; DROP TABLE x; --", "nodots", "a b.c.d"])
def test_the_event_table_name_is_checked(table):
    with pytest.raises(ConfigError, match="events_table"):
        queries.media_started_hourly(table, ("a",), datetime.now(UTC), datetime.now(UTC))
