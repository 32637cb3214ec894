"""ONLINE_MEETINGS end to end: Zoom emulator -> job -> zoom_meeting on SQLite and MariaDB."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest

from db import Database
from online_meetings import job, transform
from sandbox.web import Request, Response, RunningServer, start_server
from sandbox.zoom import emulator as zoom_api
from sandbox.zoom import meetings as zoom_data
from settings import Settings, ZoomSettings
from vocab import DataSourceName, JobName, RetriableSourceError

TODAY = date(2024, 5, 20)
FIRST_DAY = TODAY - timedelta(days=8)
YESTERDAY = TODAY - timedelta(days=1)
COLUMNS = ", ".join(transform.MEETING_COLUMNS)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(job, "utc_today", lambda: TODAY)


@pytest.fixture
def zoom_today() -> date:
    return TODAY


@pytest.fixture
def account() -> zoom_data.ZoomAccount:
    return zoom_data.build_account(FIRST_DAY - timedelta(days=5), TODAY, seed=5, per_day=8)


@pytest.fixture
def settings(
    server: RunningServer,
    account: zoom_data.ZoomAccount,
    job_settings: Callable[..., Settings],
    zoom_config: Callable[..., ZoomSettings],
) -> Settings:
    zoom = zoom_config(zoom_api.urls(server), account, first_day=FIRST_DAY, lookback_days=2)
    return job_settings(JobName.ONLINE_MEETINGS, zoom=zoom, max_req_attempts=2)


def _table(database: Database) -> pd.DataFrame:
    return database.query_frame(f"SELECT {COLUMNS} FROM zoom_meeting ORDER BY uuid")


def _truth(
    account: zoom_data.ZoomAccount, first: date = FIRST_DAY, last: date = YESTERDAY
) -> list[dict]:
    return account.meetings_between(first, last)


def test_first_run_loads_every_day_up_to_yesterday(
    settings: Settings, database: Database, account: zoom_data.ZoomAccount
) -> None:
    statuses = job.run(settings, database)
    expected = _truth(account)
    table = _table(database)
    assert sorted(table["uuid"]) == sorted(m["uuid"] for m in expected)
    assert int(table["participants"].sum()) == sum(m["participants"] for m in expected)
    estimate = sum(
        m["participants"] * transform.parse_duration_minutes(m["duration"]) for m in expected
    )
    assert int(table["participant_minutes_est"].sum()) == estimate
    assert pd.to_datetime(table["meeting_day"]).dt.date.max() <= YESTERDAY
    assert database.get_cursor(job.CURSOR_NAME) == YESTERDAY.isoformat()
    assert statuses == [
        job.DataSourceStatus(DataSourceName.ZOOM_API, datetime(2024, 5, 20, tzinfo=UTC))
    ]


def test_rerun_changes_nothing(
    settings: Settings, database: Database, emulator: zoom_api.ZoomEmulator
) -> None:
    job.run(settings, database)
    before = _table(database)
    job.run(settings, database)
    pd.testing.assert_frame_equal(_table(database), before)
    assert emulator.tokens_issued == 2  # one per run: the token is cached within a run


def test_late_meetings_inside_the_look_back_are_picked_up(
    settings: Settings, database: Database, account: zoom_data.ZoomAccount
) -> None:
    job.run(settings, database)
    rng = random.Random(9)
    inside = zoom_data.make_meeting(rng, YESTERDAY - timedelta(days=2), uuid="inside==")
    outside = zoom_data.make_meeting(rng, YESTERDAY - timedelta(days=3), uuid="outside==")
    today = zoom_data.make_meeting(rng, TODAY, uuid="today==")
    for meeting in (inside, outside, today):
        account.add_meeting(meeting)
    job.run(settings, database)
    uuids = set(_table(database)["uuid"])
    assert "inside==" in uuids
    assert not {"outside==", "today=="} & uuids


def test_cursor_falls_back_to_the_newest_meeting_day(
    settings: Settings, sqlite_database: Database, account: zoom_data.ZoomAccount
) -> None:
    job.run(settings, sqlite_database)
    with sqlite_database.transaction() as tx:
        tx.delete_where("etl_cursor", "name = :name", {"name": job.CURSOR_NAME})
    newest = max(zoom_data.meeting_day(m) for m in _truth(account))
    assert job.last_loaded_day(sqlite_database) == newest


def test_throttled_requests_are_waited_out(
    account: zoom_data.ZoomAccount,
    sqlite_database: Database,
    job_settings: Callable[..., Settings],
    zoom_config: Callable[..., ZoomSettings],
) -> None:
    emulator = zoom_api.ZoomEmulator(account, throttle_first=1, retry_after_s=1, today=TODAY)
    with start_server(emulator, "zoom") as server:
        zoom = zoom_config(zoom_api.urls(server), account, first_day=YESTERDAY)
        job.run(job_settings(JobName.ONLINE_MEETINGS, zoom=zoom), sqlite_database)
    assert emulator.throttled == 1
    assert len(_table(sqlite_database)) == len(_truth(account, YESTERDAY))


def test_token_revoked_mid_run_is_renewed_once(
    account: zoom_data.ZoomAccount,
    sqlite_database: Database,
    job_settings: Callable[..., Settings],
    zoom_config: Callable[..., ZoomSettings],
) -> None:
    emulator = zoom_api.ZoomEmulator(account, today=TODAY)
    revoked: list[bool] = []

    def revoke_on_third_list(request: Request) -> Response:
        if (
            request.path == zoom_api.MEETINGS_PATH
            and emulator.meeting_requests == 2
            and not revoked
        ):
            revoked.append(True)
            emulator.revoke_tokens()
        return emulator(request)

    with start_server(revoke_on_third_list, "zoom") as server:
        zoom = zoom_config(zoom_api.urls(server), account, first_day=FIRST_DAY)
        job.run(job_settings(JobName.ONLINE_MEETINGS, zoom=zoom), sqlite_database)
    assert emulator.tokens_issued == 2 and emulator.unauthorized == 1
    assert len(_table(sqlite_database)) == len(_truth(account))


def test_zoom_failure_leaves_table_and_cursor_untouched(
    settings: Settings,
    database: Database,
    account: zoom_data.ZoomAccount,
    emulator: zoom_api.ZoomEmulator,
    job_settings: Callable[..., Settings],
    zoom_config: Callable[..., ZoomSettings],
) -> None:
    job.run(settings, database)
    before = _table(database)
    # The new meeting's day is fetched fine; only the last day fails, after it.
    earlier = YESTERDAY - timedelta(days=1)
    account.add_meeting(zoom_data.make_meeting(random.Random(2), earlier, uuid="new=="))
    broken_day = YESTERDAY.isoformat()

    def failing(request: Request) -> Response:
        if request.arg("from") == broken_day:
            return Response(503, {"code": 503, "message": "Service temporarily unavailable"})
        return emulator(request)

    with start_server(failing, "zoom") as server:
        zoom = zoom_config(zoom_api.urls(server), account, first_day=FIRST_DAY)
        broken = job_settings(JobName.ONLINE_MEETINGS, zoom=zoom, max_req_attempts=1)
        with pytest.raises(RetriableSourceError, match="503"):
            job.run(broken, database)
    pd.testing.assert_frame_equal(_table(database), before)
    assert database.get_cursor(job.CURSOR_NAME) == YESTERDAY.isoformat()


def test_nothing_to_load_before_the_first_day(
    settings: Settings, sqlite_database: Database, emulator: zoom_api.ZoomEmulator
) -> None:
    assert settings.zoom is not None
    not_yet = replace(settings, zoom=replace(settings.zoom, first_day=TODAY))
    assert job.run(not_yet, sqlite_database) == []
    assert _table(sqlite_database).empty and sqlite_database.get_cursor(job.CURSOR_NAME) is None
    assert emulator.tokens_issued == 0


def test_days_to_load(zoom_config: Callable[..., ZoomSettings]) -> None:
    zoom = zoom_config(
        {"base_url": "", "token_url": ""},
        zoom_data.ZoomAccount(),
        first_day=date(2024, 5, 1),
        lookback_days=3,
    )
    assert job.days_to_load(None, zoom, today=date(2024, 5, 3)) == [
        date(2024, 5, 1),
        date(2024, 5, 2),
    ]
    assert job.days_to_load(date(2024, 5, 10), zoom, today=date(2024, 5, 12)) == [
        date(2024, 5, 7),
        date(2024, 5, 8),
        date(2024, 5, 9),
        date(2024, 5, 10),
        date(2024, 5, 11),
    ]
    assert job.days_to_load(date(2024, 5, 2), zoom, today=date(2024, 5, 3)) == [
        date(2024, 5, 1),
        date(2024, 5, 2),
    ]
    assert job.days_to_load(None, zoom, today=date(2024, 5, 1)) == []


def test_a_first_day_older_than_six_months_is_clamped(
    account: zoom_data.ZoomAccount,
    sqlite_database: Database,
    job_settings: Callable[..., Settings],
    zoom_config: Callable[..., ZoomSettings],
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Half a year of days: an account on a plan without the per-minute limit, to stay quick.
    emulator = zoom_api.ZoomEmulator(account, today=TODAY, per_minute=None)
    with start_server(emulator, "zoom") as server:
        zoom = zoom_config(zoom_api.urls(server), account, first_day=date(2023, 1, 1))
        zoom = replace(zoom, requests_per_minute=10_000)
        days = job.days_to_load(None, zoom, today=TODAY)
        job.run(job_settings(JobName.ONLINE_MEETINGS, zoom=zoom), sqlite_database)
    assert days[0] == job.window_start(TODAY) == date(2023, 11, 20)
    assert "only the last 6 months" in caplog.text
    assert sqlite_database.get_cursor(job.CURSOR_NAME) == YESTERDAY.isoformat()
    assert emulator.meeting_requests == len(days) and emulator.throttled == 0
    assert len(_table(sqlite_database)) == len(_truth(account, days[0]))


def test_window_start_on_short_months() -> None:
    assert job.window_start(date(2024, 8, 31)) == date(2024, 3, 1)
    assert job.window_start(date(2024, 12, 31)) == date(2024, 7, 1)
    assert job.window_start(date(2024, 3, 15)) == date(2023, 9, 15)


def test_check_reads_a_token_and_one_page(
    settings: Settings, emulator: zoom_api.ZoomEmulator
) -> None:
    message = job.check(settings)
    assert "token obtained" in message and str(YESTERDAY) in message
    assert emulator.tokens_issued == 1 and emulator.meeting_requests == 1
