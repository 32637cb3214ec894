"""Pure functions of the MIVIDEO job: time windows, hourly counts, media rows and course links."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd

HOURLY_COLUMNS = ["event_hour_utc", "course_id", "event_time_utc_latest", "event_count"]
CREATED_COLUMNS = ["id", "created_at", "name", "duration"]
COURSES_COLUMNS = ["media_id", "course_id", "in_context"]
NAME_LENGTH = 512
# Canvas course ids are decimal and fit BIGINT; anything else ('5f3a...', 'abc', '') is not one.
DECIMAL_ID = r"[0-9]{1,18}"


def as_utc(value: Any) -> datetime | None:
    """A database or API time as an aware UTC datetime; naive values are taken as UTC.

    MariaDB returns naive datetimes and SQLite returns text; both hold UTC by our convention.
    Calling ``.timestamp()`` on a naive value would apply the process zone instead (W7).
    """
    if value is None or value is pd.NaT:
        return None
    stamp = pd.Timestamp(value)
    stamp = stamp.tz_localize(UTC) if stamp.tzinfo is None else stamp.tz_convert(UTC)
    return stamp.to_pydatetime()


def floor_hour(moment: datetime) -> datetime:
    """The start of the UTC hour containing ``moment`` (which must be aware)."""
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def events_window(
    watermark: datetime | None, default_start: datetime, lookback_hours: int, now: datetime
) -> tuple[datetime, datetime]:
    """Whole UTC hours to recompute: [last loaded - look-back, start of the current hour).

    Every hour in the window is counted again in full, so events that arrived late (inside the
    look-back) replace the earlier count instead of adding to it.
    """
    start = watermark if watermark is not None else default_start
    since = floor_hour(start - timedelta(hours=lookback_hours))
    return since, floor_hour(now)


def window_chunks(
    since: datetime,
    until: datetime,
    days: int,
) -> list[tuple[datetime, datetime]]:
    """[since, until) cut into consecutive pieces of at most ``days``, oldest first."""
    step = timedelta(days=days)
    starts = pd.date_range(since, until, freq=step, inclusive="left").to_pydatetime()
    return [(start, min(start + step, until)) for start in starts]


def hourly_counts(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows for mivideo_media_started_hourly from the query result; non-decimal ids dropped.

    Ids that only differ in spelling ('12' and 12 in JSON) land in one row per hour.
    """
    ids = frame["course_id"].astype("str")
    valid = ids.str.fullmatch(DECIMAL_ID).fillna(False).astype(bool)
    kept = frame.loc[valid].assign(course_id=ids[valid].astype("int64"))
    grouped = kept.groupby(["event_hour_utc", "course_id"], as_index=False, sort=True).agg(
        event_time_utc_latest=("event_time_utc_latest", "max"),
        event_count=("event_count", "sum"),
    )
    return pd.DataFrame(
        {
            "event_hour_utc": grouped["event_hour_utc"].astype("str"),
            "course_id": grouped["course_id"].astype("int64"),
            "event_time_utc_latest": _utc_column(grouped["event_time_utc_latest"]),
            "event_count": grouped["event_count"].astype("int64"),
        },
        columns=HOURLY_COLUMNS,
    )


def concat_hourly(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The hourly rows of consecutive chunks as one frame (chunks cover disjoint hours)."""
    filled = [frame for frame in frames if len(frame)]
    if not filled:
        return frames[0] if frames else pd.DataFrame(columns=HOURLY_COLUMNS)
    return pd.concat(filled, ignore_index=True)


def media_entries(entries: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """Raw Kaltura entries (id, name, created_at epoch s, duration, categories) as a frame."""
    frame = pd.DataFrame(
        list(entries), columns=["id", "name", "created_at", "duration", "categories"]
    )
    return frame.drop_duplicates("id", keep="last").reset_index(drop=True)


def newest_update(entries: Iterable[dict[str, Any]]) -> datetime | None:
    """The latest ``updated_at`` (epoch s) of raw entries as UTC, where the next walk resumes."""
    newest = max((entry["updated_at"] for entry in entries), default=None)
    return None if newest is None else datetime.fromtimestamp(newest, UTC)


def media_created(entries: pd.DataFrame) -> pd.DataFrame:
    """Rows for mivideo_media_created: creation time in UTC, name cut to the column size."""
    created = pd.to_datetime(entries["created_at"].astype("int64"), unit="s", utc=True)
    return pd.DataFrame(
        {
            "id": entries["id"].astype("str"),
            "created_at": _utc_column(created),
            "name": entries["name"]
            .astype("str")
            .str.slice(0, NAME_LENGTH)
            .where(entries["name"].notna(), None),
            "duration": entries["duration"].astype("Int64"),
        },
        columns=CREATED_COLUMNS,
    )


def course_category_pattern(full_names: str) -> re.Pattern[str]:
    """``<name>>site>channels><course id>`` with an optional ``>InContext``, for each name."""
    names = [name.strip() for name in full_names.split(",") if name.strip()]
    roots = "|".join(re.escape(name) for name in names)
    return re.compile(rf"^(?:{roots})>site>channels>({DECIMAL_ID})(>InContext)?$")


def media_courses(entries: pd.DataFrame, full_names: str) -> pd.DataFrame:
    """Rows for mivideo_media_courses parsed from each entry's comma-separated categories.

    Only KAF course channels under the configured category names count; hex 'Shared
    Repository' channels, galleries, other roots and deeper sub-categories are ignored.
    """
    categories = (
        entries[["id", "categories"]]
        .assign(
            category=entries["categories"].fillna("").astype("str").str.split(","),
        )
        .explode("category")
    )
    parts = categories["category"].str.strip().str.extract(course_category_pattern(full_names))
    matched = parts[0].notna()
    links = pd.DataFrame(
        {
            "media_id": categories.loc[matched, "id"].astype("str"),
            "course_id": parts.loc[matched, 0].astype("int64"),
            "in_context": parts.loc[matched, 1].notna().astype(bool),
        },
        columns=COURSES_COLUMNS,
    )
    links = links.drop_duplicates().sort_values(COURSES_COLUMNS)
    return links.reset_index(drop=True)


def epoch_seconds(moment: datetime) -> int:
    """Whole seconds since the epoch of an aware datetime (never the process zone)."""
    if moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment!r}: its zone is unknown")
    return int(moment.timestamp())


def cursor_value(moment: datetime) -> str:
    """How a resume time is stored in etl_cursor: ISO 8601 in UTC."""
    return moment.astimezone(UTC).isoformat()


def _utc_column(series: pd.Series) -> pd.Series:
    return pd.to_datetime(series, utc=True).astype("datetime64[us, UTC]")
