"""Which days each site needs: its stored span (a cursor), the look-back and the backfill start."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Span:
    """A run of days, both ends included."""

    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def cursor_value(self) -> str:
        """The ISO 8601 interval the cursor stores, e.g. ``2024-01-01/2024-03-31``."""
        return f"{self.first.isoformat()}/{self.last.isoformat()}"

    @classmethod
    def parse(cls, value: str | None) -> Span | None:
        """The span a cursor holds; None before a site's first run or for a damaged value."""
        first, _, last = (value or "").partition("/")
        try:
            span = cls(date.fromisoformat(first), date.fromisoformat(last))
        except ValueError:
            return None
        return span if span.first <= span.last else None


def cursor_name(site_id: int) -> str:
    """The ``etl_cursor`` row of one site: the days its tables hold."""
    return f"matomo_statistics.site.{site_id}"


def spans_to_load(
    stored: Span | None, *, yesterday: date, lookback_days: int, backfill_start: date | None
) -> list[Span]:
    """The spans to (re)read for one site, oldest first, and never past yesterday.

    The last ``lookback_days`` always, because Matomo re-archives recent days; any days
    missed since the stored span ends; and, when the backfill start lies before the stored
    span, the days in between. A first run starts at the backfill start, or the look-back.
    """
    recent = yesterday - timedelta(days=max(lookback_days, 1) - 1)
    if stored is None:
        first = min(backfill_start, recent) if backfill_start else recent
        return [Span(first, yesterday)] if first <= yesterday else []
    spans = []
    if backfill_start and backfill_start < stored.first:
        spans.append(Span(backfill_start, min(stored.first - timedelta(days=1), yesterday)))
    tail = Span(min(recent, stored.last + timedelta(days=1)), yesterday)
    if spans and tail.first <= spans[-1].last + timedelta(days=1):
        spans[-1] = Span(spans[-1].first, tail.last)
    elif tail.first <= tail.last:
        spans.append(tail)
    return spans


def covered(stored: Span | None, loaded: list[Span]) -> Span | None:
    """The span the tables hold once ``loaded`` is written."""
    spans = ([stored] if stored else []) + loaded
    if not spans:
        return None
    return Span(min(s.first for s in spans), max(s.last for s in spans))
