"""Matomo answers to rows: rates, counts sent as text, course ids, skipped and aggregate rows."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pandas as pd
import pytest

from matomo_statistics import transform
from settings import DEFAULTS

DAY = date(2024, 5, 19)
LOADED = datetime(2024, 5, 20, 3, 0, tzinfo=UTC)
COURSE, SKIP = transform.compile_patterns(
    DEFAULTS["MATOMO.COURSE_ID_PATTERN"], DEFAULTS["MATOMO.SKIP_URL_PATTERNS"]
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("45%", 0.45),
        ("100%", 1.0),
        ("0%", 0.0),
        ("4.5%", 0.045),
        (0.3, 0.3),
        ("", None),
        (None, None),
    ],
)
def test_rates_become_fractions(value: object, expected: float | None) -> None:
    assert transform.rate(value) == (pytest.approx(expected) if expected is not None else None)


def test_counts_accept_numbers_and_numeric_strings() -> None:
    assert [transform.count(v) for v in (3, "7", "0", None, "", 2.0)] == [3, 7, 0, 0, 0, 2]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://canvas.test/courses/123/pages/intro", 123),
        ("https://canvas.test/courses/123", 123),
        ("https://canvas.test/courses/98765432101/modules?x=1", 98765432101),
        ("https://canvas.test/courses/", None),
        ("https://canvas.test/profile/settings", None),
        ("https://canvas.test/accounts/1/courses", None),
    ],
)
def test_course_id_from_the_page_url(url: str, expected: int | None) -> None:
    assert transform.course_id(url, COURSE) == expected


def test_a_custom_course_pattern_is_used() -> None:
    pattern, _ = transform.compile_patterns(r"[?&]course=(\d+)", ())
    assert transform.course_id("https://lms.test/view.php?course=42&x=1", pattern) == 42


def test_default_skip_patterns_catch_login_pages_only() -> None:
    skipped = [
        "https://c.test/login/canvas",
        "https://c.test/login?next=/",
        "https://c.test/login",
    ]
    kept = ["https://c.test/courses/1/pages/login-help", "https://c.test/loginfo"]
    assert all(any(p.search(url) for p in SKIP) for url in skipped)
    assert not any(any(p.search(url) for p in SKIP) for url in kept)


def _row(url: str | None, hits: int = 3, **extra: object) -> dict:
    row = {
        "label": "x",
        "nb_hits": hits,
        "nb_visits": 2,
        "nb_uniq_visitors": 2,
        "sum_time_spent": 40,
        "bounce_rate": "50%",
        "exit_rate": "25%",
        **extra,
    }
    if url is not None:
        row["url"] = url
    return row


def test_pages_frame_keeps_leaf_rows_and_reads_missing_entry_fields_as_zero() -> None:
    answer = {
        DAY: [
            _row(
                "https://c.test/courses/7/modules",
                entry_nb_visits="2",
                entry_bounce_count="1",
                exit_nb_visits="1",
            ),
            _row("https://c.test/courses/7/pages/a"),
            _row(None, label="Others"),
            _row("https://c.test/login/canvas"),
        ],
        date(2024, 5, 20): [],
    }
    frame = transform.pages_frame(5, answer, COURSE, SKIP, LOADED)
    assert sorted(frame["url"]) == [
        "https://c.test/courses/7/modules",
        "https://c.test/courses/7/pages/a",
    ]
    modules = frame.set_index("url").loc["https://c.test/courses/7/modules"]
    assert (modules["entry_nb_visits"], modules["entry_bounce_count"]) == (2, 1)
    assert modules["bounce_rate"] == 0.5 and modules["course_id"] == 7
    pages = frame.set_index("url").loc["https://c.test/courses/7/pages/a"]
    assert (pages["entry_nb_visits"], pages["exit_nb_visits"]) == (0, 0)
    assert frame["url_hash"].str.len().eq(64).all()


def test_a_url_listed_twice_on_one_day_keeps_its_busiest_row() -> None:
    url = "https://c.test/courses/7/pages/a"
    frame = transform.pages_frame(
        5, {DAY: [_row(url, hits=2), _row(url, hits=9)]}, COURSE, SKIP, LOADED
    )
    assert frame["nb_hits"].tolist() == [9]


def test_visits_frame_gives_days_without_visits_zero_counts_and_no_rates() -> None:
    summary = {
        DAY: {
            "nb_visits": 10,
            "nb_uniq_visitors": 8,
            "nb_actions": 31,
            "bounce_rate": "30%",
            "nb_actions_per_visit": 3.1,
            "bounce_count": 3,
        },
        date(2024, 5, 20): [],
    }
    frequency = {
        DAY: {"nb_visits_new": 6, "nb_visits_returning": "4", "bounce_rate_new": "50%"},
        date(2024, 5, 20): [],
    }
    frame = transform.visits_frame(1, summary, frequency, LOADED).set_index("visit_date")
    assert frame.loc[DAY, "bounce_rate"] == pytest.approx(0.3)
    assert (frame.loc[DAY, "nb_visits_new"], frame.loc[DAY, "nb_visits_returning"]) == (6, 4)
    empty = frame.loc[date(2024, 5, 20)]
    assert empty["nb_visits"] == 0 and pd.isna(empty["bounce_rate"])
    assert sorted(frame.reset_index().columns) == sorted(transform.VISIT_COLUMNS)
