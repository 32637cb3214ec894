"""Fixtures of the OPENEDX_LOGS tests: generated logs, settings, table readers."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from db import Database
from openedx_logs.config import OpenEdxLogsSettings, build_openedx_logs
from sandbox.tracking_logs import expected, files, scenario
from sandbox.tracking_logs.scenario import EXCLUDED, Scenario

pytest_plugins = ["s3_fixtures"]

ALL_METHODS = ["session_gap", "eol", "ope", "window_union", "canvas_like"]
TABLE_KEYS = {
    "edx_learner_day": ("course_id", "username", "date"),
    "edx_event_type_day": ("course_id", "date", "event_source", "event_type"),
    "edx_course_activity_weekly": ("course_id", "week_start", "label"),
    "edx_enrollment_event": ("course_id", "username", "event_time", "event_type"),
    "edx_enrollment_day": ("course_id", "date", "mode"),
    "edx_learner_course": ("course_id", "username"),
    "edx_time_spent_day": ("course_id", "username", "date", "method"),
}


@pytest.fixture(scope="session")
def santiago() -> Scenario:
    """The sandbox scenario with days counted in America/Santiago."""
    return scenario.build(seed=7, learners=6, days=3, time_zone="America/Santiago")


@pytest.fixture
def settings_for(tmp_path: Path) -> Callable[..., OpenEdxLogsSettings]:
    """Settings reading `paths`, with the store in the test's folder."""

    def make(
        paths: list[str], zone: str = "America/Santiago", **extra: Any
    ) -> OpenEdxLogsSettings:
        section = {
            "STORE_PATH": str(tmp_path / "store"),
            "PATHS": paths,
            "TIME_ZONE": zone,
            "EXCLUDE_USERNAMES": [EXCLUDED],
            "EXCLUDE_COURSE_TEAM": True,
            "TIME_SPENT_METHODS": ALL_METHODS,
            "WORKERS": 1,
            **extra,
        }
        return build_openedx_logs(section, tmp_path)

    return make


@pytest.fixture
def log_dir(tmp_path: Path, santiago: Scenario) -> Path:
    """The scenario as rotated, gzipped files with a live plain `tracking.log`."""
    folder = tmp_path / "logs"
    files.render(santiago).write(folder)
    return folder


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


@pytest.fixture
def truth() -> Callable[[Scenario], dict[str, list[dict[str, Any]]]]:
    return expected.tables


def with_method_names(db: Database) -> None:
    """No-op marker: time-spent rows are compared by method name, hashes checked apart."""


KPI_TABLES = (
    "edx_learner_day",
    "edx_event_type_day",
    "edx_course_activity_weekly",
    "edx_enrollment_event",
    "edx_enrollment_day",
    "edx_learner_course",
    "edx_time_spent_day",
    "kpi_params",
)


def snapshot(db: Database) -> dict[str, list[tuple]]:
    """Every KPI table's rows, sorted: equal snapshots mean equal tables."""
    out = {}
    for table in KPI_TABLES:
        frame = db.query_frame(f"SELECT * FROM {table}")
        out[table] = sorted(tuple(str(v) for v in row) for row in frame.itertuples(index=False))
    return out


@pytest.fixture
def sqlite_db(sqlite_engine: Any) -> Database:
    return Database(sqlite_engine)


@pytest.fixture(scope="session")
def small() -> Scenario:
    """A smaller scenario for the ledger and increment tests."""
    return scenario.build(seed=3, learners=4, days=3, time_zone="America/Santiago")
