"""The Zoom emulator speaks Zoom's OAuth and Dashboard wire protocol."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
import requests

from sandbox.web import Faults, RunningServer, start_server
from sandbox.zoom import emulator as zoom_api
from sandbox.zoom import meetings as zoom_data

FIRST, LAST = date(2024, 3, 1), date(2024, 3, 21)
TODAY = date(2024, 3, 22)


@pytest.fixture
def account() -> zoom_data.ZoomAccount:
    return zoom_data.build_account(FIRST, LAST, seed=3)


@pytest.fixture
def emulator(account: zoom_data.ZoomAccount) -> zoom_api.ZoomEmulator:
    return zoom_api.ZoomEmulator(account, today=TODAY)


@pytest.fixture
def server(emulator: zoom_api.ZoomEmulator) -> Iterator[RunningServer]:
    with start_server(emulator, "zoom") as running:
        yield running


def _token(server: RunningServer, account: zoom_data.ZoomAccount) -> requests.Response:
    return requests.post(
        zoom_api.urls(server)["token_url"],
        params={"grant_type": "account_credentials", "account_id": account.account_id},
        auth=(account.client_id, account.client_secret),
        timeout=10,
    )


def _meetings(server: RunningServer, token: str, **params: Any) -> requests.Response:
    query = {"type": "past", "from": "2024-03-04", "to": "2024-03-04", **params}
    return requests.get(
        f"{zoom_api.urls(server)['base_url']}/metrics/meetings",
        params=query,
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )


def test_generator_is_deterministic_per_day_and_has_empty_days() -> None:
    whole = zoom_data.build_account(FIRST, LAST, seed=3)
    part = zoom_data.build_account(date(2024, 3, 10), date(2024, 3, 12), seed=3)
    in_part = part.meetings_between(date(2024, 3, 10), date(2024, 3, 12))
    assert in_part == whole.meetings_between(date(2024, 3, 10), date(2024, 3, 12))
    assert len(in_part) == len(part.meetings)
    days = {zoom_data.meeting_day(m) for m in whole.meetings}
    assert 0 < len(days) < (LAST - FIRST).days + 1
    assert len({m["uuid"] for m in whole.meetings}) == len(whole.meetings)


def test_token_needs_basic_auth_and_account(
    server: RunningServer, account: zoom_data.ZoomAccount
) -> None:
    good = _token(server, account)
    assert good.status_code == 200
    assert good.json()["token_type"] == "bearer" and good.json()["expires_in"] == 3600
    wrong_secret = zoom_data.ZoomAccount(account.account_id, account.client_id, "nope")
    assert _token(server, wrong_secret).json()["error"] == "invalid_client"
    wrong_account = zoom_data.ZoomAccount("other", account.client_id, account.client_secret)
    assert _token(server, wrong_account).status_code == 400


def test_pages_follow_next_page_token(
    server: RunningServer, account: zoom_data.ZoomAccount
) -> None:
    token = _token(server, account).json()["access_token"]
    expected = account.meetings_between(date(2024, 3, 8), date(2024, 3, 8))
    seen, page_token = [], ""
    while True:
        body = _meetings(
            server,
            token,
            page_size=4,
            next_page_token=page_token,
            **{"from": "2024-03-08", "to": "2024-03-08"},
        ).json()
        seen.extend(body["meetings"])
        page_token = body["next_page_token"]
        if not page_token:
            break
    assert body["total_records"] == len(expected) > 4
    assert [m["uuid"] for m in seen] == [m["uuid"] for m in expected]


@pytest.mark.parametrize(
    "params",
    [{"page_size": 301}, {"from": "2024-03-05"}, {"next_page_token": "bogus"}, {"from": "March"}],
)
def test_bad_queries_are_refused(
    server: RunningServer, account: zoom_data.ZoomAccount, params: dict[str, object]
) -> None:
    token = _token(server, account).json()["access_token"]
    response = _meetings(server, token, **params)
    assert response.status_code == 400 and response.json()["code"] == 300


def test_unknown_and_revoked_tokens_get_zoom_401(
    server: RunningServer, emulator: zoom_api.ZoomEmulator, account: zoom_data.ZoomAccount
) -> None:
    assert _meetings(server, "made-up").json() == {"code": 124, "message": "Invalid access token."}
    token = _token(server, account).json()["access_token"]
    assert _meetings(server, token).status_code == 200
    emulator.revoke_tokens()
    assert _meetings(server, token).status_code == 401


def test_expired_token_is_refused(account: zoom_data.ZoomAccount) -> None:
    with zoom_api.start(account, expires_in=0, today=TODAY) as server:
        token = _token(server, account).json()["access_token"]
        response = _meetings(server, token)
    assert response.status_code == 401
    assert response.json() == {"code": 124, "message": "Access token is expired."}


def test_throttles_the_first_requests_with_retry_after(account: zoom_data.ZoomAccount) -> None:
    emulator = zoom_api.ZoomEmulator(account, throttle_first=2, retry_after_s=7, today=TODAY)
    with start_server(emulator, "zoom") as server:
        token = _token(server, account).json()["access_token"]
        statuses = [_meetings(server, token) for _ in range(3)]
    assert [r.status_code for r in statuses] == [429, 429, 200]
    assert statuses[0].headers["Retry-After"] == "7"
    assert emulator.throttled == 2


def test_per_second_limit(account: zoom_data.ZoomAccount) -> None:
    emulator = zoom_api.ZoomEmulator(account, max_per_second=2, today=TODAY)
    with start_server(emulator, "zoom") as server:
        token = _token(server, account).json()["access_token"]
        statuses = {_meetings(server, token).status_code for _ in range(4)}
    assert 429 in statuses


def test_added_meetings_and_kinds(server: RunningServer, account: zoom_data.ZoomAccount) -> None:
    token = _token(server, account).json()["access_token"]
    late = zoom_data.make_meeting(
        random.Random(1), date(2024, 3, 4), uuid="late==", participants=1
    )
    account.add_meeting(late)
    past = _meetings(server, token).json()["meetings"]
    alone = _meetings(server, token, type="pastOne").json()["meetings"]
    assert "late==" in {m["uuid"] for m in past}
    assert "late==" in {m["uuid"] for m in alone}
    assert all(m["participants"] == 1 for m in alone)
    assert _meetings(server, token, type="live").json()["meetings"] == []


def test_faults_are_injected(account: zoom_data.ZoomAccount) -> None:
    with zoom_api.start(account, Faults(fail_first=1), today=TODAY) as server:
        assert _token(server, account).status_code == 503
        assert _token(server, account).status_code == 200


def test_duration_format() -> None:
    assert zoom_data.format_duration(85) == "01:25"
    assert zoom_data.format_duration(14108) == "03:55:08"


def test_requests_are_counted_by_endpoint(
    server: RunningServer, emulator: zoom_api.ZoomEmulator, account: zoom_data.ZoomAccount
) -> None:
    token = _token(server, account).json()["access_token"]
    listed = _meetings(server, token).json()["meetings"]
    requests.get(f"{server.url}/v2/users", timeout=10)
    assert emulator.stats.requests == {
        "POST /oauth/token": 1,
        "GET /v2/metrics/meetings": 1,
        "GET (unknown)": 1,
    }
    assert emulator.stats.items["GET /v2/metrics/meetings"] == len(listed)
    assert emulator.stats.statuses == {200: 2, 404: 1}


def test_per_minute_limit_of_the_resource_intensive_label(
    account: zoom_data.ZoomAccount,
) -> None:
    clock = [0.0]
    emulator = zoom_api.ZoomEmulator(account, today=TODAY, clock=lambda: clock[0])
    with start_server(emulator, "zoom") as server:
        token = _token(server, account).json()["access_token"]
        first = [_meetings(server, token).status_code for _ in range(20)]
        refused = _meetings(server, token)
        clock[0] += 60.0
        later = _meetings(server, token)
    assert first == [200] * zoom_api.RESOURCE_INTENSIVE_PER_MINUTE
    assert refused.status_code == 429 and "Retry-After" not in refused.headers
    assert refused.headers["X-RateLimit-Category"] == "Resource-intensive"
    assert later.status_code == 200


def test_daily_limit_answers_an_iso_retry_after(account: zoom_data.ZoomAccount) -> None:
    emulator = zoom_api.ZoomEmulator(account, today=TODAY, daily_limit=1)
    with start_server(emulator, "zoom") as server:
        token = _token(server, account).json()["access_token"]
        assert _meetings(server, token).status_code == 200
        refused = _meetings(server, token)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "2024-03-23T00:00:00Z"
    assert refused.headers["X-RateLimit-Type"] == "Daily-limit"


def test_days_older_than_six_months_are_refused(account: zoom_data.ZoomAccount) -> None:
    emulator = zoom_api.ZoomEmulator(account, today=date(2024, 9, 10))
    with start_server(emulator, "zoom") as server:
        token = _token(server, account).json()["access_token"]
        too_old = _meetings(server, token, **{"from": "2024-03-09", "to": "2024-03-09"})
        oldest = _meetings(server, token, **{"from": "2024-03-10", "to": "2024-03-10"})
    assert too_old.status_code == 400 and "six months" in too_old.json()["message"]
    assert oldest.status_code == 200
    assert zoom_api.months_before(date(2024, 8, 31), 6) == date(2024, 2, 29)
