"""Fixtures for the MIVIDEO job: BigQuery and Kaltura emulators over seeded data, and settings."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa

from mivideo.transform import floor_hour
from redaction import Secret
from sandbox import bigquery as bigquery_api
from sandbox import kaltura as kaltura_api
from sandbox.bigquery.events import KAF_APPS, UdpEvent, generate_events
from sandbox.kaltura.media import MediaEntry, generate_media
from sandbox.university import build_university
from settings import BigQuerySettings, DbSettings, KalturaSettings, MiVideoSettings, Settings
from sources import kaltura
from vocab import JobName

PARTNER_ID = 1038472
KALTURA_SECRET = "mivideo-test-secret"
PREFIX = "Canvas_UMich"
TABLES = ("mivideo_media_started_hourly", "mivideo_media_created", "mivideo_media_courses")
ORDER = {
    "mivideo_media_started_hourly": ["event_hour_utc", "course_id"],
    "mivideo_media_created": ["id"],
    "mivideo_media_courses": ["media_id", "course_id", "in_context"],
}


@dataclass
class Udp:
    """The BigQuery emulator, its store and every event delivered so far (the truth)."""

    store: bigquery_api.EventStore
    url: str
    events: list[UdpEvent]

    def deliver(self, events: list[UdpEvent]) -> None:
        self.store.add(events)
        self.events.extend(events)


@dataclass
class Kaltura:
    """The Kaltura emulator and its media library."""

    library: kaltura_api.MediaLibrary
    url: str

    def listed(self, since: int = 0) -> list[MediaEntry]:
        """Truth: entries media.list returns for the prefix from ``since`` on."""
        return [
            entry
            for entry in self.library.entries()
            if entry.created_at >= since and kaltura_api.in_categories(entry.categories, [PREFIX])
        ]


@pytest.fixture(autouse=True)
def _no_kaltura_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kaltura, "RETRY_FACTOR_S", 0.0)


@pytest.fixture(scope="session")
def course_ids() -> list[int]:
    return build_university("tiny", seed=7).course_ids[:40]


@pytest.fixture(scope="session")
def hour_now() -> datetime:
    """Start of the current UTC hour when the session began; data stays before it."""
    return floor_hour(datetime.now(UTC))


def _start_udp(course_ids: list[int], hour_now: datetime, **options: Any) -> Iterator[Udp]:
    events = generate_events(course_ids, end=hour_now - timedelta(hours=1), days=10, count=2500)
    store = bigquery_api.EventStore(events)
    with bigquery_api.start(store, **options) as server:
        yield Udp(store, server.url, list(events))


def _start_kaltura(course_ids: list[int], hour_now: datetime, **options: Any) -> Iterator[Kaltura]:
    media = generate_media(
        course_ids,
        start=hour_now - timedelta(days=20),
        end=hour_now - timedelta(hours=2),
        count=700,
    )
    library = kaltura_api.MediaLibrary(media)
    with kaltura_api.start(
        library, partner_id=PARTNER_ID, admin_secret=KALTURA_SECRET, **options
    ) as server:
        yield Kaltura(library, server.url)


@pytest.fixture
def udp(course_ids: list[int], hour_now: datetime) -> Iterator[Udp]:
    yield from _start_udp(course_ids, hour_now, page_rows=400)


@pytest.fixture
def kaltura_media(course_ids: list[int], hour_now: datetime) -> Iterator[Kaltura]:
    yield from _start_kaltura(course_ids, hour_now)


@pytest.fixture
def fresh_sources(
    course_ids: list[int],
    hour_now: datetime,
) -> Iterator[Callable[[], tuple[Udp, Kaltura]]]:
    """Start another pair of emulators over the same seeded data, stopped after the test."""
    with ExitStack() as stack:

        def start() -> tuple[Udp, Kaltura]:
            udp = stack.enter_context(contextmanager(_start_udp)(course_ids, hour_now))
            media = stack.enter_context(contextmanager(_start_kaltura)(course_ids, hour_now))
            return udp, media

        yield start


def _mivideo_config(
    udp_url: str, kaltura_url: str, default_start: datetime, **overrides: Any
) -> MiVideoSettings:
    """MIVIDEO settings for the emulators; overrides name a field of any part."""
    timeout = overrides.pop("request_timeout", 30.0)
    bigquery = BigQuerySettings(
        service_account_json=None,
        project="sandbox-project",
        api_endpoint=udp_url,
        request_timeout=timeout,
    )
    kaltura = KalturaSettings(
        partner_id=PARTNER_ID,
        user_secret=Secret(KALTURA_SECRET),
        service_url=kaltura_url,
        request_timeout=timeout,
    )
    cfg = MiVideoSettings(
        bigquery=_replace_known(bigquery, overrides),
        kaltura=_replace_known(kaltura, overrides),
        default_last_timestamp=default_start,
        events_table=bigquery_api.EXPANDED_TABLE,
        kaf_app_urls=KAF_APPS,
        events_lookback_hours=48,
        categories_full_name_in=PREFIX,
    )
    return replace(cfg, **overrides)


def _replace_known(part: Any, overrides: dict[str, Any]) -> Any:
    """``part`` with the overrides naming its fields applied (and taken out of overrides)."""
    mine = {name: overrides.pop(name) for name in list(overrides) if name in fields_of(part)}
    return replace(part, **mine)


def fields_of(part: Any) -> set[str]:
    return {f.name for f in fields(part)}


def _job_settings(tmp_path: Path, cfg: MiVideoSettings) -> Settings:
    return Settings(
        log_level="INFO",
        log_format="text",
        job_names=(JobName.MIVIDEO,),
        create_csvs=False,
        max_req_attempts=3,
        num_async_workers=2,
        data_dir=tmp_path,
        config_dir=tmp_path,
        db=DbSettings("sqlite://"),
        canvas=None,
        udw=None,
        mivideo=cfg,
        zoom=None,
    )


@pytest.fixture
def make_settings(tmp_path: Path, hour_now: datetime) -> Callable[..., Settings]:
    """Settings for the MIVIDEO job against given emulator URLs."""

    def build(udp_url: str, kaltura_url: str, **overrides: Any) -> Settings:
        cfg = _mivideo_config(udp_url, kaltura_url, hour_now - timedelta(days=30), **overrides)
        return _job_settings(tmp_path, cfg)

    return build


def _snapshot(engine: sa.Engine, *, with_ids: bool = True) -> dict[str, pd.DataFrame]:
    frames = {}
    with engine.connect() as conn:
        for table in TABLES:
            frame = pd.read_sql_query(sa.text(f"SELECT * FROM {table}"), conn)
            if not with_ids and table == "mivideo_media_started_hourly":
                frame = frame.drop(columns=["id"])
            frames[table] = frame.sort_values(ORDER[table]).reset_index(drop=True)
        frames["etl_cursor"] = pd.read_sql_query(
            sa.text("SELECT name, value FROM etl_cursor ORDER BY name"), conn
        )
    return frames


@pytest.fixture
def snapshot() -> Callable[..., dict[str, pd.DataFrame]]:
    """Read every MIVIDEO table and the cursors, sorted; ``with_ids=False`` drops surrogate ids."""
    return _snapshot


def _wipe(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        for table in (*TABLES, "etl_cursor"):
            conn.execute(sa.text(f"DELETE FROM {table}"))


@pytest.fixture
def wipe() -> Callable[[sa.Engine], None]:
    """Empty the MIVIDEO tables and the cursors."""
    return _wipe


@contextmanager
def _process_timezone(name: str) -> Iterator[None]:
    saved = os.environ.get("TZ")
    os.environ["TZ"] = name
    time.tzset()
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = saved
        time.tzset()


@pytest.fixture
def process_timezone() -> Callable[[str], Any]:
    """Context manager: the process's local zone (TZ + tzset) is ``name`` inside the block."""
    return _process_timezone
