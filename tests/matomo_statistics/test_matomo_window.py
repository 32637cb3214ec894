"""Which days a site needs: look-back, missed nights, backfill start, the cursor's span."""

from __future__ import annotations

from datetime import date, timedelta

from matomo_statistics.window import Span, covered, spans_to_load

YESTERDAY = date(2024, 5, 19)


def _spans(stored: Span | None, lookback: int = 3, backfill: date | None = None) -> list[Span]:
    return spans_to_load(
        stored, yesterday=YESTERDAY, lookback_days=lookback, backfill_start=backfill
    )


def test_a_first_run_reads_the_look_back_or_from_the_backfill_start() -> None:
    assert _spans(None) == [Span(date(2024, 5, 17), YESTERDAY)]
    assert _spans(None, backfill=date(2023, 1, 1)) == [Span(date(2023, 1, 1), YESTERDAY)]
    # A backfill start inside the look-back does not shorten it.
    assert _spans(None, backfill=date(2024, 5, 18)) == [Span(date(2024, 5, 17), YESTERDAY)]


def test_a_daily_run_rereads_the_look_back_and_a_late_one_the_missed_days() -> None:
    assert _spans(Span(date(2024, 1, 1), date(2024, 5, 18))) == [
        Span(date(2024, 5, 17), YESTERDAY)
    ]
    assert _spans(Span(date(2024, 1, 1), date(2024, 5, 9))) == [Span(date(2024, 5, 10), YESTERDAY)]
    assert _spans(Span(date(2024, 1, 1), YESTERDAY), lookback=1) == [Span(YESTERDAY, YESTERDAY)]


def test_an_earlier_backfill_start_reads_the_gap_before_the_stored_span() -> None:
    stored = Span(date(2024, 5, 1), date(2024, 5, 18))
    assert _spans(stored, backfill=date(2024, 4, 1)) == [
        Span(date(2024, 4, 1), date(2024, 4, 30)),
        Span(date(2024, 5, 17), YESTERDAY),
    ]
    # The gap and the tail touch: one span.
    stored = Span(date(2024, 5, 17), date(2024, 5, 18))
    assert _spans(stored, backfill=date(2024, 5, 1)) == [Span(date(2024, 5, 1), YESTERDAY)]


def test_the_cursor_round_trips_and_damaged_values_start_over() -> None:
    span = Span(date(2024, 1, 1), YESTERDAY)
    assert Span.parse(span.cursor_value()) == span
    assert span.days == (YESTERDAY - date(2024, 1, 1)).days + 1
    for damaged in (None, "", "2024-05-19", "2024-05-19/2024-01-01", "x/y"):
        assert Span.parse(damaged) is None


def test_covered_spans_the_stored_and_the_loaded_days() -> None:
    stored = Span(date(2024, 5, 1), date(2024, 5, 10))
    loaded = [Span(date(2024, 4, 1), date(2024, 4, 30)), Span(date(2024, 5, 8), YESTERDAY)]
    assert covered(stored, loaded) == Span(date(2024, 4, 1), YESTERDAY)
    assert covered(None, []) is None
    assert covered(None, [Span(YESTERDAY - timedelta(days=2), YESTERDAY)]) == Span(
        YESTERDAY - timedelta(days=2), YESTERDAY
    )
