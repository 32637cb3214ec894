"""The Zoom client against the Zoom emulator: OAuth token life cycle, paging, throttling."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from datetime import date

import pytest

from redaction import Secret
from sandbox.web import RunningServer, start_server
from sandbox.zoom import emulator as zoom_api
from sandbox.zoom import meetings as zoom_data
from settings import ZoomSettings
from sources import zoom as zoom_source
from sources.retry import RetryPolicy
from sources.zoom import ZoomClient
from vocab import FatalSourceError

DAY = date(2024, 3, 8)
TODAY = date(2024, 3, 9)


@pytest.fixture(scope="module")
def account() -> zoom_data.ZoomAccount:
    acct = zoom_data.build_account(DAY, DAY, seed=3, per_day=200)
    acct.client_secret = "client-secret-for-zoom-tests"
    return acct


@pytest.fixture
def emulator(account: zoom_data.ZoomAccount) -> zoom_api.ZoomEmulator:
    return zoom_api.ZoomEmulator(account, today=TODAY)


@pytest.fixture
def server(emulator: zoom_api.ZoomEmulator) -> Iterator[RunningServer]:
    with start_server(emulator, "zoom") as running:
        yield running


def _settings(
    server: RunningServer, account: zoom_data.ZoomAccount, secret: str | None = None
) -> ZoomSettings:
    urls = zoom_api.urls(server)
    return ZoomSettings(
        account.account_id,
        account.client_id,
        Secret(secret or account.client_secret),
        urls["base_url"],
        urls["token_url"],
        first_day=DAY,
        lookback_days=1,
    )


def test_pages_a_day_with_one_cached_token(
    server: RunningServer, emulator: zoom_api.ZoomEmulator, account: zoom_data.ZoomAccount
) -> None:
    client = ZoomClient(_settings(server, account))
    pages = list(client.past_meetings(DAY))
    expected = account.meetings_between(DAY, DAY)
    assert len(expected) > zoom_source.PAGE_SIZE  # so paging is exercised
    assert [m["uuid"] for page in pages for m in page] == [m["uuid"] for m in expected]
    assert len(pages) == 2 and emulator.tokens_issued == 1 == client.tokens_fetched


def test_revoked_token_is_replaced_once(
    server: RunningServer, emulator: zoom_api.ZoomEmulator, account: zoom_data.ZoomAccount
) -> None:
    client = ZoomClient(_settings(server, account))
    pages = client.past_meetings(DAY)
    first = next(pages)
    emulator.revoke_tokens()
    rest = [m for page in pages for m in page]
    assert len(first) + len(rest) == len(account.meetings_between(DAY, DAY))
    assert emulator.tokens_issued == 2 and emulator.unauthorized == 1


def test_token_renewed_before_expiry(
    server: RunningServer,
    emulator: zoom_api.ZoomEmulator,
    account: zoom_data.ZoomAccount,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client = ZoomClient(_settings(server, account))
    first = client.access_token()
    later = time.monotonic() + 3600
    monkeypatch.setattr(zoom_source.time, "monotonic", lambda: later)
    assert client.access_token() != first
    assert emulator.tokens_issued == 2 and emulator.unauthorized == 0


def test_token_refused_twice_is_fatal(account: zoom_data.ZoomAccount) -> None:
    emulator = zoom_api.ZoomEmulator(
        account, expires_in=0, today=TODAY
    )  # every token is born expired
    with start_server(emulator, "zoom") as server:
        client = ZoomClient(_settings(server, account), retry=RetryPolicy(attempts=2))
        with pytest.raises(FatalSourceError, match="401"):
            list(client.past_meetings(DAY))
    assert emulator.tokens_issued == 2 and emulator.unauthorized == 2


def test_bad_credentials_fail_without_showing_the_secret(
    server: RunningServer, account: zoom_data.ZoomAccount, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client = ZoomClient(_settings(server, account, secret="a-wrong-client-secret"))
    with pytest.raises(FatalSourceError) as raised:
        list(client.past_meetings(DAY))
    assert "invalid_client" in str(raised.value)
    assert "a-wrong-client-secret" not in str(raised.value) + caplog.text


def test_token_never_logged(
    server: RunningServer,
    emulator: zoom_api.ZoomEmulator,
    account: zoom_data.ZoomAccount,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    client = ZoomClient(_settings(server, account))
    list(client.past_meetings(DAY))
    emulator.revoke_tokens()
    list(client.past_meetings(DAY))
    assert client._token and client._token not in caplog.text
    assert account.client_secret not in caplog.text
