"""Helpers of the OPENEDX_LOGS tests: reading tables back, comparing runs."""

from __future__ import annotations

import math
import shutil
import tempfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from db import Database
from db.engine import make_engine
from db.migrate import migrate
from settings import DbSettings

TABLE_KEYS = {
    "edx_learner_day": ("course_id", "username", "date"),
    "edx_event_type_day": ("course_id", "date", "event_source", "event_type"),
    "edx_course_activity_weekly": ("course_id", "week_start", "label"),
    "edx_enrollment_event": ("course_id", "username", "event_time", "event_type"),
    "edx_enrollment_day": ("course_id", "date", "mode"),
    "edx_learner_course": ("course_id", "username"),
    "edx_time_spent_day": ("course_id", "username", "date", "method"),
}

COLUMNS = {
    "edx_learner_day": [
        "course_id",
        "username",
        "date",
        "events",
        "active_events",
        "problem_attempts",
        "video_plays",
        "forum_posts",
        "first_event_at",
        "last_event_at",
    ],
    "edx_event_type_day": ["course_id", "date", "event_source", "event_type", "events", "users"],
    "edx_course_activity_weekly": ["course_id", "week_start", "label", "users"],
    "edx_enrollment_event": ["course_id", "username", "event_time", "date", "event_type", "mode"],
    "edx_enrollment_day": [
        "course_id",
        "date",
        "mode",
        "enrollments",
        "unenrollments",
        "enrolled_end_of_day",
        "cumulative_enrollments",
    ],
    "edx_learner_course": [
        "course_id",
        "username",
        "first_event_at",
        "last_event_at",
        "days_active",
        "enrollment_state",
        "enrollment_mode",
        "first_enrolled_at",
        "last_unenrolled_at",
        "problems_attempted",
        "seconds",
        "status",
    ],
    "edx_time_spent_day": [
        "course_id",
        "username",
        "date",
        "method",
        "seconds",
        "sessions",
        "events",
    ],
}


KPI_TABLES = (
    "edx_learner_day",
    "edx_event_type_day",
    "edx_course_activity_weekly",
    "edx_enrollment_event",
    "edx_enrollment_day",
    "edx_learner_course",
    "edx_time_spent_day",
    "kpi_params",
    "edx_video_viewing",
    "edx_video",
    "edx_video_segment",
    "edx_video_learner",
    "edx_page_day",
    "edx_time_on_page_day",
    "edx_engagement_week",
)


def snapshot(db: Database) -> dict[str, list[tuple]]:
    """Every KPI table's rows, sorted: equal snapshots mean equal tables."""
    out = {}
    for table in KPI_TABLES:
        frame = db.query_frame(f"SELECT * FROM {table}")
        out[table] = sorted(tuple(str(v) for v in row) for row in frame.itertuples(index=False))
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if (
        isinstance(value, datetime)
        and value.hour == value.minute == value.second == 0
        and value.microsecond == 0
    ):
        return value  # dates come back as midnight datetimes from some engines
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is pd.NaT or value is None:
        return None
    return value


def _day(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str) and len(value) == 10:
        return date.fromisoformat(value)
    return value


def table_rows(db: Database, table: str, columns: list[str]) -> list[dict[str, Any]]:
    """The table's rows restricted to `columns`, with engine differences smoothed out."""
    frame = db.query_frame(f"SELECT {', '.join(columns)} FROM {table}")
    rows = []
    for record in frame.astype(object).to_dict("records"):
        row = {k: _plain(v) for k, v in record.items()}
        for k in ("date", "week_start"):
            if k in row:
                row[k] = _day(row[k])
        for k, v in row.items():
            if (isinstance(v, str) and k.endswith("_at")) or k == "event_time":
                row[k] = pd.Timestamp(v).to_pydatetime() if v is not None else None
            if isinstance(v, float) and v.is_integer():
                row[k] = int(v)
        rows.append(row)
    return sorted(rows, key=lambda r: tuple(str(r[c]) for c in columns))


def expected_rows(rows: list[dict[str, Any]], columns: list[str]) -> list[dict[str, Any]]:
    out = []
    for row in rows:
        picked = {c: row[c] for c in columns}
        for k, v in picked.items():
            if isinstance(v, float) and v.is_integer():
                picked[k] = int(v)
        out.append(picked)
    return sorted(out, key=lambda r: tuple(str(r[c]) for c in columns))


_TEMPLATE: list[Path] = []


def fresh_db(tmp_path: Path, name: str) -> Database:
    """A migrated SQLite database of its own, for comparing two runs (a copy of one migrated
    once per test process: migrating takes far longer than copying)."""
    if not _TEMPLATE:
        folder = Path(tempfile.mkdtemp(prefix="openedx-template-"))
        engine = make_engine(DbSettings(f"sqlite:///{folder / 'template.sqlite'}"))
        migrate(engine)
        engine.dispose()
        _TEMPLATE.append(folder / "template.sqlite")
    target = tmp_path / name
    shutil.copyfile(_TEMPLATE[0], target)
    return Database(make_engine(DbSettings(f"sqlite:///{target}")))
